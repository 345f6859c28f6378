"""Python entry points of the workbook's buttons (called by VBA through xlwings).

    KefuMonthClose  ->  kefu_xl.macros.month_close()
    KefuCheck       ->  kefu_xl.macros.check()

Both read the calling book through xlwings, run the same close as
``kefu-xl close`` and write back only the sheets the close owns.  Problems go
to the 问题 sheet (offending cells highlighted) and a message box; an
unexpected failure shows a short Chinese message, never a Python traceback
(the traceback goes to a log file next to the workbook for support).
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import traceback
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ..close import plan as closing
from ..xlsx import aside
from ..core import schema
from ..write import results as writers
from ..core.grid import Grid, SheetOut
from ..core.schema import norm_text
from ..xlsx.who import os_user

HIGHLIGHT = (255, 199, 206)  # light red, like Excel's "bad" style
HEADER_FILL = (221, 235, 247)
NUMBER_FORMATS = {"money": "#,##0.00", "date": "yyyy-mm-dd", "pct": "0%", "int": "0", "num": "General",
                  "text": "@"}


class XlwingsBook:
    """The few things a close needs from a workbook, over the xlwings API."""

    def __init__(self, book):
        self.book = book

    def _sheet(self, name: str):
        for sh in self.book.sheets:
            if norm_text(sh.name) == name:
                return sh
        return None

    def read(self, names: Iterable[str]) -> Dict[str, Grid]:
        out = {}
        for name in names:
            sh = self._sheet(name)
            if sh is None:
                continue
            rng = sh.used_range
            values = rng.options(ndim=2).value
            out[name] = Grid.of(name, values or [], rng.row, rng.column)
        return out

    def write(self, sheets: Sequence[SheetOut]) -> None:
        for s in sheets:
            sh = self._sheet(s.name)
            if sh is None:
                sh = self.book.sheets.add(s.name, after=self.book.sheets[len(self.book.sheets) - 1])
            sh.clear()
            top = 1
            if s.title:
                sh.range((1, 1)).value = s.title
                sh.range((1, 1)).font.bold = True
                top = 2
            rows = [list(s.header)] + [[_cell(v) for v in r] for r in s.rows]
            sh.range((top, 1)).value = rows
            head = sh.range((top, 1), (top, len(s.header)))
            head.font.bold = True
            head.color = HEADER_FILL
            for j, (t, w) in enumerate(zip(s.types, s.widths or [None] * len(s.types)), start=1):
                if s.rows:
                    sh.range((top + 1, j), (top + len(s.rows), j)).number_format = NUMBER_FORMATS.get(t, "General")
                if w:
                    sh.range((1, j)).column_width = w
            ncols = len(s.header)
            for r in tuple(s.extra.get("section_rows", ())) + tuple(s.extra.get("header_rows", ())):
                row = sh.range((r, 1), (r, ncols))
                row.font.bold = True
                row.color = HEADER_FILL
            if s.extra.get("totals_row"):
                sh.range((s.extra["totals_row"], 1), (s.extra["totals_row"], ncols)).font.bold = True
            for r, c in s.highlight:
                sh.range((r, c)).color = HIGHLIGHT

    def mark(self, marks: Iterable[Tuple[str, int, int]]) -> None:
        """Highlight input cells (sheet, row, 1-based column)."""
        for sheet, row, col in marks:
            sh = self._sheet(sheet)
            if sh is not None and row and col:
                sh.range((row, col)).color = HIGHLIGHT

    def alert(self, message: str, title: str = "kefu-xl") -> None:
        self.book.app.alert(message, title=title)


def problem_cells(problems, grids: Dict[str, Grid]) -> List[Tuple[str, int, int]]:
    """(sheet, row, column number) of each problem that names a cell; columns found by header."""
    from ..read.readers import locate_header
    out = []
    for p in problems:
        if not p.row or not p.sheet:
            continue
        col = p.col
        if not col and p.column and p.sheet in grids and p.sheet in schema.BY_NAME:
            loc = locate_header(grids[p.sheet], schema.BY_NAME[p.sheet])
            for i, text in loc.written.items():
                if text == p.column:
                    col = grids[p.sheet].first_col + i
        if col:
            out.append((p.sheet, p.row, col))
    return out


def _cell(v):
    if isinstance(v, Decimal):
        return float(v)
    return v


def _problem_summary(problems, limit: int = 8) -> str:
    lines = [f"{p.sheet} 第{p.row}行 {p.column}：{p.message}" if p.row else f"{p.sheet}：{p.message}"
             for p in problems[:limit]]
    more = f"\n……另有 {len(problems) - limit} 条，见「问题」工作表" if len(problems) > limit else ""
    return "\n".join(lines) + more


def run_close(io, month=None, user: Optional[str] = None, dry_run: bool = False) -> closing.Plan:
    """The close on any book interface (xlwings, or a stand-in in tests)."""
    grids = io.read(closing.READ_NAMES)
    with aside.no_cycle_collection():
        loaded = closing.load(grids)
        plan = closing.plan_close(loaded, month, user=user or os_user())
    if plan.errors:
        io.write([writers.problems_sheet(plan.problems)])
        io.mark(problem_cells(plan.errors, grids))
        io.alert(f"有 {len(plan.errors)} 个错误，本次未月结，已列在「问题」工作表（红色单元格）：\n\n"
                 + _problem_summary(plan.errors), "月结未完成")
    elif plan.refused:
        io.alert(plan.refused, "月结未执行")
    elif not dry_run:
        io.write(plan.sheets)
        warn = [p for p in plan.problems if not p.is_error]
        extra = f"\n另有 {len(warn)} 条提示，见「问题」工作表。" if warn else ""
        io.alert(f"{plan.month} 月结完成：{len(plan.result.people)} 人。结果见「结果」「明细」「工资表」。{extra}", "月结完成")
    return plan


def run_check(io, month=None) -> closing.Plan:
    grids = io.read(closing.READ_NAMES)
    loaded = closing.load(grids)
    result, pays, problems = closing.compute(loaded, month)
    io.write([writers.problems_sheet(problems)])
    io.mark(problem_cells([p for p in problems if p.is_error], grids))
    errors = [p for p in problems if p.is_error]
    if problems:
        io.alert(f"{len(errors)} 个错误，{len(problems) - len(errors)} 条提示，见「问题」工作表。\n\n"
                 + _problem_summary(problems), "检查结果")
    else:
        io.alert(f"{result.month} 检查通过：{len(result.people)} 名员工，没有发现问题。", "检查结果")
    return closing.Plan(result.month, result, pays, tuple(problems))


def _guarded(fn, book=None):
    import xlwings as xw
    book = book or xw.Book.caller()
    io = XlwingsBook(book)
    try:
        return fn(io)
    except Exception as e:  # the user sees a sentence, support gets the traceback
        log = os.path.join(tempfile.gettempdir(), "kefu-xl-error.log")
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now().isoformat()}\n{traceback.format_exc()}\n")
        io.alert(f"kefu-xl 遇到意外错误（{type(e).__name__}：{e}），工作簿未被修改。\n详细信息已记录在 {log}，"
                 f"请发给技术支持。", "kefu-xl 错误")
        return None


def month_close(book=None):
    """月结 button."""
    return _guarded(run_close, book)


def check(book=None):
    """检查 button."""
    return _guarded(run_check, book)


__all__ = ["month_close", "check"]
