"""Incentives and discipline from seeds C, D and E (preset ``incentive``)."""
from decimal import Decimal as D

from kefu_xl.engine import month as engine
from kefu_xl.read import readers
from tests.util import amount, close, close_months, codes, grids, lines, person, points, staff_n

I = "incentive"
HEAD = "日期 工号 规则 分值 金额"


def test_D_7_three_months_first_pays_200_once():
    ev = HEAD + "\n{m}-05 K01 考核扣分 2 -\n{m}-05 K01 考核扣分 2 -"  # K02/K03 80, K01 76: K02 & K03 tie 1st
    ev2 = HEAD + "\n{m}-05 K03 考核扣分 2 -"  # K03 78: K01 80 and K02 80 share 1st
    months = {"2026-09": ev.format(m="2026-09"), "2026-10": ev2.format(m="2026-10"), "2026-11": ev.format(m="2026-11")}
    sep, oct_, nov = close_months(I, months)
    # K02 is first (shared) in Sep, Oct and Nov: 200 in Nov, only then
    assert amount(sep, "K02", "连续第一") == 0 and amount(oct_, "K02", "连续第一") == 0
    assert amount(nov, "K02", "连续第一") == D("200.00")
    # K03 was 1st in Sep and Nov but not Oct; K01 only in Oct
    assert amount(nov, "K03", "连续第一") == 0 and amount(nov, "K01", "连续第一") == 0


def test_D_7_two_failing_months_flags_automatic_resignation():
    bad = HEAD + "\n" + "\n".join("{m}-%02d K01 考核扣分 2 -" % d for d in range(1, 12))  # 80 - 22 = 58 < 60
    oct_, nov = close_months(I, {"2026-10": bad.format(m="2026-10"), "2026-11": bad.format(m="2026-11")})
    assert not person(oct_, "K01").passed
    assert not any("自动请辞" in f for f in person(oct_, "K01").flags)
    assert any("自动请辞" in f for f in person(nov, "K01").flags)


def test_D_8_absent_more_than_two_months_in_the_quarter_not_ranked():
    oct_ = HEAD + "\n2026-10-31 K01 缺岗天数 - 31"
    nov = HEAD + "\n2026-11-30 K01 缺岗天数 - 30\n2026-11-30 K02 缺岗天数 - 10"
    o, n = close_months(I, {"2026-10": oct_, "2026-11": nov})
    assert person(o, "K01").rank is not None          # 31 days so far
    assert person(n, "K01").excluded and person(n, "K01").rank is None  # 61 > 60 in Q4
    assert person(n, "K01").grade == "不参评"
    assert person(n, "K02").rank == 1 and n.ranked == 2


def test_D_10_non_work_activity_warning_plus_10_then_30_then_dismissal():
    oct_ = HEAD + "\n2026-10-08 K02 无关事务 - -"
    nov = HEAD + "\n2026-11-03 K02 无关事务 - -\n2026-11-20 K02 无关事务 - -"
    o, n = close_months(I, {"2026-10": oct_, "2026-11": nov})
    assert amount(o, "K02", "无关事务") == D("-10.00")
    assert any("警告" in ln.note for ln in lines(o, "K02", "无关事务"))
    assert amount(n, "K02", "无关事务") == D("-30.00")
    assert any("第3次：开除" in f for f in person(n, "K02").flags)


def test_D_10b_videos_and_games_warning_then_30_each():
    res = close(I, HEAD + "\n2026-11-03 K01 视频游戏 - -\n2026-11-04 K01 视频游戏 - -\n2026-11-05 K01 视频游戏 - -")
    assert amount(res, "K01", "视频游戏") == D("-60.00")
    refuse = close(I, HEAD + "\n2026-11-06 K01 拒不遵守 - -")
    assert any("开除" in f for f in person(refuse, "K01").flags)


def test_D_10c_snacks_or_loud_talk_warning_then_10_each():
    res = close(I, HEAD + "\n2026-11-03 K03 零食喧哗 - -\n2026-11-04 K03 零食喧哗 - -")
    assert amount(res, "K03", "零食喧哗") == D("-10.00")


def test_D_10d_service_complaint_30_then_doubled_then_dismissal():
    res = close(I, HEAD + "\n2026-11-03 K01 服务投诉 - -\n2026-11-10 K01 服务投诉 - -\n2026-11-17 K01 服务投诉 - -")
    amounts = [ln.amount for ln in lines(res, "K01", "服务投诉")]
    assert amounts == [D("-30.00"), D("-60.00"), D("0.00")]
    assert any("第3次：开除" in f for f in person(res, "K01").flags)


