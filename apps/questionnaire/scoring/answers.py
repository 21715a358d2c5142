"""A prospect's answers read against the model: what each selects, and which questions show.

Answers arrive as JSON (``{"<question key>": "<choice key>" | ["<choice key>", …] | <number> |
"unknown"}``) and are never trusted: an answer that selects nothing valid is ignored here.
Rejecting it with a message is the answer forms' job (``apps.questionnaire.forms``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard

from ..contracts import Snapshot, SnapshotQuestion
from .model import UNKNOWN, Choice, CompiledModel, Question, band, compiled

# Answers as received: any JSON value per key.
Answers = Mapping[str, Any]
# A question's resolved answer: its chosen choices (in snapshot order) or UNKNOWN.
Selection = tuple[Choice, ...] | str
# The resolved answers of the shown questions, by question key.
States = dict[str, Selection]


def _is_number(value: object) -> TypeGuard[int | float]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # An integer too large for a float.
        return False


def resolve(q: Question, value: object) -> Selection | None:
    """The choices an answer selects, UNKNOWN, or None when it selects nothing valid."""
    if isinstance(value, str) and value == UNKNOWN:
        return UNKNOWN if q.allow_unknown else None
    if q.kind == "number":
        chosen = band(q, float(value)) if _is_number(value) else None
        return (chosen,) if chosen else None
    if q.kind == "multiple":
        if not isinstance(value, list | tuple):
            return None
        picked = {q.by_key[k] for k in value if isinstance(k, str) and k in q.by_key}
        return tuple(sorted(picked, key=lambda c: c.index)) or None
    if isinstance(value, str) and value in q.by_key:
        return (q.by_key[value],)
    return None


def states(m: CompiledModel, answers: Answers) -> States:
    """The valid answers resolved, hidden questions included."""
    out: States = {}
    for key, value in answers.items():
        q = m.by_key.get(key)
        if q is not None:
            resolved = resolve(q, value)
            if resolved is not None:
                out[key] = resolved
    return out


def keys(state: Selection | None) -> frozenset[str]:
    """The choice keys (or UNKNOWN) an answer selects."""
    if state is None:
        return frozenset()
    if isinstance(state, str):
        return frozenset((state,))
    return frozenset(c.key for c in state)


def visible(m: CompiledModel, resolved: States) -> set[str]:
    """Keys of the questions shown: a question shows when its source shows and matches."""
    shown: set[str] = set()
    for q in m.order:
        if q.cond_key is None or (
            q.cond_key in shown and not q.cond_in.isdisjoint(keys(resolved.get(q.cond_key)))
        ):
            shown.add(q.key)
    return shown


def _is_empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def visible_questions(model: CompiledModel | Snapshot, answers: Answers) -> list[SnapshotQuestion]:
    """The snapshot's question dicts shown for these answers, in display order.

    They are the snapshot's own objects: do not mutate them.
    """
    m = compiled(model)
    shown = visible(m, states(m, answers))
    return [q.raw for q in m.questions if q.key in shown]


def clean_answers(model: CompiledModel | Snapshot, answers: Answers) -> dict[str, Any]:
    """The answers to shown questions only, in question order, without empty ones."""
    m = compiled(model)
    shown = visible(m, states(m, answers))
    return {
        q.key: answers[q.key]
        for q in m.questions
        if q.key in shown and q.key in answers and not _is_empty(answers[q.key])
    }
