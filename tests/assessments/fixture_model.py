"""The real scoring model from fixtures/, published into the test database without ``seed``.

The snapshot is what ``build_snapshot`` makes from fixtures/040_questionnaire.json
(``tests.questionnaire.fixture_snapshot``, proved equal in tests/questionnaire); its options are
bulk-created from fixtures/010_catalog.json (a few milliseconds, where ``loaddata`` of that file
takes ~0.3 s and ``manage.py seed`` ~4.5 s). Answers are the personas of
``tests.questionnaire.personas``: realistic, complete, and recommended an option we know.
"""

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from apps.catalog.models import Category, Feature, MatrixCell, Technology
from apps.questionnaire.models import Questionnaire, ScoringModel
from apps.questionnaire.services import checksum
from tests.questionnaire.fixture_snapshot import ROOT, catalog_fixture, snapshot_from_fixture
from tests.questionnaire.personas import PERSONAS

MATRIX_FIXTURE = ROOT / "fixtures" / "020_matrix.json"

# The classic CFD lab: MPI on InfiniBand, no GPUs, on premises. The fixture model recommends
# SLURM to it; every question it sees is answered, none with "don't know".
PERSONA = "classic CFD lab on InfiniBand"
RECOMMENDED, ANSWERS = PERSONAS[PERSONA]


@cache
def _fixture_snapshot() -> dict[str, Any]:
    return snapshot_from_fixture(version=1)


def model_snapshot(version: int = 1) -> dict[str, Any]:
    """A fresh copy of the fixture model's snapshot, numbered ``version``."""
    return copy.deepcopy(_fixture_snapshot()) | {"version": version}


def derived_snapshot(version: int, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The fixture snapshot with one stated edit, as a later version of the model."""
    snapshot = model_snapshot(version)
    edit(snapshot)
    return snapshot


def sections(snapshot: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return (snapshot or _fixture_snapshot())["sections"]


def question(key: str, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fixture question with this key."""
    return next(q for s in sections(snapshot) for q in s["questions"] if q["key"] == key)


def label(key: str, choice: str) -> str:
    return next(c["label"] for c in question(key)["choices"] if c["key"] == choice)


# The wizard: one step per section, then the contact step.
SECTION_STEPS = len(sections())
CONTACT_STEP = SECTION_STEPS + 1


def step_answers(n: int, answers: dict[str, Any] = ANSWERS) -> dict[str, Any]:
    """The part of an answer set that step ``n`` asks."""
    keys = [q["key"] for q in sections()[n - 1]["questions"]]
    return {key: answers[key] for key in keys if key in answers}


def form_data(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as the wizard's form posts them (``q-<key>``, numbers as text)."""
    return {
        f"q-{key}": value if isinstance(value, list) else str(value)
        for key, value in answers.items()
    }


# --- Database rows ---


def _catalog_rows(path: Path, model: str) -> list[dict[str, Any]]:
    return [row["fields"] for row in json.loads(path.read_text()) if row["model"] == model]


def create_options() -> list[Technology]:
    """The technologies of the real catalog, bulk-created from its JSON."""
    rows = _catalog_rows(catalog_fixture(), "catalog.technology")
    Technology.objects.bulk_create(Technology(**fields) for fields in rows)
    return list(Technology.objects.order_by("order", "name"))


def create_matrix() -> None:
    """The real comparison matrix (categories, features, cells; no sources) from fixtures/.

    Needs the options first. Bulk-created: ``loaddata`` of both files takes over a second.
    """
    catalog = catalog_fixture()
    categories = {
        c.slug: c
        for c in Category.objects.bulk_create(
            Category(**fields) for fields in _catalog_rows(catalog, "catalog.category")
        )
    }
    features = {
        f.slug: f
        for f in Feature.objects.bulk_create(
            Feature(**(fields | {"category": categories[fields["category"][0]]}))
            for fields in _catalog_rows(catalog, "catalog.feature")
        )
    }
    technologies = {t.slug: t for t in Technology.objects.all()}
    MatrixCell.objects.bulk_create(
        MatrixCell(
            **fields
            | {
                "feature": features[fields["feature"][0]],
                "technology": technologies[fields["technology"][0]],
            }
        )
        for fields in _catalog_rows(MATRIX_FIXTURE, "catalog.matrixcell")
    )


def publish(snapshot: dict[str, Any]) -> ScoringModel:
    """Stores a snapshot as a published version, with its real checksum; returns it as stored."""
    meta = snapshot["questionnaire"]
    questionnaire, _created = Questionnaire.objects.get_or_create(
        slug=meta["slug"], defaults={"title": meta["title"], "intro": meta["intro"]}
    )
    model = ScoringModel.objects.create(
        questionnaire=questionnaire,
        version=snapshot["version"],
        snapshot=snapshot,
        checksum=checksum(snapshot),
    )
    model.refresh_from_db()  # As stored: PostgreSQL's jsonb reorders keys.
    return model
