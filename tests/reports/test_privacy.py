import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from apps.assessments.models import Assessment, ShareLink, ShareLinkView
from apps.reports import pdf as reports
from apps.sharing import services as sharing

from .factories import make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(scored, fast_pdf, django_capture_on_commit_callbacks):
    """A scored assessment with both PDF variants in storage and one viewed share link."""
    assessment, private = scored
    with django_capture_on_commit_callbacks(execute=True):
        reports.queue_render(assessment)
    assessment.refresh_from_db()
    link = sharing.create_share_link(assessment=assessment, label="CTO")
    sharing.log_view(link=link.link, user_agent="", is_pdf=False)
    return assessment, private, link


def test_it_asks_for_confirmation_before_deleting(client, rendered):
    assessment, private, _ = rendered
    url = reverse("assessments:delete", kwargs={"token": private})

    page = client.get(url)
    unconfirmed = client.post(url, {})

    assert page.status_code == 200
    assert "Delete everything" in page.content.decode()
    assert unconfirmed.status_code == 400
    assert 'aria-describedby="id_confirm-error"' in unconfirmed.content.decode()
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_it_deletes_the_assessment_its_links_and_its_files(
    client, rendered, django_capture_on_commit_callbacks
):
    assessment, private, link = rendered
    names = [assessment.report_pdf.name, reports.shared_name(assessment.report_pdf.name)]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:delete", kwargs={"token": private}), {"confirm": "on"}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:home")
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    assert ShareLink.objects.count() == ShareLinkView.objects.count() == 0
    assert not any(default_storage.exists(name) for name in names)
    assert client.get(f"/r/{link.token}/").status_code == 404
    assert client.get(reverse("sharing:share_links", kwargs={"token": private})).status_code == 404


def test_it_leaves_other_assessments_alone(client, rendered, django_capture_on_commit_callbacks):
    _, private, _ = rendered
    other, _ = make_assessment()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessments:delete", kwargs={"token": private}), {"confirm": "on"})

    assert Assessment.objects.get() == other


def test_it_anonymises_from_the_admin(
    client, rendered, superuser, django_capture_on_commit_callbacks
):
    assessment, _, link = rendered
    name = assessment.report_pdf.name
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:assessments_assessment_changelist"),
            {"action": "anonymise", "_selected_action": [assessment.pk]},
        )

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (
        assessment.contact_name,
        assessment.contact_email,
        assessment.company,
        assessment.role,
    ) == ("", "", "", "")
    assert assessment.consent is False
    assert assessment.report_status == Assessment.ReportStatus.NONE
    assert not assessment.report_pdf
    assert not default_storage.exists(name)
    assert not default_storage.exists(reports.shared_name(name))
    # The answers and result stay for the statistics, and so does the (contact-free) link.
    assert assessment.result is not None
    assert client.get(f"/r/{link.token}/").status_code == 200


def test_it_does_not_let_sales_anonymise_or_delete(client, rendered, sales):
    assessment, _, _ = rendered
    client.force_login(sales)

    changelist = client.get(reverse("admin:assessments_assessment_changelist"))
    change = client.get(reverse("admin:assessments_assessment_change", args=[assessment.pk]))
    deleted = client.post(
        reverse("admin:assessments_assessment_delete", args=[assessment.pk]), {"post": "yes"}
    )

    assert changelist.status_code == 200
    assert b"anonymise" not in changelist.content
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert deleted.status_code == 403
    assert Assessment.objects.filter(pk=assessment.pk).exists()
