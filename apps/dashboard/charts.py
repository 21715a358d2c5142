"""Plotly figures for the sales dashboard: pure functions from counts to figure dicts.

Each returns a JSON-ready dict that the template passes to ``json_script`` and
``static/js/site.js`` draws. Every trace carries text labels, so no chart relies on colour alone.
"""

import json
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from apps.catalog.models import Technology

GREY = "#5f6368"
LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 20, "t": 20, "b": 50},
    "font": {"family": "system-ui, sans-serif", "size": 13},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
}


def _figure(fig: go.Figure, title: str, **layout: Any) -> dict[str, Any]:
    # The page's heading names the chart; the title stays in the figure's metadata only.
    fig.update_layout(meta={"title": title}, **{**LAYOUT, **layout})
    result: dict[str, Any] = json.loads(fig.to_json())
    return result


def recommendations_over_time(
    rows: list[dict[str, Any]], options: list[Technology]
) -> dict[str, Any]:
    """Stacked weekly bars: how many assessments each option won, week by week."""
    weeks = sorted({row["week"] for row in rows})
    counts = {(row["week"], row["slug"]): row["count"] for row in rows}
    fig = go.Figure(
        [
            go.Bar(
                name=option.name,
                x=[_day(week) for week in weeks],
                y=[counts.get((week, option.slug), 0) for week in weeks],
                marker_color=option.colour,
                hovertemplate="%{x}: %{y}<extra>" + option.name + "</extra>",
            )
            for option in options
        ]
    )
    return _figure(
        fig,
        _("Recommendations per week"),
        barmode="stack",
        xaxis={"title": {"text": _("Week starting")}, "type": "category"},
        yaxis={"title": {"text": _("Assessments")}, "rangemode": "tozero"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={**LAYOUT["margin"], "t": 50},
    )


def recommendation_distribution(
    counts: dict[str | None, int], options: list[Technology]
) -> dict[str, Any]:
    """Horizontal bars: how often each option is recommended overall."""
    fig = go.Figure(
        go.Bar(
            x=[counts.get(option.slug, 0) for option in options],
            y=[option.name for option in options],
            orientation="h",
            marker_color=[option.colour for option in options],
            text=[counts.get(option.slug, 0) for option in options],
            textposition="auto",
        )
    )
    return _figure(
        fig,
        _("Recommendations overall"),
        xaxis={"title": {"text": _("Assessments")}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
        margin={**LAYOUT["margin"], "l": 200},
    )


def funnel(stages: list[tuple[str, int]]) -> dict[str, Any]:
    """The funnel from started to booked, with the share of the first stage on each step."""
    labels = {
        "started": _("Started"),
        "submitted": _("Submitted"),
        "scored": _("Scored"),
        "booked": _("Booked"),
    }
    fig = go.Figure(
        go.Funnel(
            y=[labels.get(stage, stage) for stage, _count in stages],
            x=[count for _stage, count in stages],
            textinfo="value+percent initial",
            marker={"color": ["#16324f", "#0b4f8a", "#0b6bcb", "#1b5e20"][: len(stages)]},
        )
    )
    return _figure(fig, _("From first answer to booking"), margin={**LAYOUT["margin"], "l": 100})


def answer_distribution(question: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """Bars: how submitted assessments answered one question, choice by choice."""
    choices = [(c["key"], c["label"]) for c in question.get("choices", [])]
    if "unknown" in counts:
        choices.append(("unknown", _("Don't know")))
    fig = go.Figure(
        go.Bar(
            x=[counts.get(key, 0) for key, _label in choices],
            y=[label for _key, label in choices],
            orientation="h",
            marker_color=[GREY if key == "unknown" else "#0b6bcb" for key, _label in choices],
            text=[counts.get(key, 0) for key, _label in choices],
            textposition="auto",
        )
    )
    return _figure(
        fig,
        question["text"],
        xaxis={"title": {"text": _("Assessments")}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
    )


def _day(value: datetime) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else str(value)
