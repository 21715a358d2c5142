"""Engineers keep their availability here; sales and engineers see the bookings."""

import json
import zoneinfo
from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from . import services
from .models import (
    AvailabilityRule,
    Booking,
    Slot,
    SlotQuerySet,
    local_to_utc,
    validate_timezone,
)

# ModelAdmin and ModelForm are generic only in django-stubs; subscripting them at run time
# needs django-stubs-ext's monkeypatch, a development-only dependency here.


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "engineer",
        "weekday",
        "start_time",
        "end_time",
        "slot_minutes",
        "buffer_minutes",
        "timezone",
        "valid_from",
        "valid_until",
        "active",
    ]
    list_filter = ["active", "engineer", "weekday", "timezone"]
    list_select_related = ["engineer"]
    actions = ["generate"]
    fieldsets = [
        (None, {"fields": ["engineer", "active"]}),
        (
            _("Weekly window"),
            {"fields": ["weekday", "start_time", "end_time", "timezone"]},
        ),
        (_("Appointments"), {"fields": ["slot_minutes", "buffer_minutes"]}),
        (_("Validity"), {"fields": ["valid_from", "valid_until"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"engineer": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._generate(request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        self._generate(request)

    @admin.action(
        description=_("Bring slots for the coming four weeks in line with the rules"),
        permissions=["generate"],
    )
    def generate(self, request: HttpRequest, queryset: QuerySet[AvailabilityRule]) -> None:
        self._generate(request)

    def has_generate_permission(self, request: HttpRequest) -> bool:
        # Generating adds the slots the rules offer and removes those they no longer offer.
        return request.user.has_perms(["booking.add_slot", "booking.delete_slot"])

    def _generate(self, request: HttpRequest) -> None:
        now = timezone.now()
        created = services.generate_slots(start=now, end=now + services.HORIZON)
        self.message_user(
            request,
            _("Slots are up to date for the coming four weeks (%(count)d new).")
            % {"count": created},
            messages.SUCCESS,
        )


class SlotAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """A single slot entered in the engineer's own zone; stored as UTC start and end."""

    day = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    local_start = forms.TimeField(
        label=_("start (local time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    minutes = forms.IntegerField(
        label=_("length (minutes)"), min_value=15, max_value=480, initial=60
    )
    timezone = forms.CharField(
        label=_("time zone"),
        initial="Europe/Berlin",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Europe/Berlin or America/New_York."),
    )

    class Meta:
        model = Slot
        fields = ["engineer", "timezone", "buffer_minutes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot = self.instance
        if slot.pk:
            local = slot.start.astimezone(zoneinfo.ZoneInfo(slot.timezone))
            self.initial.update(
                day=local.date(), local_start=local.time(), minutes=slot.duration_minutes()
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day: date | None = cleaned.get("day")
        local_start = cleaned.get("local_start")
        zone_name = cleaned.get("timezone")
        if day and local_start and zone_name and cleaned.get("minutes"):
            start: datetime | None = local_to_utc(day, local_start, zoneinfo.ZoneInfo(zone_name))
            if start is None:
                self.add_error(
                    "local_start", _("This time does not exist on that day (clocks go forward).")
                )
            else:
                self._check_start(start, cleaned.get("engineer"))
                self.instance.start = start
                self.instance.end = start + timedelta(minutes=cleaned["minutes"])
        return cleaned

    def _check_start(self, start: datetime, engineer: Any) -> None:
        slot = self.instance
        others = Slot.objects.filter(engineer=engineer, start=start).exclude(pk=slot.pk)
        if engineer is not None and others.exists():
            self.add_error("local_start", _("This engineer already has a slot at this time."))
        moved = slot.pk and start != slot.start
        if moved and slot.bookings.filter(status=Booking.Status.CONFIRMED).exists():
            self.add_error(
                "local_start",
                _("This slot is booked; ask the prospect to reschedule instead of moving it."),
            )


class TakenFilter(admin.SimpleListFilter):
    title = _("availability")
    parameter_name = "taken"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("free", str(_("Free"))), ("taken", str(_("Taken")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Slot]) -> QuerySet[Slot]:
        # The plugin checks keywords against model fields; is_taken is SlotAdmin's annotation.
        if self.value() == "free":
            return queryset.filter(is_taken=False)  # type: ignore[misc]
        if self.value() == "taken":
            return queryset.filter(is_taken=True)  # type: ignore[misc]
        return queryset


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SlotAdminForm
    list_display = ["start", "local_time", "end", "engineer", "taken", "rule"]
    list_filter = [TakenFilter, "engineer", ("start", admin.DateFieldListFilter)]
    list_select_related = ["engineer", "rule"]
    date_hierarchy = "start"
    fields = ["engineer", "day", "local_start", "minutes", "timezone", "buffer_minutes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Slot]:
        # The default manager is SlotQuerySet.as_manager(); the stubs only know QuerySet[Slot].
        return cast(SlotQuerySet, super().get_queryset(request)).with_taken()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"engineer": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description=_("local start"))
    def local_time(self, slot: Slot) -> str:
        local = slot.start.astimezone(slot.zone())
        return f"{local:%Y-%m-%d %H:%M} {slot.timezone}"

    @admin.display(description=_("taken"), boolean=True, ordering="is_taken")
    def taken(self, slot: Slot) -> bool:
        return bool(getattr(slot, "is_taken", False))


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["slot_start", "name", "company", "email", "engineer", "status", "assessment"]
    list_filter = ["status", ("slot__start", admin.DateFieldListFilter), "slot__engineer"]
    list_select_related = ["slot", "slot__engineer", "assessment"]
    search_fields = ["name", "email", "company", "notes"]
    date_hierarchy = "created_at"
    actions = ["cancel_bookings"]
    # Bookings change only through the site, the API or the cancel action: all read-only.
    readonly_fields = (
        "status",
        "slot",
        "name",
        "email",
        "company",
        "notes",
        "timezone",
        "assessment",
        "pre_brief",
        "created_at",
        "rescheduled_at",
        "cancelled_at",
        "reminder_sent_at",
        "sequence",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Bookings come from prospects through the site or the API, never from the admin.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        bookings = super().get_queryset(request)
        # Sales follow every lead (read-only); an engineer sees the bookings they run.
        if _user(request).is_sales():
            return bookings
        return _run_by(request, bookings)

    @admin.display(description=_("start"), ordering="slot__start")
    def slot_start(self, booking: Booking) -> datetime:
        return booking.slot.start

    @admin.display(description=_("engineer"), ordering="slot__engineer")
    def engineer(self, booking: Booking) -> str:
        return booking.slot.engineer_name

    @admin.display(description=_("pre-brief"))
    def pre_brief(self, booking: Booking) -> str:
        return format_html(
            "<pre style='white-space: pre-wrap'>{}</pre>",
            json.dumps(booking.brief, indent=2, ensure_ascii=False),
        )

    @admin.action(
        description=_("Cancel the selected bookings (the prospects are told)"),
        permissions=["cancel"],
    )
    def cancel_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        cancelled = 0
        # A salesperson who also runs assessments sees every booking but cancels only theirs.
        for booking in _run_by(request, queryset).filter(status=Booking.Status.CONFIRMED):
            services.cancel(booking=booking)
            cancelled += 1
        self.message_user(
            request, _("%(count)d bookings cancelled.") % {"count": cancelled}, messages.SUCCESS
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Bookings are read-only in the admin: changing one means cancelling it.
        return request.user.has_perm("booking.change_booking")


def _user(request: HttpRequest) -> User:
    # The admin lets only authenticated staff through, and AUTH_USER_MODEL is accounts.User.
    return cast(User, request.user)


def _run_by(request: HttpRequest, bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """All bookings for a superuser, else those in the user's own slots."""
    if _user(request).is_superuser:
        return bookings
    return bookings.filter(slot__engineer=_user(request))
