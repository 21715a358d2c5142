"""The compiled form of a snapshot: what the engine scores with, built once per version.

Compiling turns the snapshot's nested dicts into weight vectors per choice (points ×
importance, one entry per option), the lowest and highest points each question can give each
option, the order in which conditions are resolved, and for number questions a typical value
per band and the what-if x values. Django code gets the compiled model of a published version
from ``services.compiled_model``; ``compiled`` compiles a snapshot without remembering it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Final

from ..contracts import Snapshot, SnapshotQuestion, SnapshotRisk, SnapshotRules, SnapshotWeight

UNKNOWN: Final = "unknown"

# How an option's reachable span is measured (the snapshot's ``rules.fit_basis``):
# "shown" (versions published before the rule existed): every shown question counts, and an
# unanswered or "don't know" question scores 0 within it; "answered": only questions answered
# with a choice that carries weights count, so skipped, unknown and neutral answers favour no
# option.
FIT_SHOWN: Final = "shown"
FIT_ANSWERED: Final = "answered"


@dataclass(slots=True, eq=False)
class Choice:
    key: str
    label: str
    index: int
    vec: tuple[float, ...]
    # (option index, points × importance, the snapshot's weight) for every non-zero weight.
    applied: tuple[tuple[int, float, SnapshotWeight], ...]
    lower: float | None
    upper: float | None
    # Whether the choice gives any option points (a choice without weights is neutral).
    weighted: bool = False


@dataclass(slots=True, eq=False)
class Question:
    key: str
    text: str
    kind: str
    required: bool
    allow_unknown: bool
    unit: str
    min_value: float | None
    max_value: float | None
    choices: tuple[Choice, ...]
    by_key: dict[str, Choice]
    # The lowest and highest points the question can give each option.
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    cond_key: str | None
    cond_in: frozenset[str]
    # Whether another question's condition depends on this one.
    is_source: bool
    raw: SnapshotQuestion
    # Number questions: a typical value per band (for sensitivity) and the what-if x values.
    reps: tuple[tuple[float, Choice], ...]
    xs: tuple[tuple[float, Choice | None], ...]


@dataclass(slots=True, eq=False)
class Risk:
    raw: SnapshotRisk
    option: str | None
    when: tuple[tuple[str, frozenset[str]], ...]


@dataclass(slots=True, eq=False)
class CompiledModel:
    """A snapshot compiled for scoring. Read-only: shared by every request in a process."""

    snapshot: Snapshot
    version: int | None
    options: tuple[str, ...]
    names: tuple[str, ...]
    questions: tuple[Question, ...]
    # Condition sources before the questions that depend on them.
    order: tuple[Question, ...]
    by_key: dict[str, Question]
    risks: tuple[Risk, ...]
    # FIT_ANSWERED: only weighted answers enter the span (see FIT_SHOWN / FIT_ANSWERED).
    answered_basis: bool = False
    # A high risk of the recommended option caps the confidence (``explain.capped``).
    caps_high_risk: bool = False


def compiled(model: CompiledModel | Snapshot) -> CompiledModel:
    """The model itself, or a snapshot compiled afresh (nothing is remembered)."""
    return model if isinstance(model, CompiledModel) else compile_model(model)


def compile_model(snapshot: Snapshot) -> CompiledModel:
    """Compiles a snapshot; costs about a millisecond for the real questionnaire."""
    rules: SnapshotRules | dict[str, object] = snapshot.get("rules") or {}
    answered_basis = rules.get("fit_basis", FIT_SHOWN) == FIT_ANSWERED
    options = tuple(str(o["slug"]) for o in snapshot.get("options", ()))
    names = tuple(str(o.get("name", o["slug"])) for o in snapshot.get("options", ()))
    option_index = {slug: o for o, slug in enumerate(options)}
    questions = tuple(
        _compile_question(q, option_index, answered_basis=answered_basis)
        for section in snapshot.get("sections", ())
        for q in section.get("questions", ())
    )
    by_key = {q.key: q for q in questions}
    for q in questions:
        if q.cond_key is not None and q.cond_key in by_key:
            by_key[q.cond_key].is_source = True
    risks = tuple(
        Risk(
            raw=r,
            option=r.get("option"),
            when=tuple((str(k), frozenset(str(v) for v in vs)) for k, vs in r["when"].items()),
        )
        for r in snapshot.get("risks", ())
    )
    return CompiledModel(
        snapshot=snapshot,
        version=snapshot.get("version"),
        options=options,
        names=names,
        questions=questions,
        order=_condition_order(questions, by_key),
        by_key=by_key,
        risks=risks,
        answered_basis=answered_basis,
        caps_high_risk=bool(rules.get("high_risk_caps_confidence", False)),
    )


def _as_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _compile_choices(raw: SnapshotQuestion, option_index: Mapping[str, int]) -> list[Choice]:
    importance = float(raw.get("importance", 1.0))
    n = len(option_index)
    choices = []
    for index, c in enumerate(raw.get("choices") or ()):
        vec = [0.0] * n
        applied = []
        for slug, weight in (c.get("weights") or {}).items():
            o = option_index.get(slug)
            if o is None:
                continue
            points = float(weight["points"]) * importance
            vec[o] = points
            if points:
                applied.append((o, points, weight))
        applied.sort(key=itemgetter(0))
        choices.append(
            Choice(
                key=str(c["key"]),
                label=str(c.get("label", c["key"])),
                index=index,
                vec=tuple(vec),
                weighted=any(vec),
                applied=tuple(applied),
                lower=_as_float(c.get("lower")),
                upper=_as_float(c.get("upper")),
            )
        )
    return choices


def _compile_question(
    raw: SnapshotQuestion, option_index: Mapping[str, int], *, answered_basis: bool = False
) -> Question:
    choices = _compile_choices(raw, option_index)
    kind = str(raw.get("kind", "single"))
    required = bool(raw.get("required", True))
    allow_unknown = bool(raw.get("allow_unknown", False))
    # On the answered basis a question only counts once answered, so 0 is reachable only
    # where a choice gives it.
    zero = not answered_basis and (allow_unknown or not required)
    lo, hi = _reachable(kind, choices, len(option_index), zero=zero)
    condition = raw.get("condition") or None
    q = Question(
        key=str(raw["key"]),
        text=str(raw.get("text", "")),
        kind=kind,
        required=required,
        allow_unknown=allow_unknown,
        unit=str(raw.get("unit") or ""),
        min_value=_as_float(raw.get("min_value")),
        max_value=_as_float(raw.get("max_value")),
        choices=tuple(choices),
        by_key={c.key: c for c in choices},
        lo=lo,
        hi=hi,
        cond_key=str(condition["question"]) if condition else None,
        cond_in=frozenset(str(k) for k in condition.get("in", ())) if condition else frozenset(),
        is_source=False,
        raw=raw,
        reps=(),
        xs=(),
    )
    if kind == "number":
        q.reps = tuple(
            (value, c) for c in q.choices if (value := _representative(q, c)) is not None
        )
        q.xs = tuple((x, band(q, x)) for x in _what_if_xs(q, [value for value, _ in q.reps]))
    return q


def _reachable(
    kind: str, choices: Sequence[Choice], n: int, *, zero: bool
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The lowest and highest points a question can give each option."""
    if not choices:
        return (0.0,) * n, (0.0,) * n
    columns = list(zip(*(c.vec for c in choices), strict=True))
    if kind == "multiple":
        lo = tuple(sum(x for x in column if x < 0) for column in columns)
        hi = tuple(sum(x for x in column if x > 0) for column in columns)
        return lo, hi
    if zero:
        return tuple(min(0.0, *column) for column in columns), tuple(
            max(0.0, *column) for column in columns
        )
    return tuple(map(min, columns)), tuple(map(max, columns))


