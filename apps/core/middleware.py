import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .logging import request_id_var
from .private_links import carries_token

logger = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Tags the request with an id (the caller's X-Request-ID if sane) and echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Sends the site's Content-Security-Policy (Django 5.2 has no built-in one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class PrivatePageMiddleware:
    """Keeps private pages out of caches, search engines and other sites' Referer headers.

    Pages of a private link (``private_links.carries_token``) and the dashboard are never
    stored by a browser or proxy (``never_cache``). Private-link pages also ask search engines
    to stay away and send only the site's origin onwards, never the token in their URL. Every
    answer counts, also a 404 for an unknown token and a 429: a middleware sees them after
    the raised ``Http404`` became a response.

    Not ``no-referrer``: under it browsers send ``Origin: null`` with a page's form posts,
    which Django's CSRF check refuses, so no plain form on a private page could be sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        private_link = carries_token(request.get_full_path())
        if private_link or request.path.startswith("/dashboard/"):
            add_never_cache_headers(response)
        if private_link:
            response["X-Robots-Tag"] = "noindex, nofollow"
            response["Referrer-Policy"] = "strict-origin"
        return response


class DatabaseUnavailableMiddleware:
    """Answers 503 with a clear page (or JSON for the API) when the database cannot be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return database_unavailable_response(request)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    logger.error("database unavailable", exc_info=True)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": str(_("The service is temporarily unavailable. Please retry shortly."))},
            status=503,
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = "30"
    return response
