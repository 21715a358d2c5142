"""A real Celery worker in a subprocess, for the integration test and the submission bench.

Each run consumes from its own queue, so concurrent runs sharing one Redis database (pytest
with xdist, several helpers' tests) never take each other's messages.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from kombu import pools as kombu_pools

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def database_url(settings_dict: dict[str, Any]) -> str:
    """A ``DATABASE_URL`` for the database a Django connection uses (e.g. the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def broker_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def unique_queue(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@contextmanager
def worker(
    *, database: str, broker: str, queue: str, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts ``celery -A config worker`` on one queue, waits until it is ready, stops it after."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "PYTHONUNBUFFERED": "1",
    }
    env |= extra_env or {}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-P",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--loglevel=INFO",
    ]
    with tempfile.NamedTemporaryFile("w+b", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_ready(process, log_path)
        yield process
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)
        _delete_queue(broker, queue)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        output = log_path.read_bytes()
        if b"ready." in output:
            return
        if process.poll() is not None:
            raise RuntimeError(
                f"the Celery worker exited early:\n{output.decode(errors='replace')}"
            )
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker was not ready within {READY_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # SIGTERM is Celery's warm shutdown: the current task finishes, then the worker exits.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def _delete_queue(broker: str, queue: str) -> None:
    import redis

    # A queue per run would otherwise leave its list and kombu's binding keys behind.
    client = redis.Redis.from_url(broker, socket_connect_timeout=2)
    with suppress(redis.RedisError):
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@contextmanager
def publishing_to(broker: str, queue: str, *, result_backend: str | None = None) -> Iterator[Any]:
    """Makes this process publish tasks to a real broker and queue instead of running them eagerly."""
    from config.celery import app

    keys = ("task_always_eager", "broker_url", "task_default_queue", "result_backend")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=broker,
        task_default_queue=queue,
        result_backend=result_backend or saved["result_backend"],
    )
    _forget_connections(app)
    try:
        yield app
    finally:
        _forget_connections(app)
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app: Any) -> None:
    # The app caches its connection pool, its AMQP helper (queues, router, producer pool) and
    # its result backend; drop them so the next publish reads the configuration afresh.
    # Its pool lives in kombu's process-wide registry, which would hand the closed pool back
    # to the next (even eager) task: reset the registry, not just the app's pool.
    app._pool = None
    kombu_pools.reset()
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
