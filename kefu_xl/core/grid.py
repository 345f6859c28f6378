"""A sheet as plain values: what every reader produces and every writer takes.

A `Grid` is the meeting point of the shells: the file reader (calamine), the
live-Excel reader (xlwings), UDF arguments (2-D lists) all give Grids; the
readers in `kefu_xl.read.readers` turn Grids into records.  Writers produce
`SheetOut`s (rows plus a column type per column), which the file writer and
the xlwings writer put into a workbook.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Tuple

@dataclass(frozen=True)
class CellError:
    """An Excel error value in a cell (#N/A, #REF! ...)."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Grid:
    sheet: str
    rows: Tuple[Tuple[Any, ...], ...]
    first_row: int = 1  # sheet row number of rows[0]
    first_col: int = 1  # sheet column number of rows[i][0]
    merged: Tuple[Tuple[int, int, int, int], ...] = ()  # (row1, col1, row2, col2), 1-based, sheet coordinates

    @classmethod
    def of(cls, sheet: str, rows: Sequence[Sequence[Any]], first_row: int = 1, first_col: int = 1,
           merged=()) -> "Grid":
        return cls(sheet, tuple(tuple(r) for r in rows), first_row, first_col, tuple(merged))


@dataclass(frozen=True)
class SheetOut:
    """A sheet the close writes in full (an owned sheet).

    ``extra`` keys both writers understand (all optional): ``freeze`` (top-left
    cell of the scrolling area, e.g. "C3"), ``header_rows`` / ``section_rows``
    (sheet rows styled like the header), ``totals_row`` (a sheet row in bold),
    ``merge`` [(r1, c1, r2, c2)], ``row_breaks`` (rows after which a page break
    goes), ``fit_to_width``, ``paper`` ("A4"), ``orientation``, ``kept_rows`` (n: rows[:n]
    are the sheet's data rows as read, unchanged; the file writer may copy them as they are).
    """

    name: str
    header: Tuple[str, ...]
    types: Tuple[str, ...]  # schema column types: text/int/num/money/date/pct
    rows: Tuple[Tuple[Any, ...], ...]
    widths: Tuple[float, ...] = ()
    title: Optional[str] = None  # optional title line above the header
    highlight: Tuple[Tuple[int, int], ...] = ()  # (row, col) cells to mark, 1-based in the sheet
    extra: dict = field(default_factory=dict, compare=False, hash=False)
