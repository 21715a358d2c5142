"""The report's charts drawn on the server as small inline SVG: the page's first paint.

The result and shared pages show these at once, without JavaScript and without plotly's
megabytes; plotly (the interactive charts of ``charts``) is loaded only when the reader asks
for it (``static/js/site.js``). Same data, order, colours and axes as the plotly figures;
text stays text (searchable, read by screen readers through each chart's title and the data
tables beside it). Presentation attributes only: the Content-Security-Policy forbids inline
styles.
"""

import math
from collections.abc import Mapping, Sequence
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

WIDTH = 640
INK = "#1d2733"
GRID = "#d5dae0"
FONT = 13
ROW = 30
# Line styles tell the what-if lines apart where colour alone would not.
DASHES = ["", "6 3", "2 3", "8 3 2 3", "4 2", "1 2"]


def _svg(height: int, title: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'xmlns="http://www.w3.org/2000/svg" font-size="{f}" fill="{ink}">'
        "<title>{t}</title>{b}</svg>",
        w=WIDTH,
        h=height,
        f=FONT,
        ink=INK,
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


def fit_svg(result: Mapping[str, Any], options: Options) -> SafeString:
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
    return _svg(axis_y + 26, _("Fit of each option, from 0 to 100"), mark_safe("".join(parts)))  # noqa: S308 - parts are escaped


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
    return _svg(bottom + 26, title, mark_safe("".join(parts)))  # noqa: S308 - parts are escaped


def what_if_svgs(result: Mapping[str, Any], options: Options) -> list[dict[str, Any]]:
    """One line chart per number question: each option's fit across the question's range."""
    return [
        {
            "question_text": item.get("question_text", item["question"]),
            "svg": _what_if(item, options),
        }
        for item in result.get("what_if") or []
    ]


def _what_if(item: Mapping[str, Any], options: Options) -> SafeString:
    names, colours = _names(options), _colours(options)
    xs = [float(x) for x in item["x"]]
    log = _axis_type(dict(item)) == "log"
    left, right, top, plot_h = 48, 24, 12, 180
    plot_w = WIDTH - left - right
    position = [math.log10(x) for x in xs] if log else list(xs)
    lo, hi = min(position), max(position)
    spread = (hi - lo) or 1.0

    def px(n: int) -> float:
        return left + (position[n] - lo) / spread * plot_w

    def py(fit: float) -> float:
        return top + (1 - max(0.0, min(100.0, fit)) / 100) * plot_h

    parts = []
    for fit in (0, 50, 100):
        parts += [
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
                left,
                _n(py(fit)),
                left + plot_w,
                _n(py(fit)),
                GRID,
            ),
            _text(left - 6, py(fit) + 4, str(fit), "end"),
        ]
    ticks = sorted({0, len(xs) // 2, len(xs) - 1}) if xs else []
    for n in ticks:
        anchor = "start" if n == 0 else "end" if n == len(xs) - 1 else "middle"
        parts.append(_text(px(n), top + plot_h + 18, _number(xs[n]), anchor))
    parts.append(_text(left + plot_w / 2, top + plot_h + 38, _axis_title(dict(item)), "middle"))
    legend_y = top + plot_h + 60
    for k, (slug, fits) in enumerate(item["fits"].items()):
        colour = colours.get(slug, INK)
        dash = DASHES[k % len(DASHES)]
        points = " ".join(f"{px(n):.1f},{py(fit):.1f}" for n, fit in enumerate(fits))
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                points,
                colour,
                format_html(' stroke-dasharray="{}"', dash) if dash else "",
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
                format_html(' stroke-dasharray="{}"', dash) if dash else "",
            ),
            _text(lx + 28, ly, _short(names.get(slug, slug), 26)),
        ]
    rows = -(-len(item["fits"]) // 3)
    title = _("Fit of each option as “%(question)s” changes") % {
        "question": item.get("question_text", item["question"])
    }
    return _svg(legend_y + rows * 20, title, mark_safe("".join(parts)))  # noqa: S308 - parts are escaped


def report_svgs(result: Mapping[str, Any], options: Options) -> dict[str, Any]:
    """``fit``, ``contributions`` (or None) and ``what_if`` (one per number question)."""
    return {
        "fit": fit_svg(result, options),
        "contributions": contribution_svg(result, options),
        "what_if": what_if_svgs(result, options),
    }
