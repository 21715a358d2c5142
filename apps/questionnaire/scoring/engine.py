"""Scoring: fits per option, the recommendation, its sensitivity and the what-if series.

Rules, in short: an option's points are the sum, over shown and answered questions, of each
chosen choice's weight times the question's importance ("unknown" adds nothing; a number
answer scores as the band it falls in). Its fit is those points placed between the lowest and
highest points reachable for that option (0–100) over the questions that count, which the
snapshot's ``rules.fit_basis`` decides:

- "answered" (versions from 2 on): only questions answered with a choice that carries weights.
  Unanswered, "don't know" and neutral answers (a choice without weights, such as "no
  reservations needed") leave every option's fit where it was, so no option gains from a
  question that was skipped, and weights only compare an option's own answers.
- "shown" (versions published before the rule, e.g. version 1): every shown question; one that
  may stay without points (optional, or "don't know" allowed) makes 0 reachable, so a skipped
  question scored 0 inside each option's range.

Ranks follow fit (rounded to one decimal), ties broken by the snapshot's option order.

- ``confidence`` = share of shown questions with a real answer ("unknown" and unanswered
  optional questions count against it) × a lead factor rising from 0.25 at a zero margin to
  1 at a margin of ``CLEAR_MARGIN`` fit points; labels: high ≥ 0.7, medium ≥ 0.4, else low.
  With ``rules.high_risk_caps_confidence`` a high risk of the recommended option caps it at
  ``explain.HIGH_RISK_CONFIDENCE`` (medium).
- ``close_call``: SLURM and Kubernetes first and second within ``CLOSE_CALL_MARGIN`` points.
- ``sensitivity`` lists only questions with at least one alternative that changes the
  recommendation (questions answered "unknown" included). Alternatives are the other choices,
  the other bands' typical values for numbers, and single toggles for multiple choice (the
  answer is then the whole new list, labelled "also …" / "without …").
- ``what_if`` x values are each band's edges and typical value within min/max.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..contracts import Alternative, Result, Sensitivity, Snapshot, WhatIf
from . import explain
from .answers import Answers, Selection, States, states, visible
from .explain import Gettext, identity
from .model import UNKNOWN, Choice, CompiledModel, Question, compiled

# Skip questions that provably cannot change the recommendation (switchable for tests).
PRUNE_SENSITIVITY = True

Vector = list[float]


def score(
    model: CompiledModel | Snapshot, answers: Answers, *, gettext: Gettext = identity
) -> Result:
    """The engine result for these answers; invalid or hidden answers are ignored, never raised.

    Pass the compiled model where one is at hand (``services.compiled_model``): a snapshot is
    compiled afresh on every call.
    """
    m = compiled(model)
    resolved = states(m, answers)
    shown = visible(m, resolved)
    resolved = {k: v for k, v in resolved.items() if k in shown}
    totals = _totals(m, resolved, shown)
    fits = _fits(*totals, idle=_idle(m, totals))
    ranking = _ranking(fits)
    ranks = {o: position + 1 for position, o in enumerate(ranking)}
    first, second = ranking[0] if ranking else None, ranking[1] if len(ranking) > 1 else None
    margin = (
        round(fits[first] - fits[second], 1) if first is not None and second is not None else 0.0
    )
    unknown = [q.key for q in m.questions if resolved.get(q.key) == UNKNOWN]
    answered = sum(1 for q in m.questions if q.key in resolved and resolved[q.key] != UNKNOWN)
    recommendation = m.options[first] if first is not None else None
    risks = explain.risks(m, resolved, recommendation)
    confidence = explain.confidence(answered, len(shown), margin)
    if m.caps_high_risk:
        confidence = explain.capped(confidence, risks, recommendation)
    evaluator = _Evaluator(m, resolved, shown, totals)
    close_call_note = explain.close_call(m, fits, ranking, margin, gettext)
    return {
        "model_version": m.version,
        "recommendation": recommendation,
        "runner_up": m.options[second] if second is not None else None,
        "margin": margin,
        "confidence": confidence,
        "confidence_label": explain.label(confidence),
        "close_call": close_call_note is not None,
        "close_call_note": close_call_note,
        "scores": {
            slug: {"points": round(totals[0][o], 2), "fit": fits[o], "rank": ranks[o]}
            for o, slug in enumerate(m.options)
        },
        "contributions": explain.contributions(m, resolved, answers),
        "risks": risks,
        "sensitivity": _sensitivity(m, resolved, answers, evaluator, first, gettext),
        "what_if": _what_if(m, shown, evaluator),
        "unknown": unknown,
        "answered": answered,
        "shown": len(shown),
    }


# --- Fits -------------------------------------------------------------------------------------


def _sum(vectors: list[tuple[float, ...]], n: int) -> Vector:
    """Column sums, always in the order given (question order), so results never vary."""
    return [sum(column) for column in zip(*vectors, strict=True)] if vectors else [0.0] * n


def _totals(m: CompiledModel, resolved: States, shown: set[str]) -> tuple[Vector, Vector, Vector]:
    los: list[tuple[float, ...]] = []
    his: list[tuple[float, ...]] = []
    chosen: list[tuple[float, ...]] = []
    for q in m.questions:
        if q.key not in shown:
            continue
        state = resolved.get(q.key)
        if not _counts(m, state):
            continue
        los.append(q.lo)
        his.append(q.hi)
        if state is not None and not isinstance(state, str):
            chosen.extend(c.vec for c in state)
    n = len(m.options)
    return _sum(chosen, n), _sum(los, n), _sum(his, n)


def _counts(m: CompiledModel, state: Selection | str | None) -> bool:
    """Whether a shown question's answer enters the options' reachable span: always on the
    "shown" basis; on the "answered" basis only an answer with a weighted choice."""
    if not m.answered_basis:
        return True
    return state is not None and not isinstance(state, str) and any(c.weighted for c in state)


def _scales(lo: Vector, hi: Vector) -> list[float]:
    """Per option, 100 divided by its reachable span (0 when no shown question can move it)."""
    return [
        100.0 / (high - low) if high - low > 1e-9 else 0.0 for low, high in zip(lo, hi, strict=True)
    ]


def _idle(m: CompiledModel, totals: tuple[Vector, Vector, Vector]) -> float:
    """The fit of an option no counted question can move: in the middle on the "shown" basis;
    on the "answered" basis, once anything counts, full (no answer counted against it)."""
    _, lo, hi = totals
    if m.answered_basis and any(high - low > 1e-9 for low, high in zip(lo, hi, strict=True)):
        return 100.0
    return 50.0


def _fits(points: Vector, lo: Vector, hi: Vector, *, idle: float = 50.0) -> list[float]:
    return _fits_scaled(points, lo, _scales(lo, hi), idle=idle)


def _fits_scaled(
    points: Vector, lo: Vector, scales: list[float], *, idle: float = 50.0
) -> list[float]:
    fits = []
    for p, low, scale in zip(points, lo, scales, strict=True):
        # An option no counted question can move sits at ``idle`` (see ``_idle``).
        if not scale:
            fits.append(idle)
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


def _vec(state: Selection | None, n: int) -> tuple[float, ...]:
    if state is None or isinstance(state, str) or not state:
        return (0.0,) * n
    if len(state) == 1:
        return state[0].vec
    return tuple(_sum([c.vec for c in state], n))


class _Evaluator:
    """Re-scores other answers to one question, without recomputing the untouched ones."""

    __slots__ = ("m", "states", "shown", "points", "lo", "hi", "scales", "idle")

    def __init__(
        self,
        m: CompiledModel,
        resolved: States,
        shown: set[str],
        totals: tuple[Vector, Vector, Vector],
    ) -> None:
        self.m = m
        self.states = resolved
        self.shown = shown
        self.points, self.lo, self.hi = totals
        self.scales = _scales(self.lo, self.hi)
        self.idle = _idle(m, totals)

    def fits_for(
        self, q: Question, alternatives: Sequence[tuple[Choice, ...] | None]
    ) -> list[list[float]]:
        """Every option's fit for each alternative answer to ``q``, other answers unchanged."""
        n = len(self.m.options)
        before = _vec(self.states.get(q.key), n)
        if q.is_source:
            return [self._fits_with_visibility(q, before, alt) for alt in alternatives]
        if self.m.answered_basis:
            return [self._fits_with_span(q, before, alt) for alt in alternatives]
        # Other questions keep their visibility, so only this answer's points change.
        base = [p - b for p, b in zip(self.points, before, strict=True)]
        return [
            _fits_scaled(
                [p + a for p, a in zip(base, _vec(alt, n), strict=True)],
                self.lo,
                self.scales,
                idle=self.idle,
            )
            for alt in alternatives
        ]

    def _fits_with_span(
        self, q: Question, before: tuple[float, ...], alt: tuple[Choice, ...] | None
    ) -> list[float]:
        """The answered basis: the question's span counts only while its answer does."""
        was = _counts(self.m, self.states.get(q.key))
        now = _counts(self.m, alt)
        points = [
            p - b + a for p, b, a in zip(self.points, before, _vec(alt, len(before)), strict=True)
        ]
        if was == now:
            return _fits_scaled(points, self.lo, self.scales, idle=self.idle)
        sign = 1.0 if now else -1.0
        lo = [low + sign * x for low, x in zip(self.lo, q.lo, strict=True)]
        hi = [high + sign * x for high, x in zip(self.hi, q.hi, strict=True)]
        return _fits(points, lo, hi, idle=_idle(self.m, (points, lo, hi)))

    def _fits_with_visibility(
        self, q: Question, before: tuple[float, ...], alt: tuple[Choice, ...] | None
    ) -> list[float]:
        changed = dict(self.states)
        if alt is None:
            changed.pop(q.key, None)
        else:
            changed[q.key] = alt
        shown = visible(self.m, changed)
        if self.m.answered_basis:
            # Counting changes with the answers themselves: recount (a few source questions).
            kept = {key: state for key, state in changed.items() if key in shown}
            totals = _totals(self.m, kept, shown)
            return _fits(*totals, idle=_idle(self.m, totals))
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
        return _fits(points, lo, hi, idle=_idle(self.m, (points, lo, hi)))


