"""Booking workflows: slots from rules, free slots, booking, cancelling, moving, and their e-mail."""

import logging
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat
from django.utils import timezone as dj_timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from apps.accounts.models import CONTENT_EDITORS
from apps.assessments.models import Assessment
from apps.core.tokens import hash_token

from . import tasks
from .models import MAX_BUFFER_MINUTES, AvailabilityRule, Booking, Slot, Weekday

logger = logging.getLogger(__name__)

# How far ahead the booking page and the demo availability reach.
HORIZON = timedelta(days=28)
# How many of the nearest free slots a "taken meanwhile" answer offers.
ALTERNATIVES = 5
MAX_BUFFER = timedelta(minutes=MAX_BUFFER_MINUTES)
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


def free_slots(*, start: datetime, end: datetime) -> list[Slot]:
    """Slots in [start, end) that are in the future, unbooked and clear of booked neighbours.

    Two queries whatever the number of slots: the candidates, then the booked slots of the
    same engineers that a buffer could reach.
    """
    start = max(start, dj_timezone.now())
    candidates = list(Slot.objects.between(start, end).select_related("engineer"))
    if not candidates:
        return []
    latest_end = max(slot.end for slot in candidates)
    booked = Slot.objects.filter(
        engineer_id__in={slot.engineer_id for slot in candidates},
        start__lt=latest_end + MAX_BUFFER,
        end__gt=start - MAX_BUFFER,
        bookings__status=Booking.Status.CONFIRMED,
    )
    booked_by_engineer: dict[int, list[Slot]] = defaultdict(list)
    for slot in booked:
        booked_by_engineer[slot.engineer_id].append(slot)
    return [
        slot
        for slot in candidates
        if not any(
            other.pk == slot.pk or slot.clashes_with(other)
            for other in booked_by_engineer[slot.engineer_id]
        )
    ]


def is_free(slot: Slot) -> bool:
    """Whether the slot can be booked now."""
    same_start = free_slots(start=slot.start, end=slot.start + timedelta(seconds=1))
    return any(candidate.pk == slot.pk for candidate in same_start)


def nearest_free(*, around: datetime, count: int = ALTERNATIVES) -> list[Slot]:
    """The free slots closest in time to ``around`` (before or after), earliest first."""
    now = dj_timezone.now()
    centre = max(around, now)
    pool = free_slots(start=centre - timedelta(days=14), end=centre + timedelta(days=28))
    nearest = sorted(pool, key=lambda slot: (abs(slot.start - centre), slot.pk))[:count]
    return sorted(nearest, key=lambda slot: (slot.start, slot.pk))


def first_per_start(slots: list[Slot]) -> list[Slot]:
    """One slot per start time (the visitor picks a time, not an engineer)."""
    seen: set[datetime] = set()
    unique = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            unique.append(slot)
    return unique


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
            _enqueue(tasks.send_confirmation, booking.pk)
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
        if changed:
            _enqueue(tasks.send_cancellation, booking.pk)
    booking.refresh_from_db(fields=["status", "cancelled_at", "sequence"])
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
            _enqueue(tasks.send_confirmation, locked.pk, previous_engineer_id=previous_engineer_id)
    except (_Unavailable, IntegrityError):
        raise SlotTaken(_alternatives_for(new_slot_id)) from None
    return locked


def _enqueue(task: Any, *args: object, **kwargs: object) -> None:
    """Queues a task once the transaction commits (Celery's Django task class)."""
    task.delay_on_commit(*args, **kwargs)


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
        for alternative in nearest_free(around=around, count=ALTERNATIVES + 1)
        if alternative.pk != slot_id
    ][:ALTERNATIVES]


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


# --- E-mail ---


