"""What a webhook carries: ``{id, type, created, data}``, ``data`` read from the rows now.

``data`` uses the API's field names (``GET /api/v1/assessments/<token>/`` for the result,
the booking API's for bookings, the share-link API's for links) plus the contact details a
CRM needs. Private links (the prospect's token, a booking's manage link, a share link's URL)
are never sent. Events are only delivered for prospects who consented to be contacted.
"""

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from apps.assessments.api import public_status
from apps.assessments.models import Assessment, ShareLinkView
from apps.booking.models import Booking
from apps.teams.models import TeamMember
from apps.teams.results import member_status

from ..models import Event, EventType

BOOKING_EVENTS = {
    EventType.BOOKING_CREATED,
    EventType.BOOKING_CANCELLED,
    EventType.BOOKING_RESCHEDULED,
}


def lead_url(event: Event, *, team_id: int | None = None) -> str:
    """The dashboard page of the event's lead: the team's page for a team event (``team_id``
    when the caller has it), else the assessment's, else the bookings page."""
    if event.type == EventType.TEAM_MEMBER_JOINED:
        if team_id is None:
            team_id = (
                TeamMember.objects.filter(pk=event.object_id or 0)
                .values_list("team_id", flat=True)
                .first()
            )
        if team_id is not None:
            return settings.SITE_URL + reverse("dashboard:team", kwargs={"pk": team_id})
    if event.assessment_id is not None:
        return settings.SITE_URL + reverse("dashboard:lead", kwargs={"pk": event.assessment_id})
    return settings.SITE_URL + reverse("dashboard:bookings")


def consented(event: Event) -> bool:
    """Whether the prospect the event is about consented to be contacted (checked when sent)."""
    assessment = event.assessment
    return assessment is not None and assessment.consent


def body(event: Event) -> bytes | None:
    """The JSON body of a delivery, or None when what the event is about is gone."""
    data = event_data(event)
    if data is None:
        return None
    payload = {
        "id": str(event.uid),
        "type": event.type,
        "created": event.created_at,
        "data": data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def event_data(event: Event) -> dict[str, Any] | None:
    """The ``data`` of an event's payload as the rows stand now; None when they are gone."""
    if event.type in BOOKING_EVENTS:
        return _booking(event)
    if event.type == EventType.SHARE_LINK_VIEWED:
        return _share_link_view(event)
    if event.type == EventType.TEAM_MEMBER_JOINED:
        return _team_member(event)
    if event.assessment is None:
        return None
    return assessment_data(event.assessment) | {"lead_url": lead_url(event)}


def assessment_data(assessment: Assessment) -> dict[str, Any]:
    """A lead as the API shows its result, with the contact details it consented to give."""
    return {
        "id": assessment.pk,
        **public_status(assessment),
        "contact": {
            "name": assessment.contact_name,
            "email": assessment.contact_email,
            "company": assessment.company,
            "role": assessment.role,
        },
        "consent": assessment.consent,
        "submitted_at": assessment.submitted_at,
        "scored_at": assessment.scored_at,
    }


def _booking(event: Event) -> dict[str, Any] | None:
    booking = (
        Booking.objects.select_related("slot", "slot__engineer")
        .filter(pk=event.object_id or 0)
        .first()
    )
    if booking is None:
        return None
    return {
        "id": booking.pk,
        "status": booking.status,
        "slot": booking.slot_id,
        "start": booking.slot.start,
        "end": booking.slot.end,
        "engineer": booking.slot.engineer_name,
        "name": booking.name,
        "email": booking.email,
        "company": booking.company,
        "notes": booking.notes,
        "timezone": booking.timezone,
        "assessment": booking.assessment_id,
        "created_at": booking.created_at,
        "rescheduled_at": booking.rescheduled_at,
        "cancelled_at": booking.cancelled_at,
        "lead_url": lead_url(event),
    }


def _share_link_view(event: Event) -> dict[str, Any] | None:
    view = ShareLinkView.objects.select_related("link").filter(pk=event.object_id or 0).first()
    if view is None:
        return None
    return {
        "id": view.pk,
        "viewed_at": view.viewed_at,
        "is_pdf": view.is_pdf,
        "browser": view.browser_family,
        "first_view": event.first,
        "link": {"id": view.link_id, "label": view.link.label, "expires_at": view.link.expires_at},
        "assessment": view.link.assessment_id,
        "lead_url": lead_url(event),
    }


def _team_member(event: Event) -> dict[str, Any] | None:
    member = (
        TeamMember.objects.select_related("team", "assessment", "assessment__recommendation")
        .filter(pk=event.object_id or 0)
        .first()
    )
    if member is None:
        return None
    team = member.team
    recommendation = member.assessment.recommendation
    return {
        "team": {
            "id": team.pk,
            "name": team.name,
            "owner_assessment": team.owner_assessment_id,
            "members": team.members.count(),
        },
        "member": {
            "id": member.pk,
            "name": member.name,
            "email": member.email,
            "role": member.role,
            "status": member_status(member),
            "recommendation": recommendation.slug if recommendation else None,
            "joined_at": member.joined_at,
            "answered_at": member.answered_at,
        },
        "assessment": assessment_data(member.assessment),
        "lead_url": lead_url(event, team_id=team.pk),
    }
