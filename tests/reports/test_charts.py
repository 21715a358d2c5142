"""Plotly figures from a result: pure functions of the engine's result and the snapshot's options."""

import copy
import json

import pytest

from apps.questionnaire import scoring
from apps.reports import charts

from .factories import ANSWERS, fixture_snapshot

SNAPSHOT = fixture_snapshot()
OPTIONS = SNAPSHOT["options"]


def _score(answers: dict, snapshot: dict = SNAPSHOT) -> dict:
    model = scoring.compile_model(snapshot)
    return scoring.score(model, scoring.clean_answers(model, answers))


@pytest.fixture(scope="module")
def result():
    return _score(ANSWERS)


def test_it_draws_the_fit_of_every_option_in_its_colour_best_first(result):
    fig = charts.fit_figure(result, OPTIONS)

    bar = fig.data[0]
    ranked = sorted(result["scores"], key=lambda slug: result["scores"][slug]["rank"])
    colours = {o["name"]: o["colour"] for o in OPTIONS}
    names = {o["slug"]: o["name"] for o in OPTIONS}
    assert len(ranked) == 5
    assert list(bar.x) == [names[slug] for slug in ranked]
    assert list(bar.y) == [result["scores"][slug]["fit"] for slug in ranked]
    assert list(bar.marker.color) == [colours[name] for name in bar.x]


def test_it_draws_signed_contributions_for_the_recommended_option(result):
    fig = charts.contribution_figure(result, OPTIONS)

    bar = fig.data[0]
    rows = charts.contributions_by_question(result, result["recommendation"])
    assert bar.orientation == "h"
    assert sorted(bar.x) == sorted(r["points"] for r in rows)
    # Colour is never the only cue: every bar carries its signed value as text.
    assert all(text[0] in "+-" for text in bar.text)


def test_it_sums_several_answers_to_one_question():
    # Two ML tools, each of which the engine credits Slurm for.
    result = _score({**ANSWERS, "mlops_tools": ["batch_wrappers", "ray"]})
    parts = [
        c
        for c in result["contributions"]
        if c["question"] == "mlops_tools" and c["option"] == "slurm"
    ]
    assert len(parts) == 2

    rows = charts.contributions_by_question(result, "slurm")

    (tools,) = [row for row in rows if row["question"] == "mlops_tools"]
    assert tools["points"] == pytest.approx(sum(c["points"] for c in parts))
    assert tools["answer"] == ", ".join(c["answer_label"] for c in parts)
    assert tools["text"] == parts[0]["question_text"]


def test_it_draws_one_line_per_option_per_what_if_question_with_a_menu(result):
    series = result["what_if"]
    assert [s["question"] for s in series] == ["largest_job_nodes", "job_volume", "cluster_nodes"]

    fig = charts.what_if_figure(result, OPTIONS)

    # Five options per question; only the first question's lines show at first.
    assert [trace.visible for trace in fig.data] == [True] * 5 + [False] * 10
    assert fig.layout.xaxis.type == "log"
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == [s["question_text"] for s in series]
    assert menu.buttons[1].args[0]["visible"] == [False] * 5 + [True] * 5 + [False] * 5


def test_it_leaves_out_charts_without_data():
    # The fixture questionnaire without its number questions: the engine has no what-if.
    snapshot = copy.deepcopy(SNAPSHOT)
    for section in snapshot["sections"]:
        section["questions"] = [q for q in section["questions"] if q["kind"] != "number"]
    result = _score(ANSWERS, snapshot)
    assert result["what_if"] == []

    figures = charts.report_charts(result, OPTIONS)

    assert set(figures) == {"fit", "contributions"}
    assert json.loads(figures["fit"])["data"][0]["type"] == "bar"
