"""小红花 (C-7): quotas, validity, balances, monthly and yearly awards."""
from decimal import Decimal as D

from kefu_xl.close import plan as closing
from kefu_xl.engine import flowers
from kefu_xl.rules import presets
from kefu_xl.read import readers
from kefu_xl.write import reports
from kefu_xl.core.model import Month
from tests.util import grids

I = "incentive"
FH = "日期 工号 规则 数量 发放人 状态"
# M01 经理 and M02 组长 are leaders (2 a month each); M03 助理 and M04 专员 share the pool of 30
STAFF = """
工号 姓名 组别 等级 状态 岗位
K01 张三 A组 初级 在职 客服
K02 李四 A组 初级 在职 客服
K03 王五 B组 中级 在职 客服
M01 赵经理 管理 高级 在职 经理
M02 钱组长 A组 中级 在职 组长
M03 孙助理 管理 初级 在职 助理
M04 周专员 管理 初级 在职 专员
"""


def book(events: str, month: str = "2026-11", rules=None, settings=()):
    b, problems = readers.read_book(grids(I, FH + "\n" + events, STAFF, month, rules=rules, settings=settings))
    assert not [p for p in problems if p.is_error], problems
    return b


def analyse(events: str, month: str = "2026-11", **kw) -> flowers.FlowerMonth:
    fm = flowers.analyse_book(book(events, month, **kw), Month(int(month[:4]), int(month[5:])), I)
    assert fm is not None
    return fm


def codes(fm):
    return [(p.code, p.row, p.column) for p in fm.problems]


def flower_rules(**params):
    """The preset rules with the 小红花 row's parameters changed."""
    rows = presets.rule_rows()
    for r in rows:
        if r["code"] == "小红花":
            opts = dict(kv.split("=") for kv in r["params"].split(";"))
            opts.update(params)
            r["params"] = ";".join(f"{k}={v}" for k, v in opts.items())
    return rows


# ---------------------------------------------------------------- quotas
def test_C_7_leader_quota_2_per_month_exceeded_is_error_at_row():
    ev = """
2026-11-03 K01 小红花 1 M01 -
2026-11-04 K02 小红花 1 赵经理 -
2026-11-05 K03 小红花 1 M01 -
2026-11-06 K03 小红花 2 M02 -
"""
    fm = analyse(ev)
    # rows 2-4 are M01's (by 工号 or by 姓名): the 3rd flower, on sheet row 4, goes over; M02 used exactly 2
    assert codes(fm) == [("E_FLOWER_QUOTA", 4, "数量")]
    msg = fm.problems[0].message
    assert "赵经理" in msg and "2026年11月" in msg and "3 朵" in msg and "每人每月 2 朵" in msg
    assert fm.problems[0].is_error
    use = {i.staff_id: (i.leader, i.count, i.quota) for i in fm.issued}
    assert use["M01"] == (True, 3, 2) and use["M02"] == (True, 2, 2)


def test_C_7_leader_quota_is_per_month():
    ev = """
2026-10-03 K01 小红花 2 M01 -
2026-11-03 K01 小红花 2 M01 -
"""
    assert codes(analyse(ev)) == []


def test_C_7_quota_error_stops_the_close():
    g = grids(I, FH + "\n2026-11-03 K01 小红花 3 M02 -", STAFF)
    plan = closing.plan_close(closing.load(g))
    assert plan.exit_code == closing.EXIT_INPUT and plan.sheets == ()
    assert [(p.code, p.row, p.column) for p in plan.errors] == [("E_FLOWER_QUOTA", 2, "数量")]


def test_C_7_other_managers_30_total():
    ev = """
2026-11-02 K01 小红花 2 M01 -
2026-11-03 K01 小红花 20 M03 -
2026-11-04 K02 小红花 10 M04 -
2026-11-05 K03 小红花 1 M04 -
"""
    fm = analyse(ev)
    # the leader's 2 are outside the pool: 20 + 10 = 30 is allowed, the 31st (row 5) is not
    assert codes(fm) == [("E_FLOWER_QUOTA", 5, "数量")]
    msg = fm.problems[0].message
    assert "周专员" in msg and "2026年11月" in msg and "31 朵" in msg and "30 朵" in msg
    assert fm.others_total == 31
    ok = analyse(ev.replace("2026-11-05 K03 小红花 1 M04 -", ""))
    assert codes(ok) == [] and ok.others_total == 30


