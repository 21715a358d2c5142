"""The scoring engine: plain Python, no Django, no I/O.

It takes a scoring-model snapshot (built by ``services.build_snapshot``) and a prospect's
answers (``{"<question key>": "<choice key>" | ["<choice key>", …] | <number> | "unknown"}``)
and returns a JSON-safe result: fits per option, the recommendation with its confidence, the
contributions that explain it, the risks that apply, a sensitivity analysis and what-if series.

Public functions:

- ``score(snapshot, answers, *, gettext=…) -> dict``: the engine result (see the contract in the
  brief). Invalid or hidden answers are ignored, never raised on.
- ``validate(snapshot, answers, *, gettext=…) -> dict[str, str]``: one error message per
  question key (empty when the answers are valid). Answers to hidden questions are not checked.
- ``visible_questions(snapshot, answers) -> list[dict]``: the snapshot's question dicts shown
  for these answers, in order (the snapshot's own objects: do not mutate them).
- ``clean_answers(snapshot, answers) -> dict``: the answers without hidden, unknown-key or
  empty ones, in question order.

Messages and translation: this module cannot import Django, so every function that produces
user-facing text (``validate`` and ``score``, which writes the close-call note and labels of
multiple-choice alternatives) takes a keyword argument ``gettext: Callable[[str], str]``,
defaulting to the identity (English). The Django side passes
``django.utils.translation.gettext``. Message templates are marked with ``gettext_noop`` below
so that ``makemessages`` extracts them; they use ``%(name)s`` placeholders, and the callable is
applied to the template *before* the parameters are interpolated.

Scoring rules, in short: an option's points are the sum, over shown and answered questions,
of each chosen choice's weight times the question's importance ("unknown" adds nothing; a
number answer scores as the band it falls in). Its fit is those points placed between the
lowest and highest points reachable for that option over the shown questions (0–100); a
question that may stay without points (optional, or "don't know" allowed) makes 0 reachable.
Ranks follow fit (rounded to one decimal), ties broken by the snapshot's option order.

- ``confidence`` = share of shown questions with a real answer (``"unknown"`` and unanswered
  optional questions count against it) × a lead factor rising from 0.25 at a zero margin to
  1 at a margin of ``CLEAR_MARGIN`` fit points; labels: high ≥ 0.7, medium ≥ 0.4, else low.
- ``close_call``: SLURM and Kubernetes first and second within ``CLOSE_CALL_MARGIN`` points.
- ``sensitivity`` lists only questions with at least one alternative that changes the
  recommendation (questions answered "unknown" included). Alternatives are the other choices,
  the other bands' typical values for numbers, and single toggles for multiple choice (the
  answer is then the whole new list, labelled "also …" / "without …").
- ``what_if`` x values are each band's edges and typical value within min/max.

Snapshots are read-only to the engine: it remembers the compiled form of the last few snapshot
objects it scored (by identity), so passing the same dict again skips compiling it. Do not
mutate a snapshot after scoring it; ``services.snapshot_of(model)`` hands out one shared dict
per published version for exactly this reason.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

UNKNOWN: Final = "unknown"
# Fit points between the two pure options below which the result is a close call.
CLOSE_CALL_MARGIN: Final = 5.0
# The margin above which a lead is clear enough not to lower the confidence.
CLEAR_MARGIN: Final = 15.0
PURE_OPTIONS: Final = frozenset({"slurm", "kubernetes"})
HYBRID: Final = "hybrid"
HIGH_CONFIDENCE: Final = 0.7
MEDIUM_CONFIDENCE: Final = 0.4
LEVEL_ORDER: Final = {"high": 0, "medium": 1, "low": 2}
# Skip questions that provably cannot change the recommendation (switchable for tests).
PRUNE_SENSITIVITY = True

Gettext = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Marks a message for extraction by ``makemessages``; translation happens later."""
    return message


def _identity(message: str) -> str:
    return message


