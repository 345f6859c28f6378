"""Rules of the policy documents that had no rows (issue 18), each worked by hand from the document's
sentence, through sheets in and the `close --json` object out."""
from tests.issue18 import chain, close_json, lines, money, problems, rules_with, staff

I, B, K, T1 = "incentive", "classic-100", "aftersales-130", "tmall-1"
EV = "日期 工号 规则 分值 金额"


# ---------------------------------------------------------------- E-1 redeemable points
def test_E_1_points_accumulate_across_months_are_redeemed_and_never_go_below_zero():
    """E-1: 每次经核实的优质服务 10–50 分，积分可兑换: Oct +30 +50 = 80; Nov −60 +10 = 30."""
    oct_, nov = chain(I, {
        "2026-10": {"events": EV + "\n2026-10-08 K01 优质服务 30 -\n2026-10-20 K01 优质服务 50 -"},
        "2026-11": {"events": EV + "\n2026-11-03 K01 积分兑换 60 -\n2026-11-18 K01 优质服务 10 -"},
    })
    assert lines(oct_, "K01", "兑换积分")[0]["note"] == "兑换积分：期初 0 分，存入 80 分，兑换 0 分，期末 80 分"
    assert staff(oct_, "K01")["score"] == 80  # the account is not the score (base 80, nothing else)
    assert lines(nov, "K01", "兑换积分")[0]["note"] == "兑换积分：期初 80 分，存入 10 分，兑换 60 分，期末 30 分"
    assert [ln["note"] for ln in lines(nov, "K01", "积分兑换")] == ["兑换积分兑换 60 分，余额 20 分"]


def test_E_1_redemption_above_the_balance_is_an_error_and_nothing_is_written():
    cj = close_json
    first, written, code = cj(I, EV + "\n2026-10-08 K01 优质服务 30 -", month="2026-10")
    assert code == 0
    js, _, code = cj(I, EV + "\n2026-11-03 K01 积分兑换 40 -", month="2026-11", prev=written)
    assert code == 1
    (p,) = problems(js, "E_BANK_OVERDRAFT")
    assert (p["sheet"], p["row"], p["column"]) == ("事件", 2, "分值") and "余额 30 分" in p["message"]
    js, _, code = cj(I, EV + "\n2026-11-03 K01 积分兑换 30 -", month="2026-11", prev=written)
    assert code == 0 and lines(js, "K01", "兑换积分")[0]["note"].endswith("期末 0 分")


def test_E_1_deposit_outside_10_to_50_is_refused():
    js, _, code = close_json(I, EV + "\n2026-11-08 K01 优质服务 60 -")
    assert code == 1 and problems(js, "E_OUT_OF_RANGE")[0]["column"] == "分值"


# ---------------------------------------------------------------- E-6, B-5 process deadlines
PROC = "日期 工号 规则 金额 状态 公示日期 记录日期 审核日期 异议日期 异议决定日期"


def test_E_6_late_record_and_late_check_flagged_as_warnings():
    """E-6: 24小时内记录, 3个工作日内审核: incident Mon 11-02 recorded Wed 11-04 (late); checked Tue 11-10,
    while 3 working days after Wed 11-04 end Mon 11-09 (late)."""
    ev = PROC + "\n2026-11-02 K01 成本节约 300 - - 2026-11-04 2026-11-10 - -"
    js, _, code = close_json(I, ev)
    late = problems(js, "W_LATE_STEP")
    assert code == 0 and [(p["row"], p["column"], p["severity"]) for p in late] == [
        (2, "记录日期", "warning"), (2, "审核日期", "warning")]
    assert money(js, "K01", "成本节约") == "300.00"  # counted: a late step is flagged, not dropped
    # on time: recorded Tue 11-03, checked Fri 11-06, the 3rd working day after it
    ok, _, _ = close_json(I, PROC + "\n2026-11-02 K01 成本节约 300 - - 2026-11-03 2026-11-06 - -")
    assert problems(ok, "W_LATE_STEP") == []


