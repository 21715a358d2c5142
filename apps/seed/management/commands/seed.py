"""Loads the starting content and demo users. Safe to run any number of times."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.cases.services import CaseFileError, load_case_files
from apps.questionnaire.services import PublishError, publish_initial_if_missing
from apps.seed.demo import DEMO_USERS, create_demo_availability, create_demo_users
from apps.seed.releases import publish_shipped_version

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
CASES_DIR = FIXTURES_DIR / "cases"


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
        self._cases()
        self._shipped_version()
        self._demo_availability()

    def _cases(self) -> None:
        # The case files are checked against the questionnaire just published (or the latest).
        try:
            loaded = load_case_files(CASES_DIR)
        except CaseFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Cases: {len(loaded.created)} created, {len(loaded.updated)} updated, "
            f"{len(loaded.unchanged)} unchanged"
        )

    def _shipped_version(self) -> None:
        # After the cases: publishing calibrates the shipped draft against them.
        try:
            model = publish_shipped_version()
        except PublishError as exc:
            raise CommandError(str(exc)) from exc
        if model is not None:
            calibration = model.calibration or {}
            self.stdout.write(
                f"Published scoring model v{model.version} "
                f"(top1={calibration.get('top1', 0):.2f} top2={calibration.get('top2', 0):.2f})"
            )

    def _demo_availability(self) -> None:
        # Demo engineers would take real bookings on a production site: development only.
        if not settings.DEBUG:
            return
        created = create_demo_availability()
        self.stdout.write(f"Demo availability: {created} new slots for the coming four weeks")

    def _demo_users(self) -> None:
        create_demo_users()
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (development only):"))
        for username, password, group_name in DEMO_USERS:
            self.stdout.write(f"  {username} / {password}  ({group_name or 'superuser'})")
