"""The team pages: create from a result, join by invitation, answer, see the team, leave,
remove, delete, download; and the sales dashboard's team pages."""

import pytest
from django.urls import reverse

from apps.assessments.models import Assessment
from apps.teams import services
from apps.teams.models import Role, Team, TeamMember
from tests.reports.factories import answers_for, make_assessment

from .conftest import add_member

pytestmark = pytest.mark.django_db


def test_it_offers_a_team_from_the_result_page(client, owner):
    _assessment, token = owner

    page = client.get(reverse("reports:result", kwargs={"token": token})).content.decode()

    assert reverse("teams:create", kwargs={"token": token}) in page
    assert reverse("teams:assessment_roadmap_csv", kwargs={"token": token}) in page


def test_it_creates_a_team_and_opens_its_page(client, owner):
    assessment, token = owner
    url = reverse("teams:create", kwargs={"token": token})

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "Cluster 2027", "owner_name": "Olga", "owner_role": "hpc_admin"}
    )

    team = Team.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith("/team/")
    assert Team.objects.for_token(response["Location"].split("/")[2]).get() == team
    assert team.members.get().assessment == assessment


def test_it_refuses_an_empty_team_name_with_400(client, owner):
    _assessment, token = owner
    response = client.post(
        reverse("teams:create", kwargs={"token": token}), {"name": "", "owner_role": "x"}
    )
    assert response.status_code == 400
    assert not Team.objects.exists()


def test_it_shows_the_owner_the_disagreements_first_and_who_answered(client, divided):
    page = client.get(reverse("teams:team", kwargs={"token": divided.token})).content.decode()

    assert page.index("Where you disagree") < page.index("Members")
    assert "kim@example.org" in page  # the owner sees contact details
    assert services.invite_url(divided.token) in page
    assert "2 of 2 members have answered." in page
    first = divided.team.members.get(name="Kim")
    assert reverse("teams:remove", kwargs={"token": divided.token, "member_id": first.pk}) in page


def test_it_lets_a_colleague_join_blank_and_answer_through_the_wizard(client, team):
    invite = services.invite_token(team.token)

    form = client.get(reverse("teams:join", kwargs={"invite": invite}))
    response = client.post(
        reverse("teams:join", kwargs={"invite": invite}), {"name": "Rita", "role": "research"}
    )

    member = TeamMember.objects.get(name="Rita")
    assert form.status_code == 200
    assert "Olga" in form.content.decode()
    assert response.status_code == 302
    token = response["Location"].split("/")[2]
    assert Assessment.objects.for_token(token).get() == member.assessment
    page = client.get(response["Location"]).content.decode()
    assert reverse("assessments:step", kwargs={"token": token, "n": 1}) in page
    assert "Where you disagree" not in page  # no team result before submitting
    assert member.assessment.answers == {}


def test_it_shows_a_member_the_team_result_without_contact_details(client, divided):
    _sam, token = add_member(divided.team, answers_for("slurm"), name="Sam", role=Role.RESEARCH)

    page = client.get(reverse("teams:member", kwargs={"token": token})).content.decode()

    assert "Where you disagree" in page
    assert "Kim" in page
    assert "kim@example.org" not in page
    assert reverse("teams:leave", kwargs={"token": token}) in page


def test_it_refuses_a_bad_invitation_with_404(client, team):
    assert client.get(reverse("teams:join", kwargs={"invite": "nope"})).status_code == 404
    assert client.get(reverse("teams:team", kwargs={"token": "nope"})).status_code == 404
    assert client.get(reverse("teams:member", kwargs={"token": "x" * 500})).status_code == 404


def test_it_lets_a_member_leave_and_deletes_their_answers(client, team):
    member, token = services.join_team(team=team.team, name="Rita", role=Role.RESEARCH)
    url = reverse("teams:leave", kwargs={"token": token})

    assert client.post(url, {}).status_code == 400  # unconfirmed
    response = client.post(url, {"confirm": "on"})

    assert response.status_code == 302
    assert not Assessment.objects.filter(pk=member.assessment_id).exists()


def test_it_lets_the_owner_remove_a_member(client, divided):
    kim = divided.team.members.get(name="Kim")

    response = client.post(
        reverse("teams:remove", kwargs={"token": divided.token, "member_id": kim.pk})
    )

    assert response.status_code == 302
    assert not TeamMember.objects.filter(pk=kim.pk).exists()
    assert not Assessment.objects.filter(pk=kim.assessment_id).exists()


def test_it_deletes_the_team_on_confirmation(client, divided):
    url = reverse("teams:delete", kwargs={"token": divided.token})
    assert client.get(url).status_code == 200
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not Team.objects.exists()


def test_it_saves_section_owners(client, divided):
    url = reverse("teams:sections", kwargs={"token": divided.token})

    assert client.post(url, {"section_0": "nonsense"}).status_code == 400
    assert client.post(url, {"section_0": "hpc_admin"}).status_code == 302

    divided.team.refresh_from_db()
    assert divided.team.section_roles == {"0": "hpc_admin"}


