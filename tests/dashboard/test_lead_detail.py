import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assessments.models import ShareLink
from apps.reports import pdf as reports
from apps.sharing import services as sharing
from tests.reports.factories import make_assessment

from .bookings import make_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, sales):
    client.force_login(sales)
    return client


def _snapshot_question(assessment, key: str) -> dict:
    sections = assessment.scoring_model.snapshot["sections"]
    return next(q for s in sections for q in s["questions"] if q["key"] == key)


def _url(assessment) -> str:
    return reverse("dashboard:lead", kwargs={"pk": assessment.pk})


def test_it_shows_the_report_with_contact_answers_links_and_bookings(logged_in, scored):
    assessment, _ = scored
    link = sharing.create_share_link(assessment=assessment, label="Their CTO").link
    sharing.log_view(link=link, user_agent="", is_pdf=False)
    sharing.log_view(link=link, user_agent="", is_pdf=True)
    make_booking(assessment=assessment)

    response = logged_in.get(_url(assessment))

    assert response.status_code == 200
    body = response.content.decode()
    assert "ada@example.org" in body
    assert response.context["show_contact"] is True
    assert "Our recommendation for your workloads" in body
    # The answers in words, e.g. the two storage choices of the default answers.
    storage = _snapshot_question(assessment, "storage")
    labels = {c["key"]: c["label"] for c in storage["choices"]}
    assert assessment.answers["storage"] == ["parallel_fs", "nfs"]
    assert storage["text"] in body
    assert f"{labels['parallel_fs']}, {labels['nfs']}" in body
    assert "Their CTO" in body
    assert re.search(r"<td>2</td>", body)
    assert "Confirmed" in body


def test_it_creates_a_link_by_htmx_and_shows_the_token_once(logged_in, scored, sales, settings):
    settings.SITE_URL = "https://advisor.example"
    assessment, _ = scored

    response = logged_in.post(
        _url(assessment), {"label": "Procurement", "expires_in_days": "5"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 201
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="share-links">')
    raw = re.search(r"https://advisor\.example/r/([A-Za-z0-9_-]{43})/", body).group(1)
    link = ShareLink.objects.get()
    assert link.created_by == sales
    assert sharing.resolve_share_link(raw) == link
    assert f'data-copy="https://advisor.example/r/{raw}/"' in body
    assert raw not in logged_in.get(_url(assessment)).content.decode()


def test_it_revokes_a_link_by_htmx(logged_in, scored):
    assessment, _ = scored
    new = sharing.create_share_link(assessment=assessment, label="Board")
    url = reverse(
        "dashboard:lead_share_revoke", kwargs={"pk": assessment.pk, "link_id": new.link.pk}
    )

    response = logged_in.post(url, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Revoked" in response.content.decode()
    assert sharing.resolve_share_link(new.token) is None


def test_it_refuses_to_revoke_another_leads_link(logged_in, scored):
    assessment, _ = scored
    other, _ = make_assessment()
    foreign = sharing.create_share_link(assessment=other, label="x")
    url = reverse(
        "dashboard:lead_share_revoke", kwargs={"pk": assessment.pk, "link_id": foreign.link.pk}
    )

    assert logged_in.post(url).status_code == 404
    assert sharing.resolve_share_link(foreign.token) is not None


def test_it_runs_the_same_number_of_queries_whatever_the_number_of_links(logged_in, scored):
    assessment, _ = scored

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(_url(assessment)).status_code == 200
        return len(captured)

    sharing.create_share_link(assessment=assessment, label="one")
    with_one = queries()
    for n in range(12):
        link = sharing.create_share_link(assessment=assessment, label=f"link {n}").link
        sharing.log_view(link=link, user_agent="", is_pdf=False)
        make_booking(assessment=assessment)

    assert queries() == with_one


def test_it_downloads_the_full_pdf_once_rendered(
    logged_in, scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, _ = scored
    url = reverse("dashboard:lead_report_pdf", kwargs={"pk": assessment.pk})

    with django_capture_on_commit_callbacks(execute=True):
        waiting = logged_in.get(url)
    ready = logged_in.get(url)

    assert waiting.status_code == 202
    assert ready.status_code == 200
    assert b"".join(ready.streaming_content).endswith(b"%full\n")
    assert reports.is_report_current(type(assessment).objects.get(pk=assessment.pk))


def test_it_answers_404_for_drafts_and_unknown_leads(logged_in, scoring_model):
    draft, _ = make_assessment(status="draft")

    assert logged_in.get(_url(draft)).status_code == 404
    assert logged_in.get(reverse("dashboard:lead", kwargs={"pk": 999999})).status_code == 404
