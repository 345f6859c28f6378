"""Payroll core (issue 4): hand-worked numbers, DOMAIN IDs in the test names."""
import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest

from kefu_xl.core.grid import Grid
from kefu_xl.core import settings
from kefu_xl.core.model import (CAT_COMMISSION, CAT_FINE, CAT_LOSS, CAT_POINTS, CAT_REWARD, Line, Month, PersonResult,
                           Setting, Source, Staff, Tier)
from kefu_xl.payroll.pay import (HISTORY_COLUMNS, SHEET_HEADER, PayInput, PayPolicy, compute_pay, compute_payroll, cumulative_tax,
                             full_months, parse_rate, pay_history_from_grid, pay_history_sheet, pay_json, pay_parts,
                             payroll_sheet, payroll_totals, payslip_sheet, public_commission_share,
                             year_end_adjustment)

JAN = Month(2026, 1)


# ---------------------------------------------------------------- builders
def staff(sid="S1", name="张三", tier="初级", hired=dt.date(2025, 6, 1), left=None, status="在职", **extra):
    return Staff(sid, name, tier, "售前", hired, "一组", status, left, extra, Source("员工", 2))


def tier(name="初级", base="4000", **extra):
    ex = {k: (D(v) if isinstance(v, (str, int)) and k != "promote_to" else v) for k, v in extra.items()}
    return Tier(name, D(base), ex, Source("等级", 2))


def line(sid, category, amount, rule="R"):
    return Line(sid, rule, D(0), D(str(amount)), category)


def person(st, score="30", passed=True, cut="0", pct="0", excluded=False, lines=()):
    return PersonResult(st, D(score), D(score), 1, "", passed, D(cut), D(pct), excluded, (), (), tuple(lines))


def pay(st=None, tr=None, month=JAN, policy=None, prior=(), pr=None, **kw):
    st = st or staff()
    tr = tr if tr is not None else tier()
    pr = pr if pr is not None else person(st)
    r, probs = compute_pay(PayInput(st, tr, pr, month, **kw), policy or PayPolicy(month=month), prior)
    assert not [p for p in probs if p.is_error], probs
    # every result obeys the identities
    assert r.gross == (r.base_pay + r.skill_allowance + r.seniority_pay + r.performance_bonus + r.rewards
                       + r.commission + r.guarantee)
    assert r.deductions_total == r.fines + r.losses + r.social_insurance + r.housing_fund + r.tax
    assert r.net == r.gross - r.deductions_total
    return r


def run_months(st, tr, months, policy=None, lines_by_month=None, **kw):
    """Close consecutive months; returns the results, history carried between them."""
    prior, out = [], []
    lines_by_month = lines_by_month or {}
    for m in months:
        pr = person(st, lines=lines_by_month.get(m, ()))
        r = pay(st, tr, m, policy or PayPolicy(month=m), tuple(prior), pr, **kw)
        prior.append(r.history())
        out.append(r)
    return out


def no_si(**extra):
    return staff(si_base=D(0), **extra)


# ---------------------------------------------------------------- settings
def S(key, value, since=None, row=5):
    return Setting(key, value, since, Source("参数", row, "值"))


def policy_for(rows, month):
    s = settings.read(rows).at(month)
    return s, list(s.problems)


def test_settings_defaults_documented_values():
    pol, probs = policy_for([], JAN)
    assert probs == []
    assert pol.min_wage == D(2490) and pol.pension_rate == D("0.08") and pol.medical_rate == D("0.02")
    assert pol.unemployment_rate == D("0.005") and pol.hf_rate == D("0.05")
    assert pol.guarantee == (D(2130), D(2330), D(2630)) and pol.guarantee_mode == "年度"
    assert pol.over_line == D(25) and pol.guarantee_min and pol.min_includes_si and pol.part_method == "计薪天数"
    assert pol.deduction_base == "应发" and pol.deduction_cap and pol.fines_count


