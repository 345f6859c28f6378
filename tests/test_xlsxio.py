"""The file layer: reading, surgical writing, fidelity of everything else, atomic saves."""
import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from kefu_xl.xlsx import aside
from kefu_xl.xlsx import files
from kefu_xl.xlsx import workbook as xlsxio
from kefu_xl.core.grid import CellError, Grid, SheetOut
from kefu_xl.core.model import Month
from tests.lo_util import convert
from tests.test_udfs_macros import demo_grids
from tests.workbooks import decorate_staff, save

REPO = Path(__file__).resolve().parents[1]


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rezip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def _csv(path):
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


# ---------------------------------------------------------------- reading
def _input_book(path):
    """Data from C3 on, with cached error values, dates, full-width text and a merged range."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(" 事件 ")  # surrounding spaces in the tab name
    ws.write_row("C3", ["日期", "工号", "金额", "备注", "时间"])
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_datetime("C4", dt.datetime(2026, 11, 3), day)
    ws.write("D4", "Ｋ０１")
    ws.write_formula("E4", "=NA()", None, "#N/A")
    ws.write("F4", "　全角　空格")
    ws.write_datetime("G4", dt.datetime(2026, 11, 3, 12, 30), wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    ws.write_datetime("C5", dt.datetime(2026, 11, 4), day)
    ws.write("D5", "K02")
    ws.write("E5", 12.0)
    ws.write("F5", "=1+1")
    ws.write_formula("G5", "=#REF!", None, "#REF!")
    ws.write("E6", 12.5)
    ws.write_boolean("F6", True)
    ws.write_formula("G7", "=1/0", None, "#DIV/0!")  # an error alone on the last row
    ws.merge_range("C9:E9", "合并")
    wb.add_worksheet("ＡＢ参数")  # full-width letters
    wb.close()
    return path


def test_read_values_dates_errors_and_sheet_row_numbers(tmp_path):
    path = _input_book(tmp_path / "in.xlsx")
    got = xlsxio.read_grids(path, ["事件", "AB参数", "缺少的表"])
    assert list(got) == ["事件", "AB参数"]
    g = got["事件"]
    assert (g.sheet, g.first_row, g.first_col) == ("事件", 1, 1)
    rows = g.rows
    assert rows[0] == () or all(v is None for v in rows[0])  # sheet row 1 is empty: rows[i] is sheet row i + 1
    assert rows[2][2:7] == ("日期", "工号", "金额", "备注", "时间")
    assert rows[3][2] == dt.date(2026, 11, 3) and rows[3][6] == dt.datetime(2026, 11, 3, 12, 30)
    assert rows[3][3] == "Ｋ０１" and rows[3][5] == "　全角　空格"
    assert rows[3][4] == CellError("#N/A") and rows[4][6] == CellError("#REF!") and rows[6][6] == CellError("#DIV/0!")
    assert rows[4][4] == 12 and type(rows[4][4]) is int and rows[5][4] == 12.5
    assert rows[4][5] == "=1+1" and rows[5][5] is True
    assert rows[3][0] is None and rows[3][1] is None
    assert g.merged == ((9, 3, 9, 5),)
    assert rows[8][2] == "合并"


def test_calamine_alone_reads_error_cells_as_empty(tmp_path):
    """Why the XML overlay exists."""
    path = _input_book(tmp_path / "in.xlsx")
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_name(" 事件 ").to_python(skip_empty_area=False)[3][4] == ""


def test_read_grids_from_a_workbook_written_elsewhere_and_error_overlay(tmp_path):
    g = {"事件": Grid.of("事件", [["日期", "工号", "金额", "规则"],
                                  [dt.datetime(2026, 11, 3), "K01", CellError("#N/A"), "业绩"],
                                  [dt.datetime(2026, 11, 4), "K02", 12.5, "业绩"]])}
    path = save(g, tmp_path / "a.xlsx")
    rows = xlsxio.read_grids(path, ["事件"])["事件"].rows
    assert rows[1][2] == CellError("#N/A") and rows[2][2] == 12.5
    from kefu_xl.read.readers import read_events
    _, problems = read_events(xlsxio.read_grids(path, ["事件"])["事件"], 2026)
    assert [(p.code, p.row, p.column) for p in problems] == [("E_CELL_ERROR", 2, "金额")]


@pytest.mark.parametrize("aside_from", [0, 1 << 40], ids=["scan in a child", "scan here"])
def test_open_grids_reads_errors_in_the_largest_and_the_smaller_sheets_in_any_order(tmp_path, monkeypatch,
                                                                                   aside_from):
    """The largest sheet is parsed first; error cells are found by a scan of the XML (in a child for a
    large workbook)."""
    monkeypatch.setattr(xlsxio, "SCAN_ASIDE_BYTES", aside_from)
    g = {"员工": Grid.of("员工", [["工号", "姓名"], ["K01", CellError("#REF!")]]),
         "事件": Grid.of("事件", [["日期", "工号", "金额"]] + [[dt.date(2026, 11, 3), f"K{i:02d}", i] for i in range(300)]
                        + [[dt.date(2026, 11, 4), "K99", CellError("#N/A")]])}
    path = save(g, tmp_path / "a.xlsx")
    with xlsxio.open_grids(path, ["员工", "事件", "没有"]) as grids:
        assert list(grids) == ["员工", "事件"] and "事件" in grids and "没有" not in grids
        assert grids.get("没有") is None
        events = grids["事件"]  # the largest first, though asked for second
        assert events.rows[-1][2] == CellError("#N/A") and events.rows[1][2] == 0
        assert grids["员工"].rows[1] == ("K01", CellError("#REF!"))
        assert grids["员工"] is grids["员工"]
        if aside_from == 0:
            assert grids._scan.forked == aside.CAN_FORK
        else:  # scanned by each sheet's worker thread, before it parses the sheet
            assert grids._scan is None
    assert xlsxio.read_grids(path, ["事件", "员工"]) == {"事件": events, "员工": grids["员工"]}


def test_sheet_names(tmp_path):
    assert xlsxio.sheet_names(_input_book(tmp_path / "in.xlsx")) == [" 事件 ", "ＡＢ参数"]


def test_unusable_files_raise_a_clear_workbook_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(xlsxio.WorkbookError, match="不是有效的 Excel 工作簿"):
        xlsxio.read_grids(bad, ["员工"])
    with pytest.raises(xlsxio.WorkbookError, match="不是有效的 Excel 工作簿"):
        xlsxio.write_sheets(bad, tmp_path / "out.xlsx", [])
    with pytest.raises(xlsxio.WorkbookError, match="找不到文件"):
        xlsxio.read_grids(tmp_path / "missing.xlsx", ["员工"])
    data = _input_book(tmp_path / "in.xlsx").read_bytes()
    (tmp_path / "half.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(xlsxio.WorkbookError):
        xlsxio.read_grids(tmp_path / "half.xlsx", ["事件"])


def test_password_protected_workbook_is_a_workbook_error(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = _input_book(tmp_path / "in.xlsx")
    secret = tmp_path / "secret.xlsx"
    with open(plain, "rb") as f, open(secret, "wb") as out:
        OOXMLFile(f).encrypt("pw", out)
    for call in (lambda: xlsxio.read_grids(secret, ["事件"]), lambda: xlsxio.sheet_names(secret)):
        with pytest.raises(xlsxio.WorkbookError, match="密码"):
            call()


# ---------------------------------------------------------------- writing
def _blank(tmp_path):
    return save({"员工": Grid.of("员工", [["工号", "姓名"], ["K01", "张三"]])}, tmp_path / "book.xlsx")


def test_write_round_trip_types_formats_and_text_that_looks_like_a_formula(tmp_path):
    src = _blank(tmp_path)
    out = SheetOut("结果", ("月份", "名次", "金额", "日期", "说明", "比例", "合格", "时间"),
                   ("text", "int", "money", "date", "text", "pct", "bool", "date"),
                   (("2026-11", 1, Decimal("1234.50"), dt.date(2026, 11, 3), "=SUM(A1:A9)", Decimal("0.10"), True,
                     dt.datetime(2026, 11, 3, 8, 30)),
                    ("2026-11", 2, Decimal("-0.01"), None, "+86 @客服 -1", 0.3, False, None),
                    ("2026-11", 3, 7.25, None, "@提醒", None, None, None),
                    ("2026-11", 4, 0, None, "-1", None, None, None),
                    ("合计", None, Decimal("1241.74"), None, "a\x01b _x0041_ <&> ", None, None, None)),
                   (9, 6, 10, 12, 30, 8, 6, 16), extra={"totals_row": 6})
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, [out])
    wb = openpyxl.load_workbook(dst)
    ws = wb["结果"]
    assert [c.value for c in ws[1]] == list(out.header)
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDEBF7" and ws["A1"].border.bottom.style == "thin"
    assert ws["C2"].value == 1234.5 and ws["C2"].number_format == "#,##0.00"
    assert ws["D2"].value == dt.datetime(2026, 11, 3) and ws["D2"].number_format == "yyyy-mm-dd" and ws["D2"].is_date
    assert ws["H2"].value == dt.datetime(2026, 11, 3, 8, 30) and ws["H2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B2"].value == 1 and ws["B2"].number_format == "0"
    assert ws["F2"].value == 0.1 and ws["F2"].number_format == "0%"
    assert ws["G2"].value is True and ws["G3"].value is False
    for ref, text in (("E2", "=SUM(A1:A9)"), ("E3", "+86 @客服 -1"), ("E4", "@提醒"), ("E5", "-1")):
        assert ws[ref].value == text and ws[ref].data_type == "s", ref
    assert ws["C5"].value == 0 and ws["D3"].value is None
    assert ws["A6"].font.b and ws["C6"].font.b and ws["C6"].number_format == "#,##0.00"  # totals row
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:H5"  # the totals row stays out of the filter
    assert ws.column_dimensions["E"].width == 30
    again = xlsxio.read_grids(dst, ["结果"])["结果"].rows
    assert again[1][2] == 1234.5 and again[1][3] == dt.date(2026, 11, 3) and again[2][4] == "+86 @客服 -1"
    assert again[5][4] == "ab _x0041_ <&> " and again[1][4] == "=SUM(A1:A9)"
    assert again[3][2] == 7.25 and again[1][7] == dt.datetime(2026, 11, 3, 8, 30)
    sheet = _members(dst)["xl/worksheets/sheet2.xml"].decode()
    assert "<f>" not in sheet and 't="s"' not in sheet
    assert "calcChain" not in "".join(_members(dst))


def test_cells_land_in_their_columns_for_every_reader(tmp_path):
    """Every cell carries its reference (r="D3"); calamine, openpyxl and LibreOffice agree on where
    every value is (gaps at the start, in the middle, runs of them, an error and a boolean between)."""
    src = _blank(tmp_path)
    rows = ((None, "乙", "", 4, None, dt.date(2026, 11, 3)),
            ("甲", None, None, None, None, "己"),
            ("", "", "", "", "", Decimal("1.50")),
            (CellError("#N/A"), "乙", True, None, 5.5, ""),
            ("甲", "乙", "丙", "丁", "戊", "己"))
    out = SheetOut("结果", ("A", "B", "C", "D", "E", "F"), ("text",) * 5 + ("text",), rows)
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, [out])
    sheet = _members(dst)["xl/worksheets/sheet2.xml"].decode()
    assert '<c r="B2"' in sheet and '<c r="D2"' in sheet and '<c r="F3"' in sheet and '<c r="F4"' in sheet
    assert 'r="C6"' in sheet and sheet.count("<c ") == sheet.count('<c r="')  # every cell says where it is
    want = [["A", "B", "C", "D", "E", "F"],
            [None, "乙", None, 4, None, dt.date(2026, 11, 3)],
            ["甲", None, None, None, None, "己"],
            [None, None, None, None, None, 1.5],
            [CellError("#N/A"), "乙", True, None, 5.5, None],
            ["甲", "乙", "丙", "丁", "戊", "己"]]
    got = [list(r) + [None] * (6 - len(r)) for r in xlsxio.read_grids(dst, ["结果"])["结果"].rows]
    assert got == want  # calamine, with our error overlay
    ws = openpyxl.load_workbook(dst)["结果"]
    opx = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=6, max_col=6)]
    opx[1][5] = opx[1][5].date()
    assert opx == [[v.code if isinstance(v, CellError) else v for v in r] for r in want]
    lo = _csv(convert(dst, "csv", tmp_path / "lo", sheet="结果"))
    assert lo[1] == ["", "乙", "", "4", "", "2026-11-03"]
    assert lo[2] == ["甲", "", "", "", "", "己"] and lo[3] == ["", "", "", "", "", "1.5"]
    assert lo[4] == ["#N/A", "乙", "1", "", "5.5", ""]  # TRUE in a text column: LibreOffice exports 1
    assert lo[5] == ["甲", "乙", "丙", "丁", "戊", "己"] and len(lo) == 6


def test_title_highlight_header_rows_and_freeze(tmp_path):
    src = _blank(tmp_path)
    out = SheetOut("荣誉榜", ("名次", "姓名", "比例"), ("int", "text", "pct"),
                   ((1, "张三", 0.125), ("【小红花】", None, None), ("名次", "姓名", "比例"), (1, "李四", 0.5)),
                   (6, 10, 8), title="荣誉榜 2026年11月", highlight=((3, 2), (4, 1)),
                   extra={"section_rows": (4,), "header_rows": (5,), "freeze": "B3"})
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, [out])
    ws = openpyxl.load_workbook(dst)["荣誉榜"]
    assert ws["A1"].value == "荣誉榜 2026年11月" and ws["A1"].font.b and ws["A1"].font.sz > 11
    assert [c.value for c in ws[2]] == ["名次", "姓名", "比例"] and ws["A2"].font.b
    assert ws.freeze_panes == "B3"
    assert ws["B3"].fill.fgColor.rgb == "FFFFC7CE" and ws["A3"].fill.fill_type is None  # highlight one cell
    assert ws["A4"].fill.fgColor.rgb == "FFFFC7CE" and ws["A4"].font.b  # marked section label
    assert ws["A5"].font.b and ws["A5"].fill.fgColor.rgb == "FFDDEBF7"  # repeated header row
    assert ws["C3"].number_format == "0.0%"  # 12.5% needs a decimal
    assert ws.auto_filter.ref is None  # sections: no filter


def test_print_setup_page_breaks_and_merges(tmp_path):
    src = _blank(tmp_path)
    rows = []
    for i in range(15):
        rows += [("2026-11", f"K{i:02d}", Decimal("5000.00")), (None, None, None), ("月份", "工号", "实发")]
    out = SheetOut("工资条", ("月份", "工号", "实发"), ("text", "text", "money"), tuple(rows), (9, 10, 12),
                   extra={"row_breaks": [20, 40], "fit_to_width": True, "paper": "A4", "orientation": "landscape",
                          "merge": [(3, 1, 3, 3)], "header_rows": tuple(range(4, 47, 3))})
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, [out])
    ws = openpyxl.load_workbook(dst)["工资条"]
    assert [b.id for b in ws.row_breaks.brk] == [20, 40]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert [str(r) for r in ws.merged_cells.ranges] == ["A3:C3"]
    assert ws.auto_filter.ref is None
    pdf = convert(dst, "pdf", tmp_path / "lo")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    assert pages == 1 + 3  # 员工, then 46 rows cut after rows 20 and 40 (without the breaks: 2 pages)


def _rich_book(path, vba: bytes = None):
    """员工 with chart, image, comment, validation, conditional format and a defined name;
    an existing 结果 sheet with its own image, comment, print set-up, header, tab colour."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    png = path.with_suffix(".png")
    ws = wb.add_worksheet("员工")
    ws.write_row(0, 0, ["工号", "姓名", "状态"])
    for i in range(1, 5):
        ws.write_row(i, 0, [f"K0{i}", f"员工{i}", "在职"])
    decorate_staff(wb, ws, png, status_col="C", at="F", last_row=5)
    res = wb.add_worksheet("结果")
    res.write_row(0, 0, ["旧表头", "旧"])
    res.write_row(1, 0, ["旧数据", 1])
    res.insert_image("H2", str(png))
    res.write_comment("A1", "HR 的批注")
    res.set_landscape()
    res.set_header("&C月度结果")
    res.set_tab_color("#FF0000")
    res.autofilter("A1:B2")
    if vba is not None:
        vba_path = path.with_suffix(".bin")
        vba_path.write_bytes(vba)
        wb.add_vba_project(str(vba_path))
        res.set_vba_name("ResultSheet")
    wb.close()
    return path


