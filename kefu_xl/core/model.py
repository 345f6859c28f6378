"""Plain immutable records shared by every part of kefu-xl.

The engine, the payroll and the writers only ever see these records; readers
build them from sheets (a file, a live Excel book or UDF arguments) and every
record remembers the cell it came from, so that any problem can point at it.
Nothing here imports openpyxl or xlwings.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal, ROUND_HALF_UP
from typing import Any, Mapping, NamedTuple, Optional, Tuple

FEN = Decimal("0.01")
ZERO = Decimal("0")


def money(value) -> Decimal:
    """Round to the fen, half up (DOMAIN §8)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    return str(money(value))


def fmt_points(value: Decimal):
    """Points as an int when whole, else a float (for JSON and cells)."""
    v = Decimal(value)
    if v == v.to_integral_value():
        return int(v)
    return float(v)


# --------------------------------------------------------------------------
# Where things come from, and what is wrong with them
# --------------------------------------------------------------------------
class Source(NamedTuple):
    """A cell: sheet name, 1-based row, column header (as the user wrote it).  A NamedTuple: every
    event and history row has one."""

    sheet: str
    row: int = 0
    column: str = ""
    col: int = 0  # 1-based column index, 0 when unknown

    def at(self, column: str, col: int = 0) -> "Source":
        return Source(self.sheet, self.row, column, col)


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. Errors stop a close; warnings do not."""

    code: str  # stable, e.g. "E_UNKNOWN_STAFF"
    message: str  # Chinese, for HR
    sheet: str = ""
    row: int = 0
    column: str = ""
    severity: str = ERROR
    col: int = 0

    @classmethod
    def at(cls, src: Optional[Source], code: str, message: str, severity: str = ERROR) -> "Problem":
        if src is None:
            return cls(code, message, severity=severity)
        return cls(code, message, src.sheet, src.row, src.column, severity, src.col)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_json(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "code": self.code,
            "severity": self.severity,
        }


# --------------------------------------------------------------------------
# Months
# --------------------------------------------------------------------------
class Month(NamedTuple):
    """A calendar month.  A tuple underneath: hashing and comparing (history is grouped by
    month everywhere) run in C."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> _dt.date:
        return _dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> _dt.date:
        return self.next().first_day - _dt.timedelta(days=1)

    def next(self) -> "Month":
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def prev(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def shift(self, n: int) -> "Month":
        idx = self.year * 12 + self.month - 1 + n
        return Month(idx // 12, idx % 12 + 1)

    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def contains(self, d: _dt.date) -> bool:
        return d.year == self.year and d.month == self.month

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def is_quarter_end(self) -> bool:
        return self.month % 3 == 0

    @classmethod
    def of(cls, d: _dt.date) -> "Month":
        return cls(d.year, d.month)


# --------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------
ACTIVE = "在职"
LEFT = "离职"


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    tier: str = ""
    role: str = ""
    hired: Optional[_dt.date] = None
    group: str = ""
    status: str = ACTIVE
    left: Optional[_dt.date] = None  # 离职日期
    # Optional pay columns (payroll); anything else the sheet has, as text keys.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    src: Source = field(default=Source("员工"), compare=False)

    def active_in(self, month: Month) -> bool:
        """On the books during the month (left staff are paid their last month)."""
        if self.hired and self.hired > month.last_day:
            return False
        if self.status == LEFT:
            return self.left is not None and self.left >= month.first_day
        return True


new_record = tuple.__new__  # new_record(Event, (...)): a NamedTuple made without its Python-level __new__


class Event(NamedTuple):
    """One row of the 事件 sheet (a NamedTuple: immutable and cheap, there are many)."""

    row: int  # sheet row, used as a stable id of the event
    date: _dt.date
    staff_id: str
    rule: str  # rule code as normalised
    qty: Decimal = Decimal(1)
    points: Optional[Decimal] = None  # HR-entered points (within the rule's range)
    amount: Optional[Decimal] = None  # money or metric value
    rating: str = ""  # 评价: 优/良/中/差 or a sanction word
    status: str = ""
    note: str = ""
    approver: str = ""
    approved: Optional[_dt.date] = None
    published: Optional[_dt.date] = None
    issuer: str = ""  # 发放人 (小红花)
    src: Source = Source("事件")


class ProcessDates(NamedTuple):
    """The process columns of one 事件 row (E-6, B-5, D-10), kept beside the event by its row."""

    incident: Optional[_dt.date] = None  # 发生日期 (blank: the event's date)
    recorded: Optional[_dt.date] = None  # 记录日期
    objected: Optional[_dt.date] = None  # 异议日期
    decided: Optional[_dt.date] = None  # 异议决定日期
    leader: str = ""  # 失职领导 (D-10)


class Order(NamedTuple):
    """One row of 订单 (D-11, C-5)."""

    order: str
    date: _dt.date
    staff_id: str  # as written (blank: found in the note)
    amount: Decimal
    discount: Decimal = Decimal(0)
    note: str = ""
    approver: str = ""
    paid_status: str = ""
    paid: Optional[_dt.date] = None
    rule: str = ""
    margin: Optional[Decimal] = None
    src: Source = Source("订单")


class WeekPlan(NamedTuple):
    """One row of 周计划 (A1-7)."""

    week: _dt.date
    staff_id: str
    rate: Decimal
    note: str = ""
    src: Source = Source("周计划")


class Exam(NamedTuple):
    """One row of 考试 (B-7)."""

    date: _dt.date
    staff_id: str
    subject: str
    score: Decimal
    full: Decimal = Decimal(100)
    note: str = ""
    src: Source = Source("考试")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    kind: str  # canonical English kind, see rules.KINDS
    source: str = ""  # DOMAIN ID(s)
    scheme: str = ""  # blank: every scheme
    points: str = ""  # value spec (see rules.parse_spec)
    amount: str = ""  # value spec
    params: str = ""  # kind-specific text (bands, conditions, awards)
    metric: str = ""  # rule code of a metric, or 得分
    component: str = ""  # 维度: code of a component rule
    window: str = ""  # 月/季/年/累计, or N (months)
    scope: str = ""  # 个人/全组/全体
    cap: Optional[Decimal] = None  # 上限
    floor: Optional[Decimal] = None  # 下限
    title: str = ""  # 称号 awarded
    category: str = ""  # 积分/奖金/罚款/提成/扣款 (derived when blank)
    unit: str = ""  # % for percent metrics
    enabled: bool = True
    note: str = ""
    src: Source = field(default=Source("规则"), compare=False)


@dataclass(frozen=True)
class Tier:
    tier: str
    base_pay: Decimal = ZERO
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    src: Source = field(default=Source("等级"), compare=False)


@dataclass(frozen=True)
class Setting:
    key: str
    value: Any
    since: Optional[Month] = None  # 生效月份: dated settings
    src: Source = field(default=Source("参数"), compare=False)


class Metric(NamedTuple):
    """One row of the 指标 sheet: a person's metric for a month, under one import key."""

    month: Month
    staff_id: str
    name: str  # canonical metric name (core.metrics) or the name as written
    value: Decimal  # rates as fractions (0.95)
    source: str = ""  # file, sheet and row it was imported from
    key: str = ""  # import key: source|account|period ("" when typed by hand)
    src: Source = Source("指标")


@dataclass(frozen=True)
class ImportMapping:
    """One row of 导入映射: how a 指标 name reaches the rules."""

    column: str  # the 指标 name
    metric: str = ""  # a metric rule code that reads the value
    rule: str = ""  # a rule code: events of quantity value × factor are generated at import
    factor: Decimal = Decimal(1)
    status: str = ""  # status of generated events
    scheme: str = ""  # blank: every scheme
    source: str = ""  # a source name (chitu-presale …); blank: any
    source_id: str = ""  # DOMAIN ID
    note: str = ""
    src: Source = field(default=Source("导入映射"), compare=False)


@dataclass(frozen=True)
class HistoryRow:
    """One person in one closed month, as kept in the 历史 sheet."""

    month: Month
    staff_id: str
    name: str = ""
    group: str = ""
    score: Decimal = ZERO
    rank: Optional[int] = None
    ranked: int = 0  # how many were ranked that month (to know "last place")
    grade: str = ""
    passed: bool = True
    excluded: bool = False
    # per rule code: (occurrences, sum of values) in that month
    counters: Mapping[str, Tuple[Decimal, Decimal]] = field(default_factory=dict, compare=False, hash=False)
    version: int = 1
    digest: str = ""
    state: str = "有效"  # 有效, or 冲销 (a reversal written by reopen)
    note: str = ""
    src: Source = field(default=Source("历史"), compare=False)


class CarryRow(NamedTuple):
    """One line of the 结转 sheet: an event a close did not count (未计入), or an event of an earlier
    month a close counted because it became countable since (已计入).  Written by every close; a row
    counts only while its close (月份, 版本) is the month's closed version (a reopen voids it)."""

    month: Month  # the close that wrote the row
    version: int
    event_row: int  # 事件 sheet row
    staff_id: str
    rule: str
    state: str  # 未计入 / 已计入
    origin: Month  # the month the event is dated in
    date: Optional[_dt.date] = None
    note: str = ""
    src: Source = Source("结转")


class Transfer(NamedTuple):
    """One row of the 调动 sheet: from `date` on, the person is in `group`."""

    staff_id: str
    date: _dt.date
    group: str
    src: Source = Source("调动")


_HISTORY_FIELDS = tuple(HistoryRow.__dataclass_fields__)


def new_history_row(values: tuple) -> HistoryRow:
    """HistoryRow(*values), all sixteen given, without the frozen dataclass's __init__ (which sets each
    field through object.__setattr__: a year of a large team reads tens of thousands of rows)."""
    row = object.__new__(HistoryRow)
    row.__dict__.update(zip(_HISTORY_FIELDS, values))
    return row


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------
# Categories of a result line.  Points change the score; money goes to payroll.
CAT_POINTS = "积分"
CAT_REWARD = "奖金"  # money paid on top (awards, rewards)
CAT_FINE = "罚款"  # performance deductions (fines) - Article 16 guarded in payroll
CAT_LOSS = "赔偿"  # compensation for losses the employee caused (Article 16)
CAT_COMMISSION = "提成"
CAT_INFO = "记录"  # warnings, flags, titles: no points, no money


class Line(NamedTuple):
    """One explained item behind a person's score or pay (a NamedTuple: cheap, there are many)."""

    staff_id: str
    rule: str
    points: Decimal = ZERO
    amount: Decimal = ZERO
    category: str = CAT_POINTS
    date: Optional[_dt.date] = None
    note: str = ""
    source: str = ""  # DOMAIN ID(s) of the rule
    event_row: int = 0  # 事件 sheet row, 0 when not from one event
    counts: bool = True  # False for lines outside the score (e.g. in a clamped-away part)

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat() if self.date else "",
            "rule": self.rule,
            "points": fmt_points(self.points),
            "amount": fmt_money(self.amount),
            "note": self.note,
            "source": self.source,
        }


@dataclass(frozen=True)
class PersonResult:
    staff: Staff
    score: Decimal
    raw_score: Decimal  # before cap and floor
    rank: Optional[int]  # None when excluded from ranking
    grade: str
    passed: bool
    bonus_cut: Decimal  # share of the month's bonus withheld (A2-12)
    bonus_pct: Decimal  # extra bonus share earned per point above a line (A2-7)
    excluded: bool
    flags: Tuple[str, ...]
    titles: Tuple[str, ...]
    lines: Tuple[Line, ...]
    counters: Mapping[str, Tuple[Decimal, Decimal]] = field(default_factory=dict, compare=False, hash=False)

    def money_by_category(self) -> dict:
        out: dict = {}
        for ln in self.lines:
            if ln.amount:
                out[ln.category] = out.get(ln.category, ZERO) + ln.amount
        return out


@dataclass(frozen=True)
class MonthResult:
    month: Month
    scheme: str
    people: Tuple[PersonResult, ...]
    problems: Tuple[Problem, ...]
    pending: Tuple[Event, ...] = ()  # events not yet effective (workflow)
    ranked: int = 0
    carried: Tuple[Tuple[Event, Month], ...] = ()  # events of earlier months counted now, with their month

    @property
    def errors(self) -> Tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    def person(self, staff_id: str) -> Optional[PersonResult]:
        for p in self.people:
            if p.staff.id == staff_id:
                return p
        return None
