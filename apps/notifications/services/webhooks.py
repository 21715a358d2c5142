"""Webhook endpoints and their deliveries: signed POSTs, retried with backoff for 24 hours.

A delivery is tried at once, then again after 1, 3, 9, 27, 81, 243 and 729 minutes (each wait
three times the last), and a last time 24 hours after it was created; the periodic
``notifications.retry_webhooks`` queues the tries that are due, so no retry waits in the
broker. Every try is a ``WebhookAttempt``. An endpoint that has failed every try for 24 hours
is disabled and its owner told.
"""

import hashlib
import hmac
import http.client
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.queue import enqueue

from ..models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from . import addresses, payloads

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
FIRST_RETRY = timedelta(minutes=1)
BACKOFF_FACTOR = 3
# How much of the response an attempt keeps, and how much is read at all.
EXCERPT_CHARS = 500
# A claim older than this belongs to a worker that died mid-attempt.
STUCK_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500
USER_AGENT = "OrchestrationAdvisor-Webhooks/1"


class InvalidEndpoint(ValueError):
    """The endpoint cannot be registered; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """What one HTTP request got: a status code and a response excerpt, or an error."""

    status_code: int | None
    excerpt: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_window() -> timedelta:
    return timedelta(hours=int(settings.WEBHOOK_RETRY_HOURS))


def backoff(failures: int) -> timedelta:
    """The wait after the ``failures``-th failed attempt: 1 minute, then three times longer."""
    factor: int = BACKOFF_FACTOR ** max(failures - 1, 0)
    return FIRST_RETRY * factor


def sign(secret: str, body: bytes) -> str:
    """The ``X-Advisor-Signature`` header's value: ``sha256=`` and the body's HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- Endpoints ---


def clean_events(events: list[str]) -> list[str]:
    """The known event types among ``events``, in their canonical order; raises for others."""
    known = set(EventType.values)
    unknown = sorted(set(events) - known)
    if unknown:
        raise InvalidEndpoint(
            _("Unknown event types: %(unknown)s. Known: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EventType.values)}
        )
    if not events:
        raise InvalidEndpoint(_("Choose at least one event."))
    return [value for value in EventType.values if value in set(events)]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def create_endpoint(
    *,
    url: str,
    events: list[str],
    secret: str = "",
    owner: User | None = None,
    description: str = "",
) -> WebhookEndpoint:
    """Registers an endpoint after checking its URL and events; a secret is made if none given."""
    try:
        addresses.check_url(url)
    except addresses.UnsafeURL as exc:
        raise InvalidEndpoint(str(exc)) from None
    return WebhookEndpoint.objects.create(
        url=url,
        events=clean_events(events),
        secret=secret or new_secret(),
        owner=owner,
        description=description,
    )


def last_status(endpoint: WebhookEndpoint) -> str:
    """The latest delivery's outcome for listings: its HTTP status, error or state."""
    attempt = (
        WebhookAttempt.objects.filter(delivery__endpoint=endpoint)
        .order_by("-started_at", "-pk")
        .first()
    )
    if attempt is None:
        return "-"
    return str(attempt.status_code) if attempt.status_code else attempt.error or "-"


# --- Deliveries ---


def claim(*, delivery_id: int) -> bool:
    """Takes a due delivery for one attempt; False if it is not due or another worker has it."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now)
    return claimed == 1


def attempt(*, delivery_id: int) -> None:
    """Makes one attempt of a claimed delivery and records it; schedules the next on failure."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event", "event__assessment").get(
        pk=delivery_id
    )
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.active:
        _finish(delivery, Status.SKIPPED, note=_("The endpoint is not active."))
        return
    if not payloads.consented(event):
        _finish(delivery, Status.SKIPPED, note=_("The prospect has not consented to contact."))
        return
    body = payloads.body(event)
    if body is None:
        _finish(delivery, Status.SKIPPED, note=_("What the event was about has been deleted."))
        return
    number = delivery.attempt_count + 1
    started = timezone.now()
    clock = time.monotonic()
    outcome = post(endpoint.url, body, headers(delivery, endpoint.secret, body))
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started,
        duration_ms=round((time.monotonic() - clock) * 1000),
        status_code=outcome.status_code,
        response_excerpt=outcome.excerpt,
        error=outcome.error[:300],
        succeeded=outcome.succeeded,
    )
    if outcome.succeeded:
        _finish(delivery, Status.SUCCEEDED, attempts=number)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    else:
        _failed(delivery, number, started)


