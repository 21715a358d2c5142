"""The answer rules, on the real questionnaire (the snapshot built from fixtures/): every
question kind, condition and error.

Questions used, by what they have: `workload_mix` and `gpus` (single, no "don't know"),
`interconnect` (single with "don't know"), `latency_sensitivity` (scale, shown by `mpi_share`
from the first step), `largest_job_nodes` (number 1–200,000 with "don't know"),
`mlops_tools` (optional multiple choice with "don't know"), `gpu_sharing` and `nvlink_racks`
(shown by `gpus` in the same step).
"""

import copy

import pytest
from django.core.exceptions import ValidationError

from apps.questionnaire import forms, scoring
from apps.questionnaire.models import UNKNOWN
from tests.questionnaire.fixture_snapshot import snapshot_from_fixture
from tests.questionnaire.personas import PERSONAS

# A classic MPI site: InfiniBand, no GPUs, most node-hours in multi-node MPI.
_expected, ANSWERS = PERSONAS["classic CFD lab on InfiniBand"]
_SNAPSHOT = snapshot_from_fixture()


@pytest.fixture
def snapshot():
    return copy.deepcopy(_SNAPSHOT)


def errors_for(snapshot, answers) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        forms.validate_answers(snapshot, answers)
    return info.value.message_dict


def test_it_accepts_a_complete_answer_set(snapshot):
    assert forms.validate_answers(snapshot, ANSWERS) == ANSWERS


def test_it_validates_against_a_compiled_model_as_against_its_snapshot(snapshot):
    model = scoring.compile_model(snapshot)
    answers = ANSWERS | {"largest_job_nodes": "64", "gpu_sharing": "whole"}

    assert forms.validate_answers(model, answers) == forms.validate_answers(snapshot, answers)
    assert errors_for(model, {"colour": "blue"}) == errors_for(snapshot, {"colour": "blue"})


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("workload_mix", "mpi", "mpi"),
        ("interconnect", UNKNOWN, UNKNOWN),
        ("interconnect", "ethernet", "ethernet"),
        ("latency_sensitivity", "5", "5"),
        ("latency_sensitivity", 2, "2"),
        ("largest_job_nodes", 64, 64),
        ("largest_job_nodes", "64", 64),
        ("largest_job_nodes", 2.5, 2.5),
        ("largest_job_nodes", UNKNOWN, UNKNOWN),
        ("mlops_tools", ["ray", "kubeflow", "ray"], ["kubeflow", "ray"]),
        ("mlops_tools", UNKNOWN, UNKNOWN),
        ("mlops_tools", [UNKNOWN], UNKNOWN),
    ],
)
def test_it_normalises_each_kind_of_answer(snapshot, key, value, stored):
    cleaned = forms.validate_answers(snapshot, ANSWERS | {key: value})

    assert cleaned[key] == stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("workload_mix", "gpu", forms.NOT_ONE_CHOICE),
        ("workload_mix", ["mpi"], forms.NOT_ONE_CHOICE),
        ("workload_mix", {"a": 1}, forms.NOT_ONE_CHOICE),
        ("workload_mix", True, forms.NOT_ONE_CHOICE),
        ("workload_mix", None, forms.REQUIRED),
        ("workload_mix", UNKNOWN, forms.NOT_ONE_CHOICE),
        ("gpus", UNKNOWN, forms.NOT_ONE_CHOICE),
        ("latency_sensitivity", "6", forms.NOT_ONE_CHOICE),
        ("latency_sensitivity", 3.0, forms.NOT_ONE_CHOICE),
        ("latency_sensitivity", UNKNOWN, forms.NOT_ONE_CHOICE),
        ("mlops_tools", "ray", forms.NOT_A_LIST),
        ("mlops_tools", ["ray", 3], forms.NOT_A_LIST),
        ("mlops_tools", ["gpus"], forms.NOT_A_LIST),
        ("mlops_tools", ["ray", UNKNOWN], forms.UNKNOWN_ALONE),
        ("largest_job_nodes", "many", forms.NOT_A_NUMBER),
        ("largest_job_nodes", True, forms.NOT_A_NUMBER),
        ("largest_job_nodes", [3], forms.NOT_A_NUMBER),
        ("largest_job_nodes", float("inf"), forms.NOT_A_NUMBER),
        ("largest_job_nodes", float("nan"), forms.NOT_A_NUMBER),
        ("largest_job_nodes", 10**400, forms.NOT_A_NUMBER),
        ("largest_job_nodes", "1e999", forms.NOT_A_NUMBER),
        ("largest_job_nodes", 0, "Enter a number of at least 1."),
        ("largest_job_nodes", 200001, "Enter a number of at most 200000."),
    ],
)
def test_it_rejects_an_invalid_answer_with_a_message_on_its_key(snapshot, key, value, message):
    errors = errors_for(snapshot, ANSWERS | {key: value})

    assert errors == {key: [str(message)]}


