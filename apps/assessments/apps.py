from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "apps.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # Celery autodiscovers only ``tasks.py``; the report task lives in its own module.
        from . import report_tasks  # noqa: F401
