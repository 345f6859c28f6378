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
from ..write import layout
from ..write import results as writers
from ..core.grid import Grid, SheetOut
from ..core.schema import norm_text
from ..xlsx.who import os_user

HIGHLIGHT = layout.MARK_FILL  # light red, like Excel's "bad" style
HEADER_FILL = layout.HEADER_FILL


class WriteFailed(Exception):
    """Excel refused a write part-way: what was written, and how to get back."""

    def __init__(self, done: Sequence[str], sheet: str, step: str, cause: Exception):
        self.done, self.sheet, self.step, self.cause = tuple(done), sheet, step, cause
        written = "、".join(f"「{n}」" for n in done) if done else "没有"
        super().__init__(
            f"Excel 在写入「{sheet}」（{step}）时报错：{type(cause).__name__}：{cause}。\n"
            f"已完整写入的工作表：{written}；「{sheet}」可能只写了一部分；其余工作表没有改动。\n"
            f"恢复方法：关闭本工作簿并选择「不保存」，即回到月结之前的状态；然后把错误日志发给技术支持。")


class XlwingsBook:
    """The few things a close needs from a workbook, over the xlwings API.

    Writes render the sheet-layout description (write.layout) that the file
    writer renders too.  Excel calls grow with sheets and columns, never with
    cells: the sheets are looked up once; per sheet one clear, one number
    format per distinct format (a union of ranges, set before the values so
    that text stays text), one assignment of all values, one bold and one fill
    of a union, one width per distinct width, and the marked cells as one
    union (in pieces of Excel's 255-character address limit).
    """

    def __init__(self, book):
        self.book = book
        self._sheets: Optional[Dict[str, object]] = None

    def _lookup(self) -> Dict[str, object]:
        if self._sheets is None:
            self._sheets = {norm_text(sh.name): sh for sh in self.book.sheets}
        return self._sheets

    def _sheet(self, name: str):
        return self._lookup().get(name)

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

    def properties(self) -> Optional[Dict[str, str]]:
        """The book's custom document properties (the seal chain's head); None where they cannot be read."""
        try:
            return {p.Name: str(p.Value) for p in self.book.api.CustomDocumentProperties}
        except Exception:  # no COM (a test double, macOS without the property API)
            return None

    def set_properties(self, values: Dict[str, str]) -> None:
        """Set custom document properties as text (msoPropertyTypeString = 4)."""
        if not values:
            return
        props = self.book.api.CustomDocumentProperties
        for name, text in values.items():
            try:
                props.Item(name).Value = text
            except Exception:  # not there yet
                props.Add(name, False, 4, text)

    def write(self, sheets: Sequence[SheetOut]) -> None:
        """Every sheet rendered and checked first; then written, one sheet after another."""
        hidden = {s.name: s.extra["hidden"] for s in sheets if s.extra.get("hidden")}
        plans = [layout.excel_cells(layout.describe(s)) for s in sheets]
        for p in plans:
            check_excel_sheet(p)
        done: List[str] = []
        for p in plans:
            step = "查找工作表"
            try:
                sh = self._sheet(p.name)
                if sh is None:
                    step = "新建工作表"
                    sheets_ = self.book.sheets
                    count = len(sheets_)
                    sh = sheets_.add(p.name, after=sheets_[count - 1]) if count else sheets_.add(p.name)
                    self._lookup()[p.name] = sh
                step = "清空"
                sh.clear()
                step = "设置数字格式"
                for fmt, pieces in p.formats.items():
                    for address in layout.union_addresses(pieces):
                        sh.range(address).number_format = fmt
                step = "写入数值"
                if p.values:
                    sh.range((1, 1)).value = p.values
                step = "设置样式"
                for address in layout.union_addresses(p.bold):
                    sh.range(address).font.bold = True
                for address in layout.union_addresses(p.header_fill):
                    sh.range(address).color = HEADER_FILL
                for w, pieces in p.widths.items():
                    for address in layout.union_addresses(pieces):
                        sh.range(address).column_width = w
                for address in layout.union_addresses(p.mark_fill):
                    sh.range(address).color = HIGHLIGHT
                if p.name in hidden:
                    step = "隐藏"
                    sh.api.Visible = 2 if hidden[p.name] == "veryHidden" else 0  # xlSheetVeryHidden / xlSheetHidden
            except Exception as e:
                raise WriteFailed(done, p.name, step, e) from e
            done.append(p.name)

    def resize_charts(self, charts: Sequence[dict]) -> None:
        """The template's charts (found by title on the sheets they stand on) get the series of `charts`
        (reports.sized_charts): the same ranges the file writer puts into the chart parts."""
        by_title = {c["title"]: c for c in charts}
        for sheet in sorted({c["insert"][0] for c in charts}):
            sh = self._sheet(sheet)
            if sh is None:
                continue
            for obj in sh.charts:
                chart = obj.api[1]
                spec = by_title.get(chart.ChartTitle.Text)
                if spec is None:
                    continue
                have = chart.SeriesCollection().Count
                for i, formula in enumerate(series_formulas(spec), 1):
                    series = chart.SeriesCollection(i) if i <= have else chart.SeriesCollection().NewSeries()
                    series.Formula = formula
                for i in range(have, len(spec["series"]), -1):
                    chart.SeriesCollection(i).Delete()

    def mark(self, marks: Iterable[Tuple[str, int, int]]) -> None:
        """Highlight input cells (sheet, row, 1-based column): one union per sheet."""
        by_sheet: Dict[str, List[Tuple[int, int]]] = {}
        for sheet, row, col in marks:
            if row and col:
                by_sheet.setdefault(sheet, []).append((row, col))
        for sheet, cells in by_sheet.items():
            sh = self._sheet(sheet)
            if sh is None:
                continue
            for address in layout.union_addresses(layout._cells(cells)):
                sh.range(address).color = HIGHLIGHT

    def alert(self, message: str, title: str = "kefu-xl") -> None:
        """A message box, or, unattended (KEFU_XL_NO_DIALOG set, as the VBA honours it, or Excel not
        visible: started by a script through COM), the log only: no box waits for a click nobody gives."""
        if unattended() or not _visible(self.book.app):
            _log(f"{title}: {message}")
            self.last_message = (title, message)
            return
        self.book.app.alert(message, title=title)


