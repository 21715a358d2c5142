"""The prospect's flow through the web pages."""

import re

import pytest
from django.core import mail

from apps.assessments.models import Assessment
from apps.core.tokens import hash_token

pytestmark = pytest.mark.django_db


def step_url(token: str, n: int) -> str:
    return f"/assessment/{token}/step/{n}/"


def reload(assessment: Assessment) -> Assessment:
    assessment.refresh_from_db()
    return assessment


STEP_1 = {"q-workload_mix": "mpi", "q-mpi_share": "4", "q-largest_job_nodes": "128"}
STEP_2 = {"q-tools": ["apptainer"], "q-interconnect": "infiniband"}


# --- Start ---


def test_it_introduces_the_questionnaire_from_the_published_model(client, scoring_model):
    response = client.get("/assessment/")

    assert response.status_code == 200
    assert b"Test questionnaire" in response.content
    assert b"Workloads" in response.content
    assert b"Platform" in response.content


def test_it_explains_kindly_when_no_model_is_published(client, db):
    get = client.get("/assessment/")
    post = client.post("/assessment/")

    assert get.status_code == post.status_code == 200
    assert b"not open yet" in get.content
    assert not Assessment.objects.exists()


def test_it_starts_a_draft_storing_only_the_token_hash(client, scoring_model):
    response = client.post("/assessment/")

    assessment = Assessment.objects.get()
    token = re.fullmatch(r"/assessment/([\w-]+)/step/1/", response["Location"]).group(1)
    assert response.status_code == 302
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.scoring_model == scoring_model
    assert assessment.token_hash == hash_token(token)
    assert token not in assessment.token_hash


def test_it_saves_nothing_when_the_start_honeypot_is_filled(client, scoring_model):
    response = client.post("/assessment/", {"website": "http://spam.example"})

    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_it_limits_the_rate_of_posts(client, scoring_model, settings):
    settings.PUBLIC_FORM_RATE = "2/m"

    codes = [client.post("/assessment/").status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert Assessment.objects.count() == 2


# --- Steps ---


def test_it_renders_a_section_from_the_snapshot(client, draft):
    _assessment, token = draft

    html = client.get(step_url(token, 1)).content.decode()

    assert "Which workload dominates?" in html
    assert '<input type="number"' in html
    assert 'min="1"' in html
    assert 'max="100000"' in html
    assert ">nodes</span>" in html
    assert 'name="q-workload_mix" id="q-workload_mix-3" value="unknown"' in html
    assert 'name="q-largest_job_nodes__unknown"' in html
    # The conditional question waits for its answer.
    assert "latency-sensitive" not in html
    assert 'aria-current="step"' in html
    assert "Your details" in html


def test_it_offers_dont_know_only_where_allowed(client, draft):
    _assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})

    html = client.get(step_url(token, 2)).content.decode()

    assert 'name="q-tools" id="q-tools-3" value="unknown"' in html
    assert 'name="q-interconnect" id="q-interconnect-2"' not in html


def test_it_renders_a_scale_as_five_labelled_radios(client, draft):
    assessment, token = draft
    assessment.answers = {"workload_mix": "mpi"}
    assessment.save(update_fields=["answers"])

    html = client.get(step_url(token, 1)).content.decode()

    radios = re.findall(r'type="radio" name="q-mpi_share" id="q-mpi_share-\d" value="(\d)"', html)
    assert radios == ["1", "2", "3", "4", "5"]
    assert "<strong>5</strong> All" in html


def test_it_saves_a_valid_step_and_moves_on(client, draft):
    assessment, token = draft

    response = client.post(step_url(token, 1), STEP_1 | {"action": "next"})

    assert response.status_code == 302
    assert response["Location"] == step_url(token, 2)
    assessment = reload(assessment)
    assert assessment.answers == {"workload_mix": "mpi", "mpi_share": "4", "largest_job_nodes": 128}
    assert assessment.current_step == 2


def test_it_shows_errors_inline_and_keeps_what_was_entered(client, draft):
    assessment, token = draft
    data = {"q-workload_mix": "mpi", "q-largest_job_nodes": "0", "action": "next"}

    response = client.post(step_url(token, 1), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html
    assert 'href="#q-mpi_share-0"' in html
    assert 'href="#q-largest_job_nodes"' in html
    assert 'id="q-mpi_share-error"' in html
    assert "Please answer this question." in html
    assert "Enter a number of at least 1." in html
    assert 'aria-describedby="q-largest_job_nodes-range q-largest_job_nodes-error"' in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'value="mpi" checked', html)
    assert 'value="0"' in html
    assert reload(assessment).answers == {}