def test_E_6_late_step_is_an_error_when_HR_sets_it_so():
    rules = rules_with(流程时限={"scheme": I, "params": "记录时限=24小时;审核时限=3工作日;公示天数=3工作日;异议时限=3工作日;超时=错误"})
    js, _, code = close_json(I, PROC + "\n2026-11-02 K01 成本节约 300 - - 2026-11-04 - - -", rules=rules)
    assert code == 1 and [p["severity"] for p in problems(js, "E_LATE_STEP")] == ["error"]


def test_E_6_objection_inside_the_window_holds_the_event_then_counts_in_the_next_open_month_once():
    """Published Wed 10-21 for 3 working days (to Mon 10-26); objection Thu 10-22 is inside: held in October.
    Decided 11-05 (状态 生效): counted in November by the carry-forward (结转), once; December does not count it
    again."""
    held = PROC + "\n2026-10-20 K02 成本节约 200 异议中 2026-10-21 - - 2026-10-22 -"
    decided = PROC + "\n2026-10-20 K02 成本节约 200 生效 2026-10-21 - - 2026-10-22 2026-11-05"
    oct_, nov, dec = chain(I, {"2026-10": {"events": held}, "2026-11": {"events": decided},
                               "2026-12": {"events": decided}})
    assert money(oct_, "K02", "成本节约") == "0.00" and problems(oct_, "W_PENDING")
    assert money(nov, "K02", "成本节约") == "200.00"
    assert "2026-10" in lines(nov, "K02", "成本节约")[0]["note"] and problems(nov, "W_CARRIED")
    assert money(dec, "K02", "成本节约") == "0.00"


def test_B_5_objection_after_one_day_of_publication_is_flagged():
    """B-5: 公布后1天内可提出异议: published 11-10, objection 11-12 is a day late (classic-100 window 1 天)."""
    ev = PROC + "\n2026-11-09 K01 主动顶班 - 异议中 2026-11-10 - - 2026-11-12 -"
    js, _, code = close_json(B, ev)
    (p,) = problems(js, "W_LATE_STEP")
    assert code == 0 and p["column"] == "异议日期" and "超过 1天" in p["message"]
    ok, _, _ = close_json(B, ev.replace("2026-11-12 -", "2026-11-11 -"))
    assert problems(ok, "W_LATE_STEP") == []
    two, _, _ = close_json(B, ev, settings=[{"key": "异议天数", "value": 2}])  # the window is 参数 异议天数
    assert problems(two, "W_LATE_STEP") == []


# ---------------------------------------------------------------- D-11, C-5 orders
ORD = "订单号 日期 工号 金额 优惠 备注 审批人 付款状态 付清日期 规则 毛利率"


