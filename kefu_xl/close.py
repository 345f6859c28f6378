"""The month close as one pure function: records in, sheets to write out.

`plan_close` runs the engine and the payroll on a `Book`, decides whether the
close may happen (input errors: nothing is written; month already closed:
refused) and returns the owned sheets to write.  The file shell (cli) and the
Excel shell (macros) both call it, so Excel and the command line give the
same answers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from . import engine, payroll, reports, schema, writers
from .grid import Grid, SheetOut
from .model import ERROR, HistoryRow, Month, MonthResult, Problem
from .readers import Book, read_book, read_table

PAY_SHEETS = ("工资表", "工资条", "工资历史")
OWNED_NAMES = tuple(s.name for s in schema.OWNED_SHEETS) + PAY_SHEETS + reports.REPORT_SHEETS
READ_NAMES = tuple(s.name for s in schema.INPUT_SHEETS) + (schema.HISTORY.name, schema.LOG.name, "工资历史")

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_REFUSED = 2


@dataclass(frozen=True)
class Loaded:
    """A workbook read into records (from any shell)."""

    book: Book
    problems: Tuple[Problem, ...]
    pay_history: Tuple[payroll.PayHistory, ...] = ()
    log_rows: Tuple[Tuple[Any, ...], ...] = ()


def load(grids: Mapping[str, Grid]) -> Loaded:
    """Grids (by sheet name) to records, collecting every reader problem."""
    book, problems = read_book(grids)
    pay_hist: List[payroll.PayHistory] = []
    g = grids.get("工资历史")
    if g is not None:
        pay_hist, p = payroll.pay_history_from_grid(g)
        problems += p
    log = read_table(grids.get(schema.LOG.name), schema.LOG) if schema.LOG.name in grids else None
    log_rows = tuple(tuple(r.values.get(c.key) for c in schema.LOG.columns) for r in log.rows) if log else ()
    return Loaded(book, tuple(problems), tuple(pay_hist), log_rows)


@dataclass(frozen=True)
class Plan:
    month: Optional[Month]
    result: MonthResult
    pays: Tuple[payroll.PayResult, ...]
    problems: Tuple[Problem, ...]
    sheets: Tuple[SheetOut, ...] = ()
    refused: str = ""
    digest: str = ""

    @property
    def errors(self) -> Tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def exit_code(self) -> int:
        if self.refused:
            return EXIT_REFUSED
        return EXIT_INPUT if self.errors else EXIT_OK

    def pay_by_id(self) -> Dict[str, payroll.PayResult]:
        return {r.staff.id: r for r in self.pays}

    def as_json(self) -> dict:
        pays = {r.staff.id: payroll.pay_json(r) for r in self.pays}
        return writers.close_json(self.result, pays, self.problems)


def closed_months(history: Sequence[HistoryRow]) -> Dict[Month, int]:
    """Month -> latest version number in the history."""
    out: Dict[Month, int] = {}
    for h in history:
        out[h.month] = max(out.get(h.month, 0), h.version)
    return out


def digest_inputs(book: Book, month: Month, scheme: str) -> str:
    """A short fingerprint of exactly the inputs that produce a month."""
    h = hashlib.sha256()
    events = [e for e in book.events if month.contains(e.date)]
    for part in (
        [(s.id, s.name, s.tier, s.role, str(s.hired), s.group, s.status, str(s.left)) for s in book.staff],
        [(e.row, str(e.date), e.staff_id, e.rule, str(e.qty), str(e.points), str(e.amount), e.rating, e.status,
          e.note) for e in events],
        [(r.scheme, r.code, r.kind, r.points, r.amount, r.params, r.metric, r.component, r.window, r.scope,
          str(r.cap), str(r.floor), r.category, r.unit, r.enabled) for r in book.rules if r.scheme in ("", scheme)],
        [(t.tier, str(t.base_pay)) for t in book.tiers],
        [(s.key, str(s.value), str(s.since)) for s in book.settings],
    ):
        h.update(json.dumps(part, ensure_ascii=False, default=str).encode("utf-8"))
    return h.hexdigest()[:16]


def compute(loaded: Loaded, month: Optional[Month] = None, as_of: Optional[dt.date] = None
            ) -> Tuple[MonthResult, Tuple[payroll.PayResult, ...], List[Problem]]:
    """Engine then payroll, no decision about writing."""
    book = loaded.book
    result = engine.compute_month(book, month, as_of=as_of)
    problems: List[Problem] = list(loaded.problems) + list(result.problems)
    if not result.people and result.errors:
        return result, (), problems
    policy, p = payroll.policy_for(book.settings, result.month)
    problems += p
    tiers = {t.tier: t for t in book.tiers}
    inputs = []
    for person in result.people:
        if person.staff.tier and person.staff.tier not in tiers:
            problems.append(Problem.at(person.staff.src.at("等级", 0), "E_UNKNOWN_TIER",
                                       f"等级「{person.staff.tier}」不在「等级」表中"))
        inputs.append(payroll.PayInput(person.staff, tiers.get(person.staff.tier), person, result.month))
    history: Dict[str, List[payroll.PayHistory]] = {}
    for h in loaded.pay_history:
        if h.month < result.month:
            history.setdefault(h.staff_id, []).append(h)
    pays, p = payroll.compute_payroll(inputs, policy, history)
    problems += p
    return result, pays, problems


def plan_close(loaded: Loaded, month: Optional[Month] = None, as_of: Optional[dt.date] = None,
               user: str = "", now: Optional[dt.datetime] = None) -> Plan:
    result, pays, problems = compute(loaded, month, as_of)
    m = result.month
    book = loaded.book
    closed = closed_months(book.history)
    if any(p.is_error for p in problems):
        return Plan(m, result, pays, tuple(problems))
    if m in closed:
        msg = f"{m} 已经月结过（第 {closed[m]} 版），不能重复月结；如需更正请先 kefu-xl reopen --month {m} --reason …"
        return Plan(m, result, pays, tuple(problems), refused=msg)
    digest = digest_inputs(book, m, result.scheme)
    history = tuple(book.history) + engine.history_from_result(result, 1, digest)
    report_sheets, p = reports.build(result, book, history)
    problems += p
    if any(x.is_error for x in p):
        return Plan(m, result, pays, tuple(problems))
    pay_hist = tuple(h for h in loaded.pay_history if h.month != m) + tuple(r.history() for r in pays)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    log = tuple(loaded.log_rows) + ((stamp, user, "月结", str(m),
                                     f"方案 {result.scheme}，{len(result.people)} 人，{len(result.problems)} 条提示",
                                     digest),)
    sheets = (
        writers.results_sheet(result),
        writers.details_sheet(result),
        writers.history_sheet(history),
        writers.problems_sheet(problems),
        writers.log_sheet(log),
        payroll.payroll_sheet(pays, m),
        payroll.payslip_sheet(pays, m),
        payroll.pay_history_sheet(pay_hist),
    ) + tuple(report_sheets)
    return Plan(m, result, pays, tuple(problems), sheets, digest=digest)
