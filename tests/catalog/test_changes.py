"""The public changelog: rating changes from the edit history, its feed, and the editor's note."""

import datetime
from xml.etree import ElementTree

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from apps.accounts.models import CONTENT_EDITORS
from apps.catalog.models import MatrixCell, Rating

from .factories import FeatureFactory, MatrixCellFactory, make_technologies

pytestmark = pytest.mark.django_db

CHANGES = reverse("catalog:changes")
FEED = reverse("catalog:changes-feed")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def content_editor(editor):
    group = Group.objects.get(name=CONTENT_EDITORS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="catalog"))
    return editor


@pytest.fixture
def cells():
    slurm, kubernetes = make_technologies("slurm", "kubernetes")
    mpi = FeatureFactory(slug="mpi-launch", name="MPI launch")
    gpu = FeatureFactory(slug="gpu-sharing", name="GPU sharing")
    return {
        "slurm-mpi": MatrixCellFactory(feature=mpi, technology=slurm, rating=Rating.NATIVE),
        "kubernetes-mpi": MatrixCellFactory(
            feature=mpi, technology=kubernetes, rating=Rating.ADDON
        ),
        "kubernetes-gpu": MatrixCellFactory(
            feature=gpu, technology=kubernetes, rating=Rating.NATIVE
        ),
    }


