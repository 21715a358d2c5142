"""Workflows of a team assessment: create, invite, join, answer, leave, remove, delete.

Tokens are the assessments' kind (``core.tokens``): random, shown once, stored hashed. The
owner's team token opens the team page; the invitation token is derived from it (an HMAC
with the site's secret key), so the owner's page can show the invitation link again while
only its hash is stored. Members answer on assessments of their own, started blank.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from apps.assessments import services as assessments
from apps.assessments.models import Assessment
from apps.core.queue import enqueue
from apps.core.tokens import hash_token, new_token

from . import signals
from .models import Role, Team, TeamMember
from .results import team_result

logger = logging.getLogger(__name__)

INVITE_SALT = "apps.teams.invite"


class TeamError(Exception):
    """A team workflow refused; ``str(error)`` is a message for people."""


class NotScored(TeamError):
    pass


class AlreadyInTeam(TeamError):
    pass


@dataclass(frozen=True)
class NewTeam:
    """A team just created: the only moment its raw token is known."""

    team: Team
    token: str
    url: str
    invite_url: str


def team_url(token: str) -> str:
    """The absolute address of the owner's team page."""
    return settings.SITE_URL + reverse("teams:team", kwargs={"token": token})


def invite_token(team_token: str) -> str:
    """The invitation token of a team, derived from the owner's team token."""
    return salted_hmac(INVITE_SALT, team_token, algorithm="sha256").hexdigest()


def invite_url(team_token: str) -> str:
    """The absolute address colleagues open to join."""
    return settings.SITE_URL + reverse("teams:join", kwargs={"invite": invite_token(team_token)})


def member_url(assessment_token: str) -> str:
    """A member's private link: their answers, then the team's result."""
    return settings.SITE_URL + reverse("teams:member", kwargs={"token": assessment_token})


def create_team(
    *,
    assessment: Assessment,
    name: str,
    owner_name: str,
    owner_role: str = Role.OTHER,
    owner_email: str = "",
) -> NewTeam:
    """A team around the owner's scored assessment; the owner is its first member.

    Raises ``NotScored`` before the assessment has a result and ``AlreadyInTeam`` when it
    already answers for a team.
    """
    if not assessment.is_scored() or assessment.scoring_model_id is None:
        raise NotScored(_("A team starts from a scored assessment."))
    raw, digest = new_token()
    with transaction.atomic():
        if TeamMember.objects.filter(assessment=assessment).exists():
            raise AlreadyInTeam(_("This assessment already belongs to a team."))
        team = Team.objects.create(
            owner_assessment=assessment,
            scoring_model_id=assessment.scoring_model_id,
            name=name.strip(),
            token_hash=digest,
            invite_hash=hash_token(invite_token(raw)),
        )
        TeamMember.objects.create(
            team=team,
            assessment=assessment,
            name=(owner_name or assessment.contact_name or _("Owner")).strip(),
            email=owner_email or assessment.contact_email,
            role=owner_role,
            is_owner=True,
            only_for_team=False,
            answered_at=timezone.now(),
        )
    return NewTeam(team=team, token=raw, url=team_url(raw), invite_url=invite_url(raw))


def join_team(*, team: Team, name: str, role: str, email: str = "") -> tuple[TeamMember, str]:
    """A new member with a blank draft on the team's model version, and its private token."""
    with transaction.atomic():
        assessment, token = assessments.start_assessment(scoring_model=team.scoring_model)
        member = TeamMember.objects.create(
            team=team, assessment=assessment, name=name.strip(), email=email, role=role
        )
    if email:
        enqueue("teams.send_member_link", member.pk, email, token)
    return member, token


def join_with_answers(
    *,
    team: Team,
    role: str,
    answers: dict[str, Any],
    contact: dict[str, str],
    consent: bool,
    validated: bool = False,
) -> tuple[Assessment, str]:
    """A member who answers at once (the API): submitted like any assessment, named by contact.

    ``validated``: the answers were validated for the team's model (the API's serializer did).
    """
    with transaction.atomic():
        assessment, token = assessments.submit_answers(
            answers=answers,
            contact=contact,
            consent=consent,
            scoring_model=team.scoring_model,
            validated=validated,
        )
        TeamMember.objects.create(
            team=team,
            assessment=assessment,
            name=contact.get("name", "").strip(),
            email=contact.get("email", ""),
            role=role,
        )
    return assessment, token


def send_member_link(*, member_id: int, email: str, token: str) -> bool:
    """E-mails a member their private link, if the token still opens their assessment."""
    member = TeamMember.objects.select_related("team", "assessment").filter(pk=member_id).first()
    if member is None or member.assessment.token_hash != hash_token(token):
        return False
    ctx = {"team": member.team, "url": member_url(token)}
    body = render_to_string("teams/email/member_link.txt", ctx)
    send_mail(_("Your link to the team assessment “%s”") % member.team.name, body, None, [email])
    return True


