"""Payroll: the month's pay of every customer-service member, as a pure core.

Input records come from `kefu_xl.core.model` (Staff, Tier, Setting and the engine's
PersonResult); output is a `PayResult` per person, the 工资表 and 工资条 sheets
as `grid.SheetOut`s and the CONTRACT ``pay`` object.  All money is `Decimal`,
rounded half up at the fen with `model.money()`; every figure that is summed is
rounded first, so totals add up exactly.  No openpyxl, no xlwings here (the
encrypted payslip files are written by `kefu_xl.xlsx.payslips`).

Settings (参数 sheet, 项目 / 值 / 生效月份)
------------------------------------------
Every key may be dated: for a month, the row with the latest 生效月份 not after
the month is used (a blank 生效月份 counts as "always", older than any date),
so a change from 2026-07 applies from July's close and re-closing March uses
March's values.  Rows with a blank 值 are ignored.  Two rows with the same key
and the same 生效月份: the lower row wins, with a warning.

| 项目 (key) | default | meaning |
|---|---|---|
| 最低工资 | 2490 | local monthly minimum wage (Zhejiang tier 1 / Hangzhou urban from 2024-01) |
| 养老保险比例 | 8% | employee pension rate |
| 医疗保险比例 | 2% | employee medical rate |
| 失业保险比例 | 0.5% | employee unemployment rate |
| 公积金比例 | 5% | employee housing fund rate: 0 (not enrolled) or 5%–12% |
| 社保基数下限 | 4812 | social insurance base floor (example figure, Hangzhou-typical 2025) |
| 社保基数上限 | 24930 | social insurance base ceiling (example figure) |
| 公积金基数下限 | 2490 | housing fund base floor (example figure) |
| 公积金基数上限 | 39530 | housing fund base ceiling (example figure) |
| 个税起征 | 5000 | monthly basic deduction of the cumulative IIT method |
| 扣款工资口径 | 应发 | "that month's wage" of Article 16: 应发 (gross) or 扣社保后 (gross − personal SI/HF) |
| 扣款比例上限 | 20% | Article 16: deductions at most this share of the month's wage |
| 扣款封顶 | 是 | 是: cap deductions at the Article 16 limits; 否: deduct in full, only flag |
| 罚款计入扣款限额 | 是 | 是: 罚款 (performance deductions) count with 赔偿 towards the limit |
| 保底工资 | 2130;2330;2630 | D-3 monthly guarantee by year of service (last figure for all later years) |
| 保底结算 | 年度 | 年度: monthly top-up, settled at the year end; 月度: top-up, never recovered; 无: no guarantee |
| 保底不低于最低工资 | 是 | 是: a D-3 guarantee below the lawful minimum is raised to it (paying less is unlawful); 否: only flagged |
| 最低工资含个人社保 | 是 | 是: the minimum wage includes the employee's own social insurance and housing fund (most provinces: Zhejiang, Jiangsu, Guangdong …; Anhui since 2023); 否: it excludes them, the pay after them must reach the minimum (Beijing, Shanghai) |
| 不满月计薪 | 计薪天数 | a month worked in part (hired or leaving within it): 计薪天数 = monthly amount ÷ 21.75 × paid days, capped at the monthly amount; 出勤天数 = monthly amount × days attended ÷ the month's scheduled working days |
| 超分线 | 25 | A2-7 line above which each point earns extra bonus |
| 超分奖金比例 | 0 | A2-7 extra share of the month bonus per point above the line; 0 = use the engine's bonus_pct |
| 不合格无绩效奖金 | 是 | K-1: a failed appraisal (passed False) voids the month's performance bonus |
| 年度考核优秀调整 | 10% | D-9 performance-pay adjustment for year grade 优秀 (lower bound of 10–20%) |
| 年度考核良好调整 | 5% | D-9 … 良好 (lower bound of 5–10%) |
| 年度考核合格调整 | 0% | D-9 … 合格 |
| 年度考核不合格调整 | -5% | D-9 … 不合格 (lower bound of −5 to −10%) |

Value syntax: money and numbers as ``2490``, ``2,490元``, full-width ``２４９０``;
rates as ``8%``, ``0.08`` or ``8`` (a rate whose absolute value is above 1 is read
as percent, so ``8`` is 8% and ``1`` is 100%: write ``1%`` for one percent).
Every rate key has a plausible range; a value outside it (for example ``0.5``
typed for 失业保险比例, which reads as 50%) is an error (E_SETTING_RANGE) and the
default is used.  Yes/no keys take 是/否.  Unreadable values give E_SETTING_VALUE.

Interpretations
---------------
* Earnings: 基本工资 (tier base pay, D-1/K-8), 技能津贴 (tier skill_allowance),
  工龄工资 (tier seniority_step × full years of service at the month's last
  day, capped by seniority_cap; D-4), 绩效奖金, 奖励 (engine lines of category
  奖金), 提成 (engine lines of category 提成 + personal_sales × tier
  commission_rate when given + the D-5 public share), 保底补差.
* 绩效奖金 = base × tier bonus_rate (the standard bonus) + D-9 year-grade
  adjustment of it − A2-12 cut (share ``bonus_cut`` of the adjusted standard) +
  A2-7 extra (share of the adjusted standard: ``PersonResult.bonus_pct`` from the
  engine, unless the setting 超分奖金比例 is above 0, in which case payroll
  computes (score − 超分线) × 超分奖金比例 itself and ignores bonus_pct).  A
  failed appraisal (K-1, ``passed`` False, with 不合格无绩效奖金 = 是) or a person
  excluded from the appraisal (D-8) gets no 绩效奖金 (the voided amount is kept in
  ``bonus_void``).
* Part months (DOMAIN §8): someone hired or leaving within the month (入职日期 after the 1st, or
  状态 离职 with 离职日期 before the last day; both days are worked) is paid for the days of the
  employment span.  With 不满月计薪 = 计薪天数 (default) a monthly amount becomes amount ÷ 21.75 ×
  paid days, where paid days (计薪天数) = the working days plus the paid days off (statutory holidays)
  inside the span, by the calendar of core/calendar.py (the library and the 节假日 sheet), never more
  than the monthly amount; with 出勤天数 it becomes amount × days attended ÷ the month's scheduled
  working days (days attended: the working days of the span).  Each amount is rounded at the fen.
  Base pay, the skill allowance, seniority pay, the standard performance bonus (it is a share of the
  base), the D-3 guarantee and the minimum wage of every minimum-wage check follow the same days;
  commissions, rewards, fines and social insurance (a monthly contribution on its base) do not.
  The payslip's 备注 says the span and the days paid.
* Minimum wage: 最低工资 (dated) is the month's lawful minimum.  With 最低工资含个人社保 = 是 (most
  provinces: Zhejiang, Jiangsu, Guangdong …; Anhui since 2023) 应发 must reach it; with 否 (Beijing,
  Shanghai) 应发 − the employee's own SI and housing fund must reach it.  The same setting moves
  Article 16's floor (the wage left after deductions, after SI/HF where the minimum excludes them)
  and the guarantee's floor below.  The setting is dated like the minimum itself.
* D-3 guarantee (年度核算月保底): the guarantee basis is the month's earnings
  before the guarantee and before any deduction (base + allowance + seniority
  + performance bonus + rewards + commission).  Each month a basis below the
  guarantee of the person's service year is topped up to it (保底补差, taxable).  A
  guarantee below the lawful minimum (the minimum wage, plus the employee's own SI/HF where
  the minimum excludes them) is raised to it with 保底不低于最低工资 = 是 (default: paying less
  is unlawful) and the payslip says so; with 否 it is only flagged.
  With 保底结算 = 年度 the year is settled in December, or in the month the
  person leaves: the year's due top-up is max(0, Σ guarantees − Σ bases) over the
  months of the year with a pay record; what was paid beyond that (top-ups that
  other months' excess over the guarantee has earned back) is recovered in the
  settlement month as a negative 保底补差, never taking the year below
  guarantee × months and never taking that month's 应发 below the minimum wage
  (the rest is waived, with a flag).  Service year = full years from 入职日期 to
  the month's last day + 1 (no 入职日期: first year, flagged).
* Article 16 (《工资支付暂行规定》第十六条): the wage W is 应发 (or 应发 − personal
  SI/HF with 扣款工资口径 = 扣社保后).  With 罚款计入扣款限额 = 是 the deductions D
  are 罚款 + 赔偿; with 否 the 罚款 are a plain pay reduction (always deducted in
  full, W is taken after them) and D is 赔偿 only.  The allowed deduction is
  min(20% × W rounded down to the fen, W − minimum wage), never below 0.  Any
  excess is flagged; with 扣款封顶 = 是 赔偿 is deducted first, 罚款 from what is
  left; 罚款 above the limit is waived (``fines_waived``), 赔偿 above it is carried
  to the next month (``loss_carry``; taken from the previous month's PayHistory
  automatically, or passed as ``PayInput.carried_loss`` across the year end).
* D-5 public commission is a rule (规则 kind 公共提成, its rate in 金额, e.g. 0.5%, shared by the
  headcount): the former setting 公共提成比例 was never used and is gone; a row of it in 参数 gives
  the warning W_SETTING_UNUSED.
* Taxable income = 应发 − 罚款 deducted (a performance deduction lowers the wage);
  赔偿 is paid by the employee out of taxed wages.  IIT is the cumulative
  withholding method (公告2018年第61号): months employed = months of this year
  with a pay record, this one included.
* Social insurance base = staff 社保基数 if given, else the tier base pay,
  clamped to the floor and ceiling; 社保基数 0 means not enrolled (no SI, no
  housing fund).  The housing fund base is staff 公积金基数 if given, else the
  same base, clamped to its own floor and ceiling.
* D-2: months in the current tier are counted from 定级日期 (staff column, if
  present) else 入职日期, to the month's last day.

CONTRACT ``pay`` object (`pay_json`): base = 基本工资 + 技能津贴 + 工龄工资 +
保底补差; commission = 提成; bonus = 绩效奖金 + 奖励; gross = base + commission +
bonus = 应发合计; deductions = 罚款 + 赔偿 actually deducted; social_insurance =
社保个人 + 公积金个人; tax = 个税; net = gross − deductions − social_insurance −
tax = 实发合计.
"""
from __future__ import annotations

