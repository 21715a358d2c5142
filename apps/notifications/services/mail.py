"""The mails to Sales: one per event at once, or the day's events in one digest.

Mails are sent by tasks (``notifications.send_instant``, ``notifications.send_digest``) that
claim their rows first, so a task run twice sends once. The digest is due once a day at the
time the user chose, in their time zone, and is not sent when there is nothing in it.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import mail_admins, send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.assessments.models import Assessment, ShareLinkView
from apps.booking.models import Booking, is_timezone
from apps.core.queue import enqueue
from apps.teams.models import TeamMember

from ..models import (
    Channel,
    Event,
    EventType,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from . import payloads


@dataclass(frozen=True)
class Line:
    """One event as a mail tells it: a sentence and the link to its lead."""

    text: str
    url: str
    when: str


def _zone(user: User) -> zoneinfo.ZoneInfo:
    pref = NotificationPreference.objects.filter(user=user).first()
    name = pref.timezone if pref is not None and is_timezone(pref.timezone) else "UTC"
    return zoneinfo.ZoneInfo(name)


def _lead_name(assessment: Assessment | None) -> str:
    if assessment is None:
        return _("a prospect without an assessment")
    return (
        assessment.company or assessment.contact_name or _("lead #%(id)s") % {"id": assessment.pk}
    )


def lines(events: list[Event], zone: zoneinfo.ZoneInfo) -> list[Line]:
    """What each event says, with its lead's link; a fixed number of queries for any count."""
    ids_of = {kind: [e.object_id for e in events if e.type == kind] for kind in EventType}
    booking_ids = [i for kind in payloads.BOOKING_EVENTS for i in ids_of[kind]]
    bookings = Booking.objects.select_related("slot").in_bulk(booking_ids)
    views = ShareLinkView.objects.select_related("link").in_bulk(
        ids_of[EventType.SHARE_LINK_VIEWED]
    )
    members = TeamMember.objects.select_related("team").in_bulk(
        ids_of[EventType.TEAM_MEMBER_JOINED]
    )
    result = []
    for event in events:
        member = members.get(event.object_id or 0)
        team_id = member.team_id if member is not None else None
        text = _describe(event, bookings, views, members, zone)
        when = event.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        result.append(Line(text=text, url=payloads.lead_url(event, team_id=team_id), when=when))
    return result


def _describe(
    event: Event,
    bookings: dict[int, Booking],
    views: dict[int, ShareLinkView],
    members: dict[int, TeamMember],
    zone: zoneinfo.ZoneInfo,
) -> str:
    lead = _lead_name(event.assessment)
    if event.type == EventType.ASSESSMENT_SCORED:
        assessment = event.assessment
        option = assessment.recommendation.name if assessment and assessment.recommendation else "-"
        return _("New lead: %(lead)s, recommended %(option)s.") % {"lead": lead, "option": option}
    if event.type in payloads.BOOKING_EVENTS:
        booking = bookings.get(event.object_id or 0)
        if booking is None:
            return _("A booking that has since been deleted.")
        values = {
            "who": booking.company or booking.name,
            "start": booking.slot.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "zone": zone.key,
        }
        if event.type == EventType.BOOKING_CREATED:
            return _("%(who)s booked an assessment for %(start)s (%(zone)s).") % values
        if event.type == EventType.BOOKING_CANCELLED:
            return _("%(who)s cancelled the assessment of %(start)s (%(zone)s).") % values
        return _("%(who)s moved the assessment to %(start)s (%(zone)s).") % values
    if event.type == EventType.SHARE_LINK_VIEWED:
        view = views.get(event.object_id or 0)
        label = view.link.label if view is not None else "-"
        if event.first:
            return _("The share link “%(label)s” of %(lead)s was opened for the first time.") % {
                "label": label,
                "lead": lead,
            }
        return _("The share link “%(label)s” of %(lead)s was opened again.") % {
            "label": label,
            "lead": lead,
        }
    member = members.get(event.object_id or 0)
    if member is None:
        return _("A team member who has since left.")
    return _("%(member)s joined the team assessment “%(team)s” and answered.") % {
        "member": member.name or _("A colleague"),
        "team": member.team.name,
    }


