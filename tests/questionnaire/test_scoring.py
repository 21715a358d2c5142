"""The scoring engine: table-driven cases on a small model, properties on the real one."""

import copy
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.questionnaire import scoring
from apps.questionnaire.scoring import clean_answers, compile_model, score, visible_questions

from .fixture_snapshot import snapshot_from_fixture
from .snapshots import choice, question, small, snapshot

SMALL = small()
FIXTURE = snapshot_from_fixture()
# Compiled once, as the site does per published version.
MODEL = compile_model(FIXTURE)
MPI_LAB = {"mix": "mpi", "latency": "5", "nodes": 600, "tools": ["wrappers"]}
# Slurm ahead of Flux by a clear margin.
MPI_SHOP = {"mix": "mpi", "latency": "4", "nodes": 50, "tools": ["wrappers"]}


# --- Points, fits and ranks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            MPI_LAB,
            # slurm: 3 + 2 + 2 + 2 over a reachable -5..9; flux: 2 + 2 + 2 over -2..6.
            {
                "slurm": (9.0, 100.0, 1),
                "flux": (6.0, 100.0, 2),
                "kubernetes": (-6.0, 0.0, 3),
                "slurm-on-kubernetes": (0.0, 0.0, 4),
                "hybrid": (0.0, 0.0, 5),
            },
        ),
        (
            {"mix": "services", "nodes": 3, "tools": ["kubeflow", "ray"]},
            # kubernetes: 3 + 1 + 3 = 7 over -4..7 (latency hidden, so not reachable).
            {
                "kubernetes": (7.0, 100.0, 1),
                "hybrid": (2.0, 50.0, 2),
                "slurm-on-kubernetes": (1.0, 33.3, 3),
                # Tied at 0: slurm comes first in the snapshot's option order.
                "slurm": (-3.0, 0.0, 4),
                "flux": (0.0, 0.0, 5),
            },
        ),
        (
            {"mix": "both", "latency": "3", "nodes": "unknown"},
            {
                # "unknown" adds nothing, but 0 stays inside each reachable range.
                "hybrid": (3.0, 75.0, 1),
                "slurm-on-kubernetes": (2.0, 66.7, 2),
                "kubernetes": (0.0, 40.0, 3),
                "slurm": (0.0, 35.7, 4),
                "flux": (0.0, 25.0, 5),
            },
        ),
    ],
    ids=["mpi-lab", "services", "both-with-unknown"],
)
def test_it_scores_points_fit_and_rank_per_option(answers, expected):
    result = score(SMALL, answers)

    got = {slug: (s["points"], s["fit"], s["rank"]) for slug, s in result["scores"].items()}
    assert got == expected
    assert result["recommendation"] == min(expected, key=lambda slug: expected[slug][2])


def test_it_multiplies_points_by_importance_and_sums_multiple_choices():
    model = snapshot(
        question("a", choice("x", slurm=2), choice("y", slurm=-1), importance=1.5),
        question("b", choice("p", slurm=1), choice("q", slurm=2), kind="multiple"),
    )

    result = score(model, {"a": "x", "b": ["p", "q"]})

    assert result["scores"]["slurm"]["points"] == 6.0
    assert [c["points"] for c in result["contributions"]] == [3.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1, "small"),
        (7.99, "small"),
        (8, "medium"),
        (499, "medium"),
        (500, "large"),
        (10**5, "large"),
    ],
)
def test_it_scores_a_number_as_the_band_it_falls_in(value, band):
    result = score(SMALL, {"mix": "services", "nodes": value})

    labels = {c["answer_label"] for c in result["contributions"] if c["question"] == "nodes"}
    expected = {"small": {"Under 8"}, "medium": {"8 to 499"}, "large": {"500 or more"}}[band]
    assert labels == expected


def test_it_breaks_ties_by_the_snapshot_option_order():
    model = snapshot(question("a", choice("x", kubernetes=1, slurm=1, flux=1), choice("y")))

    result = score(model, {"a": "x"})

    assert [result["scores"][s]["rank"] for s in ("slurm", "kubernetes", "flux")] == [1, 2, 3]
    assert result["recommendation"] == "slurm"
    assert result["runner_up"] == "kubernetes"


