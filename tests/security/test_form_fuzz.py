"""Arbitrary data posted (or put in the query string) to every form handler never gives a 500.

Hypothesis draws an endpoint and a form body: known field names and random ones; empty,
huge, numeric-looking, unicode and NUL values; single values and lists. Each response must
be a deliberate one (2xx, 3xx or 4xx), with or without htmx.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.booking.services import manage_token
from apps.questionnaire.services import latest_model
from tests.booking.factories import BookingFactory, SlotFactory

KNOWN_FIELDS = [
    # compare, FAQ, dashboard filters
    "tech", "category", "differ", "q", "date_from", "date_to", "recommendation", "booked",
    "sort", "page", "question", "ids", "scope",
    # wizard, contact, resume link, honeypot
    "name", "email", "company", "role", "consent", "website", "resume_email", "action",
    # booking
    "slot", "notes", "timezone", "tz", "assessment",
    # share links, deletion, login
    "label", "expires_in_days", "confirm", "username", "password", "next",
]  # fmt: skip
TRICKY_VALUES = [
    "", " ", "0", "-1", "1.5", "1e309", "NaN", "-inf", "99999999999999999999999999",
    "unknown", "true", "on", "null", "[]", "{}", "\x00", "a\x00b", "😀" * 30,
    "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "2024-02-30",
    "Europe/Nowhere", "x" * 70_000,
]  # fmt: skip

values = st.one_of(
    st.sampled_from(TRICKY_VALUES),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
fields = st.one_of(values, st.lists(values, max_size=4))


def bodies(keys: list[str]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(min_size=1, max_size=20)), fields, max_size=8
    )


@pytest.fixture
def targets(seeded, sales):
    """(method, url, needs a Sales login) for every form handler, on real content."""
    snapshot = latest_model().snapshot
    steps = len(snapshot["sections"]) + 1
    draft, draft_token = services.start_assessment()
    scored, scored_token = services.start_assessment()
    Assessment.objects.filter(pk=scored.pk).update(status=Assessment.Status.PENDING)
    services.score_assessment(assessment_id=scored.pk)
    scored.refresh_from_db()
    assert scored.is_scored()
    slot = SlotFactory()
    booking = BookingFactory()
    booking_token = manage_token(booking)
    public = [
        ("get", "/compare/"),
        ("get", "/compare/export.csv"),
        ("get", "/faq/"),
        ("post", "/assessment/"),
        *(("post", f"/assessment/{draft_token}/step/{n}/") for n in range(1, steps + 1)),
        *(("post", f"/assessment/{draft_token}/step/{n}/questions/") for n in range(1, steps)),
        ("post", f"/assessment/{scored_token}/retry/"),
        ("post", f"/assessment/{scored_token}/share/"),
        ("get", "/booking/"),
        ("get", f"/booking/slot/{slot.pk}/"),
        ("post", "/booking/book/"),
        ("post", f"/booking/manage/{booking_token}/reschedule/"),
        ("get", f"/booking/manage/{booking_token}/reschedule/"),
        ("post", "/accounts/login/"),
        ("post", "/accounts/password_reset/"),
    ]
    staff = [
        ("get", "/dashboard/"),
        ("get", "/dashboard/leads.csv"),
        ("get", "/dashboard/charts/"),
        ("post", f"/dashboard/leads/{scored.pk}/"),
        ("post", "/dashboard/rescore/"),
        ("post", "/dashboard/notifications/"),
    ]
    return [(m, u, False) for m, u in public] + [(m, u, True) for m, u in staff]


@pytest.mark.django_db
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_it_never_answers_arbitrary_form_data_with_a_server_error(data, targets, sales, settings):
    settings.RATELIMIT_ENABLE = False
    # given one of the handlers, as a visitor or as Sales, with or without htmx
    method, url, staff = data.draw(st.sampled_from(targets), label="endpoint")
    body = data.draw(bodies(KNOWN_FIELDS), label="body")
    htmx = data.draw(st.booleans(), label="htmx")
    client = Client(raise_request_exception=True)
    if staff:
        client.force_login(sales)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    cache.clear()

    # when
    response = getattr(client, method)(url, body, **headers)

    # then
    assert response.status_code < 500, (method, url, body, response.status_code)
