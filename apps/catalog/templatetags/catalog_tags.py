import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.catalog.changelog import rating_label

register = template.Library()

_CODE = re.compile(r"`([^`]+)`")


@register.filter
def inline_code(text: str) -> SafeString:
    """A one-line text with `backticks` shown as code; everything else is escaped.

    Table summaries are short and only ever mark up commands and options, so this avoids a full
    Markdown pass for each of the matrix's many cells.
    """
    return mark_safe(_CODE.sub(r"<code>\1</code>", str(escape(text))))  # noqa: S308 - escaped first.


@register.filter
def rating_name(rating: int | None) -> str:
    """A rating's label, or "Not assessed" for none."""
    return rating_label(rating)
