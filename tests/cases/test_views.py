import pytest
from django.urls import reverse

from apps.cases.models import Case

MPI = "test-mpi-university"
INFERENCE = "test-inference-ai-lab"
LIST = reverse("cases:list")


def _slugs(response):
    return [case.slug for case in response.context["cases"]]


def test_it_lists_published_cases_with_their_sources(client, cases, django_assert_max_num_queries):
    Case.objects.filter(slug=INFERENCE).update(status=Case.Status.DRAFT)

    with django_assert_max_num_queries(8):
        response = client.get(LIST)

    assert response.status_code == 200
    assert _slugs(response) == [MPI]
    assert b"Testcluster user guide" in response.content
    assert b"http://example.org/testcluster/hardware" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"chose": "slurm"}, [MPI]),
        ({"chose": "kubernetes"}, [INFERENCE]),
        ({"sector": "university"}, [MPI]),
        ({"chose": "slurm", "sector": "ai_lab"}, []),
        ({"chose": "", "sector": ""}, [INFERENCE, MPI]),
    ],
)
def test_it_filters_by_option_and_sector(client, cases, query, expected):
    response = client.get(LIST, query)

    assert sorted(_slugs(response)) == sorted(expected)


@pytest.mark.parametrize(
    "query",
    [
        "chose=nope",
        "sector=%00",
        "chose[]=x&sector=university",
        "chose=slurm&chose=flux",
        "sector=" + "x" * 5000,
    ],
)
def test_it_ignores_malformed_filters_without_failing(client, cases, query):
    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 200


def test_it_answers_htmx_with_the_list_only(client, cases):
    response = client.get(LIST, {"sector": "ai_lab"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b'id="case-list"' in response.content
    assert b"<html" not in response.content


def test_it_shows_a_case_with_its_choice_matrix_rows_and_sources(client, cases):
    response = client.get(reverse("cases:detail", kwargs={"slug": MPI}))

    assert response.status_code == 200
    content = response.content.decode()
    assert "They chose" in content
    assert "fair share and accounting across departments" in content
    assert "The cluster has 1,200 nodes and a Lustre file system." in content
    assert response.context["evidence"]
    for row in response.context["evidence"]:
        assert f"#feature-{row.feature.slug}" in content


@pytest.mark.parametrize("slug", [INFERENCE, "no-such-case"])
def test_it_hides_drafts_and_unknown_slugs(client, cases, slug):
    Case.objects.filter(slug=INFERENCE).update(status=Case.Status.DRAFT)

    response = client.get(reverse("cases:detail", kwargs={"slug": slug}))

    assert response.status_code == 404


def test_it_links_the_technology_page_to_its_cases(client, cases):
    response = client.get(reverse("catalog:technology", kwargs={"slug": "slurm"}))

    assert f"{LIST}?chose=slurm".encode() in response.content
