"""Issue 22, item 1: table-driven cases on both sides of every edge, worked by hand.

Tax brackets (DOMAIN §8) on both sides of each edge, the cumulative withholding
month by month through every bracket; publication windows (E-6, B-5) on their
boundary day; streaks (D-7, A1-1, B-2) at n - 1, n, n + 1 and 2n months; the
sealed event's status (the fingerprint must see it).
"""
import datetime as dt
from decimal import Decimal as D

import pytest

from kefu_xl.core.model import Month
from kefu_xl.payroll.pay import cumulative_tax, tax_bracket
from tests.test_payroll import no_si, run_months, tier
from tests.util import amount, close, close_months, person, points

# ---------------------------------------------------------------- §8 income tax, one cumulative amount
# A × rate − quick deduction, worked by hand for each bracket: 100 below the edge, on it, 100 above.
TAX_AT = [
    # (cumulative taxable A, tax on A)
    ("-1", "0.00"), ("0", "0.00"), ("0.01", "0.00"), ("100", "3.00"),
    ("35900", "1077.00"), ("36000", "1080.00"), ("36100", "1090.00"),        # 3610 − 2520
    ("143900", "11870.00"), ("144000", "11880.00"), ("144100", "11900.00"),  # 28820 − 16920
    ("299900", "43060.00"), ("300000", "43080.00"), ("300100", "43105.00"),  # 75025 − 31920
    ("400000", "68080.00"),                                                  # 100000 − 31920 (not 68710)
    ("419900", "73055.00"), ("420000", "73080.00"), ("420100", "73110.00"),  # 126030 − 52920
    ("659900", "145050.00"), ("660000", "145080.00"), ("660100", "145115.00"),  # 231035 − 85920
    ("959900", "250045.00"), ("960000", "250080.00"), ("960100", "250125.00"),  # 432045 − 181920
    ("1000000", "268080.00"),                                                # 450000 − 181920
    ("12345.67", "370.37"),                                                  # 370.3701 at the fen
    ("36000.01", "1080.00"),                                                 # continuous: 1080.001
]


@pytest.mark.parametrize("taxable,tax", TAX_AT)
def test_S8_tax_on_a_cumulative_amount_each_bracket_both_sides_of_each_edge(taxable, tax):
    assert cumulative_tax(D(taxable)) == D(tax)


BRACKET_OF = [
    ("36000", "0.03", 0), ("36000.01", "0.10", 2520), ("144000", "0.10", 2520), ("144000.01", "0.20", 16920),
    ("300000", "0.20", 16920), ("300000.01", "0.25", 31920), ("420000", "0.25", 31920),
    ("420000.01", "0.30", 52920), ("660000", "0.30", 52920), ("660000.01", "0.35", 85920),
    ("960000", "0.35", 85920), ("960000.01", "0.45", 181920),
]


@pytest.mark.parametrize("taxable,rate,qd", BRACKET_OF)
def test_S8_bracket_upper_bounds_are_inclusive(taxable, rate, qd):
    assert tax_bracket(D(taxable)) == (D(rate), D(qd))


# ---------------------------------------------------------------- §8 cumulative withholding, month by month
# No social insurance (社保基数 0), no special deductions: A_n = n × (base − 5000).
# Each month withholds tax(A_n) − tax(A_{n−1}).
WITHHOLDING = [
    # base 41000: A = 36000 × n: at the 36000 edge in M1, at 144000 in M4, above in M5
    # tax(A): 1080, 4680, 8280, 11880, 19080
    ("41000", ["1080", "3600", "3600", "3600", "7200"]),
    # base 65000: A = 60000 × n; at 300000 in M5, at 420000 in M7, above in M6 and M8
    # tax(A): 3480, 9480, 19080, 31080, 43080, 58080, 73080, 91080
    ("65000", ["3480", "6000", "9600", "12000", "12000", "15000", "15000", "18000"]),
    # base 115000: A = 110000 × n; at 660000 in M6, above in M7
    # tax(A): 8480, 27080, 50580, 79080, 112080, 145080, 183580
    ("115000", ["8480", "18600", "23500", "28500", "33000", "33000", "38500"]),
    # base 125000: A = 120000 × n; at 960000 in M8, above (45%) in M9
    # tax(A): 9480, 31080, 58080, 91080, 127080, 166080, 208080, 250080, 304080
    ("125000", ["9480", "21600", "27000", "33000", "36000", "39000", "42000", "42000", "54000"]),
    # base 105000: A = 100000 × n: a whole year through every bracket; M4 is the 400000 of the issue
    # tax(A): 7480, 23080, 43080, 68080, 97080, 127080, 159080, 194080, 229080, 268080, 313080, 358080
    ("105000", ["7480", "15600", "20000", "25000", "29000", "30000", "32000", "35000", "35000", "39000",
                "45000", "45000"]),
]


