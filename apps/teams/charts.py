"""Plotly figures of a team result: each member's fit per option, and the disagreement ranking.

Pure functions of a ``TeamResult``; the team page embeds ``fig.to_json()`` as the report
does (``reports.charts``), and shows the same figures as tables beside them.
"""

from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from .results import TeamResult

_LAYOUT: dict[str, Any] = {
    "template": "simple_white",
    "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
}
CHANGES = "#b23c17"
MOVES = "#4c5b70"
_LABEL_WIDTH = 48


def _short(text: str, width: int = _LABEL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def member_fit_figure(team: TeamResult) -> go.Figure | None:
    """Grouped bars: for each option, the fit each answered member's answers give it."""
    members = [m for m in team.members if m.fits]
    if not members:
        return None
    options = [o for o in team.options if any(o["slug"] in m.fits for m in members)]
    fig = go.Figure(
        [
            go.Bar(
                name=f"{m.name} ({m.role_label})",
                x=[o["name"] for o in options],
                y=[m.fits.get(o["slug"], 0.0) for o in options],
                hovertemplate=f"{m.name}: " + "%{x} %{y:.1f}<extra></extra>",
            )
            for m in members
        ]
    )
    if team.result is not None:
        fig.add_trace(
            go.Scatter(
                name=_("Team (combined answers)"),
                x=[o["name"] for o in options],
                y=[float(team.result["scores"][o["slug"]]["fit"]) for o in options],
                mode="markers",
                marker={"symbol": "diamond", "size": 12, "color": "#16324f"},
                hovertemplate=_("Team") + ": %{x} %{y:.1f}<extra></extra>",
            )
        )
    fig.update_layout(
        **_LAYOUT,
        height=380,
        barmode="group",
        yaxis={"title": {"text": _("Fit (0–100)")}, "range": [0, 105]},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def disagreement_figure(team: TeamResult) -> go.Figure | None:
    """Horizontal bars: each disagreement's impact on the team's first place, largest on top."""
    rows = list(team.disagreements)
    if not rows:
        return None
    rows.reverse()  # plotly draws the first bar at the bottom
    fig = go.Figure(
        go.Bar(
            orientation="h",
            x=[d.impact for d in rows],
            y=[_short(d.question_text) for d in rows],
            marker_color=[CHANGES if d.changes_recommendation else MOVES for d in rows],
            text=[
                _("changes the first place") if d.changes_recommendation else f"{d.impact:.1f}"
                for d in rows
            ],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        height=max(220, 60 + 44 * len(rows)),
        xaxis={
            "title": {"text": _("How far the answers move the first place's lead (fit points)")}
        },
        showlegend=False,
    )
    return fig


def team_charts(team: TeamResult) -> dict[str, str]:
    """The team page's figures as plotly JSON strings: ``members``, ``disagreements``."""
    figures = {"members": member_fit_figure(team), "disagreements": disagreement_figure(team)}
    return {name: fig.to_json() for name, fig in figures.items() if fig is not None}