def _owned(n=3):
    results = SheetOut("结果", ("月份", "名次", "工号", "金额"), ("text", "int", "text", "money"),
                       tuple(("2026-11", i, f"K0{i}", Decimal(i) * 100) for i in range(1, n + 1)), (9, 6, 10, 12))
    details = SheetOut("明细", ("月份", "工号", "日期", "说明"), ("text", "text", "date", "text"),
                       tuple(("2026-11", f"K0{i}", dt.date(2026, 11, i), f"第{i}条") for i in range(1, n + 1)),
                       (9, 10, 12, 30))
    return [results, details]


def _changed_parts(src, dst):
    pkg = xlsxio._Package(dst)
    try:
        sheets = {pkg.part_of(s.name) for s in _owned()}
    finally:
        pkg.close()
    return sheets | {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"}


def test_everything_but_the_owned_sheets_is_kept_byte_for_byte(tmp_path):
    src = _rich_book(tmp_path / "rich.xlsx")
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, _owned())
    before, after = _members(src), _members(dst)
    changed = _changed_parts(src, dst)
    for name, data in before.items():
        if name not in changed:
            assert after.get(name) == data, name
    assert set(after) - set(before) == {"xl/worksheets/sheet3.xml"}  # 明细 added
    for kind in ("xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments1.xml",
                 "xl/comments2.xml", "xl/drawings/drawing1.xml", "xl/drawings/drawing2.xml"):
        assert kind in after, kind
    # the replaced 结果 keeps what the close does not own, and its _rels part
    res = after["xl/worksheets/sheet2.xml"].decode()
    assert after["xl/worksheets/_rels/sheet2.xml.rels"] == before["xl/worksheets/_rels/sheet2.xml.rels"]
    for kept in ("<drawing r:id=", "<legacyDrawing r:id=", 'orientation="landscape"', "<headerFooter>", "<tabColor"):
        assert kept in res, kept
    assert "旧表头" not in res and res.count("<autoFilter") == 1
    ET.fromstring(after["xl/worksheets/sheet2.xml"])
    ET.fromstring(after["xl/worksheets/sheet3.xml"])
    assert "员工名单".encode() in after["xl/workbook.xml"]
    # independent readers
    wb = openpyxl.load_workbook(dst)
    assert [c.value for c in wb["结果"][2]] == ["2026-11", 1, "K01", 100]
    assert wb["明细"]["C2"].value == dt.datetime(2026, 11, 1) and wb["明细"].auto_filter.ref == "A1:D4"
    assert wb.sheetnames == ["员工", "结果", "明细"]
    lo = convert(dst, "xlsx", tmp_path / "lo")
    lo_book = openpyxl.load_workbook(lo)
    assert lo_book.sheetnames == ["员工", "结果", "明细"]
    assert [c.value for c in lo_book["明细"][4]] == ["2026-11", "K03", dt.datetime(2026, 11, 3), "第3条"]
    assert any(n.startswith("xl/media/") for n in _members(lo))
    csv_rows = _csv(convert(dst, "csv", tmp_path / "lo-csv", sheet="结果"))
    assert csv_rows[0] == ["月份", "名次", "工号", "金额"] and csv_rows[3][:3] == ["2026-11", "3", "K03"]


