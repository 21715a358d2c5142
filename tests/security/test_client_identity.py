"""Limits see clients, not the proxy and not a header the client writes (TRUSTED_PROXY_COUNT).

The test client connects from 127.0.0.1, as gunicorn sees every request behind the proxy.
With no trusted proxy, X-Forwarded-For is the client's own text and must change nothing; with
one, the proxy's (last) entry names the client and entries before it are the client's own.
"""

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

FORM = reverse("assessments:start")
API = "/api/v1/assessments/"
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def small_budgets(settings, monkeypatch, time_machine) -> None:
    """Two posts a minute on the public forms and for the API's `submit` scope."""
    # A stopped clock: a budget window that closed mid-test would refill the budget.
    time_machine.move_to("2025-03-03 09:00:00Z", tick=False)
    settings.PUBLIC_FORM_RATE = "2/m"
    # DRF binds the rates to the class when it is imported, so a settings override misses them.
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "submit": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _form(client, forwarded: str) -> int:
    return client.post(FORM, HTTP_X_FORWARDED_FOR=forwarded).status_code


def _submit(client, forwarded: str) -> int:
    # The throttle runs before the body is read: an empty submission spends budget too.
    response = client.post(API, {}, content_type="application/json", HTTP_X_FORWARDED_FOR=forwarded)
    return response.status_code


def _login(client, forwarded: str, password: str = "wrong") -> int:
    data = {"username": "sales", "password": password}
    return client.post(reverse("login"), data, HTTP_X_FORWARDED_FOR=forwarded).status_code


@pytest.mark.usefixtures("small_budgets")
@pytest.mark.parametrize("send", [_form, _submit], ids=["public form", "API submission"])
def test_without_a_trusted_proxy_a_changed_header_escapes_no_limit(client, settings, send):
    # given no trusted proxy
    settings.TRUSTED_PROXY_COUNT = 0

    # when one client changes X-Forwarded-For on every request
    codes = [send(client, f"198.51.100.{n}") for n in range(4)]

    # then its third and fourth requests are refused all the same
    assert [code == 429 for code in codes] == [False, False, True, True]


@pytest.mark.usefixtures("small_budgets")
@pytest.mark.parametrize("send", [_form, _submit], ids=["public form", "API submission"])
def test_behind_one_proxy_clients_have_their_own_budgets(client, settings, send):
    # given one trusted proxy, through which every request arrives from 127.0.0.1
    settings.TRUSTED_PROXY_COUNT = 1

    # when one client spends its budget and then prepends a forged entry
    spent = [send(client, "203.0.113.9") for _ in range(2)]
    forged = send(client, "198.51.100.77, 203.0.113.9")
    # and another client sends its first request
    other = send(client, "203.0.113.10")

    # then the first is refused whoever it claims to be, and the other is served
    assert 429 not in spent
    assert forged == 429
    assert other != 429


def test_without_a_trusted_proxy_a_changed_header_escapes_no_lock_out(client, settings, sales):
    settings.TRUSTED_PROXY_COUNT = 0
    limit = settings.AXES_FAILURE_LIMIT

    codes = [_login(client, f"198.51.100.{n}") for n in range(limit)]
    retried = _login(client, "198.51.100.200", PASSWORD)

    assert codes[-1] == 429
    assert retried == 429


def test_behind_one_proxy_a_lock_out_holds_one_client_only(client, settings, sales):
    # given one trusted proxy
    settings.TRUSTED_PROXY_COUNT = 1

    # when one client guesses the password until it is locked out
    codes = [_login(client, "203.0.113.9") for _ in range(settings.AXES_FAILURE_LIMIT)]
    forged = _login(client, "198.51.100.77, 203.0.113.9", PASSWORD)
    # and the account's owner logs in from another address behind the same proxy
    owner = _login(client, "203.0.113.10", PASSWORD)

    # then the guesser stays locked out and the owner gets in
    assert codes[-1] == 429
    assert forged == 429
    assert owner == 302
