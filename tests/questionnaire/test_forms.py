"""The answer rules, built from the snapshot: every question kind, condition and error."""

import copy

import pytest
from django.core.exceptions import ValidationError

from apps.questionnaire import forms, scoring
from apps.questionnaire.models import UNKNOWN
from tests.assessments.snapshot import MPI_ANSWERS, SNAPSHOT


@pytest.fixture
def snapshot():
    return copy.deepcopy(SNAPSHOT)


def errors_for(snapshot, answers) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        forms.validate_answers(snapshot, answers)
    return info.value.message_dict


def test_it_accepts_a_complete_answer_set(snapshot):
    assert forms.validate_answers(snapshot, MPI_ANSWERS) == MPI_ANSWERS


def test_it_validates_against_a_compiled_model_as_against_its_snapshot(snapshot):
    model = scoring.compile_model(snapshot)
    answers = MPI_ANSWERS | {"largest_job_nodes": "64", "serving_share": "5"}

    assert forms.validate_answers(model, answers) == forms.validate_answers(snapshot, answers)
    assert errors_for(model, {"colour": "blue"}) == errors_for(snapshot, {"colour": "blue"})


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("workload_mix", "mpi", "mpi"),
        ("workload_mix", UNKNOWN, UNKNOWN),
        ("mpi_share", "5", "5"),
        ("mpi_share", 2, "2"),
        ("largest_job_nodes", 64, 64),
        ("largest_job_nodes", "64", 64),
        ("largest_job_nodes", 2.5, 2.5),
        ("largest_job_nodes", UNKNOWN, UNKNOWN),
        ("tools", ["kubeflow", "containers", "kubeflow"], ["containers", "kubeflow"]),
        ("tools", UNKNOWN, UNKNOWN),
        ("tools", [UNKNOWN], UNKNOWN),
        ("interconnect", "ethernet", "ethernet"),
    ],
)
def test_it_normalises_each_kind_of_answer(snapshot, key, value, stored):
    cleaned = forms.validate_answers(snapshot, MPI_ANSWERS | {key: value})

    assert cleaned[key] == stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("workload_mix", "gpu", forms.NOT_ONE_CHOICE),
        ("workload_mix", ["mpi"], forms.NOT_ONE_CHOICE),
        ("workload_mix", {"a": 1}, forms.NOT_ONE_CHOICE),
        ("workload_mix", True, forms.NOT_ONE_CHOICE),
        ("workload_mix", None, forms.REQUIRED),
        ("mpi_share", "6", forms.NOT_ONE_CHOICE),
        ("mpi_share", 3.0, forms.NOT_ONE_CHOICE),
        ("mpi_share", UNKNOWN, forms.NOT_ONE_CHOICE),
        ("interconnect", UNKNOWN, forms.NOT_ONE_CHOICE),
        ("tools", "containers", forms.NOT_A_LIST),
        ("tools", ["containers", 3], forms.NOT_A_LIST),
        ("tools", ["gpus"], forms.NOT_A_LIST),
        ("tools", ["containers", UNKNOWN], forms.UNKNOWN_ALONE),
        ("largest_job_nodes", "many", forms.NOT_A_NUMBER),
        ("largest_job_nodes", True, forms.NOT_A_NUMBER),
        ("largest_job_nodes", [3], forms.NOT_A_NUMBER),
        ("largest_job_nodes", float("inf"), forms.NOT_A_NUMBER),
        ("largest_job_nodes", float("nan"), forms.NOT_A_NUMBER),
        ("largest_job_nodes", 10**400, forms.NOT_A_NUMBER),
        ("largest_job_nodes", "1e999", forms.NOT_A_NUMBER),
        ("largest_job_nodes", 0, "Enter a number of at least 1."),
        ("largest_job_nodes", 100001, "Enter a number of at most 100000."),
    ],
)
def test_it_rejects_an_invalid_answer_with_a_message_on_its_key(snapshot, key, value, message):
    errors = errors_for(snapshot, MPI_ANSWERS | {key: value})

    assert errors == {key: [str(message)]}


def test_it_requires_required_questions_only(snapshot):
    answers = {k: v for k, v in MPI_ANSWERS.items() if k not in {"interconnect", "tools"}}

    assert errors_for(snapshot, answers) == {"interconnect": [str(forms.REQUIRED)]}


def test_it_requires_a_conditional_question_only_while_it_is_shown(snapshot):
    without_share = {k: v for k, v in MPI_ANSWERS.items() if k != "mpi_share"}

    assert errors_for(snapshot, without_share) == {"mpi_share": [str(forms.REQUIRED)]}
    services_answers = without_share | {"workload_mix": "services", "serving_share": "3"}
    assert "mpi_share" not in forms.validate_answers(snapshot, services_answers)


def test_it_requires_a_question_shown_by_a_condition_in_another_section(snapshot):
    answers = MPI_ANSWERS | {"workload_mix": "mixed"}

    assert errors_for(snapshot, answers) == {"serving_share": [str(forms.REQUIRED)]}


def test_it_drops_answers_to_hidden_questions(snapshot):
    answers = MPI_ANSWERS | {"serving_share": "5"}

    assert "serving_share" not in forms.validate_answers(snapshot, answers)


def test_it_reports_unknown_question_keys(snapshot):
    errors = errors_for(snapshot, MPI_ANSWERS | {"colour": "blue"})

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
    questions = snapshot["sections"][0]["questions"]

    shown, _merged = forms.step_form(snapshot, questions, stored={"workload_mix": "services"})
    chosen, _merged = forms.step_form(
        snapshot, questions, stored={}, data={"q-workload_mix": "mpi"}
    )

    assert list(shown.fields) == ["workload_mix", "largest_job_nodes"]
    assert list(chosen.fields) == ["workload_mix", "mpi_share", "largest_job_nodes"]
