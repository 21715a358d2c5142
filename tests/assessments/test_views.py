"""The prospect's flow through the web pages, on the real fixture model.

The wizard has one step per fixture section (six) and then the contact step. Questions with
the structure a test needs, from fixtures/040_questionnaire.json:

- step 1 (Workloads): ``largest_job_nodes``, a number question with a unit, a range and
  "don't know"; ``mpi_share``, a required single choice with "don't know";
- step 2 (Network and accelerators): ``gpu_sharing`` depends on ``gpus`` within the step;
  ``latency_sensitivity``, a five-point scale, depends on ``mpi_share`` from step 1;
  ``interconnect`` offers "don't know", ``gpus`` does not;
- step 3 (Services, users and tooling): ``mlops_tools``, a multiple choice with "don't know".
"""

import re
from html import unescape

import pytest
from django.core import mail
from django.utils.html import escape, strip_tags

from apps.assessments.models import Assessment
from apps.core.tokens import hash_token

from .fixture_model import (
    CONTACT_STEP,
    RECOMMENDED,
    create_matrix,
    form_data,
    label,
    model_snapshot,
    question,
    step_answers,
)

pytestmark = pytest.mark.django_db


def step_url(token: str, n: int) -> str:
    return f"/assessment/{token}/step/{n}/"


def reload(assessment: Assessment) -> Assessment:
    assessment.refresh_from_db()
    return assessment


# The CFD lab's answers to step 1: MPI, most node-hours in multi-node MPI, 256 nodes, …
STEP_1 = form_data(step_answers(1))
GPU_SHARING = question("gpu_sharing")["text"]
LATENCY = question("latency_sensitivity")["text"]


# --- Start ---


def test_it_introduces_the_questionnaire_from_the_published_model(client, published_model):
    snapshot = model_snapshot()

    html = client.get("/assessment/").content.decode()

    assert escape(snapshot["questionnaire"]["title"]) in html
    for section in snapshot["sections"]:
        assert escape(section["title"]) in html


def test_it_explains_kindly_when_no_model_is_published(client, db):
    get = client.get("/assessment/")
    post = client.post("/assessment/")

    assert get.status_code == post.status_code == 200
    assert b"not open yet" in get.content
    assert not Assessment.objects.exists()


def test_it_starts_a_draft_storing_only_the_token_hash(client, published_model):
    response = client.post("/assessment/")

    assessment = Assessment.objects.get()
    token = re.fullmatch(r"/assessment/([\w-]+)/step/1/", response["Location"]).group(1)
    assert response.status_code == 302
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.scoring_model == published_model
    assert assessment.token_hash == hash_token(token)
    assert token not in assessment.token_hash


