"""Who a request comes from: the socket address, or behind our proxies the address they saw."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from apps.core.clients import client_address, client_identity
from apps.core.ratelimit import rate_limit

ROOT = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.1"


def _request(remote: str | None = PROXY, forwarded: str | None = None) -> HttpRequest:
    request = RequestFactory().post("/form/")
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    request.user = AnonymousUser()
    return request


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        pytest.param(None, "203.0.113.9", id="no header"),
        pytest.param("198.51.100.1", "203.0.113.9", id="one entry"),
        pytest.param("198.51.100.1, 198.51.100.2", "203.0.113.9", id="two entries"),
    ],
)
def test_it_reads_the_socket_address_when_no_proxy_is_trusted(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_address(_request("203.0.113.9", forwarded)) == expected


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        pytest.param(1, "203.0.113.9", "203.0.113.9", id="1 proxy, its entry"),
        pytest.param(1, "6.6.6.6, 203.0.113.9", "203.0.113.9", id="1 proxy, a fake entry before"),
        pytest.param(1, " 203.0.113.9 ", "203.0.113.9", id="1 proxy, spaces"),
        pytest.param(2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9", id="2 proxies"),
        pytest.param(1, "2001:DB8::0001", "2001:db8::1", id="1 proxy, IPv6 normalised"),
        pytest.param(1, None, PROXY, id="1 proxy, no header: the socket address"),
        pytest.param(2, "203.0.113.9", PROXY, id="2 proxies, one entry: the socket address"),
        pytest.param(1, "not-an-address", PROXY, id="1 proxy, garbage: the socket address"),
    ],
)
def test_it_reads_the_entry_our_outermost_proxy_wrote(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count

    assert client_address(_request(PROXY, forwarded)) == expected


def test_a_client_cannot_choose_its_address_by_prepending_entries(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    honest = _request(forwarded="203.0.113.9")
    forged = _request(forwarded="198.51.100.1, 198.51.100.2, 203.0.113.9")

    assert client_address(forged) == client_address(honest) == "203.0.113.9"


def test_it_gives_no_address_when_the_server_gave_none(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(_request(remote=None)) is None
    assert client_identity(_request(remote=None)) == "unknown"


def test_an_ipv6_client_is_counted_by_its_64_network(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    one = client_identity(_request(forwarded="2001:db8:1:2::1"))
    other = client_identity(_request(forwarded="2001:db8:1:2:ffff::9"))

    assert one == other == "2001:db8:1:2::/64"


# --- The rate-limit decorator ---


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@pytest.fixture
def _stopped_clock(time_machine) -> None:
    """A budget window that closed mid-test would refill the budget."""
    time_machine.move_to("2025-03-03 09:00:00Z", tick=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("_stopped_clock")
def test_without_a_trusted_proxy_a_changed_header_does_not_escape_the_limit(settings):
    # given no trusted proxy and a budget of two posts a minute
    settings.TRUSTED_PROXY_COUNT = 0
    settings.PUBLIC_FORM_RATE = "2/m"
    view = rate_limit("test.form", rate="PUBLIC_FORM_RATE")(_ok)

    # when one client sends every post with a different X-Forwarded-For
    codes = [view(_request("203.0.113.9", f"198.51.100.{n}")).status_code for n in range(4)]

    # then the header changes nothing
    assert codes == [200, 200, 429, 429]


@pytest.mark.django_db
@pytest.mark.usefixtures("_stopped_clock")
def test_behind_one_proxy_each_client_has_its_own_budget(settings):
    # given one trusted proxy and a budget of two posts a minute
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PUBLIC_FORM_RATE = "2/m"
    view = rate_limit("test.form", rate="PUBLIC_FORM_RATE")(_ok)

    # when one client spends its budget, forging entries on its last try
    first = [view(_request(forwarded="203.0.113.9")).status_code for _ in range(2)]
    forged = view(_request(forwarded="198.51.100.77, 203.0.113.9")).status_code
    # and another client arrives through the same proxy
    other = view(_request(forwarded="203.0.113.10")).status_code

    # then the first is refused whatever it prepends, and the other is served
    assert first == [200, 200]
    assert forged == 429
    assert other == 200


# --- The setting ---


def _load_settings(value: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_DEBUG": "true", "TRUSTED_PROXY_COUNT": value}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'], "
        "settings.AXES_CLIENT_IP_CALLABLE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_the_setting_drives_the_api_throttles_and_axes():
    result = _load_settings("2")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "2", "apps.core.clients.client_address"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("one", "TRUSTED_PROXY_COUNT='one' is not an integer"),
        ("-1", "TRUSTED_PROXY_COUNT=-1 is negative"),
    ],
)
def test_a_malformed_count_stops_start_up_naming_the_variable(value, message):
    result = _load_settings(value)

    assert result.returncode != 0
    assert message in result.stderr
