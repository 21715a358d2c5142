"""The booking pages: calendar, form, confirmation and the private manage pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from apps.booking import services
from apps.booking.models import Booking, Slot

from .factories import BookingFactory, EngineerFactory, SlotFactory, scored_assessment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def engineer():
    return EngineerFactory(first_name="Grace", last_name="Hopper")


@pytest.fixture
def slot(engineer, frozen_now) -> Slot:
    return SlotFactory(engineer=engineer, start=at(9), end=at(9, 45))


def form_data(chosen: Slot, **extra) -> dict:
    data = {
        "slot": chosen.pk,
        "name": "Ada Prospect",
        "email": "ada@example.org",
        "company": "Analytical Engines",
        "notes": "We run MPI and notebooks.",
        "timezone": "Europe/Berlin",
        "assessment": "",
        "website": "",
    }
    return {**data, **extra}


def visible(response) -> str:
    """The response's text without tags, as a reader sees it."""
    return re.sub(r"<[^>]+>", "", response.text)


def manage_token(booking: Booking) -> str:
    return services.manage_token(booking)


# --- Calendar ---


def test_it_shows_free_slots_in_the_chosen_time_zone(client, slot):
    berlin = client.get("/booking/", {"tz": "Europe/Berlin"})
    new_york = client.get("/booking/", {"tz": "America/New_York"})

    assert berlin.status_code == 200
    assert "10:00–10:45" in visible(berlin)
    assert "Monday 7 January 2030" in berlin.text
    assert "04:00–04:45" in visible(new_york)
    assert 'data-server-chosen="1"' in berlin.text
    assert f"/booking/slot/{slot.pk}/?tz=Europe%2FBerlin" in berlin.text


def test_it_defaults_to_utc_and_lets_the_browser_choose(client, slot):
    response = client.get("/booking/")

    assert "09:00–09:45" in visible(response)
    assert "data-server-chosen" not in response.text
    assert "js/booking.js" in response.text


def test_it_keeps_a_valid_alias_selected(client, slot):
    response = client.get("/booking/", {"tz": "US/Eastern"})

    assert '<option value="US/Eastern" selected>' in response.text
    assert "04:00–04:45" in visible(response)


def test_it_ignores_an_unknown_time_zone(client, slot):
    response = client.get("/booking/", {"tz": "Mars/Olympus"})

    assert response.status_code == 200
    assert "09:00–09:45" in visible(response)


def test_it_groups_slots_by_local_day(client, engineer, frozen_now):
    # 23:30 UTC on Monday is already Tuesday in Berlin.
    SlotFactory(engineer=engineer, start=at(23, 30), end=at(23, 30) + timedelta(minutes=45))

    response = client.get("/booking/", {"tz": "Europe/Berlin"})

    assert "Tuesday 8 January 2030" in response.text
    assert "Monday 7 January 2030" not in response.text


def test_it_renders_only_the_calendar_for_htmx(client, slot):
    response = client.get("/booking/", {"tz": "Europe/Berlin"}, **HTMX)

    assert response.text.lstrip().startswith('<section id="slot-calendar"')
    assert "<html" not in response.text
    assert "10:00–10:45" in visible(response)


def test_it_shows_one_button_per_time_when_several_engineers_are_free(client, slot):
    SlotFactory(start=slot.start, end=slot.end)

    response = client.get("/booking/")

    assert visible(response).count("09:00–09:45") == 1


def test_it_lists_the_calendar_in_a_fixed_number_of_queries(
    client, engineer, frozen_now, django_assert_num_queries
):
    for n in range(40):
        start = at(8) + timedelta(hours=3 * n)
        slot = SlotFactory(engineer=engineer, start=start, end=start + timedelta(hours=1))
        if n % 5 == 0:
            BookingFactory(slot=slot)

    with django_assert_num_queries(2):
        response = client.get("/booking/")

    assert response.text.count('hx-get="/booking/slot/') == 32


def test_it_says_so_when_nothing_is_free(client, frozen_now):
    response = client.get("/booking/")

    assert "no free times" in response.text


def test_it_notes_that_the_assessment_will_be_attached(client, slot):
    scored_assessment("raw-token")

    known = client.get("/booking/", {"assessment": "raw-token"})
    unknown = client.get("/booking/", {"assessment": "nope"})

    assert "Your assessment result will be attached" in known.text
    assert "assessment=raw-token" in known.text
    assert "Your assessment result will be attached" not in unknown.text
    assert "assessment=nope" not in unknown.text


# --- Slot form ---


