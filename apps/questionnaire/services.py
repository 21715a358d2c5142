"""Workflows of the questionnaire: snapshot the draft, publish numbered versions, compare them."""

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Technology

from . import scoring
from .contracts import (
    Snapshot,
    SnapshotChoice,
    SnapshotCondition,
    SnapshotQuestion,
    SnapshotRisk,
    SnapshotRules,
    SnapshotWeight,
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


def latest_model() -> ScoringModel | None:
    """The published version the site scores with, or None before the first publish."""
    return ScoringModel.objects.latest_published()


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


# --- Comparing versions ---------------------------------------------------------------------

QUESTION_FIELDS = (
    "kind",
    "required",
    "importance",
    "allow_unknown",
    "unit",
    "min_value",
    "max_value",
    "condition",
)
RISK_FIELDS = ("option", "level", "title", "description", "improvement", "feature", "when")


def _points(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _questions(snapshot: Snapshot) -> dict[str, tuple[str, SnapshotQuestion]]:
    return {
        q["key"]: (section["title"], q)
        for section in snapshot["sections"]
        for q in section["questions"]
    }


def diff_snapshots(old: Snapshot | None, new: Snapshot) -> list[str]:
    """What changed between two snapshots, one human-readable line per change."""
    if old is None:
        questions = sum(len(s["questions"]) for s in new["sections"])
        return [
            _("First version: %(questions)s questions and %(risks)s risk rules.")
            % {"questions": questions, "risks": len(new["risks"])}
        ]
    changes = _diff_header(old, new)
    old_questions, new_questions = _questions(old), _questions(new)
    for key, (section, question) in new_questions.items():
        if key in old_questions:
            changes.extend(_diff_question(old_questions[key], (section, question)))
        else:
            changes.append(
                _("Question “%(key)s” added: %(text)s") % {"key": key, "text": question["text"]}
            )
    for key in old_questions:
        if key not in new_questions:
            changes.append(_("Question “%(key)s” removed.") % {"key": key})
    changes.extend(_diff_risks(old["risks"], new["risks"]))
    return changes


def _diff_header(old: Snapshot, new: Snapshot) -> list[str]:
    changes = []
    for field, label in (("title", _("title")), ("intro", _("introduction"))):
        if old["questionnaire"].get(field) != new["questionnaire"].get(field):
            changes.append(_("Questionnaire %(field)s changed.") % {"field": label})
    old_options = {o["slug"]: o for o in old["options"]}
    new_options = {o["slug"]: o for o in new["options"]}
    for slug in sorted(new_options.keys() - old_options.keys()):
        changes.append(_("Option “%(slug)s” added.") % {"slug": slug})
    for slug in sorted(old_options.keys() - new_options.keys()):
        changes.append(_("Option “%(slug)s” removed.") % {"slug": slug})
    for slug in sorted(old_options.keys() & new_options.keys()):
        if old_options[slug] != new_options[slug]:
            changes.append(_("Option “%(slug)s”: name, colour or link changed.") % {"slug": slug})
    if list(old_options) != list(new_options):
        changes.append(_("Order of the options changed."))
    old_sections = {s["title"]: s for s in old["sections"]}
    new_sections = {s["title"]: s for s in new["sections"]}
    for title in new_sections:
        if title not in old_sections:
            changes.append(_("Section “%(title)s” added.") % {"title": title})
        elif old_sections[title]["intro"] != new_sections[title]["intro"]:
            changes.append(_("Section “%(title)s”: introduction changed.") % {"title": title})
    for title in old_sections:
        if title not in new_sections:
            changes.append(_("Section “%(title)s” removed.") % {"title": title})
    changes.extend(_diff_rules(old, new))
    return changes


def _diff_rules(old: Snapshot, new: Snapshot) -> list[str]:
    """The engine rules a version is scored by (``Snapshot.rules``; absent before version 2)."""
    before: SnapshotRules | dict[str, object] = old.get("rules") or {}
    after: SnapshotRules | dict[str, object] = new.get("rules") or {}
    changes = []
    if before.get("fit_basis", "shown") != after.get("fit_basis", "shown"):
        changes.append(
            _(
                "Scoring rule: fit is now measured over the questions answered with a weighted "
                "choice; skipped, don't-know and neutral answers favour no option."
            )
            if after.get("fit_basis") == "answered"
            else _("Scoring rule: fit is now measured over every shown question.")
        )
    if bool(before.get("high_risk_caps_confidence")) != bool(
        after.get("high_risk_caps_confidence")
    ):
        changes.append(
            _(
                "Scoring rule: a high risk of the recommended option now caps the confidence at medium."
            )
            if after.get("high_risk_caps_confidence")
            else _("Scoring rule: high risks no longer cap the confidence.")
        )
    return changes


def _diff_question(
    old: tuple[str, SnapshotQuestion], new: tuple[str, SnapshotQuestion]
) -> list[str]:
    (old_section, a), (new_section, b) = old, new
    key = b["key"]
    changes = []
    if a["text"] != b["text"]:
        changes.append(
            _("Question “%(key)s”: text changed from “%(old)s” to “%(new)s”.")
            % {"key": key, "old": a["text"], "new": b["text"]}
        )
    if a["help"] != b["help"]:
        changes.append(_("Question “%(key)s”: help text changed.") % {"key": key})
    if old_section != new_section:
        changes.append(
            _("Question “%(key)s”: moved from section “%(old)s” to “%(new)s”.")
            % {"key": key, "old": old_section, "new": new_section}
        )
    for field in QUESTION_FIELDS:
        if a.get(field) != b.get(field):
            changes.append(
                _("Question “%(key)s”: %(field)s changed from %(old)s to %(new)s.")
                % {
                    "key": key,
                    "field": field,
                    "old": _shown(a.get(field)),
                    "new": _shown(b.get(field)),
                }
            )
    return changes + _diff_choices(key, a["choices"], b["choices"])


def _diff_choices(key: str, old: list[SnapshotChoice], new: list[SnapshotChoice]) -> list[str]:
    old_by_key = {c["key"]: c for c in old}
    new_by_key = {c["key"]: c for c in new}
    changes = []
    for choice in new:
        before = old_by_key.get(choice["key"])
        name = f"{key}/{choice['key']}"
        if before is None:
            changes.append(
                _("Answer “%(name)s” added: %(label)s") % {"name": name, "label": choice["label"]}
            )
            before = {
                "key": choice["key"],
                "label": choice["label"],
                "lower": choice["lower"],
                "upper": choice["upper"],
                "weights": {},
            }
        if before["label"] != choice["label"]:
            changes.append(
                _("Answer “%(name)s”: label changed from “%(old)s” to “%(new)s”.")
                % {"name": name, "old": before["label"], "new": choice["label"]}
            )
        if (before["lower"], before["upper"]) != (choice["lower"], choice["upper"]):
            changes.append(
                _("Answer “%(name)s”: band changed from %(old)s to %(new)s.")
                % {
                    "name": name,
                    "old": f"{_shown(before['lower'])}–{_shown(before['upper'])}",
                    "new": f"{_shown(choice['lower'])}–{_shown(choice['upper'])}",
                }
            )
        changes.extend(_diff_weights(name, before["weights"], choice["weights"]))
    for choice in old:
        if choice["key"] not in new_by_key:
            changes.append(_("Answer “%(name)s” removed.") % {"name": f"{key}/{choice['key']}"})
    return changes


def _diff_weights(
    name: str, old: dict[str, SnapshotWeight], new: dict[str, SnapshotWeight]
) -> list[str]:
    changes = []
    for option in [*new, *(o for o in old if o not in new)]:
        a, b = old.get(option), new.get(option)
        params = {"name": name, "option": option}
        if a is None and b is not None:
            changes.append(
                _("Weight “%(name)s” → %(option)s added: %(new)s points.")
                % {**params, "new": _points(b["points"])}
            )
        elif b is None and a is not None:
            changes.append(
                _("Weight “%(name)s” → %(option)s removed (was %(old)s points).")
                % {**params, "old": _points(a["points"])}
            )
        elif a is not None and b is not None:
            if a["points"] != b["points"]:
                changes.append(
                    _("Weight “%(name)s” → %(option)s: %(old)s → %(new)s points.")
                    % {**params, "old": _points(a["points"]), "new": _points(b["points"])}
                )
            if a["rationale"] != b["rationale"]:
                changes.append(_("Weight “%(name)s” → %(option)s: rationale changed.") % params)
            if a["feature"] != b["feature"]:
                changes.append(
                    _("Weight “%(name)s” → %(option)s: matrix row changed from %(old)s to %(new)s.")
                    % {**params, "old": _shown(a["feature"]), "new": _shown(b["feature"])}
                )
    return changes


def _diff_risks(old: list[SnapshotRisk], new: list[SnapshotRisk]) -> list[str]:
    old_by_id = {r["id"]: r for r in old}
    new_by_id = {r["id"]: r for r in new}
    changes = []
    for risk in new:
        before = old_by_id.get(risk["id"])
        if before is None:
            changes.append(_("Risk rule added: %(title)s") % {"title": risk["title"]})
            continue
        changed = [field for field in RISK_FIELDS if before.get(field) != risk.get(field)]
        if changed:
            changes.append(
                _("Risk rule “%(title)s”: %(fields)s changed.")
                % {"title": risk["title"], "fields": ", ".join(changed)}
            )
    for risk in old:
        if risk["id"] not in new_by_id:
            changes.append(_("Risk rule removed: %(title)s") % {"title": risk["title"]})
    return changes
