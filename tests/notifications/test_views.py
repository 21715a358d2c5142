"""The Sales user's notification preferences page."""

import pytest
from django.urls import reverse

from apps.notifications.models import Channel, NotificationPreference

pytestmark = pytest.mark.django_db
URL = "/dashboard/notifications/"


def test_its_address_is_under_the_dashboard():
    assert reverse("notifications:preferences") == URL


def test_it_sends_visitors_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_staff_outside_sales(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


def test_it_shows_the_defaults_with_a_label_for_every_choice(client, sales):
    client.force_login(sales)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<legend" in html
    assert "A booking was cancelled" in html
    assert html.count('type="radio"') == 6 * 3
    assert 'id="id_assessment_scored_0" value="instant" checked' in html
    assert '<label class="form-label" for="id_timezone">' in html
    assert 'aria-current="page" href="/dashboard/notifications/"' in html


def test_it_saves_the_choices(client, sales):
    client.force_login(sales)
    data = {
        "assessment_scored": "digest",
        "booking_created": "instant",
        "booking_cancelled": "none",
        "booking_rescheduled": "none",
        "share_link_viewed": "instant",
        "team_member_joined": "digest",
        "digest_time": "07:30",
        "timezone": "Europe/Berlin",
    }

    response = client.post(URL, data)

    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=sales)
    assert pref.assessment_scored == Channel.DIGEST
    assert pref.booking_cancelled == Channel.NONE
    assert (pref.digest_time.isoformat(), pref.timezone) == ("07:30:00", "Europe/Berlin")
    assert "saved" in client.get(URL).content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Mars/Olympus"},
        {"digest_time": "25:99"},
        {"assessment_scored": "pigeon"},
        {"timezone": "x" * 5000},
    ],
)
def test_it_answers_malformed_input_with_the_form_and_its_errors(client, sales, bad):
    client.force_login(sales)
    data = {"assessment_scored": "instant", "digest_time": "08:00", "timezone": "UTC"} | bad

    response = client.post(URL, data)

    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_dashboard_links_to_it(client, sales):
    client.force_login(sales)
    assert f'href="{URL}"' in client.get("/dashboard/").content.decode()