def test_D_11_C_5_commission_needs_the_staff_number_and_waits_for_full_payment_across_months():
    """D-11: 备注自己的工号, 如没备注…少算的提成自己承担; 30元以下优惠须在备注说明, 更大的须领导审批.
    C-5: 全额付款后按实际金额提成: paid in the month payment completes."""
    oct_orders = ORD + """
A1 2026-10-10 K01 10000 20 K01老客户优惠 - 已付清 2026-10-12 - -
A2 2026-10-15 K01 5000 0 无工号 - 已付清 2026-10-16 - -
A3 2026-10-20 K02 8000 50 K02 - 未付清 - - -"""
    nov_orders = ORD + """
A1 2026-10-10 K01 10000 20 K01老客户优惠 - 已付清 2026-10-12 - -
A2 2026-10-15 K01 5000 0 无工号 - 已付清 2026-10-16 - -
A3 2026-10-20 K02 8000 50 K02 - 已付清 2026-11-03 - -
A4 2026-11-05 K03 2000 10 K03 - 已付清 2026-11-05 - -
A5 2026-11-06 K01 1000 0 K01备件 - 已付清 2026-11-06 备件订单50 55%
A6 2026-11-07 K01 1000 0 K01备件 - 已付清 2026-11-07 备件订单35 30%"""
    oct_, nov = chain(I, {"2026-10": {"sheets": {"订单": oct_orders}}, "2026-11": {"sheets": {"订单": nov_orders}}})
    # October: A1 (10000 − 20) × 1% = 99.80; A2 has no staff number in its note: nothing; A3 not paid yet
    assert money(oct_, "K01", "订单提成") == "99.80"
    assert [p["row"] for p in problems(oct_, "W_ORDER_NO_ID")] == [3]
    assert [p["row"] for p in problems(oct_, "W_DISCOUNT_NO_APPROVER")] == [4]  # 50 > 30, no approver
    assert money(oct_, "K02", "订单提成") == "0.00" and "未付清" in lines(oct_, "K02", "订单提成")[0]["note"]
    # November: A3 paid on 11-03: (8000 − 50) × 1% = 79.50; A1 is not paid again
    assert money(nov, "K02", "订单提成") == "79.50" and money(nov, "K01", "订单提成") == "0.00"
    # A4: (2000 − 10) × 1% = 19.90, but a discount of 10 needs a reason in the note besides the number
    assert money(nov, "K03", "订单提成") == "19.90"
    assert [p["row"] for p in problems(nov, "W_DISCOUNT_NO_NOTE")] == [5]
    # C-5 spare parts: margin 55% ≥ 50% → 5% of 1000 = 50.00; margin 30% < 35% → none, flagged
    assert money(nov, "K01", "备件订单50") == "50.00" and money(nov, "K01", "备件订单35") == "0.00"
    assert [p["row"] for p in problems(nov, "W_ORDER_MARGIN")] == [7]
    assert staff(nov, "K02")["pay"]["commission"] == "79.50"


def test_C_5_payment_dated_in_a_closed_month_is_paid_in_the_next_close_once():
    """C-5: A7 was paid on 10-30 but HR enters it after October is closed: November pays 2000 × 1% = 20.00 once,
    December nothing; A1 (paid and counted in October) is never paid again."""
    oct_orders = ORD + "\nA1 2026-10-10 K01 10000 20 K01老客户优惠 - 已付清 2026-10-12 - -\nA7 2026-10-20 K02 2000 0 K02 - 未付清 - - -"
    later = oct_orders.replace("A7 2026-10-20 K02 2000 0 K02 - 未付清 - - -", "A7 2026-10-20 K02 2000 0 K02 - 已付清 2026-10-30 - -")
    oct_, nov, dec = chain(I, {"2026-10": {"sheets": {"订单": oct_orders}}, "2026-11": {"sheets": {"订单": later}},
                               "2026-12": {"sheets": {"订单": later}}})
    assert [money(js, "K02", "订单提成") for js in (oct_, nov, dec)] == ["0.00", "20.00", "0.00"]
    assert [money(js, "K01", "订单提成") for js in (oct_, nov, dec)] == ["99.80", "0.00", "0.00"]
    assert [p["row"] for p in problems(nov, "W_CARRIED")] == [3]


# ---------------------------------------------------------------- A1-7 weekly plans
WEEKS = """周起始日期 工号 完成率
2026-10-12 K01 85%
2026-10-19 K01 90%
2026-10-26 K01 80%
2026-11-02 K01 95%
2026-11-09 K02 90%
2026-11-16 K02 85%
2026-11-23 K02 80%
2026-11-30 K02 88%
2026-10-05 K03 90%
2026-10-12 K03 90%
2026-10-26 K03 90%
2026-11-02 K03 90%"""