def test_S8_dated_minimum_wage_change_from_july_applies_in_july_and_march_reclose_uses_march():
    settings = [S("最低工资", 2490, None, 3), S("最低工资", "2,690元", Month(2026, 7), 4),
                S("公积金比例", "5%", None, 5), S("公积金比例", "8%", Month(2026, 4), 6)]
    assert policy_for(settings, Month(2026, 6))[0].min_wage == D(2490)
    assert policy_for(settings, Month(2026, 7))[0].min_wage == D(2690)
    assert policy_for(settings, Month(2026, 12))[0].min_wage == D(2690)
    march, probs = policy_for(settings, Month(2026, 3))
    assert probs == [] and march.min_wage == D(2490) and march.hf_rate == D("0.05")
    assert policy_for(settings, Month(2026, 4))[0].hf_rate == D("0.08")
    # the minimum wage change moves the Article 16 floor: 3000 gross, 600 loss
    st, tr = staff(), tier(base="3000")
    lines = (line("S1", CAT_LOSS, -600),)
    jun = pay(st, tr, Month(2026, 6), policy_for(settings, Month(2026, 6))[0], pr=person(st, lines=lines))
    jul = pay(st, tr, Month(2026, 7), policy_for(settings, Month(2026, 7))[0], pr=person(st, lines=lines),
              carried_loss=D(0))
    assert jun.losses == D("510.00")  # 3000 − 2490
    assert jul.losses == D("310.00")  # 3000 − 2690


def test_S8_setting_values_in_many_spellings():
    assert parse_rate("8%") == parse_rate("0.08") == parse_rate(8) == parse_rate("８％") == parse_rate(0.08) == D("0.08")
    pol, probs = policy_for([S("养老保险比例", "８％"), S("医疗保险比例", 2), S("最低工资", "２４９０"),
                             S("扣款封顶", "否"), S("保底工资", "2130；2330；2630"), S("保底结算", "月度"),
                             S("扣款工资口径", "扣社保后"), S("年度考核不合格调整", "-10%")], JAN)
    assert probs == []
    assert pol.pension_rate == D("0.08") and pol.medical_rate == D("0.02") and pol.min_wage == D(2490)
    assert pol.deduction_cap is False and pol.guarantee_mode == "月度" and pol.deduction_base == "扣社保后"
    assert pol.grade_fail == D("-0.10")


def test_S8_bad_setting_values_are_problems_at_the_cell():
    pol, probs = policy_for([S("失业保险比例", 0.5, row=7), S("最低工资", "两千", row=8),
                             S("扣款封顶", "也许", row=9), S("公积金比例", "3%", row=10)], JAN)
    by_row = {p.row: p for p in probs}
    assert by_row[7].code == "E_SETTING_RANGE" and by_row[7].sheet == "参数" and by_row[7].column == "值"
    assert "0.5%" in by_row[7].message
    assert by_row[8].code == "E_SETTING_VALUE" and by_row[9].code == "E_SETTING_VALUE"
    assert by_row[10].code == "E_SETTING_RANGE"
    assert all(p.is_error for p in probs)
    # defaults are used instead
    assert pol.unemployment_rate == D("0.005") and pol.min_wage == D(2490) and pol.hf_rate == D("0.05")


def test_S8_si_floor_above_ceiling_is_an_error():
    pol, probs = policy_for([S("社保基数下限", 30000, row=3), S("社保基数上限", 20000, row=4)], JAN)
    assert [p.code for p in probs] == ["E_SETTING_RANGE"] and probs[0].row == 4
    assert pol.si_floor == D(4812)


# ---------------------------------------------------------------- components
def test_D1_K8_base_allowance_and_bonus_rate():
    tr = tier("中级", "5000", bonus_rate=D("0.2"), skill_allowance="1500")
    r = pay(staff(tier="中级"), tr)
    assert (r.base_pay, r.skill_allowance, r.bonus_standard, r.performance_bonus) == (
        D("5000.00"), D("1500.00"), D("1000.00"), D("1000.00"))


def test_D4_seniority_pay_full_years_capped():
    tr = tier(seniority_step="100", seniority_cap="300")
    assert pay(staff(hired=dt.date(2024, 2, 1)), tr).seniority_pay == D(100)  # 1 full year at 2026-01-31
    assert pay(staff(hired=dt.date(2024, 2, 1)), tr, Month(2026, 2)).seniority_pay == D(200)  # 2 at 02-28
    assert pay(staff(hired=dt.date(2018, 1, 1)), tr).seniority_pay == D(300)  # 8 years, capped
    assert pay(staff(hired=dt.date(2025, 12, 1)), tr).seniority_pay == D(0)
    assert full_months(dt.date(2026, 1, 31), dt.date(2026, 2, 28)) == 1


