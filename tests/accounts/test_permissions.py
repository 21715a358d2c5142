"""Who may open what: every persona against every dashboard page, admin changelist and
staff-facing API endpoint."""

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.sharing import services as sharing

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "editor", "sales", "superuser"]
DASHBOARD_USERS = {"sales", "superuser"}
# Which group's members may open an app's admin pages; superusers open everything.
ADMIN_APPS = {
    "catalog": "editor",
    "faq": "editor",
    "questionnaire": "editor",
    "assessments": "sales",
    "booking": "sales",
}


def _admin_personas(app_label: str) -> set[str]:
    # Engineers edit the case library; Sales read it.
    if app_label == "cases":
        return {"editor", "sales"}
    # Engineers open slots and see the bookings they will run, beside Sales.
    return (
        {ADMIN_APPS.get(app_label), "editor"}
        if app_label == "booking"
        else {ADMIN_APPS.get(app_label)}
    )


@pytest.fixture
def as_persona(client, request):
    def login(persona: str):
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))
        return client

    return login


@pytest.fixture
def lead(scored):
    assessment, token = scored
    link = sharing.create_share_link(assessment=assessment, label="x").link
    return assessment, token, link


def _dashboard_requests(assessment, link) -> list[tuple[str, str, dict, int]]:
    """(method, url, data, status for sales and superusers)."""
    pk = assessment.pk
    return [
        ("get", reverse("dashboard:index"), {}, 200),
        ("get", reverse("dashboard:leads_csv"), {}, 200),
        ("get", reverse("dashboard:lead", kwargs={"pk": pk}), {}, 200),
        ("get", reverse("dashboard:lead_report_pdf", kwargs={"pk": pk}), {}, 202),
        ("get", reverse("dashboard:charts"), {}, 200),
        ("get", reverse("dashboard:rescore"), {}, 200),
        ("get", reverse("dashboard:changes"), {}, 200),
        (
            "post",
            reverse("dashboard:lead", kwargs={"pk": pk}),
            {"label": "y", "expires_in_days": 3},
            201,
        ),
        (
            "post",
            reverse("dashboard:lead_share_revoke", kwargs={"pk": pk, "link_id": link.pk}),
            {},
            302,
        ),
        ("post", reverse("dashboard:rescore"), {"scope": "all"}, 302),
        ("get", reverse("notifications:preferences"), {}, 200),
        (
            "post",
            reverse("notifications:preferences"),
            {
                "assessment_scored": "digest",
                "booking_created": "instant",
                "booking_cancelled": "instant",
                "booking_rescheduled": "none",
                "share_link_viewed": "instant",
                "team_member_joined": "digest",
                "digest_time": "08:00",
                "timezone": "UTC",
            },
            302,
        ),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_guards_every_dashboard_page(as_persona, persona, lead):
    assessment, _, link = lead
    client = as_persona(persona)

    for method, url, data, allowed in _dashboard_requests(assessment, link):
        response = getattr(client, method)(url, data)

        if persona == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login") + "?next="), url
        elif persona in DASHBOARD_USERS:
            assert response.status_code == allowed, url
        else:
            assert response.status_code == 403, url
            assert "You do not have access to this page" in response.content.decode()


def _changelists() -> list[tuple[str, str]]:
    return sorted(
        (
            model._meta.app_label,
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist",
        )
        for model in admin.site._registry
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("app_label", "url_name"), _changelists())
def test_it_guards_every_admin_changelist(as_persona, persona, app_label, url_name):
    response = as_persona(persona).get(reverse(url_name))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif persona == "superuser" or persona in _admin_personas(app_label):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_the_matrix_covers_the_leads_and_share_link_admin():
    names = {url_name for _, url_name in _changelists()}

    assert {
        "admin:assessments_assessment_changelist",
        "admin:assessments_sharelink_changelist",
    } <= names


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_authorises_the_share_api_by_private_token_alone(as_persona, persona, lead):
    _, token, link = lead
    client = as_persona(persona)
    links = "api-assessment-share-links"

    created = client.post(
        reverse(links, kwargs={"token": token}), {"label": "z"}, content_type="application/json"
    )
    guessed = client.post(
        reverse(links, kwargs={"token": "g" * 43}), {"label": "z"}, content_type="application/json"
    )
    revoked = client.delete(
        reverse("api-assessment-share-link", kwargs={"token": token, "link_id": link.pk})
    )
    foreign = client.delete(
        reverse("api-assessment-share-link", kwargs={"token": "g" * 43, "link_id": link.pk})
    )
    pdf = client.get(reverse("api-assessment-report-pdf", kwargs={"token": token}))
    no_pdf = client.get(reverse("api-assessment-report-pdf", kwargs={"token": "g" * 43}))

    # A staff session neither grants nor removes anything: the token in the URL decides.
    assert [r.status_code for r in (created, guessed, revoked, foreign, pdf, no_pdf)] == [
        201,
        404,
        204,
        404,
        202,
        404,
    ]
