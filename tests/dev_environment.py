"""The development profile for the test suite, set before pytest-django loads the settings.

`DJANGO_DEBUG` defaults to false (the production profile), while the tests expect the
development profile's defaults (the development key, plain static files, no SSL redirect).
pytest-django imports `config.settings` before any conftest.py runs, so this module is loaded
as a plugin (`-p tests.dev_environment` in pyproject.toml) and sets the variable first. An
explicit `DJANGO_DEBUG` in the environment still wins.
"""

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    os.environ.setdefault("DJANGO_DEBUG", "true")