def test_A2_12_bonus_cut_applies_to_the_bonus():
    st, tr = staff(), tier(bonus_rate=D("0.15"))  # standard bonus 600
    assert pay(st, tr, pr=person(st, cut="0.10")).performance_bonus == D("540.00")
    r = pay(st, tr, pr=person(st, cut="0.30"))
    assert (r.bonus_cut_amount, r.performance_bonus) == (D("180.00"), D("420.00"))
    assert pay(st, tr, pr=person(st, cut="1.00")).performance_bonus == D("0.00")


def test_A2_7_per_point_bonus_from_engine_or_settings():
    st, tr = staff(), tier(bonus_rate=D("0.15"))
    # engine: 3 points above 25 × 2% = 6% of the 600 standard bonus = 36
    r = pay(st, tr, pr=person(st, score="28", pct="0.06"))
    assert (r.bonus_extra, r.performance_bonus) == (D("36.00"), D("636.00"))
    # settings: 超分奖金比例 2% computed here from the score, engine's pct ignored
    pol = policy_for([S("超分奖金比例", "2%"), S("超分线", 25)], JAN)[0]
    r = pay(st, tr, policy=pol, pr=person(st, score="28.5", pct="0"))
    assert r.bonus_extra == D("42.00")  # 3.5 × 2% × 600
    assert pay(st, tr, policy=pol, pr=person(st, score="24")).bonus_extra == D(0)


def test_K1_failed_appraisal_means_no_kpi_bonus():
    st, tr = staff(), tier(bonus_rate=D("0.15"))
    r = pay(st, tr, pr=person(st, score="85", passed=False))
    assert r.performance_bonus == D(0) and r.bonus_void == D("600.00")
    assert any("K-1" in f for f in r.flags)
    pol = replace(PayPolicy(month=JAN), fail_no_bonus=False)
    assert pay(st, tr, policy=pol, pr=person(st, passed=False)).performance_bonus == D("600.00")


def test_D8_excluded_from_appraisal_gets_no_bonus():
    st = staff()
    r = pay(st, tier(bonus_rate=D("0.10")), pr=person(st, excluded=True))
    assert r.performance_bonus == 0 and any("D-8" in f for f in r.flags)


def test_D9_year_grade_adjusts_performance_pay():
    st, tr = staff(), tier(bonus_rate=D("0.15"))  # 600
    assert pay(st, tr, year_grade="优秀").performance_bonus == D("660.00")
    assert pay(st, tr, year_grade="良好").performance_bonus == D("630.00")
    assert pay(st, tr, year_grade="合格").performance_bonus == D("600.00")
    assert pay(st, tr, year_grade="不合格").performance_bonus == D("570.00")
    assert pay(staff(年度考核="优秀"), tr).grade_adjust == D("60.00")
    assert year_end_adjustment(D("7200"), "良好", PayPolicy()) == D("360.00")
    with pytest.raises(ValueError):
        year_end_adjustment(D(1), "很好", PayPolicy())


def test_D5_public_commission_share():
    # 1,234,567 × 0.5% = 6172.835 ÷ 7 = 881.8335… -> 881.83
    assert public_commission_share(D("1234567"), 7, D("0.005")) == D("881.83")
    assert public_commission_share("200000", 3, "0.5%") == D("333.33")
    assert public_commission_share(D("1000"), 0) == D(0)
    r = pay(public_commission=D("333.33"), pr=person(staff(), lines=(line("S1", CAT_COMMISSION, "120.5"),)))
    assert (r.commission_personal, r.commission_public, r.commission) == (D("120.50"), D("333.33"), D("453.83"))


def test_C1_C2_C5_rewards_and_commission_lines_are_summed_by_category():
    st = staff()
    lines = (line("S1", CAT_REWARD, 100, "C-1"), line("S1", CAT_REWARD, 270, "C-2"),
             line("S1", CAT_COMMISSION, "45.555", "C-5"), line("S1", CAT_POINTS, 0, "A2-2"))
    r = pay(st, pr=person(st, lines=lines))
    assert r.rewards == D("370.00") and r.commission == D("45.56")
    assert len(r.items) == 3


