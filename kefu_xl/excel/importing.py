"""The 导入 button: the VBA Sub KefuImport shows a file dialog and calls
``kefu_xl.macros.import_exports(paths)``; the exports are imported into the open
book through xlwings, with the same plan as ``kefu-xl import`` (close.importing).

The book is open in Excel, so nothing is written to its file: 指标 and 事件 get
their rows in place (values Excel will not retype), 操作记录 its lines, and a
message box says what was imported or what is wrong (nothing written then).
"""
from __future__ import annotations

import datetime as dt
from typing import Dict, Optional, Sequence

from ..close import importing as planning
from ..core.exits import EXIT_OK
from ..core import schema
from ..core.grid import Grid
from ..read.readers import locate_header
from ..write import layout
from ..write import results as writers
from ..xlsx.importing import METRIC_COLUMNS, _last_row, _metric_grid_rows, _place, read_exports
from ..xlsx.who import os_user


def put_rows(io, sheet: str, at: int, rows: Sequence[tuple], clear: Sequence[int] = (), clear_to: int = 0,
             width: int = 0) -> None:
    """Rows written from sheet row `at`; the rows in `clear` (and, with `clear_to`, every row from `at` to
    it) emptied first.  One assignment per block of rows."""
    sh = io._sheet(sheet)
    for r in clear:
        sh.range((r, 1), (r, width)).value = [[None] * width]
    if clear_to >= at:
        sh.range((at, 1), (clear_to, width)).value = [[None] * width for _ in range(clear_to - at + 1)]
    if rows:
        values = [[layout.excel_value(v, False) if v is not None else None for v in r] + [None] * (width - len(r))
                  for r in rows]
        sh.range((at, 1), (at + len(rows) - 1, width)).value = values


def run_import(io, paths: Sequence[str], month=None, skip_unknown: bool = False,
               user: Optional[str] = None, now: Optional[dt.datetime] = None) -> planning.ImportPlan:
    files = read_exports(paths)
    grids: Dict[str, Grid] = io.read(planning.READ_NAMES)
    book, _, log_rows = planning.load(grids)
    metric_grid, event_grid = grids.get(schema.METRICS.name), grids.get(schema.EVENTS.name)
    metric_loc = locate_header(metric_grid, schema.METRICS) if metric_grid is not None else None
    event_loc = locate_header(event_grid, schema.EVENTS)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    plan = planning.plan_import(book, files, _metric_grid_rows(metric_grid, metric_loc), month, skip_unknown,
                                user or os_user(), stamp)
    if metric_loc is None or metric_loc.found is None or event_loc.found is None:
        plan.problems.insert(0, planning.FileProblem("", schema_problem()))
    if plan.exit_code != EXIT_OK:
        errors = plan.errors or plan.problems
        io.alert("导入未完成，工作簿没有改动：\n\n" + "\n".join(
            f"{p.file} {p.problem.sheet} 第{p.problem.row}行 {p.problem.column}：{p.problem.message}"
            for p in errors[:8]), "导入未完成")
        return plan
    if plan.changes:
        if plan.metric_rows is not None:
            first = metric_loc.header_row + 1
            old_last = _last_row(metric_grid, metric_loc.header_row)
            put_rows(io, schema.METRICS.name, first,
                     [_place(r, METRIC_COLUMNS, metric_loc.cols) for r in plan.metric_rows],
                     clear_to=old_last, width=max(metric_loc.cols.values()))
        if plan.new_events or plan.clear_events:
            keys = tuple(c.key for c in schema.EVENTS.columns)
            put_rows(io, schema.EVENTS.name, _last_row(event_grid, event_loc.header_row) + 1,
                     [_place(r, keys, event_loc.cols) for r in plan.new_events], plan.clear_events,
                     width=max(event_loc.cols.values()))
        if plan.log:
            io.write([writers.log_sheet(tuple(log_rows) + tuple(plan.log), kept=len(log_rows))])
    lines = [f"{f.file}：{f.source} {f.month}，{f.people} 人，指标 {f.metrics} 行，事件 {f.events} 行"
             + (f"，替换 {f.replaced} 行" if f.replaced else "") for f in plan.files]
    warn = [p for p in plan.problems if not p.problem.is_error]
    io.alert("导入完成：\n" + "\n".join(lines) + (f"\n另有 {len(warn)} 条提示。" if warn else "")
             + ("" if plan.changes else "\n（没有变化：这些数据已经导入过）"), "导入完成")
    return plan


def schema_problem():
    from ..core.model import Problem
    return Problem("E_SHEET_MISSING", "工作簿缺少「指标」或「事件」表（或其表头）：请用新模板（kefu-xl init）", "指标")


def import_exports(paths=None, book=None):
    """导入 button: `paths` from the VBA file dialog (a list, or one path)."""
    from .macros import _guarded
    if isinstance(paths, str):
        paths = [paths]
    return _guarded(lambda io: run_import(io, list(paths or [])), book)
