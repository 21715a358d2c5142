import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Rating

from .factories import (
    FeatureFactory,
    MatrixCellFactory,
    ScenarioFactory,
    SourceFactory,
    TechnologyPointFactory,
    make_matrix,
    make_technologies,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def technologies():
    return make_technologies("slurm", "kubernetes")


@pytest.fixture
def mpi(technologies):
    slurm, kubernetes = technologies
    feature = FeatureFactory(slug="mpi-launch", name="MPI launch", category__slug="networking")
    cell = MatrixCellFactory(
        feature=feature,
        technology=slurm,
        rating=Rating.NATIVE,
        summary="srun with PMIx",
        detail="Ranks start through *srun*.",
        last_verified=datetime.date(2026, 4, 1),
    )
    SourceFactory(cell=cell, title="srun", url="https://slurm.schedmd.com/srun.html")
    MatrixCellFactory(feature=feature, technology=kubernetes, rating=Rating.ADDON)
    return feature


def test_it_lists_technologies_in_display_order(client, technologies):
    response = client.get(f"{API}technologies/")

    assert response.status_code == 200
    body = response.json()
    assert [t["slug"] for t in body] == ["slurm", "kubernetes"]
    assert body[0] == {
        "slug": "slurm",
        "name": "Slurm",
        "kind": "scheduler",
        "tagline": "Slurm in one line",
        "description": "**Slurm** schedules work.",
        "homepage": "https://slurm.example.org/",
        "first_release_year": 2003,
        "licence": "GPL-2.0",
        "maintainer": "A foundation",
        "is_option": True,
        "url": "http://testserver/technologies/slurm/",
    }


def test_it_shows_a_technology_with_strengths_weaknesses_and_scenarios(client, technologies, mpi):
    slurm = technologies[0]
    TechnologyPointFactory(technology=slurm, title="Fast MPI", feature=mpi)
    TechnologyPointFactory(technology=slurm, kind="weakness", title="Few services")
    ScenarioFactory(technology=slurm, title="HPC centre")

    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"{API}technologies/slurm/").json()

    assert body["strengths"] == [
        {"title": "Fast MPI", "body": "Explained in *Markdown*.", "feature": "mpi-launch"}
    ]
    assert [p["title"] for p in body["weaknesses"]] == ["Few services"]
    assert body["weaknesses"][0]["feature"] is None
    assert body["scenarios"] == [
        {
            "title": "HPC centre",
            "condition": "your jobs are tightly coupled MPI runs",
            "explanation": "Because the scheduler was built for them.",
        }
    ]
    assert len(queries) == 3


def test_it_answers_404_for_an_unknown_technology(client):
    response = client.get(f"{API}technologies/nope/")

    assert response.status_code == 404


def test_it_lists_categories_with_their_feature_slugs(client, mpi):
    FeatureFactory(slug="hpc-fabric", category=mpi.category, order=mpi.order + 1)

    body = client.get(f"{API}categories/").json()

    assert body == [
        {
            "slug": "networking",
            "name": mpi.category.name,
            "description": "Things that belong together.",
            "order": mpi.category.order,
            "features": ["mpi-launch", "hpc-fabric"],
        }
    ]


def test_it_lists_features_with_cells_and_sources(client, mpi):
    body = client.get(f"{API}features/").json()

    assert [f["slug"] for f in body] == ["mpi-launch"]
    assert body[0]["category"] == "networking"
    assert body[0]["cells"][0] == {
        "technology": "slurm",
        "rating": 4,
        "rating_label": "Native",
        "summary": "srun with PMIx",
        "detail": "Ranks start through *srun*.",
        "sources": [{"title": "srun", "url": "https://slurm.schedmd.com/srun.html"}],
        "last_verified": "2026-04-01",
    }
    assert [c["technology"] for c in body[0]["cells"]] == ["slurm", "kubernetes"]


def test_it_filters_feature_cells_by_technology_and_rows_by_category(client, mpi):
    FeatureFactory(slug="backfill", category__slug="scheduling")

    only_kubernetes = client.get(f"{API}features/", {"tech": "kubernetes"}).json()
    both = client.get(f"{API}features/", {"tech": ["kubernetes", "slurm"]}).json()
    scheduling = client.get(f"{API}features/", {"category": "scheduling"}).json()

    assert [c["technology"] for c in only_kubernetes[0]["cells"]] == ["kubernetes"]
    assert [c["technology"] for c in both[0]["cells"]] == ["slurm", "kubernetes"]
    assert [f["slug"] for f in scheduling] == ["backfill"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"tech": ["slurm", "nope"]},
            "tech",
            "Unknown technology: nope. Known technologies: slurm, kubernetes.",
        ),
        ({"category": "nope"}, "category", "Unknown category: nope. Known categories: networking."),
        ({"tech": "<script>"}, "tech", None),
        ({"category": "two words"}, "category", None),
    ],
)
def test_it_rejects_unknown_filters_with_a_clear_400(client, mpi, params, field, message):
    response = client.get(f"{API}features/", params)

    assert response.status_code == 400
    errors = response.json()[field]
    if message:
        assert errors == [message]
    else:
        assert errors


def test_it_treats_an_empty_category_as_no_filter(client, mpi):
    response = client.get(f"{API}features/", {"category": ""})

    assert [f["slug"] for f in response.json()] == ["mpi-launch"]


def test_the_feature_list_runs_the_same_queries_for_10_and_500_features(client, technologies):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}features/", {"tech": "slurm", "category": "group-0"})
        assert response.status_code == 200
        return len(queries)

    make_matrix(technologies=technologies, features=10)
    small = count_queries()
    make_matrix(technologies=technologies, features=490, start=10)

    large = count_queries()

    # Technologies, category, features, cells, sources.
    assert small == large == 5


def test_the_schema_documents_the_read_api(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    paths = schema["paths"]
    for path in ("technologies/", "technologies/{slug}/", "categories/", "features/", "faqs/"):
        assert f"/api/v1/{path}" in paths
    features = paths["/api/v1/features/"]["get"]
    assert {p["name"] for p in features["parameters"]} == {"tech", "category"}
    assert set(features["responses"]) == {"200", "400"}
    assert "rating_label" in schema["components"]["schemas"]["Cell"]["properties"]