def test_D1_personal_sales_times_tier_commission_rate():
    r = pay(tr=tier(commission_rate=D("0.01")), personal_sales=D("123456.78"))
    assert r.commission_personal == D("1234.57")


def test_D2_promotion_flag_after_three_months():
    tr = tier(promote_to="中级", promote_months=3)
    st = staff(hired=dt.date(2026, 1, 15))
    assert not any("晋升" in f for f in pay(st, tr, Month(2026, 3)).flags)
    r = pay(st, tr, Month(2026, 4))
    assert "可申请晋升至中级（本等级已满3个月，要求3个月，需通过考核）" in r.flags
    # 定级日期 overrides the hire date
    st2 = staff(hired=dt.date(2024, 1, 1), 定级日期=dt.date(2026, 3, 1))
    assert not any("晋升" in f for f in pay(st2, tr, Month(2026, 4)).flags)


# ---------------------------------------------------------------- social insurance
def test_S8_social_insurance_clamped_at_floor_and_ceiling():
    low = pay(staff(si_base=D(3000)))
    assert low.si_base == D(4812)
    assert (low.pension, low.medical, low.unemployment) == (D("384.96"), D("96.24"), D("24.06"))
    assert low.hf_base == D(3000) and low.housing_fund == D("150.00")
    high = pay(staff(si_base=D(30000)))
    assert high.si_base == D(24930)
    assert (high.pension, high.medical, high.unemployment) == (D("1994.40"), D("498.60"), D("124.65"))
    assert high.housing_fund == D("1500.00")
    # no 社保基数: the tier base pay 4000 -> floor 4812; housing fund on 4000
    dflt = pay()
    assert dflt.si_base == D(4812) and dflt.hf_base == D(4000) and dflt.housing_fund == D("200.00")
    assert pay(no_si()).social_insurance == 0


# ---------------------------------------------------------------- income tax
def test_S8_tax_crosses_into_10_percent_bracket_in_month_3():
    # base 20000 + bonus 10% = 22000 a month.  SI base 20000: pension 1600, medical 400,
    # unemployment 100 (= 2100), housing fund 5% 1000 -> 3100.  A per month = 22000 − 5000 − 3100 = 13900.
    # M1: A=13900  3%           = 417.00              -> withhold 417.00
    # M2: A=27800  3%           = 834.00  − 417.00    -> withhold 417.00
    # M3: A=41700  10% − 2520   = 1650.00 − 834.00    -> withhold 816.00
    # M4: A=55600  10% − 2520   = 3040.00 − 1650.00   -> withhold 1390.00
    st, tr = staff(si_base=D(20000)), tier(base="20000", bonus_rate=D("0.10"))
    rs = run_months(st, tr, [Month(2026, m) for m in (1, 2, 3, 4)])
    assert [r.tax for r in rs] == [D("417.00"), D("417.00"), D("816.00"), D("1390.00")]
    assert [r.tax_rate for r in rs] == [D("0.03"), D("0.03"), D("0.10"), D("0.10")]
    assert rs[0].social_insurance == D("2100.00") and rs[0].housing_fund == D("1000.00")
    assert rs[0].net == D("18483.00")  # 22000 − 2100 − 1000 − 417
    assert rs[2].net == D("18084.00")  # 22000 − 3100 − 816


def test_S8_tax_negative_month_withholds_zero_then_resumes():
    # no SI (社保基数 0).  Jan 4000 + reward 3000 = 7000: A1 = 2000 -> 60.00
    # Feb 4000: A2 = 2000 − 1000 = 1000 -> cumulative 30.00 < 60.00 withheld -> 0 (no refund)
    # Mar 4000 + reward 4000 = 8000: A3 = 1000 + 3000 = 4000 -> 120.00 − 60.00 − 0 = 60.00
    st, tr = no_si(), tier()
    rs = run_months(st, tr, [Month(2026, 1), Month(2026, 2), Month(2026, 3)],
                    lines_by_month={Month(2026, 1): (line("S1", CAT_REWARD, 3000),),
                                    Month(2026, 3): (line("S1", CAT_REWARD, 4000),)})
    assert [r.tax for r in rs] == [D("60.00"), D("0.00"), D("60.00")]
    assert rs[1].tax_cum == D("30.00") and rs[1].net == D("4000.00")
    assert [r.tax_months for r in rs] == [1, 2, 3]


