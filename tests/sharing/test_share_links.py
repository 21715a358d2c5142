import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.assessments.models import ShareLink, ShareLinkView
from apps.core.tokens import hash_token
from apps.reports import pdf as reports
from apps.sharing import services as sharing
from tests.reports.factories import make_assessment

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CSRF = re.compile(rb'"X-CSRFToken": "[^"]*"')


def _share(assessment, **kwargs) -> sharing.NewShareLink:
    return sharing.create_share_link(assessment=assessment, label="CTO", **kwargs)


def test_it_creates_a_link_from_the_private_page_and_shows_the_token_once(client, scored):
    assessment, private = scored
    url = reverse("sharing:share_links", kwargs={"token": private})

    response = client.post(url, {"label": "Our CTO", "expires_in_days": "14"})

    assert response.status_code == 201
    link = ShareLink.objects.get(assessment=assessment)
    raw = re.search(r"/r/([A-Za-z0-9_-]{43})/", response.content.decode()).group(1)
    assert link.token_hash == hash_token(raw)
    assert raw not in str(ShareLink.objects.values().get())
    assert round((link.expires_at - link.created_at).total_seconds() / 86400) == 14
    listing = client.get(url).content.decode()
    assert "Our CTO" in listing
    assert raw not in listing


def test_it_returns_only_the_links_region_to_htmx(client, scored):
    _, private = scored
    url = reverse("sharing:share_links", kwargs={"token": private})

    response = client.post(url, {"label": "Ops", "expires_in_days": "3"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="share-links">')
    assert "<html" not in body


def test_it_keeps_the_input_and_explains_an_invalid_expiry(client, scored):
    _, private = scored
    url = reverse("sharing:share_links", kwargs={"token": private})

    response = client.post(url, {"label": "Ops", "expires_in_days": "400"})

    assert response.status_code == 200
    assert ShareLink.objects.count() == 0
    body = response.content.decode()
    assert 'value="Ops"' in body
    assert 'aria-describedby="id_expires_in_days-help id_expires_in_days-error"' in body


def test_it_defaults_the_expiry_from_settings(scored, settings):
    settings.SHARE_LINK_DEFAULT_DAYS = 7
    assessment, _ = scored

    link = _share(assessment).link

    assert round((link.expires_at - link.created_at).total_seconds() / 86400) == 7


def test_it_shows_the_shared_report_without_contact_data_and_logs_the_view(client, scored):
    assessment, _ = scored
    new = _share(assessment)

    response = client.get(f"/r/{new.token}/", HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200
    body = response.content.decode()
    assert assessment.recommendation.name == "Slurm"
    assert "Slurm" in body
    for private in ("Analytical Engines", "Ada Lovelace", "ada@example.org", "Head of HPC"):
        assert private not in body
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    view = ShareLinkView.objects.get()
    assert (view.link_id, view.browser_family, view.is_pdf) == (new.link.pk, "Firefox", False)


def test_it_gives_unknown_expired_and_revoked_links_the_same_404(client, scored):
    assessment, _ = scored
    expired, revoked = _share(assessment, expires_in_days=1), _share(assessment)
    sharing.revoke_share_link(link=revoked.link)
    unknown = "x" * 43

    with time_machine.travel(timedelta(days=1, minutes=1)):
        responses = [
            client.get(f"/r/{token}/") for token in (unknown, expired.token, revoked.token)
        ]
        pdfs = [client.get(f"/r/{token}/report.pdf") for token in (unknown, expired.token)]

    assert [r.status_code for r in responses + pdfs] == [404] * 5
    # The pages differ only in the per-request CSRF mask that base.html carries.
    bodies = {CSRF.sub(b"", r.content) for r in responses + pdfs}
    assert len(bodies) == 1
    assert ShareLinkView.objects.count() == 0


def test_it_keeps_a_link_working_until_it_expires(client, scored):
    assessment, _ = scored
    new = _share(assessment, expires_in_days=2)

    with time_machine.travel(timedelta(days=1, hours=23)):
        assert client.get(f"/r/{new.token}/").status_code == 200
    with time_machine.travel(timedelta(days=2, minutes=1)):
        assert client.get(f"/r/{new.token}/").status_code == 404


def test_it_rate_limits_token_lookups_per_client(client, scored, settings):
    settings.TOKEN_LOOKUP_RATE = "3/m"

    statuses = [client.get(f"/r/{'y' * 43}/").status_code for _ in range(4)]

    assert statuses == [404, 404, 404, 429]


def test_it_serves_the_shared_pdf_once_rendered_and_logs_it(
    client, scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, _ = scored
    new = _share(assessment)
    url = f"/r/{new.token}/report.pdf"

    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(url)
    done = client.get(url, HTTP_USER_AGENT=FIREFOX)

    assert waiting.status_code == 202
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert done.status_code == 200
    assert done["Content-Type"] == "application/pdf"
    assert 'attachment; filename="orchestration-report-' in done["Content-Disposition"]
    assert "analytical" not in done["Content-Disposition"]
    assert b"".join(done.streaming_content).endswith(b"%shared\n")
    assert list(ShareLinkView.objects.values_list("is_pdf", "browser_family")) == [
        (True, "Firefox")
    ]


def test_it_polls_the_render_state_and_stops_when_ready(
    client, scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, private = scored
    url = reverse("reports:report_pdf", kwargs={"token": private})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.get(url)

    polling = client.get(url, HTTP_HX_REQUEST="true")
    callbacks[0]()
    finished = client.get(url, HTTP_HX_REQUEST="true")

    assert polling.status_code == 200
    assert 'hx-get="' in polling.content.decode()
    assert finished.status_code == 286
    assert "Download the PDF" in finished.content.decode()
    assert "hx-get" not in finished.content.decode()


def test_it_serves_the_prospect_the_full_pdf(
    client, scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, private = scored
    with django_capture_on_commit_callbacks(execute=True):
        reports.queue_render(assessment)

    response = client.get(reverse("reports:report_pdf", kwargs={"token": private}))

    assert response.status_code == 200
    assert "analytical-engines-ltd" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).endswith(b"%full\n")


def test_it_renders_again_when_the_stored_file_vanished(
    client, scored, fast_pdf, django_capture_on_commit_callbacks
):
    assessment, private = scored
    with django_capture_on_commit_callbacks(execute=True):
        reports.queue_render(assessment)
    assessment.refresh_from_db()
    reports.delete_report_files(assessment)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:report_pdf", kwargs={"token": private}))

    assert response.status_code == 202
    assessment.refresh_from_db()
    assert assessment.report_status == assessment.ReportStatus.READY


def test_it_revokes_a_link_from_the_private_page(client, scored):
    assessment, private = scored
    new = _share(assessment)

    response = client.post(
        reverse("sharing:share_link_revoke", kwargs={"token": private, "link_id": new.link.pk})
    )

    assert response.status_code == 302
    assert client.get(f"/r/{new.token}/").status_code == 404


def test_it_does_not_revoke_another_assessments_link(client, scored):
    _, private = scored
    other, _ = make_assessment()
    foreign = _share(other)

    response = client.post(
        reverse("sharing:share_link_revoke", kwargs={"token": private, "link_id": foreign.link.pk})
    )

    assert response.status_code == 404
    foreign.link.refresh_from_db()
    assert foreign.link.revoked_at is None


def test_it_counts_views_per_link_in_one_query(scored, django_assert_num_queries):
    assessment, _ = scored
    first, second = _share(assessment), _share(assessment)
    for _ in range(3):
        sharing.log_view(link=first.link, user_agent=FIREFOX, is_pdf=False)
    sharing.log_view(link=second.link, user_agent="", is_pdf=True)

    with django_assert_num_queries(1):
        stats = {
            link.pk: (link.view_count, link.last_viewed_at is not None)
            for link in sharing.links_with_stats(assessment)
        }

    assert stats == {first.link.pk: (3, True), second.link.pk: (1, True)}


@pytest.mark.parametrize(
    ("user_agent", "family"),
    [
        (FIREFOX, "Firefox"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "Chrome",
        ),
        ("", "Other"),
        ("x" * 10_000, "Other"),
    ],
)
def test_it_keeps_only_the_browser_family(user_agent, family):
    assert sharing.browser_family(user_agent) == family
