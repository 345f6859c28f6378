"""Grids to records: the first stage of every close, check and UDF call.

Each reader takes a `Grid` (values of one sheet, wherever they came from) and
returns records plus problems.  Columns are found by header name (Chinese or
English alias, tolerant of spaces and full-width characters), never by
position.  Readers never raise on bad user input.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import schema, values
from .grid import Grid
from .model import (ACTIVE, ERROR, LEFT, WARNING, Event, HistoryRow, Month, Problem, Rule, Setting,
                    Source, Staff, Tier)
from .rules import PHYSICAL_WORDS, kind_of
from .schema import SheetSpec, norm_text

HEADER_SCAN_ROWS = 10


@dataclass(frozen=True)
class Row:
    """One data row of a table: values by column key, with their cells."""

    sheet: str
    row: int
    values: Mapping[str, Any]
    cols: Mapping[str, int]  # key -> 1-based sheet column
    headers: Mapping[str, str]  # key -> header as written
    extra: Mapping[str, Any] = field(default_factory=dict)

    def header(self, key: str) -> str:
        """The column's header as written, else its Chinese name."""
        if key in self.headers:
            return self.headers[key]
        spec = schema.BY_NAME.get(self.sheet)
        try:
            return spec.column(key).header if spec else key
        except KeyError:
            return key

    def src(self, key: str = "") -> Source:
        if not key:
            return Source(self.sheet, self.row)
        return Source(self.sheet, self.row, self.header(key), self.cols.get(key, 0))

    def get(self, key, default=None):
        return self.values.get(key, default)


@dataclass(frozen=True)
class Table:
    spec: SheetSpec
    rows: Tuple[Row, ...]
    header_row: int
    problems: Tuple[Problem, ...]


@dataclass(frozen=True)
class Located:
    """Where a table's header is and which column holds which key."""

    spec: SheetSpec
    found: Optional[Dict[str, int]]  # key -> index in the grid row (None: no header)
    written: Dict[int, str]
    index: int  # index of the header row in grid.rows
    header_row: int  # sheet row number of the header
    cols: Dict[str, int]  # key -> 1-based sheet column
    problems: Tuple[Problem, ...]

    def row(self, raw, rownum: int) -> "Row":
        found = self.found or {}
        vals = {k: (raw[i] if i < len(raw) else None) for k, i in found.items()}
        known = set(found.values())
        extra = {name: raw[i] for i, name in self.written.items()
                 if i not in known and i < len(raw) and not values.is_blank(raw[i])}
        headers = {k: self.written[i] for k, i in found.items()}
        return Row(self.spec.name, rownum, vals, self.cols, headers, extra)


def locate_header(grid: Optional[Grid], spec: SheetSpec) -> Located:
    if grid is None:
        return Located(spec, None, {}, 0, 0, {},
                       (Problem("E_SHEET_MISSING", f"缺少工作表「{spec.name}」", spec.name),))
    problems: List[Problem] = []
    required = [c.key for c in spec.columns if c.required]
    best = None
    for i, raw in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        found, written = schema.match_columns(spec, raw)
        score = sum(1 for k in required if k in found)
        if found and (best is None or score > best[0] or (score == best[0] and len(found) > len(best[1]))):
            best = (score, found, written, i)
        if score == len(required) and found:
            break
    if best is None:
        return Located(spec, None, {}, 0, 0, {}, (Problem(
            "E_HEADER_MISSING", f"工作表「{spec.name}」找不到表头（第一行应为列名，如 {'、'.join(spec.headers[:4])}）",
            spec.name, 1),))
    _, found, written, hdr_idx = best
    header_row = grid.first_row + hdr_idx
    for k in required:
        if k not in found:
            col = spec.column(k)
            problems.append(Problem("E_COLUMN_MISSING", f"工作表「{spec.name}」缺少必需的列「{col.header}」",
                                    spec.name, header_row, col.header))
    headers = {k: written[i] for k, i in found.items()}
    cols = {k: grid.first_col + i for k, i in found.items()}
    for (r, c) in _merged_data_cells(grid, header_row):
        problems.append(Problem("E_MERGED", "数据区不能有合并单元格，请取消合并并在每个单元格填写", spec.name, r,
                                _header_at(headers, cols, c), col=c))
    return Located(spec, found, written, hdr_idx, header_row, cols, tuple(problems))


