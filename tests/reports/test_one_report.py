"""One assessment, four renderings: the result page, the shared page, the lead page and the PDF
all say the same thing, because all four render the one ``Report`` built by the builder.

The assessment is a real one: the starting content and model from fixtures/, a realistic
prospect's answers, scored by the real engine through the submission pipeline.
"""

import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.assessments import services
from apps.reports import pdf
from apps.reports.builder import MATRIX_ROWS, REASONS, build_report
from apps.sharing import services as sharing
from tests.questionnaire.personas import PERSONAS

pytestmark = pytest.mark.django_db


class _ReportText(HTMLParser):
    """The visible text inside ``<article class="report">``, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag == "article"
        elif tag == "article" and "report" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag == "article":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def _squash(text: str) -> str:
    # PDF text extraction breaks lines and hyphenates nothing; compare on single spaces.
    return re.sub(r"\s+", " ", text).strip()


def _report_text(html: str) -> str:
    parser = _ReportText()
    parser.feed(html)
    text = _squash(" ".join(parser.parts))
    assert text, "the page has no report article"
    return text


@pytest.fixture
def lead(seeded, django_capture_on_commit_callbacks):
    """A prospect's real submission, scored by the engine on the published fixture model."""
    expected, answers = PERSONAS["ML start-up training and serving in the cloud"]
    with django_capture_on_commit_callbacks(execute=True):
        assessment, token = services.submit_answers(
            answers=answers,
            contact={"name": "Ada Lovelace", "email": "ada@example.org", "company": "Engines"},
            consent=True,
        )
    assessment.refresh_from_db()
    assert assessment.is_scored()
    assert assessment.result["recommendation"] == expected
    return assessment, token


@pytest.fixture
def renderings(lead, client, sales):
    """The report's text as each of the four places shows it."""
    assessment, token = lead
    result_page = client.get(reverse("reports:result", kwargs={"token": token}))
    link = sharing.create_share_link(assessment=assessment, label="CFO")
    shared_page = client.get(link.url.removeprefix("http://127.0.0.1:8000"))
    client.force_login(sales)
    lead_page = client.get(reverse("dashboard:lead", kwargs={"pk": assessment.pk}))
    for response in (result_page, shared_page, lead_page):
        assert response.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.render_pdf(assessment, show_contact=True)))
    return {
        "result page": _report_text(result_page.content.decode()),
        "shared page": _report_text(shared_page.content.decode()),
        "lead page": _report_text(lead_page.content.decode()),
        "PDF": _squash(" ".join(page.extract_text() for page in reader.pages)),
    }


def test_all_four_name_the_same_recommendation_reasons_risks_and_rows(lead, renderings):
    assessment, _token = lead
    report = build_report(assessment, show_contact=True)
    assert report.recommended is not None
    # The persona was chosen for this: reasons both ways and a risk.
    assert report.reasons_for
    assert report.reasons_against
    assert report.risks
    assert report.matrix_rows
    said = [
        report.recommended.name,
        *(r.answer_label for r in report.reasons_for + report.reasons_against),
        *(r.rationale for r in report.reasons_for + report.reasons_against),
        *(r.title for r in report.risks),
        *(row.feature.name for row in report.matrix_rows),
        *(change.label for s in report.sensitivity for change in s.alternatives),
    ]
    for place, text in renderings.items():
        missing = [item for item in said if _squash(item) not in text]
        assert not missing, f"the {place} leaves out {missing}"


def test_all_four_leave_out_what_the_report_leaves_out(lead, renderings):
    """What the four used to disagree on: a sixth reason, rows behind unshown answers."""
    assessment, _token = lead
    report = build_report(assessment, show_contact=True)
    recommended = assessment.result["recommendation"]
    ranked = sorted(
        (c for c in assessment.result["contributions"] if c["option"] == recommended),
        key=lambda c: -c["points"],
    )
    shown = {r.rationale for r in report.reasons_for + report.reasons_against}
    beyond = [c["rationale"] for c in ranked[REASONS:] if c["rationale"] not in shown]
    assert len(report.reasons_for) == REASONS
    assert beyond, "the persona needs more reasons than the report shows"
    assert len(report.matrix_rows) <= MATRIX_ROWS
    for place, text in renderings.items():
        assert _squash(beyond[0]) not in text, f"the {place} shows a reason beyond the {REASONS}"


def test_all_four_give_the_same_numbers(lead, renderings):
    assessment, _token = lead
    report = build_report(assessment, show_contact=True)
    assert report.recommended is not None
    fit = f"{report.recommended.fit:.0f}"
    for place, text in renderings.items():
        assert re.search(rf"Fit {fit} (of|out of) 100", text), f"the {place} gives another fit"
        assert f"{report.confidence_percent} %" in text, f"the {place} gives another confidence"
        for option in report.ranking:
            assert f"{option.fit:.1f}" in text, f"the {place} lacks {option.name}'s fit"


def test_all_four_name_the_same_three_similar_cases(lead, renderings):
    assessment, _token = lead
    report = build_report(assessment, show_contact=True)
    assert len(report.similar_cases) == 3
    for place, text in renderings.items():
        assert "Organisations like yours" in text, f"the {place} lacks the similar cases"
        for case in report.similar_cases:
            said = [case.name, case.chose_name, f"{case.percent} %", *case.matched]
            missing = [item for item in said if _squash(item) not in text]
            assert not missing, f"the {place} leaves out {missing} of {case.slug}"