def test_it_puts_an_option_no_question_can_move_in_the_middle():
    model = snapshot(question("a", choice("x", slurm=1)))

    assert score(model, {"a": "x"})["scores"]["flux"]["fit"] == 50.0


# --- Unknown, hidden and invalid answers -----------------------------------------------------


def test_it_ignores_answers_to_hidden_questions():
    with_hidden = score(SMALL, {"mix": "services", "latency": "5"})
    without = score(SMALL, {"mix": "services"})

    assert with_hidden == without
    assert with_hidden["shown"] == 3


def test_it_gives_unknown_no_points_and_lists_it():
    result = score(SMALL, {"mix": "unknown", "nodes": "unknown", "tools": ["ray"]})

    assert result["unknown"] == ["mix", "nodes"]
    assert result["answered"] == 1
    assert {c["question"] for c in result["contributions"]} == {"tools"}


def test_it_lowers_confidence_with_unknown_answers():
    known = score(SMALL, MPI_SHOP)
    unknown = score(SMALL, {**MPI_SHOP, "nodes": "unknown"})

    assert unknown["confidence"] < known["confidence"]


def test_it_ignores_invalid_answers_instead_of_failing():
    result = score(SMALL, {"mix": ["mpi"], "nodes": "lots", "tools": "ray", "nope": 1})

    assert result["answered"] == 0
    assert result["contributions"] == []


def test_it_scores_no_answers_with_zero_confidence():
    result = score(SMALL, {})

    assert result["confidence"] == 0.0
    assert result["confidence_label"] == "low"
    assert result["recommendation"] in {o["slug"] for o in SMALL["options"]}


@pytest.mark.parametrize(
    ("answered", "shown", "margin", "label"),
    [(10, 10, 20.0, "high"), (10, 10, 2.0, "low"), (8, 10, 10.0, "medium"), (2, 10, 30.0, "low")],
)
def test_it_labels_confidence_from_coverage_and_margin(answered, shown, margin, label):
    confidence = scoring.explain.confidence(answered, shown, margin)

    assert scoring.explain.label(confidence) == label


# --- Close calls, contributions, risks ----------------------------------------------------------


def test_it_flags_a_close_call_between_slurm_and_kubernetes_and_points_to_hybrid():
    model = snapshot(question("a", choice("x", slurm=2, kubernetes=2), choice("y", hybrid=1)))

    result = score(model, {"a": "x"})

    assert result["close_call"] is True
    assert "hybrid pattern" in result["close_call_note"]
    assert "HYBRID" in result["close_call_note"]


def test_it_explains_a_close_call_without_a_hybrid_option():
    model = snapshot(
        question("a", choice("x", slurm=2, kubernetes=2)), options=["slurm", "kubernetes"]
    )

    result = score(model, {"a": "x"})

    assert result["close_call"] is True
    assert "HYBRID" not in result["close_call_note"]


def test_it_is_no_close_call_when_the_pair_is_not_slurm_and_kubernetes():
    result = score(SMALL, MPI_LAB)

    assert result["margin"] == 0.0
    assert result["close_call"] is False
    assert result["close_call_note"] is None


def test_it_translates_the_close_call_note_with_the_given_gettext():
    model = snapshot(question("a", choice("x", slurm=2, kubernetes=2)))

    result = score(
        model, {"a": "x"}, gettext=lambda text: text.replace("side by side", "côte à côte")
    )

    assert "côte à côte" in result["close_call_note"]


def test_it_lists_every_applied_weight_signed_and_largest_first():
    result = score(SMALL, MPI_LAB)

    points = [c["points"] for c in result["contributions"]]
    assert points == sorted(points, key=abs, reverse=True)
    assert {"option": "kubernetes", "points": -2.0} in [
        {"option": c["option"], "points": c["points"]}
        for c in result["contributions"]
        if c["question"] == "mix"
    ]
    first = result["contributions"][0]
    assert first["rationale"] == "slurm gets 3"
    assert first["feature"] == "mpi-launch"
    assert next(c for c in result["contributions"] if c["question"] == "nodes")["answer"] == 600


