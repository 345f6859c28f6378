"""2011 版 100 分制 (B-*): hand-worked from seed B."""
from decimal import Decimal as D

from tests.util import amount, close, close_months, lines, person, points

B = "classic-100"
HEAD = "日期 工号 规则 分值 金额 状态 公示日期"


def test_B_1_base_80_and_month_capped_at_100():
    ev = HEAD + "\n" + "\n".join(f"2026-11-{d:02d} K01 主动顶班 - - - -" for d in range(1, 6))  # +25
    ev += "\n2026-11-20 K01 管理建议 - - - -"  # +10; with B-4i full attendance +5: 80 + 25 + 10 + 5 = 120
    res = close(B, ev)
    p = person(res, "K01")
    assert (p.raw_score, p.score) == (120, 100)
    assert points(res, "K01", "满分") == -20
    assert person(res, "K02").score == 85  # 80 + 5 full attendance


def test_B_1_supervisor_deductions_entered_within_range():
    res = close(B, HEAD + "\n2026-11-03 K02 主管扣分 12 - - -")
    assert person(res, "K02").score == 73  # 80 - 12 + 5 full attendance


def _last_below_60(month):
    return HEAD + f"\n{month}-10 K01 主管扣分 20 - - -\n{month}-11 K01 主管扣分 6 - - -"  # 80 - 26 + 5 = 59


def test_B_2_last_two_months_in_a_row_and_below_60_flagged():
    oct_, nov = close_months(B, {"2026-10": _last_below_60("2026-10"), "2026-11": _last_below_60("2026-11")})
    assert not any("最后一名" in f for f in person(oct_, "K01").flags)
    assert any("最后一名" in f for f in person(nov, "K01").flags)
    assert not any("最后一名" in f for f in person(nov, "K02").flags)


def test_B_2_last_but_not_below_60_not_flagged():
    ev = HEAD + "\n{m}-10 K01 主管扣分 10 - - -"  # 75: last, but not below 60
    _, nov = close_months(B, {"2026-10": ev.format(m="2026-10"), "2026-11": ev.format(m="2026-11")})
    assert not any("最后一名" in f for f in person(nov, "K01").flags)


def test_B_3_top_salesperson_bonus_300():
    ev = HEAD + "\n2026-11-30 K01 销售额 - 120000 - -\n2026-11-30 K02 销售额 - 90000 - -"
    res = close(B, ev)
    assert amount(res, "K01", "销售第一") == D("300.00")
    assert lines(res, "K01", "销售第一")[0].category == "奖金"
    assert amount(res, "K02", "销售第一") == 0
    assert "优秀奖" in person(res, "K01").titles


def test_B_4_extra_non_cs_work_1_to_5_each():
    res = close(B, HEAD + "\n2026-11-03 K03 额外工作 2 - - -\n2026-11-04 K03 额外工作 5 - - -")
    assert person(res, "K03").score == 92  # 80 + 2 + 5 + 5 full attendance


def test_B_4b_to_B_4h_fixed_additions():
    rules = [("主动顶班", 5), ("零成本售后", 5), ("额外任务", 5), ("管理建议", 10), ("难题处理", 5)]
    for code, pts in rules:
        res = close(B, HEAD + f"\n2026-11-03 K03 {code} - - - -")
        assert points(res, "K03", code) == pts, code


def test_B_4f_satisfaction_90_percent_plus_5_per_month():
    res = close(B, HEAD + "\n2026-11-30 K01 满意度 - 92% - -\n2026-11-30 K02 满意度 - 89.9% - -\n"
                          "2026-11-30 K03 满意度 - 90% - -")
    assert [points(res, s, "满意度奖") for s in ("K01", "K02", "K03")] == [5, 0, 5]


def test_B_4i_full_attendance_without_late_or_early_leave():
    res = close(B, HEAD + "\n2026-11-03 K02 迟到早退 - - - -")
    assert points(res, "K01", "全勤") == 5
    assert points(res, "K02", "全勤") == 0


def test_B_4i_full_attendance_needs_the_whole_month_and_no_leave_or_absence():
    staff = """
工号 姓名 组别 等级 状态 入职日期 离职日期
K01 张三 A组 初级 在职 2026-11-16 -
K02 李四 A组 初级 离职 2024-01-01 2026-11-20
K03 王五 B组 初级 在职 2024-01-01 -
K04 赵六 B组 初级 在职 2026-11-01 -
K05 钱七 B组 初级 在职 2024-01-01 -
K06 孙八 B组 初级 在职 2024-01-01 -
"""
    # K01 hired on the 16th and K02 leaving on the 20th: not a whole month; K03 a day of leave;
    # K05 one day of absence; K04 hired on the 1st and K06 without a record: +5
    res = close(B, HEAD + "\n2026-11-10 K03 请假 - - - -\n2026-11-12 K05 旷工 - - - -", staff=staff)
    assert [points(res, s, "全勤") for s in ("K01", "K02", "K03", "K04", "K05", "K06")] == [0, 0, 0, 5, 0, 5]
    assert points(res, "K03", "请假") == 0 and points(res, "K05", "旷工") == 0  # records only


def test_B_5_published_scores_count_after_window_and_disputes_listed_while_open():
    # 公示中 on Fri 2026-11-20: 3 working days end Wed 11-25; a close on 11-24 still waits
    ev = HEAD + "\n2026-11-18 K01 主动顶班 - - 公示中 2026-11-20"
    import datetime as dt
    early = close(B, ev, as_of=dt.date(2026, 11, 24))
    assert points(early, "K01", "主动顶班") == 0
    assert [e.row for e in early.pending] == [2]
    late = close(B, ev, as_of=dt.date(2026, 11, 26))
    assert points(late, "K01", "主动顶班") == 5


def test_B_6_order_gifts_recorded_not_scored():
    res = close(B, HEAD + "\n2026-11-03 K01 订单礼品 - 1200 - -\n2026-11-04 K01 订单礼品 - 2000 - -")
    notes = [ln.note for ln in lines(res, "K01", "订单礼品")]
    assert notes == ["订单金额送礼品(对客户,仅记录) 1200 → 礼品B类", "订单金额送礼品(对客户,仅记录) 2000 → 礼品C类"]
    assert person(res, "K01").score == 85