def _xlsm_sources():
    import pyopenvba
    blank = Path(pyopenvba.__file__).parent / "_templates" / "blank_files" / "blank_workbook.xlsm"
    return [p for p in (REPO / "workbook_template.xlsm", blank) if p.exists()]


@pytest.mark.parametrize("name", ["template", "excel-made"])
def test_xlsm_keeps_the_vba_project_byte_for_byte(tmp_path, name):
    sources = _xlsm_sources()
    assert sources, "no .xlsm to test with"
    src = sources[0] if name == "template" else sources[-1]
    dst = tmp_path / "out.xlsm"
    xlsxio.write_sheets(src, dst, _owned())
    before, after = _members(src), _members(dst)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    changed = _changed_parts(src, dst)
    assert all(after[n] == before[n] for n in before if n not in changed)
    assert "macroEnabled" in after["[Content_Types].xml"].decode()
    for part in changed:
        ET.fromstring(after[part])  # well-formed, every prefix declared
    if name == "excel-made":  # Excel's own namespaces and mc:Ignorable prefixes survive on a replaced sheet
        src_sheet = tmp_path / "in.xlsm"
        xlsxio.write_sheets(src, src_sheet, [SheetOut("Sheet1", ("a",), ("text",), (("x",),))])
        sheet = _members(src_sheet)["xl/worksheets/sheet1.xml"].decode()
        assert 'mc:Ignorable="x14ac xr xr2 xr3"' in sheet and 'codeName="Sheet1"' in sheet
        assert "x14ac:dyDescent" in sheet
        ET.fromstring(sheet)
        assert _csv(convert(src_sheet, "csv", tmp_path / "lo", sheet="Sheet1"))[:2] == [["a"], ["x"]]


