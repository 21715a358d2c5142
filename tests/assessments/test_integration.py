"""End to end: the API, PostgreSQL, Redis and a real Celery worker score a submission.

Needs ``INTEGRATION_BROKER_URL`` (Redis) and a PostgreSQL ``DATABASE_URL``; skipped without
them, failed instead when ``INTEGRATION_REQUIRED=1`` (as in ``.ci/run``).
"""

import os
import time

import pytest
from django.db import connection

from apps.assessments.models import Assessment
from apps.questionnaire import scoring

from .fixture_model import ANSWERS, RECOMMENDED
from .worker import broker_reachable, database_url, publishing_to, unique_queue, worker

pytestmark = pytest.mark.integration

SCORED_TIMEOUT = 30.0


def _unavailable(reason: str) -> None:
    if os.environ.get("INTEGRATION_REQUIRED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("INTEGRATION_BROKER_URL", "")
    if not url:
        _unavailable("integration tests need INTEGRATION_BROKER_URL=redis://… (see .ci/run)")
    if not broker_reachable(url):
        _unavailable(f"integration tests need Redis at {url}, which does not answer")
    return url


@pytest.fixture
def real_worker(transactional_db, broker_url):
    """A worker on the test database and its own queue; this process publishes to it."""
    if connection.vendor != "postgresql":
        _unavailable("integration tests need a PostgreSQL DATABASE_URL (not SQLite)")
    queue = unique_queue("itest")
    with (
        worker(database=database_url(connection.settings_dict), broker=broker_url, queue=queue),
        publishing_to(broker_url, queue),
    ):
        yield


def test_it_scores_a_submission_with_a_real_worker(real_worker, published_model, client):
    # given: a submission through the API, committed and published to Redis
    response = client.post(
        "/api/v1/assessments/",
        {"answers": ANSWERS, "consent": False},
        content_type="application/json",
    )
    assert response.status_code == 202
    token = response.json()["token"]

    # when: the worker picks it up
    deadline = time.monotonic() + SCORED_TIMEOUT
    assessment = Assessment.objects.get()
    while not assessment.is_final() and time.monotonic() < deadline:
        time.sleep(0.2)
        assessment.refresh_from_db()

    # then: scored once, by the worker, with the engine's result
    assert assessment.status == Assessment.Status.SCORED, assessment.error
    assert assessment.attempts == 1
    assert Assessment.objects.count() == 1
    # published_model holds the snapshot as stored: PostgreSQL's jsonb does not keep key order.
    assert assessment.result == scoring.score(published_model.snapshot, ANSWERS)
    assert assessment.result["recommendation"] == RECOMMENDED
    assert client.get(f"/api/v1/assessments/{token}/").json()["status"] == "scored"
