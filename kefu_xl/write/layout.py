"""The one description of a written sheet: where its rows go, how each column is formatted, what is styled.

Every sheet the close writes is a `SheetOut` (core.grid).  `describe` turns it
into a `SheetLayout`: title row, header row, first and last data row, the
number format of every column, widths, rows styled like the header (section
rows), the totals row, the marked cells, frozen panes and merges.  Both
writers render this description and nothing else:

* the file writer (`kefu_xl.xlsx.workbook`) into worksheet XML;
* the Excel (button) writer (`kefu_xl.excel.macros`) into xlwings
  assignments, through `excel_cells`, which also says how each value goes
  in so that Excel keeps it as it is (see there).

So the two paths cannot drift: a new key of a sheet's description is added
here once.  Pure: no I/O.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from ..core.grid import SheetOut
from ..core.schema import col_letter

# number formats, by the schema's column types
GENERAL, TEXT_FMT, INT_FMT, MONEY_FMT = "General", "@", "0", "#,##0.00"
DATE_FMT, DATETIME_FMT, PCT_FMT, PCT1_FMT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0%", "0.0%"
TYPE_FORMATS = {"text": TEXT_FMT, "int": INT_FMT, "num": GENERAL, "money": MONEY_FMT, "date": DATE_FMT,
                "pct": PCT_FMT, "bool": GENERAL}

# fills, as RGB: the header (light blue) and a marked cell (light red, like Excel's "Bad" style)
HEADER_FILL = (221, 235, 247)
MARK_FILL = (255, 199, 206)


class Placement(NamedTuple):
    """Where a sheet's rows go (sheet rows, 1-based)."""
    title_row: int  # 0 when no title
    header_row: int  # 0 when no header
    first_row: int  # sheet row of rows[0]
    last_row: int
    ncols: int


def place(s: SheetOut) -> Placement:
    title_row = 1 if s.title else 0
    header_row = title_row + 1 if s.header else 0
    first = max(title_row, header_row) + 1
    ncols = max([len(s.header), len(s.types), 1] + [len(r) for r in s.rows])
    return Placement(title_row, header_row, first, max(first + len(s.rows) - 1, first - 1, 1), ncols)


def _pct_format(values) -> str:
    """0% when every share is a whole percent, else 0.0%."""
    for v in values:
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            pct = v * 100
            if isinstance(pct, float) and math.isfinite(pct) and abs(pct - round(pct)) > 1e-9 \
                    or isinstance(pct, Decimal) and pct.is_finite() and pct != pct.to_integral_value():
                return PCT1_FMT
    return PCT_FMT


def column_formats(s: SheetOut, ncols: int) -> List[str]:
    """The number format of each column's data cells."""
    fmts = []
    for j in range(ncols):
        kind = s.types[j] if j < len(s.types) else "text"
        if kind == "pct":
            fmts.append(_pct_format(r[j] for r in s.rows if j < len(r)))
        else:
            fmts.append(TYPE_FORMATS.get(kind, GENERAL))
    return fmts


def styled_rows(s: SheetOut) -> FrozenSet[int]:
    """Sheet rows inside the data styled like the header (extra header_rows and section_rows)."""
    return frozenset(s.extra.get("header_rows") or ()) | frozenset(s.extra.get("section_rows") or ())


def marks(s: SheetOut) -> Dict[int, set]:
    """Marked cells by sheet row: {row: {column, ...}}."""
    out: Dict[int, set] = {}
    for r, c in s.highlight:
        out.setdefault(r, set()).add(c)
    return out


def freeze(s: SheetOut, p: Placement) -> Optional[str]:
    """Top-left cell of the scrolling area (default: below the header), None for no frozen panes."""
    return s.extra.get("freeze", f"A{p.first_row}" if p.header_row else None) or None


class SheetLayout(NamedTuple):
    """Everything a writer needs to put one SheetOut into a workbook."""
    sheet: SheetOut
    at: Placement
    formats: Tuple[str, ...]
    widths: Tuple[float, ...]
    styled: FrozenSet[int]  # header-like rows within the data
    totals_row: Optional[int]
    marked: Dict[int, set]
    freeze: Optional[str]
    merges: Tuple[Tuple[int, int, int, int], ...]


def describe(s: SheetOut) -> SheetLayout:
    at = place(s)
    return SheetLayout(s, at, tuple(column_formats(s, at.ncols)), tuple(s.widths), styled_rows(s),
                       s.extra.get("totals_row") or None, marks(s), freeze(s, at), tuple(s.extra.get("merge") or ()))


# ---------------------------------------------------------------- Excel rendering
class ExcelSheet(NamedTuple):
    """One sheet as the Excel writer puts it in, every value already in the form Excel keeps.

    ``formats`` maps a number format to the A1 ranges (of the whole block:
    title, header and data) that take it; they are set before the values.
    ``values`` is the block from A1 (title, header, rows), each row padded to
    ``ncols``.  ``bold`` / ``fills`` are A1 ranges.  Ranges are lists of
    ``"A1:B2"`` pieces: a writer joins them into union addresses.
    """
    name: str
    ncols: int
    nrows: int
    formats: Dict[str, List[str]]
    values: List[List[Any]]
    bold: List[str]
    header_fill: List[str]
    mark_fill: List[str]
    widths: Dict[float, List[str]]