def test_vba_code_name_of_a_replaced_sheet_is_kept(tmp_path):
    vba = next(p for p in _xlsm_sources())
    with zipfile.ZipFile(vba) as z:
        project = z.read("xl/vbaProject.bin")
    src = _rich_book(tmp_path / "rich.xlsm", vba=project)
    dst = tmp_path / "out.xlsm"
    xlsxio.write_sheets(src, dst, _owned())
    assert 'codeName="ResultSheet"' in _members(dst)["xl/worksheets/sheet2.xml"].decode()
    assert _members(dst)["xl/vbaProject.bin"] == project


def test_styles_do_not_grow_with_every_close(tmp_path):
    path = save(demo_grids("2026-10"), tmp_path / "book.xlsx")
    files.close_file(path, Month(2026, 10))
    styles1 = _members(path)["xl/styles.xml"]
    files.close_file(path, Month(2026, 11))
    assert _members(path)["xl/styles.xml"] == styles1


def test_styles_are_found_again_after_another_program_rewrote_them(tmp_path):
    src = _blank(tmp_path)
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    xlsxio.write_sheets(src, first, _owned())
    members = _members(first)
    styles = members["xl/styles.xml"].decode()
    count = int(re.search(r'<cellXfs count="(\d+)"', styles).group(1))

    def reorder(m):  # same meaning, different spelling: attributes reversed, apply flags dropped
        attrs = [a for a in re.findall(r'\w+="[^"]*"', m.group(1)) if not a.startswith("apply")]
        return "<xf " + " ".join(reversed(attrs)) + "/>"
    members["xl/styles.xml"] = re.sub(r"<xf ([^>]*)/>", reorder, styles).encode()
    _rezip(first, members)
    xlsxio.write_sheets(first, second, _owned())
    assert int(re.search(r'<cellXfs count="(\d+)"', _members(second)["xl/styles.xml"].decode()).group(1)) == count