def test_S8_tax_with_special_additional_deductions():
    # base 12000; SI base 6000: 480 + 120 + 30 = 630, housing fund 300; special deductions
    # 5000 (elderly support 3000 + one child 2000).  A per month = 12000 − 5000 − 930 − 5000 = 1070.
    # M1: 1070 × 3% = 32.10; M2: 2140 -> 64.20 − 32.10 = 32.10; M3: 3210 -> 96.30 − 64.20 = 32.10
    st, tr = staff(si_base=D(6000), special_deduction=D(5000)), tier(base="12000")
    rs = run_months(st, tr, [Month(2026, m) for m in (1, 2, 3)])
    assert [r.tax for r in rs] == [D("32.10")] * 3
    assert rs[2].tax_base_cum == D("3210.00")
    # without them: 6070 × 3% = 182.10
    assert pay(staff(si_base=D(6000)), tr).tax == D("182.10")


def test_S8_tax_ignores_last_years_months_and_counts_only_months_with_records():
    st, tr = no_si(), tier(base="10000")
    old = run_months(st, tr, [Month(2025, 12)])[0].history()
    r = pay(st, tr, Month(2026, 1), prior=(old,))
    assert r.tax_months == 1 and r.tax == D("150.00")  # (10000 − 5000) × 3%
    # hired in July: the first pay record is July, so 5000 × 1 is deducted
    jul = pay(no_si(hired=dt.date(2026, 7, 1)), tr, Month(2026, 7))
    assert jul.tax_months == 1 and jul.tax == D("150.00")
    assert cumulative_tax(D("144000")) == D("11880.00") and cumulative_tax(D("144000.01")) == D("11880.00")


# ---------------------------------------------------------------- Article 16
def test_S8_article16_twenty_percent_limit_binds_and_carries_over():
    # gross 5000; loss 1500; 20% = 1000, 5000 − 2490 = 2510 -> allowed 1000; 500 carried
    st, tr = staff(), tier(base="5000")
    r = pay(st, tr, pr=person(st, lines=(line("S1", CAT_LOSS, -1500),)))
    assert (r.deduction_limit, r.losses, r.loss_carry) == (D("1000.00"), D("1000.00"), D("500.00"))
    assert any("第十六条" in f and "20%限额 1000.00元" in f for f in r.flags)
    # next month picks up the carried 500 automatically
    r2 = pay(st, tr, Month(2026, 2), prior=(r.history(),))
    assert (r2.carried_in, r2.losses, r2.loss_carry) == (D("500.00"), D("500.00"), D("0.00"))
    # 扣款封顶 否: deducted in full, only flagged
    nocap = replace(PayPolicy(month=JAN), deduction_cap=False)
    r3 = pay(st, tr, policy=nocap, pr=person(st, lines=(line("S1", CAT_LOSS, -1500),)))
    assert r3.losses == D("1500.00") and r3.loss_carry == 0 and any("第十六条" in f for f in r3.flags)


def test_S8_article16_minimum_wage_limit_binds():
    # gross 3000; loss 600; 20% = 600 but 3000 − 2490 = 510 -> 510 deducted, 90 carried
    st, tr = staff(), tier(base="3000")
    r = pay(st, tr, pr=person(st, lines=(line("S1", CAT_LOSS, -600),)))
    assert (r.losses, r.loss_carry) == (D("510.00"), D("90.00"))
    assert any("最低工资" in f and "第十六条" in f for f in r.flags)
    assert r.gross - r.losses == D(2490)


def test_S8_article16_wage_base_setting_changes_the_answer():
    # 扣社保后: W = 5000 − 525 (SI on 5000) − 250 (HF) = 4225; 20% = 845
    st, tr = staff(si_base=D(5000)), tier(base="5000")
    pr = person(st, lines=(line("S1", CAT_LOSS, -1500),))
    gross_based = pay(st, tr, pr=pr)
    after_si = pay(st, tr, policy=replace(PayPolicy(month=JAN), deduction_base="扣社保后"), pr=pr)
    assert gross_based.losses == D("1000.00")
    assert after_si.social_insurance == D("525.00") and after_si.housing_fund == D("250.00")
    assert (after_si.losses, after_si.loss_carry) == (D("845.00"), D("655.00"))


