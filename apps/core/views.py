import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .middleware import database_unavailable_response

logger = logging.getLogger(__name__)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 429 page, shown by ``core.ratelimit`` once a client has spent its budget."""
    return render(request, "429.html", status=429)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers. The broker is reported, not required: while it is
    down every action still answers and its work waits in the outbox (``core.queue``), so a
    load balancer must not take the web processes out of service for it."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    ready = checks["database"]
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    if not settings.CELERY_BROKER_URL:
        return True
    from config.celery import app

    try:
        # The configured URL, so what is checked is what the settings say now.
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("readiness: broker unreachable", exc_info=True)
        return False


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # API clients get JSON like every other API error, also for an address no route matches.
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    try:
        return render(request, "404.html", status=404)
    except (OperationalError, InterfaceError):
        # The page shows who is logged in, which needs the session from the database.
        return database_unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, so the exception is at hand: a database
    # outage raised outside a view (a middleware touching the session, say) still gets a 503.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable_response(request)
    # Rendered without the request context: the fault may lie in what a context needs (the DB).
    return HttpResponse(loader.get_template("500.html").render({}), status=500)
