"""Sealed months: what produced each closed month and what its close wrote, so later edits show.

A close writes, for its month and version, rows of the 封存 sheet, one group
per kind:

* the inputs the month's pay depends on: its counted events (事件), the staff
  on the books (员工), their pay columns (员工工资列: 社保基数, 专项附加扣除,
  离职日期), the rules of the scheme (规则), tiers (等级), settings (参数);
* the events it did not count (事件未计入: 待审, 公示中, 异议中 ...), by what
  they are about only (date, person, rule): they may still change;
* what the close wrote for the month: its 历史 rows, 工资历史 rows, 结果,
  工资表, the 操作记录 up to its own line, and each person's pay (工资条);
* each person's payslip figures (工资条数据, one JSON line a person,
  payroll/figures.py): a sealed month's payslips are built from them.

Each group has a part-0 row holding the full SHA-256 of the group (rows
sorted: reordering rows is not an edit) and, for inputs, locator rows
``<row base36>:<16 hex>`` (the first 64 bits of each row's SHA-256) that say
which row changed.  A change is found by the full digest even when someone
forged a row whose locator still matches.

Every seal is chained: its link is SHA-256(previous link, month, version,
every group's digest).  The links are kept in a very hidden sheet (封存链)
and the last one, the head, in a custom document property
(``kefu-xl 封存链``), written by both writers (file: docProps/custom.xml;
Excel: CustomDocumentProperties).  A deleted 封存 row, a deleted chain row or
a deleted month's 历史 rows break the chain and are errors.

What is an error and what a warning (`check`): a changed, added or deleted
counted event, any edit of what the close wrote, a broken or missing chain:
errors (they block the next close until HR reopens the month or restores the
workbook); a changed staff row, pay column, rule, tier or setting a sealed
month used: warnings naming the sealed months (the sealed results stand;
a re-close would differ).  See docs/TRUST.md for what this cannot stop.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ..core import schema
from ..core.grid import CellError, Grid, SheetOut
from ..core.model import ERROR, WARNING, Month, Problem
from ..read.readers import Book, locate_header, read_table

EVENTS = "事件"
STAFF = "员工"
PAY_COLUMNS = "员工工资列"
RULES = "规则"
TIERS = "等级"
SETTINGS = "参数"
METRICS = "指标"
IMPORT_MAP = "导入映射"
UNCOUNTED = "事件未计入"
# the other input sheets a month's pay may depend on: Book attribute -> sheet (whole sheet sealed, warnings)
OTHER_INPUTS = (("holidays", "节假日"), ("transfers", "调动"), ("orders", "订单"), ("weeks", "周计划"), ("exams", "考试"))
KINDS = (EVENTS, STAFF, PAY_COLUMNS, RULES, TIERS, SETTINGS, METRICS, IMPORT_MAP) + tuple(k for _, k in OTHER_INPUTS)
WRITTEN = ("历史", "工资历史", "结果", "工资表", "操作记录", "工资条")  # what the close wrote
FIGURES = "工资条数据"  # each person's payslip figures as sealed (payroll/figures.py), one row a person
ALL_GROUPS = KINDS + (UNCOUNTED,) + WRITTEN + (FIGURES,)
OPTIONAL_GROUPS = (FIGURES,)  # groups older seals lack: in a link only when the seal has them
CELL_ITEMS = 1500  # locators per cell (about 30,000 characters: under Excel's 32,767)
LOCATOR = 16  # hex digits of a label's SHA-256 (uncounted events, people)
ROW_LOCATOR = 10  # hex digits of an input row's SHA-256 kept to locate it (it only points: the full
#                   digest decides; seals written with 16 are read with their own width)
DIGEST = "sha256 "
HEAD_PROPERTY = "kefu-xl 封存链"
PAY_COLUMN_KEYS = ("si_base", "special_deduction")
CHAIN = schema.SheetSpec("封存链", "chain", (
    schema.C("month", "月份", schema.TEXT, 9),
    schema.C("version", "版本", schema.INT, 6),
    schema.C("link", "印章", schema.TEXT, 66),
    schema.C("previous", "上一印章", schema.TEXT, 66),
    schema.C("time", "时间", schema.TEXT, 19),
), owned=True, note="每次月结的封存印章，逐月相连（隐藏）。请勿编辑。")


_CANON: Dict[Decimal, str] = {}


def canon(v) -> str:
    """A value as text that does not depend on how a reader typed it (1, 1.0, Decimal("1.00") -> "1")."""
    if v is None:
        return ""
    if type(v) is str:
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        v = Decimal(repr(v))
    if isinstance(v, Decimal):
        out = _CANON.get(v)
        if out is None:
            out = format(v.normalize(), "f") if v.is_finite() else str(v)
            if len(_CANON) < 100_000:
                _CANON[v] = out
        return out
    if isinstance(v, Month):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + "\x1e".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        return canon(sorted((str(k), canon(x)) for k, x in v.items()))
    return str(v)


def _fp(values) -> str:
    """The full SHA-256 (hex) of a row's content, independent of how a reader typed numbers."""
    text = "\x1f".join(canon(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _group_digest(kind: str, fps: Iterable[str]) -> str:
    """The full SHA-256 of a group of row digests (sorted: the order of rows does not matter)."""
    h = hashlib.sha256(kind.encode("utf-8"))
    h.update("\n".join(sorted(fps)).encode("utf-8"))
    return h.hexdigest()


_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_B36_PAIRS = [a + b for a in _B36 for b in _B36]  # "00" … "zz"


def _b36(n: int) -> str:
    """n in base 36, lower case, two digits at a time (a close packs one item per event)."""
    if n < 1296:
        return _B36_PAIRS[n][1:] if n < 36 else _B36_PAIRS[n]
    hi, lo = divmod(n, 1296)
    return _b36(hi) + _B36_PAIRS[lo]


# every field of a record goes into its fingerprint (issue 22: a field changed alone is seen)
_STAFF_FIELDS = ("id", "name", "tier", "role", "hired", "group", "status")


def _event_fp(e, process=None) -> Tuple[int, str, str]:
    """An event's fingerprint: every field, and its process columns (发生日期 … 失职领导) when it has them."""
    day = str(e.date)
    more = () if process is None else tuple(str(v) if v is not None else "" for v in process)
    return (e.row, _fp((day, e.staff_id, e.rule, e.qty, e.points, e.amount, e.rating, e.status, e.note,
                        e.approver, str(e.approved), str(e.published), e.issuer) + more), f"{day} {e.staff_id} {e.rule}")


def _record_fp(x, i: int) -> Tuple[int, str, str]:
    """Any other input record (NamedTuple or dataclass): every field but its source."""
    if dataclasses.is_dataclass(x):
        vals = _fields(x)
    else:
        vals = tuple(v for k, v in zip(x._fields, x) if k != "src")
    src = getattr(x, "src", None)
    return (src.row if src is not None and src.row else i + 2), _fp(tuple(str(v) if isinstance(v, _dt.date) else v
                                                                       for v in vals)), str(vals[0] if vals else "")


def _label_fp(label: str) -> str:
    return hashlib.sha256(label.encode("utf-8")).hexdigest()[:LOCATOR]


def _fields(record, skip=("src",)) -> tuple:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record) if f.name not in skip)


