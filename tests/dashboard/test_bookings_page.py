from datetime import timedelta

import pytest
from django.utils import timezone

from tests.reports.factories import make_assessment, make_catalog

from .bookings import make_booking

pytestmark = pytest.mark.django_db


def test_it_lists_upcoming_bookings_with_their_lead(client, sales):
    make_catalog()
    lead, _ = make_assessment(company="Acme HPC")
    booking = make_booking(assessment=lead)
    client.force_login(sales)

    response = client.get("/dashboard/bookings/")

    assert response.status_code == 200
    assert booking.name.encode() in response.content
    assert f"/dashboard/leads/{lead.pk}/".encode() in response.content


def test_it_moves_started_bookings_to_the_past_tab(client, sales):
    make_catalog()
    booking = make_booking(assessment=make_assessment()[0])
    booking.slot.start = timezone.now() - timedelta(days=1)
    booking.slot.save(update_fields=["start"])
    client.force_login(sales)

    upcoming = client.get("/dashboard/bookings/")
    past = client.get("/dashboard/bookings/?when=past")

    assert booking.email.encode() not in upcoming.content
    assert booking.email.encode() in past.content


def test_it_returns_only_the_table_to_htmx(client, sales):
    client.force_login(sales)

    response = client.get("/dashboard/bookings/", HTTP_HX_REQUEST="true")

    assert b'id="bookings-table"' in response.content
    assert b"<html" not in response.content


def test_it_keeps_bookings_from_other_staff(client, outsider):
    client.force_login(outsider)

    assert client.get("/dashboard/bookings/").status_code == 403


def test_it_runs_a_fixed_number_of_queries(client, sales, django_assert_max_num_queries):
    make_catalog()
    for _ in range(12):
        make_booking(assessment=make_assessment()[0])
    client.force_login(sales)

    with django_assert_max_num_queries(6):
        client.get("/dashboard/bookings/")