def test_it_saves_nothing_when_the_start_honeypot_is_filled(client, published_model):
    response = client.post("/assessment/", {"website": "http://spam.example"})

    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_it_limits_the_rate_of_posts(client, published_model, settings):
    settings.PUBLIC_FORM_RATE = "2/m"

    codes = [client.post("/assessment/").status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert Assessment.objects.count() == 2


# --- Steps ---


def test_it_renders_a_section_from_the_snapshot(client, draft):
    _assessment, token = draft

    html = client.get(step_url(token, 1)).content.decode()

    assert escape(question("workload_mix")["text"]) in html
    # largest_job_nodes: a number from 1 to 200,000 nodes, "don't know" allowed.
    assert '<input type="number"' in html
    assert 'min="1"' in html
    assert 'max="200000"' in html
    assert ">nodes</span>" in html
    assert 'name="q-largest_job_nodes__unknown"' in html
    # mpi_share: four choices, then "don't know".
    assert 'name="q-mpi_share" id="q-mpi_share-4" value="unknown"' in html
    assert 'aria-current="step"' in html
    assert "Your details" in html


def test_it_keeps_a_conditional_question_back_until_its_answer_is_given(client, draft):
    _assessment, token = draft

    html = client.get(step_url(token, 2)).content.decode()

    # gpu_sharing waits for gpus (same step); latency_sensitivity for mpi_share (step 1).
    assert escape(question("gpus")["text"]) in html
    assert escape(GPU_SHARING) not in html
    assert escape(LATENCY) not in html


def test_it_offers_dont_know_only_where_allowed(client, draft):
    _assessment, token = draft

    step_2 = client.get(step_url(token, 2)).content.decode()
    step_3 = client.get(step_url(token, 3)).content.decode()

    # interconnect (4 choices) and the multiple choice mlops_tools (5) allow "don't know";
    # gpus (3 choices) and user_interaction (3) do not.
    assert 'name="q-interconnect" id="q-interconnect-4" value="unknown"' in step_2
    assert 'name="q-gpus" id="q-gpus-3"' not in step_2
    assert 'type="checkbox" name="q-mlops_tools" id="q-mlops_tools-5" value="unknown"' in step_3
    assert 'name="q-user_interaction" id="q-user_interaction-3"' not in step_3


def test_it_renders_a_scale_as_five_labelled_radios(client, draft):
    assessment, token = draft
    # latency_sensitivity is asked once step 1 says MPI takes most node-hours.
    assessment.answers = {"mpi_share": "most"}
    assessment.save(update_fields=["answers"])

    html = client.get(step_url(token, 2)).content.decode()

    radios = re.findall(
        r'type="radio" name="q-latency_sensitivity" id="q-latency_sensitivity-\d" value="(\d)"',
        html,
    )
    assert radios == ["1", "2", "3", "4", "5"]
    assert f"<strong>5</strong> {label('latency_sensitivity', '5')}" in html


def test_it_saves_a_valid_step_and_moves_on(client, draft):
    assessment, token = draft

    response = client.post(step_url(token, 1), STEP_1 | {"action": "next"})

    assert response.status_code == 302
    assert response["Location"] == step_url(token, 2)
    assessment = reload(assessment)
    assert assessment.answers == {
        "workload_mix": "mpi",
        "mpi_share": "most",
        "largest_job_nodes": 256,
        "workflow_shape": "arrays",
        "job_volume": 2000,
        "job_duration": "hours",
    }
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
    assert (
        'aria-describedby="q-largest_job_nodes-help q-largest_job_nodes-range '
        'q-largest_job_nodes-error"'
    ) in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'value="mpi" checked', html)
    assert 'value="0"' in html
    assert reload(assessment).answers == {}


def test_it_brings_up_a_conditional_question_without_javascript_without_an_error(client, draft):
    assessment, token = draft
    # Step 2 as it was shown before gpus was answered: gpu_sharing was not on the page.
    data = {"q-interconnect": "infiniband", "q-gpus": "most", "shown": "interconnect,gpus"}

    response = client.post(step_url(token, 2), data | {"action": "next"})

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(GPU_SHARING) in html
    assert "brought up another question" in html
    assert "error-summary" not in html
    assert "Please answer this question." not in html
    assert reload(assessment).current_step == 0


def test_it_still_requires_a_conditional_question_the_page_showed(client, draft):
    _assessment, token = draft
    seen = "interconnect,gpus,gpu_sharing,nvlink_racks"
    data = {"q-interconnect": "infiniband", "q-gpus": "most", "shown": seen}

    response = client.post(step_url(token, 2), data | {"action": "next"})

    assert 'href="#q-gpu_sharing-0"' in response.content.decode()


def test_it_saves_on_back_without_requiring_answers(client, draft):
    assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})

    # gpus and latency_sensitivity are required on step 2, and left unanswered.
    response = client.post(step_url(token, 2), {"q-interconnect": "efa", "action": "back"})

    assert response["Location"] == step_url(token, 1)
    assert reload(assessment).answers["interconnect"] == "efa"


def test_it_keeps_answers_across_back_and_next(client, draft):
    _assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})
    client.post(step_url(token, 2), {"q-interconnect": "ethernet", "action": "back"})

    step_1 = client.get(step_url(token, 1)).content.decode()
    step_2 = client.get(step_url(token, 2)).content.decode()

    assert 'value="mpi" checked' in step_1
    assert 'value="most" checked' in step_1
    assert 'value="256"' in step_1
    assert 'value="ethernet" checked' in step_2