import datetime as _dt
import operator
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation, ROUND_DOWN
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ..core.grid import Grid, SheetOut
from ..core.model import (CAT_COMMISSION, CAT_FINE, CAT_LOSS, CAT_REWARD, ERROR, FEN, LEFT, WARNING, ZERO, Month, PersonResult,
                    Problem, Setting, Source, Staff, Tier, fmt_money, money)
from ..core.settings import (DEDUCT_AFTER_SI, DEDUCT_GROSS, GUARANTEE_MONTHLY, GUARANTEE_NONE, GUARANTEE_YEARLY,
                             PART_ATTENDED, PART_PAID_DAYS, Settings)


HUNDRED = Decimal(100)
ONE = Decimal(1)

# DOMAIN §8: (upper bound inclusive or None, rate, quick deduction) on the cumulative taxable income
TAX_BRACKETS: Tuple[Tuple[Optional[Decimal], Decimal, Decimal], ...] = (
    (Decimal(36000), Decimal("0.03"), Decimal(0)),
    (Decimal(144000), Decimal("0.10"), Decimal(2520)),
    (Decimal(300000), Decimal("0.20"), Decimal(16920)),
    (Decimal(420000), Decimal("0.25"), Decimal(31920)),
    (Decimal(660000), Decimal("0.30"), Decimal(52920)),
    (Decimal(960000), Decimal("0.35"), Decimal(85920)),
    (None, Decimal("0.45"), Decimal(181920)),
)

PAID_DAYS_PER_MONTH = Decimal("21.75")  # (365 − 104) ÷ 12, 劳社部发〔2008〕3号
YEAR_GRADES = ("优秀", "良好", "合格", "不合格")


# ==========================================================================
# Settings: the month's `core.settings.Settings` (keys, defaults, parsing: core/settings.py)
# ==========================================================================
PayPolicy = Settings  # payroll's name for the settings in force in one month


def guarantee_for(policy: Settings, service_year: int) -> Decimal:
    """Monthly guarantee for the 1-based year of service (D-3)."""
    if policy.guarantee_mode == GUARANTEE_NONE or not policy.guarantee:
        return ZERO
    return policy.guarantee[min(max(service_year, 1), len(policy.guarantee)) - 1]


def grade_pct(policy: Settings, grade: str) -> Optional[Decimal]:
    """D-9 adjustment share for a year grade; None when the grade is unknown."""
    return {"优秀": policy.grade_excellent, "良好": policy.grade_good, "合格": policy.grade_pass,
            "不合格": policy.grade_fail}.get(_norm(grade))


def _norm(value) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and _norm(v) == "")


_NUM_JUNK = re.compile(r"[,，¥元]")


