"""Faults injected into the real production stack: gunicorn, Celery worker and beat, PostgreSQL
and Redis as separate processes (`tests.stack`).

Each test runs its own Redis server (never the machine's shared one) and its own database,
copied from a template prepared once per module. They need PostgreSQL, Redis and
`INTEGRATION_BROKER_URL` (the PostgreSQL pass of `.ci/run`); elsewhere they are skipped,
unless `INTEGRATION_REQUIRED=1` turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.prospects import crowd, submission, submit_all
from tests.stack import (
    PG_ADMIN_URL,
    RedisServer,
    Stack,
    TcpProxy,
    drop_database,
    postgres_available,
    redis_available,
)

pytestmark = pytest.mark.integration

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
PG_PORT = 5432


def run_async(coroutine):
    """Run a coroutine to completion on a loop of its own, in a thread of its own.

    A browser test earlier in the same worker leaves Playwright's event loop running in the
    main thread, where ``asyncio.run`` refuses to start another.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _missing() -> str | None:
    if not os.environ.get("INTEGRATION_BROKER_URL"):
        return "fault tests need INTEGRATION_BROKER_URL (set by the PostgreSQL pass of .ci/run)"
    if not postgres_available():
        return "fault tests need PostgreSQL on 127.0.0.1:5432"
    if not redis_available():
        return "fault tests need Redis on 127.0.0.1:6379"
    for tool in ("redis-server", "redis-cli"):
        if not shutil.which(tool):
            return f"fault tests need {tool} (apt-get install redis-server)"
    return None