def test_A1_7_four_weeks_at_80_percent_in_a_row_across_month_ends():
    """A1-7: 周计划连续四周完成80%以上 现金奖励. K01's 4th week (11-02) completes in November; K02's 4th week
    starts Mon 11-30, its Thursday is 12-03: December's; K03 misses the week of 10-19: no streak."""
    oct_, nov, dec = chain(T1, {m: {"sheets": {"周计划": WEEKS}} for m in ("2026-10", "2026-11", "2026-12")})
    assert [money(js, "K01", "周计划达标") for js in (oct_, nov, dec)] == ["0.00", "200.00", "0.00"]
    assert lines(nov, "K01", "周计划达标")[0]["note"] == "2026-10-12 起连续 4 周完成率>=80%"
    assert [money(js, "K02", "周计划达标") for js in (oct_, nov, dec)] == ["0.00", "0.00", "200.00"]
    assert [money(js, "K03", "周计划达标") for js in (oct_, nov, dec)] == ["0.00"] * 3


def test_A1_7_a_week_below_80_percent_breaks_the_streak():
    weeks = WEEKS.replace("2026-10-26 K01 80%", "2026-10-26 K01 79%")
    js, _, _ = close_json(T1, "日期 工号 规则", sheets={"周计划": weeks})
    assert money(js, "K01", "周计划达标") == "0.00"


# ---------------------------------------------------------------- D-10 leader liability
def test_D_10_leader_who_saw_and_did_not_act_gets_the_same_sanction():
    """D-10: 领导发现未做出处理及时制止受相应处罚: K01's 1st 无关事务 is a warning + 10; K03 saw it: also 10."""
    ev = "日期 工号 规则 分值 金额 失职领导\n2026-11-03 K01 无关事务 - - K03"
    js, _, code = close_json(I, ev)
    assert code == 0
    assert money(js, "K01", "无关事务") == "-10.00" and money(js, "K03", "无关事务") == "-10.00"
    assert any("领导连带处罚" in f for f in staff(js, "K03")["flags"])
    bad, _, code = close_json(I, "日期 工号 规则 分值 金额 失职领导\n2026-11-03 K01 服务投诉 - - K03")
    assert code == 1 and problems(bad, "E_LEADER_NOT_ALLOWED")[0]["column"] == "失职领导"


# ---------------------------------------------------------------- C-9 rework
def test_C_9_second_visit_by_own_fault_earns_no_work_points():
    """C-9: 因个人原因造成二次服务, 扣除二次服务的工作系数: visits 8 + 6 + (4, own rework) + 5 = 19 points;
    C-2 pays (19 − 17) × 270 = 540 (not (23 − 17) × 270 = 1620)."""
    ev = "日期 工号 规则 金额 评价\n" + "\n".join(["2026-11-03 K01 服务积分 8 -", "2026-11-10 K01 服务积分 6 -",
                                               "2026-11-12 K01 服务积分 4 本人返工", "2026-11-20 K01 服务积分 5 -"])
    js, _, code = close_json(I, ev)
    assert code == 0 and money(js, "K01", "超额积分") == "540.00"
    assert lines(js, "K01", "返工")[0]["note"] == "本人原因造成二次服务，该次4 工分不计"


# ---------------------------------------------------------------- C-8 the rest
C8_STAFF = """
工号 姓名 组别 等级 状态 入职日期 出生日期
K01 张三 A组 初级 在职 2025-11-30 1990-11-15
K02 李四 A组 初级 在职 2025-12-01 1992-03-02
K03 王五 B组 中级 在职 2020-01-01 -
"""


def test_C_8_seniority_100_a_month_after_a_year_and_birthday_100():
    """C-8: 工作满一年以上每月100元 (K01 completes 12 months on 11-30, K02 has 11); 生日当天送100元现金."""
    js, _, _ = close_json(I, "日期 工号 规则", staff=C8_STAFF)
    assert [money(js, s, "工龄奖") for s in ("K01", "K02", "K03")] == ["100.00", "0.00", "100.00"]
    assert [money(js, s, "生日") for s in ("K01", "K02", "K03")] == ["100.00", "0.00", "0.00"]


