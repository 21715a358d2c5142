"""The production stack on this machine, started as real processes for load and fault tests.

gunicorn (production profile) + Celery worker (+ beat) against a scratch PostgreSQL database
and a Redis database number of the caller's choosing. Used by `tests/bench/` and the fault
tests; everything it starts it stops.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
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


def recreate_database(name: str, template: str | None = None) -> None:
    """An empty database, or a copy of `template` (which must have no open connections)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(create)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass
class Stack:
    """A web server and a worker with the production profile, on a scratch database."""

    name: str
    redis_db: int
    # Another Redis server (e.g. a private one a fault test stops): broker and cache go there.
    redis_base_url: str = REDIS_BASE_URL
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
        return f"{self.redis_base_url}/{self.redis_db}"

    @property
    def cache_url(self) -> str:
        return f"{self.redis_base_url}/{self.redis_db + 1}"

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
            "CACHE_URL": self.cache_url,
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

    def prepare(self, template: str | None = None) -> None:
        """A fresh database with migrations, content and a published scoring model.

        With `template`, the database is a copy of one an earlier `prepare()` made: seconds
        instead of a minute of migrations and seeding.
        """
        if template:
            recreate_database(self.name, template)
            self.flush_redis()
            return
        recreate_database(self.name)
        self.flush_redis()
        self.manage("migrate", "--noinput")
        self.collectstatic()
        self.manage("seed", "--no-demo-users")

    def collectstatic(self) -> None:
        """Collects (and compresses) static files, unless the sources have not changed since.

        Compressing every file of the admin and the API docs takes minutes on a busy machine;
        the result depends only on the files and the installed packages.
        """
        marker = ROOT / "var" / "static" / ".stack-fingerprint"
        marker.parent.mkdir(parents=True, exist_ok=True)
        # Several stacks (pytest-xdist workers) may prepare at once: one collects, others wait.
        with open(ROOT / "var" / ".collectstatic.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fingerprint = _static_fingerprint()
            if marker.exists() and marker.read_text() == fingerprint:
                return
            self.manage("collectstatic", "--noinput")
            marker.write_text(fingerprint)

    def flush_redis(self) -> None:
        for url in (self.broker_url, self.cache_url):
            subprocess.run(
                ["redis-cli", "-u", url, "FLUSHDB"], check=False, stdout=subprocess.DEVNULL
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
        """The Procfile's two workers: scoring and the rest (`celery`), and the PDF renders
        (`reports`, one process at a lower CPU priority)."""
        self._spawn(
            "worker",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "celery",
                "--loglevel=WARNING",
                f"--concurrency={self.worker_concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{self.name}@%h",
            ],
        )
        if "reports" in self.processes:
            return  # A test may kill and start the scoring worker alone.
        self._spawn(
            "reports",
            [
                "nice",
                "-n",
                "10",
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "reports",
                "--loglevel=WARNING",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{self.name}-reports@%h",
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

    def wait_for_workers(self, timeout: float = 120) -> None:
        """Until both workers answer a no-op task: a worker that is still importing Django and
        the apps takes a core for seconds, and a measurement taken meanwhile measures that."""
        from celery import Celery

        app = Celery("stack", broker=self.broker_url, backend=self.broker_url)
        try:
            for queue in ("celery", "reports"):
                app.send_task("assessments.ping", args=[queue], queue=queue).get(timeout=timeout)
        finally:
            app.close()

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


@dataclass
class RedisServer:
    """A private redis-server a fault test may stop and start again (never the shared one)."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not self.answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.1)
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stops the server at once; queued messages are lost as in a crash (no persistence)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class TcpProxy:
    """A loopback TCP relay to a service, which a fault test cuts (connections reset, port
    closed) and restores, to make e.g. PostgreSQL unreachable for one stack only."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        # create_server sets SO_REUSEADDR: the port can be bound again right after a cut.
        listener = socket.create_server(("127.0.0.1", self.port))
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                return
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Closes the port and resets every open connection: the service is gone."""
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.start()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cut()


def _static_fingerprint() -> str:
    digest = hashlib.sha256()
    sources = [ROOT / "requirements.txt"]
    sources += sorted(path for path in (ROOT / "static").rglob("*") if path.is_file())
    for path in sources:
        stat = path.stat()
        digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def tools_available() -> bool:
    return bool(shutil.which("redis-cli")) and postgres_available() and redis_available()