def headers(delivery: WebhookDelivery, secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Advisor-Event": delivery.event.type,
        "X-Advisor-Delivery": str(delivery.uid),
        "X-Advisor-Signature": sign(secret, body),
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POSTs the body; never follows a redirect, never reaches a non-public address."""
    try:
        parts = addresses.split_url(url)
        connection = addresses.connection_for(parts, settings.WEBHOOK_TIMEOUT_SECONDS)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS]
            return Outcome(status_code=response.status, excerpt=excerpt, error="")
        finally:
            connection.close()
    except addresses.UnsafeURL as exc:
        return Outcome(status_code=None, excerpt="", error=str(exc))
    except (OSError, http.client.HTTPException) as exc:
        # Timeouts, refused connections, TLS errors and broken responses.
        return Outcome(status_code=None, excerpt="", error=f"{type(exc).__name__}: {exc}")


def _finish(
    delivery: WebhookDelivery, status: str, *, note: str = "", attempts: int | None = None
) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        note=note,
        finished_at=timezone.now(),
        next_attempt_at=None,
        attempt_count=attempts if attempts is not None else delivery.attempt_count,
    )


def _failed(delivery: WebhookDelivery, number: int, started: datetime) -> None:
    now = timezone.now()
    deadline = delivery.created_at + retry_window()
    gave_up = now >= deadline
    if gave_up:
        _finish(
            delivery,
            Status.FAILED,
            attempts=number,
            note=_("Gave up after %(count)s attempts.") % {"count": number},
        )
    else:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.PENDING,
            attempt_count=number,
            next_attempt_at=min(now + backoff(number), deadline),
        )
    first_try = (
        WebhookAttempt.objects.filter(delivery=delivery, number=1)
        .values_list("started_at", flat=True)
        .first()
    )
    _endpoint_failed(delivery.endpoint_id, started, gave_up_since=first_try if gave_up else None)


def _endpoint_failed(
    endpoint_id: int, started: datetime, *, gave_up_since: datetime | None
) -> None:
    """Notes the endpoint failing; after a whole window of failures it is disabled, once.

    A window of failures: the first failure since the last success is a window old, or a
    delivery was given up (every try for a window failed) with no success since its first try.
    """
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(
        failing_since=started
    )
    failing_long = Q(failing_since__lte=started - retry_window())
    if gave_up_since is not None:
        failing_long |= Q(failing_since__lte=gave_up_since)
    now = timezone.now()
    with transaction.atomic():
        disabled = (
            WebhookEndpoint.objects.filter(pk=endpoint_id, active=True)
            .filter(failing_long)
            .update(active=False, disabled_at=now)
        )
        if disabled:
            logger.warning("webhook endpoint %s disabled after failing for a day", endpoint_id)
            WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=Status.PENDING).update(
                status=Status.SKIPPED,
                finished_at=now,
                next_attempt_at=None,
                note=_("The endpoint was disabled."),
            )
            enqueue("notifications.send_endpoint_disabled", endpoint_id)


def retry_due(*, now: datetime | None = None) -> list[int]:
    """Queues the deliveries whose next attempt is due (and takes back dead workers' claims)."""
    now = now or timezone.now()
    WebhookDelivery.objects.stuck(now - STUCK_AFTER).update(status=Status.PENDING)
    ids = list(WebhookDelivery.objects.due(now).values_list("pk", flat=True)[:SWEEP_BATCH])
    for delivery_id in ids:
        enqueue("notifications.deliver_webhook", delivery_id)
    return ids


def redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery | None:
    """A new delivery of the same event to the same endpoint (an admin's "redeliver").

    None when the endpoint is not active. The new delivery has its own id and 24 hours.
    """
    if not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, active=True).exists():
        return None
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id,
            manual=True,
            next_attempt_at=timezone.now(),
        )
        enqueue("notifications.deliver_webhook", again.pk)
    return again
