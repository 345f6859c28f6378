"""The 指标 sheet, 导入映射 and the rules that read imported metrics (K-3, B-4f, E-2)."""
from decimal import Decimal as D

from kefu_xl.core import schema
from kefu_xl.engine import metrics as mx
from kefu_xl.engine import month as engine
from kefu_xl.read import readers
from kefu_xl.read.tables import grid_from_dicts, grid_from_text
from kefu_xl.rules import presets
from tests.util import grids, lines, person, points

HEAD = "日期 工号 规则 分值 评价 金额"


def _book(scheme, events, metrics, mapping=None, staff=None):
    g = grids(scheme, events, **({"staff": staff} if staff else {}))
    g["指标"] = grid_from_text("指标", "月份 工号 指标 值 来源 导入键\n" + metrics)
    g["导入映射"] = grid_from_dicts(schema.IMPORT_MAP, presets.import_map_rows() if mapping is None else mapping)
    book, problems = readers.read_book(g)
    return book, problems


def _close(scheme, events, metrics, mapping=None):
    book, problems = _book(scheme, events, metrics, mapping)
    assert not [p for p in problems if p.is_error], problems
    return engine.compute_month(book)


def _kpi_ratings(sid):
    return "\n".join(f"2026-11-28 {sid} {c} - 优 -" for c in ("客服素质", "投诉处理", "配合度", "执行力"))


def test_K_3_refund_rate_band_reads_the_imported_metric():
    # 退款率 6.5% imported -> band 5–8% -> 20 points; 4% written as a fraction -> 30; 12% -> 0
    ev = "\n".join([HEAD, _kpi_ratings("K01"), _kpi_ratings("K02"), _kpi_ratings("K03")])
    res = _close("aftersales-130", ev, "2026-11 K01 退款率 6.5% - -\n2026-11 K02 退款率 0.04 - -\n"
                                       "2026-11 K03 退款率 12 - -")
    assert [points(res, s, "退款率") for s in ("K01", "K02", "K03")] == [20, 30, 0]
    assert person(res, "K01").score == 80 + 20 + 20  # ratings 4x20, refund 20, full attendance 20


def test_B_4f_satisfaction_from_imported_满意率_through_the_mapping():
    # classic-100 maps 满意率 -> 满意度; >= 90% gives +5
    res = _close("classic-100", HEAD, "2026-11 K01 满意率 92% - -\n2026-11 K02 满意率 89.9% - -")
    assert points(res, "K01", "满意度奖") == 5
    assert points(res, "K02", "满意度奖") == 0


def test_E_2_service_star_reads_satisfaction_and_on_time_rate_from_指标():
    # incentive: 满意率 98% (mapped to 满意度) and 及时率 100% (a metric code: no mapping row needed) -> +5
    m = ("2026-11 K01 满意率 98% - -\n2026-11 K01 及时率 100% - -\n"
         "2026-11 K02 满意率 97.9% - -\n2026-11 K02 及时率 100% - -")
    res = _close("incentive", HEAD, m)
    assert points(res, "K01", "服务之星") == 5 and "服务之星" in person(res, "K01").titles
    assert points(res, "K02", "服务之星") == 0


def test_B_4f_same_metric_typed_in_事件_and_imported_is_an_error():
    ev = HEAD + "\n2026-11-30 K01 满意度 - - 95%"
    book, problems = _book("classic-100", ev, "2026-11 K01 满意率 92% - -")
    res = engine.compute_month(book)
    twice = [p for p in res.problems if p.code == "E_METRIC_TWICE"]
    assert len(twice) == 1 and twice[0].sheet == "事件" and twice[0].row == 2 and "满意率" in twice[0].message


def test_two_accounts_rates_recomputed_from_counts_else_weighted_by_volume():
    # shop A: 询单 100, 付款 40 (40%); shop B: 询单 300, 付款 60 (20%) -> 100/400 = 25%, not the mean 30%
    # 满意率 has no counts here: weighted by 接待人数 200 and 600: (0.9*200 + 0.8*600)/800 = 0.825
    # 销售额 added: 1000 + 2500
    m = "\n".join([
        "2026-11 K01 询单人数 100 a.csv chitu-presale|店A:小王|2026-11",
        "2026-11 K01 付款人数 40 a.csv chitu-presale|店A:小王|2026-11",
        "2026-11 K01 询单转化率 40% a.csv chitu-presale|店A:小王|2026-11",
        "2026-11 K01 接待人数 200 a.csv chitu-presale|店A:小王|2026-11",
        "2026-11 K01 满意率 90% a.csv chitu-presale|店A:小王|2026-11",
        "2026-11 K01 销售额 1000 a.csv chitu-presale|店A:小王|2026-11",
        "2026-11 K01 询单人数 300 b.csv chitu-presale|店B:小王|2026-11",
        "2026-11 K01 付款人数 60 b.csv chitu-presale|店B:小王|2026-11",
        "2026-11 K01 询单转化率 20% b.csv chitu-presale|店B:小王|2026-11",
        "2026-11 K01 接待人数 600 b.csv chitu-presale|店B:小王|2026-11",
        "2026-11 K01 满意率 80% b.csv chitu-presale|店B:小王|2026-11",
        "2026-11 K01 销售额 2500 b.csv chitu-presale|店B:小王|2026-11",
        "2026-10 K01 销售额 99999 old.csv chitu-presale|店A:小王|2026-10",
    ])
    book, problems = _book("classic-100", HEAD, m)
    assert not [p for p in problems if p.is_error]
    t = mx.month_table(book, engine.Month(2026, 11))
    assert t.explain("K01", "询单转化率") == (D("0.25"), "付款人数/询单人数")
    assert t.explain("K01", "满意率") == (D("0.825"), "按接待人数加权")
    assert t.explain("K01", "销售额") == (D("3500"), "合计")
    assert t.value("K01", "销售额", source="jd") is None
    res = engine.compute_month(book)
    # B-3: the top seller by the imported 销售额 (3500) gets 300
    assert sum(ln.amount for ln in lines(res, "K01", "销售第一")) == 300
    assert person(res, "K01").counters["满意度"][1] == D("0.825")


def test_metric_row_twice_with_the_same_key_is_an_error_naming_the_row():
    m = "2026-11 K01 满意率 92% a.csv k1\n2026-11 K01 满意率 93% a.csv k1"
    book, problems = _book("classic-100", HEAD, m)
    dup = [p for p in problems if p.code == "E_METRIC_DUPLICATE"]
    assert len(dup) == 1 and dup[0].sheet == "指标" and dup[0].row == 3


def test_condition_may_name_a_指标_metric_directly():
    rules = presets.rule_rows("classic-100") + [presets.R("classic-100", "转化奖", "询单转化率30%以上", "条件", "A2-2",
                                                          points="2", params="询单转化率>=30%")]
    g = grids("classic-100", HEAD, rules=rules)
    g["指标"] = grid_from_text("指标", "月份 工号 指标 值\n2026-11 K01 询单转化率 31%\n2026-11 K02 询单转化率 0.29")
    book, _ = readers.read_book(g)
    res = engine.compute_month(book)
    assert (points(res, "K01", "转化奖"), points(res, "K02", "转化奖")) == (2, 0)


def test_staff_platform_accounts_are_split():
    g = {"员工": grid_from_text("员工", "工号 姓名 平台账号\nK01 张三 店A:小王,店B:小王、jd_wang")}
    staff, problems = readers.read_staff(g["员工"])
    assert staff[0].extra["accounts"] == ("店A:小王", "店B:小王", "jd_wang")
