"""Fixtures on the real scoring model from fixtures/ (see ``fixture_model``), scored by the engine."""

import pytest

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.catalog.models import Technology
from apps.questionnaire.models import ScoringModel

from .fixture_model import ANSWERS, CONTACT_STEP, create_options, model_snapshot, publish


@pytest.fixture
def fixture_options(db) -> list[Technology]:
    """The five options of the real catalog."""
    return create_options()


@pytest.fixture
def published_model(fixture_options) -> ScoringModel:
    """Version 1 of the fixture model, published with its real checksum."""
    return publish(model_snapshot(version=1))


@pytest.fixture
def draft(published_model) -> tuple[Assessment, str]:
    """A fresh draft and its raw token."""
    return services.start_assessment()


@pytest.fixture
def answered_draft(draft) -> tuple[Assessment, str]:
    """A draft with the CFD lab's complete, valid answer set saved, on the contact step."""
    assessment, token = draft
    Assessment.objects.filter(pk=assessment.pk).update(
        answers=dict(ANSWERS), current_step=CONTACT_STEP
    )
    assessment.refresh_from_db()
    return assessment, token


@pytest.fixture
def pending(answered_draft, django_capture_on_commit_callbacks) -> tuple[Assessment, str]:
    """A submitted assessment whose scoring task has not run (the on-commit hook is dropped)."""
    assessment, token = answered_draft
    with django_capture_on_commit_callbacks(execute=False):
        services.submit_assessment(assessment=assessment, contact={}, consent=False)
    assessment.refresh_from_db()
    return assessment, token