def _retyping_risk(v: str) -> bool:
    """Whether Excel could read a typed text as something else (formula, number, date, boolean, error).

    Deliberately broad: a text that is safe gets the apostrophe too, which
    Excel drops (the cell keeps the text as it is); a text that is not safe
    and got none would be changed.  Plain CJK text with no digits and no
    leading sign is the only text left alone.
    """
    if not v:
        return False
    if v.lstrip()[:1] in ("=", "+", "-", "@", "'", "#", "(", "$", "¥", "￥", "."):
        return True
    return any(ch.isdigit() for ch in v) or v.strip().upper() in ("TRUE", "FALSE", "真", "假") or v != v.strip()


def excel_value(v: Any, text_cell: bool) -> Any:
    """A value as the xlwings writer assigns it, so that Excel keeps exactly that value.

    Numbers (Decimal as float) and dates go in as numbers and dates.  Text
    goes in as text: into a cell formatted "@" (set before the value) as it
    is, anywhere else with the leading apostrophe Excel takes as "this is
    text" (and does not keep), when Excel could read it as anything else."""
    t = v.__class__
    if t is str:
        if not text_cell and _retyping_risk(v):
            return "'" + v
        return v
    if t is Decimal:
        return float(v) if v.is_finite() else str(v)
    if t is int:
        return float(v)
    if t is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    return v


def _ranges(cols: Sequence[int], r1: int, r2: int) -> List[str]:
    """A1 pieces for columns `cols` (1-based), rows r1..r2, adjacent columns joined."""
    out, run = [], []
    for c in sorted(cols):
        if run and c == run[-1] + 1:
            run.append(c)
            continue
        if run:
            out.append(f"{col_letter(run[0])}{r1}:{col_letter(run[-1])}{r2}")
        run = [c]
    if run:
        out.append(f"{col_letter(run[0])}{r1}:{col_letter(run[-1])}{r2}")
    return out


def _cells(cells: Sequence[Tuple[int, int]]) -> List[str]:
    """A1 pieces for single cells, vertical runs in a column joined (D4:D9)."""
    out = []
    by_col: Dict[int, List[int]] = {}
    for r, c in cells:
        by_col.setdefault(c, []).append(r)
    for c in sorted(by_col):
        rows = sorted(set(by_col[c]))
        start = prev = rows[0]
        for r in rows[1:] + [None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            a = f"{col_letter(c)}{start}"
            out.append(a if start == prev else f"{a}:{col_letter(c)}{prev}")
            if r is not None:
                start = prev = r
    return out


def excel_cells(lay: SheetLayout) -> ExcelSheet:
    """The Excel writer's form of a sheet layout (see ExcelSheet and excel_value).

    A column is formatted "@" (text) when its schema type is text and it holds
    only text; a text column holding numbers (a number read back from the
    sheet, say) gets General, and its text the apostrophe: a number put into
    an "@" cell would become text, while the file writer keeps it a number."""
    s, at = lay.sheet, lay.at
    n = at.ncols
    last = at.last_row
    text_col = []
    for j, fmt in enumerate(lay.formats):
        text_col.append(fmt == TEXT_FMT and all(r[j].__class__ is str or r[j] is None for r in s.rows if j < len(r)))
    formats: Dict[str, List[str]] = {}
    top = max(at.title_row, at.header_row)
    if top:  # title and header: text
        formats.setdefault(TEXT_FMT, []).append(f"A1:{col_letter(n)}{top}")
    if s.rows:
        by_fmt: Dict[str, List[int]] = {}
        for j, fmt in enumerate(lay.formats):
            by_fmt.setdefault(fmt if text_col[j] or fmt != TEXT_FMT else GENERAL, []).append(j + 1)
        for fmt, cols in by_fmt.items():
            formats.setdefault(fmt, []).extend(_ranges(cols, at.first_row, last))
    values: List[List[Any]] = []
    if at.title_row:
        values.append([s.title] + [None] * (n - 1))
    if at.header_row:
        values.append([excel_value(v, True) for v in s.header] + [None] * (n - len(s.header)))
    pad = [None] * n
    for r in s.rows:
        row = [excel_value(v, text_col[j]) for j, v in enumerate(r)]
        values.append(row + pad[len(row):] if len(row) < n else row)
    bold, fill = [], []
    if at.title_row:
        bold.append(f"A{at.title_row}")
    head = ([at.header_row] if at.header_row else []) + sorted(r for r in lay.styled if at.first_row <= r <= last)
    for r in head:
        bold.append(f"A{r}:{col_letter(n)}{r}")
        fill.append(f"A{r}:{col_letter(n)}{r}")
    if lay.totals_row:
        bold.append(f"A{lay.totals_row}:{col_letter(n)}{lay.totals_row}")
    widths: Dict[float, List[int]] = {}
    for j, w in enumerate(lay.widths, 1):
        if w:
            widths.setdefault(w, []).append(j)
    return ExcelSheet(s.name, n, len(values), formats, values, bold, fill,
                      _cells([(r, c) for r, cs in lay.marked.items() for c in cs]),
                      {w: [_whole_columns(p) for p in _ranges(cols, 1, 1)] for w, cols in widths.items()})


def _whole_columns(piece: str) -> str:
    """"B1:D1" -> "B:D"."""
    a, b = piece.split(":")
    return f"{a.rstrip('0123456789')}:{b.rstrip('0123456789')}"


def union_addresses(pieces: Sequence[str], limit: int = 255) -> List[str]:
    """Comma-joined union addresses of A1 pieces, each at most `limit` characters (Excel's limit
    for a Range address): one Excel call per address."""
    out, cur = [], ""
    for p in pieces:
        if cur and len(cur) + 1 + len(p) > limit:
            out.append(cur)
            cur = p
        else:
            cur = f"{cur},{p}" if cur else p
    if cur:
        out.append(cur)
    return out