def parse_decimal(value) -> Optional[Decimal]:
    """A typed number as Decimal (full-width digits, 2,490元); None if not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    s = _NUM_JUNK.sub("", _norm(value)).replace("−", "-").replace("－", "-")
    if not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def parse_rate(value) -> Optional[Decimal]:
    """A rate: "8%" / 0.08 / 8 -> 0.08 (absolute value above 1 is read as percent)."""
    if isinstance(value, str):
        s = _norm(value).replace("％", "%")
        if s.endswith("%"):
            d = parse_decimal(s[:-1])
            return None if d is None else d / HUNDRED
    d = parse_decimal(value)
    if d is None:
        return None
    return d / HUNDRED if abs(d) > 1 else d


def _fmt_num(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


def _fmt_pct(d: Decimal) -> str:
    return _fmt_num(d * HUNDRED) + "%"


# ==========================================================================
# Records
# ==========================================================================
@dataclass(frozen=True)
class PayHistory:
    """One person's closed pay month, as kept between closes (the 工资历史 sheet).

    Only months of the same calendar year matter (cumulative tax, yearly
    guarantee); ``loss_carry`` of the previous month is carried into the next.
    """

    month: Month
    staff_id: str = ""
    gross: Decimal = ZERO
    taxable: Decimal = ZERO  # 计税收入 (应发 − 罚款)
    social_insurance: Decimal = ZERO  # personal SI + housing fund
    special_deduction: Decimal = ZERO  # 专项附加扣除 used that month
    tax: Decimal = ZERO  # 个税 withheld that month
    guarantee_basis: Decimal = ZERO  # 保底核算工资
    guarantee_due: Decimal = ZERO  # 月保底标准 that month
    guarantee_paid: Decimal = ZERO  # 保底补差 paid (top-up + settlement)
    loss_carry: Decimal = ZERO  # 赔偿 carried to the next month (Article 16 cap)


@dataclass(frozen=True)
class PartMonth:
    """The days a month worked in part pays (DOMAIN §8): `days` of `per` (21.75, or the month's
    scheduled working days), for the employment span `first`..`last` within the month."""

    method: str  # PART_PAID_DAYS / PART_ATTENDED
    first: _dt.date
    last: _dt.date
    days: int  # 计薪天数 (working days + paid days off), or days attended (working days)
    per: Decimal  # 21.75, or the month's scheduled working days

    def share(self, amount: Decimal) -> Decimal:
        """A monthly amount for these days, at the fen, never above the monthly amount."""
        if not amount or self.per <= 0:
            return ZERO if self.per <= 0 else amount
        return min(money(amount * self.days / self.per), amount)

    def describe(self) -> str:
        span = f"{self.first.month}月{self.first.day}日–{self.last.month}月{self.last.day}日在职"
        if self.method == PART_ATTENDED:
            return f"不满月：{span}，出勤 {self.days} 天 / 本月应出勤 {_fmt_num(self.per)} 天，月工资按出勤天数折算"
        return f"不满月：{span}，计薪天数 {self.days} 天，月工资 ÷ 21.75 × {self.days}"


def part_month(staff: Staff, month: Month, calendar, method: str = PART_PAID_DAYS) -> Optional[PartMonth]:
    """The part of `month` the person is employed (入职日期 to 离职日期, both worked), or None for the
    whole month.  `calendar`: core.calendar.Calendar (working days, paid days off)."""
    first, last = month.first_day, month.last_day
    start = max(first, staff.hired) if staff.hired else first
    end = min(last, staff.left) if staff.left is not None and staff.status == LEFT else last
    if start == first and end == last:
        return None
    if end < start:
        return PartMonth(method, start, end, 0, PAID_DAYS_PER_MONTH)
    if method == PART_ATTENDED:
        return PartMonth(method, start, end, calendar.working_days(start, end),
                         Decimal(calendar.working_days(first, last)))
    return PartMonth(method, start, end, calendar.paid_days(start, end), PAID_DAYS_PER_MONTH)


@dataclass(frozen=True)
class PayInput:
    """What payroll needs about one person for one month.

    ``person`` is the engine's result (None: no lines, passed, no cut).
    ``public_commission`` is this person's D-5 share (see
    `public_commission_share`); leave it 0 when the engine already emits the
    public commission as 提成 lines.  ``personal_sales``, when given, adds
    sales × tier commission_rate to 提成.  ``year_grade`` (优秀/良好/合格/不合格)
    applies the D-9 adjustment; blank: the staff column 年度考核 if present.
    ``carried_loss``: 赔偿 carried in from last month; None takes it from the
    previous month's PayHistory.
    """

    staff: Staff
    tier: Optional[Tier]
    person: Optional[PersonResult]
    month: Month
    public_commission: Decimal = ZERO
    personal_sales: Optional[Decimal] = None
    year_grade: str = ""
    carried_loss: Optional[Decimal] = None
    part: Optional[PartMonth] = None  # a month worked in part (`part_month`); None: the whole month


@dataclass(frozen=True)
class PayItem:
    """A money line behind the pay (from the engine), for the payslip."""

    category: str
    rule: str
    amount: Decimal
    date: Optional[_dt.date] = None
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class PayResult:
    staff: Staff
    month: Month
    tier: str = ""
    # earnings
    base_pay: Decimal = ZERO
    skill_allowance: Decimal = ZERO
    seniority_pay: Decimal = ZERO
    service_years: int = 0
    bonus_standard: Decimal = ZERO
    grade_adjust: Decimal = ZERO
    bonus_cut_amount: Decimal = ZERO
    bonus_extra: Decimal = ZERO
    bonus_void: Decimal = ZERO
    performance_bonus: Decimal = ZERO
    rewards: Decimal = ZERO
    commission_personal: Decimal = ZERO
    commission_public: Decimal = ZERO
    commission: Decimal = ZERO
    guarantee_basis: Decimal = ZERO
    guarantee_due: Decimal = ZERO
    guarantee_topup: Decimal = ZERO
    guarantee_settle: Decimal = ZERO
    guarantee: Decimal = ZERO
    gross: Decimal = ZERO
    # Article 16
    fines_due: Decimal = ZERO
    losses_due: Decimal = ZERO
    carried_in: Decimal = ZERO
    deduction_limit: Optional[Decimal] = None
    fines: Decimal = ZERO
    losses: Decimal = ZERO
    fines_waived: Decimal = ZERO
    loss_carry: Decimal = ZERO
    # social insurance and tax
    si_base: Decimal = ZERO
    hf_base: Decimal = ZERO
    pension: Decimal = ZERO
    medical: Decimal = ZERO
    unemployment: Decimal = ZERO
    social_insurance: Decimal = ZERO
    housing_fund: Decimal = ZERO
    taxable: Decimal = ZERO
    special_deduction: Decimal = ZERO
    tax_months: int = 1
    tax_base_cum: Decimal = ZERO  # A_n
    tax_rate: Decimal = ZERO
    tax_cum: Decimal = ZERO
    tax: Decimal = ZERO
    # totals
    deductions_total: Decimal = ZERO
    net: Decimal = ZERO
    flags: Tuple[str, ...] = ()
    items: Tuple[PayItem, ...] = ()
    part: Optional[PartMonth] = None  # the days paid of a part month
    min_wage: Decimal = ZERO  # the lawful minimum this month (prorated for a part month)

    @property
    def staff_id(self) -> str:
        return self.staff.id

    def history(self) -> PayHistory:
        """The record to keep for later months of the year."""
        return PayHistory(self.month, self.staff.id, self.gross, self.taxable,
                          self.social_insurance + self.housing_fund, self.special_deduction, self.tax,
                          self.guarantee_basis, self.guarantee_due, self.guarantee, self.loss_carry)


# Chinese names of the PayResult money fields (工资表 / 工资条 headers)
FIELD_NAMES: Tuple[Tuple[str, str], ...] = (
    ("base_pay", "基本工资"),
    ("skill_allowance", "技能津贴"),
    ("seniority_pay", "工龄工资"),
    ("bonus_standard", "标准绩效奖金"),
    ("grade_adjust", "年度考核调整"),
    ("bonus_cut_amount", "奖金扣减"),
    ("bonus_extra", "超分奖金"),
    ("bonus_void", "不合格取消奖金"),
    ("performance_bonus", "绩效奖金"),
    ("rewards", "奖励"),
    ("commission_personal", "个人提成"),
    ("commission_public", "公共提成"),
    ("commission", "提成"),
    ("guarantee_basis", "保底核算工资"),
    ("guarantee_due", "月保底标准"),
    ("guarantee_topup", "本月保底补差"),
    ("guarantee_settle", "保底年度结算"),
    ("guarantee", "保底补差"),
    ("gross", "应发合计"),
    ("fines_due", "应扣罚款"),
    ("losses_due", "应扣赔偿"),
    ("carried_in", "上月结转赔偿"),
    ("fines", "罚款"),
    ("losses", "赔偿"),
    ("fines_waived", "免扣罚款"),
    ("loss_carry", "赔偿结转下月"),
    ("si_base", "社保基数"),
    ("hf_base", "公积金基数"),
    ("pension", "养老保险"),
    ("medical", "医疗保险"),
    ("unemployment", "失业保险"),
    ("social_insurance", "社保个人"),
    ("housing_fund", "公积金个人"),
    ("taxable", "计税收入"),
    ("special_deduction", "专项附加扣除"),
    ("tax_base_cum", "累计应纳税所得额"),
    ("tax_cum", "累计应纳税额"),
    ("tax", "个税"),
    ("deductions_total", "扣款合计"),
    ("net", "实发合计"),
)

# money fields that are summed in the totals row
TOTAL_FIELDS: Tuple[str, ...] = tuple(k for k, _ in FIELD_NAMES if k not in ("si_base", "hf_base", "guarantee_due",
                                                                          "tax_base_cum", "tax_cum"))


# ==========================================================================
# Helpers
# ==========================================================================
def public_commission_share(public_sales, headcount: int, rate=Decimal("0.005")) -> Decimal:
    """D-5: public sales × rate ÷ number of CS staff, rounded half up at the fen."""
    if headcount <= 0:
        return ZERO
    sales = parse_decimal(public_sales)
    r = parse_rate(rate) if not isinstance(rate, Decimal) else rate
    if sales is None or r is None:
        raise ValueError("公共销售额或比例不是数字")
    return money(sales * r / Decimal(headcount))


def full_months(start: _dt.date, end: _dt.date) -> int:
    """Whole months from start to end (a month-end `end` completes its month)."""
    if end < start:
        return 0
    m = (end.year - start.year) * 12 + end.month - start.month
    last = (end + _dt.timedelta(days=1)).day == 1
    if end.day < start.day and not last:
        m -= 1
    return max(m, 0)


def full_years(start: _dt.date, end: _dt.date) -> int:
    return full_months(start, end) // 12


def tax_bracket(cum_taxable: Decimal) -> Tuple[Decimal, Decimal]:
    """(rate, quick deduction) for a cumulative taxable income."""
    for upper, rate, qd in TAX_BRACKETS:
        if upper is None or cum_taxable <= upper:
            return rate, qd
    raise AssertionError


def cumulative_tax(cum_taxable: Decimal) -> Decimal:
    """Tax due on the cumulative taxable income A_n (0 when A_n ≤ 0)."""
    if cum_taxable <= 0:
        return ZERO
    rate, qd = tax_bracket(cum_taxable)
    return money(cum_taxable * rate - qd)


def year_end_adjustment(amount, grade: str, policy: PayPolicy) -> Decimal:
    """D-9 on demand: the adjustment of a performance-pay amount for a year grade."""
    pct = grade_pct(policy, grade)
    if pct is None:
        raise ValueError(f"年度考核等级「{grade}」应为 {'/'.join(YEAR_GRADES)}")
    return money(Decimal(amount) * pct)


def _get(mapping: Mapping[str, Any], *keys):
    for k in keys:
        if k in mapping and not _blank(mapping[k]):
            return mapping[k]
    return None


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _parse_date(value) -> Optional[_dt.date]:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    m = _DATE_RE.match(_norm(value))
    if m:
        try:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def _staff_src(staff: Staff, column: str) -> Source:
    src = staff.src if staff.src is not None else Source("员工")
    return Source(src.sheet or "员工", src.row, column)


def _money_field(staff: Staff, problems: List[Problem], keys: Tuple[str, ...], column: str) -> Optional[Decimal]:
    raw = _get(staff.extra, *keys)
    if raw is None:
        return None
    d = parse_decimal(raw)
    if d is None or d < 0:
        problems.append(Problem.at(_staff_src(staff, column), "E_STAFF_VALUE",
                                   f"员工「{staff.name}」的{column}「{raw}」不是有效金额，已按空白处理"))
        return None
    return money(d)


def _tier_value(tier: Tier, key: str, cn: str, kind: str, problems: List[Problem]):
    raw = _get(tier.extra, key, cn)
    if raw is None:
        return None
    d = parse_rate(raw) if kind == "rate" else parse_decimal(raw)
    if d is None or d < 0:
        src = tier.src if tier.src is not None else Source("等级")
        problems.append(Problem.at(Source(src.sheet or "等级", src.row, cn), "E_TIER_VALUE",
                                   f"等级「{tier.tier}」的{cn}「{raw}」无效，已按 0 处理"))
        return None
    return money(d) if kind == "money" else d


def _yuan(d: Decimal) -> str:
    return f"{fmt_money(d)}元"


# ==========================================================================
# The month's pay of one person
# ==========================================================================
def compute_pay(inp: PayInput, policy: PayPolicy, prior: Sequence[PayHistory] = ()
                ) -> Tuple[PayResult, List[Problem]]:
    """One person's pay for inp.month.  `prior`: the person's closed months
    (only months of the same year before inp.month are used)."""
    problems: List[Problem] = []
    flags: List[str] = []
    st, tier, pr, month = inp.staff, inp.tier, inp.person, inp.month
    hist = sorted((h for h in prior if h.month.year == month.year and h.month < month), key=lambda h: h.month)
    end = month.last_day

    # ---------------------------------------------------------------- tier
    if tier is None:
        if st.tier:
            problems.append(Problem.at(_staff_src(st, "等级"), "E_UNKNOWN_TIER",
                                       f"员工「{st.name}」的等级「{st.tier}」不在「等级」表中，基本工资按 0 计算"))
        else:
            problems.append(Problem.at(_staff_src(st, "等级"), "E_PAY_NO_TIER",
                                       f"员工「{st.name}」没有填写等级，基本工资按 0 计算"))
        tier = Tier(st.tier or "", ZERO)
    part = inp.part
    full_base = money(tier.base_pay or ZERO)
    base = part.share(full_base) if part else full_base
    bonus_rate = _tier_value(tier, "bonus_rate", "奖金比例", "rate", problems) or ZERO
    skill = _tier_value(tier, "skill_allowance", "技能津贴", "money", problems) or ZERO
    if part:
        skill = part.share(skill)
        flags.append(part.describe())
    step = _tier_value(tier, "seniority_step", "工龄工资", "money", problems) or ZERO
    cap = _tier_value(tier, "seniority_cap", "工龄工资上限", "money", problems)
    comm_rate = _tier_value(tier, "commission_rate", "个人提成比例", "rate", problems) or ZERO

    # ---------------------------------------------------------------- service
    if st.hired is None:
        years = 0
        flags.append("未填入职日期：按首年度保底、无工龄工资计算")
    else:
        years = full_years(st.hired, end)
    seniority = money(step * years)
    if cap is not None and cap > 0 and seniority > cap:
        seniority = cap
    if part:
        seniority = part.share(seniority)

    # ---------------------------------------------------------------- bonus
    bonus_std = money(base * bonus_rate)
    grade = _norm(inp.year_grade or _get(st.extra, "year_grade", "年度考核") or "")
    grade_adj = ZERO
    if grade:
        pct = grade_pct(policy, grade)
        if pct is None:
            problems.append(Problem.at(_staff_src(st, "年度考核"), "E_YEAR_GRADE",
                                       f"员工「{st.name}」的年度考核「{grade}」应为 {'/'.join(YEAR_GRADES)}，未调整",
                                       WARNING))
        else:
            grade_adj = money(bonus_std * pct)
            if grade_adj:
                flags.append(f"年度考核{grade}：绩效奖金调整 {_fmt_pct(pct)}（{_yuan(grade_adj)}）")
    adj_std = bonus_std + grade_adj
    cut = pr.bonus_cut if pr is not None else ZERO
    cut = min(max(Decimal(cut or 0), ZERO), ONE)
    cut_amt = money(adj_std * cut)
    if policy.over_rate > 0:
        score = pr.score if pr is not None else ZERO
        extra_pct = max(ZERO, Decimal(score) - policy.over_line) * policy.over_rate
        if pr is not None and pr.bonus_pct:
            flags.append("超分奖金按「参数」中的超分奖金比例计算（未使用方案中的比例）")
    else:
        extra_pct = Decimal(pr.bonus_pct or 0) if pr is not None else ZERO
    extra_amt = money(adj_std * max(extra_pct, ZERO))
    if cut_amt:
        flags.append(f"得分扣减奖金 {_fmt_pct(cut)}（A2-12）：{_yuan(cut_amt)}")
    perf = adj_std - cut_amt + extra_amt
    void = ZERO
    if pr is not None and pr.excluded:
        void = perf
        if perf:
            flags.append(f"未参加本期考核（D-8），本月无绩效奖金（{_yuan(perf)}）")
    elif pr is not None and not pr.passed and policy.fail_no_bonus:
        void = perf
        if perf:
            flags.append(f"考核不合格（K-1），本月无绩效奖金（{_yuan(perf)}）")
    if perf - void < 0:  # a negative year grade can never make the bonus negative
        void = perf
    perf -= void

    # ---------------------------------------------------------------- lines
    items: List[PayItem] = []
    sums = {CAT_REWARD: ZERO, CAT_COMMISSION: ZERO, CAT_FINE: ZERO, CAT_LOSS: ZERO}
    for ln in (pr.lines if pr is not None else ()):
        if ln.category in sums and ln.amount:
            amt = money(ln.amount)
            sums[ln.category] += amt
            items.append(PayItem(ln.category, ln.rule, amt, ln.date, ln.note, ln.source))
    rewards = sums[CAT_REWARD]
    comm_personal = sums[CAT_COMMISSION]
    if inp.personal_sales is not None:
        sales_comm = money(Decimal(inp.personal_sales) * comm_rate)
        comm_personal += sales_comm
        if sales_comm:
            items.append(PayItem(CAT_COMMISSION, "个人提成", sales_comm,
                                 note=f"个人销售额 {fmt_money(Decimal(inp.personal_sales))} × {_fmt_pct(comm_rate)}"))
    comm_public = money(inp.public_commission or ZERO)
    commission = comm_personal + comm_public
    fines_due = -sums[CAT_FINE]
    losses_lines = -sums[CAT_LOSS]
    for name, v in (("罚款", fines_due), ("赔偿", losses_lines)):
        if v < 0:
            flags.append(f"{name}明细合计为正数（{_yuan(-v)}），按 0 处理，请核对")
    fines_due = max(fines_due, ZERO)
    losses_lines = max(losses_lines, ZERO)

    # ---------------------------------------------------------------- social insurance
    si_raw = _money_field(st, problems, ("si_base", "社保基数"), "社保基数")
    hf_raw = _money_field(st, problems, ("hf_base", "公积金基数"), "公积金基数")
    enrolled = not (si_raw is not None and si_raw == 0)
    if not enrolled:
        si_base = hf_base = pension = medical = unemp = hf = ZERO
        flags.append("社保基数为 0：本月不扣社保和公积金")
    else:
        raw = si_raw if si_raw is not None else full_base
        si_base = min(max(raw, policy.si_floor), policy.si_ceiling)
        hraw = hf_raw if hf_raw is not None else raw
        hf_base = min(max(hraw, policy.hf_floor), policy.hf_ceiling)
        pension = money(si_base * policy.pension_rate)
        medical = money(si_base * policy.medical_rate)
        unemp = money(si_base * policy.unemployment_rate)
        hf = money(hf_base * policy.hf_rate)
    si = pension + medical + unemp

    # ---------------------------------------------------------------- minimum wage
    # the lawful minimum of the month (prorated like the base for a part month) and the pay that must
    # reach it: 应发 when the minimum includes the employee's own SI/HF, 应发 − SI − HF when not
    min_wage = part.share(policy.min_wage) if part else policy.min_wage
    min_gross = min_wage if policy.min_includes_si else min_wage + si + hf

    # ---------------------------------------------------------------- guarantee (D-3)
    basis = base + skill + seniority + perf + rewards + commission
    g = guarantee_for(policy, years + 1)
    if g and part:
        g = part.share(g)
    if g and g < min_gross:
        what = "最低工资" if policy.min_includes_si else "最低工资（另加个人社保公积金）"
        if policy.guarantee_min:
            flags.append(f"第{years + 1}年度月保底 {_yuan(g)} 低于{what} {_yuan(min_gross)}，"
                         f"按 {_yuan(min_gross)} 保底（D-3；参数 保底不低于最低工资）")
            g = min_gross
        else:
            flags.append(f"第{years + 1}年度月保底 {_yuan(g)} 低于{what} {_yuan(min_gross)}，请核对（D-3）")
    topup = max(ZERO, g - basis) if g else ZERO
    settle = ZERO
    settling = bool(policy.guarantee_mode == GUARANTEE_YEARLY and g
                    and (month.month == 12 or (st.left is not None and month.contains(st.left))))
    if topup:
        flags.append(f"本月保底核算工资 {_yuan(basis)} 低于第{years + 1}年度月保底 {_yuan(g)}，补差 {_yuan(topup)}（D-3）")
    if settling:
        g_sum = sum((h.guarantee_due for h in hist), ZERO) + g
        b_sum = sum((h.guarantee_basis for h in hist), ZERO) + basis
        paid = sum((h.guarantee_paid for h in hist), ZERO) + topup
        due = max(ZERO, g_sum - b_sum)
        settle = due - paid
        if settle < 0:
            floor = -max(ZERO, basis + topup - min_gross)
            if settle < floor:
                flags.append(f"保底年度结算应扣回 {_yuan(-settle)}，为不低于最低工资 {_yuan(min_gross)}，"
                             f"免扣 {_yuan(floor - settle)}")
                settle = floor
        if settle:
            flags.append(f"保底年度结算（{len(hist) + 1}个月：保底合计 {_yuan(g_sum)}，核算工资合计 {_yuan(b_sum)}，"
                         f"已补差 {_yuan(paid)}）：{'扣回' if settle < 0 else '补发'} {_yuan(abs(settle))}")
    guarantee = topup + settle
    gross = basis + guarantee

    # ---------------------------------------------------------------- Article 16
    if inp.carried_loss is not None:
        carried = money(inp.carried_loss)
    elif hist and hist[-1].month == month.prev():
        carried = hist[-1].loss_carry
    else:
        carried = ZERO
    losses_due = losses_lines + carried
    if carried:
        flags.append(f"上月结转赔偿 {_yuan(carried)}")
    wage = gross if policy.deduction_base == DEDUCT_GROSS else gross - si - hf
    # the floor: what is left must reach the minimum, after SI/HF too where the minimum excludes them
    floor_wage = wage if policy.min_includes_si else gross - si - hf
    if policy.fines_count:
        wanted = fines_due + losses_due
    else:
        wage -= fines_due
        floor_wage -= fines_due
        wanted = losses_due
    by_ratio = (wage * policy.deduction_ratio).quantize(FEN, rounding=ROUND_DOWN)
    by_min = floor_wage - min_wage
    allowed = max(ZERO, min(by_ratio, by_min))
    fines, losses = fines_due, losses_due
    limit = None
    if wanted:
        limit = allowed
    if wanted > allowed:
        why = (f"{_fmt_pct(policy.deduction_ratio)}限额 {_yuan(by_ratio)}" if by_ratio <= by_min
               else f"扣后不得低于最低工资 {_yuan(min_wage)}"
                    f"{'' if policy.min_includes_si else '（不含个人社保公积金）'}，限额 {_yuan(allowed)}")
        what = "罚款和赔偿" if policy.fines_count else "赔偿"
        flags.append(f"超出《工资支付暂行规定》第十六条：本月应扣{what} {_yuan(wanted)}，"
                     f"计算基数工资（{policy.deduction_base}{'' if policy.fines_count else '，已减罚款'}）{_yuan(wage)}，{why}")
        if policy.deduction_cap:
            losses = min(losses_due, allowed)
            if policy.fines_count:
                fines = min(fines_due, allowed - losses)
    fines_waived = fines_due - fines
    loss_carry = losses_due - losses
    if fines_waived:
        flags.append(f"罚款超出限额部分免扣 {_yuan(fines_waived)}")
    if loss_carry:
        flags.append(f"赔偿超出限额部分 {_yuan(loss_carry)} 结转下月扣除")

    # ---------------------------------------------------------------- income tax
    special = _money_field(st, problems, ("special_deduction", "专项附加扣除"), "专项附加扣除") or ZERO
    taxable = gross - fines
    n = len(hist) + 1
    cum_income = sum((h.taxable for h in hist), ZERO) + taxable
    cum_si = sum((h.social_insurance for h in hist), ZERO) + si + hf
    cum_special = sum((h.special_deduction for h in hist), ZERO) + special
    a_n = cum_income - policy.tax_threshold * n - cum_si - cum_special
    tax_cum = cumulative_tax(a_n)
    rate = tax_bracket(a_n)[0] if a_n > 0 else ZERO
    withheld = sum((h.tax for h in hist), ZERO)
    tax = max(ZERO, tax_cum - withheld)

    # ---------------------------------------------------------------- totals and flags
    deductions_total = fines + losses + si + hf + tax
    net = gross - deductions_total
    if policy.min_includes_si and gross < min_wage:
        flags.append(f"应发合计 {_yuan(gross)} 低于当地最低工资 {_yuan(min_wage)}，请核对")
    elif not policy.min_includes_si and gross - si - hf < min_wage:
        flags.append(f"应发合计扣除个人社保公积金后 {_yuan(gross - si - hf)} 低于当地最低工资 {_yuan(min_wage)}"
                     f"（本地最低工资不含个人社保公积金），请核对")
    if net < 0:
        flags.append("实发为负数，请核对")
    promo = _promotion_flag(st, tier, end)
    if promo:
        flags.append(promo)

    result = PayResult(
        staff=st, month=month, tier=tier.tier,
        base_pay=base, skill_allowance=skill, seniority_pay=seniority, service_years=years,
        bonus_standard=bonus_std, grade_adjust=grade_adj, bonus_cut_amount=cut_amt, bonus_extra=extra_amt,
        bonus_void=void, performance_bonus=perf, rewards=rewards,
        commission_personal=comm_personal, commission_public=comm_public, commission=commission,
        guarantee_basis=basis, guarantee_due=g, guarantee_topup=topup, guarantee_settle=settle,
        guarantee=guarantee, gross=gross,
        fines_due=fines_due, losses_due=losses_due, carried_in=carried, deduction_limit=limit,
        fines=fines, losses=losses, fines_waived=fines_waived, loss_carry=loss_carry,
        si_base=si_base, hf_base=hf_base, pension=pension, medical=medical, unemployment=unemp,
        social_insurance=si, housing_fund=hf, taxable=taxable, special_deduction=special,
        tax_months=n, tax_base_cum=a_n, tax_rate=rate, tax_cum=tax_cum, tax=tax,
        deductions_total=deductions_total, net=net, flags=tuple(flags), items=tuple(items), part=part,
        min_wage=min_wage)
    return result, problems


def _promotion_flag(st: Staff, tier: Tier, end: _dt.date) -> str:
    """D-2: eligible to apply for promotion after promote_months in the tier."""
    to = _get(tier.extra, "promote_to", "晋升至")
    months_raw = _get(tier.extra, "promote_months", "晋升需满月数")
    need = parse_decimal(months_raw) if months_raw is not None else None
    if not to or need is None:
        return ""
    start = _parse_date(_get(st.extra, "tier_since", "定级日期")) or st.hired
    if start is None:
        return ""
    have = full_months(start, end)
    if have < need:
        return ""
    return f"可申请晋升至{_norm(to)}（本等级已满{have}个月，要求{_fmt_num(need)}个月，需通过考核）"


def compute_payroll(inputs: Sequence[PayInput], policy: PayPolicy,
                    history: Mapping[str, Sequence[PayHistory]] = None) -> Tuple[Tuple[PayResult, ...], List[Problem]]:
    """Everyone's pay for the month; `history` maps 工号 to closed months."""
    history = history or {}
    out: List[PayResult] = []
    problems: List[Problem] = []
    for inp in inputs:
        r, p = compute_pay(inp, policy, history.get(inp.staff.id, ()))
        out.append(r)
        problems.extend(p)
    return tuple(out), problems


