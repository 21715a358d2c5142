"""The production profile: deploy checks, database outage, security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7!Qp2v#Lr9sT4wZ8mN1bC6dF3gH5jK0aE2uY7iO9pR4tW6qS8",
    "DJANGO_ALLOWED_HOSTS": "advisor.example.com",
    # Not connected to by the checks.
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def _deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env}
    env.pop("DATABASE_URL", None)
    # Set by the browser fixture for its own process; a deployment never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_passes_the_deploy_checks_with_no_warnings():
    result = _deploy_check(PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_checks_want_a_cache_shared_by_all_processes():
    result = _deploy_check({**PRODUCTION_ENV, "CACHE_URL": ""})

    assert result.returncode != 0
    assert "core.W001" in result.stderr
    assert "Set CACHE_URL" in result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key():
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_it_sends_the_security_headers(client):
    response = client.get("/healthz")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def _break_database(monkeypatch):
    """Every new query fails as it does when PostgreSQL is down."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", refuse
    )
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)


@pytest.mark.django_db
def test_it_answers_503_with_a_clear_page_when_the_database_is_unreachable(
    client, sales, monkeypatch
):
    # given a logged-in visitor, whose session lives in the database
    client.force_login(sales)
    _break_database(monkeypatch)

    # when
    ready = client.get("/readyz")
    page = client.get("/")

    # then
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] is False
    assert page.status_code == 503
    assert b"cannot reach its database" in page.content
    assert page["Retry-After"] == "30"


@pytest.mark.django_db
def test_it_serves_the_api_docs_without_inline_scripts(client):
    # The CSP allows scripts from our origin only: an inline start-up script would not run.
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert page.count("<script") == page.count("<script src=") == 3
    assert '<html lang="en">' in page
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
