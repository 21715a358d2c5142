"""The server's SVG charts: the result page's first paint, with and without JavaScript."""

import re
from html import unescape

import pytest
from django.test import override_settings

from apps.questionnaire import scoring
from apps.reports import charts, svg_charts

from .factories import ANSWERS, fixture_snapshot, make_assessment, make_catalog, make_scoring_model

SNAPSHOT = fixture_snapshot()
OPTIONS = SNAPSHOT["options"]


@pytest.fixture(scope="module")
def result():
    model = scoring.compile_model(SNAPSHOT)
    return scoring.score(model, scoring.clean_answers(model, ANSWERS))


def _texts(svg: str) -> list[str]:
    return [unescape(t) for t in re.findall(r"<text [^>]*>([^<]*)</text>", svg)]


def test_the_fit_chart_has_a_bar_per_option_in_its_colour_best_first(result):
    svg = str(svg_charts.fit_svg(result, OPTIONS))
    ranked = charts.ranked_options(result, OPTIONS)

    assert svg.startswith('<svg class="chart-svg"')
    assert 'role="img"' in svg
    assert "<title>Fit of each option, from 0 to 100</title>" in svg
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills == [row["colour"] for row in ranked]
    texts = _texts(svg)
    for row in ranked:
        assert row["name"] in texts
        assert f"{row['fit']:.0f}" in texts
    # Best first: the first label drawn is the recommendation's.
    assert texts[0] == ranked[0]["name"]


def test_the_contribution_chart_signs_and_colours_each_question(result):
    svg = str(svg_charts.contribution_svg(result, OPTIONS))
    rows = charts.contributions_by_question(result, result["recommendation"])

    values = [t for t in _texts(svg) if re.fullmatch(r"[+-]\d+\.\d", t)]
    assert values == [f"{row['points']:+.1f}" for row in rows]
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills == [charts.POSITIVE if r["points"] >= 0 else charts.NEGATIVE for r in rows]


def test_there_is_a_what_if_chart_per_number_question_with_a_line_per_option(result):
    drawn = svg_charts.what_if_svgs(result, OPTIONS)

    assert [d["question_text"] for d in drawn] == [s["question_text"] for s in result["what_if"]]
    for each, series in zip(drawn, result["what_if"], strict=True):
        assert str(each["svg"]).count("<polyline ") == len(series["fits"])


def test_text_is_escaped():
    options = [{"slug": "x", "name": "<b>Evil & Co</b>", "colour": "#123456"}]
    result = {"scores": {"x": {"fit": 50.0, "points": 1.0, "rank": 1}}}

    svg = str(svg_charts.fit_svg(result, options))

    assert "<b>" not in svg
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in svg


@pytest.mark.django_db
def test_the_result_page_shows_the_charts_and_their_tables_without_any_script(client):
    make_catalog()
    with override_settings(REPORTS_RENDER_AFTER_SCORING=False):
        assessment, token = make_assessment(scoring_model=make_scoring_model())

    html = client.get(f"/assessment/{token}/").content.decode()

    # A browser without JavaScript sees the server's drawings and the tables...
    assert html.count('<svg class="chart-svg"') == 2 + len(assessment.result["what_if"])
    assert "<summary>Fit as a table</summary>" in html
    assert "<summary>Contributions as a table</summary>" in html
    # ... and no plotly: it is offered by a button that stays hidden without JavaScript.
    assert re.search(r"<button [^>]*data-plotly-load=\"[^\"]+plotly[^\"]*\.js\"[^>]* hidden>", html)
    assert '<script src="/static/vendor/plotly' not in html
    assert re.search(r'<div class="chart" data-plotly="chart-fit-data" hidden>', html)