def test_it_brings_up_a_conditional_question_without_javascript_without_an_error(client, draft):
    assessment, token = draft
    seen = "workload_mix,largest_job_nodes"

    response = client.post(
        step_url(token, 1), {"q-workload_mix": "mpi", "shown": seen, "action": "next"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "latency-sensitive" in html
    assert "brought up another question" in html
    assert "error-summary" not in html
    assert "Please answer this question." not in html
    assert reload(assessment).current_step == 0


def test_it_still_requires_a_conditional_question_the_page_showed(client, draft):
    _assessment, token = draft
    seen = "workload_mix,mpi_share,largest_job_nodes"

    response = client.post(
        step_url(token, 1), {"q-workload_mix": "mpi", "shown": seen, "action": "next"}
    )

    assert 'href="#q-mpi_share-0"' in response.content.decode()


def test_it_saves_on_back_without_requiring_answers(client, draft):
    assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})

    response = client.post(step_url(token, 2), {"q-tools": ["kubeflow"], "action": "back"})

    assert response["Location"] == step_url(token, 1)
    assert reload(assessment).answers["tools"] == ["kubeflow"]


def test_it_keeps_answers_across_back_and_next(client, draft):
    _assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})
    client.post(step_url(token, 2), {"q-interconnect": "ethernet", "action": "back"})

    step_1 = client.get(step_url(token, 1)).content.decode()
    step_2 = client.get(step_url(token, 2)).content.decode()

    assert 'value="mpi" checked' in step_1
    assert 'value="4" checked' in step_1
    assert 'value="128"' in step_1
    assert 'value="ethernet" checked' in step_2


def test_it_drops_answers_to_questions_a_changed_answer_hides(client, draft):
    assessment, token = draft
    client.post(
        step_url(token, 1), {"q-workload_mix": "mixed", "q-mpi_share": "2", "action": "next"}
    )
    client.post(step_url(token, 2), STEP_2 | {"q-serving_share": "5", "action": "back"})
    assert reload(assessment).answers["serving_share"] == "5"

    client.post(
        step_url(token, 1), {"q-workload_mix": "services", "q-mpi_share": "2", "action": "next"}
    )

    answers = reload(assessment).answers
    assert "mpi_share" not in answers
    assert answers["serving_share"] == "5"
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})
    assert "serving_share" not in reload(assessment).answers


def test_it_wires_live_updates_only_on_questions_others_depend_on(client, draft):
    _assessment, token = draft

    html = client.get(step_url(token, 1)).content.decode()

    live = f'hx-post="/assessment/{token}/step/1/questions/"'
    assert html.count(live) == 1
    assert re.search(r'id="question-workload_mix"[^>]*' + re.escape(live), html)


def test_it_rerenders_only_the_questions_for_htmx_without_saving(client, draft):
    assessment, token = draft
    url = f"/assessment/{token}/step/1/questions/"

    response = client.post(url, {"q-workload_mix": "mpi"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="questions">')
    assert "<html" not in html
    assert "latency-sensitive" in html
    assert "Please answer" not in html
    assert reload(assessment).answers == {}


def test_it_hides_a_question_live_when_its_condition_no_longer_holds(client, draft):
    _assessment, token = draft
    url = f"/assessment/{token}/step/1/questions/"

    html = client.post(
        url, {"q-workload_mix": "services", "q-mpi_share": "3"}, HTTP_HX_REQUEST="true"
    )

    assert "latency-sensitive" not in html.content.decode()


def test_it_sends_a_plain_request_for_the_partial_back_to_the_page(client, draft):
    _assessment, token = draft

    response = client.post(f"/assessment/{token}/step/1/questions/", {"q-workload_mix": "mpi"})

    assert response.status_code == 302
    assert response["Location"] == step_url(token, 1)


def test_it_resumes_a_draft_from_its_private_link_in_a_fresh_client(client, client_factory, draft):
    _assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})
    fresh = client_factory()

    resumed = fresh.get(f"/assessment/{token}/")
    page = fresh.get(resumed["Location"])

    assert resumed["Location"] == step_url(token, 2)
    assert page.status_code == 200
    assert 'value="apptainer"' in page.content.decode()
    assert fresh.get(step_url(token, 1)).content.decode().count("checked") == 2


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_it_shows_the_private_link_with_a_copy_button_on_every_step(client, draft):
    _assessment, token = draft

    for n in (1, 2, 3):
        html = client.get(step_url(token, n)).content.decode()
        assert f'data-copy="http://testserver/assessment/{token}/"' in html