def test_number_formats_of_conditional_formats_are_not_cell_formats():
    """openpyxl-saved styles carry numFmts inside dxfs; their ids must not be reused."""
    styles = ('<styleSheet xmlns="x"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.000"/></numFmts>'
              '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><cellXfs count="1"><xf numFmtId="0"/>'
              '</cellXfs><dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="yyyy-mm-dd"/></dxf></dxfs>'
              '</styleSheet>')
    st = xlsxio._Styles(styles)
    i = st.cell("yyyy-mm-dd")
    xml = st.text()
    xf = re.findall(r"<xf [^>]*/>", xml)[i]
    fmt_id = int(re.search(r'numFmtId="(\d+)"', xf).group(1))
    assert fmt_id == 167
    assert '<numFmt numFmtId="167" formatCode="yyyy-mm-dd"/>' in xml and '<numFmts count="2">' in xml
    assert st.cell("#,##0.00") == st.cell("#,##0.00") and 'numFmtId="4"' in st.text()


def test_prefixed_spreadsheetml_stays_well_formed(tmp_path):
    """Some generators write <x:worksheet xmlns:x=...> and <s:styleSheet ...>: appended parts must still bind."""
    src = _rich_book(tmp_path / "rich.xlsx")
    m = _members(src)
    for part, prefix in (("xl/worksheets/sheet2.xml", "x"), ("xl/styles.xml", "s")):
        body = m[part].decode().split("?>", 1)[1]
        body = re.sub(r"<(/?)(\w+)", rf"<\1{prefix}:\2", body).replace('xmlns="', f'xmlns:{prefix}="', 1)
        m[part] = ('<?xml version="1.0" encoding="UTF-8"?>' + body).encode()
    _rezip(src, m)
    once, twice = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    xlsxio.write_sheets(src, once, _owned())
    xlsxio.write_sheets(once, twice, _owned())
    after = _members(twice)
    for part in ("xl/worksheets/sheet2.xml", "xl/styles.xml"):
        ET.fromstring(after[part])
    assert after["xl/styles.xml"] == _members(once)["xl/styles.xml"]
    assert "<x:drawing r:id=" in after["xl/worksheets/sheet2.xml"].decode()
    ws = openpyxl.load_workbook(twice)["结果"]
    assert ws["D2"].value == 100 and ws["D2"].number_format == "#,##0.00"


def test_calc_chain_is_dropped_with_its_relationship_and_content_type(tmp_path):
    src = _blank(tmp_path)
    m = _members(src)
    m["xl/calcChain.xml"] = b'<?xml version="1.0"?><calcChain xmlns="%s"><c r="A1" i="1"/></calcChain>' % \
        xlsxio.NS_MAIN.encode()
    m["xl/_rels/workbook.xml.rels"] = m["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    m["[Content_Types].xml"] = m["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    _rezip(src, m)
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, _owned())
    after = _members(dst)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"] and b"calcChain" not in after["[Content_Types].xml"]


def test_dates_in_a_1904_workbook(tmp_path):
    src = _blank(tmp_path)
    m = _members(src)
    m["xl/workbook.xml"] = re.sub(rb"<workbookPr\b", b'<workbookPr date1904="1"', m["xl/workbook.xml"])
    _rezip(src, m)
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, _owned())
    assert openpyxl.load_workbook(dst)["明细"]["C2"].value == dt.datetime(2026, 11, 1)