def _condition_order(
    questions: Sequence[Question], by_key: Mapping[str, Question]
) -> tuple[Question, ...]:
    """Questions with each condition source before its dependants; cycles are left out."""
    placed: dict[str, bool] = {}
    order: list[Question] = []

    def place(q: Question, trail: frozenset[str]) -> bool:
        if q.key in placed:
            return placed[q.key]
        source = by_key.get(q.cond_key) if q.cond_key else None
        ok = q.cond_key is None or (
            source is not None and q.key not in trail and place(source, trail | {q.key})
        )
        placed[q.key] = ok
        order.append(q)
        return ok

    for q in questions:
        place(q, frozenset())
    return tuple(order)


# --- Number questions -----------------------------------------------------------------------


def band(q: Question, value: float) -> Choice | None:
    """The choice whose band [lower, upper) holds the value."""
    for c in q.choices:
        if (c.lower is None or c.lower <= value) and (c.upper is None or value < c.upper):
            return c
    return None


def _nice(value: float) -> float:
    """Two significant figures, as an int when whole: 181.02 → 180, 4.5 → 4.5."""
    if value == 0:
        return 0
    digits = 1 - int(math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    return int(rounded) if float(rounded).is_integer() else rounded


def _representative(q: Question, c: Choice) -> float | None:
    """A typical value inside a band, kept within the question's min and max."""
    lo = c.lower if c.lower is not None else q.min_value
    hi = c.upper if c.upper is not None else q.max_value
    if q.min_value is not None and lo is not None:
        lo = max(lo, q.min_value)
    if q.max_value is not None and hi is not None and c.upper is not None:
        hi = min(hi, q.max_value)
    if lo is None and hi is None:
        return None
    if lo is None:
        assert hi is not None
        value = hi / 2 if hi > 0 else hi - 1
    elif hi is None:
        value = lo * 2 if lo > 0 else lo + 1
    elif lo > 0 and hi / lo >= 10:
        # Sizes such as node counts spread over orders of magnitude: use the geometric middle.
        value = math.sqrt(lo * hi)
    else:
        value = (lo + hi) / 2
    value = _nice(value)
    if value >= 1 and all(float(b).is_integer() for b in (lo, hi) if b is not None):
        # Whole-numbered bands (nodes, jobs) get a whole representative.
        value = round(value)
    if band(q, value) is c and _within(q, value):
        return value
    return lo if lo is not None and band(q, lo) is c and _within(q, lo) else None


def _within(q: Question, value: float) -> bool:
    return (q.min_value is None or value >= q.min_value) and (
        q.max_value is None or value <= q.max_value
    )


def _what_if_xs(q: Question, middles: list[float]) -> list[float]:
    """Band edges and a typical value inside each band, within the question's min and max."""
    xs = set(middles)
    for c in q.choices:
        for edge in (c.lower, c.upper):
            if edge is not None and _within(q, edge):
                xs.add(edge)
    xs.update(v for v in (q.min_value, q.max_value) if v is not None)
    return sorted(int(x) if float(x).is_integer() else x for x in xs)
