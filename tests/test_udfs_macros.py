"""Issue 3 (Python side): UDFs and the 月结 macro give the same answers as the headless close."""
from decimal import Decimal

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.xlsx import demo
from kefu_xl.excel import macros
from kefu_xl.rules import presets
from kefu_xl.core import schema
from kefu_xl.excel import udfs
from kefu_xl.core.grid import Grid
from kefu_xl.core.model import Month
from kefu_xl.read.tables import grid_from_dicts
from tests.fake_xlwings import FakeBook


def nov_row(grids):
    """Index of the first November event row in the demo 事件 grid."""
    return next(i for i, r in enumerate(grids["事件"].rows) if i and r[0].month == 11)


def with_unknown_staff(grids):
    """The demo grids with one November event's 工号 changed to KF999; returns (grids, sheet row)."""
    rows = [list(r) for r in grids["事件"].rows]
    i = nov_row(grids)
    rows[i][1] = "KF999"
    grids["事件"] = Grid.of("事件", rows)
    return grids, i + 1


def demo_grids(month="2026-11"):
    return {
        "员工": grid_from_dicts(schema.STAFF, demo.staff_rows()),
        "事件": grid_from_dicts(schema.EVENTS, demo.event_rows()),
        "规则": grid_from_dicts(schema.RULES, presets.rule_rows()),
        "等级": grid_from_dicts(schema.TIERS, presets.tier_rows()),
        "参数": grid_from_dicts(schema.SETTINGS, presets.setting_rows(demo.DEMO_SCHEME, month)),
    }


def xlwings_tables(grids):
    """The 2-D lists xlwings passes for staff[#全部] etc.: ints become floats, dates datetimes."""
    book = FakeBook.from_grids(grids)
    return [book.values(n) for n in ("员工", "事件", "规则", "等级", "参数")]


@pytest.fixture(scope="module")
def plan():
    return closing.plan_close(closing.load(demo_grids()))


def test_udfs_equal_close_json_for_the_demo_month(plan):
    out = plan.as_json()
    tables = xlwings_tables(demo_grids())
    for person in out["staff"]:
        sid = person["id"]
        assert udfs.KEFU_SCORE(sid, *tables) == person["score"]
        assert udfs.KEFU_GRADE(sid, *tables) == person["grade"]
        assert Decimal(str(udfs.KEFU_TIER_SALARY(sid, *tables))) == Decimal(person["pay"]["gross"])
    board = udfs.KEFU_BOARD(*tables)
    assert board[0] == list(udfs.BOARD_HEADER)
    assert [r[1] for r in board[1:]] == [p["id"] for p in out["staff"]]
    assert [r[0] for r in board[1:]] == [p["rank"] if p["rank"] is not None else "" for p in out["staff"]]
    assert [Decimal(str(r[10])) for r in board[1:]] == [Decimal(p["pay"]["net"]) for p in out["staff"]]
    first = out["staff"][0]
    explain = udfs.KEFU_EXPLAIN(first["id"], *tables)
    assert explain[0] == list(udfs.EXPLAIN_HEADER)
    assert [r[1] for r in explain[1:len(first["lines"]) + 1]] == [ln["rule"] for ln in first["lines"]]


def test_udf_bonus_deduction_is_the_money_withheld(plan):
    tables = xlwings_tables(demo_grids())
    cut = [p for p in plan.pays if p.bonus_cut_amount or p.bonus_void]
    assert cut, "the demo month should have someone below 25 points"
    p = cut[0]
    assert Decimal(str(udfs.KEFU_BONUS_DEDUCTION(p.staff.id, *tables))) == p.bonus_cut_amount + p.bonus_void


def test_udf_cache_computes_a_month_once_for_many_cells(monkeypatch):
    tables = xlwings_tables(demo_grids())
    calls = []
    real = udfs._compute
    monkeypatch.setattr(udfs, "_compute", lambda *a: calls.append(1) or real(*a))
    udfs._by_identity.clear(); udfs._by_content.clear()
    for sid in ("KF001", "KF002", "KF003"):
        udfs.KEFU_SCORE(sid, *tables)
    fresh = xlwings_tables(demo_grids())  # equal content, new lists (as Excel passes them per call)
    udfs.KEFU_SCORE("KF004", *fresh)
    assert calls == [1]
    changed = [list(r) for r in fresh[1]]  # xlwings passes new lists on every call
    changed[5][-5] = "改过的备注"  # a changed cell is a new key
    fresh = fresh[:1] + [changed] + fresh[2:]
    udfs.KEFU_SCORE("KF004", *fresh)
    assert calls == [1, 1]