# ==========================================================================
# Totals, sheets and JSON
# ==========================================================================
def payroll_totals(results: Iterable[PayResult]) -> Dict[str, Any]:
    """Exact sums of every money field (plus 'count')."""
    res = list(results)
    out: Dict[str, Any] = {k: sum((getattr(r, k) for r in res), ZERO) for k in TOTAL_FIELDS}
    out["count"] = len(res)
    return out


def pay_parts(r: PayResult) -> Dict[str, Decimal]:
    """The CONTRACT pay object as Decimals (see the module docstring)."""
    base = r.base_pay + r.skill_allowance + r.seniority_pay + r.guarantee
    commission = r.commission
    bonus = r.performance_bonus + r.rewards
    gross = base + commission + bonus
    deductions = r.fines + r.losses
    si = r.social_insurance + r.housing_fund
    net = gross - deductions - si - r.tax
    assert gross == r.gross and net == r.net, (gross, r.gross, net, r.net)
    return {"base": base, "commission": commission, "bonus": bonus, "deductions": deductions, "gross": gross,
            "social_insurance": si, "tax": r.tax, "net": net}


def pay_json(r: PayResult) -> Dict[str, str]:
    """The CONTRACT ``pay`` object: money strings with two decimals."""
    return {k: fmt_money(v) for k, v in pay_parts(r).items()}


