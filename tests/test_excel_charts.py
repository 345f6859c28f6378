"""Issue 15 (4): charts sized to the data the close wrote, in the file and through the button."""
import re
import zipfile

import pytest

from kefu_xl.core.grid import SheetOut
from kefu_xl.core.model import Month
from kefu_xl.excel import macros
from kefu_xl.write import reports
from kefu_xl.xlsx import files
from kefu_xl.xlsx import workbook as xlsxio
from tests.fake_xlwings import FakeBook
from tests.test_excel_button import hard_grids


def _sheet(name, n):
    return SheetOut(name, ("a",), ("text",), tuple((str(i),) for i in range(n)))


def _by(charts):
    return {c["key"]: c for c in charts}


@pytest.mark.parametrize("people, months, groups", [(3, 1, 1), (300, 14, 25), (3, 14, 25), (300, 1, 1)])
def test_chart_ranges_end_on_the_last_row_written(people, months, groups):
    sheets = [_sheet("结果", people), _sheet(reports.TREND, months), _sheet(reports.GROUPS, groups + 1),
              _sheet(reports.DIST, reports.DIST_BINS)]
    by = _by(reports.sized_charts(sheets))
    assert by["ranking"]["categories"] == f"D2:D{people + 1}" and by["ranking"]["series"][0]["values"] == \
        f"G2:G{people + 1}"
    assert by["ranking"]["points"] == people
    assert by["trend"]["categories"] == f"A2:A{months + 1}"
    assert [s["values"] for s in by["trend"]["series"]] == [f"{c}2:{c}{months + 1}" for c in "BCD"]
    assert [s["name"] for s in by["trend"]["series"]] == ["B1", "C1", "D1"]  # 团队平均, 最高, 最低
    assert by["groups"]["categories"] == f"B2:B{groups + 2}"  # every group and 全体
    assert by["distribution"]["categories"] == "A2:A11"


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "demo.xlsm"
    files.init_workbook(path, demo=True, month="2026-11")
    plan = files.close_file(path, Month(2026, 11), user="hr")
    assert plan.exit_code == 0
    return path, plan


def _chart_xml(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)}


def test_the_file_close_rewrites_every_chart_to_the_written_rows(closed):
    path, plan = closed
    xml = _chart_xml(path)
    assert len(xml) == len(reports.CHARTS)
    people = len(plan.result.people)
    for c in plan.charts:
        part = next(x for x in xml.values() if f">{c['title']}<" in x)
        assert part.count("<c:ser>") == len(c["series"]), c["key"]
        refs = re.findall(r"<c:f>([^<]*)</c:f>", part)
        for s in c["series"]:
            assert xlsxio._quote_ref(c["sheet"], s["values"]) in refs
            assert xlsxio._quote_ref(c["sheet"], c["categories"]) in refs
        assert "Cache" not in part  # cached points dropped: the programs read the ranges
    ranking = next(x for x in xml.values() if ">本月得分排名<" in x)
    assert f"'结果'!$G$2:$G${people + 1}" in ranking
    trend = next(x for x in xml.values() if ">团队得分趋势" in x)
    assert "'趋势'!$A$2:$A$2" in trend  # one closed month: one category


def test_the_button_close_gives_the_charts_the_same_ranges(closed):
    path, plan = closed
    book = FakeBook.from_grids(hard_grids())
    template = [dict(c, series=c["series"][:1]) for c in reports.CHARTS]  # one series each: the close adds
    sh = book.add_template_charts(template, reports.CHART_SHEET)
    got = macros.run_close(macros.XlwingsBook(book), Month(2026, 11), user="hr")
    assert got.exit_code == 0
    for obj in sh._charts:
        spec = next(c for c in got.charts if c["title"] == obj.com.title)
        assert obj.com.formulas() == macros.series_formulas(spec)
    trend = next(o.com for o in sh._charts if o.com.title.startswith("团队得分趋势"))
    assert len(trend.series) == 3


def test_the_button_deletes_series_past_the_data():
    book = FakeBook.from_grids(hard_grids())
    old = [dict(c, series=c["series"] * 4) for c in reports.CHARTS]  # more series than the close writes
    sh = book.add_template_charts(old, reports.CHART_SHEET)
    got = macros.run_close(macros.XlwingsBook(book), Month(2026, 11), user="hr")
    for obj in sh._charts:
        spec = next(c for c in got.charts if c["title"] == obj.com.title)
        assert len(obj.com.series) == len(spec["series"])