@pytest.mark.parametrize("base,withheld", WITHHOLDING)
def test_S8_cumulative_withholding_through_the_brackets_month_by_month(base, withheld):
    rs = run_months(no_si(), tier(base=base), [Month(2026, m) for m in range(1, len(withheld) + 1)])
    assert [r.tax for r in rs] == [D(w) for w in withheld]
    monthly = D(base) - 5000
    assert [r.tax_base_cum for r in rs] == [monthly * n for n in range(1, len(withheld) + 1)]
    assert [r.net for r in rs] == [D(base) - D(w) for w in withheld]


def test_S8_cumulative_tax_at_400000_uses_quick_deduction_31920():
    rs = run_months(no_si(), tier(base="105000"), [Month(2026, m) for m in (1, 2, 3, 4)])
    assert rs[3].tax_base_cum == D("400000.00")
    assert rs[3].tax_cum == D("68080.00") and rs[3].tax_rate == D("0.25")


# ---------------------------------------------------------------- E-6 / B-5 publication windows
# 公示 3 working days (公示天数 3), counted from the day after publication; the event counts
# from the first day after the window.  2026-11-19 is a Thursday, 11-21/22 the weekend.
B = "classic-100"
HEAD = "日期 工号 规则 分值 金额 状态 公示日期"


def _published(day, as_of, settings=()):
    ev = HEAD + f"\n2026-11-18 K01 主动顶班 - - 公示中 2026-11-{day:02d}"
    res = close(B, ev, as_of=as_of, settings=settings)
    return points(res, "K01", "主动顶班")


WINDOWS = [
    # (published, close day, counted): Fri 20 -> Mon 23, Tue 24, Wed 25; counts from Thu 26
    (20, dt.date(2026, 11, 24), 0), (20, dt.date(2026, 11, 25), 0), (20, dt.date(2026, 11, 26), 5),
    # Thu 19 -> Fri 20, (Sat and Sun are not working days) Mon 23, Tue 24; counts from Wed 25
    (19, dt.date(2026, 11, 23), 0), (19, dt.date(2026, 11, 24), 0), (19, dt.date(2026, 11, 25), 5),
    # Mon 16 -> Tue 17, Wed 18, Thu 19; counts from Fri 20 (and still on the weekend)
    (16, dt.date(2026, 11, 19), 0), (16, dt.date(2026, 11, 20), 5), (16, dt.date(2026, 11, 21), 5),
]


@pytest.mark.parametrize("published,as_of,counted", WINDOWS)
def test_E_6_B_5_publication_window_three_working_days_boundary_day(published, as_of, counted):
    assert _published(published, as_of) == counted


def test_E_6_publication_window_of_one_working_day_skips_the_weekend():
    one = [{"key": "公示天数", "value": 1}]
    # Fri 20 published: the one working day is Mon 23; Sat, Sun and Mon itself still wait
    assert [_published(20, dt.date(2026, 11, d), one) for d in (21, 22, 23, 24)] == [0, 0, 0, 5]


def test_E_6_without_a_close_day_the_window_ends_on_the_months_last_day():
    # the close of November looks at 11-30 (Mon): published Tue 24 -> 25, 26, 27 -> counts;
    # published Wed 25 -> 26, 27, 30 -> the window ends on the 30th itself: not yet
    assert _published(24, None) == 5
    assert _published(25, None) == 0


def test_E_6_flowers_count_after_the_same_window():
    from kefu_xl.core.model import Event, Source
    from kefu_xl.engine.flowers import effective
    ev = Event(2, dt.date(2026, 11, 18), "K01", "小红花", status="公示中", published=dt.date(2026, 11, 19),
               src=Source("事件", 2))
    assert [effective(ev, dt.date(2026, 11, d)) for d in (24, 25)] == [False, True]


# ---------------------------------------------------------------- D-7 / A1-1 / B-2 streaks
I = "incentive"
IHEAD = "日期 工号 规则 分值 金额"


def _months(n, start=1):
    return [f"2026-{m:02d}" for m in range(start, start + n)]


def test_D_7_three_months_first_pays_200_at_3_and_6_not_at_2_4_5():
    # K02 and K03 lose 2 each month (考核扣分): K01 (80) is alone first every month
    ev = IHEAD + "\n{m}-05 K02 考核扣分 2 -\n{m}-05 K03 考核扣分 2 -"
    res = close_months(I, {m: ev.format(m=m) for m in _months(7)})
    assert [amount(r, "K01", "连续第一") for r in res] == [D(0), D(0), D("200.00"), D(0), D(0), D("200.00"), D(0)]
    assert [amount(r, "K02", "连续第一") for r in res] == [D(0)] * 7


def test_D_7_streak_restarts_after_a_break():
    first = IHEAD + "\n{m}-05 K02 考核扣分 2 -\n{m}-05 K03 考核扣分 2 -"
    second = IHEAD + "\n{m}-05 K01 考核扣分 2 -\n{m}-05 K01 考核扣分 2 -\n{m}-05 K03 考核扣分 2 -"  # K02 first
    plan = [first, first, second, first, first, first]
    res = close_months(I, {m: e.format(m=m) for m, e in zip(_months(6), plan)})
    assert [amount(r, "K01", "连续第一") for r in res] == [D(0)] * 5 + [D("200.00")]