SHEET_COLUMNS: Tuple[Tuple[str, str, str, float], ...] = (
    # (header, PayResult field or special, type, width)
    ("工号", "#id", "text", 10),
    ("姓名", "#name", "text", 10),
    ("组别", "#group", "text", 10),
    ("等级", "#tier", "text", 8),
    ("基本工资", "base_pay", "money", 11),
    ("技能津贴", "skill_allowance", "money", 10),
    ("工龄工资", "seniority_pay", "money", 10),
    ("绩效奖金", "performance_bonus", "money", 10),
    ("奖励", "rewards", "money", 10),
    ("提成", "commission", "money", 10),
    ("保底补差", "guarantee", "money", 10),
    ("应发合计", "gross", "money", 12),
    ("罚款", "fines", "money", 10),
    ("赔偿", "losses", "money", 10),
    ("社保个人", "social_insurance", "money", 10),
    ("公积金个人", "housing_fund", "money", 10),
    ("个税", "tax", "money", 10),
    ("扣款合计", "deductions_total", "money", 11),
    ("实发合计", "net", "money", 12),
    ("备注", "#flags", "text", 50),
)
SHEET_HEADER = tuple(c[0] for c in SHEET_COLUMNS)
SHEET_TYPES = tuple(c[2] for c in SHEET_COLUMNS)
SHEET_WIDTHS = tuple(c[3] for c in SHEET_COLUMNS)


