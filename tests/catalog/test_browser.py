"""The compare page in a real browser: htmx updates in place and the address keeps the state."""

import pytest
from playwright.sync_api import expect

from apps.catalog.models import Rating

from .factories import FeatureFactory, MatrixCellFactory, make_technologies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def matrix():
    technologies = make_technologies("slurm", "kubernetes", "flux")
    mpi = FeatureFactory(name="MPI launch", slug="mpi-launch")
    gpu = FeatureFactory(name="GPU request", slug="gpu-request", category=mpi.category)
    for feature in (mpi, gpu):
        for technology, rating in zip(technologies, [4, 2, 3], strict=True):
            MatrixCellFactory(feature=feature, technology=technology, rating=Rating(rating))


@pytest.fixture
def browser_page(page):
    # Chromium asks for /favicon.ico on its own; the site has none, so answer it quietly.
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    return page


def test_it_updates_the_table_without_reloading_and_the_url_reopens_it(
    browser_page, live_server, matrix
):
    page = browser_page
    page.goto(f"{live_server.url}/compare/")
    expect(page.locator("#matrix-table thead")).to_contain_text("Flux")
    page.evaluate("window.__marker = 1")

    # when
    page.get_by_label("Flux", exact=True).uncheck()

    # then: the table changed, the page did not reload, the address holds the choice
    expect(page.locator("#matrix-table thead")).not_to_contain_text("Flux")
    expect(page).to_have_url(f"{live_server.url}/compare/?tech=slurm&tech=kubernetes&category=&q=")
    assert page.evaluate("window.__marker") == 1
    table = page.locator("#matrix-table table").inner_text()

    fresh = page.context.new_page()
    fresh.goto(page.url)
    assert fresh.locator("#matrix-table table").inner_text() == table
    assert fresh.evaluate("window.__marker") is None
    expect(fresh.get_by_label("Flux", exact=True)).not_to_be_checked()
    expect(fresh.get_by_label("Slurm", exact=True)).to_be_checked()


def test_it_searches_as_you_type(browser_page, live_server, matrix):
    page = browser_page
    page.goto(f"{live_server.url}/compare/")
    page.evaluate("window.__marker = 1")

    page.get_by_label("Search").press_sequentially("gpu")

    expect(page.locator("#matrix-table tbody tr[id]")).to_have_count(1)
    expect(page.locator("#feature-gpu-request")).to_be_visible()
    expect(page).to_have_url(
        f"{live_server.url}/compare/?tech=slurm&tech=kubernetes&tech=flux&category=&q=gpu"
    )
    assert page.evaluate("window.__marker") == 1


def test_it_opens_a_cell_for_its_detail(browser_page, live_server, matrix):
    page = browser_page
    page.goto(f"{live_server.url}/compare/?tech=slurm&tech=flux")

    cell = page.locator("#feature-mpi-launch td").first
    cell.get_by_text("Detail and sources").click()

    expect(cell.locator("details")).to_have_attribute("open", "")
    expect(cell.locator("em")).to_have_text("explanation")
