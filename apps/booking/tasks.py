"""Booking e-mail and slot upkeep. Thin: claim the row by compare-and-set, call the domain code.

Services queue these by name (``apps.core.queue.enqueue("booking.send_confirmation", pk)``);
this module imports services, never the other way round.
"""

import logging
import smtplib
from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from . import emails, services
from .models import Booking

logger = logging.getLogger(__name__)

# Faults worth a retry: the mail server or the network, not a bug in our code.
TRANSIENT = (OSError, smtplib.SMTPException)


@shared_task(
    name="booking.send_confirmation",
    bind=True,
    acks_late=True,
    max_retries=5,
    default_retry_delay=60,
)
def send_confirmation(
    self: Task[Any, Any],
    /,
    booking_id: int,
    previous_engineer_id: int | None = None,
    **kwargs: object,
) -> None:
    """Mails the current revision of a confirmed booking (new or moved), once per revision."""
    booking = Booking.objects.select_related("slot", "slot__engineer").filter(pk=booking_id).first()
    if booking is None:
        return
    revision = booking.sequence
    before = booking.notified_sequence
    claimed = (
        Booking.objects.filter(pk=booking_id, status=Booking.Status.CONFIRMED, sequence=revision)
        .exclude(notified_sequence=revision)
        .update(notified_sequence=revision)
    )
    if claimed != 1:
        return
    try:
        emails.send_confirmation_emails(booking, previous_engineer_id=previous_engineer_id)
    except Exception as exc:
        # Whatever went wrong, the revision was not (fully) mailed: hand the claim back.
        Booking.objects.filter(pk=booking_id, notified_sequence=revision).update(
            notified_sequence=before
        )
        if isinstance(exc, TRANSIENT):
            raise self.retry(exc=exc) from exc
        logger.exception("booking %s: confirmation not sent", booking_id)


@shared_task(
    name="booking.send_cancellation",
    bind=True,
    acks_late=True,
    max_retries=5,
    default_retry_delay=60,
)
def send_cancellation(self: Task[Any, Any], /, booking_id: int, **kwargs: object) -> None:
    """Mails the cancellation of a booking, once."""
    claimed = Booking.objects.filter(
        pk=booking_id, status=Booking.Status.CANCELLED, cancellation_sent_at__isnull=True
    ).update(cancellation_sent_at=timezone.now())
    if claimed != 1:
        return
    booking = Booking.objects.select_related("slot", "slot__engineer").get(pk=booking_id)
    try:
        emails.send_cancellation_emails(booking)
    except Exception as exc:
        # Whatever went wrong, the cancellation was not (fully) mailed: hand the claim back.
        Booking.objects.filter(pk=booking_id).update(cancellation_sent_at=None)
        if isinstance(exc, TRANSIENT):
            raise self.retry(exc=exc) from exc
        logger.exception("booking %s: cancellation not sent", booking_id)


@shared_task(name="booking.send_reminders", acks_late=True)
def send_reminders(**kwargs: object) -> int:
    """Reminds bookings that start within 24 hours and have had no reminder; returns the count.

    The claim is one compare-and-set update stamping this run's time: a run mails only the
    rows carrying its own stamp, so two overlapping beats never mail the same booking. A
    booking whose mail fails gets its claim back and the loop goes on with the next one.
    """
    now = timezone.now()
    due = list(Booking.objects.due_for_reminder(now).values_list("pk", flat=True))
    if not due:
        return 0
    Booking.objects.filter(pk__in=due, reminder_sent_at__isnull=True).update(reminder_sent_at=now)
    claimed = Booking.objects.filter(pk__in=due, reminder_sent_at=now).select_related(
        "slot", "slot__engineer"
    )
    sent = 0
    for booking in claimed:
        try:
            emails.send_reminder_email(booking)
        except Exception as exc:
            # Release the claim so the next beat tries again; one bad booking stops no other.
            Booking.objects.filter(pk=booking.pk, reminder_sent_at=now).update(
                reminder_sent_at=None
            )
            if isinstance(exc, TRANSIENT):
                logger.warning(
                    "booking %s: reminder not sent, will retry", booking.pk, exc_info=True
                )
            else:
                logger.exception("booking %s: reminder not sent", booking.pk)
        else:
            sent += 1
    return sent


@shared_task(name="booking.generate_slots", acks_late=True)
def generate_slots(**kwargs: object) -> int:
    """Rolls the slot horizon forward: the slots the rules offer for the coming four weeks."""
    now = timezone.now()
    return services.generate_slots(start=now, end=now + services.HORIZON)
