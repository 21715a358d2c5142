"""The one rate-limit decorator: its budget, its key and the 429 page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from apps.core.ratelimit import client_key, posted, rate_limit, token_page

pytestmark = pytest.mark.django_db


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _missing(request: HttpRequest) -> HttpResponse:
    raise Http404


def _request(method: str = "get", address: str = "203.0.113.7") -> HttpRequest:
    request = getattr(RequestFactory(), method)("/form/", REMOTE_ADDR=address)
    # The 429 page shows who is logged in, as every page does.
    request.user = AnonymousUser()
    return request


def _codes(view, count: int, **kwargs) -> list[int]:
    return [view(_request(**kwargs)).status_code for _ in range(count)]


def test_it_passes_requests_under_the_limit(settings):
    settings.PUBLIC_FORM_RATE = "3/m"
    view = rate_limit("test.form", rate="PUBLIC_FORM_RATE")(_ok)

    assert _codes(view, 3) == [200, 200, 200]


def test_it_answers_with_the_429_page_once_the_budget_is_spent(settings):
    # given a budget of two requests a minute
    settings.PUBLIC_FORM_RATE = "2/m"
    view = rate_limit("test.form", rate="PUBLIC_FORM_RATE")(_ok)

    # when a client sends a third
    codes = _codes(view, 2)
    refused = view(_request())

    # then it is turned away with the friendly page
    assert codes == [200, 200]
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()


def test_it_reads_the_rate_per_request(settings):
    view = rate_limit("test.form", rate="TOKEN_LOOKUP_RATE")(_ok)
    settings.TOKEN_LOOKUP_RATE = "1/m"

    assert _codes(view, 2) == [200, 429]


def test_it_keeps_one_budget_per_client_and_per_group(settings):
    settings.PUBLIC_FORM_RATE = "1/m"
    view = rate_limit("test.form", rate="PUBLIC_FORM_RATE")(_ok)
    other_group = rate_limit("test.other", rate="PUBLIC_FORM_RATE")(_ok)

    assert _codes(view, 2) == [200, 429]
    assert _codes(view, 1, address="198.51.100.1") == [200]
    assert _codes(other_group, 1) == [200]


def test_it_counts_only_the_requests_chosen(settings):
    settings.PUBLIC_FORM_RATE = "1/m"
    view = rate_limit("test.form", rate="PUBLIC_FORM_RATE", only_if=posted)(_ok)

    assert _codes(view, 3) == [200, 200, 200]
    assert _codes(view, 2, method="post") == [200, 429]


def test_it_counts_only_misses_when_asked(settings):
    # given a budget of two misses a minute
    settings.TOKEN_LOOKUP_RATE = "2/m"
    found = rate_limit("test.token", rate="TOKEN_LOOKUP_RATE", misses_only=True)(_ok)
    missing = rate_limit("test.token", rate="TOKEN_LOOKUP_RATE", misses_only=True)(_missing)

    # when a client's own page is opened often, and then two unknown tokens are tried
    assert _codes(found, 5) == [200] * 5
    for _ in range(2):
        with pytest.raises(Http404):
            missing(_request())

    # then only the third miss is refused
    assert missing(_request()).status_code == 429


def test_a_token_page_is_limited_per_client(settings):
    # Its headers come from PrivatePageMiddleware, by URL (tests/core/test_private_pages.py).
    settings.TOKEN_LOOKUP_RATE = "1/m"
    view = token_page(_ok)

    passed, refused = view(_request()), view(_request())

    assert (passed.status_code, refused.status_code) == (200, 429)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_it_keys_budgets_by_client_address(address, key):
    request = RequestFactory().get("/", REMOTE_ADDR=address)

    assert client_key("any", request) == key