def test_it_drops_answers_to_questions_a_changed_answer_hides(client, draft):
    assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})
    step_2 = {"q-latency_sensitivity": "5", "q-gpus": "some", "q-gpu_sharing": "whole"}
    client.post(step_url(token, 2), step_2 | {"action": "back"})
    answers = reload(assessment).answers
    assert (answers["latency_sensitivity"], answers["gpu_sharing"]) == ("5", "whole")

    # Within the step: no GPUs hides gpu_sharing.
    client.post(step_url(token, 2), step_2 | {"q-gpus": "none", "action": "back"})

    answers = reload(assessment).answers
    assert "gpu_sharing" not in answers
    assert answers["latency_sensitivity"] == "5"
    # Across steps: no multi-node MPI on step 1 hides latency_sensitivity on step 2.
    client.post(step_url(token, 1), STEP_1 | {"q-mpi_share": "none", "action": "next"})
    assert "latency_sensitivity" not in reload(assessment).answers


def test_it_wires_live_updates_only_on_questions_others_depend_on(client, draft):
    _assessment, token = draft

    step_1 = client.get(step_url(token, 1)).content.decode()
    step_2 = client.get(step_url(token, 2)).content.decode()

    # mpi_share's dependant is on another step: nothing on step 1 re-renders live.
    assert "/questions/" not in step_1
    live = f'hx-post="/assessment/{token}/step/2/questions/"'
    assert step_2.count(live) == 1
    assert re.search(r'id="question-gpus"[^>]*' + re.escape(live), step_2)


