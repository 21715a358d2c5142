"""Notification and webhook tasks. Thin: claim the row by compare-and-set, call the services.

Services queue these by name (``apps.core.queue.enqueue``); this module imports services,
never the other way round.
"""

import logging
import smtplib
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from .models import Channel, Notification
from .services import events, mail, webhooks

logger = logging.getLogger(__name__)

# Faults worth a retry: the mail server or the network, not a bug in our code.
TRANSIENT = (OSError, smtplib.SMTPException)


@shared_task(
    name="notifications.dispatch_events", acks_late=True, ignore_result=True, time_limit=120
)
def dispatch_events(**kwargs: Any) -> int:
    """Fans out every event not dispatched yet (queued once per burst, and periodically)."""
    return events.dispatch_pending()


@shared_task(name="notifications.dispatch_event", acks_late=True, ignore_result=True, time_limit=60)
def dispatch_event(event_id: int, **kwargs: Any) -> None:
    """Fans out one event: for messages an earlier release queued per event."""
    events.dispatch_event(event_id=event_id)


@shared_task(
    name="notifications.send_instant",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=5,
    default_retry_delay=60,
    time_limit=60,
)
def send_instant(self: Task[Any, Any], /, notification_id: int, **kwargs: Any) -> None:
    """Mails one event to one user, once: the row is claimed before the mail goes."""
    claimed = Notification.objects.filter(
        pk=notification_id, channel=Channel.INSTANT, sent_at__isnull=True
    ).update(sent_at=timezone.now())
    if claimed != 1:
        return
    try:
        mail.send_instant(notification_id=notification_id)
    except Exception as exc:
        # Not sent: hand the claim back so the retry (or nobody, for a bug) sends it.
        Notification.objects.filter(pk=notification_id).update(sent_at=None)
        if isinstance(exc, TRANSIENT):
            raise self.retry(exc=exc) from exc
        logger.exception("notification %s: instant mail not sent", notification_id)


@shared_task(name="notifications.send_digests", acks_late=True, ignore_result=True, time_limit=120)
def send_digests(**kwargs: Any) -> int:
    """Periodic: queues the digests that are due now; returns how many."""
    return len(mail.queue_due_digests())


@shared_task(
    name="notifications.send_digest",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=5,
    default_retry_delay=300,
    time_limit=120,
)
def send_digest(self: Task[Any, Any], /, user_id: int, **kwargs: Any) -> int:
    """Mails one user's digest of waiting events; a second run finds them sent."""
    try:
        return mail.send_digest(user_id=user_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(
    name="notifications.deliver_webhook",
    acks_late=True,
    ignore_result=True,
    time_limit=max(60, settings.WEBHOOK_TIMEOUT_SECONDS * 3),
)
def deliver_webhook(delivery_id: int, **kwargs: Any) -> None:
    """One attempt of a due webhook delivery; a second run finds it claimed or done."""
    if not webhooks.claim(delivery_id=delivery_id):
        return
    webhooks.attempt(delivery_id=delivery_id)


@shared_task(
    name="notifications.retry_webhooks", acks_late=True, ignore_result=True, time_limit=120
)
def retry_webhooks(**kwargs: Any) -> int:
    """Periodic: queues the webhook deliveries whose next attempt is due; returns how many."""
    return len(webhooks.retry_due())


@shared_task(
    name="notifications.send_endpoint_disabled",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=5,
    default_retry_delay=300,
    time_limit=60,
)
def send_endpoint_disabled(self: Task[Any, Any], /, endpoint_id: int, **kwargs: Any) -> None:
    """Tells a disabled endpoint's owner; queued once, by the update that disabled it."""
    try:
        mail.send_endpoint_disabled(endpoint_id=endpoint_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc
