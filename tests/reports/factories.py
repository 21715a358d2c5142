"""Test data for reports, share links and the dashboard: a fixture-like scoring model and leads.

The snapshot and result follow the contracts in the brief (scoring-model snapshot, engine
result) without calling the engine, so these tests check rendering and workflows only.
"""

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.assessments.models import Assessment
from apps.catalog.models import Category, Feature, MatrixCell, Technology
from apps.core.tokens import new_token
from apps.questionnaire.models import Questionnaire, ScoringModel

OPTIONS = [
    ("slurm", "SLURM", "#1f6feb"),
    ("kubernetes", "Kubernetes", "#6f42c1"),
    ("slurm-on-kubernetes", "Slurm on Kubernetes", "#0f7b6c"),
    ("flux", "Flux", "#b35900"),
    ("hybrid", "Hybrid (SLURM + Kubernetes)", "#c2185b"),
]

FEATURES = [
    ("networking", "mpi-launch", "MPI launch"),
    ("networking", "hpc-fabric", "HPC fabric"),
    ("networking", "network-latency", "Network latency"),
    ("accelerators", "gpu-sharing", "GPU sharing"),
    ("accelerators", "topology-aware-placement", "Topology-aware placement"),
    ("workloads", "long-running-services", "Long-running services"),
    ("workloads", "mlops-integration", "MLOps integration"),
    ("scheduling", "fair-share", "Fair share"),
    ("operations", "elasticity", "Elasticity"),
    ("platform", "containers", "Containers"),
]

