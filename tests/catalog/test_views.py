import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.models import Rating, Technology
from apps.catalog.services import cached_rendering, content_changed

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

COMPARE = reverse("catalog:compare")
COMPARE_CSV = reverse("catalog:compare-csv")
# Technologies, categories, features with categories, cells, sources, the feature total,
# the date of the latest rating change.
COMPARE_QUERIES = 7
# The same without the feature total.
CSV_QUERIES = 5
# The technology with points and scenarios (3), features, cells, sources, the other technologies,
# the date of its latest rating change.
TECHNOLOGY_QUERIES = 8
# Options, categories, features, cells, sources, the feature total.
HOME_QUERIES = 6


@pytest.fixture
def technologies():
    return make_technologies("slurm", "kubernetes", "flux")


@pytest.fixture
def matrix(technologies):
    """Three rows: MPI differs, GPU is the same everywhere, quotas differ."""
    slurm, kubernetes, flux = technologies
    mpi = FeatureFactory(name="MPI launch", slug="mpi-launch", category__name="Networking")
    gpu = FeatureFactory(name="GPU request", slug="gpu-request", category=mpi.category)
    quota = FeatureFactory(name="Quotas", slug="quotas-qos", category__name="Scheduling")
    for technology, rating in [(slurm, 4), (kubernetes, 2), (flux, 4)]:
        MatrixCellFactory(feature=mpi, technology=technology, rating=rating)
    for technology in technologies:
        MatrixCellFactory(feature=gpu, technology=technology, rating=Rating.STRONG)
    MatrixCellFactory(feature=quota, technology=slurm, rating=4, summary="QOS and associations")
    MatrixCellFactory(
        feature=quota, technology=kubernetes, rating=3, summary="ResourceQuota objects"
    )
    return {"mpi": mpi, "gpu": gpu, "quota": quota}


def _columns(response) -> list[str]:
    """The technology slugs heading the matrix columns, in order."""
    html = (
        response.content.decode().split('<table class="table matrix">', 1)[1].split("</thead>")[0]
    )
    return [chunk.split("/", 1)[0] for chunk in html.split('<a href="/technologies/')[1:]]


def _row_names(response) -> list[str]:
    html = response.content.decode()
    return [chunk.split("<", 1)[0] for chunk in html.split('<span class="feature-name">')[1:]]


def _row_ids(response) -> list[str]:
    """Feature slugs of the rendered matrix rows, in order."""
    html = response.content.decode()
    return [chunk.split('"', 1)[0] for chunk in html.split('<tr id="feature-')[1:]]


# --- Compare page ---


def test_it_compares_every_technology_by_default(client, matrix):
    response = client.get(COMPARE)

    assert response.status_code == 200
    assert _columns(response) == ["slurm", "kubernetes", "flux"]
    assert _row_ids(response) == ["mpi-launch", "gpu-request", "quotas-qos"]
    assert b"<html" in response.content


def test_it_compares_only_the_chosen_technologies_in_display_order(client, matrix):
    response = client.get(COMPARE, {"tech": ["kubernetes", "slurm"]})

    assert _columns(response) == ["slurm", "kubernetes"]
    assert b'href="/technologies/flux/"' not in response.content


def test_it_filters_by_category(client, matrix):
    response = client.get(COMPARE, {"category": matrix["quota"].category.slug})

    assert _row_ids(response) == ["quotas-qos"]


def test_it_keeps_only_rows_that_differ(client, matrix):
    response = client.get(COMPARE, {"differ": "1"})

    assert _row_ids(response) == ["mpi-launch", "quotas-qos"]


def test_it_treats_a_missing_cell_as_a_difference(client, matrix):
    # given: Flux has no quota cell, the other two are rated the same for GPUs
    response = client.get(COMPARE, {"differ": "1", "tech": ["slurm", "flux"]})

    assert _row_ids(response) == ["quotas-qos"]


def test_it_searches_names_and_cell_text_of_the_chosen_technologies(client, matrix):
    by_name = client.get(COMPARE, {"q": "mpi"})
    by_cell = client.get(COMPARE, {"q": "resourcequota"})
    cell_of_hidden_column = client.get(COMPARE, {"q": "resourcequota", "tech": ["slurm", "flux"]})
    every_word = client.get(COMPARE, {"q": "quota associations"})

    assert _row_ids(by_name) == ["mpi-launch"]
    assert _row_ids(by_cell) == ["quotas-qos"]
    assert _row_ids(cell_of_hidden_column) == []
    assert b"No feature matches these filters" in cell_of_hidden_column.content
    assert _row_ids(every_word) == ["quotas-qos"]


