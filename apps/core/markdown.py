"""Markdown written by editors, rendered to HTML and sanitised before it reaches a page."""

import threading
from functools import lru_cache

import markdown as md  # type: ignore[import-untyped]  # no types-Markdown in the dev requirements yet
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h3",
    "h4",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


_local = threading.local()


def _converter() -> md.Markdown:
    # Building a Markdown instance costs more than converting a cell; reuse one per thread.
    if not hasattr(_local, "converter"):
        _local.converter = md.Markdown(extensions=["tables", "sane_lists"])
    return _local.converter


# Pages show the same texts again and again (a matrix cell on every compare view): convert
# each text once per process. The result depends on the text alone.
@lru_cache(maxsize=4096)
def render_markdown(text: str) -> SafeString:
    """Markdown to HTML with only harmless tags and attributes left; links get rel=noopener."""
    html = _converter().reset().convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Markdown tables only put header cells in the header row: mark them as column headers.
    clean = clean.replace("<th>", '<th scope="col">')
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above.
