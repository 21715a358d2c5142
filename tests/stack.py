"""The production stack on this machine, started as real processes for load and fault tests.

gunicorn (production profile) + Celery worker (+ beat) against a scratch PostgreSQL database
and a Redis database number of the caller's choosing. Used by `tests/bench/` and the fault
tests; everything it starts it stops.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("STACK_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE_URL = os.environ.get("STACK_PG_BASE_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_BASE_URL = os.environ.get("STACK_REDIS_BASE_URL", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def recreate_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Stack:
    """A web server and a worker with the production profile, on a scratch database."""

    name: str
    redis_db: int
    web_workers: int = 2
    worker_concurrency: int = 2
    beat: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path = field(default_factory=lambda: ROOT / "var" / "stack")

    @property
    def database_url(self) -> str:
        return f"{PG_BASE_URL}/{self.name}"

    @property
    def broker_url(self) -> str:
        return f"{REDIS_BASE_URL}/{self.redis_db}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        static_root = ROOT / "var" / "static"
        return {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "stack-test-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": self.broker_url,
            "CACHE_URL": f"{REDIS_BASE_URL}/{self.redis_db + 1}",
            "STATIC_ROOT": str(static_root),
            "RATELIMIT_ENABLE": "false",
            "API_ANON_RATE": "1000000/minute",
            "API_SUBMIT_RATE": "1000000/minute",
            "API_BOOKING_RATE": "1000000/minute",
            "API_SHARE_RATE": "1000000/minute",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def prepare(self) -> None:
        """A fresh database with migrations, content and a published scoring model."""
        recreate_database(self.name)
        self.flush_redis()
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("seed", "--no-demo-users")

    def flush_redis(self) -> None:
        for db in (self.redis_db, self.redis_db + 1):
            subprocess.run(
                ["redis-cli", "-n", str(db), "FLUSHDB"], check=False, stdout=subprocess.DEVNULL
            )

    def _spawn(self, name: str, args: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{self.name}-{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--log-level",
                "warning",
            ],
        )
        self.wait_for("/healthz")

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={self.worker_concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{self.name}@%h",
            ],
        )

    def start_beat(self) -> None:
        schedule = self.log_dir / f"{self.name}-beat-schedule"
        self._spawn(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=WARNING",
                "-s",
                str(schedule),
            ],
        )

    def start(self) -> Stack:
        self.start_web()
        self.start_worker()
        if self.beat:
            self.start_beat()
        return self

    def wait_for(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urlopen(self.base_url + path, timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (URLError, OSError):
                time.sleep(0.2)
        raise TimeoutError(f"{self.base_url}{path} did not answer within {timeout}s")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kills one process group (e.g. the worker with all its children) at once."""
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
            del self.processes[name]

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tools_available() -> bool:
    return bool(shutil.which("redis-cli")) and postgres_available() and redis_available()
