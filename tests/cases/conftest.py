import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.cases.services import load_case_files
from apps.questionnaire.services import publish
from tests.questionnaire.conftest import bulk_load_questionnaire
from tests.questionnaire.fixture_snapshot import ROOT, catalog_fixture

# Two made-up cases for unit tests: the researchers' files in fixtures/cases/ change daily.
TEST_CASES = Path(__file__).resolve().parent / "files"
MATRIX_FIXTURE = ROOT / "fixtures" / "020_matrix.json"


@pytest.fixture
def model(db):
    """The real catalog, matrix and questionnaire, published as version 1."""
    call_command("loaddata", str(catalog_fixture()), verbosity=0)
    if MATRIX_FIXTURE.exists():
        call_command("loaddata", str(MATRIX_FIXTURE), verbosity=0)
    return publish(questionnaire=bulk_load_questionnaire(), user=None, summary="v1")


@pytest.fixture
def cases(model):
    """The two test cases, loaded and published."""
    load_case_files(TEST_CASES)
    return model


@pytest.fixture
def case_folder(tmp_path):
    """A copy of the test case files that a test may change."""
    folder = tmp_path / "cases"
    shutil.copytree(TEST_CASES, folder)
    return folder
