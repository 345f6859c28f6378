"""The 参数 sheet, parsed once: typed values, dated by 生效月份, with the problems found.

    sheet = settings.read(book.settings)   # once per book: `Book.config` does it
    s = sheet.at(month)                    # a `Settings` record: what is in force in `month`
    s.ties, s.publish_days, s.min_wage ... # typed values (the default where 参数 has none)
    s.problems                             # bad or doubled rows in force in `month`
    s.problems_of(PAYROLL)                 # those of the settings one stage uses (it reports them)
    s.source("并列规则")                     # the cell a value came from (None: the default)
    sheet.month, sheet.month_problems      # 月份 (the month to close; not dated)

Rules, for every key: a row applies from its 生效月份 (blank: always, older than
any date); in a month the row with the latest 生效月份 not after it is used;
rows with a blank 值 are ignored; two rows with the same key and 生效月份: the
lower row wins, with a warning (W_SETTING_DUPLICATE).  A value that cannot be
read, or is out of its range, is an error at its cell (E_SETTING_VALUE,
E_SETTING_RANGE) and the default is used.  Keys are matched after NFKC with
white space removed, aliases included.

How to drop one: move its Spec to DROPPED with a sentence saying where the
value goes now (a filled row then gives W_SETTING_UNUSED).

How to add a setting: append one `Spec` to SPECS, with the key as HR types it,
the attribute it is read as, its kind (see `parse_value`), the stage that
reports its problems, its default as it would
be typed in 参数 (it is parsed like a cell, and written into new workbooks when
`listed`), its bounds or choices, aliases and a Chinese note for new workbooks.
Then read it as ``book.config.at(month).<attr>``; nothing else needs changing
(payroll's `PayPolicy` is this same record).  docs/PAYROLL.md lists the pay
settings from the payroll docstring: add a row there for a pay setting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import values
from .model import ERROR, WARNING, Month, Problem, Setting, Source, money

SHEET = "参数"
VALUE_COLUMN = "值"
HUNDRED = Decimal(100)

# the words of a few choices (engine and payroll compare with these)
TIE_SHARED = "并列"
TIE_BY_ID = "工号"
DEDUCT_GROSS = "应发"
DEDUCT_AFTER_SI = "扣社保后"
GUARANTEE_YEARLY = "年度"
GUARANTEE_MONTHLY = "月度"
GUARANTEE_NONE = "无"
PART_PAID_DAYS = "计薪天数"
PAY_NEXT_MONTH = "次月"
PART_ATTENDED = "出勤天数"

MONTH_KEYS = ("月份", "本月", "考核月份", "当前月份")
ENGINE = "engine"
PAYROLL = "payroll"


@dataclass(frozen=True)
class Spec:
    """One key of 参数 (see the module docstring: how to add a setting)."""

    key: str
    attr: str
    kind: str  # text / code / int / money / number / rate / bool / choice / list
    default: Any  # as typed in a 参数 cell
    lo: Optional[Decimal] = None
    hi: Optional[Decimal] = None
    choices: Tuple[Tuple[str, str], ...] = ()  # (typed form, canonical)
    aliases: Tuple[str, ...] = ()
    note: str = ""  # the 说明 of its row in a new workbook
    listed: bool = True  # written into new workbooks (rules.presets.setting_rows)
    stage: str = ENGINE  # the stage that reports its problems (engine.month.options_for, close.plan.compute)
    check: Optional[Callable[[Any], Optional[str]]] = None  # an extra range check: message or None


def _D(s) -> Decimal:
    return Decimal(str(s))


def _hf_rate_check(d: Decimal) -> Optional[str]:
    if d != 0 and not (Decimal("0.05") <= d <= Decimal("0.12")):
        return f"「公积金比例」为 {_fmt_pct(d)}，应在 5%～12% 之间（不缴存填 0）"
    return None


SPECS: Tuple[Spec, ...] = (
    # ---------------------------------------------------------------- engine
    Spec("方案", "scheme", "code", "", aliases=("考核方案",), listed=False),
    Spec("并列规则", "ties", "choice", TIE_SHARED, choices=((TIE_SHARED, TIE_SHARED), (TIE_BY_ID, TIE_BY_ID)),
         note="并列=同分同名次（1,2,2,4）；工号=同分按工号先后"),
    Spec("公示天数", "publish_days", "int", 3, _D(1), None, note="公示中的事件在公示满N个工作日后计入（E-6）"),
    Spec("异议天数", "dispute_days", "int", 1, _D(0), None, note="公示后可提出复核的天数（B-5）"),
    Spec("发薪日", "pay_day", "int", 15, _D(1), _D(31), note="D-12：每月15日发薪，写在工资条上", stage=PAYROLL),
    Spec("发薪月", "pay_month", "choice", PAY_NEXT_MONTH, choices=((PAY_NEXT_MONTH, PAY_NEXT_MONTH), ("当月", "当月")),
         note="次月=本月工资下月发薪日发放；当月", stage=PAYROLL),  # D-12, payroll.payday
    Spec("小红花领导", "flower_leaders", "text", "", listed=False),  # C-7: engine.flowers.leaders
    Spec("工资条密码方式", "payslip_passwords", "choice", "密钥",
         choices=(("密钥", "密钥"), ("工号+身份证后六位", "工号+身份证后六位"), ("工号身份证后六位", "工号+身份证后六位")),
         note="密钥=由本机密钥算出（默认）；工号+身份证后六位=旧方式，容易被猜中（xlsx/payslips.py）",
         stage=PAYROLL, listed=False),
    # ---------------------------------------------------------------- payroll (payroll.pay docstring)
    Spec("最低工资", "min_wage", "money", "2490", _D(0), None, aliases=("最低工资标准", "当地最低工资", "月最低工资"),
         note="当地月最低工资（浙江一档 2024-01 起 2490；上海 2025-07 起 2740；北京 2025-09 起 2540）", stage=PAYROLL),
    Spec("养老保险比例", "pension_rate", "rate", "8%", _D(0), _D("0.20"), aliases=("养老比例", "个人养老保险比例"), stage=PAYROLL),
    Spec("医疗保险比例", "medical_rate", "rate", "2%", _D(0), _D("0.10"), aliases=("医疗比例", "个人医疗保险比例"), stage=PAYROLL),
    Spec("失业保险比例", "unemployment_rate", "rate", "0.5%", _D(0), _D("0.05"), aliases=("失业比例", "个人失业保险比例"), stage=PAYROLL),
    Spec("公积金比例", "hf_rate", "rate", "5%", _D(0), _D("0.12"), aliases=("住房公积金比例", "个人公积金比例"),
         check=_hf_rate_check, stage=PAYROLL),
    Spec("社保基数下限", "si_floor", "money", "4812", _D(0), None, aliases=("社保缴费基数下限",),
         note="示例数值，请按当地当年标准填写", stage=PAYROLL),
    Spec("社保基数上限", "si_ceiling", "money", "24930", _D(0), None, aliases=("社保缴费基数上限",),
         note="示例数值，请按当地当年标准填写", stage=PAYROLL),
    Spec("公积金基数下限", "hf_floor", "money", "2490", _D(0), None, aliases=("公积金缴存基数下限",), note="示例数值", stage=PAYROLL),
    Spec("公积金基数上限", "hf_ceiling", "money", "39530", _D(0), None, aliases=("公积金缴存基数上限",), note="示例数值", stage=PAYROLL),
    Spec("个税起征", "tax_threshold", "money", "5000", _D(0), None, aliases=("个税起征点", "个税基本减除费用", "起征点"), stage=PAYROLL),
    Spec("扣款工资口径", "deduction_base", "choice", DEDUCT_GROSS,
         choices=(("应发", DEDUCT_GROSS), ("应发工资", DEDUCT_GROSS), ("应发合计", DEDUCT_GROSS),
                  ("扣社保后", DEDUCT_AFTER_SI), ("扣除社保后", DEDUCT_AFTER_SI), ("社保后", DEDUCT_AFTER_SI)),
         note="《工资支付暂行规定》第十六条的“当月工资”：应发 或 扣社保后", stage=PAYROLL),
    Spec("扣款比例上限", "deduction_ratio", "rate", "20%", _D(0), _D(1), stage=PAYROLL),
    Spec("扣款封顶", "deduction_cap", "bool", "是", note="是=赔偿/罚款超过限额的部分不扣（赔偿结转下月）；否=只提示", stage=PAYROLL),
    Spec("罚款计入扣款限额", "fines_count", "bool", "是", stage=PAYROLL),
    Spec("保底工资", "guarantee", "list", "2130;2330;2630", _D(0), None, aliases=("月保底", "保底"),
         note="年度核算月保底：第1年;第2年;第3年及以后（D-3）", stage=PAYROLL),
    Spec("保底结算", "guarantee_mode", "choice", GUARANTEE_YEARLY,
         choices=(("年度", GUARANTEE_YEARLY), ("年度核算", GUARANTEE_YEARLY), ("年", GUARANTEE_YEARLY),
                  ("月度", GUARANTEE_MONTHLY), ("月", GUARANTEE_MONTHLY), ("按月", GUARANTEE_MONTHLY),
                  ("无", GUARANTEE_NONE), ("不保底", GUARANTEE_NONE), ("否", GUARANTEE_NONE)),
         note="年度=12月或离职当月按全年核算；月度=每月补足；无", stage=PAYROLL),
    Spec("保底不低于最低工资", "guarantee_min", "bool", "是", aliases=("保底补足最低工资",), stage=PAYROLL),
    Spec("最低工资含个人社保", "min_includes_si", "bool", "是", aliases=("最低工资包含个人社保", "最低工资含社保公积金"), stage=PAYROLL),
    Spec("不满月计薪", "part_method", "choice", PART_PAID_DAYS, aliases=("不满月工资", "月中入离职计薪"),
         choices=(("计薪天数", PART_PAID_DAYS), ("21.75", PART_PAID_DAYS), ("21.75天", PART_PAID_DAYS),
                  ("出勤天数", PART_ATTENDED), ("应出勤天数", PART_ATTENDED), ("出勤", PART_ATTENDED)), stage=PAYROLL),
    Spec("超分线", "over_line", "number", "25", stage=PAYROLL),
    Spec("超分奖金比例", "over_rate", "rate", "0", _D(0), _D(1), aliases=("超分每分奖金比例",),
         note="0=按规则表「超分奖金」计算（A2-7）", stage=PAYROLL),
    Spec("不合格无绩效奖金", "fail_no_bonus", "bool", "是", stage=PAYROLL),
    Spec("年度考核优秀调整", "grade_excellent", "rate", "10%", _D(-1), _D(1), stage=PAYROLL),
    Spec("年度考核良好调整", "grade_good", "rate", "5%", _D(-1), _D(1), stage=PAYROLL),
    Spec("年度考核合格调整", "grade_pass", "rate", "0%", _D(-1), _D(1), stage=PAYROLL),
    Spec("年度考核不合格调整", "grade_fail", "rate", "-5%", _D(-1), _D(1), stage=PAYROLL),
)


def norm_key(key) -> str:
    """A 项目 as compared: NFKC, no white space."""
    return values.code(key) if key is not None else ""


_RESERVED = {"month", "problems", "stages", "sources", "source", "problems_of"}
assert len({s.attr for s in SPECS} | _RESERVED) == len(SPECS) + len(_RESERVED)
SPEC_BY_KEY: Dict[str, Spec] = {norm_key(k): s for s in SPECS for k in (s.key,) + s.aliases}
# keys no longer read: a filled row of one is a warning saying where the value went
DROPPED: Dict[str, str] = {
    "公共提成比例": "公共提成的比例写在「规则」表公共提成规则（D-5）的 金额 列，例如 0.5%；参数中的这一行不再使用"}
# pairs (floor, ceiling) that must be in order
_PAIRS = (("si_floor", "si_ceiling", "社保基数"), ("hf_floor", "hf_ceiling", "公积金基数"))


# ---------------------------------------------------------------- parsing one value
def _fmt_num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _fmt_pct(d: Decimal) -> str:
    return _fmt_num(d * HUNDRED) + "%"


def _number(v) -> Optional[Decimal]:
    """A typed number (2490, 2,490元, ２４９０) or None; a percent sign is not a plain number."""
    if isinstance(v, str) and values.text(v).endswith(("%", "％")):
        return None
    try:
        return values.decimal(v)
    except ValueError:
        return None


def _rate(v) -> Optional[Decimal]:
    try:
        return values.rate(v)
    except ValueError:
        return None


def _bool(v) -> Optional[bool]:
    if values.is_blank(v):
        return None
    try:
        return values.boolean(v)
    except ValueError:
        return None


def _list(v) -> Optional[Tuple[Decimal, ...]]:
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        d = _number(v)
        return None if d is None else (d,)
    parts = [p for p in re.split(r"[;；,，/、|\s]+", values.text(v).replace("元", "")) if p]
    out = [_number(p) for p in parts]
    return None if not out or None in out else tuple(out)


def _range(spec: Spec, d: Decimal, shown: str) -> Optional[str]:
    rate = spec.kind == "rate"
    if spec.lo is not None and d < spec.lo:
        return f"「{spec.key}」为 {shown}，不能小于 {_fmt_pct(spec.lo) if rate else spec.lo}"
    if spec.hi is not None and d > spec.hi:
        hint = "；比例请写成 0.5% 这样的百分数" if rate else ""
        return f"「{spec.key}」为 {shown}，超出合理范围（最大 {_fmt_pct(spec.hi) if rate else spec.hi}）{hint}"
    return spec.check(d) if spec.check else None


def parse_value(spec: Spec, value) -> Tuple[Any, Optional[str], str]:
    """(typed value, error message or None, problem code) of one 参数 cell."""
    kind = spec.kind
    if kind in ("money", "number", "int"):
        d = _number(value)
        if d is None or (kind == "int" and d != d.to_integral_value()):
            what = "整数" if kind == "int" else "数字"
            return None, f"「{spec.key}」的值「{value}」不是{what}", "E_SETTING_VALUE"
        d = money(d) if kind == "money" else (int(d) if kind == "int" else d)
        return d, _range(spec, Decimal(d), str(d)), "E_SETTING_RANGE"
    if kind == "rate":
        d = _rate(value)
        if d is None:
            return None, f"「{spec.key}」的值「{value}」不是比例（可写 8% 或 0.08）", "E_SETTING_VALUE"
        return d, _range(spec, d, _fmt_pct(d)), "E_SETTING_RANGE"
    if kind == "bool":
        b = _bool(value)
        if b is None:
            return None, f"「{spec.key}」的值「{value}」应为 是 或 否", "E_SETTING_VALUE"
        return b, None, ""
    if kind == "choice":
        s = values.code(value)
        for typed, canon in spec.choices:
            if s == typed:
                return canon, None, ""
        allowed = "、".join(dict.fromkeys(c for _, c in spec.choices))
        return None, f"「{spec.key}」的值「{value}」应为 {allowed} 之一", "E_SETTING_VALUE"
    if kind == "list":
        lst = _list(value)
        if lst is None:
            return None, f"「{spec.key}」的值「{value}」应为用分号分隔的金额，如 2130;2330;2630", "E_SETTING_VALUE"
        lst = tuple(money(x) for x in lst)
        if any(x < 0 for x in lst):
            return None, f"「{spec.key}」不能有负数", "E_SETTING_RANGE"
        return lst, None, ""
    if kind == "code":
        return values.code(value), None, ""
    if kind == "text":
        return values.text(value), None, ""
    raise AssertionError(kind)


def _default(spec: Spec):
    v, msg, _ = parse_value(spec, spec.default)
    assert msg is None, msg
    return v


DEFAULTS: Dict[str, Any] = {s.attr: _default(s) for s in SPECS}


# ---------------------------------------------------------------- the record of one month
def _problems_of(self, stage: str) -> Tuple[Problem, ...]:
    """The problems of the settings `stage` uses, in the order they were found."""
    return tuple(p for p, st in zip(self.problems, self.stages) if st == stage)


def _source(self, key: str) -> Optional[Source]:
    """The 参数 cell the value of `key` (or its attribute name) came from; None: the default."""
    spec = SPEC_BY_KEY.get(norm_key(key))
    return self.sources.get(spec.attr if spec else key)


Settings = make_dataclass(
    "Settings",
    [("month", Optional[Month], None)]
    + [(s.attr, Any, field(default=DEFAULTS[s.attr])) for s in SPECS]
    + [("problems", Tuple[Problem, ...], field(default=(), compare=False)),
       ("stages", Tuple[str, ...], field(default=(), compare=False, repr=False)),  # the stage of each problem
       ("sources", Mapping[str, Source], field(default_factory=dict, compare=False, repr=False))],
    frozen=True, namespace={"source": _source, "problems_of": _problems_of, "__module__": __name__},
)
Settings.__doc__ = """The settings in force in one month, typed (one attribute per `Spec`)."""


def _problem(s: Setting, code: str, message: str, severity: str = ERROR) -> Problem:
    src = s.src if s.src is not None else Source(SHEET)
    if src.sheet != SHEET or src.column != VALUE_COLUMN:
        src = Source(src.sheet or SHEET, src.row, VALUE_COLUMN, src.col)
    return Problem.at(src, code, message, severity)


class SettingsSheet:
    """The 参数 rows, each known key's value parsed once; `at(month)` picks what is in force."""

    def __init__(self, rows: Sequence[Setting]):
        self.rows = tuple(rows)
        self._parsed: Dict[int, Tuple[Any, Optional[str], str]] = {}
        self._months: Dict[Optional[Month], Settings] = {}
        self.month, self.month_problems = self._month()

    def _month(self) -> Tuple[Optional[Month], Tuple[Problem, ...]]:
        for key in MONTH_KEYS:
            for s in self.rows:
                if s.key == key and not values.is_blank(s.value):
                    try:
                        return values.month(s.value), ()
                    except ValueError as e:
                        return None, (Problem.at(s.src, "E_BAD_MONTH", str(e)),)
        return None, ()

    def _parse(self, i: int, spec: Spec):
        out = self._parsed.get(i)
        if out is None:
            out = self._parsed[i] = parse_value(spec, self.rows[i].value)
        return out

    def at(self, month: Optional[Month]) -> Settings:
        """What is in force in `month` (None: the latest row of each key, whatever its date)."""
        got = self._months.get(month)
        if got is None:
            got = self._months[month] = self._resolve(month)
        return got

    def _resolve(self, month: Optional[Month]) -> Settings:
        problems: List[Tuple[Problem, str]] = []  # (problem, stage)
        chosen: Dict[str, Tuple[int, int]] = {}  # attr -> (rank, row index)
        for i, s in enumerate(self.rows):
            key = norm_key(s.key)
            spec = SPEC_BY_KEY.get(key)
            if spec is None and key in DROPPED and not values.is_blank(s.value):
                problems.append((_problem(s, "W_SETTING_UNUSED", f"「{key}」：{DROPPED[key]}", WARNING), PAYROLL))
            if spec is None or values.is_blank(s.value):
                continue
            if s.since is not None and month is not None and s.since > month:
                continue
            rank = s.since.index() if s.since is not None else -1
            cur = chosen.get(spec.attr)
            if cur is not None and rank == cur[0]:
                problems.append((_problem(s, "W_SETTING_DUPLICATE",
                                          f"「{spec.key}」在同一生效月份有多行，使用第 {s.src.row} 行", WARNING), spec.stage))
            if cur is None or rank >= cur[0]:
                chosen[spec.attr] = (rank, i)
        typed: Dict[str, Any] = {}
        sources: Dict[str, Source] = {}
        for spec in SPECS:
            if spec.attr not in chosen:
                continue
            i = chosen[spec.attr][1]
            v, msg, code = self._parse(i, spec)
            if msg:
                problems.append((_problem(self.rows[i], code, msg + f"；已按默认值 {spec.default} 计算"), spec.stage))
                continue
            typed[spec.attr] = v
            sources[spec.attr] = self.rows[i].src
        for lo, hi, name in _PAIRS:
            a, b = typed.get(lo, DEFAULTS[lo]), typed.get(hi, DEFAULTS[hi])
            if a > b:
                used = chosen[hi if hi in typed else lo][1]
                msg = f"{name}下限 {a} 高于上限 {b}；已按默认值计算"
                problems.append((_problem(self.rows[used], "E_SETTING_RANGE", msg), PAYROLL))
                for k in (lo, hi):
                    typed.pop(k, None)
                    sources.pop(k, None)
        return Settings(month=month, problems=tuple(p for p, _ in problems), stages=tuple(st for _, st in problems),
                        sources=sources, **typed)


def read(rows: Sequence[Setting]) -> SettingsSheet:
    """The 参数 rows (records from the reader) as settings."""
    return SettingsSheet(rows)
