"""Workflows of the case library: load the researchers' case files and find the matrix rows
and answers that bear on a case's choice. Calibration lives in ``calibration``, the nearest
cases to a prospect ("organisations like yours") in ``similarity``."""

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from apps.catalog.models import Feature, MatrixCell, Technology
from apps.questionnaire import scoring
from apps.questionnaire.contracts import AnswerValue, Contribution, SnapshotQuestion
from apps.questionnaire.forms import all_questions, field_for
from apps.questionnaire.models import UNKNOWN, ScoringModel
from apps.questionnaire.services import (
    compiled_model,
    latest_model,
)

from .models import Case, CaseAnswer, CaseSource

CASE_FIELDS = (
    "slug",
    "name",
    "organisation",
    "sector",
    "system",
    "year",
    "summary",
    "chose",
    "why",
)
SOURCE_FIELDS = ("key", "title", "url", "states", "accessed")
ANSWER_FIELDS = {"value", "source", "note"}
# Text fields that may be empty; every other text field must say something.
OPTIONAL_TEXT = {"system", "why", "note"}
# Lengths the columns hold (models.py).
MAX_LENGTH = {"slug": 80, "name": 200, "organisation": 200, "system": 200, "key": 20, "title": 300}
MAX_URL_LENGTH = 500
YEARS = range(1950, 2101)
_http_url = URLValidator(schemes=["http", "https"])


class CaseFileError(Exception):
    """A case file is invalid; the message names the file and the problem."""


# --- Case files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRecord:
    key: str
    title: str
    url: str
    states: str
    accessed: datetime.date


@dataclass(frozen=True)
class AnswerRecord:
    question_key: str
    value: AnswerValue
    source: str
    note: str


@dataclass(frozen=True)
class CaseRecord:
    """One case as a file states it, validated; compared with the stored case to skip no-ops."""

    fields: dict[str, Any]
    sources: tuple[SourceRecord, ...]
    answers: tuple[AnswerRecord, ...]


