"""Filters of the report templates; the report itself is built by ``reports.builder``."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

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