def _staff_fp(s) -> Tuple[int, str, str]:
    extra = {k: v for k, v in s.extra.items() if k not in PAY_COLUMN_KEYS}
    return s.src.row, _fp(tuple(str(getattr(s, f)) if f == "hired" else getattr(s, f) for f in _STAFF_FIELDS)
                          + (extra,)), s.id


def _pay_fp(s) -> Tuple[int, str, str]:
    return s.src.row, _fp((s.id,) + tuple(s.extra.get(k) for k in PAY_COLUMN_KEYS) + (str(s.left),)), s.id


class _Prints:
    """Fingerprints of one book for any number of months.

    Each staff, rule, tier and setting row is fingerprinted once (which rows a
    month uses depends on the month, the fingerprint does not) and the events
    are grouped by month in one pass, so checking a year of sealed months
    costs about as much as fingerprinting one.
    """

    def __init__(self, book: Book):
        self.book = book
        self.staff = [(s, _staff_fp(s), _pay_fp(s)) for s in book.staff]
        self.rules = [(r, (r.src.row, _fp(_fields(r)), r.code)) for r in book.rules]
        self.tiers = [(t.src.row, _fp((t.tier, t.base_pay, t.extra)), t.tier) for t in book.tiers]
        self.settings = [(s, (s.src.row, _fp((s.key, s.value, str(s.since))), s.key)) for s in book.settings]
        self.import_map = [(m.src.row, _fp(_fields(m)), m.column) for m in book.import_map]
        self.others = {kind: [_record_fp(x, i) for i, x in enumerate(getattr(book, attr, ()) or ())]
                       for attr, kind in OTHER_INPUTS}
        self.process = getattr(book, "process", None) or {}
        self._events: Optional[Dict[Tuple[int, int], list]] = None

    def events_of(self, month: Month) -> list:
        if self._events is None:
            self._events = {}
            for e in self.book.events:
                d = e.date
                self._events.setdefault((d.year, d.month), []).append(e)
        return self._events.get((month.year, month.month), [])

    def of(self, month: Month, scheme: str) -> Dict[str, List[Tuple[int, str, str]]]:
        staff = [(fp, pay) for s, fp, pay in self.staff if s.active_in(month)]
        return {
            EVENTS: [_event_fp(e, self.process.get(e.row)) for e in self.events_of(month)],
            STAFF: [fp for fp, _ in staff],
            PAY_COLUMNS: [pay for _, pay in staff],
            RULES: [fp for r, fp in self.rules if r.scheme in ("", scheme)],
            TIERS: list(self.tiers),
            SETTINGS: [fp for s, fp in self.settings
                       if s.key not in ("月份", "本月", "当前月份", "考核月份") and (s.since is None or s.since <= month)],
            METRICS: [(x.src.row, _fp((str(x.month), x.staff_id, x.name, x.value, x.source, x.key)),
                       f"{x.staff_id} {x.name}") for x in self.book.metrics if x.month == month],
            IMPORT_MAP: list(self.import_map),
            **{kind: list(rows) for kind, rows in self.others.items()},
        }


def fingerprints(book: Book, month: Month, scheme: str) -> Dict[str, List[Tuple[int, str, str]]]:
    """kind -> [(row, full SHA-256, label)] of the input rows of `month` (every event of the month)."""
    return _Prints(book).of(month, scheme)


def split_events(fps: Dict[str, List[Tuple[int, str, str]]], uncounted_rows: Set[int]
                 ) -> Dict[str, List[Tuple[int, str, str]]]:
    """The month's events split into those the close counted (事件) and those it did not (事件未计入)."""
    out = dict(fps)
    events = fps[EVENTS]
    out[EVENTS] = [x for x in events if x[0] not in uncounted_rows]
    out[UNCOUNTED] = [x for x in events if x[0] in uncounted_rows]
    return out


