"""Shared test fixtures: personas, seeded content and a real browser."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.accounts.models import CONTENT_EDITORS, SALES

# Fixtures that several test packages share, by plugin rather than by importing each other.
pytest_plugins = ["tests.reports.fixtures"]

CHROMIUM = "/usr/bin/chromium"
FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


def _staff(django_user_model, username: str, group: str | None, **extra):
    user = django_user_model.objects.create_user(
        username=username,
        password="pw-for-tests-1",
        email=f"{username}@example.com",
        is_staff=True,
        **extra,
    )
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture(autouse=True)
def _no_report_after_scoring(settings) -> None:
    """A PDF render costs a second; tests of the reports turn the hook back on."""
    settings.REPORTS_RENDER_AFTER_SCORING = False


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """The production hasher costs ~0.5 s per user; tests don't need its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(django_user_model):
    """An engineer in the Content editors group."""
    return _staff(django_user_model, "editor", CONTENT_EDITORS)


@pytest.fixture
def sales(django_user_model):
    """A salesperson in the Sales group."""
    return _staff(django_user_model, "sales", SALES)


@pytest.fixture
def superuser(django_user_model):
    return _staff(django_user_model, "boss", None, is_superuser=True)


@pytest.fixture
def outsider(django_user_model):
    """Staff in no group: may log in, may see nothing."""
    return _staff(django_user_model, "outsider", None)


@pytest.fixture
def seeded(db) -> None:
    """The real starting content from fixtures/, as `manage.py seed` loads it (no demo users)."""
    call_command("seed", "--no-demo-users", verbosity=0)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    """Files written by a test (PDF reports, e-mail) go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _no_kept_latest_model() -> None:
    """A flushed table sends no signal: no test sees the version a test before it kept."""
    from apps.questionnaire.services import forget_latest_model

    forget_latest_model()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and idempotency keys live in the cache: start each test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium. Skips where none is installed, unless CI requires it."""
    if not shutil.which(CHROMIUM):
        reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if settings.BROWSER_TESTS_REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in other threads, but Django checks the calling thread for a running loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page; console errors fail the test."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Berlin")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
