"""The one report of an assessment: built here, rendered by every page that shows it.

``build_report(assessment)`` turns the stored engine result and the snapshot of the model
that produced it into a typed ``Report``. The private result page, the shared page, the
sales lead page and the PDF all render that object, so they say the same: the same reasons,
the same risks, the same comparison rows, the same numbers. Nothing here is rendered; the
templates and chart modules only lay the report out.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.cases.similarity import similar_cases
from apps.catalog.models import Feature, MatrixCell, Technology
from apps.questionnaire.contracts import (
    Contribution,
    Result,
    Snapshot,
    SnapshotOption,
    SnapshotQuestion,
)
from apps.questionnaire.models import UNKNOWN

# How many answers the report names for and against the recommendation.
REASONS = 5
# At most this many comparison rows: the ones behind the reasons and risks shown.
MATRIX_ROWS = 8
LEVELS: dict[str, tuple[Promise, str, int]] = {
    "high": (_("High risk"), "text-bg-danger", 0),
    "medium": (_("Medium risk"), "text-bg-warning", 1),
    "low": (_("Low risk"), "text-bg-secondary", 2),
}
CONFIDENCE: dict[str, tuple[Promise, Promise, str]] = {
    "high": (_("high"), _("High confidence"), "text-bg-success"),
    "medium": (_("medium"), _("Medium confidence"), "text-bg-warning"),
    "low": (_("low"), _("Low confidence"), "text-bg-secondary"),
}


@dataclass(frozen=True)
class OptionFit:
    slug: str
    name: str
    colour: str
    url: str
    fit: float
    points: float
    rank: int


@dataclass(frozen=True)
class Reason:
    """An answer that moved an option, with the weight's rationale."""

    question: str
    question_text: str
    answer_label: str
    points: float
    rationale: str
    feature: str | None


@dataclass(frozen=True)
class QuestionEffect:
    """All of one question's points for the recommended option (the contributions chart)."""

    question: str
    text: str
    answer: str
    points: float


@dataclass(frozen=True)
class Risk:
    level: str
    level_label: str
    level_class: str
    title: str
    description: str
    improvement: str
    option_name: str
    feature: str | None


@dataclass(frozen=True)
class Change:
    """Another answer and the option it would recommend instead."""

    label: str
    recommendation: str
    option_name: str


@dataclass(frozen=True)
class Sensitive:
    question: str
    question_text: str
    current_label: str
    alternatives: tuple[Change, ...]


@dataclass(frozen=True)
class WhatIfRow:
    x: float
    fits: tuple[float, ...]


@dataclass(frozen=True)
class WhatIfTable:
    question: str
    question_text: str
    unit: str
    columns: tuple[str, ...]
    rows: tuple[WhatIfRow, ...]


@dataclass(frozen=True)
class MatrixRating:
    technology: Technology
    cell: MatrixCell | None


@dataclass(frozen=True)
class MatrixRow:
    feature: Feature
    cells: tuple[MatrixRating, ...]


@dataclass(frozen=True)
class AnswerRow:
    key: str
    question: str
    answer: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: tuple[AnswerRow, ...]


@dataclass(frozen=True)
class SimilarCaseRow:
    """A published case near the prospect's answers ("organisations like yours")."""

    slug: str
    name: str
    url: str
    chose: str
    chose_name: str
    similarity: float
    percent: int
    # The texts of the questions answered alike.
    matched: tuple[str, ...]
    # Said plainly when the case chose another option than the recommendation; else "".
    differs_note: str