def test_D_5_public_commission_split_by_headcount():
    res = close(I, HEAD + "\n2026-11-30 全体 公共销售 - 200000")
    # 200,000 × 0.5% ÷ 3 = 333.333… -> 333.33 each
    assert [amount(res, s, "公共销售") for s in ("K01", "K02", "K03")] == [D("333.33")] * 3


def test_D_11_sales_without_staff_number_earn_no_commission():
    book, problems = readers.read_book(grids(I, HEAD + "\n2026-11-30 - 个人销售 - 5000"))
    assert [(p.code, p.row, p.column) for p in problems] == [("E_REQUIRED", 2, "工号")]
    res = close(I, HEAD + "\n2026-11-30 K01 个人销售 - 5000")
    assert amount(res, "K01", "个人销售") == D("50.00")
    assert lines(res, "K01", "个人销售")[0].category == "提成"


def test_C_1_sales_increase_of_2000_earns_100():
    o, n = close_months(I, {"2026-10": HEAD + "\n2026-10-30 K01 个人销售 - 10000\n2026-10-30 K02 个人销售 - 10000",
                            "2026-11": HEAD + "\n2026-11-30 K01 个人销售 - 12000\n2026-11-30 K02 个人销售 - 11999"})
    assert amount(n, "K01", "销售增长") == D("100.00")
    assert amount(n, "K02", "销售增长") == 0


def test_C_1_without_history_compares_to_the_stage_base():
    res = close(I, HEAD + "\n2026-11-30 K01 个人销售 - 12500")
    assert amount(res, "K01", "销售增长") == D("100.00")


def test_C_2_service_points_above_17_pay_270_each():
    res = close(I, HEAD + "\n2026-11-30 K01 服务积分 - 20\n2026-11-30 K02 服务积分 - 17")
    assert amount(res, "K01", "超额积分") == D("810.00")
    assert amount(res, "K02", "超额积分") == 0


def test_C_3_safety_accident_takes_2_service_points_not_2_score_points():
    # 20 service points and one accident: (20 − 2 − 17) × 270 = 270; the 80-point score is untouched
    res = close(I, HEAD + "\n2026-11-30 K03 服务积分 - 20\n2026-11-03 K03 安全事故 - -"
                "\n2026-11-30 K02 服务积分 - 18\n2026-11-03 K02 安全事故 - -\n2026-11-04 K02 安全事故 - -")
    assert amount(res, "K03", "超额积分") == D("270.00")
    assert any("扣减 安全事故 1 次 × 2 后为 18" in ln.note for ln in lines(res, "K03", "超额积分"))
    assert points(res, "K03", "安全事故") == 0 and person(res, "K03").score == 80
    # 18 − 2 × 2 = 14, not above 17: nothing paid, a line says why
    assert amount(res, "K02", "超额积分") == 0
    assert any("后为 14" in ln.note for ln in lines(res, "K02", "超额积分"))


def test_C_4_quarterly_top_3_get_1500_and_4th_to_8th_1000():
    staff = staff_n(10)
    def month(m, loser_pts):
        # S01 wins every month (考核扣分 for everyone else by rank); S10 last
        rows = [HEAD]
        for i in range(2, 11):
            rows += [f"{m}-05 S{i:02d} 考核扣分 2 -"] * (i - 1)
        return "\n".join(rows)
    o, n, d = close_months(I, {"2026-10": month("2026-10", 0), "2026-11": month("2026-11", 0),
                               "2026-12": month("2026-12", 0)}, staff=staff)
    assert amount(n, "S01", "季度排名") == 0          # November is not a quarter end
    got = [amount(d, f"S{i:02d}", "季度排名") for i in range(1, 11)]
    assert got == [D("1500.00")] * 3 + [D("1000.00")] * 5 + [D(0)] * 2


def test_E_2_service_star_needs_98_percent_on_time_100_and_no_complaint():
    ev = HEAD + ("\n2026-11-30 K01 满意度 - 98%\n2026-11-30 K01 及时率 - 100%"
                 "\n2026-11-30 K02 满意度 - 99%\n2026-11-30 K02 及时率 - 100%\n2026-11-12 K02 服务投诉 - -"
                 "\n2026-11-30 K03 满意度 - 97.9%\n2026-11-30 K03 及时率 - 100%")
    res = close(I, ev)
    assert points(res, "K01", "服务之星") == 5 and "服务之星" in person(res, "K01").titles
    assert points(res, "K02", "服务之星") == 0
    assert points(res, "K03", "服务之星") == 0


