"""The researchers' case files (fixtures/cases/*.json), each checked against the real questionnaire."""

import shutil

import pytest

from apps.cases.models import Case
from apps.cases.services import load_case_files
from tests.questionnaire.fixture_snapshot import ROOT

CASE_FILES = sorted((ROOT / "fixtures" / "cases").glob("*.json"))


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_it_loads_the_case_file(model, tmp_path, path):
    shutil.copy(path, tmp_path / path.name)

    load_case_files(tmp_path)

    assert Case.objects.published().filter(slug=path.stem).exists()


def test_it_loads_every_case_file_together(model, tmp_path):
    # A snapshot of the folder: researchers add files while tests run.
    for path in (ROOT / "fixtures" / "cases").glob("*.json"):
        shutil.copy(path, tmp_path / path.name)

    load_case_files(tmp_path)

    assert Case.objects.published().count() == len(list(tmp_path.glob("*.json")))
