"""The wizard in a real browser: live conditions (htmx), navigation, the drawn result."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# The machines running this are busy: allow htmx round trips time before failing.
WAIT = 15_000
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"


def accessibility_violations(page: Page) -> list[str]:
    """WCAG 2 A/AA violations axe-core finds on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def test_it_walks_through_the_assessment_in_a_browser(page, live_server, scoring_model):
    # Chromium asks for /favicon.ico on its own; answer it quietly.
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(live_server.url + "/assessment/")
    page.get_by_role("button", name="Start the assessment").click()

    # Step 1: the conditional question follows the answer it depends on, without a reload.
    follow_up = page.get_by_text("How much of the MPI work is latency-sensitive?")
    page.get_by_label("Tightly coupled MPI", exact=True).check()
    expect(follow_up).to_be_visible(timeout=WAIT)
    page.get_by_label("Long-running services", exact=True).check()
    expect(follow_up).to_have_count(0, timeout=WAIT)
    page.get_by_label("Tightly coupled MPI", exact=True).check()
    expect(follow_up).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_be_visible(timeout=WAIT)
    assert accessibility_violations(page) == []
    page.locator("#q-mpi_share-3").check()
    page.locator("#q-largest_job_nodes").fill("128")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2, then back and forth: the answers stay.
    page.get_by_label("Apptainer", exact=True).check()
    page.get_by_label("InfiniBand", exact=True).check()
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#q-largest_job_nodes")).to_have_value("128", timeout=WAIT)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("Apptainer", exact=True)).to_be_checked(timeout=WAIT)
    page.get_by_role("button", name="Save and continue").click()

    # Last step: consent and submit; the result draws its charts.
    assert accessibility_violations(page) == []
    page.get_by_label("Name").fill("Ada")
    page.get_by_role("button", name="See my recommendation").click()
    expect(page.get_by_role("heading", name="How each option fits")).to_be_visible(timeout=WAIT)
    # plotly.js is large: on a busy machine parsing it takes seconds.
    chart = page.locator('[data-plotly="chart-fit-data"] svg.main-svg').first
    expect(chart).to_be_visible(timeout=30_000)
    assert accessibility_violations(page) == []