# ---------------------------------------------------------------- what the close wrote, as read back
def _norm(v):
    """A cell as every reader gives it back (calamine, xlwings; numbers as doubles, dates as dates)."""
    c = v.__class__
    if c is str:
        return v or None
    if v is None:
        return None
    if c is bool:
        return v
    if c is int:
        return v if -10 ** 15 < v < 10 ** 15 else float(v)
    if c is float or c is Decimal:
        if c is Decimal and not v.is_finite():
            return str(v)
        f = float(v)
        return int(f) if f.is_integer() and -1e15 < f < 1e15 else f
    if c is _dt.datetime:
        return v.date() if not (v.hour or v.minute or v.second or v.microsecond) else v.replace(microsecond=0)
    if c is _dt.date:
        return v
    if isinstance(v, CellError):
        return v.code
    return str(v)


_ILLEGAL = None


def _norm_written(v):
    """A value as the writer puts it (characters XML cannot hold dropped), then as read back."""
    global _ILLEGAL
    if v.__class__ is str and v and not (v.isascii() and v.isprintable()):
        if _ILLEGAL is None:
            import re
            _ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
        v = _ILLEGAL.sub("", v)
    elif v.__class__ is not str and v is not None and not isinstance(v, (int, float, Decimal, _dt.date, CellError)):
        v = str(v)
    return _norm(v)


def _key(values, norm=_norm) -> str:
    vals = [v if v.__class__ is str and v or v.__class__ is int else norm(v) for v in values]
    while vals and vals[-1] is None:
        vals.pop()
    return repr(tuple(vals)) if vals else ""


def _written_key(values) -> str:
    return _key(values, _norm_written)


def rows_digest(kind: str, keys: Iterable[str]) -> str:
    return _group_digest(kind, (k for k in keys if k))


def _col(header: Sequence[Any], name: str) -> Optional[int]:
    for i, h in enumerate(header):
        if isinstance(h, str) and h.strip() == name:
            return i
    return None


@dataclass(frozen=True)
class Written:
    """What the sheets the close owns hold now, as digests to compare with the seals."""

    history: Mapping[Tuple[str, int], str] = field(default_factory=dict)  # (month, version) -> digest, valid rows
    history_months: frozenset = frozenset()  # months with any 历史 row (valid or reversed)
    pay_history: Mapping[str, str] = field(default_factory=dict)  # month -> digest
    log_keys: Tuple[str, ...] = ()  # each 操作记录 row
    results: Optional[Tuple[str, str]] = None  # (month shown, digest) of 结果
    payroll: Optional[str] = None  # digest of 工资表's data rows
    present: frozenset = frozenset()  # the sheets that were read

    def log_digest(self, n: int) -> str:
        return rows_digest("操作记录", (f"{i}\x1f{k}" for i, k in enumerate(self.log_keys[:n])))


def _data_after_header(grid: Grid, header: Sequence[str]) -> Optional[List[tuple]]:
    want = tuple(header)
    for i, row in enumerate(grid.rows):
        if tuple(row[:len(want)]) == want:
            return list(grid.rows[i + 1:])
    return None


def written_from_grids(grids: Mapping[str, Grid], payroll_header: Sequence[str]) -> Written:
    """Digest the sheets a close wrote as they are now (run once per close or check)."""
    present = frozenset(n for n in ("历史", "工资历史", "操作记录", "结果", "工资表") if n in grids)
    history: Dict[Tuple[str, int], List[str]] = {}
    months: Set[str] = set()
    g = grids.get("历史")
    if g is not None and g.rows:
        head = g.rows[0]
        jm, jv, js = _col(head, "月份"), _col(head, "版本"), _col(head, "状态")
        if jm is not None:
            for row in g.rows[1:]:
                if jm >= len(row) or row[jm] is None:
                    continue
                m = str(_norm(row[jm]))
                months.add(m)
                v = row[jv] if jv is not None and jv < len(row) else None
                try:
                    v = int(v) if v is not None else 1
                except (TypeError, ValueError):
                    v = -1
                state = row[js] if js is not None and js < len(row) else ""
                if state == "冲销":
                    continue
                history.setdefault((m, v), []).append(_key(row))
    pay: Dict[str, List[str]] = {}
    g = grids.get("工资历史")
    if g is not None and g.rows:
        jm = _col(g.rows[0], "月份")
        if jm is not None:
            for row in g.rows[1:]:
                if jm < len(row) and row[jm] is not None:
                    pay.setdefault(str(_norm(row[jm])), []).append(_key(row))
    log: List[str] = []
    g = grids.get("操作记录")
    if g is not None and g.rows:
        log = [k for k in (_key(r) for r in g.rows[1:]) if k]
    results = None
    g = grids.get("结果")
    if g is not None:
        rows = _data_after_header(g, schema.RESULTS.headers)
        if rows is not None:
            keys = [_key(r) for r in rows]
            shown = next((str(_norm(r[0])) for r in rows if r and r[0] is not None), "")
            results = (shown, rows_digest("结果", keys))
    payroll = None
    g = grids.get("工资表")
    if g is not None:
        rows = _data_after_header(g, payroll_header)
        if rows is not None:
            payroll = rows_digest("工资表", (_key(r) for r in rows))
    return Written({k: rows_digest("历史", v) for k, v in history.items()}, frozenset(months),
                   {k: rows_digest("工资历史", v) for k, v in pay.items()}, tuple(log), results, payroll, present)


