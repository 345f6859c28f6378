"""The file shell of `kefu-xl import`: exports opened and parsed, the workbook read under its lock, the
pure plan (close.importing) applied in place, all or nothing.

指标 and 事件 are written in place (xlsxio.RowEdit: their tables and data
validations grow; everything else of the sheets is kept); 操作记录 gets a line
per file that changed something.  On any error nothing is written.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from ..close import importing as planning
from ..core import schema
from ..core.exits import EXIT_OK
from ..core.grid import Grid
from ..core.model import Month, Problem
from ..read.exports import sources as exports
from ..read.readers import locate_header
from ..write import results as writers
from . import exportfiles
from . import lock as locking
from . import workbook as xlsxio
from .who import os_user

EVENT_COLUMNS = ("date", "id", "rule", "qty", "status", "note")
METRIC_COLUMNS = tuple(c.key for c in schema.METRICS.columns)


def read_exports(paths: Sequence) -> List[planning.ImportFile]:
    out = []
    for p in paths:
        name = Path(p).name
        try:
            grids = exportfiles.open_export(p)
        except exportfiles.ExportUnreadable as e:
            out.append(planning.ImportFile(name, unreadable=str(e)))
            continue
        out.append(planning.ImportFile(name, [exports.parse_grid(g, name) for g in grids]))
    return out


def import_file(path, exports_: Sequence, month: Optional[Month] = None, dry_run: bool = False,
                skip_unknown: bool = False, user: Optional[str] = None, wait: Optional[float] = None,
                now: Optional[dt.datetime] = None) -> planning.ImportPlan:
    """Import the export files into the workbook at `path` (under the workbook lock unless a dry run)."""
    files = read_exports(exports_)
    if dry_run:
        return _run(path, files, month, True, skip_unknown, user, now, None)
    with locking.workbook_lock(path, "导入", wait=wait) as held:
        return _run(path, files, month, False, skip_unknown, user, now, held)


def _run(path, files, month, dry_run, skip_unknown, user, now, held) -> planning.ImportPlan:
    if held is not None:
        held.check_unchanged()
    with xlsxio.open_grids(path, planning.READ_NAMES) as grids:
        book, problems, log_rows = planning.load(grids)
        metric_grid = grids[schema.METRICS.name] if schema.METRICS.name in grids else None
        event_grid = grids[schema.EVENTS.name] if schema.EVENTS.name in grids else None
    if held is not None:
        held.check_unchanged()
    wb = Path(path).name
    sheet_problems = [p for p in problems if p.is_error and p.sheet in
                      (schema.STAFF.name, schema.METRICS.name, schema.IMPORT_MAP.name)]
    metric_loc = locate_header(metric_grid, schema.METRICS) if metric_grid is not None else None
    event_loc = locate_header(event_grid, schema.EVENTS)
    missing = [schema.EVENTS.column(k).header for k in EVENT_COLUMNS if k not in (event_loc.found or {})]
    if missing:
        sheet_problems.append(Problem("E_COLUMN_MISSING", f"「事件」表缺少列：{'、'.join(missing)}", schema.EVENTS.name,
                                      event_loc.header_row or 1))
    if metric_loc is not None and metric_loc.found is not None:
        lacking = [c.header for c in schema.METRICS.columns if c.key not in metric_loc.found]
        if lacking:
            sheet_problems.append(Problem("E_COLUMN_MISSING", f"「指标」表缺少列：{'、'.join(lacking)}",
                                          schema.METRICS.name, metric_loc.header_row))
    metric_rows = _metric_grid_rows(metric_grid, metric_loc)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    plan = planning.plan_import(book, files, metric_rows, month, skip_unknown, user or os_user(), stamp)
    if sheet_problems:
        plan.problems[:0] = [planning.FileProblem(wb, p) for p in sheet_problems]
    if plan.exit_code != EXIT_OK or dry_run or not plan.changes:
        return plan
    sheets = []
    edits = []
    if plan.metric_rows is not None:
        if metric_loc is None or metric_loc.found is None:
            sheets.append(writers.sheet_out(schema.METRICS, plan.metric_rows))
        else:
            first = metric_loc.header_row + 1
            edits.append(xlsxio.RowEdit(schema.METRICS.name, first,
                                        _placed(plan.metric_rows, METRIC_COLUMNS, metric_loc.cols), clear_from=first))
    if plan.new_events or plan.clear_events:
        keys = tuple(c.key for c in schema.EVENTS.columns)
        at = _last_row(event_grid, event_loc.header_row) + 1
        edits.append(xlsxio.RowEdit(schema.EVENTS.name, at, _placed(plan.new_events, keys, event_loc.cols),
                                    clear=plan.clear_events))
    if plan.log:
        sheets.append(writers.log_sheet(tuple(log_rows) + tuple(plan.log), kept=len(log_rows)))
    xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, sheets, edits=edits),
                          guard=held.check_unchanged if held is not None else None)
    if held is not None:
        held.refresh()
    return plan


def _metric_grid_rows(grid: Optional[Grid], loc) -> List[Tuple[int, tuple]]:
    """The 指标 data rows as read, values in schema column order (None for a missing column)."""
    if grid is None or loc is None or loc.found is None:
        return []
    out = []
    idx = [loc.found.get(k) for k in METRIC_COLUMNS]
    for offset in range(loc.index + 1, len(grid.rows)):
        raw = grid.rows[offset]
        vals = tuple(raw[i] if i is not None and i < len(raw) else None for i in idx)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
            continue
        out.append((grid.first_row + offset, vals))
    return out


def _last_row(grid: Optional[Grid], header_row: int) -> int:
    if grid is None:
        return header_row
    for i in range(len(grid.rows) - 1, -1, -1):
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in grid.rows[i]):
            return max(grid.first_row + i, header_row)
    return header_row


def _placed(rows: Sequence[tuple], keys: Sequence[str], cols) -> Tuple[tuple, ...]:
    """_place of every row (rows as they are when the sheet's columns are the schema's, in order)."""
    if len(cols) == len(keys) and all(cols.get(k) == i for i, k in enumerate(keys, 1)):
        return tuple(rows)
    return tuple(_place(r, keys, cols) for r in rows)


def _place(values: tuple, keys: Sequence[str], cols) -> tuple:
    """Values in schema column order placed at the sheet's own columns (1-based `cols` by key)."""
    width = max(cols.values())
    out = [None] * width
    for k, v in zip(keys, values):
        c = cols.get(k)
        if c is not None and v is not None:
            out[c - 1] = v
    return tuple(out)
