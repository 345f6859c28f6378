"""售后 130 分 KPI (K-*): hand-worked from seeds A (scheme 3) and D."""
from decimal import Decimal as D

from kefu_xl.engine import month as engine
from kefu_xl.read import readers
from tests.util import close, codes, grids, lines, person, points

K = "aftersales-130"


def _ratings(sid, a="优", b="优", c="优", d="优", day="2026-11-28"):
    return "\n".join(f"{day} {sid} {code} - {r}" for code, r in
                     (("客服素质", a), ("投诉处理", b), ("配合度", c), ("执行力", d)))


HEAD = "日期 工号 规则 分值 评价 金额"


def _full(sid, refund="4%", **ratings):
    return _ratings(sid, **ratings) + f"\n2026-11-28 {sid} 退款率 - - {refund}"


def test_K_1_pass_line_is_70_percent_of_130():
    ev = "\n".join([HEAD,
                    _full("K01", "6%", a="良", b="良", c="良", d="良"),  # 60 + 20 + 出勤 20 = 100
                    "2026-11-10 K01 客户投诉 11 - -",                    # -11 -> 89
                    "2026-11-12 K01 客户表扬 - - -",                     # +2  -> 91: passes
                    _full("K02", "6%", a="良", b="良", c="良", d="良"),
                    "2026-11-10 K02 客户投诉 11 - -",                    # 89: fails
                    _full("K03")])
    res = close(K, ev)
    assert (person(res, "K01").score, person(res, "K01").passed) == (91, True)
    assert (person(res, "K02").score, person(res, "K02").passed) == (89, False)
    assert any("不合格" in f and "91" in f for f in person(res, "K02").flags)
    assert (person(res, "K03").score, person(res, "K03").grade) == (130, "优秀")


def _rating_points(code, rating):
    ev = HEAD + "\n" + _full("K01") + f"\n2026-11-28 K02 {code} - {rating} -"
    res = close(K, ev)
    return points(res, "K02", code)


def test_K_2a_service_quality_rating_20_15_10_0():
    assert [_rating_points("客服素质", r) for r in "优良中差"] == [20, 15, 10, 0]


def test_K_2b_complaint_handling_rating_20_15_10_0():
    assert [_rating_points("投诉处理", r) for r in "优良中差"] == [20, 15, 10, 0]


def test_K_2c_teamwork_rating_20_15_10_0():
    assert [_rating_points("配合度", r) for r in "优良中差"] == [20, 15, 10, 0]


def test_K_2d_execution_rating_20_15_10_0():
    assert [_rating_points("执行力", r) for r in "优良中差"] == [20, 15, 10, 0]


def test_K_2_missing_rating_is_a_warning_and_zero_and_bad_word_an_error():
    res = close(K, HEAD + "\n" + _full("K01"))
    assert "W_MISSING_RATING" in codes(res)
    assert points(res, "K02", "配合度") == 0
    book, _ = readers.read_book(grids(K, HEAD + "\n2026-11-28 K01 配合度 - 很好 -"))
    res = engine.compute_month(book)
    bad = [p for p in res.problems if p.code == "E_BAD_RATING"]
    assert bad and (bad[0].row, bad[0].column) == (2, "评价")


def _refund_points(value):
    res = close(K, HEAD + f"\n2026-11-28 K01 退款率 - - {value}")
    return points(res, "K01", "退款率")


def test_K_3_refund_rate_bands_inclusive_as_written():
    # ≤5%: 30; 5% < X ≤ 8%: 20; 8% < X ≤ 11%: 10; above 11%: 0
    assert [_refund_points(v) for v in ("5%", "5.01%", "8%", "8.5%", "11%", "11.1%")] == [30, 20, 20, 10, 10, 0]


def test_K_3_refund_rate_typed_as_number_or_fraction():
    assert _refund_points("0.05") == 30    # an Excel percent cell holds 0.05
    assert _refund_points("4.5") == 30     # 4.5 on a % metric means 4.5%
    assert _refund_points("12") == 0


def test_K_4_attendance_20_minus_5_late_5_leave_10_absence():
    res = close(K, HEAD + "\n2026-11-03 K01 迟到 - - -\n2026-11-04 K01 请假 - - -\n2026-11-05 K02 旷工 - - -")
    assert points(res, "K01", "出勤") + points(res, "K01", "迟到") + points(res, "K01", "请假") == 10
    assert points(res, "K02", "出勤") + points(res, "K02", "旷工") == 10
    assert points(res, "K03", "出勤") == 20


def test_K_4_attendance_never_below_zero():
    res = close(K, HEAD + "\n2026-11-03 K01 旷工 - - -\n2026-11-04 K01 旷工 - - -\n2026-11-05 K01 旷工 - - -")
    # 20 - 30 = -10, floored at 0: an adjustment line of +10 keeps the lines adding up
    total = points(res, "K01", "出勤") + points(res, "K01", "旷工")
    assert total == 0
    assert any("下限" in ln.note for ln in lines(res, "K01", "出勤"))


def test_K_5_low_quality_review_minus_5_each():
    res = close(K, HEAD + "\n2026-11-03 K01 低质评价 - - -\n2026-11-08 K01 低质评价 - - -")
    assert points(res, "K01", "低质评价") == -10


def test_K_6_verified_complaint_minus_5_to_20_entered_by_hr():
    res = close(K, HEAD + "\n2026-11-03 K01 客户投诉 8 - -\n2026-11-04 K02 客户投诉 -20 - -")
    assert points(res, "K01", "客户投诉") == -8
    assert points(res, "K02", "客户投诉") == -20
    book, _ = readers.read_book(grids(K, HEAD + "\n2026-11-03 K01 客户投诉 25 - -\n2026-11-03 K02 客户投诉 4 - -"))
    assert codes(engine.compute_month(book)).count("E_OUT_OF_RANGE") == 2


def test_K_7_customer_praise_plus_2_each():
    res = close(K, HEAD + "\n" + "\n".join("2026-11-0%d K03 客户表扬 - - -" % d for d in (3, 4, 5)))
    assert points(res, "K03", "客户表扬") == 6


def test_K_7b_outstanding_performance_2_to_5():
    res = close(K, HEAD + "\n2026-11-03 K03 表现突出 4 - -")
    assert points(res, "K03", "表现突出") == 4
    book, _ = readers.read_book(grids(K, HEAD + "\n2026-11-03 K03 表现突出 6 - -"))
    assert "E_OUT_OF_RANGE" in codes(engine.compute_month(book))


def test_K_8_after_sales_base_pay_2000_2500_3000():
    book, _ = readers.read_book(grids(K, ""))
    pay = {t.tier: t.base_pay for t in book.tiers}
    assert (pay["普通售后"], pay["高级售后"], pay["售后组长"]) == (D(2000), D(2500), D(3000))


def test_K_total_is_130_when_everything_is_best():
    res = close(K, HEAD + "\n" + _full("K01"))
    p = person(res, "K01")
    assert p.score == 130
    assert sum(ln.points for ln in p.lines) == p.score
