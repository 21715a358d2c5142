from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.cases.calibration import calibrate
from apps.cases.models import Case


def _calibrate(*args):
    out = StringIO()
    call_command("calibrate", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_a_row_per_case_and_the_rates_last(cases):
    expected = calibrate(model=cases)

    lines = _calibrate()

    assert lines[-1] == expected.summary()
    assert lines[-1].startswith("top1=")
    assert lines[-1].endswith(" cases=2")
    for row in expected.rows:
        [line] = [line for line in lines if line.startswith(row.slug)]
        assert row.chose in line
        assert f"{row.margin:+.1f}" in line


def test_it_scores_the_version_asked_for(cases):
    assert _calibrate("--version", "1")[0] == "Scoring model v1"

    with pytest.raises(CommandError, match="no scoring-model version 7"):
        _calibrate("--version", "7")


def test_it_fails_below_the_minimum_top1(cases):
    top1 = calibrate(model=cases).top1

    _calibrate("--min-top1", str(top1))
    with pytest.raises(CommandError, match="below the required") as raised:
        _calibrate("--min-top1", str(top1 + 0.01))

    assert raised.value.returncode == 1


def test_it_counts_no_case_as_zero(model):
    Case.objects.all().delete()

    assert _calibrate()[-1] == "top1=0.00 top2=0.00 cases=0"
