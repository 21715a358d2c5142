"""Teams on the real scoring model: the owner's assessment and members scored by the engine."""

from typing import Any

import pytest

from apps.assessments import services as assessments
from apps.teams import services
from apps.teams.models import Role, Team, TeamMember
from tests.reports.factories import answers_for, make_assessment


def add_member(
    team: Team, answers: dict[str, Any], *, name: str, role: str = Role.OTHER, email: str = ""
) -> tuple[TeamMember, str]:
    """A member who answered and was scored, as the API submits and the worker scores."""
    assessment, token = services.join_with_answers(
        team=team,
        role=role,
        answers=answers,
        contact={"name": name, "email": email},
        consent=False,
    )
    assessments.score_assessment(assessment_id=assessment.pk)
    return TeamMember.objects.select_related("assessment").get(assessment=assessment), token


@pytest.fixture
def owner(scoring_model):
    """The owner's scored assessment (a SLURM persona) and its private token."""
    return make_assessment(scoring_model=scoring_model, answers=answers_for("slurm"))


@pytest.fixture
def team(owner) -> services.NewTeam:
    assessment, _token = owner
    return services.create_team(
        assessment=assessment, name="Cluster 2027", owner_name="Olga", owner_role=Role.HPC_ADMIN
    )


@pytest.fixture
def divided(team) -> services.NewTeam:
    """The owner (SLURM persona) and a platform engineer who answered as a Kubernetes shop."""
    add_member(
        team.team,
        answers_for("kubernetes"),
        name="Kim",
        role=Role.ML_PLATFORM,
        email="kim@example.org",
    )
    return team