def _form_data(response) -> dict[str, object]:
    """What the admin page would post back unchanged: the form and every inline formset."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, object] = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def _change_rating(client, cell, rating, note="") -> object:
    url = reverse("admin:catalog_matrixcell_change", args=[cell.pk])
    data = _form_data(client.get(url))
    data |= {"rating": int(rating), "change_reason": note}
    return client.post(url, data)


def _rows(response) -> list[tuple[str, str, str, str]]:
    return [
        (
            c.feature.slug,
            c.technology.slug,
            f"{c.old_rating}→{c.new_rating}",
            c.history_change_reason,
        )
        for c in response.context["page_obj"]
    ]


def _rerate(cell, rating, note) -> None:
    """A rating change outside the admin (a script), with its note."""
    cell.rating = rating
    cell._change_reason = note
    cell.save(update_fields=["rating"])


# --- The editor's note in the admin ---


def test_it_shows_an_admin_rating_change_first_with_old_new_and_the_note(
    client, content_editor, cells
):
    # given
    _rerate(cells["kubernetes-gpu"], Rating.STRONG, "GPU Operator is an add-on")
    client.force_login(content_editor)

    # when
    response = _change_rating(
        client, cells["kubernetes-mpi"], Rating.STRONG, "  MPI Operator is\nnow mature "
    )

    # then
    assert response.status_code == 302
    page = Client().get(CHANGES)
    assert _rows(page)[0] == ("mpi-launch", "kubernetes", "2→3", "MPI Operator is now mature")
    html = page.content.decode()
    assert "With add-ons → Strong" in html
    assert "MPI Operator is now mature" in html
    assert html.index("MPI Operator is now mature") < html.index("GPU Operator is an add-on")


def test_the_feed_lists_the_change_with_its_note(client, content_editor, cells):
    client.force_login(content_editor)
    _change_rating(client, cells["kubernetes-mpi"], Rating.STRONG, "MPI Operator is now mature")

    response = Client().get(FEED)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(response.content).findall(f"{ATOM}entry")
    assert entries[0].findtext(f"{ATOM}title") == "MPI launch, Kubernetes: With add-ons → Strong"
    assert entries[0].findtext(f"{ATOM}summary") == "MPI Operator is now mature"


def test_it_refuses_a_rating_change_without_a_note(client, content_editor, cells):
    client.force_login(content_editor)

    response = _change_rating(client, cells["kubernetes-mpi"], Rating.STRONG, " ")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["change_reason"]
    assert MatrixCell.objects.get(pk=cells["kubernetes-mpi"].pk).rating == Rating.ADDON
    assert _rows(Client().get(CHANGES)) == []


def test_it_saves_other_edits_without_a_note(client, content_editor, cells):
    client.force_login(content_editor)
    url = reverse("admin:catalog_matrixcell_change", args=[cells["slurm-mpi"].pk])
    data = _form_data(client.get(url)) | {"summary": "srun and PMIx"}

    assert client.post(url, data).status_code == 302
    assert MatrixCell.objects.get(pk=cells["slurm-mpi"].pk).summary == "srun and PMIx"
    assert _rows(Client().get(CHANGES)) == []


def test_the_feature_inline_asks_for_the_note_too(client, content_editor, cells):
    client.force_login(content_editor)
    feature = cells["kubernetes-gpu"].feature
    url = reverse("admin:catalog_feature_change", args=[feature.pk])
    data = _form_data(client.get(url))
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-id") and value == cells["kubernetes-gpu"].pk
    )

    refused = client.post(url, data | {f"cells-{index}-rating": int(Rating.ADDON)})
    saved = client.post(
        url,
        data
        | {f"cells-{index}-rating": int(Rating.ADDON), f"cells-{index}-change_reason": "Add-ons"},
    )

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert _rows(Client().get(CHANGES)) == [("gpu-sharing", "kubernetes", "4→2", "Add-ons")]


# --- The page ---


def test_it_filters_by_technology(client, cells):
    _rerate(cells["slurm-mpi"], Rating.STRONG, "PMIx needs setup")
    _rerate(cells["kubernetes-gpu"], Rating.ADDON, "GPU Operator is an add-on")

    response = client.get(CHANGES, {"technology": "slurm"})

    assert _rows(response) == [("mpi-launch", "slurm", "4→3", "PMIx needs setup")]
    assert len(_rows(client.get(CHANGES))) == 2


def test_it_paginates_in_a_fixed_number_of_queries(client, cells, django_assert_num_queries):
    cell = cells["slurm-mpi"]
    for number in range(30):
        _rerate(cell, [Rating.STRONG, Rating.NATIVE][number % 2], f"Change {number}")

    # The technologies for the filter, the page count, the page of changes.
    with django_assert_num_queries(3):
        first = client.get(CHANGES)
    second = client.get(CHANGES, {"page": "2"})

    assert [row[3] for row in _rows(first)][:2] == ["Change 29", "Change 28"]
    assert len(_rows(first)) == 25
    assert [row[3] for row in _rows(second)] == [f"Change {n}" for n in range(4, -1, -1)]
    assert "Page 2 of 2" in second.content.decode()


def test_creations_and_edits_that_keep_the_rating_are_not_listed(client, cells):
    cell = cells["slurm-mpi"]
    cell.summary = "srun"
    cell.save(update_fields=["summary"])

    response = client.get(CHANGES)

    assert _rows(response) == []
    assert "No rating has changed" in response.content.decode()


def test_seeding_leaves_the_changelog_empty(client, seeded):
    assert MatrixCell.objects.exists()

    response = client.get(CHANGES)

    assert _rows(response) == []
    assert "updated" not in client.get(reverse("catalog:compare")).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=99999",
        "page=1e9",
        "technology=no-such-thing",
        "technology=%00",
        "technology=slurm&technology=kubernetes&page=",
        "page[]=2&technology[]=x",
    ],
)
def test_malformed_parameters_do_not_fail(client, cells, query):
    _rerate(cells["slurm-mpi"], Rating.STRONG, "PMIx needs setup")

    response = client.get(f"{CHANGES}?{query}")

    assert response.status_code == 200


# --- "updated" on the technology and compare pages ---


def test_technology_and_compare_pages_say_when_they_were_updated(client, cells):
    with time_machine.travel(datetime.datetime(2027, 3, 4, 12, tzinfo=datetime.UTC)):
        _rerate(cells["kubernetes-gpu"], Rating.ADDON, "GPU Operator is an add-on")
    slurm = cells["slurm-mpi"].technology
    kubernetes = cells["kubernetes-gpu"].technology

    compare = client.get(reverse("catalog:compare")).content.decode()
    kubernetes_page = client.get(kubernetes.get_absolute_url()).content.decode()
    slurm_page = client.get(slurm.get_absolute_url()).content.decode()

    assert f'<a href="{CHANGES}">updated March 4, 2027</a>' in compare
    assert f'<a href="{CHANGES}?technology=kubernetes">updated March 4, 2027</a>' in kubernetes_page
    assert "updated" not in slurm_page


def test_a_cell_that_was_not_assessed_shows_as_such(client, cells):
    cell = cells["kubernetes-gpu"]
    _rerate(cell, None, "No source states it")
    _rerate(cell, Rating.STRONG, "GPU Operator documents time-slicing")

    html = client.get(CHANGES).content.decode()

    assert "Native → Not assessed" in html
    assert "Not assessed → Strong" in html
