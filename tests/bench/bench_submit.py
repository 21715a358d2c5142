"""Submission → scored latency through a real Celery worker, Redis and PostgreSQL.

The figure is a ratio to the round trip of a no-op task (``assessments.ping``) through the
same broker and worker, measured in the same run. ``run()`` checks that Redis and PostgreSQL
answer, then runs this module as a subprocess (``--driver``) whose settings point at a
scratch database (``advisor_bench``, created and migrated when missing) and the real broker.
Without Redis or PostgreSQL it returns one row with ``ok=None`` and a note.

One at a time means what it means for prospects, who arrive seconds apart: each submission,
and each no-op of the baseline, starts once the stack has been idle for ``IDLE_SECONDS``, so it
never overlaps the previous one's remaining work (the worker queues the PDF's render and
acknowledges the message after the commit that the bench is told of). Submissions and no-ops
take turns, so that both meet the host at the same speed (it drifts within a minute here): in
turns the ratio read 2.81-2.93 in six runs, in two series one after the other 2.61-3.22 in
nine, at the same hour. The same figures taken back to back, each the instant the previous one
is done, are printed beside them, without a target: every process stays hot then and the
previous task's tail overlaps the next one.

Environment: ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/advisor_bench),
``BENCH_BROKER_URL`` (default redis://127.0.0.1:6379/14), ``BENCH_SUBMISSIONS`` (default 50),
``BENCH_IDLE_SECONDS`` (default 0.1).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/advisor_bench"
)
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "50"))
WARM_UP = 5
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "0.1"))
SCORED_TIMEOUT = 30.0
# The bench learns that a row is scored the way the baseline learns that its no-op is done:
# told, not polling. A trigger in the scratch database notifies on the channel when a row's
# status becomes "scored", at that transaction's commit (a poll every millisecond took CPU
# from the worker and the database on this two-core machine, and added its own delay).
CHANNEL = "bench_scored"
NOTIFY_TRIGGER = f"""
CREATE OR REPLACE FUNCTION bench_notify_scored() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.id::text || ' ' || extract(epoch FROM clock_timestamp()));
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS bench_notify_scored ON assessments_assessment;
CREATE TRIGGER bench_notify_scored AFTER UPDATE OF status ON assessments_assessment
    FOR EACH ROW WHEN (NEW.status = 'scored' AND OLD.status IS DISTINCT FROM 'scored')
    EXECUTE FUNCTION bench_notify_scored();
"""
DROP_NOTIFY_TRIGGER = """
DROP TRIGGER IF EXISTS bench_notify_scored ON assessments_assessment;
DROP FUNCTION IF EXISTS bench_notify_scored();
"""
# Where a submission's time goes, from clocks of the one host: the bench's before it submits and
# once the publish returned, the row's ``scored_at`` (set by the worker when the engine is done),
# the trigger's clock when the result's UPDATE ran, and the bench's when it was notified.
SEGMENTS = (
    ("submission: validation, INSERT, publish", "started", "published"),
    ("to the worker, claim, engine", "published", "scored_at"),
    ("the result's UPDATE", "scored_at", "updated"),
    ("rest of the transaction, commit, notification", "updated", "notified"),
)
# On top of the no-op's two broker hops, a submission makes a few database round trips (the
# INSERT; the claim that reads the row; the technology's id, the result and the team check in
# a transaction whose commit does not wait for the disk), the engine runs, and the bench polls
# for the row (issue 14: ≤ 3×).
TARGET_P50_RATIO = 3.0
TARGET_P95_RATIO = 30.0
NAME = "submit → scored, real worker"


def run() -> list[dict[str, Any]]:
    problem = _services_problem()
    if problem:
        print(f"bench_submit skipped: {problem}", file=sys.stderr)
        return [_skipped_row(problem)]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The production profile, as the load bench's stack runs it: `make bench` exports the
        # development one, whose debug cursor logs every statement in the submitting process
        # and the worker (the worker inherits this environment).
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-submit-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": BROKER_URL,
        # The bench posts far faster than a person.
        "RATELIMIT_ENABLE": "false",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_submit", "--driver"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if completed.returncode != 0:
        print(completed.stdout[-4000:], completed.stderr[-4000:], file=sys.stderr)
        return [_skipped_row("the bench driver failed; see stderr") | {"ok": False}]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _skipped_row(note: str) -> dict[str, Any]:
    return {
        "name": f"{NAME} (not run: {note})",
        "value": float("nan"),
        "unit": "ms",
        "baseline": None,
        "ratio": None,
        "target": "-",
        "ok": None,
        "note": note,
    }


def _services_problem() -> str | None:
    import psycopg
    import redis

    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {BROKER_URL} does not answer ({exc.__class__.__name__})"
    try:
        _ensure_database()
    except psycopg.Error as exc:
        return f"PostgreSQL for {DATABASE_URL} does not answer ({exc.__class__.__name__})"
    return None


def _ensure_database() -> None:
    """Creates the scratch database when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=3) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- The driver: runs in a subprocess whose settings use the bench database and broker ---


