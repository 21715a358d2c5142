"""A roadmap to act on, from a result (one assessment's or a team's).

Three kinds of item: the risks the engine raised, each with its mitigation; the open
questions ("don't know" answers, and a team's disagreements); and the next steps for the
recommended option (a close call to settle, what speaks against it, its known weaknesses).
Exported as CSV with the columns Jira's CSV importer maps (Summary, Description, Labels,
Priority; one label per item, so no importer has to split a list) and as Markdown with
checkboxes.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.catalog.models import TechnologyPoint
from apps.core.spreadsheets import SpreadsheetWriter
from apps.questionnaire.contracts import Result, Snapshot

from .results import Disagreement

CSV_COLUMNS = ("Summary", "Description", "Labels", "Priority")
PRIORITY = {"high": "High", "medium": "Medium", "low": "Low"}
# What speaks against the recommendation: at most this many steps.
AGAINST = 3


@dataclass(frozen=True)
class RoadmapItem:
    kind: str  # "risk", "question" or "next_step"
    summary: str
    description: str
    label: str  # one word, what importers take as a label
    priority: str  # "High", "Medium" or "Low"


@dataclass(frozen=True)
class Roadmap:
    title: str
    recommendation: str
    items: tuple[RoadmapItem, ...]

    def of_kind(self, kind: str) -> tuple[RoadmapItem, ...]:
        return tuple(item for item in self.items if item.kind == kind)


def build_roadmap(
    *,
    title: str,
    result: Result,
    snapshot: Snapshot,
    disagreements: Sequence[Disagreement] = (),
) -> Roadmap:
    """The roadmap of a scored result; a team's adds its disagreements as open questions."""
    names = {o["slug"]: o["name"] for o in snapshot.get("options", [])}
    recommended = result.get("recommendation") or ""
    items = [
        *_risks(result),
        *_disagreement_items(disagreements),
        *_unknown_items(result, snapshot, names),
        *_next_steps(result, names),
    ]
    return Roadmap(
        title=title, recommendation=names.get(recommended, recommended), items=tuple(items)
    )


def _risks(result: Result) -> list[RoadmapItem]:
    order = {"high": 0, "medium": 1, "low": 2}
    risks = sorted(result.get("risks", []), key=lambda r: (order.get(r["level"], 3), r["title"]))
    return [
        RoadmapItem(
            kind="risk",
            summary=_("Mitigate: %(title)s") % {"title": risk["title"]},
            description=_("%(description)s\n\nMitigation: %(improvement)s")
            % {"description": risk["description"], "improvement": risk["improvement"]},
            label="risk",
            priority=PRIORITY.get(risk["level"], "Medium"),
        )
        for risk in risks
    ]


def _disagreement_items(disagreements: Iterable[Disagreement]) -> list[RoadmapItem]:
    items = []
    for d in disagreements:
        lines = [f"- {a.member} ({a.role_label}): {a.label}" for a in d.answers]
        effects = [
            _("- With “%(answer)s”: %(option)s first (the team's first place %(lead)s fit points)")
            % {"answer": a.label, "option": a.recommendation_name, "lead": f"{a.lead:+.1f}"}
            for a in d.alternatives
        ]
        description = "\n".join(
            [
                _("The team answered differently:"),
                *lines,
                "",
                _("Counted for the team: %(answer)s") % {"answer": d.combined_label},
                _("What the answers change (impact %(impact)s fit points):")
                % {"impact": f"{d.impact:.1f}"},
                *effects,
            ]
        )
        items.append(
            RoadmapItem(
                kind="question",
                summary=_("Agree on: %(question)s") % {"question": d.question_text},
                description=description,
                label="disagreement",
                priority="High" if d.changes_recommendation else "Medium",
            )
        )
    return items