@pytest.mark.parametrize(
    ("answers", "risk_ids"),
    [
        ({**MPI_LAB, "tools": ["wrappers", "ray"]}, [9, 8]),
        (MPI_LAB, [8]),
        ({"mix": "services", "nodes": 3}, []),
        ({"mix": "services", "nodes": 900}, [8]),
    ],
    ids=["slurm-with-ray-and-big-jobs", "big-jobs-only", "none", "no-option-rule"],
)
def test_it_raises_the_risks_of_the_recommendation_and_those_without_option(answers, risk_ids):
    result = score(SMALL, answers)

    assert [r["id"] for r in result["risks"]] == risk_ids
    assert all(r["option"] in (None, result["recommendation"]) for r in result["risks"])


def test_it_raises_a_rule_only_when_every_listed_question_matches():
    model = copy.deepcopy(SMALL)
    model["risks"][0]["option"] = None

    assert 7 in [r["id"] for r in score(model, {"mix": "mpi", "latency": "5"})["risks"]]
    assert 7 not in [r["id"] for r in score(model, {"mix": "mpi", "latency": "3"})["risks"]]


# --- Sensitivity and what-if ------------------------------------------------------------------


def test_it_lists_the_alternative_answers_that_change_the_recommendation():
    result = score(SMALL, MPI_SHOP)

    by_question = {s["question"]: s for s in result["sensitivity"]}
    mix = by_question["mix"]
    assert mix["current"] == "mpi"
    assert mix["current_label"] == "MPI"
    assert {a["answer"]: a["recommendation"] for a in mix["alternatives"]} == {
        "services": "kubernetes",
        "both": "hybrid",
    }
    assert by_question["tools"]["alternatives"] == [
        {"answer": [], "label": "without Wrappers", "recommendation": "flux"}
    ]
    for item in result["sensitivity"]:
        for alternative in item["alternatives"]:
            changed = {**MPI_SHOP, item["question"]: alternative["answer"]}
            assert score(SMALL, changed)["recommendation"] == alternative["recommendation"]


def test_it_tries_representative_values_of_the_other_bands():
    model = snapshot(
        question("a", choice("x", slurm=1, kubernetes=1)),
        question(
            "n",
            choice("small", upper=8, kubernetes=1),
            choice("big", lower=8, slurm=2),
            kind="number",
            min_value=1,
            max_value=1000,
        ),
    )

    result = score(model, {"a": "x", "n": 600})

    (item,) = result["sensitivity"]
    assert item["alternatives"] == [{"answer": 4, "label": "Small", "recommendation": "kubernetes"}]


def test_it_toggles_choices_of_multiple_choice_questions():
    result = score(SMALL, {"mix": "unknown", "tools": ["wrappers"]})

    tools = next(s for s in result["sensitivity"] if s["question"] == "tools")
    assert tools["alternatives"] == [
        {
            "answer": ["kubeflow", "wrappers"],
            "label": "also Kubeflow",
            "recommendation": "kubernetes",
        },
        {"answer": [], "label": "without Wrappers", "recommendation": "kubernetes"},
    ]


def test_it_draws_each_option_fit_across_the_range_of_number_questions():
    result = score(SMALL, MPI_LAB)

    (series,) = result["what_if"]
    assert series["question"] == "nodes"
    assert series["unit"] == "nodes"
    assert series["x"] == sorted(series["x"])
    assert {1, 8, 500, 100000} <= set(series["x"])
    assert all(len(fits) == len(series["x"]) for fits in series["fits"].values())
    at_600 = score(SMALL, {**MPI_LAB, "nodes": 100000})["scores"]
    assert series["fits"]["flux"][-1] == at_600["flux"]["fit"]


def test_it_returns_json_safe_results_with_the_contract_keys():
    result = score(MODEL, {"workload_mix": "mpi", "largest_job_nodes": 64})

    assert json.loads(json.dumps(result)) == result
    assert set(result) == {
        "model_version", "recommendation", "runner_up", "margin", "confidence",
        "confidence_label", "close_call", "close_call_note", "scores", "contributions",
        "risks", "sensitivity", "what_if", "unknown", "answered", "shown",
    }  # fmt: skip
    assert result["model_version"] == 1


