"""Celery tasks of the dashboard."""

import logging

from celery import shared_task

from apps.assessments import services as assessment_services
from apps.questionnaire.models import ScoringModel

logger = logging.getLogger(__name__)


@shared_task(name="dashboard.rescore_chunk", acks_late=True, soft_time_limit=300, time_limit=360)
def rescore_chunk(assessment_ids: list[int], scoring_model_id: int, **kwargs: object) -> int:
    """Re-score up to 100 assessments with one model version; returns how many succeeded.

    ``score_assessment`` keeps each previous result. One assessment that fails is logged and
    skipped so that the rest of the chunk still moves to the new version.
    """
    scoring_model = ScoringModel.objects.get(pk=scoring_model_id)
    done = 0
    for assessment_id in assessment_ids:
        try:
            assessment_services.score_assessment(
                assessment_id=assessment_id, scoring_model=scoring_model
            )
        except Exception:
            logger.exception(
                "re-scoring assessment %s with v%s failed", assessment_id, scoring_model.version
            )
        else:
            done += 1
    return done