def test_C_7_rejected_flowers_do_not_use_the_quota_but_pending_ones_do():
    ev = """
2026-11-03 K01 小红花 2 M01 驳回
2026-11-04 K02 小红花 2 M01 -
"""
    assert codes(analyse(ev)) == []
    pending = analyse(ev.replace("驳回", "待审"))
    assert codes(pending) == [("E_FLOWER_QUOTA", 3, "数量")]


def test_C_7_leaders_listed_in_settings_replace_the_roles():
    ev = """
2026-11-03 K01 小红花 3 M03 -
2026-11-04 K01 小红花 5 M01 -
"""
    fm = analyse(ev, settings=[{"key": "小红花领导", "value": "M03、王五"}])
    # M03 is now a leader (2 a month); the 经理 M01 shares the pool of 30
    assert codes(fm) == [("E_FLOWER_QUOTA", 2, "数量")]
    assert {i.staff_id: i.leader for i in fm.issued}["M01"] is False


def test_C_7_issuer_must_be_in_staff():
    ev = """
2026-11-03 K01 小红花 1 X99 -
2026-11-04 K01 小红花 1 - -
2026-11-05 K01 小红花 1 K01 -
"""
    fm = analyse(ev)
    assert codes(fm) == [("E_FLOWER_ISSUER", 2, "发放人"), ("E_FLOWER_ISSUER", 3, "发放人"),
                         ("W_FLOWER_SELF", 4, "发放人")]
    assert "X99" in fm.problems[0].message and "不在「员工」表中" in fm.problems[0].message
    assert not fm.problems[2].is_error


def test_C_7_flowers_are_whole_numbers():
    assert codes(analyse("2026-11-03 K01 小红花 1.5 M01 -")) == [("E_FLOWER_QTY", 2, "数量")]


# ---------------------------------------------------------------- validity
def test_C_7_flower_valid_three_months_then_expires():
    ev = "2026-11-10 K01 小红花 2 M01 -"
    # issued in November: counts in November, December and January; expired in February
    got = {m: analyse(ev, m).holding("K01") for m in ("2026-10", "2026-11", "2026-12", "2027-01", "2027-02")}
    assert [got[m].balance for m in got] == [0, 2, 2, 2, 0]
    assert [got[m].expiring for m in got] == [0, 0, 0, 2, 0]
    assert [got[m].received for m in got] == [0, 2, 0, 0, 0]


def test_C_7_balance_accumulates_within_validity():
    ev = """
2026-09-10 K01 小红花 1 M01 -
2026-10-10 K01 小红花 2 M01 -
2026-11-10 K01 小红花 1 M02 -
"""
    h = analyse(ev).holding("K01")
    # September's flower is still valid in November (Sep, Oct, Nov) and expires in December
    assert (h.balance, h.expiring, h.received, h.year_total) == (4, 1, 1, 4)
    assert analyse(ev, "2026-12").holding("K01").balance == 3


def test_C_7_only_effective_flowers_count():
    ev = """
2026-11-03 K01 小红花 1 M01 待审
2026-11-04 K01 小红花 1 M02 已批准
"""
    assert analyse(ev).holding("K01").balance == 1


def test_C_7_validity_is_a_parameter():
    ev = "2026-11-10 K01 小红花 2 M01 -"
    fm = analyse(ev, "2026-12", rules=flower_rules(有效月数=1))
    assert fm.holding("K01").balance == 0
    assert analyse(ev, "2026-11", rules=flower_rules(有效月数=1)).holding("K01").expiring == 2


# ---------------------------------------------------------------- awards
def test_C_7_monthly_award():
    ev = """
2026-10-10 K01 小红花 2 M01 -
2026-11-03 K01 小红花 1 M01 -
2026-11-04 K02 小红花 2 M02 -
"""
    fm = analyse(ev)
    # K01 holds 3 valid flowers (2 from October + 1), K02 holds 2: K01 gets the month's 100
    assert fm.awards == {"K01": D("100.00")}
    assert fm.holding("K01").award == D("100.00") and fm.holding("K02").award == 0


