"""Sealed months: edits after a close are reported; reopen and re-close keep every version."""
import dataclasses

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from tests.util import grids

EVENTS = "日期 工号 规则 数量\n2026-10-03 K01 态度投诉 2\n2026-10-05 K02 好评表扬 1"


def _write_back(g, plan):
    for s in plan.sheets:
        g[s.name] = Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows])
    return g


def _closed_october(events=EVENTS):
    g = grids("tmall-30", events, month="2026-10")
    plan = closing.plan_close(closing.load(g))
    assert plan.exit_code == 0
    return _write_back(g, plan)


def _after(closed, events, month="2026-11"):
    """A book with new events that keeps the sheets the October close wrote."""
    g = grids("tmall-30", events, month=month)
    for name in ("历史", "封存", "封存链", "工资历史", "操作记录", "结果", "工资表"):
        g[name] = closed[name]
    return g


def test_edit_to_a_sealed_months_event_is_reported_with_its_row():
    g = _closed_october()
    edited = _after(g, "日期 工号 规则 数量\n2026-10-03 K01 态度投诉 1\n2026-10-05 K02 好评表扬 1")
    plan = closing.plan_close(closing.load(edited))
    sealed = [p for p in plan.problems if p.code == "E_SEALED_EDIT"]
    assert [(p.sheet, p.row) for p in sealed] == [("事件", 2)]
    assert "2026-10" in sealed[0].message and "被修改" in sealed[0].message
    assert plan.exit_code == 1


def test_unchanged_sealed_month_and_new_month_events_are_fine():
    g = _closed_october()
    nxt = _after(g, EVENTS + "\n2026-11-03 K03 好建议 1")
    plan = closing.plan_close(closing.load(nxt))
    assert plan.exit_code == 0, plan.problems
    assert not [p for p in plan.problems if "SEALED" in p.code]


def test_reopen_then_reclose_keeps_both_versions_and_the_difference():
    g = _closed_october()
    loaded = closing.load(g)
    assert closing.plan_reopen(loaded, closing.Month(2026, 10), "").refused
    reopen = closing.plan_reopen(loaded, closing.Month(2026, 10), "漏记一次好评")
    assert reopen.exit_code == 0
    g = _write_back(g, reopen)
    g["事件"] = grids("tmall-30", EVENTS + "\n2026-10-20 K01 好评表扬 1", month="2026-10")["事件"]
    again = closing.plan_close(closing.load(g))
    assert again.exit_code == 0, again.problems
    g = _write_back(g, again)
    hist = closing.load(g).book.history
    k01 = [(h.version, h.state, h.score) for h in hist if h.staff_id == "K01"]
    # v1 as closed (30 - 1 + 3 = 32), its reversal, then v2 with the extra praise (+3) = 35
    assert k01 == [(1, "有效", 32), (1, "冲销", 32), (2, "有效", 35)]
    v2 = [h for h in hist if h.staff_id == "K01" and h.version == 2][0]
    assert "得分 32→35" in v2.note
    log = [r[2] for r in closing.load(g).log_rows]
    assert log == ["月结", "重开", "重新月结"]
    # and a third close of October is refused again
    assert closing.plan_close(closing.load(g)).exit_code == 2


def test_clearing_a_closed_months_events_is_archiving_not_an_edit():
    g = _closed_october()
    nxt = _after(g, "日期 工号 规则 数量\n2026-11-03 K03 好建议 1")
    plan = closing.plan_close(closing.load(nxt))
    assert plan.exit_code == 0, plan.problems
    # but deleting one of the two October events is an edit
    part = _after(g, "日期 工号 规则 数量\n2026-10-05 K02 好评表扬 1\n2026-11-03 K03 好建议 1")
    plan = closing.plan_close(closing.load(part))
    assert [p.code for p in plan.errors] == ["E_SEALED_EDIT"]


def test_history_counters_are_written_back_as_they_were_read():
    """A 历史 row's 计数 text survives the next close unchanged, even spelled differently."""
    g = _closed_october()
    hist = g["历史"]
    col = list(hist.rows[0]).index("计数")
    rows = [list(r) for r in hist.rows]
    k01 = next(r for r in rows[1:] if r[1] == "K01")
    assert k01[col] == '{"少扣分":[1,3],"态度投诉":[2,0]}'  # 2 complaints, 3 points taken (A2-3)
    k01[col] = '{ "态度投诉": [2, 0], "少扣分": [1, 3] }'  # what a hand edit or another JSON writer leaves
    g["历史"] = Grid.of("历史", rows)
    nxt = _after(g, EVENTS + "\n2026-11-03 K03 好建议 1")
    # issue 21: any edit of what a close wrote is an error, even one that keeps the meaning
    assert [p.code for p in closing.plan_close(closing.load(nxt)).errors] == ["E_SEALED_WRITTEN"]
    # the writer still copies the row as it was read (the seal's check of written sheets left out here)
    plan = closing.plan_close(dataclasses.replace(closing.load(nxt), written=None))
    assert plan.exit_code == 0, plan.problems
    out = [s for s in plan.sheets if s.name == "历史"][0]
    written = [r for r in out.rows if r[1] == "K01"]
    assert written[0][col] == '{ "态度投诉": [2, 0], "少扣分": [1, 3] }'  # October, as read
    assert written[1][col] == '{"少扣分":[1,3]}'  # November, computed and written canonically
