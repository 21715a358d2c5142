"""Plotly figures from a result: pure functions of the result and the snapshot's options."""

import json

import pytest

from apps.reports import charts
from apps.questionnaire import scoring

from tests.assessments.snapshot import MPI_ANSWERS, SNAPSHOT


@pytest.fixture
def result():
    return scoring.score(SNAPSHOT, MPI_ANSWERS | {"interconnect": "ethernet"})


def test_it_draws_the_fit_of_every_option_in_its_colour_best_first(result):
    fig = charts.fit_figure(result, SNAPSHOT["options"])

    bar = fig.data[0]
    ranked = sorted(result["scores"], key=lambda slug: result["scores"][slug]["rank"])
    colours = {o["name"]: o["colour"] for o in SNAPSHOT["options"]}
    names = {o["slug"]: o["name"] for o in SNAPSHOT["options"]}
    assert list(bar.x) == [names[slug] for slug in ranked]
    assert list(bar.y) == [result["scores"][slug]["fit"] for slug in ranked]
    assert list(bar.marker.color) == [colours[name] for name in bar.x]


def test_it_draws_signed_contributions_for_the_recommended_option(result):
    fig = charts.contribution_figure(result, SNAPSHOT["options"])

    bar = fig.data[0]
    rows = charts.contributions_by_question(result, result["recommendation"])
    assert bar.orientation == "h"
    assert sorted(bar.x) == sorted(r["points"] for r in rows)
    # Colour is never the only cue: every bar carries its signed value as text.
    assert all(text[0] in "+-" for text in bar.text)


def test_it_sums_several_answers_to_one_question():
    result = {
        "recommendation": "slurm",
        "contributions": [
            {
                "question": "tools",
                "question_text": "Tools",
                "answer_label": "A",
                "option": "slurm",
                "points": 2.0,
            },
            {
                "question": "tools",
                "question_text": "Tools",
                "answer_label": "B",
                "option": "slurm",
                "points": -0.5,
            },
            {
                "question": "tools",
                "question_text": "Tools",
                "answer_label": "B",
                "option": "kubernetes",
                "points": 9.0,
            },
        ],
    }

    assert charts.contributions_by_question(result, "slurm") == [
        {"question": "tools", "text": "Tools", "answer": "A, B", "points": 1.5}
    ]


def test_it_draws_one_line_per_option_per_what_if_question_with_a_menu():
    result = {
        "recommendation": "slurm",
        "what_if": [
            {
                "question": "nodes",
                "question_text": "Nodes",
                "unit": "nodes",
                "x": [1, 100, 10000],
                "fits": {"slurm": [1, 2, 3], "kubernetes": [3, 2, 1]},
            },
            {
                "question": "gpus",
                "question_text": "GPUs",
                "unit": "",
                "x": [0, 8],
                "fits": {"slurm": [5, 6], "kubernetes": [6, 5]},
            },
        ],
    }

    fig = charts.what_if_figure(result, SNAPSHOT["options"])

    assert [trace.visible for trace in fig.data] == [True, True, False, False]
    assert fig.layout.xaxis.type == "log"
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == ["Nodes", "GPUs"]
    assert menu.buttons[1].args[0]["visible"] == [False, False, True, True]


def test_it_leaves_out_charts_without_data():
    result = {"recommendation": "slurm", "scores": {"slurm": {"fit": 50.0, "rank": 1}}}

    figures = charts.report_charts(result, SNAPSHOT["options"])

    assert set(figures) == {"fit"}
    assert json.loads(figures["fit"])["data"][0]["type"] == "bar"
