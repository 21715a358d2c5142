"""Private pages stay out of caches, search engines and Referer headers: live, 404 and 429 alike.

The headers come from ``core.middleware.PrivatePageMiddleware``, chosen by URL
(``core.private_links``); public pages keep their caching and the site's referrer policy.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.booking import services as booking
from apps.core.private_links import carries_token
from apps.sharing import services as sharing
from tests.booking.factories import BookingFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "x" * 43


def _is_never_cached(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def _is_private_link_page(response) -> bool:
    return (
        _is_never_cached(response)
        and response.get("X-Robots-Tag") == "noindex, nofollow"
        and response.get("Referrer-Policy") == "strict-origin"
    )


@pytest.fixture
def private_urls(scored) -> dict[str, str]:
    """One live URL of each kind of private-link page."""
    assessment, token = scored
    shared = sharing.create_share_link(assessment=assessment, label="CTO").token
    manage = booking.manage_token(BookingFactory())
    return {
        "result": reverse("reports:result", kwargs={"token": token}),
        "share links": reverse("sharing:share_links", kwargs={"token": token}),
        "delete": reverse("assessments:delete", kwargs={"token": token}),
        "shared report": reverse("sharing:shared_report", kwargs={"token": shared}),
        "booking confirmed": reverse("booking:confirmed", kwargs={"token": manage}),
        "booking manage": reverse("booking:manage", kwargs={"token": manage}),
        "calendar for an assessment": reverse("booking:index") + f"?assessment={token}",
        "token API": reverse("api-assessment-detail", kwargs={"token": token}),
    }


def test_it_marks_every_kind_of_private_link_page(client, private_urls):
    responses = {name: client.get(url) for name, url in private_urls.items()}

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(
        private_urls, 200
    )
    assert [name for name, r in responses.items() if not _is_private_link_page(r)] == []


@pytest.mark.parametrize(
    "url",
    [
        f"/assessment/{UNKNOWN}/",
        f"/assessment/{UNKNOWN}/report.pdf",
        f"/assessment/{UNKNOWN}/share/",
        f"/assessment/{UNKNOWN}/delete/",
        f"/assessment/{UNKNOWN}/step/1/",
        f"/r/{UNKNOWN}/",
        f"/booking/confirmed/{UNKNOWN}/",
        f"/booking/manage/{UNKNOWN}/",
        f"/api/v1/assessments/{UNKNOWN}/",
        f"/api/v1/assessments/{UNKNOWN}/report.pdf",
    ],
)
def test_it_marks_the_404_of_an_unknown_token(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert _is_private_link_page(response)


def test_it_marks_the_429_of_a_client_guessing_tokens(client, settings):
    settings.TOKEN_LOOKUP_RATE = "1/m"

    responses = [client.get(f"/r/{UNKNOWN}/") for _ in range(2)]

    assert [r.status_code for r in responses] == [404, 429]
    assert all(_is_private_link_page(r) for r in responses)


@pytest.mark.parametrize("name", ["dashboard:index", "dashboard:leads_csv", "dashboard:charts"])
def test_it_never_caches_the_dashboard(client, sales, name):
    client.force_login(sales)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert _is_never_cached(response)


def test_it_never_caches_the_dashboard_login_redirect(client):
    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 302
    assert _is_never_cached(response)


@pytest.mark.parametrize(
    "url", ["/", "/assessment/", "/compare/", "/booking/", "/faq/", "/assessment/?ref=home"]
)
def test_it_leaves_public_pages_cacheable_and_referrable(client, catalog, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "X-Robots-Tag" not in response
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def test_every_route_with_a_token_is_a_private_link():
    with_token = [route for route in _routes(get_resolver()) if "<str:token>" in route]

    assert len(with_token) >= 12
    for route in with_token:
        path = "/" + route.replace("<str:token>", UNKNOWN)
        assert carries_token(path), route
