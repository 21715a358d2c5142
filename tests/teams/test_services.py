"""Teams: created from a scored result, joined blank, combined by role or majority, scored by
the real engine, and their disagreements ranked by what they change."""

import pytest

from apps.assessments import services as assessments
from apps.assessments.models import Assessment
from apps.core.tokens import hash_token
from apps.questionnaire import scoring
from apps.questionnaire import services as questionnaire_services
from apps.teams import services, signals
from apps.teams.models import Role, Team, TeamMember
from apps.teams.results import team_members, team_result
from tests.reports.factories import answers_for, make_assessment

from .conftest import add_member

pytestmark = pytest.mark.django_db


# --- Creating and joining ---


def test_it_creates_a_team_with_the_owner_as_its_first_member(owner, team):
    # given the owner's scored assessment (fixtures) / when a team is created
    found = Team.objects.get()
    member = found.members.get()

    # then the owner answers for the team and both tokens are stored only as hashes
    assert member.is_owner
    assert member.assessment == owner[0]
    assert member.role == Role.HPC_ADMIN
    assert not member.only_for_team
    assert found.token_hash == hash_token(team.token)
    assert found.invite_hash == hash_token(services.invite_token(team.token))
    assert team.token not in (found.token_hash, found.invite_hash)
    assert team.invite_url.endswith(f"/team/join/{services.invite_token(team.token)}/")
    assert found.scoring_model == owner[0].scoring_model


def test_it_refuses_a_team_from_an_unscored_or_already_teamed_assessment(scoring_model, team):
    draft, _token = make_assessment(scoring_model=scoring_model, status=Assessment.Status.DRAFT)
    with pytest.raises(services.NotScored):
        services.create_team(assessment=draft, name="x", owner_name="y")
    with pytest.raises(services.AlreadyInTeam):
        services.create_team(assessment=team.team.owner_assessment, name="again", owner_name="y")
    assert Team.objects.count() == 1


def test_it_starts_a_joining_member_on_a_blank_draft_of_the_teams_model(team):
    member, token = services.join_team(team=team.team, name="Rita", role=Role.RESEARCH)

    assert member.assessment.status == Assessment.Status.DRAFT
    assert member.assessment.answers == {}
    assert member.assessment.scoring_model == team.team.scoring_model
    assert member.only_for_team
    assert not member.is_owner
    assert Assessment.objects.for_token(token).get() == member.assessment


