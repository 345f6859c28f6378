"""天猫方案一 (A1-*) and 天猫方案二 30-point scheme (A2-*): hand-worked from seed A."""
from decimal import Decimal as D

from kefu_xl.engine import month as engine
from kefu_xl.read import readers
from tests.util import amount, close, close_months, codes, grids, lines, person, points, staff_n

T1 = "tmall-1"
T30 = "tmall-30"



def problems(scheme, events):
    """Reader and engine problems of a book (for inputs that must be rejected)."""
    book, found = readers.read_book(grids(scheme, events))
    return found + list(engine.compute_month(book).problems)


# ---------------------------------------------------------------- 天猫方案一
def test_A1_1_two_months_top_sales_earns_a_paid_day_off():
    sales = """
日期 工号 规则 金额
{m}-28 K01 业绩 80000
{m}-28 K02 业绩 50000
{m}-28 K03 业绩 30000
"""
    oct_, nov = close_months(T1, {"2026-10": sales.format(m="2026-10"), "2026-11": sales.format(m="2026-11")})
    assert not any("带薪休假" in f for f in person(oct_, "K01").flags)
    assert any("带薪休假" in f for f in person(nov, "K01").flags)
    assert not any("带薪休假" in f for f in person(nov, "K02").flags)


def test_A1_1_streak_broken_by_a_second_place_month():
    oct_ = "日期 工号 规则 金额\n2026-10-28 K01 业绩 100\n2026-10-28 K02 业绩 200"
    nov = "日期 工号 规则 金额\n2026-11-28 K01 业绩 300\n2026-11-28 K02 业绩 200"
    _, res = close_months(T1, {"2026-10": oct_, "2026-11": nov})
    assert not any("带薪休假" in f for f in person(res, "K01").flags)


def test_A1_2_outstanding_work_cash_bonus_entered_by_hr():
    res = close(T1, "日期 工号 规则 金额\n2026-11-10 K01 表现突出 500")
    assert amount(res, "K01", "表现突出") == D("500.00")
    assert lines(res, "K01", "表现突出")[0].category == "奖金"


def test_A1_3_suggestion_adopted_3_to_10_points_within_range():
    res = close(T1, "日期 工号 规则 分值\n2026-11-03 K01 建议采纳 7\n2026-11-09 K01 建议采纳 3")
    assert points(res, "K01", "建议采纳") == 10
    assert person(res, "K01").score == 10


def test_A1_3_suggestion_points_outside_range_rejected():

    found = problems(T1, "日期 工号 规则 分值\n2026-11-03 K01 建议采纳 12\n2026-11-04 K02 建议采纳 -")
    assert [p.code for p in found].count("E_OUT_OF_RANGE") == 1
    assert [p.code for p in found].count("E_VALUE_REQUIRED") == 1
    bad = [p for p in found if p.code == "E_OUT_OF_RANGE"][0]
    assert (bad.sheet, bad.row, bad.column) == ("事件", 2, "分值")


def test_A1_4_sales_case_shared_3_to_10_points():
    res = close(T1, "日期 工号 规则 分值\n2026-11-06 K02 案例分享 10\n2026-11-13 K02 案例分享 4")
    assert person(res, "K02").score == 14


def test_A1_5_active_replies_3_to_5_points():
    res = close(T1, "日期 工号 规则 分值\n2026-11-06 K03 积极回复 5")
    assert person(res, "K03").score == 5
    assert "E_OUT_OF_RANGE" in [p.code for p in problems(T1, "日期 工号 规则 分值\n2026-11-06 K03 积极回复 6")]


def test_A1_6_daily_work_on_time_3_to_5_points_per_week():
    res = close(T1, "日期 工号 规则 分值\n" + "\n".join(f"2026-11-{d:02d} K01 日常及时 4" for d in (7, 14, 21, 28)))
    assert person(res, "K01").score == 16


def test_A1_7_weekly_plan_rule_reads_the_weekly_sheet_not_events():
    """A1-7 is computed from 周计划 (tests/test_issue18_rules.py); an 事件 row naming it is an error."""
    res = close(T1, "日期 工号 规则\n2026-11-28 K02 周计划达标")
    assert [(p.code, p.row, p.column) for p in res.problems if p.is_error] == [("E_RULE_NOT_EVENT", 2, "规则")]


