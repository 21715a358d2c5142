"""What the report template (``assessments/_report.html``) derives from a stored result.

The report is rendered by the result page, the share page and the PDF, each with the same
context (``assessment``, ``result``, ``charts``, ``show_contact``); ``report_extras``
turns that into display-ready lists so the template stays free of logic.
"""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from apps.assessments import services
from apps.catalog.models import Feature, Technology
from apps.reports import charts

register = template.Library()

TOP_REASONS = 5
LEVELS = {
    "high": (_("High risk"), "text-bg-danger", 0),
    "medium": (_("Medium risk"), "text-bg-warning", 1),
    "low": (_("Low risk"), "text-bg-secondary", 2),
}
CONFIDENCE = {
    "high": (_("High confidence"), "text-bg-success"),
    "medium": (_("Medium confidence"), "text-bg-warning"),
    "low": (_("Low confidence"), "text-bg-secondary"),
}
# The same escapes as Django's json_script: the JSON cannot close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def chart_script(fig_json: str, element_id: str) -> SafeString:
    """A plotly figure's JSON string in a ``<script type="application/json">`` for site.js."""
    payload = mark_safe(str(fig_json).translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped above
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, payload)


@register.simple_tag
def report_extras(assessment: Any, result: dict[str, Any]) -> dict[str, Any]:
    """Display-ready parts of a result: ranking, reasons, risks, sensitivity, matrix rows."""
    options = services.snapshot_for(assessment).get("options", [])
    names = {o["slug"]: o.get("name", o["slug"]) for o in options}
    ranking = charts.ranked_options(result, options)
    recommended = result.get("recommendation", "")
    runner_up = result.get("runner_up") or ""
    reasons_for = _top(result, recommended, positive=True)
    reasons_against = _top(result, recommended, positive=False)
    risks = _risks(result, names)
    features = _feature_slugs(reasons_for + reasons_against, risks)
    confidence_label, confidence_class = CONFIDENCE.get(
        result.get("confidence_label", ""), (result.get("confidence_label", ""), "text-bg-light")
    )
    return {
        "ranking": ranking,
        "recommended": next((r for r in ranking if r["slug"] == recommended), None),
        "runner_up": next((r for r in ranking if r["slug"] == runner_up), None),
        "confidence_label": confidence_label,
        "confidence_class": confidence_class,
        "confidence_percent": round(float(result.get("confidence", 0.0)) * 100),
        "reasons_for": reasons_for,
        "reasons_against": reasons_against,
        "runner_up_reasons": [] if reasons_against else _top(result, runner_up, positive=True),
        "by_question": charts.contributions_by_question(result, recommended),
        "risks": risks,
        "sensitivity": _sensitivity(result, names),
        "what_if": _what_if_tables(result, options),
        "unknown_count": len(result.get("unknown") or []),
        "matrix": _matrix(features, options),
        "compare_url": _compare_url([recommended, runner_up]),
    }


def _top(result: dict[str, Any], option: str, *, positive: bool) -> list[dict[str, Any]]:
    sign = 1 if positive else -1
    rows = [
        c
        for c in result.get("contributions", [])
        if c.get("option") == option and sign * float(c.get("points", 0.0)) > 0
    ]
    return sorted(rows, key=lambda c: -sign * float(c["points"]))[:TOP_REASONS]


def _risks(result: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for risk in result.get("risks", []):
        label, css, order = LEVELS.get(risk.get("level", ""), (risk.get("level", ""), "", 3))
        option = risk.get("option")
        rows.append(
            risk
            | {
                "level_label": label,
                "level_class": css,
                "order": order,
                "option_name": names.get(option, option) if option else "",
            }
        )
    return sorted(rows, key=lambda r: (r["order"], r.get("title", "")))


def _sensitivity(result: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        item
        | {
            "alternatives": [
                alt | {"option_name": names.get(alt["recommendation"], alt["recommendation"])}
                for alt in item.get("alternatives", [])
            ]
        }
        for item in result.get("sensitivity", [])
        if item.get("alternatives")
    ]


def _what_if_tables(result: dict[str, Any], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tables = []
    for item in result.get("what_if") or []:
        slugs = [o["slug"] for o in options if o["slug"] in item["fits"]] or list(item["fits"])
        names = {o["slug"]: o.get("name", o["slug"]) for o in options}
        rows = [
            {"x": x, "fits": [item["fits"][slug][i] for slug in slugs]}
            for i, x in enumerate(item["x"])
        ]
        tables.append(item | {"columns": [names.get(s, s) for s in slugs], "rows": rows})
    return tables


def _feature_slugs(contributions: list[dict[str, Any]], risks: list[dict[str, Any]]) -> list[str]:
    slugs: list[str] = []
    for row in contributions + risks:
        slug = row.get("feature")
        if slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def _matrix(slugs: list[str], options: list[dict[str, Any]]) -> dict[str, Any]:
    """The matrix rows behind the reasons and risks, with one column per option."""
    option_slugs = [o["slug"] for o in options]
    if not slugs:
        return {"columns": [], "rows": []}
    technologies = Technology.objects.filter(slug__in=option_slugs)
    # A queryset works as well as the list the hint asks for, and saves a query.
    features = Feature.objects.for_matrix(technologies).filter(slug__in=slugs)  # type: ignore[arg-type]
    rows = []
    for feature in features:
        cells = {cell.technology.slug: cell for cell in feature.cells.all()}
        rows.append({"feature": feature, "cells": [cells.get(slug) for slug in option_slugs]})
    return {"columns": [o.get("name", o["slug"]) for o in options], "rows": rows}


def _compare_url(slugs: list[str]) -> str:
    query = urlencode([("tech", slug) for slug in slugs if slug])
    return reverse("catalog:compare") + (f"?{query}" if query else "")