def _row(r: PayResult) -> Tuple[Any, ...]:
    special = {"#id": r.staff.id, "#name": r.staff.name, "#group": r.staff.group, "#tier": r.tier,
               "#flags": "；".join(r.flags)}
    return tuple(special[f] if f.startswith("#") else getattr(r, f) for _, f, _, _ in SHEET_COLUMNS)


def _totals_row(results: Sequence[PayResult]) -> Tuple[Any, ...]:
    tot = payroll_totals(results)
    row = []
    for h, f, _, _ in SHEET_COLUMNS:
        if f == "#id":
            row.append("合计")
        elif f == "#name":
            row.append(f"{len(results)}人")
        elif f.startswith("#"):
            row.append("")
        else:
            row.append(tot[f])
    return tuple(row)


def payroll_sheet(results: Sequence[PayResult], month: Month) -> SheetOut:
    """工资表: one row per person and a 合计 row (confidential: HR only)."""
    rows = tuple(_row(r) for r in results) + (_totals_row(results),)
    return SheetOut("工资表", SHEET_HEADER, SHEET_TYPES, rows, SHEET_WIDTHS,
                    title=f"{month.year}年{month.month}月工资表",
                    extra={"totals_row": len(rows) + 2, "fit_to_width": True, "paper": "A4",
                           "orientation": "landscape", "freeze": "C3"})


