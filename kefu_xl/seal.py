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
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import schema
from .grid import Grid
from .model import ERROR, WARNING, Month, Problem
from .readers import Book, read_table

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


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def fingerprints(book: Book, month: Month, scheme: str) -> Dict[str, List[Tuple[int, str, str]]]:
    """kind -> [(row, fingerprint, label)] of the rows that produce `month`."""
    out: Dict[str, List[Tuple[int, str, str]]] = {k: [] for k in KINDS}
    for e in book.events:
        if month.contains(e.date):
            out[EVENTS].append((e.row, _fp((str(e.date), e.staff_id, e.rule, e.qty, e.points, e.amount,
                                            e.rating, e.status, e.note, str(e.published))),
                                f"{e.date} {e.staff_id} {e.rule}"))
    for s in book.staff:
        if s.active_in(month):
            out["员工"].append((s.src.row, _fp((s.id, s.name, s.tier, s.group, s.role, str(s.hired))), s.id))
    for r in book.rules:
        if r.scheme in ("", scheme):
            out["规则"].append((r.src.row, _fp((r.scheme, r.code, r.kind, r.points, r.amount, r.params, r.metric,
                                                r.component, r.window, r.scope, r.cap, r.floor,
                                                r.category, r.unit, r.enabled)), r.code))
    for t in book.tiers:
        out["等级"].append((t.src.row, _fp((t.tier, t.base_pay, sorted((k, canon(v)) for k, v in t.extra.items()))),
                           t.tier))
    for s in book.settings:
        if s.key not in ("月份", "本月", "当前月份", "考核月份") and (s.since is None or s.since <= month):
            out["参数"].append((s.src.row, _fp((s.key, s.value, str(s.since))), s.key))
    return out


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
    month: Month
    version: int
    items: Dict[str, Dict[str, List[int]]]  # kind -> fingerprint -> sealed rows


def read_seals(grid: Optional[Grid]) -> Tuple[Dict[Month, Seal], List[Tuple]]:
    """Latest seal per month, and the raw rows (to write back unchanged)."""
    if grid is None:
        return {}, []
    from . import values
    t = read_table(grid, schema.SEALS)
    raw: List[Tuple] = []
    acc: Dict[Tuple[Month, int], Dict[str, Dict[str, List[int]]]] = {}
    for row in t.rows:
        vals = [row.get(c.key) for c in schema.SEALS.columns]
        raw.append(tuple(vals))
        try:
            m = values.month(row.get("month"))
            version = int(values.decimal(row.get("version")) or 1)
        except ValueError:
            continue
        kind = values.text(row.get("kind"))
        bucket = acc.setdefault((m, version), {}).setdefault(kind, {})
        for item in values.text(row.get("items")).split():
            r, _, fp = item.partition(":")
            bucket.setdefault(fp, []).append(int(r, 36))
    latest: Dict[Month, Seal] = {}
    for (m, v), items in acc.items():
        if m not in latest or v > latest[m].version:
            latest[m] = Seal(m, v, items)
    return latest, raw


def check(book: Book, seals: Dict[Month, Seal], closed: Iterable[Month], schemes: Dict[Month, str]) -> List[Problem]:
    """Edits to sealed months, as problems naming the rows."""
    problems: List[Problem] = []
    for m in sorted(closed):
        seal = seals.get(m)
        if seal is None:
            continue
        now = fingerprints(book, m, schemes.get(m, ""))
        for kind in KINDS:
            if kind == EVENTS and not now[kind]:
                continue  # the whole month was cleared from 事件 after its close: archived, not edited
            sealed = {fp: list(rows) for fp, rows in seal.items.get(kind, {}).items()}
            added = []
            for row, fp, label in now[kind]:
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