def test_C_8_office_award_300_a_quarter_split_or_paid_to_the_team():
    """C-8: 每3个月选出最漂亮的办公室, 奖励300元作为团队经费: A组 (K01, K02) wins: 150.00 each when split."""
    ev = "日期 工号 规则\n2026-12-28 K02 办公室奖"
    js, _, _ = close_json(I, ev, month="2026-12", staff=C8_STAFF)
    assert [money(js, s, "办公室奖") for s in ("K01", "K02", "K03")] == ["150.00", "150.00", "0.00"]
    team = rules_with(办公室奖={"params": "发放=团队经费"})
    js, _, _ = close_json(I, ev, month="2026-12", staff=C8_STAFF, rules=team)
    assert [money(js, s, "办公室奖") for s in ("K01", "K02")] == ["0.00", "0.00"]
    assert "团队经费" in lines(js, "K01", "办公室奖")[0]["note"]
    # once a quarter: A组 won in October, a second award in December is flagged
    oct_, dec = chain(I, {"2026-10": {"events": "日期 工号 规则\n2026-10-28 K01 办公室奖"},
                          "2026-12": {"events": ev}}, staff=C8_STAFF)
    assert money(oct_, "K01", "办公室奖") == "150.00" and [p["row"] for p in problems(dec, "W_TEAM_AWARD_TWICE")] == [2]


# ---------------------------------------------------------------- B-7 monthly exam
EXAMS = """日期 工号 科目 分数 满分
2026-11-20 K01 客服 100 100
2026-11-27 K01 客服 95 100
2026-11-20 K02 产品知识 100 100
2026-11-20 K03 客服 50 50"""


def test_B_7_B_4b_full_marks_in_the_CS_exam_five_points_a_sitting():
    """B-4b: 客服考试分数为满分 5分/次: K01 100/100 +5 and 95/100 0; K02's product exam is not the CS exam;
    K03 50/50 +5.  K01: 80 + 5 + 全勤 5 = 90."""
    js, _, _ = close_json(B, "日期 工号 规则", sheets={"考试": EXAMS})
    assert [sum(ln["points"] for ln in lines(js, s, "考试满分")) for s in ("K01", "K02", "K03")] == [5, 0, 5]
    assert staff(js, "K01")["score"] == 90


def test_B_7_exam_bonus_effect_HR_sets():
    rules = rules_with(考试奖金={"enabled": "是"})  # >=90%: 50 yuan per sitting (an example HR sets)
    js, _, _ = close_json(B, "日期 工号 规则", sheets={"考试": EXAMS}, rules=rules)
    assert [money(js, s, "考试奖金") for s in ("K01", "K02", "K03")] == ["100.00", "50.00", "50.00"]


# ---------------------------------------------------------------- K-1, B-3
def test_K_1_130_total_and_91_pass_line_as_settings():
    """K-1: 总分130, 低于70%（91分）不合格: K01 40 + 15 + 30 + 6 = 91 passes; K02 40 + 20 + 30 = 90 fails."""
    rate = "\n".join(f"2026-11-30 {s} {r} - - {v}" for s in ("K01", "K02")
                     for r, v in (("客服素质", "良"), ("投诉处理", "良"), ("配合度", "中"), ("执行力", "差")))
    rate += "\n" + "\n".join(f"2026-11-30 {s} {r} - - 优" for s in ("K03",) for r in ("客服素质", "投诉处理", "配合度", "执行力"))
    ev = ("日期 工号 规则 数量 金额 评价\n" + rate + "\n2026-11-30 K01 退款率 - 4% -\n2026-11-30 K02 退款率 - 4% -"
          "\n2026-11-30 K03 退款率 - 4% -\n2026-11-05 K01 迟到 - - -\n2026-11-06 K01 客户表扬 3 - -")
    js, _, _ = close_json(K, ev)
    assert [(staff(js, s)["score"], staff(js, s)["passed"]) for s in ("K01", "K02", "K03")] == [
        (91, True), (90, False), (130, True)]
    lower = rules_with(合格线={"params": "满分=130;合格分=90"})
    js, _, _ = close_json(K, ev, rules=lower)
    assert staff(js, "K02")["passed"] is True