@pytest.fixture(scope="module")
def template() -> Iterator[str]:
    """A migrated, seeded database with bookable slots; each test works on a copy of it."""
    if reason := _missing():
        if os.environ.get("INTEGRATION_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"faults_template_{WORKER}"
    with RedisServer() as redis:
        stack = Stack(name=name, redis_db=0, redis_base_url=redis.base_url)
        stack.prepare()
        stack.manage(
            "shell",
            "-c",
            "from apps.seed.demo import create_demo_availability; create_demo_availability()",
        )
    yield name
    drop_database(name)


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def make_stack(template: str, redis: RedisServer) -> Iterator[Callable[..., Stack]]:
    """Builds a stack on a fresh copy of the template and this test's own Redis."""
    stacks: list[Stack] = []

    def make(suffix: str, **kwargs: Any) -> Stack:
        stack = Stack(
            name=f"faults_{suffix}_{WORKER}",
            redis_db=0,
            redis_base_url=redis.base_url,
            **kwargs,
        )
        stacks.append(stack)
        stack.prepare(template=template)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
        drop_database(stack.name)


def query(stack: Stack, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Reads the stack's database directly, bypassing whatever the test cut."""
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{stack.name}"
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def assessments(stack: Stack) -> list[tuple[Any, ...]]:
    """(id, status, attempts, answers, result, scored with) of every submitted assessment."""
    return query(
        stack,
        "SELECT a.id, a.status, a.attempts, a.answers, a.result, m.snapshot "
        "FROM assessments_assessment a "
        "LEFT JOIN questionnaire_scoringmodel m ON m.id = a.scoring_model_id "
        "WHERE a.status <> 'draft' ORDER BY a.id",
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.5)


def all_scored(stack: Stack, count: int) -> Callable[[], bool]:
    def check() -> bool:
        rows = assessments(stack)
        return len(rows) == count and all(row[1] in {"scored", "failed"} for row in rows)

    return check


def assert_scored_once_and_consistent(stack: Stack, count: int) -> None:
    """Every assessment scored, with the result the engine gives for its answers."""
    from apps.questionnaire.scoring import score

    rows = assessments(stack)
    assert len(rows) == count, f"{len(rows)} assessments in the database, {count} submitted"
    for pk, status, attempts, answers, result, snapshot in rows:
        assert status == "scored", f"assessment {pk} is {status}"
        assert attempts == 1, f"assessment {pk} was claimed {attempts} times"
        expected = score(snapshot, answers)
        assert result["recommendation"] == expected["recommendation"], pk
        assert result["scores"] == expected["scores"], pk


# --- (a) the broker goes away ---


def test_it_keeps_submissions_while_redis_is_down_and_scores_them_when_it_returns(
    make_stack, redis
):
    stack = make_stack(
        "redis",
        beat=True,
        extra_env={
            "ASSESSMENT_REQUEUE_AFTER_SECONDS": "3",
            "ASSESSMENT_REQUEUE_EVERY_SECONDS": "2",
        },
    )
    stack.start()
    # given a stack that scores submissions
    warm = run_async(crowd(stack.base_url, 3, timeout=120))
    assert [o.final_status for o in warm] == ["scored"] * 3, [o.errors for o in warm]

    # when Redis stops while 20 prospects submit
    redis.stop()
    during = run_async(submit_all(stack.base_url, range(100, 120)))
    compare = httpx.get(stack.base_url + "/compare/", timeout=60)

    # then every submission is accepted and kept as pending, and the site still answers
    assert [o.submit_status for o in during] == [202] * 20, [o.errors for o in during]
    assert compare.status_code == 200
    statuses = [row[1] for row in assessments(stack)]
    assert statuses.count("pending") == 20, statuses

    # when Redis returns, the periodic re-queue (beat) gets every one scored, once
    redis.start()
    wait_until(all_scored(stack, 23), 180, "all 23 assessments are scored")
    assert_scored_once_and_consistent(stack, 23)


class Visitor:
    """A browser-like client of the stack: keeps cookies and sends Django's CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post_form(self, path: str, data: dict[str, Any]) -> httpx.Response:
        """Opens the page (which sets the CSRF cookie), then posts the form with the token."""
        self.client.get(path).raise_for_status()
        token = self.client.cookies["csrftoken"]
        return self.client.post(path, data={**data, "csrfmiddlewaretoken": token})


def mails_to(folder: Path) -> Counter[str]:
    """How many messages each address received (file-based mail backend)."""
    counts: Counter[str] = Counter()
    for path in folder.glob("*.log"):
        for line in re.findall(r"^To: (.+)$", path.read_text(), flags=re.MULTILINE):
            counts.update(address.strip() for address in line.split(","))
    return counts


def test_it_answers_every_action_while_redis_is_down_and_does_the_work_when_it_returns(
    make_stack, redis, tmp_path
):
    mail_dir = tmp_path / "mail"
    stack = make_stack(
        "outbox",
        beat=True,
        extra_env={
            "OUTBOX_FLUSH_EVERY_SECONDS": "2",
            "REPORTS_RENDER_AFTER_SCORING": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        },
    )
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group; from apps.accounts.models import SALES, User; "
        "u = User.objects.create_user('sales', password='pw-for-faults-1', is_staff=True); "
        "u.groups.add(Group.objects.get_or_create(name=SALES)[0])",
    )
    stack.start()
    web = Visitor(stack.base_url)
    slots = web.get("/api/v1/slots/").json()
    assert len(slots) >= 4

    # given a scored assessment, two bookings confirmed and a salesperson logged in
    (scored,) = run_async(crowd(stack.base_url, 1, timeout=120))
    assert scored.final_status == "scored", scored.errors
    moved, cancelled = (_book(stack, slots[n], n) for n in (0, 1))
    assert (moved.status_code, cancelled.status_code) == (201, 201)
    sales = Visitor(stack.base_url)
    login = sales.post_form(
        "/accounts/login/", {"username": "sales", "password": "pw-for-faults-1"}
    )
    assert login.status_code == 302, login.text[:500]
    wait_until(
        lambda: mails_to(mail_dir)["p0@example.org"] == 1 and mails_to(mail_dir)["p1@example.org"],
        60,
        "both bookings are confirmed",
    )
    scored_at = query(stack, "SELECT scored_at FROM assessments_assessment")[0][0]

    # when Redis stops and visitors book, cancel, move, submit, ask for their link, their PDF,
    # and sales re-score
    redis.stop()
    manage = {n: _manage_path(r) for n, r in ((0, moved), (1, cancelled))}
    booked = _book(stack, slots[2], 2)
    cancel = web.post_form(manage[1] + "cancel/", {})
    move = web.post_form(manage[0] + "reschedule/", {"slot": slots[3]["id"]})
    (submitted,) = run_async(submit_all(stack.base_url, range(200, 201)))
    draft = web.post_form("/assessment/", {"website": ""})
    step_1 = str(draft.headers.get("Location", ""))
    resume = web.post_form(step_1, {"action": "email", "resume_email": "resume@example.org"})
    report = web.get(f"/api/v1/assessments/{scored.token}/report.pdf")
    rescore = sales.post_form("/dashboard/rescore/", {"scope": "all"})

    # then each answers as it does when Redis is up, and the work waits in the outbox
    assert booked.status_code == 201, booked.text[:500]
    assert submitted.submit_status == 202, submitted.errors
    for response in (cancel, move, draft, resume, rescore):
        assert response.status_code == 302, (response.request.url, response.text[:500])
    assert resume.headers["Location"].endswith("?sent=1")
    assert report.status_code == 202, report.text[:500]
    waiting = {row[0] for row in query(stack, "SELECT task FROM core_outboxmessage")}
    assert waiting >= {
        "booking.send_confirmation",
        "booking.send_cancellation",
        "assessments.score",
        "assessments.send_resume_link",
        "reports.render_report",
        "dashboard.rescore_chunk",
    }, waiting

    # when Redis returns, the beat flushes the outbox and the worker does every piece of work
    redis.start()
    expected = {
        "p0@example.org": 2,  # confirmed, then moved
        "p1@example.org": 2,  # confirmed, then cancelled
        "p2@example.org": 1,  # booked during the outage
        "resume@example.org": 1,
    }
    wait_until(
        lambda: all(mails_to(mail_dir)[a] >= n for a, n in expected.items()),
        120,
        "every mail is sent",
    )
    wait_until(
        lambda: web.get(f"/api/v1/assessments/{scored.token}/report.pdf").status_code == 200,
        120,
        "the report is rendered",
    )
    wait_until(all_scored(stack, 2), 60, "the submission is scored")
    # A few more flushes: nothing is sent twice and the outbox stays empty.
    time.sleep(6)
    assert {a: mails_to(mail_dir)[a] for a in expected} == expected
    assert query(stack, "SELECT count(*) FROM core_outboxmessage")[0][0] == 0
    rescored = query(stack, "SELECT scored_at FROM assessments_assessment WHERE id = 1")[0][0]
    assert rescored > scored_at
    assert_scored_once_and_consistent(stack, 2)


def _manage_path(booking: httpx.Response) -> str:
    return "/" + booking.json()["manage_url"].split("/", 3)[3]


# --- (b) a worker dies in the middle of a task ---


def _backends_waiting_on_a_lock(stack: Stack) -> list[int]:
    return [
        row[0]
        for row in query(
            stack,
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            stack.name,
        )
    ]


def test_it_delivers_a_task_again_when_its_worker_is_killed_in_the_middle(make_stack):
    stack = make_stack("worker", extra_env={"CELERY_VISIBILITY_TIMEOUT": "5"})
    stack.start_web()
    # given six submissions queued while no worker runs
    queued = run_async(submit_all(stack.base_url, range(6)))
    assert [o.submit_status for o in queued] == [202] * 6, [o.errors for o in queued]

    # when a worker takes tasks and is killed while they are running: their claim of the row
    # waits on a lock this test holds, so both worker processes are inside a task
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{stack.name}"
    with psycopg.connect(url) as locker, psycopg.connect(url, autocommit=True) as admin:
        locker.execute("SELECT id FROM assessments_assessment FOR UPDATE")
        stack.start_worker()
        wait_until(
            lambda: len(_backends_waiting_on_a_lock(stack)) >= stack.worker_concurrency,
            90,
            "both worker processes are inside a task",
        )
        stuck = _backends_waiting_on_a_lock(stack)
        stack.kill("worker")
        # A dead machine's connections go with it; on one host the server would otherwise
        # finish the orphaned claims as soon as the lock is released.
        for pid in stuck:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        locker.rollback()

    # then a new worker receives the interrupted tasks again and each completes exactly once
    stack.start_worker()
    wait_until(all_scored(stack, 6), 120, "all 6 assessments are scored")
    assert_scored_once_and_consistent(stack, 6)


# --- (c) the database goes away ---


def _book(stack: Stack, slot: dict[str, Any], n: int) -> httpx.Response:
    return httpx.post(
        stack.base_url + "/api/v1/bookings/",
        json={"slot": slot["id"], "name": f"Prospect {n}", "email": f"p{n}@example.org"},
        timeout=60,
    )


def test_it_answers_503_without_partial_writes_while_the_database_is_unreachable(make_stack):
    proxy = TcpProxy(PG_PORT).start()
    try:
        stack = make_stack("database")
        stack.extra_env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{proxy.port}/{stack.name}"
        stack.start()
        slots = httpx.get(stack.base_url + "/api/v1/slots/", timeout=60).json()
        questionnaire = httpx.get(stack.base_url + "/api/v1/questionnaire/", timeout=60).json()
        assert len(slots) >= 3
        # given one booking made while the database answers, and the comparison page seen
        assert _book(stack, slots[0], 0).status_code == 201
        assert httpx.get(stack.base_url + "/compare/", timeout=60).status_code == 200

        # when the database becomes unreachable
        proxy.cut()
        cached = httpx.get(stack.base_url + "/compare/", timeout=60)
        page = httpx.get(stack.base_url + "/compare/?tech=slurm&tech=flux", timeout=60)
        api = httpx.get(stack.base_url + "/api/v1/technologies/", timeout=60)
        booking = _book(stack, slots[1], 1)
        submitted = httpx.post(
            stack.base_url + "/api/v1/assessments/", json=submission(questionnaire, 1), timeout=60
        )
        ready = httpx.get(stack.base_url + "/readyz", timeout=60)
        alive = httpx.get(stack.base_url + "/healthz", timeout=60)

        # then a page already in the cache is still served; others and the API say clearly
        # that the database is unreachable, and the process stays alive
        assert cached.status_code == 200
        assert "Compare orchestration layers" in cached.text
        assert page.status_code == 503
        assert "cannot reach its database" in page.text
        assert page.headers["Retry-After"] == "30"
        assert "text/html" in page.headers["Content-Type"]
        for response in (api, booking, submitted):
            assert response.status_code == 503, response.text[:500]
            assert response.json()["detail"]
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] is False
        assert alive.status_code == 200

        # when it returns, the site recovers by itself
        proxy.restore()
        wait_until(
            lambda: httpx.get(stack.base_url + "/readyz", timeout=60).status_code == 200,
            60,
            "the stack is ready again",
        )
        assert _book(stack, slots[2], 2).status_code == 201

        # and the outage left no partial write: exactly the two accepted bookings exist
        booked = query(stack, "SELECT slot_id FROM booking_booking ORDER BY slot_id")
        assert [row[0] for row in booked] == sorted([slots[0]["id"], slots[2]["id"]])
        assert query(stack, "SELECT count(*) FROM assessments_assessment")[0][0] == 0
    finally:
        proxy.cut()