def test_C_7_monthly_award_ties_share_it():
    ev = """
2026-11-03 K01 小红花 1 M01 -
2026-11-04 K02 小红花 1 M01 -
2026-11-05 K03 小红花 1 M02 -
"""
    # three equal: 100 / 3 -> 33.34 + 33.33 + 33.33 (the odd fen to the lowest 工号)
    assert analyse(ev).awards == {"K01": D("33.34"), "K02": D("33.33"), "K03": D("33.33")}
    each = analyse(ev, rules=flower_rules(月度奖励="每人"))
    assert each.awards == {"K01": D("100.00"), "K02": D("100.00"), "K03": D("100.00")}
    assert analyse(ev, rules=flower_rules(月度奖励="无")).awards == {}


def test_C_7_no_flowers_no_monthly_award():
    assert analyse("").awards == {}


def test_C_7_yearly_top3():
    ev = """
2025-12-10 K03 小红花 9 M03 -
2026-01-10 K01 小红花 2 M01 -
2026-03-10 K01 小红花 2 M01 -
2026-05-10 K01 小红花 1 M02 -
2026-04-10 K02 小红花 2 M02 -
2026-06-10 K02 小红花 1 M02 -
2026-07-10 K03 小红花 2 M01 -
2026-12-01 K03 小红花 1 M01 -
2026-08-10 M04 小红花 2 M02 -
"""
    fm = analyse(ev, "2026-12")
    # 2026 only (K03's 9 of 2025 do not count): K01 5, K02 3, K03 3 (tied 2nd), M04 2 (4th)
    assert fm.year_top == (("K01", D(5), 1), ("K02", D(3), 2), ("K03", D(3), 2))
    assert fm.final_year and fm.holding("K03").year_award and not fm.holding("M04").year_award
    assert fm.holding("M04").year_rank == 4
    # on demand, for any year
    pol, _ = flowers.policy_for(book(ev).rules, I)
    assert flowers.yearly_top(book(ev).events, pol, 2025) == [("K03", D(9), 1)]
    # before December the ranking is to date, not the award
    nov = analyse(ev, "2026-11")
    assert not nov.final_year and not any(h.year_award for h in nov.holdings)


def test_C_7_yearly_top3_on_the_honour_roll_in_december():
    ev = FH + """
2026-05-10 K01 小红花 2 M01 -
2026-06-10 K02 小红花 1 M01 -
"""
    from kefu_xl.engine import month as engine
    b, _ = readers.read_book(grids(I, ev, STAFF, "2026-12"))
    res = engine.compute_month(b)
    sheets, problems = reports.build(res, b, engine.history_from_result(res))
    roll = {s.name: s for s in sheets}["荣誉榜"]
    year = [r for r in roll.rows if r[0] == "2026年" and r[1].startswith("小红花年度")]
    assert [(r[1], r[2], r[6]) for r in year] == [("小红花年度第1名", "K01", "C-7"), ("小红花年度第2名", "K02", "C-7")]
    assert "2 朵" in year[0][5]


# ---------------------------------------------------------------- sheet
def test_C_7_sheet_shows_quota_use_balances_and_expiry():
    ev = """
2026-09-10 K01 小红花 1 M03 -
2026-11-03 K01 小红花 2 M01 -
2026-11-04 K02 小红花 5 M03 -
"""
    s = flowers.sheet(analyse(ev))
    assert s.name == "小红花" and s.header[:6] == ("工号", "姓名", "组别", "本月获得", "有效余额", "下月到期")
    by_id = {r[0]: r for r in s.rows if r[0]}
    assert by_id["K02"][3:9] == (5, 5, 0, 5, 1, D("100.00"))
    assert by_id["K01"][3:8] == (2, 3, 1, 3, 2)
    assert by_id["M01"][2:6] == ("领导", 2, 2, 0)
    assert by_id["M03"][2:4] == ("其他管理人员", 5)
    assert by_id["合计"][3:6] == (5, 30, 25)
    assert "有效期 3 个月" in s.title and "100.00" in s.title
    section = s.extra["section_rows"][0]
    assert s.rows[section - 3][0].startswith("【发放额度】")


def test_C_7_no_flower_rule_no_sheet():
    rows = [r for r in presets.rule_rows() if r["kind"] != "小红花"]
    b, _ = readers.read_book(grids(I, FH, STAFF, rules=rows))
    assert flowers.analyse_book(b, Month(2026, 11), I) is None
