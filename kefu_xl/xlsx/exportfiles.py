"""Opening export files as Grids: .xlsx / .xls with python-calamine, .csv decoded.

CSV: UTF-8 with or without a BOM, else GB18030 (what Chinese Excel and the
platforms write); the delimiter is a comma, a tab or a semicolon, whichever
the first lines use.  A file that cannot be opened raises ExportUnreadable
with a Chinese message.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import List

from ..core.grid import Grid

CSV_SUFFIXES = (".csv", ".txt")
BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class ExportUnreadable(Exception):
    """The file is missing, of an unknown type, or damaged."""


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def csv_rows(text: str) -> List[list]:
    head = "\n".join(text.splitlines()[:5])
    delim = max((",", "\t", ";"), key=head.count)
    return [[c if c != "" else None for c in r] for r in csv.reader(io.StringIO(text), delimiter=delim)]


def open_export(path) -> List[Grid]:
    """Every non-empty sheet of the file as a Grid (a CSV file: one, named after the file)."""
    path = Path(path)
    if not path.is_file():
        raise ExportUnreadable(f"找不到文件「{path}」")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        rows = csv_rows(decode(path.read_bytes()))
        return [Grid.of(path.stem, rows)]
    if suffix not in BOOK_SUFFIXES:
        raise ExportUnreadable(f"文件「{path.name}」不是 .xlsx、.xls 或 .csv")
    import python_calamine as pc
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine's own error types for damaged or encrypted files
        raise ExportUnreadable(f"文件「{path.name}」打不开（{type(e).__name__}）：文件损坏或已加密") from None
    out: List[Grid] = []
    with book:
        for name in book.sheet_names:
            try:
                sheet = book.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)  # empty cells are "" (blank to every reader)
                merged = tuple((r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                               for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or ()))
            except Exception as e:
                raise ExportUnreadable(f"文件「{path.name}」工作表「{name}」读不出（{type(e).__name__}）") from None
            if any(any(v != "" for v in r) for r in rows):
                out.append(Grid(name, tuple(map(tuple, rows)), 1, 1, merged))
    return out
