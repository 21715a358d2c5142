"""Bookings for dashboard tests: a confirmed (or cancelled) booking of a fresh slot."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.booking.models import Booking, Slot
from apps.core.tokens import new_token

_minutes = itertools.count()


def make_booking(*, assessment, status: str = Booking.Status.CONFIRMED):
    engineer, _ = get_user_model().objects.get_or_create(
        username="dashboard-engineer", defaults={"is_staff": True}
    )
    start = timezone.now() + timedelta(days=3, minutes=90 * next(_minutes))
    slot = Slot.objects.create(engineer=engineer, start=start, end=start + timedelta(minutes=60))
    return Booking.objects.create(
        slot=slot,
        assessment=assessment,
        status=status,
        name=assessment.contact_name or "Prospect",
        email=assessment.contact_email or "prospect@example.org",
        token_hash=new_token()[1],
    )
