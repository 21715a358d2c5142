"""Events worth telling sales or a CRM about, who is told how, and the webhook deliveries.

An ``Event`` is recorded once per thing that happened (its ``key`` is unique), from the lower
apps' signals. It fans out to a ``Notification`` per Sales user (instant mail or the daily
digest, at most one per event and user) and a ``WebhookDelivery`` per subscribed endpoint,
each of whose tries is a ``WebhookAttempt``. Events hold references, not copies: the webhook
payload is read from the rows when it is sent, and an event goes with its assessment.
"""

import uuid
from datetime import datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.assessments.models import Assessment
from apps.booking.models import validate_timezone


class EventType(models.TextChoices):
    ASSESSMENT_SCORED = "assessment.scored", _("A new scored assessment with consent to contact")
    BOOKING_CREATED = "booking.created", _("A booking was made")
    BOOKING_CANCELLED = "booking.cancelled", _("A booking was cancelled")
    BOOKING_RESCHEDULED = "booking.rescheduled", _("A booking was rescheduled")
    SHARE_LINK_VIEWED = "share_link.viewed", _("A share link was opened")
    TEAM_MEMBER_JOINED = "team.member_joined", _("A team assessment gained a member")


class Channel(models.TextChoices):
    INSTANT = "instant", _("Instant e-mail")
    DIGEST = "digest", _("Daily digest")
    NONE = "none", _("Nothing")


# The preference field of each event type.
PREFERENCE_FIELDS: dict[str, str] = {
    EventType.ASSESSMENT_SCORED: "assessment_scored",
    EventType.BOOKING_CREATED: "booking_created",
    EventType.BOOKING_CANCELLED: "booking_cancelled",
    EventType.BOOKING_RESCHEDULED: "booking_rescheduled",
    EventType.SHARE_LINK_VIEWED: "share_link_viewed",
    EventType.TEAM_MEMBER_JOINED: "team_member_joined",
}


def _channel_field(default: str) -> "models.CharField[str, str]":
    return models.CharField(max_length=8, choices=Channel.choices, default=default)


class NotificationPreference(models.Model):
    """How one Sales user wants to hear of each kind of event, and when the digest comes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    assessment_scored = _channel_field(Channel.INSTANT)
    booking_created = _channel_field(Channel.INSTANT)
    booking_cancelled = _channel_field(Channel.INSTANT)
    booking_rescheduled = _channel_field(Channel.INSTANT)
    # Instant: the first view of a link is mailed at once, later views wait for the digest.
    share_link_viewed = _channel_field(Channel.INSTANT)
    team_member_joined = _channel_field(Channel.DIGEST)
    digest_time = models.TimeField(
        _("digest time"), default=time(8, 0), help_text=_("Local time in your time zone.")
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Europe/Berlin or America/New_York."),
    )
    # The local day of the last digest run for this user, so one day gets one digest.
    last_digest_on = models.DateField(_("last digest"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def channel_for(self, event_type: str) -> str:
        return str(getattr(self, PREFERENCE_FIELDS[event_type]))


class Event(models.Model):
    """One thing that happened, recorded once (``key``), told to sales and the webhooks."""

    uid = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=32, choices=EventType.choices)
    # What makes it the same event when a signal comes twice: "booking.created:12".
    key = models.CharField(_("key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    # The lead it concerns: the event (and what was queued from it) goes with the assessment.
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment"),
    )
    # The booking, share-link view or team member the event is about.
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    # A share link's first view is told at once; later views go to the digest.
    first = models.BooleanField(_("first of its kind"), default=False)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.type} · {self.created_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One event for one user, by instant mail or in the digest; at most one per pair."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("event")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_user")
        ]
        indexes = [models.Index(fields=["user", "channel", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.user}"


class WebhookEndpointQuerySet(models.QuerySet["WebhookEndpoint"]):
    def active(self) -> "WebhookEndpointQuerySet":
        """Endpoints that receive deliveries."""
        return self.filter(active=True)


class WebhookEndpoint(models.Model):
    """A URL of a CRM or other system that receives the chosen events, signed with a secret."""

    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Kept as typed: every delivery is signed with it (HMAC). Shown once, when it is set.
    secret = models.CharField(_("secret"), max_length=200, editable=False)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
        help_text=_("Told by e-mail when the endpoint is disabled after failing."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set by the first failed attempt after a success; 24 hours of failing disable it.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def subscribes(self, event_type: str) -> bool:
        return event_type in (self.events or [])


class WebhookDeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def due(self, now: datetime) -> "WebhookDeliveryQuerySet":
        """Pending deliveries whose next attempt is due, oldest first."""
        return self.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")

    def stuck(self, before: datetime) -> "WebhookDeliveryQuerySet":
        """Claimed for an attempt before ``before`` and never finished: the worker died."""
        return self.filter(status=WebhookDelivery.Status.SENDING, claimed_at__lt=before)


class WebhookDelivery(models.Model):
    """One event for one endpoint, tried until it succeeds or 24 hours have passed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    uid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Made by an admin's "redeliver": the only way an event reaches an endpoint twice.
    manual = models.BooleanField(_("redelivery"), default=False)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(manual=False),
                name="webhook_delivery_once_per_endpoint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: its outcome, how long it took, what the endpoint said."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("delivery"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number")
        ]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "-"
        return f"#{self.number} {outcome}"