def test_S8_article16_fines_count_towards_the_limit_by_setting():
    st, tr = staff(), tier(base="5000")
    pr = person(st, lines=(line("S1", CAT_FINE, -800), line("S1", CAT_LOSS, -500)))
    # 是: 1300 wanted, limit 1000: 赔偿 500 first, 罚款 500, 300 of the fine waived
    r = pay(st, tr, pr=pr)
    assert (r.losses, r.fines, r.fines_waived, r.loss_carry) == (D(500), D(500), D(300), D(0))
    assert r.taxable == D("4500.00")
    # 否: the fine is a pay reduction (W = 4200, limit 840); the 500 loss fits
    r2 = pay(st, tr, policy=replace(PayPolicy(month=JAN), fines_count=False), pr=pr)
    assert (r2.fines, r2.losses, r2.deduction_limit) == (D(800), D(500), D("840.00"))
    assert not any("第十六条" in f for f in r2.flags)


def test_S8_article16_limit_rounds_down_to_the_fen():
    st, tr = no_si(), tier(base="4999.99")
    r = pay(st, tr, pr=person(st, lines=(line("S1", CAT_LOSS, -2000),)))
    assert r.losses == D("999.99")  # 20% of 4999.99 = 999.998, never above 20%


# ---------------------------------------------------------------- guarantee D-3
def test_D3_guarantee_tops_up_first_year():
    st, tr = no_si(hired=dt.date(2026, 1, 1)), tier("实习", "1500")
    # the 2012 minimum of C-8 (1310), below the guarantee: the guarantee itself is paid
    r = pay(st, tr, policy=replace(PayPolicy(month=JAN), guarantee_mode="月度", min_wage=D(1310)))
    assert (r.guarantee_basis, r.guarantee_due, r.guarantee, r.gross) == (D(1500), D(2130), D(630), D(2130))
    assert pay_json(r)["base"] == "2130.00"


def test_D3_guarantee_by_year_of_service():
    tr = tier("实习", "1500")
    low = replace(PayPolicy(month=JAN), min_wage=D(1310))
    assert pay(no_si(hired=dt.date(2024, 12, 15)), tr, policy=low).guarantee_due == D(2330)  # 1 full year at 2026-01-31
    assert pay(no_si(hired=dt.date(2023, 6, 1)), tr, policy=low).guarantee_due == D(2630)
    assert pay(no_si(hired=dt.date(2016, 6, 1)), tr, policy=low).guarantee_due == D(2630)
    assert pay(no_si(), tr, policy=replace(PayPolicy(month=JAN), guarantee_mode="无")).guarantee == 0


def _year(mode, commissions, min_wage=D(1310), left=None, guarantee_min=True):
    st = no_si(hired=dt.date(2026, 1, 1), left=left)
    tr = tier("实习", "1500")
    months = [Month(2026, m) for m in range(1, len(commissions) + 1)]
    lines = {m: (line("S1", CAT_COMMISSION, c),) for m, c in zip(months, commissions) if c}
    pols = {m: replace(PayPolicy(month=m), guarantee_mode=mode, min_wage=min_wage, guarantee_min=guarantee_min)
            for m in months}
    prior, out = [], []
    for m in months:
        r = pay(st, tr, m, pols[m], tuple(prior), person(st, lines=lines.get(m, ())))
        prior.append(r.history())
        out.append(r)
    return out


def test_D3_guarantee_yearly_settlement_recovers_topups_from_other_months():
    # bases: Jan 1500 (top-up 630), Feb 3000 (870 above), Mar–Nov 2130, Dec 2500.
    # Σ guarantee 12 × 2130 = 25560 ≤ Σ bases 26170 -> nothing due for the year; 630 paid is recovered in Dec.
    comm = [0, 1500] + [630] * 9 + [1000]
    rs = _year("年度", comm)
    assert rs[0].guarantee == D(630) and all(r.guarantee == 0 for r in rs[1:11])
    dec = rs[11]
    assert (dec.guarantee_topup, dec.guarantee_settle, dec.gross) == (D(0), D(-630), D(1870))
    assert sum(r.gross for r in rs) == D(26170)
    # monthly mode: never recovered
    assert _year("月度", comm)[11].guarantee == 0


def test_D3_guarantee_yearly_settlement_never_below_guarantee_times_months():
    # Jan 1500 (top-up 630), Feb 2430 (300 above), Mar–Dec 2130: due for the year 630 − 300 = 330,
    # paid 630 -> recover 300 in Dec; the year ends exactly at 12 × 2130.
    rs = _year("年度", [0, 930] + [630] * 10)
    assert rs[11].guarantee_settle == D(-300)
    assert sum(r.gross for r in rs) == D(12 * 2130)


def test_D3_guarantee_recovery_stops_at_the_minimum_wage():
    # same year as above but the minimum wage is 2490 (and the guarantee left below it: 保底不低于最低工资 否):
    # Dec 2500 may only lose 10, 620 waived
    rs = _year("年度", [0, 1500] + [630] * 9 + [1000], min_wage=D(2490), guarantee_min=False)
    dec = rs[11]
    assert dec.guarantee_settle == D(-10) and dec.gross == D(2490)
    assert any("免扣 620.00元" in f for f in dec.flags)


def test_D3_guarantee_settled_in_the_month_the_person_leaves():
    # leaves 2026-04-20: Jan 1500 (+630), Feb 3000, Mar 2130, Apr 2130 -> 630 recovered in April
    rs = _year("年度", [0, 1500, 630, 630], left=dt.date(2026, 4, 20))
    assert [r.guarantee for r in rs] == [D(630), D(0), D(0), D(-630)]


# ---------------------------------------------------------------- totals, sheets, JSON
def _crowd():
    inputs = []
    for i in range(20):
        sid = f"K{i:03d}"
        st = staff(sid, f"员工{i}", hired=dt.date(2020 + i % 6, 1 + i % 12, 1 + i % 27),
                   si_base=D("4321.37") + D(i) * D("777.77"), special_deduction=D(1000 * (i % 3)))
        tr = tier("初级", D("4321.27") + D(i) * D("311.11"), bonus_rate=D("0.137"), skill_allowance="333.33",
                  seniority_step="55.55", seniority_cap="150")
        lines = (line(sid, CAT_REWARD, D("33.333") * (i % 4)), line(sid, CAT_COMMISSION, D("1000") / D(7 + i)),
                 line(sid, CAT_FINE, -D("10.005") * (i % 5)), line(sid, CAT_LOSS, -D("123.456") * (i % 2)))
        pr = person(st, score=str(20 + i % 12), cut=("0.10" if i % 3 == 0 else "0"),
                    pct=("0.017" if i % 4 == 1 else "0"), passed=(i != 7), lines=lines)
        inputs.append(PayInput(st, tr, pr, Month(2026, 3),
                               public_commission=public_commission_share(D("987654.32"), 20)))
    return inputs


def test_S8_totals_add_up_exactly_over_twenty_people():
    results, probs = compute_payroll(_crowd(), PayPolicy(month=Month(2026, 3)))
    assert not probs and len(results) == 20
    tot = payroll_totals(results)
    for key in ("gross", "net", "tax", "social_insurance", "housing_fund", "fines", "losses", "commission"):
        assert tot[key] == sum(getattr(r, key) for r in results)
        assert tot[key] == tot[key].quantize(D("0.01"))
    assert tot["net"] == tot["gross"] - tot["deductions_total"]
    assert tot["count"] == 20
    sheet = payroll_sheet(results, Month(2026, 3))
    assert sheet.name == "工资表" and sheet.header == SHEET_HEADER
    assert sheet.header == ("工号", "姓名", "组别", "等级", "基本工资", "技能津贴", "工龄工资", "绩效奖金", "奖励", "提成",
                            "保底补差", "应发合计", "罚款", "赔偿", "社保个人", "公积金个人", "个税", "扣款合计", "实发合计",
                            "备注")
    body, last = sheet.rows[:-1], sheet.rows[-1]
    assert last[0] == "合计" and len(body) == 20
    for c, typ in enumerate(sheet.types):
        if typ == "money":
            assert last[c] == sum(row[c] for row in body), sheet.header[c]
    h = {name: i for i, name in enumerate(sheet.header)}
    for row in sheet.rows:  # row identities, totals row included
        earn = sum(row[h[k]] for k in ("基本工资", "技能津贴", "工龄工资", "绩效奖金", "奖励", "提成", "保底补差"))
        ded = sum(row[h[k]] for k in ("罚款", "赔偿", "社保个人", "公积金个人", "个税"))
        assert earn == row[h["应发合计"]] and ded == row[h["扣款合计"]]
        assert row[h["实发合计"]] == row[h["应发合计"]] - row[h["扣款合计"]]
    # the JSON pay objects add up too
    nets = sum(D(pay_json(r)["net"]) for r in results)
    assert nets == tot["net"]


