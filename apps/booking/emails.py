"""Booking e-mail: confirmations, moves, hand-overs, cancellations and reminders, with the
iCalendar invites that keep the event in the prospect's and the engineer's calendars."""

import zoneinfo
from datetime import UTC
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking, Slot
from .services import manage_url


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


def _when(slot: Slot, zone: zoneinfo.ZoneInfo) -> str:
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
        # Subjects carry it: a line break saved before names were checked must not stop the mail.
        "who": " ".join((booking.company or booking.name).split()),
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
