"""Demo data for a development site: logins for each group, engineers with weekly availability.

Never loaded in production (the seed command checks DEBUG): demo engineers would take real
bookings and demo logins have published passwords.
"""

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone as dj_timezone

from apps.accounts.models import CONTENT_EDITORS, SALES
from apps.booking.models import AvailabilityRule, Weekday
from apps.booking.services import HORIZON, generate_slots

# Demo logins for a development site: (username, password, group or None for a superuser).
DEMO_USERS = [
    ("admin", "admin-demo-pass", None),
    ("editor", "editor-demo-pass", CONTENT_EDITORS),
    ("sales", "sales-demo-pass", SALES),
]

# (username, first name, last name, time zone, [(weekday, start, end)]) for `manage.py seed`.
DEMO_ENGINEERS = [
    (
        "demo-engineer-berlin",
        "Lena",
        "Hartmann",
        "Europe/Berlin",
        [
            (Weekday.MONDAY, time(9), time(12)),
            (Weekday.TUESDAY, time(13), time(17)),
            (Weekday.WEDNESDAY, time(9), time(12)),
            (Weekday.THURSDAY, time(13), time(17)),
        ],
    ),
    (
        "demo-engineer-newyork",
        "Marcus",
        "Reed",
        "America/New_York",
        [
            (Weekday.TUESDAY, time(10), time(13)),
            (Weekday.THURSDAY, time(10), time(13)),
            (Weekday.FRIDAY, time(9), time(12)),
        ],
    ),
]


def create_demo_availability() -> int:
    """Demo engineers (staff, no password) with weekly rules, and their slots for the coming
    four weeks. Idempotent; returns the number of slots created."""
    User = get_user_model()
    editors, _created = Group.objects.get_or_create(name=CONTENT_EDITORS)
    today = dj_timezone.localdate()
    for username, first_name, last_name, zone, windows in DEMO_ENGINEERS:
        engineer, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.com",
                "is_staff": True,
            },
        )
        if created:
            engineer.set_unusable_password()
            engineer.save(update_fields=["password"])
        engineer.groups.add(editors)
        for weekday, start_time, end_time in windows:
            AvailabilityRule.objects.get_or_create(
                engineer=engineer,
                weekday=weekday,
                start_time=start_time,
                end_time=end_time,
                timezone=zone,
                defaults={
                    "slot_minutes": 45,
                    "buffer_minutes": 15,
                    "valid_from": today - timedelta(days=today.weekday()),
                },
            )
    now = dj_timezone.now()
    return generate_slots(start=now, end=now + HORIZON)


def create_demo_users() -> None:
    """The DEMO_USERS logins, staff, each in its group. Idempotent: existing users keep
    their password."""
    User = get_user_model()
    for username, password, group_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", "is_staff": True}
        )
        if created:
            user.set_password(password)
            user.is_superuser = group_name is None
            user.save(update_fields=["password", "is_superuser"])
        if group_name:
            user.groups.add(Group.objects.get_or_create(name=group_name)[0])
