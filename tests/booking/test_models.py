"""QuerySet methods other parts use: upcoming bookings and the dashboard's list."""

from datetime import timedelta

import pytest

from apps.booking import services
from apps.booking.models import Booking

from .factories import NOW, BookingFactory, SlotFactory, scored_assessment

pytestmark = pytest.mark.django_db


def test_it_lists_upcoming_confirmed_bookings_soonest_first(frozen_now):
    later = BookingFactory(slot=SlotFactory(start=NOW + timedelta(days=3)))
    sooner = BookingFactory(slot=SlotFactory(start=NOW + timedelta(days=1)))
    BookingFactory(slot=SlotFactory(start=NOW - timedelta(days=1)))
    BookingFactory(slot=SlotFactory(start=NOW + timedelta(days=2)), status="cancelled")

    assert list(Booking.objects.upcoming()) == [sooner, later]


def test_it_loads_the_dashboard_rows_in_one_query(frozen_now, django_assert_num_queries):
    assessment = scored_assessment()
    for n in range(4):
        BookingFactory(slot=SlotFactory(start=NOW + timedelta(days=n + 1)), assessment=assessment)

    with django_assert_num_queries(1):
        rows = [
            (b.slot.start, b.slot.engineer_name, b.assessment.recommendation, str(b))
            for b in Booking.objects.for_dashboard()
        ]

    assert len(rows) == 4
    assert rows[0][0] == NOW + timedelta(days=4)


def test_it_finds_a_booking_by_its_token_only(frozen_now):
    booking = BookingFactory()

    assert Booking.objects.by_token(services.manage_token(booking)) == booking
    assert Booking.objects.by_token(booking.token_hash) is None
    assert Booking.objects.by_token("") is None