# question key -> (section, kind, text, unit, condition, [(choice key, label, lower, upper,
# {option: (points, feature)})])
S, K, H, F, X = "slurm", "kubernetes", "hybrid", "flux", "slurm-on-kubernetes"
QUESTIONS: list[tuple[str, str, str, str, str, Any, list]] = [
    (
        "Workloads",
        "workload_mix",
        "single",
        "What do your jobs mostly look like?",
        "",
        None,
        [
            (
                "mpi",
                "Tightly coupled MPI jobs",
                None,
                None,
                {S: (3, "mpi-launch"), F: (2, "mpi-launch"), K: (-2, "mpi-launch")},
            ),
            (
                "ai_training",
                "Distributed AI training",
                None,
                None,
                {X: (2, "gpu-sharing"), H: (1, None), K: (1, None)},
            ),
            (
                "services",
                "Services and model serving",
                None,
                None,
                {K: (3, "long-running-services"), S: (-2, "long-running-services")},
            ),
            ("mixed", "A mix of batch and services", None, None, {H: (3, None), X: (2, None)}),
        ],
    ),
    (
        "Workloads",
        "mpi_share",
        "number",
        "What share of node hours goes to MPI?",
        "%",
        {"question": "workload_mix", "in": ["mpi", "mixed"]},
        [
            ("low", "Under 20 %", None, 20, {K: (1, None)}),
            ("mid", "20 to 60 %", 20, 60, {H: (1, None)}),
            ("high", "60 % or more", 60, None, {S: (2, "mpi-launch")}),
        ],
    ),
    (
        "Workloads",
        "job_duration",
        "single",
        "How long do typical jobs run?",
        "",
        None,
        [
            ("minutes", "Minutes", None, None, {K: (1, None), F: (1, None)}),
            ("hours", "Hours", None, None, {S: (1, None)}),
            ("days", "Days", None, None, {S: (2, None), H: (1, None)}),
        ],
    ),
    (
        "Workloads",
        "job_volume",
        "number",
        "How many jobs run per day?",
        "jobs",
        None,
        [
            ("few", "Fewer than 1,000", None, 1000, {}),
            ("many", "1,000 to 100,000", 1000, 100000, {S: (1, None), F: (1, None)}),
            ("huge", "100,000 or more", 100000, None, {F: (2, None)}),
        ],
    ),
    (
        "Workloads",
        "long_running_services",
        "single",
        "Do you run long-lived services next to batch work?",
        "",
        None,
        [
            ("no", "No", None, None, {S: (2, None)}),
            ("some", "A few", None, None, {H: (2, "long-running-services")}),
            (
                "yes",
                "Many",
                None,
                None,
                {K: (3, "long-running-services"), S: (-3, "long-running-services")},
            ),
        ],
    ),
    (
        "Scale",
        "largest_job_nodes",
        "number",
        "How many nodes does your largest job use?",
        "nodes",
        None,
        [
            ("small", "Fewer than 8", None, 8, {K: (1, None)}),
            ("medium", "8 to 63", 8, 64, {S: (1, None), H: (1, None)}),
            (
                "large",
                "64 or more",
                64,
                None,
                {S: (3, "hpc-fabric"), F: (2, "hpc-fabric"), K: (-2, "network-latency")},
            ),
        ],
    ),
    (
        "Scale",
        "cluster_nodes",
        "number",
        "How many nodes does the cluster have?",
        "nodes",
        None,
        [
            ("small", "Fewer than 50", None, 50, {K: (1, None)}),
            ("large", "50 or more", 50, None, {S: (1, None)}),
        ],
    ),
    (
        "Scale",
        "interconnect",
        "single",
        "Which interconnect do the nodes use?",
        "",
        None,
        [
            ("infiniband", "InfiniBand", None, None, {S: (2, "hpc-fabric"), K: (-1, "hpc-fabric")}),
            ("roce", "RoCE", None, None, {H: (1, "hpc-fabric")}),
            ("ethernet", "Plain Ethernet", None, None, {K: (2, None)}),
        ],
    ),
    (
        "Scale",
        "elasticity",
        "single",
        "Does capacity grow and shrink on demand?",
        "",
        None,
        [
            ("fixed", "Fixed", None, None, {S: (1, None)}),
            ("elastic", "Elastic", None, None, {K: (2, "elasticity")}),
        ],
    ),
    (
        "Accelerators",
        "gpus",
        "single",
        "How many nodes have GPUs?",
        "",
        None,
        [
            ("none", "None", None, None, {}),
            ("some", "Some", None, None, {H: (1, None)}),
            ("most", "Most", None, None, {X: (1, "topology-aware-placement")}),
        ],
    ),
    (
        "Accelerators",
        "gpu_sharing",
        "single",
        "Do several jobs share a GPU?",
        "",
        {"question": "gpus", "in": ["some", "most"]},
        [
            ("no", "No", None, None, {S: (1, None)}),
            ("yes", "Yes", None, None, {K: (2, "gpu-sharing")}),
        ],
    ),
    (
        "Accelerators",
        "topology",
        "scale",
        "How much does GPU topology matter?",
        "",
        None,
        [
            (str(n), str(n), None, None, {S: (n - 3, "topology-aware-placement")})
            for n in range(1, 6)
        ],
    ),
    (
        "Platform",
        "containers",
        "single",
        "How are applications packaged?",
        "",
        None,
        [
            ("modules", "Environment modules", None, None, {S: (2, None)}),
            ("containers", "Containers", None, None, {K: (2, "containers"), X: (1, "containers")}),
        ],
    ),
    (
        "Platform",
        "mlops_tools",
        "multiple",
        "Which MLOps tools do you use?",
        "",
        None,
        [
            ("kubeflow", "Kubeflow", None, None, {K: (2, "mlops-integration"), X: (1, None)}),
            ("mlflow", "MLflow", None, None, {H: (1, None)}),
            ("ray", "Ray", None, None, {K: (1, None)}),
            ("none", "None", None, None, {S: (1, None)}),
        ],
    ),
    (
        "Platform",
        "filesystems",
        "single",
        "Do jobs use a parallel file system?",
        "",
        None,
        [
            ("yes", "Yes", None, None, {S: (1, None)}),
            ("no", "No", None, None, {K: (1, None)}),
        ],
    ),
    (
        "Platform",
        "cloud_bursting",
        "single",
        "Do you burst to the cloud?",
        "",
        None,
        [
            ("no", "No", None, None, {}),
            ("yes", "Yes", None, None, {K: (1, "elasticity"), H: (1, None)}),
        ],
    ),
    (
        "Team",
        "team_skills",
        "multiple",
        "What does your team already run?",
        "",
        None,
        [
            ("hpc_admin", "HPC clusters", None, None, {S: (2, None)}),
            ("k8s_ops", "Kubernetes", None, None, {K: (2, None), X: (1, None)}),
            ("devops", "CI/CD pipelines", None, None, {K: (1, None)}),
        ],
    ),
    (
        "Team",
        "user_base",
        "single",
        "Who submits the work?",
        "",
        None,
        [
            ("researchers", "Researchers with shell access", None, None, {S: (2, None)}),
            ("developers", "Developers through pipelines", None, None, {K: (2, None)}),
        ],
    ),
    (
        "Team",
        "multi_tenancy",
        "scale",
        "How many groups share the cluster?",
        "",
        None,
        [(str(n), str(n), None, None, {S: ((n - 1) / 2, "fair-share")}) for n in range(1, 6)],
    ),
    (
        "Team",
        "fair_share",
        "single",
        "Do groups need fair-share accounting?",
        "",
        None,
        [
            ("yes", "Yes", None, None, {S: (2, "fair-share")}),
            ("no", "No", None, None, {}),
        ],
    ),
    (
        "Governance",
        "compliance",
        "single",
        "Do you work under strict compliance rules?",
        "",
        None,
        [
            ("yes", "Yes", None, None, {S: (1, None)}),
            ("no", "No", None, None, {}),
        ],
    ),
    (
        "Governance",
        "support",
        "single",
        "Do you need commercial support?",
        "",
        None,
        [
            ("yes", "Yes", None, None, {K: (1, None), S: (1, None)}),
            ("no", "No", None, None, {F: (1, None)}),
        ],
    ),
]

