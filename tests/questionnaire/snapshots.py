"""Small hand-made snapshots for engine tests, in the contract's shape."""

from typing import Any

OPTIONS = ["slurm", "kubernetes", "slurm-on-kubernetes", "flux", "hybrid"]


def weights(**points: float) -> dict[str, Any]:
    """``weights(slurm=3, slurm_on_kubernetes=1)`` → the snapshot's weights mapping."""
    return {
        slug.replace("_", "-"): {
            "points": float(value),
            "rationale": f"{slug} gets {value}",
            "feature": "mpi-launch",
        }
        for slug, value in points.items()
    }


def choice(key: str, label: str | None = None, lower=None, upper=None, **points: float):
    return {
        "key": key,
        "label": label or key.title(),
        "lower": lower,
        "upper": upper,
        "weights": weights(**points),
    }


def question(key: str, *choices, kind="single", condition=None, **extra) -> dict[str, Any]:
    return {
        "key": key,
        "text": f"{key}?",
        "help": "",
        "kind": kind,
        "required": extra.pop("required", True),
        "importance": extra.pop("importance", 1.0),
        "allow_unknown": extra.pop("allow_unknown", False),
        "unit": extra.pop("unit", ""),
        "min_value": extra.pop("min_value", None),
        "max_value": extra.pop("max_value", None),
        "condition": condition,
        "choices": list(choices),
    }


def snapshot(*questions, risks=(), options=OPTIONS, version=3) -> dict[str, Any]:
    return {
        "version": version,
        "questionnaire": {"slug": "test", "title": "Test", "intro": ""},
        "options": [
            {"slug": s, "name": s.upper(), "colour": "#000000", "url": ""} for s in options
        ],
        "sections": [{"title": "Only", "intro": "", "questions": list(questions)}],
        "risks": list(risks),
    }


def small() -> dict[str, Any]:
    """Four questions, one of each kind, one conditional, one risk rule."""
    return snapshot(
        question(
            "mix",
            choice("mpi", "MPI", slurm=3, kubernetes=-2, flux=2),
            choice("services", "Services", slurm=-2, kubernetes=3, hybrid=1),
            choice("both", "Both", hybrid=3, slurm_on_kubernetes=2),
            allow_unknown=True,
        ),
        question(
            "latency",
            *[
                choice(str(i), str(i), slurm=i - 3, kubernetes=3 - i, flux=i - 3)
                for i in range(1, 6)
            ],
            kind="scale",
            condition={"question": "mix", "in": ["mpi", "both"]},
        ),
        question(
            "nodes",
            choice("small", "Under 8", upper=8, kubernetes=1),
            choice("medium", "8 to 499", lower=8, upper=500, slurm=1, flux=1),
            choice("large", "500 or more", lower=500, slurm=2, kubernetes=-2, flux=2),
            kind="number",
            unit="nodes",
            min_value=1,
            max_value=100000,
            allow_unknown=True,
            required=False,
        ),
        question(
            "tools",
            choice("kubeflow", "Kubeflow", kubernetes=2, slurm_on_kubernetes=1, slurm=-1),
            choice("ray", "Ray", kubernetes=1, hybrid=1),
            choice("wrappers", "Wrappers", slurm=2),
            kind="multiple",
            required=False,
        ),
        risks=[
            {
                "id": 7,
                "option": "kubernetes",
                "level": "high",
                "title": "MPI latency",
                "description": "d",
                "improvement": "SR-IOV",
                "feature": "network-latency",
                "when": {"mix": ["mpi"], "latency": ["4", "5"]},
            },
            {
                "id": 8,
                "option": None,
                "level": "low",
                "title": "Big jobs",
                "description": "d",
                "improvement": "i",
                "feature": "node-scale",
                "when": {"nodes": ["large"]},
            },
            {
                "id": 9,
                "option": "slurm",
                "level": "medium",
                "title": "Services on Slurm",
                "description": "d",
                "improvement": "i",
                "feature": "long-running-services",
                "when": {"tools": ["ray", "kubeflow"]},
            },
        ],
    )
