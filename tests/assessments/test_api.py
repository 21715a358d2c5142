"""POST /api/v1/assessments/ and GET /api/v1/assessments/<token>/, on the real fixture model.

The answers are the CFD lab persona's (``fixture_model.ANSWERS``): complete and valid.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.assessments import tasks
from apps.assessments.models import Assessment
from apps.cases.models import Case
from apps.catalog.models import Technology
from apps.questionnaire import scoring
from apps.questionnaire import services as questionnaire_services
from apps.questionnaire.services import latest_model

from .fixture_model import ANSWERS, RECOMMENDED

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments/"


def post(client, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers)


def test_it_accepts_a_submission_with_202_and_queues_scoring(
    client, published_model, django_capture_on_commit_callbacks
):
    body = {"answers": ANSWERS, "contact": {"name": "Ada", "company": "Lab"}, "consent": True}

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body)

    data = response.json()
    assessment = Assessment.objects.get()
    assert response.status_code == 202
    assert data["status"] == "pending"
    assert data["url"] == f"http://testserver/assessment/{data['token']}/"
    assert response["Location"] == f"/api/v1/assessments/{data['token']}/"
    assert response["Retry-After"] == "1"
    assert Assessment.objects.for_token(data["token"]).get() == assessment
    assert assessment.status == Assessment.Status.PENDING
    assert (assessment.contact_name, assessment.company, assessment.consent) == ("Ada", "Lab", True)
    assert len(callbacks) == 1


def test_it_keeps_no_contact_from_the_api_without_consent(client, published_model):
    post(client, {"answers": ANSWERS, "contact": {"name": "Ada", "email": "a@example.org"}})

    assessment = Assessment.objects.get()
    assert (assessment.contact_name, assessment.contact_email, assessment.consent) == (
        "",
        "",
        False,
    )


def test_it_reports_an_error_per_question_key(client, published_model):
    # Below the number's minimum, one string for a multiple choice, an unknown question, and
    # a required question left out.
    answers = ANSWERS | {"largest_job_nodes": -5, "mlops_tools": "ray", "colour": "red"}
    del answers["interconnect"]

    response = post(client, {"answers": answers, "contact": {"email": "nope"}})

    errors = response.json()
    assert response.status_code == 400
    assert set(errors["answers"]) == {
        "largest_job_nodes",
        "mlops_tools",
        "colour",
        "interconnect",
    }
    assert all(isinstance(m, list) and m for m in errors["answers"].values())
    assert errors["contact"] == {"email": ["Enter a valid email address."]}
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 100_000,
        "null",
        "[]",
        '"answers"',
        {"answers": []},
        {"answers": "mpi"},
        {"answers": None},
        {"answers": {"workload_mix": {"deep": [1, 2]}}},
        {"answers": {"largest_job_nodes": 10**400}},
        {"answers": {"largest_job_nodes": 1e308 * 10}},
        '{"answers": {"largest_job_nodes": 1e999}}',
        '{"answers": {"largest_job_nodes": NaN}}',
        {"answers": ANSWERS, "contact": ["Ada"]},
        {"answers": ANSWERS, "contact": {"name": {"first": "Ada"}}},
        {"answers": ANSWERS, "consent": "maybe"},
        {"answers": {"\u0000": "\ud7ff"}},
    ],
)
def test_it_answers_400_never_500_for_bad_bodies(client, published_model, body):
    response = post(client, body)

    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_it_answers_503_when_no_model_is_published(client, db):
    response = post(client, {"answers": ANSWERS})

    assert response.status_code == 503


def test_it_replays_the_first_response_for_a_repeated_idempotency_key(client, published_model):
    body = {"answers": ANSWERS, "consent": False}

    first = post(client, body, HTTP_IDEMPOTENCY_KEY="key-1")
    second = post(client, body, HTTP_IDEMPOTENCY_KEY="key-1")
    other = post(client, body, HTTP_IDEMPOTENCY_KEY="key-2")

    assert first.status_code == second.status_code == 202
    # The token is shown once: a replay says the submission was taken, without the token.
    assert second.json() == {"status": first.json()["status"], "replayed": True}
    assert "Location" not in second
    assert other.json()["token"] != first.json()["token"]
    assert Assessment.objects.count() == 2


def test_it_scopes_idempotency_keys_to_the_client(client, published_model):
    body = {"answers": ANSWERS}

    first = post(client, body, HTTP_IDEMPOTENCY_KEY="key-1", REMOTE_ADDR="192.0.2.1")
    other = post(client, body, HTTP_IDEMPOTENCY_KEY="key-1", REMOTE_ADDR="192.0.2.2")

    assert first.status_code == other.status_code == 202
    assert other.json()["token"] != first.json()["token"]
    assert Assessment.objects.count() == 2


def test_it_keeps_no_raw_token_in_the_idempotency_cache(client, published_model):
    from django.core.cache import cache
    from django.test import RequestFactory
    from rest_framework.request import Request

    from apps.assessments import api

    response = post(client, {"answers": ANSWERS}, HTTP_IDEMPOTENCY_KEY="key-1")

    stored = cache.get(api._cache_key(Request(RequestFactory().post(URL)), "key-1"))
    assert stored["assessment"] == Assessment.objects.get().pk
    assert response.json()["token"] not in repr(stored)


def test_it_refuses_a_reused_idempotency_key_with_another_body(client, published_model):
    post(client, {"answers": ANSWERS}, HTTP_IDEMPOTENCY_KEY="key-1")

    response = post(
        client,
        {"answers": ANSWERS | {"interconnect": "ethernet"}},
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert response.status_code == 422
    assert Assessment.objects.count() == 1


def test_it_lets_a_client_fix_a_rejected_body_under_the_same_key(client, published_model):
    rejected = post(client, {"answers": {}}, HTTP_IDEMPOTENCY_KEY="key-1")
    accepted = post(client, {"answers": ANSWERS}, HTTP_IDEMPOTENCY_KEY="key-1")

    assert (rejected.status_code, accepted.status_code) == (400, 202)


def test_it_refuses_an_oversized_idempotency_key(client, published_model):
    response = post(client, {"answers": ANSWERS}, HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400


def test_it_throttles_submissions_per_scope(client, published_model, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    rates = dict(ScopedRateThrottle.THROTTLE_RATES) | {"submit": "2/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)

    codes = [post(client, {"answers": ANSWERS}).status_code for _ in range(3)]

    assert codes == [202, 202, 429]


def test_it_reports_pending_then_the_result(
    client, published_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        token = post(client, {"answers": ANSWERS}).json()["token"]
    pending = client.get(f"{URL}{token}/").json()
    callbacks[0]()
    scored = client.get(f"{URL}{token}/").json()

    expected = scoring.score(published_model.snapshot, ANSWERS)  # The snapshot as stored.
    assert pending == {"status": "pending", "model_version": 1, "result": None}
    assert scored["status"] == "scored"
    assert scored["model_version"] == 1
    assert expected["recommendation"] == RECOMMENDED
    assert scored["result"] == {
        "recommendation": expected["recommendation"],
        "scores": {slug: s["fit"] for slug, s in expected["scores"].items()},
        "confidence": expected["confidence"],
        "contributions": expected["contributions"],
        "risks": expected["risks"],
        "sensitivity": expected["sensitivity"],
        # No case is published here: nothing to compare with.
        "similar_cases": [],
    }


def test_it_lists_the_three_nearest_published_cases_with_the_result(
    client, seeded, django_capture_on_commit_callbacks
):
    # given: the starting content, with the published case library
    with django_capture_on_commit_callbacks(execute=True):
        token = post(client, {"answers": ANSWERS}).json()["token"]

    # when
    result = client.get(f"{URL}{token}/").json()["result"]

    # then
    found = result["similar_cases"]
    assert len(found) == 3
    options = set(Technology.objects.options().values_list("slug", flat=True))
    questions = {q.key for q in questionnaire_services.compiled_model(latest_model()).questions}
    for case in found:
        assert set(case) == {"slug", "name", "chose", "similarity", "matched"}
        published = Case.objects.published().select_related("chose").get(slug=case["slug"])
        assert case["name"] == published.name
        assert case["chose"] == published.chose.slug
        assert case["chose"] in options
        assert 0 < case["similarity"] <= 1
        assert case["similarity"] == round(case["similarity"], 2)
        assert case["matched"]
        assert set(case["matched"]) <= questions
    similarities = [case["similarity"] for case in found]
    assert similarities == sorted(similarities, reverse=True)
    assert {"recommendation", "scores", "confidence", "contributions"} <= set(result)


@pytest.mark.parametrize(
    ("status", "shown"),
    [("draft", "pending"), ("scoring", "pending"), ("failed", "failed")],
)
def test_it_maps_internal_statuses_to_public_ones(client, draft, status, shown):
    assessment, token = draft
    Assessment.objects.filter(pk=assessment.pk).update(status=status)

    assert client.get(f"{URL}{token}/").json()["status"] == shown


@pytest.mark.parametrize(("status", "retry_after"), [("pending", "1"), ("failed", None)])
def test_a_status_asks_to_be_polled_again_only_while_pending(client, draft, status, retry_after):
    # The asynchronous request-reply pattern's pacing: Retry-After while the work goes on.
    assessment, token = draft
    Assessment.objects.filter(pk=assessment.pk).update(status=status)

    response = client.get(f"{URL}{token}/")

    assert response.status_code == 200
    assert response.headers.get("Retry-After") == retry_after


def test_it_answers_404_for_an_unknown_token(client, db):
    assert client.get(f"{URL}no-such-token/").status_code == 404
    assert client.get(f"{URL}{'x' * 500}/").status_code == 404


def test_it_documents_the_endpoints_in_the_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    assert "/api/v1/assessments/" in schema
    assert "Idempotency-Key" in schema
    assert schema.count("Retry-After") == 2  # with a submission's 202 and with a status
    assert "assessments_submit" in schema
    assert "similar_cases" in schema


def test_it_accepts_a_submission_while_the_broker_is_down(
    client, published_model, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.score, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, {"answers": ANSWERS})

    assert response.status_code == 202
    assert Assessment.objects.get().status == Assessment.Status.PENDING


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["mpi", "unknown", "most", "5", "ethernet", "ray", "none"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# gpu_sharing is hidden for the persona (no GPUs); colour is no question at all.
QUESTION_KEYS = st.sampled_from([*ANSWERS, "gpu_sharing", "colour"]) | st.text(max_size=12)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    answers=st.dictionaries(QUESTION_KEYS, JSON_VALUES, max_size=8) | JSON_VALUES,
    contact=st.none() | JSON_VALUES | st.fixed_dictionaries({}, optional={"email": JSON_VALUES}),
    consent=JSON_VALUES,
)
def test_it_never_fails_with_a_500_whatever_the_body(
    client, published_model, monkeypatch, answers, contact, consent
):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"submit": None, "anon": None})
    body = {"answers": ANSWERS | answers if isinstance(answers, dict) else answers}
    body |= {"contact": contact, "consent": consent}

    response = post(client, body)

    assert response.status_code in {202, 400}, response.content
    if response.status_code == 400:
        assert isinstance(response.json(), dict)


def test_it_answers_409_while_the_first_request_with_a_key_is_in_progress(client, published_model):
    from django.core.cache import cache
    from django.test import RequestFactory
    from rest_framework.request import Request

    from apps.assessments import api

    body = {"answers": ANSWERS}
    request = RequestFactory().post(URL)
    cache.add(
        api._cache_key(Request(request), "key-1"),
        {"fingerprint": api._fingerprint(body), "status": None},
    )

    response = post(client, body, HTTP_IDEMPOTENCY_KEY="key-1")

    assert response.status_code == 409
    assert not Assessment.objects.exists()


def test_it_refuses_more_answers_than_questions_before_validating_them(client, published_model):
    # given 200,000 made-up keys (2.5 MB)
    answers = {str(i): 0 for i in range(200_000)}

    # when
    response = post(client, {"answers": answers})

    # then one message, not one per key
    assert response.status_code == 400
    assert len(response.content) < 1000
    assert "more answers than" in response.json()["answers"][0]
    assert not Assessment.objects.exists()


def test_it_caps_the_errors_it_returns(client, published_model):
    from apps.questionnaire import forms as answer_forms

    # given as many unknown keys as there are questions
    limit = len(answer_forms.all_questions(published_model.snapshot))
    answers = {f"unknown_{i}": "x" for i in range(limit)}

    response = post(client, {"answers": answers})

    errors = response.json()["answers"]
    assert response.status_code == 400
    assert limit > answer_forms.MAX_ERRORS
    assert len(errors) == answer_forms.MAX_ERRORS + 1
    # at least the unknown keys beyond the cap are counted
    (more,) = errors["__all__"]
    assert int(more.split()[2]) >= limit - answer_forms.MAX_ERRORS


def test_the_status_poll_reads_one_row_and_never_the_snapshot(client, pending):
    # given a pending assessment, polled once (the process compiles its version once)
    assessment, token = pending
    client.get(f"{URL}{token}/")

    # when it is polled while pending, and again once scored
    with CaptureQueriesContext(connection) as while_pending:
        waiting = client.get(f"{URL}{token}/")
    tasks.score(assessment.pk)
    with CaptureQueriesContext(connection) as once_scored:
        scored = client.get(f"{URL}{token}/")

    # then a pending poll is one query, and no poll reads the snapshot or orders rows
    assert waiting.json()["status"] == "pending"
    assert waiting.json()["model_version"] == assessment.scoring_model.version
    assert len(while_pending) == 1
    assert scored.json()["status"] == "scored"
    assert scored.json()["result"]["recommendation"]
    assert (waiting["Retry-After"], scored.headers.get("Retry-After")) == ("1", None)
    for query in [*while_pending, *once_scored]:
        assert '"snapshot"' not in query["sql"]
    assert "ORDER BY" not in while_pending[0]["sql"]
