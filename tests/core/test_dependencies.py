"""The lock files install anywhere: no machine paths, every runtime and dev pin in place."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ["requirements.txt", "requirements-dev.txt"]


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s\\]+)", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", LOCKS)
def test_the_lock_file_names_no_index_or_path_of_this_machine(name):
    text = (ROOT / name).read_text()

    assert "file://" not in text
    assert not re.search(r"^\s*--(extra-index-url|index-url|find-links)\b", text, re.MULTILINE)


def test_the_serve_runner_is_a_dev_tool_and_redis_comes_with_celery():
    direct = (ROOT / "requirements.in").read_text().split()

    assert "honcho" not in _pins("requirements.txt")
    assert "honcho" in _pins("requirements-dev.txt")
    assert "redis" not in direct
    assert "celery[redis]" in direct
    assert "redis" in _pins("requirements.txt")


def test_errors_reach_sentry_with_a_pinned_sdk():
    assert "sentry-sdk" in (ROOT / "requirements.in").read_text().split()
    assert "sentry-sdk" in _pins("requirements.txt")
