"""Booking pages: the calendar of free slots, the booking form, confirmation and management."""

import itertools
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.core.htmx import HtmxHttpRequest, render_page_or_partial
from apps.core.ratelimit import rate_limit

from . import services
from .forms import (
    BookingForm,
    RescheduleForm,
    resolve_timezone,
    slot_label,
    timezone_choices_with,
)
from .models import Booking, Slot, first_per_start

# Private-link lookups share one budget per client, so tokens cannot be guessed fast. Their
# pages are never cached (core.middleware.PrivatePageMiddleware, by URL).
_token_limit = rate_limit("booking.token", rate="TOKEN_LOOKUP_RATE")


def _opens_an_assessment(request: HttpRequest) -> bool:
    """The calendar looks up an assessment's token only when a link carries one."""
    return bool(request.GET.get("assessment"))


_assessment_token_limit = rate_limit(
    "booking.token", rate="TOKEN_LOOKUP_RATE", only_if=_opens_an_assessment
)


def _get_booking_for_token(request: HttpRequest, token: str) -> Booking:
    """The booking a manage link opens; any unknown token is a plain 404."""
    booking = Booking.objects.by_token(token)
    if booking is None:
        raise Http404
    return booking


def _calendar(slots: list[Slot], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Slots grouped by the visitor's local day."""
    days = itertools.groupby(slots, key=lambda slot: slot.start.astimezone(zone).date())
    return [{"date": day, "slots": list(group)} for day, group in days]


def _query(**params: str) -> str:
    return urlencode({key: value for key, value in params.items() if value})


def _visitor_context(request: HttpRequest, default_tz: str = "UTC") -> dict[str, Any]:
    """The visitor's chosen zone and, when they came from an assessment, its token."""
    asked = request.GET.get("tz") or request.POST.get("timezone")
    tz = resolve_timezone(asked, default_tz)
    token = request.GET.get("assessment") or request.POST.get("assessment") or ""
    assessment = services.find_assessment(token[:200]) if token else None
    token = token if assessment else ""
    return {
        "tz": tz,
        "zone": ZoneInfo(tz),
        "tz_chosen": asked == tz,
        "tz_choices": timezone_choices_with(tz),
        "assessment": assessment,
        "assessment_token": token,
        "query": _query(tz=tz, assessment=token),
    }


@_assessment_token_limit
def index(request: HtmxHttpRequest) -> HttpResponse:
    """The calendar of free slots for the coming weeks, in the visitor's time zone."""
    ctx = _visitor_context(request)
    now = dj_timezone.now()
    slots = first_per_start(Slot.objects.free(start=now, end=now + services.HORIZON))
    ctx["days"] = _calendar(slots, ctx["zone"])
    ctx["horizon_end"] = (now + services.HORIZON).astimezone(ctx["zone"]).date()
    with dj_timezone.override(ctx["zone"]):
        return render_page_or_partial(request, "booking/index.html", "slot-calendar", ctx)


@_assessment_token_limit
def slot(request: HtmxHttpRequest, slot_id: int) -> HttpResponse:
    """The booking form for one slot (or, if it went meanwhile, the nearest free ones)."""
    chosen = get_object_or_404(Slot.objects.select_related("engineer"), pk=slot_id)
    ctx = _visitor_context(request)
    initial = {"slot": chosen.pk, "timezone": ctx["tz"], "assessment": ctx["assessment_token"]}
    if chosen.is_free():
        form = BookingForm(initial=initial)
        # The form appears after a click on a time: take the visitor straight to it.
        form.fields["name"].widget.attrs["autofocus"] = True
        ctx.update(form=form, slot=chosen)
    else:
        alternatives = first_per_start(Slot.objects.nearest_free(around=chosen.start))
        form = BookingForm(initial=initial, alternatives=alternatives, zone=ctx["zone"])
        ctx.update(form=form, slot=None, taken=True, alternatives=alternatives)
    return _render_form(request, ctx)


def _render_form(request: HtmxHttpRequest, ctx: dict[str, Any]) -> HttpResponse:
    ctx["slot_label"] = slot_label(ctx["slot"], ctx["zone"]) if ctx.get("slot") else ""
    ctx["sales_email"] = settings.SALES_EMAIL
    with dj_timezone.override(ctx["zone"]):
        return render_page_or_partial(request, "booking/slot.html", "booking-form", ctx)


@require_POST
@rate_limit("booking.book", rate="PUBLIC_FORM_RATE")
def book(request: HtmxHttpRequest) -> HttpResponse:
    """Books the chosen slot; a clash keeps what was typed and offers the nearest free slots."""
    ctx = _visitor_context(request)
    form = BookingForm(request.POST)
    if not form.is_valid():
        chosen = _slot_from(form.data.get("slot"))
        if chosen is None or not chosen.is_free():
            # No usable slot came with the form: offer the nearest free ones to choose from.
            around = chosen.start if chosen else dj_timezone.now()
            alternatives = first_per_start(Slot.objects.nearest_free(around=around))
            form = BookingForm(request.POST, alternatives=alternatives, zone=ctx["zone"])
            ctx.update(taken=chosen is not None, alternatives=alternatives)
            chosen = None
        ctx.update(form=form, slot=chosen)
        return _render_form(request, ctx)
    data = form.cleaned_data
    try:
        booking = services.book(
            slot_id=data["slot"],
            name=data["name"],
            email=data["email"],
            company=data["company"],
            notes=data["notes"],
            timezone=data["timezone"],
            assessment=ctx["assessment"],
        )
    except services.SlotTaken as taken:
        alternatives = first_per_start(taken.alternatives)
        kept = {key: value for key, value in data.items() if key not in {"slot", "website"}}
        kept["assessment"] = ctx["assessment_token"]
        form = BookingForm(initial=kept, alternatives=alternatives, zone=ctx["zone"])
        ctx.update(form=form, slot=None, taken=True, alternatives=alternatives)
        return _render_form(request, ctx)
    url = reverse("booking:confirmed", kwargs={"token": services.manage_token(booking)})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _slot_from(value: object) -> Slot | None:
    try:
        pk = int(str(value))
    except ValueError:
        return None
    return Slot.objects.select_related("engineer").filter(pk=pk).first()


@_token_limit
def confirmed(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Thanks, the booking's details and its private manage link."""
    booking = _get_booking_for_token(request, token)
    ctx = {
        "booking": booking,
        "manage_url": services.manage_url(booking),
        "manage_path": services.manage_path(booking),
        "when": slot_label(booking.slot, booking.zone()),
    }
    with dj_timezone.override(booking.zone()):
        return render(request, "booking/confirmed.html", ctx)


@_token_limit
def manage(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A booking's details with ways to cancel or move it."""
    booking = _get_booking_for_token(request, token)
    ctx = _booking_context(request, booking, token)
    with dj_timezone.override(ctx["zone"]):
        return render(request, "booking/manage.html", ctx)


def _booking_context(request: HttpRequest, booking: Booking, token: str) -> dict[str, Any]:
    tz = resolve_timezone(request.GET.get("tz"), booking.zone().key)
    zone = ZoneInfo(tz)
    return {
        "booking": booking,
        "token": token,
        "tz": tz,
        "zone": zone,
        "tz_chosen": True,
        "tz_choices": timezone_choices_with(tz),
        "when": slot_label(booking.slot, zone),
        "query": _query(tz=tz),
    }


@require_http_methods(["GET", "POST"])
@_token_limit
def cancel(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Asks to confirm, then cancels the booking."""
    booking = _get_booking_for_token(request, token)
    manage_url = reverse("booking:manage", kwargs={"token": token})
    if not booking.can_change():
        messages.info(request, _("This booking can no longer be cancelled."))
        return redirect(manage_url)
    if request.method == "POST":
        services.cancel(booking=booking)
        messages.success(request, _("Your booking is cancelled. We have sent you a confirmation."))
        return redirect(manage_url)
    ctx = _booking_context(request, booking, token)
    with dj_timezone.override(ctx["zone"]):
        return render(request, "booking/cancel.html", ctx)


@require_http_methods(["GET", "POST"])
@_token_limit
def reschedule(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Free slots to move the booking to; choosing one moves it at once."""
    booking = _get_booking_for_token(request, token)
    manage_url = reverse("booking:manage", kwargs={"token": token})
    if not booking.can_change():
        messages.info(request, _("This booking can no longer be moved."))
        return redirect(manage_url)
    ctx = _booking_context(request, booking, token)
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                moved = services.reschedule(booking=booking, new_slot_id=form.cleaned_data["slot"])
            except services.SlotTaken:
                ctx["taken"] = True
            except services.NotChangeable as exc:
                messages.info(request, str(exc))
                return redirect(manage_url)
            else:
                messages.success(
                    request,
                    _("Your booking has moved to %(when)s. We have sent you an updated invite.")
                    % {"when": slot_label(moved.slot, ctx["zone"])},
                )
                return redirect(manage_url)
        else:
            ctx["taken"] = True
    now = dj_timezone.now()
    slots = first_per_start(Slot.objects.free(start=now, end=now + services.HORIZON))
    ctx["days"] = _calendar(slots, ctx["zone"])
    with dj_timezone.override(ctx["zone"]):
        return render_page_or_partial(request, "booking/reschedule.html", "slot-calendar", ctx)
