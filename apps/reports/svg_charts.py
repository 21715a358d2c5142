"""The report's charts drawn on the server as small inline SVG: the page's first paint.

The result and shared pages show these at once, without JavaScript and without plotly's
megabytes; plotly (the interactive charts of ``charts``) is loaded only when the reader asks
for it (``static/js/site.js``). Same data, order, colours and axes as the plotly figures;
text stays text (searchable, read by screen readers through each chart's title and the data
tables beside it). Presentation attributes only: the Content-Security-Policy forbids inline
styles.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .charts import (
    NEGATIVE,
    POSITIVE,
    _axis_title,
    _axis_type,
    _colours,
    _names,
    _short,
    contributions_by_question,
    ranked_options,
)

Options = Sequence[Mapping[str, Any]]

# The page's own font stack (as plotly's charts); the PDF names its one font, which WeasyPrint
# resolves once instead of trying each family of a list for every text.
WEB_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
PDF_FONT = "DejaVu Sans"

WIDTH = 640
INK = "#1d2733"
GRID = "#d5dae0"
FONT = 13
TICK_FONT = 11
ROW = 30
# Line styles tell the what-if lines apart where colour alone would not.
DASHES = ["", "6 3", "2 3", "8 3 2 3", "4 2", "1 2"]


def _svg(height: int, title: str, body: SafeString, font: str) -> SafeString:
    return format_html(
        '<svg class="chart-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'xmlns="http://www.w3.org/2000/svg" font-size="{f}" fill="{ink}" font-family="{family}">'
        "<title>{t}</title>{b}</svg>",
        w=WIDTH,
        h=height,
        f=FONT,
        ink=INK,
        family=font,
        t=title,
        b=body,
    )


def _text(x: float, y: float, text: str, anchor: str = "start", **attrs: str) -> SafeString:
    extra = format_html_join("", ' {}="{}"', attrs.items())
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}"{}>{}</text>', _n(x), _n(y), anchor, extra, text
    )


def _n(value: float) -> str:
    """A coordinate: one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


def _number(value: float) -> str:
    value = float(f"{value:.6g}")
    return number_format(value, decimal_pos=None if value % 1 else 0, force_grouping=True)


def fit_svg(result: Mapping[str, Any], options: Options, *, font: str = WEB_FONT) -> SafeString:
    """Horizontal bars: each option's fit (0–100), best first, labelled with its value."""
    rows = ranked_options(result, options)
    label_w, right = 200, 40
    scale = (WIDTH - label_w - right) / 100
    parts = []
    for n, row in enumerate(rows):
        y = 10 + n * ROW
        width = max(0.0, min(100.0, row["fit"])) * scale
        parts += [
            _text(label_w - 8, y + 18, _short(row["name"], 28), "end"),
            format_html(
                '<rect x="{}" y="{}" width="{}" height="20" fill="{}"/>',
                label_w,
                y + 4,
                _n(width),
                row["colour"],
            ),
            _text(label_w + width + 5, y + 18, f"{row['fit']:.0f}"),
        ]
    axis_y = 14 + len(rows) * ROW
    parts.append(
        format_html(
            '<line x1="{x}" y1="8" x2="{x}" y2="{y}" stroke="{g}"/>', x=label_w, y=axis_y, g=INK
        )
    )
    parts.append(_text(label_w + 50 * scale, axis_y + 18, _("Fit (0–100)"), "middle"))
    title = _("Fit of each option, from 0 to 100")
    return _svg(axis_y + 26, title, mark_safe("".join(parts)), font)  # noqa: S308 - parts are escaped


def contribution_svg(result: Mapping[str, Any], options: Options) -> SafeString | None:
    """Signed horizontal bars: how each answer moved the recommended option."""
    option = str(result.get("recommendation", ""))
    rows = contributions_by_question(result, option)
    if not rows:
        return None
    label_w, right = 330, 12
    span = max(abs(r["points"]) for r in rows) or 1.0
    half = (WIDTH - label_w - right) / 2
    zero = label_w + half
    parts = []
    for n, row in enumerate(rows):
        y = 10 + n * 26
        length = abs(row["points"]) / span * (half - 34)
        x = zero if row["points"] >= 0 else zero - length
        colour = POSITIVE if row["points"] >= 0 else NEGATIVE
        value_x, anchor = (zero + length + 4, "start") if row["points"] >= 0 else (x - 4, "end")
        parts += [
            _text(label_w - 8, y + 16, _short(row["text"], 44), "end", **{"font-size": "11"}),
            format_html(
                '<rect x="{}" y="{}" width="{}" height="18" fill="{}"/>',
                _n(x),
                y + 3,
                _n(length),
                colour,
            ),
            _text(value_x, y + 16, f"{row['points']:+.1f}", anchor),
        ]
    bottom = 14 + len(rows) * 26
    parts.append(
        format_html(
            '<line x1="{x}" y1="8" x2="{x}" y2="{y}" stroke="{g}"/>', x=_n(zero), y=bottom, g=INK
        )
    )
    name = _names(options).get(option, option)
    axis = _("Points for %(option)s") % {"option": name}
    parts.append(_text(zero, bottom + 18, axis, "middle"))
    title = _("How each answer moved %(option)s: points per question") % {"option": name}
    return _svg(bottom + 26, title, mark_safe("".join(parts)), WEB_FONT)  # noqa: S308 - parts are escaped


def what_if_svgs(
    result: Mapping[str, Any], options: Options, *, font: str = WEB_FONT, captioned: bool = False
) -> list[dict[str, Any]]:
    """One line chart per number question: each option's fit across the question's range."""
    return [
        {
            "question_text": item.get("question_text", item["question"]),
            "svg": what_if_svg(item, options, font=font, captioned=captioned),
        }
        for item in result.get("what_if") or []
    ]