def read_table(grid: Optional[Grid], spec: SheetSpec) -> Table:
    """Locate the header row, map columns, yield the non-empty data rows."""
    loc = locate_header(grid, spec)
    if loc.found is None:
        return Table(spec, (), 0, loc.problems)
    rows: List[Row] = []
    for offset in range(loc.index + 1, len(grid.rows)):
        raw = grid.rows[offset]
        if all(values.is_blank(v) for v in raw):
            continue
        rows.append(loc.row(raw, grid.first_row + offset))
    return Table(spec, tuple(rows), loc.header_row, loc.problems)


def _header_at(headers, cols, c) -> str:
    for k, cc in cols.items():
        if cc == c:
            return headers[k]
    return ""


def _merged_data_cells(grid: Grid, header_row: int) -> List[Tuple[int, int]]:
    return [(r1, c1) for (r1, c1, r2, c2) in grid.merged if r2 > header_row and (r1, c1) != (r2, c2)]


class _Collector:
    """Parse cells of a row, collecting problems instead of raising."""

    def __init__(self, row: Row, problems: List[Problem]):
        self.row = row
        self.problems = problems
        self.ok = True

    def _fail(self, key: str, code: str, msg: str, severity=ERROR):
        self.problems.append(Problem.at(self.row.src(key), code, msg, severity))
        if severity == ERROR:
            self.ok = False

    def _error_value(self, key: str) -> bool:
        """An Excel error value (#N/A, #REF! …) in the cell: reported as such."""
        try:
            values.check_error(self.row.get(key))
            return False
        except ValueError as e:
            self._fail(key, "E_CELL_ERROR", f"「{self.row.header(key)}」{e}")
            return True

    def text(self, key: str, required: bool = False, what: str = "") -> str:
        try:
            s = values.text(self.row.get(key))
        except ValueError as e:
            self._fail(key, "E_CELL_ERROR", str(e))
            return ""
        if required and not s:
            self._fail(key, "E_REQUIRED", f"「{self.row.header(key)}」不能为空")
        return s

    def code(self, key: str, required: bool = False) -> str:
        return self.text(key, required).replace(" ", "")

    def decimal(self, key: str, what: str = "") -> Optional[Decimal]:
        if self._error_value(key):
            return None
        try:
            return values.decimal(self.row.get(key))
        except ValueError as e:
            self._fail(key, "E_NOT_NUMBER", f"「{self.row.header(key)}」{e}")
            return None

    def rate(self, key: str) -> Optional[Decimal]:
        if self._error_value(key):
            return None
        try:
            return values.rate(self.row.get(key))
        except ValueError as e:
            self._fail(key, "E_NOT_NUMBER", f"「{self.row.header(key)}」{e}")
            return None

    def date(self, key: str, required: bool = False, year: Optional[int] = None) -> Optional[dt.date]:
        v = self.row.get(key)
        if self._error_value(key):
            return None
        if values.is_blank(v):
            if required:
                self._fail(key, "E_REQUIRED", f"「{self.row.header(key)}」不能为空")
            return None
        try:
            return values.date(v, year=year)
        except ValueError as e:
            self._fail(key, "E_BAD_DATE", str(e))
            return None

    def boolean(self, key: str, default: bool = True) -> bool:
        try:
            return values.boolean(self.row.get(key), default)
        except ValueError as e:
            self._fail(key, "E_BAD_BOOL", str(e))
            return default


# ---------------------------------------------------------------- staff
def read_staff(grid: Optional[Grid]) -> Tuple[Tuple[Staff, ...], List[Problem]]:
    t = read_table(grid, schema.STAFF)
    problems = list(t.problems)
    out: List[Staff] = []
    seen: Dict[str, int] = {}
    for row in t.rows:
        c = _Collector(row, problems)
        sid = c.code("id", required=True)
        name = c.text("name", required=True)
        status = c.text("status") or ACTIVE
        if status not in schema.STAFF_STATUSES:
            c._fail("status", "E_BAD_STATUS", f"状态「{status}」应为 在职 或 离职")
        hired = c.date("hired")
        left = c.date("left")
        extra: Dict[str, Any] = {}
        for key in ("si_base", "special_deduction"):
            v = c.decimal(key)
            if v is not None:
                extra[key] = v
        for key in ("password", "id_tail"):
            v = c.text(key)
            if v:
                extra[key] = v
        for name_, v in row.extra.items():
            extra[name_] = v
        if sid and sid in seen:
            c._fail("id", "E_DUPLICATE_STAFF", f"工号「{sid}」重复（第 {seen[sid]} 行已有）")
        if not c.ok or not sid:
            continue
        seen[sid] = row.row
        if status == LEFT and left is None:
            problems.append(Problem.at(row.src("left"), "W_LEFT_NO_DATE",
                                       f"员工「{name}」已离职但没有填写离职日期，按已离职处理", WARNING))
        out.append(Staff(sid, name, c.text("tier"), c.text("role"), hired, c.text("group"), status, left,
                         extra, row.src()))
    return tuple(out), problems


