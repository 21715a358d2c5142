from django.urls import reverse

from apps.cases.models import Case

MPI = "test-mpi-university"
INFERENCE = "test-inference-ai-lab"
FIELDS = {
    "slug",
    "name",
    "organisation",
    "sector",
    "year",
    "chose",
    "summary",
    "sources",
    "answers",
}


def test_it_lists_published_cases_only(client, cases):
    Case.objects.filter(slug=INFERENCE).update(status=Case.Status.DRAFT)

    response = client.get(reverse("api-case-list"))

    assert response.status_code == 200
    [case] = response.json()
    assert set(case) == FIELDS
    assert case["slug"] == MPI


def test_it_serves_one_case_with_sources_and_answers(client, cases):
    response = client.get(reverse("api-case-detail", kwargs={"slug": MPI}))

    body = response.json()
    assert set(body) == FIELDS
    assert body["chose"] == "slurm"
    assert body["sector"] == "university"
    assert body["year"] == 2023
    assert body["sources"][0] == {
        "title": "Testcluster user guide",
        "url": "https://example.org/testcluster/guide",
        "states": "Jobs are MPI codes on InfiniBand, with fair share and accounting.",
    }
    assert body["answers"]["cluster_nodes"] == 1200
    assert body["answers"]["storage"] == ["parallel_fs"]


def test_it_hides_drafts(client, cases):
    Case.objects.filter(slug=MPI).update(status=Case.Status.DRAFT)

    response = client.get(reverse("api-case-detail", kwargs={"slug": MPI}))

    assert response.status_code == 404


def test_it_is_in_the_openapi_schema(client, db):
    response = client.get(reverse("api-schema"), {"format": "json"})

    paths = response.json()["paths"]
    assert "/api/v1/cases/" in paths
    assert "/api/v1/cases/{slug}/" in paths
    schema = response.json()["components"]["schemas"]["Case"]
    assert set(schema["properties"]) == FIELDS
