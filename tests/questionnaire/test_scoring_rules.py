"""The engine rules a snapshot names (``Snapshot.rules``, written since version 2), beside the
rules of versions published before them, which must keep scoring as they did."""

from apps.questionnaire.scoring import score

from .snapshots import choice, question, snapshot

V2_RULES = {"fit_basis": "answered", "high_risk_caps_confidence": True}


def _model(*questions, risks=(), rules=None):
    model = snapshot(*questions, risks=risks)
    if rules is not None:
        model["rules"] = rules
    return model


RESERVATIONS = question(
    "reservations",
    choice("yes", slurm=0, flux=-3),
    choice("no"),
    allow_unknown=True,
)
MPI = question("mpi", choice("most", slurm=3, flux=2), choice("none", slurm=-1, flux=1))
# The same need as version 1 wrote it: points for those that have it, a penalty for Flux.
RESERVATIONS_V1 = question(
    "reservations",
    choice("yes", slurm=2, flux=-3),
    choice("no"),
    allow_unknown=True,
)


def _fits(model, answers):
    return {slug: s["fit"] for slug, s in score(model, answers)["scores"].items()}


def test_a_skipped_question_favours_no_option_on_the_answered_basis():
    model = _model(MPI, RESERVATIONS_V1, rules=V2_RULES)

    skipped = _fits(model, {"mpi": "most"})

    # Only the answered question counts: Slurm and Flux both at the top of their range.
    assert skipped["slurm"] == skipped["flux"] == 100.0
    assert _fits(model, {"mpi": "most", "reservations": "unknown"}) == skipped


def test_a_skipped_question_scored_0_inside_each_range_before_version_2():
    model = _model(MPI, RESERVATIONS_V1)

    skipped = _fits(model, {"mpi": "most"})

    # Flux's -3 made the skipped question worth 3 of its range, Slurm's +2 none of its: the
    # bias version 2 removes.
    assert (skipped["slurm"], skipped["flux"]) == (66.7, 100.0)


def test_a_no_need_answer_leaves_every_fit_where_it_was():
    model = _model(MPI, RESERVATIONS, rules=V2_RULES)

    assert _fits(model, {"mpi": "most", "reservations": "no"}) == _fits(model, {"mpi": "most"})


def test_a_need_counts_against_the_option_that_lacks_it():
    model = _model(MPI, RESERVATIONS, rules=V2_RULES)

    fits = _fits(model, {"mpi": "most", "reservations": "yes"})

    # Slurm has no gap (span 0 on the question); Flux falls to 2 of its 1..2 + -3..0 range.
    assert fits["slurm"] == 100.0
    assert fits["flux"] == round((2 - 1) / ((2 - 1) + 3) * 100, 1)


TEAM_POINTS = {
    "kubernetes": 3,
    "slurm": -3,
    "slurm_on_kubernetes": -3,
    "flux": -3,
    "hybrid": -3,
}


def _risky_model(rules):
    return _model(
        question(
            "team",
            choice("hpc", **TEAM_POINTS),
            choice("platform", **TEAM_POINTS),
            choice("other"),
        ),
        risks=[
            {
                "id": 1,
                "option": "kubernetes",
                "level": "high",
                "title": "No Kubernetes operators",
                "description": "",
                "improvement": "",
                "feature": None,
                "when": {"team": ["hpc"]},
            }
        ],
        rules=rules,
    )


def test_a_high_risk_of_the_recommendation_caps_the_confidence_at_medium():
    capped = score(_risky_model(V2_RULES), {"team": "hpc"})
    uncapped = score(_risky_model(V2_RULES), {"team": "platform"})

    assert uncapped["confidence_label"] == "high"
    assert capped["recommendation"] == "kubernetes"
    assert capped["confidence_label"] == "medium"
    assert capped["confidence"] == 0.55


def test_high_risks_left_the_confidence_alone_before_version_2():
    result = score(_risky_model(None), {"team": "hpc"})

    assert result["confidence_label"] == "high"