RISKS = [
    {
        "id": 1,
        "option": "slurm",
        "level": "medium",
        "title": "Services beside batch work",
        "description": "Long-lived services need a second platform next to the batch scheduler.",
        "improvement": "Plan a small Kubernetes cluster for services.",
        "feature": "long-running-services",
        "when": {"long_running_services": ["some", "yes"]},
    },
    {
        "id": 2,
        "option": None,
        "level": "high",
        "title": "MPI over plain Ethernet",
        "description": "Tightly coupled jobs suffer from the latency of plain Ethernet.",
        "improvement": "Budget for RoCE or InfiniBand before scaling out.",
        "feature": "network-latency",
        "when": {"interconnect": ["ethernet"], "workload_mix": ["mpi"]},
    },
    {
        "id": 3,
        "option": "kubernetes",
        "level": "high",
        "title": "Gang scheduling",
        "description": "Batch add-ons are needed for all-or-nothing placement.",
        "improvement": "Adopt Kueue or Volcano.",
        "feature": "mpi-launch",
        "when": {"workload_mix": ["mpi", "mixed"]},
    },
]

ANSWERS: dict[str, Any] = {
    "workload_mix": "mpi",
    "mpi_share": 75,
    "job_duration": "hours",
    "job_volume": 5000,
    "long_running_services": "some",
    "largest_job_nodes": 128,
    "cluster_nodes": 400,
    "interconnect": "infiniband",
    "elasticity": "fixed",
    "gpus": "some",
    "gpu_sharing": "unknown",
    "topology": "4",
    "containers": "containers",
    "mlops_tools": ["mlflow", "ray"],
    "filesystems": "yes",
    "cloud_bursting": "no",
    "team_skills": ["hpc_admin"],
    "user_base": "researchers",
    "multi_tenancy": "4",
    "fair_share": "yes",
    "compliance": "no",
    "support": "yes",
}


def make_catalog() -> list[Technology]:
    """The five options and the matrix rows the snapshot's weights point at."""
    techs = [
        Technology.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "colour": colour,
                "is_option": True,
                "order": n,
                "kind": Technology.Kind.SCHEDULER,
                "tagline": name,
                "description": name,
            },
        )[0]
        for n, (slug, name, colour) in enumerate(OPTIONS)
    ]
    for n, (cat_slug, slug, name) in enumerate(FEATURES):
        category = Category.objects.get_or_create(
            slug=cat_slug, defaults={"name": cat_slug.title()}
        )[0]
        feature = Feature.objects.update_or_create(
            slug=slug, defaults={"name": name, "category": category, "order": n}
        )[0]
        for m, tech in enumerate(techs):
            MatrixCell.objects.update_or_create(
                feature=feature,
                technology=tech,
                defaults={"rating": (n + m) % 5, "summary": f"{tech.name} on {name.lower()}"},
            )
    return techs


def sample_snapshot(version: int = 1, weights_scale: dict[str, float] | None = None) -> dict:
    """A snapshot shaped like the fixture's: 22 questions in 6 sections, 5 options, 3 risks."""
    scale = weights_scale or {}
    sections: dict[str, list] = {}
    for section, key, kind, text, unit, condition, choices in QUESTIONS:
        sections.setdefault(section, []).append(
            {
                "key": key,
                "text": text,
                "help": "",
                "kind": kind,
                "required": True,
                "importance": 1.0,
                "allow_unknown": key in {"gpu_sharing", "interconnect"},
                "unit": unit,
                "min_value": 0 if kind == "number" else None,
                "max_value": None,
                "condition": condition,
                "choices": [
                    {
                        "key": ck,
                        "label": label,
                        "lower": lower,
                        "upper": upper,
                        "weights": {
                            opt: {
                                "points": pts * scale.get(opt, 1.0),
                                "rationale": f"{label} suits {opt}.",
                                "feature": feat,
                            }
                            for opt, (pts, feat) in weights.items()
                        },
                    }
                    for ck, label, lower, upper, weights in choices
                ],
            }
        )
    return {
        "version": version,
        "questionnaire": {"slug": "hpc-orchestration", "title": "HPC orchestration", "intro": ""},
        "options": [
            {"slug": slug, "name": name, "colour": colour, "url": f"/technologies/{slug}/"}
            for slug, name, colour in OPTIONS
        ],
        "sections": [
            {"title": title, "intro": "", "questions": qs} for title, qs in sections.items()
        ],
        "risks": RISKS,
    }


