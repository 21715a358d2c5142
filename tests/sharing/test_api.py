import pytest
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from apps.assessments.models import Assessment, ShareLink
from apps.sharing import services as sharing
from tests.reports.factories import make_assessment

pytestmark = pytest.mark.django_db


def _links_url(token: str) -> str:
    return reverse("api-assessment-share-links", kwargs={"token": token})


def _pdf_url(token: str) -> str:
    return reverse("api-assessment-report-pdf", kwargs={"token": token})


def test_it_creates_a_share_link(client, scored, settings):
    settings.SITE_URL = "https://advisor.example"
    assessment, private = scored

    response = client.post(
        _links_url(private),
        {"label": "CFO", "expires_in_days": 10},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "expires_at"}
    link = ShareLink.objects.get(pk=body["id"], assessment=assessment)
    token = body["url"].removeprefix("https://advisor.example/r/").rstrip("/")
    assert sharing.resolve_share_link(token) == link
    assert client.get(body["url"].removeprefix("https://advisor.example")).status_code == 200


@pytest.mark.parametrize("days", [0, 366, "soon"])
def test_it_rejects_an_expiry_out_of_range(client, scored, days):
    _, private = scored

    response = client.post(
        _links_url(private),
        {"label": "CFO", "expires_in_days": days},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "expires_in_days" in response.json()
    assert ShareLink.objects.count() == 0


def test_it_requires_a_label(client, scored):
    _, private = scored

    response = client.post(_links_url(private), {}, content_type="application/json")

    assert response.status_code == 400
    assert "label" in response.json()


def test_it_answers_404_for_an_unknown_token_even_to_staff(client, scored, superuser):
    client.force_login(superuser)

    response = client.post(_links_url("z" * 43), {"label": "x"}, content_type="application/json")

    assert response.status_code == 404


def test_it_answers_409_before_the_assessment_is_scored(client, scoring_model):
    _, private = make_assessment(status=Assessment.Status.PENDING)

    created = client.post(_links_url(private), {"label": "x"}, content_type="application/json")
    pdf = client.get(_pdf_url(private))

    assert (created.status_code, pdf.status_code) == (409, 409)


def test_it_revokes_a_link_and_refuses_another_assessments(client, scored):
    assessment, private = scored
    own = sharing.create_share_link(assessment=assessment, label="a")
    other, _ = make_assessment()
    foreign = sharing.create_share_link(assessment=other, label="b")

    revoked = client.delete(
        reverse("api-assessment-share-link", kwargs={"token": private, "link_id": own.link.pk})
    )
    refused = client.delete(
        reverse("api-assessment-share-link", kwargs={"token": private, "link_id": foreign.link.pk})
    )

    assert (revoked.status_code, refused.status_code) == (204, 404)
    assert sharing.resolve_share_link(own.token) is None
    assert sharing.resolve_share_link(foreign.token) is not None


def test_it_throttles_the_share_scope(client, scored, monkeypatch):
    _, private = scored
    # DRF reads the rates once at import, so the test patches the class attribute.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "share": "2/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)

    statuses = [
        client.post(
            _links_url(private), {"label": "x"}, content_type="application/json"
        ).status_code
        for _ in range(3)
    ]

    assert statuses == [201, 201, 429]


def test_it_answers_202_while_rendering_then_the_pdf(
    client, scored, fast_pdf, django_capture_on_commit_callbacks
):
    _, private = scored

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.get(_pdf_url(private), HTTP_ACCEPT="application/pdf")
    again = client.get(_pdf_url(private))
    callbacks[0]()
    ready = client.get(_pdf_url(private), HTTP_ACCEPT="application/pdf")

    assert (first.status_code, first.json()) == (202, {"status": "rendering"})
    assert (again.status_code, again.json()) == (202, {"status": "rendering"})
    assert len(callbacks) == 1
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/pdf"
    assert ready["Content-Disposition"].startswith('attachment; filename="orchestration-report-')
    assert b"".join(ready.streaming_content).startswith(b"%PDF-")


def test_it_answers_404_for_the_pdf_of_an_unknown_token(client, db):
    response = client.get(_pdf_url("q" * 43))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
