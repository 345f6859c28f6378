"""Old months are recomputed with the scheme and settings in force in that month (DOMAIN §8: dated
settings): a reopen after 方案 and 最低工资 changed gives the month's own answer again."""
from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from tests.util import grids

EVENTS = "日期 工号 规则 数量\n2026-11-03 K01 态度投诉 2\n2026-11-05 K02 好评表扬 1"


def _sheets(plan):
    return {s.name: Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows]) for s in plan.sheets}


def _book(written, settings=()):
    g = grids("tmall-30", EVENTS, month="2026-11", settings=settings)
    for name in ("历史", "工资历史", "封存", "封存链", "结转", "操作记录"):
        if name in written:
            g[name] = written[name]
    return closing.load(g)


def test_S8_A2_reopen_after_the_scheme_and_minimum_wage_changed_recloses_with_the_months_own():
    first = closing.plan_close(_book({}))
    assert first.exit_code == 0 and first.result.scheme == "tmall-30"
    before = {p["id"]: (p["score"], p["pay"]) for p in first.as_json()["staff"]}
    assert before["K01"][0] == 32  # 30 − 1 (A2-8: warning, then −1) + 3 (A2-3)
    written = _sheets(first)
    # from December the shop uses classic-100 and a higher minimum wage (new dated rows)
    later = [{"key": "方案", "value": "classic-100", "since": "2026-12"},
             {"key": "最低工资", "value": "2740", "since": "2026-12"},
             {"key": "最低工资含个人社保", "value": "否", "since": "2026-12"}]
    reopen = closing.plan_reopen(_book(written, later), first.month, "更正 11 月")
    assert not reopen.refused
    written.update(_sheets(reopen))
    again = closing.plan_close(_book(written, later), first.month)
    assert again.exit_code == 0, again.errors
    assert again.result.scheme == "tmall-30"
    assert {p["id"]: (p["score"], p["pay"]) for p in again.as_json()["staff"]} == before
    assert not [p for p in again.problems if p.code == "W_SEALED_INPUT"]
    # December itself takes the new scheme
    dec = closing.plan_close(_book(_sheets(again), later), closing.Month(2026, 12))
    assert dec.result.scheme == "classic-100"
