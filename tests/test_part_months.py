"""Pay of part months, the minimum wage with or without the employee's own social insurance, the D-3
guarantee at the lawful minimum (DOMAIN §8, D-3, D-4).  Worked by hand; sheets in, close JSON out
where the case is a whole workbook."""
import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

from kefu_xl.close import plan as closing
from kefu_xl.core.model import CAT_LOSS, Line, Month, PersonResult, Source, Staff, Tier
from kefu_xl.payroll.pay import PayInput, PayPolicy, compute_pay
from tests.util import grids

# November 2026: 21 working days (2–6, 9–13, 16–20, 23–27, 30), no public holiday.
STAFF = """
工号 姓名 组别 等级 状态 入职日期 离职日期
K01 张三 A组 初级 在职 2026-11-16 -
K02 李四 A组 初级 离职 2025-03-01 2026-11-05
K03 王五 B组 初级 在职 2025-03-01 -
"""


def _close(settings=()):
    plan = closing.plan_close(closing.load(grids("tmall-30", "", staff=STAFF, settings=settings)))
    assert plan.exit_code == 0, plan.errors
    return {p["id"]: p for p in plan.as_json()["staff"]}, plan


def test_S8_D4_hire_on_the_16th_and_leaver_on_the_5th_paid_by_paid_days():
    staff, plan = _close()
    # hired Monday 16 Nov: paid days 16–20, 23–27, 30 = 11 → 4000 ÷ 21.75 × 11 = 2022.988… = 2022.99
    assert staff["K01"]["pay"]["base"] == "2022.99"
    assert any("计薪天数 11 天" in f for f in staff["K01"]["flags"])
    # left Thursday 5 Nov: paid days 2, 3, 4, 5 = 4 → 4000 ÷ 21.75 × 4 = 735.632… = 735.63, plus seniority
    # 50 × 1 year prorated the same: 50 ÷ 21.75 × 4 = 9.195… = 9.20
    assert staff["K02"]["pay"]["base"] == "744.83"
    assert any("计薪天数 4 天" in f for f in staff["K02"]["flags"])
    # a whole month: the monthly amounts (4000 + seniority 50)
    assert staff["K03"]["pay"]["base"] == "4050.00"
    assert not any("不满月" in f for f in staff["K03"]["flags"])
    # the performance bonus follows the base; commissions and rewards would not; SI is monthly
    k01 = plan.pay_by_id()["K01"]
    assert k01.bonus_standard == D("303.45")  # 2022.99 × 15% = 303.4485
    assert k01.social_insurance == plan.pay_by_id()["K03"].social_insurance


def test_S8_D4_hire_and_leaver_paid_by_days_attended():
    staff, _ = _close(settings=[{"key": "不满月计薪", "value": "出勤天数"}])
    # 4000 × 11 ÷ 21 = 2095.238… = 2095.24 ; 4000 × 4 ÷ 21 = 761.904… = 761.90, seniority 50 × 4 ÷ 21 = 9.52
    assert staff["K01"]["pay"]["base"] == "2095.24"
    assert any("出勤 11 天 / 本月应出勤 21 天" in f for f in staff["K01"]["flags"])
    assert staff["K02"]["pay"]["base"] == "771.42"
    assert staff["K03"]["pay"]["base"] == "4050.00"


def test_S8_paid_days_of_a_part_october_2026_count_the_national_day_holidays():
    # hired Wednesday 30 September, left Friday 9 October: paid days 1, 2, 5 (holidays) + 8, 9 = 5;
    # 6 and 7 October are rest days in lieu of make-up days, not paid
    from kefu_xl.core.calendar import default_calendar
    from kefu_xl.payroll.pay import part_month
    st = Staff("K9", "赵六", "初级", "", dt.date(2026, 9, 30), "", "离职", dt.date(2026, 10, 9))
    part = part_month(st, Month(2026, 10), default_calendar())
    assert (part.days, part.share(D(4000))) == (5, D("919.54"))  # 4000 ÷ 21.75 × 5 = 919.540…
    # a month of 22 paid days would pay more than the monthly amount: capped
    big = replace(part, days=22)
    assert big.share(D(4000)) == D(4000)


# ---------------------------------------------------------------- minimum wage by province
JAN = Month(2026, 1)


def _pay(policy, base="2700", si_base="2700", lines=(), hired=dt.date(2020, 1, 1)):
    st = Staff("S1", "张三", "x", "", hired, "", "在职", None, {"si_base": D(si_base)}, Source("员工", 2))
    pr = PersonResult(st, D(30), D(30), 1, "", True, D(0), D(0), False, (), (), tuple(lines))
    r, probs = compute_pay(PayInput(st, Tier("x", D(base)), pr, JAN), policy)
    assert not [p for p in probs if p.is_error]
    return r


# SI 2700 × (8% + 2% + 0.5%) = 283.50; no housing fund, no floor on the SI base (to keep the numbers plain)
PLAIN = dict(si_floor=D(0), hf_rate=D(0), guarantee_mode="无")