def make_scoring_model(version: int = 1, **kwargs: Any) -> ScoringModel:
    questionnaire = Questionnaire.objects.get_or_create(
        slug="hpc-orchestration", defaults={"title": "HPC orchestration"}
    )[0]
    snapshot = sample_snapshot(version, **kwargs)
    checksum = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    return ScoringModel.objects.create(
        questionnaire=questionnaire, version=version, snapshot=snapshot, checksum=checksum
    )


def sample_result(snapshot: dict, answers: dict, recommendation: str = "slurm") -> dict:
    """An engine result in the contract's shape with the given option ranked first."""
    slugs = [o["slug"] for o in snapshot["options"]]
    order = [recommendation] + [s for s in slugs if s != recommendation]
    fits = {slug: round(82.5 - 14.0 * n, 1) for n, slug in enumerate(order)}
    contributions = []
    for section in snapshot["sections"]:
        for q in section["questions"]:
            value = answers.get(q["key"])
            for choice in q["choices"]:
                picked = (
                    choice["key"] in value
                    if isinstance(value, list)
                    else choice["key"] == str(value)
                )
                if q["kind"] == "number" and isinstance(value, int | float):
                    picked = (choice["lower"] is None or value >= choice["lower"]) and (
                        choice["upper"] is None or value < choice["upper"]
                    )
                if not picked:
                    continue
                contributions.extend(
                    {
                        "question": q["key"],
                        "question_text": q["text"],
                        "answer": choice["key"],
                        "answer_label": choice["label"],
                        "option": opt,
                        "points": w["points"],
                        "rationale": w["rationale"],
                        "feature": w["feature"],
                    }
                    for opt, w in choice["weights"].items()
                )
    contributions.sort(key=lambda c: -abs(c["points"]))
    return {
        "model_version": snapshot["version"],
        "recommendation": recommendation,
        "runner_up": order[1],
        "margin": 14.0,
        "confidence": 0.74,
        "confidence_label": "high",
        "close_call": False,
        "close_call_note": None,
        "scores": {
            s: {"points": fits[s] / 4, "fit": fits[s], "rank": order.index(s) + 1} for s in slugs
        },
        "contributions": contributions,
        "risks": [
            {
                k: r[k]
                for k in ("id", "level", "title", "description", "improvement", "option", "feature")
            }
            for r in snapshot["risks"]
            if r["option"] in (recommendation, None)
        ],
        "sensitivity": [
            {
                "question": "interconnect",
                "question_text": "Which interconnect do the nodes use?",
                "current": "infiniband",
                "current_label": "InfiniBand",
                "alternatives": [
                    {
                        "answer": "ethernet",
                        "label": "Plain Ethernet",
                        "recommendation": "kubernetes",
                    }
                ],
            }
        ],
        "what_if": [
            {
                "question": "largest_job_nodes",
                "question_text": "How many nodes does your largest job use?",
                "unit": "nodes",
                "x": [1, 8, 64, 256],
                "fits": {s: [max(0.0, fits[s] - 10 + 5 * n) for n in range(4)] for s in slugs},
            }
        ],
        "unknown": [k for k, v in answers.items() if v == "unknown"],
        "answered": len(answers),
        "shown": len(answers),
    }


def make_assessment(
    *,
    scoring_model: ScoringModel | None = None,
    recommendation: str = "slurm",
    status: str = Assessment.Status.SCORED,
    answers: dict | None = None,
    **fields: Any,
) -> tuple[Assessment, str]:
    """A submitted assessment (scored unless told otherwise) and its raw private token."""
    raw, digest = new_token()
    answers = dict(ANSWERS if answers is None else answers)
    values: dict[str, Any] = {
        "token_hash": digest,
        "status": status,
        "answers": answers,
        "contact_name": "Ada Lovelace",
        "contact_email": "ada@example.org",
        "company": "Analytical Engines Ltd",
        "role": "Head of HPC",
        "consent": True,
        "submitted_at": timezone.now() - timedelta(hours=1),
    }
    if status == Assessment.Status.SCORED:
        model = scoring_model or ScoringModel.objects.latest_published() or make_scoring_model()
        result = sample_result(model.snapshot, answers, recommendation)
        values.update(
            scoring_model=model,
            result=result,
            recommendation=Technology.objects.filter(slug=recommendation).first(),
            fit=result["scores"][recommendation]["fit"],
            confidence=result["confidence"],
            scored_at=timezone.now(),
        )
    values.update(fields)
    return Assessment.objects.create(**values), raw
