"""Workbook files for tests, made with XlsxWriter from grids (independent of our writer)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import xlsxwriter

from kefu_xl.core.grid import CellError


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, made without PIL."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def decorate_staff(wb, ws, png_path, status_col: str, at: str, last_row: int) -> None:
    """An image, a comment, a validation, a conditional format, a chart and a defined name on 员工."""
    png_path.write_bytes(tiny_png())
    ws.insert_image(f"{at}2", str(png_path))
    ws.write_comment("A1", "工号必须唯一", {"author": "HR"})
    ws.data_validation(f"{status_col}2:{status_col}100", {"validate": "list", "source": ["在职", "离职"]})
    ws.conditional_format("A2:A100", {"type": "duplicate", "format": wb.add_format({"bg_color": "#FFC7CE"})})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": f"='员工'!$B$2:$B${last_row}", "values": f"='员工'!$A$2:$A${last_row}",
                      "name": "示例"})
    ws.insert_chart(f"{at}8", chart)
    wb.define_name("员工名单", "='员工'!$A$1:$B$30")


def save(grids, path, decorate: bool = False, vba: bytes = None) -> Path:
    """Write grids as sheets; with decorate, put a chart, an image, a comment, a
    validation, a conditional format and a defined name on the 员工 sheet."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, g in grids.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(g.rows):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, CellError):  # a formula whose cached value is the error
                    ws.write_formula(g.first_row - 1 + i, g.first_col - 1 + j, "=NA()", None, v.code)
                elif hasattr(v, "year"):
                    ws.write_datetime(g.first_row - 1 + i, g.first_col - 1 + j, v, date_fmt)
                else:
                    ws.write(g.first_row - 1 + i, g.first_col - 1 + j, v)
        if decorate and name == "员工":
            decorate_staff(wb, ws, path.with_suffix(".png"), status_col="G", at="N", last_row=4)
    if vba is not None:
        vba_path = path.with_suffix(".bin")
        vba_path.write_bytes(vba)
        wb.add_vba_project(str(vba_path))
    wb.close()
    return path