@dataclass(frozen=True)
class Report:
    assessment: Assessment
    show_contact: bool
    result: Result
    options: tuple[SnapshotOption, ...]
    ranking: tuple[OptionFit, ...]
    recommended: OptionFit | None
    runner_up: OptionFit | None
    margin: float
    model_version: int | None
    confidence_percent: int
    # "high" in words, and as a badge ("High confidence") with its CSS class.
    confidence_word: str
    confidence_label: str
    confidence_class: str
    close_call: bool
    close_call_note: str
    answered: int
    reasons_for: tuple[Reason, ...]
    reasons_against: tuple[Reason, ...]
    # Shown when nothing speaks against the recommendation: what favours the runner-up.
    runner_up_reasons: tuple[Reason, ...]
    by_question: tuple[QuestionEffect, ...]
    risks: tuple[Risk, ...]
    sensitivity: tuple[Sensitive, ...]
    what_if: tuple[WhatIfTable, ...]
    unknown_questions: tuple[str, ...]
    matrix_columns: tuple[Technology, ...]
    matrix_rows: tuple[MatrixRow, ...]
    answers: tuple[AnswerSection, ...]
    compare_url: str
    created: datetime
    similar_cases: tuple[SimilarCaseRow, ...] = ()

    @property
    def unknown_count(self) -> int:
        return len(self.unknown_questions)


def report_context(assessment: Assessment, *, show_contact: bool) -> dict[str, Any]:
    """What a page that includes ``reports/_report.html`` needs: the report and its charts."""
    # Imported here: plotly costs every process that merely imports this module a second.
    from .charts import report_charts
    from .svg_charts import report_svgs

    report = build_report(assessment, show_contact=show_contact)
    return {
        "assessment": assessment,
        "report": report,
        # Drawn at once (inline SVG); plotly's figures only when the reader asks for them.
        "svg_charts": report_svgs(report.result, report.options),
        "charts": report_charts(report.result, report.options),
        "show_contact": show_contact,
    }


def build_report(assessment: Assessment, *, show_contact: bool) -> Report:
    """The report of a scored assessment (an empty one for any other: nothing to show)."""
    result = services.result_for(assessment)
    snapshot = services.snapshot_for(assessment)
    options = tuple(snapshot.get("options", []))
    names = {o["slug"]: o["name"] for o in options}
    ranking = _ranking(result, options)
    recommended_slug = result.get("recommendation") or ""
    runner_up_slug = result.get("runner_up") or ""
    reasons_for = _reasons(result, recommended_slug, positive=True)
    reasons_against = _reasons(result, recommended_slug, positive=False)
    runner_up_reasons = () if reasons_against else _reasons(result, runner_up_slug, positive=True)
    risks = _risks(result, names)
    word, label, css = CONFIDENCE.get(result.get("confidence_label", ""), ("", "", "text-bg-light"))
    features = [r.feature for r in (*reasons_for, *reasons_against, *runner_up_reasons)]
    columns, rows = _matrix(features + [r.feature for r in risks], [o["slug"] for o in options])
    return Report(
        assessment=assessment,
        show_contact=show_contact,
        result=result,
        options=options,
        ranking=ranking,
        recommended=next((o for o in ranking if o.slug == recommended_slug), None),
        runner_up=next((o for o in ranking if o.slug == runner_up_slug), None),
        margin=float(result.get("margin", 0.0)),
        model_version=result.get("model_version"),
        confidence_percent=round(float(result.get("confidence", 0.0)) * 100),
        confidence_word=str(word),
        confidence_label=str(label),
        confidence_class=css,
        close_call=bool(result.get("close_call")),
        close_call_note=result.get("close_call_note") or "",
        answered=int(result.get("answered", 0)),
        reasons_for=reasons_for,
        reasons_against=reasons_against,
        runner_up_reasons=runner_up_reasons,
        by_question=_by_question(result, recommended_slug),
        risks=risks,
        sensitivity=_sensitivity(result, names),
        what_if=_what_if(result, options),
        unknown_questions=_unknown(snapshot, result),
        matrix_columns=columns,
        matrix_rows=rows,
        answers=_answers(snapshot, assessment.answers or {}),
        compare_url=_compare_url([recommended_slug, runner_up_slug]),
        created=assessment.scored_at or timezone.now(),
        similar_cases=_similar_cases(assessment, result, names),
    )


