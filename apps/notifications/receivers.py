"""How the lower apps' signals become events: recorded with the change, dispatched on commit."""

from typing import Any

from django.dispatch import receiver

from apps.accounts.models import User
from apps.assessments.models import Assessment, ShareLinkView
from apps.assessments.signals import assessment_scored
from apps.booking.models import Booking
from apps.booking.signals import booking_cancelled, booking_created, booking_rescheduled
from apps.sharing.signals import share_link_viewed
from apps.teams.models import Team, TeamMember
from apps.teams.signals import member_joined

from .models import EventType
from .services import events as services


@receiver(assessment_scored, sender=Assessment, dispatch_uid="notifications.assessment_scored")
def on_assessment_scored(sender: type[Assessment], assessment: Assessment, **kwargs: Any) -> None:
    services.assessment_scored(assessment=assessment)


@receiver(booking_created, sender=Booking, dispatch_uid="notifications.booking_created")
def on_booking_created(sender: type[Booking], booking: Booking, **kwargs: Any) -> None:
    services.booking_changed(booking=booking, event_type=EventType.BOOKING_CREATED)


@receiver(booking_cancelled, sender=Booking, dispatch_uid="notifications.booking_cancelled")
def on_booking_cancelled(sender: type[Booking], booking: Booking, **kwargs: Any) -> None:
    services.booking_changed(booking=booking, event_type=EventType.BOOKING_CANCELLED)


@receiver(booking_rescheduled, sender=Booking, dispatch_uid="notifications.booking_rescheduled")
def on_booking_rescheduled(sender: type[Booking], booking: Booking, **kwargs: Any) -> None:
    services.booking_changed(booking=booking, event_type=EventType.BOOKING_RESCHEDULED)


@receiver(share_link_viewed, sender=ShareLinkView, dispatch_uid="notifications.share_link_viewed")
def on_share_link_viewed(
    sender: type[ShareLinkView], view: ShareLinkView, viewer: User | None = None, **kwargs: Any
) -> None:
    services.share_link_viewed(view=view, viewer=viewer)


@receiver(member_joined, sender=TeamMember, dispatch_uid="notifications.team_member_joined")
def on_team_member_joined(
    sender: type[TeamMember], team: Team, member: TeamMember, **kwargs: Any
) -> None:
    services.team_member_joined(member=member)
