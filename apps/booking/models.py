"""Assessment slots and their bookings: weekly availability rules, slots, bookings."""

import functools
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from apps.assessments.models import Assessment
from apps.core.tokens import hash_token

# The widest buffer an engineer may ask for; also how far around a slot booking looks for
# neighbours that a buffer could touch.
MAX_BUFFER_MINUTES = 240
MAX_BUFFER = timedelta(minutes=MAX_BUFFER_MINUTES)
# How many of the nearest free slots a "taken meanwhile" answer offers.
ALTERNATIVES = 5


@functools.cache
def timezone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows."""
    return frozenset(zoneinfo.available_timezones())


def is_timezone(value: str) -> bool:
    return value in timezone_names()


def validate_timezone(value: str) -> None:
    if not is_timezone(value):
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as Europe/Berlin."),
            code="invalid_timezone",
            params={"value": value},
        )


def local_to_utc(day: date, wall_time: time, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time in a zone, or None when the clock skips it.

    On a spring-forward day the skipped hour does not exist; on a fall-back day the repeated
    hour exists twice and the first occurrence (``fold=0``) is taken.
    """
    naive = datetime.combine(day, wall_time)
    aware = naive.replace(tzinfo=zone, fold=0)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return as_utc


def first_per_start(slots: Iterable["Slot"]) -> list["Slot"]:
    """One slot per start time (the visitor picks a time, not an engineer)."""
    seen: set[datetime] = set()
    unique = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            unique.append(slot)
    return unique


