"""close --json matches CONTRACT.md field for field; closes chain through the history."""
import re
from decimal import Decimal as D

from kefu_xl.close import plan as closing
from tests.util import grids

MONEY = re.compile(r"^-?\d+\.\d\d$")
EVENTS = """
日期 工号 规则 数量 金额
2026-11-03 K01 态度投诉 10 -
2026-11-05 K02 私自降价 2 -
2026-11-30 K01 业绩 - 50000
2026-11-30 K02 业绩 - 60000
"""


def _plan(events=EVENTS, month="2026-11", history_grid=None):
    g = grids("tmall-30", events, month=month)
    if history_grid is not None:
        g.update(history_grid)
    return closing.plan_close(closing.load(g))


def test_close_json_matches_contract_field_for_field():
    out = _plan().as_json()
    assert list(out) == ["month", "scheme", "staff", "problems"]
    assert (out["month"], out["scheme"]) == ("2026-11", "tmall-30")
    s = {p["id"]: p for p in out["staff"]}["K01"]
    assert list(s)[:11] == ["id", "name", "tier", "score", "grade", "passed", "rank", "bonus_cut", "pay", "flags",
                            "lines"]
    assert (s["name"], s["tier"], s["score"], s["passed"]) == ("张三", "初级", 24, True)
    assert s["bonus_cut"] == "0.10"
    assert set(s["pay"]) == {"base", "commission", "bonus", "deductions", "gross", "social_insurance", "tax", "net"}
    assert all(MONEY.match(v) for v in s["pay"].values()), s["pay"]
    assert s["pay"]["base"] == "4000.00"
    pay = {k: D(v) for k, v in s["pay"].items()}
    assert pay["gross"] - pay["deductions"] - pay["social_insurance"] - pay["tax"] == pay["net"]
    line = s["lines"][0]
    assert list(line) == ["date", "rule", "points", "amount", "note", "source"]
    assert (line["date"], line["rule"], line["points"], line["amount"], line["source"]) == (
        "2026-11-03", "态度投诉", -9, "0.00", "A2-8")  # 30 - 9 + 3 (2nd in 业绩) = 24
    assert sum(ln["points"] for ln in s["lines"]) == s["score"]


def test_close_json_problems_carry_sheet_row_column_message():
    out = closing.plan_close(closing.load(grids("tmall-30", "日期 工号 规则\n2026-11-03 K99 态度投诉"))).as_json()
    assert out["problems"][0]["sheet"] == "事件"
    assert (out["problems"][0]["row"], out["problems"][0]["column"]) == (2, "工号")
    assert "K99" in out["problems"][0]["message"]
    assert {"sheet", "row", "column", "message"} <= set(out["problems"][0])


def test_plan_with_errors_writes_nothing_and_exits_1():
    plan = closing.plan_close(closing.load(grids("tmall-30", "日期 工号 规则\n2026-11-03 K99 态度投诉")))
    assert plan.exit_code == 1 and plan.sheets == ()


def test_two_consecutive_closes_on_one_book_fire_a_streak_in_the_second():
    """A1-1 via the history sheet the first close writes (pure path; the file path is in test_cli)."""
    from kefu_xl.read.tables import dict_rows  # noqa: F401  (round trip helper exists)
    from kefu_xl.core.grid import Grid
    sales = "日期 工号 规则 金额\n{m}-28 K01 业绩 9000\n{m}-28 K02 业绩 5000"
    g = grids("tmall-1", sales.format(m="2026-10"), month="2026-10")
    first = closing.plan_close(closing.load(g))
    assert first.exit_code == 0
    written = {s.name: Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows]) for s in first.sheets}
    g2 = grids("tmall-1", sales.format(m="2026-10") + "\n" + "\n".join(sales.format(m="2026-11").splitlines()[1:]),
               month="2026-11")
    g2["历史"] = written["历史"]
    g2["工资历史"] = written["工资历史"]
    second = closing.plan_close(closing.load(g2))
    k01 = second.result.person("K01")
    assert any("带薪休假" in f for f in k01.flags)
    assert not any("带薪休假" in f for p in first.result.people for f in p.flags)
    # closing October again is refused (exit 2)
    g["历史"] = written["历史"]
    again = closing.plan_close(closing.load(g))
    assert again.exit_code == 2 and "已经月结" in again.refused
