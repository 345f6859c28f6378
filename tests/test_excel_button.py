"""Issue 15 (2): a 月结 button close Excel accepts.

The test double (tests/fake_xlwings.py) types every assignment the way Excel
does; the button close must give, on every sheet it writes, exactly the
values the command-line close writes into the file.
"""
import datetime as dt
from decimal import Decimal

import pytest

from kefu_xl.core import schema
from kefu_xl.core.grid import Grid, SheetOut
from kefu_xl.core.model import Month
from kefu_xl.excel import macros
from kefu_xl.read.tables import grid_from_dicts
from kefu_xl.rules import presets
from kefu_xl.write import layout
from kefu_xl.xlsx import demo, files
from kefu_xl.xlsx import workbook as xlsxio
from tests.fake_xlwings import FakeBook, FakeComError, FakeFormula, excel_typed
from tests.workbooks import save


# ---------------------------------------------------------------- the double's typing rules (fixed expectations)
@pytest.mark.parametrize("typed, kept", [
    ("00123", 123.0), ("2026-11", dt.datetime(2026, 11, 1)), ("1e5", 100000.0), ("10%", 0.1),
    ("2026/11/3", dt.datetime(2026, 11, 3)), ("2026年11月3日", dt.datetime(2026, 11, 3)),
    ("2026年11月", dt.datetime(2026, 11, 1)), ("11月3日", dt.datetime(2026, 11, 3)), ("TRUE", True), ("false", False),
    ("-5", -5.0), ("+7", 7.0), ("1,234.5", 1234.5), ("46327.0", 46327.0), ("'00123", "00123"), ("'=x", "=x"),
    ("KF001", "KF001"), ("张三", "张三"), ("A2-12", "A2-12"), ("E-6", "E-6"), ("=1", FakeFormula("=1")),
])
def test_double_types_an_assignment_as_excel_does(typed, kept):
    got = excel_typed(typed)
    assert got == kept and type(got) is type(kept)


@pytest.mark.parametrize("text", ["-716分，当月奖金取消（A2-12）", "-800–-700", "@张三", "=SUM(", "+加分"])
def test_double_refuses_what_excel_refuses_as_a_formula(text):
    with pytest.raises(FakeComError):
        excel_typed(text)


def test_double_keeps_text_in_a_text_cell_and_makes_a_number_there_text():
    assert excel_typed("-716分，当月奖金取消（A2-12）", "@") == "-716分，当月奖金取消（A2-12）"
    assert excel_typed("00123", "@") == "00123"
    assert excel_typed(5.0, "@") == "5"


def test_naive_assignment_fails_in_the_double_and_the_layout_writer_does_not():
    """The old writer put Python strings into cells of General format: Excel retyped or refused them."""
    s = SheetOut("结果", ("工号", "提示", "区间"), ("text", "text", "text"),
                 (("00123", "-716分，当月奖金取消（A2-12）", "-800–-700"), ("KF002", "2026-11", "1e5")))
    book = FakeBook()
    sh = book.sheets.add("结果")
    with pytest.raises(FakeComError):
        sh.range((1, 1)).value = [list(s.header)] + [list(r) for r in s.rows]
    macros.XlwingsBook(book).write([s])
    assert book.values("结果") == [["工号", "提示", "区间"], ["00123", "-716分，当月奖金取消（A2-12）", "-800–-700"],
                                  ["KF002", "2026-11", "1e5"]]


def test_text_in_a_column_of_numbers_goes_in_with_the_apostrophe():
    s = SheetOut("分布", ("区间", "人数"), ("text", "int"), (("-800–-700", 3), (-5, "10%"), ("合计", None)))
    book = FakeBook()
    macros.XlwingsBook(book).write([s])
    # the text column holds a number: General, the number stays a number, the text gets the apostrophe
    assert book.values("分布") == [["区间", "人数"], ["-800–-700", 3.0], [-5.0, "10%"], ["合计", None]]
    assert layout.excel_value("10%", text_cell=False) == "'10%"
    assert layout.excel_value("张三", text_cell=False) == "张三"


# ---------------------------------------------------------------- button close == CLI close
LEADING_ZERO = "00123"


def hard_grids():
    """The demo with one person far below zero (negative score text in 结果 and 分布), one 工号 with
    leading zeros, and events in November and December."""
    staff = demo.staff_rows()
    old_id = staff[2]["id"]
    staff[2]["id"] = LEADING_ZERO
    events = [dict(e, id=LEADING_ZERO) if e["id"] == old_id else e
              for e in demo.event_rows(demo.DEMO_MONTHS + (Month(2026, 12),))]
    for k in range(40):
        events.append({"date": dt.date(2026, 11, 1 + k % 28), "id": "KF005", "name": staff[4]["name"],
                       "rule": "态度投诉", "status": "已批准"})
        events.append({"date": dt.date(2026, 12, 1 + k % 28), "id": "KF005", "name": staff[4]["name"],
                       "rule": "态度投诉", "status": "已批准"})
    return {
        "员工": grid_from_dicts(schema.STAFF, staff),
        "事件": grid_from_dicts(schema.EVENTS, events),
        "规则": grid_from_dicts(schema.RULES, presets.rule_rows()),
        "等级": grid_from_dicts(schema.TIERS, presets.tier_rows()),
        "参数": grid_from_dicts(schema.SETTINGS, presets.setting_rows(demo.DEMO_SCHEME, "2026-11")),
    }