def test_it_shows_detail_and_sources_in_an_expandable_cell(client, matrix):
    cell = matrix["mpi"].cells.get(technology__slug="slurm")
    SourceFactory(cell=cell, title="srun manual", url="https://slurm.schedmd.com/srun.html")

    html = client.get(COMPARE).content.decode()

    assert "<details" in html
    assert (
        '<a href="https://slurm.schedmd.com/srun.html" rel="noopener noreferrer">srun manual</a>'
        in html
    )
    assert "<em>explanation</em>" in html


def test_it_shows_the_rating_legend_with_text_not_only_colour(client, matrix):
    html = client.get(COMPARE).content.decode()

    for rating in Rating:
        assert f'<span class="rating {rating.css_class}">{rating.label}</span>' in html
        assert str(rating.description) in html


def test_it_returns_only_the_table_to_htmx(client, matrix):
    response = client.get(COMPARE, {"tech": ["slurm", "kubernetes"]}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="matrix-table"')
    assert "<html" not in html
    assert 'id="compare-form"' not in html
    assert _row_ids(response) == ["mpi-launch", "gpu-request", "quotas-qos"]
    assert "HX-Request" in response["Vary"]


def test_it_returns_the_whole_page_when_htmx_restores_history(client, matrix):
    response = client.get(COMPARE, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert b"<html" in response.content
    assert b'id="compare-form"' in response.content


@pytest.mark.parametrize(
    "params",
    [{"tech": ["slurm"]}, {"tech": ["slurm", "nope"]}, {"tech": ["nope", "other"]}],
)
def test_it_asks_for_two_technologies_and_keeps_the_form(client, matrix, params):
    response = client.get(COMPARE, {**params, "q": "mpi"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least two technologies to compare." in html
    assert 'id="compare-errors"' in html
    assert 'value="mpi"' in html
    assert ('value="slurm" id="id_tech_0" checked' in html) == ("slurm" in params["tech"])
    assert _row_ids(response) == []


def test_it_ignores_unknown_technologies_when_two_known_remain(client, matrix):
    response = client.get(COMPARE, {"tech": ["slurm", "kubernetes", "<b>x</b>"]})

    html = response.content.decode()
    assert _columns(response) == ["slurm", "kubernetes"]
    assert "Ignored unknown technologies: &lt;b&gt;x&lt;/b&gt;." in html


def test_it_explains_an_unknown_category(client, matrix):
    response = client.get(COMPARE, {"category": "nope"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "There is no category “nope”" in response.content.decode()


def test_it_survives_hostile_parameters(client, matrix):
    response = client.get(COMPARE, {"q": "x" * 500, "differ": "maybe", "tech": ""})

    assert response.status_code == 200
    assert b"Ensure this value has at most 100 characters" in response.content


def test_it_offers_the_current_view_as_csv_and_a_permalink(client, matrix):
    response = client.get(COMPARE, {"tech": ["slurm", "flux"], "differ": "1"})

    html = response.content.decode()
    assert f'href="{COMPARE_CSV}?tech=slurm&amp;tech=flux&amp;differ=1"' in html
    assert 'data-copy="http://testserver/compare/?tech=slurm&amp;tech=flux&amp;differ=1"' in html
    assert 'href="/compare/?tech=slurm&amp;tech=flux&amp;differ=1" rel="bookmark"' in html


def test_it_exports_the_same_rows_as_the_page(client, matrix):
    params = {"tech": ["slurm", "kubernetes"], "differ": "1"}
    page = client.get(COMPARE, params)

    response = client.get(COMPARE_CSV, params)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Category",
        "Feature",
        "Slurm rating",
        "Slurm summary",
        "Kubernetes rating",
        "Kubernetes summary",
    ]
    assert [row[1] for row in rows[1:]] == _row_names(page)
    assert rows[1] == [
        "Networking",
        "MPI launch",
        "Native",
        "Slurm on MPI launch",
        "With add-ons",
        "Kubernetes on MPI launch",
    ]
    assert rows[2][2:] == ["Native", "QOS and associations", "Strong", "ResourceQuota objects"]


def test_it_neutralises_formulas_in_the_csv(client, matrix):
    matrix["gpu"].cells.filter(technology__slug="slurm").update(summary="=HYPERLINK(1)")

    response = client.get(COMPARE_CSV, {"q": "gpu"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][3] == "'=HYPERLINK(1)"


def test_it_neutralises_formulas_in_the_csv_header_and_quotes_every_field(client, matrix):
    Technology.objects.filter(slug="slurm").update(name="=HYPERLINK(2)")

    response = client.get(COMPARE_CSV, {"q": "gpu"})

    text = response.content.decode()
    header = next(csv.reader(io.StringIO(text)))
    assert "'=HYPERLINK(2) rating" in header
    assert text.startswith('"Category","Feature",')


def test_it_refuses_a_csv_for_fewer_than_two_technologies(client, matrix):
    response = client.get(COMPARE_CSV, {"tech": "slurm"})

    assert response.status_code == 400
    assert response.content.decode() == "Choose at least two technologies to compare."


def test_the_compare_page_runs_the_same_queries_for_10_and_500_features(
    client, django_assert_num_queries, technologies
):
    make_matrix(technologies=technologies, features=10)
    params = {"q": "capability", "differ": "1"}
    with django_assert_num_queries(COMPARE_QUERIES):
        small = client.get(COMPARE, params)
    make_matrix(technologies=technologies, features=490, start=10)

    with django_assert_num_queries(COMPARE_QUERIES):
        large = client.get(COMPARE, params)
    with django_assert_num_queries(CSV_QUERIES):
        client.get(COMPARE_CSV, params)

    assert small.context["table"].count == 10
    assert large.context["table"].count == 500


# --- Caching ---


def test_a_visitor_without_cookies_gets_the_page_from_the_cache(
    client, matrix, django_assert_num_queries
):
    params = {"tech": ["slurm", "kubernetes"]}
    first = client.get(COMPARE, params)

    with django_assert_num_queries(0):
        again = client.get(COMPARE, params)

    assert again.status_code == 200
    assert again.content == first.content
    # Nothing personal on the page, so nothing that would make it uncacheable.
    assert not first.cookies
    assert "csrfmiddlewaretoken" not in first.content.decode()


def test_an_edit_shows_at_once_on_every_cached_page(client, matrix, technologies):
    slurm = technologies[0]
    client.get(COMPARE)
    client.get(slurm.get_absolute_url())
    client.get(reverse("catalog:home"))
    cell = matrix["quota"].cells.get(technology=slurm)

    cell.summary = "Fair-share with QOS limits"
    cell.save()

    for url in [COMPARE, slurm.get_absolute_url(), reverse("catalog:home")]:
        assert "Fair-share with QOS limits" in client.get(url).content.decode(), url
    matrix["gpu"].delete()
    assert _row_ids(client.get(COMPARE)) == ["mpi-launch", "quotas-qos"]


def test_a_returning_visitor_with_only_the_csrf_and_language_cookies_gets_the_cached_page(
    client, matrix, django_assert_num_queries
):
    first = Client().get(COMPARE)
    client.cookies["csrftoken"] = "a" * 32
    client.cookies["django_language"] = "en"

    with django_assert_num_queries(0):
        response = client.get(COMPARE)

    assert response.content == first.content


def test_a_visitor_with_a_session_gets_a_fresh_page_around_the_cached_table(
    client, matrix, django_assert_num_queries
):
    client.cookies["sessionid"] = "b" * 32
    client.get(COMPARE)

    # Technologies and categories for the form, the feature total: no matrix queries.
    with django_assert_num_queries(3):
        response = client.get(COMPARE)

    assert _row_ids(response) == ["mpi-launch", "gpu-request", "quotas-qos"]


def test_staff_navigation_never_reaches_a_cached_page(client, editor, matrix):
    anonymous = Client()
    assert "Staff login" in anonymous.get(COMPARE).content.decode()

    client.force_login(editor)
    staff_html = client.get(COMPARE).content.decode()
    anonymous_html = anonymous.get(COMPARE).content.decode()

    assert "Log out" in staff_html
    assert "Staff login" not in staff_html
    assert "Log out" not in anonymous_html


def test_a_rendering_made_while_the_catalog_changed_is_not_served_afterwards():
    def render_during_an_edit() -> str:
        content_changed()
        return "before the edit"

    assert cached_rendering("k", render_during_an_edit, timeout=60) == "before the edit"
    assert cached_rendering("k", lambda: "after", timeout=60) == "after"
    assert cached_rendering("k", lambda: "again", timeout=60) == "after"
    assert cached_rendering("j", lambda: "kept?", timeout=60, keep=lambda _v: False) == "kept?"
    assert cached_rendering("j", lambda: "rendered", timeout=60) == "rendered"


def test_a_process_serves_its_own_copy_while_the_catalog_is_unchanged():
    renders = []

    def render() -> dict[str, list[str]]:
        renders.append(1)
        return {"rows": ["slurm"]}

    first = cached_rendering("page", render, timeout=60)
    # The shared entry is gone (evicted, or another process's): this process's copy serves.
    cache.delete("page")
    second = cached_rendering("page", render, timeout=60)
    assert second == first
    assert renders == [1]
    # Each caller gets an object of its own: changing one changes no other.
    second["rows"].append("changed by a middleware")
    assert cached_rendering("page", render, timeout=60) == {"rows": ["slurm"]}

    content_changed()
    assert cached_rendering("page", render, timeout=60) == first
    assert renders == [1, 1]


def test_a_processs_copy_expires_with_the_shared_entry():
    renders = []

    def render() -> int:
        renders.append(1)
        return len(renders)

    assert cached_rendering("short", render, timeout=0) == 1
    assert cached_rendering("short", render, timeout=0) == 2


def test_the_htmx_fragment_and_the_page_are_cached_apart(client, matrix):
    client.get(COMPARE)
    fragment = client.get(COMPARE, HTTP_HX_REQUEST="true")
    page = client.get(COMPARE)

    assert b"<html" not in fragment.content
    assert fragment.content.lstrip().startswith(b'<div id="matrix-table"')
    assert b"<html" in page.content


# --- Technology page ---


def test_it_shows_a_technology_with_its_points_scenarios_and_column(client, matrix, technologies):
    slurm = technologies[0]
    TechnologyPointFactory(technology=slurm, title="Mature scheduling", feature=matrix["mpi"])
    TechnologyPointFactory(technology=slurm, kind="weakness", title="Static clusters")
    ScenarioFactory(technology=slurm, title="Classic HPC centre")

    response = client.get(slurm.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Slurm</strong> schedules work." in html
    assert "Mature scheduling" in response.context["strengths"][0].title
    assert [p.title for p in response.context["weaknesses"]] == ["Static clusters"]
    assert "Classic HPC centre" in html
    assert "Choose this if your jobs are tightly coupled MPI runs" in html
    assert _row_ids(response) == ["mpi-launch", "gpu-request", "quotas-qos"]
    assert "GPL-2.0" in html
    assert f"{COMPARE}?tech=slurm&amp;tech=kubernetes" in html


def test_it_answers_404_for_an_unknown_technology(client, matrix):
    response = client.get(reverse("catalog:technology", kwargs={"slug": "nope"}))

    assert response.status_code == 404


def test_the_technology_page_runs_the_same_queries_for_10_and_500_features(
    client, django_assert_num_queries, technologies
):
    slurm = technologies[0]
    TechnologyPointFactory.create_batch(2, technology=slurm)
    ScenarioFactory.create_batch(2, technology=slurm)
    make_matrix(technologies=technologies, features=10)
    with django_assert_num_queries(TECHNOLOGY_QUERIES):
        client.get(slurm.get_absolute_url())
    make_matrix(technologies=technologies, features=490, start=10)

    with django_assert_num_queries(TECHNOLOGY_QUERIES):
        response = client.get(slurm.get_absolute_url())

    assert response.context["matrix"].count == 500


# --- Home page ---


def test_it_leads_the_home_page_with_the_biggest_slurm_kubernetes_differences(client, matrix):
    response = client.get(reverse("catalog:home"))

    headline = response.context["headline"]
    assert response.status_code == 200
    assert [headline.first.slug, headline.second.slug] == ["slurm", "kubernetes"]
    assert [row.feature.slug for row in headline.rows] == ["mpi-launch", "quotas-qos"]
    assert reverse("assessments:start") in response.content.decode()
    assert reverse("booking:index") in response.content.decode()


def test_the_home_page_works_without_content(client):
    response = client.get(reverse("catalog:home"))

    assert response.status_code == 200
    assert response.context["headline"] is None


def test_the_home_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, technologies
):
    make_matrix(technologies=technologies, features=50)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("catalog:home"))

    assert len(queries) == HOME_QUERIES
