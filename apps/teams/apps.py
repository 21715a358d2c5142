from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "apps.teams"
    label = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - follows members' scoring and deletions.
