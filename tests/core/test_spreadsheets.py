import io

import pytest

from apps.core.spreadsheets import SpreadsheetWriter, safe_cell


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_it_defuses_what_a_spreadsheet_reads_as_a_formula(value):
    assert safe_cell(value) == "'" + value


def test_it_quotes_every_field_so_a_semicolon_never_starts_a_cell():
    out = io.StringIO()

    SpreadsheetWriter(out).writerows([["Name", "Company"], ["Ada", "ACME;=HYPERLINK(1)"]])

    assert out.getvalue() == '"Name","Company"\r\n"Ada","ACME;=HYPERLINK(1)"\r\n'