def test_B_3_excellence_300_to_top_sales_decided_on_the_points_result():
    """B-3: 根据扣加分结果对销售额第一名进行奖励: K01 sells most but scores 45 (< 60): K02 (2nd in sales,
    score 85) gets the 300."""
    ev = (EV + "\n2026-11-30 K01 销售额 - 50000\n2026-11-30 K02 销售额 - 40000\n2026-11-30 K03 销售额 - 30000"
          "\n2026-11-05 K01 主管扣分 20 -\n2026-11-06 K01 主管扣分 20 -")
    js, _, _ = close_json(B, ev)
    assert staff(js, "K01")["score"] == 45
    assert [money(js, s, "销售第一") for s in ("K01", "K02", "K03")] == ["0.00", "300.00", "0.00"]


# ---------------------------------------------------------------- A2-2 ranking on three measures, KPI card
A22 = """日期 工号 规则 分值 金额
2026-11-30 K01 成交金额 - 50000
2026-11-30 K02 成交金额 - 30000
2026-11-30 K03 成交金额 - 40000
2026-11-30 K01 转化率 - 20%
2026-11-30 K02 转化率 - 40%
2026-11-30 K03 转化率 - 30%
2026-11-30 K01 流失率 - 10%
2026-11-30 K02 流失率 - 5%
2026-11-30 K03 流失率 - 15%"""


def test_A2_2_ranking_on_amount_conversion_and_churn_with_weights_HR_sets():
    """A2-2: 月底根据绩效排名（接单成交金额、转化率、客户流失率）: each measure best 100 … worst 0.
    Amount 100/0/50, conversion 0/100/50, churn (lower is better) 50/100/0; weights 50/30/20:
    K01 50 + 0 + 10 = 60, K02 0 + 30 + 20 = 50, K03 25 + 15 + 0 = 40 → +5/+3/+1."""
    rules = rules_with(综合排名={"enabled": "是"}, 业绩排名={"enabled": "否", "scheme": "tmall-30"})
    js, _, code = close_json("tmall-30", A22, rules=rules)
    assert code == 0
    assert [lines(js, s, "综合业绩")[0]["note"].split("：")[0] for s in ("K01", "K02", "K03")] == [
        "三项业绩加权(成交金额、转化率、流失率) 60", "三项业绩加权(成交金额、转化率、流失率) 50",
        "三项业绩加权(成交金额、转化率、流失率) 40"]
    assert [sum(ln["points"] for ln in lines(js, s, "综合排名")) for s in ("K01", "K02", "K03")] == [5, 3, 1]
    # HR moves the weight to conversion: K01 20 + 0 + 10 = 30, K02 0 + 60 + 20 = 80, K03 10 + 30 + 0 = 40
    rules = rules_with(综合排名={"enabled": "是"}, 业绩排名={"enabled": "否", "scheme": "tmall-30"},
                       综合业绩={"params": "成交金额:20%;转化率:60%;流失率:20%;低者优先=流失率"})
    js, _, _ = close_json("tmall-30", A22, rules=rules)
    assert [sum(ln["points"] for ln in lines(js, s, "综合排名")) for s in ("K01", "K02", "K03")] == [1, 5, 3]


KPI = """月份 工号 指标 值
2026-11 K01 询单转化率 40%
2026-11 K01 下单付款率 92%
2026-11 K01 客单价 150
2026-11 K01 首次响应时长(秒) 20
2026-11 K01 平均响应时长(秒) 39
2026-11 K02 询单转化率 55%
2026-11 K02 下单付款率 95%
2026-11 K02 客单价 250
2026-11 K02 首次响应时长(秒) 8
2026-11 K02 平均响应时长(秒) 25"""


