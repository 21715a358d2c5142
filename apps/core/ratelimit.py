"""Rate limits on public pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from .views import rate_limited

View = Callable[..., HttpResponseBase]


def _token_rate(group: str, request: HttpRequest) -> str:
    return settings.TOKEN_LOOKUP_RATE


def token_page(view: View) -> View:
    """Rate limit per IP (one budget for every token page), no caching, no Referer, noindex."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        if is_ratelimited(
            request, group="token-lookup", key="ip", rate=_token_rate, increment=True
        ):
            response = rate_limited(request)
        else:
            response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped
