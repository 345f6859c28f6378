"""Issue 22, item 5: tests written for the mutants that survived the sampled mutation run
(docs/MUTATION.md names each).  Hand-worked values; DOMAIN IDs where a rule is concerned."""
import datetime as dt
from decimal import Decimal as D

from kefu_xl.close import plan as closing
from kefu_xl.core.model import Month, Setting, Source, Tier
from kefu_xl.engine import flowers
from kefu_xl.payroll import pay as payroll
from kefu_xl.read import readers
from kefu_xl.rules import grammar, presets
from tests.test_payroll import JAN, person, staff, tier
from tests.test_seal import EVENTS, _after, _closed_october, _write_back
from tests.util import grids

NOW = dt.datetime(2026, 12, 1, 9, 30, 5)


def _closed_october_and_november():
    g = _closed_october()
    nov = _after(g, EVENTS + "\n2026-11-03 K03 好建议 1")
    plan = closing.plan_close(closing.load(nov), now=NOW)
    assert plan.exit_code == 0, plan.problems
    return _write_back(nov, plan)


def _sheet(plan, name):
    return next(s for s in plan.sheets if s.name == name)


# ---------------------------------------------------------------- close/plan.py
def test_close_and_reopen_log_the_time_they_were_given():
    g = _closed_october()
    nov = _after(g, EVENTS + "\n2026-11-03 K03 好建议 1")
    plan = closing.plan_close(closing.load(nov), now=NOW)
    assert _sheet(plan, "操作记录").rows[-1][0] == "2026-12-01 09:30:05"
    reopen = closing.plan_reopen(closing.load(_write_back(nov, plan)), Month(2026, 11), "漏记", now=NOW)
    assert _sheet(reopen, "操作记录").rows[-1][:4] == ("2026-12-01 09:30:05", "", "重开", "2026-11")


def test_reopen_of_a_month_before_a_closed_one_is_refused():
    g = _closed_october_and_november()
    plan = closing.plan_reopen(closing.load(g), Month(2026, 10), "漏记")
    assert plan.exit_code == 2 and "2026-11" in plan.refused and "依次重开" in plan.refused
    assert plan.sheets == ()


def test_reopen_reverses_only_the_rows_of_the_reopened_month():
    g = _closed_october_and_november()
    plan = closing.plan_reopen(closing.load(g), Month(2026, 11), "漏记")
    assert plan.exit_code == 0
    hist = _sheet(plan, "历史")
    month, state = list(hist.header).index("月份"), list(hist.header).index("状态")
    reversed_ = [r[month] for r in hist.rows if r[state] == "冲销"]
    assert reversed_ == ["2026-11"] * 3


def test_reclose_notes_the_rank_that_changed_and_no_change():
    g = _closed_october()
    g = _write_back(g, closing.plan_reopen(closing.load(g), Month(2026, 10), "漏记好评"))
    # v1: K02 36 1st, K03 33 2nd, K01 32 3rd; two more praises (+6) make K01 38: 1st, K02 2nd, K03 3rd
    g["事件"] = grids("tmall-30", EVENTS + "\n2026-10-20 K01 好评表扬 2", month="2026-10")["事件"]
    again = closing.plan_close(closing.load(g))
    assert again.exit_code == 0, again.problems
    hist = _sheet(again, "历史")
    sid, note, ver = (list(hist.header).index(c) for c in ("工号", "说明", "版本"))
    v2 = {r[sid]: r[note] for r in hist.rows if r[ver] == 2}
    assert v2["K01"] == "重新月结（对比第1版）：得分 32→38，名次 3→1"
    assert v2["K02"] == "重新月结（对比第1版）：名次 1→2"
    assert v2["K03"] == "重新月结（对比第1版）：名次 2→3"


def test_reclose_without_a_change_says_so():
    g = _closed_october()
    g = _write_back(g, closing.plan_reopen(closing.load(g), Month(2026, 10), "核对"))
    again = closing.plan_close(closing.load(g))
    hist = _sheet(again, "历史")
    note, ver = (list(hist.header).index(c) for c in ("说明", "版本"))
    assert {r[note] for r in hist.rows if r[ver] == 2} == {"重新月结（对比第1版）：无变化"}