def test_A2_2_weighted_KPI_card_reads_imported_metrics():
    """The KPI card: 询单转化率 40% / 支付率 25% / 落实客单价 5% / 首响 10% / 平响 10%, each linear between two values.
    K01: conversion 40% on 30%~50% → 50 × 40% = 20; payment 92% on 80%~95% → 80 × 25% = 20; 150 on 100~200 → 50 × 5%
    = 2.5; first response 20 s on 30~10 → 50 × 10% = 5; average 39 s on 60~25 → 60 × 10% = 6; supervisor 8:
    61.5 (passes 60).  K02 is at or beyond every best value: 90 + 10 = 100.  K03 has no metrics: 0, warnings."""
    ev = "日期 工号 规则 分值\n2026-11-30 K01 主管评分 8\n2026-11-30 K02 主管评分 10"
    js, _, code = close_json("kpi-card", ev, sheets={"指标": KPI})
    assert code == 0
    k01 = {r: sum(ln["points"] for ln in lines(js, "K01", r)) for r in ("KPI转化", "KPI支付", "KPI客单", "KPI首响", "KPI平响")}
    assert k01 == {"KPI转化": 20, "KPI支付": 20, "KPI客单": 2.5, "KPI首响": 5, "KPI平响": 6}
    assert (staff(js, "K01")["score"], staff(js, "K01")["passed"]) == (61.5, True)
    assert lines(js, "K01", "KPI转化")[0]["note"] == "询单转化率 40% → 50分 × 40%"
    assert staff(js, "K02")["score"] == 100 and staff(js, "K02")["grade"] == "优秀"
    assert staff(js, "K03")["score"] == 0 and len([p for p in problems(js, "W_MISSING_METRIC") if "王五" in p["message"]]) == 5


# ---------------------------------------------------------------- D-12 pay day
def test_D_12_pay_day_the_15th_on_the_payslip():
    """D-12: 具体发放时间为每月的15日: November's pay is paid on 15 December (发薪月 次月); 当月 → 15 November;
    发薪日 31 in a 30-day month is its last day."""
    import datetime as dt
    from kefu_xl.close import plan as closing
    from tests.util import grids

    def slip(settings=()):
        plan = closing.plan_close(closing.load(grids(I, "日期 工号 规则", settings=settings)))
        sheet = next(s for s in plan.sheets if s.name == "工资条")
        return sheet.header[-1], {r[sheet.header.index("发薪日")] for r in sheet.rows if r and r[0] == "2026-11"}
    assert slip() == ("发薪日", {dt.date(2026, 12, 15)})
    assert slip([{"key": "发薪月", "value": "当月"}]) == ("发薪日", {dt.date(2026, 11, 15)})
    assert slip([{"key": "发薪日", "value": 31}, {"key": "发薪月", "value": "当月"}]) == ("发薪日", {dt.date(2026, 11, 30)})
    js, _, code = close_json(I, "日期 工号 规则", settings=[{"key": "发薪日", "value": 40}])
    assert code == 1 and problems(js, "E_SETTING_RANGE")[0]["sheet"] == "参数"


# ---------------------------------------------------------------- D-8 the period through 周期
def _absent(months, window, cond):
    rules = rules_with(缺岗天数={"window": window, "params": cond})
    return chain(I, {m: {"events": "日期 工号 规则 分值 金额\n" + f"{m}-28 K01 缺岗天数 - {d}"} for m, d in months.items()},
                 rules=rules)


def test_D_8_absent_more_than_two_months_in_the_period_month_quarter_or_year():
    """D-8: 考评期内…超过2个月者不参与考评: K01 is absent 31 days in September and 30 in October.
    Quarter (the preset): Q3 has 31, Q4 30 → never more than 60.  Year: 61 by October → excluded in October.
    Month with more than 20 days: excluded in each month on its own."""
    months = {"2026-09": 31, "2026-10": 30}
    q = _absent(months, "季", "缺岗天数>60")
    assert [staff(js, "K01")["rank"] is None for js in q] == [False, False]
    y = _absent(months, "年", "缺岗天数>60")
    assert [staff(js, "K01")["rank"] is None for js in y] == [False, True]
    assert staff(y[1], "K01")["grade"] == "不参评"
    m = _absent(months, "月", "缺岗天数>20")
    assert [staff(js, "K01")["rank"] is None for js in m] == [True, True]