def _similar_cases(
    assessment: Assessment, result: Result, names: dict[str, str]
) -> tuple[SimilarCaseRow, ...]:
    """The published cases nearest to the answers, with what they chose and what matched."""
    if not result or assessment.scoring_model is None:
        return ()
    compiled = services.compiled_for(assessment)
    recommended = result.get("recommendation") or ""
    rows = []
    for case in similar_cases(answers=assessment.answers or {}, compiled=compiled):
        note = ""
        if recommended and case.chose != recommended:
            values = {
                "case": case.name,
                "chose": case.chose_name,
                "recommended": names.get(recommended, recommended),
                "why": case.why.strip(),
            }
            if values["why"]:
                note = _("%(case)s chose %(chose)s, not %(recommended)s: %(why)s") % values
            else:
                note = _("%(case)s chose %(chose)s, not %(recommended)s.") % values
        rows.append(
            SimilarCaseRow(
                slug=case.slug,
                name=case.name,
                url=reverse("cases:detail", kwargs={"slug": case.slug}),
                chose=case.chose,
                chose_name=case.chose_name,
                similarity=case.similarity,
                percent=round(case.similarity * 100),
                matched=tuple(
                    compiled.by_key[key].text if key in compiled.by_key else key
                    for key in case.matched
                ),
                differs_note=str(note),
            )
        )
    return tuple(rows)


def _ranking(result: Result, options: tuple[SnapshotOption, ...]) -> tuple[OptionFit, ...]:
    scores = result.get("scores", {})
    rows = [
        OptionFit(
            slug=o["slug"],
            name=o["name"],
            colour=o["colour"],
            url=o["url"],
            fit=float(scores[o["slug"]]["fit"]),
            points=float(scores[o["slug"]]["points"]),
            rank=int(scores[o["slug"]]["rank"]),
        )
        for o in options
        if o["slug"] in scores
    ]
    return tuple(sorted(rows, key=lambda row: row.rank))


def _reason(c: Contribution) -> Reason:
    return Reason(
        question=c["question"],
        question_text=c["question_text"],
        answer_label=c["answer_label"],
        points=float(c["points"]),
        rationale=c["rationale"],
        feature=c["feature"],
    )


def _reasons(result: Result, option: str, *, positive: bool) -> tuple[Reason, ...]:
    """The answers that spoke most for (or against) an option, strongest first."""
    sign = 1 if positive else -1
    rows = [
        c
        for c in result.get("contributions", [])
        if c["option"] == option and sign * float(c["points"]) > 0
    ]
    # Stable: equal points keep the engine's order (question order).
    rows.sort(key=lambda c: -sign * float(c["points"]))
    return tuple(_reason(c) for c in rows[:REASONS])


def _by_question(result: Result, option: str) -> tuple[QuestionEffect, ...]:
    """Signed points per question for one option, strongest effect first."""
    totals: dict[str, float] = {}
    texts: dict[str, str] = {}
    answers: dict[str, list[str]] = {}
    for c in result.get("contributions", []):
        if c["option"] != option:
            continue
        key = c["question"]
        totals[key] = totals.get(key, 0.0) + float(c["points"])
        texts[key] = c["question_text"]
        answers.setdefault(key, []).append(c["answer_label"])
    rows = [
        QuestionEffect(question=k, text=texts[k], answer=", ".join(answers[k]), points=totals[k])
        for k in totals
    ]
    return tuple(sorted(rows, key=lambda r: (-abs(r.points), r.question)))


def _risks(result: Result, names: dict[str, str]) -> tuple[Risk, ...]:
    rows = []
    for risk in result.get("risks", []):
        label, css, order = LEVELS.get(risk["level"], (risk["level"], "", 3))
        option = risk.get("option")
        rows.append(
            (
                order,
                Risk(
                    level=risk["level"],
                    level_label=str(label),
                    level_class=css,
                    title=risk["title"],
                    description=risk["description"],
                    improvement=risk["improvement"],
                    option_name=names.get(option, option) if option else "",
                    feature=risk.get("feature"),
                ),
            )
        )
    return tuple(risk for _order, risk in sorted(rows, key=lambda r: (r[0], r[1].title)))


