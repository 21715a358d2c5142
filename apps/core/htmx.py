"""htmx in views: the request type that carries ``request.htmx`` and the page-or-partial reply."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

# The request headers that decide between the page and a fragment. A cache (the browser's,
# a proxy's, ours) must key on both, or the back button can be served a bare fragment.
VARYING_HEADERS = ("HX-Request", "HX-History-Restore-Request")


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware (for type checkers)."""

    htmx: HtmxDetails


def wants_partial(request: HtmxHttpRequest) -> bool:
    """True for an htmx request that swaps a fragment in.

    htmx asks for the whole page again (with ``HX-Request`` still set) when it restores a
    history entry it no longer holds: that request must get the full page.
    """
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_partial(
    request: HtmxHttpRequest,
    template: str,
    partial: str,
    ctx: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """``template#partial`` for an htmx swap, the whole ``template`` otherwise; varies on both."""
    name = f"{template}#{partial}" if wants_partial(request) else template
    response = render(request, name, ctx, status=status)
    patch_vary_headers(response, VARYING_HEADERS)
    return response