def test_it_loads_the_form_partial_for_htmx_and_the_page_without(client, slot):
    url = f"/booking/slot/{slot.pk}/?tz=Europe/Berlin"

    partial = client.get(url, **HTMX)
    page = client.get(url)

    assert partial.text.lstrip().startswith('<section id="booking-form"')
    assert "<html" not in partial.text
    assert "<html" in page.text
    for response in (partial, page):
        assert f'name="slot" value="{slot.pk}"' in response.text
        assert "Mon 7 Jan 2030, 10:00–10:45" in response.text
        assert 'value="Europe/Berlin"' in response.text


def test_it_carries_the_assessment_token_into_the_form(client, slot):
    scored_assessment("raw-token")

    response = client.get(f"/booking/slot/{slot.pk}/", {"assessment": "raw-token"})

    assert 'name="assessment" value="raw-token"' in response.text
    assert "Your assessment result will be attached." in response.text


def test_it_answers_404_for_an_unknown_slot(client, frozen_now):
    assert client.get("/booking/slot/999999/").status_code == 404


def test_it_offers_alternatives_when_the_slot_shown_is_already_taken(client, slot, engineer):
    BookingFactory(slot=slot)
    later = SlotFactory(engineer=engineer, start=at(11), end=at(12))

    response = client.get(f"/booking/slot/{slot.pk}/")

    assert "just been taken" in response.text
    assert f'value="{later.pk}"' in response.text
    assert 'type="radio"' in response.text


# --- Booking ---


