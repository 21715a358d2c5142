"""Loads the starting content and demo users. Safe to run any number of times."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from apps.accounts.models import CONTENT_EDITORS, SALES
from apps.questionnaire.services import publish_initial_if_missing

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"

# Demo logins for a development site: (username, password, group or None for a superuser).
DEMO_USERS = [
    ("admin", "admin-demo-pass", None),
    ("editor", "editor-demo-pass", CONTENT_EDITORS),
    ("sales", "sales-demo-pass", SALES),
]


class Command(BaseCommand):
    help = "Load fixtures/ (in file-name order) and create demo users for each group."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-demo-users",
            action="store_true",
            help="Skip the demo users (always skipped when DJANGO_DEBUG is false).",
        )

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            for fixture in sorted(FIXTURES_DIR.glob("*.json")):
                call_command("loaddata", str(fixture), verbosity=0)
                self.stdout.write(f"Loaded {fixture.name}")
            self._after_fixtures()
        if settings.DEBUG and not options["no_demo_users"]:
            self._demo_users()

    def _after_fixtures(self) -> None:
        """Steps that derive data from the fixtures (each one idempotent)."""
        if model := publish_initial_if_missing():
            self.stdout.write(f"Published scoring model v{model.version}")
        self._demo_availability()

    def _demo_availability(self) -> None:
        # Demo engineers would take real bookings on a production site: development only.
        if not settings.DEBUG:
            return
        from apps.booking.services import create_demo_availability

        created = create_demo_availability()
        self.stdout.write(f"Demo availability: {created} new slots for the coming four weeks")

    def _demo_users(self) -> None:
        User = get_user_model()
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (development only):"))
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
            self.stdout.write(f"  {username} / {password}  ({group_name or 'superuser'})")
