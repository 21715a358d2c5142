import copy
import hashlib
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from apps.questionnaire import services
from apps.questionnaire.models import Questionnaire, ScoringModel, Weight
from apps.questionnaire.services import (
    PublishError,
    build_snapshot,
    latest_model,
    publish,
    publish_initial_if_missing,
)
from apps.questionnaire.versions import diff_snapshots
from apps.seed.management.commands.seed import Command

from .factories import ChoiceFactory, QuestionFactory, SectionFactory
from .fixture_snapshot import QUESTIONNAIRE_FIXTURE, snapshot_from_fixture, without_urls

pytestmark = pytest.mark.django_db


# --- build_snapshot ---------------------------------------------------------------------------


def test_it_snapshots_the_loaded_fixture_exactly_as_the_in_memory_builder(catalog):
    call_command("loaddata", str(QUESTIONNAIRE_FIXTURE), verbosity=0)

    snapshot = build_snapshot(Questionnaire.objects.get(slug="hpc-orchestration"))

    assert without_urls(snapshot) == without_urls(snapshot_from_fixture(version=None))
    assert all(o["url"].endswith(f"/{o['slug']}/") for o in snapshot["options"])


def test_it_loads_the_same_rows_in_bulk_for_the_other_tests(fixture_questionnaire):
    snapshot = build_snapshot(fixture_questionnaire)

    assert without_urls(snapshot) == without_urls(snapshot_from_fixture(version=None))


def test_it_snapshots_conditions_weights_and_risks(small_questionnaire):
    QuestionFactory(
        section=small_questionnaire.sections.get(),
        key="latency",
        kind="scale",
        condition_question=small_questionnaire.sections.get().questions.get(key="interconnect"),
        condition_values=["infiniband"],
    )

    snapshot = build_snapshot(small_questionnaire)

    first, second = snapshot["sections"][0]["questions"]
    assert first["choices"][0]["weights"] == {
        "slurm": {"points": 3.0, "rationale": "Because it fits.", "feature": None}
    }
    assert second["condition"] == {"question": "interconnect", "in": ["infiniband"]}
    assert snapshot["risks"][0]["when"] == {"interconnect": ["infiniband"]}
    assert snapshot["version"] is None


def test_it_builds_the_snapshot_in_a_constant_number_of_queries(
    fixture_questionnaire, django_assert_num_queries
):
    with django_assert_num_queries(7):
        large = build_snapshot(fixture_questionnaire)
    fixture_questionnaire.sections.filter(order__gt=2).delete()
    with django_assert_num_queries(7):
        small = build_snapshot(fixture_questionnaire)

    assert len(large["sections"]) == 6
    assert len(small["sections"]) == 2


# --- publish ------------------------------------------------------------------------------------


def test_it_publishes_numbered_versions_with_author_and_summary(small_questionnaire, editor):
    first = publish(questionnaire=small_questionnaire, user=editor, summary="First cut")
    Weight.objects.filter(option__slug="slurm").update(points=1)
    second = publish(questionnaire=small_questionnaire, user=None, summary="Softer Slurm")

    assert (first.version, second.version) == (1, 2)
    assert first.snapshot["version"] == 1
    assert second.snapshot["version"] == 2
    assert first.published_by == editor
    assert second.change_summary == "Softer Slurm"
    assert latest_model() == second


def test_the_latest_model_is_read_by_one_query_with_its_snapshot_deferred(
    small_questionnaire, django_assert_num_queries
):
    assert latest_model() is None
    publish(questionnaire=small_questionnaire, user=None, summary="First cut")
    Weight.objects.filter(option__slug="slurm").update(points=1)
    second = publish(questionnaire=small_questionnaire, user=None, summary="Second")

    with django_assert_num_queries(1):
        latest = latest_model()
        assert (latest.pk, latest.version, latest.checksum) == (second.pk, 2, second.checksum)
        assert latest.change_summary == "Second"
    assert latest.get_deferred_fields() == {"snapshot"}
    # Read on demand, as the compiled copy does on a miss.
    assert services.compiled_model(latest).snapshot["version"] == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_latest_model_is_kept_a_few_seconds(
    small_questionnaire, django_assert_num_queries
):
    first = publish(questionnaire=small_questionnaire, user=None, summary="First cut")
    assert latest_model() == first

    with django_assert_num_queries(0):
        kept = latest_model()
    assert (kept.pk, kept.version, kept.checksum) == (first.pk, 1, first.checksum)
    assert kept.get_deferred_fields() == {"snapshot"}
    # each caller gets its own copy
    kept.change_summary = "changed by a caller"
    assert latest_model().change_summary == "First cut"

    # a version published in this process is seen at once
    Weight.objects.filter(option__slug="slurm").update(points=1)
    second = publish(questionnaire=small_questionnaire, user=None, summary="Second")
    assert latest_model() == second

    # one published by another process (no signal here) is seen once the kept time is over
    ScoringModel.objects.filter(pk=second.pk).update(version=3)
    assert latest_model().version == 2
    read_at, kept_model = services._latest
    services._latest = (read_at - services.LATEST_KEPT_SECONDS, kept_model)
    with django_assert_num_queries(1):
        assert latest_model().version == 3

    # a deleted version is forgotten at once
    ScoringModel.objects.filter(pk=second.pk).get().delete()
    assert latest_model() == first


