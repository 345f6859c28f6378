"""The file layer: reading, surgical writing, fidelity of everything else, atomic saves."""
import datetime as dt
import re
import os
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from kefu_xl import files, xlsxio
from kefu_xl.grid import CellError, Grid, SheetOut
from kefu_xl.model import Month
from tests.lo_util import convert
from tests.test_udfs_macros import demo_grids
from tests.workbooks import save


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_read_values_dates_errors_and_row_numbers(tmp_path):
    g = {"事件": Grid.of("事件", [["说明：每月一张"], [None], ["日期", "工号", "金额", "备注", "规则"],
                                  [dt.datetime(2026, 11, 3), "Ｋ０１", 12.0, " 全角　空格 ", "业绩"],
                                  [dt.datetime(2026, 11, 4), "K02", 12.5, "=1+1", "业绩"]])}
    path = save(g, tmp_path / "a.xlsx")
    # put a cached #N/A and #REF! into two cells, as Excel stores them
    m = _members(path)
    sheet = m["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('<c r="C4" s="0"><v>12</v></c>', '<c r="C4" t="e"><f>NA()</f><v>#N/A</v></c>') \
        if '<c r="C4" s="0">' in sheet else sheet.replace('<c r="C4"><v>12</v></c>', '<c r="C4" t="e"><f>NA()</f><v>#N/A</v></c>')
    assert "#N/A" in sheet
    with zipfile.ZipFile(path, "w") as z:
        for n, data in m.items():
            z.writestr(n, sheet if n == "xl/worksheets/sheet1.xml" else data)
    got = xlsxio.read_grids(path, ["事件", "缺少的表"])
    assert list(got) == ["事件"]
    rows = got["事件"].rows
    assert rows[2][:2] == ("日期", "工号")
    assert rows[3][0] in (dt.datetime(2026, 11, 3), dt.date(2026, 11, 3))
    assert rows[3][2] == CellError("#N/A")
    assert rows[4][2] == 12.5 and rows[4][3] == "=1+1"
    from kefu_xl.readers import read_events
    events, problems = read_events(got["事件"], 2026)
    assert [(p.code, p.row, p.column) for p in problems] == [("E_CELL_ERROR", 4, "金额")]
    assert events[0].staff_id == "K02" and events[0].row == 5


def test_not_a_workbook_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(xlsxio.WorkbookError, match="不是有效的 Excel 工作簿"):
        xlsxio.read_grids(bad, ["员工"])


def _demo_file(tmp_path, decorate=True):
    return save(demo_grids("2026-10"), tmp_path / "book.xlsx", decorate=decorate)


def test_write_round_trip_types_formats_and_text_that_looks_like_a_formula(tmp_path):
    src = _demo_file(tmp_path, decorate=False)
    out = SheetOut("结果", ("月份", "名次", "金额", "日期", "说明"), ("text", "int", "money", "date", "text"),
                   (("2026-11", 1, Decimal("1234.50"), dt.date(2026, 11, 3), "=SUM(A1:A9)"),
                    ("2026-11", 2, Decimal("-0.01"), None, "+86 @客服 -1")), (9, 6, 10, 12, 30))
    dst = tmp_path / "out.xlsx"
    xlsxio.write_sheets(src, dst, [out])
    wb = openpyxl.load_workbook(dst)
    ws = wb["结果"]
    assert [c.value for c in ws[1]] == list(out.header)
    assert ws["C2"].value == 1234.5 and ws["C2"].number_format == "#,##0.00"
    assert ws["D2"].value == dt.datetime(2026, 11, 3) and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["E2"].value == "=SUM(A1:A9)" and ws["E2"].data_type == "s"
    assert ws["E3"].value == "+86 @客服 -1"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E3"
    assert ws.column_dimensions["E"].width == 30
    again = xlsxio.read_grids(dst, ["结果"])["结果"].rows
    assert again[1][2] == 1234.5 and again[2][4] == "+86 @客服 -1"


def test_headless_close_keeps_chart_image_comment_validation_and_names_byte_for_byte(tmp_path):
    path = _demo_file(tmp_path)
    before = _members(path)
    assert any(n.startswith("xl/charts/") for n in before) and any(n.startswith("xl/media/") for n in before)
    plan = files.close_file(path, Month(2026, 10))
    assert plan.exit_code == 0
    after = _members(path)
    owned = {p for n, _, p in xlsxio._Package(path).sheets if n in {s.name for s in plan.sheets}}
    changed = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"} | owned
    for name, data in before.items():
        if name not in changed:
            assert after[name] == data, name
    staff_part = xlsxio._Package(path).part_of("员工")
    assert after[staff_part] == before[staff_part]
    assert "员工名单".encode() in after["xl/workbook.xml"]
    assert (tmp_path / "book.xlsx.bak").read_bytes() != path.read_bytes()
    # an independent reader opens the result and sees the new sheets
    csv = convert(path, "csv", tmp_path / "lo", sheet="结果")
    assert "名次" in csv.read_text(encoding="utf-8")


def test_styles_do_not_grow_with_every_close(tmp_path):
    path = _demo_file(tmp_path, decorate=False)
    files.close_file(path, Month(2026, 10))
    size1 = len(_members(path)["xl/styles.xml"])
    files.close_file(path, Month(2026, 11))
    assert len(_members(path)["xl/styles.xml"]) == size1


def test_open_workbook_is_refused_and_left_alone(tmp_path):
    path = _demo_file(tmp_path, decorate=False)
    before = path.read_bytes()
    lock = tmp_path / ("~$" + path.name)
    lock.write_bytes(b"HR")
    with pytest.raises(xlsxio.WorkbookLocked, match="正在被"):
        files.close_file(path, Month(2026, 10))
    assert path.read_bytes() == before
    lock.unlink()
    (tmp_path / f".~lock.{path.name}#").write_text("lo")
    with pytest.raises(xlsxio.WorkbookLocked):
        files.close_file(path, Month(2026, 10))


def test_failed_build_leaves_the_file_and_no_temp(tmp_path):
    path = _demo_file(tmp_path, decorate=False)
    before = path.read_bytes()

    def boom(tmp):
        open(tmp, "wb").write(b"half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        xlsxio.atomic_replace(path, boom)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_money_format_is_not_confused_with_conditional_format_number_formats(tmp_path):
    """openpyxl-saved styles carry numFmts inside dxfs; those ids are not cell formats."""
    styles = ('<styleSheet xmlns="x"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
              '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><cellXfs count="1"><xf numFmtId="0"/>'
              '</cellXfs><dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="#,##0.00"/></dxf></dxfs></styleSheet>')
    st = xlsxio._Styles(styles)
    i = st.xf("money")
    xf = xlsxio._Styles(st.xml)._section("cellXfs")[2][i]
    fmt_id = int(re.search(r'numFmtId="(\d+)"', xf).group(1))
    assert fmt_id not in (164, 166)
    assert f'<numFmt numFmtId="{fmt_id}" formatCode="#,##0.00"/>' in xlsxio._Styles(st.xml)._section("numFmts")[2]
