"""Carry-forward (E-6): an event a sealed month did not count is counted exactly once, in the first
close after it became countable; the sealed month never changes.  Sheets in, close JSON out, each
close reading the sheets the one before wrote."""
import datetime as dt

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from tests.util import grids

HEAD = "日期 工号 规则 状态 公示日期"


def _close(events: str, month: str, written=None, as_of=None):
    g = grids("tmall-30", HEAD + "\n" + events, month=month)
    for name in ("历史", "工资历史", "封存", "封存链", "结转", "操作记录"):
        if written and name in written:
            g[name] = written[name]
    plan = closing.plan_close(closing.load(g), as_of=as_of)
    out = {s.name: Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows]) for s in plan.sheets}
    return plan, out


def _person(plan, sid):
    return {p["id"]: p for p in plan.as_json()["staff"]}[sid]


def _lines(plan, sid, rule):
    return [ln for ln in _person(plan, sid)["lines"] if ln["rule"] == rule]


def _codes(plan):
    return [p["code"] for p in plan.as_json()["problems"]]


def test_E6_reward_published_on_last_working_day_of_november_is_paid_once_in_december():
    # Monday 2026-11-30 is November's last working day: 3 working days of publication end on
    # Thursday 3 December, so November's close (on the 30th) does not count it, December's does.
    ev = "2026-11-30 K01 好评表扬 公示中 2026-11-30"
    nov, written = _close(ev, "2026-11")
    assert nov.exit_code == 0
    assert _lines(nov, "K01", "好评表扬") == []
    assert _person(nov, "K01")["score"] == 33  # 30 base + 3 少扣分 (A2-3), no 好评表扬
    assert "W_PENDING" in _codes(nov)
    dec, written = _close(ev, "2026-12", written)
    assert dec.exit_code == 0, dec.errors
    got = _lines(dec, "K01", "好评表扬")
    assert [(ln["date"], ln["points"]) for ln in got] == [("2026-11-30", 3)]
    assert "结转自2026-11" in got[0]["note"]
    assert _person(dec, "K01")["score"] == 36  # 30 + 3 (A2-3) + 3 carried (A2-4)
    carried = [p for p in dec.as_json()["problems"] if p["code"] == "W_CARRIED"]
    assert len(carried) == 1 and "2026-11" in carried[0]["message"] and "2026-12" in carried[0]["message"]
    assert (carried[0]["sheet"], carried[0]["row"], carried[0]["column"]) == ("事件", 2, "状态")
    assert "E_SEALED_EDIT" not in _codes(dec)
    jan, _ = _close(ev, "2027-01", written)
    assert jan.exit_code == 0, jan.errors
    assert _lines(jan, "K01", "好评表扬") == []  # exactly once
    assert "W_CARRIED" not in _codes(jan)


def test_E6_pending_event_approved_after_its_month_was_sealed_counts_in_next_month_without_sealed_edit():
    nov, written = _close("2026-11-10 K02 好建议 待审 -", "2026-11")
    assert _lines(nov, "K02", "好建议") == []
    # HR approves it in December: the November seal stands, December counts it
    dec, written = _close("2026-11-10 K02 好建议 已批准 -", "2026-12", written)
    assert dec.exit_code == 0, dec.errors
    assert [ln["points"] for ln in _lines(dec, "K02", "好建议")] == [3]
    assert "E_SEALED_EDIT" not in _codes(dec)


def test_E6_event_still_pending_stays_open_until_countable():
    ev_wait = "2026-11-10 K02 好建议 异议中 -"
    _, written = _close(ev_wait, "2026-11")
    dec, written = _close(ev_wait, "2026-12", written)
    assert _lines(dec, "K02", "好建议") == [] and "W_PENDING" in _codes(dec)
    jan, _ = _close("2026-11-10 K02 好建议 生效 -", "2027-01", written)
    got = _lines(jan, "K02", "好建议")
    assert [ln["points"] for ln in got] == [3] and "结转自2026-11" in got[0]["note"]


def test_E6_counted_event_edited_after_seal_is_still_an_error():
    _, written = _close("2026-11-10 K02 好建议 - -", "2026-11")
    dec, _ = _close("2026-11-10 K02 好建议 驳回 -", "2026-12", written)
    assert dec.exit_code == 1 and "E_SEALED_EDIT" in _codes(dec)


def test_E6_reopened_month_voids_what_its_close_carried():
    ev = "2026-11-30 K01 好评表扬 公示中 2026-11-30"
    _, w_nov = _close(ev, "2026-11")
    dec, w_dec = _close(ev, "2026-12", w_nov)
    assert len(_lines(dec, "K01", "好评表扬")) == 1
    g = grids("tmall-30", HEAD + "\n" + ev, month="2026-12")
    for name in ("历史", "工资历史", "封存", "封存链", "结转", "操作记录"):
        g[name] = w_dec[name]
    reopen = closing.plan_reopen(closing.load(g), dec.month, "更正")
    w = dict(w_dec)
    w.update({s.name: Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows]) for s in reopen.sheets})
    again, _ = _close(ev, "2026-12", w)
    assert again.exit_code == 0, again.errors
    assert len(_lines(again, "K01", "好评表扬")) == 1  # counted again in the re-close, still once overall


def test_E6_carried_event_edited_after_the_month_that_counted_it_was_sealed_is_an_error():
    ev = "2026-11-30 K01 好评表扬 公示中 2026-11-30"
    _, w = _close(ev, "2026-11")
    dec, w = _close(ev, "2026-12", w)
    assert len(_lines(dec, "K01", "好评表扬")) == 1
    # December counted it: rejecting it now changes what sealed December counted
    jan, _ = _close("2026-11-30 K01 好评表扬 驳回 2026-11-30", "2027-01", w)
    bad = [p for p in jan.as_json()["problems"] if p["code"] == "E_SEALED_EDIT"]
    assert jan.exit_code == 1 and bad and all("2026-12" in p["message"] for p in bad)
    ok, _ = _close(ev, "2027-01", w)
    assert ok.exit_code == 0, ok.errors
