"""How bookings follow their assessments: the pre-brief goes when the assessment does."""

from typing import Any

from django.dispatch import receiver

from apps.assessments.models import Assessment
from apps.assessments.signals import assessments_deleting

from . import services


@receiver(assessments_deleting, sender=Assessment, dispatch_uid="booking.clear_briefs")
def clear_briefs(sender: type[Assessment], ids: list[int], **kwargs: Any) -> None:
    services.clear_briefs(assessment_ids=ids)
