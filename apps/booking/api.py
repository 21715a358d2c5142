"""Booking API: free slots and booking one. The pages and this API call the same services."""

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import path
from django.utils import timezone as dj_timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.throttling import AnonRateThrottle, SimpleRateThrottle
from apps.core.validators import validate_single_line

from . import services
from .forms import resolve_timezone
from .models import Slot, is_timezone

DEFAULT_RANGE = timedelta(days=28)
MAX_RANGE = timedelta(days=90)
# "+" in a query string arrives as a space when the client did not encode it.
_UNENCODED_OFFSET = re.compile(r" (\d\d(:?\d\d)?)$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BookingRateThrottle(SimpleRateThrottle):
    """The `booking` throttle scope, per user or per client address."""

    scope = "booking"

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = request.user
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeField(serializers.Field[datetime, datetime | str, str, Any]):
    """ISO 8601 with an explicit numeric offset (never "Z"), in the zone from the context."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(self.context.get("zone") or ZoneInfo("UTC")).isoformat()


class SlotSerializer(serializers.ModelSerializer[Slot]):
    start = IsoDateTimeField()
    end = IsoDateTimeField()
    engineer = serializers.CharField(source="engineer_name")

    class Meta:
        model = Slot
        fields = ["id", "start", "end", "engineer"]


class BookingRequestSerializer(serializers.Serializer[dict[str, Any]]):
    slot = serializers.PrimaryKeyRelatedField(
        queryset=Slot.objects.all(),
        error_messages={"does_not_exist": gettext_lazy("There is no slot with this id.")},
    )
    name = serializers.CharField(max_length=120, validators=[validate_single_line])
    email = serializers.EmailField(max_length=254, validators=[validate_single_line])
    company = serializers.CharField(
        max_length=160,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_single_line],
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        default="UTC",
        help_text=gettext_lazy(
            "The prospect's IANA time zone for the e-mails, e.g. Europe/Berlin."
        ),
    )
    assessment = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The private token of the prospect's assessment, to attach it."),
    )

    def validate_timezone(self, value: str) -> str:
        if not is_timezone(value):
            raise serializers.ValidationError(_("Not a time zone name such as Europe/Berlin."))
        return value

    def validate_assessment(self, value: str | None) -> Any:
        if not value:
            return None
        assessment = services.find_assessment(value)
        if assessment is None:
            raise serializers.ValidationError(_("No assessment matches this token."))
        return assessment


BookingCreated = inline_serializer(
    "BookingCreated",
    {
        "id": serializers.IntegerField(),
        "manage_url": serializers.URLField(),
        "start": serializers.DateTimeField(),
        "end": serializers.DateTimeField(),
    },
)
SlotTakenResponse = inline_serializer(
    "SlotTaken",
    {"detail": serializers.CharField(), "alternatives": SlotSerializer(many=True)},
)
ErrorDetail = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})


def _parse_moment(value: str, *, end_of_day: bool = False) -> datetime:
    """An aware datetime from an ISO 8601 date or date-time; naive values count as UTC."""
    value = _UNENCODED_OFFSET.sub(r"+\1", value.strip())
    try:
        day = parse_date(value) if _DATE_ONLY.match(value) else None
        moment = None if day else parse_datetime(value)
    except ValueError:
        raise ValueError(value) from None
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time())
    if moment is None:
        raise ValueError(value)
    if dj_timezone.is_naive(moment):
        return moment.replace(tzinfo=ZoneInfo("UTC"))
    # In UTC for the database: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
    try:
        return moment.astimezone(ZoneInfo("UTC"))
    except OverflowError:
        raise ValueError(value) from None


@extend_schema(
    operation_id="slots_list",
    summary="Free assessment slots",
    parameters=[
        OpenApiParameter(
            "from",
            OpenApiTypes.DATETIME,
            description="Start (ISO 8601 date or date-time); default now.",
        ),
        OpenApiParameter(
            "to",
            OpenApiTypes.DATETIME,
            description="End (exclusive; a date means the end of that day); default from + 28 days. At most 90 days after from.",
        ),
        OpenApiParameter(
            "tz", OpenApiTypes.STR, description="IANA zone for the offsets; default UTC."
        ),
    ],
    responses={
        200: SlotSerializer(many=True),
        400: ErrorDetail,
        429: OpenApiResponse(ErrorDetail, description="Throttled (scope `booking`)."),
    },
)
@api_view(["GET"])
@throttle_classes([AnonRateThrottle, BookingRateThrottle])
def slot_list(request: Request) -> Response:
    """Free slots in [from, to), earliest first, with start and end in ISO 8601 with offset."""
    try:
        start = (
            _parse_moment(request.query_params["from"])
            if "from" in request.query_params
            else dj_timezone.now()
        )
        end = (
            _parse_moment(request.query_params["to"], end_of_day=True)
            if "to" in request.query_params
            else start + DEFAULT_RANGE
        )
    except ValueError:
        return Response(
            {
                "detail": _(
                    "“from” and “to” must be ISO 8601 dates or date-times, e.g. 2025-03-30 or 2025-03-30T09:00:00+02:00."
                )
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if end <= start:
        return Response(
            {"detail": _("“to” must be after “from”.")}, status=status.HTTP_400_BAD_REQUEST
        )
    if end - start > MAX_RANGE:
        return Response(
            {"detail": _("The range may span at most 90 days.")}, status=status.HTTP_400_BAD_REQUEST
        )
    zone = ZoneInfo(resolve_timezone(request.query_params.get("tz")))
    slots = Slot.objects.free(start=start, end=end)
    return Response(SlotSerializer(slots, many=True, context={"zone": zone}).data)


@extend_schema(
    operation_id="bookings_create",
    summary="Book a slot",
    request=BookingRequestSerializer,
    responses={
        201: BookingCreated,
        400: OpenApiResponse(description="Per-field errors: {field: [messages]}."),
        409: SlotTakenResponse,
        429: OpenApiResponse(ErrorDetail, description="Throttled (scope `booking`)."),
    },
)
@api_view(["POST"])
@throttle_classes([AnonRateThrottle, BookingRateThrottle])
def booking_create(request: Request) -> Response:
    """Books a free slot; 409 with the nearest free slots when it was taken meanwhile."""
    serializer = BookingRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    try:
        booking = services.book(
            slot_id=data["slot"].pk,
            name=data["name"],
            email=data["email"],
            company=data["company"],
            notes=data["notes"],
            timezone=data["timezone"],
            assessment=data["assessment"],
        )
    except services.SlotTaken as taken:
        return Response(
            {
                "detail": str(taken),
                "alternatives": SlotSerializer(taken.alternatives, many=True).data,
            },
            status=status.HTTP_409_CONFLICT,
        )
    zone = ZoneInfo("UTC")
    return Response(
        {
            "id": booking.pk,
            "manage_url": services.manage_url(booking),
            "start": booking.slot.start.astimezone(zone).isoformat(),
            "end": booking.slot.end.astimezone(zone).isoformat(),
        },
        status=status.HTTP_201_CREATED,
    )


urlpatterns = [
    path("slots/", slot_list, name="booking-slots"),
    path("bookings/", booking_create, name="booking-create"),
]
