"""Issue 15 (3, 5): results without Python (看板 owned by the close) and file hygiene of what the close writes."""
import csv
import re
import zipfile

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.core.model import Month
from kefu_xl.write import board
from kefu_xl.xlsx import files
from kefu_xl.xlsx import workbook as xlsxio
from tests import lo_util


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """A demo workbook from the template, November closed by the command-line close."""
    path = tmp_path_factory.mktemp("closed") / "demo.xlsm"
    files.init_workbook(path, demo=True, month="2026-11")
    plan = files.close_file(path, Month(2026, 11), user="hr")
    assert plan.exit_code == 0, plan.problems
    return path, plan


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _sheet_parts(path, names):
    """Worksheet XML of the named sheets."""
    parts = _parts(path)
    wb = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
        if name in names:
            target = re.search(r'Id="%s"[^>]*Target="([^"]+)"' % rid, rels) or \
                re.search(r'Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
            out[name] = parts["xl/" + target.group(1).lstrip("/").replace("xl/", "")]
    return out


def test_every_written_cell_carries_its_reference(closed):
    path, plan = closed
    xml = _sheet_parts(path, {s.name for s in plan.sheets})
    assert set(xml) == {s.name for s in plan.sheets}
    for name, data in xml.items():
        assert data.count(b"<c ") > 0, name
        assert not re.search(rb"<c(?=[\s>/])(?![^>]*\sr=)", data), name


def test_every_write_sets_full_calc_on_load(closed):
    path, _ = closed
    wb = _parts(path)["xl/workbook.xml"].decode()
    assert re.search(r'<calcPr\b[^>]*fullCalcOnLoad="1"', wb)
    assert wb.count("<calcPr") == 1


def test_dashboard_after_a_close_shows_the_month_as_values(closed):
    path, plan = closed
    with xlsxio.open_grids(path, [board.SHEET]) as g:
        rows = g[board.SHEET].rows
    assert rows[0][0] == f"{board.TITLE}（2026-11）"
    assert rows[2][0] == board.LIVE_LINE and "Windows 版 Excel、Python 和 xlwings" in rows[2][0]
    assert rows[board.FIGURES_ROW - 1][:3] == board.FIGURES[:3]
    figures = rows[board.FIGURES_ROW]
    assert figures[0] == "2026-11" and figures[1] == len(plan.result.people)
    assert rows[board.BOARD_ROW - 1] == board.BOARD_HEADER
    ids = [r[1] for r in rows[board.BOARD_ROW:]]
    assert ids == [p.staff.id for p in plan.result.people]
    gross = sum(float(r[9]) for r in rows[board.BOARD_ROW:])
    assert abs(gross - float(figures[9])) < 0.005  # 应发合计 adds up, to the fen


def test_key_figures_by_hand():
    """Three people, scores 30, 20 and an excluded one: average 25.0, best 30, worst 20, one of two passes."""
    from decimal import Decimal
    from kefu_xl.core.model import MonthResult
    from types import SimpleNamespace as NS
    staff = [NS(id=f"K0{i}", name=f"人{i}", group="A", tier="初级") for i in range(3)]
    people = (NS(staff=staff[0], rank=1, score=Decimal(30), passed=True),
              NS(staff=staff[1], rank=2, score=Decimal(20), passed=False),
              NS(staff=staff[2], rank=None, score=Decimal(0), passed=False))
    result = MonthResult(Month(2026, 11), "tmall-30", people, ())
    pays = {f"K0{i}": NS(gross=Decimal(g), net=Decimal(g) - 100, bonus_cut_amount=Decimal(c), bonus_void=Decimal(0))
            for i, (g, c) in enumerate(((5000, 0), (4000, "12.5"), (3000, 0)))}
    f = board.key_figures(result, pays)
    assert f == ("2026-11", 3, 2, 25, 30, 20, 1, 1, Decimal("0.500"), Decimal("12000.00"), Decimal("11700.00"),
                 Decimal("12.50"))


def test_libreoffice_shows_no_error_cell_on_the_dashboard_and_a_hint_for_live_formulas(closed, tmp_path):
    """Opened without Python (LibreOffice, as WPS would): 看板 holds values, 函数 the Chinese hint, never #NAME?."""
    path, plan = closed
    out = lo_util.convert(path, "csv", tmp_path, sheet=board.SHEET)
    with open(out, encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert f"{board.TITLE}（2026-11）" in cells
    assert plan.result.people[0].staff.id in cells
    bad = [c for c in cells if c.startswith("#") or c.startswith("Err:")]
    assert not bad, bad[:5]
    func = tmp_path / f"{path.stem}-函数.csv"
    with open(func, encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert not [c for c in cells if c.startswith("#NAME") or c.startswith("Err:")]
