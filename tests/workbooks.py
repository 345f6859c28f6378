"""Workbook files for tests, made with XlsxWriter from grids (independent of our writer)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import xlsxwriter

from kefu_xl.grid import CellError


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, made without PIL."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


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
            img = path.with_suffix(".png")
            img.write_bytes(tiny_png())
            ws.insert_image("N2", str(img))
            ws.write_comment("A1", "工号必须唯一", {"author": "HR"})
            ws.data_validation("G2:G100", {"validate": "list", "source": ["在职", "离职"]})
            ws.conditional_format("A2:A100", {"type": "duplicate", "format": wb.add_format({"bg_color": "#FFC7CE"})})
            chart = wb.add_chart({"type": "column"})
            chart.add_series({"categories": "='员工'!$B$2:$B$4", "values": "='员工'!$A$2:$A$4", "name": "示例"})
            ws.insert_chart("N8", chart)
            wb.define_name("员工名单", "='员工'!$A$1:$B$30")
    if vba is not None:
        vba_path = path.with_suffix(".bin")
        vba_path.write_bytes(vba)
        wb.add_vba_project(str(vba_path))
    wb.close()
    return path
