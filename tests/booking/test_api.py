"""The booking API: free slots and booking one."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from apps.booking import services
from apps.booking.api import BookingRateThrottle
from apps.booking.forms import BookingForm
from apps.booking.models import Booking

from .factories import BookingFactory, EngineerFactory, SlotFactory, scored_assessment

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def engineer():
    return EngineerFactory(first_name="Grace", last_name="Hopper")


@pytest.fixture
def slot(engineer, frozen_now):
    return SlotFactory(engineer=engineer, start=at(9), end=at(9, 45))


def payload(slot, **extra) -> dict:
    return {"slot": slot.pk, "name": "Ada", "email": "ada@example.org", **extra}


def test_it_lists_free_slots_with_offsets(client, slot, engineer):
    BookingFactory(slot=SlotFactory(engineer=engineer, start=at(13), end=at(14)))

    response = client.get("/api/v1/slots/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": slot.pk,
            "start": "2030-01-07T09:00:00+00:00",
            "end": "2030-01-07T09:45:00+00:00",
            "engineer": "Grace Hopper",
        }
    ]


def test_it_shows_offsets_in_a_requested_zone(client, slot):
    response = client.get("/api/v1/slots/", {"tz": "Europe/Berlin"})

    assert response.json()[0]["start"] == "2030-01-07T10:00:00+01:00"


def test_it_defaults_to_the_coming_four_weeks(client, engineer, frozen_now):
    inside = SlotFactory(engineer=engineer, start=at(9, day=31) + timedelta(days=2))
    SlotFactory(engineer=engineer, start=at(13, day=31) + timedelta(days=3))

    response = client.get("/api/v1/slots/")

    assert [row["id"] for row in response.json()] == [inside.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"from": "2030-01-07", "to": "2030-01-07"}, 1),
        ({"from": "2030-01-07T09:30:00+00:00"}, 0),
        ({"from": "2030-01-07T10:00:00 01:00"}, 1),  # "+" sent unencoded arrives as a space
        ({"from": "2030-01-07T09:00:00Z", "to": "2030-01-07T09:00:01Z"}, 1),
        ({"from": "2030-01-07T08:00:00", "to": "2030-01-07T09:00:00"}, 0),  # naive = UTC
    ],
)
def test_it_filters_by_from_and_to(client, slot, query, expected):
    response = client.get("/api/v1/slots/", query)

    assert response.status_code == 200
    assert len(response.json()) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "yesterday"}, "ISO 8601"),
        ({"to": "2030-13-45"}, "ISO 8601"),
        ({"from": "2030-01-10", "to": "2030-01-09"}, "after"),
        ({"from": "2030-01-01", "to": "2030-06-01"}, "90 days"),
    ],
)
def test_it_rejects_bad_ranges_with_a_message(client, frozen_now, query, message):
    response = client.get("/api/v1/slots/", query)

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_it_books_through_the_api(client, slot, django_capture_on_commit_callbacks):
    assessment = scored_assessment("raw-token")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/bookings/",
            payload(slot, company="ACME", notes="Hi", assessment="raw-token"),
            content_type="application/json",
        )

    booking = Booking.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": booking.pk,
        "manage_url": f"http://127.0.0.1:8000/booking/manage/{services.manage_token(booking)}/",
        "start": "2030-01-07T09:00:00+00:00",
        "end": "2030-01-07T09:45:00+00:00",
    }
    assert (booking.company, booking.notes, booking.assessment) == ("ACME", "Hi", assessment)
    assert len(mail.outbox) == 2


def test_it_answers_409_with_alternatives_when_taken(client, slot, engineer):
    later = SlotFactory(engineer=engineer, start=at(11), end=at(12))
    BookingFactory(slot=slot)

    response = client.post("/api/v1/bookings/", payload(slot), content_type="application/json")

    assert response.status_code == 409
    body = response.json()
    assert "taken" in body["detail"]
    assert body["alternatives"] == [
        {
            "id": later.pk,
            "start": "2030-01-07T11:00:00+00:00",
            "end": "2030-01-07T12:00:00+00:00",
            "engineer": "Grace Hopper",
        }
    ]


def test_it_answers_400_per_field(client, slot):
    response = client.post(
        "/api/v1/bookings/",
        {"slot": 999999, "email": "nope", "assessment": "unknown", "timezone": "Mars/Base"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"slot", "name", "email", "assessment", "timezone"}
    assert response.json()["slot"] == ["There is no slot with this id."]
    assert not Booking.objects.exists()


def test_it_throttles_bookings(client, slot, monkeypatch):
    # DRF reads the rates once, at import: patch the class, not the settings.
    monkeypatch.setattr(BookingRateThrottle, "THROTTLE_RATES", {"booking": "2/minute"})

    codes = [
        client.post("/api/v1/bookings/", {}, content_type="application/json").status_code
        for _ in range(3)
    ]

    assert codes == [400, 400, 429]


def test_it_describes_both_endpoints_in_the_schema(client, db):
    response = client.get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert set(paths["/api/v1/bookings/"]["post"]["responses"]) == {"201", "400", "409", "429"}
    assert {param["name"] for param in paths["/api/v1/slots/"]["get"]["parameters"]} >= {
        "from",
        "to",
    }


def test_it_turns_far_offsets_into_utc_before_querying():
    from datetime import UTC

    from apps.booking.api import _parse_moment

    moment = _parse_moment("4558-12-27T20:40:37.41-18:30")

    assert moment.utcoffset().total_seconds() == 0
    assert moment.tzinfo.utcoffset(None) == UTC.utcoffset(None)


@pytest.mark.parametrize(
    "field",
    [{"name": "ACME\r\nX: y"}, {"company": "ACME\r\nX: y"}, {"email": "a@example.org\nBcc: b"}],
)
def test_it_refuses_line_breaks_in_contact_fields(client, slot, field):
    response = client.post(
        "/api/v1/bookings/", payload(slot, **field), content_type="application/json"
    )

    assert response.status_code == 400
    assert set(response.json()) == set(field)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("value", ["ACME\r\nX: y", "ACME\x00", "ACME\u2028X", "A\tB"])
def test_the_booking_form_refuses_control_characters(slot, value):
    data = {"slot": slot.pk, "name": value, "email": "ada@example.org", "company": value}

    form = BookingForm(data)

    assert set(form.errors) == {"name", "company"}