def send_confirmation_emails(booking: Booking, *, previous_engineer_id: int | None = None) -> None:
    """Confirms a new or moved booking to the prospect, the engineer and sales, with invites.

    When a move handed the appointment to another engineer, the previous one gets a
    cancellation for their calendar.
    """
    moved = booking.sequence > 0
    context = _mail_context(booking, moved=moved)
    prospect_subject = (
        _("Your technical assessment has moved to %(when)s")
        if moved
        else _("Your technical assessment on %(when)s")
    ) % {"when": context["prospect_when"]}
    _send(
        subject=prospect_subject,
        template="booking/emails/confirmation",
        context=context,
        to=[booking.email],
        invite=("REQUEST", build_invite(booking, method="REQUEST", for_prospect=True)),
    )
    engineer_subject = (
        _("Moved: %(who)s, %(when)s") if moved else _("New booking: %(who)s, %(when)s")
    ) % {
        "who": context["who"],
        "when": context["engineer_when"],
    }
    _send(
        subject=engineer_subject,
        template="booking/emails/engineer_confirmation",
        context=context,
        to=_internal_recipients(booking),
        invite=("REQUEST", build_invite(booking, method="REQUEST", for_prospect=False)),
    )
    if previous_engineer_id and previous_engineer_id != booking.slot.engineer_id:
        previous = get_user_model().objects.filter(pk=previous_engineer_id).first()
        if previous is not None and previous.email:
            _send(
                subject=_("Handed over: %(who)s") % {"who": context["who"]},
                template="booking/emails/engineer_handover",
                context=context,
                to=[previous.email],
                invite=("CANCEL", build_invite(booking, method="CANCEL", for_prospect=False)),
            )


def send_cancellation_emails(booking: Booking) -> None:
    """Tells the prospect, the engineer and sales that a booking was cancelled."""
    context = _mail_context(booking, moved=False)
    _send(
        subject=_("Cancelled: your technical assessment on %(when)s")
        % {"when": context["prospect_when"]},
        template="booking/emails/cancellation",
        context=context,
        to=[booking.email],
        invite=("CANCEL", build_invite(booking, method="CANCEL", for_prospect=True)),
    )
    _send(
        subject=_("Cancelled: %(who)s, %(when)s")
        % {"who": context["who"], "when": context["engineer_when"]},
        template="booking/emails/engineer_cancellation",
        context=context,
        to=_internal_recipients(booking),
        invite=("CANCEL", build_invite(booking, method="CANCEL", for_prospect=False)),
    )


def send_reminder_email(booking: Booking) -> None:
    """Reminds the prospect and the engineer of a booking that starts within a day."""
    context = _mail_context(booking, moved=False)
    _send(
        subject=_("Reminder: your technical assessment on %(when)s")
        % {"when": context["prospect_when"]},
        template="booking/emails/reminder",
        context=context,
        to=[booking.email],
        invite=None,
    )
    if booking.slot.engineer.email:
        _send(
            subject=_("Reminder: %(who)s, %(when)s")
            % {"who": context["who"], "when": context["engineer_when"]},
            template="booking/emails/engineer_reminder",
            context=context,
            to=[booking.slot.engineer.email],
            invite=None,
        )


def _internal_recipients(booking: Booking) -> list[str]:
    recipients = [booking.slot.engineer.email, settings.SALES_EMAIL]
    return [address for address in dict.fromkeys(recipients) if address]


def _when(slot: Slot, zone: Any) -> str:
    """E.g. "Mon 7 Jan 2030, 10:00–10:45 (Europe/Berlin)"."""
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    return f"{dateformat.format(start, 'D j M Y, H:i')}–{end:%H:%M} ({zone.key})"


def _mail_context(booking: Booking, *, moved: bool) -> dict[str, Any]:
    slot = booking.slot
    return {
        "booking": booking,
        "slot": slot,
        "engineer_name": slot.engineer_name,
        "brief": booking.brief,
        "moved": moved,
        "who": booking.company or booking.name,
        "prospect_zone": booking.zone(),
        "engineer_zone": slot.zone(),
        "prospect_when": _when(slot, booking.zone()),
        "engineer_when": _when(slot, slot.zone()),
        "manage_url": manage_url(booking),
        "book_url": settings.SITE_URL + reverse("booking:index"),
        "admin_url": settings.SITE_URL + reverse("admin:booking_booking_change", args=[booking.pk]),
        "SITE_URL": settings.SITE_URL,
    }