def test_write_refuses_its_own_source_and_bad_names(tmp_path):
    src = _blank(tmp_path)
    with pytest.raises(ValueError):
        xlsxio.write_sheets(src, src, _owned())
    with pytest.raises(ValueError):
        xlsxio.write_sheets(src, tmp_path / "o.xlsx", [SheetOut("a/b", ("x",), ("text",), ())])


def test_headless_close_keeps_chart_image_comment_validation_and_names_byte_for_byte(tmp_path):
    path = save(demo_grids("2026-10"), tmp_path / "book.xlsx", decorate=True)
    before, old_bytes = _members(path), path.read_bytes()
    plan = files.close_file(path, Month(2026, 10))
    assert plan.exit_code == 0
    after = _members(path)
    pkg = xlsxio._Package(path)
    owned = {pkg.part_of(s.name) for s in plan.sheets}
    staff_part = pkg.part_of("员工")
    pkg.close()
    # the package's root relationships gain the custom properties part (the seal chain's head)
    changed = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
               "_rels/.rels"} | owned
    for name, data in before.items():
        if name not in changed:
            assert after[name] == data, name
    assert set(after) - set(before) - owned == {"docProps/custom.xml"}
    assert after["_rels/.rels"].replace(b'<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/'
                                        b'2006/relationships/custom-properties" Target="docProps/custom.xml"/>', b"") \
        == before["_rels/.rels"]
    assert after[staff_part] == before[staff_part]
    assert (tmp_path / "book.xlsx.bak").read_bytes() == old_bytes
    assert "名次" in convert(path, "csv", tmp_path / "lo", sheet="结果").read_text(encoding="utf-8")


def test_twenty_thousand_rows_are_written_quickly(tmp_path):
    src = _blank(tmp_path)
    rows = tuple(("2026-11", f"K{i % 300:03d}", f"员工{i % 300}", dt.date(2026, 11, 1 + i % 30), "好评表扬", i % 7 - 3,
                  Decimal(i % 500) / 4, "奖励", "A2-8", i + 2, f"说明第{i}条") for i in range(20000))
    out = SheetOut("明细", ("月份", "工号", "姓名", "日期", "规则", "分值", "金额", "类别", "来源", "事件行", "说明"),
                   ("text", "text", "text", "date", "text", "num", "money", "text", "text", "int", "text"), rows)
    dst, again = tmp_path / "big.xlsx", tmp_path / "again.xlsx"
    started = time.perf_counter()
    xlsxio.write_sheets(src, dst, [out])
    wrote = time.perf_counter() - started
    started = time.perf_counter()
    xlsxio.write_sheets(dst, again, [out])
    replaced = time.perf_counter() - started
    started = time.perf_counter()
    grid = xlsxio.read_grids(again, ["明细"])["明细"]
    read = time.perf_counter() - started
    print(f"\n20,000 x 11: write {wrote:.3f} s, replace {replaced:.3f} s, read {read:.3f} s")
    assert len(grid.rows) == 20001 and grid.rows[-1][9] == 20001 and grid.rows[1][3] == dt.date(2026, 11, 1)


def _big_sheets(stamp_in_first_half=False):
    rows = [("2026-11", f"K{i % 300:03d}", dt.date(2026, 11, 1 + i % 30), i % 7 - 3, Decimal(i % 500) / 4,
             f"说明<{i}>&" if i % 5 else None) for i in range(30000)]
    if stamp_in_first_half:  # a date-time in a text column: a cell format nobody registered before rendering
        for i in (10, 29000):  # in both halves, whichever the child renders
            rows[i] = rows[i][:5] + (dt.datetime(2026, 11, 3, 8, 30),)
    big = SheetOut("明细", ("月份", "工号", "日期", "分值", "金额", "说明"),
                   ("text", "text", "date", "num", "money", "text"), tuple(rows), highlight=((9000, 2),),
                   extra={"totals_row": 30001})
    small = SheetOut("结果", ("工号", "得分"), ("text", "num"), (("K001", 3), ("K002", -1)))
    return [big, small]


@pytest.mark.parametrize("surprise", [False, True], ids=["child-renders", "child-falls-back"])
def test_two_process_render_writes_the_same_parts_as_one(tmp_path, monkeypatch, surprise):
    src = _blank(tmp_path)
    sheets = _big_sheets(surprise)
    monkeypatch.setattr(xlsxio, "PARALLEL_CELLS", 10 ** 12)
    xlsxio.write_sheets(src, tmp_path / "one.xlsx", sheets)
    monkeypatch.setattr(xlsxio, "PARALLEL_CELLS", 1)
    xlsxio.LAST_RENDER.clear()
    xlsxio.write_sheets(src, tmp_path / "two.xlsx", sheets)
    assert ("child_private_mb" in xlsxio.LAST_RENDER) is not surprise  # the child's work was used, or redone here
    one, two = _members(tmp_path / "one.xlsx"), _members(tmp_path / "two.xlsx")
    assert one == two  # zipfile checks every member's CRC-32 on reading
    grid = xlsxio.read_grids(tmp_path / "two.xlsx", ["明细"])["明细"]
    assert len(grid.rows) == 30001 and grid.rows[30000][1] == "K299" and grid.rows[2][5] == "说明<1>&"
    assert subprocess.run([sys.executable, "-c", "import openpyxl,sys; openpyxl.load_workbook(sys.argv[1])",
                           str(tmp_path / "two.xlsx")]).returncode == 0


