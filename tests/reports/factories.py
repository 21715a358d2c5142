"""Scored assessments made by the real pipeline, for the report, sharing and dashboard tests.

Nothing here is hand-typed or faked:

- ``make_catalog`` bulk-creates the real catalog and comparison matrix (``fixtures/``
  ``010_catalog.json`` and ``020_matrix.json``): the options the engine recommends and the
  matrix rows a report shows.
- ``make_scoring_model`` stores the real questionnaire's snapshot (``fixture_snapshot``, proved
  equal to ``build_snapshot`` by the questionnaire tests), or an explicit edit of it made with
  ``with_weight``, under its real checksum.
- ``make_assessment`` scores its answers with ``services.score_assessment``, so recommendation,
  fit, confidence, contributions, risks, sensitivity and what-if are the engine's. Tests read
  expected figures and texts from ``assessment.result``, never from constants here.
- Answer sets are the questionnaire's personas (``answers_for(option)``) and ``ANSWERS``, one
  persona with one answer changed so that the default lead has a risk, a sensitivity and a
  "don't know" for the report to show.
"""

import copy
import functools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.catalog.models import (
    Category,
    Feature,
    MatrixCell,
    Scenario,
    Source,
    Technology,
    TechnologyPoint,
)
from apps.core.tokens import new_token
from apps.questionnaire import scoring
from apps.questionnaire import services as questionnaire_services
from apps.questionnaire.forms import validate_answers
from apps.questionnaire.models import Questionnaire, ScoringModel
from tests.questionnaire.fixture_snapshot import snapshot_from_fixture
from tests.questionnaire.personas import PERSONAS

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CATALOG_FIXTURES = (FIXTURES / "010_catalog.json", FIXTURES / "020_matrix.json")

# The university persona whose GPUs also serve inference: still SLURM, but with a medium risk
# (long-running inference on a batch scheduler), answers that would change the recommendation
# (sensitivity) and one "don't know" (multi_site).
UNIVERSITY = "university HPC centre with GPU partitions"
ANSWERS: dict[str, Any] = {**PERSONAS[UNIVERSITY][1], "long_running_services": "shared"}


def answers_for(option: str) -> dict[str, Any]:
    """The answers of the first persona that the fixture model recommends ``option`` to."""
    return copy.deepcopy(next(answers for want, answers in PERSONAS.values() if want == option))


# --- Catalog ---------------------------------------------------------------------------------


@functools.cache
def _catalog_rows() -> tuple[dict[str, Any], ...]:
    return tuple(row for path in CATALOG_FIXTURES for row in json.loads(path.read_text()))


# Fixture label -> model, in an order where every natural key points at rows made before it.
CATALOG_MODELS: dict[str, type[models.Model]] = {
    "catalog.category": Category,
    "catalog.technology": Technology,
    "catalog.feature": Feature,
    "catalog.matrixcell": MatrixCell,
    "catalog.source": Source,
    "catalog.technologypoint": TechnologyPoint,
    "catalog.scenario": Scenario,
}


def make_catalog() -> list[Technology]:
    """The real catalog and matrix fixtures in a dozen queries; returns the options.

    About 0.08 s per test, where ``loaddata`` of the same two files takes about 3 s and
    ``seed`` about 7 s (measured on a loaded machine). Like ``loaddata``, it makes no history
    rows.
    """
    ids: dict[type[models.Model], dict[tuple, int]] = {}
    for label, model in CATALOG_MODELS.items():
        objects = []
        for row in _catalog_rows():
            if row["model"] != label:
                continue
            fields = {}
            for name, value in row["fields"].items():
                field = model._meta.get_field(name)
                if field.is_relation:
                    fields[f"{name}_id"] = ids[field.related_model][tuple(value)] if value else None
                else:
                    fields[name] = value
            objects.append(model(**fields))
        model.objects.bulk_create(objects)
        if label in {"catalog.category", "catalog.technology", "catalog.feature"}:
            ids[model] = {(slug,): pk for slug, pk in model.objects.values_list("slug", "pk")}
        elif model is MatrixCell:
            ids[model] = {
                (feature, technology): pk
                for feature, technology, pk in MatrixCell.objects.values_list(
                    "feature__slug", "technology__slug", "pk"
                )
            }
    return list(Technology.objects.options())


# --- Scoring model ---------------------------------------------------------------------------


@functools.cache
def _fixture_snapshot() -> str:
    return json.dumps(snapshot_from_fixture())


def fixture_snapshot(version: int = 1) -> dict[str, Any]:
    """A fresh copy of the real questionnaire's snapshot (parsed once per process)."""
    return {**json.loads(_fixture_snapshot()), "version": version}


def with_weight(
    snapshot: dict[str, Any], *, question: str, choice: str, option: str, points: float
) -> dict[str, Any]:
    """A copy of ``snapshot`` where one answer gives ``option`` other points; the rest as is."""
    edited = copy.deepcopy(snapshot)
    q = next(q for s in edited["sections"] for q in s["questions"] if q["key"] == question)
    c = next(c for c in q["choices"] if c["key"] == choice)
    c["weights"][option]["points"] = float(points)
    return edited


def make_scoring_model(version: int = 1, snapshot: dict[str, Any] | None = None) -> ScoringModel:
    """A published version holding ``snapshot`` (default: the fixture's) and its checksum."""
    questionnaire = Questionnaire.objects.get_or_create(
        slug="hpc-orchestration", defaults={"title": "HPC orchestration"}
    )[0]
    snapshot = {**(snapshot or fixture_snapshot()), "version": version}
    return ScoringModel.objects.create(
        questionnaire=questionnaire,
        version=version,
        snapshot=snapshot,
        checksum=questionnaire_services.checksum(snapshot),
    )


# --- Assessments -----------------------------------------------------------------------------


def engine_result(model: ScoringModel, answers: dict[str, Any]) -> dict[str, Any]:
    """What ``services.score_assessment`` computes for these answers, without a row.

    For bulk leads; ``test_leads`` checks it equals what the pipeline stores.
    """
    compiled = questionnaire_services.compiled_model(model)
    return scoring.score(compiled, scoring.clean_answers(compiled, answers), gettext=gettext)


def make_assessment(
    *,
    scoring_model: ScoringModel | None = None,
    status: str = Assessment.Status.SCORED,
    answers: dict | None = None,
    **fields: Any,
) -> tuple[Assessment, str]:
    """A submitted assessment and its raw private token, scored by the real pipeline.

    Any other status leaves it unscored (a draft is not submitted). ``fields`` set the row's
    other columns (contact, dates) before scoring.
    """
    model = scoring_model or ScoringModel.objects.latest_published() or make_scoring_model()
    compiled = questionnaire_services.compiled_model(model)
    answers = validate_answers(compiled, copy.deepcopy(ANSWERS if answers is None else answers))
    raw, digest = new_token()
    submitted = status != Assessment.Status.DRAFT
    values: dict[str, Any] = {
        "token_hash": digest,
        "scoring_model": model,
        "status": Assessment.Status.PENDING if status == Assessment.Status.SCORED else status,
        "answers": answers,
        "contact_name": "Ada Lovelace" if submitted else "",
        "contact_email": "ada@example.org" if submitted else "",
        "company": "Analytical Engines Ltd" if submitted else "",
        "role": "Head of HPC" if submitted else "",
        "consent": submitted,
        "submitted_at": timezone.now() - timedelta(hours=1) if submitted else None,
        **fields,
    }
    assessment = Assessment.objects.create(**values)
    if status == Assessment.Status.SCORED:
        services.score_assessment(assessment_id=assessment.pk)
        assessment.refresh_from_db()
    return assessment, raw
