"""Workflows of the questionnaire: snapshot the draft, publish numbered versions, compare them."""

import copy
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Technology

from . import scoring
from .contracts import (
    Snapshot,
    SnapshotCondition,
    SnapshotQuestion,
    SnapshotRisk,
)
from .models import UNKNOWN, Choice, Question, Questionnaire, RiskRule, ScoringModel, Section
from .models import Weight as WeightModel

INITIAL_QUESTIONNAIRE = "hpc-orchestration"
PUBLISH_ATTEMPTS = 3


class PublishError(Exception):
    """Publishing was refused; the message says why and can be shown to the editor."""


# --- Snapshot -------------------------------------------------------------------------------


def _technology_url(technology: Technology) -> str:
    try:
        return technology.get_absolute_url()
    except NoReverseMatch:
        # The catalog's pages may not be routed yet (interim URLs); keep the documented path.
        return f"/technologies/{technology.slug}/"


def _sections_for_snapshot(questionnaire: Questionnaire) -> list[Section]:
    weights = WeightModel.objects.select_related("option", "feature").filter(option__is_option=True)
    choices = Choice.objects.order_by("order", "id").prefetch_related(
        Prefetch("weights", queryset=weights.order_by("option__order", "option__name"))
    )
    questions = (
        Question.objects.select_related("condition_question")
        .order_by("order", "id")
        .prefetch_related(Prefetch("choices", queryset=choices))
    )
    return list(
        questionnaire.sections.order_by("order", "id").prefetch_related(
            Prefetch("questions", queryset=questions)
        )
    )


def _question_snapshot(question: Question) -> SnapshotQuestion:
    condition: SnapshotCondition | None = None
    if question.condition_question is not None:
        condition = {
            "question": question.condition_question.key,
            "in": [str(value) for value in question.condition_values],
        }
    return {
        "key": question.key,
        "text": question.text,
        "help": question.help_text,
        "kind": question.kind,
        "required": question.required,
        "importance": float(question.importance),
        "allow_unknown": question.allow_unknown,
        "unit": question.unit,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "condition": condition,
        "choices": [
            {
                "key": choice.key,
                "label": choice.label,
                "lower": choice.lower,
                "upper": choice.upper,
                "weights": {
                    weight.option.slug: {
                        "points": float(weight.points),
                        "rationale": weight.rationale,
                        "feature": weight.feature.slug if weight.feature else None,
                    }
                    for weight in choice.weights.all()
                },
            }
            for choice in question.choices.all()
        ],
    }


def _risks_snapshot(questionnaire: Questionnaire, position: dict[int, int]) -> list[SnapshotRisk]:
    rules = (
        RiskRule.objects.filter(questionnaire=questionnaire)
        .select_related("option", "feature")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("question")))
        .order_by("id")
    )
    out: list[SnapshotRisk] = []
    for rule in rules:
        picked = sorted(
            rule.choices.all(),
            key=lambda c: (position.get(c.question_id, len(position)), c.order, c.id),
        )
        when: dict[str, list[str]] = {}
        for choice in picked:
            when.setdefault(choice.question.key, []).append(choice.key)
        out.append(
            {
                "id": rule.id,
                "option": rule.option.slug if rule.option else None,
                "level": rule.level,
                "title": rule.title,
                "description": rule.description,
                "improvement": rule.improvement,
                "feature": rule.feature.slug if rule.feature else None,
                "when": when,
            }
        )
    return out


def build_snapshot(questionnaire: Questionnaire, *, version: int | None = None) -> Snapshot:
    """The questionnaire with its weights and risk rules as the engine's JSON snapshot.

    Runs a fixed number of queries whatever the size of the questionnaire. ``version`` is
    ``None`` for a draft; ``publish`` sets it.
    """
    sections = _sections_for_snapshot(questionnaire)
    position = {
        question.id: index
        for index, question in enumerate(q for s in sections for q in s.questions.all())
    }
    return {
        "version": version,
        "questionnaire": {
            "slug": questionnaire.slug,
            "title": questionnaire.title,
            "intro": questionnaire.intro,
        },
        "options": [
            {"slug": t.slug, "name": t.name, "colour": t.colour, "url": _technology_url(t)}
            for t in Technology.objects.options()
        ],
        "sections": [
            {
                "title": section.title,
                "intro": section.intro,
                "questions": [_question_snapshot(q) for q in section.questions.all()],
            }
            for section in sections
        ],
        "risks": _risks_snapshot(questionnaire, position),
        "rules": {"fit_basis": "answered", "high_risk_caps_confidence": True},
    }


