from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.reports import pdf as reports
from apps.reports import tasks
from apps.reports.tasks import render_report

from .factories import make_assessment, make_scoring_model

pytestmark = pytest.mark.django_db

Status = Assessment.ReportStatus


def _render(assessment, django_capture_on_commit_callbacks) -> bool:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = reports.queue_render(assessment)
    assessment.refresh_from_db()
    return queued and len(callbacks) == 1


def test_it_renders_and_stores_both_variants_after_commit(
    scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, _ = scored

    assert _render(assessment, django_capture_on_commit_callbacks)

    assert assessment.report_status == Status.READY
    assert assessment.report_key == reports.report_key(assessment)
    name = assessment.report_pdf.name
    assert name.startswith("reports/")
    assert name.endswith(".pdf")
    assert default_storage.open(name).read().endswith(b"%full\n")
    assert default_storage.open(reports.shared_name(name)).read().endswith(b"%shared\n")


def test_it_queues_nothing_while_the_stored_report_is_current(
    scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, _ = scored
    _render(assessment, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks() as callbacks:
        queued = reports.queue_render(assessment)

    assert queued is False
    assert callbacks == []


def test_it_queues_one_render_for_concurrent_callers(scored, django_capture_on_commit_callbacks):
    assessment, _ = scored
    other_copy = Assessment.objects.get(pk=assessment.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        first = reports.queue_render(assessment)
        second = reports.queue_render(other_copy)

    assert (first, second) == (True, False)
    assert len(callbacks) == 1


def test_it_renders_again_when_the_answers_change_and_drops_the_old_files(
    scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, _ = scored
    _render(assessment, django_capture_on_commit_callbacks)
    old_name, old_key = assessment.report_pdf.name, assessment.report_key

    assessment.answers = {**assessment.answers, "interconnect": "roce"}
    assessment.save(update_fields=["answers"])
    assert _render(assessment, django_capture_on_commit_callbacks)

    assert assessment.report_key != old_key
    assert assessment.report_pdf.name != old_name
    assert not default_storage.exists(old_name)
    assert not default_storage.exists(reports.shared_name(old_name))


def test_it_renders_again_when_the_model_version_changes(scored):
    assessment, _ = scored
    before = reports.report_key(assessment)

    # The same questionnaire published again as version 2: same answers, same figures.
    services.score_assessment(assessment_id=assessment.pk, scoring_model=make_scoring_model(2))
    assessment.refresh_from_db()

    assert assessment.result["model_version"] == 2
    assert reports.report_key(assessment) != before


def test_it_does_not_render_unscored_assessments(scoring_model, django_capture_on_commit_callbacks):
    assessment, _ = make_assessment(status=Assessment.Status.PENDING)

    assert not _render(assessment, django_capture_on_commit_callbacks)
    assert assessment.report_status == Status.NONE


def test_it_runs_the_task_twice_without_harm(scored, fast_pdf, django_capture_on_commit_callbacks):
    assessment, _ = scored
    with django_capture_on_commit_callbacks(execute=False):
        reports.queue_render(assessment)
    assessment.refresh_from_db()

    first = render_report.run(assessment.pk, assessment.report_key)
    second = render_report.run(assessment.pk, assessment.report_key)

    assessment.refresh_from_db()
    assert (first, second) == (True, False)
    assert assessment.report_status == Status.READY


def test_it_ignores_a_render_whose_key_moved_on(scored, django_capture_on_commit_callbacks):
    assessment, _ = scored
    with django_capture_on_commit_callbacks(execute=False):
        reports.queue_render(assessment)
    assessment.refresh_from_db()
    stale_key = assessment.report_key
    Assessment.objects.filter(pk=assessment.pk).update(
        answers={**assessment.answers, "workload_mix": "inference"}
    )

    assert render_report.run(assessment.pk, stale_key) is False

    assessment.refresh_from_db()
    assert assessment.report_status == Status.RENDERING
    assert not assessment.report_pdf


def test_it_marks_the_report_failed_when_rendering_breaks(
    scored, monkeypatch, django_capture_on_commit_callbacks
):
    assessment, _ = scored

    def broken(*args, **kwargs):
        raise ValueError("template bug")

    monkeypatch.setattr(reports, "render_pdf", broken)
    _render(assessment, django_capture_on_commit_callbacks)

    assert assessment.report_status == Status.FAILED


def test_it_queues_again_when_a_render_was_lost(scored, django_capture_on_commit_callbacks):
    assessment, _ = scored
    with django_capture_on_commit_callbacks(execute=False):
        assert reports.queue_render(assessment)

    with django_capture_on_commit_callbacks(execute=False):
        assert not reports.queue_render(Assessment.objects.get(pk=assessment.pk))
    with (
        time_machine.travel(timedelta(minutes=6)),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        assert reports.queue_render(Assessment.objects.get(pk=assessment.pk))

    assert len(callbacks) == 1


def test_scoring_leaves_the_claim_and_the_key_to_the_reports_worker(
    scoring_model, fast_pdf, django_capture_on_commit_callbacks, settings
):
    # given a pending assessment, and renders queued after scoring (off in the other tests)
    settings.REPORTS_RENDER_AFTER_SCORING = True
    assessment, _ = make_assessment(scoring_model=scoring_model, status=Assessment.Status.PENDING)

    # when it is scored: the transaction writes the result and queues one render without a key
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        services.score_assessment(assessment_id=assessment.pk)
    assessment.refresh_from_db()

    # then the report is not claimed by the scoring, whose statements leave it alone
    assert assessment.report_status == Status.NONE
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert updates
    assert not [sql for sql in updates if "report_status" in sql]
    (render,) = [c for c in callbacks if c.args[0] == "reports.render_report"]
    assert render.args[1] == (assessment.pk, None)

    # and once the task runs, it claims the row and renders it
    render()
    assessment.refresh_from_db()
    assert assessment.report_status == Status.READY
    assert assessment.report_key == reports.report_key(assessment)


def test_a_render_without_a_key_claims_first_and_runs_once(scored, fast_pdf):
    assessment, _ = scored

    first = render_report.run(assessment.pk, None)
    second = render_report.run(assessment.pk, None)

    assessment.refresh_from_db()
    assert (first, second) == (True, False)
    assert assessment.report_status == Status.READY


def test_a_render_without_a_key_leaves_a_render_under_way_alone(
    scored, django_capture_on_commit_callbacks
):
    assessment, _ = scored
    with django_capture_on_commit_callbacks(execute=False):
        reports.queue_render(assessment)

    assert render_report.run(assessment.pk, None) is False

    assessment.refresh_from_db()
    assert assessment.report_status == Status.RENDERING


def test_a_render_without_a_key_for_a_deleted_row_does_nothing(scored):
    assessment, _ = scored
    Assessment.objects.filter(pk=assessment.pk).delete()

    assert render_report.run(assessment.pk, None) is False


def test_a_storage_fault_after_the_claim_retries_with_the_claimed_key(scored, monkeypatch):
    # given storage failing once the row is claimed
    assessment, _ = scored

    def failing_store(*, assessment_id, key):
        raise OSError("disk full")

    monkeypatch.setattr(reports, "render_and_store", failing_store)
    retries = []

    def retry(*, args, exc, countdown):
        retries.append(args)
        return RuntimeError("retry")

    monkeypatch.setattr(render_report, "retry", retry)

    # when the task queued after scoring runs
    with pytest.raises(RuntimeError, match="retry"):
        render_report.run(assessment.pk, None)

    # then the retry renders the key this run claimed instead of claiming again
    assessment.refresh_from_db()
    assert retries == [(assessment.pk, assessment.report_key)]
    assert assessment.report_status == Status.RENDERING


# --- Renders give way to scoring ---


def test_scoring_is_busy_while_messages_wait_in_its_queue(db, monkeypatch):
    asked = []
    monkeypatch.setattr(reports, "waiting", lambda queue: asked.append(queue) or 2)

    assert reports.scoring_busy() is True
    assert asked == ["celery"]


def test_scoring_is_busy_until_submissions_have_stopped_for_a_moment(scored, monkeypatch):
    # given an empty scoring queue and a submission just now
    monkeypatch.setattr(reports, "waiting", lambda queue: 0)
    submitted = timezone.now()
    Assessment.objects.filter(pk=scored[0].pk).update(submitted_at=submitted)

    # then scoring counts as busy for QUIET_SECONDS after it, and not after that
    with time_machine.travel(submitted + timedelta(seconds=1), tick=False):
        assert reports.scoring_busy() is True
    with time_machine.travel(submitted + timedelta(seconds=reports.QUIET_SECONDS + 1), tick=False):
        assert reports.scoring_busy() is False


def test_a_render_waits_while_scoring_is_busy(monkeypatch):
    busy = [True, True, False, False]
    monkeypatch.setattr(reports, "scoring_busy", lambda: busy.pop(0))
    monkeypatch.setattr(tasks, "YIELD_POLL_SECONDS", 0.01)

    tasks.give_way_to_scoring()

    assert busy == [False]


def test_a_render_waits_no_longer_than_the_setting(monkeypatch, settings):
    settings.REPORTS_YIELD_SECONDS = 0.2
    monkeypatch.setattr(reports, "scoring_busy", lambda: True)
    monkeypatch.setattr(tasks, "YIELD_POLL_SECONDS", 0.01)

    waited = tasks.give_way_to_scoring()

    assert 0.2 <= waited < 2


def test_a_queued_render_gives_way_before_it_claims(scored, fast_pdf, monkeypatch):
    # given scoring work waiting once, as the render task starts in a worker
    assessment, _ = scored
    events = []
    monkeypatch.setattr(tasks, "give_way_to_scoring", lambda: events.append("gave way"))
    claim = reports.claim_latest

    def claim_latest(**kwargs):
        events.append("claimed")
        return claim(**kwargs)

    monkeypatch.setattr(reports, "claim_latest", claim_latest)

    # when the task runs as a worker runs it
    assert render_report.apply(args=(assessment.pk, None)).get() is True
    render_report.push_request(is_eager=False)
    try:
        render_report.run(assessment.pk, None)
    finally:
        render_report.pop_request()

    # then an eager run never waits, and a worker's run gives way before it claims the row
    assert events == ["claimed", "gave way", "claimed"]
