"""Issue 15 (1): KEFU_MONTH and the functions that take its handle (本月) and scalars only.

Each agreement test sits beside a value worked out by hand from the policy text.
"""
import datetime as dt
from decimal import Decimal

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.core import schema
from kefu_xl.core.grid import Grid
from kefu_xl.core.values import month as parse_month
from kefu_xl.excel import udfs
from kefu_xl.read.tables import grid_from_dicts, grid_from_text
from kefu_xl.rules import presets
from tests.fake_xlwings import FakeBook
from tests.test_udfs_macros import demo_grids, with_unknown_staff
from tests.util import STAFF, grids as text_grids

INPUTS = ("员工", "事件", "规则", "等级", "参数")


def as_xlwings(grids, names=None):
    """The 2-D lists xlwings passes for each table (ints as floats, dates as datetimes), fresh lists."""
    book = FakeBook.from_grids(grids)
    return [book.values(n) for n in (names or grids)]


def with_history(grids, month="2026-11"):
    """The grids plus the 历史 a close of `month` writes (for the next month's functions and close)."""
    plan = closing.plan_close(closing.load(grids), parse_month(month))
    hist = next(s for s in plan.sheets if s.name == schema.HISTORY.name)
    out = dict(grids)
    out["历史"] = Grid.of("历史", [hist.header] + [tuple(r) for r in hist.rows])
    return out


def agree(grids, month=None):
    """Every function over the handle equals the close (plan_close) on the same grids, to the fen."""
    udfs._HANDLES.clear()
    tables = as_xlwings(grids)
    handle = udfs.KEFU_MONTH(*tables, *([month] if month else []))
    assert not handle.startswith("#"), handle
    plan = closing.plan_close(closing.load(grids), parse_month(month) if month else None)
    assert plan.exit_code == 0, plan.problems
    out = plan.as_json()
    assert handle.startswith(out["month"] + " · ")
    pays = plan.pay_by_id()
    for person in out["staff"]:
        sid = person["id"]
        assert udfs.KEFU_SCORE(sid, handle) == person["score"]
        assert udfs.KEFU_GRADE(sid, handle) == person["grade"]
        assert Decimal(str(udfs.KEFU_TIER_SALARY(sid, handle))) == Decimal(person["pay"]["gross"])
        pay = pays[sid]
        assert Decimal(str(udfs.KEFU_BONUS_DEDUCTION(sid, handle))).quantize(Decimal("0.01")) == \
            (pay.bonus_cut_amount + pay.bonus_void).quantize(Decimal("0.01"))
        explain = udfs.KEFU_EXPLAIN(sid, handle)
        lines = person["lines"]
        assert [r[1] for r in explain[1:len(lines) + 1]] == [ln["rule"] for ln in lines]
        assert [Decimal(str(r[3])) for r in explain[1:len(lines) + 1]] == [Decimal(ln["amount"]) for ln in lines]
        assert [r[2] for r in explain[1:len(lines) + 1]] == [ln["points"] for ln in lines]
    board = udfs.KEFU_BOARD(handle)
    assert [r[1] for r in board[1:]] == [p["id"] for p in out["staff"]]
    assert [Decimal(str(r[10])) for r in board[1:]] == [Decimal(p["pay"]["net"]) for p in out["staff"]]
    return handle, out


def T30(events, staff=STAFF, month="2026-11"):
    return text_grids("tmall-30", events, staff, month)


# ---------------------------------------------------------------- agreement with the close, and by hand
def test_A2_8_functions_agree_with_the_close_and_the_hand_worked_score():
    g = T30("日期 工号 规则 数量\n2026-11-03 K01 态度投诉 1\n2026-11-09 K01 态度投诉 2\n2026-11-19 K01 态度投诉 1")
    handle, _ = agree(g)
    # by hand (A2-1, A2-8): 30 base, four complaints = a warning then 3 x -1: 27; more than two deductions: no A2-3
    assert udfs.KEFU_SCORE("K01", handle) == 27
    # A2-1 + A2-3: K02 had no deduction: 30 + 3 = 33
    assert udfs.KEFU_SCORE("K02", handle) == 33


def test_A2_12_bonus_withheld_agrees_with_the_close_and_by_hand():
    g = T30("日期 工号 规则 数量\n2026-11-03 K01 态度投诉 7")  # 30 - 6 = 24: below 25, 10% of the bonus (A2-12)
    handle, out = agree(g)
    assert udfs.KEFU_SCORE("K01", handle) == 24
    k01 = next(p for p in out["staff"] if p["id"] == "K01")
    assert k01["bonus_cut"] == "0.10"


def test_demo_month_agrees_with_the_close_without_history():
    agree(demo_grids())


def test_demo_month_agrees_with_the_close_with_history():
    """December after a closed November: the streak rules read 历史; the functions pass it like the close."""
    g = with_history(demo_grids("2026-12"), "2026-11")
    handle, out = agree(g, "2026-12")
    assert "2026-12 · " in handle
    assert out["month"] == "2026-12"


