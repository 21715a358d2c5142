"""A team assessment end to end in a real browser: the owner creates a team from a result, two
colleagues answer differently in browsers of their own, the team page opens on the
disagreements, and the roadmap CSV downloads."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.questionnaire.api import _public
from apps.questionnaire.services import latest_model
from apps.teams import services as team_services
from apps.teams.models import TeamMember
from tests.prospects import random_answers

from .test_accessibility import axe_violations

pytestmark = pytest.mark.browser

WAIT = 20_000
SITE_URL = "http://127.0.0.1:8000"


def _scored_owner() -> str:
    """The owner's scored assessment (answered as a prospect would); its private token."""
    import random

    questionnaire = _public(latest_model().snapshot)
    assessment, token = services.submit_answers(
        answers=random_answers(questionnaire, random.Random(7)),
        contact={"name": "Olga Owner", "email": "olga@example.org"},
        consent=True,
    )
    assessment.refresh_from_db()
    if not assessment.is_scored():
        services.score_assessment(assessment_id=assessment.pk)
    return token


def _answer_every_step(page: Page, *, last: bool, number: str) -> None:
    """Answers each step: the first or the last choice of every question, one number."""
    while page.get_by_role("button", name="Save and continue").count():
        answered: set[str] = set()
        while True:
            shown = page.locator("input[name=shown]").input_value().split(",")
            todo = [key for key in shown if key and key not in answered]
            if not todo:
                break
            key = todo[0]
            answered.add(key)
            question = page.locator(f"#question-{key}")
            numbers = question.locator("input[type=number]")
            if numbers.count():
                numbers.fill(number)
            else:
                choices = question.locator(f"input[name='q-{key}']")
                (choices.last if last else choices.first).check()
            page.wait_for_load_state("networkidle")
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="See my recommendation").click()


def _member_answers(browser: Browser, invite_url: str, name: str, *, last: bool) -> None:
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.goto(invite_url)
        assert axe_violations(page) == []
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Your role").select_option("research" if last else "hpc_admin")
        page.get_by_role("button", name="Join and start answering").click()
        member_url = page.url
        page.get_by_role("link", name="Start answering").click()
        _answer_every_step(page, last=last, number="4" if last else "900")
        expect(page.get_by_role("heading", name="How each option fits")).to_be_visible(timeout=WAIT)
        # Their own page now shows the team's result, without anyone's e-mail address.
        page.goto(member_url)
        expect(page.get_by_role("heading", name="Where you disagree")).to_be_visible(timeout=WAIT)
        assert "olga@example.org" not in page.content()
        assert axe_violations(page) == []
    finally:
        context.close()


def test_it_takes_a_team_from_a_result_to_its_disagreements_and_roadmap(
    browser, page, live_server, content
):
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    token = _scored_owner()

    # The owner creates the team from the result page.
    page.goto(f"{live_server.url}/assessment/{token}/")
    page.get_by_role("link", name="Answer as a team").click()
    assert axe_violations(page) == []
    page.get_by_label("Team name").fill("Cluster 2027")
    page.get_by_label("Your role").select_option("management")
    page.get_by_role("button", name="Create the team").click()
    expect(page.get_by_role("heading", name="Team assessment “Cluster 2027”")).to_be_visible(
        timeout=WAIT
    )
    team_url = page.url
    invite_url = page.locator("#invite-url").input_value().replace(SITE_URL, live_server.url)

    # Two colleagues answer differently, each in a browser of their own.
    _member_answers(browser, invite_url, "Hana", last=False)
    _member_answers(browser, invite_url, "Ravi", last=True)
    assert TeamMember.objects.filter(answered_at__isnull=False).count() == 3

    # The team page opens on the disagreements, each showing every member's answer.
    page.goto(team_url)
    headings = page.locator("main h2")
    expect(headings.first).to_have_text("Where you disagree", timeout=WAIT)
    first = page.locator("li.disagreement").first
    expect(first).to_be_visible()
    for name in ("Hana", "Ravi"):
        expect(first.get_by_role("rowheader", name=name)).to_be_visible()
    expect(page.locator("[data-plotly] svg.main-svg").first).to_be_visible(timeout=60_000)
    assert axe_violations(page) == []

    # The roadmap downloads as CSV a tracker imports.
    with page.expect_download() as download:
        page.get_by_role("link", name="Roadmap for Jira or GitHub (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Summary", "Description", "Labels", "Priority"]
    assert any(row[2] == "disagreement" for row in rows[1:])


def test_it_shows_sales_the_teams_and_their_members(browser, page, live_server, content, sales):
    token = _scored_owner()
    owner = Assessment.objects.for_token(token).get()
    team_services.create_team(assessment=owner, name="Cluster 2027", owner_name="Olga")
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    page.goto(live_server.url + "/dashboard/teams/")
    page.get_by_label("Username").fill("sales")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/teams/", timeout=WAIT)
    assert axe_violations(page) == []

    page.get_by_role("link", name="Cluster 2027").click()
    expect(page.get_by_role("heading", name="Cluster 2027", level=1)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("olga@example.org").first).to_be_visible()
    assert axe_violations(page) == []