# ---------------------------------------------------------------- engine/month.py
def test_C_5_rate_rule_without_its_base_amount_is_an_error_and_not_counted():
    from kefu_xl.engine import month as engine
    book, problems = readers.read_book(grids("incentive", "日期 工号 规则 金额\n2026-11-03 K01 个人销售 -"))
    res = engine.compute_month(book)
    assert [(p.code, p.row, p.column) for p in res.problems if p.is_error] == [("E_VALUE_REQUIRED", 2, "金额")]
    assert not [ln for ln in res.person("K01").lines if ln.rule == "个人销售"]


# ---------------------------------------------------------------- engine/flowers.py
def _flower_rules(params):
    rows = [dict(r, params=params) if r["kind"] == "小红花" else r for r in presets.rule_rows()]
    book, _ = readers.read_book(grids("incentive", "", rules=rows))
    return book.rules


def test_C_7_flower_options_must_be_whole_numbers_not_below_zero():
    pol, problems = flowers.policy_for(_flower_rules("组长每月=1.5;其他每月=-1;有效月数=3;年度前=3"), "incentive")
    assert [(p.code, p.column) for p in problems] == [("E_RULE_PARAM", "参数")] * 2
    assert (pol.leader_quota, pol.others_quota, pol.valid_months, pol.year_top) == (2, 30, 3, 3)  # the defaults


def test_C_7_monthly_award_split_to_the_fen_adds_up():
    pol = flowers.Policy(codes=("小红花",), award=D(100), award_mode=flowers.SPLIT)
    ids = [f"S{i}" for i in range(1, 7)]
    got = flowers.monthly_awards({s: D(5) for s in ids}, pol, ids)
    # 100 / 6 = 16.666…: 16.66 each, the 4 fen left go to the first four
    assert [got[s] for s in ids] == [D("16.67")] * 4 + [D("16.66")] * 2 and sum(got.values()) == D(100)


# ---------------------------------------------------------------- payroll/pay.py
def test_S8_setting_problem_without_a_sheet_is_reported_on_the_settings_sheet():
    from tests.test_payroll import policy_for
    pol, probs = policy_for([Setting("养老保险比例", "很多", None, Source("", 7))], JAN)
    assert [(p.code, p.sheet, p.row, p.column) for p in probs][:1] == [(probs[0].code, "参数", 7, "值")]


def test_D_4_full_months_count_only_completed_months():
    fm = payroll.full_months
    assert fm(dt.date(2025, 6, 15), dt.date(2026, 1, 10)) == 6
    assert fm(dt.date(2025, 6, 15), dt.date(2026, 1, 15)) == 7
    assert fm(dt.date(2025, 6, 15), dt.date(2025, 7, 14)) == 0
    assert fm(dt.date(2025, 1, 31), dt.date(2025, 2, 28)) == 1  # the month's last day completes it


def test_D_1_bad_tier_value_without_a_source_is_reported_on_the_tiers_sheet():
    tr = Tier("初级", D(4000), {"bonus_rate": "很多"})
    r, probs = payroll.compute_pay(payroll.PayInput(staff(), tr, person(staff()), JAN), payroll.PayPolicy(month=JAN))
    assert [(p.code, p.sheet, p.column) for p in probs] == [("E_TIER_VALUE", "等级", "奖金比例")]
    assert r.bonus_standard == 0


def test_D_1_unknown_or_missing_tier_pays_base_zero_each_with_its_own_code():
    for name, code in (("神级", "E_UNKNOWN_TIER"), ("", "E_PAY_NO_TIER")):
        st = staff(tier=name)
        r, probs = payroll.compute_pay(payroll.PayInput(st, None, person(st), JAN), payroll.PayPolicy(month=JAN))
        assert [(p.code, p.is_error, p.column) for p in probs] == [(code, True, "等级")]
        assert r.base_pay == 0


def test_D_9_unknown_year_grade_is_a_warning_and_changes_nothing():
    st = staff(year_grade="特优")
    r, probs = payroll.compute_pay(payroll.PayInput(st, tier(bonus_rate=D("0.1")), person(st), JAN),
                                   payroll.PayPolicy(month=JAN))
    assert [(p.code, p.is_error) for p in probs] == [("E_YEAR_GRADE", False)]
    assert r.grade_adjust == 0 and r.performance_bonus == D("400.00")