def test_A2_8_warning_resets_each_month_through_history_by_hand():
    """A2-8 by hand: a complaint in October (the warning) and one in November: November's is a warning again."""
    g = T30("日期 工号 规则\n2026-10-03 K01 态度投诉\n2026-11-03 K01 态度投诉", month="2026-10")
    g = with_history(g, "2026-10")
    g["参数"] = grid_from_dicts(schema.SETTINGS, presets.setting_rows("tmall-30", "2026-11"))
    handle, _ = agree(g, "2026-11")
    assert udfs.KEFU_SCORE("K01", handle) == 33  # 30 + 0 (warning) + 3 (A2-3: at most two deductions)


# ---------------------------------------------------------------- the handle
def test_the_handle_changes_when_any_input_cell_changes_and_only_then():
    g = with_history(demo_grids())
    g["参数"] = grid_from_dicts(schema.SETTINGS, presets.setting_rows("tmall-30", "2026-12"))
    udfs._HANDLES.clear()
    base = udfs.KEFU_MONTH(*as_xlwings(g))
    assert udfs.KEFU_MONTH(*as_xlwings(g)) == base  # fresh lists, same cells
    assert udfs.KEFU_MONTH(*reversed(as_xlwings(g))) == base  # any order of the tables
    for name in g:
        tables = as_xlwings(g)
        i = list(g).index(name)
        t = tables[i]
        r, c = len(t) - 1, 1
        old = t[r][c]
        t[r][c] = (old + "x") if isinstance(old, str) else ((old or 0) + 1 if not isinstance(old, dt.datetime)
                                                            else old + dt.timedelta(days=1))
        assert udfs.KEFU_MONTH(*tables) != base, name
    one, true = as_xlwings(g), as_xlwings(g)
    col = one[1][0].index("备注")
    one[1][5][col], true[1][5][col] = 1.0, True  # equal in Python, two different cells for Excel
    h1, h2 = udfs.KEFU_MONTH(*one), udfs.KEFU_MONTH(*true)
    assert not h1.startswith("#") and not h2.startswith("#")
    assert len({h1, h2, base}) == 3


def test_handle_text_names_month_people_and_full_digest():
    udfs._HANDLES.clear()
    h = udfs.KEFU_MONTH(*as_xlwings(demo_grids()))
    month, people, events, digest = h.split(" · ")
    assert month == "2026-11" and people == "20人" and events == f"{len(demo_grids()['事件'].rows) - 1}条"
    assert len(digest) == 32 and int(digest, 16) >= 0


def test_a_handle_python_no_longer_holds_asks_to_recalculate():
    udfs._HANDLES.clear()
    h = udfs.KEFU_MONTH(*as_xlwings(demo_grids()))
    udfs._HANDLES.clear()  # Python restarted
    for fn in (udfs.KEFU_SCORE, udfs.KEFU_GRADE, udfs.KEFU_TIER_SALARY, udfs.KEFU_BONUS_DEDUCTION):
        assert fn("KF001", h) == udfs.STALE
        assert "Ctrl+Alt+F9" in fn("KF001", h)
    assert udfs.KEFU_BOARD(h) == [[udfs.STALE]]
    assert udfs.KEFU_EXPLAIN("KF001", h) == [[udfs.STALE]]
    assert udfs.KEFU_SCORE("KF001", "随便写的") == udfs.NOT_A_HANDLE


def test_kefu_month_errors_show_in_every_cell_that_uses_it():
    g, row = with_unknown_staff(demo_grids())
    h = udfs.KEFU_MONTH(*as_xlwings(g))
    assert h.startswith(f"#错误：事件第{row}行工号") and "KF999" in h
    assert udfs.KEFU_SCORE("KF001", h) == h


def test_tables_are_recognised_by_their_header_row():
    g = with_history(demo_grids())
    g["指标"] = grid_from_text("指标", "月份 工号 指标 值 来源\n2026-11 KF001 业绩 100 手工")
    for name, table in zip(g, as_xlwings(g)):
        assert udfs.recognise(table) == name
    assert udfs.recognise([["甲", "乙"], [1, 2]]) is None
    h = udfs.KEFU_MONTH([["甲", "乙"], [1, 2]], *as_xlwings(demo_grids()))
    assert h.startswith("#错误：第1个参数不是可识别的表")


def test_many_person_cells_after_kefu_month_compute_nothing(monkeypatch):
    udfs._HANDLES.clear()
    h = udfs.KEFU_MONTH(*as_xlwings(demo_grids()))
    monkeypatch.setattr(udfs, "_compute_grids", lambda *a: pytest.fail("computed again"))
    for sid in [f"KF{i:03d}" for i in range(1, 21)] * 25:
        assert not isinstance(udfs.KEFU_SCORE(sid, h), str)
    assert udfs.KEFU_MONTH(*as_xlwings(demo_grids())) == h  # same inputs: the digest, no compute
