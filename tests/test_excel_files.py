"""Issue 15 (3, 5): results without Python (看板 owned by the close) and file hygiene of what the close writes."""
import csv
import re
import zipfile

import pytest

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
    from kefu_xl.xlsx import template
    assert cells.count(template.HINT) > len(plan.result.people)  # every live cell says what it needs
    assert plan.result.people[0].staff.id in cells  # the copy-down 工号 from 员工 (plain INDEX) works


# ---------------------------------------------------------------- independent checkers
def _audit(path):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "openxml_audit", "-o", "json", "-m", "0", str(path)],
                       capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout + p.stderr


def test_openxml_audit_finds_no_error_in_the_template_and_a_closed_demo(closed, tmp_path):
    """openxml-audit (PyPI), an independent OOXML validator: 0 errors, also after a second month."""
    import json
    from pathlib import Path
    path, _ = closed
    again = tmp_path / "two.xlsm"
    again.write_bytes(path.read_bytes())
    assert files.close_file(again, Month(2026, 12), user="hr").exit_code == 0
    for book in (Path(__file__).resolve().parents[1] / "workbook_template.xlsm", path, again):
        code, out = _audit(book)
        report = json.loads(out[out.index("["):out.rindex("]") + 1])
        assert len(report) == 1 and report[0]["file"].endswith(book.name), out[:500]
        assert code == 0 and report[0]["error_count"] == 0 and report[0]["valid"], (book.name, out[:2000])


def test_openpyxl_reads_every_written_sheet_as_calamine_does(closed):
    """A second independent reader besides LibreOffice: openpyxl sees the same value in every written cell."""
    import datetime as dt
    import openpyxl
    path, plan = closed
    names = [s.name for s in plan.sheets]
    ours = xlsxio.read_grids(path, names)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)

    def norm(v):
        if isinstance(v, dt.datetime) and not (v.hour or v.minute or v.second):
            return v.date()
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return None if v == "" else v
    for name in names:
        theirs = [[norm(v) for v in row] for row in wb[name].iter_rows(values_only=True)]
        mine = [[norm(v) for v in row] for row in ours[name].rows]
        width = max([len(r) for r in theirs + mine] + [0])
        pad = lambda rows: [r + [None] * (width - len(r)) for r in rows]  # noqa: E731
        trim = lambda rows: [r for r in rows if any(v is not None for v in r)]  # noqa: E731
        assert trim(pad(theirs)) == trim(pad(mine)), name


# ---------------------------------------------------------------- dynamic arrays after a foreign save
def _cm_cells(path, sheet="函数"):
    xml = _sheet_parts(path, {sheet})[sheet].decode()
    return {m.group(1): bool(m.group(2)) for m in
            re.finditer(r'<c r="([A-Z]+\d+)"( cm="1")?[^>]*><f t="array"[^>]*>[^<]*KEFU_(?:BOARD|EXPLAIN)', xml)}


def test_a_close_gives_spilling_functions_back_their_flag_after_an_openpyxl_save(tmp_path):
    import openpyxl
    path = tmp_path / "saved.xlsm"
    files.init_workbook(path, demo=True, month="2026-11")
    assert _cm_cells(path) == {"T5": True, "I10": True}
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb.save(path)  # openpyxl drops cm= and xl/metadata.xml
    assert _cm_cells(path) == {"T5": False, "I10": False}
    assert "xl/metadata.xml" not in _parts(path)
    assert files.close_file(path, Month(2026, 11), user="hr").exit_code == 0
    assert _cm_cells(path) == {"T5": True, "I10": True}
    parts = _parts(path)
    assert b'name="XLDAPR"' in parts["xl/metadata.xml"]
    assert b"sheetMetadata" in parts["xl/_rels/workbook.xml.rels"] and b"/xl/metadata.xml" in parts["[Content_Types].xml"]
    assert files.file_problems(path) == []


