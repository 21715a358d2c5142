"""Submitting, scoring and the stored result."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.assessments import services, tasks
from apps.assessments.models import Assessment
from apps.questionnaire import scoring
from apps.questionnaire.forms import validate_answers
from apps.questionnaire.models import ScoringModel
from apps.questionnaire.services import checksum

from .fixture_model import ANSWERS, RECOMMENDED, derived_snapshot, publish, question, step_answers

pytestmark = pytest.mark.django_db


def test_it_refuses_to_start_without_a_published_model(db):
    with pytest.raises(services.NoPublishedModel):
        services.start_assessment()


def test_it_refuses_to_submit_an_incomplete_answer_set(draft, django_capture_on_commit_callbacks):
    assessment, _token = draft
    # Left out: interconnect (required), latency_sensitivity (required, and asked because
    # mpi_share is "most") and job_volume (optional).
    missing = {"interconnect", "latency_sensitivity", "job_volume"}
    assessment.answers = {k: v for k, v in ANSWERS.items() if k not in missing}

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as info:
        services.submit_assessment(assessment=assessment, contact={}, consent=False)

    assert set(info.value.message_dict) == {"interconnect", "latency_sensitivity"}
    assert not callbacks
    assert Assessment.objects.get().status == Assessment.Status.DRAFT


def test_it_submits_once_even_when_called_twice(answered_draft, django_capture_on_commit_callbacks):
    assessment, _token = answered_draft

    with django_capture_on_commit_callbacks() as callbacks:
        services.submit_assessment(assessment=assessment, contact={}, consent=False)
        services.submit_assessment(assessment=assessment, contact={}, consent=False)

    assert len(callbacks) == 1


def test_it_logs_instead_of_raising_when_publishing_after_commit_fails(
    answered_draft, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    assessment, _token = answered_draft

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.score, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_assessment(assessment=assessment, contact={}, consent=False)

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.PENDING
    assert "broker unreachable" in caplog.text


def test_it_stores_the_engine_result_with_its_denormalised_figures(pending):
    assessment, _token = pending

    services.score_assessment(assessment_id=assessment.pk)

    assessment.refresh_from_db()
    expected = scoring.score(assessment.scoring_model.snapshot, assessment.answers)
    recommended = expected["recommendation"]
    assert recommended == RECOMMENDED
    assert assessment.status == Assessment.Status.SCORED
    assert assessment.result == expected
    assert assessment.recommendation.slug == recommended
    assert assessment.fit == expected["scores"][recommended]["fit"]
    assert assessment.confidence == expected["confidence"]
    assert assessment.scored_at is not None
    assert services.result_for(assessment) == expected


def test_it_stores_the_result_compressed_with_lz4_on_postgresql(pending):
    assessment, _token = pending
    if connection.vendor != "postgresql":
        pytest.skip("TOAST compression is PostgreSQL's")

    services.score_assessment(assessment_id=assessment.pk)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(result) FROM assessments_assessment WHERE id = %s",
            [assessment.pk],
        )
        assert cursor.fetchone() == ("lz4",)
    assessment.refresh_from_db()
    assert assessment.result == scoring.score(assessment.scoring_model.snapshot, assessment.answers)


def _infiniband_favours_kubernetes(snapshot: dict[str, Any]) -> None:
    """Version 2's edit: answering InfiniBand gives Kubernetes 9 points."""
    infiniband = question("interconnect", snapshot)["choices"][0]
    assert infiniband["key"] == "infiniband"
    infiniband["weights"]["kubernetes"]["points"] = 9.0


def test_it_keeps_the_previous_result_when_rescoring_with_another_model(pending):
    assessment, _token = pending
    services.score_assessment(assessment_id=assessment.pk)
    first = Assessment.objects.get(pk=assessment.pk).result
    v2 = publish(derived_snapshot(2, _infiniband_favours_kubernetes))

    services.score_assessment(assessment_id=assessment.pk, scoring_model=v2)

    assessment.refresh_from_db()
    assert assessment.scoring_model == v2
    assert assessment.previous_scoring_model.version == 1
    assert assessment.previous_result == first
    assert assessment.result == scoring.score(v2.snapshot, assessment.answers)
    assert assessment.result["scores"] != first["scores"]