def checksum(snapshot: Snapshot) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no whitespace, UTF-8)."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _content(snapshot: Snapshot) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key != "version"}


def unchanged(latest: ScoringModel | None, snapshot: Snapshot) -> bool:
    """Whether a draft snapshot has the same content as the latest published version."""
    return latest is not None and _content(stored_snapshot(latest)) == _content(snapshot)


def snapshot_problems(snapshot: Snapshot) -> list[str]:
    """Mistakes that would make a published model misbehave, as messages for the editor."""
    problems = []
    seen: dict[str, SnapshotQuestion] = {}
    for section in snapshot["sections"]:
        for q in section["questions"]:
            keys = [c["key"] for c in q["choices"]]
            if not keys:
                problems.append(
                    _("Question “%(key)s” has no answers to choose.") % {"key": q["key"]}
                )
            if q["kind"] == "scale" and keys != ["1", "2", "3", "4", "5"]:
                problems.append(
                    _("Scale question “%(key)s” needs the answer keys 1 to 5.") % {"key": q["key"]}
                )
            condition = q["condition"]
            if condition is not None:
                problems.extend(_condition_problems(q["key"], condition, seen))
            seen[q["key"]] = q
    if not snapshot["options"]:
        problems.append(_("No technology is marked as a recommendation option."))
    for risk in snapshot["risks"]:
        if not risk["when"]:
            problems.append(_("Risk rule “%(title)s” has no answers.") % {"title": risk["title"]})
    return problems


def _condition_problems(
    key: str, condition: SnapshotCondition, earlier: dict[str, SnapshotQuestion]
) -> list[str]:
    source = earlier.get(condition["question"])
    if source is None:
        return [
            _("Question “%(key)s” depends on a question that does not come before it.")
            % {"key": key}
        ]
    allowed = {c["key"] for c in source["choices"]} | (
        {UNKNOWN} if source["allow_unknown"] else set()
    )
    wrong = [value for value in condition["in"] if value not in allowed]
    if not condition["in"] or wrong:
        return [
            _(
                "Question “%(key)s” is shown for answers that “%(source)s” does not offer: %(wrong)s."
            )
            % {"key": key, "source": source["key"], "wrong": ", ".join(wrong) or "—"}
        ]
    return []


# --- Publishing -----------------------------------------------------------------------------


# The latest version as this process last read it outside a transaction: (when, model).
_latest: tuple[float, ScoringModel | None] | None = None
LATEST_KEPT_SECONDS: Final = 10.0


def latest_model() -> ScoringModel | None:
    """The published version the site scores with, or None before the first publish.

    Its snapshot is deferred: read it through ``snapshot_of`` or ``compiled_model``, which
    keep one copy per version in the process.

    Read on every submission and questionnaire request, so each process keeps what it read
    for ``LATEST_KEPT_SECONDS`` (a round trip less per submission). Only a read outside a
    transaction is kept or served, so a version not yet committed is never kept, and a
    transaction always reads the table. A version saved or deleted in this process is seen at
    once (``forget_latest_model``); another process takes it within the kept time and starts
    assessments on the version before until then, as a draft started before a publish is
    scored on the version it started on. Each caller gets its own copy.
    """
    global _latest
    kept = _latest
    outside = not connection.in_atomic_block
    if outside and kept is not None and time.monotonic() - kept[0] < LATEST_KEPT_SECONDS:
        return copy.copy(kept[1])
    read_at = time.monotonic()
    model = _read_latest_model()
    if outside:
        _latest = (read_at, copy.copy(model))
    return model


def forget_latest_model(**kwargs: Any) -> None:
    """Drops this process's kept latest version (a version was saved or deleted), and again
    once the transaction it was changed in commits."""
    global _latest
    _latest = None
    if connection.in_atomic_block:
        transaction.on_commit(forget_latest_model)


def _read_latest_model() -> ScoringModel | None:
    """One statement of fixed text, as the assessments' claim and status poll are, where the
    queryset (``latest_published`` with the snapshot deferred) cost twice its query's time in
    compilation (0.36 against 0.17 ms)."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(field.column)
        for field in ScoringModel._meta.concrete_fields
        if field.name != "snapshot"
    )
    rows = ScoringModel.objects.raw(
        f"SELECT {columns} FROM {quote(ScoringModel._meta.db_table)} "
        f"ORDER BY {quote('version')} DESC LIMIT 1"
    )
    return next(iter(rows), None)


def stored_snapshot(model: ScoringModel) -> Snapshot:
    """The version's snapshot as stored (a fresh dict each time it is loaded)."""
    return cast(Snapshot, model.snapshot)