def test_check_warns_when_the_flag_cannot_be_given_back(tmp_path):
    path = tmp_path / "other.xlsm"
    files.init_workbook(path, demo=True, month="2026-11")
    parts = _parts(path)
    fn = [n for n, d in parts.items() if n.startswith("xl/worksheets/sheet") and b"KEFU_BOARD" in d][0]
    parts[fn] = parts[fn].replace(b' cm="1"', b"")
    parts["xl/metadata.xml"] = parts["xl/metadata.xml"].replace(b'name="XLDAPR" count="1"', b'name="OTHER" count="1"')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    warned = files.file_problems(path)
    assert [(p.code, p.sheet) for p in warned] == [("W_DYNAMIC_ARRAY", "函数")] * 2
    assert any(p.message.startswith("T5 ") for p in warned) and all(p.severity == "warning" for p in warned)


def test_compare_books_tells_identical_closes_from_different_ones(closed, tmp_path):
    """tools/compare_books.py, the last step of tools/excel_check.ps1."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "compare_books", Path(__file__).resolve().parents[1] / "tools" / "compare_books.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path, _ = closed
    other = tmp_path / "other.xlsm"
    other.write_bytes(path.read_bytes())
    assert tool.main([str(path), str(other)]) == 0
    from kefu_xl.core.grid import SheetOut
    xlsxio.write_sheets(path, tmp_path / "changed.xlsm", [SheetOut("结果", ("月份",), ("text",), (("2026-10",),))])
    assert tool.main([str(path), str(tmp_path / "changed.xlsm")]) == 1
    ps1 = (Path(__file__).resolve().parents[1] / "tools" / "excel_check.ps1").read_text(encoding="utf-8")
    for step in ("kefu-xl close", "--json", "CalculateFull", "KefuMonthClose", "compare_books.py", "函数"):
        assert step in ps1


def test_owned_sheets_lose_the_x14_halves_of_the_conditional_formats_they_lose(tmp_path):
    """A 结果 sheet someone gave a 2010 data bar: its <conditionalFormatting> goes with the old rows, so the
    x14 half in <extLst> must go too (an orphan Excel would "repair"); other extensions stay."""
    import xlsxwriter
    from tests.test_excel_button import hard_grids
    path = tmp_path / "cf.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, g in hard_grids().items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(g.rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write(i, j, v if not hasattr(v, "year") else v.isoformat())
    res = wb.add_worksheet("结果")
    res.write_row(0, 0, ["月份", "名次", "工号"])
    res.write_column(1, 1, [1, 2, 3])
    res.conditional_format("B2:B4", {"type": "data_bar", "bar_solid": True})
    wb.close()
    before = _sheet_parts(path, {"结果"})["结果"]
    assert b"x14:conditionalFormatting" in before and b"<conditionalFormatting" in before
    assert files.close_file(path, Month(2026, 11), user="hr").exit_code == 0
    after = _sheet_parts(path, {"结果"})["结果"]
    assert b"conditionalFormatting" not in after
    code, out = _audit(path)
    assert code == 0 and '"error_count": 0' in out, out[:1500]


def test_an_owned_sheet_made_a_table_is_resized_to_the_rows_written(tmp_path):
    """组别 as an Excel table of two rows: after the close the table covers the header and every row written."""
    import xlsxwriter
    from tests.test_excel_button import hard_grids
    from kefu_xl.write import reports
    path = tmp_path / "table.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, g in hard_grids().items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(g.rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write(i, j, v if not hasattr(v, "year") else v.isoformat())
    ws = wb.add_worksheet("组别")
    ws.add_table(0, 0, 2, 2, {"name": "groups_table", "columns": [{"header": h} for h in ("月份", "组别", "人数")]})
    wb.close()
    plan = files.close_file(path, Month(2026, 11), user="hr")
    assert plan.exit_code == 0
    rows = len(next(s for s in plan.sheets if s.name == "组别").rows)
    with zipfile.ZipFile(path) as z:
        table = z.read(next(n for n in z.namelist() if n.startswith("xl/tables/"))).decode()
    last = reports.col_letter(len(reports.GROUP_HEADER))
    assert f'ref="A1:{last}{rows + 1}"' in table and table.count(f'ref="A1:{last}{rows + 1}"') == 2  # table, filter
    assert f'<tableColumns count="{len(reports.GROUP_HEADER)}">' in table and 'name="合格率"' in table
    code, out = _audit(path)
    assert code == 0 and '"error_count": 0' in out, out[:1500]
