"""Calibration: how well a scoring-model version (published or a draft) ranks the option each
published case chose — per case, and as top-1/top-2 rates (``manage.py calibrate``, the
publish step in the admin)."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from apps.questionnaire import scoring
from apps.questionnaire.contracts import Snapshot
from apps.questionnaire.models import ScoringModel
from apps.questionnaire.services import (
    PublishCheck,
    PublishError,
    PublishRecord,
    compiled_model,
)

from .models import Case

# --- Calibration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationRow:
    """How a model version ranks one case's documented choice.

    ``margin`` is the chosen option's fit minus the best other option's: positive (its lead
    over the second) when the model ranks it first, negative (its gap to the first) otherwise.
    """

    slug: str
    name: str
    chose: str
    recommendation: str | None
    rank: int | None
    margin: float
    answered: int


@dataclass(frozen=True)
class Calibration:
    """A model version against every published case: per-case rows and the hit rates."""

    version: int
    rows: list[CalibrationRow]
    top1: float
    top2: float

    @property
    def cases(self) -> int:
        return len(self.rows)

    def summary(self) -> str:
        """The one-line verdict, e.g. ``top1=0.88 top2=1.00 cases=24``."""
        return f"top1={self.top1:.2f} top2={self.top2:.2f} cases={self.cases}"


def calibrate(*, model: ScoringModel) -> Calibration:
    """Score every published case's recorded answers (all else unknown) with ``model``."""
    return calibrate_compiled(compiled_model(model), version=model.version)


def calibrate_compiled(compiled: scoring.CompiledModel, *, version: int) -> Calibration:
    """``calibrate`` for any compiled model, e.g. an unpublished draft (``version`` is the
    number it is shown under)."""
    rows = [_calibration_row(compiled, case) for case in Case.objects.published().with_evidence()]
    n = len(rows)
    top1 = sum(1 for row in rows if row.rank == 1) / n if n else 0.0
    top2 = sum(1 for row in rows if row.rank is not None and row.rank <= 2) / n if n else 0.0
    return Calibration(version=version, rows=rows, top1=top1, top2=top2)


@dataclass(frozen=True)
class FirstPlaceChange:
    """A case the draft puts a different option first for than the current version does."""

    slug: str
    name: str
    chose: str
    current: str | None
    draft: str | None


@dataclass(frozen=True)
class DraftCalibration:
    """The draft's calibration beside the current version's (None before the first publish)."""

    draft: Calibration
    current: Calibration | None
    changed: list[FirstPlaceChange]

    @property
    def worse(self) -> bool:
        """The draft ranks fewer cases' choices first than the current version."""
        return self.current is not None and self.draft.top1 < self.current.top1

    def record(self) -> dict[str, Any]:
        """The figures stored with the published version (``ScoringModel.calibration``)."""
        current = self.current
        return {
            "top1": round(self.draft.top1, 4),
            "top2": round(self.draft.top2, 4),
            "cases": self.draft.cases,
            "current": None
            if current is None
            else {
                "version": current.version,
                "top1": round(current.top1, 4),
                "top2": round(current.top2, 4),
                "cases": current.cases,
            },
            "changed": [
                {"case": c.slug, "chose": c.chose, "current": c.current, "draft": c.draft}
                for c in self.changed
            ],
        }


def calibrate_draft(snapshot: Snapshot, *, current: ScoringModel | None) -> DraftCalibration:
    """Calibrate a draft snapshot (``questionnaire.services.build_snapshot``) and the current
    version on the same published cases; list the cases whose first place differs."""
    version = (current.version if current else 0) + 1
    draft = calibrate_compiled(scoring.compile_model(snapshot), version=version)
    if current is None:
        return DraftCalibration(draft=draft, current=None, changed=[])
    before = calibrate(model=current)
    first = {row.slug: row.recommendation for row in before.rows}
    changed = [
        FirstPlaceChange(row.slug, row.name, row.chose, first[row.slug], row.recommendation)
        for row in draft.rows
        if row.slug in first and first[row.slug] != row.recommendation
    ]
    return DraftCalibration(draft=draft, current=before, changed=changed)


def calibration_check(*, reason: str) -> PublishCheck:
    """The publish check (``questionnaire.services.publish(check=…)``): records the draft's
    calibration with the version and refuses a draft with lower top-1 than the current version
    unless ``reason`` says why."""

    def check(snapshot: Snapshot, current: ScoringModel | None) -> PublishRecord:
        result = calibrate_draft(snapshot, current=current)
        if result.worse and not reason.strip():
            raise PublishError(worse_message(result))
        return PublishRecord(calibration=result.record(), note=reason.strip())

    return check


def worse_message(result: DraftCalibration) -> str:
    """Why a reason is needed, with both top-1 rates."""
    assert result.current is not None
    return gettext(
        "The draft ranks fewer documented choices first than version %(version)s "
        "(top-1 %(draft).2f against %(current).2f): give the reason for publishing it anyway."
    ) % {
        "version": result.current.version,
        "draft": result.draft.top1,
        "current": result.current.top1,
    }


def _calibration_row(compiled: scoring.CompiledModel, case: Case) -> CalibrationRow:
    result = scoring.score(compiled, case.answer_values())
    scores = result["scores"]
    chosen = scores.get(case.chose.slug)
    margin = 0.0
    if chosen is not None:
        others = [s["fit"] for slug, s in scores.items() if slug != case.chose.slug]
        margin = round(chosen["fit"] - max(others), 1) if others else 0.0
    return CalibrationRow(
        slug=case.slug,
        name=case.name,
        chose=case.chose.slug,
        recommendation=result["recommendation"],
        rank=chosen["rank"] if chosen is not None else None,
        margin=margin,
        answered=result["answered"],
    )