# ---------------------------------------------------------------- events
_FAST_STATUS = frozenset(schema.EVENT_STATUSES)
_DEC_CACHE: Dict[Any, Decimal] = {}


def _fast_decimal(v) -> Optional[Decimal]:
    """Plain numbers (the common case) without the general parser; None for anything else."""
    t = type(v)
    if t is float or t is int:
        d = _DEC_CACHE.get(v)
        if d is None:
            d = Decimal(v) if t is int else Decimal(repr(v))
            if len(_DEC_CACHE) < 100_000:
                _DEC_CACHE[v] = d
        return d
    return None


def _event_fast(raw, idx, rownum, year, src_sheet) -> Optional[Event]:
    """Parse one event row when every cell is of the plain expected type; else None."""
    def cell(key):
        i = idx.get(key)
        return raw[i] if i is not None and i < len(raw) else None

    d = cell("date")
    if type(d) is dt.datetime:
        d = d.date()
    elif type(d) is not dt.date:
        return None
    sid, rule = cell("id"), cell("rule")
    if type(sid) is not str or type(rule) is not str or "#" in sid or "#" in rule:
        return None
    sid, rule = values.code(sid), values.code(rule)
    if not sid or not rule:
        return None
    q = cell("qty")
    if q is None or q == "":
        qty = Decimal(1)
    else:
        qty = _fast_decimal(q)
        if qty is None or qty <= 0:
            return None
    vals = []
    for key in ("points", "amount"):
        v = cell(key)
        if v is None or v == "":
            vals.append(None)
        else:
            x = _fast_decimal(v)
            if x is None:
                return None
            vals.append(x)
    texts = []
    for key in ("rating", "status", "note", "approver", "issuer"):
        v = cell(key)
        if v is None:
            texts.append("")
        elif type(v) is str and "#" not in v:
            texts.append(values.norm_text(v))
        else:
            return None
    rating, status, note, approver, issuer = texts
    if status not in _FAST_STATUS or (rating and any(w in rating for w in PHYSICAL_WORDS)) or \
            (note and any(w in note for w in PHYSICAL_WORDS)):
        return None
    dates = []
    for key in ("approved", "published"):
        v = cell(key)
        if v is None or v == "":
            dates.append(None)
        elif type(v) is dt.datetime:
            dates.append(v.date())
        elif type(v) is dt.date:
            dates.append(v)
        else:
            return None
    return Event(rownum, d, sid, rule, qty, vals[0], vals[1], rating, status, note, approver, dates[0], dates[1],
                 issuer, Source(src_sheet, rownum))


def read_events(grid: Optional[Grid], year: Optional[int] = None) -> Tuple[Tuple[Event, ...], List[Problem]]:
    """All rows of the 事件 sheet; which month they belong to is decided later.

    Rows whose cells all have the plain expected types take a fast path; any
    other row goes through the careful parser that explains every problem.
    """
    loc = locate_header(grid, schema.EVENTS)
    problems = list(loc.problems)
    if loc.found is None:
        return (), problems
    out: List[Event] = []
    idx = loc.found
    for offset in range(loc.index + 1, len(grid.rows)):
        raw = grid.rows[offset]
        rownum = grid.first_row + offset
        ev = _event_fast(raw, idx, rownum, year, grid.sheet)
        if ev is not None:
            out.append(ev)
            continue
        if all(values.is_blank(v) for v in raw):
            continue
        ev = _event_careful(loc.row(raw, rownum), year, problems)
        if ev is not None:
            out.append(ev)
    return tuple(out), problems


def _event_careful(row: "Row", year, problems: List[Problem]) -> Optional[Event]:
    c = _Collector(row, problems)
    d = c.date("date", required=True, year=year)
    sid = c.code("id", required=True)
    rule = c.code("rule", required=True)
    qty = c.decimal("qty")
    if qty is None and c.ok:
        qty = Decimal(1)
    elif qty is not None and qty <= 0:
        c._fail("qty", "E_BAD_QTY", "数量必须大于 0")
    points = c.decimal("points")
    amount = c.decimal("amount")
    rating = c.text("rating")
    for w in PHYSICAL_WORDS:
        if w in rating or w in c.text("note"):
            c._fail("rating" if w in rating else "note", "E_PHYSICAL",
                    f"「{w}」属于体罚，不能作为处分记录（DOMAIN §9）")
            break
    status = c.text("status")
    if status not in schema.EVENT_STATUSES:
        c._fail("status", "E_BAD_STATUS", f"状态「{status}」应为 {'/'.join(s for s in schema.EVENT_STATUSES if s)} 或留空")
    approved = c.date("approved", year=year)
    published = c.date("published", year=year)
    if not c.ok:
        return None
    return Event(row.row, d, sid, rule, qty, points, amount, rating, status, c.text("note"),
                 c.text("approver"), approved, published, c.text("issuer"), row.src())