def _sensitivity(result: Result, names: dict[str, str]) -> tuple[Sensitive, ...]:
    return tuple(
        Sensitive(
            question=item["question"],
            question_text=item["question_text"],
            current_label=item["current_label"],
            alternatives=tuple(
                Change(
                    label=alt["label"],
                    recommendation=alt["recommendation"],
                    option_name=names.get(alt["recommendation"], alt["recommendation"]),
                )
                for alt in item["alternatives"]
            ),
        )
        for item in result.get("sensitivity", [])
        if item["alternatives"]
    )


def _what_if(result: Result, options: tuple[SnapshotOption, ...]) -> tuple[WhatIfTable, ...]:
    names = {o["slug"]: o["name"] for o in options}
    tables = []
    for item in result.get("what_if", []):
        slugs = [o["slug"] for o in options if o["slug"] in item["fits"]] or list(item["fits"])
        tables.append(
            WhatIfTable(
                question=item["question"],
                question_text=item["question_text"],
                unit=item["unit"],
                columns=tuple(names.get(s, s) for s in slugs),
                rows=tuple(
                    WhatIfRow(x=x, fits=tuple(item["fits"][s][i] for s in slugs))
                    for i, x in enumerate(item["x"])
                ),
            )
        )
    return tuple(tables)


def _questions(snapshot: Snapshot) -> dict[str, SnapshotQuestion]:
    return {q["key"]: q for s in snapshot.get("sections", []) for q in s["questions"]}


def _unknown(snapshot: Snapshot, result: Result) -> tuple[str, ...]:
    """Texts of the questions answered "don't know"."""
    questions = _questions(snapshot)
    return tuple(
        questions[key]["text"] if key in questions else key for key in result.get("unknown", [])
    )


def _matrix(
    features: list[str | None], option_slugs: list[str]
) -> tuple[tuple[Technology, ...], tuple[MatrixRow, ...]]:
    """The matrix rows behind the reasons and risks shown, one column per option.

    Rows in the order the report first names them, at most ``MATRIX_ROWS``; four queries
    whatever their number (technologies, features, cells, sources).
    """
    slugs = list(dict.fromkeys(slug for slug in features if slug))[:MATRIX_ROWS]
    if not slugs:
        return (), ()
    technologies = sorted(
        Technology.objects.for_slugs(option_slugs), key=lambda t: option_slugs.index(t.slug)
    )
    by_slug = {
        feature.slug: feature
        for feature in Feature.objects.filter(slug__in=slugs).for_matrix(technologies)
    }
    rows = []
    for slug in slugs:
        feature = by_slug.get(slug)
        if feature is None:
            continue
        cells = {cell.technology_id: cell for cell in feature.cells.all()}
        rows.append(
            MatrixRow(
                feature=feature,
                cells=tuple(MatrixRating(technology=t, cell=cells.get(t.pk)) for t in technologies),
            )
        )
    return tuple(technologies), tuple(rows)


def _answers(snapshot: Snapshot, answers: dict[str, Any]) -> tuple[AnswerSection, ...]:
    """The answers given, by section, in words."""
    sections = []
    for section in snapshot.get("sections", []):
        rows = tuple(
            AnswerRow(key=q["key"], question=q["text"], answer=answer_label(q, answers[q["key"]]))
            for q in section["questions"]
            if q["key"] in answers
        )
        if rows:
            sections.append(AnswerSection(title=section["title"], rows=rows))
    return tuple(sections)


def answer_label(question: SnapshotQuestion, value: Any) -> str:
    """How an answer reads: choice labels, a number with its unit, or "Don't know"."""
    if value == UNKNOWN:
        return str(_("Don't know"))
    labels = {choice["key"]: choice["label"] for choice in question["choices"]}
    if question["kind"] == "multiple" and isinstance(value, list):
        return ", ".join(labels.get(str(key), str(key)) for key in value)
    if question["kind"] == "number" and isinstance(value, int | float):
        shown = number_format(
            value, decimal_pos=None if float(value) % 1 else 0, force_grouping=True
        )
        return f"{shown} {question.get('unit') or ''}".strip()
    return labels.get(str(value), str(value))


def _compare_url(slugs: list[str]) -> str:
    query = urlencode([("tech", slug) for slug in slugs if slug])
    return reverse("catalog:compare") + (f"?{query}" if query else "")
