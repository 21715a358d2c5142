"""The team result: the members' answers combined, scored by the engine, and where they differ.

Per question the combined answer is the answer of the members whose role owns the question's
section (when the owner named one and such a member answered), else the majority's answer,
else "don't know". Only submitted, scored members count. A disagreement is a question members
answered differently ("don't know" is no answer here: it is an open question of its own);
its impact is how far the members' answers move the lead of the team's first place over the
best other option, each answer scored by the engine on the combined answers.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.assessments.models import Assessment
from apps.questionnaire import scoring
from apps.questionnaire import services as questionnaire_services
from apps.questionnaire.contracts import AnswerValue, Result, SnapshotOption, SnapshotQuestion
from apps.questionnaire.scoring.model import Question, band
from apps.reports.builder import answer_label

from .models import Role, Team, TeamMember

UNKNOWN = scoring.UNKNOWN
STATUS_LABELS = {
    "answering": gettext_lazy("answering"),
    "scoring": gettext_lazy("being scored"),
    "answered": gettext_lazy("answered"),
    "failed": gettext_lazy("scoring failed"),
}
MEMBER_STATUS = {
    Assessment.Status.DRAFT: "answering",
    Assessment.Status.PENDING: "scoring",
    Assessment.Status.SCORING: "scoring",
    Assessment.Status.SCORED: "answered",
    Assessment.Status.FAILED: "failed",
}


@dataclass(frozen=True)
class MemberAnswer:
    member: str
    role: str
    role_label: str
    answer: AnswerValue
    label: str


@dataclass(frozen=True)
class CombinedAnswer:
    question: str
    question_text: str
    section: str
    answer: AnswerValue
    label: str
    # "role" (the section owner's answer), "majority", "agreed" (everyone) or "none".
    source: str
    source_label: str
    answers: tuple[MemberAnswer, ...]


@dataclass(frozen=True)
class Alternative:
    """One of the answers given, and what the team's result would be with it."""

    label: str
    members: tuple[str, ...]
    recommendation: str
    recommendation_name: str
    # The team's first place's fit minus the best other option's (negative: it is behind).
    lead: float

    @property
    def behind(self) -> float:
        return -self.lead


@dataclass(frozen=True)
class Disagreement:
    question: str
    question_text: str
    combined_label: str
    answers: tuple[MemberAnswer, ...]
    alternatives: tuple[Alternative, ...]
    # Fit points by which the answers given move the first place's lead (max − min).
    impact: float
    changes_recommendation: bool


@dataclass(frozen=True)
class MemberRow:
    member: TeamMember
    name: str
    role: str
    role_label: str
    status: str
    status_label: str
    recommendation: str | None
    recommendation_name: str
    fits: dict[str, float]


@dataclass(frozen=True)
class RankedOption:
    slug: str
    name: str
    colour: str
    fit: float
    rank: int


@dataclass(frozen=True)
class TeamResult:
    team: Team
    members: tuple[MemberRow, ...]
    answered: int
    options: tuple[SnapshotOption, ...]
    # The engine's result on the combined answers; None until a member has been scored.
    result: Result | None
    ranking: tuple[RankedOption, ...]
    combined: tuple[CombinedAnswer, ...]
    disagreements: tuple[Disagreement, ...]

    @property
    def recommended(self) -> RankedOption | None:
        return self.ranking[0] if self.ranking else None

    @property
    def combined_answers(self) -> dict[str, AnswerValue]:
        return {row.question: row.answer for row in self.combined}


def member_status(member: TeamMember) -> str:
    """``answering``, ``scoring``, ``answered`` or ``failed``."""
    return MEMBER_STATUS[Assessment.Status(member.assessment.status)]