def send_instant(*, notification_id: int) -> bool:
    """Mails one event to one user at once; True when a mail went out."""
    notification = (
        Notification.objects.select_related(
            "user", "event", "event__assessment", "event__assessment__recommendation"
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not notification.user.email:
        return False
    zone = _zone(notification.user)
    (line,) = lines([notification.event], zone)
    ctx = {"user": notification.user, "line": line, "preferences_url": preferences_url()}
    body = render_to_string("notifications/email/instant.txt", ctx)
    subject = _("Orchestration Advisor: %(event)s") % {
        "event": EventType(notification.event.type).label
    }
    send_mail(subject, body, None, [notification.user.email])
    return True


def preferences_url() -> str:
    return settings.SITE_URL + reverse("notifications:preferences")


def local_now(pref: NotificationPreference, now: datetime) -> datetime:
    name = pref.timezone if is_timezone(pref.timezone) else "UTC"
    return now.astimezone(zoneinfo.ZoneInfo(name))


def queue_due_digests(*, now: datetime | None = None) -> list[int]:
    """Queues the digests due now that have something in them; returns their users' ids.

    A user's digest is due once their local time has passed their digest time on a local day
    without a digest; that day is marked at once, so a digest skipped for being empty does not
    go out later the same day when an event arrives.
    """
    now = now or timezone.now()
    waiting = Notification.objects.filter(
        user=OuterRef("user"), channel=Channel.DIGEST, sent_at__isnull=True
    )
    due = []
    prefs = NotificationPreference.objects.filter(user__is_active=True)
    for pref in prefs.annotate(waiting=Exists(waiting)):
        local = local_now(pref, now)
        if local.time() < pref.digest_time or pref.last_digest_on == local.date():
            continue
        claimed = (
            NotificationPreference.objects.filter(pk=pref.pk)
            .exclude(last_digest_on=local.date())
            .update(last_digest_on=local.date())
        )
        if claimed == 1 and pref.waiting:
            due.append(pref.user_id)
            enqueue("notifications.send_digest", pref.user_id)
    return due


def send_digest(*, user_id: int) -> int:
    """Mails a user the digest of their waiting events; returns how many it listed (0: none,
    nothing sent). The rows are claimed with this run's time stamp, so a second run of the
    same digest finds nothing left."""
    stamp = timezone.now()
    claimed = Notification.objects.filter(
        user_id=user_id, channel=Channel.DIGEST, sent_at__isnull=True
    ).update(sent_at=stamp)
    if not claimed:
        return 0
    rows = list(
        Notification.objects.filter(user_id=user_id, channel=Channel.DIGEST, sent_at=stamp)
        .select_related("event", "event__assessment", "event__assessment__recommendation")
        .order_by("event__created_at", "pk")
    )
    user = User.objects.get(pk=user_id)
    try:
        if not user.email:
            return 0
        zone = _zone(user)
        ctx = {
            "user": user,
            "lines": lines([row.event for row in rows], zone),
            "preferences_url": preferences_url(),
        }
        body = render_to_string("notifications/email/digest.txt", ctx)
        subject = _("Orchestration Advisor: your daily digest (%(count)s)") % {"count": len(rows)}
        send_mail(subject, body, None, [user.email])
    except Exception:
        # Not (fully) sent: the rows wait for the retry or tomorrow's digest.
        Notification.objects.filter(pk__in=[row.pk for row in rows], sent_at=stamp).update(
            sent_at=None
        )
        raise
    return len(rows)


def send_endpoint_disabled(*, endpoint_id: int) -> bool:
    """Tells the endpoint's owner (else the site's admins) that it was disabled."""
    endpoint = WebhookEndpoint.objects.select_related("owner").filter(pk=endpoint_id).first()
    if endpoint is None:
        return False
    admin_url = settings.SITE_URL + reverse(
        "admin:notifications_webhookendpoint_change", args=[endpoint.pk]
    )
    body = render_to_string(
        "notifications/email/endpoint_disabled.txt", {"endpoint": endpoint, "admin_url": admin_url}
    )
    subject = _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url}
    owner = endpoint.owner
    if owner is not None and owner.email:
        send_mail(subject, body, None, [owner.email])
    else:
        mail_admins(subject, body)
    return True
