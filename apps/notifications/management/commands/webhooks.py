"""``manage.py webhooks add URL --events a,b --secret S`` / ``list`` / ``remove ID``."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.notifications.models import EventType, WebhookEndpoint
from apps.notifications.services import webhooks


class Command(BaseCommand):
    help = "Manage the webhook endpoints that receive events (see the README)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="Register an endpoint; prints its id.")
        add.add_argument("url")
        add.add_argument(
            "--events",
            required=True,
            help="Comma-separated event types: " + ", ".join(EventType.values),
        )
        add.add_argument("--secret", required=True, help="The secret deliveries are signed with.")
        add.add_argument("--description", default="")
        commands.add_parser(
            "list", help="One line per endpoint: id, URL, events, active, last status."
        )
        remove = commands.add_parser("remove", help="Delete an endpoint and its delivery log.")
        remove.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(**options)

    def _add(self, *, url: str, events: str, secret: str, description: str, **_: Any) -> None:
        if not secret.strip():
            raise CommandError("--secret must not be empty")
        chosen = [name.strip() for name in events.split(",") if name.strip()]
        try:
            endpoint = webhooks.create_endpoint(
                url=url, events=chosen, secret=secret, description=description
            )
        except webhooks.InvalidEndpoint as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(endpoint.pk))

    def _list(self, **_: Any) -> None:
        for endpoint in WebhookEndpoint.objects.order_by("pk"):
            active = "active" if endpoint.active else "inactive"
            fields = [
                str(endpoint.pk),
                endpoint.url,
                ",".join(endpoint.events),
                active,
                webhooks.last_status(endpoint),
            ]
            self.stdout.write("\t".join(fields))

    def _remove(self, *, id: int, **_: Any) -> None:
        deleted, _by_model = WebhookEndpoint.objects.filter(pk=id).delete()
        if not deleted:
            raise CommandError(f"No webhook endpoint with id {id}")
        self.stdout.write(f"Removed endpoint {id}")
