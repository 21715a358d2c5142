"""Events: recorded once from the lower apps' signals, then fanned out on commit.

Recording happens inside the transaction that made the change, so a rolled-back booking
announces nothing; the fan-out (``dispatch_pending``) runs in a task after commit and creates a
``Notification`` per Sales user who wants one and a ``WebhookDelivery`` per subscribed
endpoint. Both are unique per event, so a signal or a task that comes twice changes nothing.
One run fans out every event recorded before it started: 200 leads scored in a burst queue
a handful of runs, not 200 (each run costs the worker more than the fan-out of one lead).
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import SALES, User
from apps.assessments.models import Assessment, ShareLinkView
from apps.booking.models import Booking
from apps.core.queue import enqueue, enqueue_once, starting
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

# The coalesced fan-out run (``apps.core.queue.enqueue_once``), and how many events one
# transaction of it claims.
DISPATCH_KEY = "notifications.dispatch_events"
DISPATCH_BATCH = 200
# Events older than this that were never fanned out (their run failed on a bug) are left
# alone: nobody wants an "instant" mail about last month's lead. A broker outage shorter than
# this loses nothing.
DISPATCH_WITHIN = timedelta(days=7)


def record_event(
    *,
    event_type: str,
    key: str,
    assessment_id: int | None = None,
    object_id: int | None = None,
    actor: User | None = None,
    first: bool = False,
) -> None:
    """Records an event once (by ``key``) and queues its fan-out on commit.

    One statement: an event recorded already (a re-scoring, a signal sent again, the same
    signal twice at once) is a conflict on the key, which neither fails the caller's
    transaction (a booking, a scoring) nor records a second event. Its fan-out is queued all
    the same; the run finds nothing new (an existence check first cost every scoring a round
    trip to spare a rare run).
    """
    Event.objects.bulk_create(
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
        ignore_conflicts=True,
    )
    # One fan-out run for however many events a burst of leads records before it starts.
    enqueue_once("notifications.dispatch_events", key=DISPATCH_KEY)


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


def dispatch_pending(*, batch: int = DISPATCH_BATCH) -> int:
    """Fans out every event not dispatched yet, ``batch`` at a time; returns how many.

    The coalesced run of ``record_event``, and the periodic one that picks up what a lost run
    left. Events another run holds are skipped, so two runs never fan out the same event.
    """
    starting(DISPATCH_KEY)
    pending = Event.objects.filter(
        dispatched_at__isnull=True, created_at__gte=timezone.now() - DISPATCH_WITHIN
    )
    done = 0
    while True:
        count = _dispatch(pending, batch)
        done += count
        if count < batch:
            return done


def dispatch_event(*, event_id: int) -> None:
    """Fans out one event, once (a run queued by an earlier release names its event)."""
    _dispatch(Event.objects.filter(pk=event_id, dispatched_at__isnull=True), 1)


def _dispatch(undispatched: QuerySet[Event], batch: int) -> int:
    """Claims up to ``batch`` of ``undispatched`` and creates their notifications and
    deliveries in one transaction: the Sales users, their preferences and the endpoints are
    read once for all of them.

    If that fails, each event is fanned out on its own, so one event that cannot be (a bug)
    is logged and left, claimed, instead of holding back every other one at every run.
    """
    with transaction.atomic():
        events = list(
            undispatched.select_related("assessment")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:batch]
        )
        if not events:
            return 0
        Event.objects.filter(pk__in=[event.pk for event in events]).update(
            dispatched_at=timezone.now()
        )
        try:
            with transaction.atomic():
                _fan_out(events)
        except Exception:
            logger.exception("fan-out of %d events failed; one at a time now", len(events))
            for event in events:
                try:
                    with transaction.atomic():
                        _fan_out([event])
                except Exception:
                    logger.exception("event %s: not fanned out", event.pk)
    return len(events)


def _fan_out(events: list[Event]) -> None:
    _notify(events)
    _deliver(events)


def sales_users() -> list[User]:
    """The active Sales users with an e-mail address: who hears of events."""
    return list(
        User.objects.filter(groups__name=SALES, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def recipients(event: Event, sales: list[User] | None = None) -> list[User]:
    """The Sales users told of an event, never the one who did it. A share link's views go
    to the Sales user who created the link, or to all of Sales for the prospect's own links."""
    sales = sales_users() if sales is None else sales
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


def _notify(events: list[Event]) -> None:
    sales = sales_users()
    if not sales:
        return
    prefs = preferences_for(sales)
    rows = [
        Notification(user=user, event=event, channel=channel)
        for event in events
        for user in recipients(event, sales)
        if (channel := channel_of(prefs[user.pk], event)) != Channel.NONE
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    instant = Notification.objects.filter(
        event__in=events, channel=Channel.INSTANT, sent_at__isnull=True
    ).values_list("pk", flat=True)
    for notification_id in instant:
        enqueue("notifications.send_instant", notification_id)


def _deliver(events: list[Event]) -> None:
    endpoints = list(WebhookEndpoint.objects.active())
    if not endpoints:
        return
    now = timezone.now()
    rows = []
    for event in events:
        subscribed = [endpoint for endpoint in endpoints if endpoint.subscribes(event.type)]
        if not subscribed:
            continue
        if not payloads.consented(event):
            logger.info("event %s: no consent to contact, no webhook delivery", event.pk)
            continue
        rows += [
            WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
            for endpoint in subscribed
        ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    pending = WebhookDelivery.objects.filter(
        event__in=events, status=WebhookDelivery.Status.PENDING
    ).values_list("pk", flat=True)
    for delivery_id in pending:
        enqueue("notifications.deliver_webhook", delivery_id)
