import datetime

import pytest
import tablib
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import CONTENT_EDITORS
from apps.catalog.admin import MatrixCellResource
from apps.catalog.models import Feature, MatrixCell, Rating

from .factories import (
    FeatureFactory,
    MatrixCellFactory,
    SourceFactory,
    TechnologyFactory,
    make_technologies,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_matrixcell_changelist")
COLUMNS = ["feature", "technology", "rating", "summary", "detail", "last_verified"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def content_editor(editor):
    group = Group.objects.get(name=CONTENT_EDITORS)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["catalog", "faq"])
    )
    return editor


@pytest.fixture
def cells():
    slurm, kubernetes = make_technologies("slurm", "kubernetes")
    mpi = FeatureFactory(slug="mpi-launch", name="MPI launch")
    return [
        MatrixCellFactory(
            feature=mpi,
            technology=slurm,
            rating=Rating.NATIVE,
            summary="srun, PMIx",
            detail="Launches ranks with *srun*.",
            last_verified=datetime.date(2026, 3, 1),
        ),
        MatrixCellFactory(
            feature=mpi,
            technology=kubernetes,
            rating=Rating.ADDON,
            summary="MPI Operator",
            detail="",
            last_verified=None,
        ),
    ]


def _snapshot() -> list[tuple]:
    return list(
        MatrixCell.objects.order_by("feature__slug", "technology__slug").values_list(
            "feature__slug", "technology__slug", "rating", "summary", "detail", "last_verified"
        )
    )


# --- Import and export ---