def test_it_requires_required_questions_only(snapshot):
    answers = {k: v for k, v in ANSWERS.items() if k not in {"interconnect", "mlops_tools"}}

    assert errors_for(snapshot, answers) == {"interconnect": [str(forms.REQUIRED)]}


def test_it_requires_a_conditional_question_only_while_it_is_shown(snapshot):
    with_gpus = ANSWERS | {"gpus": "some"}

    assert errors_for(snapshot, with_gpus) == {
        "gpu_sharing": [str(forms.REQUIRED)],
        "nvlink_racks": [str(forms.REQUIRED)],
    }
    assert "gpu_sharing" not in forms.validate_answers(snapshot, ANSWERS)


def test_it_requires_a_question_shown_by_a_condition_in_another_section(snapshot):
    without = {k: v for k, v in ANSWERS.items() if k != "latency_sensitivity"}

    assert errors_for(snapshot, without) == {"latency_sensitivity": [str(forms.REQUIRED)]}
    no_mpi = without | {"mpi_share": "none"}
    assert "latency_sensitivity" not in forms.validate_answers(snapshot, no_mpi)


def test_it_drops_answers_to_hidden_questions(snapshot):
    answers = ANSWERS | {"gpu_sharing": "whole"}

    assert "gpu_sharing" not in forms.validate_answers(snapshot, answers)


def test_it_reports_unknown_question_keys(snapshot):
    errors = errors_for(snapshot, ANSWERS | {"colour": "blue"})

    assert errors == {"colour": [str(forms.UNKNOWN_QUESTION)]}


def test_it_rejects_answers_that_are_not_an_object(snapshot):
    assert "answers" in errors_for(snapshot, ["mpi"])


def test_it_keeps_the_valid_values_of_a_partly_invalid_step(snapshot):
    questions = snapshot["sections"][0]["questions"]
    data = {"q-workload_mix": "mpi", "q-mpi_share": "9", "q-largest_job_nodes": "12"}

    form = forms.AnswersForm(data, questions=questions)

    assert form.valid_values() == {"workload_mix": "mpi", "largest_job_nodes": 12}


def test_it_reads_dont_know_for_a_number_from_its_checkbox(snapshot):
    questions = snapshot["sections"][0]["questions"]
    data = {"q-largest_job_nodes": "", "q-largest_job_nodes__unknown": "1"}

    form = forms.AnswersForm(data, questions=questions)

    assert form.valid_values() == {"largest_job_nodes": UNKNOWN}


def test_it_shows_a_step_only_the_questions_its_conditions_allow(snapshot):
    questions = snapshot["sections"][1]["questions"]

    shown, _merged = forms.step_form(snapshot, questions, stored={"mpi_share": "none"})
    chosen, _merged = forms.step_form(
        snapshot, questions, stored={"mpi_share": "most"}, data={"q-gpus": "some"}
    )

    assert list(shown.fields) == ["interconnect", "gpus"]
    assert list(chosen.fields) == [
        "interconnect",
        "latency_sensitivity",
        "gpus",
        "gpu_sharing",
        "nvlink_racks",
    ]
