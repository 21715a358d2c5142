"""`make run`'s SQLite holds ordinary concurrent use: a real server on a real database file.

The suite's own SQLite database lives in memory, and `live_server` shares that one connection
between all its threads, so it would serialise every request and prove nothing. Here the
project runs as `make run` runs it (`migrate`, `seed`, threaded `runserver`, tasks eager) on a
scratch database file, and many clients write to it at the same moment over HTTP.
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from tests.prospects import QUESTIONNAIRE_PATH, SUBMIT_PATH, submission
from tests.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
# `make run`'s `migrate` and `seed`, in one process to pay for Django's start-up once.
PREPARE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("seed", no_demo_users=True, verbosity=0)
"""

# On PostgreSQL (DATABASE_URL set) the same races are covered by tests/booking and the benches.
pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="tests the embedded SQLite default; this run uses another database",
)


def _server_env(database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "true",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
        "MEDIA_ROOT": str(database.parent / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Fifty submissions come from one address; the throttle is not what is tested.
        "API_SUBMIT_RATE": "1000/minute",
        # A PDF per submission costs a second each; the writes under test are the submissions'.
        "REPORTS_RENDER_AFTER_SCORING": "false",
    }
    # Set by the browser fixture for its own process; `make run` never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"runserver exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"runserver did not answer within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The base URL of `make run`'s stack on a fresh, seeded SQLite file."""
    folder = tmp_path_factory.mktemp("sqlite-site")
    env = _server_env(folder / "db.sqlite3")
    subprocess.run(
        [sys.executable, "-c", PREPARE], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    log = folder / "runserver.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def race(
    site: str, count: int, attempt: Callable[[httpx.Client, int], httpx.Response]
) -> list[Any]:
    """Runs ``attempt`` in ``count`` threads released together; their responses, or errors.

    Each client opens its connection first, as a visitor's browser has when it submits the page
    it loaded, so all requests reach the server's handler threads at the same moment (and the
    dev server's listen backlog of 10 is not what is measured).
    """
    clients = [httpx.Client(base_url=site, timeout=60) for _ in range(count)]
    for client in clients:
        client.get("/healthz").raise_for_status()
    barrier = threading.Barrier(count)
    responses: list[Any] = [None] * count

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[n] = attempt(clients[n], n)
        except Exception as exc:  # noqa: BLE001 - any other failure must show in the result
            responses[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for client in clients:
        client.close()
    return responses


def _statuses(responses: list[Any]) -> Counter[str]:
    return Counter(
        str(r.status_code) if isinstance(r, httpx.Response) else repr(r) for r in responses
    )


def _server_errors(responses: list[Any]) -> list[str]:
    return [
        f"{r.status_code}: {r.text[:200]}"
        for r in responses
        if isinstance(r, httpx.Response) and r.status_code >= 500
    ]


def test_it_books_a_slot_once_when_eight_people_book_it_at_once(site):
    # given a free slot of the demo availability `seed` creates
    slot = httpx.get(f"{site}/api/v1/slots/").raise_for_status().json()[0]

    # when eight people book it at the same moment
    def book(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(
            "/api/v1/bookings/",
            json={"slot": slot["id"], "name": f"Prospect {n}", "email": f"p{n}@example.org"},
        )

    responses = race(site, 8, book)

    # then one gets it and the others hear it was taken; nobody is told the site is down
    assert _statuses(responses) == Counter({"201": 1, "409": 7}), _server_errors(responses)


def test_it_accepts_fifty_submissions_at_once_and_loses_none(site):
    # given the published questionnaire
    questionnaire = httpx.get(f"{site}{QUESTIONNAIRE_PATH}").raise_for_status().json()

    # when fifty prospects submit at the same moment
    def submit(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(SUBMIT_PATH, json=submission(questionnaire, n))

    responses = race(site, 50, submit)

    # then every one is accepted, and each has its own stored, scored assessment
    assert _statuses(responses) == Counter({"202": 50}), _server_errors(responses)
    tokens = {response.json()["token"] for response in responses}
    assert len(tokens) == 50
    with httpx.Client(base_url=site) as client:
        stored = Counter(client.get(f"{SUBMIT_PATH}{token}/").json()["status"] for token in tokens)
    assert stored == Counter({"scored": 50})