def email_invite(*, team: Team, team_token: str, email: str) -> None:
    """Queues an invitation to ``email``; the address itself is not stored."""
    enqueue("teams.send_invite", team.pk, email, invite_token(team_token))


def send_invite(*, team_id: int, email: str, invite: str) -> bool:
    """Sends the invitation link, if it still opens that team; True when sent."""
    team = Team.objects.filter(pk=team_id, invite_hash=hash_token(invite)).first()
    if team is None:
        return False
    url = settings.SITE_URL + reverse("teams:join", kwargs={"invite": invite})
    body = render_to_string("teams/email/invite.txt", {"team": team, "url": url})
    send_mail(_("You are invited to the team assessment “%s”") % team.name, body, None, [email])
    return True


def set_section_roles(*, team: Team, roles: dict[int, str]) -> None:
    """Which role answers each section for the team (sections left out: the majority)."""
    team.section_roles = {str(index): role for index, role in roles.items() if role}
    team.save(update_fields=["section_roles", "updated_at"])
    refresh_disagreement_count(team)


def remove_member(*, member: TeamMember) -> bool:
    """Takes a member out with their answers; False for the owner, who deletes the team instead.

    An assessment started for the team is deleted; one that existed before only leaves.
    """
    if member.is_owner:
        return False
    team = member.team
    with transaction.atomic():
        if member.only_for_team:
            assessments.delete_assessment(assessment=member.assessment)
        else:
            member.delete()
    refresh_disagreement_count(team)
    return True


def delete_team(*, team: Team) -> int:
    """Deletes the team, and the members' assessments that exist only for it; returns those."""
    with transaction.atomic():
        deleted = _delete_member_assessments(Team.objects.filter(pk=team.pk), exclude=[])
        team.delete()
    return deleted


def _delete_member_assessments(teams: QuerySet[Team], *, exclude: list[int]) -> int:
    ids = TeamMember.objects.filter(team__in=teams, only_for_team=True).exclude(
        assessment_id__in=exclude
    )
    rows = Assessment.objects.filter(pk__in=ids.values("assessment_id"))
    return assessments.delete_assessments(assessments=rows)


def forget_assessments(*, ids: list[int]) -> None:
    """Before assessments go: teams they own go with their member-only assessments."""
    owned = Team.objects.filter(owner_assessment_id__in=ids)
    if owned.exists():
        _delete_member_assessments(owned, exclude=ids)
    affected = list(
        Team.objects.filter(members__assessment_id__in=ids)
        .exclude(owner_assessment_id__in=ids)
        .values_list("pk", flat=True)
    )
    if affected:
        transaction.on_commit(lambda: _refresh_counts(affected))


def _refresh_counts(team_ids: list[int]) -> None:
    for team in Team.objects.filter(pk__in=team_ids).select_related("scoring_model"):
        refresh_disagreement_count(team)


def member_for(assessment: Assessment) -> TeamMember | None:
    """The team membership an assessment answers for; None for almost every assessment."""
    # Every scoring asks: a plain existence check first (a join costs more to plan and build),
    # of fixed text: as a queryset its compilation took 0.26-0.34 ms of CPU, the query 0.08.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(TeamMember._meta.db_table)} "
            f"WHERE {quote('assessment_id')} = %s LIMIT 1",
            [assessment.pk],
        )
        if cursor.fetchone() is None:
            return None
    return (
        TeamMember.objects.select_related("team__scoring_model")
        .defer("team__scoring_model__snapshot")
        .filter(assessment_id=assessment.pk)
        .first()
    )


def record_answered(*, member: TeamMember) -> None:
    """A member's assessment was scored: counted once, and ``member_joined`` after commit."""
    first_time = TeamMember.objects.filter(pk=member.pk, answered_at__isnull=True).update(
        answered_at=timezone.now()
    )
    refresh_disagreement_count(member.team)
    if first_time == 1 and not member.is_owner:
        team = member.team
        transaction.on_commit(lambda: _announce(team, member))


def _announce(team: Team, member: TeamMember) -> None:
    member.refresh_from_db()
    signals.member_joined.send(sender=TeamMember, team=team, member=member)


def refresh_disagreement_count(team: Team) -> int:
    """Stores how many questions the team's members answer differently; returns it."""
    count = len(team_result(team).disagreements)
    Team.objects.filter(pk=team.pk).update(disagreement_count=count)
    team.disagreement_count = count
    return count