def _unknown_items(result: Result, snapshot: Snapshot, names: dict[str, str]) -> list[RoadmapItem]:
    texts = {q["key"]: q["text"] for s in snapshot.get("sections", []) for q in s["questions"]}
    sensitive = {item["question"]: item for item in result.get("sensitivity", [])}
    items = []
    for key in result.get("unknown", []):
        changes = sensitive.get(key)
        if changes is not None:
            lines = [
                _("- “%(answer)s” would recommend %(option)s")
                % {
                    "answer": alt["label"],
                    "option": names.get(alt["recommendation"], alt["recommendation"]),
                }
                for alt in changes["alternatives"]
            ]
            description = "\n".join(
                [_("Answered “don’t know”. The answer can change the recommendation:"), *lines]
            )
        else:
            description = _("Answered “don’t know”. Finding out makes the result more certain.")
        items.append(
            RoadmapItem(
                kind="question",
                summary=_("Find out: %(question)s") % {"question": texts.get(key, key)},
                description=description,
                label="open-question",
                priority="High" if changes is not None else "Low",
            )
        )
    return items


def _next_steps(result: Result, names: dict[str, str]) -> list[RoadmapItem]:
    recommended = result.get("recommendation") or ""
    if not recommended:
        return []
    option = names.get(recommended, recommended)
    runner_up = result.get("runner_up") or ""
    items = []
    if result.get("close_call") and runner_up:
        items.append(
            RoadmapItem(
                kind="next_step",
                summary=_("Decide between %(first)s and %(second)s")
                % {"first": option, "second": names.get(runner_up, runner_up)},
                description=(result.get("close_call_note") or "")
                + "\n\n"
                + _("Compare them: %(url)s") % {"url": _compare_url([recommended, runner_up])},
                label="next-step",
                priority="High",
            )
        )
    against = [
        c
        for c in result.get("contributions", [])
        if c["option"] == recommended and float(c["points"]) < 0
    ]
    against.sort(key=lambda c: float(c["points"]))
    for c in against[:AGAINST]:
        items.append(
            RoadmapItem(
                kind="next_step",
                summary=_("Check how %(option)s copes with: %(question)s")
                % {"option": option, "question": c["question_text"]},
                description=_("Your answer “%(answer)s” speaks against %(option)s: %(why)s")
                % {"answer": c["answer_label"], "option": option, "why": c["rationale"]},
                label="next-step",
                priority="Medium",
            )
        )
    items += [
        RoadmapItem(
            kind="next_step",
            summary=_("Plan around a weakness of %(option)s: %(title)s")
            % {"option": option, "title": point.title},
            description=point.body,
            label="next-step",
            priority="Low",
        )
        for point in TechnologyPoint.objects.filter(
            technology__slug=recommended, kind=TechnologyPoint.Kind.WEAKNESS
        ).order_by("order", "pk")
    ]
    items.append(
        RoadmapItem(
            kind="next_step",
            summary=_("Review %(option)s in the comparison matrix") % {"option": option},
            description=_compare_url([recommended, runner_up]),
            label="next-step",
            priority="Low",
        )
    )
    return items


def _compare_url(slugs: list[str]) -> str:
    query = urlencode([("tech", slug) for slug in slugs if slug])
    return settings.SITE_URL + reverse("catalog:compare") + (f"?{query}" if query else "")


# --- Exports --------------------------------------------------------------------------------


def to_csv(roadmap: Roadmap) -> str:
    """The roadmap as CSV: a header row (Summary, Description, Labels, Priority), one row an item."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows((i.summary, i.description, i.label, i.priority) for i in roadmap.items)
    return out.getvalue()


def to_markdown(roadmap: Roadmap) -> str:
    """The roadmap as Markdown: a section per kind, a checkbox per item."""
    lines = [f"# {_md(roadmap.title)}", ""]
    if roadmap.recommendation:
        lines += [
            _("Recommended option: **%(option)s**") % {"option": _md(roadmap.recommendation)},
            "",
        ]
    headings = {
        "risk": _("Risks and their mitigations"),
        "question": _("Open questions"),
        "next_step": _("Next steps"),
    }
    for kind, heading in headings.items():
        items = roadmap.of_kind(kind)
        lines += [f"## {heading}", ""]
        if not items:
            lines += [_("Nothing here."), ""]
            continue
        for item in items:
            lines.append(f"- [ ] **{_md(item.summary)}** ({_('priority')}: {item.priority})")
            lines += [f"  {_md(line)}" if line else "" for line in item.description.splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md(text: Any) -> str:
    # Item texts come from editors and members: a line of theirs must not open a heading.
    value = str(text).replace("\r", "")
    return "\\" + value if value.startswith("#") else value