def _norm(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    return None if v == "" else v


def _table(rows):
    rows = [[_norm(v) for v in r] for r in rows]
    rows = [r[:max([i + 1 for i, v in enumerate(r) if v is not None] or [0])] for r in rows]
    while rows and not rows[-1]:
        rows.pop()
    return rows


STAMP = 0  # 操作记录 column of the time stamp (differs between two runs)


def _masked(name, rows):
    if name == schema.LOG.name:
        return [r[:STAMP] + [None] + r[STAMP + 1:] if i and r else r for i, r in enumerate(rows)]
    if name == schema.SEALS.name:  # the seal of 操作记录 covers its time stamps
        return [r[:4] + [None] if i and r and r[2] == "操作记录" else r for i, r in enumerate(rows)]
    if name == "封存链":  # links chain those seals; and the time of each close
        return [r[:2] + [None, None, None] if i and r else r for i, r in enumerate(rows)]
    return rows


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory):
    """(button book, CLI file grids) after closing November then December both ways."""
    path = tmp_path_factory.mktemp("button") / "hard.xlsx"
    save(hard_grids(), path)
    with xlsxio.open_grids(path, xlsxio.sheet_names(path)) as g:
        book = FakeBook.from_grids(dict(g))
    io = macros.XlwingsBook(book)
    plans = []
    for m in (Month(2026, 11), Month(2026, 12)):
        plan = files.close_file(path, m, user="hr")
        assert plan.exit_code == 0, plan.problems
        got = macros.run_close(io, m, user="hr")
        assert got.exit_code == 0, [p.message for p in got.errors]
        plans.append(got)
    with xlsxio.open_grids(path, xlsxio.sheet_names(path)) as g:
        cli = {n: g[n] for n in g}
    return book, cli, plans, io


def test_button_and_cli_close_write_identical_values_on_every_sheet(both_paths):
    book, cli, plans, _ = both_paths
    written = {s.name for s in plans[-1].sheets}
    assert {"结果", "分布", "历史", "明细", "工资表"} <= written
    for name in sorted(written):
        have = _masked(name, _table(book.values(name)))
        want = _masked(name, _table(cli[name].rows))
        assert have == want, name


def test_the_hard_cases_are_in_the_data(both_paths):
    book, cli, plans, _ = both_paths
    res = book.values("结果")
    assert any(isinstance(c, str) and c.startswith("-") and "A2-12" in c for r in res for c in r)
    assert any(r[2] == LEADING_ZERO for r in res[1:])
    dist = book.values("分布")
    assert any(isinstance(r[0], str) and r[0].startswith("-") for r in dist[1:])
    months = {r[0] for r in book.values("历史")[1:]}
    assert months == {"2026-11", "2026-12"}  # month keys stay text, not dates


def test_button_close_round_trips_grow_with_sheets_not_cells(both_paths):
    _, _, plans, io = both_paths
    small = FakeBook.from_grids(hard_grids())
    macros.run_close(macros.XlwingsBook(small), Month(2026, 11), user="hr")
    big_grids = hard_grids()
    rows = list(big_grids["事件"].rows)
    big_grids["事件"] = Grid.of("事件", rows + rows[1:] * 3)  # four times the events and lines
    big = FakeBook.from_grids(big_grids)
    macros.run_close(macros.XlwingsBook(big), Month(2026, 11), user="hr")
    assert big.trips == small.trips
    assert small.trips < 30 * len(plans[0].sheets)


def test_a_failing_write_says_what_was_written_and_how_to_get_back(monkeypatch):
    book = FakeBook.from_grids(hard_grids())
    io = macros.XlwingsBook(book)
    real = layout.excel_cells

    def broken(lay):
        out = real(lay)
        if lay.sheet.name == "历史":
            out.values[1][4] = "=BROKEN("  # into the score column (General): Excel refuses it as a formula
        return out
    monkeypatch.setattr(layout, "excel_cells", broken)
    monkeypatch.setenv("KEFU_XL_NO_DIALOG", "1")
    with pytest.raises(macros.WriteFailed) as e:
        macros.run_close(io, Month(2026, 11), user="hr")
    text = str(e.value)
    assert "「结果」、「明细」" in text and "「历史」可能只写了一部分" in text and "不保存" in text


def test_unattended_runs_show_no_message_box(monkeypatch):
    monkeypatch.setenv("KEFU_XL_NO_DIALOG", "1")
    book = FakeBook.from_grids(hard_grids())
    io = macros.XlwingsBook(book)
    macros.run_close(io, Month(2026, 11), user="hr")
    assert book.app.alerts == []
    assert io.last_message[0] == "月结完成"


def test_nothing_is_written_when_a_sheet_cannot_go_into_excel(monkeypatch):
    book = FakeBook.from_grids(hard_grids())
    monkeypatch.setattr(macros, "MAX_TEXT", 3)
    with pytest.raises(ValueError):
        macros.run_close(macros.XlwingsBook(book), Month(2026, 11), user="hr")
    assert "结果" not in [s._name for s in list.__iter__(book.sheets)]


def test_an_invisible_excel_gets_no_message_box():
    """Excel started by a script through COM (tools/excel_check.ps1) is invisible: no box waits for a click."""
    book = FakeBook.from_grids(hard_grids())
    book.app.visible = False
    io = macros.XlwingsBook(book)
    macros.run_close(io, Month(2026, 11), user="hr")
    assert book.app.alerts == [] and io.last_message[0] == "月结完成"
