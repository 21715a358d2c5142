"""The parts of a result that explain it: confidence, close calls, contributions, risks, labels.

Translation: the engine cannot import Django, so the functions that write user-facing text
take ``gettext: Callable[[str], str]`` (the identity, English, by default; Django passes
``django.utils.translation.gettext``). Message templates are marked with ``gettext_noop`` so
that ``makemessages`` extracts them; they use ``%(name)s`` placeholders, and the callable is
applied to the template *before* the parameters are interpolated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from ..contracts import AnswerValue, ConfidenceLabel, Contribution, RiskItem
from .answers import Answers, Selection, States, keys
from .model import Choice, CompiledModel, Question

# Fit points between the two pure options below which the result is a close call.
CLOSE_CALL_MARGIN: Final = 5.0
# The margin above which a lead is clear enough not to lower the confidence.
CLEAR_MARGIN: Final = 15.0
PURE_OPTIONS: Final = frozenset({"slurm", "kubernetes"})
HYBRID: Final = "hybrid"
HIGH_CONFIDENCE: Final = 0.7
MEDIUM_CONFIDENCE: Final = 0.4
# Where the rules say so (version 2 on), a recommendation with a high-level risk is never given
# with high confidence: its confidence stops at the middle of "medium".
HIGH_RISK_CONFIDENCE: Final = 0.55
LEVEL_ORDER: Final = {"high": 0, "medium": 1, "low": 2}

Gettext = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Marks a message for extraction by ``makemessages``; translation happens later."""
    return message


def identity(message: str) -> str:
    return message


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


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def confidence(answered: int, shown: int, margin: float) -> float:
    """Falls with the share of shown questions left unknown (or unanswered) and small margins."""
    if shown == 0:
        return 0.0
    coverage = answered / shown
    lead = 0.25 + 0.75 * min(1.0, max(0.0, margin) / CLEAR_MARGIN)
    return round(coverage * lead, 2)


def capped(value: float, risks: Sequence[RiskItem], recommendation: str | None) -> float:
    """The confidence, at most ``HIGH_RISK_CONFIDENCE`` when a high risk of the recommended
    option fired."""
    if any(r["level"] == "high" and r["option"] == recommendation for r in risks):
        return min(value, HIGH_RISK_CONFIDENCE)
    return value


def label(value: float) -> ConfidenceLabel:
    """The confidence in words: high, medium or low."""
    if value >= HIGH_CONFIDENCE:
        return "high"
    return "medium" if value >= MEDIUM_CONFIDENCE else "low"


def close_call(
    m: CompiledModel,
    fits: Sequence[float],
    ranking: Sequence[int],
    margin: float,
    gettext: Gettext,
) -> str | None:
    """The note for SLURM and Kubernetes within a few points of each other, else None."""
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


def contributions(m: CompiledModel, resolved: States, answers: Answers) -> list[Contribution]:
    """Every applied weight of the shown answers, largest first."""
    rows: list[Contribution] = []
    for q in m.questions:
        state = resolved.get(q.key)
        if state is None or isinstance(state, str):
            continue
        for c in state:
            answer: AnswerValue = answers[q.key] if q.kind == "number" else c.key
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


def risks(m: CompiledModel, resolved: States, recommendation: str | None) -> list[RiskItem]:
    """The risk rules whose answers all match, for the recommendation or any option."""
    fired = [
        r
        for r in m.risks
        if (r.option is None or r.option == recommendation)
        and all(not wanted.isdisjoint(keys(resolved.get(q))) for q, wanted in r.when)
    ]
    fired.sort(key=lambda r: LEVEL_ORDER.get(r.raw["level"], 3))
    return [
        {
            "id": r.raw["id"],
            "level": r.raw["level"],
            "title": r.raw["title"],
            "description": r.raw["description"],
            "improvement": r.raw["improvement"],
            "option": r.raw["option"],
            "feature": r.raw["feature"],
        }
        for r in fired
    ]


def alternatives(
    q: Question, state: Selection, gettext: Gettext
) -> list[tuple[AnswerValue, str, tuple[Choice, ...]]]:
    """(answer, label, chosen choices) for every other answer to this question."""
    current = () if isinstance(state, str) else state
    if q.kind == "number":
        return [(value, c.label, (c,)) for value, c in q.reps if c not in current]
    if q.kind != "multiple":
        return [(c.key, c.label, (c,)) for c in q.choices if c not in current]
    out: list[tuple[AnswerValue, str, tuple[Choice, ...]]] = []
    for c in q.choices:
        if c in current:
            chosen = tuple(x for x in current if x is not c)
            text = gettext(WITHOUT_LABEL) % {"label": c.label}
        else:
            chosen = tuple(sorted((*current, c), key=lambda x: x.index))
            text = gettext(ALSO_LABEL) % {"label": c.label}
        if chosen or not q.required:
            out.append(([x.key for x in chosen], text, chosen))
    return out


def current_label(state: Selection, gettext: Gettext) -> str:
    """The current answer in words."""
    if isinstance(state, str):
        return gettext(UNKNOWN_LABEL)
    return ", ".join(c.label for c in state)