def test_it_books_and_shows_the_confirmation_with_the_manage_link(
    client, slot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/booking/book/", form_data(slot))

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/booking/confirmed/{manage_token(booking)}/"
    page = client.get(response["Location"])
    assert "You are booked" in page.text
    assert f"/booking/manage/{manage_token(booking)}/" in page.text
    assert "Mon 7 Jan 2030, 10:00–10:45 (Europe/Berlin)" in page.text
    assert (booking.name, booking.company, booking.timezone) == (
        "Ada Prospect",
        "Analytical Engines",
        "Europe/Berlin",
    )
    assert {tuple(message.to) for message in mail.outbox} == {
        ("ada@example.org",),
        (slot.engineer.email, "sales@localhost"),
    }


def test_it_redirects_htmx_bookings_on_the_client(client, slot):
    response = client.post("/booking/book/", form_data(slot), **HTMX)

    booking = Booking.objects.get()
    assert response["HX-Redirect"] == f"/booking/confirmed/{manage_token(booking)}/"


def test_it_attaches_the_assessment_and_its_brief(client, slot):
    assessment = scored_assessment("raw-token")

    client.post("/booking/book/", form_data(slot, assessment="raw-token"))

    booking = Booking.objects.get()
    assert booking.assessment == assessment
    assert booking.brief["recommendation"] == assessment.result["recommendation"]
    assert booking.brief == services.build_brief(assessment)


def test_it_keeps_what_was_typed_and_explains_errors(client, slot):
    response = client.post(
        "/booking/book/", form_data(slot, name="", email="not-an-address"), **HTMX
    )

    assert response.status_code == 200
    assert not Booking.objects.exists()
    assert 'value="Analytical Engines"' in response.text
    assert "We run MPI and notebooks." in response.text
    assert 'aria-describedby="id_email_helptext id_email_error"' in response.text
    assert 'id="id_email_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Mon 7 Jan 2030, 10:00–10:45" in response.text


def test_it_offers_the_nearest_free_slots_when_taken_meanwhile_keeping_the_input(
    client, slot, engineer
):
    BookingFactory(slot=slot)
    later = SlotFactory(engineer=engineer, start=at(11), end=at(12))

    response = client.post("/booking/book/", form_data(slot), **HTMX)

    assert response.status_code == 200
    assert "just been taken" in response.text
    assert f'value="{later.pk}"' in response.text
    assert "Mon 7 Jan 2030, 12:00–13:00" in response.text
    assert 'value="Ada Prospect"' in response.text
    assert "We run MPI and notebooks." in response.text
    assert Booking.objects.count() == 1

    # and choosing an alternative books it with what was typed
    client.post("/booking/book/", form_data(later))
    assert Booking.objects.get(slot=later).notes == "We run MPI and notebooks."


def test_it_asks_to_choose_a_time_when_the_form_lost_its_slot(client, slot):
    response = client.post("/booking/book/", form_data(slot, slot="abc"))

    assert response.status_code == 200
    assert "Please choose one of these times." in response.text
    assert f'value="{slot.pk}"' in response.text


def test_it_turns_away_the_honeypot(client, slot):
    response = client.post("/booking/book/", form_data(slot, website="http://spam.example"))

    assert response.status_code == 200
    assert not Booking.objects.exists()
    assert "Please leave the field" in response.text


def test_it_rate_limits_the_booking_form(client, slot, settings):
    settings.PUBLIC_FORM_RATE = "2/m"

    codes = [client.post("/booking/book/", form_data(slot, name="")).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_it_only_posts_bookings(client, frozen_now):
    assert client.get("/booking/book/").status_code == 405


# --- Manage ---


@pytest.fixture
def booking(slot) -> Booking:
    return BookingFactory(slot=slot, notes="Bring the rack plan")


def test_it_shows_the_booking_behind_a_private_link(client, booking):
    response = client.get(f"/booking/manage/{manage_token(booking)}/")

    assert response.status_code == 200
    assert "Mon 7 Jan 2030, 10:00–10:45 (Europe/Berlin)" in response.text
    assert "Grace Hopper" in response.text
    assert "Bring the rack plan" in response.text
    assert f"/booking/manage/{manage_token(booking)}/cancel/" in response.text
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.text


@pytest.mark.parametrize(
    "path", ["manage", "confirmed", "manage/{}/cancel", "manage/{}/reschedule"]
)
def test_it_answers_404_for_an_unknown_token(client, booking, path):
    url = "/booking/" + (path.format("x" * 64) if "{}" in path else f"{path}/{'x' * 64}") + "/"

    response = client.get(url)

    assert response.status_code == 404
    assert "Page not found" in response.text


def test_it_rate_limits_token_lookups(client, booking, settings):
    settings.TOKEN_LOOKUP_RATE = "2/m"

    codes = [client.get(f"/booking/manage/{'x' * 64}/").status_code for _ in range(3)]

    assert codes == [404, 404, 429]


def test_it_asks_before_cancelling_and_then_cancels(
    client, booking, django_capture_on_commit_callbacks
):
    url = f"/booking/manage/{manage_token(booking)}/cancel/"

    confirm = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    booking.refresh_from_db()
    assert "Yes, cancel it" in confirm.text
    assert booking.status == Booking.Status.CANCELLED
    assert "Your booking is cancelled" in response.text
    assert "This booking was cancelled on" in response.text
    assert "/cancel/" not in response.text
    assert [message.subject.split(":")[0] for message in mail.outbox] == ["Cancelled", "Cancelled"]


def test_it_does_not_cancel_twice(client, booking):
    services.cancel(booking=booking)

    response = client.post(f"/booking/manage/{manage_token(booking)}/cancel/", follow=True)

    assert "can no longer be cancelled" in response.text


def test_it_lists_free_slots_to_move_to(client, booking, engineer):
    later = SlotFactory(engineer=engineer, start=at(11), end=at(12))
    url = f"/booking/manage/{manage_token(booking)}/reschedule/"

    page = client.get(url, {"tz": "Europe/Berlin"})
    partial = client.get(url, {"tz": "Europe/Berlin"}, **HTMX)

    assert f'name="slot" value="{later.pk}"' in page.text
    assert "12:00–13:00" in visible(page)
    assert partial.text.lstrip().startswith('<section id="slot-calendar"')


def test_it_moves_the_booking(client, booking, engineer, django_capture_on_commit_callbacks):
    later = SlotFactory(engineer=engineer, start=at(11), end=at(12))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/booking/manage/{manage_token(booking)}/reschedule/", {"slot": later.pk}, follow=True
        )

    booking.refresh_from_db()
    assert booking.slot == later
    assert "Your booking has moved to Mon 7 Jan 2030, 12:00–13:00" in response.text
    assert mail.outbox[0].subject.startswith("Your technical assessment has moved")


def test_it_explains_when_the_new_slot_was_taken(client, booking, engineer):
    later = SlotFactory(engineer=engineer, start=at(11), end=at(12))
    BookingFactory(slot=later, email="other@example.org")

    response = client.post(
        f"/booking/manage/{manage_token(booking)}/reschedule/", {"slot": later.pk}
    )

    booking.refresh_from_db()
    assert response.status_code == 200
    assert "that time has just been taken" in response.text
    assert booking.slot_id != later.pk


def test_it_does_not_offer_changes_once_the_appointment_started(client, booking, frozen_now):
    frozen_now.move_to(at(9, 30))

    page = client.get(f"/booking/manage/{manage_token(booking)}/")
    response = client.get(f"/booking/manage/{manage_token(booking)}/reschedule/", follow=True)

    assert "has started or taken place" in page.text
    assert "/reschedule/" not in page.text
    assert "can no longer be moved" in response.text
    assert reverse("booking:index") in page.text