# ---------------------------------------------------------------- atomic save
def test_open_workbook_is_refused_and_left_alone(tmp_path):
    path = _blank(tmp_path)
    before = path.read_bytes()
    for lock in ("~$" + path.name, f".~lock.{path.name}#"):
        (tmp_path / lock).write_bytes(b"HR")
        with pytest.raises(xlsxio.WorkbookLocked, match="正在被") as err:
            xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, _owned()))
        assert lock in str(err.value) and "关闭" in str(err.value)
        assert path.read_bytes() == before
        (tmp_path / lock).unlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_failed_build_leaves_the_file_and_no_temp(tmp_path):
    path = _blank(tmp_path)
    before = path.read_bytes()

    def boom(tmp):
        Path(tmp).write_bytes(b"half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        xlsxio.atomic_replace(path, boom)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_successful_save_keeps_the_previous_version_and_the_permissions(tmp_path):
    path = _blank(tmp_path)
    os.chmod(path, 0o640)
    before = path.read_bytes()
    xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, _owned()))
    assert (tmp_path / "book.xlsx.bak").read_bytes() == before
    assert path.read_bytes() != before and "结果" in xlsxio.sheet_names(path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "book.xlsx.bak"]
    after = path.read_bytes()
    with open(path, "r+b") as f:  # a program that saves in place touches the new version only
        f.write(b"XX")
    assert (tmp_path / "book.xlsx.bak").read_bytes() == before
    path.write_bytes(after)
    xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, _owned()))
    assert (tmp_path / "book.xlsx.bak").read_bytes() == after  # the next save keeps the version before it
    fresh = tmp_path / "new.xlsx"
    xlsxio.atomic_replace(fresh, lambda tmp: xlsxio.write_sheets(path, tmp, _owned()))
    assert fresh.exists() and not (tmp_path / "new.xlsx.bak").exists()


@pytest.mark.parametrize("step,outcome", [("before-temp", "old"), ("temp-written", "old"), ("before-backup", "old"),
                                          ("after-backup", "old"), ("before-replace", "old"),
                                          ("after-replace", "new")])
def test_fault_points_stop_the_save_at_each_step(tmp_path, step, outcome):
    path = _blank(tmp_path)
    before = path.read_bytes()
    code = "import sys; from kefu_xl.xlsx import workbook as xlsxio; xlsxio.atomic_replace(sys.argv[1], " \
           "lambda tmp: open(tmp, 'wb').write(b'new'))"
    proc = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO,
                          env=dict(os.environ, **{xlsxio.FAULT_ENV: step}))
    assert proc.returncode == 86
    assert path.read_bytes() == (before if outcome == "old" else b"new")
    bak = tmp_path / "book.xlsx.bak"
    if step in ("after-backup", "before-replace", "after-replace"):
        assert bak.read_bytes() == before


