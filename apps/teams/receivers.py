"""How teams follow their members' assessments: scored answers count, deleted ones go."""

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from apps.assessments.models import Assessment
from apps.assessments.signals import assessment_scored, assessments_deleting

from . import services

logger = logging.getLogger(__name__)


@receiver(assessment_scored, sender=Assessment, dispatch_uid="teams.record_answered")
def record_answered(sender: type[Assessment], assessment: Assessment, **kwargs: Any) -> None:
    # Runs inside the scoring transaction: the team's figures are derived data, so a fault
    # here is logged and must not undo the member's stored result. One query for an
    # assessment outside any team (nearly all), and no savepoint for it.
    member = services.member_for(assessment)
    if member is None:
        return
    try:
        with transaction.atomic():
            services.record_answered(member=member)
    except Exception:
        logger.exception("team figures for assessment %s not updated", assessment.pk)


@receiver(assessments_deleting, sender=Assessment, dispatch_uid="teams.forget_assessments")
def forget_assessments(sender: type[Assessment], ids: list[int], **kwargs: Any) -> None:
    # A team goes with its owner's assessment, and so do the assessments made only for it.
    services.forget_assessments(ids=ids)