# Published versions never change, so each is compiled once per process and shared: one entry
# per (model id, checksum), the few most recently used kept.
_COMPILED: dict[tuple[int, str], scoring.CompiledModel] = {}
_COMPILED_KEPT: Final = 4
_COMPILED_LOCK = threading.Lock()


def compiled_model(model: ScoringModel) -> scoring.CompiledModel:
    """The version compiled for the engine, the same object every time within this process.

    Score with ``scoring.score(compiled_model(model), answers)``: compiling is most of the
    work per assessment. The snapshot is read only on a miss, so callers may defer it.
    """
    key = (model.pk, model.checksum)
    with _COMPILED_LOCK:
        hit = _COMPILED.pop(key, None)
        if hit is None:
            hit = scoring.compile_model(stored_snapshot(model))
            if len(_COMPILED) >= _COMPILED_KEPT:
                del _COMPILED[next(iter(_COMPILED))]
        # Re-inserted last: the dict's order is least recently used first.
        _COMPILED[key] = hit
    return hit


def snapshot_of(model: ScoringModel) -> Snapshot:
    """The version's snapshot, the same object every time within this process; read-only."""
    return compiled_model(model).snapshot


@dataclass(frozen=True)
class PublishRecord:
    """What a publish check records with the new version (``ScoringModel.calibration`` and
    ``calibration_note``)."""

    calibration: dict[str, Any]
    note: str = ""


# A check an app above this one passes to ``publish``: given the draft snapshot (with the
# version number it will get) and the current version, it returns what to record with the new
# version, or raises ``PublishError`` to refuse the publish.
PublishCheck = Callable[[Snapshot, ScoringModel | None], PublishRecord]


def publish(
    *,
    questionnaire: Questionnaire,
    user: User | None,
    summary: str,
    check: PublishCheck | None = None,
) -> ScoringModel:
    """Freeze the questionnaire, its weights and risk rules into the next numbered version.

    Refuses (``PublishError``) when the draft has problems or nothing changed since the latest
    version, or when ``check`` refuses it; ``check`` runs under the lock on exactly the
    snapshot being published. Two editors publishing at once cannot take the same number: the
    latest row is locked, and the unique version constraint catches the first-ever publish race.
    """
    for attempt in range(PUBLISH_ATTEMPTS):
        try:
            with transaction.atomic():
                return _publish_locked(
                    questionnaire=questionnaire, user=user, summary=summary, check=check
                )
        except IntegrityError:
            if attempt == PUBLISH_ATTEMPTS - 1:
                raise PublishError(
                    _("Another version was published at the same moment. Please try again.")
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _publish_locked(
    *, questionnaire: Questionnaire, user: User | None, summary: str, check: PublishCheck | None
) -> ScoringModel:
    latest = ScoringModel.objects.select_for_update().order_by("-version").first()
    snapshot = build_snapshot(questionnaire)
    problems = snapshot_problems(snapshot)
    if problems:
        raise PublishError(" ".join(problems))
    if latest is not None and unchanged(latest, snapshot):
        raise PublishError(
            _("Nothing has changed since version %(version)s, so there is nothing to publish.")
            % {"version": latest.version}
        )
    version = (latest.version if latest else 0) + 1
    snapshot["version"] = version
    record = check(snapshot, latest) if check is not None else None
    return ScoringModel.objects.create(
        questionnaire=questionnaire,
        version=version,
        snapshot=snapshot,
        checksum=checksum(snapshot),
        change_summary=summary,
        calibration=record.calibration if record else None,
        calibration_note=record.note if record else "",
        published_by=user,
    )


def publish_initial_if_missing() -> ScoringModel | None:
    """Publish version 1 from the starting questionnaire when nothing is published yet."""
    if ScoringModel.objects.exists():
        return None
    questionnaire = (
        Questionnaire.objects.filter(slug=INITIAL_QUESTIONNAIRE).first()
        or Questionnaire.objects.first()
    )
    if questionnaire is None:
        return None
    return publish(
        questionnaire=questionnaire,
        user=None,
        summary=_("First version, published from the starting content."),
    )


def previous_model(model: ScoringModel) -> ScoringModel | None:
    """The version published just before this one."""
    return ScoringModel.objects.filter(version__lt=model.version).order_by("-version").first()
