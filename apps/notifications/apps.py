from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications and webhooks")

    def ready(self) -> None:
        # Services queue the tasks by name: register them in every process, not only workers.
        # The receivers turn the lower apps' signals into events.
        from . import receivers, tasks  # noqa: F401
