"""Results to sheets (SheetOut) and to the contract's JSON.  Pure functions."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from ..core import schema
from ..core.grid import SheetOut
from ..core.model import (CAT_FINE, CAT_LOSS, CAT_REWARD, HistoryRow, MonthResult, PersonResult, Problem, fmt_money,
                    fmt_points, money)
from ..read.readers import format_counters
from ..core.schema import SheetSpec


def _kept(n: int) -> dict:
    """SheetOut.extra for an append-only sheet whose first n rows are its rows as read (the file
    writer copies them instead of writing them again: xlsxio._keeps)."""
    return {"kept_rows": n} if n else {}


def sheet_out(spec: SheetSpec, rows: Iterable[Sequence[Any]], title: Optional[str] = None,
              highlight=(), extra=None) -> SheetOut:
    rows = tuple(r if r.__class__ is tuple else tuple(r) for r in rows)
    return SheetOut(spec.name, spec.headers, tuple(c.type for c in spec.columns), rows,
                    tuple(c.width for c in spec.columns), title, tuple(highlight), dict(extra or {}))


def _yes(b: bool) -> str:
    return "是" if b else "否"


def _points(d: Decimal):
    return fmt_points(d)


def results_rows(result: MonthResult) -> List[Tuple]:
    out = []
    for p in result.people:
        by = p.money_by_category()
        out.append((str(result.month), p.rank, p.staff.id, p.staff.name, p.staff.group, p.staff.tier, _points(p.score),
                    p.grade, _yes(p.passed), p.bonus_cut, money(by.get(CAT_REWARD, 0)),
                    money(by.get(CAT_FINE, 0) + by.get(CAT_LOSS, 0)), "、".join(p.titles), "；".join(p.flags)))
    return out


def results_sheet(result: MonthResult) -> SheetOut:
    return sheet_out(schema.RESULTS, results_rows(result))


def details_rows(result: MonthResult) -> List[Tuple]:
    """One row per line of every person (a large close: hundreds of thousands, so the month's text and
    each distinct point value are worked out once)."""
    out = []
    add = out.append
    month = str(result.month)
    points: dict = {}
    for p in result.people:
        sid, name = p.staff.id, p.staff.name
        for ln in p.lines:
            pts = ln.points
            shown = points.get(pts)
            if shown is None:
                shown = points[pts] = _points(pts)
            note = ln.note
            if len(note) > CELL_CHARS:
                note = cap_text(note)
            add((month, sid, name, ln.date, ln.rule, shown, ln.amount, ln.category, ln.source, ln.event_row or None,
                 note))
    return out


CELL_CHARS = 32767  # Excel's limit for the text of one cell
_CUT = "…（已截断）"


def cap_text(text: str) -> str:
    """A text cut to fit one Excel cell, saying so."""
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - len(_CUT)] + _CUT


def details_sheet(result: MonthResult) -> SheetOut:
    return sheet_out(schema.DETAILS, details_rows(result))


def history_rows(rows: Iterable[HistoryRow]) -> List[Tuple]:
    """One row per history record (twelve months of a large team: tens of thousands, so each month's
    text and each distinct score are worked out once)."""
    months: dict = {}
    points: dict = {}
    out = []
    add = out.append
    for h in rows:
        m, score = h.month, h.score
        month = months.get(m)
        if month is None:
            month = months[m] = str(m)
        shown = points.get(score)
        if shown is None:
            shown = points[score] = _points(score)
        add((month, h.staff_id, h.name, h.group, shown, h.rank, h.ranked, h.grade, _yes(h.passed),
             _yes(h.excluded), format_counters(h.counters), h.version, h.state, h.digest, h.note))
    return out


def history_sheet(rows: Iterable[HistoryRow], kept: int = 0) -> SheetOut:
    return sheet_out(schema.HISTORY, history_rows(rows), extra=_kept(kept))


SEVERITY = {"error": "错误", "warning": "提示"}


def seals_sheet(rows: Iterable[Sequence[Any]], kept: int = 0) -> SheetOut:
    return sheet_out(schema.SEALS, rows, extra=_kept(kept))


def carry_rows(rows) -> List[Tuple]:
    """结转 rows as read, to write back unchanged (model.CarryRow, columns of schema.CARRY)."""
    return [(str(r.month), r.version, r.event_row, r.date, r.staff_id, r.rule, r.state, str(r.origin), r.note)
            for r in rows]


def carry_sheet(rows: Iterable[Sequence[Any]], kept: int = 0) -> SheetOut:
    return sheet_out(schema.CARRY, rows, extra=_kept(kept))


def problems_sheet(problems: Sequence[Problem]) -> SheetOut:
    rows = [(SEVERITY.get(p.severity, p.severity), p.sheet, p.row or None, p.column, p.code, p.message)
            for p in problems]
    return sheet_out(schema.PROBLEMS, rows)


def log_sheet(rows: Iterable[Sequence[Any]], kept: int = 0) -> SheetOut:
    return sheet_out(schema.LOG, rows, extra=_kept(kept))


# ---------------------------------------------------------------- JSON (CONTRACT.md)
def person_json(p: PersonResult, pay: Optional[dict], pay_flags: Sequence[str] = ()) -> dict:
    return {
        "id": p.staff.id,
        "name": p.staff.name,
        "tier": p.staff.tier,
        "score": fmt_points(p.score),
        "grade": p.grade,
        "passed": p.passed,
        "rank": p.rank,
        "bonus_cut": fmt_money(p.bonus_cut),
        "pay": pay if pay is not None else {},
        "flags": list(p.flags) + [f for f in pay_flags if f not in p.flags],
        "lines": [ln.as_json() for ln in p.lines],
    }


def close_json(result: MonthResult, pays: Optional[dict] = None, problems: Optional[Sequence[Problem]] = None,
               pay_flags: Optional[dict] = None) -> dict:
    pays = pays or {}
    pay_flags = pay_flags or {}
    probs = result.problems if problems is None else problems
    return {
        "month": str(result.month),
        "scheme": result.scheme,
        "staff": [person_json(p, pays.get(p.staff.id), pay_flags.get(p.staff.id, ())) for p in result.people],
        "problems": [p.as_json() for p in probs],
    }
