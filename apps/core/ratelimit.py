"""Rate limits on public pages and forms: one decorator, one key, one 429 page.

Budgets live in the cache (django-ratelimit's counters). Rates are named by their setting
and read per request, so a changed setting (or a test's override) applies at once.
The DRF API has its own throttles (``throttling``), keyed by the same client identity
(``clients``); only its token lookup shares a budget from here.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django_ratelimit.core import is_ratelimited

from .clients import client_identity
from .views import rate_limited

View = Callable[..., HttpResponseBase]
RateSetting = Literal["PUBLIC_FORM_RATE", "TOKEN_LOOKUP_RATE", "PASSWORD_RESET_RATE"]
Key = Callable[[str, HttpRequest], str]


def client_key(group: str, request: HttpRequest) -> str:
    """Whose budget a request spends (django-ratelimit's key): see ``clients.client_identity``."""
    return client_identity(request)


def limit_reached(
    request: HttpRequest, *, group: str, rate: RateSetting, key: Key = client_key
) -> bool:
    """Counts this request against the client's budget in ``group``; True once it is spent.

    ``key`` says whose budget it is: the client's unless told otherwise (e.g. an address's).
    """
    limited: bool = is_ratelimited(
        request,
        group=group,
        key=key,
        rate=getattr(settings, rate),
        increment=True,
    )
    return limited


def posted(request: HttpRequest) -> bool:
    """Only form posts count (for ``rate_limit(only_if=...)``)."""
    return request.method == "POST"


def rate_limit(
    group: str,
    *,
    rate: RateSetting,
    only_if: Callable[[HttpRequest], bool] | None = None,
    misses_only: bool = False,
    key: Key = client_key,
) -> Callable[[View], View]:
    """Answer with the 429 page once a client has spent its budget in ``group``.

    ``only_if`` picks the requests that count (others pass uncounted). With ``misses_only``
    only requests the view answers with 404 count, so a visitor polling their own private
    page is never slowed down while someone guessing tokens is stopped.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if only_if is not None and not only_if(request):
                return view(request, *args, **kwargs)
            if misses_only:
                try:
                    return view(request, *args, **kwargs)
                except Http404:
                    if limit_reached(request, group=group, rate=rate, key=key):
                        return rate_limited(request)
                    raise
            if limit_reached(request, group=group, rate=rate, key=key):
                return rate_limited(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def token_page(view: View) -> View:
    """Rate limit per client: one budget for every token page.

    Their headers (never cached, noindex, no token in Referer) come from
    ``middleware.PrivatePageMiddleware``, which also covers their 404s.
    """
    return rate_limit("token-lookup", rate="TOKEN_LOOKUP_RATE")(view)


def posted_email(group: str, request: HttpRequest) -> str:
    """The e-mail address a form posts, normalised: a budget per address (``rate_limit(key=)``)."""
    return request.POST.get("email", "").strip().lower()


def too_many_token_misses(request: HttpRequest) -> bool:
    """Counts a lookup of an unknown private token (the API's, outside any view decorator).

    Shares the ``token-misses`` budget with the private result page.
    """
    return limit_reached(request, group="token-misses", rate="TOKEN_LOOKUP_RATE")