def test_E_6_publication_days_per_scheme_in_the_process_row():
    """A scheme's 流程时限 row may hold its own 公示天数: 1工作日 for incentive only. Published Fri 11-20: one
    working day is Mon 11-23, so a close on Tue 11-24 counts it; 参数 公示天数 3 would wait until Thu 11-26."""
    import datetime as dt
    ev = "日期 工号 规则 金额 状态 公示日期\n2026-11-18 K01 成本节约 300 公示中 2026-11-20"
    js, _, _ = close_json(I, ev, as_of=dt.date(2026, 11, 24))
    assert money(js, "K01", "成本节约") == "0.00"
    rules = rules_with(流程时限={"scheme": I, "params": "公示天数=1工作日;异议时限=1工作日"})
    js, _, _ = close_json(I, ev, as_of=dt.date(2026, 11, 24), rules=rules)
    assert money(js, "K01", "成本节约") == "300.00"


# ---------------------------------------------------------------- the same through a workbook file and the CLI
def test_E_1_D_11_C_5_on_a_file_close_json_month_after_month(tmp_path):
    """The file path reads 订单 and carries the E-1 balance through the 历史 the first close writes:
    October pays A1 (99.80) and banks 30 + 50; November pays A3 (79.50, paid 11-03) and redeems 60 (80 → 20)."""
    import json
    from tests.test_cli import run
    from tests.util import grids
    from tests.workbooks import save
    from kefu_xl.read.tables import grid_from_text
    events = (EV + "\n2026-10-08 K01 优质服务 30 -\n2026-10-20 K01 优质服务 50 -\n2026-11-03 K01 积分兑换 60 -")
    g = grids(I, events, month="2026-10")
    g["订单"] = grid_from_text("订单", ORD + """
A1 2026-10-10 K01 10000 20 K01老客户优惠 - 已付清 2026-10-12 - -
A3 2026-10-20 K02 8000 50 K02 王经理 已付清 2026-11-03 - -""")
    book = save(g, tmp_path / "b.xlsx")
    code, out, err = run("close", book, "--month", "2026-10", "--json")
    assert code == 0, err
    oct_ = json.loads(out)
    assert money(oct_, "K01", "订单提成") == "99.80" and money(oct_, "K02", "订单提成") == "0.00"
    assert lines(oct_, "K01", "兑换积分")[0]["note"].endswith("期末 80 分")
    code, out, err = run("close", book, "--month", "2026-11", "--json")
    assert code == 0, err
    nov = json.loads(out)
    assert money(nov, "K02", "订单提成") == "79.50" and money(nov, "K01", "订单提成") == "0.00"
    assert lines(nov, "K01", "兑换积分")[0]["note"] == "兑换积分：期初 80 分，存入 0 分，兑换 60 分，期末 20 分"


def test_D_11_C_5_B_7_A1_7_Excel_functions_agree_with_the_close_on_the_new_sheets():
    """KEFU_MONTH recognises 订单, 考试 and 周计划 by their headers: every function equals the close, to the fen
    (K03's order: (2000 − 10) × 1% = 19.90 in its gross)."""
    from kefu_xl.read.tables import grid_from_text
    from tests.test_udfs_handle import agree
    from tests.util import grids
    g = grids(I, "日期 工号 规则")
    g["订单"] = grid_from_text("订单", ORD + "\nA4 2026-11-05 K03 2000 10 K03老客户 - 已付清 2026-11-05 - -")
    g["考试"] = grid_from_text("考试", EXAMS)
    g["周计划"] = grid_from_text("周计划", WEEKS)
    agree(g)
    js, _, _ = close_json(I, "日期 工号 规则", sheets={"订单": ORD + "\nA4 2026-11-05 K03 2000 10 K03老客户 - 已付清 2026-11-05 - -"})
    assert money(js, "K03", "订单提成") == "19.90"
