"""Plotly figures of a scoring result: pure functions of the result and the snapshot's options.

Templates embed ``fig.to_json()`` (see ``report_charts``) and ``static/js/site.js`` draws
them; every chart in the report also has a caption and a data table.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

Options = Sequence[Mapping[str, Any]]

POSITIVE = "#2e7d32"
NEGATIVE = "#b23c17"
FALLBACK_COLOUR = "#4c5b70"
_LAYOUT: dict[str, Any] = {
    "template": "simple_white",
    "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
}
_LABEL_WIDTH = 48


def _names(options: Options) -> dict[str, str]:
    return {o["slug"]: str(o.get("name") or o["slug"]) for o in options}


def _colours(options: Options) -> dict[str, str]:
    return {o["slug"]: str(o.get("colour") or FALLBACK_COLOUR) for o in options}


def _short(text: str, width: int = _LABEL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def ranked_options(result: Mapping[str, Any], options: Options) -> list[dict[str, Any]]:
    """Each option with its fit and rank, best first (the options' order breaks ties)."""
    names, colours = _names(options), _colours(options)
    order = [o["slug"] for o in options]
    scores = result.get("scores", {})
    rows = [
        {
            "slug": slug,
            "name": names.get(slug, slug),
            "colour": colours.get(slug, FALLBACK_COLOUR),
            "fit": float(score.get("fit", 0.0)),
            "points": float(score.get("points", 0.0)),
            "rank": int(score.get("rank", 0)),
        }
        for slug, score in scores.items()
    ]
    return sorted(
        rows, key=lambda r: (r["rank"], order.index(r["slug"]) if r["slug"] in order else 99)
    )


def fit_figure(result: Mapping[str, Any], options: Options) -> go.Figure:
    """Fit 0–100 per option as vertical bars in the options' colours, best first."""
    rows = ranked_options(result, options)
    fig = go.Figure(
        go.Bar(
            x=[r["name"] for r in rows],
            y=[r["fit"] for r in rows],
            marker_color=[r["colour"] for r in rows],
            text=[f"{r['fit']:.0f}" for r in rows],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1f}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        height=340,
        yaxis={"title": {"text": _("Fit (0–100)")}, "range": [0, 110]},
        showlegend=False,
    )
    return fig


def contributions_by_question(result: Mapping[str, Any], option: str) -> list[dict[str, Any]]:
    """Signed points per question for one option, strongest effect first."""
    totals: dict[str, float] = defaultdict(float)
    texts: dict[str, str] = {}
    answers: dict[str, list[str]] = defaultdict(list)
    for c in result.get("contributions", []):
        if c.get("option") != option:
            continue
        key = c["question"]
        totals[key] += float(c.get("points", 0.0))
        texts[key] = c.get("question_text", key)
        answers[key].append(str(c.get("answer_label", c.get("answer", ""))))
    rows = [
        {"question": k, "text": texts[k], "answer": ", ".join(answers[k]), "points": totals[k]}
        for k in totals
    ]
    return sorted(rows, key=lambda r: (-abs(r["points"]), r["question"]))


def contribution_figure(result: Mapping[str, Any], options: Options) -> go.Figure | None:
    """Horizontal bars: how each answer moved the recommended option, signed and labelled."""
    rows = contributions_by_question(result, result.get("recommendation", ""))
    if not rows:
        return None
    rows = list(reversed(rows))  # Plotly draws the first bar at the bottom.
    fig = go.Figure(
        go.Bar(
            y=[_short(r["text"]) for r in rows],
            x=[r["points"] for r in rows],
            orientation="h",
            marker_color=[POSITIVE if r["points"] >= 0 else NEGATIVE for r in rows],
            text=[f"{r['points']:+.1f}" for r in rows],
            textposition="auto",
            customdata=[r["answer"] for r in rows],
            hovertemplate="%{y}<br>%{customdata}: %{x:+.1f}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        height=max(240, 28 * len(rows) + 80),
        xaxis={
            "title": {
                "text": _("Points for %(option)s") % {"option": _option_name(result, options)}
            }
        },
        yaxis={"automargin": True},
        showlegend=False,
    )
    return fig


def _option_name(result: Mapping[str, Any], options: Options) -> str:
    slug = str(result.get("recommendation", ""))
    return _names(options).get(slug, slug)


def what_if_figure(result: Mapping[str, Any], options: Options) -> go.Figure | None:
    """Each option's fit across the range of a number question; a menu switches question."""
    series = result.get("what_if") or []
    if not series:
        return None
    names, colours = _names(options), _colours(options)
    fig = go.Figure()
    for index, item in enumerate(series):
        for slug, fits in item["fits"].items():
            fig.add_trace(
                go.Scatter(
                    x=item["x"],
                    y=fits,
                    name=names.get(slug, slug),
                    mode="lines+markers",
                    line={"color": colours.get(slug, FALLBACK_COLOUR)},
                    visible=index == 0,
                    legendgroup=slug,
                )
            )
    fig.update_layout(
        **_LAYOUT,
        height=380,
        xaxis={"title": {"text": _axis_title(series[0])}, "type": _axis_type(series[0])},
        yaxis={"title": {"text": _("Fit (0–100)")}, "range": [0, 105]},
        legend={"orientation": "h", "y": -0.25},
    )
    if len(series) > 1:
        fig.update_layout(updatemenus=[_question_menu(series)], margin={"t": 60})
    return fig


def _question_menu(series: list[dict[str, Any]]) -> dict[str, Any]:
    counts = [len(item["fits"]) for item in series]
    buttons = []
    for index, item in enumerate(series):
        visible = [n == index for n, count in enumerate(counts) for _i in range(count)]
        buttons.append(
            {
                "label": _short(item.get("question_text", item["question"]), 60),
                "method": "update",
                "args": [
                    {"visible": visible},
                    {"xaxis.title.text": _axis_title(item), "xaxis.type": _axis_type(item)},
                ],
            }
        )
    return {"buttons": buttons, "direction": "down", "x": 0, "xanchor": "left", "y": 1.18}


def _axis_title(item: dict[str, Any]) -> str:
    text = _short(item.get("question_text", item["question"]), 70)
    return f"{text} ({item['unit']})" if item.get("unit") else text


def _axis_type(item: dict[str, Any]) -> str:
    xs = [x for x in item["x"] if isinstance(x, int | float)]
    # Node counts and similar span orders of magnitude: a log axis keeps them readable.
    if xs and min(xs) > 0 and max(xs) / min(xs) >= 100:
        return "log"
    return "linear"


def report_charts(result: Mapping[str, Any], options: Options) -> dict[str, str]:
    """The report's figures as plotly JSON strings: ``fit``, ``contributions``, ``what_if``."""
    figures = {
        "fit": fit_figure(result, options),
        "contributions": contribution_figure(result, options),
        "what_if": what_if_figure(result, options),
    }
    return {name: fig.to_json() for name, fig in figures.items() if fig is not None}
