"""How the report's pieces look: matrix cells without raw Markdown, what-if charts in the PDF
that read like the web's (same axis type and title, plain tick labels, nothing clipped)."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from apps.assessments import services
from apps.catalog.models import MatrixCell
from apps.questionnaire import scoring
from apps.reports import charts, pdf, svg_charts
from apps.reports.builder import build_report
from apps.sharing import services as sharing
from tests.questionnaire.fixture_snapshot import snapshot_from_fixture
from tests.questionnaire.personas import PERSONAS

PERSONA = "classic CFD lab on InfiniBand"
SVG = "{http://www.w3.org/2000/svg}"
# DejaVu Sans: digits are 0.64 em wide, most letters less; ascent 0.76 em, descent 0.24 em.
EM_WIDTH, ASCENT, DESCENT = 0.64, 0.76, 0.24


# --- Matrix cells ---


# The matrix section of the web report (_report.html) and of the PDF (report_pdf.html).
PAGE_MATRIX = r'<section[^>]*aria-labelledby="matrix-heading".*?</section>'
PDF_MATRIX = r"<section[^>]*>\s*<h1>Matrix rows that mattered</h1>.*?</section>"


def _section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, "no matrix section"
    return match.group(0)


@pytest.fixture
def lead(seeded, django_capture_on_commit_callbacks):
    """A real submission on the fixture model, and a command its matrix rows write in backticks."""
    _expected, answers = PERSONAS[PERSONA]
    with django_capture_on_commit_callbacks(execute=True):
        assessment, token = services.submit_answers(
            answers=answers,
            contact={"name": "Ada Lovelace", "email": "ada@example.org", "company": "Engines"},
            consent=True,
        )
    assessment.refresh_from_db()
    summaries = [
        each.cell.summary
        for row in build_report(assessment, show_contact=True).matrix_rows
        for each in row.cells
        if each.cell
    ]
    commands = [command for summary in summaries for command in re.findall(r"`([^`]+)`", summary)]
    assert commands, "the persona needs a matrix row whose summary marks up a command"
    return assessment, token, commands[0]


@pytest.mark.django_db
def test_it_shows_matrix_commands_as_code_on_the_result_shared_and_lead_pages(lead, client, sales):
    # given
    assessment, token, command = lead
    link = sharing.create_share_link(assessment=assessment, label="CFO")
    # when
    pages = {
        "result page": client.get(reverse("reports:result", kwargs={"token": token})),
        "shared page": client.get(link.url.removeprefix("http://127.0.0.1:8000")),
    }
    client.force_login(sales)
    pages["lead page"] = client.get(reverse("dashboard:lead", kwargs={"pk": assessment.pk}))
    # then
    for place, response in pages.items():
        assert response.status_code == 200, place
        section = _section(response.content.decode(), PAGE_MATRIX)
        assert f"<code>{escape(command)}</code>" in section, f"the {place} shows no code"
        assert "`" not in section, f"the {place} shows raw Markdown"


@pytest.mark.django_db
def test_it_shows_matrix_commands_as_code_in_the_pdf(lead):
    # given
    assessment, _token, command = lead
    context = pdf.report_context(assessment, show_contact=True, charts={"what_if": []})
    # when
    html = render_to_string("reports/report_pdf.html", context)
    # then
    section = _section(html, PDF_MATRIX)
    assert f"<code>{escape(command)}</code>" in section
    assert "`" not in section


@pytest.mark.django_db
def test_it_shows_a_cell_that_is_not_assessed_as_such_on_the_page_and_in_the_pdf(lead, client):
    # given: a cell the report shows has not been assessed
    assessment, token, _command = lead
    shown = next(
        each.cell
        for row in build_report(assessment, show_contact=True).matrix_rows
        for each in row.cells
        if each.cell
    )
    MatrixCell.objects.filter(pk=shown.pk).update(rating=None)
    # when
    page = client.get(reverse("reports:result", kwargs={"token": token})).content.decode()
    context = pdf.report_context(assessment, show_contact=True, charts={"what_if": []})
    html = render_to_string("reports/report_pdf.html", context)
    # then
    assert '<span class="rating rating-not-assessed">Not assessed</span>' in _section(
        page, PAGE_MATRIX
    )
    assert f"<strong>{shown.technology.name} · Not assessed:</strong>" in _section(html, PDF_MATRIX)


# --- What-if charts (the result page and the PDF) ---


@pytest.fixture(scope="module")
def what_if() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The real model's what-if series for a real prospect, and the options they belong to."""
    snapshot = snapshot_from_fixture()
    result = scoring.score(snapshot, PERSONAS[PERSONA][1])
    return result["what_if"], snapshot["options"]


