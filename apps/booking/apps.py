from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "apps.booking"
    label = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        # Services queue the tasks by name: register them in every process, not only workers.
        # The receivers drop pre-briefs with their assessments.
        from . import receivers, tasks  # noqa: F401
