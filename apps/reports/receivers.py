"""How reports follow their assessments: rendered after scoring, removed with the rows."""

from typing import Any

from django.conf import settings
from django.dispatch import receiver

from apps.assessments.models import Assessment
from apps.assessments.signals import assessment_scored, report_files_released

from . import pdf


@receiver(assessment_scored, sender=Assessment, dispatch_uid="reports.render_after_scoring")
def render_after_scoring(sender: type[Assessment], assessment: Assessment, **kwargs: Any) -> None:
    # The PDF is ready by the time the prospect asks for it; the reports worker claims it.
    if settings.REPORTS_RENDER_AFTER_SCORING:
        pdf.queue_render_after_scoring(assessment)


@receiver(report_files_released, sender=Assessment, dispatch_uid="reports.delete_files")
def delete_files(sender: type[Assessment], names: list[str], **kwargs: Any) -> None:
    for name in names:
        pdf.delete_files(name)
