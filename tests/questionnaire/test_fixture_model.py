"""The starting questionnaire (fixtures/040_questionnaire.json): its shape, its weights, and
the recommendation it gives realistic prospects."""

import json
import re

import pytest
from django.core.management import call_command

from apps.questionnaire.forms import validate_answers
from apps.questionnaire.models import Question, ScoringModel
from apps.questionnaire.scoring import score
from apps.questionnaire.services import snapshot_problems

from .fixture_snapshot import CATALOG_FIXTURE, ROOT, snapshot_from_fixture, without_urls
from .personas import PERSONAS

SNAPSHOT = snapshot_from_fixture()
V1_FIXTURE = ROOT / "fixtures" / "045_scoring_model_v1.json"
QUESTIONS = [q for s in SNAPSHOT["sections"] for q in s["questions"]]
FEATURES = {
    "design-target", "long-running-services", "mlops-integration", "heterogeneous-jobs",
    "high-throughput", "scheduling-model", "backfill", "gang-scheduling", "fair-share",
    "quotas-qos", "preemption", "reservations", "gpu-request", "gpu-sharing",
    "device-abstraction", "topology-aware-placement", "mpi-launch", "hpc-fabric",
    "network-latency", "node-scale", "control-plane", "elasticity", "multi-cluster",
    "upgrades-availability", "metrics-health", "containers", "shared-filesystems",
    "user-access", "accounting", "security-model", "rest-api", "community-maturity",
    "commercial-support", "licence-governance",
}  # fmt: skip
needs_catalog = pytest.mark.skipif(
    not CATALOG_FIXTURE.exists(),
    reason="fixtures/010_catalog.json (technologies, features) arrives with the catalog branch",
)


@pytest.mark.parametrize(("name", "expected", "answers"), [(n, *p) for n, p in PERSONAS.items()])
def test_it_recommends_what_an_expert_would_for_each_persona(name, expected, answers):
    # Raises ValidationError when the site would refuse the answers.
    validate_answers(SNAPSHOT, answers)

    result = score(SNAPSHOT, answers)

    assert result["recommendation"] == expected, result["scores"]


def test_it_covers_the_required_question_kinds_and_features():
    kinds = [q["kind"] for q in QUESTIONS]

    assert len(QUESTIONS) >= 22
    assert len(SNAPSHOT["sections"]) >= 6
    assert kinds.count("number") >= 2
    assert all(q["choices"] and q["unit"] for q in QUESTIONS if q["kind"] == "number")
    assert kinds.count("scale") >= 1
    assert kinds.count("multiple") >= 2
    assert sum(1 for q in QUESTIONS if q["condition"]) >= 3
    assert sum(1 for q in QUESTIONS if q["allow_unknown"]) >= 6
    assert len(SNAPSHOT["risks"]) >= 8
    assert snapshot_problems(SNAPSHOT) == []


def test_it_bands_the_cluster_size_at_5000_and_65000_nodes():
    cluster = next(q for q in QUESTIONS if q["key"] == "cluster_nodes")

    assert [c["lower"] for c in cluster["choices"]] == [None, 5000, 65000]


def test_it_links_every_help_text_to_a_source():
    unlinked = [q["key"] for q in QUESTIONS if not re.search(r"\]\(https://", q["help"])]

    assert unlinked == []


def test_it_gives_every_weight_a_rationale_and_a_matrix_row():
    options = {o["slug"] for o in SNAPSHOT["options"]}
    weights = [w for q in QUESTIONS for c in q["choices"] for w in c["weights"].items()]

    assert len(weights) > 250
    assert all(slug in options for slug, _ in weights)
    assert all(len(w["rationale"]) > 10 and w["feature"] in FEATURES for _, w in weights)
    assert {r["feature"] for r in SNAPSHOT["risks"]} <= FEATURES


def test_it_weighs_every_option_somewhere():
    weighted = {slug for q in QUESTIONS for c in q["choices"] for slug in c["weights"]}

    assert weighted == {"slurm", "kubernetes", "slurm-on-kubernetes", "flux", "hybrid"}


def test_it_warns_about_mpi_latency_when_kubernetes_meets_infiniband():
    _, answers = PERSONAS["cloud-native inference platform"]
    answers = {
        **answers,
        "interconnect": "infiniband",
        "mpi_share": "half",
        "latency_sensitivity": "2",
    }

    result = score(SNAPSHOT, answers)

    assert result["recommendation"] == "kubernetes"
    assert "MPI latency on the pod network" in [r["title"] for r in result["risks"]]


@needs_catalog
def test_it_loads_and_publishes_the_starting_content(db):
    call_command("seed", "--no-demo-users", verbosity=0)
    call_command("seed", "--no-demo-users", verbosity=0)

    # Version 1 as it was published (its fixture), version 2 published from the shipped draft
    # through the publish step, with its calibration against the case library.
    first, model = ScoringModel.objects.order_by("version")
    assert (first.version, model.version) == (1, 2)
    assert first.snapshot == json.loads(V1_FIXTURE.read_text())[0]["fields"]["snapshot"]
    assert first.snapshot.get("rules") is None
    assert Question.objects.count() == len(QUESTIONS)
    assert without_urls(model.snapshot) == without_urls({**SNAPSHOT, "version": 2})
    assert model.calibration["current"]["version"] == 1
    assert model.calibration["top1"] >= model.calibration["current"]["top1"]
    assert "Version 2" in model.change_summary