# --- Sensitivity and what-if ----------------------------------------------------------------


def _sensitivity(
    m: CompiledModel,
    resolved: States,
    answers: Answers,
    evaluator: _Evaluator,
    first: int | None,
    gettext: Gettext,
) -> list[Sensitivity]:
    """For each answered question, the other answers that would change the recommendation."""
    if first is None:
        return []
    current = _fits_scaled(evaluator.points, evaluator.lo, evaluator.scales, idle=evaluator.idle)
    out: list[Sensitivity] = []
    for q in m.questions:
        state = resolved.get(q.key)
        if state is None:
            continue
        # On the "answered" basis the bound covers only answers that leave the question counted
        # as it is: those that change that move every option's span and are always tried.
        counted: bool | None = None
        if PRUNE_SENSITIVITY and not _may_change(q, current, first, evaluator):
            if not m.answered_basis:
                continue
            counted = _counts(m, state)
        alternatives = explain.alternatives(q, state, gettext)
        if counted is not None:
            alternatives = [a for a in alternatives if _counts(m, a[2] or None) != counted]
            if not alternatives:
                continue
        changes: list[Alternative] = []
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
                    "current_label": explain.current_label(state, gettext),
                    "alternatives": changes,
                }
            )
    return out


def _may_change(q: Question, fits: Sequence[float], first: int, evaluator: _Evaluator) -> bool:
    """Whether any answer to ``q`` could move another option past the recommended one.

    No answer moves an option's fit by more than the question's reachable span for it, so when
    every gap is wider than both swings together, no alternative needs trying. Questions that
    steer conditions change what is shown and are always tried. On the "answered" basis this
    holds for the answers that keep the question counted as it is (the spans stay put).
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


def _what_if(m: CompiledModel, shown: set[str], evaluator: _Evaluator) -> list[WhatIf]:
    """Each option's fit across the range of every shown number question, others unchanged."""
    out: list[WhatIf] = []
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
