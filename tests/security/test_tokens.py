"""Private-link tokens: unguessable, looked up by their hash only, and rate limited."""

import math
import re
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assessments import services
from apps.assessments.models import Assessment, ShareLink
from apps.booking.models import Booking
from apps.booking.services import manage_token
from apps.core.tokens import hash_token
from apps.sharing import services as sharing
from tests.booking.factories import BookingFactory

URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
MIN_BITS = 128


def _bits(token: str, alphabet_size: int) -> float:
    return len(token) * math.log2(alphabet_size)


def _assert_unguessable(tokens: list[str]) -> None:
    assert len(set(tokens)) == len(tokens), "a token repeated"
    for token in tokens:
        assert URL_SAFE.match(token), token
        assert _bits(token, 64) >= MIN_BITS, f"{token!r} carries under {MIN_BITS} bits"


@pytest.mark.django_db
def test_it_gives_each_assessment_an_unguessable_token_stored_only_as_its_hash(scored):
    # when
    drafts = [services.start_assessment() for _ in range(20)]

    # then
    _assert_unguessable([token for _, token in drafts])
    for assessment, token in drafts:
        row = Assessment.objects.filter(pk=assessment.pk).values().get()
        assert row["token_hash"] == hash_token(token)
        assert token not in {str(value) for value in row.values()}


@pytest.mark.django_db
def test_it_gives_each_share_link_an_unguessable_token_stored_only_as_its_hash(scored):
    assessment, _ = scored

    links = [sharing.create_share_link(assessment=assessment, label="CFO") for _ in range(20)]

    _assert_unguessable([new.token for new in links])
    for new in links:
        row = ShareLink.objects.filter(pk=new.link.pk).values().get()
        assert row["token_hash"] == hash_token(new.token)
        assert new.token not in {str(value) for value in row.values()}


@pytest.mark.django_db
def test_it_derives_booking_links_from_a_random_id_and_the_secret_key():
    bookings = BookingFactory.create_batch(5)

    tokens = [manage_token(booking) for booking in bookings]

    assert len(set(tokens)) == len(tokens)
    for booking, token in zip(bookings, tokens, strict=True):
        assert re.fullmatch(r"[0-9a-f]{64}", token), token  # HMAC-SHA256: 256 bits
        assert booking.uid.version == 4  # the input is random too, not a counter
        row = Booking.objects.filter(pk=booking.pk).values().get()
        assert row["token_hash"] == hash_token(token)
        assert token not in {str(value) for value in row.values()}


def _lookup_sql(client, url: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return "\n".join(f"{q['sql']}" for q in queries.captured_queries)


@pytest.mark.django_db
def test_it_looks_tokens_up_by_their_hash_never_by_the_raw_value(client, scored):
    # A database comparison of the raw token could leak it through timing; by hash it cannot.
    assessment, token = scored
    share = sharing.create_share_link(assessment=assessment, label="CFO")
    booking = BookingFactory()
    pages = {
        reverse("reports:result", kwargs={"token": token}): token,
        reverse("sharing:shared_report", kwargs={"token": share.token}): share.token,
        reverse("booking:manage", kwargs={"token": manage_token(booking)}): manage_token(booking),
        reverse("api-assessment-detail", kwargs={"token": token}): token,
    }

    for url, raw in pages.items():
        sql = _lookup_sql(client, url)
        assert hash_token(raw) in sql, url
        assert raw not in sql, url


def _random_token() -> str:
    return secrets.token_urlsafe(32)


TOKEN_PAGES = [
    pytest.param("sharing:shared_report", id="share page"),
    pytest.param("sharing:shared_report_pdf", id="share PDF"),
    pytest.param("reports:report_pdf", id="private PDF"),
    pytest.param("sharing:share_links", id="private share links"),
    pytest.param("assessments:delete", id="private delete page"),
    pytest.param("booking:manage", id="booking manage page"),
    pytest.param("booking:cancel", id="booking cancel page"),
    pytest.param("booking:reschedule", id="booking reschedule page"),
    pytest.param("reports:result", id="private assessment page"),
    pytest.param("api-assessment-detail", id="assessment API"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", TOKEN_PAGES)
def test_it_answers_429_once_a_client_has_tried_too_many_tokens(client, settings, url_name):
    # given a budget of five lookups per minute
    settings.TOKEN_LOOKUP_RATE = "5/m"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "1000/minute",
        },
    }

    # when one client tries six random tokens
    codes = [
        client.get(reverse(url_name, kwargs={"token": _random_token()})).status_code
        for _ in range(6)
    ]

    # then the first five are plain "not found" and the sixth is refused
    assert codes[:5] == [404] * 5
    assert codes[5] == 429


@pytest.mark.django_db
def test_it_never_limits_a_prospect_polling_their_own_page(client, settings, scored):
    # given the same budget, and a prospect with a real private token
    settings.TOKEN_LOOKUP_RATE = "5/m"
    _assessment, raw = scored
    url = reverse("reports:result", kwargs={"token": raw})

    # when the result page polls far more often than the budget
    codes = {client.get(url).status_code for _ in range(12)}

    # then every poll is answered: only misses count against the budget
    assert codes == {200}


@pytest.mark.django_db
def test_it_answers_an_unknown_token_even_without_a_client_address(client):
    response = client.get(
        reverse("api-assessment-detail", kwargs={"token": _random_token()}), REMOTE_ADDR=""
    )

    assert response.status_code == 404
