"""What changed between two scoring-model versions, one human-readable line per change (the
publish step's confirmation and each version's history in the admin)."""

import json
from typing import Any

from django.utils.translation import gettext as _

from .contracts import (
    Snapshot,
    SnapshotChoice,
    SnapshotQuestion,
    SnapshotRisk,
    SnapshotRules,
    SnapshotWeight,
)

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
