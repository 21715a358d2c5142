"""Settings read from the environment: typos stop start-up, secrets come from files, errors
reach someone, and the default profile is production."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import path

ROOT = Path(__file__).resolve().parents[2]
# Variables of the calling shell that would change what these tests read.
_CLEARED = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ADMINS",
    "SENTRY_DSN",
    "DATABASE_URL",
    "DATABASE_CONN_MAX_AGE",
    "EMAIL_HOST_PASSWORD",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_SECRET_ACCESS_KEY",
)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in _CLEARED and not key.endswith("_FILE")
    }
    return subprocess.run(
        args, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False
    )


def _settings(env: dict[str, str], *names: str) -> dict[str, object]:
    """The named settings as a fresh process loads them from `env`."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = _run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DJANGO_DEBUG": "ture"},
            "DJANGO_DEBUG='ture' is not a boolean: use true or false (or 1/yes/on and 0/no/off).",
        ),
        (
            {"DJANGO_DEBUG": "true", "DATABASE_CONN_MAX_AGE": "abc"},
            "DATABASE_CONN_MAX_AGE='abc' is not an integer: use a whole number such as 60.",
        ),
    ],
)
def test_it_stops_start_up_on_a_malformed_value_with_one_line(env, message):
    # when
    setup = _run([sys.executable, "-c", "import django; django.setup()"], env)
    check = _run([sys.executable, "manage.py", "check"], env)

    # then
    assert setup.returncode != 0
    assert setup.stderr.strip().splitlines()[-1].endswith(f"ImproperlyConfigured: {message}")
    assert check.returncode != 0
    assert check.stderr.strip() == f"ImproperlyConfigured: {message}"


def test_it_defaults_to_the_production_profile():
    production = _settings({"DJANGO_SECRET_KEY": "k" * 50}, "DEBUG", "SECURE_SSL_REDIRECT")
    refused = _run([sys.executable, "manage.py", "check"], {})

    assert production == {"DEBUG": False, "SECURE_SSL_REDIRECT": True}
    assert refused.returncode != 0
    assert refused.stderr.startswith("ImproperlyConfigured: DJANGO_SECRET_KEY must be set")


def test_it_reads_every_secret_from_a_file(tmp_path):
    # given one file per secret, each ending with the newline editors leave
    secrets = {
        "DJANGO_SECRET_KEY": "s" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'secret.sqlite3'}",
        "EMAIL_HOST_PASSWORD": "smtp pass",
        "AWS_SECRET_ACCESS_KEY": "aws-secret",
    }
    env = {"DJANGO_DEBUG": "false", "AWS_STORAGE_BUCKET_NAME": "reports"}
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n")
        env[f"{name}_FILE"] = str(tmp_path / name)

    # when
    loaded = _settings(
        env, "SECRET_KEY", "DATABASES", "EMAIL_HOST_PASSWORD", "AWS_SECRET_ACCESS_KEY"
    )

    # then
    assert loaded["SECRET_KEY"] == secrets["DJANGO_SECRET_KEY"]
    assert loaded["DATABASES"]["default"]["NAME"] == str(tmp_path / "secret.sqlite3")
    assert loaded["EMAIL_HOST_PASSWORD"] == "smtp pass"
    assert loaded["AWS_SECRET_ACCESS_KEY"] == "aws-secret"


def test_it_refuses_a_secret_given_twice_or_an_unreadable_file(tmp_path):
    (tmp_path / "key").write_text("k" * 50)
    twice = {"DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SECRET_KEY_FILE": str(tmp_path / "key")}
    missing = {"DJANGO_DEBUG": "true", "SENTRY_DSN_FILE": str(tmp_path / "absent")}

    twice_result = _run([sys.executable, "manage.py", "check"], twice)
    missing_result = _run([sys.executable, "manage.py", "check"], missing)

    assert twice_result.stderr.strip() == (
        "ImproperlyConfigured: DJANGO_SECRET_KEY and DJANGO_SECRET_KEY_FILE are both set: "
        "set only one of them."
    )
    assert missing_result.stderr.strip() == (
        f"ImproperlyConfigured: SENTRY_DSN_FILE='{tmp_path / 'absent'}' cannot be read: "
        "No such file or directory."
    )


def test_it_reads_the_admins_from_the_environment():
    env = {"DJANGO_DEBUG": "true", "DJANGO_ADMINS": "Ops Team <ops@example.com>, dev@example.com"}

    assert _settings(env, "ADMINS") == {
        "ADMINS": [["Ops Team", "ops@example.com"], ["", "dev@example.com"]]
    }
    assert _settings({"DJANGO_DEBUG": "true"}, "ADMINS") == {"ADMINS": []}


def test_it_refuses_admins_without_addresses():
    result = _run(
        [sys.executable, "manage.py", "check"],
        {"DJANGO_DEBUG": "true", "DJANGO_ADMINS": "Ops Team"},
    )

    assert result.returncode != 0
    assert "DJANGO_ADMINS='Ops Team' is not a list of e-mail addresses" in result.stderr


def _sentry_client(env: dict[str, str]) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); import sentry_sdk; "
        "client = sentry_sdk.get_client(); "
        "print(json.dumps({'active': client.is_active(), "
        "'integrations': sorted(getattr(client, 'integrations', {}))}))"
    )
    result = _run([sys.executable, "-c", code], {"DJANGO_DEBUG": "true", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_it_reports_errors_to_sentry_only_with_a_dsn():
    # A DSN on the loopback: nothing is sent, since no event is captured.
    with_dsn = _sentry_client({"SENTRY_DSN": "https://public@127.0.0.1/1"})
    without = _sentry_client({})

    assert with_dsn["active"] is True
    assert {"django", "celery"} <= set(with_dsn["integrations"])
    assert without["active"] is False


def _fail(request):
    raise RuntimeError("boom")


urlpatterns = [path("fail/", _fail)]


@pytest.mark.urls("tests.core.test_settings")
def test_an_unhandled_error_is_mailed_to_the_admins(client, settings):
    # given the production profile's error path and an admin
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.com")]
    client.raise_request_exception = False

    # when
    response = client.get("/fail/")

    # then
    assert response.status_code == 500
    assert [message.to for message in mail.outbox] == [["ops@example.com"]]
    assert "RuntimeError" in mail.outbox[0].subject + mail.outbox[0].body