def written_digests(history_rows: Sequence[Sequence[Any]], pay_rows: Sequence[Sequence[Any]],
                    log_rows: Sequence[Sequence[Any]], results: SheetOut, payroll: SheetOut,
                    pay_people: Sequence[Tuple[str, Sequence[Any]]]) -> Dict[str, Tuple[str, int]]:
    """group -> (digest, count) of what a close writes for its month (the same digests as
    written_from_grids gives after the file is read back)."""
    log_keys = [k for k in (_written_key(r) for r in log_rows) if k]
    return {
        "历史": (rows_digest("历史", (_written_key(r) for r in history_rows)), len(history_rows)),
        "工资历史": (rows_digest("工资历史", (_written_key(r) for r in pay_rows)), len(pay_rows)),
        "操作记录": (rows_digest("操作记录", (f"{i}\x1f{k}" for i, k in enumerate(log_keys))), len(log_keys)),
        "结果": (rows_digest("结果", (_written_key(r) for r in results.rows)), len(results.rows)),
        "工资表": (rows_digest("工资表", (_written_key(r) for r in payroll.rows)), len(payroll.rows)),
        "工资条": (person_pay_digest(pay_people), len(pay_people)),
    }


def person_pay_digest(people: Sequence[Tuple[str, Sequence[Any]]]) -> str:
    return rows_digest("工资条", (f"{sid}\x1f{_written_key(row)}" for sid, row in people))


def person_pay_items(people: Sequence[Tuple[str, Sequence[Any]]]) -> Dict[str, str]:
    """工号 -> the locator of that person's pay row (which person's payslip changed)."""
    return {sid: hashlib.sha256(_written_key(row).encode("utf-8")).hexdigest()[:LOCATOR] for sid, row in people}


# ---------------------------------------------------------------- the 封存 rows and the chain
def input_digests(fps: Dict[str, List[Tuple[int, str, str]]]) -> Dict[str, str]:
    """kind -> the full digest of that kind's rows."""
    return {kind: _group_digest(kind, (x[1] for x in fps.get(kind, []))) for kind in KINDS}


def seal_rows(fps: Dict[str, List[Tuple[int, str, str]]], month: Month, version: int,
              written: Mapping[str, Tuple[str, int]], pay_items: Mapping[str, str] = None,
              inputs: Optional[Mapping[str, str]] = None, figures: Optional[Sequence[str]] = None
              ) -> Tuple[List[Tuple], Dict[str, str]]:
    """Rows of the 封存 sheet for one closed month and version, and each group's digest.
    `figures`: (工号, payslip figures) of each person (payroll/figures.py), kept whole (one row a person);
    each person's item of 工资条明细 then ends with the locator of its figures row."""
    rows: List[Tuple] = []
    inputs = inputs or input_digests(fps)
    digests: Dict[str, str] = {}
    m = str(month)
    for kind in KINDS:
        items = fps.get(kind, [])
        d = digests[kind] = inputs[kind]
        rows.append((m, version, kind, 0, DIGEST + d))
        packed = [f"{_b36(r)}:{fp[:ROW_LOCATOR]}" for r, fp, _ in items]
        for n, i in enumerate(range(0, len(packed), CELL_ITEMS), start=1):
            rows.append((m, version, kind, n, " ".join(packed[i:i + CELL_ITEMS])))
    labels = sorted(_label_fp(label) for _, _, label in fps.get(UNCOUNTED, []))
    d = digests[UNCOUNTED] = _group_digest(UNCOUNTED, labels)
    rows.append((m, version, UNCOUNTED, 0, DIGEST + d))
    for n, i in enumerate(range(0, len(labels), CELL_ITEMS), start=1):
        rows.append((m, version, UNCOUNTED, n, " ".join(labels[i:i + CELL_ITEMS])))
    for kind in WRITTEN:
        d, count = written[kind]
        digests[kind] = d
        rows.append((m, version, kind, count, DIGEST + d))
    figs = dict(figures or ())
    items = sorted(f"{_label_fp(sid)}:{fp}" + (f":{_label_fp(figs[sid])}" if sid in figs else "")
                   for sid, fp in (pay_items or {}).items())
    for n, i in enumerate(range(0, len(items), CELL_ITEMS), start=1):
        rows.append((m, version, "工资条明细", n, " ".join(items[i:i + CELL_ITEMS])))
    if figures is not None:
        texts = [t for _, t in figures]
        d = digests[FIGURES] = figures_digest(texts)
        rows.append((m, version, FIGURES, 0, DIGEST + d))
        rows += [(m, version, FIGURES, n, text) for n, text in enumerate(texts, start=1)]
    return rows, digests


def figures_digest(texts: Iterable[str]) -> str:
    """The full digest of a month's sealed payslip figures (one text a person)."""
    return _group_digest(FIGURES, (hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts))


def link(previous: str, month: Month, version: int, digests: Mapping[str, str]) -> str:
    """The chain link of one seal: SHA-256 of the previous link and every group's digest."""
    h = hashlib.sha256(f"{previous}\x1f{month}\x1f{version}".encode("utf-8"))
    for kind in ALL_GROUPS:
        if kind in OPTIONAL_GROUPS and kind not in digests:
            continue
        h.update(f"\x1e{kind}\x1f{digests.get(kind, '')}".encode("utf-8"))
    return h.hexdigest()


