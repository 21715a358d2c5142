"""The password reset form sends mail, so it is rate limited per client and per address."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

URL = "/accounts/password_reset/"


def test_it_limits_reset_mails_per_address_whatever_the_client(client, sales, settings):
    settings.PASSWORD_RESET_RATE = "2/h"

    codes = [
        client.post(URL, {"email": sales.email.upper()}, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(1, 5)
    ]

    assert codes == [302, 302, 429, 429]
    assert len(mail.outbox) == 2


def test_it_limits_reset_requests_per_client(client, settings):
    settings.PUBLIC_FORM_RATE = "3/m"

    codes = [client.post(URL, {"email": f"n{n}@example.org"}).status_code for n in range(5)]

    assert codes == [302, 302, 302, 429, 429]


def test_it_still_shows_the_form(client):
    assert client.get(URL).status_code == 200
