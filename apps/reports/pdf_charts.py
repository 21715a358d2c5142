"""The report's charts for the PDF: matplotlib drawn to SVG, in the web report's colours.

The worker has no browser, so plotly cannot draw there; these functions take the same engine
result and snapshot options as the web charts and return SVG text. Text stays text
(``svg.fonttype: none``) so WeasyPrint sets it in the report's font and it can be searched.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import matplotlib

matplotlib.use("Agg")

from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import NullFormatter, ScalarFormatter  # noqa: E402

GREY = "#5f6368"
INK = "#1d2733"
# Markers and dash styles tell the lines apart where colour alone would not.
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
DASHES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 1))]

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "orchestration-advisor",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    # Fixed margins instead of a layout engine: constrained layout costs ~100 ms a chart.
    with matplotlib.rc_context(RC):
        yield Figure(figsize=(width, height))


def _margins(figure: Figure, *, labels: list[str], right: float = 0.95) -> None:
    """Leave room on the left for the longest tick label (DejaVu Sans 9 pt ≈ 0.075 in a char)."""
    width, height = figure.get_size_inches()
    left = min(0.55, (0.2 + 0.075 * max((len(label) for label in labels), default=4)) / width)
    figure.subplots_adjust(left=left, right=right, bottom=0.5 / height, top=1 - 0.15 / height)


def _svg(figure: Figure) -> str:
    buffer = StringIO()
    with matplotlib.rc_context(RC):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def _ordered(result: dict[str, Any], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scored options, best fit first."""
    scores = result.get("scores", {})
    scored = [option for option in options if option["slug"] in scores]
    return sorted(scored, key=lambda option: scores[option["slug"]]["rank"])


def fit_chart(result: dict[str, Any], options: list[dict[str, Any]]) -> str:
    """Horizontal bars: each option's fit (0–100), labelled with its value."""
    ordered = _ordered(result, options)
    fits = [result["scores"][option["slug"]]["fit"] for option in ordered]
    with _figure(6.6, 0.45 * len(ordered) + 0.9) as figure:
        axes = figure.subplots()
        bars = axes.barh(
            [option["name"] for option in ordered],
            fits,
            color=[option["colour"] for option in ordered],
            height=0.6,
        )
        axes.bar_label(bars, labels=[f"{fit:.0f}" for fit in fits], padding=3, color=INK)
        axes.invert_yaxis()
        axes.set_xlim(0, 105)
        axes.set_xlabel(_("Fit (0–100)"))
        _margins(figure, labels=[option["name"] for option in ordered], right=0.97)
        return _svg(figure)


def what_if_chart(series: dict[str, Any], options: list[dict[str, Any]]) -> str:
    """Lines: each option's fit across the range of one number question."""
    names = {option["slug"]: option for option in options}
    with _figure(6.6, 2.8) as figure:
        axes = figure.subplots()
        for n, (slug, fits) in enumerate(series.get("fits", {}).items()):
            option = names.get(slug, {"name": slug, "colour": GREY})
            axes.plot(
                series["x"],
                fits,
                label=option["name"],
                color=option["colour"],
                marker=MARKERS[n % len(MARKERS)],
                linestyle=DASHES[n % len(DASHES)],
                linewidth=1.6,
                markersize=4,
            )
        if series["x"] and min(series["x"]) > 0 and max(series["x"]) / min(series["x"]) >= 50:
            axes.set_xscale("log")
            axes.xaxis.set_major_formatter(ScalarFormatter())
            axes.xaxis.set_minor_formatter(NullFormatter())
            axes.set_xticks(series["x"])
        axes.set_ylim(0, 105)
        axes.set_xlabel(series.get("unit") or series.get("question_text", ""))
        axes.set_ylabel(_("Fit"))
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
        _margins(figure, labels=["100"], right=0.68)
        return _svg(figure)


def report_svgs(result: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """Every chart the PDF shows: ``fit`` and one ``what_if`` per number question."""
    return {
        "fit": fit_chart(result, options),
        "what_if": [
            {"question_text": series["question_text"], "svg": what_if_chart(series, options)}
            for series in result.get("what_if", [])
        ],
    }