def _drive() -> list[dict[str, Any]]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests.assessments.worker import publishing_to, unique_queue, worker

    call_command("migrate", verbosity=0, interactive=False)
    snapshot = _seed_model()
    answers = _answer_sets(snapshot)
    queue = unique_queue("bench")
    database = _database_url(connection.settings_dict)
    with connection.cursor() as cursor:
        cursor.execute(NOTIFY_TRIGGER)
    try:
        with (
            worker(database=database, broker=BROKER_URL, queue=queue),
            publishing_to(BROKER_URL, queue, result_backend=BROKER_URL),
        ):
            with _Submissions(answers, database) as submissions:
                # In turns, so that both meet the host at the same speed.
                ping, submit = _series(IDLE_SECONDS, _ping_once, submissions.once)
                segments = submissions.clocks()
            with _Submissions(answers, database) as submissions:
                (hot_ping,) = _series(0.0, _ping_once)
                (hot_submit,) = _series(0.0, submissions.once)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(DROP_NOTIFY_TRIGGER)
        _drop_report_renders()
    return (
        _rows(submit, ping)
        + _segment_rows(segments, ping)
        + _back_to_back_rows(hot_submit, hot_ping)
    )


def _drop_report_renders() -> None:
    """Each scoring queued its PDF render on the reports queue, which no worker here takes."""
    import redis
    from django.conf import settings

    queue = settings.REPORTS_QUEUE
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _database_url(settings_dict: dict[str, Any]) -> str:
    from tests.assessments.worker import database_url

    return database_url(settings_dict)


def _seed_model() -> dict[str, Any]:
    """The published model: the fixtures' version 1, as ``seed`` loads and publishes it."""
    from django.core.management import call_command

    from apps.assessments.models import Assessment
    from apps.questionnaire import services as questionnaire_services
    from apps.questionnaire.models import ScoringModel

    Assessment.objects.all().delete()
    call_command("seed", "--no-demo-users", verbosity=0)
    model = questionnaire_services.latest_model()
    if model is None:
        raise RuntimeError("seed published no scoring model: are fixtures/ complete?")
    return ScoringModel.objects.get(pk=model.pk).snapshot


