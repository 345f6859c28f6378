"""Sealed months: what exactly produced each closed month, so later edits show.

A close writes, for its month and version, one fingerprint per input row that
produced it (the month's events; the staff on the books that month; the rules
of the scheme; tiers; settings) into the 封存 sheet.  Fingerprints are packed
as ``<row base36>:<6 hex>`` items, several thousand per cell, so a year of
20,000-event months stays a few dozen cells.

A later check or close compares the current rows with the seal of every
closed month: an event of a sealed month that was changed, deleted or added is
an error (reopen the month first: ``kefu-xl reopen``); clearing a closed month's
events altogether is allowed (archiving: the sealed results stand); a changed staff row,
rule, tier or setting that a sealed month used is a warning (the sealed
results stand; a re-close would differ).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ..core import schema
from ..core.grid import Grid
from ..core.model import ERROR, WARNING, Month, Problem
from ..read.readers import Book, read_table

EVENTS = "事件"
KINDS = (EVENTS, "员工", "规则", "等级", "参数")
CELL_ITEMS = 2000  # items per cell (well under Excel's 32,767 characters)


_CANON: Dict[Decimal, str] = {}


def canon(v) -> str:
    """A value as text that does not depend on how a reader typed it (1, 1.0, Decimal("1.00") -> "1")."""
    if v is None:
        return ""
    if type(v) is str:
        return v
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
    return str(v)


def _fp(values) -> str:
    """6 hex digits of a row's content, independent of how a reader typed numbers."""
    text = "\x1f".join(canon(v) for v in values)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def digest(fps: Dict[str, List[Tuple[int, str, str]]]) -> str:
    """A short fingerprint of all the inputs of a month (order of rows does not matter)."""
    h = hashlib.sha256()
    for kind in KINDS:
        h.update(kind.encode("utf-8"))
        h.update(" ".join(sorted(fp for _, fp, _ in fps[kind])).encode("ascii"))
    return h.hexdigest()[:16]


_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_B36_PAIRS = [a + b for a in _B36 for b in _B36]  # "00" … "zz"


def _b36(n: int) -> str:
    """n in base 36, lower case, two digits at a time (a close packs one item per event)."""
    if n < 1296:
        return _B36_PAIRS[n][1:] if n < 36 else _B36_PAIRS[n]
    hi, lo = divmod(n, 1296)
    return _b36(hi) + _B36_PAIRS[lo]


def _event_fp(e) -> Tuple[int, str, str]:
    day = str(e.date)
    return (e.row, _fp((day, e.staff_id, e.rule, e.qty, e.points, e.amount, e.rating, e.status, e.note,
                        str(e.published))), f"{day} {e.staff_id} {e.rule}")


class _Prints:
    """Fingerprints of one book for any number of months.

    Each staff, rule, tier and setting row is fingerprinted once (which rows a
    month uses depends on the month, the fingerprint does not) and the events
    are grouped by month in one pass, so checking a year of sealed months
    costs about as much as fingerprinting one.
    """

    def __init__(self, book: Book):
        self.book = book
        self.staff = [(s, (s.src.row, _fp((s.id, s.name, s.tier, s.group, s.role, str(s.hired))), s.id))
                      for s in book.staff]
        self.rules = [(r, (r.src.row, _fp((r.scheme, r.code, r.kind, r.points, r.amount, r.params, r.metric,
                                           r.component, r.window, r.scope, r.cap, r.floor, r.category, r.unit,
                                           r.enabled)), r.code)) for r in book.rules]
        self.tiers = [(t.src.row, _fp((t.tier, t.base_pay, sorted((k, canon(v)) for k, v in t.extra.items()))),
                       t.tier) for t in book.tiers]
        self.settings = [(s, (s.src.row, _fp((s.key, s.value, str(s.since))), s.key)) for s in book.settings]
        self._events: Optional[Dict[Tuple[int, int], list]] = None

    def events_of(self, month: Month) -> list:
        if self._events is None:
            self._events = {}
            for e in self.book.events:
                d = e.date
                self._events.setdefault((d.year, d.month), []).append(e)
        return self._events.get((month.year, month.month), [])

    def of(self, month: Month, scheme: str) -> Dict[str, List[Tuple[int, str, str]]]:
        return {
            EVENTS: [_event_fp(e) for e in self.events_of(month)],
            "员工": [fp for s, fp in self.staff if s.active_in(month)],
            "规则": [fp for r, fp in self.rules if r.scheme in ("", scheme)],
            "等级": list(self.tiers),
            "参数": [fp for s, fp in self.settings
                   if s.key not in ("月份", "本月", "当前月份", "考核月份") and (s.since is None or s.since <= month)],
        }


def fingerprints(book: Book, month: Month, scheme: str) -> Dict[str, List[Tuple[int, str, str]]]:
    """kind -> [(row, fingerprint, label)] of the rows that produce `month`."""
    return _Prints(book).of(month, scheme)


def seal_rows(fps: Dict[str, List[Tuple[int, str, str]]], month: Month, version: int) -> List[Tuple]:
    """Rows of the 封存 sheet for one closed month and version."""
    rows = []
    for kind, items in fps.items():
        packed = [f"{_b36(r)}:{fp}" for r, fp, _ in items]
        chunks = [packed[i:i + CELL_ITEMS] for i in range(0, len(packed), CELL_ITEMS)] or [[]]
        for n, chunk in enumerate(chunks, start=1):
            rows.append((str(month), version, kind, n, " ".join(chunk)))
    return rows