def team_result(team: Team, members: list[TeamMember] | None = None) -> TeamResult:
    """The team's combined result, its members' own results and the ranked disagreements."""
    members = members if members is not None else list(team_members(team))
    compiled = questionnaire_services.compiled_model(team.scoring_model)
    snapshot = compiled.snapshot
    options = tuple(snapshot.get("options", []))
    names = {o["slug"]: o["name"] for o in options}
    answered = [m for m in members if m.assessment.is_scored()]
    combined = _combine(team, snapshot, compiled, answered)
    result = None
    disagreements: tuple[Disagreement, ...] = ()
    if answered:
        answers = scoring.clean_answers(compiled, {row.question: row.answer for row in combined})
        result = scoring.score(compiled, answers, gettext=_)
        disagreements = _disagreements(compiled, answers, result, combined, names)
    return TeamResult(
        team=team,
        members=tuple(_member_row(m, names) for m in members),
        answered=len(answered),
        options=options,
        result=result,
        ranking=_ranking(result, options),
        combined=combined,
        disagreements=disagreements,
    )


def team_members(team: Team) -> list[TeamMember]:
    """The members with their assessments, owner first, in one query."""
    return list(team.members.select_related("assessment__recommendation"))


def _member_row(member: TeamMember, names: dict[str, str]) -> MemberRow:
    stored = cast(dict[str, Any], member.assessment.result or {})
    scored = member.assessment.is_scored()
    recommendation = stored.get("recommendation") if scored else None
    status = member_status(member)
    return MemberRow(
        member=member,
        name=member.name,
        role=member.role,
        role_label=str(Role(member.role).label),
        status=status,
        status_label=str(STATUS_LABELS[status]),
        recommendation=recommendation,
        recommendation_name=names.get(recommendation or "", recommendation or ""),
        fits={slug: float(score["fit"]) for slug, score in (stored.get("scores") or {}).items()}
        if scored
        else {},
    )


def _ranking(
    result: Result | None, options: tuple[SnapshotOption, ...]
) -> tuple[RankedOption, ...]:
    if result is None:
        return ()
    scores = result["scores"]
    rows = [
        RankedOption(
            slug=o["slug"],
            name=o["name"],
            colour=o["colour"],
            fit=float(scores[o["slug"]]["fit"]),
            rank=int(scores[o["slug"]]["rank"]),
        )
        for o in options
        if o["slug"] in scores
    ]
    return tuple(sorted(rows, key=lambda row: row.rank))


# --- Combining answers ------------------------------------------------------------------------


def is_unknown(value: Any) -> bool:
    """ "Don't know", also as a multiple choice's only pick."""
    return bool(value == UNKNOWN or (isinstance(value, list) and UNKNOWN in value))


def _group_key(question: Question | None, value: Any) -> str:
    """Answers that mean the same share a key: a number by its band, a list in any order."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, list):
        return "|".join(sorted(str(v) for v in value))
    if question is not None and question.kind == "number" and isinstance(value, int | float):
        choice = band(question, float(value))
        return f"band:{choice.key}" if choice else f"number:{value}"
    return str(value)


def _representative(values: list[Any]) -> Any:
    """One answer for a group: the middle number of a band, else the first member's answer."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        ordered = sorted(values)
        return ordered[(len(ordered) - 1) // 2]
    return values[0]


def _member_answer(member: TeamMember, question: SnapshotQuestion, value: Any) -> MemberAnswer:
    return MemberAnswer(
        member=member.name,
        role=member.role,
        role_label=str(Role(member.role).label),
        answer=value,
        label=answer_label(question, value),
    )


def _top_group(given: list[tuple[TeamMember, Any]], question: Any) -> tuple[str, int] | None:
    """The real answers' most frequent group, if one leads strictly; with its count."""
    counts = Counter(_group_key(question, v) for _m, v in given if not is_unknown(v))
    ranked = counts.most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0]


def _combine(
    team: Team,
    snapshot: Any,
    compiled: scoring.CompiledModel,
    answered: list[TeamMember],
) -> tuple[CombinedAnswer, ...]:
    rows = []
    roles = {str(k): str(v) for k, v in (team.section_roles or {}).items()}
    for index, section in enumerate(snapshot.get("sections", [])):
        owner_role = roles.get(str(index))
        for question in section["questions"]:
            key = question["key"]
            given = [
                (m, m.assessment.answers[key]) for m in answered if key in m.assessment.answers
            ]
            if not given:
                continue
            row = _combined_row(compiled.by_key.get(key), question, given, owner_role)
            rows.append(
                CombinedAnswer(
                    question=key,
                    question_text=question["text"],
                    section=section["title"],
                    answer=row[0],
                    label=answer_label(question, row[0]),
                    source=row[1],
                    source_label=row[2],
                    answers=tuple(_member_answer(m, question, v) for m, v in given),
                )
            )
    return tuple(rows)


