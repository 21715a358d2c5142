from datetime import timedelta

import pytest
from django.utils import timezone

from apps.assessments.models import Assessment
from apps.catalog.models import Technology
from apps.core.tokens import new_token
from tests.reports.factories import ANSWERS, sample_result


def make_leads(count: int, model, *, recommendation: str = "slurm", **fields) -> list[Assessment]:
    """``count`` scored leads in one insert, submitted an hour apart, newest first."""
    result = sample_result(model.snapshot, ANSWERS, recommendation)
    technology = Technology.objects.get(slug=recommendation)
    now = timezone.now()
    rows = [
        Assessment(
            token_hash=new_token()[1],
            status=Assessment.Status.SCORED,
            answers=ANSWERS,
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
        )
        for n in range(count)
    ]
    for row in rows:
        for name, value in fields.items():
            setattr(row, name, value)
    return Assessment.objects.bulk_create(rows)


@pytest.fixture
def leads(scoring_model):  # noqa: F811 (the fixture imported above)
    return lambda count, **kwargs: make_leads(count, scoring_model, **kwargs)
