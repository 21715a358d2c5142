"""Booking workflows: slots from rules, booking, cancelling, moving, manage links, the brief.

Slot queries are ``Slot.objects`` methods; the e-mail and calendar invites live in ``emails``;
the tasks that send them are queued by name through ``apps.core.queue`` (tasks import this
module, never the other way round).
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from apps.assessments.models import Assessment
from apps.core.queue import enqueue
from apps.core.tokens import hash_token

from . import signals
from .models import ALTERNATIVES, MAX_BUFFER, AvailabilityRule, Booking, Slot

# How far ahead the booking page and the demo availability reach.
HORIZON = timedelta(days=28)
RISK_ORDER = {"high": 0, "medium": 1, "low": 2}
TOP_RISKS = 3


class BookingError(Exception):
    """A booking workflow could not run; the message is fit to show."""


class SlotTaken(BookingError):
    """The slot was booked (or became unavailable) meanwhile; offers the nearest free ones."""

    def __init__(self, alternatives: list[Slot]) -> None:
        super().__init__(_("Sorry, this time has just been taken or is no longer available."))
        self.alternatives = alternatives


class NotChangeable(BookingError):
    """The booking was cancelled before: it can no longer be moved."""


class _Unavailable(Exception):
    """Raised inside the booking transaction to roll it back."""


# --- Slots ---


def generate_slots(*, start: datetime, end: datetime) -> int:
    """Creates the slots active rules offer in [start, end); returns how many were new.

    Idempotent: slots are unique by (engineer, start) and existing ones are kept. Future
    generated slots without any booking that no rule offers any more (a rule was switched
    off or changed) are removed, so editing a rule and generating again brings slots in line.
    """
    wanted = _wanted_slots(start, end)
    now = dj_timezone.now()
    stale = [
        slot.pk
        for slot in Slot.objects.filter(
            rule__isnull=False, start__gte=max(start, now), start__lt=end, bookings__isnull=True
        )
        if _slot_key(slot) not in wanted or not _same_shape(slot, wanted[_slot_key(slot)])
    ]
    if stale:
        Slot.objects.filter(pk__in=stale).delete()
    existing = set(Slot.objects.between(start, end).values_list("engineer_id", "start"))
    new = [slot for key, slot in wanted.items() if key not in existing]
    # ignore_conflicts: a concurrent run may have created the same (engineer, start) already.
    Slot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _slot_key(slot: Slot) -> tuple[int, datetime]:
    return (slot.engineer_id, slot.start)


def _same_shape(slot: Slot, other: Slot) -> bool:
    return (slot.end, slot.buffer_minutes, slot.rule_id) == (
        other.end,
        other.buffer_minutes,
        other.rule_id,
    )


def _wanted_slots(start: datetime, end: datetime) -> dict[tuple[int, datetime], Slot]:
    # Local days differ from UTC days by at most 14 hours: one extra day each side covers all.
    first, last = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    wanted: dict[tuple[int, datetime], Slot] = {}
    rules = AvailabilityRule.objects.active_between(first, last).order_by("pk")
    for rule in rules:
        for day in days:
            for slot_start in rule.starts_on(day):
                if start <= slot_start < end:
                    wanted.setdefault(
                        (rule.engineer_id, slot_start),
                        Slot(
                            engineer_id=rule.engineer_id,
                            start=slot_start,
                            end=slot_start + timedelta(minutes=rule.slot_minutes),
                            buffer_minutes=rule.buffer_minutes,
                            timezone=rule.timezone,
                            rule=rule,
                        ),
                    )
    return wanted


# --- Bookings ---


def manage_token(booking: Booking) -> str:
    """The secret of the booking's manage link: derived from its uid with the secret key.

    Only its hash is stored; deriving it lets later e-mails (reminder, reschedule) carry the
    link again without keeping the raw token anywhere.
    """
    return salted_hmac("apps.booking.manage", booking.uid.hex, algorithm="sha256").hexdigest()


def manage_path(booking: Booking) -> str:
    return reverse("booking:manage", kwargs={"token": manage_token(booking)})


def manage_url(booking: Booking) -> str:
    return settings.SITE_URL + manage_path(booking)


def find_assessment(raw_token: str) -> Assessment | None:
    """The assessment a private token opens, or None."""
    if not raw_token:
        return None
    return (
        Assessment.objects.select_related("scoring_model", "recommendation")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


def book(
    *,
    slot_id: int,
    name: str,
    email: str,
    company: str = "",
    notes: str = "",
    timezone: str = "UTC",
    assessment: Assessment | None = None,
) -> Booking:
    """Books a slot for a prospect and queues the confirmation e-mail.

    The slot and its neighbours are locked for the transaction; the partial unique
    constraint on confirmed bookings backs this up. Raises SlotTaken when the slot is taken,
    clashes with a booked neighbour, is past or no longer exists.
    """
    brief = build_brief(assessment)
    try:
        with transaction.atomic():
            slot = _claim_slot(slot_id)
            booking = Booking(
                slot=slot,
                assessment=assessment,
                name=name,
                email=email,
                company=company,
                notes=notes,
                timezone=timezone,
                brief=brief,
            )
            booking.token_hash = hash_token(manage_token(booking))
            booking.save(force_insert=True)
            enqueue("booking.send_confirmation", booking.pk)
            signals.booking_created.send(sender=Booking, booking=booking)
    except (_Unavailable, IntegrityError):
        raise SlotTaken(_alternatives_for(slot_id)) from None
    return booking


def cancel(*, booking: Booking) -> Booking:
    """Cancels a confirmed booking (freeing its slot) and queues the cancellation e-mail.

    Cancelling twice is harmless: only the first call changes the row and sends mail.
    """
    with transaction.atomic():
        changed = Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED).update(
            status=Booking.Status.CANCELLED,
            cancelled_at=dj_timezone.now(),
            sequence=booking.sequence + 1,
        )
        booking.refresh_from_db(fields=["status", "cancelled_at", "sequence"])
        if changed:
            enqueue("booking.send_cancellation", booking.pk)
            signals.booking_cancelled.send(sender=Booking, booking=booking)
    return booking


def reschedule(*, booking: Booking, new_slot_id: int) -> Booking:
    """Moves a confirmed booking to another slot in one transaction: the old slot is freed
    as the new one is taken. Raises SlotTaken (nothing changes) or NotChangeable."""
    try:
        with transaction.atomic():
            locked = Booking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
            if not locked.is_confirmed():
                raise NotChangeable(_("This booking was cancelled and can no longer be moved."))
            if locked.slot_id == new_slot_id:
                return locked
            previous_engineer_id = locked.slot.engineer_id
            locked.slot = _claim_slot(new_slot_id, ignore_booking=locked.pk)
            locked.sequence += 1
            locked.reminder_sent_at = None
            locked.rescheduled_at = dj_timezone.now()
            locked.save(update_fields=["slot", "sequence", "reminder_sent_at", "rescheduled_at"])
            enqueue(
                "booking.send_confirmation", locked.pk, previous_engineer_id=previous_engineer_id
            )
            signals.booking_rescheduled.send(sender=Booking, booking=locked)
    except (_Unavailable, IntegrityError):
        raise SlotTaken(_alternatives_for(new_slot_id)) from None
    return locked


def _claim_slot(slot_id: int, *, ignore_booking: int | None = None) -> Slot:
    """Locks the slot and every neighbour a buffer could reach, then checks it is free.

    The neighbours are locked in one ordered query so two bookings of nearby slots lock in
    the same order and never deadlock.
    """
    target = Slot.objects.filter(pk=slot_id).first()
    if target is None:
        raise _Unavailable
    neighbours = list(
        Slot.objects.select_for_update()
        .select_related("engineer")
        .filter(
            engineer_id=target.engineer_id,
            start__lt=target.end + MAX_BUFFER,
            end__gt=target.start - MAX_BUFFER,
        )
        .order_by("start", "pk")
    )
    slot = next((candidate for candidate in neighbours if candidate.pk == slot_id), None)
    if slot is None or slot.start <= dj_timezone.now():
        raise _Unavailable
    bookings = Booking.objects.confirmed().filter(slot__in=neighbours)
    if ignore_booking is not None:
        bookings = bookings.exclude(pk=ignore_booking)
    taken = set(bookings.values_list("slot_id", flat=True))
    if any(
        other.pk in taken and (other.pk == slot.pk or slot.clashes_with(other))
        for other in neighbours
    ):
        raise _Unavailable
    return slot


def _alternatives_for(slot_id: int) -> list[Slot]:
    slot = Slot.objects.filter(pk=slot_id).first()
    around = slot.start if slot is not None else dj_timezone.now()
    return [
        alternative
        for alternative in Slot.objects.nearest_free(around=around, count=ALTERNATIVES + 1)
        if alternative.pk != slot_id
    ][:ALTERNATIVES]


def clear_briefs(*, assessment_ids: list[int]) -> int:
    """Drops the pre-brief of bookings made from these assessments; returns how many.

    The brief copies the assessment's result, so it goes when the prospect deletes it.
    """
    return (
        Booking.objects.filter(assessment_id__in=assessment_ids).exclude(brief={}).update(brief={})
    )


def build_brief(assessment: Assessment | None) -> dict[str, Any]:
    """The engineer's pre-brief from an assessment: recommendation, fit, confidence, the
    top risks and the questions answered "don't know" (as question texts).

    The stored result is read defensively: whatever its shape, booking must not fail.
    """
    if assessment is None:
        return {}
    brief: dict[str, Any] = {"assessment_id": assessment.pk, "status": assessment.status}
    result = _mapping(assessment.result)
    if not result:
        return brief
    model = assessment.scoring_model
    snapshot = _mapping(model.snapshot if model is not None else None)
    names = {
        str(option.get("slug")): option.get("name") for option in _dicts(snapshot.get("options"))
    }
    questions = {
        str(question.get("key")): question.get("text")
        for section in _dicts(snapshot.get("sections"))
        for question in _dicts(section.get("questions"))
    }
    recommendation = _text(result.get("recommendation"))
    runner_up = _text(result.get("runner_up"))
    score = _mapping(_mapping(result.get("scores")).get(recommendation or ""))
    risks = sorted(
        _dicts(result.get("risks")),
        key=lambda risk: RISK_ORDER.get(str(risk.get("level")), len(RISK_ORDER)),
    )
    unknown = result.get("unknown") if isinstance(result.get("unknown"), list) else []
    brief.update(
        recommendation=recommendation,
        recommendation_name=_text(names.get(recommendation or "")) or recommendation,
        runner_up=runner_up,
        runner_up_name=_text(names.get(runner_up or "")) or runner_up,
        fit=_number(score.get("fit", assessment.fit)),
        confidence=_number(result.get("confidence", assessment.confidence)),
        confidence_label=_text(result.get("confidence_label")),
        close_call=bool(result.get("close_call")),
        risks=[
            {key: _text(risk.get(key)) for key in ("level", "title", "improvement", "option")}
            for risk in risks[:TOP_RISKS]
        ],
        unknown=[_text(questions.get(str(key))) or str(key) for key in unknown or []],
    )
    return brief


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