def test_A1_8_special_contribution_amount_case_by_case():
    res = close(T1, "日期 工号 规则 金额\n2026-11-28 K03 特殊贡献 1888.5")
    assert amount(res, "K03", "特殊贡献") == D("1888.50")


def test_A1_9_physical_punishment_refused_and_sanctions_recorded():
    found = problems(T1, "日期 工号 规则 金额 评价\n2026-11-03 K01 失职 - 下蹲")
    assert [p.code for p in found] == ["E_PHYSICAL"]
    assert (found[0].row, found[0].column) == (2, "评价")
    res = close(T1, "日期 工号 规则 金额 评价\n2026-11-03 K01 失职 - 记过")
    assert any("记过" in f for f in person(res, "K01").flags)
    assert "E_PHYSICAL" in [p.code for p in problems(T1, "日期 工号 规则 金额 评价\n2026-11-03 K01 失职 - 罚站军姿")]


def test_A1_10_promise_not_kept_sanction_with_donation():
    res = close(T1, "日期 工号 规则 金额 评价\n2026-11-05 K01 未落实要求 50 乐捐")
    assert amount(res, "K01", "未落实要求") == D("-50.00")
    assert lines(res, "K01", "未落实要求")[0].category == "罚款"


def test_A1_11_slack_attitude_sanction_warning_only():
    res = close(T1, "日期 工号 规则 金额 评价\n2026-11-05 K02 服务怠慢 - 警告")
    assert amount(res, "K02", "服务怠慢") == 0
    assert any("警告" in f for f in person(res, "K02").flags)


def test_A1_12_red_line_public_criticism_and_donation_even_without_harm():
    res = close(T1, "日期 工号 规则 金额\n2026-11-05 K01 触犯红线 200\n2026-11-05 K01 红线赔偿 300")
    assert amount(res, "K01", "触犯红线") == D("-200.00")
    assert any("通报批评" in f for f in person(res, "K01").flags)
    comp = lines(res, "K01", "红线赔偿")[0]
    assert (comp.amount, comp.category) == (D("-300.00"), "赔偿")


def test_A1_13_duties_not_performed_fine():
    res = close(T1, "日期 工号 规则 金额\n2026-11-05 K03 失职 20")
    assert amount(res, "K03", "失职") == D("-20.00")


def test_A1_14_problem_left_unhandled_fine():
    res = close(T1, "日期 工号 规则 金额\n2026-11-05 K03 拖延处理 30")
    assert amount(res, "K03", "拖延处理") == D("-30.00")


def test_A1_15_every_group_member_fined_100_and_third_time_dismissal_advised():
    ev = "日期 工号 规则\n2026-11-03 K01 售后放任\n2026-11-10 K01 售后放任\n2026-11-20 K01 售后放任"
    res = close(T1, ev)
    # K01 and K02 are 组 A: 3 × -100 each; K03 (组 B) untouched
    assert amount(res, "K01", "售后放任") == D("-300.00")
    assert amount(res, "K02", "售后放任") == D("-300.00")
    assert amount(res, "K03", "售后放任") == 0
    assert any("劝退" in f for f in person(res, "K01").flags)
    assert not any("劝退" in f for f in person(res, "K02").flags)


def test_A1_15_cumulative_across_months():
    oct_ = "日期 工号 规则\n2026-10-03 K01 售后放任\n2026-10-10 K01 售后放任"
    nov = "日期 工号 规则\n2026-11-05 K01 售后放任"
    _, res = close_months(T1, {"2026-10": oct_, "2026-11": nov})
    assert any("第3次：劝退" in f for f in person(res, "K01").flags)


def test_A1_16_100_per_time_then_whole_group_200_at_the_third():
    ev = "日期 工号 规则 数量\n2026-11-03 K01 售后未跟进 2\n2026-11-20 K01 售后未跟进 1"
    res = close(T1, ev)
    # 1st, 2nd: K01 -100 each; 3rd: every member of 组 A -200
    assert amount(res, "K01", "售后未跟进") == D("-400.00")
    assert amount(res, "K02", "售后未跟进") == D("-200.00")
    assert amount(res, "K03", "售后未跟进") == 0


