"""``nearest_cases``: the published cases nearest to a prospect's answers, on a small model."""

import pytest

from apps.cases.similarity import CaseProfile, nearest_cases, question_weights
from apps.questionnaire.scoring import compile_model
from tests.questionnaire.snapshots import choice, question, small

SNAPSHOT = small()
# A question whose answers give no option any points: it cannot move the scores.
SNAPSHOT["sections"][0]["questions"].append(
    question("colour", choice("red", "Red"), choice("blue", "Blue"))
)
MODEL = compile_model(SNAPSHOT)


def case(slug: str, chose: str = "slurm", **answers: object) -> CaseProfile:
    return CaseProfile(
        slug=slug, name=slug.title(), chose=chose, chose_name=chose.upper(), why="", answers=answers
    )


def nearest(answers, *cases, limit=3):
    return nearest_cases(answers, compiled=MODEL, cases=cases, limit=limit)


def test_it_weighs_each_question_by_how_far_it_can_move_the_scores():
    # max(hi) - min(lo) over the options: "mix" reaches +3 and -2 (5), "latency" ±2 (4),
    # "nodes" +2 and -2 (4), "tools" +3 together and -1 (4); "colour" gives no points.
    assert question_weights(MODEL) == {
        "mix": 5.0,
        "latency": 4.0,
        "nodes": 4.0,
        "tools": 4.0,
        "colour": 0.0,
    }


def test_it_weights_the_share_of_agreement_by_question():
    # given: the same workload (weight 5), the opposite latency answer (weight 4)
    (found,) = nearest({"mix": "mpi", "latency": "5"}, case("lab", mix="mpi", latency="1"))

    assert found.similarity == round(5 / 9, 2)
    assert found.matched == ("mix",)


def test_it_counts_a_single_choice_or_scale_only_when_equal():
    (same,) = nearest({"mix": "mpi", "latency": "4"}, case("lab", mix="mpi", latency="4"))

    assert same.similarity == 1.0
    assert same.matched == ("mix", "latency")
    assert nearest({"mix": "mpi"}, case("cloud", mix="services")) == ()


@pytest.mark.parametrize(
    ("theirs", "similarity", "matched"),
    [
        (["ray", "wrappers"], 0.33, ()),
        (["kubeflow", "ray", "wrappers"], 0.67, ("tools",)),
        (["ray", "kubeflow"], 1.0, ("tools",)),
    ],
)
def test_it_compares_multiple_choices_by_their_jaccard_index(theirs, similarity, matched):
    (found,) = nearest({"tools": ["kubeflow", "ray"]}, case("lab", tools=theirs))

    assert found.similarity == similarity
    assert found.matched == matched


def test_it_compares_numbers_by_their_band():
    (found,) = nearest({"nodes": 600}, case("big", nodes=20000))

    assert found.similarity == 1.0
    assert found.matched == ("nodes",)
    assert nearest({"nodes": 600}, case("small", nodes=100)) == ()


def test_it_ignores_unknowns_and_questions_that_move_no_score():
    answers = {"mix": "unknown", "nodes": 600, "colour": "red"}
    (found,) = nearest(answers, case("lab", mix="mpi", nodes=800, colour="blue"))

    assert found.similarity == 1.0
    assert found.matched == ("nodes",)


def test_it_leaves_out_cases_with_nothing_in_common():
    assert nearest({"mix": "mpi"}, case("other", tools=["ray"]), case("empty")) == ()
    assert nearest({"colour": "red"}, case("red", colour="red")) == ()


def test_it_ranks_by_similarity_and_breaks_ties_by_slug():
    answers = {"mix": "mpi", "latency": "5"}
    cases = [
        case("delta", mix="mpi", latency="5"),
        case("bravo", mix="mpi", latency="5"),
        case("alpha", mix="mpi", latency="1"),
        case("charlie", mix="mpi", latency="5"),
    ]

    found = nearest(answers, *cases)

    assert [c.slug for c in found] == ["bravo", "charlie", "delta"]
    assert [c.slug for c in nearest(answers, *cases, limit=4)][-1] == "alpha"


def test_it_says_what_each_case_chose():
    (found,) = nearest({"mix": "services"}, case("cloud", chose="kubernetes", mix="services"))

    assert (found.slug, found.name, found.chose, found.chose_name) == (
        "cloud",
        "Cloud",
        "kubernetes",
        "KUBERNETES",
    )


def test_the_published_profiles_follow_every_change_and_cost_one_query_otherwise(
    cases, django_assert_num_queries
):
    from apps.cases.models import Case
    from apps.cases.similarity import published_profiles

    first = published_profiles()
    assert len(first) == Case.objects.published().count() == 2
    with django_assert_num_queries(1):
        assert published_profiles() is first

    edited = Case.objects.published().order_by("slug").first()
    edited.why = "Edited in the admin."
    edited.save()
    assert {p.slug: p.why for p in published_profiles()}[edited.slug] == "Edited in the admin."

    Case.objects.filter(pk=edited.pk).update(status=Case.Status.DRAFT)
    assert [p.slug for p in published_profiles()] == [
        c.slug for c in Case.objects.published().order_by("slug")
    ]