def month_digest(digests: Mapping[str, str]) -> str:
    """The short digest of a close's inputs shown in 历史 and 操作记录 (first 16 hex of the input groups')."""
    h = hashlib.sha256()
    for kind in KINDS:
        h.update(f"{kind}\x1f{digests.get(kind, '')}".encode("utf-8"))
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Seal:
    """The seal of one month and version.  Locators are unpacked per kind on first use: a sealed
    month of a large team holds hundreds of thousands of event items, and an archived month (its
    events cleared from 事件) never needs them."""

    month: Month
    version: int
    packed: Dict[str, List[Tuple[int, object]]]  # kind -> [(段, cell)] as read
    where: Dict[int, int] = field(default_factory=dict, compare=False)  # 段 of a FIGURES row -> its 封存 row
    _unpacked: Dict[str, Dict[str, List[int]]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def legacy(self) -> bool:
        """Written before full digests (6-hex fingerprints, no part 0)."""
        return not any(part == 0 for cells in self.packed.values() for part, _ in cells)

    def digest(self, kind: str) -> Optional[str]:
        for part, cell in self.packed.get(kind, ()):
            if part == 0 or kind in WRITTEN:
                text = str(cell or "")
                if text.startswith(DIGEST):
                    return text[len(DIGEST):].strip()
        return None

    def count(self, kind: str) -> Optional[int]:
        for part, cell in self.packed.get(kind, ()):
            if str(cell or "").startswith(DIGEST):
                return part
        return None

    def digests(self) -> Dict[str, str]:
        return {k: d for k in ALL_GROUPS for d in (self.digest(k),) if d is not None}

    def items(self, kind: str) -> Dict[str, List[int]]:
        """locator -> sealed rows of one kind."""
        out = self._unpacked.get(kind)
        if out is None:
            from ..core import values
            out = {}
            for part, cell in self.packed.get(kind, ()):
                if part == 0 and not self.legacy:
                    continue
                for item in values.text(cell).split():
                    r, _, fp = item.partition(":")
                    try:
                        out.setdefault(fp, []).append(int(r, 36))
                    except ValueError:
                        out.setdefault(fp, []).append(0)
            self._unpacked[kind] = out
        return out

    def width(self, kind: str) -> int:
        """The hex digits of this seal's row locators of one kind (16 in the first v2 seals, ROW_LOCATOR since)."""
        return len(next(iter(self.items(kind)), "") or "x" * ROW_LOCATOR)

    def labels(self) -> Dict[str, int]:
        """Label hash -> count of the events the month did not count."""
        from ..core import values
        out: Dict[str, int] = {}
        for part, cell in self.packed.get(UNCOUNTED, ()):
            if part:
                for item in values.text(cell).split():
                    out[item] = out.get(item, 0) + 1
        return out

    def figures(self) -> Optional[List[Tuple[int, str]]]:
        """(封存 row, text) of each person's sealed payslip figures, in 段 order; None: this seal has none."""
        if self.digest(FIGURES) is None:
            return None
        from ..core import values
        return [(self.where.get(part, 0), cell if isinstance(cell, str) else values.text(cell)) for part, cell in sorted(
            self.packed.get(FIGURES, ()), key=lambda x: x[0]) if part]

    def people(self) -> Dict[str, str]:
        """Label hash of 工号 -> locator of the person's sealed pay row."""
        return {a: b[0] for a, b in self._people().items()}

    def figure_locators(self) -> Dict[str, str]:
        """Label hash of 工号 -> locator of the person's sealed figures row (seals with figures)."""
        return {a: b[1] for a, b in self._people().items() if len(b) > 1}

    def _people(self) -> Dict[str, List[str]]:
        from ..core import values
        out = {}
        for part, cell in self.packed.get("工资条明细", ()):
            for item in values.text(cell).split():
                a, _, b = item.partition(":")
                out[a] = b.split(":")
        return out

    def edited_figures(self) -> List[int]:
        """The 封存 rows of figures that are not what the close sealed (by their locators; a figures row
        whose 工号 was edited is not found either way); [] when every row has its locator."""
        lines = self.figures() or []
        want = self.figure_locators()
        out, seen = [], set()
        for row, text in lines:
            sid = _figures_id(text)
            lab = _label_fp(sid) if sid is not None else None
            if lab is None or lab in seen or want.get(lab) != _label_fp(text):
                out.append(row)
            seen.add(lab)
        return out


def _figures_id(text: str) -> Optional[str]:
    import json
    try:
        d = json.loads(text)
    except (TypeError, ValueError):
        return None
    sid = d[1] if isinstance(d, list) and len(d) > 1 else None  # payroll/figures.py: [format, 工号, …]
    return sid if isinstance(sid, str) else None


def read_seals(grid: Optional[Grid]) -> Tuple[Dict[Tuple[Month, int], Seal], List[Tuple]]:
    """Every seal by (month, version), and the raw rows (to write back unchanged).  Rows are read straight
    from the grid (a large team's 封存 holds thousands of rows a month): month, version and kind once per
    distinct value."""
    if grid is None:
        return {}, []
    from ..core import values
    loc = locate_header(grid, schema.SEALS)
    if loc.found is None:
        return {}, []
    cols = [loc.found.get(c.key) for c in schema.SEALS.columns]
    jm, jv, jk, jp, ji = cols
    raw: List[Tuple] = []
    acc: Dict[Tuple[Month, int], Dict[str, List[Tuple[int, object]]]] = {}
    where: Dict[Tuple[Month, int], Dict[int, int]] = {}
    heads: Dict[Tuple[Any, Any, Any], Optional[Tuple[Tuple[Month, int], str]]] = {}
    blank = values.is_blank
    for offset in range(loc.index + 1, len(grid.rows)):
        r = grid.rows[offset]
        if not any(not blank(v) for v in r):
            continue
        n = len(r)
        vals = tuple(r[j] if j is not None and j < n else None for j in cols)
        raw.append(vals)
        m_raw, v_raw, k_raw, part, items = vals
        head = heads.get((m_raw, v_raw, k_raw), _MISSING)
        if head is _MISSING:
            try:
                m = values.month(m_raw)
                head = None if m is None else ((m, int(values.decimal(v_raw) or 1)), values.text(k_raw))
            except (ValueError, ArithmeticError):
                head = None
            heads[(m_raw, v_raw, k_raw)] = head
        if head is None:
            continue
        if part.__class__ is not int:
            try:
                part = int(values.decimal(part) or 0)
            except (ValueError, ArithmeticError):
                continue
        key, kind = head
        acc.setdefault(key, {}).setdefault(kind, []).append((part, items))
        if kind == FIGURES:
            where.setdefault(key, {})[part] = grid.first_row + offset
    return {k: Seal(k[0], k[1], packed, where.get(k, {})) for k, packed in acc.items()}, raw


_MISSING: Any = object()


def latest_seals(seals: Mapping[Tuple[Month, int], Seal]) -> Dict[Month, Seal]:
    out: Dict[Month, Seal] = {}
    for (m, v), s in seals.items():
        if m not in out or v > out[m].version:
            out[m] = s
    return out


@dataclass(frozen=True)
class ChainRow:
    month: str
    version: int
    link: str
    previous: str
    row: int


def read_chain(grid: Optional[Grid]) -> Tuple[Tuple[ChainRow, ...], Tuple[Tuple, ...]]:
    if grid is None or not grid.rows:
        return (), ()
    head = grid.rows[0]
    cols = [_col(head, c.header) for c in CHAIN.columns]
    out, raw = [], []
    for i, row in enumerate(grid.rows[1:], start=grid.first_row + 1):
        vals = [row[j] if j is not None and j < len(row) else None for j in cols]
        if all(v is None for v in vals):
            continue
        raw.append(tuple(vals))
        try:
            version = int(_norm(vals[1]) or 0)
        except (TypeError, ValueError):
            version = -1
        out.append(ChainRow(str(_norm(vals[0]) or ""), version, str(vals[2] or ""), str(vals[3] or ""), i))
    return tuple(out), tuple(raw)


def chain_sheet(rows: Sequence[Tuple], kept: int = 0) -> SheetOut:
    extra = {"hidden": "veryHidden"}
    if kept:
        extra["kept_rows"] = kept
    return SheetOut(CHAIN.name, CHAIN.headers, tuple(c.type for c in CHAIN.columns), tuple(rows),
                    tuple(c.width for c in CHAIN.columns), extra=extra)


# ---------------------------------------------------------------- checking
REOPEN_HINT = "请改回原样（或用 .bak 备份恢复），或先执行 kefu-xl reopen --month {m} --reason … 再重新月结"
WARN_HINT = "已月结的结果不变；如需按新内容重算，请先 reopen 该月"


def _p(code: str, msg: str, sheet: str = "", row: int = 0, severity: str = ERROR) -> Problem:
    return Problem(code, msg, sheet, row, "", severity)


def check(book: Book, seals: Mapping[Tuple[Month, int], Seal], closed: Mapping[Month, int],
          schemes: Mapping[Month, str], chain: Sequence[ChainRow] = (), head: Optional[str] = None,
          written: Optional[Written] = None, counted_status=None,
          skip: Optional[Mapping[Month, set]] = None, carried: Optional[Mapping[Month, set]] = None) -> List[Problem]:
    """Edits to sealed months, and the state of the chain, as problems.

    `closed`: month -> latest version closed (not reopened).  `head`: the
    chain head as read from the document property (None: this reader cannot
    see document properties, so it is not checked).  `written`: the owned
    sheets as read (None: not checked).  `skip`: per month, the 事件 rows its
    close did not count (close/carry.py's ledger): they may change and are counted later.
    `carried`: per month, the 事件 rows of earlier months its close counted (they are in its seal).
    """
    problems: List[Problem] = []
    latest = latest_seals(seals)
    problems += _check_chain(seals, closed, chain, head, written)
    prints = _Prints(book)
    by_month: Dict[Month, List[Month]] = {}
    for m in sorted(closed):
        seal = seals.get((m, closed[m])) or latest.get(m)
        if seal is None:
            continue
        if seal.legacy:
            problems += _check_legacy(m, seal, prints.events_of(m))
            continue
        now = prints.of(m, schemes.get(m, ""))
        events = [x + (e.status,) for x, e in zip(now[EVENTS], prints.events_of(m))]
        extra = (carried or {}).get(m)
        if extra:
            events += [_event_fp(e, prints.process.get(e.row)) + (e.status,) for e in book.events
                       if e.row in extra and (e.date.year, e.date.month) != (m.year, m.month)]
        problems += _check_events(m, seal, events, counted_status, (skip or {}).get(m, ()))
        if now[METRICS] and seal.digest(METRICS) is not None and \
                _group_digest(METRICS, (fp for _, fp, _ in now[METRICS])) != seal.digest(METRICS):
            hint = REOPEN_HINT.format(m=m)
            for row, label, what in _located(seal, METRICS, now[METRICS]):
                problems.append(_p("E_SEALED_EDIT", f"{m} 已月结，但指标第{row}行（{label}）{what}；{hint}", METRICS, row))
        for kind in (STAFF, PAY_COLUMNS, RULES, TIERS, SETTINGS, IMPORT_MAP) + tuple(k for _, k in OTHER_INPUTS):
            if seal.digest(kind) is None or _group_digest(kind, (fp for _, fp, _ in now[kind])) == seal.digest(kind):
                continue
            for row, label, what in _located(seal, kind, now[kind]):
                by_month.setdefault((kind, row, label, what), []).append(m)
        if written is not None:
            problems += _check_written(m, seal, written, closed)
        problems += figures_problems(seal, REOPEN_HINT.format(m=m))
    for (kind, row, label, what), months in sorted(by_month.items(), key=lambda x: (KINDS.index(x[0][0]), x[0][1],
                                                                                    x[0][2], x[0][3])):
        names = "、".join(str(m) for m in months)
        col = "（社保基数、专项附加扣除或离职日期）" if kind == PAY_COLUMNS else ""
        problems.append(_p("W_SEALED_INPUT", f"已月结的 {names} 用过的{STAFF if kind == PAY_COLUMNS else kind}第{row}行"
                                             f"（{label}）{col}{what}；{WARN_HINT}",
                           STAFF if kind == PAY_COLUMNS else kind, row, WARNING))
    return problems


def figures_problems(seal: Seal, hint: str) -> List[Problem]:
    """E_SEALED_FIGURES at each 封存 row of a sealed month's payslip figures that was edited (or one
    problem when rows were deleted or added and none can be named)."""
    lines = seal.figures()
    if lines is None or figures_digest(t for _, t in lines) == seal.digest(FIGURES):
        return []
    col = schema.SEALS.column("items").header
    m = seal.month
    rows = seal.edited_figures()
    if not rows:
        return [Problem("E_SEALED_FIGURES", f"{m} 已月结，但「封存」中它的工资条数据（{FIGURES}）有行被删除或增加过，"
                                            f"与封存的摘要不符；{hint}", schema.SEALS.name, lines[0][0] if lines else 0, col)]
    return [Problem("E_SEALED_FIGURES", f"{m} 已月结，但「封存」第{r}行（{m} 的工资条数据）被修改过，与封存时不符；{hint}",
                    schema.SEALS.name, r, col) for r in rows]


def _located(seal: Seal, kind: str, now: Sequence[Tuple[int, str, str]]) -> List[Tuple[int, str, str]]:
    """(row, label, what happened) for the rows whose locators differ from the seal's."""
    sealed = {fp: list(rows) for fp, rows in seal.items(kind).items()}
    w = seal.width(kind)
    added = []
    for row, fp, label in now:
        rows = sealed.get(fp[:w])
        if rows:
            rows.pop()
        else:
            added.append((row, label))
    removed = sorted(r for rows in sealed.values() for r in rows)
    changed = {r for r, _ in added} & set(removed)
    out = [(row, label, "被修改" if row in changed else "是月结后新增的") for row, label in added]
    out += [(row, "", "已被删除或移走") for row in removed if row not in changed]
    if not out:  # the full digest differs, yet every locator matches: a forged row
        out = [(0, "无法定位到行", "被修改（内容与封存的完整摘要不符）")]
    return out


def _check_events(m: Month, seal: Seal, now: Sequence[Tuple[int, str, str]], counted_status, free=()) -> List[Problem]:
    if not now:
        return []  # the whole month was cleared from 事件 after its close: archived, not edited
    hint = REOPEN_HINT.format(m=m)
    sealed = {fp: list(rows) for fp, rows in seal.items(EVENTS).items()}
    w = seal.width(EVENTS)
    labels = seal.labels()
    matched: List[str] = []
    added = []
    for row, fp, label, status in now:
        rows = sealed.get(fp[:w])
        if rows:
            rows.pop()
            matched.append(fp)
            continue
        if row in free:
            continue  # not counted by the sealed close (the 结转 ledger): counted later
        lab = _label_fp(label)
        if labels.get(lab):
            labels[lab] -= 1  # an event the month did not count: it may change (it counts in a later month)
            continue
        if counted_status is not None and not counted_status(status):
            continue  # not counted now either (待审, 驳回 ...): the sealed month never counted it
        added.append((row, label))
    removed = sorted(r for rows in sealed.values() for r in rows)
    changed = {r for r, _ in added} & set(removed)
    out = []
    for row, label in added:
        what = "被修改" if row in changed else "是月结后新增的"
        out.append(_p("E_SEALED_EDIT", f"{m} 已月结，但事件第{row}行（{label}）{what}；{hint}", EVENTS, row))
    for row in removed:
        if row not in changed:
            out.append(_p("E_SEALED_EDIT", f"{m} 已月结，但当时计入的事件第{row}行已被删除、改为未计入或改到其他月份；{hint}",
                          EVENTS, row))
    if not out and _group_digest(EVENTS, matched) != seal.digest(EVENTS):
        out.append(_p("E_SEALED_EDIT", f"{m} 已月结，但其计入的事件与封存的完整摘要不符（有事件被改动，"
                                       f"且改动伪装成了原来的行指纹）；{hint}", EVENTS, 0))
    return out


def _legacy_event_fp(e) -> str:
    """The 6-hex fingerprint older kefu-xl versions sealed an event with (to keep checking their seals)."""
    text = "\x1f".join(canon(v) for v in (str(e.date), e.staff_id, e.rule, e.qty, e.points, e.amount, e.rating,
                                          e.status, e.note, str(e.published)))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def _check_legacy(m: Month, seal: Seal, events) -> List[Problem]:
    """Seals of an older kefu-xl (6-hex fingerprints, no chain): its events compared as before, and a
    warning that nothing else is protected until the next close."""
    out = [_p("W_SEAL_LEGACY", f"{m} 是用旧版 kefu-xl 封存的（短指纹，没有封存链），除事件外的月结后修改无法发现；"
                               "下次月结起使用新的封存方式", "封存", 0, WARNING)]
    if not events:
        return out
    hint = REOPEN_HINT.format(m=m)
    sealed = {fp: list(rows) for fp, rows in seal.items(EVENTS).items()}
    added = []
    for e in events:
        rows = sealed.get(_legacy_event_fp(e))
        if rows:
            rows.pop()
        else:
            added.append((e.row, f"{e.date} {e.staff_id} {e.rule}"))
    removed = sorted(r for rows in sealed.values() for r in rows)
    changed = {r for r, _ in added} & set(removed)
    for row, label in added:
        what = "被修改" if row in changed else "是月结后新增的"
        out.append(_p("E_SEALED_EDIT", f"{m} 已月结，但事件第{row}行（{label}）{what}；{hint}", EVENTS, row))
    for row in removed:
        if row not in changed:
            out.append(_p("E_SEALED_EDIT", f"{m} 已月结，但当时的事件第{row}行已被删除或改到其他月份；{hint}", EVENTS, row))
    return out


def _check_written(m: Month, seal: Seal, w: Written, closed: Mapping[Month, int]) -> List[Problem]:
    out = []
    hint = REOPEN_HINT.format(m=m)
    v = seal.version
    ms = str(m)
    if "历史" in w.present:
        got = w.history.get((ms, v))
        if got is None:
            out.append(_p("E_SEALED_WRITTEN", f"{m}（第 {v} 版）已月结并封存，但「历史」中它的记录已被删除；{hint}", "历史"))
        elif got != seal.digest("历史"):
            out.append(_p("E_SEALED_WRITTEN", f"{m}（第 {v} 版）已月结，但「历史」中它的记录被修改、增加或删除过；{hint}",
                          "历史"))
    if "工资历史" in w.present and seal.digest("工资历史") is not None:
        got = w.pay_history.get(ms, rows_digest("工资历史", ()))
        if got != seal.digest("工资历史"):
            out.append(_p("E_SEALED_WRITTEN", f"{m} 已月结，但「工资历史」中它的记录被修改过（这会改变以后月份的累计个税）；"
                                              f"{hint}", "工资历史"))
    n = seal.count("操作记录")
    if "操作记录" in w.present and n is not None:
        if len(w.log_keys) < n or w.log_digest(n) != seal.digest("操作记录"):
            out.append(_p("E_SEALED_WRITTEN", f"「操作记录」中 {m} 月结时已有的记录被修改或删除过；{hint}", "操作记录"))
    last = max(closed) if closed else None
    if m == last:  # 结果 and 工资表 show the latest close
        if w.results is not None and w.results[0] == ms and w.results[1] != seal.digest("结果"):
            out.append(_p("E_SEALED_WRITTEN", f"「结果」显示的是已月结的 {m}，但内容与月结时写入的不同；{hint}", "结果"))
        if w.payroll is not None and w.results is not None and w.results[0] == ms \
                and w.payroll != seal.digest("工资表"):
            out.append(_p("E_SEALED_WRITTEN", f"「工资表」是已月结的 {m} 的，但内容与月结时写入的不同；{hint}", "工资表"))
    return out


def _check_chain(seals: Mapping[Tuple[Month, int], Seal], closed: Mapping[Month, int], chain: Sequence[ChainRow],
                 head: Optional[str], written: Optional[Written]) -> List[Problem]:
    out: List[Problem] = []
    modern = {k: s for k, s in seals.items() if not s.legacy}
    restore = "请用 .bak 备份或月结前的副本恢复工作簿，或由 HR 重开相关月份后重新月结"
    if not chain:
        if modern:
            out.append(_p("E_SEAL_CHAIN", "封存链（隐藏工作表「封存链」）缺失：已封存的月份无法确认未被改动；" + restore, CHAIN.name))
        elif head:
            out.append(_p("E_SEAL_CHAIN", "封存链（隐藏工作表「封存链」）已被删除，但文档属性中仍有链头；" + restore, CHAIN.name))
        return out
    previous = ""
    for c in chain:
        if c.previous != previous:
            out.append(_p("E_SEAL_CHAIN", f"封存链第 {c.row} 行（{c.month} 第 {c.version} 版）与上一行接不上："
                                          f"中间的封存记录被删除或改动过；" + restore, CHAIN.name, c.row))
        try:
            from ..core import values
            m = values.month(c.month)
        except ValueError:
            m = None
        seal = modern.get((m, c.version)) if m is not None else None
        if seal is None:
            out.append(_p("E_SEAL_CHAIN", f"{c.month}（第 {c.version} 版）的「封存」记录已被删除；" + restore, "封存"))
        elif link(c.previous, m, c.version, seal.digests()) != c.link:
            out.append(_p("E_SEAL_CHAIN", f"{c.month}（第 {c.version} 版）的「封存」记录被修改过，与封存链不符；" + restore,
                          "封存"))
        if m is not None and written is not None and "历史" in written.present \
                and c.month not in written.history_months:
            out.append(_p("E_SEALED_WRITTEN", f"{c.month} 已月结并封存，但「历史」中它的所有记录都已被删除"
                                              f"（这样它可以被当作未月结再次月结）；" + restore, "历史"))
        previous = c.link
    if head is not None and head != previous:
        what = "缺失" if not head else "与封存链的最后一环不符"
        out.append(_p("E_SEAL_CHAIN", f"文档属性「{HEAD_PROPERTY}」（封存链头）{what}：封存链的末尾被删除或改动过；" + restore,
                      CHAIN.name))
    linked = {(c.month, c.version) for c in chain}
    for m, v in sorted(closed.items()):
        if (str(m), v) not in linked and (m, v) not in seals:
            out.append(_p("E_SEAL_CHAIN", f"{m}（第 {v} 版）在「历史」中是已月结，但没有它的封存记录；" + restore, "封存"))
    for (m, v), s in sorted(modern.items()):
        if (str(m), v) not in linked:
            out.append(_p("E_SEAL_CHAIN", f"{m}（第 {v} 版）的封存记录不在封存链中（被加入或改动过）；" + restore, "封存"))
    return out