# ---------------------------------------------------------------- 天猫方案二 (30 分制)
def test_A2_1_everyone_starts_with_30_points():
    res = close(T30, "")
    assert points(res, "K03", "基础分") == 30
    # nobody had a deduction, so A2-3 adds 3: 33
    assert person(res, "K03").score == 33


def test_A2_2_top_three_get_5_3_1_and_first_is_gold():
    ev = "日期 工号 规则 金额\n2026-11-30 K01 业绩 50000\n2026-11-30 K02 业绩 60000\n2026-11-30 K03 业绩 40000"
    res = close(T30, ev)
    assert [points(res, s, "业绩排名") for s in ("K02", "K01", "K03")] == [5, 3, 1]
    assert "金牌客服" in person(res, "K02").titles
    assert "金牌客服" not in person(res, "K01").titles


def test_A2_2_tie_rule_shared_rank_skips_next():
    staff = staff_n(4)
    ev = "日期 工号 规则 金额\n" + "\n".join(f"2026-11-30 S0{i} 业绩 {v}" for i, v in ((1, 500), (2, 500), (3, 400), (4, 300)))
    res = close(T30, ev, staff=staff)
    # S01 and S02 share 1st (+5 each, both 金牌客服); S03 is 3rd (+1); S04 is 4th (nothing)
    assert [points(res, s, "业绩排名") for s in ("S01", "S02", "S03", "S04")] == [5, 5, 1, 0]
    res2 = close(T30, ev, staff=staff, settings=[{"key": "并列规则", "value": "工号"}])
    assert [points(res2, s, "业绩排名") for s in ("S01", "S02", "S03", "S04")] == [5, 3, 1, 0]


def test_A2_3_at_most_two_deductions_earns_3():
    two = close(T30, "日期 工号 规则 数量\n2026-11-03 K01 态度投诉 3")  # warning + 2 × -1
    assert points(two, "K01", "少扣分") == 3 and person(two, "K01").score == 31
    three = close(T30, "日期 工号 规则 数量\n2026-11-03 K01 态度投诉 4")  # warning + 3 × -1
    assert points(three, "K01", "少扣分") == 0


def test_A2_4_praised_in_reviews_plus_3():
    res = close(T30, "日期 工号 规则\n2026-11-03 K02 好评表扬")
    assert person(res, "K02").score == 36


def test_A2_5_reports_major_problem_plus_5():
    res = close(T30, "日期 工号 规则\n2026-11-03 K02 汇报问题")
    assert person(res, "K02").score == 38


def test_A2_6_useful_suggestion_plus_3():
    res = close(T30, "日期 工号 规则\n2026-11-03 K02 好建议\n2026-11-13 K02 好建议")
    assert person(res, "K02").score == 39


def test_A2_7_each_point_above_25_earns_bonus_percentage():
    res = close(T30, "日期 工号 规则\n2026-11-03 K02 好建议")
    # 30 + 3 + 3 = 36 points: 11 points above 25 × 1% = 11% extra bonus
    assert person(res, "K02").bonus_pct == D("0.11")
    low = close(T30, "日期 工号 规则 数量\n2026-11-03 K01 态度投诉 7")  # 30 - 6 = 24
    assert person(low, "K01").bonus_pct == 0


def test_A2_8_attitude_complaints_first_is_warning_then_minus_1():
    res = close(T30, "日期 工号 规则 数量\n2026-11-03 K01 态度投诉 1\n2026-11-09 K01 态度投诉 2\n2026-11-19 K01 态度投诉 1")
    # four complaints: 1 warning + 3 × -1; four deductions... three > 2, so no A2-3
    assert points(res, "K01", "态度投诉") == -3
    assert person(res, "K01").score == 27
    first = lines(res, "K01", "态度投诉")[0]
    assert "第1次：警告" in first.note and first.points == 0 and first.event_row == 2