@dataclass
class LoadResult:
    """The slugs of the cases a load created, updated and found unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_case_files(folder: Path, *, model: ScoringModel | None = None) -> LoadResult:
    """Create or update one published case per ``<slug>.json`` in ``folder``, all or nothing.

    Every file is validated before anything is written (``CaseFileError`` names the file and
    the problem); answers are checked against ``model``, by default the latest published
    version. A case is matched by slug; its sources and answers are replaced by the file's.
    A case whose content the file changes loses its review (reviewed by/on). Running it again
    with the same files changes nothing.
    """
    model = model or latest_model()
    if model is None:
        raise CaseFileError("No scoring model is published yet: publish one before loading cases.")
    questions = {q["key"]: q for q in all_questions(compiled_model(model))}
    options = set(Technology.objects.options().values_list("slug", flat=True))
    records = [
        _read_case_file(path, questions=questions, options=options)
        for path in sorted(folder.glob("*.json"))
    ]
    result = LoadResult()
    with transaction.atomic():
        for record in records:
            _store(record, result)
    return result


def _read_case_file(
    path: Path, *, questions: Mapping[str, SnapshotQuestion], options: set[str]
) -> CaseRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _parse_case(data, slug=path.stem, questions=questions, options=options)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"{path}: not valid JSON ({exc}).") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CaseFileError(f"{path}: {exc}") from None


def _parse_case(
    data: Any, *, slug: str, questions: Mapping[str, SnapshotQuestion], options: set[str]
) -> CaseRecord:
    data = _object(data, "the case", required=set(CASE_FIELDS) | {"sources", "answers"})
    fields = {name: data[name] for name in CASE_FIELDS}
    for name in ("slug", "name", "organisation", "system", "summary", "why"):
        _text(fields[name], name)
    _slug(fields["slug"], "slug")
    if fields["slug"] != slug:
        raise ValueError(f"slug “{fields['slug']}” differs from the file name “{slug}”.")
    if fields["sector"] not in Case.Sector.values:
        raise ValueError(
            f"sector “{fields['sector']}” is unknown; use one of {', '.join(Case.Sector.values)}."
        )
    if fields["chose"] not in options:
        raise ValueError(
            f"chose “{fields['chose']}” is not an option; use one of {', '.join(sorted(options))}."
        )
    year = fields["year"]
    if year is not None and (not _is_int(year) or year not in YEARS):
        raise ValueError(f"year {year!r} is not a year between 1950 and 2100 (or null).")
    sources = _sources(data["sources"])
    answers = _answers(data["answers"], questions=questions, keys={s.key for s in sources})
    return CaseRecord(fields=fields, sources=sources, answers=answers)


def _sources(data: Any) -> tuple[SourceRecord, ...]:
    if not isinstance(data, list) or not data:
        raise ValueError("sources must be a non-empty list.")
    sources: list[SourceRecord] = []
    for position, item in enumerate(data, start=1):
        where = f"source {position}"
        item = _object(item, where, required=set(SOURCE_FIELDS))
        for name in ("key", "title", "url", "states"):
            _text(item[name], f"{where} {name}")
        _slug(item["key"], f"{where} key")
        _url(item["url"], f"{where} url")
        accessed = _date(item["accessed"], f"{where} accessed")
        if any(source.key == item["key"] for source in sources):
            raise ValueError(f"source key “{item['key']}” is used twice.")
        sources.append(
            SourceRecord(item["key"], item["title"], item["url"], item["states"], accessed)
        )
    return tuple(sources)


def _answers(
    data: Any, *, questions: Mapping[str, SnapshotQuestion], keys: set[str]
) -> tuple[AnswerRecord, ...]:
    if not isinstance(data, dict):
        raise ValueError("answers must be an object keyed by question key.")
    answers = []
    for key, item in data.items():
        where = f"answer “{key}”"
        question = questions.get(key)
        if question is None:
            raise ValueError(f"{where}: no such question in the published scoring model.")
        item = _object(item, where, required={"value", "source"}, optional={"note"})
        note = item.get("note", "")
        _text(note, f"{where} note")
        if item["source"] not in keys:
            raise ValueError(f"{where} cites source “{item['source']}”, which the case lacks.")
        value = _answer_value(question, item["value"], where)
        answers.append(AnswerRecord(key, value, item["source"], note))
    return tuple(answers)


def _answer_value(question: SnapshotQuestion, value: Any, where: str) -> AnswerValue:
    """The value as the questionnaire's own field cleans it, in the JSON type the kind expects."""
    kind = question["kind"]
    expected: tuple[type, ...] = {
        "number": (int, float),
        "multiple": (list,),
        # A scale's keys are "1" to "5"; the number itself is as clear.
        "scale": (str, int),
    }.get(kind, (str,))
    if isinstance(value, bool) or not isinstance(value, expected) or value == UNKNOWN:
        raise ValueError(f"{where}: {value!r} is not a {kind} answer (leave unknowns out).")
    try:
        cleaned = field_for({**question, "required": True}).clean(value)
    except ValidationError as exc:
        raise ValueError(f"{where}: {value!r} is invalid: {' '.join(exc.messages)}") from None
    return cleaned  # type: ignore[no-any-return]  # form fields are untyped; kinds checked above


def _object(
    data: Any, where: str, *, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a JSON object.")
    missing = sorted(required - data.keys())
    extra = sorted(data.keys() - required - set(optional))
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}.")
    if extra:
        raise ValueError(f"{where} has unknown fields: {', '.join(extra)}.")
    return data


def _text(value: Any, where: str) -> None:
    name = where.rsplit(" ", 1)[-1]
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string.")
    if not value.strip() and name not in OPTIONAL_TEXT:
        raise ValueError(f"{where} is empty.")
    limit = MAX_LENGTH.get(name)
    if limit is not None and len(value) > limit:
        raise ValueError(f"{where} is longer than {limit} characters.")


def _slug(value: str, where: str) -> None:
    try:
        validate_slug(value)
    except ValidationError:
        raise ValueError(f"{where} “{value}” is not a slug (letters, digits, - and _).") from None


def _url(value: str, where: str) -> None:
    try:
        _http_url(value)
    except ValidationError:
        raise ValueError(f"{where} “{value}” is not an http(s) URL.") from None
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"{where} is longer than {MAX_URL_LENGTH} characters.")


def _date(value: Any, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where} {value!r} is not a date (YYYY-MM-DD).") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _stored_record(case: Case) -> CaseRecord:
    fields = {name: getattr(case, name) for name in CASE_FIELDS if name != "chose"}
    fields["chose"] = case.chose.slug
    sources = tuple(
        SourceRecord(s.key, s.title, s.url, s.states, s.accessed) for s in case.sources.all()
    )
    answers = tuple(
        AnswerRecord(a.question_key, a.value, a.source.key, a.note) for a in case.answers.all()
    )
    return CaseRecord(fields=fields, sources=sources, answers=answers)