MESSAGES: Final = {
    "required": gettext_noop("Please answer this question."),
    "unknown_not_allowed": gettext_noop("“Don't know” is not an answer to this question."),
    "not_a_choice": gettext_noop("Choose one of the offered answers."),
    "invalid_choice": gettext_noop("“%(value)s” is not one of the offered answers."),
    "single_only": gettext_noop("Choose only one answer."),
    "not_a_list": gettext_noop("Choose one or more of the offered answers."),
    "not_a_number": gettext_noop("Enter a number."),
    "below_min": gettext_noop("Enter a number of at least %(min)s."),
    "above_max": gettext_noop("Enter a number of at most %(max)s."),
    "no_band": gettext_noop("This number is outside the ranges this question scores."),
    "unknown_question": gettext_noop("There is no question with this key."),
}
CLOSE_CALL_NOTE: Final = gettext_noop(
    "%(first)s and %(second)s are within %(margin)s fit points of each other. Running both side "
    "by side (the hybrid pattern) lets each community keep the tool that suits it."
)
CLOSE_CALL_HYBRID: Final = gettext_noop(
    "The hybrid pattern (%(hybrid)s) fits these answers at %(fit)s and is worth a close look."
)
ALSO_LABEL: Final = gettext_noop("also %(label)s")
WITHOUT_LABEL: Final = gettext_noop("without %(label)s")
UNKNOWN_LABEL: Final = gettext_noop("Don't know")


# --- The compiled model ---------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Choice:
    key: str
    label: str
    index: int
    vec: tuple[float, ...]
    # (option index, points × importance, the snapshot's weight) for every non-zero weight.
    applied: tuple[tuple[int, float, Mapping[str, Any]], ...]
    lower: float | None
    upper: float | None


@dataclass(slots=True, eq=False)
class _Question:
    key: str
    text: str
    kind: str
    required: bool
    allow_unknown: bool
    unit: str
    min_value: float | None
    max_value: float | None
    choices: tuple[_Choice, ...]
    by_key: dict[str, _Choice]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    cond_key: str | None
    cond_in: frozenset[str]
    is_source: bool
    raw: Mapping[str, Any]
    # Number questions: a typical value per band (for sensitivity) and the what-if x values.
    reps: tuple[tuple[float, _Choice], ...]
    xs: tuple[tuple[float, _Choice | None], ...]


@dataclass(slots=True, eq=False)
class _Risk:
    raw: Mapping[str, Any]
    option: str | None
    when: tuple[tuple[str, frozenset[str]], ...]


@dataclass(slots=True, eq=False)
class _Model:
    version: Any
    options: tuple[str, ...]
    names: tuple[str, ...]
    questions: tuple[_Question, ...]
    # Condition sources before the questions that depend on them.
    order: tuple[_Question, ...]
    by_key: dict[str, _Question]
    risks: tuple[_Risk, ...]


