"""Readers of the optional input sheets 订单, 周计划, 考试 and of the process columns of 事件.

Each sheet may be absent (an older workbook): then it reads as no rows and no
problem.  The process columns of 事件 (发生日期, 记录日期, 异议日期, 异议决定日期,
失职领导) are read in a second, separate pass only when the sheet has one of
them, so the event reader's fast path stays as it is.
"""
from __future__ import annotations

import operator
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

from ..core import schema, values
from ..core.grid import Grid
from ..core.model import Exam, Order, Problem, ProcessDates, WeekPlan
from .readers import _Collector, locate_header, read_table

PROCESS_KEYS = ("incident", "recorded", "objected", "decided", "leader")


def read_orders(grid: Optional[Grid], year: Optional[int] = None) -> Tuple[Tuple[Order, ...], List[Problem]]:
    if grid is None:
        return (), []
    t = read_table(grid, schema.ORDERS)
    problems = list(t.problems)
    out: List[Order] = []
    seen: Dict[str, int] = {}
    for row in t.rows:
        c = _Collector(row, problems)
        no = c.text("order", required=True)
        d = c.date("date", required=True, year=year)
        amount = c.decimal("amount")
        if amount is None and c.ok:
            c._fail("amount", "E_REQUIRED", "「金额」不能为空")
        discount = c.decimal("discount") or Decimal(0)
        if discount < 0:
            c._fail("discount", "E_OUT_OF_RANGE", "优惠不能为负数")
        paid = c.date("paid", year=year)
        margin = c.rate("margin")
        if no and no in seen:
            c._fail("order", "E_DUPLICATE_ORDER", f"订单号「{no}」重复（第 {seen[no]} 行已有）")
        if not c.ok:
            continue
        seen[no] = row.row
        out.append(Order(no, d, c.code("id"), amount, discount, c.text("note"), c.text("approver"),
                         c.text("paid_status"), paid, c.code("rule"), margin, row.src()))
    return tuple(out), problems


def read_weeks(grid: Optional[Grid], year: Optional[int] = None) -> Tuple[Tuple[WeekPlan, ...], List[Problem]]:
    if grid is None:
        return (), []
    t = read_table(grid, schema.WEEKS)
    problems = list(t.problems)
    out: List[WeekPlan] = []
    seen: Dict[tuple, int] = {}
    for row in t.rows:
        c = _Collector(row, problems)
        week = c.date("week", required=True, year=year)
        sid = c.code("id", required=True)
        rate = c.rate("rate")
        if rate is None and c.ok:
            c._fail("rate", "E_REQUIRED", "「完成率」不能为空")
        elif rate is not None and rate < 0:
            c._fail("rate", "E_OUT_OF_RANGE", "完成率不能为负数")
        if c.ok and (week, sid) in seen:
            c._fail("week", "E_DUPLICATE_WEEK", f"{sid} 在 {week.isoformat()} 这一周已有一行（第 {seen[(week, sid)]} 行）")
        if not c.ok:
            continue
        seen[(week, sid)] = row.row
        out.append(WeekPlan(week, sid, rate, c.text("note"), row.src()))
    return tuple(out), problems


def read_exams(grid: Optional[Grid], year: Optional[int] = None) -> Tuple[Tuple[Exam, ...], List[Problem]]:
    if grid is None:
        return (), []
    t = read_table(grid, schema.EXAMS)
    problems = list(t.problems)
    out: List[Exam] = []
    for row in t.rows:
        c = _Collector(row, problems)
        d = c.date("date", required=True, year=year)
        sid = c.code("id", required=True)
        score = c.decimal("score")
        full = c.decimal("full")
        full = Decimal(100) if full is None else full
        if score is None and c.ok:
            c._fail("score", "E_REQUIRED", "「分数」不能为空")
        if full <= 0:
            c._fail("full", "E_OUT_OF_RANGE", "满分必须大于 0")
        elif score is not None and not (0 <= score <= full):
            c._fail("score", "E_OUT_OF_RANGE", f"分数 {values.text(score)} 应在 0 到满分 {values.text(full)} 之间")
        if not c.ok:
            continue
        out.append(Exam(d, sid, c.text("subject"), score, full, c.text("note"), row.src()))
    return tuple(out), problems


def _filled_rows(rows, cols: List[int]) -> List[int]:
    """Offsets of the rows with a non-blank cell in any of `cols`.  The usual case (the columns are in
    every workbook from the template, and empty) costs one pick and one count per column, in C
    (about 20 ms a column for 500,000 rows)."""
    out = set()
    for i in cols:
        try:
            col = list(map(operator.itemgetter(i), rows))
        except IndexError:  # ragged rows
            col = [r[i] if i < len(r) else None for r in rows]
        blank = col.count(None)
        if blank == len(col) or blank + col.count("") == len(col):
            continue
        out.update(j for j, v in enumerate(col) if v is not None and v != "")
    return sorted(out)


def read_process(grid: Optional[Grid], year: Optional[int] = None
                 ) -> Tuple[Dict[int, ProcessDates], List[Problem]]:
    """事件 row -> its process columns, for the rows that fill any of them."""
    if grid is None:
        return {}, []
    loc = locate_header(grid, schema.EVENTS)
    if loc.found is None or not any(k in loc.found for k in PROCESS_KEYS):
        return {}, []
    problems: List[Problem] = []
    out: Dict[int, ProcessDates] = {}
    data = grid.rows[loc.index + 1:]
    # the columns are there in every workbook from the template, mostly empty: find the filled rows column by column
    offsets = _filled_rows(data, [loc.found[k] for k in PROCESS_KEYS if k in loc.found])
    first = grid.first_row + loc.index + 1
    for offset in offsets:
        raw = data[offset]
        row = loc.row(raw, first + offset)
        c = _Collector(row, problems)
        dates = [c.date(k, year=year) for k in PROCESS_KEYS[:4]]
        leader = c.code("leader")
        if c.ok:
            out[row.row] = ProcessDates(*dates, leader)
    return out, problems
