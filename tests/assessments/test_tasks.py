"""The Celery tasks, called directly: idempotent, failing safely, sweeping what was lost."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessments import services, signals, tasks
from apps.assessments.models import Assessment
from apps.questionnaire.models import ScoringModel
from apps.questionnaire.services import checksum

pytestmark = pytest.mark.django_db


def reload(assessment: Assessment) -> Assessment:
    assessment.refresh_from_db()
    return assessment


def test_it_scores_once_when_the_task_runs_twice(pending):
    assessment, _token = pending

    tasks.score(assessment.pk)
    first = reload(assessment)
    tasks.score(assessment.pk)
    second = reload(assessment)

    assert second.status == Assessment.Status.SCORED
    assert second.attempts == 1
    assert second.scored_at == first.scored_at


def test_it_leaves_a_row_another_worker_claimed(pending):
    assessment, _token = pending
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SCORING)

    tasks.score(assessment.pk)

    assert reload(assessment).result is None


def test_it_ignores_an_assessment_that_no_longer_exists(db):
    assert tasks.score(123456) is None


def test_it_marks_the_row_failed_with_a_safe_message_when_scoring_breaks(pending):
    assessment, _token = pending
    # A version with no sections, options or risks: the engine cannot score with it.
    snapshot = {"version": 2}
    broken = ScoringModel.objects.create(
        questionnaire=assessment.scoring_model.questionnaire,
        version=2,
        snapshot=snapshot,
        checksum=checksum(snapshot),
    )
    Assessment.objects.filter(pk=assessment.pk).update(scoring_model=broken)

    tasks.score(assessment.pk)

    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.FAILED
    assert assessment.error.startswith("Scoring failed (")
    assert "Traceback" not in assessment.error
    assert assessment.result is None


def test_it_hands_the_row_back_for_a_retry_on_a_transient_database_fault(pending, monkeypatch):
    assessment, _token = pending

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "score_loaded", database_gone)

    with pytest.raises(OperationalError):
        tasks.score(assessment.pk)

    assert reload(assessment).status == Assessment.Status.PENDING


def test_it_marks_the_row_failed_when_the_retries_run_out(pending):
    assessment, _token = pending
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SCORING)

    tasks.score.on_failure(OperationalError("gone"), "task-id", (assessment.pk,), {}, None)

    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.FAILED
    assert "OperationalError" in assessment.error


def test_it_retries_transient_faults_with_backoff_and_limits():
    assert tasks.score.acks_late is True
    assert OperationalError in tasks.score.autoretry_for
    assert tasks.score.retry_backoff
    assert tasks.score.max_retries == 5
    assert tasks.score.soft_time_limit < tasks.score.time_limit


def test_it_requeues_assessments_pending_too_long(pending, django_capture_on_commit_callbacks):
    assessment, _token = pending
    fresh, _token = services.start_assessment()
    Assessment.objects.filter(pk=fresh.pk).update(
        status=Assessment.Status.PENDING, submitted_at=timezone.now()
    )

    with (
        time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        Assessment.objects.filter(pk=fresh.pk).update(submitted_at=timezone.now())
        requeued = tasks.requeue_pending()

    # Eager mode: the re-queued task ran and scored the stuck row; the fresh one waits.
    assert requeued == 1
    assert reload(assessment).status == Assessment.Status.SCORED
    assert reload(fresh).status == Assessment.Status.PENDING


def test_it_takes_back_rows_a_dead_worker_held_in_scoring(
    pending, django_capture_on_commit_callbacks
):
    assessment, _token = pending
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SCORING, attempts=1)

    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert tasks.requeue_pending() == 0
    # The sweep queues on commit (at once in a worker's autocommit; here when the block ends).
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.requeue_pending() == 1

    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.SCORED
    assert assessment.attempts == 2


def test_it_fails_a_row_that_keeps_killing_its_worker(pending):
    assessment, _token = pending
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.SCORING, attempts=services.MAX_ATTEMPTS
    )

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert tasks.requeue_pending() == 0

    assert reload(assessment).status == Assessment.Status.FAILED


def test_it_purges_stale_drafts(draft, settings):
    assessment, _token = draft
    settings.DRAFT_RETENTION = timedelta(days=1)

    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert tasks.purge_stale_drafts() == 1

    assert not Assessment.objects.exists()


def test_it_sends_the_resume_link_only_for_a_matching_token(draft, settings):
    assessment, token = draft

    sent = tasks.send_resume_link(assessment.pk, "ada@example.org", token)
    refused = tasks.send_resume_link(assessment.pk, "eve@example.org", "guessed-token")

    assert (sent, refused) == (True, False)
    assert len(mail.outbox) == 1
    assert f"{settings.SITE_URL}/assessment/{token}/" in mail.outbox[0].body


def test_it_answers_a_ping_with_its_argument():
    assert tasks.ping("hello") == "hello"


def test_a_claim_marks_the_row_and_reads_it_in_one_statement(pending, django_assert_num_queries):
    assessment, _token = pending
    before = timezone.now()

    with django_assert_num_queries(1):
        claimed = services.claim_for_scoring(assessment_id=assessment.pk)

    # the row as it now is, with its version's number and checksum but not its snapshot
    assert claimed is not None
    assert (claimed.pk, claimed.status, claimed.attempts) == (
        assessment.pk,
        Assessment.Status.SCORING,
        1,
    )
    assert claimed.answers == assessment.answers
    model = claimed.scoring_model
    stored = ScoringModel.objects.get(pk=assessment.scoring_model_id)
    assert (model.pk, model.version, model.checksum) == (stored.pk, stored.version, stored.checksum)
    assert "snapshot" in model.get_deferred_fields()
    # and the stored time compares as the ORM's own do (the sweep looks for old claims)
    stored_row = reload(assessment)
    assert stored_row.status == Assessment.Status.SCORING
    assert before <= stored_row.updated_at <= timezone.now()
    assert Assessment.objects.filter(pk=assessment.pk, updated_at__gte=before).exists()


def test_a_claim_takes_a_pending_row_once(pending):
    assessment, _token = pending

    first = services.claim_for_scoring(assessment_id=assessment.pk)
    second = services.claim_for_scoring(assessment_id=assessment.pk)

    assert first is not None
    assert second is None
    assert reload(assessment).attempts == 1


def test_a_claim_of_a_missing_row_is_none(db):
    assert services.claim_for_scoring(assessment_id=123456) is None


def test_scoring_finds_the_recommended_technology_within_its_update(pending):
    assessment, _token = pending
    claimed = services.claim_for_scoring(assessment_id=assessment.pk)
    assert claimed is not None

    with CaptureQueriesContext(connection) as queries:
        services.score_loaded(assessment=claimed)

    # no statement of its own reads the technology: the UPDATE's subquery does
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [
        sql
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT") and "catalog_technology" in sql
    ]
    assert any(sql.startswith("UPDATE") and "catalog_technology" in sql for sql in statements)
    # one write: the result, its figures and the technology's id
    assert len([sql for sql in statements if sql.startswith("UPDATE")]) == 1
    # and the stored id is the recommended option's, as the row read afterwards shows
    stored = reload(assessment)
    assert stored.recommendation is not None
    assert stored.recommendation.slug == stored.result["recommendation"]
    assert claimed.recommendation_id == stored.recommendation_id


def test_a_row_deleted_while_it_was_scored_is_left_alone(pending):
    assessment, _token = pending
    claimed = services.claim_for_scoring(assessment_id=assessment.pk)
    assert claimed is not None
    Assessment.objects.filter(pk=assessment.pk).delete()
    heard = []

    def hear(sender, assessment, **kwargs):
        heard.append(assessment.pk)

    signals.assessment_scored.connect(hear, weak=False, dispatch_uid="test.heard")
    try:
        services.score_loaded(assessment=claimed)
    finally:
        signals.assessment_scored.disconnect(dispatch_uid="test.heard")

    assert heard == []
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    assert claimed.status == Assessment.Status.SCORING


@pytest.mark.django_db(transaction=True)
def test_the_task_relaxes_its_commits_within_its_own_statements(pending):
    assessment, _token = pending
    # committed at once here, so the eager queue scored it already: pending again
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.PENDING, result=None, attempts=0
    )

    with CaptureQueriesContext(connection) as queries:
        tasks.score(assessment.pk)

    assert reload(assessment).status == Assessment.Status.SCORED
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    relaxing = "set_config('synchronous_commit', 'off', true)"
    # the claim and the result; no SET of their own (a round trip each time)
    assert len(writes) == 2
    assert not [q for q in queries.captured_queries if q["sql"].upper().startswith("SET")]
    if connection.vendor == "postgresql":
        assert all(relaxing in sql for sql in writes)
    else:
        assert not [sql for sql in writes if relaxing in sql]


def test_scoring_outside_the_task_waits_for_the_disk(pending):
    assessment, _token = pending
    claimed = services.claim_for_scoring(assessment_id=assessment.pk)
    assert claimed is not None

    with CaptureQueriesContext(connection) as queries:
        services.score_loaded(assessment=claimed)

    assert not [q for q in queries.captured_queries if "synchronous_commit" in q["sql"]]
