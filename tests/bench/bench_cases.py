"""Case library benchmarks (issue 12): calibration and "organisations like yours".

Self-contained: builds a throwaway test database (in-memory SQLite by default, or a
``test_…`` database next to ``DATABASE_URL``), seeds it as ``manage.py seed`` does (the
fixtures, every case file in fixtures/cases/, the shipped version published), measures, and
drops it. Times are CPU time with SQLite (see ``_medians_ms``). Every figure is a ratio to one scoring measured in the same run: the engine on a
realistic assessment (the personas and random answer sets of bench_engine) with the compiled
model the site uses.

- ``calibrate``: every published case scored with the published version, queries included,
  as the command and the admin's publish step run it; also per case.
- ``similar_cases`` for one assessment's answers: warm (the per-process cache of published
  case answers holds them: one query to check the cache's stamp, then pure Python), cold
  (the cache emptied before each call: the cases and their answers loaded again), and the
  pure ``nearest_cases`` over profiles already in hand.
"""

import gc
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import (
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from tests.bench.bench_engine import answer_sets

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
ASSESSMENTS = 200
ROUNDS = 5
CALIBRATIONS = 30
# Calibrating scores each case once (fewer answers than a prospect gives: cheaper, if
# anything) plus a few queries for the whole library: at most 1.5 scorings per case.
TARGET_CALIBRATE_PER_CASE = 1.5
# similar_cases runs after every scoring; warm it must cost no more than the scoring itself.
TARGET_SIMILAR_WARM = 1.0
# Cold (first call in a process, or after an editor changes a case) it loads the library
# again: a handful of queries, tolerable once per process, not per request.
TARGET_SIMILAR_COLD = 15.0


def run() -> list[dict[str, Any]]:
    with _scratch_database():
        return _rows()


@contextmanager
def _scratch_database():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def _seed() -> Any:
    from apps.cases.services import load_case_files
    from apps.questionnaire.services import latest_model, publish_initial_if_missing
    from apps.seed.releases import publish_shipped_version

    for fixture in sorted(FIXTURES.glob("*.json")):
        call_command("loaddata", str(fixture), verbosity=0)
    publish_initial_if_missing()
    load_case_files(FIXTURES / "cases")
    # The version the site scores with, published as `manage.py seed` does.
    publish_shipped_version()
    return latest_model()


def _medians_ms(
    measures: dict[str, tuple[list[Callable[[], object]], Callable[[], object] | None]],
) -> dict[str, float]:
    """Per measure, the best of a few medians (ms) of its calls.

    Rounds are interleaved (baseline and figures in turn), so that load from other processes,
    which only ever adds time, falls on all of them alike. A measure's optional second item
    runs ahead of each call, outside the timing (e.g. to empty a cache).
    """
    for calls, before in measures.values():  # Warm-up: imports, query compilation.
        for call in calls[:3]:
            if before is not None:
                before()
            call()
    # CPU time where the database runs in this process (SQLite): a 15 ms calibration is
    # preempted on a busy machine where a 0.5 ms scoring is not, which wall time would charge
    # to the longer call. With another database its time is spent elsewhere: wall time then.
    clock = time.process_time if connection.vendor == "sqlite" else time.perf_counter
    medians: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(ROUNDS):
        for name, (calls, before) in measures.items():
            timings = []
            gc.disable()
            try:
                for call in calls:
                    if before is not None:
                        before()
                    start = clock()
                    call()
                    timings.append(clock() - start)
            finally:
                gc.enable()
            medians[name].append(statistics.median(timings))
    return {name: min(values) * 1000 for name, values in medians.items()}


def _row(name: str, value: float, baseline: float, target: str, ok: bool | None) -> dict:
    return {
        "name": name,
        "value": value,
        "unit": "ms",
        "baseline": baseline,
        "ratio": value / baseline,
        "target": target,
        "ok": ok,
    }


def _rows() -> list[dict[str, Any]]:
    from apps.cases import calibration as case_calibration
    from apps.cases import similarity
    from apps.cases.models import Case
    from apps.questionnaire import scoring
    from apps.questionnaire.services import compiled_model, stored_snapshot

    model = _seed()
    compiled = compiled_model(model)
    sets = answer_sets(stored_snapshot(model), ASSESSMENTS)
    library = Case.objects.published().count()

    with CaptureQueriesContext(connection) as queries:
        calibration = case_calibration.calibrate(model=model)
    assert calibration.cases == library, (calibration.cases, library)
    profiles = similarity.published_profiles()

    def empty_cache() -> None:
        with similarity._PROFILES_LOCK:
            similarity._PROFILES.clear()

    similar = [
        (lambda a=answers: similarity.similar_cases(answers=a, compiled=compiled))
        for answers in sets
    ]
    ms = _medians_ms(
        {
            "one": ([(lambda a=answers: scoring.score(compiled, a)) for answers in sets], None),
            "calibrate": ([lambda: case_calibration.calibrate(model=model)] * CALIBRATIONS, None),
            "warm": (similar, None),
            "cold": (similar, empty_cache),
            "pure": (
                [
                    (
                        lambda a=answers: similarity.nearest_cases(
                            a, compiled=compiled, cases=profiles
                        )
                    )
                    for answers in sets
                ],
                None,
            ),
        }
    )
    one, calibrate, warm, cold, pure = (
        ms[name] for name in ("one", "calibrate", "warm", "cold", "pure")
    )
    per_case = calibrate / library
    calibrate_target = TARGET_CALIBRATE_PER_CASE * library
    return [
        _row(
            f"calibrate: whole library ({library} cases, {calibration.summary()})",
            calibrate,
            one,
            f"≤ {calibrate_target:g}× one scoring",
            calibrate <= calibrate_target * one,
        ),
        {
            "name": "calibrate: queries, whole library",
            "value": len(queries),
            "unit": "queries",
            "target": "report",
            "ok": None,
        },
        _row(
            "calibrate: per case",
            per_case,
            one,
            f"≤ {TARGET_CALIBRATE_PER_CASE:g}× one scoring",
            per_case <= TARGET_CALIBRATE_PER_CASE * one,
        ),
        _row(
            f"similar_cases, warm (case cache hit, {library} cases)",
            warm,
            one,
            f"≤ {TARGET_SIMILAR_WARM:g}× one scoring",
            warm <= TARGET_SIMILAR_WARM * one,
        ),
        _row(
            "similar_cases, cold (case cache emptied)",
            cold,
            one,
            f"≤ {TARGET_SIMILAR_COLD:g}× one scoring",
            cold <= TARGET_SIMILAR_COLD * one,
        ),
        _row("nearest_cases alone (no queries)", pure, one, "report", None),
    ]
