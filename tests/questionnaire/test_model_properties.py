"""Sensible behaviour of the shipped scoring model (fixtures/040_questionnaire.json), checked
over random prospects: what an HPC engineer would expect whatever else was answered."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.questionnaire.scoring import clean_answers, compile_model, score

from .fixture_snapshot import snapshot_from_fixture

MODEL = compile_model(snapshot_from_fixture(version=2))
QUESTIONS = [q for s in MODEL.snapshot["sections"] for q in s["questions"]]
BY_KEY = {q["key"]: q for q in QUESTIONS}
KUBERNETES_BASED = {"kubernetes", "slurm-on-kubernetes", "hybrid"}
# Answers that state no need: each must leave every fit as if the question were skipped.
NO_NEED = [
    ("mpi_share", "none"),
    ("largest_job_nodes", 4),
    ("job_volume", 200),
    ("latency_sensitivity", "1"),
    ("latency_sensitivity", "2"),
    ("gpus", "none"),
    ("gpu_sharing", "whole"),
    ("gpu_sharing", "static_mig"),
    ("nvlink_racks", "no"),
    ("mlops_tools", ["none"]),
    ("accounting", "no"),
    ("fair_share", "first_come"),
    ("preemption", "none"),
    ("backfill", "no"),
    ("reservations", "no"),
    ("cluster_nodes", 1000),
    ("storage", ["object"]),
    ("storage", ["nfs"]),
    ("cloud", "on_prem"),
    ("multi_site", "one"),
    ("existing_estate", "nothing"),
    ("isolation", "trusted"),
    ("isolation", "per_tenant"),
    ("vendor_neutrality", "no_preference"),
]
# (question, the answer that needs something, an option lacking it, an option that has it)
NEEDS = [
    ("reservations", "yes", "flux", "slurm"),
    ("reservations", "yes", "kubernetes", "slurm-on-kubernetes"),
    ("accounting", "yes", "kubernetes", "slurm"),
    ("backfill", "yes", "kubernetes", "flux"),
    ("fair_share", "fair_share", "kubernetes", "slurm"),
    ("multi_site", "several", "flux", "kubernetes"),
    ("latency_sensitivity", "5", "kubernetes", "flux"),
]


def _answer(q):
    keys = [c["key"] for c in q["choices"]]
    options = [st.none(), st.just("unknown")] if q["allow_unknown"] else [st.none()]
    if q["kind"] == "number":
        options.append(st.integers(int(q["min_value"] or 0), int(q["max_value"] or 10**6)))
    elif q["kind"] == "multiple":
        options.append(st.lists(st.sampled_from(keys), min_size=1, unique=True))
    else:
        options.append(st.sampled_from(keys))
    return st.one_of(*options)


prospects = st.fixed_dictionaries({q["key"]: _answer(q) for q in QUESTIONS}).map(
    lambda answers: {k: v for k, v in answers.items() if v is not None}
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rank(answers, option):
    """1 + the number of options that fit strictly better (ties share a place: the engine's
    tie-break by option order says nothing about the answers)."""
    fits = {o: s["fit"] for o, s in score(MODEL, answers)["scores"].items()}
    return 1 + sum(1 for fit in fits.values() if fit > fits[option])


def _without(answers, key):
    return {k: v for k, v in answers.items() if k != key}


def _fit(answers, option):
    return score(MODEL, answers)["scores"][option]["fit"]


@PROPERTY
@given(prospects)
def test_more_multi_node_mpi_never_counts_against_slurm(answers):
    shares = ("none", "some", "half", "most")
    fits = {
        option: [_fit({**answers, "mpi_share": share}, option) for share in shares]
        for option in ("slurm", "kubernetes")
    }
    ranks = [_rank({**answers, "mpi_share": share}, "slurm") for share in shares[1:]]

    # Slurm launches MPI natively at any share: its fit never falls with the share, while
    # Kubernetes' never rises as the share grows, so Slurm never loses a place to more MPI.
    assert fits["slurm"] == sorted(fits["slurm"])
    assert fits["kubernetes"][1:] == sorted(fits["kubernetes"][1:], reverse=True)
    assert ranks == sorted(ranks, reverse=True)


@PROPERTY
@given(prospects)
def test_a_team_without_kubernetes_skills_never_gets_a_kubernetes_based_first_place_with_high_confidence(
    answers,
):
    result = score(MODEL, {**answers, "operators": "hpc_admins"})

    if result["recommendation"] in KUBERNETES_BASED:
        assert result["confidence_label"] != "high"
        assert any(r["level"] == "high" for r in result["risks"])


@PROPERTY
@given(prospects, st.sampled_from(NO_NEED))
def test_an_answer_that_needs_nothing_changes_no_fit(answers, no_need):
    key, value = no_need
    skipped = score(MODEL, _without(answers, key))["scores"]
    answered = score(MODEL, {**answers, key: value})["scores"]

    assert {o: s["fit"] for o, s in answered.items()} == {o: s["fit"] for o, s in skipped.items()}


@PROPERTY
@given(prospects, st.sampled_from(NEEDS))
def test_a_need_never_helps_the_option_lacking_it_nor_costs_the_one_having_it(answers, need):
    key, value, lacking, having = need
    if key == "latency_sensitivity":
        answers = {**answers, "mpi_share": "most"}
    needed, skipped = {**answers, key: value}, _without(answers, key)

    assert _fit(needed, lacking) <= _fit(skipped, lacking)
    assert _fit(needed, having) >= _fit(skipped, having)


@PROPERTY
@given(prospects)
def test_an_existing_slurm_estate_never_helps_kubernetes_nor_costs_slurm(answers):
    on_slurm = {**answers, "existing_estate": "slurm"}
    fresh = {**answers, "existing_estate": "nothing"}

    assert _fit(on_slurm, "kubernetes") <= _fit(fresh, "kubernetes")
    assert _fit(on_slurm, "slurm") >= _fit(fresh, "slurm")
    assert _fit(on_slurm, "slurm-on-kubernetes") >= _fit(fresh, "slurm-on-kubernetes")


@PROPERTY
@given(prospects)
def test_sensitivity_and_what_if_agree_with_scoring_the_changed_answers(answers):
    # As the site stores them: answers to hidden questions dropped.
    answers = clean_answers(MODEL, answers)
    result = score(MODEL, answers)

    for row in result["sensitivity"]:
        for alternative in row["alternatives"]:
            changed = {**answers, row["question"]: alternative["answer"]}
            assert score(MODEL, changed)["recommendation"] == alternative["recommendation"]
    for series in result["what_if"]:
        for index, x in enumerate(series["x"]):
            fits = score(MODEL, {**answers, series["question"]: x})["scores"]
            assert {o: values[index] for o, values in series["fits"].items()} == {
                o: s["fit"] for o, s in fits.items()
            }


@pytest.mark.parametrize("option", ["slurm", "flux", "kubernetes", "slurm-on-kubernetes"])
def test_skipping_every_question_favours_no_option(option):
    assert score(MODEL, {})["scores"][option]["fit"] == 50.0


def test_a_classic_slurm_site_stays_with_slurm_without_reservations_and_wanting_neutral_governance():
    # The university site of issue 12, which version 1 sent to Flux (85.9 against 85.4).
    site = {
        "workload_mix": "mpi",
        "mpi_share": "most",
        "interconnect": "infiniband",
        "accounting": "yes",
        "fair_share": "fair_share",
        "backfill": "yes",
        "operators": "hpc_admins",
        "existing_estate": "slurm",
    }

    for changed in (
        site,
        {**site, "reservations": "no"},
        {**site, "reservations": "no", "vendor_neutrality": "neutral"},
    ):
        result = score(MODEL, changed)
        assert result["recommendation"] == "slurm"
        assert result["scores"]["slurm"]["fit"] - result["scores"]["flux"]["fit"] >= 5


def test_a_mixed_institute_run_by_hpc_administrators_is_not_sent_to_slurm_on_kubernetes():
    institute = {
        "workload_mix": "both_worlds",
        "user_interaction": "both",
        "long_running_services": "separate",
        "operators": "hpc_admins",
    }

    result = score(MODEL, institute)

    assert result["recommendation"] != "slurm-on-kubernetes"
    assert result["scores"]["slurm-on-kubernetes"]["rank"] >= 3