def test_udf_input_error_is_a_chinese_message_in_the_cell():
    grids, row = with_unknown_staff(demo_grids())
    out = udfs.KEFU_SCORE("KF001", *xlwings_tables(grids))
    assert out.startswith(f"#错误：事件第{row}行工号") and "KF999" in out


def _as_cell(v):
    if isinstance(v, Decimal) or (isinstance(v, int) and not isinstance(v, bool)):
        return float(v)
    if v is not None and hasattr(v, "year") and not hasattr(v, "hour"):
        import datetime as dt
        return dt.datetime(v.year, v.month, v.day)
    return v


def test_month_close_macro_writes_the_same_sheets_as_the_headless_close(plan):
    book = FakeBook.from_grids(demo_grids())
    got = macros.run_close(macros.XlwingsBook(book), user=None)
    assert got.exit_code == 0
    assert book.app.alerts[-1][0] == "月结完成"
    expected = closing.plan_close(closing.load(demo_grids()), user=got.sheets[4].rows[-1][1])
    for sheet in expected.sheets:
        width = max([len(sheet.header)] + [len(r) for r in sheet.rows])
        want = ([[sheet.title]] if sheet.title else []) + ([list(sheet.header)] if sheet.header else []) + \
            [[_as_cell(v) for v in r] for r in sheet.rows]
        want = [r + [None] * (width - len(r)) for r in want]
        have = book.values(sheet.name)
        have = [r + [None] * (width - len(r)) for r in have]
        if sheet.name == "操作记录":  # the time stamp differs
            want = [r[:1] + r[2:] if i else r for i, r in enumerate(want)]
            have = [r[:1] + r[2:] if i else r for i, r in enumerate(have)]
            want[1:] = [[None] + r[1:] for r in want[1:]]
            have[1:] = [[None] + r[1:] for r in have[1:]]
        assert have == [[None if c == "" else c for c in r] for r in want], sheet.name


def test_month_close_macro_reports_problems_in_a_sheet_and_marks_cells():
    grids, row = with_unknown_staff(demo_grids())
    book = FakeBook.from_grids(grids)
    got = macros.run_close(macros.XlwingsBook(book))
    assert got.exit_code == 1
    title, text = book.app.alerts[-1]
    assert title == "月结未完成" and f"事件 第{row}行 工号" in text
    problems = book.values("问题")
    assert problems[0] == list(schema.PROBLEMS.headers)
    assert any(r[1] == "事件" and r[2] == row and r[3] == "工号" for r in problems[1:])
    assert book.sheets["事件"].colors[(row, 2)] == macros.HIGHLIGHT
    assert "结果" not in [s.name for s in book.sheets]  # nothing else written


def test_udf_cache_tells_a_true_cell_from_a_one():
    """TRUE == 1.0 in Python, but a TRUE typed into 分值 is an input error, not 1 point: a new key."""
    grids = demo_grids()
    tables = xlwings_tables(grids)
    udfs.clear_cache()
    assert not isinstance(udfs.KEFU_SCORE("KF001", *tables), str)
    rows = [list(r) for r in tables[1]]
    col = list(grids["事件"].rows[0]).index("数量")
    i = next(k for k, r in enumerate(rows) if k and r[0].month == 11)
    rows[i][col] = 1.0
    one = [list(r) for r in rows]
    assert not isinstance(udfs.KEFU_SCORE("KF001", tables[0], one, *tables[2:]), str)
    rows[i][col] = True  # equal to 1.0 for Python, a different cell for Excel and the reader
    out = udfs.KEFU_SCORE("KF001", tables[0], rows, *tables[2:])
    assert isinstance(out, str) and out.startswith(f"#错误：事件第{i + 1}行数量"), out


def test_udf_sheet_of_cells_asks_each_person_once_per_month(monkeypatch):
    tables = xlwings_tables(demo_grids())
    udfs.clear_cache()
    first = udfs.KEFU_SCORE("KF001", *tables)
    monkeypatch.setattr(udfs, "_person", lambda *a: pytest.fail("answer not remembered"))
    assert udfs.KEFU_SCORE("KF001", *tables) == first
    assert udfs.KEFU_SCORE("KF001", *xlwings_tables(demo_grids())) == first  # new lists, same content
    monkeypatch.undo()
    assert udfs.KEFU_SCORE([["KF001"]], *tables) == "#错误：工号「[['KF001']]」不在本月的员工中"  # unhashable: no memo
