"""team.member_joined: a colleague answering a team assessment is told to Sales and the CRM."""

import pytest
from django.core import mail
from django.utils import timezone

from apps.assessments import services as assessments
from apps.notifications.models import Channel, Event, EventType, NotificationPreference
from apps.teams import services as teams
from apps.teams.models import Role
from tests.reports.factories import answers_for, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(scoring_model):
    owner, _token = make_assessment(scoring_model=scoring_model, answers=answers_for("slurm"))
    # Olga's own lead was announced when she was scored (its fan-out ran on commit).
    Event.objects.update(dispatched_at=timezone.now())
    return teams.create_team(
        assessment=owner, name="Cluster 2027", owner_name="Olga", owner_role=Role.HPC_ADMIN
    ).team


def join(team, django_capture_on_commit_callbacks, *, consent: bool):
    """Kim joins through the API and is scored by the worker, the on-commit work run."""
    with django_capture_on_commit_callbacks(execute=True):
        assessment, _token = teams.join_with_answers(
            team=team,
            role=Role.ML_PLATFORM,
            answers=answers_for("kubernetes"),
            contact={"name": "Kim", "email": "kim@example.org"} if consent else {},
            consent=consent,
        )
    with django_capture_on_commit_callbacks(execute=True):
        assessments.score_assessment(assessment_id=assessment.pk)
    assessment.refresh_from_db()
    return assessment


def test_it_tells_sales_and_the_crm_that_a_member_joined(
    team, sales_team, endpoint, receiver, django_capture_on_commit_callbacks
):
    # given: Sam wants team news at once
    sam, _kim = sales_team
    NotificationPreference.objects.create(user=sam, team_member_joined=Channel.INSTANT)

    # when
    assessment = join(team, django_capture_on_commit_callbacks, consent=True)

    # then
    event = Event.objects.get(type=EventType.TEAM_MEMBER_JOINED)
    assert event.assessment_id == assessment.pk
    (message,) = [m for m in mail.outbox if m.to == [sam.email] and "team" in m.subject]
    assert "Kim joined the team assessment “Cluster 2027”" in message.body
    assert f"/dashboard/teams/{team.pk}/" in message.body
    (request,) = [
        r for r in receiver.requests if r.headers["X-Advisor-Event"] == "team.member_joined"
    ]
    assert request.signature_ok()
    data = request.json()["data"]
    assert data["team"] == {
        "id": team.pk,
        "name": "Cluster 2027",
        "owner_assessment": team.owner_assessment_id,
        "members": 2,
    }
    assert data["member"]["name"] == "Kim"
    assert data["member"]["status"] == "answered"
    assert data["member"]["recommendation"] == assessment.recommendation.slug
    assert data["assessment"]["id"] == assessment.pk
    assert data["lead_url"].endswith(f"/dashboard/teams/{team.pk}/")


def test_it_sends_no_member_without_consent_to_the_crm(
    team, sales_team, endpoint, receiver, django_capture_on_commit_callbacks
):
    join(team, django_capture_on_commit_callbacks, consent=False)

    assert Event.objects.filter(type=EventType.TEAM_MEMBER_JOINED).exists()
    assert receiver.requests == []