# ---------------------------------------------------------------- append-only sheets: kept rows
def _history_book(path, rows_at=(2, 3, 4), header_at=1):
    """A 历史-like sheet as Excel would save it (shared strings), one row taller than the others."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("历史")
    ws.write_row(header_at - 1, 0, ["月份", "工号", "得分"])
    for k, r in enumerate(rows_at):
        ws.write_row(r - 1, 0, ["2026-09", f"K0{k + 1}", 90 + k])
    ws.set_row(rows_at[1] - 1, 30)
    ws.write_string(rows_at[0] - 1, 2, "九十")  # as typed: the reader would have a number here
    wb.close()
    return path


def _history_out(kept: int, extra=None, highlight=()):
    rows = (("2026-09", "K01", 90), ("2026-09", "K02", 91), ("2026-09", "K03", 92), ("2026-10", "K01", 80))
    return SheetOut("历史", ("月份", "工号", "得分"), ("text", "text", "int"), rows, (), None, highlight,
                    dict(extra or {}, kept_rows=kept))


def test_kept_rows_are_copied_as_the_sheet_had_them_and_new_rows_follow(tmp_path):
    src = _history_book(tmp_path / "a.xlsx")
    dst = tmp_path / "b.xlsx"
    xlsxio.write_sheets(src, dst, [_history_out(3)])
    rows = xlsxio.read_grids(dst, ["历史"])["历史"].rows
    assert rows == (("月份", "工号", "得分"), ("2026-09", "K01", "九十"), ("2026-09", "K02", 91),
                    ("2026-09", "K03", 92), ("2026-10", "K01", 80))  # "九十": the old XML, not the records
    ws = openpyxl.load_workbook(dst)["历史"]
    assert ws.row_dimensions[3].height == 30 and ws["B5"].value == "K01" and ws["C5"].value == 80
    assert _members(dst)["xl/sharedStrings.xml"] == _members(src)["xl/sharedStrings.xml"]
    text = convert(dst, "csv", tmp_path, sheet="历史").read_text(encoding="utf-8").splitlines()
    assert text[1:] == ["2026-09,K01,九十", "2026-09,K02,91", "2026-09,K03,92", "2026-10,K01,80"]


@pytest.mark.parametrize("case", ["blank row between", "header moved down", "more kept than rows",
                                  "a kept cell is marked", "fewer rows than said"])
def test_kept_rows_are_written_again_when_the_sheet_does_not_hold_exactly_them(tmp_path, case):
    rows_at, header_at, kept, highlight = (2, 3, 4), 1, 3, ()
    if case == "blank row between":
        rows_at = (2, 3, 5)
    elif case == "header moved down":
        rows_at, header_at = (3, 4, 5), 2
    elif case == "more kept than rows":
        kept = 9
    elif case == "a kept cell is marked":
        highlight = ((3, 2),)
    elif case == "fewer rows than said":
        rows_at = (2, 3)
    src = _history_book(tmp_path / "a.xlsx", rows_at, header_at) if len(rows_at) == 3 else None
    if src is None:
        src = tmp_path / "a.xlsx"
        wb = xlsxwriter.Workbook(str(src))
        ws = wb.add_worksheet("历史")
        ws.write_row(0, 0, ["月份", "工号", "得分"])
        ws.write_row(1, 0, ["2026-09", "K01", "九十"])
        ws.write_row(2, 0, ["2026-09", "K02", 91])
        wb.close()
    dst = tmp_path / "b.xlsx"
    xlsxio.write_sheets(src, dst, [_history_out(kept, highlight=highlight)])
    rows = xlsxio.read_grids(dst, ["历史"])["历史"].rows
    assert rows == (("月份", "工号", "得分"), ("2026-09", "K01", 90), ("2026-09", "K02", 91),
                    ("2026-09", "K03", 92), ("2026-10", "K01", 80))  # every row from the records


def test_a_second_close_copies_the_append_only_sheets_and_gives_what_writing_them_again_gives(tmp_path):
    """历史, 工资历史, 封存 and 操作记录 after closing 2026-10 then 2026-11: the kept rows copied equal a full write."""
    from kefu_xl.close import plan as closing
    book = tmp_path / "b.xlsm"
    files.init_workbook(book, demo=True)
    assert files.close_file(book, Month(2026, 10), user="t").exit_code == 0
    before = _members(book)
    plan = closing.plan_close(files.load_file(book), Month(2026, 11), user="t")
    kept = {s.name: s.extra.get("kept_rows") for s in plan.sheets if s.extra.get("kept_rows")}
    assert set(kept) == {"历史", "工资历史", "封存", "封存链", "操作记录", "结转"} and kept["操作记录"] == 1
    again = [SheetOut(s.name, s.header, s.types, s.rows, s.widths, s.title, s.highlight,
                      {k: v for k, v in s.extra.items() if k != "kept_rows"}) for s in plan.sheets]
    copied, rewritten = tmp_path / "copied.xlsm", tmp_path / "rewritten.xlsm"
    xlsxio.write_sheets(book, copied, plan.sheets)
    xlsxio.write_sheets(book, rewritten, again)
    names = ["历史", "工资历史", "封存", "操作记录"]
    a, b = xlsxio.read_grids(copied, names), xlsxio.read_grids(rewritten, names)
    for name in names:
        assert a[name].rows == b[name].rows, name
        assert len(a[name].rows) > kept[name] + 1, name  # this month's rows follow the kept ones
    assert len(a["操作记录"].rows) == kept["操作记录"] + 2
    pkg = xlsxio._Package(copied)
    try:
        part = pkg.part_of("历史")
    finally:
        pkg.close()
    first_kept = re.search(rb"<row r=\"2\".*?</row>", before[part]).group(0)
    assert first_kept in _members(copied)[part]  # byte for byte


def test_rows_packed_ahead_give_the_same_workbook_and_a_stale_pack_is_not_used(tmp_path, monkeypatch):
    """files.close_file packs the append-only sheets' rows in a child (large files): same parts, same values."""
    from kefu_xl.close import plan as closing
    book = tmp_path / "b.xlsm"
    files.init_workbook(book, demo=True)
    assert files.close_file(book, Month(2026, 10), user="t").exit_code == 0
    now = dt.datetime(2026, 12, 1, 9, 0)
    plan = closing.plan_close(files.load_file(book), Month(2026, 11), user="t", now=now)
    packs = xlsxio.pack_rows(book, closing.APPEND_ONLY_NAMES)
    assert len(packs) == 6 and all(p.first == 2 and p.count == p.last - 1 for p in packs.values())
    plain, packed = tmp_path / "plain.xlsm", tmp_path / "packed.xlsm"
    xlsxio.write_sheets(book, plain, plan.sheets, None, plan.charts, properties=dict(plan.properties))
    xlsxio.write_sheets(book, packed, plan.sheets, packs, plan.charts, properties=dict(plan.properties))
    assert _members(plain) == _members(packed)  # the parts, uncompressed
    stale = {part: p._replace(crc=p.crc ^ 1, packed=xlsxio._deflate(["<row r=\"2\"/>"], False))
             for part, p in packs.items()}
    xlsxio.write_sheets(book, tmp_path / "stale.xlsm", plan.sheets, stale, plan.charts, properties=dict(plan.properties))
    assert _members(tmp_path / "stale.xlsm") == _members(plain)
    monkeypatch.setattr(files, "PACK_AHEAD_BYTES", 0)  # the child packs even this small file
    given = []
    write = xlsxio.write_sheets
    monkeypatch.setattr(xlsxio, "write_sheets", lambda src, dst, sheets, packs=None, charts=(), edits=(), properties=None: (
        given.append(packs), write(src, dst, sheets, packs, charts, edits, properties))[1])
    copy = tmp_path / "c.xlsm"
    copy.write_bytes(book.read_bytes())
    assert files.close_file(copy, Month(2026, 11), user="t", now=now).exit_code == 0
    assert [sorted(p) for p in given] == [sorted(packs)]  # the child's packs reached the writer
    assert _members(copy) == _members(plain)