PAYSLIP_PER_PAGE = 12


def payslip_sheet(results: Sequence[PayResult], month: Month, pay_day: Optional[_dt.date] = None) -> SheetOut:
    """工资条: header repeated above every person, a blank row between people
    (cut apart after printing); a page break after every PAYSLIP_PER_PAGE people.

    Sheet rows (1-based, no title line): row 1 header, row 2 person 1, row 3
    blank, row 4 header, row 5 person 2, ...  extra["header_rows"] lists the
    header rows; extra["row_breaks"] the rows after which a page break goes.
    With `pay_day` (D-12, payroll.payday) a last column 发薪日 says when the pay is paid.
    """
    tail = ("发薪日",) if pay_day else ()
    header = ("月份",) + SHEET_HEADER + tail
    types = ("text",) + SHEET_TYPES + (("date",) if pay_day else ())
    widths = (9,) + SHEET_WIDTHS + ((11,) if pay_day else ())
    rows: List[Tuple[Any, ...]] = []
    header_rows = [1]
    breaks: List[int] = []
    blank = tuple("" for _ in header)
    for i, r in enumerate(results):
        if i:
            rows.append(blank)
            if i % PAYSLIP_PER_PAGE == 0:
                breaks.append(len(rows) + 1)  # break after the blank row (sheet row = index + 2)
            rows.append(header)
            header_rows.append(len(rows) + 1)
        rows.append((str(month),) + _row(r) + ((pay_day,) if pay_day else ()))
    return SheetOut("工资条", header, types, tuple(rows), widths,
                    extra={"row_breaks": breaks, "header_rows": header_rows, "fit_to_width": True,
                           "paper": "A4", "orientation": "landscape"})