def _send(
    *,
    subject: str,
    template: str,
    context: dict[str, Any],
    to: list[str],
    invite: tuple[str, bytes] | None,
) -> None:
    if not to:
        return
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if invite is not None:
        method, content = invite
        part = MIMEText(content.decode(), "calendar", "utf-8")
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(part)
    message.send()


def build_invite(booking: Booking, *, method: str, for_prospect: bool) -> bytes:
    """An iCalendar invite (METHOD REQUEST) or cancellation (METHOD CANCEL) for a booking.

    The UID stays the same for the booking's life and SEQUENCE rises with every change, so
    calendar programs update or remove the one event.
    """
    slot = booking.slot
    calendar = Calendar()
    calendar.add("prodid", "-//Orchestration Advisor//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{booking.uid}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", dj_timezone.now().astimezone(UTC))
    event.add("dtstart", slot.start.astimezone(UTC))
    event.add("dtend", slot.end.astimezone(UTC))
    event.add(
        "summary", _("Technical assessment: %(who)s") % {"who": booking.company or booking.name}
    )
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    description = [
        _("Free technical assessment with %(engineer)s.") % {"engineer": slot.engineer_name}
    ]
    if for_prospect:
        description.append(_("Cancel or reschedule: %(url)s") % {"url": manage_url(booking)})
        event.add("url", manage_url(booking))
    event.add("description", "\n".join(description))
    organizer = vCalAddress(f"mailto:{slot.engineer.email or settings.SALES_EMAIL}")
    organizer.params["cn"] = vText(slot.engineer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.email}")
    attendee.params["cn"] = vText(booking.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


# --- Demo data ---

# (username, first name, last name, time zone, [(weekday, start, end)]) for `manage.py seed`.
DEMO_ENGINEERS = [
    (
        "demo-engineer-berlin",
        "Lena",
        "Hartmann",
        "Europe/Berlin",
        [
            (Weekday.MONDAY, time(9), time(12)),
            (Weekday.TUESDAY, time(13), time(17)),
            (Weekday.WEDNESDAY, time(9), time(12)),
            (Weekday.THURSDAY, time(13), time(17)),
        ],
    ),
    (
        "demo-engineer-newyork",
        "Marcus",
        "Reed",
        "America/New_York",
        [
            (Weekday.TUESDAY, time(10), time(13)),
            (Weekday.THURSDAY, time(10), time(13)),
            (Weekday.FRIDAY, time(9), time(12)),
        ],
    ),
]


def create_demo_availability() -> int:
    """Demo engineers (staff, no password) with weekly rules, and their slots for the coming
    four weeks. Idempotent; returns the number of slots created."""
    User = get_user_model()
    editors, _created = Group.objects.get_or_create(name=CONTENT_EDITORS)
    today = dj_timezone.localdate()
    for username, first_name, last_name, zone, windows in DEMO_ENGINEERS:
        engineer, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.com",
                "is_staff": True,
            },
        )
        if created:
            engineer.set_unusable_password()
            engineer.save(update_fields=["password"])
        engineer.groups.add(editors)
        for weekday, start_time, end_time in windows:
            AvailabilityRule.objects.get_or_create(
                engineer=engineer,
                weekday=weekday,
                start_time=start_time,
                end_time=end_time,
                timezone=zone,
                defaults={
                    "slot_minutes": 45,
                    "buffer_minutes": 15,
                    "valid_from": today - timedelta(days=today.weekday()),
                },
            )
    now = dj_timezone.now()
    return generate_slots(start=now, end=now + HORIZON)
