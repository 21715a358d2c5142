"""Events: recorded once from the lower apps' signals, then fanned out on commit.

Recording happens inside the transaction that made the change, so a rolled-back booking
announces nothing; the fan-out (``dispatch_event``) runs in a task after commit and creates a
``Notification`` per Sales user who wants one and a ``WebhookDelivery`` per subscribed
endpoint. Both are unique per event, so a signal or a task that comes twice changes nothing.
"""

import logging

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import SALES, User
from apps.assessments.models import Assessment, ShareLinkView
from apps.booking.models import Booking
from apps.core.queue import enqueue
from apps.teams.models import TeamMember

from ..models import (
    Channel,
    Event,
    EventType,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from . import payloads

logger = logging.getLogger(__name__)


def record_event(
    *,
    event_type: str,
    key: str,
    assessment_id: int | None = None,
    object_id: int | None = None,
    actor: User | None = None,
    first: bool = False,
) -> None:
    """Records an event once (by ``key``) and queues its fan-out on commit."""
    if Event.objects.filter(key=key).exists():
        # A re-scoring, a signal sent again: recorded and dispatched already.
        return
    # A conflict on the key (the same signal twice at once) must neither fail the caller's
    # transaction (a booking, a scoring) nor record a second event. "Updating" the key to itself
    # makes the statement return the stored row's id either way, so no SELECT follows.
    (event,) = Event.objects.bulk_create(
        [
            Event(
                type=event_type,
                key=key,
                assessment_id=assessment_id,
                object_id=object_id,
                actor=actor,
                first=first,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["key"],
    )
    enqueue("notifications.dispatch_event", event.pk)


def assessment_scored(*, assessment: Assessment) -> None:
    """A lead: the first scoring of a submitted assessment whose prospect consented."""
    if not assessment.consent or assessment.submitted_at is None:
        return
    record_event(
        event_type=EventType.ASSESSMENT_SCORED,
        key=f"{EventType.ASSESSMENT_SCORED}:{assessment.pk}",
        assessment_id=assessment.pk,
    )


def booking_changed(*, booking: Booking, event_type: EventType) -> None:
    """A booking made, cancelled or moved (each move is its own event)."""
    key = f"{event_type}:{booking.pk}"
    if event_type == EventType.BOOKING_RESCHEDULED:
        key += f":{booking.sequence}"
    record_event(
        event_type=event_type,
        key=key,
        assessment_id=booking.assessment_id,
        object_id=booking.pk,
    )


def share_link_viewed(*, view: ShareLinkView, viewer: User | None) -> None:
    """A share link opened; the link's first view is marked, it may be mailed at once."""
    first = not ShareLinkView.objects.filter(link_id=view.link_id, pk__lt=view.pk).exists()
    record_event(
        event_type=EventType.SHARE_LINK_VIEWED,
        key=f"{EventType.SHARE_LINK_VIEWED}:{view.pk}",
        assessment_id=view.link.assessment_id,
        object_id=view.pk,
        actor=viewer,
        first=first,
    )


def team_member_joined(*, member: TeamMember) -> None:
    """A colleague answered a team assessment (sent after commit, once per member)."""
    record_event(
        event_type=EventType.TEAM_MEMBER_JOINED,
        key=f"{EventType.TEAM_MEMBER_JOINED}:{member.pk}",
        assessment_id=member.assessment_id,
        object_id=member.pk,
    )


def dispatch_event(*, event_id: int) -> None:
    """Creates the event's notifications and webhook deliveries and queues them; once."""
    with transaction.atomic():
        claimed = Event.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
        if claimed != 1:
            return
        event = Event.objects.select_related("assessment").get(pk=event_id)
        _notify(event)
        _deliver(event)


def recipients(event: Event) -> list[User]:
    """The Sales users told of an event, never the one who did it. A share link's views go
    to the Sales user who created the link, or to all of Sales for the prospect's own links."""
    sales = list(
        User.objects.filter(groups__name=SALES, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    if event.type == EventType.SHARE_LINK_VIEWED:
        creator = (
            ShareLinkView.objects.filter(pk=event.object_id or 0)
            .values_list("link__created_by_id", flat=True)
            .first()
        )
        if creator is not None and any(user.pk == creator for user in sales):
            sales = [user for user in sales if user.pk == creator]
    return [user for user in sales if user.pk != event.actor_id]


def preferences_for(users: list[User]) -> dict[int, NotificationPreference]:
    """Each user's preferences, created with the defaults for users who never saved any."""
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user) for user in users], ignore_conflicts=True
    )
    found = NotificationPreference.objects.filter(user__in=users)
    return {pref.user_id: pref for pref in found}


def channel_of(pref: NotificationPreference, event: Event) -> str:
    """How this user hears of this event: a share link's later views go to the digest."""
    channel = pref.channel_for(event.type)
    if channel == Channel.INSTANT and event.type == EventType.SHARE_LINK_VIEWED and not event.first:
        return Channel.DIGEST
    return channel


def _notify(event: Event) -> None:
    users = recipients(event)
    prefs = preferences_for(users)
    rows = [
        Notification(user=user, event=event, channel=channel)
        for user in users
        if (channel := channel_of(prefs[user.pk], event)) != Channel.NONE
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    instant = Notification.objects.filter(
        event=event, channel=Channel.INSTANT, sent_at__isnull=True
    ).values_list("pk", flat=True)
    for notification_id in instant:
        enqueue("notifications.send_instant", notification_id)


def _deliver(event: Event) -> None:
    endpoints = [ep for ep in WebhookEndpoint.objects.active() if ep.subscribes(event.type)]
    if not endpoints:
        return
    if not payloads.consented(event):
        logger.info("event %s: no consent to contact, no webhook delivery", event.pk)
        return
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=ep, event=event, next_attempt_at=now) for ep in endpoints],
        ignore_conflicts=True,
    )
    pending = WebhookDelivery.objects.filter(
        event=event, status=WebhookDelivery.Status.PENDING
    ).values_list("pk", flat=True)
    for delivery_id in pending:
        enqueue("notifications.deliver_webhook", delivery_id)