def test_it_keeps_no_previous_result_when_rescoring_with_the_same_model(pending):
    assessment, _token = pending
    services.score_assessment(assessment_id=assessment.pk)

    services.score_assessment(assessment_id=assessment.pk)

    assessment.refresh_from_db()
    assert assessment.previous_result is None
    assert assessment.previous_scoring_model is None


def test_it_scores_with_the_model_the_draft_started_on(pending):
    assessment, _token = pending
    # A later version the engine could not even read: scoring must not touch it.
    broken = {"broken": True}
    ScoringModel.objects.create(
        questionnaire=assessment.scoring_model.questionnaire,
        version=2,
        snapshot=broken,
        checksum=checksum(broken),
    )

    services.score_assessment(assessment_id=assessment.pk)

    assessment.refresh_from_db()
    assert assessment.scoring_model.version == 1
    assert assessment.is_scored()


def test_it_submits_answers_from_the_api_in_one_transaction(scoring_model):
    with pytest.raises(ValidationError):
        services.submit_answers(answers=step_answers(1), contact={}, consent=False)

    assert not Assessment.objects.exists()


def test_it_cleans_api_answers_unless_the_caller_validated_them(scoring_model):
    # An answer to a question this persona is not shown: cleaning drops it.
    gpu_sharing = question("gpu_sharing")["choices"][0]["key"]
    answers = dict(ANSWERS, gpu_sharing=gpu_sharing)
    cleaned = validate_answers(
        services.compiled_for(Assessment(scoring_model=scoring_model)), answers
    )
    assert "gpu_sharing" not in cleaned

    checked, _token = services.submit_answers(answers=answers, contact={}, consent=False)
    # What the API's serializer validated for this model is stored as given.
    trusted, _token = services.submit_answers(
        answers=cleaned, contact={}, consent=False, scoring_model=scoring_model, validated=True
    )

    checked.refresh_from_db()
    trusted.refresh_from_db()
    assert checked.answers == trusted.answers == cleaned
    with pytest.raises(ValueError, match="scoring_model"):
        services.submit_answers(answers=cleaned, contact={}, consent=False, validated=True)


def test_a_status_poll_reads_its_row_and_model_version_in_one_query(
    pending, django_assert_num_queries
):
    assessment, token = pending
    model = assessment.scoring_model

    with django_assert_num_queries(1):
        polled = services.status_for_token(token)
        assert polled is not None
        assert (polled.pk, polled.status) == (assessment.pk, Assessment.Status.PENDING)
        assert polled.answers == assessment.answers
        assert polled.result is None
        assert (polled.scoring_model.version, polled.scoring_model.checksum) == (
            model.version,
            model.checksum,
        )

    services.score_assessment(assessment_id=assessment.pk)
    scored = services.status_for_token(token)
    assert scored is not None
    assert scored.is_scored()
    assert scored.result["recommendation"] == RECOMMENDED
    for stranger in ("", "x" * 101, token[:-1], token + "x"):
        assert services.status_for_token(stranger) is None


def test_it_purges_only_drafts_older_than_the_retention(pending, settings):
    settings.DRAFT_RETENTION = timedelta(days=30)
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        old_draft, _token = services.start_assessment()
        old_submitted, _token = services.start_assessment()
        Assessment.objects.filter(pk=old_submitted.pk).update(status=Assessment.Status.SCORED)
    services.start_assessment()

    deleted = services.purge_stale_drafts()

    assert deleted == 1
    assert not Assessment.objects.filter(pk=old_draft.pk).exists()
    assert Assessment.objects.count() == 3