def _combined_row(
    compiled_question: Any,
    question: SnapshotQuestion,
    given: list[tuple[TeamMember, Any]],
    owner_role: str | None,
) -> tuple[Any, str, str]:
    """The combined answer, where it came from (a key) and that in words."""
    if owner_role:
        owners = [(m, v) for m, v in given if m.role == owner_role and not is_unknown(v)]
        top = _top_group(owners, compiled_question)
        if top is not None:
            values = [v for _m, v in owners if _group_key(compiled_question, v) == top[0]]
            label = _("Answered by %(role)s (%(names)s), who own this section") % {
                "role": Role(owner_role).label,
                "names": ", ".join(m.name for m, _v in owners),
            }
            return _representative(values), "role", str(label)
    top = _top_group(given, compiled_question)
    if top is None:
        return UNKNOWN, "none", _("No majority: counted as “don’t know”")
    values = [v for _m, v in given if _group_key(compiled_question, v) == top[0]]
    if top[1] == len(given):
        return _representative(values), "agreed", _("Everyone who answered agrees")
    if all(is_unknown(v) or _group_key(compiled_question, v) == top[0] for _m, v in given):
        label = _("Everyone who knew agrees (%(count)d of %(total)d; the others don’t know)") % {
            "count": top[1],
            "total": len(given),
        }
        return _representative(values), "agreed", label
    label = ngettext(
        "Majority: %(count)d of %(total)d members",
        "Majority: %(count)d of %(total)d members",
        top[1],
    ) % {"count": top[1], "total": len(given)}
    return _representative(values), "majority", label


# --- Disagreements ----------------------------------------------------------------------------


def _lead(result: Result, slug: str) -> float:
    """How far ``slug`` is ahead of the best other option (negative when behind)."""
    fits = {s: float(score["fit"]) for s, score in result["scores"].items()}
    others = [fit for s, fit in fits.items() if s != slug]
    return round(fits.get(slug, 0.0) - (max(others) if others else 0.0), 1)


def _disagreements(
    compiled: scoring.CompiledModel,
    answers: dict[str, Any],
    result: Result,
    combined: tuple[CombinedAnswer, ...],
    names: dict[str, str],
) -> tuple[Disagreement, ...]:
    first = result["recommendation"] or ""
    found = []
    for row in combined:
        question = compiled.by_key.get(row.question)
        groups: dict[str, list[MemberAnswer]] = {}
        for given in row.answers:
            if not is_unknown(given.answer):
                groups.setdefault(_group_key(question, given.answer), []).append(given)
        if len(groups) < 2:
            continue
        alternatives = []
        for members in groups.values():
            value = _representative([m.answer for m in members])
            scored = scoring.score(
                compiled, scoring.clean_answers(compiled, answers | {row.question: value})
            )
            recommendation = scored["recommendation"] or ""
            alternatives.append(
                Alternative(
                    label=members[0].label,
                    members=tuple(m.member for m in members),
                    recommendation=recommendation,
                    recommendation_name=names.get(recommendation, recommendation),
                    lead=_lead(scored, first),
                )
            )
        leads = [a.lead for a in alternatives]
        found.append(
            Disagreement(
                question=row.question,
                question_text=row.question_text,
                combined_label=row.label,
                answers=row.answers,
                alternatives=tuple(alternatives),
                impact=round(max(leads) - min(leads), 1),
                changes_recommendation=any(a.recommendation != first for a in alternatives),
            )
        )
    # Answers that change the first place come first, then by impact; question order breaks ties.
    found.sort(key=lambda d: (not d.changes_recommendation, -d.impact))
    return tuple(found)