def test_inside_a_transaction_the_latest_model_is_always_read(
    small_questionnaire, django_assert_num_queries
):
    model = publish(questionnaire=small_questionnaire, user=None, summary="First cut")

    for _ in range(2):
        with django_assert_num_queries(1):
            assert latest_model() == model
    assert services._latest is None


def test_it_stores_a_sha256_of_the_canonical_snapshot(small_questionnaire):
    model = publish(questionnaire=small_questionnaire, user=None, summary="")
    model.refresh_from_db()

    canonical = json.dumps(
        model.snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert model.checksum == hashlib.sha256(canonical.encode()).hexdigest()


def test_it_refuses_to_publish_when_nothing_changed(small_questionnaire):
    publish(questionnaire=small_questionnaire, user=None, summary="")

    with pytest.raises(PublishError, match="Nothing has changed since version 1"):
        publish(questionnaire=small_questionnaire, user=None, summary="Again")
    assert ScoringModel.objects.count() == 1


def test_it_refuses_to_publish_a_draft_with_problems(small_questionnaire):
    QuestionFactory(section=small_questionnaire.sections.get(), key="empty")

    with pytest.raises(PublishError, match="“empty” has no answers"):
        publish(questionnaire=small_questionnaire, user=None, summary="")
    assert not ScoringModel.objects.exists()


def test_it_cannot_store_two_versions_with_the_same_number(small_questionnaire):
    model = publish(questionnaire=small_questionnaire, user=None, summary="")

    with pytest.raises(IntegrityError):
        ScoringModel.objects.create(
            questionnaire=small_questionnaire, version=model.version, snapshot={}, checksum="x"
        )


def test_it_gives_up_clearly_when_the_number_keeps_being_taken(small_questionnaire, monkeypatch):
    def taken(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(ScoringModel.objects, "create", taken)

    with pytest.raises(PublishError, match="published at the same moment"):
        publish(questionnaire=small_questionnaire, user=None, summary="")


def test_it_hands_out_one_snapshot_object_per_version(small_questionnaire):
    model = publish(questionnaire=small_questionnaire, user=None, summary="")
    first = services.snapshot_of(ScoringModel.objects.get(pk=model.pk))

    again = services.snapshot_of(ScoringModel.objects.get(pk=model.pk))

    assert again is first
    assert first == model.snapshot


def test_it_compiles_each_version_once_per_checksum(small_questionnaire, monkeypatch):
    # A cache of its own, so the edited checksum below cannot reach other tests.
    monkeypatch.setattr(services, "_COMPILED", {})
    model = publish(questionnaire=small_questionnaire, user=None, summary="")
    compiled = services.compiled_model(ScoringModel.objects.get(pk=model.pk))

    again = services.compiled_model(ScoringModel.objects.get(pk=model.pk))
    ScoringModel.objects.filter(pk=model.pk).update(checksum="e" * 64)
    changed = services.compiled_model(ScoringModel.objects.get(pk=model.pk))

    assert again is compiled
    assert compiled.snapshot == model.snapshot
    assert changed is not compiled
    assert services.snapshot_of(ScoringModel.objects.get(pk=model.pk)) is changed.snapshot


def test_it_publishes_the_initial_version_only_once(fixture_questionnaire):
    first = publish_initial_if_missing()
    again = publish_initial_if_missing()

    assert first is not None
    assert first.version == 1
    assert first.questionnaire == fixture_questionnaire
    assert again is None
    assert ScoringModel.objects.count() == 1


def test_it_publishes_nothing_initially_without_a_questionnaire():
    assert publish_initial_if_missing() is None


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("later", "depends on a question that does not come before it"),
        ("first", "does not offer: nope"),
    ],
)
def test_it_reports_broken_conditions(small_questionnaire, source, problem):
    section = small_questionnaire.sections.get()
    first = section.questions.get()
    later = QuestionFactory(section=SectionFactory(questionnaire=small_questionnaire), key="later")
    ChoiceFactory(question=later, key="a")
    dependant = QuestionFactory(section=section, key="dependant", order=first.order + 1)
    ChoiceFactory(question=dependant, key="b")
    dependant.condition_question = later if source == "later" else first
    dependant.condition_values = ["nope"] if source == "first" else ["a"]
    dependant.save(update_fields=["condition_question", "condition_values"])

    problems = services.snapshot_problems(build_snapshot(small_questionnaire))

    assert any(problem in p for p in problems), problems