@dataclass(frozen=True)
class Seal:
    """The latest seal of a month.  Its items are unpacked per kind on first use: a sealed month
    of a large team holds hundreds of thousands of event items, and an archived month (its
    events cleared from 事件) never needs them."""

    month: Month
    version: int
    packed: Dict[str, List[object]]  # kind -> the 行指纹 cells as read
    _unpacked: Dict[str, Dict[str, List[int]]] = field(default_factory=dict, compare=False, repr=False)

    def items(self, kind: str) -> Dict[str, List[int]]:
        """fingerprint -> sealed rows of one kind."""
        out = self._unpacked.get(kind)
        if out is None:
            from ..core import values
            out = {}
            for cell in self.packed.get(kind, ()):
                for item in values.text(cell).split():
                    r, _, fp = item.partition(":")
                    out.setdefault(fp, []).append(int(r, 36))
            self._unpacked[kind] = out
        return out


def read_seals(grid: Optional[Grid]) -> Tuple[Dict[Month, Seal], List[Tuple]]:
    """Latest seal per month, and the raw rows (to write back unchanged)."""
    if grid is None:
        return {}, []
    from ..core import values
    t = read_table(grid, schema.SEALS)
    raw: List[Tuple] = []
    acc: Dict[Tuple[Month, int], Dict[str, List[object]]] = {}
    for row in t.rows:
        vals = [row.get(c.key) for c in schema.SEALS.columns]
        raw.append(tuple(vals))
        try:
            m = values.month(row.get("month"))
            version = int(values.decimal(row.get("version")) or 1)
        except ValueError:
            continue
        kind = values.text(row.get("kind"))
        acc.setdefault((m, version), {}).setdefault(kind, []).append(row.get("items"))
    latest: Dict[Month, Seal] = {}
    for (m, v), packed in acc.items():
        if m not in latest or v > latest[m].version:
            latest[m] = Seal(m, v, packed)
    return latest, raw


CARRIED_PART = 10_000  # 段 of the 事件 rows of a seal that hold the events of earlier months the close counted


def carried_seal_rows(events, month: Month, version: int) -> List[Tuple]:
    """封存 rows (kind 事件, 段 from CARRIED_PART) for the events of earlier months a close counted."""
    packed = [f"{_b36(r)}:{fp}" for r, fp, _ in (_event_fp(e) for e in events)]
    return [(str(month), version, EVENTS, CARRIED_PART + n, " ".join(packed[i:i + CELL_ITEMS]))
            for n, i in enumerate(range(0, len(packed), CELL_ITEMS))]


def check(book: Book, seals: Dict[Month, Seal], closed: Iterable[Month], schemes: Dict[Month, str],
          skip: Optional[Dict[Month, set]] = None, carried: Optional[Dict[Month, set]] = None) -> List[Problem]:
    """Edits to sealed months, as problems naming the rows.  `skip`: per month, the 事件 rows its
    close did not count (engine/carry.py): they may change (status, dates) and are counted later.
    `carried`: per month, the 事件 rows of earlier months its close counted (they are in its seal)."""
    problems: List[Problem] = []
    prints = _Prints(book)
    for m in sorted(closed):
        seal = seals.get(m)
        if seal is None:
            continue
        now = prints.of(m, schemes.get(m, ""))
        extra = (carried or {}).get(m)
        if extra:
            now[EVENTS] = now[EVENTS] + [_event_fp(e) for e in book.events
                                         if e.row in extra and (e.date.year, e.date.month) != (m.year, m.month)]
        for kind in KINDS:
            if kind == EVENTS and not now[kind]:
                continue  # the whole month was cleared from 事件 after its close: archived, not edited
            free = (skip or {}).get(m, ()) if kind == EVENTS else ()
            sealed = {fp: [r for r in rows if r not in free] for fp, rows in seal.items(kind).items()}
            added = []
            for row, fp, label in now[kind]:
                if row in free:
                    continue
                if sealed.get(fp):
                    sealed[fp].pop()
                else:
                    added.append((row, label))
            removed = sorted(r for rows in sealed.values() for r in rows)
            changed = {r for r, _ in added} & set(removed)
            severity = ERROR if kind == EVENTS else WARNING
            code = "E_SEALED_EDIT" if kind == EVENTS else "W_SEALED_INPUT"
            hint = (f"请改回原样，或先执行 kefu-xl reopen --month {m} --reason … 再重新月结" if kind == EVENTS
                    else "已月结的结果不变；如需按新内容重算，请先 reopen 该月")
            for row, label in added:
                what = "被修改" if row in changed else "是月结后新增的"
                problems.append(Problem(code, f"{m} 已月结，但{kind}第{row}行（{label}）{what}；{hint}",
                                        kind, row, "", severity))
            for row in removed:
                if row not in changed:
                    problems.append(Problem(code, f"{m} 已月结，但当时的{kind}第{row}行已被删除或改到其他月份；{hint}",
                                            kind, row, "", severity))
    return problems