def test_it_emails_the_resume_link_without_storing_the_address(
    client, draft, django_capture_on_commit_callbacks
):
    assessment, token = draft
    data = STEP_1 | {"action": "email", "resume_email": "ada@example.org"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(step_url(token, 1), data)

    assert response["Location"] == step_url(token, 1) + "?sent=1"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.org"]
    assert f"/assessment/{token}/" in mail.outbox[0].body
    assessment = reload(assessment)
    assert assessment.contact_email == ""
    assert assessment.answers["workload_mix"] == "mpi"


def test_it_refuses_an_invalid_resume_address_and_keeps_the_answers(client, draft):
    _assessment, token = draft

    response = client.post(step_url(token, 1), STEP_1 | {"action": "email", "resume_email": "x"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#resume-email"' in html
    assert 'value="mpi" checked' in html
    assert not mail.outbox


def test_it_answers_404_for_unknown_tokens_and_steps(client, draft):
    _assessment, token = draft

    assert client.get("/assessment/not-a-token/").status_code == 404
    assert client.get(step_url("x" * 300, 1)).status_code == 404
    assert client.get(step_url(token, 0)).status_code == 404
    assert client.get(step_url(token, 4)).status_code == 404


# --- Last step ---


def test_it_submits_with_consent_and_queues_scoring_on_commit(
    client, answered_draft, django_capture_on_commit_callbacks
):
    assessment, token = answered_draft
    contact = {"name": "Ada", "email": "ada@example.org", "company": "Lab", "role": "Lead"}

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(step_url(token, 3), contact | {"consent": "on", "action": "submit"})

    assert response["Location"] == f"/assessment/{token}/"
    assert len(callbacks) == 1
    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.PENDING
    assert assessment.submitted_at is not None
    assert (assessment.contact_name, assessment.company, assessment.consent) == ("Ada", "Lab", True)
    callbacks[0]()
    assert reload(assessment).status == Assessment.Status.SCORED


def test_it_keeps_no_contact_without_consent(
    client, answered_draft, django_capture_on_commit_callbacks
):
    assessment, token = answered_draft
    contact = {"name": "Ada", "email": "ada@example.org", "company": "Lab", "role": "Lead"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url(token, 3), contact | {"action": "submit"})

    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.SCORED
    assert [
        assessment.contact_name,
        assessment.contact_email,
        assessment.company,
        assessment.role,
    ] == [""] * 4
    assert assessment.consent is False


def test_it_points_to_the_steps_still_missing_answers(client, draft):
    _assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})

    response = client.post(step_url(token, 3), {"action": "submit"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{step_url(token, 2)}#q-interconnect-0"' in html
    assert Assessment.objects.get().status == Assessment.Status.DRAFT


def test_it_shows_contact_errors_and_keeps_the_input(client, answered_draft):
    _assessment, token = answered_draft

    response = client.post(step_url(token, 3), {"name": "Ada", "email": "nope", "action": "submit"})

    html = response.content.decode()
    assert 'href="#id_email"' in html
    assert 'aria-describedby="id_email-error"' in html
    assert 'value="Ada"' in html


def test_it_saves_nothing_when_the_final_honeypot_is_filled(client, answered_draft):
    assessment, token = answered_draft
    data = {"name": "Bot", "consent": "on", "website": "x", "action": "submit"}

    response = client.post(step_url(token, 3), data)

    assert response.status_code == 200
    assert b"Thank you" in response.content
    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.contact_name == ""


def test_it_reviews_the_answers_in_words_on_the_last_step(client, answered_draft):
    _assessment, token = answered_draft

    html = client.get(step_url(token, 3)).content.decode()

    assert "Tightly coupled MPI" in html
    assert "128 nodes" in html
    assert "Apptainer" in html


def test_it_sends_a_submitted_assessment_from_its_steps_to_the_result(client, pending):
    _assessment, token = pending

    response = client.get(step_url(token, 1))

    assert response["Location"] == f"/assessment/{token}/"


# --- Result page ---


def test_it_shows_a_polling_status_while_pending(client, pending):
    _assessment, token = pending

    page = client.get(f"/assessment/{token}/")
    partial = client.get(f"/assessment/{token}/", HTTP_HX_REQUEST="true")

    html = page.content.decode()
    assert page.status_code == 200
    assert f'hx-get="/assessment/{token}/"' in html
    assert 'hx-trigger="load delay:1s"' in html
    assert '<meta http-equiv="refresh"' in html
    assert "<noscript>" in html
    assert f'href="/assessment/{token}/">Refresh' in html
    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<div id="score-status"')
    assert b"<html" not in partial.content


def test_it_stops_polling_with_286_and_the_result_once_scored(client, pending):
    assessment, token = pending
    from apps.assessments import tasks

    tasks.score(assessment.pk)
    response = client.get(f"/assessment/{token}/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 286
    assert "hx-get" not in html
    assert 'data-plotly="chart-fit-data"' in html
    assert f'href="/assessment/{token}/report.pdf"' in html
    assert f'href="/booking/?assessment={token}"' in html


def test_it_shows_the_full_report_on_the_page(client, pending):
    assessment, token = pending
    from apps.assessments import services

    services.score_assessment(assessment_id=assessment.pk)
    html = client.get(f"/assessment/{token}/").content.decode()

    result = reload(assessment).result
    assert "plotly-strict.min.js" in html
    for chart in ("chart-fit-data", "chart-contributions-data", "chart-what-if-data"):
        assert f'<script id="{chart}" type="application/json">' in html
    assert "Scored with scoring model version 1" in html
    assert "How each option fits" in html
    assert "<summary>Fit as a table</summary>" in html
    assert "What would change the answer" in html
    assert 'href="/compare/#feature-' in html
    assert {"SLURM", "Kubernetes", "Hybrid"} <= set(re.findall(r'<th scope="row">(\w+)</th>', html))
    assert result["recommendation"] in {"slurm", "kubernetes", "hybrid"}
    # No inline script: only external files and JSON data blocks.
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)


def test_it_offers_a_retry_when_scoring_failed(client, pending, django_capture_on_commit_callbacks):
    assessment, token = pending
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.FAILED, error="x")

    polled = client.get(f"/assessment/{token}/", HTTP_HX_REQUEST="true")
    with django_capture_on_commit_callbacks() as callbacks:
        retried = client.post(f"/assessment/{token}/retry/")

    assert polled.status_code == 286
    assert b"could not finish" in polled.content
    assert b"Try again" in polled.content
    assert b"Traceback" not in polled.content
    assert retried["Location"] == f"/assessment/{token}/"
    assert reload(assessment).status == Assessment.Status.PENDING
    assert len(callbacks) == 1


@pytest.fixture
def matrix_rows(options):
    from apps.catalog.models import Category, Feature, MatrixCell, Rating

    category = Category.objects.create(name="Networking", slug="networking")
    mpi = Feature.objects.create(category=category, name="MPI launch", slug="mpi-launch")
    latency = Feature.objects.create(category=category, name="Latency", slug="network-latency")
    Feature.objects.create(category=category, name="Unrelated row", slug="backfill")
    slurm, kubernetes, _hybrid = options
    MatrixCell.objects.create(
        feature=mpi, technology=slurm, rating=Rating.NATIVE, summary="srun with PMIx"
    )
    MatrixCell.objects.create(
        feature=mpi, technology=kubernetes, rating=Rating.ADDON, summary="MPI Operator"
    )
    MatrixCell.objects.create(
        feature=latency, technology=kubernetes, rating=Rating.WEAK, summary="Overlay network"
    )


def test_it_narrows_the_matrix_to_the_rows_behind_the_result(
    client, pending, matrix_rows, django_assert_max_num_queries
):
    assessment, token = pending
    from apps.assessments import services

    services.score_assessment(assessment_id=assessment.pk)

    with django_assert_max_num_queries(8):
        html = client.get(f"/assessment/{token}/").content.decode()

    result = reload(assessment).result
    assert "The comparison rows that mattered" in html
    assert '<a href="/compare/#feature-mpi-launch">MPI launch</a>' in html
    assert "srun with PMIx" in html
    assert "MPI Operator" in html
    assert "Unrelated row" not in html
    assert f"/compare/?tech={result['recommendation']}&amp;tech={result['runner_up']}" in html