def test_it_rerenders_only_the_questions_for_htmx_without_saving(client, draft):
    assessment, token = draft
    url = f"/assessment/{token}/step/2/questions/"

    response = client.post(url, {"q-gpus": "most"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="questions">')
    assert "<html" not in html
    assert escape(GPU_SHARING) in html
    assert "Please answer" not in html
    assert reload(assessment).answers == {}


def test_it_hides_a_question_live_when_its_condition_no_longer_holds(client, draft):
    _assessment, token = draft
    url = f"/assessment/{token}/step/2/questions/"

    html = client.post(url, {"q-gpus": "none", "q-gpu_sharing": "whole"}, HTTP_HX_REQUEST="true")

    assert escape(GPU_SHARING) not in html.content.decode()


def test_it_sends_a_plain_request_for_the_partial_back_to_the_page(client, draft):
    _assessment, token = draft

    response = client.post(f"/assessment/{token}/step/2/questions/", {"q-gpus": "most"})

    assert response.status_code == 302
    assert response["Location"] == step_url(token, 2)


def test_it_resumes_a_draft_from_its_private_link_in_a_fresh_client(client, client_factory, draft):
    _assessment, token = draft
    client.post(step_url(token, 1), STEP_1 | {"action": "next"})
    fresh = client_factory()

    resumed = fresh.get(f"/assessment/{token}/")
    page = fresh.get(resumed["Location"])

    assert resumed["Location"] == step_url(token, 2)
    assert page.status_code == 200
    assert 'name="q-interconnect" id="q-interconnect-0" value="infiniband"' in page.content.decode()
    # workload_mix, mpi_share, workflow_shape and job_duration are choices; the rest numbers.
    assert fresh.get(step_url(token, 1)).content.decode().count("checked") == 4


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_it_shows_the_private_link_with_a_copy_button_on_every_step(client, draft):
    _assessment, token = draft

    for n in range(1, CONTACT_STEP + 1):
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
    assert client.get(step_url(token, CONTACT_STEP)).status_code == 200
    assert client.get(step_url(token, CONTACT_STEP + 1)).status_code == 404


# --- Last step ---


def test_it_submits_with_consent_and_queues_scoring_on_commit(
    client, answered_draft, django_capture_on_commit_callbacks
):
    assessment, token = answered_draft
    contact = {"name": "Ada", "email": "ada@example.org", "company": "Lab", "role": "Lead"}

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            step_url(token, CONTACT_STEP), contact | {"consent": "on", "action": "submit"}
        )

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
        client.post(step_url(token, CONTACT_STEP), contact | {"action": "submit"})

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

    response = client.post(step_url(token, CONTACT_STEP), {"action": "submit"})

    html = response.content.decode()
    assert response.status_code == 200
    # interconnect is the first required question of step 2.
    assert f'href="{step_url(token, 2)}#q-interconnect-0"' in html
    assert step_url(token, 1) + "#" not in html
    assert Assessment.objects.get().status == Assessment.Status.DRAFT


def test_it_shows_contact_errors_and_keeps_the_input(client, answered_draft):
    _assessment, token = answered_draft

    response = client.post(
        step_url(token, CONTACT_STEP), {"name": "Ada", "email": "nope", "action": "submit"}
    )

    html = response.content.decode()
    assert 'href="#id_email"' in html
    assert 'aria-describedby="id_email-error"' in html
    assert 'value="Ada"' in html


def test_it_saves_nothing_when_the_final_honeypot_is_filled(client, answered_draft):
    assessment, token = answered_draft
    data = {"name": "Bot", "consent": "on", "website": "x", "action": "submit"}

    response = client.post(step_url(token, CONTACT_STEP), data)

    assert response.status_code == 200
    assert b"Thank you" in response.content
    assessment = reload(assessment)
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.contact_name == ""


def test_it_reviews_the_answers_in_words_on_the_last_step(client, answered_draft):
    _assessment, token = answered_draft

    html = client.get(step_url(token, CONTACT_STEP)).content.decode()

    assert escape(label("workload_mix", "mpi")) in html
    assert "256 nodes" in html
    # storage, a multiple choice: both labels, in the question's order.
    storage = f"{label('storage', 'parallel_fs')}, {label('storage', 'nfs')}"
    assert escape(storage) in html


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
    # plotly is offered, not loaded: no script element of its own.
    assert 'data-plotly-load="/static/vendor/plotly/plotly-strict.min.js"' in html
    assert '<script src="/static/vendor/plotly/' not in html
    for chart in ("chart-fit-data", "chart-contributions-data", "chart-what-if-data"):
        assert f'<script id="{chart}" type="application/json">' in html
    assert "Scored with scoring model version 1" in html
    assert "How each option fits" in html
    assert "<summary>Fit as a table</summary>" in html
    assert "What would change the answer" in html
    assert 'href="/compare/#feature-' in html
    names = {escape(o["name"]) for o in model_snapshot()["options"]}
    assert names <= set(re.findall(r'<th scope="row">([^<]+)</th>', html))
    assert result["recommendation"] == RECOMMENDED
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


def test_it_narrows_the_matrix_to_the_rows_behind_the_result(
    client, pending, django_assert_max_num_queries
):
    assessment, token = pending
    from apps.assessments import services
    from apps.catalog.models import Feature, MatrixCell

    create_matrix()  # The real comparison matrix: 34 rows.
    services.score_assessment(assessment_id=assessment.pk)

    with django_assert_max_num_queries(8):
        html = client.get(f"/assessment/{token}/").content.decode()

    result = reload(assessment).result
    # The answer that spoke most for the recommendation, and a row no answer or risk named.
    top = max(
        (c for c in result["contributions"] if c["option"] == result["recommendation"]),
        key=lambda c: c["points"],
    )
    named = {c["feature"] for c in result["contributions"]} | {
        r["feature"] for r in result["risks"]
    }
    feature = Feature.objects.get(slug=top["feature"])
    unrelated = Feature.objects.exclude(slug__in=named).order_by("order").first()
    assert "The comparison rows that mattered" in html
    assert f'<a href="/compare/#feature-{feature.slug}">{escape(feature.name)}</a>' in html
    # The cells' short texts, as words (the page may set `code` in them).
    text = unescape(strip_tags(html))
    cells = list(MatrixCell.objects.filter(feature=feature))
    assert len(cells) == len(model_snapshot()["options"])
    for cell in cells:
        assert cell.summary.replace("`", "") in text
    assert f"#feature-{unrelated.slug}" not in html
    assert f"/compare/?tech={result['recommendation']}&amp;tech={result['runner_up']}" in html
