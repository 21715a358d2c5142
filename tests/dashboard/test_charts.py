import json

import pytest
from django.urls import reverse

from apps.assessments.models import Assessment
from apps.dashboard import services
from tests.questionnaire.personas import PERSONAS
from tests.reports.factories import answers_for

from .bookings import make_booking

# Ray and Kubeflow, EFA, and "don't know" how many jobs a day.
ML_START_UP = PERSONAS["ML start-up training and serving in the cloud"][1]

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:charts")


@pytest.fixture
def logged_in(client, sales):
    client.force_login(sales)
    return client


def _question(key: str) -> dict:
    return next(q for q in services.latest_questions() if q["key"] == key)


def test_it_draws_the_four_charts(logged_in, leads):
    leads(3)
    leads(2, answers=answers_for("kubernetes"))

    response = logged_in.get(URL)

    assert response.status_code == 200
    body = response.content.decode()
    for chart in ("chart-weekly", "chart-distribution", "chart-funnel", "chart-answers"):
        assert f'data-plotly="{chart}"' in body
        assert f'<script id="{chart}" type="application/json">' in body
    assert "plotly-strict.min.js" in body
    distribution = response.context["distribution_chart"]["data"][0]
    assert distribution["y"][:2] == ["Slurm", "Kubernetes"]
    assert distribution["x"][:2] == [3, 2]


def test_it_swaps_the_answer_chart_for_the_chosen_question(logged_in, leads):
    leads(2)

    response = logged_in.get(URL, {"question": "interconnect"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="answer-chart">')
    figure = json.loads(body.split('type="application/json">')[1].split("</script>")[0])
    question = _question("interconnect")
    assert figure["layout"]["meta"]["title"] == question["text"]
    # One bar per choice (none for "don't know", which nobody answered): both use InfiniBand.
    assert [c["key"] for c in question["choices"]] == ["infiniband", "efa", "roce", "ethernet"]
    assert figure["data"][0]["x"] == [2, 0, 0, 0]


def test_it_counts_answers_of_every_kind(leads):
    # given: two university leads (20,000 jobs a day, latency sensitivity 4) and one ML
    # start-up (no MPI, so no latency question; jobs a day: don't know)
    leads(2)
    leads(1, answers=ML_START_UP)

    assert services.answer_counts(_question("mlops_tools")) == {
        "batch_wrappers": 2,
        "ray": 1,
        "kubeflow": 1,
    }
    assert services.answer_counts(_question("job_volume")) == {"moderate": 2, "unknown": 1}
    assert services.answer_counts(_question("interconnect")) == {"infiniband": 2, "efa": 1}
    assert services.answer_counts(_question("latency_sensitivity")) == {"4": 2}


def test_it_counts_the_funnel_in_one_query(leads, django_assert_num_queries):
    rows = leads(4)
    Assessment.objects.filter(pk=rows[0].pk).update(
        status=Assessment.Status.DRAFT, submitted_at=None
    )
    Assessment.objects.filter(pk=rows[1].pk).update(status=Assessment.Status.PENDING)
    make_booking(assessment=rows[2])
    make_booking(assessment=rows[3], status="cancelled")

    with django_assert_num_queries(1):
        stages = services.funnel_counts()

    assert stages == [("started", 4), ("submitted", 3), ("scored", 2), ("booked", 1)]


def test_it_groups_recommendations_by_week(leads):
    leads(3)
    leads(1, answers=answers_for("hybrid"))

    rows = services.weekly_recommendations()

    assert sum(row["count"] for row in rows) == 4
    assert {row["slug"] for row in rows} == {"slurm", "hybrid"}
