"""The admin: engineers keep availability, staff see bookings and their pre-brief."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils.html import escape

from apps.booking import services
from apps.booking.models import AvailabilityRule, Booking, Slot

from .factories import (
    BookingFactory,
    EngineerFactory,
    RuleFactory,
    SlotFactory,
    scored_assessment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser, frozen_now):
    # Log in inside the frozen time, or the session would have expired by 2030.
    client.force_login(superuser)
    return client


def test_it_generates_slots_when_a_rule_is_saved(admin_client, superuser):
    response = admin_client.post(
        "/admin/booking/availabilityrule/add/",
        {
            "engineer": superuser.pk,
            "active": "on",
            "weekday": 0,
            "start_time": "09:00",
            "end_time": "12:00",
            "timezone": "Europe/Berlin",
            "slot_minutes": 45,
            "buffer_minutes": 15,
            "valid_from": "2030-01-01",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert AvailabilityRule.objects.count() == 1
    assert Slot.objects.count() == 12
    assert "12 new" in response.text


def test_it_refuses_an_unknown_time_zone_on_a_rule(admin_client, superuser):
    response = admin_client.post(
        "/admin/booking/availabilityrule/add/",
        {
            "engineer": superuser.pk,
            "weekday": 0,
            "start_time": "09:00",
            "end_time": "12:00",
            "timezone": "Berlin",
            "slot_minutes": 45,
            "buffer_minutes": 15,
            "valid_from": "2030-01-01",
        },
    )

    assert response.status_code == 200
    assert "is not a time zone name" in response.text
    assert not AvailabilityRule.objects.exists()


def test_it_adds_a_single_slot_in_local_time(admin_client, superuser):
    data = {
        "engineer": superuser.pk,
        "day": "2030-01-08",
        "local_start": "10:00",
        "minutes": 90,
        "timezone": "Europe/Berlin",
        "buffer_minutes": 10,
    }

    admin_client.post("/admin/booking/slot/add/", data)
    duplicate = admin_client.post("/admin/booking/slot/add/", data)

    slot = Slot.objects.get()
    assert (slot.start, slot.end, slot.rule) == (
        datetime(2030, 1, 8, 9, tzinfo=UTC),
        datetime(2030, 1, 8, 10, 30, tzinfo=UTC),
        None,
    )
    assert "already has a slot at this time" in duplicate.text
    edit = admin_client.get(f"/admin/booking/slot/{slot.pk}/change/")
    assert 'value="10:00:00"' in edit.text


def test_it_refuses_a_local_time_the_clock_skips(admin_client, superuser):
    response = admin_client.post(
        "/admin/booking/slot/add/",
        {
            "engineer": superuser.pk,
            "day": "2030-03-31",
            "local_start": "02:30",
            "minutes": 60,
            "timezone": "Europe/Berlin",
            "buffer_minutes": 0,
        },
    )

    assert "does not exist on that day" in response.text
    assert not Slot.objects.exists()


def test_it_refuses_to_move_a_booked_slot(admin_client, superuser):
    slot = SlotFactory(engineer=superuser)
    BookingFactory(slot=slot)

    response = admin_client.post(
        f"/admin/booking/slot/{slot.pk}/change/",
        {
            "engineer": superuser.pk,
            "day": "2030-02-01",
            "local_start": "10:00",
            "minutes": 60,
            "timezone": "Europe/Berlin",
            "buffer_minutes": 0,
        },
    )

    assert "ask the prospect to reschedule" in response.text


def test_it_filters_slots_by_free_and_taken(admin_client):
    free, taken = SlotFactory(), SlotFactory()
    BookingFactory(slot=taken)

    free_page = admin_client.get("/admin/booking/slot/", {"taken": "free"})
    taken_page = admin_client.get("/admin/booking/slot/", {"taken": "taken"})

    assert free_page.context["cl"].result_count == 1
    assert list(free_page.context["cl"].result_list) == [free]
    assert list(taken_page.context["cl"].result_list) == [taken]


def test_it_lists_and_searches_bookings(admin_client, django_assert_max_num_queries):
    for n in range(5):
        BookingFactory(company=f"Company {n}", slot=SlotFactory(engineer=EngineerFactory()))

    with django_assert_max_num_queries(12):
        listing = admin_client.get("/admin/booking/booking/")
    found = admin_client.get("/admin/booking/booking/", {"q": "Company 3"})
    cancelled = admin_client.get("/admin/booking/booking/", {"status__exact": "cancelled"})

    assert listing.context["cl"].result_count == 5
    assert found.context["cl"].result_count == 1
    assert cancelled.context["cl"].result_count == 0


def test_it_shows_the_pre_brief_read_only(admin_client):
    booking = BookingFactory(assessment=scored_assessment())
    booking.brief = services.build_brief(booking.assessment)
    booking.save(update_fields=["brief"])
    # factories.ANSWERS: Kubernetes, with two "don't know" answers
    assert booking.brief["recommendation_name"]
    assert len(booking.brief["unknown"]) == 2

    response = admin_client.get(f"/admin/booking/booking/{booking.pk}/change/")

    assert escape(booking.brief["recommendation_name"]) in response.text
    for question in booking.brief["unknown"]:
        assert escape(question) in response.text
    assert 'name="name"' not in response.text
    assert admin_client.get("/admin/booking/booking/add/").status_code == 403


def test_it_cancels_bookings_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    booking = BookingFactory(
        slot=SlotFactory(start=datetime(2030, 1, 9, tzinfo=UTC) + timedelta(hours=9))
    )

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/booking/booking/",
            {"action": "cancel_bookings", "_selected_action": [booking.pk]},
        )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert len(mail.outbox) == 2


def _login(client, user):
    client.force_login(user)
    return client


def _cancel(client, *bookings):
    return client.post(
        "/admin/booking/booking/",
        {"action": "cancel_bookings", "_selected_action": [b.pk for b in bookings]},
    )


def test_it_lets_sales_see_every_booking_but_cancel_none(
    client, sales, frozen_now, django_capture_on_commit_callbacks
):
    # given
    booking = BookingFactory()
    _login(client, sales)

    # when
    listing = client.get("/admin/booking/booking/")
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(client, booking)

    # then
    assert list(listing.context["cl"].result_list) == [booking]
    assert "cancel_bookings" not in listing.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert mail.outbox == []


def test_it_shows_an_engineer_only_the_bookings_they_run(client, editor, frozen_now):
    # given
    own = BookingFactory(slot=SlotFactory(engineer=editor))
    other = BookingFactory()
    _login(client, editor)

    # when
    listing = client.get("/admin/booking/booking/")
    foreign = client.get(f"/admin/booking/booking/{other.pk}/change/")

    # then
    assert list(listing.context["cl"].result_list) == [own]
    assert "cancel_bookings" in listing.text
    assert foreign.status_code == 302


def test_it_lets_an_engineer_cancel_only_the_bookings_they_run(
    client, editor, frozen_now, django_capture_on_commit_callbacks
):
    # given
    own = BookingFactory(slot=SlotFactory(engineer=editor))
    other = BookingFactory(email="someone-else@example.org")
    _login(client, editor)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(client, own, other)

    # then
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, other.status) == (Booking.Status.CANCELLED, Booking.Status.CONFIRMED)
    assert other.email not in {address for message in mail.outbox for address in message.to}


def test_it_lets_a_salesperson_who_runs_assessments_cancel_only_their_own(
    client, sales, frozen_now, django_capture_on_commit_callbacks
):
    # given
    sales.user_permissions.add(Permission.objects.get(codename="change_booking"))
    own = BookingFactory(slot=SlotFactory(engineer=sales))
    other = BookingFactory()
    _login(client, sales)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(client, own, other)

    # then
    other.refresh_from_db()
    assert other.status == Booking.Status.CONFIRMED


def test_it_lets_only_slot_keepers_generate_slots(client, sales, editor, frozen_now):
    rule = RuleFactory(engineer=editor)
    action = {"action": "generate", "_selected_action": [rule.pk]}

    _login(client, sales).post("/admin/booking/availabilityrule/", action)
    after_sales = Slot.objects.count()
    listing = _login(client, editor).get("/admin/booking/availabilityrule/")
    _login(client, editor).post("/admin/booking/availabilityrule/", action)

    assert after_sales == 0
    assert "generate" in listing.text
    assert Slot.objects.count() > 0
