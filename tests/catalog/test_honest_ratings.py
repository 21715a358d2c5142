"""Issue 13, items 1 and 2: "Not assessed" is no rating, and a verification is a record."""

import csv
import datetime
import importlib
import io
import json

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from apps.catalog.models import MatrixCell, Rating
from apps.catalog.services import build_matrix

from .factories import FeatureFactory, MatrixCellFactory, SourceFactory, make_technologies

pytestmark = pytest.mark.django_db

COMPARE = reverse("catalog:compare")
COMPARE_CSV = reverse("catalog:compare-csv")
API = "/api/v1/"
MIGRATION = importlib.import_module("apps.catalog.migrations.0003_honest_ratings_and_verification")


@pytest.fixture
def technologies():
    return make_technologies("slurm", "kubernetes", "flux")


@pytest.fixture
def preemption(technologies):
    """Slurm and Kubernetes agree (Strong); nobody has assessed Flux."""
    slurm, kubernetes, flux = technologies
    feature = FeatureFactory(slug="preemption", name="Preemption")
    MatrixCellFactory(feature=feature, technology=slurm, rating=Rating.STRONG, detail="QOS.")
    MatrixCellFactory(feature=feature, technology=kubernetes, rating=Rating.STRONG, detail="PC.")
    flux_cell = MatrixCellFactory(
        feature=feature,
        technology=flux,
        rating=None,
        summary="Not assessed: could not be verified.",
        detail="No primary documentation found.",
        last_verified=None,
    )
    return flux_cell


# --- The model ---


def test_a_cell_without_a_rating_is_not_assessed(preemption):
    cell = MatrixCell.objects.get(pk=preemption.pk)

    cell.full_clean()
    assert (cell.rating, cell.rating_choice, cell.is_assessed) == (None, None, False)
    assert cell.rating_label == "Not assessed"
    assert cell.get_rating_display() == "Not assessed"
    assert cell.rating_css_class == "rating-not-assessed"
    # Not a mark on the scale.
    assert None not in [rating.value for rating in Rating]


@time_machine.travel(datetime.datetime(2027, 4, 2, tzinfo=datetime.UTC))
def test_a_cell_never_verified_is_not_stale_and_one_checked_13_months_ago_is():
    never = MatrixCellFactory(last_verified=None)
    old = MatrixCellFactory(last_verified=datetime.date(2026, 3, 1))
    fresh = MatrixCellFactory(last_verified=datetime.date(2026, 12, 1))

    assert (never.is_stale(), old.is_stale(), fresh.is_stale()) == (False, True, False)
    assert list(MatrixCell.objects.stale()) == [old]
    assert list(MatrixCell.objects.never_verified()) == [never]


# --- The comparison ---


def test_only_rows_that_differ_ignores_a_cell_that_is_not_assessed(technologies, preemption):
    everything = build_matrix(technologies=technologies)
    differing = build_matrix(technologies=technologies, differ=True)

    assert everything.count == 1
    assert differing.count == 0
    assert everything.rows[0].spread() == 0


def test_only_rows_that_differ_still_keeps_rows_whose_assessed_ratings_differ(
    technologies, preemption
):
    MatrixCell.objects.filter(technology__slug="kubernetes").update(rating=Rating.WEAK)

    assert build_matrix(technologies=technologies, differ=True).count == 1


def test_the_compare_page_shows_not_assessed_and_not_yet_verified(client, preemption):
    page = client.get(COMPARE).content.decode()

    assert '<span class="rating rating-not-assessed">Not assessed</span>' in page
    assert "Not yet verified" in page
    assert "Not rated" not in page


def test_the_compare_page_leaves_out_a_row_differing_only_by_not_assessed(client, preemption):
    response = client.get(COMPARE, {"differ": "1"})

    assert response.context["table"].count == 0


