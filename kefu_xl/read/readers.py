"""Grids to records: the first stage of every close, check and UDF call.

Each reader takes a `Grid` (values of one sheet, wherever they came from) and
returns records plus problems.  Columns are found by header name (Chinese or
English alias, tolerant of spaces and full-width characters), never by
position.  Readers never raise on bad user input.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..core import schema
from ..core import settings as settings_mod
from ..core import values
from ..core.grid import Grid
from ..core.model import (ACTIVE, ERROR, LEFT, WARNING, CarryRow, Event, HistoryRow, ImportMapping, Metric, Month,
                    Problem, Rule, Setting, ZERO, Source, Staff, Tier, Transfer, new_history_row, new_record)
from ..core.calendar import KIND_WORDS, CalendarDay
from ..rules.grammar import PHYSICAL_WORDS, kind_of
from ..core.schema import SheetSpec, norm_text

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
    problems += _duplicate_columns(spec, found, written, header_row, grid.first_col)
    for (r, c) in _merged_data_cells(grid, header_row):
        problems.append(Problem("E_MERGED", "数据区不能有合并单元格，请取消合并并在每个单元格填写", spec.name, r,
                                _header_at(headers, cols, c), col=c))
    return Located(spec, found, written, hdr_idx, header_row, cols, tuple(problems))


def _duplicate_columns(spec: SheetSpec, found: Dict[str, int], written: Dict[int, str], header_row: int,
                       first_col: int) -> List[Problem]:
    """A header written twice: only the first column is read; say so (W_DUPLICATE_COLUMN)."""
    out: List[Problem] = []
    used = set(found.values())
    first_of: Dict[str, int] = {}
    for i, text in sorted(written.items()):
        key = schema.match_columns(spec, [text])[0]
        k = next(iter(key), None) if key else None
        name = k or text
        if name in first_of or (k is not None and k in found and found[k] != i and i not in used):
            j = first_of.get(name, found.get(k, i))
            out.append(Problem("W_DUPLICATE_COLUMN", f"工作表「{spec.name}」的列「{text}」出现了两次（第 "
                                                     f"{schema.col_letter(first_col + j)} 列和第 "
                                                     f"{schema.col_letter(first_col + i)} 列），只读取第一列，"
                                                     "另一列被忽略；请删除或改名其中一列", spec.name, header_row, text,
                               WARNING, first_col + i))
        else:
            first_of[name] = i
    return out


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

    def pay_amount(self, key: str) -> Optional[Decimal]:
        """A monthly amount in yuan within values.PAY_LIMITS (基本工资, 社保基数, 专项附加扣除)."""
        v = self.decimal(key)
        if v is None:
            return None
        low, high = values.PAY_LIMITS[key]
        if v < low:
            self._fail(key, "E_BAD_AMOUNT", f"「{self.row.header(key)}」不能为负数（{values.fmt_plain(v)}）")
            return None
        if v > high:
            self._fail(key, "E_BAD_AMOUNT", f"「{self.row.header(key)}」{values.fmt_plain(v)} 大得不合理"
                                            f"（每月最多 {values.fmt_plain(high)} 元），请检查")
            return None
        return v

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
    seen: Dict[str, int] = {}  # 工号 case-folded -> row
    seen_id: Dict[str, str] = {}
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
            v = c.pay_amount(key)
            if v is not None:
                extra[key] = v
        for key in ("password", "id_tail"):
            v = c.text(key)
            if v:
                extra[key] = v
        accounts = split_accounts(c.text("accounts"))
        if accounts:
            extra["accounts"] = accounts
        birthday = c.date("birthday")
        if birthday is not None:
            extra["birthday"] = birthday
        for name_, v in row.extra.items():
            extra[name_] = v
        key = sid.casefold() if sid else sid
        if sid and key in seen:
            same = seen_id[key] == sid
            c._fail("id", "E_DUPLICATE_STAFF", f"工号「{sid}」重复（第 {seen[key]} 行已有）" if same else
                    f"工号「{sid}」与第 {seen[key]} 行的「{seen_id[key]}」只差大小写：是同一个人请合并为一行，"
                    "不是同一个人请换一个工号（Windows/macOS 上它们的工资条文件会重名）")
        if not c.ok or not sid:
            continue
        seen[key] = row.row
        seen_id[key] = sid
        if status == LEFT and left is None:
            problems.append(Problem.at(row.src("left"), "W_LEFT_NO_DATE",
                                       f"员工「{name}」已离职但没有填写离职日期，按已离职处理", WARNING))
        out.append(Staff(sid, name, c.text("tier"), c.text("role"), hired, c.text("group"), status, left,
                         extra, row.src()))
    return tuple(out), problems


_ACCOUNT_SEP = re.compile(r"[,，;；、\n]+")


def split_accounts(text: str) -> Tuple[str, ...]:
    """The 平台账号 cell: accounts separated by commas, semicolons or 、 (a shop prefix such as
    "天猫:小王" is part of the account as written)."""
    return tuple(a.strip() for a in _ACCOUNT_SEP.split(text or "") if a.strip())


# ---------------------------------------------------------------- 指标, 导入映射
def read_metrics(grid: Optional[Grid]) -> Tuple[Tuple[Metric, ...], List[Problem]]:
    """The 指标 rows (a missing sheet: none).  The same person, month, metric and import key twice is an
    error; rates are read as fractions ("95%" and 0.95 alike; a rate above 1 is a percent)."""
    from ..core import metrics as catalogue
    if grid is None:
        return (), []
    t = read_table(grid, schema.METRICS)
    problems = [p for p in t.problems if p.code != "E_HEADER_MISSING"]
    out: List[Metric] = []
    seen: Dict[tuple, int] = {}
    for row in t.rows:
        c = _Collector(row, problems)
        m = None
        try:
            m = values.month(row.get("month"))
        except ValueError as e:
            c._fail("month", "E_BAD_MONTH", str(e))
        if m is None and c.ok:
            c._fail("month", "E_REQUIRED", f"「{row.header('month')}」不能为空")
        sid = c.code("id", required=True)
        name = c.text("metric", required=True)
        v = c.rate("value") if catalogue.is_rate(name) else c.decimal("value")
        if v is None and c.ok:
            c._fail("value", "E_REQUIRED", f"「{row.header('value')}」不能为空")
        key = c.text("key")
        if not c.ok:
            continue
        k = (m, sid, name, key)
        if k in seen:
            c._fail("metric", "E_METRIC_DUPLICATE",
                    f"{m} 工号「{sid}」的指标「{name}」重复（第 {seen[k]} 行已有{'，导入键相同' if key else ''}）")
            continue
        seen[k] = row.row
        out.append(Metric(m, sid, name, v, c.text("source"), key, row.src("value")))
    return tuple(out), problems


def read_import_map(grid: Optional[Grid]) -> Tuple[Tuple[ImportMapping, ...], List[Problem]]:
    """The 导入映射 rows (a missing sheet: none)."""
    if grid is None:
        return (), []
    t = read_table(grid, schema.IMPORT_MAP)
    problems = [p for p in t.problems if p.code != "E_HEADER_MISSING"]
    out: List[ImportMapping] = []
    for row in t.rows:
        c = _Collector(row, problems)
        column = c.text("column", required=True)
        metric, rule = c.code("metric"), c.code("rule")
        factor = c.decimal("factor")
        if c.ok and not metric and not rule:
            c._fail("metric", "E_MAPPING", f"导入映射「{column}」应填写 指标代码 或 规则")
        if not c.ok:
            continue
        out.append(ImportMapping(column, metric, rule, Decimal(1) if factor is None else factor, c.text("status"),
                                 c.code("scheme"), c.code("source"), c.text("source_id"), c.text("note"),
                                 row.src()))
    return tuple(out), problems


# ---------------------------------------------------------------- events
_FAST_STATUS = frozenset(schema.EVENT_STATUSES)
_INT_DEC: Dict[int, Decimal] = {}
_FLOAT_DEC: Dict[float, Decimal] = {}
_CODE_CACHE: Dict[str, str] = {}
_PHYSICAL = re.compile("|".join(map(re.escape, PHYSICAL_WORDS)))
_DATE, _DATETIME = dt.date, dt.datetime


_LIMIT = int(values.NUMBER_LIMIT)


def _fast_decimal(v) -> Optional[Decimal]:
    """Plain numbers (the common case) as values.decimal reads them, memoised; None for anything else.

    Ints and floats are memoised apart: 1 and 1.0 are equal keys, but
    Decimal(1) and Decimal("1.0") are not the same reading.
    """
    t = type(v)
    if t is int:
        if not -_LIMIT < v < _LIMIT:
            return None  # the careful parser says why
        d = _INT_DEC.get(v)
        if d is None:
            d = Decimal(v)
            if len(_INT_DEC) < 100_000:
                _INT_DEC[v] = d
        return d
    if t is float:
        if not -_LIMIT < v < _LIMIT:  # also NaN
            return None
        d = _FLOAT_DEC.get(v)
        if d is None:
            d = Decimal(repr(v))
            if len(_FLOAT_DEC) < 100_000:
                _FLOAT_DEC[v] = d
        return d
    return None


def _fast_code(v: str) -> str:
    """values.code of a text cell without "#" (memoised: ids and rule codes repeat on every row)."""
    out = _CODE_CACHE.get(v)
    if out is None:
        out = values.code(v)
        if len(_CODE_CACHE) > 200_000:
            _CODE_CACHE.clear()
        _CODE_CACHE[v] = out
    return out


_FAST_TEXT: Dict[Any, str] = {None: ""}  # what _fast_text gave for an empty or a text cell


def _fast_text(v) -> Optional[str]:
    """values.text of an empty or text cell without "#"; None for anything else.  Remembered in
    _FAST_TEXT, where a hot loop can look a cell up first (`_FAST_TEXT.get(v)`: None when unknown)."""
    if v is None:
        return ""
    if type(v) is str and "#" not in v:
        out = _FAST_TEXT.get(v)
        if out is None:
            out = norm_text(v)
            if len(_FAST_TEXT) > 200_000:
                _FAST_TEXT.clear()
                _FAST_TEXT[None] = ""
            _FAST_TEXT[v] = out
        return out
    return None


def _fast_day(v):
    """A date cell as a date, None when empty, False when it is anything else."""
    t = type(v)
    if t is _DATE:
        return v
    if t is _DATETIME:
        return v.date()
    if v is None or v == "":
        return None
    return False


_EVENT_KEYS = ("date", "id", "rule", "qty", "points", "amount", "rating", "status", "note", "approver", "approved",
               "published", "issuer")


def _cells(idx: Mapping[str, int], keys: Sequence[str]):
    """A function taking a grid row to the cells of `keys`, in order (None for a missing column or cell).

    An itemgetter does the picking in C; rows shorter than the widest column
    (and every row, when a column is missing) are padded first.
    """
    width = max(idx.values(), default=-1) + 1
    pick = operator.itemgetter(*(idx.get(k, width) for k in keys))
    if all(k in idx for k in keys):
        return lambda raw: pick(raw if len(raw) >= width else (*raw, *(None,) * (width - len(raw))))
    return lambda raw: pick((*raw, *(None,) * (width + 1 - len(raw))))


def _event_fast(cells, rownum, src_sheet) -> Optional[Event]:
    """One event row when every cell has the plain expected type; else None (the careful parser decides)."""
    d, sid, rule, q, pts, amt, rating, status, note, approver, approved, published, issuer = cells
    if d.__class__ is not _DATE:
        d = _fast_day(d)
        if not d:
            return None
    if type(sid) is not str or type(rule) is not str or "#" in sid or "#" in rule:
        return None
    codes = _CODE_CACHE
    sid, rule = codes.get(sid) or _fast_code(sid), codes.get(rule) or _fast_code(rule)
    if not sid or not rule:
        return None
    if q is None or q == "":
        qty = _ONE
    else:
        qty = _fast_decimal(q)
        if qty is None or qty <= 0 or qty > _MAX_QTY:
            return None
    if pts is not None and pts != "":
        pts = _fast_decimal(pts)
        if pts is None:
            return None
    else:
        pts = None
    if amt is not None and amt != "":
        amt = _fast_decimal(amt)
        if amt is None:
            return None
    else:
        amt = None
    known = _FAST_TEXT.get  # the usual case: every text seen before (no call per cell)
    r, s, n, a, i = known(rating), known(status), known(note), known(approver), known(issuer)
    if r is None or s is None or n is None or a is None or i is None:
        r, s, n, a, i = (_fast_text(rating), _fast_text(status), _fast_text(note), _fast_text(approver),
                         _fast_text(issuer))
        if r is None or s is None or n is None or a is None or i is None:
            return None
    rating, status, note, approver, issuer = r, s, n, a, i
    if status not in _FAST_STATUS or (rating and _PHYSICAL.search(rating)) or (note and _PHYSICAL.search(note)):
        return None
    if approved is not None and approved.__class__ is not _DATE:
        approved = _fast_day(approved)
        if approved is False:
            return None
    if published is not None and published.__class__ is not _DATE:
        published = _fast_day(published)
        if published is False:
            return None
    return new_record(Event, (rownum, d, sid, rule, qty, pts, amt, rating, status, note, approver, approved,
                              published, issuer, new_record(Source, (src_sheet, rownum, "", 0))))


_ONE = Decimal(1)
_MAX_QTY = values.MAX_QTY


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
    cells = _cells(loc.found, _EVENT_KEYS)
    first = grid.first_row + loc.index + 1
    for rownum, raw in enumerate(grid.rows[loc.index + 1:], first):
        ev = _event_fast(cells(raw), rownum, grid.sheet)
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
    elif qty is not None and qty > values.MAX_QTY:
        c._fail("qty", "E_BAD_QTY", f"数量「{values.fmt_plain(qty)}」大得不合理：每行最多 {values.fmt_plain(values.MAX_QTY)}，"
                                    "请检查是否填错了列（例如把订单号或金额填进了数量）")
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
        base = c.pay_amount("base_pay")
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
class Counters(dict):
    """Counters read from a 历史 row, with the text they were read from (written back as it was)."""

    __slots__ = ("text",)

    def __init__(self, items, text: str):
        super().__init__(items)
        self.text = text


def format_counters(counters: Mapping[str, Tuple[Decimal, Decimal]]) -> str:
    """Counters as compact JSON text: {"code": [count, sum]} with sorted keys (counters that
    were read from a 历史 row: the text they were read from)."""
    if type(counters) is Counters:
        return counters.text
    return json.dumps({k: [_num(n), _num(s)] for k, (n, s) in sorted(counters.items())},
                      ensure_ascii=False, separators=(",", ":"))


def _num(d: Decimal):
    d = Decimal(d)
    return int(d) if d == d.to_integral_value() else str(d.normalize())


def _counter_decimal(v) -> Decimal:
    """A count or sum of a counters entry (a JSON number, or a number in a string) as a Decimal;
    ValueError for anything else (true, null, NaN, a word …)."""
    t = type(v)
    if t is int or t is str:
        try:
            d = Decimal(v.strip() if t is str else v)
        except ArithmeticError:  # decimal.InvalidOperation: not a number
            d = None
        if d is not None and d.is_finite():
            return d
    elif t is float and math.isfinite(v):
        return Decimal(repr(v))
    raise ValueError(f"计数值「{v}」不是数字")


class _CounterNumbers(dict):
    """JSON number or text -> Decimal, worked out on first sight (counts and sums repeat on every row):
    looking one up is a plain dict lookup."""

    def __missing__(self, v) -> Decimal:
        d = _counter_decimal(v)
        if len(self) < 100_000:
            self[v] = d
        return d


_COUNTER_DEC = _CounterNumbers()
_NOT_NUMBERS = ("true", "false", "null")  # JSON words: True == 1 would find 1 in the memo


def parse_counters(text: str) -> Dict[str, Tuple[Decimal, Decimal]]:
    """The 计数 text of a 历史 row: {"code": [count, sum], …}.  Anything else (bad JSON, an entry
    that is not two numbers) raises ValueError: the row is reported, never a traceback."""
    if not text:
        return {}
    data = json.loads(text)
    if type(data) is not dict:
        raise ValueError("计数不是 {…} 形式")
    if {*map(type, data.values())} <= {list} and not any(w in text for w in _NOT_NUMBERS):
        num = _COUNTER_DEC
        try:
            return Counters({k: (num[v[0]], num[v[1]]) for k, v in data.items()}, text)
        except (IndexError, TypeError):  # a short list; a list or object where a number goes
            pass
    for k, v in data.items():
        if type(v) is not list or len(v) < 2:
            raise ValueError(f"计数「{k}」不是 [次数, 合计]")
    return Counters({k: (_counter_decimal(v[0]), _counter_decimal(v[1])) for k, v in data.items()}, text)


_HISTORY_KEYS = ("month", "id", "name", "group", "score", "rank", "ranked", "grade", "passed", "excluded",
                 "counters", "version", "digest", "state", "note")
_MONTH_CACHE: Dict[str, Optional[Month]] = {}


def _fast_month(v) -> Optional[Month]:
    """values.month of a text cell, memoised (every row of a month repeats it); None when unusual."""
    if type(v) is not str or "#" in v:
        return None
    m = _MONTH_CACHE.get(v)
    if m is None:
        try:
            m = values.month(v)
        except ValueError:
            return None
        if m is None:
            return None
        if len(_MONTH_CACHE) > 10_000:
            _MONTH_CACHE.clear()
        _MONTH_CACHE[v] = m
    return m


def _history_fast(cells, rownum: int, sheet: str) -> Optional[HistoryRow]:
    """One 历史 row as written by a close (plain types throughout); None: the careful parser decides.
    (A large close reads tens of thousands: each cell is checked inline, without a call where it can.)"""
    month, sid, name, group, score, rank, ranked, grade, passed, excluded, counters, version, digest, state, note = \
        cells
    m = _fast_month(month)
    if m is None or type(sid) is not str or "#" in sid:
        return None
    sid = _fast_code(sid)
    if not sid:
        return None
    ft = _fast_text
    name, group, grade, passed, excluded, digest, state, note = (
        ft(name), ft(group), ft(grade), ft(passed), ft(excluded), ft(digest), ft(state), ft(note))
    if (name is None or group is None or grade is None or passed is None or excluded is None or digest is None
            or state is None or note is None):
        return None
    # the 计数 JSON as the close wrote it: not folded like other text (unique per row, a large close
    # has tens of thousands); text a person may have retyped in full-width takes the careful path
    if type(counters) is not str:
        if counters is not None:
            return None
        counters = ""
    elif not (counters.isascii() or unicodedata.is_normalized("NFKC", counters)):
        return None
    fd = _fast_decimal
    if score is not None and score != "":
        score = fd(score)
        if score is None:
            return None
    if rank is None or rank == "":
        rank = None
    else:
        rank = fd(rank)
        if rank is None:
            return None
        rank = int(rank)
    if ranked is not None and ranked != "":
        ranked = fd(ranked)
        if ranked is None:
            return None
    if version is not None and version != "":
        version = fd(version)
        if version is None:
            return None
    try:
        parsed = parse_counters(counters)
    except (ValueError, TypeError, AttributeError, IndexError):
        return None
    return new_history_row((m, sid, name, group, score or ZERO, rank, int(ranked or 0), grade, passed != "否",
                            excluded == "是", parsed, int(version or 1), digest, state or "有效", note,
                            new_record(Source, (sheet, rownum, "", 0))))


def _history_careful(row: Row, problems: List[Problem]) -> Optional[HistoryRow]:
    c = _Collector(row, problems)
    try:
        m = values.month(row.get("month"))
    except ValueError as e:
        c._fail("month", "E_HISTORY", f"历史表月份无法识别：{e}")
        return None
    sid = c.code("id")
    if m is None or not sid:
        return None
    rank = c.decimal("rank")
    ranked = c.decimal("ranked")
    version = c.decimal("version")
    try:
        counters = parse_counters(c.text("counters"))
    except (ValueError, TypeError, AttributeError, IndexError):
        c._fail("counters", "E_HISTORY", "历史表「计数」列已损坏（请勿手工修改历史表）")
        return None
    if not c.ok:
        return None
    return HistoryRow(m, sid, c.text("name"), c.text("group"), c.decimal("score") or Decimal(0),
                      int(rank) if rank is not None else None, int(ranked or 0), c.text("grade"),
                      c.text("passed") != "否", c.text("excluded") == "是", counters,
                      int(version or 1), c.text("digest"), c.text("state") or "有效", c.text("note"),
                      row.src())


def read_history(grid: Optional[Grid]) -> Tuple[Tuple[HistoryRow, ...], List[Problem]]:
    """The 历史 rows; rows as the close writes them take a fast path, any other the careful parser."""
    if grid is None:
        return (), []
    loc = locate_header(grid, schema.HISTORY)
    problems = [p for p in loc.problems if p.code != "E_HEADER_MISSING"]
    if loc.found is None:
        return (), problems
    out: List[HistoryRow] = []
    cells = _cells(loc.found, _HISTORY_KEYS)
    first = grid.first_row + loc.index + 1
    for rownum, raw in enumerate(grid.rows[loc.index + 1:], first):
        h = _history_fast(cells(raw), rownum, grid.sheet)
        if h is None:
            if all(values.is_blank(v) for v in raw):
                continue
            h = _history_careful(loc.row(raw, rownum), problems)
        if h is not None:
            out.append(h)
    return tuple(out), problems


CARRY_STATES = ("未计入", "已计入")


def read_carry(grid: Optional[Grid]) -> Tuple[Tuple[CarryRow, ...], List[Problem]]:
    """The 结转 rows a close wrote (see model.CarryRow); a damaged row is an E_CARRY error at its cell."""
    if grid is None:
        return (), []
    t = read_table(grid, schema.CARRY)
    problems = [p for p in t.problems if p.code != "E_HEADER_MISSING"]
    out: List[CarryRow] = []
    for row in t.rows:
        c = _Collector(row, problems)
        try:
            m = values.month(row.get("month"))
            origin = values.month(row.get("origin"))
        except ValueError:
            m = origin = None
        ev_row = c.decimal("event_row")
        version = c.decimal("version")
        state = c.text("state")
        if m is None or origin is None or ev_row is None or state not in CARRY_STATES or not c.ok:
            problems.append(Problem.at(row.src("month"), "E_CARRY", "「结转」表的这一行已损坏（请勿手工修改结转表）"))
            continue
        out.append(CarryRow(m, int(version or 1), int(ev_row), c.code("id"), c.code("rule"), state, origin,
                            c.date("date"), c.text("note"), row.src()))
    return tuple(out), problems


def read_holidays(grid: Optional[Grid]) -> Tuple[Tuple[CalendarDay, ...], List[Problem]]:
    """The 节假日 sheet (optional): 日期, 类型 班/休/调休, 说明 (core/calendar.py)."""
    if grid is None:
        return (), []
    t = read_table(grid, schema.HOLIDAYS)
    problems = list(t.problems)
    out: List[CalendarDay] = []
    seen: Dict[dt.date, Row] = {}
    for row in t.rows:
        c = _Collector(row, problems)
        d = c.date("date", required=True)
        word = c.code("kind", required=True)
        kind = KIND_WORDS.get(word)
        if word and kind is None:
            c._fail("kind", "E_BAD_DAY_KIND", f"类型「{word}」应为 班、休 或 调休")
        if d is None or kind is None or not c.ok:
            continue
        if d in seen:
            problems.append(Problem.at(row.src("date"), "W_DAY_TWICE",
                                       f"{d.isoformat()} 在「节假日」表出现多次，按最后一行（第 {row.row} 行）计", WARNING))
        seen[d] = row
        out.append(CalendarDay(d, kind, c.text("note"), row.src("date")))
    return tuple(out), problems


def read_transfers(grid: Optional[Grid]) -> Tuple[Tuple[Transfer, ...], List[Problem]]:
    """The 调动 sheet (optional): 工号, 日期, 组别 — from that day on the person is in that group."""
    if grid is None:
        return (), []
    t = read_table(grid, schema.TRANSFERS)
    problems = list(t.problems)
    out: List[Transfer] = []
    for row in t.rows:
        c = _Collector(row, problems)
        sid = c.code("id", required=True)
        d = c.date("date", required=True)
        group = c.text("group", required=True)
        if c.ok and d is not None:
            out.append(Transfer(sid, d, group, row.src("id")))
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
    metrics: Tuple[Metric, ...] = ()  # 指标 rows (engine.metrics combines them per person and month)
    import_map: Tuple[ImportMapping, ...] = ()  # 导入映射 rows
    carry: Tuple[CarryRow, ...] = ()  # 结转: what earlier closes did not count (engine/carry.py)
    holidays: Tuple[CalendarDay, ...] = ()  # 节假日 (core/calendar.py)
    transfers: Tuple[Transfer, ...] = ()  # 调动
    # the optional sheets and columns of read/extra.py (issue 18)
    orders: Tuple[Any, ...] = ()  # model.Order
    weeks: Tuple[Any, ...] = ()  # model.WeekPlan
    exams: Tuple[Any, ...] = ()  # model.Exam
    process: Mapping[int, Any] = field(default_factory=dict)  # 事件 row -> model.ProcessDates

    @cached_property
    def config(self) -> settings_mod.SettingsSheet:
        """The 参数 rows parsed once (core.settings): ``book.config.at(month).ties`` ..."""
        return settings_mod.read(self.settings)


def read_book(grids: Mapping[str, Grid], year: Optional[int] = None) -> Tuple[Book, List[Problem]]:
    """Read all input sheets (and the history) of a workbook given as Grids."""
    problems: List[Problem] = []
    settings, p = read_settings(grids.get(schema.SETTINGS.name)); problems += p
    sheet = settings_mod.read(settings)
    if year is None:
        problems += sheet.month_problems
        year = sheet.month.year if sheet.month else None
    staff, p = read_staff(grids.get(schema.STAFF.name)); problems += p
    rules, p_rules = read_rules(grids.get(schema.RULES.name))
    tiers, p_tiers = read_tiers(grids.get(schema.TIERS.name))
    history, p_history = read_history(grids.get(schema.HISTORY.name))
    metric_rows, p_metrics = read_metrics(grids.get(schema.METRICS.name))
    mapping, p_mapping = read_import_map(grids.get(schema.IMPORT_MAP.name))
    carry, p = read_carry(grids.get(schema.CARRY.name)); p_history += p
    holidays, p = read_holidays(grids.get(schema.HOLIDAYS.name)); problems += p
    transfers, p = read_transfers(grids.get(schema.TRANSFERS.name)); problems += p
    # the events last (the largest sheet: the others are read while it is parsed), their problems in sheet order
    events, p = read_events(grids.get(schema.EVENTS.name), year)
    problems += p + p_rules + p_tiers + p_history + p_metrics + p_mapping
    from . import extra
    orders, p = extra.read_orders(grids.get(schema.ORDERS.name), year); problems += p
    weeks, p = extra.read_weeks(grids.get(schema.WEEKS.name), year); problems += p
    exams, p = extra.read_exams(grids.get(schema.EXAMS.name), year); problems += p
    process, p = extra.read_process(grids.get(schema.EVENTS.name), year); problems += p
    book = Book(staff, events, rules, tiers, settings, history, (), metric_rows, mapping, carry=carry,
                holidays=holidays, transfers=transfers, orders=orders, weeks=weeks, exams=exams, process=process)
    book.__dict__["config"] = sheet  # the cached_property Book.config, already built
    return book, problems