# --- Visibility, cleaning --------------------------------------------------------


def test_it_lists_the_visible_questions_in_order():
    keys = [q["key"] for q in visible_questions(SMALL, {"mix": "both"})]

    assert keys == ["mix", "latency", "nodes", "tools"]
    assert [q["key"] for q in visible_questions(SMALL, {})] == ["mix", "nodes", "tools"]


def test_it_cleans_hidden_unknown_and_empty_answers():
    answers = {"tools": [], "latency": "5", "nodes": 3, "mix": "services", "zzz": "x"}

    assert clean_answers(SMALL, answers) == {"mix": "services", "nodes": 3}


def test_it_hides_a_question_whose_source_is_hidden():
    model = snapshot(
        question("a", choice("yes"), choice("no")),
        question("b", choice("yes"), choice("no"), condition={"question": "a", "in": ["yes"]}),
        question("c", choice("x"), condition={"question": "b", "in": ["yes"]}),
    )

    assert [q["key"] for q in visible_questions(model, {"a": "no", "b": "yes"})] == ["a"]


def test_it_never_shows_questions_in_a_condition_cycle():
    model = snapshot(
        question("a", choice("x"), condition={"question": "b", "in": ["x"]}),
        question("b", choice("x"), condition={"question": "a", "in": ["x"]}),
        question("c", choice("x")),
    )

    assert [q["key"] for q in visible_questions(model, {"a": "x", "b": "x"})] == ["c"]


# --- Properties on the real questionnaire ------------------------------------------------------

QUESTIONS = [q for s in FIXTURE["sections"] for q in s["questions"]]


def _answer(q):
    keys = [c["key"] for c in q["choices"]]
    options = [st.none()]
    if q["allow_unknown"]:
        options.append(st.just("unknown"))
    if q["kind"] == "number":
        low, high = q["min_value"] or 0, q["max_value"] or 10**6
        options.append(st.integers(int(low), int(high)))
        options.append(st.floats(low, high, allow_nan=False))
    elif q["kind"] == "multiple":
        options.append(st.lists(st.sampled_from(keys), min_size=1, unique=True))
    else:
        options.append(st.sampled_from(keys))
    return st.one_of(*options)


answer_sets = st.fixed_dictionaries({q["key"]: _answer(q) for q in QUESTIONS}).map(
    lambda answers: {k: v for k, v in answers.items() if v is not None}
)
# Answers to hidden questions are drawn by filtering out "no answer"; that discards many draws.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY
@given(answer_sets)
def test_it_is_deterministic(answers):
    assert score(MODEL, answers) == score(copy.deepcopy(FIXTURE), dict(answers))


@PROPERTY
@given(answer_sets, st.randoms(use_true_random=False))
def test_it_does_not_depend_on_answer_order(answers, random):
    items = list(answers.items())
    random.shuffle(items)

    assert score(MODEL, dict(items)) == score(MODEL, answers)


@PROPERTY
@given(answer_sets)
def test_it_keeps_every_fit_between_0_and_100(answers):
    result = score(MODEL, answers)

    fits = [s["fit"] for s in result["scores"].values()]
    fits += [
        f for series in result["what_if"] for values in series["fits"].values() for f in values
    ]
    assert all(0.0 <= fit <= 100.0 for fit in fits)
    assert 0.0 <= result["confidence"] <= 1.0