# ---------------------------------------------------------------- rules
def read_rules(grid: Optional[Grid]) -> Tuple[Tuple[Rule, ...], List[Problem]]:
    t = read_table(grid, schema.RULES)
    problems = list(t.problems)
    out: List[Rule] = []
    for row in t.rows:
        c = _Collector(row, problems)
        code = c.code("code", required=True)
        kind_text = c.text("kind", required=True)
        kind = kind_of(kind_text) if kind_text else None
        if kind_text and kind is None:
            c._fail("kind", "E_RULE_KIND", f"规则类型「{kind_text}」不认识；可用：计次、评级、分档、指标、条件、排名、连续、"
                                           f"基础分、维度、封顶、合格线、评定、奖金扣减、超额、增长、排除、公共提成、处分、小红花")
        cap = c.decimal("cap")
        floor = c.decimal("floor")
        enabled = c.boolean("enabled", True)
        if not c.ok:
            continue
        out.append(Rule(code, c.text("name") or code, kind, c.text("source"), c.text("scheme"),
                        c.text("points"), c.text("amount"), c.text("params"), c.code("metric"),
                        c.code("component"), c.text("window"), c.text("scope"), cap, floor, c.text("title"),
                        c.text("category"), c.text("unit"), enabled, c.text("note"), row.src()))
    return tuple(out), problems


# ---------------------------------------------------------------- tiers
_TIER_DECIMALS = ("skill_allowance", "seniority_step", "seniority_cap")
_TIER_RATES = ("bonus_rate", "commission_rate")


def read_tiers(grid: Optional[Grid]) -> Tuple[Tuple[Tier, ...], List[Problem]]:
    t = read_table(grid, schema.TIERS)
    problems = list(t.problems)
    out: List[Tier] = []
    seen = set()
    for row in t.rows:
        c = _Collector(row, problems)
        name = c.text("tier", required=True)
        base = c.decimal("base_pay")
        extra: Dict[str, Any] = {}
        for k in _TIER_DECIMALS:
            v = c.decimal(k)
            if v is not None:
                extra[k] = v
        for k in _TIER_RATES:
            v = c.rate(k)
            if v is not None:
                extra[k] = v
        if c.text("promote_to"):
            extra["promote_to"] = c.text("promote_to")
        pm = c.decimal("promote_months")
        if pm is not None:
            extra["promote_months"] = pm
        extra.update(row.extra)
        if name in seen:
            c._fail("tier", "E_DUPLICATE_TIER", f"等级「{name}」重复")
        if not c.ok:
            continue
        seen.add(name)
        out.append(Tier(name, base if base is not None else Decimal(0), extra, row.src()))
    return tuple(out), problems


# ---------------------------------------------------------------- settings
def read_settings(grid: Optional[Grid]) -> Tuple[Tuple[Setting, ...], List[Problem]]:
    t = read_table(grid, schema.SETTINGS)
    problems = list(t.problems)
    out: List[Setting] = []
    for row in t.rows:
        c = _Collector(row, problems)
        key = c.text("key", required=True).replace(" ", "")
        since = None
        raw_since = row.get("since")
        if not values.is_blank(raw_since):
            try:
                since = values.month(raw_since)
            except ValueError as e:
                c._fail("since", "E_BAD_MONTH", str(e))
        v = row.get("value")
        try:
            values.check_error(v)
        except ValueError as e:
            c._fail("value", "E_CELL_ERROR", str(e))
        if not c.ok or not key:
            continue
        out.append(Setting(key, v.strip() if isinstance(v, str) else v, since, row.src("value")))
    return tuple(out), problems


# ---------------------------------------------------------------- history
def format_counters(counters: Mapping[str, Tuple[Decimal, Decimal]]) -> str:
    """Counters as compact JSON text: {"code": [count, sum]} with sorted keys."""
    return json.dumps({k: [_num(n), _num(s)] for k, (n, s) in sorted(counters.items())},
                      ensure_ascii=False, separators=(",", ":"))