def _flagged(res, sid, word):
    return [any(word in f for f in person(r, sid).flags) for r in res]


def test_D_7_two_failing_months_flagged_every_month_from_the_second():
    bad = IHEAD + "\n" + "\n".join("{m}-%02d K01 考核扣分 2 -" % d for d in range(1, 12))  # 80 − 22 = 58 < 60
    res = close_months(I, {m: bad.format(m=m) for m in _months(4)})
    assert [person(r, "K01").passed for r in res] == [False] * 4
    assert _flagged(res, "K01", "自动请辞") == [False, True, True, True]
    assert _flagged(res, "K02", "自动请辞") == [False] * 4


def test_D_7_fail_streak_needs_60_exactly_to_pass():
    # 80 − 20 = 60 passes (≥60 合格); 80 − 22 = 58 fails
    at60 = IHEAD + "\n" + "\n".join("{m}-%02d K01 考核扣分 2 -" % d for d in range(1, 11))
    res = close_months(I, {m: at60.format(m=m) for m in _months(2)})
    assert [person(r, "K01").score for r in res] == [60, 60]
    assert [person(r, "K01").passed for r in res] == [True, True]
    assert _flagged(res, "K01", "自动请辞") == [False, False]


def test_A1_1_two_months_top_sales_flagged_at_2_and_4_not_1_and_3():
    sales = "日期 工号 规则 金额\n{m}-28 K01 业绩 80000\n{m}-28 K02 业绩 50000\n{m}-28 K03 业绩 30000"
    res = close_months("tmall-1", {m: sales.format(m=m) for m in _months(4, 8)})
    assert _flagged(res, "K01", "带薪休假") == [False, True, False, True]
    assert _flagged(res, "K02", "带薪休假") == [False] * 4


CHEAD = "日期 工号 规则 分值 金额 状态 公示日期"


def test_B_2_last_and_below_60_flagged_every_month_from_the_second():
    ev = CHEAD + "\n{m}-10 K01 主管扣分 20 - - -\n{m}-11 K01 主管扣分 6 - - -"  # 80 − 26 + 5 = 59
    res = close_months(B, {m: ev.format(m=m) for m in _months(4, 7)})
    assert [person(r, "K01").score for r in res] == [59] * 4
    assert _flagged(res, "K01", "最后一名") == [False, True, True, True]


def test_B_2_last_at_60_is_not_below_60():
    ev = CHEAD + "\n{m}-10 K01 主管扣分 20 - - -\n{m}-11 K01 主管扣分 5 - - -"  # 80 − 25 + 5 = 60
    res = close_months(B, {m: ev.format(m=m) for m in _months(2, 7)})
    assert [person(r, "K01").score for r in res] == [60, 60]
    assert _flagged(res, "K01", "最后一名") == [False, False]


# ---------------------------------------------------------------- D-8 quarter absence edge
def test_D_8_absent_60_days_in_the_quarter_is_ranked_61_is_not():
    oct_ = IHEAD + "\n2026-10-31 K01 缺岗天数 - 31\n2026-10-31 K02 缺岗天数 - 31"
    nov = IHEAD + "\n2026-11-30 K01 缺岗天数 - 29\n2026-11-30 K02 缺岗天数 - 30"
    _, n = close_months(I, {"2026-10": oct_, "2026-11": nov})
    assert not person(n, "K01").excluded and person(n, "K01").rank is not None  # 60, not more than 60
    assert person(n, "K02").excluded and person(n, "K02").rank is None          # 61


# ---------------------------------------------------------------- the sealed event's status
def test_E_6_sealed_counted_event_changed_to_pending_is_an_edit_but_a_pending_one_approved_later_is_not():
    """Issue 21: an event the sealed month counted may not change (not even its status); one it did not
    count (待审) may be approved later (it counts in a later month), without touching the sealed month."""
    from tests.test_seal import _after, _closed_october
    from kefu_xl.close import plan as closing
    head = "日期 工号 规则 数量 状态"
    g = _closed_october(head + "\n2026-10-03 K01 态度投诉 2 已批准\n2026-10-05 K02 好评表扬 1 待审")
    edited = _after(g, head + "\n2026-10-03 K01 态度投诉 2 待审\n2026-10-05 K02 好评表扬 1 待审")
    plan = closing.plan_close(closing.load(edited))
    assert plan.exit_code == 1
    assert [(p.sheet, p.row, p.code) for p in plan.errors] == [("事件", 2, "E_SEALED_EDIT")]
    approved = _after(g, head + "\n2026-10-03 K01 态度投诉 2 已批准\n2026-10-05 K02 好评表扬 1 已批准")
    plan = closing.plan_close(closing.load(approved))
    assert plan.exit_code == 0, plan.problems