_CACHE: dict[int, tuple[Mapping[str, Any], _Model]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE: Final = 8


def _as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _compile_question(raw: Mapping[str, Any], option_index: Mapping[str, int]) -> _Question:
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
            _Choice(
                key=str(c["key"]),
                label=str(c.get("label", c["key"])),
                index=index,
                vec=tuple(vec),
                applied=tuple(applied),
                lower=_as_float(c.get("lower")),
                upper=_as_float(c.get("upper")),
            )
        )
    kind = str(raw.get("kind", "single"))
    required = bool(raw.get("required", True))
    allow_unknown = bool(raw.get("allow_unknown", False))
    lo, hi = _reachable(kind, choices, n, zero=allow_unknown or not required)
    condition = raw.get("condition") or None
    q = _Question(
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
        q.xs = tuple((x, _band(q, x)) for x in _what_if_xs(q, [value for value, _ in q.reps]))
    return q


def _reachable(
    kind: str, choices: Sequence[_Choice], n: int, *, zero: bool
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


def _model(snapshot: Mapping[str, Any]) -> _Model:
    """The compiled form of a snapshot, remembered for the last few snapshot objects seen."""
    with _CACHE_LOCK:
        hit = _CACHE.get(id(snapshot))
        if hit is not None and hit[0] is snapshot:
            return hit[1]
    m = _compile(snapshot)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        # Keeping the snapshot itself alive keeps its id from being reused by another object.
        _CACHE[id(snapshot)] = (snapshot, m)
    return m


def _compile(snapshot: Mapping[str, Any]) -> _Model:
    options = tuple(str(o["slug"]) for o in snapshot.get("options", ()))
    names = tuple(str(o.get("name", o["slug"])) for o in snapshot.get("options", ()))
    option_index = {slug: o for o, slug in enumerate(options)}
    questions = tuple(
        _compile_question(q, option_index)
        for section in snapshot.get("sections", ())
        for q in section.get("questions", ())
    )
    by_key = {q.key: q for q in questions}
    for q in questions:
        if q.cond_key in by_key:
            by_key[q.cond_key].is_source = True
    risks = tuple(
        _Risk(
            raw=r,
            option=r.get("option"),
            when=tuple((str(k), frozenset(str(v) for v in vs)) for k, vs in r["when"].items()),
        )
        for r in snapshot.get("risks", ())
    )
    return _Model(
        version=snapshot.get("version"),
        options=options,
        names=names,
        questions=questions,
        order=_condition_order(questions, by_key),
        by_key=by_key,
        risks=risks,
    )


def _condition_order(
    questions: Sequence[_Question], by_key: Mapping[str, _Question]
) -> tuple[_Question, ...]:
    """Questions with each condition source before its dependants; cycles are left out."""
    placed: dict[str, bool] = {}
    order: list[_Question] = []

    def place(q: _Question, trail: frozenset[str]) -> bool:
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


# --- Answers --------------------------------------------------------------------------------

# A question's state: its chosen choices (sorted by snapshot order), UNKNOWN, or absent.
State = dict[str, "tuple[_Choice, ...] | str"]


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # An integer too large for a float.
        return False


def _band(q: _Question, value: float) -> _Choice | None:
    for c in q.choices:
        if (c.lower is None or c.lower <= value) and (c.upper is None or value < c.upper):
            return c
    return None


def _resolve(q: _Question, value: Any) -> tuple[_Choice, ...] | str | None:
    """The choices an answer selects, UNKNOWN, or None when it selects nothing valid."""
    if isinstance(value, str) and value == UNKNOWN:
        return UNKNOWN if q.allow_unknown else None
    if q.kind == "number":
        band = _band(q, float(value)) if _is_number(value) else None
        return (band,) if band else None
    if q.kind == "multiple":
        if not isinstance(value, list | tuple):
            return None
        chosen = {q.by_key[k] for k in value if isinstance(k, str) and k in q.by_key}
        return tuple(sorted(chosen, key=lambda c: c.index)) or None
    if isinstance(value, str) and value in q.by_key:
        return (q.by_key[value],)
    return None


def _states(m: _Model, answers: Mapping[str, Any]) -> State:
    states: State = {}
    for key, value in answers.items():
        q = m.by_key.get(key)
        if q is not None:
            resolved = _resolve(q, value)
            if resolved is not None:
                states[key] = resolved
    return states


def _keys(state: tuple[_Choice, ...] | str | None) -> frozenset[str]:
    if state is None:
        return frozenset()
    if isinstance(state, str):
        return frozenset((state,))
    return frozenset(c.key for c in state)


def _visible(m: _Model, states: State) -> set[str]:
    shown: set[str] = set()
    for q in m.order:
        if q.cond_key is None or (
            q.cond_key in shown and not q.cond_in.isdisjoint(_keys(states.get(q.cond_key)))
        ):
            shown.add(q.key)
    return shown


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def visible_questions(snapshot: Mapping[str, Any], answers: Mapping[str, Any]) -> list[Any]:
    """The snapshot's question dicts shown for these answers, in display order."""
    m = _model(snapshot)
    shown = _visible(m, _states(m, answers))
    return [q.raw for q in m.questions if q.key in shown]


def clean_answers(snapshot: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to shown questions only, in question order, without empty ones."""
    m = _model(snapshot)
    shown = _visible(m, _states(m, answers))
    return {
        q.key: answers[q.key]
        for q in m.questions
        if q.key in shown and q.key in answers and not _is_empty(answers[q.key])
    }


# --- Validation -----------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _error(q: _Question, value: Any) -> tuple[str, dict[str, str]] | None:
    """The message code and parameters for one shown question's answer, or None when valid."""
    if _is_empty(value):
        return ("required", {}) if q.required else None
    if isinstance(value, str) and value == UNKNOWN:
        return None if q.allow_unknown else ("unknown_not_allowed", {})
    if q.kind == "number":
        return _number_error(q, value)
    if q.kind == "multiple":
        if not isinstance(value, list | tuple) or not all(isinstance(k, str) for k in value):
            return ("not_a_list", {})
        wrong = [k for k in value if k not in q.by_key]
        return ("invalid_choice", {"value": wrong[0][:60]}) if wrong else None
    if isinstance(value, list | tuple):
        return ("single_only", {})
    if not isinstance(value, str):
        return ("not_a_choice", {})
    return None if value in q.by_key else ("invalid_choice", {"value": value[:60]})


def _number_error(q: _Question, value: Any) -> tuple[str, dict[str, str]] | None:
    if not _is_number(value):
        return ("not_a_number", {})
    if q.min_value is not None and value < q.min_value:
        return ("below_min", {"min": _fmt(q.min_value)})
    if q.max_value is not None and value > q.max_value:
        return ("above_max", {"max": _fmt(q.max_value)})
    return None if _band(q, float(value)) else ("no_band", {})


def validate(
    snapshot: Mapping[str, Any], answers: Mapping[str, Any], *, gettext: Gettext = _identity
) -> dict[str, str]:
    """One error message per question key; answers to hidden questions are not checked."""
    m = _model(snapshot)
    shown = _visible(m, _states(m, answers))
    errors: dict[str, str] = {}
    for key in answers:
        if key not in m.by_key:
            errors[str(key)] = gettext(MESSAGES["unknown_question"])
    for q in m.questions:
        if q.key not in shown:
            continue
        problem = _error(q, answers.get(q.key))
        if problem is not None:
            code, params = problem
            errors[q.key] = gettext(MESSAGES[code]) % params if params else gettext(MESSAGES[code])
    return errors


# --- Scoring --------------------------------------------------------------------------------

Vector = list[float]


def _sum(vectors: list[tuple[float, ...]], n: int) -> Vector:
    """Column sums, always in the order given (question order), so results never vary."""
    return [sum(column) for column in zip(*vectors, strict=True)] if vectors else [0.0] * n


def _totals(m: _Model, states: State, shown: set[str]) -> tuple[Vector, Vector, Vector]:
    los: list[tuple[float, ...]] = []
    his: list[tuple[float, ...]] = []
    chosen: list[tuple[float, ...]] = []
    for q in m.questions:
        if q.key not in shown:
            continue
        los.append(q.lo)
        his.append(q.hi)
        state = states.get(q.key)
        if state is not None and not isinstance(state, str):
            chosen.extend(c.vec for c in state)
    n = len(m.options)
    return _sum(chosen, n), _sum(los, n), _sum(his, n)


def _scales(lo: Vector, hi: Vector) -> list[float]:
    """Per option, 100 divided by its reachable span (0 when no shown question can move it)."""
    return [
        100.0 / (high - low) if high - low > 1e-9 else 0.0 for low, high in zip(lo, hi, strict=True)
    ]


def _fits(points: Vector, lo: Vector, hi: Vector) -> list[float]:
    return _fits_scaled(points, lo, _scales(lo, hi))


def _fits_scaled(points: Vector, lo: Vector, scales: list[float]) -> list[float]:
    fits = []
    for p, low, scale in zip(points, lo, scales, strict=True):
        # An option no shown question can move sits in the middle rather than at either end.
        if not scale:
            fits.append(50.0)
            continue
        fit = (p - low) * scale
        fits.append(100.0 if fit >= 100.0 else 0.0 if fit <= 0.0 else round(fit, 1))
    return fits


def _best(fits: Sequence[float]) -> int:
    best = 0
    for o in range(1, len(fits)):
        if fits[o] > fits[best]:
            best = o
    return best


def _ranking(fits: Sequence[float]) -> list[int]:
    """Option indices best first; ties keep the snapshot's option order."""
    return sorted(range(len(fits)), key=lambda o: (-fits[o], o))


def _vec(state: tuple[_Choice, ...] | str | None, n: int) -> tuple[float, ...]:
    if state is None or isinstance(state, str) or not state:
        return (0.0,) * n
    if len(state) == 1:
        return state[0].vec
    return tuple(_sum([c.vec for c in state], n))


class _Evaluator:
    """Re-scores other answers to one question, without recomputing the untouched ones."""

    __slots__ = ("m", "states", "shown", "points", "lo", "hi", "scales")

    def __init__(
        self, m: _Model, states: State, shown: set[str], totals: tuple[Vector, Vector, Vector]
    ) -> None:
        self.m = m
        self.states = states
        self.shown = shown
        self.points, self.lo, self.hi = totals
        self.scales = _scales(self.lo, self.hi)

    def fits_for(
        self, q: _Question, alternatives: Sequence[tuple[_Choice, ...] | None]
    ) -> list[list[float]]:
        """Every option's fit for each alternative answer to ``q``, other answers unchanged."""
        n = len(self.m.options)
        before = _vec(self.states.get(q.key), n)
        if q.is_source:
            return [self._fits_with_visibility(q, before, alt) for alt in alternatives]
        # Other questions keep their visibility, so only this answer's points change.
        base = [p - b for p, b in zip(self.points, before, strict=True)]
        return [
            _fits_scaled(
                [p + a for p, a in zip(base, _vec(alt, n), strict=True)], self.lo, self.scales
            )
            for alt in alternatives
        ]

    def _fits_with_visibility(
        self, q: _Question, before: tuple[float, ...], alt: tuple[_Choice, ...] | None
    ) -> list[float]:
        changed = dict(self.states)
        if alt is None:
            changed.pop(q.key, None)
        else:
            changed[q.key] = alt
        shown = _visible(self.m, changed)
        after = _vec(alt, len(before))
        points = [p - b + a for p, b, a in zip(self.points, before, after, strict=True)]
        lo, hi = list(self.lo), list(self.hi)
        for key in self.shown ^ shown:
            other = self.m.by_key[key]
            sign = 1.0 if key in shown else -1.0
            # Newly shown questions have no answer (hidden answers were dropped); newly
            # hidden ones take their points with them.
            lost = _vec(self.states.get(key), len(before)) if sign < 0 else None
            for o in range(len(before)):
                lo[o] += sign * other.lo[o]
                hi[o] += sign * other.hi[o]
                if lost is not None:
                    points[o] -= lost[o]
        return _fits(points, lo, hi)


def score(
    snapshot: Mapping[str, Any], answers: Mapping[str, Any], *, gettext: Gettext = _identity
) -> dict[str, Any]:
    """The engine result for these answers (see the module docstring and the brief's contract)."""
    m = _model(snapshot)
    states = _states(m, answers)
    shown = _visible(m, states)
    states = {k: v for k, v in states.items() if k in shown}
    totals = _totals(m, states, shown)
    fits = _fits(*totals)
    ranking = _ranking(fits)
    ranks = {o: position + 1 for position, o in enumerate(ranking)}
    first, second = ranking[0] if ranking else None, ranking[1] if len(ranking) > 1 else None
    margin = (
        round(fits[first] - fits[second], 1) if first is not None and second is not None else 0.0
    )
    unknown = [q.key for q in m.questions if states.get(q.key) == UNKNOWN]
    answered = sum(1 for q in m.questions if q.key in states and states[q.key] != UNKNOWN)
    confidence = _confidence(answered, len(shown), margin)
    recommendation = m.options[first] if first is not None else None
    evaluator = _Evaluator(m, states, shown, totals)
    close_call_note = _close_call(m, fits, ranking, margin, gettext)
    return {
        "model_version": m.version,
        "recommendation": recommendation,
        "runner_up": m.options[second] if second is not None else None,
        "margin": margin,
        "confidence": confidence,
        "confidence_label": _label(confidence),
        "close_call": close_call_note is not None,
        "close_call_note": close_call_note,
        "scores": {
            slug: {"points": round(totals[0][o], 2), "fit": fits[o], "rank": ranks[o]}
            for o, slug in enumerate(m.options)
        },
        "contributions": _contributions(m, states, answers),
        "risks": _risks(m, states, recommendation),
        "sensitivity": _sensitivity(m, states, answers, evaluator, first, gettext),
        "what_if": _what_if(m, states, shown, evaluator),
        "unknown": unknown,
        "answered": answered,
        "shown": len(shown),
    }


def _confidence(answered: int, shown: int, margin: float) -> float:
    """Falls with the share of shown questions left unknown (or unanswered) and small margins."""
    if shown == 0:
        return 0.0
    coverage = answered / shown
    lead = 0.25 + 0.75 * min(1.0, max(0.0, margin) / CLEAR_MARGIN)
    return round(coverage * lead, 2)


def _label(confidence: float) -> str:
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    return "medium" if confidence >= MEDIUM_CONFIDENCE else "low"


def _close_call(
    m: _Model, fits: Sequence[float], ranking: Sequence[int], margin: float, gettext: Gettext
) -> str | None:
    if len(ranking) < 2 or margin >= CLOSE_CALL_MARGIN:
        return None
    first, second = ranking[0], ranking[1]
    if {m.options[first], m.options[second]} != PURE_OPTIONS:
        return None
    note = gettext(CLOSE_CALL_NOTE) % {
        "first": m.names[first],
        "second": m.names[second],
        "margin": _fmt(margin),
    }
    if HYBRID in m.options:
        h = m.options.index(HYBRID)
        note += " " + gettext(CLOSE_CALL_HYBRID) % {"hybrid": m.names[h], "fit": _fmt(fits[h])}
    return note


def _contributions(m: _Model, states: State, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for q in m.questions:
        state = states.get(q.key)
        if state is None or isinstance(state, str):
            continue
        for c in state:
            answer = answers[q.key] if q.kind == "number" else c.key
            for o, points, weight in c.applied:
                rows.append(
                    {
                        "question": q.key,
                        "question_text": q.text,
                        "answer": answer,
                        "answer_label": c.label,
                        "option": m.options[o],
                        "points": round(points, 2),
                        "rationale": str(weight.get("rationale", "")),
                        "feature": weight.get("feature"),
                    }
                )
    # Stable sort: equal weights keep question and option order.
    rows.sort(key=lambda row: -abs(row["points"]))
    return rows


def _risks(m: _Model, states: State, recommendation: str | None) -> list[dict[str, Any]]:
    fired = [
        r
        for r in m.risks
        if (r.option is None or r.option == recommendation)
        and all(not keys.isdisjoint(_keys(states.get(q))) for q, keys in r.when)
    ]
    fired.sort(key=lambda r: LEVEL_ORDER.get(str(r.raw.get("level")), 3))
    fields = ("id", "level", "title", "description", "improvement", "option", "feature")
    return [{f: r.raw.get(f) for f in fields} for r in fired]


def _alternatives(
    q: _Question, state: tuple[_Choice, ...] | str, gettext: Gettext
) -> list[tuple[Any, str, tuple[_Choice, ...]]]:
    """(answer, label, chosen choices) for every other answer to this question."""
    current = () if isinstance(state, str) else state
    if q.kind == "number":
        return [(value, c.label, (c,)) for value, c in q.reps if c not in current]
    if q.kind != "multiple":
        return [(c.key, c.label, (c,)) for c in q.choices if c not in current]
    out = []
    for c in q.choices:
        if c in current:
            chosen = tuple(x for x in current if x is not c)
            label = gettext(WITHOUT_LABEL) % {"label": c.label}
        else:
            chosen = tuple(sorted((*current, c), key=lambda x: x.index))
            label = gettext(ALSO_LABEL) % {"label": c.label}
        if chosen or not q.required:
            out.append(([x.key for x in chosen], label, chosen))
    return out


def _sensitivity(
    m: _Model,
    states: State,
    answers: Mapping[str, Any],
    evaluator: _Evaluator,
    first: int | None,
    gettext: Gettext,
) -> list[dict[str, Any]]:
    """For each answered question, the other answers that would change the recommendation."""
    if first is None:
        return []
    current = _fits_scaled(evaluator.points, evaluator.lo, evaluator.scales)
    out = []
    for q in m.questions:
        state = states.get(q.key)
        if state is None or (PRUNE_SENSITIVITY and not _may_change(q, current, first, evaluator)):
            continue
        changes = []
        alternatives = _alternatives(q, state, gettext)
        rows = evaluator.fits_for(q, [chosen or None for _, _, chosen in alternatives])
        for (answer, label, _chosen), alternative_fits in zip(alternatives, rows, strict=True):
            best = _best(alternative_fits)
            if best != first:
                changes.append(
                    {"answer": answer, "label": label, "recommendation": m.options[best]}
                )
        if changes:
            out.append(
                {
                    "question": q.key,
                    "question_text": q.text,
                    "current": answers[q.key],
                    "current_label": _current_label(q, state, gettext),
                    "alternatives": changes,
                }
            )
    return out


def _may_change(q: _Question, fits: Sequence[float], first: int, evaluator: _Evaluator) -> bool:
    """Whether any answer to ``q`` could move another option past the recommended one.

    No answer moves an option's fit by more than the question's reachable span for it, so when
    every gap is wider than both swings together, no alternative needs trying. Questions that
    steer conditions change what is shown and are always tried.
    """
    if q.is_source:
        return True
    scales = evaluator.scales
    swing = (q.hi[first] - q.lo[first]) * scales[first]
    # The slack covers rounding: fits compare at one decimal.
    threshold = fits[first] - swing - 0.2
    return any(
        fit + (q.hi[o] - q.lo[o]) * scales[o] >= threshold
        for o, fit in enumerate(fits)
        if o != first
    )


def _current_label(q: _Question, state: tuple[_Choice, ...] | str, gettext: Gettext) -> str:
    if isinstance(state, str):
        return gettext(UNKNOWN_LABEL)
    return ", ".join(c.label for c in state)


def _nice(value: float) -> float:
    """Two significant figures, as an int when whole: 181.02 → 180, 4.5 → 4.5."""
    if value == 0:
        return 0
    digits = 1 - int(math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    return int(rounded) if float(rounded).is_integer() else rounded


def _representative(q: _Question, c: _Choice) -> float | None:
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
    if _band(q, value) is c and _within(q, value):
        return value
    return lo if lo is not None and _band(q, lo) is c and _within(q, lo) else None


def _within(q: _Question, value: float) -> bool:
    return (q.min_value is None or value >= q.min_value) and (
        q.max_value is None or value <= q.max_value
    )


def _what_if_xs(q: _Question, middles: list[float]) -> list[float]:
    """Band edges and a typical value inside each band, within the question's min and max."""
    xs = set(middles)
    for c in q.choices:
        for edge in (c.lower, c.upper):
            if edge is not None and _within(q, edge):
                xs.add(edge)
    xs.update(v for v in (q.min_value, q.max_value) if v is not None)
    return sorted(int(x) if float(x).is_integer() else x for x in xs)


def _what_if(
    m: _Model, states: State, shown: set[str], evaluator: _Evaluator
) -> list[dict[str, Any]]:
    """Each option's fit across the range of every shown number question, others unchanged."""
    out = []
    for q in m.questions:
        if q.kind != "number" or q.key not in shown:
            continue
        rows = evaluator.fits_for(q, [(band,) if band else None for _, band in q.xs])
        out.append(
            {
                "question": q.key,
                "question_text": q.text,
                "unit": q.unit,
                "x": [x for x, _ in q.xs],
                "fits": {slug: [row[o] for row in rows] for o, slug in enumerate(m.options)},
            }
        )
    return out