def test_it_downloads_the_roadmaps(client, divided, owner):
    csv = client.get(reverse("teams:roadmap_csv", kwargs={"token": divided.token}))
    md = client.get(reverse("teams:roadmap_md", kwargs={"token": divided.token}))
    single = client.get(reverse("teams:assessment_roadmap_csv", kwargs={"token": owner[1]}))

    assert csv["Content-Disposition"] == 'attachment; filename="roadmap-cluster-2027.csv"'
    assert csv.content.decode("utf-8-sig").startswith('"Summary","Description","Labels","Priority"')
    assert md.content.decode().startswith("# Roadmap for the team assessment")
    assert single.status_code == 200


def test_it_renders_the_team_pdf(client, divided):
    response = client.get(reverse("teams:pdf", kwargs={"token": divided.token}))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_it_keeps_team_pages_private(client, divided):
    for url in (
        reverse("teams:team", kwargs={"token": divided.token}),
        reverse("teams:join", kwargs={"invite": services.invite_token(divided.token)}),
        reverse("teams:team", kwargs={"token": "unknown"}),
    ):
        response = client.get(url)
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "strict-origin"


# --- Sales ---


def test_it_lists_teams_on_the_sales_dashboard(client, sales, divided):
    client.force_login(sales)

    page = client.get(reverse("dashboard:teams")).content.decode()

    assert "Cluster 2027" in page
    assert "Olga · HPC administration" in page
    assert "Kim · ML/platform engineering" in page
    assert "2 / 2" in page
    divided.team.refresh_from_db()
    assert f'<td class="text-end">{divided.team.disagreement_count}</td>' in page


def test_it_links_a_lead_to_its_team_and_its_roadmap(client, sales, divided, owner):
    client.force_login(sales)
    lead = reverse("dashboard:lead", kwargs={"pk": owner[0].pk})

    page = client.get(lead).content.decode()
    team_page = client.get(
        reverse("dashboard:team", kwargs={"pk": divided.team.pk})
    ).content.decode()
    roadmap = client.get(reverse("dashboard:lead_roadmap_md", kwargs={"pk": owner[0].pk}))

    assert reverse("dashboard:team", kwargs={"pk": divided.team.pk}) in page
    assert reverse("dashboard:lead_roadmap_csv", kwargs={"pk": owner[0].pk}) in page
    assert "kim@example.org" in team_page
    assert "Where you disagree" in team_page
    assert roadmap.status_code == 200
    assert roadmap.content.decode().startswith("# Roadmap")


def test_it_keeps_team_pages_from_other_staff(client, outsider, divided):
    client.force_login(outsider)
    assert client.get(reverse("dashboard:teams")).status_code == 403
    assert client.get(reverse("dashboard:team", kwargs={"pk": divided.team.pk})).status_code == 403


def test_it_limits_invitations_per_address(client, team, settings, mailoutbox):
    settings.PASSWORD_RESET_RATE = "2/h"
    url = reverse("teams:invite", kwargs={"token": team.token})

    statuses = [client.post(url, {"email": "x@example.org"}).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]


def test_it_refuses_a_malformed_invitation_address_with_400(client, team):
    response = client.post(
        reverse("teams:invite", kwargs={"token": team.token}), {"email": "not an address"}
    )
    assert response.status_code == 400


def test_it_lists_teams_in_a_fixed_number_of_queries(
    client, sales, divided, owner, django_assert_max_num_queries
):
    client.force_login(sales)
    other = services.create_team(
        assessment=make_assessment(scoring_model=owner[0].scoring_model)[0],
        name="Second",
        owner_name="Pat",
    )
    add_member(other.team, answers_for("kubernetes"), name="Lee")

    # session, user, groups, count, page of teams, their members
    with django_assert_max_num_queries(7):
        response = client.get(reverse("dashboard:teams"))
    assert response.status_code == 200


def test_it_gives_a_member_the_teams_roadmap_once_they_have_answered(client, divided):
    _sam, token = add_member(divided.team, answers_for("slurm"), name="Sam", role=Role.RESEARCH)
    _rita, draft_token = services.join_team(team=divided.team, name="Rita", role=Role.RESEARCH)

    answered = client.get(reverse("teams:member_roadmap_md", kwargs={"token": token}))
    waiting = client.get(reverse("teams:member_roadmap_csv", kwargs={"token": draft_token}))

    assert answered.status_code == 200
    assert answered.content.decode().startswith("# Roadmap for the team assessment")
    assert waiting.status_code == 404


def test_it_gives_sales_the_team_pdf(client, sales, divided):
    client.force_login(sales)
    response = client.get(reverse("dashboard:team_pdf", kwargs={"pk": divided.team.pk}))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