def _same(stored: CaseRecord, record: CaseRecord) -> bool:
    def by_key(items: tuple[Any, ...], attr: str) -> list[Any]:
        return sorted(items, key=lambda item: getattr(item, attr))

    return (
        stored.fields == record.fields
        and by_key(stored.sources, "key") == by_key(record.sources, "key")
        and by_key(stored.answers, "question_key") == by_key(record.answers, "question_key")
    )


def _store(record: CaseRecord, result: LoadResult) -> None:
    slug = record.fields["slug"]
    case = Case.objects.with_evidence().filter(slug=slug).first()
    changed = case is None or not _same(_stored_record(case), record)
    if case is not None and case.is_published() and not changed:
        result.unchanged.append(slug)
        return
    defaults: dict[str, Any] = {
        **{name: record.fields[name] for name in CASE_FIELDS if name not in ("slug", "chose")},
        "chose": Technology.objects.get(slug=record.fields["chose"]),
        "status": Case.Status.PUBLISHED,
    }
    if changed:
        # A review vouches for the content it saw: a changed case needs a new one. A draft
        # republished with the same content keeps its review.
        defaults.update(reviewed_by=None, reviewed_on=None)
    case, created = Case.objects.update_or_create(slug=slug, defaults=defaults)
    (result.created if created else result.updated).append(slug)
    # Answers cite sources (RESTRICT): they go first.
    case.answers.all().delete()
    case.sources.all().delete()
    sources = bulk_create_with_history(
        [
            CaseSource(
                case=case, key=s.key, title=s.title, url=s.url, states=s.states, accessed=s.accessed
            )
            for s in record.sources
        ],
        CaseSource,
    )
    by_key = {source.key: source for source in sources}
    bulk_create_with_history(
        [
            CaseAnswer(
                case=case,
                question_key=a.question_key,
                value=a.value,
                source=by_key[a.source],
                note=a.note,
            )
            for a in record.answers
        ],
        CaseAnswer,
    )


# --- The matrix rows behind a case ----------------------------------------------------------


@dataclass(frozen=True)
class MatrixEvidence:
    """A matrix row that the case's recorded answers weigh for (or against) its chosen option."""

    feature: Feature
    cell: MatrixCell | None
    reasons: list[Contribution]


def matrix_evidence(case: Case, *, model: ScoringModel) -> list[MatrixEvidence]:
    """The catalog features behind the weights of the case's answers for the option it chose.

    Largest weights first; a fixed number of queries. Expects ``case`` from ``with_evidence()``.
    """
    result = scoring.score(compiled_model(model), case.answer_values())
    reasons: dict[str, list[Contribution]] = {}
    for row in result["contributions"]:
        if row["option"] == case.chose.slug and row["feature"]:
            reasons.setdefault(row["feature"], []).append(row)
    features = {
        feature.slug: feature
        for feature in Feature.objects.for_matrix([case.chose]).filter(slug__in=reasons)
    }
    return [
        MatrixEvidence(
            feature=features[slug], cell=next(iter(features[slug].cells.all()), None), reasons=rows
        )
        for slug, rows in reasons.items()
        if slug in features
    ]


@dataclass(frozen=True)
class LabelledAnswer:
    """A recorded answer as a reader sees it: the question, the answer, and its source."""

    question: str
    answer: str
    source: CaseSource
    note: str


def labelled_answers(case: Case, *, model: ScoringModel) -> list[LabelledAnswer]:
    """The case's answers in questionnaire order, with the question texts and answer labels."""
    questions = all_questions(compiled_model(model))
    answers = {answer.question_key: answer for answer in case.answers.all()}
    rows = [
        LabelledAnswer(
            q["text"],
            _label(q, answers[q["key"]].value),
            answers[q["key"]].source,
            answers[q["key"]].note,
        )
        for q in questions
        if q["key"] in answers
    ]
    # Answers to questions this version lacks are still shown, by key.
    known = {q["key"] for q in questions}
    rows += [
        LabelledAnswer(key, str(a.value), a.source, a.note)
        for key, a in answers.items()
        if key not in known
    ]
    return rows


def _label(question: SnapshotQuestion, value: Any) -> str:
    if question["kind"] == "number":
        return (
            f"{value:g} {question['unit']}".strip()
            if isinstance(value, int | float)
            else str(value)
        )
    labels = {c["key"]: c["label"] for c in question["choices"]}
    keys = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(str(key), str(key)) for key in keys)