# ==========================================================================
# Pay history between closes (工资历史)
# ==========================================================================
HISTORY_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("月份", "month"), ("工号", "staff_id"), ("应发合计", "gross"), ("计税收入", "taxable"),
    ("社保公积金", "social_insurance"), ("专项附加扣除", "special_deduction"), ("个税", "tax"),
    ("保底核算工资", "guarantee_basis"), ("月保底标准", "guarantee_due"), ("保底补差", "guarantee_paid"),
    ("赔偿结转", "loss_carry"),
)


def pay_history_sheet(records: Sequence[PayHistory], read: Sequence[PayHistory] = ()) -> SheetOut:
    """工资历史: the records later closes need (append this month's, keep the rest), by month and id.

    `read`: the records as read from the sheet, in its order; as many of them
    as start the new sheet unchanged are marked kept (the writer copies them).
    """
    ordered = sorted(records, key=lambda h: (h.month, h.staff_id))
    kept = 0
    for new, was in zip(ordered, read):
        if new is not was:
            break
        kept += 1
    values = operator.attrgetter(*(f for _, f in HISTORY_COLUMNS[1:]))
    months: Dict[Month, str] = {}
    rows = []
    for h in ordered:
        month = months.get(h.month)
        if month is None:
            month = months[h.month] = str(h.month)
        rows.append((month,) + values(h))
    rows = tuple(rows)
    types = tuple("text" if f in ("month", "staff_id") else "money" for _, f in HISTORY_COLUMNS)
    return SheetOut("工资历史", tuple(h for h, _ in HISTORY_COLUMNS), types, rows,
                    tuple(10 for _ in HISTORY_COLUMNS), extra={"kept_rows": kept} if kept else {})


_MONTH_RE = re.compile(r"^(\d{4})\D+(\d{1,2})")


def pay_history_from_grid(grid: Grid) -> Tuple[List[PayHistory], List[Problem]]:
    """Read a 工资历史 grid (header in its first row) back into records.

    Months, ids and amounts repeat from row to row (a year of a large team is
    tens of thousands of rows): each distinct cell value is read once.
    """
    problems: List[Problem] = []
    out: List[PayHistory] = []
    if not grid.rows:
        return out, problems
    header = [_norm(h) for h in grid.rows[0]]
    pos = {f: header.index(cn) for cn, f in HISTORY_COLUMNS if cn in header}
    amount_cols = [(cn, pos.get(f)) for cn, f in HISTORY_COLUMNS[2:]]
    jm, js = pos.get("month"), pos.get("staff_id")
    norms: Dict[str, str] = {}
    months: Dict[str, Optional[Month]] = {}
    amounts: Dict[Any, Optional[Decimal]] = {}

    def norm(v) -> str:
        if type(v) is not str:
            return _norm(v)
        text = norms.get(v)
        if text is None:
            text = norms[v] = _norm(v)
        return text

    for i, row in enumerate(grid.rows[1:], start=1):
        rownum = grid.first_row + i
        n = len(row)
        if all(v is None or (type(v) is str and not norm(v)) for v in row):
            continue
        m_raw = row[jm] if jm is not None and jm < n else None
        if isinstance(m_raw, _dt.date):
            month: Optional[Month] = Month(m_raw.year, m_raw.month)
        else:
            key = norm(m_raw)
            month = months.get(key, _MISSING)
            if month is _MISSING:
                mm = _MONTH_RE.match(key)
                month = months[key] = (Month(int(mm.group(1)), int(mm.group(2)))
                                       if mm and 1 <= int(mm.group(2)) <= 12 else None)
        if month is None:
            problems.append(Problem("E_PAY_HISTORY", f"月份「{m_raw}」无法识别", grid.sheet, rownum, "月份"))
            continue
        vals = []
        for cn, j in amount_cols:
            raw = row[j] if j is not None and j < n else None
            plain = type(raw) in _PLAIN  # not bool: True == 1 must not find 1's amount
            d = amounts.get(raw, _MISSING) if plain else _MISSING
            if d is _MISSING:
                d = ZERO if _blank(raw) else parse_decimal(raw)
                d = None if d is None else money(d)
                if plain:
                    amounts[raw] = d
            if d is None:
                problems.append(Problem("E_PAY_HISTORY", f"{cn}「{raw}」不是数字", grid.sheet, rownum, cn))
            vals.append(d)
        if None not in vals:
            out.append(PayHistory(month, norm(row[js] if js is not None and js < n else None), *vals))
    return out, problems


_MISSING: Any = object()
_PLAIN = (float, int, str)
