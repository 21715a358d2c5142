"""Bookings for dashboard tests.

The only place these tests depend on the booking app's required fields; everything else goes
through the documented contract (``Booking.assessment``, ``status`` confirmed/cancelled).
"""

from datetime import timedelta

from django.utils import timezone

from apps.dashboard.services import booking_model


def make_booking(*, assessment, status: str = "confirmed"):
    return booking_model().objects.create(
        assessment=assessment,
        status=status,
        name=assessment.contact_name or "Prospect",
        email=assessment.contact_email or "prospect@example.org",
        starts_at=timezone.now() + timedelta(days=3),
    )
