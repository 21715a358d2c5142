import datetime
import json

import pytest

from apps.cases.calibration import calibrate
from apps.cases.models import Case, CaseAnswer, CaseSource
from apps.cases.services import CaseFileError, load_case_files, matrix_evidence
from apps.questionnaire import scoring
from apps.questionnaire.services import compiled_model

from .conftest import TEST_CASES

MPI = "test-mpi-university"
INFERENCE = "test-inference-ai-lab"


def _edit(folder, slug, change):
    path = folder / f"{slug}.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_it_loads_every_file_as_a_published_case(model):
    result = load_case_files(TEST_CASES)

    assert sorted(result.created) == [INFERENCE, MPI]
    case = Case.objects.get(slug=MPI)
    assert case.is_published()
    assert case.chose.slug == "slurm"
    assert case.sources.count() == 2
    assert case.answer_values()["cluster_nodes"] == 1200
    assert case.answers.get(question_key="interconnect").source.key == "s2"
    assert Case.objects.get(slug=INFERENCE).year is None


def test_it_is_idempotent_by_slug(model):
    load_case_files(TEST_CASES)
    history = Case.history.count() + CaseSource.history.count() + CaseAnswer.history.count()

    result = load_case_files(TEST_CASES)

    assert sorted(result.unchanged) == [INFERENCE, MPI]
    assert Case.objects.count() == 2
    assert CaseSource.objects.count() == 3
    assert Case.history.count() + CaseSource.history.count() + CaseAnswer.history.count() == history


def test_it_replaces_sources_and_answers_and_republishes(model, case_folder):
    # given a loaded case, unpublished by an editor
    load_case_files(case_folder)
    Case.objects.filter(slug=MPI).update(status=Case.Status.DRAFT)

    # when the file drops a source and an answer
    def change(data):
        data["sources"] = data["sources"][:1]
        data["answers"] = {"workload_mix": data["answers"]["workload_mix"]}

    _edit(case_folder, MPI, change)
    result = load_case_files(case_folder)

    # then
    assert result.updated == [MPI]
    case = Case.objects.get(slug=MPI)
    assert case.is_published()
    assert list(case.sources.values_list("key", flat=True)) == ["s1"]
    assert case.answer_values() == {"workload_mix": "mpi"}


def _review(slug, user):
    # As the admin's "Mark reviewed" action does it: saved, so the history records it.
    case = Case.objects.get(slug=slug)
    case.reviewed_by, case.reviewed_on = user, datetime.date(2026, 12, 1)
    case.save(update_fields=["reviewed_by", "reviewed_on", "updated"])


def test_loading_the_same_files_again_keeps_the_review(model, editor):
    # given loaded cases, one of them reviewed
    load_case_files(TEST_CASES)
    _review(MPI, editor)

    # when the same files are loaded again
    result = load_case_files(TEST_CASES)

    # then nothing changed, so the review stands
    assert MPI in result.unchanged
    case = Case.objects.get(slug=MPI)
    assert case.reviewed_by == editor
    assert case.reviewed_on == datetime.date(2026, 12, 1)


