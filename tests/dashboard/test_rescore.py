import pytest
from django.urls import reverse

from apps.assessments.models import Assessment
from apps.dashboard import services
from apps.dashboard.tasks import rescore_chunk
from tests.reports.factories import (
    ANSWERS,
    answers_for,
    fixture_snapshot,
    make_assessment,
    make_scoring_model,
    with_weight,
)

from .leads import make_leads

pytestmark = pytest.mark.django_db


def mpi_against_slurm(version: int = 2):
    """The fixture model where tightly coupled MPI counts against SLURM (-6 points, not +3).

    For the default answers that tips the engine from SLURM to Slurm on Kubernetes.
    """
    snapshot = with_weight(
        fixture_snapshot(), question="workload_mix", choice="mpi", option="slurm", points=-6
    )
    return make_scoring_model(version=version, snapshot=snapshot)


@pytest.fixture
def logged_in(client, sales):
    client.force_login(sales)
    return client


@pytest.fixture
def recorded(monkeypatch):
    """Calls to score_assessment, recorded instead of scoring."""
    calls: list[tuple[int, int]] = []

    def score_assessment(*, assessment_id, scoring_model=None):
        calls.append((assessment_id, scoring_model.version))

    monkeypatch.setattr("apps.assessments.services.score_assessment", score_assessment)
    return calls


def test_it_queues_all_scored_assessments_in_chunks_of_100(
    logged_in, leads, recorded, django_capture_on_commit_callbacks
):
    rows = leads(250)
    Assessment.objects.filter(pk=rows[0].pk).update(status=Assessment.Status.PENDING)
    latest = make_scoring_model(version=2)

    with django_capture_on_commit_callbacks() as callbacks:
        response = logged_in.post(reverse("dashboard:rescore"), {"scope": "all"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:changes")
    assert len(callbacks) == 3
    for callback in callbacks:
        callback()
    assert sorted(calls[0] for calls in recorded) == sorted(row.pk for row in rows[1:])
    assert {version for _, version in recorded} == {latest.version}
    assert [len(chunk) for chunk in _chunks(recorded)] == [100, 100, 49]


def _chunks(calls: list) -> list[list]:
    return [calls[n : n + 100] for n in range(0, len(calls), 100)]


def test_it_queues_only_the_selected_assessments(
    logged_in, leads, recorded, django_capture_on_commit_callbacks
):
    rows = leads(5)
    make_scoring_model(version=2)

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            reverse("dashboard:rescore"),
            {"scope": "selected", "ids": [rows[1].pk, rows[3].pk, 999999]},
        )

    assert sorted(pk for pk, _ in recorded) == sorted([rows[1].pk, rows[3].pk])


def test_it_asks_for_a_selection(logged_in, leads, recorded):
    leads(1)

    response = logged_in.post(reverse("dashboard:rescore"), {"scope": "selected"})

    assert response.status_code == 400
    assert "Select at least one assessment" in response.content.decode()
    assert recorded == []


def test_it_keeps_going_when_one_assessment_fails(monkeypatch, scoring_model):
    done = []

    def score_assessment(*, assessment_id, scoring_model=None):
        if assessment_id == 2:
            raise ValueError("bad answers")
        done.append(assessment_id)

    monkeypatch.setattr("apps.assessments.services.score_assessment", score_assessment)

    assert rescore_chunk.run([1, 2, 3], scoring_model.pk) == 2
    assert done == [1, 3]


def test_it_rescores_with_the_latest_model_keeping_the_previous_result(
    logged_in, scoring_model, fast_pdf, django_capture_on_commit_callbacks
):
    # given: leads scored with v1, and a v2 that counts their MPI work against SLURM
    flips, _ = make_assessment(scoring_model=scoring_model, answers=ANSWERS, company="Flips Ltd")
    untouched, _ = make_assessment(scoring_model=scoring_model, company="Untouched Ltd")
    before = flips.result
    assert before["recommendation"] == "slurm"
    latest = mpi_against_slurm()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(reverse("dashboard:rescore"), {"scope": "selected", "ids": [flips.pk]})

    # then
    flips.refresh_from_db()
    assert flips.previous_result == before
    assert flips.previous_scoring_model == scoring_model
    assert flips.scoring_model == latest
    assert flips.result["model_version"] == 2
    assert flips.result["recommendation"] == "slurm-on-kubernetes"
    assert flips.recommendation.slug == flips.result["recommendation"]
    untouched.refresh_from_db()
    assert untouched.previous_result is None
    assert list(services.changed_recommendations()) == [flips]
    page = logged_in.get(reverse("dashboard:changes")).content.decode()
    assert "Flips Ltd" in page
    assert "Untouched Ltd" not in page
    assert "(v1)" in page
    assert "(v2)" in page


def test_it_does_not_list_a_rescore_that_kept_the_recommendation(
    logged_in, scoring_model, fast_pdf, django_capture_on_commit_callbacks
):
    # given: a cloud-native lead (no MPI), which v2's edit does not touch
    latest = mpi_against_slurm()
    stays, _ = make_assessment(scoring_model=scoring_model, answers=answers_for("kubernetes"))

    with django_capture_on_commit_callbacks(execute=True):
        services.queue_rescore(scoring_model=latest, ids=[stays.pk])

    stays.refresh_from_db()
    assert stays.previous_result is not None
    assert stays.result["model_version"] == 2
    assert stays.result["recommendation"] == stays.previous_result["recommendation"]
    assert stays not in services.changed_recommendations()


def test_it_lists_changes_in_pages_through_htmx(logged_in, catalog):
    # given: 30 leads that v1 (MPI against SLURM) sent elsewhere and v2 (the fixture) to SLURM
    previous = mpi_against_slurm(version=1)
    rows = make_leads(30, make_scoring_model(version=2), previous_model=previous)
    assert rows[0].previous_result["recommendation"] == "slurm-on-kubernetes"
    assert rows[0].result["recommendation"] == "slurm"

    response = logged_in.get(reverse("dashboard:changes"), {"page": 2}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="changes-table">')
    assert len(response.context["rows"]) == 5
    assert response.context["rows"][0]["previous"] == "Slurm on Kubernetes"