def test_S8_pay_json_is_the_contract_object():
    st = staff()
    r = pay(st, tier(bonus_rate=D("0.15"), skill_allowance="500"), public_commission=D("100"),
            pr=person(st, lines=(line("S1", CAT_REWARD, 50), line("S1", CAT_FINE, -30))))
    j = pay_json(r)
    assert list(j) == ["base", "commission", "bonus", "deductions", "gross", "social_insurance", "tax", "net"]
    assert all(isinstance(v, str) and v.split(".")[1].__len__() == 2 for v in j.values())
    assert j["base"] == "4500.00" and j["bonus"] == "650.00" and j["commission"] == "100.00"
    assert j["gross"] == "5250.00" and j["deductions"] == "30.00"
    assert D(j["net"]) == D(j["gross"]) - D(j["deductions"]) - D(j["social_insurance"]) - D(j["tax"])
    assert pay_parts(r)["net"] == r.net


def test_D12_payslip_sheet_layout_cut_apart():
    results, _ = compute_payroll(_crowd()[:13], PayPolicy(month=Month(2026, 3)))
    sh = payslip_sheet(results, Month(2026, 3))
    assert sh.name == "工资条" and sh.header[0] == "月份" and sh.header[1:] == SHEET_HEADER
    # rows: p1, blank, header, p2, blank, header, p3 ...
    assert sh.rows[0][1] == "K000" and all(v == "" for v in sh.rows[1]) and sh.rows[2] == sh.header
    assert sh.rows[3][1] == "K001"
    assert len(sh.rows) == 13 + 12 * 2
    assert sh.extra["header_rows"][:3] == [1, 4, 7]
    assert sh.extra["paper"] == "A4" and sh.extra["fit_to_width"] is True
    assert sh.extra["row_breaks"] == [36]  # after the blank row that follows person 12 (sheet row 35 + 1)
    # sheet row 36 (rows[34]) is blank and row 37 (rows[35]) is the header above person 13
    assert all(v == "" for v in sh.rows[34]) and sh.rows[35] == sh.header and sh.rows[36][1] == "K012"


def test_S8_pay_history_round_trip():
    results, _ = compute_payroll(_crowd()[:3], PayPolicy(month=Month(2026, 3)))
    sh = pay_history_sheet([r.history() for r in results])
    grid = Grid.of("工资历史", [sh.header] + [list(r) for r in sh.rows])
    back, probs = pay_history_from_grid(grid)
    assert probs == [] and back == [r.history() for r in results]


def test_S8_pay_history_reader_reports_each_bad_amount_even_when_values_repeat():
    """工资历史 cells are read once per distinct value; a bad cell is still a problem on its own row,
    and TRUE is not read as the 1 of another row."""
    head = [h for h, _ in HISTORY_COLUMNS]
    zeros = [0] * (len(head) - 3)
    grid = Grid.of("工资历史", [head,
                             ["2026-01", "S1", 5000, *zeros],
                             ["2026-01", "S2", 5000.0, *zeros],
                             ["2026-01", "S3", "五千", *zeros],
                             ["2026-01", "S4", 1, *zeros],
                             ["2026-01", "S5", True, *zeros],
                             ["2026-13", "S6", 1, *zeros],
                             ["2026-02", "S1", "", *zeros]])
    back, probs = pay_history_from_grid(grid)
    assert [(h.staff_id, h.month, h.gross) for h in back] == [
        ("S1", JAN, D("5000.00")), ("S2", JAN, D("5000.00")), ("S4", JAN, D("1.00")),
        ("S1", Month(2026, 2), D("0"))]
    assert [(p.code, p.row, p.column) for p in probs] == [
        ("E_PAY_HISTORY", 4, "应发合计"), ("E_PAY_HISTORY", 6, "应发合计"), ("E_PAY_HISTORY", 7, "月份")]