def test_A2_8_warning_resets_each_month():
    _, nov = close_months(T30, {"2026-10": "日期 工号 规则\n2026-10-03 K01 态度投诉",
                                "2026-11": "日期 工号 规则\n2026-11-03 K01 态度投诉"})
    assert points(nov, "K01", "态度投诉") == 0


def test_A2_9_unclear_order_notes_warning_then_minus_1():
    res = close(T30, "日期 工号 规则 数量\n2026-11-03 K03 备注不清 2")
    assert points(res, "K03", "备注不清") == -1


def test_A2_10_price_cut_twice_is_warning_plus_minus_2():
    res = close(T30, "日期 工号 规则\n2026-11-03 K02 私自降价\n2026-11-20 K02 私自降价")
    assert points(res, "K02", "私自降价") == -2
    assert person(res, "K02").score == 31  # 30 - 2 + 3 (one deduction, A2-3)


def test_A2_11_shifting_responsibility_warning_then_minus_1():
    res = close(T30, "日期 工号 规则 数量\n2026-11-03 K03 推卸责任 3")
    assert points(res, "K03", "推卸责任") == -2


def _score_with_complaints(n):
    res = close(T30, f"日期 工号 规则 数量\n2026-11-03 K01 态度投诉 {n}")
    return person(res, "K01")


def test_A2_12_score_24_cuts_bonus_10_percent():
    p = _score_with_complaints(7)  # 30 - 6
    assert (p.score, p.bonus_cut) == (24, D("0.10"))


def test_A2_12_score_17_cuts_bonus_30_percent():
    p = _score_with_complaints(14)  # 30 - 13
    assert (p.score, p.bonus_cut) == (17, D("0.30"))


def test_A2_12_score_14_voids_the_bonus():
    p = _score_with_complaints(17)  # 30 - 16
    assert (p.score, p.bonus_cut) == (14, D("1.00"))
    assert any("奖金取消" in f for f in p.flags)


def test_A2_12_band_edges_25_20_15():
    assert _score_with_complaints(6).score == 25 and _score_with_complaints(6).bonus_cut == 0
    assert _score_with_complaints(11).score == 20 and _score_with_complaints(11).bonus_cut == D("0.10")
    assert _score_with_complaints(16).score == 15 and _score_with_complaints(16).bonus_cut == D("0.30")


def test_A2_13_major_loss_minus_10_and_probation():
    res = close(T30, "日期 工号 规则\n2026-11-03 K03 重大失误")
    p = person(res, "K03")
    assert points(res, "K03", "重大失误") == -10
    assert p.score == 23  # 30 - 10 + 3 (one deduction)
    assert any("留司查看" in f for f in p.flags)


def test_A1_15_group_fine_reaches_only_members_on_the_day_by_dates_and_transfers():
    from kefu_xl.close import plan as closing
    from kefu_xl.read.tables import grid_from_text
    from tests.util import grids
    staff = """
工号 姓名 组别 等级 状态 入职日期 离职日期
K01 张三 A组 初级 在职 2024-01-01 -
K02 李四 A组 初级 在职 2026-11-20 -
K03 王五 A组 初级 离职 2024-01-01 2026-11-02
K04 赵六 A组 初级 在职 2024-01-01 -
K05 钱七 B组 初级 在职 2024-01-01 -
K06 孙八 A组 初级 在职 2024-01-01 -
"""
    # a problem of the 10th in A组: K02 joined on the 20th, K03 left on the 2nd, K04 moved to B组 on
    # the 5th, K05 moved from B组 into A组 on the 8th; K06 stayed: K01, K05, K06 are fined 100 each
    g = grids("tmall-1", "日期 工号 规则\n2026-11-10 K01 售后放任", staff=staff)
    g["调动"] = grid_from_text("调动", "工号 日期 组别\nK04 2026-11-05 B组\nK05 2026-11-08 A组")
    out = closing.plan_close(closing.load(g)).as_json()
    fined = {p["id"]: sum(D(ln["amount"]) for ln in p["lines"] if ln["rule"] == "售后放任") for p in out["staff"]}
    assert fined == {"K01": D(-100), "K02": 0, "K03": 0, "K04": 0, "K05": D(-100), "K06": D(-100)}