def test_the_technology_page_shows_not_assessed(client, preemption):
    page = client.get(preemption.technology.get_absolute_url()).content.decode()

    assert '<span class="rating rating-not-assessed">Not assessed</span>' in page
    assert "Not yet verified" in page


@time_machine.travel(datetime.datetime(2027, 4, 2, tzinfo=datetime.UTC))
def test_pages_flag_a_stale_cell_to_readers_but_not_an_unverified_one(client, preemption):
    slurm = MatrixCell.objects.get(technology__slug="slurm")
    MatrixCell.objects.filter(pk=slurm.pk).update(last_verified=datetime.date(2026, 3, 1))
    MatrixCell.objects.filter(technology__slug="kubernetes").update(
        last_verified=datetime.date(2027, 1, 1)
    )

    compare = client.get(COMPARE).content.decode()
    flux_page = client.get(preemption.technology.get_absolute_url()).content.decode()

    assert compare.count("Checked over a year ago") == 1
    assert "Last verified March 1, 2026" in compare
    assert "Checked over a year ago" not in flux_page


def test_the_csv_says_not_assessed(client, preemption):
    response = client.get(COMPARE_CSV)

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-2:] == ["Flux rating", "Flux summary"]
    assert rows[1][-2] == "Not assessed"


# --- The API ---


def test_the_api_gives_a_null_rating_labelled_not_assessed_and_no_made_up_date(client, preemption):
    body = client.get(f"{API}features/").json()

    flux = next(cell for cell in body[0]["cells"] if cell["technology"] == "flux")
    assert flux == {
        "technology": "flux",
        "rating": None,
        "rating_label": "Not assessed",
        "summary": "Not assessed: could not be verified.",
        "detail": "No primary documentation found.",
        "sources": [],
        "last_verified": None,
    }


def test_the_api_schema_documents_a_nullable_rating_and_date(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    cell = schema["components"]["schemas"]["Cell"]["properties"]
    assert cell["rating"].get("nullable") is True
    assert cell["last_verified"].get("nullable") is True


# --- The migration ---


def test_the_migration_unrates_not_assessed_cells_and_forgets_made_up_dates(technologies):
    slurm, kubernetes, flux = technologies
    snapshot, unsourced_date = datetime.date(2026, 8, 20), datetime.date(2025, 6, 1)

    def cell(feature: str, technology, rating: int, verified: datetime.date) -> MatrixCell:
        return MatrixCellFactory(
            feature=FeatureFactory(slug=feature) if isinstance(feature, str) else feature,
            technology=technology,
            rating=rating,
            last_verified=verified,
        )

    preemption = cell("preemption", flux, Rating.WEAK, snapshot)
    gpu = FeatureFactory(slug="gpu-sharing")
    gpu_kubernetes = cell(gpu, kubernetes, Rating.NATIVE, snapshot)
    gpu_slurm = cell(gpu, slurm, Rating.STRONG, snapshot)
    latency = cell("network-latency", make_technologies("slurm-on-kubernetes")[0], 3, snapshot)
    unsourced = cell("quotas", slurm, Rating.STRONG, unsourced_date)
    sourced = cell("backfill", slurm, Rating.NATIVE, unsourced_date)
    SourceFactory(cell=sourced)
    checked = cell("mpi", slurm, Rating.NATIVE, datetime.date(2026, 9, 1))

    MIGRATION.make_content_honest(apps, None)

    def state(c: MatrixCell) -> tuple:
        c.refresh_from_db()
        return c.rating, c.last_verified

    assert state(preemption) == (None, None)
    assert state(latency) == (None, None)
    assert state(gpu_kubernetes) == (Rating.STRONG, None)
    assert state(gpu_slurm) == (Rating.STRONG, None)
    assert state(unsourced) == (Rating.STRONG, None)
    assert state(sourced) == (Rating.NATIVE, unsourced_date)
    assert state(checked) == (Rating.NATIVE, datetime.date(2026, 9, 1))