def test_it_exports_the_matrix_with_slugs_as_natural_keys(cells):
    dataset = MatrixCellResource().export()

    assert dataset.headers == COLUMNS
    assert dataset.dict[0] == {
        "feature": "mpi-launch",
        "technology": "slurm",
        "rating": "4",
        "summary": "srun, PMIx",
        "detail": "Launches ranks with *srun*.",
        "last_verified": "2026-03-01",
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_it_round_trips_an_export_through_an_import(cells, file_format):
    before = _snapshot()
    exported = MatrixCellResource().export().export(file_format)
    MatrixCell.objects.all().delete()

    result = MatrixCellResource().import_data(
        tablib.Dataset().load(exported, format=file_format), raise_errors=True
    )

    assert not result.has_validation_errors()
    assert result.totals["new"] == 2
    # Everything but the verification date, which only "I re-checked this cell" records.
    assert [row[:-1] for row in _snapshot()] == [row[:-1] for row in before]
    assert [row[-1] for row in _snapshot()] == [None, None]


def test_an_import_never_sets_a_verification_date(cells):
    rows = MatrixCellResource().export().dict
    rows[1]["last_verified"] = "2026-11-30"
    rows[0]["last_verified"] = ""
    dataset = tablib.Dataset(*[tuple(row[c] for c in COLUMNS) for row in rows], headers=COLUMNS)

    result = MatrixCellResource().import_data(dataset, raise_errors=True)

    assert (result.totals["update"], result.totals["new"]) == (0, 0)
    assert MatrixCell.objects.get(pk=cells[1].pk).last_verified is None
    assert MatrixCell.objects.get(pk=cells[0].pk).last_verified == datetime.date(2026, 3, 1)


def test_it_updates_cells_in_place_and_skips_unchanged_rows(cells):
    dataset = MatrixCellResource().export()
    rows = dataset.dict
    rows[1]["rating"] = str(Rating.STRONG)
    rows[1]["summary"] = "MPI Operator v2"
    changed = tablib.Dataset(*[tuple(row[c] for c in COLUMNS) for row in rows], headers=COLUMNS)

    result = MatrixCellResource().import_data(changed, raise_errors=True)

    assert (result.totals["update"], result.totals["skip"], result.totals["new"]) == (1, 1, 0)
    cell = MatrixCell.objects.get(pk=cells[1].pk)
    assert (cell.rating, cell.summary) == (Rating.STRONG, "MPI Operator v2")


@pytest.mark.parametrize(
    ("column", "value"),
    [("rating", "9"), ("technology", "no-such-technology"), ("feature", "")],
)
def test_it_rejects_rows_that_break_the_rules(cells, column, value):
    rows = MatrixCellResource().export().dict
    rows[0][column] = value
    dataset = tablib.Dataset(*[tuple(row[c] for c in COLUMNS) for row in rows], headers=COLUMNS)

    result = MatrixCellResource().import_data(dataset, dry_run=True)

    assert result.has_validation_errors() or result.has_errors()
    assert MatrixCell.objects.get(pk=cells[0].pk).rating == Rating.NATIVE


def test_an_editor_imports_a_csv_through_the_admin_and_history_names_them(
    client, content_editor, cells
):
    client.force_login(content_editor)
    rows = MatrixCellResource().export().dict
    rows[1]["rating"] = "3"
    csv_text = tablib.Dataset(
        *[tuple(row[c] for c in COLUMNS) for row in rows], headers=COLUMNS
    ).export("csv")
    upload = SimpleUploadedFile("matrix.csv", csv_text.encode(), content_type="text/csv")

    preview = client.post(
        reverse("admin:catalog_matrixcell_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    confirm = preview.context["confirm_form"].initial
    done = client.post(reverse("admin:catalog_matrixcell_process_import"), confirm, follow=True)

    assert done.status_code == 200
    cell = MatrixCell.objects.get(pk=cells[1].pk)
    assert cell.rating == Rating.STRONG
    assert cell.history.latest().history_user == content_editor


def test_it_offers_csv_and_xlsx_for_import_and_export(client, content_editor, cells):
    client.force_login(content_editor)

    export_page = client.get(reverse("admin:catalog_matrixcell_export"))
    import_page = client.get(reverse("admin:catalog_matrixcell_import"))

    for page in (export_page, import_page):
        assert page.status_code == 200
        choices = page.context["form"].fields["format"].choices
        assert [label.lower() for value, label in choices if value != ""] == ["csv", "xlsx"]


def test_it_does_not_let_a_view_only_user_import(client, outsider, cells):
    outsider.user_permissions.add(Permission.objects.get(codename="view_matrixcell"))
    client.force_login(outsider)

    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:catalog_matrixcell_import")).status_code == 403


# --- Matrix cell list ---


@time_machine.travel(datetime.datetime(2027, 4, 2, tzinfo=datetime.UTC))
def test_it_filters_stale_cells(client, superuser, cells):
    fresh = MatrixCellFactory(last_verified=datetime.date(2026, 12, 1))
    client.force_login(superuser)

    stale = client.get(CHANGELIST, {"stale": "yes"}).context["cl"].result_list
    never = client.get(CHANGELIST, {"stale": "never"}).context["cl"].result_list
    verified = client.get(CHANGELIST, {"stale": "no"}).context["cl"].result_list

    # The first cell was verified 13 months ago; the second never, which is not "stale".
    assert [c.pk for c in stale] == [cells[0].pk]
    assert [c.pk for c in never] == [cells[1].pk]
    assert [c.pk for c in verified] == [fresh.pk]


@time_machine.travel(datetime.datetime(2027, 2, 1, 12, tzinfo=datetime.UTC))
def test_it_records_a_recheck_by_the_editor_today_against_the_sources(
    client, content_editor, cells
):
    first = SourceFactory(cell=cells[1], title="MPI Operator docs")
    second = SourceFactory(cell=cells[1], title="Kubeflow trainer")
    SourceFactory(cell=cells[0], title="Slurm MPI guide")
    client.force_login(content_editor)

    client.post(CHANGELIST, {"action": "mark_rechecked", "_selected_action": [cells[1].pk]})

    cell = MatrixCell.objects.get(pk=cells[1].pk)
    assert cell.last_verified == datetime.date(2027, 2, 1)
    assert cell.verified_by == content_editor
    assert set(cell.verified_sources.all()) == {first, second}
    # One history row for the check, naming the editor and holding the sources checked.
    record = cell.history.latest()
    assert record.history_user == content_editor
    assert record.verified_by_id == content_editor.pk
    assert record.last_verified == datetime.date(2027, 2, 1)
    assert {s.source_id for s in record.verified_sources.all()} == {first.pk, second.pk}
    assert cell.history.count() == 2
    untouched = MatrixCell.objects.get(pk=cells[0].pk)
    assert (untouched.last_verified, untouched.verified_by) == (datetime.date(2026, 3, 1), None)


@time_machine.travel(datetime.datetime(2027, 2, 1, 12, tzinfo=datetime.UTC))
def test_it_records_a_recheck_of_many_cells_at_once(client, content_editor, cells):
    client.force_login(content_editor)

    client.post(
        CHANGELIST,
        {"action": "mark_rechecked", "_selected_action": [cells[0].pk, cells[1].pk]},
    )

    assert set(MatrixCell.objects.values_list("last_verified", "verified_by")) == {
        (datetime.date(2027, 2, 1), content_editor.pk)
    }


@time_machine.travel(datetime.datetime(2027, 2, 1, 12, tzinfo=datetime.UTC))
def test_cells_marked_as_verified_show_on_cached_pages_at_once(client, content_editor, cells):
    page = cells[0].technology.get_absolute_url()
    visitor = Client()
    assert "Last verified March 1, 2026" in visitor.get(page).content.decode()
    client.force_login(content_editor)

    client.post(CHANGELIST, {"action": "mark_rechecked", "_selected_action": [cells[0].pk]})

    assert "Last verified Feb. 1, 2027" in visitor.get(page).content.decode()


# --- Feature with its cells ---


def test_it_offers_one_cell_row_per_technology_on_a_new_feature(client, content_editor, cells):
    client.force_login(content_editor)

    response = client.get(reverse("admin:catalog_feature_add"))

    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.initial.get("technology") for form in formset.forms] == [
        t.pk for t in (cells[0].technology, cells[1].technology)
    ]


def test_it_offers_only_the_missing_technologies_on_an_existing_feature(
    client, content_editor, cells
):
    flux = TechnologyFactory(slug="flux", name="Flux", order=9)
    cells[1].delete()
    client.force_login(content_editor)

    response = client.get(reverse("admin:catalog_feature_change", args=[cells[0].feature.pk]))

    formset = response.context["inline_admin_formsets"][0].formset
    assert len(formset.initial_forms) == 1
    assert [form.initial["technology"] for form in formset.extra_forms] == [
        cells[1].technology.pk,
        flux.pk,
    ]


def test_it_saves_a_feature_with_only_the_cells_filled_in(client, content_editor, cells):
    slurm, kubernetes = cells[0].technology, cells[1].technology
    client.force_login(content_editor)
    prefix = "cells"
    data = {
        "category": cells[0].feature.category.pk,
        "name": "Backfill",
        "slug": "backfill",
        "description": "",
        "why_it_matters": "",
        "order": "3",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "2",
        f"{prefix}-0-technology": slurm.pk,
        f"{prefix}-0-rating": "4",
        f"{prefix}-0-summary": "Built in",
        f"{prefix}-1-technology": kubernetes.pk,
    }

    response = client.post(reverse("admin:catalog_feature_add"), data)

    assert response.status_code == 302, response.context["errors"]
    feature = Feature.objects.get(slug="backfill")
    assert [(c.technology, c.summary) for c in feature.cells.all()] == [(slurm, "Built in")]
    assert feature.history.latest().history_user == content_editor