def _num(d: Decimal):
    d = Decimal(d)
    return int(d) if d == d.to_integral_value() else str(d.normalize())


def parse_counters(text: str) -> Dict[str, Tuple[Decimal, Decimal]]:
    if not text:
        return {}
    data = json.loads(text)
    return {k: (Decimal(str(v[0])), Decimal(str(v[1]))) for k, v in data.items()}


def read_history(grid: Optional[Grid]) -> Tuple[Tuple[HistoryRow, ...], List[Problem]]:
    if grid is None:
        return (), []
    t = read_table(grid, schema.HISTORY)
    problems = [p for p in t.problems if p.code != "E_HEADER_MISSING"]
    out: List[HistoryRow] = []
    for row in t.rows:
        c = _Collector(row, problems)
        try:
            m = values.month(row.get("month"))
        except ValueError as e:
            c._fail("month", "E_HISTORY", f"历史表月份无法识别：{e}")
            continue
        sid = c.code("id")
        if m is None or not sid:
            continue
        rank = c.decimal("rank")
        ranked = c.decimal("ranked")
        version = c.decimal("version")
        try:
            counters = parse_counters(c.text("counters"))
        except (ValueError, TypeError, AttributeError, IndexError):
            c._fail("counters", "E_HISTORY", "历史表「计数」列已损坏（请勿手工修改历史表）")
            continue
        if not c.ok:
            continue
        out.append(HistoryRow(m, sid, c.text("name"), c.text("group"), c.decimal("score") or Decimal(0),
                              int(rank) if rank is not None else None, int(ranked or 0), c.text("grade"),
                              c.text("passed") != "否", c.text("excluded") == "是", counters,
                              int(version or 1), c.text("digest"), c.text("state") or "有效", c.text("note"),
                              row.src()))
    return tuple(out), problems


# ---------------------------------------------------------------- the whole book
@dataclass(frozen=True)
class Book:
    """Everything a close needs, as records."""

    staff: Tuple[Staff, ...]
    events: Tuple[Event, ...]
    rules: Tuple[Rule, ...]
    tiers: Tuple[Tier, ...]
    settings: Tuple[Setting, ...]
    history: Tuple[HistoryRow, ...] = ()
    log: Tuple[Tuple[Any, ...], ...] = ()

    def setting(self, key: str, month: Optional[Month] = None, default=None):
        return setting_value(self.settings, key, month, default)


def setting_value(settings: Sequence[Setting], key: str, month: Optional[Month] = None, default=None):
    """The value of a (possibly dated) setting in force in `month`."""
    best = None
    for s in settings:
        if s.key != key:
            continue
        if s.since is not None and month is not None and s.since > month:
            continue
        if best is None or (s.since or Month(1, 1)) >= (best.since or Month(1, 1)):
            best = s
    if best is None or values.is_blank(best.value):
        return default
    return best.value


def setting_source(settings: Sequence[Setting], key: str) -> Optional[Source]:
    for s in settings:
        if s.key == key:
            return s.src
    return None


def read_book(grids: Mapping[str, Grid], year: Optional[int] = None) -> Tuple[Book, List[Problem]]:
    """Read all input sheets (and the history) of a workbook given as Grids."""
    problems: List[Problem] = []
    settings, p = read_settings(grids.get(schema.SETTINGS.name)); problems += p
    if year is None:
        m = month_setting(settings, problems)
        year = m.year if m else None
    staff, p = read_staff(grids.get(schema.STAFF.name)); problems += p
    events, p = read_events(grids.get(schema.EVENTS.name), year); problems += p
    rules, p = read_rules(grids.get(schema.RULES.name)); problems += p
    tiers, p = read_tiers(grids.get(schema.TIERS.name)); problems += p
    history, p = read_history(grids.get(schema.HISTORY.name)); problems += p
    return Book(staff, events, rules, tiers, settings, history), problems


MONTH_KEYS = ("月份", "本月", "考核月份", "当前月份")
SCHEME_KEYS = ("方案", "考核方案")


def month_setting(settings: Sequence[Setting], problems: Optional[List[Problem]] = None) -> Optional[Month]:
    for key in MONTH_KEYS:
        for s in settings:
            if s.key == key and not values.is_blank(s.value):
                try:
                    return values.month(s.value)
                except ValueError as e:
                    if problems is not None:
                        problems.append(Problem.at(s.src, "E_BAD_MONTH", str(e)))
                    return None
    return None


def scheme_setting(settings: Sequence[Setting]) -> str:
    for key in SCHEME_KEYS:
        v = setting_value(settings, key)
        if v is not None:
            return values.code(v)
    return ""
