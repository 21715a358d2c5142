"""Organisations like yours: the published cases nearest to a prospect's answers."""

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import connection

from apps.questionnaire import scoring
from apps.questionnaire.models import UNKNOWN
from apps.questionnaire.scoring.model import Question, band

from .models import Case

# --- Organisations like yours ---------------------------------------------------------------

# How many cases the report and the API show.
SIMILAR_CASES = 3
# A multiple-choice answer counts as matched when at least this share of the options is shared.
MATCHED_JACCARD = 0.5


@dataclass(frozen=True)
class CaseProfile:
    """A published case as the similarity needs it: what it chose and its recorded answers."""

    slug: str
    name: str
    chose: str
    chose_name: str
    why: str
    answers: Mapping[str, object]


@dataclass(frozen=True)
class SimilarCase:
    """A published case near a prospect's answers; ``matched`` are question keys."""

    slug: str
    name: str
    chose: str
    chose_name: str
    why: str
    similarity: float
    matched: tuple[str, ...]


def question_weights(compiled: scoring.CompiledModel) -> dict[str, float]:
    """How far each question can move the options' scores: the largest points it can give any
    option minus the lowest (``max(hi) - min(lo)`` over the compiled per-option vectors)."""
    return {q.key: (max(q.hi) - min(q.lo)) if q.hi and q.lo else 0.0 for q in compiled.questions}


def _agreement(question: Question, mine: object, theirs: object) -> float | None:
    """0–1 agreement of two answers to one question; None when they cannot be compared."""
    if question.kind == "multiple":
        if not isinstance(mine, list) or not isinstance(theirs, list):
            return None
        a, b = {str(x) for x in mine}, {str(x) for x in theirs}
        return len(a & b) / len(a | b) if a | b else 1.0
    if question.kind == "number":
        if isinstance(mine, bool) or isinstance(theirs, bool):
            return None
        if not isinstance(mine, int | float) or not isinstance(theirs, int | float):
            return None
        mine_band, theirs_band = band(question, float(mine)), band(question, float(theirs))
        if mine_band is None or theirs_band is None:
            return 1.0 if float(mine) == float(theirs) else 0.0
        return 1.0 if mine_band is theirs_band else 0.0
    if isinstance(mine, list) or isinstance(theirs, list):
        return None
    return 1.0 if str(mine) == str(theirs) else 0.0


def nearest_cases(
    answers: Mapping[str, object],
    *,
    compiled: scoring.CompiledModel,
    cases: Sequence[CaseProfile],
    limit: int = SIMILAR_CASES,
) -> tuple[SimilarCase, ...]:
    """The ``limit`` cases nearest to ``answers``, most similar first, ties by slug.

    Over the questions both answered (neither left out nor "unknown") that can move the
    scores, similarity = Σ w_q · a_q / Σ w_q, where w_q is ``question_weights`` and a_q the
    agreement: 1 or 0 for a single choice or scale (same key), the Jaccard index |A∩B| / |A∪B|
    for a multiple choice, 1 or 0 for a number (same band of the question). 0 when nothing
    overlaps; cases at 0 are left out. ``matched`` lists the questions with full agreement
    (multiple choice: at least ``MATCHED_JACCARD``). Pure: no queries.
    """
    weights = question_weights(compiled)
    found = []
    for case in cases:
        total = agreed = 0.0
        matched = []
        for question in compiled.questions:
            weight = weights[question.key]
            mine, theirs = answers.get(question.key), case.answers.get(question.key)
            if weight <= 0 or mine is None or theirs is None or UNKNOWN in (mine, theirs):
                continue
            agreement = _agreement(question, mine, theirs)
            if agreement is None:
                continue
            total += weight
            agreed += weight * agreement
            full = agreement >= (MATCHED_JACCARD if question.kind == "multiple" else 1.0)
            if full and agreement > 0:
                matched.append(question.key)
        similarity = round(agreed / total, 2) if total else 0.0
        if similarity > 0:
            found.append(
                SimilarCase(
                    slug=case.slug,
                    name=case.name,
                    chose=case.chose,
                    chose_name=case.chose_name,
                    why=case.why,
                    similarity=similarity,
                    matched=tuple(matched),
                )
            )
    found.sort(key=lambda c: (-c.similarity, c.slug))
    return tuple(found[:limit])


_PROFILES: dict[tuple[object, ...], tuple[CaseProfile, ...]] = {}
_PROFILES_LOCK = threading.Lock()


def published_profiles() -> tuple[CaseProfile, ...]:
    """Every published case's answers; loaded once per process until a case changes."""
    cases = Case.objects.published()
    key = _published_stamp()
    with _PROFILES_LOCK:
        hit = _PROFILES.get(key)
    if hit is not None:
        return hit
    profiles = tuple(
        CaseProfile(
            slug=case.slug,
            name=case.name,
            chose=case.chose.slug,
            chose_name=case.chose.name,
            why=case.why,
            answers=case.answer_values(),
        )
        for case in cases.select_related("chose").prefetch_related("answers").order_by("slug")
    )
    with _PROFILES_LOCK:
        _PROFILES.clear()
        _PROFILES[key] = profiles
    return profiles


def _published_stamp() -> tuple[object, ...]:
    """How many cases are published and when one last changed, as the database returns them.

    Asked on every result shown: one statement of fixed text, where the same aggregate as a
    queryset cost more CPU to compile than to run.
    """
    quote = connection.ops.quote_name
    table = quote(Case._meta.db_table)
    status, updated = quote("status"), quote("updated")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX({updated}) FROM {table} WHERE {status} = %s",
            [Case.Status.PUBLISHED],
        )
        return tuple(cursor.fetchone() or ())


def similar_cases(
    *, answers: Mapping[str, object], compiled: scoring.CompiledModel, limit: int = SIMILAR_CASES
) -> tuple[SimilarCase, ...]:
    """The published cases nearest to a prospect's cleaned answers (see ``nearest_cases``)."""
    return nearest_cases(answers, compiled=compiled, cases=published_profiles(), limit=limit)