def test_E_2_C_6d_own_fault_complaint_blocks_the_service_star():
    # K01 meets 98% / 100%, but a complaint verified as caused by the engineer (C-6d, −200) is a valid
    # complaint: no star; K02 meets the same figures without a complaint: +5
    ev = HEAD + ("\n2026-11-30 K01 满意度 - 99%\n2026-11-30 K01 及时率 - 100%\n2026-11-20 K01 个人原因投诉 - -"
                 "\n2026-11-30 K02 满意度 - 99%\n2026-11-30 K02 及时率 - 100%")
    res = close(I, ev)
    assert points(res, "K01", "服务之星") == 0 and "服务之星" not in person(res, "K01").titles
    assert amount(res, "K01", "个人原因投诉") == D("-200.00")
    assert points(res, "K02", "服务之星") == 5


def test_C_5_spare_parts_commission_by_margin():
    res = close(I, HEAD + "\n2026-11-10 K01 备件35 - 10000\n2026-11-11 K01 备件50 - 4000")
    assert amount(res, "K01", "备件35") + amount(res, "K01", "备件50") == D("500.00")


def test_C_6_cost_saving_200_to_500_and_fines():
    res = close(I, HEAD + "\n2026-11-10 K01 成本节约 - 350\n2026-11-11 K01 缺记录单 - -\n2026-11-12 K01 个人原因投诉 - -")
    assert amount(res, "K01", "成本节约") == D("350.00")
    assert amount(res, "K01", "缺记录单") == D("-100.00")
    assert amount(res, "K01", "个人原因投诉") == D("-200.00")
    book, _ = readers.read_book(grids(I, HEAD + "\n2026-11-10 K01 成本节约 - 600"))
    assert "E_OUT_OF_RANGE" in codes(engine.compute_month(book))


def _star(sid, m):
    return f"\n{m}-28 {sid} 满意度 - 99%\n{m}-28 {sid} 及时率 - 100%"


def test_E_3_quarterly_service_model_needs_a_star_month_and_an_innovation_case():
    oct_ = HEAD + _star("K01", "2026-10") + _star("K02", "2026-10")
    nov = HEAD + "\n2026-11-12 K01 创新案例 - -"
    dec = HEAD + "\n2026-12-05 K03 创新案例 - -"
    o, n, d = close_months(I, {"2026-10": oct_, "2026-11": nov, "2026-12": dec})
    assert points(n, "K01", "服务标兵") == 0                  # November is not a quarter end
    line = lines(d, "K01", "服务标兵")[0]
    assert (line.points, line.amount) == (10, D("800.00"))    # star in Oct + case in Nov
    assert "服务标兵" in person(d, "K01").titles
    assert lines(d, "K02", "服务标兵") == []                 # star but no innovation case
    assert lines(d, "K03", "服务标兵") == []                 # case but never a star


def test_E_4_yearly_model_two_thank_you_cases_and_a_star_month_no_complaint():
    months = {f"2026-{m:02d}": HEAD for m in range(1, 13)}
    months["2026-03"] = HEAD + _star("K01", "2026-03") + _star("K02", "2026-03")
    months["2026-06"] = HEAD + "\n2026-06-02 K01 客户致谢 - -\n2026-06-02 K02 客户致谢 - -"
    months["2026-09"] = HEAD + "\n2026-09-02 K01 客户致谢 - -\n2026-09-02 K02 客户致谢 - -\n2026-09-03 K02 服务投诉 - -"
    res = close_months(I, months)
    dec = res[-1]
    assert "服务楷模" in person(dec, "K01").titles
    assert any("旅游" in f for f in person(dec, "K01").flags)
    assert "服务楷模" not in person(dec, "K02").titles      # a valid complaint in the year
    assert all("服务楷模" not in person(r, "K01").titles for r in res[:-1])


def test_E_6_only_approved_events_count_and_pending_ones_are_listed():
    ev = ("日期 工号 规则 分值 金额 状态\n2026-11-03 K01 考核扣分 2 - 待审\n2026-11-04 K01 考核扣分 2 - 已审核"
          "\n2026-11-05 K01 考核扣分 2 - 驳回\n2026-11-06 K01 考核扣分 2 - 异议中\n2026-11-07 K01 考核扣分 2 - 已批准"
          "\n2026-11-08 K01 考核扣分 2 - -")
    res = close(I, ev)
    assert points(res, "K01", "考核扣分") == -4            # only 已批准 and blank count
    assert sorted(e.row for e in res.pending) == [2, 3, 5]  # 驳回 is dropped, not pending
    listed = [p for p in res.problems if p.code == "W_PENDING"]
    assert [p.row for p in listed] == [2, 3, 5] and "异议" in listed[2].message
