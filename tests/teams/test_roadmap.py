"""The roadmap of a real result: risks with mitigations, open questions, next steps; CSV that
tracker importers read and Markdown with checkboxes."""

import csv
import io

import pytest

from apps.assessments import services as assessments
from apps.catalog.models import Technology, TechnologyPoint
from apps.teams.exports import assessment_roadmap, team_roadmap
from apps.teams.results import team_result
from apps.teams.roadmap import to_csv, to_markdown

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(scored):
    """The default lead: a risk, a sensitivity and a "don't know" (tests.reports.factories)."""
    return scored[0]


def test_it_lists_every_risk_with_its_mitigation(lead):
    roadmap = assessment_roadmap(lead)
    result = assessments.result_for(lead)

    risks = roadmap.of_kind("risk")
    assert result["risks"], "the default lead has a risk"
    assert len(risks) == len(result["risks"])
    for item, risk in zip(
        risks,
        sorted(
            result["risks"],
            key=lambda r: ({"high": 0, "medium": 1, "low": 2}[r["level"]], r["title"]),
        ),
        strict=True,
    ):
        assert risk["title"] in item.summary
        assert risk["improvement"] in item.description
        assert item.priority == risk["level"].title()


def test_it_lists_dont_know_answers_as_open_questions(lead):
    roadmap = assessment_roadmap(lead)
    result = assessments.result_for(lead)
    texts = {
        q["key"]: q["text"]
        for s in assessments.snapshot_for(lead)["sections"]
        for q in s["questions"]
    }

    questions = roadmap.of_kind("question")
    assert [item.summary for item in questions] == [
        f"Find out: {texts[key]}" for key in result["unknown"]
    ]


def test_it_lists_next_steps_for_the_recommended_option(lead):
    recommended = Technology.objects.get(slug=lead.result["recommendation"])
    weaknesses = TechnologyPoint.objects.filter(technology=recommended, kind="weakness")

    steps = assessment_roadmap(lead).of_kind("next_step")

    assert steps
    for point in weaknesses:
        assert any(point.title in step.summary for step in steps)
    assert steps[-1].summary == f"Review {recommended.name} in the comparison matrix"


def test_it_writes_csv_that_importers_read(lead):
    roadmap = assessment_roadmap(lead)

    rows = list(csv.DictReader(io.StringIO(to_csv(roadmap))))

    assert len(rows) == len(roadmap.items)
    assert list(rows[0]) == ["Summary", "Description", "Labels", "Priority"]
    assert {row["Labels"] for row in rows} <= {"risk", "open-question", "disagreement", "next-step"}
    assert {row["Priority"] for row in rows} <= {"High", "Medium", "Low"}
    # Multi-line descriptions survive the round trip.
    assert [row["Description"] for row in rows] == [item.description for item in roadmap.items]


def test_it_writes_markdown_with_a_checkbox_per_item(lead):
    roadmap = assessment_roadmap(lead)

    text = to_markdown(roadmap)

    assert text.count("\n- [ ] **") == len(roadmap.items)
    assert "## Risks and their mitigations" in text
    assert "## Next steps" in text


def test_it_adds_a_teams_disagreements_as_open_questions(divided):
    found = team_result(divided.team)

    roadmap = team_roadmap(divided.team, found)

    agreed = [i for i in roadmap.of_kind("question") if i.summary.startswith("Agree on: ")]
    assert [i.summary for i in agreed] == [
        f"Agree on: {d.question_text}" for d in found.disagreements
    ]
    assert all("Olga" in i.description and "Kim" in i.description for i in agreed)