def test_D_2_promotion_needs_the_months_setting_too():
    st = staff(hired=dt.date(2020, 1, 1))
    r, _ = payroll.compute_pay(payroll.PayInput(st, tier(promote_to="中级"), person(st), JAN),
                               payroll.PayPolicy(month=JAN))
    assert not [f for f in r.flags if "晋升" in f]


def test_D_12_payroll_sheet_layout_and_payslip_month():
    st = staff()
    r, _ = payroll.compute_pay(payroll.PayInput(st, tier(), person(st), JAN), payroll.PayPolicy(month=JAN))
    sheet = payroll.payroll_sheet([r], JAN)
    assert sheet.extra == {"totals_row": 4, "fit_to_width": True, "paper": "A4", "orientation": "landscape",
                           "freeze": "C3"}
    slips = payroll.payslip_sheet([r], JAN)
    assert [row[0] for row in slips.rows if row and row[0] != slips.header[0]] == ["2026-01"]


# ---------------------------------------------------------------- rules/grammar.py
def test_open_ranges_describe_themselves():
    assert grammar.parse_spec("~10").steps[0].value.describe() == "~10"
    assert grammar.parse_spec("3~").steps[0].value.describe() == "3~"


def test_C_7_flowers_received_this_month_add_up_per_person():
    from tests.test_flowers import analyse
    fm = analyse("2026-11-03 K01 小红花 1 M01 -\n2026-11-04 K02 小红花 1 M01 -\n2026-11-05 K01 小红花 2 M03 -")
    assert (fm.holding("K01").received, fm.holding("K02").received, fm.holding("K03").received) == (3, 1, 0)


def test_C_7_flower_options_are_read_by_their_names():
    pol, problems = flowers.policy_for(_flower_rules("组长每月=5;其他每月=12;有效月数=2;年度前=4"), "incentive")
    assert problems == []
    assert (pol.leader_quota, pol.others_quota, pol.valid_months, pol.year_top) == (5, 12, 2, 4)


def test_quarterly_condition_sums_a_metrics_values_over_the_quarter():
    """A 周期 季 condition on a 指标 (C-2 service points) adds the values of the quarter's months,
    not how many months had one: K01 10 + 10 + 12 = 32 ≥ 30, K02 10 + 10 + 9 = 29."""
    from tests.util import close_months, points
    rows = presets.rule_rows() + [dict(scheme="incentive", code="季度积分", name="季度服务积分达标", kind="条件",
                                       points="5", params="服务积分>=30", window="季", source="C-2", enabled="是")]
    head = "日期 工号 规则 金额"
    ev = {m: f"{head}\n{m}-28 K01 服务积分 {a}\n{m}-28 K02 服务积分 {b}"
          for m, a, b in (("2026-10", 10, 10), ("2026-11", 10, 10), ("2026-12", 12, 9))}
    oct_, nov, dec = close_months("incentive", ev, rules=rows)
    assert [points(r, "K01", "季度积分") for r in (oct_, nov, dec)] == [0, 0, 5]
    assert points(dec, "K02", "季度积分") == 0


def test_C_7_an_active_id_missing_from_the_staff_sheet_is_skipped_not_the_end():
    from tests.test_flowers import book
    b = book("2026-11-03 K01 小红花 1 M01 -")
    from kefu_xl.core import settings
    config = b.settings if hasattr(b.settings, "at") else settings.read(b.settings)
    fm = flowers.analyse(b.staff, b.events, b.rules, config, "incentive", Month(2026, 11),
                         active=["A00", "K01", "K02"])
    assert [h.staff_id for h in fm.holdings][:2] == ["K01", "K02"] and fm.holding("K01").received == 1


def test_C_7_flower_rule_problems_point_at_their_column():
    _, problems = flowers.policy_for(_flower_rules("月度奖励=随便;有效月数=0"), "incentive")
    assert [(p.code, p.column) for p in problems] == [("E_RULE_PARAM", "参数")] * 2
    rows = [dict(r, amount="100;200") if r["kind"] == "小红花" else r for r in presets.rule_rows()]
    book, _ = readers.read_book(grids("incentive", "", rules=rows))
    _, problems = flowers.policy_for(book.rules, "incentive")
    assert [(p.code, p.column) for p in problems] == [("E_RULE_PARAM", "金额")]


