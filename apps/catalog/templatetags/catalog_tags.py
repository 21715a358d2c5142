import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CODE = re.compile(r"`([^`]+)`")


@register.filter
def inline_code(text: str) -> SafeString:
    """A one-line text with `backticks` shown as code; everything else is escaped.

    Table summaries are short and only ever mark up commands and options, so this avoids a full
    Markdown pass for each of the matrix's many cells.
    """
    return mark_safe(_CODE.sub(r"<code>\1</code>", str(escape(text))))  # noqa: S308 - escaped first.
