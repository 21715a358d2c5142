"""CSV for spreadsheet programs: every field quoted, every cell defused against formulas."""

import csv
from collections.abc import Iterable
from typing import Any, Protocol

# A cell starting with one of these is read as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


def safe_cell(value: object) -> str:
    """The cell's text, with a leading apostrophe where a spreadsheet would see a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SpreadsheetWriter:
    """``csv.writer`` that quotes every field and defuses every cell, headers included.

    Quoting all fields keeps a ``;`` or ``,`` inside a value from starting a new cell in a
    program that guesses another separator; the guard covers what a new cell would start with.
    """

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
