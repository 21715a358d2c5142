"""Builds a scoring-model snapshot straight from fixture JSON, without a database.

The benchmark and the persona tests use it to score the real questionnaire quickly;
``test_fixture_model`` proves it equals what ``services.build_snapshot`` makes from the
same rows loaded into the database.
"""

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE_FIXTURE = ROOT / "fixtures" / "040_questionnaire.json"
CATALOG_FIXTURE = ROOT / "fixtures" / "010_catalog.json"
TEST_CATALOG_FIXTURE = Path(__file__).resolve().parent / "catalog_for_tests.json"


def catalog_fixture() -> Path:
    """The real catalog when it is there, else the test-only stand-in."""
    return CATALOG_FIXTURE if CATALOG_FIXTURE.exists() else TEST_CATALOG_FIXTURE


def without_urls(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot minus option links, which depend on the catalog's routes."""
    return {
        **snapshot,
        "options": [{k: v for k, v in o.items() if k != "url"} for o in snapshot["options"]],
    }


def _rows(path: Path, model: str) -> list[dict[str, Any]]:
    return [row for row in json.loads(path.read_text()) if row["model"] == model]


def _options(catalog: Path) -> list[dict[str, Any]]:
    technologies = [
        row["fields"]
        for row in _rows(catalog, "catalog.technology")
        if row["fields"].get("is_option")
    ]
    technologies.sort(key=lambda t: (t.get("order", 0), t["name"]))
    return [
        {
            "slug": t["slug"],
            "name": t["name"],
            "colour": t.get("colour", "#4c5b70"),
            "url": f"/technologies/{t['slug']}/",
        }
        for t in technologies
    ]


def _natural(value: list[str] | None) -> str | None:
    return value[0] if value else None


def snapshot_from_fixture(
    path: Path = QUESTIONNAIRE_FIXTURE, catalog: Path | None = None, *, version: int = 1
) -> dict[str, Any]:
    """The snapshot ``build_snapshot`` would make after loading these fixtures."""
    catalog = catalog or catalog_fixture()
    questionnaire = _rows(path, "questionnaire.questionnaire")[0]
    sections = sorted(
        _rows(path, "questionnaire.section"), key=lambda r: (r["fields"]["order"], r["pk"])
    )
    questions = _rows(path, "questionnaire.question")
    choices = _rows(path, "questionnaire.choice")
    weights = _rows(path, "questionnaire.weight")
    options = _options(catalog)
    option_order = {o["slug"]: i for i, o in enumerate(options)}
    key_by_pk = {q["pk"]: q["fields"]["key"] for q in questions}

    weights_by_choice: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for w in weights:
        weights_by_choice[w["fields"]["choice"]].append(w["fields"])
    choices_by_question: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in sorted(choices, key=lambda r: (r["fields"]["order"], r["pk"])):
        choices_by_question[c["fields"]["question"]].append(c)

    def choice(c: dict[str, Any]) -> dict[str, Any]:
        fields = c["fields"]
        applied = sorted(
            (w for w in weights_by_choice[c["pk"]] if w["option"][0] in option_order),
            key=lambda w: option_order[w["option"][0]],
        )
        return {
            "key": fields["key"],
            "label": fields["label"],
            "lower": fields["lower"],
            "upper": fields["upper"],
            "weights": {
                w["option"][0]: {
                    "points": float(w["points"]),
                    "rationale": w["rationale"],
                    "feature": _natural(w.get("feature")),
                }
                for w in applied
            },
        }

    def question(q: dict[str, Any]) -> dict[str, Any]:
        f = q["fields"]
        condition = None
        if f["condition_question"]:
            condition = {
                "question": key_by_pk[f["condition_question"]],
                "in": f["condition_values"],
            }
        return {
            "key": f["key"],
            "text": f["text"],
            "help": f["help_text"],
            "kind": f["kind"],
            "required": f["required"],
            "importance": float(f["importance"]),
            "allow_unknown": f["allow_unknown"],
            "unit": f["unit"],
            "min_value": f["min_value"],
            "max_value": f["max_value"],
            "condition": condition,
            "choices": [choice(c) for c in choices_by_question[q["pk"]]],
        }

    position = {}
    for s in sections:
        for q in sorted(
            (q for q in questions if q["fields"]["section"] == s["pk"]),
            key=lambda r: (r["fields"]["order"], r["pk"]),
        ):
            position[q["pk"]] = len(position)
    choice_rows = {c["pk"]: c for c in choices}

    def when(pks: list[int]) -> dict[str, list[str]]:
        picked = sorted(
            (choice_rows[pk] for pk in pks),
            key=lambda c: (position[c["fields"]["question"]], c["fields"]["order"], c["pk"]),
        )
        out: dict[str, list[str]] = {}
        for c in picked:
            out.setdefault(key_by_pk[c["fields"]["question"]], []).append(c["fields"]["key"])
        return out

    return {
        "version": version,
        "questionnaire": {
            "slug": questionnaire["fields"]["slug"],
            "title": questionnaire["fields"]["title"],
            "intro": questionnaire["fields"]["intro"],
        },
        "options": options,
        "sections": [
            {
                "title": s["fields"]["title"],
                "intro": s["fields"]["intro"],
                "questions": [
                    question(q)
                    for q in sorted(
                        (q for q in questions if q["fields"]["section"] == s["pk"]),
                        key=lambda r: (r["fields"]["order"], r["pk"]),
                    )
                ],
            }
            for s in sections
        ],
        "risks": [
            {
                "id": r["pk"],
                "option": _natural(r["fields"]["option"]),
                "level": r["fields"]["level"],
                "title": r["fields"]["title"],
                "description": r["fields"]["description"],
                "improvement": r["fields"]["improvement"],
                "feature": _natural(r["fields"]["feature"]),
                "when": when(r["fields"]["choices"]),
            }
            for r in sorted(_rows(path, "questionnaire.riskrule"), key=lambda r: r["pk"])
        ],
        "rules": {"fit_basis": "answered", "high_risk_caps_confidence": True},
    }
