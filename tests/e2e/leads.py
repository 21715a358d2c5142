"""Scored leads made as the site makes them, for the browser tests."""

import random

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.questionnaire.api import _public
from apps.questionnaire.services import latest_model
from tests.prospects import random_answers


def make_lead(company: str, seed: int) -> Assessment:
    """A scored lead on the published questionnaire, answered as a prospect would."""
    questionnaire = _public(latest_model().snapshot)
    assessment, _ = services.submit_answers(
        answers=random_answers(questionnaire, random.Random(seed)),
        contact={"name": f"Contact at {company}", "email": "lead@example.org", "company": company},
        consent=True,
    )
    assessment.refresh_from_db()
    if not assessment.is_scored():
        services.score_assessment(assessment_id=assessment.pk)
    return assessment