def _answer_sets(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The personas' answer sets: realistic, complete, recommended every option between them."""
    from apps.questionnaire import forms
    from tests.questionnaire.personas import PERSONAS

    return [forms.validate_answers(snapshot, answers) for _expected, answers in PERSONAS.values()]


def _series(idle: float, *actions: Callable[[int], float]) -> list[list[float]]:
    """``SUBMISSIONS`` timings of each action, the actions taking turns, each after ``idle``
    seconds of quiet; ``WARM_UP`` rounds first are not kept."""
    timings: list[list[float]] = [[] for _ in actions]
    for n in range(SUBMISSIONS + WARM_UP):
        for action, kept in zip(actions, timings, strict=True):
            time.sleep(idle)
            elapsed = action(n)
            if n >= WARM_UP:
                kept.append(elapsed)
    return timings


def _ping_once(n: int) -> float:
    """One no-op task's round trip, in seconds."""
    from apps.assessments import tasks

    started = time.perf_counter()
    result = tasks.ping.delay(n)
    result.get(timeout=SCORED_TIMEOUT)
    elapsed = time.perf_counter() - started
    result.forget()
    return elapsed


class _Submissions:
    """Submissions one at a time, each timed until the trigger says it is scored; keeps the
    host clock's reading at each step. On leaving, checks that every notified row is scored,
    and deletes the rows."""

    def __init__(self, answer_sets: list[dict[str, Any]], database: str) -> None:
        self.answer_sets, self.database = answer_sets, database
        self.steps: dict[int, dict[str, float]] = {}
        self.made = 0

    def __enter__(self) -> "_Submissions":
        import psycopg

        url = self.database.replace("postgres://", "postgresql://", 1)
        self.listener = psycopg.connect(url, autocommit=True)
        self.listener.execute(f"LISTEN {CHANNEL}")
        return self

    def once(self, n: int) -> float:
        from apps.assessments import services

        started, wall = time.perf_counter(), time.time()
        assessment, _token = services.submit_answers(
            answers=self.answer_sets[n % len(self.answer_sets)], contact={}, consent=False
        )
        published = time.time()
        updated = _wait_scored(self.listener, assessment.pk, deadline=started + SCORED_TIMEOUT)
        elapsed = time.perf_counter() - started
        self.made += 1
        if n >= WARM_UP:
            self.steps[assessment.pk] = {
                "started": wall,
                "published": published,
                "updated": updated,
                "notified": time.time(),
            }
        return elapsed

    def clocks(self) -> list[dict[str, float]]:
        """Each kept submission's clock readings, with the row's ``scored_at``."""
        from apps.assessments.models import Assessment

        scored = Assessment.objects.filter(pk__in=self.steps, status=Assessment.Status.SCORED)
        for pk, scored_at in scored.values_list("pk", "scored_at"):
            self.steps[pk]["scored_at"] = scored_at.timestamp()
        return list(self.steps.values())

    def __exit__(self, *exc: object) -> None:
        from apps.assessments.models import Assessment

        self.listener.close()
        if exc[0] is not None:
            return
        scored = Assessment.objects.filter(status=Assessment.Status.SCORED).count()
        Assessment.objects.all().delete()
        if scored != self.made:
            raise RuntimeError("a notified row is not scored in the database")


def _wait_scored(listener: Any, pk: int, *, deadline: float) -> float:
    """Until the trigger says row ``pk`` is scored (its transaction committed); returns the
    database's clock when the result's UPDATE ran."""
    while (left := deadline - time.perf_counter()) > 0:
        for notice in listener.notifies(timeout=left, stop_after=1):
            notified_pk, updated = notice.payload.split()
            if notified_pk == str(pk):
                return float(updated)
    raise RuntimeError(f"assessment {pk} was not scored in time")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _rows(submit: list[float], ping: list[float]) -> list[dict[str, Any]]:
    rows = []
    for label, share, target in (("p50", 0.5, TARGET_P50_RATIO), ("p95", 0.95, TARGET_P95_RATIO)):
        value = _percentile(submit, share) * 1000
        baseline = _percentile(ping, share) * 1000
        ratio = value / baseline
        rows.append(
            {
                "name": f"{NAME} {label} (baseline: no-op task round trip)",
                "value": value,
                "unit": "ms",
                "baseline": baseline,
                "ratio": ratio,
                "target": f"≤ {target:g}×",
                "ok": ratio <= target,
                "samples": len(submit),
                "mean_ms": statistics.fmean(submit) * 1000,
            }
        )
    return rows


def _back_to_back_rows(submit: list[float], ping: list[float]) -> list[dict[str, Any]]:
    """The p50 taken back to back, beside the no-op's taken so."""
    return [
        _informative_row(
            f"{NAME} p50, back to back (baseline: no-op round trips back to back)",
            _percentile(submit, 0.5),
            _percentile(ping, 0.5),
        )
    ]


def _segment_rows(segments: list[dict[str, float]], ping: list[float]) -> list[dict[str, Any]]:
    """Where the p50 goes, each step beside the no-op's p50."""
    baseline = _percentile(ping, 0.5)
    return [
        _informative_row(
            f"{NAME}, p50 of one step: {label}",
            _percentile([clock[end] - clock[start] for clock in segments], 0.5),
            baseline,
        )
        for label, start, end in SEGMENTS
    ]


def _informative_row(name: str, seconds: float, baseline_seconds: float) -> dict[str, Any]:
    """A figure in milliseconds beside its baseline, without a target."""
    value, baseline = seconds * 1000, baseline_seconds * 1000
    return {
        "name": name,
        "value": value,
        "unit": "ms",
        "baseline": baseline,
        "ratio": value / baseline,
        "target": "-",
        "ok": None,
    }


if __name__ == "__main__" and "--driver" in sys.argv:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    print(json.dumps(_drive()))