def _with_rules(scheme, *extra):
    return presets.rule_rows() + [dict(scheme=scheme, source="测试", enabled="是", **r) for r in extra]


def test_additions_are_counted_once_per_occurrence_on_every_path():
    """加分次数 (the count of point additions, the twin of A2-3's 扣分次数): a plain +3 rule and a
    ladder rule (1;2) each add one per occurrence."""
    from tests.util import close, points
    rules = _with_rules("tmall-30", dict(code="两次加分", name="两次加分", kind="条件", points="1", params="加分次数=2"),
                        dict(code="阶梯奖", name="阶梯奖", kind="计次", points="1;2"))
    res = close("tmall-30", "日期 工号 规则\n2026-11-03 K01 好评表扬\n2026-11-03 K02 好评表扬\n2026-11-04 K02 好评表扬\n"
                            "2026-11-03 K03 阶梯奖\n2026-11-04 K03 好评表扬", rules=rules)
    assert [points(res, s, "两次加分") for s in ("K01", "K02", "K03")] == [0, 1, 1]


def test_metric_average_by_its_english_name():
    from tests.util import close, points
    rules = _with_rules("tmall-30", dict(code="均值", name="均值", kind="指标", params="汇总=avg"),
                        dict(code="均值15", name="均值15", kind="条件", points="1", params="均值=15"))
    res = close("tmall-30", "日期 工号 规则 金额\n2026-11-03 K01 均值 10\n2026-11-04 K01 均值 20", rules=rules)
    assert points(res, "K01", "均值15") == 1  # (10 + 20) / 2, not their sum 30


def test_D_10b_ladder_step_notes_show_the_money():
    from tests.util import close, lines
    res = close("incentive", "日期 工号 规则\n2026-11-03 K01 视频游戏\n2026-11-04 K01 视频游戏")
    assert [ln.note for ln in lines(res, "K01", "视频游戏")] == ["第1次：警告", "第2次：-30.00元"]


def test_history_rows_carry_how_many_were_ranked():
    from kefu_xl.engine import month as engine
    from tests.util import close
    res = close("tmall-30", "日期 工号 规则 金额\n2026-11-30 K01 业绩 100\n2026-11-30 K02 业绩 200")
    assert {h.ranked for h in engine.history_from_result(res)} == {res.ranked} and res.ranked == 3


def test_S8_setting_spellings_lists_with_yuan_booleans_full_width_minus():
    from kefu_xl.core import settings
    from tests.test_payroll import policy_for
    pol, probs = policy_for([Setting("保底工资", "2130元；2330元；2630元", None, Source("参数", 5, "值"))], JAN)
    assert probs == [] and pol.guarantee == (D(2130), D(2330), D(2630))
    assert settings._bool(0) is False and settings._bool(1) is True and settings._bool("是") is True
    assert payroll.parse_decimal("－5") == D(-5) and payroll.parse_decimal("−5") == D(-5)


def test_S8_a_rate_setting_out_of_range_says_how_to_write_a_rate():
    from tests.test_payroll import policy_for
    _, probs = policy_for([Setting("养老保险比例", "80", None, Source("参数", 5, "值"))], JAN)
    assert probs and "比例请写成 0.5% 这样的百分数" in probs[0].message


def test_metric_rows_and_scheme_mappings():
    from kefu_xl.core.model import ImportMapping, Metric
    from kefu_xl.engine import metrics
    rows = [Metric(Month(2026, 11), "K01", "满意度", D("0.9")), Metric(Month(2026, 11), "K01", "满意度", D("0.8"), key="b")]
    mm = metrics.MonthMetrics(rows)
    assert mm.rows("K01", "满意度") == tuple(rows) and mm.rows("K01", "退款率") == () and mm.rows("K02", "满意度") == ()
    maps = [ImportMapping("甲"), ImportMapping("乙", scheme="tmall-30"), ImportMapping("丙", scheme="classic-100")]
    assert [m.column for m in metrics.scheme_mappings(maps, "tmall-30")] == ["甲", "乙"]