def test_S8_minimum_wage_check_zhejiang_includes_own_social_insurance():
    zj = replace(PayPolicy(month=JAN), min_wage=D(2490), min_includes_si=True, **PLAIN)
    r = _pay(zj)
    assert r.social_insurance == D("283.50")
    assert not any("最低工资" in f for f in r.flags)  # 2700 ≥ 2490
    # Article 16 floor: 赔偿 300; allowed min(20% × 2700 = 540, 2700 − 2490 = 210) = 210
    r = _pay(zj, lines=(Line("S1", "赔偿", D(0), D(-300), CAT_LOSS),))
    assert (r.losses, r.loss_carry) == (D(210), D(90))


def test_S8_minimum_wage_check_shanghai_and_beijing_exclude_own_social_insurance():
    sh = replace(PayPolicy(month=JAN), min_wage=D(2740), min_includes_si=False, **PLAIN)
    r = _pay(sh)
    # 2700 − 283.50 = 2416.50 < 2740
    assert any("扣除个人社保公积金后 2416.50元 低于当地最低工资 2740.00元" in f for f in r.flags)
    bj = replace(sh, min_wage=D(2540))
    # base 3200, SI 336: after SI 2864; Article 16 floor 2864 − 2540 = 324 (20%: 640) → 赔偿 400 takes 324
    r = _pay(bj, base="3200", si_base="3200", lines=(Line("S1", "赔偿", D(0), D(-400), CAT_LOSS),))
    assert r.social_insurance == D("336.00")
    assert (r.losses, r.loss_carry) == (D(324), D(76))
    # the same case where the minimum includes SI: floor 3200 − 2540 = 660, 20% = 640 → 400 in full
    r = _pay(replace(bj, min_includes_si=True), base="3200", si_base="3200",
             lines=(Line("S1", "赔偿", D(0), D(-400), CAT_LOSS),))
    assert (r.losses, r.loss_carry) == (D(400), D(0))


def test_S8_minimum_wage_setting_is_dated():
    from kefu_xl.core.model import Setting
    from kefu_xl.core import settings
    rows = [Setting("最低工资含个人社保", "是", None, Source("参数", 2, "值")),
            Setting("最低工资含个人社保", "否", Month(2026, 7), Source("参数", 3, "值"))]
    assert settings.read(rows).at(Month(2026, 6)).min_includes_si is True
    assert settings.read(rows).at(Month(2026, 7)).min_includes_si is False


# ---------------------------------------------------------------- D-3 at the lawful minimum
def test_D3_guarantee_below_the_minimum_wage_is_raised_to_it_and_said_on_the_payslip():
    # first-year guarantee 2130 against the workbook's minimum 2490: base 1500 is topped up by 990, not 630
    pol = replace(PayPolicy(month=JAN), guarantee_mode="月度", min_wage=D(2490))
    r = _pay(pol, base="1500", si_base="0", hired=dt.date(2026, 1, 1))
    assert (r.guarantee_due, r.guarantee, r.gross) == (D(2490), D(990), D(2490))
    assert any("月保底 2130.00元 低于最低工资 2490.00元，按 2490.00元 保底" in f for f in r.flags)
    # 保底不低于最低工资 = 否: the guarantee as written, with a flag
    r = _pay(replace(pol, guarantee_min=False), base="1500", si_base="0", hired=dt.date(2026, 1, 1))
    assert (r.guarantee, r.gross) == (D(630), D(2130))
    assert any("低于最低工资" in f for f in r.flags)


def test_D3_guarantee_where_the_minimum_excludes_social_insurance_covers_it():
    # Shanghai 2740 excluding SI; SI on 2000 (no floor): 210 → the guarantee must pay 2740 + 210 = 2950
    pol = replace(PayPolicy(month=JAN), guarantee_mode="月度", min_wage=D(2740), min_includes_si=False,
                  si_floor=D(0), hf_rate=D(0))
    r = _pay(pol, base="1500", si_base="2000", hired=dt.date(2026, 1, 1))
    assert (r.social_insurance, r.guarantee_due, r.gross) == (D("210.00"), D("2950.00"), D("2950.00"))
    assert r.gross - r.social_insurance == D(2740)


def test_S8_one_unknown_tier_is_one_problem():
    staff = "工号 姓名 组别 等级 状态\nK01 张三 A组 神级 在职"
    plan = closing.plan_close(closing.load(grids("tmall-30", "", staff=staff)))
    tiers = [p for p in plan.as_json()["problems"] if "等级" in p["message"] and p["code"].startswith("E_")]
    assert [(p["code"], p["sheet"], p["row"], p["column"]) for p in tiers] == [("E_UNKNOWN_TIER", "员工", 2, "等级")]


def test_D5_public_commission_rate_setting_is_dropped_with_a_warning():
    plan = closing.plan_close(closing.load(grids("tmall-30", "", settings=[{"key": "公共提成比例", "value": "1%"}])))
    warn = [p for p in plan.as_json()["problems"] if p["code"] == "W_SETTING_UNUSED"]
    assert len(warn) == 1 and "规则" in warn[0]["message"]