def test_republishing_an_unchanged_draft_keeps_the_review(model, case_folder, editor):
    load_case_files(case_folder)
    _review(MPI, editor)
    Case.objects.filter(slug=MPI).update(status=Case.Status.DRAFT)

    result = load_case_files(case_folder)

    assert result.updated == [MPI]
    case = Case.objects.get(slug=MPI)
    assert case.is_published()
    assert case.reviewed_by == editor


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.update(summary=d["summary"] + " More."), id="summary"),
        pytest.param(lambda d: d.update(chose="kubernetes"), id="chose"),
        pytest.param(
            lambda d: d["sources"][0].update(url="https://example.org/primary"), id="source-url"
        ),
        pytest.param(
            lambda d: d["answers"]["workload_mix"].update(value="training"), id="answer-value"
        ),
        pytest.param(lambda d: d["answers"].pop("interconnect"), id="answer-removed"),
    ],
)
def test_a_changed_file_clears_the_review_of_that_case_only(model, case_folder, editor, change):
    # given both cases loaded and reviewed
    load_case_files(case_folder)
    _review(MPI, editor)
    _review(INFERENCE, editor)

    # when one case's file changes
    _edit(case_folder, MPI, change)
    result = load_case_files(case_folder)

    # then that case is no longer reviewed; the other keeps its review
    assert result.updated == [MPI]
    changed = Case.objects.get(slug=MPI)
    assert (changed.reviewed_by, changed.reviewed_on) == (None, None)
    untouched = Case.objects.get(slug=INFERENCE)
    assert untouched.reviewed_by == editor
    assert untouched.reviewed_on == datetime.date(2026, 12, 1)
    # and the history records who reviewed what the file replaced
    assert changed.history.first().reviewed_by is None
    assert changed.history.all()[1].reviewed_by == editor


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(sector="government"), "sector “government” is unknown"),
        (lambda d: d.update(chose="pbs"), "chose “pbs” is not an option"),
        (lambda d: d.update(slug="other-slug"), "differs from the file name"),
        (lambda d: d.update(year="2023"), "is not a year"),
        (lambda d: d.pop("summary"), "lacks summary"),
        (lambda d: d.update(colour="red"), "unknown fields: colour"),
        (lambda d: d["sources"][0].update(url="ftp://example.org/x"), "not an http(s) URL"),
        (lambda d: d["sources"][0].update(url="javascript:alert(1)"), "not an http(s) URL"),
        (lambda d: d["sources"][0].update(accessed="yesterday"), "is not a date"),
        (lambda d: d["sources"][1].update(key="s1"), "source key “s1” is used twice"),
        (lambda d: d.update(sources=[]), "sources must be a non-empty list"),
        (
            lambda d: d["answers"].update(gpu_count={"value": 4, "source": "s1"}),
            "answer “gpu_count”: no such question",
        ),
        (
            lambda d: d["answers"]["interconnect"].update(value="omnipath"),
            "answer “interconnect”: 'omnipath' is invalid",
        ),
        (
            lambda d: d["answers"]["cluster_nodes"].update(value="1200"),
            "is not a number answer",
        ),
        (
            lambda d: d["answers"]["cluster_nodes"].update(value=-5),
            "answer “cluster_nodes”: -5 is invalid",
        ),
        (
            lambda d: d["answers"]["storage"].update(value=["tape"]),
            "answer “storage”: ['tape'] is invalid",
        ),
        (
            lambda d: d["answers"]["interconnect"].update(value="unknown"),
            "leave unknowns out",
        ),
        (
            lambda d: d["answers"]["interconnect"].update(source="s9"),
            "cites source “s9”, which the case lacks",
        ),
    ],
)
def test_it_refuses_an_invalid_file_naming_it_and_the_problem(model, case_folder, change, message):
    _edit(case_folder, MPI, change)

    with pytest.raises(CaseFileError) as raised:
        load_case_files(case_folder)

    assert f"{MPI}.json" in str(raised.value)
    assert message in str(raised.value)


def test_it_writes_nothing_when_one_file_is_invalid(model, case_folder):
    (case_folder / "zz-broken.json").write_text("{not json")

    with pytest.raises(CaseFileError, match=r"zz-broken\.json: not valid JSON"):
        load_case_files(case_folder)

    assert not Case.objects.exists()


def test_it_needs_a_published_model(db):
    with pytest.raises(CaseFileError, match="No scoring model is published"):
        load_case_files(TEST_CASES)


def test_it_calibrates_with_the_engine_on_recorded_answers_only(cases):
    # given a draft case, which calibration ignores
    Case.objects.filter(slug=INFERENCE).update(status=Case.Status.DRAFT)
    case = Case.objects.with_evidence().get(slug=MPI)

    # when
    calibration = calibrate(model=cases)

    # then the row says what the engine says for exactly the recorded answers
    result = scoring.score(compiled_model(cases), case.answer_values())
    fits = {slug: score["fit"] for slug, score in result["scores"].items()}
    best_other = max(fit for slug, fit in fits.items() if slug != "slurm")
    [row] = calibration.rows
    assert row.slug == MPI
    assert row.rank == result["scores"]["slurm"]["rank"]
    assert row.recommendation == result["recommendation"]
    assert row.margin == round(fits["slurm"] - best_other, 1)
    assert calibration.top1 == (1.0 if row.rank == 1 else 0.0)
    assert calibration.summary() == (
        f"top1={calibration.top1:.2f} top2={calibration.top2:.2f} cases=1"
    )


def test_it_counts_top1_and_top2_over_every_published_case(cases):
    calibration = calibrate(model=cases)

    ranks = [row.rank for row in calibration.rows]
    assert calibration.cases == 2
    assert calibration.top1 == sum(rank == 1 for rank in ranks) / 2
    assert calibration.top2 == sum(rank is not None and rank <= 2 for rank in ranks) / 2
    for row in calibration.rows:
        assert (row.margin > 0) == (row.rank == 1) or row.margin == 0


def test_it_finds_the_matrix_rows_behind_the_chosen_options_weights(cases):
    case = Case.objects.with_evidence().get(slug=MPI)

    evidence = matrix_evidence(case, model=cases)

    snapshot = compiled_model(cases).snapshot
    expected = set()
    for section in snapshot["sections"]:
        for question in section["questions"]:
            value = case.answer_values().get(question["key"])
            for choice in question["choices"]:
                weight = choice["weights"].get("slurm")
                if value is None or weight is None or not weight["feature"]:
                    continue
                if choice["key"] == value or (isinstance(value, list) and choice["key"] in value):
                    expected.add(weight["feature"])
    # Number answers fall in a band: those rows come from the engine's own band lookup.
    assert expected <= {row.feature.slug for row in evidence}
    assert evidence
    assert all(reason["option"] == "slurm" for row in evidence for reason in row.reasons)