@PROPERTY
@given(answer_sets, st.data())
def test_it_never_lowers_an_option_rank_when_its_weight_on_an_answer_rises(answers, data):
    result = score(MODEL, answers)
    contributing = [
        (q, c)
        for q in visible_questions(MODEL, answers)
        for c in q["choices"]
        if _chooses(q, answers.get(q["key"]), c)
    ]
    assume(contributing)
    q_index, c_index = data.draw(st.sampled_from([(q["key"], c["key"]) for q, c in contributing]))
    option = data.draw(st.sampled_from([o["slug"] for o in FIXTURE["options"]]))
    raise_by = data.draw(st.floats(0.25, 6))
    raised = copy.deepcopy(FIXTURE)
    target = next(
        c
        for s in raised["sections"]
        for q in s["questions"]
        if q["key"] == q_index
        for c in q["choices"]
        if c["key"] == c_index
    )
    # A choice without weights is neutral (it does not count): giving it points changes what
    # counts, not just one option's points.
    assume(any(w["points"] for w in target["weights"].values()))
    weight = target["weights"].setdefault(option, {"points": 0.0, "rationale": "", "feature": None})
    weight["points"] += raise_by

    assert score(raised, answers)["scores"][option]["rank"] <= result["scores"][option]["rank"]


def _chooses(q, answer, c):
    if answer is None or answer == "unknown":
        return False
    if q["kind"] == "multiple":
        return c["key"] in answer
    if q["kind"] == "number":
        lower, upper = c["lower"], c["upper"]
        return (lower is None or lower <= answer) and (upper is None or answer < upper)
    return answer == c["key"]


@PROPERTY
@given(answer_sets)
def test_it_skips_only_questions_that_cannot_change_the_recommendation(answers):
    pruned = score(MODEL, answers)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scoring.engine, "PRUNE_SENSITIVITY", False)
        exhaustive = score(MODEL, answers)

    assert pruned["sensitivity"] == exhaustive["sensitivity"]


@PROPERTY
@given(answer_sets, st.data())
def test_it_ignores_whatever_is_answered_to_hidden_questions(answers, data):
    shown = {q["key"] for q in visible_questions(MODEL, answers)}
    hidden = [q for q in QUESTIONS if q["key"] not in shown]
    assume(hidden)
    extra = {q["key"]: data.draw(_answer(q).filter(lambda v: v is not None)) for q in hidden}

    assert score(MODEL, {**answers, **extra}) == score(MODEL, answers)


@PROPERTY
@given(answer_sets, st.data())
def test_it_loses_confidence_when_an_answer_becomes_unknown(answers, data):
    before = score(MODEL, answers)
    known = [
        q["key"]
        for q in visible_questions(MODEL, answers)
        if q["allow_unknown"] and q["key"] in answers and answers[q["key"]] != "unknown"
    ]
    assume(known)
    key = data.draw(st.sampled_from(known))

    after = score(MODEL, {**answers, key: "unknown"})

    # Confidence never exceeds the share of answered questions (up to its rounding).
    assert after["confidence"] <= after["answered"] / after["shown"] + 0.005
    if after["margin"] <= before["margin"]:
        assert after["confidence"] <= before["confidence"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=6,
)


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from([q["key"] for q in QUESTIONS]) | st.text(max_size=6), json_values
    )
)
def test_it_never_fails_on_arbitrary_answers(answers):
    result = score(MODEL, answers)
    cleaned = clean_answers(MODEL, answers)

    assert json.loads(json.dumps(result, allow_nan=False)) == result
    assert set(cleaned) <= set(answers)
    # Cleaning drops only what scoring ignores anyway: hidden, unknown-key and empty answers.
    assert score(MODEL, cleaned) == result


def test_it_prunes_on_the_answered_basis_too(monkeypatch):
    # given the real (answered-basis) model and the personas' answers
    from .personas import PERSONAS

    assert MODEL.answered_basis
    tried = []
    fits_for = scoring.engine._Evaluator.fits_for

    def counting(self, q, alternatives):
        tried.append(len(alternatives))
        return fits_for(self, q, alternatives)

    monkeypatch.setattr(scoring.engine._Evaluator, "fits_for", counting)

    # when every persona is scored with and without pruning
    def evaluations():
        tried.clear()
        results = [score(MODEL, answers) for _expected, answers in PERSONAS.values()]
        return sum(tried), results

    pruned, pruned_results = evaluations()
    monkeypatch.setattr(scoring.engine, "PRUNE_SENSITIVITY", False)
    exhaustive, exhaustive_results = evaluations()

    # then fewer answers are tried for the same results
    assert pruned_results == exhaustive_results
    assert pruned < exhaustive
