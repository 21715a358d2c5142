"""The JSON the questionnaire hands on: the scoring-model snapshot and the engine's result.

Both are stored as they are (``ScoringModel.snapshot``, ``Assessment.result``) and the result is
served by the API, so these types describe the existing shapes exactly and must not drift from
them. They are TypedDicts, plain dicts at runtime: code that reads them as dicts keeps working.
Every key is always written by ``services.build_snapshot`` and ``scoring.score``.
"""

from typing import Literal, NotRequired, TypedDict

# What a prospect answers: a choice key (single and scale questions, or "unknown"), a list of
# choice keys (multiple choice) or a number.
AnswerValue = str | int | float | list[str]
ConfidenceLabel = Literal["high", "medium", "low"]

# --- The scoring-model snapshot (``services.build_snapshot``) --------------------------------


class SnapshotQuestionnaire(TypedDict):
    slug: str
    title: str
    intro: str


class SnapshotOption(TypedDict):
    """A technology the engine can recommend, in display order."""

    slug: str
    name: str
    colour: str
    url: str


class SnapshotWeight(TypedDict):
    """What choosing an answer gives one option, before the question's importance."""

    points: float
    rationale: str
    # The comparison-matrix row (feature slug) the weight is about.
    feature: str | None


class SnapshotChoice(TypedDict):
    key: str
    label: str
    # Number questions: the band [lower, upper) the choice stands for.
    lower: float | None
    upper: float | None
    # By option slug.
    weights: dict[str, SnapshotWeight]


# "in" is a keyword, hence the functional form.
SnapshotCondition = TypedDict("SnapshotCondition", {"question": str, "in": list[str]})


class SnapshotQuestion(TypedDict):
    key: str
    text: str
    help: str
    kind: str  # "single", "multiple", "number" or "scale"
    required: bool
    importance: float
    allow_unknown: bool
    unit: str
    min_value: float | None
    max_value: float | None
    # Shown only when the answer to ``question`` is one of ``in``; None: always shown.
    condition: SnapshotCondition | None
    choices: list[SnapshotChoice]


class SnapshotSection(TypedDict):
    title: str
    intro: str
    questions: list[SnapshotQuestion]


class SnapshotRisk(TypedDict):
    id: int
    # Raised only when this option is recommended; None: whatever is recommended.
    option: str | None
    level: str  # "high", "medium" or "low"
    title: str
    description: str
    improvement: str
    feature: str | None
    # Raised when, for every question key listed, one of the choice keys was answered.
    when: dict[str, list[str]]


class SnapshotRules(TypedDict):
    # "answered" (written since version 2): only questions answered with a weighted choice
    # count towards an option's fit; "shown" (the default when absent): every shown question.
    fit_basis: Literal["shown", "answered"]
    # True (since version 2): a high risk of the recommended option caps the confidence.
    high_risk_caps_confidence: bool


class Snapshot(TypedDict):
    # None for an unpublished draft.
    version: int | None
    questionnaire: SnapshotQuestionnaire
    options: list[SnapshotOption]
    sections: list[SnapshotSection]
    risks: list[SnapshotRisk]
    # The engine rules the version is scored by; absent in versions published before it existed.
    rules: NotRequired[SnapshotRules]


# --- The engine's result (``scoring.score``) -------------------------------------------------


class OptionScore(TypedDict):
    points: float
    fit: float  # 0–100
    rank: int  # 1 is the recommendation


class Contribution(TypedDict):
    """One applied weight: an answer's points for one option, with the reason."""

    question: str
    question_text: str
    answer: AnswerValue
    answer_label: str
    option: str
    points: float
    rationale: str
    feature: str | None


class RiskItem(TypedDict):
    id: int
    level: str
    title: str
    description: str
    improvement: str
    option: str | None
    feature: str | None


class Alternative(TypedDict):
    """Another answer to a question, and what it would recommend instead."""

    answer: AnswerValue
    label: str
    recommendation: str


class Sensitivity(TypedDict):
    question: str
    question_text: str
    current: AnswerValue
    current_label: str
    alternatives: list[Alternative]


class WhatIf(TypedDict):
    """Every option's fit across the range of one number question."""

    question: str
    question_text: str
    unit: str
    x: list[float]
    # By option slug, one fit per x.
    fits: dict[str, list[float]]


class Result(TypedDict):
    # The snapshot's version (None for a draft).
    model_version: int | None
    recommendation: str | None
    runner_up: str | None
    margin: float
    confidence: float
    confidence_label: ConfidenceLabel
    close_call: bool
    close_call_note: str | None
    # By option slug.
    scores: dict[str, OptionScore]
    contributions: list[Contribution]
    risks: list[RiskItem]
    sensitivity: list[Sensitivity]
    what_if: list[WhatIf]
    # Keys of the shown questions answered "unknown".
    unknown: list[str]
    answered: int
    shown: int