def test_it_queues_the_members_private_link_when_they_give_an_address(
    team, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _member, token = services.join_team(
            team=team.team, name="Rita", role=Role.RESEARCH, email="rita@example.org"
        )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["rita@example.org"]
    assert f"/assessment/{token}/team/" in mailoutbox[0].body


def test_it_sends_an_invitation_that_opens_the_team(
    team, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_invite(team=team.team, team_token=team.token, email="new@example.org")
    assert mailoutbox[0].to == ["new@example.org"]
    assert team.invite_url in mailoutbox[0].body
    # A forged invitation for the same team sends nothing.
    assert not services.send_invite(team_id=team.team.pk, email="x@example.org", invite="forged")


# --- The combined result ---


def test_it_combines_by_majority_and_scores_the_combined_answers_with_the_engine(divided):
    # given a third member who answers as the owner does (SLURM persona)
    add_member(divided.team, answers_for("slurm"), name="Sam", role=Role.RESEARCH)

    found = team_result(divided.team)

    # then every combined answer is the majority's, and the result is the engine's on them
    slurm = answers_for("slurm")
    for row in found.combined:
        if row.source == "majority":
            assert row.answer == slurm[row.question]
    compiled = questionnaire_services.compiled_model(divided.team.scoring_model)
    expected = scoring.score(compiled, scoring.clean_answers(compiled, found.combined_answers))
    assert found.result is not None
    assert found.result["scores"] == expected["scores"]
    assert found.recommended.slug == expected["recommendation"] == "slurm"
    assert found.answered == 3


def test_it_counts_a_tie_as_dont_know(divided):
    found = team_result(divided.team)

    disagreed = {d.question for d in found.disagreements}
    split = [row for row in found.combined if row.question in disagreed]
    assert split, "the two personas should differ somewhere"
    assert all(row.answer == scoring.UNKNOWN and row.source == "none" for row in split)


def test_it_takes_the_section_owners_answer_over_the_majority(divided):
    # given the first section owned by ML/platform engineering, whose one member is outvoted
    add_member(divided.team, answers_for("slurm"), name="Sam", role=Role.RESEARCH)
    services.set_section_roles(team=divided.team, roles={0: Role.ML_PLATFORM})

    found = team_result(divided.team)

    first_section = questionnaire_services.snapshot_of(divided.team.scoring_model)["sections"][0]
    keys = {q["key"] for q in first_section["questions"]}
    kubernetes = answers_for("kubernetes")
    owned = [row for row in found.combined if row.question in keys and row.source == "role"]
    assert owned
    assert all(row.answer == kubernetes[row.question] for row in owned)
    assert all("Kim" in row.source_label for row in owned)


def test_it_ranks_disagreements_by_what_they_change_with_every_members_answer(divided):
    found = team_result(divided.team)

    assert found.disagreements
    ranked = [(not d.changes_recommendation, -d.impact) for d in found.disagreements]
    assert ranked == sorted(ranked)
    for d in found.disagreements:
        assert {a.member for a in d.answers} == {"Olga", "Kim"}
        assert len({a.label for a in d.answers}) == 2
        assert d.impact == round(
            max(a.lead for a in d.alternatives) - min(a.lead for a in d.alternatives), 1
        )
    # The top disagreement's figures are the engine's: each answer scored on the combined ones.
    top = found.disagreements[0]
    compiled = questionnaire_services.compiled_model(divided.team.scoring_model)
    first = found.result["recommendation"]
    for alternative, given in zip(top.alternatives, top.answers, strict=False):
        answers = found.combined_answers | {top.question: given.answer}
        scored = scoring.score(compiled, scoring.clean_answers(compiled, answers))
        assert alternative.recommendation == scored["recommendation"]
        fits = {s: v["fit"] for s, v in scored["scores"].items()}
        lead = fits[first] - max(v for s, v in fits.items() if s != first)
        assert alternative.lead == pytest.approx(lead, abs=0.051)


def test_it_ignores_members_who_have_not_submitted(team):
    services.join_team(team=team.team, name="Rita", role=Role.RESEARCH)

    found = team_result(team.team)

    assert found.answered == 1
    assert [m.status for m in found.members] == ["answered", "answering"]
    assert found.disagreements == ()


def test_it_keeps_the_disagreement_count_current(divided):
    divided.team.refresh_from_db()
    assert divided.team.disagreement_count == len(team_result(divided.team).disagreements) > 0


# --- The member_joined signal ---


def test_it_announces_a_member_once_after_commit(team, django_capture_on_commit_callbacks):
    heard = []

    def listen(sender, team, member, **kwargs):
        heard.append((team.pk, member.name, member.answered_at is not None))

    signals.member_joined.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            member, _token = add_member(team.team, answers_for("kubernetes"), name="Kim")
            assert heard == []  # not before the commit
        # Scoring the same assessment again (a re-score) announces nothing new.
        with django_capture_on_commit_callbacks(execute=True):
            assessments.score_assessment(assessment_id=member.assessment_id)
    finally:
        signals.member_joined.disconnect(listen)
    assert heard == [(team.team.pk, "Kim", True)]


# --- Leaving, removing, deleting ---


def test_it_deletes_the_answers_of_a_removed_member_who_joined_for_the_team(divided):
    kim = divided.team.members.get(name="Kim")

    assert services.remove_member(member=kim)

    assert not Assessment.objects.filter(pk=kim.assessment_id).exists()
    assert list(divided.team.members.values_list("name", flat=True)) == ["Olga"]
    divided.team.refresh_from_db()
    assert divided.team.disagreement_count == 0


def test_it_never_removes_the_owner(team):
    assert not services.remove_member(member=team.team.members.get(is_owner=True))
    assert team.team.members.count() == 1


def test_it_deletes_the_team_with_the_assessments_that_exist_only_for_it(divided, owner):
    kim = divided.team.members.get(name="Kim")

    services.delete_team(team=divided.team)

    assert not Team.objects.exists()
    assert not TeamMember.objects.exists()
    assert not Assessment.objects.filter(pk=kim.assessment_id).exists()
    assert Assessment.objects.filter(pk=owner[0].pk).exists()


def test_it_deletes_the_team_when_the_owner_deletes_their_assessment(divided, owner):
    kim = divided.team.members.get(name="Kim")

    assessments.delete_assessment(assessment=owner[0])

    assert not Team.objects.exists()
    assert not Assessment.objects.filter(pk__in=[kim.assessment_id, owner[0].pk]).exists()


def test_it_reads_the_members_in_one_query(divided, django_assert_num_queries):
    with django_assert_num_queries(1):
        members = team_members(divided.team)
    assert [m.name for m in members] == ["Olga", "Kim"]


def test_it_counts_a_dont_know_as_no_answer_rather_than_a_disagreement(team):
    # given a colleague who answers as the owner, except "don't know" on one question
    answers = answers_for("slurm") | {"multi_site": scoring.UNKNOWN}
    add_member(team.team, answers, name="Kim")

    found = team_result(team.team)

    assert found.disagreements == ()
    row = next(row for row in found.combined if row.question == "multi_site")
    assert row.answer == answers_for("slurm")["multi_site"]
    assert row.source == "agreed"
    assert "the others don’t know" in row.source_label
    assert {a.label for a in row.answers} >= {"Don't know"}


def test_it_finds_an_assessments_membership_and_asks_once_for_one_outside_any_team(
    divided, scoring_model, django_assert_num_queries
):
    member = divided.team.members.get(is_owner=False)
    outsider, _token = make_assessment(scoring_model=scoring_model, answers=answers_for("slurm"))

    with django_assert_num_queries(1):
        assert services.member_for(outsider) is None
    found = services.member_for(member.assessment)
    assert found == member
    assert found.team == divided.team
