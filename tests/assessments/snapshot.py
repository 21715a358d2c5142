"""A small but complete scoring-model snapshot, made by hand (tests and the submission bench).

Two sections; single, multiple, number and scale questions; a condition within a section
and one across sections; "don't know" where allowed; a risk rule.
"""

from typing import Any


def _weights(slurm: float, kubernetes: float, hybrid: float, feature: str | None = None) -> dict:
    points = {"slurm": slurm, "kubernetes": kubernetes, "hybrid": hybrid}
    return {
        option: {"points": p, "rationale": f"Rationale for {option}.", "feature": feature}
        for option, p in points.items()
    }


SNAPSHOT: dict[str, Any] = {
    "version": 1,
    "questionnaire": {"slug": "hpc-orchestration", "title": "Test questionnaire", "intro": ""},
    "options": [
        {"slug": "slurm", "name": "SLURM", "colour": "#1f6feb", "url": "/technologies/slurm/"},
        {
            "slug": "kubernetes",
            "name": "Kubernetes",
            "colour": "#326ce5",
            "url": "/technologies/kubernetes/",
        },
        {"slug": "hybrid", "name": "Hybrid", "colour": "#8a5a00", "url": "/technologies/hybrid/"},
    ],
    "sections": [
        {
            "title": "Workloads",
            "intro": "What runs on the cluster.",
            "questions": [
                {
                    "key": "workload_mix",
                    "text": "Which workload dominates?",
                    "help": "Pick the **largest** share.",
                    "kind": "single",
                    "required": True,
                    "importance": 1.0,
                    "allow_unknown": True,
                    "unit": "",
                    "min_value": None,
                    "max_value": None,
                    "condition": None,
                    "choices": [
                        {
                            "key": "mpi",
                            "label": "Tightly coupled MPI",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(3, -2, 1, "mpi-launch"),
                        },
                        {
                            "key": "services",
                            "label": "Long-running services",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(-2, 3, 1, "long-running-services"),
                        },
                        {
                            "key": "mixed",
                            "label": "A mix of both",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(0, 0, 3, None),
                        },
                    ],
                },
                {
                    "key": "mpi_share",
                    "text": "How much of the MPI work is latency-sensitive?",
                    "help": "",
                    "kind": "scale",
                    "required": True,
                    "importance": 1.0,
                    "allow_unknown": False,
                    "unit": "",
                    "min_value": None,
                    "max_value": None,
                    "condition": {"question": "workload_mix", "in": ["mpi", "mixed"]},
                    "choices": [
                        {
                            "key": str(n),
                            "label": label,
                            "lower": None,
                            "upper": None,
                            "weights": _weights(n - 3, 3 - n, 0, "network-latency"),
                        }
                        for n, label in enumerate(
                            ["None", "Little", "Some", "Most", "All"], start=1
                        )
                    ],
                },
                {
                    "key": "largest_job_nodes",
                    "text": "How many nodes does your largest job use?",
                    "help": "",
                    "kind": "number",
                    "required": False,
                    "importance": 1.0,
                    "allow_unknown": True,
                    "unit": "nodes",
                    "min_value": 1,
                    "max_value": 100000,
                    "condition": None,
                    "choices": [
                        {
                            "key": "small",
                            "label": "Up to 15",
                            "lower": None,
                            "upper": 16,
                            "weights": _weights(0, 1, 0, "node-scale"),
                        },
                        {
                            "key": "large",
                            "label": "16 or more",
                            "lower": 16,
                            "upper": None,
                            "weights": _weights(2, -1, 1, "node-scale"),
                        },
                    ],
                },
            ],
        },
        {
            "title": "Platform",
            "intro": "",
            "questions": [
                {
                    "key": "tools",
                    "text": "Which tools do you use?",
                    "help": "",
                    "kind": "multiple",
                    "required": False,
                    "importance": 1.0,
                    "allow_unknown": True,
                    "unit": "",
                    "min_value": None,
                    "max_value": None,
                    "condition": None,
                    "choices": [
                        {
                            "key": "containers",
                            "label": "Containers",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(0, 2, 1, "containers"),
                        },
                        {
                            "key": "apptainer",
                            "label": "Apptainer",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(2, -1, 1, "containers"),
                        },
                        {
                            "key": "kubeflow",
                            "label": "Kubeflow",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(-1, 3, 1, "mlops-integration"),
                        },
                    ],
                },
                {
                    "key": "serving_share",
                    "text": "How important is model serving?",
                    "help": "",
                    "kind": "scale",
                    "required": True,
                    "importance": 1.5,
                    "allow_unknown": True,
                    "unit": "",
                    "min_value": None,
                    "max_value": None,
                    "condition": {"question": "workload_mix", "in": ["services", "mixed"]},
                    "choices": [
                        {
                            "key": str(n),
                            "label": f"Level {n}",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(1 - n, n - 1, 1, "long-running-services"),
                        }
                        for n in range(1, 6)
                    ],
                },
                {
                    "key": "interconnect",
                    "text": "Which interconnect do you have?",
                    "help": "",
                    "kind": "single",
                    "required": True,
                    "importance": 1.0,
                    "allow_unknown": False,
                    "unit": "",
                    "min_value": None,
                    "max_value": None,
                    "condition": None,
                    "choices": [
                        {
                            "key": "infiniband",
                            "label": "InfiniBand",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(2, -1, 1, "hpc-fabric"),
                        },
                        {
                            "key": "ethernet",
                            "label": "Ethernet",
                            "lower": None,
                            "upper": None,
                            "weights": _weights(0, 1, 0, "hpc-fabric"),
                        },
                    ],
                },
            ],
        },
    ],
    "risks": [
        {
            "id": 1,
            "option": None,
            "level": "high",
            "title": "MPI over Ethernet",
            "description": "Latency-bound MPI on Ethernet scales poorly.",
            "improvement": "Plan an RDMA-capable fabric.",
            "feature": "network-latency",
            "when": {"workload_mix": ["mpi"], "interconnect": ["ethernet"]},
        }
    ],
}

# A complete, valid answer set for SNAPSHOT (MPI: serving_share stays hidden).
MPI_ANSWERS: dict[str, Any] = {
    "workload_mix": "mpi",
    "mpi_share": "4",
    "largest_job_nodes": 128,
    "tools": ["apptainer"],
    "interconnect": "infiniband",
}
