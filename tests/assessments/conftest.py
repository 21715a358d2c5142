"""Fixtures on a hand-made scoring model (``snapshot.py``), so these tests need no fixtures/."""

import copy
from typing import Any

import pytest

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.catalog.models import Technology
from apps.questionnaire.models import Questionnaire, ScoringModel

from .snapshot import MPI_ANSWERS, SNAPSHOT


@pytest.fixture
def snapshot() -> dict[str, Any]:
    return copy.deepcopy(SNAPSHOT)


@pytest.fixture
def options(db) -> list[Technology]:
    kinds = {"slurm": "scheduler", "kubernetes": "orchestrator", "hybrid": "hybrid"}
    return [
        Technology.objects.create(
            name=o["name"],
            slug=o["slug"],
            kind=kinds[o["slug"]],
            tagline=o["name"],
            description="",
            is_option=True,
            colour=o["colour"],
            order=n,
        )
        for n, o in enumerate(SNAPSHOT["options"])
    ]


@pytest.fixture
def scoring_model(db, options, snapshot) -> ScoringModel:
    """Version 1 of the hand-made model, published."""
    questionnaire = Questionnaire.objects.create(
        title="Test questionnaire", slug="hpc-orchestration"
    )
    return ScoringModel.objects.create(
        questionnaire=questionnaire, version=1, snapshot=snapshot, checksum="0" * 64
    )


@pytest.fixture
def draft(scoring_model) -> tuple[Assessment, str]:
    """A fresh draft and its raw token."""
    return services.start_assessment()


@pytest.fixture
def answered_draft(draft) -> tuple[Assessment, str]:
    """A draft with a complete, valid answer set saved."""
    assessment, token = draft
    Assessment.objects.filter(pk=assessment.pk).update(answers=dict(MPI_ANSWERS), current_step=3)
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