# --- diff_snapshots -----------------------------------------------------------------------------

BASE = snapshot_from_fixture()


def _changed(edit):
    new = copy.deepcopy(BASE)
    edit(new)
    return new


def _question(snapshot, key):
    return next(q for s in snapshot["sections"] for q in s["questions"] if q["key"] == key)


def _choice(snapshot, key, choice):
    return next(c for c in _question(snapshot, key)["choices"] if c["key"] == choice)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: _choice(s, "interconnect", "infiniband")["weights"]["slurm"].update(
                points=3.0
            ),
            "Weight “interconnect/infiniband” → slurm: +1 → +3 points.",
        ),
        (
            lambda s: _choice(s, "interconnect", "ethernet")["weights"].pop("kubernetes"),
            "Weight “interconnect/ethernet” → kubernetes removed (was +2 points).",
        ),
        (
            lambda s: _choice(s, "interconnect", "ethernet")["weights"].update(
                flux={"points": -1.0, "rationale": "r", "feature": None}
            ),
            "Weight “interconnect/ethernet” → flux added: -1 points.",
        ),
        (
            lambda s: _choice(s, "backfill", "yes")["weights"]["slurm"].update(rationale="New."),
            "Weight “backfill/yes” → slurm: rationale changed.",
        ),
        (
            lambda s: _question(s, "gpus").update(text="GPUs?"),
            "Question “gpus”: text changed from “How much of your capacity is GPUs?” to “GPUs?”.",
        ),
        (
            lambda s: _question(s, "gpus").update(importance=2.0),
            "Question “gpus”: importance changed from 1.0 to 2.0.",
        ),
        (
            lambda s: _question(s, "gpus")["choices"].pop(),
            "Answer “gpus/most” removed.",
        ),
        (
            lambda s: _choice(s, "gpus", "none").update(label="None at all"),
            "Answer “gpus/none”: label changed from “No GPUs” to “None at all”.",
        ),
        (
            lambda s: s["sections"][0]["questions"].append(
                {**copy.deepcopy(_question(s, "gpus")), "key": "fpgas", "text": "FPGAs?"}
            ),
            "Question “fpgas” added: FPGAs?",
        ),
        (
            lambda s: s["sections"][1]["questions"].pop(0),
            "Question “interconnect” removed.",
        ),
        (
            lambda s: s["risks"][0].update(level="low"),
            "Risk rule “MPI latency on the pod network”: level changed.",
        ),
        (
            lambda s: s["risks"].pop(),
            "Risk rule removed: No Kubernetes operators for the Kubernetes side",
        ),
    ],
)
def test_it_describes_each_change_between_versions(edit, expected):
    changes = diff_snapshots(BASE, _changed(edit))

    assert changes == [expected]


def test_it_lists_nothing_between_equal_snapshots():
    assert diff_snapshots(BASE, copy.deepcopy(BASE)) == []


def test_it_summarises_the_first_version():
    (line,) = diff_snapshots(None, BASE)

    assert line == "First version: 30 questions and 18 risk rules."


def test_it_publishes_version_one_as_a_seed_step(fixture_questionnaire):
    Command()._after_fixtures()
    Command()._after_fixtures()

    assert list(ScoringModel.objects.values_list("version", flat=True)) == [1]