def test_A2_4_plain_event_lines_cite_their_domain_id():
    from tests.util import close, lines
    res = close("tmall-30", "日期 工号 规则\n2026-11-03 K01 好评表扬")
    assert [(ln.points, ln.source) for ln in lines(res, "K01", "好评表扬")] == [(3, "A2-4")]


def test_a_condition_reads_a_value_of_the_metrics_sheet():
    from kefu_xl.core import schema
    from kefu_xl.engine import month as engine
    from kefu_xl.read.tables import grid_from_text
    rules = _with_rules("tmall-30", dict(code="满意奖", name="满意奖", kind="条件", points="2", params="满意率>=95%"))
    g = grids("tmall-30", "", rules=rules)
    g[schema.METRICS.name] = grid_from_text(schema.METRICS.name, "月份 工号 指标 值 来源\n"
                                            "2026-11 K01 满意率 0.96 手填\n2026-11 K02 满意率 0.94 手填")
    book, problems = readers.read_book(g)
    assert not [p for p in problems if p.is_error], problems
    res = engine.compute_month(book)
    got = {p.staff.id: sum((ln.points for ln in p.lines if ln.rule == "满意奖"), D(0)) for p in res.people}
    assert got == {"K01": 2, "K02": 0, "K03": 0}


def test_A1_15_group_scope_rule_charges_every_member_of_the_group():
    from tests.util import close, points
    rules = _with_rules("tmall-30", dict(code="组扣分", name="组扣分", kind="计次", points="-1;-2", scope="全组"))
    res = close("tmall-30", "日期 工号 规则\n2026-11-03 K01 组扣分", rules=rules)
    assert [points(res, s, "组扣分") for s in ("K01", "K02", "K03")] == [-1, -1, 0]  # K03 is in B组


def test_D_3_no_guarantee_means_no_top_up_even_below_zero():
    from kefu_xl.core.model import CAT_REWARD
    from tests.test_payroll import line
    st = staff(si_base=D(0))
    pol = payroll.PayPolicy(month=JAN, guarantee_mode=payroll.GUARANTEE_NONE)
    r, _ = payroll.compute_pay(payroll.PayInput(st, tier(base="0"), person(st, lines=(line("S1", CAT_REWARD, -500),)),
                                                JAN), pol)
    assert r.guarantee == 0 and r.guarantee_topup == 0


def test_a_reopened_month_is_not_in_the_latest_history():
    from kefu_xl.engine import month as engine
    g = _closed_october()
    assert {m for m, _ in engine.latest_history(closing.load(g).book.history)} == {Month(2026, 10)}
    g = _write_back(g, closing.plan_reopen(closing.load(g), Month(2026, 10), "漏记"))
    assert engine.latest_history(closing.load(g).book.history) == {}


def test_rule_problems_say_what_is_missing():
    def message(**row):
        rows = [dict(scheme="tmall-30", code="新规则", name="新规则", source="测试", enabled="是", **row)]
        book, _ = readers.read_book(grids("tmall-30", "", rules=presets.rule_rows() + rows))
        _, problems = grammar.compile_rules(book.rules, "tmall-30")
        return [p.message for p in problems if p.code == "E_RULE_PARAM"]
    assert message(kind="评级", params="优:20;良:一般") == ["规则「新规则」：「一般」不是数字"]
    assert message(kind="连续", params="名次=1") == ["规则「新规则」：连续类规则需要参数 月数=N"]


def test_A2_2_ranking_reads_a_metric_rules_value_from_the_metrics_sheet():
    from kefu_xl.core import schema
    from kefu_xl.engine import month as engine
    from kefu_xl.read.tables import grid_from_text
    g = grids("tmall-30", "")
    g[schema.METRICS.name] = grid_from_text(schema.METRICS.name, "月份 工号 指标 值 来源\n"
                                            "2026-11 K01 业绩 50000 手填\n2026-11 K02 业绩 60000 手填")
    book, problems = readers.read_book(g)
    assert not [p for p in problems if p.is_error], problems
    res = engine.compute_month(book)
    got = {p.staff.id: sum((ln.points for ln in p.lines if ln.rule == "业绩排名"), D(0)) for p in res.people}
    assert got == {"K02": 5, "K01": 3, "K03": 0}  # A2-2: 1st +5, 2nd +3; K03 has no 业绩