# Estimated advance of a character, in ems (wide enough for digits and most Latin text).
EM = 0.64


def what_if_svg(
    item: Mapping[str, Any], options: Options, *, font: str = WEB_FONT, captioned: bool = False
) -> SafeString:
    """Each option's fit across one number question's range, on the web chart's axis type.

    ``captioned``: for a chart under a heading that names the question and above a caption that
    names the fit scale (the PDF), the x axis is titled with the unit alone and the y axis not
    at all. WeasyPrint lays SVG text out letter by letter, so every letter left out counts.
    """
    names, colours = _names(options), _colours(options)
    xs = [float(x) for x in item["x"]]
    log = _axis_type(dict(item)) == "log"
    left, right, top, plot_h = 64, 36, 12, 180
    plot_w = WIDTH - left - right

    def at(value: float) -> float:
        return math.log10(value) if log else value

    lo, hi = at(min(xs)), at(max(xs))
    spread = (hi - lo) or 1.0

    def px(value: float) -> float:
        return left + (at(value) - lo) / spread * plot_w

    def py(fit: float) -> float:
        return top + (1 - max(0.0, min(100.0, fit)) / 100) * plot_h

    parts = []
    for fit in (0, 25, 50, 75, 100):
        parts += [
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
                left,
                _n(py(fit)),
                left + plot_w,
                _n(py(fit)),
                GRID,
            ),
            _text(left - 6, py(fit) + 4, str(fit), "end", **{"class": "ytick"}),
        ]
    axis_y = top + plot_h
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            left,
            axis_y,
            left + plot_w,
            axis_y,
            INK,
        )
    )
    for x, label, anchor in _tick_labels(_ticks(min(xs), max(xs), log=log), px):
        attrs = {"class": "xtick", "font-size": str(TICK_FONT)}
        parts.append(_text(x, axis_y + 18, label, anchor, **attrs))
    axis_title = item.get("unit", "") if captioned else _short(_axis_title(dict(item)), 80)
    if axis_title:
        parts.append(
            _text(left + plot_w / 2, axis_y + 38, axis_title, "middle", **{"class": "title"})
        )
    middle = top + plot_h / 2
    if not captioned:
        parts.append(
            _text(
                16,
                middle,
                _("Fit (0–100)"),
                "middle",
                **{"class": "title", "transform": f"rotate(-90 16 {_n(middle)})"},
            )
        )
    legend_y = axis_y + 62
    for k, (slug, fits) in enumerate(item["fits"].items()):
        colour = colours.get(slug, INK)
        dash = DASHES[k % len(DASHES)]
        dashes = format_html(' stroke-dasharray="{}"', dash) if dash else ""
        points = " ".join(f"{_n(px(x))},{_n(py(fit))}" for x, fit in zip(xs, fits, strict=False))
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                points,
                colour,
                dashes,
            )
        )
        column, line = k % 3, k // 3
        lx, ly = left + column * (plot_w / 3), legend_y + line * 20
        parts += [
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>',
                _n(lx),
                _n(ly - 4),
                _n(lx + 22),
                _n(ly - 4),
                colour,
                dashes,
            ),
            _text(lx + 28, ly, _short(names.get(slug, slug), 24), **{"class": "legend"}),
        ]
    rows = -(-len(item["fits"]) // 3)
    title = _("Fit of each option as “%(question)s” changes") % {
        "question": item.get("question_text", item["question"])
    }
    return _svg(legend_y + rows * 20, title, mark_safe("".join(parts)), font)  # noqa: S308 - parts are escaped


def _ticks(low: float, high: float, *, log: bool) -> list[float]:
    """Tick values as the web's axis places them: a log axis its decades (1, 10, 100, …), a
    linear one steps of 1, 2, 2.5 or 5 times a power of ten, at most five intervals."""
    if log:
        first = math.ceil(math.log10(low) - 1e-9)
        last = math.floor(math.log10(high) + 1e-9)
        if last > first:
            return [10.0**k for k in range(first, last + 1)]
    raw = (high - low) / 5 or 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    start = math.ceil(low / step - 1e-9) * step
    return [start + n * step for n in range(int((high - start) / step + 1e-9) + 1)]


def _tick_labels(ticks: list[float], px: Callable[[float], float]) -> list[tuple[float, str, str]]:
    """(x, label, anchor) of each tick, inside the chart, every other one left out while any
    two labels would touch (text at ``EM`` ems a character)."""
    while True:
        placed = []
        for value in ticks:
            x, label = px(value), _number(value)
            length = EM * TICK_FONT * len(label)
            if x + length / 2 > WIDTH - 1:
                placed.append((x, label, "end", x - length, x))
            elif x - length / 2 < 1:
                placed.append((x, label, "start", x, x + length))
            else:
                placed.append((x, label, "middle", x - length / 2, x + length / 2))
        touching = any(a[4] + 6 > b[3] for a, b in zip(placed, placed[1:], strict=False))
        if not touching or len(ticks) <= 2:
            return [(x, label, anchor) for x, label, anchor, _left, _right in placed]
        ticks = ticks[::2]


def report_svgs(result: Mapping[str, Any], options: Options) -> dict[str, Any]:
    """``fit``, ``contributions`` (or None) and ``what_if`` (one per number question)."""
    return {
        "fit": fit_svg(result, options),
        "contributions": contribution_svg(result, options),
        "what_if": what_if_svgs(result, options),
    }
