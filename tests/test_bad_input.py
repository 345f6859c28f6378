"""Issue 5: every malformed input gives its problem code at its cell; odd-but-valid input passes."""
import copy

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from tests.bad_inputs import CASES, base


def _problems(scheme, mutate):
    book = base(scheme)
    row = mutate(book)
    grids = {name: Grid.of(name, rows) for name, rows in book.items()}
    result, pays, problems = closing.compute(closing.load(grids))
    return row, problems


def test_the_table_has_at_least_60_malformed_cases():
    assert len([c for c in CASES if c[3] is not None]) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name,scheme,mutate,code,sheet,row,column", CASES, ids=[c[0] for c in CASES])
def test_malformed_input_reported_at_its_cell(name, scheme, mutate, code, sheet, row, column):
    new_row, problems = _problems(scheme, mutate)
    errors = [p for p in problems if p.is_error]
    if code is None:
        assert errors == [], errors
        return
    expected_row = new_row if row is None else row
    hits = [p for p in errors if p.code == code]
    assert hits, f"{code} not in {[(p.code, p.sheet, p.row, p.column, p.message) for p in problems]}"
    # every case names its cell exactly: a missing sheet is row 0 and no column, a whole-sheet problem row 1
    assert sheet and column is not None
    assert any((p.sheet, p.row, p.column) == (sheet, expected_row, column) for p in hits), \
        [(p.sheet, p.row, p.column) for p in hits]
    assert all(p.message and any("\u4e00" <= ch <= "\u9fff" for ch in p.message) for p in hits)