def series_formulas(chart: dict) -> List[str]:
    """=SERIES(name, categories, values, order) of each series of a sized chart (Excel's Series.Formula)."""
    def ref(a1: str) -> str:
        return "'" + chart["sheet"].replace("'", "''") + "'!" + ":".join(
            "$" + "".join(ch for ch in part if ch.isalpha()) + "$" + "".join(ch for ch in part if ch.isdigit())
            for part in a1.split(":"))
    return [f"=SERIES({ref(s['name'])},{ref(chart['categories'])},{ref(s['values'])},{i})"
            for i, s in enumerate(chart["series"], 1)]


def unattended() -> bool:
    """No one to click a message box away: tests, scheduled runs (the same switch as the VBA's)."""
    return bool(os.environ.get("KEFU_XL_NO_DIALOG"))


def _visible(app) -> bool:
    try:
        return app.visible is not False
    except Exception:  # an Excel that cannot say: assume someone is looking
        return True


MAX_ROWS, MAX_COLS, MAX_TEXT = 1048576, 16384, 32767


def check_excel_sheet(p: layout.ExcelSheet) -> None:
    """What Excel would refuse, found before the first write (raises ValueError with a Chinese message)."""
    if p.nrows > MAX_ROWS or p.ncols > MAX_COLS:
        raise ValueError(f"「{p.name}」有 {p.nrows} 行 {p.ncols} 列，超过 Excel 的上限")
    for i, row in enumerate(p.values, 1):
        for j, v in enumerate(row, 1):
            if v.__class__ is str and len(v) > MAX_TEXT:
                raise ValueError(f"「{p.name}」第{i}行第{j}列的文字超过 Excel 单元格的上限（{MAX_TEXT} 字）")
            if isinstance(v, Decimal):
                raise ValueError(f"「{p.name}」第{i}行第{j}列：内部错误（Decimal 未转换）")


def _log(text: str) -> str:
    log = os.path.join(tempfile.gettempdir(), "kefu-xl-error.log")
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"--- {dt.datetime.now().isoformat()}\n{text}\n")
    return log


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


def _problem_summary(problems, limit: int = 8) -> str:
    lines = [f"{p.sheet} 第{p.row}行 {p.column}：{p.message}" if p.row else f"{p.sheet}：{p.message}"
             for p in problems[:limit]]
    more = f"\n……另有 {len(problems) - limit} 条，见「问题」工作表" if len(problems) > limit else ""
    return "\n".join(lines) + more


def run_close(io, month=None, user: Optional[str] = None, dry_run: bool = False) -> closing.Plan:
    """The close on any book interface (xlwings, or a stand-in in tests)."""
    grids = io.read(closing.READ_NAMES)
    with aside.no_cycle_collection():
        loaded = closing.load(grids, _properties(io))
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
        io.resize_charts(plan.charts)
        if hasattr(io, "set_properties"):
            io.set_properties(dict(plan.properties))  # the seal chain's head
        warn = [p for p in plan.problems if not p.is_error]
        extra = f"\n另有 {len(warn)} 条提示，见「问题」工作表。" if warn else ""
        io.alert(f"{plan.month} 月结完成：{len(plan.result.people)} 人。结果见「结果」「明细」「工资表」。{extra}", "月结完成")
    return plan


def _properties(io) -> Optional[Dict[str, str]]:
    return io.properties() if hasattr(io, "properties") else None


def run_check(io, month=None) -> closing.Plan:
    grids = io.read(closing.READ_NAMES)
    loaded = closing.load(grids, _properties(io))
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
    except WriteFailed as e:  # part of the close is in the book: say what, and how to get back
        log = _log(traceback.format_exc())
        io.alert(f"{e}\n详细信息已记录在 {log}。", "月结未完成：写入中断")
        return None
    except Exception as e:  # the user sees a sentence, support gets the traceback
        log = _log(traceback.format_exc())
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
