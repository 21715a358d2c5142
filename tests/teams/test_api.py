"""The team API as the issue names it: create, join with a submission, read, roadmaps, schema."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from apps.assessments.models import Assessment
from apps.teams import services
from apps.teams.models import Role, Team, TeamMember
from apps.teams.results import team_result
from tests.reports.factories import answers_for, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_it_creates_a_team_from_the_owners_token(api, owner):
    _assessment, token = owner

    response = api.post(
        "/api/v1/teams/", {"assessment": token, "name": "Cluster 2027"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "url", "invite_url"}
    team = Team.objects.for_token(body["token"]).get()
    assert team.name == "Cluster 2027"
    assert body["url"].endswith(f"/team/{body['token']}/")
    assert body["invite_url"].endswith(f"/team/join/{services.invite_token(body['token'])}/")


def test_it_refuses_a_team_for_unknown_unscored_or_teamed_assessments(api, scoring_model, team):
    draft, draft_token = make_assessment(
        scoring_model=scoring_model, status=Assessment.Status.DRAFT
    )
    owner_token_taken = api.post(
        "/api/v1/teams/", {"assessment": "nope", "name": "x"}, format="json"
    )
    unscored = api.post("/api/v1/teams/", {"assessment": draft_token, "name": "x"}, format="json")
    nameless = api.post("/api/v1/teams/", {"assessment": draft_token}, format="json")

    assert owner_token_taken.status_code == 404
    assert unscored.status_code == 409
    assert nameless.status_code == 400
    assert Team.objects.count() == 1


def test_it_joins_a_team_with_a_submission_named_by_the_contact(api, team):
    invite = services.invite_token(team.token)
    body = {
        "answers": answers_for("kubernetes"),
        "contact": {"name": "Grace", "email": "grace@example.org"},
        "team_invite": invite,
        "team_role": "ml_platform",
    }

    response = api.post("/api/v1/assessments/", body, format="json")

    assert response.status_code == 202, response.json()
    member = TeamMember.objects.get(name="Grace")
    assert member.team == team.team
    assert member.role == Role.ML_PLATFORM
    assert member.email == "grace@example.org"
    assert member.assessment == Assessment.objects.for_token(response.json()["token"]).get()
    assert member.assessment.scoring_model == team.team.scoring_model
    assert response["Location"] == f"/api/v1/assessments/{response.json()['token']}/"
    assert response["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"team_invite": "not-an-invitation"}, "team_invite"),
        ({"team_role": "wizard"}, "team_role"),
        ({"contact": {"email": "x@example.org"}}, "contact"),
    ],
)
def test_it_refuses_a_bad_team_submission_with_400(api, team, extra, field):
    body = {
        "answers": answers_for("slurm"),
        "contact": {"name": "Grace"},
        "team_invite": services.invite_token(team.token),
        **extra,
    }

    response = api.post("/api/v1/assessments/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not TeamMember.objects.filter(is_owner=False).exists()


def test_it_still_takes_a_submission_without_a_team(api, scoring_model):
    response = api.post("/api/v1/assessments/", {"answers": answers_for("slurm")}, format="json")

    assert response.status_code == 202
    assert not TeamMember.objects.exists()


def test_it_shows_the_team_as_the_contract_says_without_addresses(api, divided):
    response = api.get(f"/api/v1/teams/{divided.token}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"name", "status", "members", "result", "disagreements"}
    assert body["status"] == "complete"
    assert [(m["name"], m["role"], m["status"]) for m in body["members"]] == [
        ("Olga", "hpc_admin", "answered"),
        ("Kim", "ml_platform", "answered"),
    ]
    found = team_result(divided.team)
    assert body["result"]["recommendation"] == found.result["recommendation"]
    assert set(body["result"]) == {"recommendation", "scores", "confidence", "combined_answers"}
    assert body["result"]["combined_answers"].keys() == found.combined_answers.keys()
    top = body["disagreements"][0]
    assert {a["member"] for a in top["answers"]} == {"Olga", "Kim"}
    assert top["impact"] == found.disagreements[0].impact
    assert "kim@example.org" not in response.content.decode()


def test_it_answers_404_for_an_unknown_team(api):
    assert api.get("/api/v1/teams/nope/").status_code == 404


def test_it_serves_the_team_roadmap_as_csv_and_markdown(api, divided):
    as_csv = api.get(f"/api/v1/teams/{divided.token}/roadmap.csv")
    as_md = api.get(f"/api/v1/teams/{divided.token}/roadmap.md")

    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["Summary", "Description", "Labels", "Priority"]
    assert any(row[2] == "disagreement" for row in rows[1:])
    assert as_md.status_code == 200
    assert as_md["Content-Type"].startswith("text/markdown")
    assert as_md.content.decode().count("- [ ] ") == len(rows) - 1


def test_it_serves_an_assessments_roadmap_and_409_before_scoring(api, owner, scoring_model):
    _assessment, token = owner
    _draft, draft_token = make_assessment(
        scoring_model=scoring_model, status=Assessment.Status.PENDING
    )

    assert api.get(f"/api/v1/assessments/{token}/roadmap.csv").status_code == 200
    assert api.get(f"/api/v1/assessments/{token}/roadmap.md").status_code == 200
    assert api.get(f"/api/v1/assessments/{draft_token}/roadmap.csv").status_code == 409
    assert api.get("/api/v1/assessments/nope/roadmap.md").status_code == 404


def test_it_publishes_the_team_api_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    for path in (
        "/api/v1/teams/",
        "/api/v1/teams/{token}/",
        "/api/v1/teams/{token}/roadmap.csv",
        "/api/v1/teams/{token}/roadmap.md",
        "/api/v1/assessments/{token}/roadmap.csv",
        "/api/v1/assessments/{token}/roadmap.md",
    ):
        assert path in paths
    submission = schema["components"]["schemas"]["TeamSubmissionRequest"]["properties"]
    assert {"team_invite", "team_role"} <= submission.keys()