def _series(what_if, axis_type: str) -> dict[str, Any]:
    found = [s for s in what_if[0] if charts._axis_type(s) == axis_type]
    assert found, f"the fixture model needs a number question the web draws on a {axis_type} axis"
    # The widest range: the one whose tick labels are longest.
    return max(found, key=lambda s: max(s["x"]))


@dataclass(frozen=True)
class Text:
    text: str
    x: float
    y: float
    left: float
    right: float
    top: float
    bottom: float
    group: str


def _texts(svg: str) -> tuple[list[Text], float, float]:
    """Every text of a chart's SVG with an estimate of its box, and the SVG's size."""
    root = ET.fromstring(svg)
    _x0, _y0, width, height = (float(v) for v in root.get("viewBox", "").split())
    found = []
    for element in root.iter(f"{SVG}text"):
        size = float(element.get("font-size") or root.get("font-size"))
        anchor = element.get("text-anchor", "start")
        text, x, y = element.text or "", float(element.get("x")), float(element.get("y"))
        length = EM_WIDTH * size * len(text)
        start = {"start": 0.0, "middle": -length / 2, "end": -length}[anchor]
        group = element.get("class", "")
        if "rotate(-90" in element.get("transform", ""):
            box = (x - ASCENT * size, x + DESCENT * size, y - start - length, y - start)
        else:
            box = (x + start, x + start + length, y - ASCENT * size, y + DESCENT * size)
        found.append(Text(text, x, y, *box, group=group))
    return found, width, height


def _x_tick_labels(texts: list[Text]) -> list[Text]:
    return sorted((t for t in texts if t.group.startswith("xtick")), key=lambda t: t.x)


def test_it_draws_the_what_if_chart_on_a_log_axis_where_the_web_does(what_if):
    # given
    series = _series(what_if, "log")
    # when
    texts, _width, _height = _texts(svg_charts.what_if_svg(series, what_if[1]))
    # then
    ticks = _x_tick_labels(texts)
    values = [int(t.text.replace(",", "")) for t in ticks]
    assert len(values) >= 3
    # Decades, one after another, equally far apart: a log axis.
    assert all(b == a * 10 for a, b in zip(values, values[1:], strict=False)), values
    steps = [b.x - a.x for a, b in zip(ticks, ticks[1:], strict=False)]
    assert max(steps) - min(steps) < 0.5, steps
    assert f"{values[-1]:,}" in [t.text for t in ticks], "tick labels lack thousands separators"


@pytest.mark.parametrize("axis_type", ["log", "linear"])
def test_it_writes_plain_tick_labels_with_no_offset_and_no_overlap(what_if, axis_type):
    # given
    series = _series(what_if, axis_type)
    # when
    texts, _width, _height = _texts(svg_charts.what_if_svg(series, what_if[1]))
    # then
    ticks = _x_tick_labels(texts)
    assert ticks
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", t.text) for t in ticks), [
        t.text for t in ticks
    ]
    # No "1e6" offset or "×10⁶" multiplier anywhere in the chart.
    assert not [t.text for t in texts if re.search(r"\de[+-]?\d|×|10\^", t.text)]
    for a, b in zip(ticks, ticks[1:], strict=False):
        assert a.right < b.left, f"tick labels {a.text} and {b.text} overlap"


@pytest.mark.parametrize("axis_type", ["log", "linear"])
def test_it_labels_both_axes_as_the_web_does_inside_the_figure(what_if, axis_type):
    # given
    series = _series(what_if, axis_type)
    # when
    texts, width, height = _texts(svg_charts.what_if_svg(series, what_if[1]))
    # then
    for text in texts:
        inside = text.left >= 0 and text.top >= 0 and text.right <= width and text.bottom <= height
        assert inside, f"{text.text!r} is clipped: {text} in {width}×{height}"
    titles = {t.text for t in texts if not t.group.startswith(("xtick", "ytick", "legend"))}
    assert charts._axis_title(series) in titles, "the x axis is not titled as on the web"
    assert "Fit (0–100)" in titles, "the y axis is not titled as on the web"
