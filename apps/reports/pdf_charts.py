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

from django.utils.formats import number_format  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402
from matplotlib.typing import RcKeyType  # noqa: E402

# The web chart's axis rules, so that the PDF draws the same axes as the result page.
from .charts import _axis_title, _axis_type  # noqa: E402

GREY = "#5f6368"
INK = "#1d2733"
# Markers and dash styles tell the lines apart where colour alone would not.
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
DASHES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 1))]
# The what-if legend sits under the plot in rows of this many, as the web's does.
LEGEND_COLUMNS = 3

RC: dict[RcKeyType, Any] = {
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
    """Lines: each option's fit across the range of one number question, on the web's axes."""
    names = {option["slug"]: option for option in options}
    fits = series.get("fits", {})
    with _figure(6.6, 3.0 + 0.2 * _legend_rows(len(fits))) as figure:
        axes = figure.subplots()
        for n, (slug, values) in enumerate(fits.items()):
            option = names.get(slug, {"name": slug, "colour": GREY})
            axes.plot(
                series["x"],
                values,
                label=option["name"],
                color=option["colour"],
                marker=MARKERS[n % len(MARKERS)],
                linestyle=DASHES[n % len(DASHES)],
                linewidth=1.6,
                markersize=4,
            )
        _number_axis(axes.xaxis, log=_axis_type(series) == "log")
        axes.set_ylim(0, 105)
        axes.set_xlabel(_axis_title(series))
        axes.set_ylabel(_("Fit (0–100)"))
        # Under the plot, as on the web: the x axis keeps the page's width for its tick labels.
        if fits:
            figure.legend(loc="lower center", ncols=LEGEND_COLUMNS, frameon=False, fontsize=8)
        _what_if_margins(figure, legend_rows=_legend_rows(len(fits)))
        return _svg(figure)


def _legend_rows(entries: int) -> int:
    return -(-entries // LEGEND_COLUMNS)


def _number_axis(axis: Axis, *, log: bool) -> None:
    """Ticks that read as plain numbers (1,000 not 1e3, no offset), few enough not to collide."""
    if log:
        axis.axes.set_xscale("log")
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10)), numticks=8))
    else:
        # Eight-digit labels are about an inch wide at 9 pt: five intervals across the axis.
        axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(_plain_number))
    axis.set_minor_formatter(NullFormatter())


def _plain_number(value: float, _position: int | None = None) -> str:
    """A tick label written as the report writes numbers: grouped thousands, no exponent."""
    # Ticks are sums of float steps (0.30000000000000004): six significant digits suffice.
    value = float(f"{value:.6g}")
    return number_format(value, decimal_pos=None if value % 1 else 0, force_grouping=True)


def _what_if_margins(figure: Figure, *, legend_rows: int) -> None:
    """Fixed room, in inches, for the y title and ticks, the x title and ticks, and the legend."""
    width, height = figure.get_size_inches()
    bottom = 0.6 + 0.2 * legend_rows
    # On the right, half of the widest tick label ("100,000,000") that may sit at the axis end.
    right = 1 - 0.4 / width
    figure.subplots_adjust(
        left=0.7 / width, right=right, bottom=bottom / height, top=1 - 0.15 / height
    )


def report_svgs(result: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """Every chart the PDF shows: ``fit`` and one ``what_if`` per number question."""
    return {
        "fit": fit_chart(result, options),
        "what_if": [
            {"question_text": series["question_text"], "svg": what_if_chart(series, options)}
            for series in result.get("what_if", [])
        ],
    }
