"""The wizard in a real browser: live conditions (htmx), navigation, the drawn result.

On the real fixture model, answered as the CFD lab persona would.
"""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .fixture_model import ANSWERS, SECTION_STEPS, question, step_answers

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


def answer(page: Page, key: str, value: Any) -> None:
    """Gives one answer the way a person would: ticks its choices or types the number."""
    q = question(key)
    if q["kind"] == "number":
        page.locator(f"#q-{key}").fill(str(value))
        return
    index = {c["key"]: n for n, c in enumerate(q["choices"])}
    for choice in value if isinstance(value, list) else [value]:
        page.locator(f"#q-{key}-{index[choice]}").check()


def test_it_walks_through_the_assessment_in_a_browser(page, live_server, published_model):
    save = page.get_by_role("button", name="Save and continue")
    # Chromium asks for /favicon.ico on its own; answer it quietly.
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(live_server.url + "/assessment/")
    page.get_by_role("button", name="Start the assessment").click()

    # Step 1 (Workloads): errors first, then the CFD lab's answers.
    expect(page.locator("#q-largest_job_nodes")).to_be_visible(timeout=WAIT)
    save.click()
    expect(page.locator("#error-summary")).to_be_visible(timeout=WAIT)
    assert accessibility_violations(page) == []
    for key, value in step_answers(1).items():
        answer(page, key, value)
    save.click()

    # Step 2: gpu_sharing follows the gpus answer on the same step, without a reload;
    # latency_sensitivity is asked because step 1 said most node-hours are MPI.
    follow_up = page.get_by_text(question("gpu_sharing")["text"])
    page.wait_for_load_state("load")  # htmx takes the live questions over (see below)
    answer(page, "gpus", "some")
    expect(follow_up).to_be_visible(timeout=WAIT)
    answer(page, "gpus", "none")
    expect(follow_up).to_have_count(0, timeout=WAIT)
    answer(page, "gpus", "some")
    expect(follow_up).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(question("latency_sensitivity")["text"])).to_be_visible()
    answer(page, "gpus", "none")
    expect(follow_up).to_have_count(0, timeout=WAIT)
    for key, value in step_answers(2).items():
        answer(page, key, value)

    # Back and forth: the answers stay.
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#q-largest_job_nodes")).to_have_value(
        str(ANSWERS["largest_job_nodes"]), timeout=WAIT
    )
    save.click()
    expect(page.locator("#q-interconnect-0")).to_be_checked(timeout=WAIT)
    save.click()

    # Steps 3 to 6.
    for n in range(3, SECTION_STEPS + 1):
        first_key = next(iter(step_answers(n)))
        expect(page.locator(f"#question-{first_key}")).to_be_visible(timeout=WAIT)
        for key, value in step_answers(n).items():
            answer(page, key, value)
        save.click()

    # Last step: consent and submit; the result draws its charts.
    expect(page.get_by_label("Name")).to_be_visible(timeout=WAIT)
    assert accessibility_violations(page) == []
    page.get_by_label("Name").fill("Ada")
    page.get_by_role("button", name="See my recommendation").click()
    expect(page.get_by_role("heading", name="How each option fits")).to_be_visible(timeout=WAIT)
    # The server's SVG at once; plotly.js (large: on a busy machine parsing it takes seconds)
    # only when the reader asks for the interactive chart.
    expect(page.locator("[data-chart-static] svg").first).to_be_visible(timeout=WAIT)
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Explore the interactive chart").first.click()
    chart = page.locator('[data-plotly="chart-fit-data"] svg.main-svg').first
    expect(chart).to_be_visible(timeout=30_000)
    assert accessibility_violations(page) == []


def test_it_holds_the_step_still_while_a_live_condition_re_renders_it(
    page, live_server, published_model
):
    """An answer given while the step is being re-rendered would be lost in the swap, so the
    step's questions are disabled until the new ones arrive (found by a slow CI machine)."""
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(live_server.url + "/assessment/")
    page.get_by_role("button", name="Start the assessment").click()
    for key, value in step_answers(1).items():
        answer(page, key, value)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#question-gpus")).to_be_visible(timeout=WAIT)
    # The step is visible while the page is still parsed; htmx (deferred) takes its live
    # questions over once the document is loaded. An answer given before that posts nothing
    # (the step is re-rendered by "Save and continue" instead), which a loaded CI machine hit.
    page.wait_for_load_state("load")
    held: list = []

    def slow(route):
        held.append(route)  # answered only once the test has looked at the page

    page.route("**/questions/", slow)
    answer(page, "gpus", "some")  # steers gpu_sharing: the step re-renders

    page.wait_for_function("() => document.querySelector('#question-interconnect[disabled]')")
    assert page.locator("#q-interconnect-0").is_disabled()
    held[0].continue_()
    page.unroute("**/questions/")
    expect(page.locator("#q-interconnect-0")).to_be_enabled(timeout=WAIT)
    expect(page.get_by_text(question("gpu_sharing")["text"])).to_be_visible(timeout=WAIT)
