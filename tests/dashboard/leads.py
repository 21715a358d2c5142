"""Scored leads in bulk for the dashboard tests, with the engine's result."""

from datetime import timedelta

from django.utils import timezone

from apps.assessments.models import Assessment
from apps.catalog.models import Technology
from apps.core.tokens import new_token
from tests.reports.factories import ANSWERS, engine_result


def make_leads(
    count: int, model, *, answers: dict | None = None, previous_model=None, **fields
) -> list[Assessment]:
    """``count`` scored leads in one insert, submitted an hour apart, newest first.

    All share one answer set and so one result, the engine's (scored once). With
    ``previous_model`` they also carry the result that version gave, as a re-score leaves it.
    """
    answers = ANSWERS if answers is None else answers
    result = engine_result(model, answers)
    recommendation = result["recommendation"]
    technology = Technology.objects.get(slug=recommendation)
    previous = {}
    if previous_model is not None:
        previous = {
            "previous_result": engine_result(previous_model, answers),
            "previous_scoring_model": previous_model,
        }
    now = timezone.now()
    rows = [
        Assessment(
            token_hash=new_token()[1],
            status=Assessment.Status.SCORED,
            answers=answers,
            company=f"Company {n:05d}",
            contact_name=f"Contact {n}",
            contact_email=f"lead{n}@example.org",
            consent=True,
            scoring_model=model,
            result=result,
            recommendation=technology,
            fit=result["scores"][recommendation]["fit"],
            confidence=result["confidence"],
            submitted_at=now - timedelta(hours=n),
            scored_at=now - timedelta(hours=n),
            **previous,
        )
        for n in range(count)
    ]
    for row in rows:
        for name, value in fields.items():
            setattr(row, name, value)
    return Assessment.objects.bulk_create(rows)
