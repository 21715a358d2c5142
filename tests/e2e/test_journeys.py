"""The two journeys the product exists for, end to end in a real browser on the real content.

Prospect: compare → questionnaire (a conditional question, a validation error) → result with
its charts → PDF → share link → booking. Sales: login → dashboard → filter → lead → share
link → opened in a fresh browser → revoked → dead.
"""

import time
from pathlib import Path

import pytest
from playwright.sync_api import Download, Page, expect

from apps.assessments.models import Assessment
from apps.booking.models import Booking

from .leads import make_lead

pytestmark = pytest.mark.browser

# The machines running this are busy: htmx round trips and plotly.js may take seconds.
WAIT = 20_000


def _settle(page: Page) -> None:
    """Waits until htmx has swapped in whatever a change asked for."""
    page.wait_for_load_state("networkidle")


def answer_shown_questions(page: Page) -> None:
    """Answers every question the step shows, including those that appear on the way."""
    answered: set[str] = set()
    while True:
        shown = page.locator("input[name=shown]").input_value().split(",")
        todo = [key for key in shown if key and key not in answered]
        if not todo:
            return
        key = todo[0]
        answered.add(key)
        question = page.locator(f"#question-{key}")
        number = question.locator("input[type=number]")
        if number.count():
            number.fill("16")
        elif not question.locator("input:checked").count():
            question.locator(f"input[name='q-{key}']").first.check()
        _settle(page)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()
    _settle(page)


def test_it_takes_a_prospect_from_the_comparison_to_a_booking(page, live_server, content):
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    # The comparison: narrowing it to the rows that differ updates the table in place.
    page.goto(live_server.url + "/compare/")
    page.get_by_label("Only rows that differ").check()
    page.wait_for_url("**/compare/?*differ=1*", timeout=WAIT)
    expect(page.locator("#matrix-table table")).to_be_visible(timeout=WAIT)

    # The questionnaire, from the site's navigation.
    page.get_by_role("navigation").get_by_role("link", name="Assessment").first.click()
    page.get_by_role("button", name="Start the assessment").click()

    # Step 1: nothing answered is an error the page explains; then it is put right.
    save_and_continue(page)
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible(timeout=WAIT)
    assert page.locator("#question-workload_mix[aria-describedby*=error]").count() == 1
    answer_shown_questions(page)
    save_and_continue(page)

    # Step 2: the GPU-sharing question appears only while GPUs are part of the answer.
    follow_up = page.locator("#question-gpu_sharing")
    page.locator("input[name=q-gpus][value=some]").check()
    expect(follow_up).to_be_visible(timeout=WAIT)
    page.locator("input[name=q-gpus][value=none]").check()
    expect(follow_up).to_have_count(0, timeout=WAIT)
    page.locator("input[name=q-gpus][value=most]").check()
    expect(follow_up).to_be_visible(timeout=WAIT)
    answer_shown_questions(page)
    save_and_continue(page)

    # The remaining sections, then the contact step.
    while page.get_by_role("button", name="Save and continue").count():
        answer_shown_questions(page)
        save_and_continue(page)
    page.get_by_label("Name").fill("Ada Prospect")
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_label("You may contact me").check()
    page.get_by_role("button", name="See my recommendation").click()

    # The result with its charts drawn by the server, then by plotly when asked for.
    expect(page.get_by_role("heading", name="How each option fits")).to_be_visible(timeout=WAIT)
    expect(page.locator("[data-chart-static] svg").first).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Explore the interactive chart").first.click()
    expect(page.locator("[data-plotly] svg.main-svg").first).to_be_visible(timeout=60_000)
    expect(page.locator("[data-chart-static]").first).to_be_hidden()
    result_url = page.url

    # The PDF report: it downloads at once, or a page shows progress until it is ready.
    downloads: list[Download] = []
    page.on("download", lambda download: downloads.append(download))
    page.get_by_role("link", name="Download the report (PDF)").click(no_wait_after=True)
    ready = page.get_by_role("link", name="Download the PDF")
    deadline = time.monotonic() + 120
    while not downloads:
        assert time.monotonic() < deadline, "the PDF never came"
        if ready.is_visible():
            ready.click(no_wait_after=True)
        page.wait_for_timeout(500)
    assert Path(downloads[0].path()).read_bytes().startswith(b"%PDF")
    pdf = page.request.get(downloads[0].url)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    page.goto(result_url)

    # A share link for a colleague, which opens the read-only report.
    page.get_by_role("link", name="Share the report").click()
    page.get_by_label("Recipient").fill("Our CTO")
    page.get_by_role("button", name="Create link").click()
    share_url = page.locator("#new-share-url").input_value(timeout=WAIT)
    shared = page.request.get(share_url.replace("http://127.0.0.1:8000", live_server.url))
    assert shared.status == 200
    assert "Ada Prospect" not in shared.text()

    # Booking from the result: the assessment travels with the booking.
    page.goto(result_url)
    page.get_by_role("link", name="Book a free technical assessment").click()
    slot = content[0]
    page.locator(f'#slot-calendar a[href^="/booking/slot/{slot.pk}/"]').click()
    page.wait_for_url(f"**/booking/slot/{slot.pk}/**", timeout=WAIT)
    page.get_by_label("Your name").fill("Ada Prospect")
    page.get_by_label("E-mail").fill("ada@example.org")
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/booking/confirmed/**", timeout=WAIT)

    booking = Booking.objects.select_related("assessment").get()
    assert booking.slot_id == slot.pk
    assert booking.assessment == Assessment.objects.get(contact_name="Ada Prospect")


def test_it_lets_sales_share_a_lead_and_take_the_link_back(
    browser, page, live_server, content, sales
):
    # given two leads
    make_lead("Analytical Engines", 1)
    make_lead("Difference Works", 2)
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    # Sales logs in and lands on the dashboard.
    page.goto(live_server.url + "/dashboard/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username").fill("sales")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/", timeout=WAIT)
    leads = page.locator("table tbody tr")
    expect(leads).to_have_count(2, timeout=WAIT)

    # A search narrows the table in place (emptied, it widens again), and the lead opens.
    search = page.get_by_label("Search")
    search.press_sequentially("Analytical")
    expect(leads).to_have_count(1, timeout=WAIT)
    search.fill("")
    expect(leads).to_have_count(2, timeout=WAIT)
    search.fill("Analytical")
    expect(leads).to_have_count(1, timeout=WAIT)
    page.get_by_role("link", name="Analytical Engines").click()
    expect(page.get_by_role("heading", name="Analytical Engines", level=1)).to_be_visible(
        timeout=WAIT
    )

    # A share link for the prospect's board.
    page.get_by_label("Recipient").fill("Board")
    page.get_by_role("button", name="Create link").click()
    share_url = page.locator("#new-share-url").input_value(timeout=WAIT)
    share_url = share_url.replace("http://127.0.0.1:8000", live_server.url)

    # Someone else opens it in a browser of their own: the report, without contact details.
    stranger = browser.new_context()
    try:
        visit = stranger.new_page()
        response = visit.goto(share_url)
        assert response is not None
        assert response.status == 200
        expect(visit.get_by_role("heading", name="How each option fits")).to_be_visible(
            timeout=WAIT
        )
        assert "Contact at Analytical Engines" not in visit.content()

        # Sales revokes it (confirming the prompt); the same address is dead at once.
        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Revoke the link for Board").click()
        expect(page.locator("#share-links").get_by_text("Revoked")).to_be_visible(timeout=WAIT)
        again = visit.goto(share_url)
        assert again is not None
        assert again.status == 404
    finally:
        stranger.close()