class Weekday(models.IntegerChoices):
    """Python's ``date.weekday()`` numbering."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRuleQuerySet(models.QuerySet["AvailabilityRule"]):
    def active_between(self, first: date, last: date) -> "AvailabilityRuleQuerySet":
        """Active rules whose validity overlaps the days first..last (in any zone)."""
        return self.filter(active=True, valid_from__lte=last).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first)
        )


class AvailabilityRule(models.Model):
    """A weekly window in which an engineer offers assessments, in the engineer's time zone."""

    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="availability_rules",
        limit_choices_to={"is_staff": True},
        verbose_name=_("engineer"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"), help_text=_("Local time in the rule's time zone."))
    end_time = models.TimeField(_("until"), help_text=_("The last slot ends by this time."))
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(480)],
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer (minutes)"),
        default=15,
        validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text=_("Free time kept between two appointments."),
    )
    valid_from = models.DateField(_("valid from"), default=dj_timezone.localdate)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: no end date.")
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Berlin",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Europe/Berlin or America/New_York."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Switch a rule off rather than deleting it once one of its slots was booked."),
    )

    objects = AvailabilityRuleQuerySet.as_manager()

    class Meta:
        ordering = ["engineer", "weekday", "start_time"]
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="rule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="rule_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} · {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M} ({self.timezone})"

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.start_time and self.end_time:
            if self.end_time <= self.start_time:
                errors["end_time"] = _("The end must be after the start.")
            elif self.slot_minutes and self._minutes(self.end_time) - self._minutes(
                self.start_time
            ) < int(self.slot_minutes):
                errors["end_time"] = _("The window is shorter than one slot.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date must not be before the start date.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _minutes(value: time) -> int:
        return value.hour * 60 + value.minute

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )

    def local_start_times(self) -> list[time]:
        """The wall-clock start of every slot in the window, spaced by length plus buffer."""
        first, last = self._minutes(self.start_time), self._minutes(self.end_time)
        step = self.slot_minutes + self.buffer_minutes
        return [
            time(minute // 60, minute % 60)
            for minute in range(first, last - self.slot_minutes + 1, step)
        ]

    def starts_on(self, day: date) -> list[datetime]:
        """The UTC start of every slot this rule offers on a local day (none if it does not apply)."""
        if not self.applies_on(day):
            return []
        zone = zoneinfo.ZoneInfo(self.timezone)
        starts = (local_to_utc(day, wall, zone) for wall in self.local_start_times())
        return [start for start in starts if start is not None]


class SlotQuerySet(models.QuerySet["Slot"]):
    def between(self, start: datetime, end: datetime) -> "SlotQuerySet":
        """Slots starting in [start, end), earliest first."""
        return self.filter(start__gte=start, start__lt=end).order_by("start", "pk")

    def with_taken(self) -> "SlotQuerySet":
        """Annotated with ``is_taken``: whether a confirmed booking holds the slot."""
        confirmed = Booking.objects.filter(slot=OuterRef("pk"), status=Booking.Status.CONFIRMED)
        return self.annotate(is_taken=Exists(confirmed))

    def free(self, *, start: datetime, end: datetime) -> list["Slot"]:
        """Slots in [start, end) that are in the future, unbooked and clear of booked neighbours.

        Shaped for the booking page and API. Two queries whatever the number of slots: the
        candidates, then the booked slots of the same engineers that a buffer could reach.
        """
        start = max(start, dj_timezone.now())
        candidates = list(self.between(start, end).select_related("engineer"))
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

    def nearest_free(self, *, around: datetime, count: int = ALTERNATIVES) -> list["Slot"]:
        """The free slots closest in time to ``around`` (before or after), earliest first."""
        centre = max(around, dj_timezone.now())
        pool = self.free(start=centre - timedelta(days=14), end=centre + timedelta(days=28))
        nearest = sorted(pool, key=lambda slot: (abs(slot.start - centre), slot.pk))[:count]
        return sorted(nearest, key=lambda slot: (slot.start, slot.pk))


class Slot(models.Model):
    """One bookable appointment, generated from a rule or added by hand (rule empty)."""

    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="slots",
        limit_choices_to={"is_staff": True},
        verbose_name=_("engineer"),
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer (minutes)"),
        default=15,
        validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text=_("Free time kept before and after this appointment."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("The engineer's zone: e-mails to the engineer show times in it."),
    )
    rule = models.ForeignKey(
        AvailabilityRule,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name=_("generated from"),
    )

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["engineer", "start"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="slot_has_length"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} UTC · {self.engineer}"

    @property
    def engineer_name(self) -> str:
        """What the public sees of the engineer: a name, never the login."""
        return self.engineer.get_full_name() or str(_("Engineer %(id)s") % {"id": self.engineer_id})

    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def clashes_with(self, other: "Slot") -> bool:
        """Whether the two appointments overlap or sit closer than the wider buffer allows."""
        if other.engineer_id != self.engineer_id:
            return False
        gap = timedelta(minutes=max(self.buffer_minutes, other.buffer_minutes))
        return self.start < other.end + gap and other.start < self.end + gap

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_free(self) -> bool:
        """Whether the slot can be booked now."""
        same_start = Slot.objects.free(start=self.start, end=self.start + timedelta(seconds=1))
        return any(candidate.pk == self.pk for candidate in same_start)


class BookingQuerySet(models.QuerySet["Booking"]):
    def confirmed(self) -> "BookingQuerySet":
        """Bookings that hold their slot."""
        return self.filter(status=Booking.Status.CONFIRMED)

    def upcoming(self) -> "BookingQuerySet":
        """Confirmed bookings that have not started yet, soonest first."""
        return (
            self.confirmed()
            .filter(slot__start__gte=dj_timezone.now())
            .select_related("slot", "slot__engineer")
            .order_by("slot__start", "pk")
        )

    def for_dashboard(self) -> "BookingQuerySet":
        """Bookings with slot, engineer and assessment joined, for tables in a fixed query count."""
        return self.select_related(
            "slot", "slot__engineer", "assessment", "assessment__recommendation"
        ).order_by("-slot__start", "-pk")

    def due_for_reminder(self, now: datetime) -> "BookingQuerySet":
        """Confirmed bookings starting within the next 24 hours that have had no reminder."""
        return self.confirmed().filter(
            reminder_sent_at__isnull=True,
            slot__start__gt=now,
            slot__start__lte=now + timedelta(hours=24),
        )

    def by_token(self, raw: str) -> "Booking | None":
        """The booking a private manage link points to, or None."""
        return (
            self.select_related("slot", "slot__engineer").filter(token_hash=hash_token(raw)).first()
        )


class Booking(models.Model):
    """A prospect's appointment in a slot, with the pre-brief built from their assessment."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot")
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("assessment"),
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"))
    company = models.CharField(_("company"), max_length=160, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    timezone = models.CharField(
        _("visitor's time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED, db_index=True
    )
    # The manage link's token is derived from ``uid`` with the secret key (see
    # services.manage_token) and stored only hashed, so mails sent later can rebuild the link.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    uid = models.UUIDField(_("calendar id"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        _("invite revision"), default=0, help_text=_("Raised on every change to the invite.")
    )
    notified_sequence = models.IntegerField(
        _("confirmed revision"), null=True, blank=True, help_text=_("Last revision e-mailed.")
    )
    brief = models.JSONField(_("pre-brief"), default=dict, blank=True)
    created_at = models.DateTimeField(_("booked"), auto_now_add=True, db_index=True)
    rescheduled_at = models.DateTimeField(_("rescheduled"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancellation_sent_at = models.DateTimeField(_("cancellation sent"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            # The last line of defence: the service also locks the slot row.
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(status="confirmed"),
                name="booking_one_confirmed_per_slot",
            ),
        ]

    def __str__(self) -> str:
        who = self.company or self.name
        return f"{who} · {self.slot.start:%Y-%m-%d %H:%M} UTC"

    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    def has_started(self) -> bool:
        return self.slot.start <= dj_timezone.now()

    def can_change(self) -> bool:
        """Whether the prospect may still cancel or move it."""
        return self.is_confirmed() and not self.has_started()

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone if is_timezone(self.timezone) else "UTC")
