"""Issue 21 items 3 and 4 on real files: damaged packages, bombs and absurd numbers are answered in
Chinese (sheet, row, column where there is a cell), never with a traceback or an abort, and the file
stays byte for byte as it was."""
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from kefu_xl.xlsx import codec, files
from kefu_xl.xlsx import workbook as xlsxio

HAN = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return files.init_workbook(tmp_path_factory.mktemp("demo") / "base.xlsm", demo=True)


def _part(path, sheet):
    pkg = xlsxio._Package(path)
    try:
        return pkg.part_of(sheet)
    finally:
        pkg.close()


def _variant(src: Path, dst: Path, change) -> Path:
    """A copy of the workbook with some members changed (change(name, data) -> bytes, or None to drop it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = change(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(info, out)
    return dst


def _cell(xml: bytes, row: int, cell: str) -> bytes:
    return xml.replace(b"</sheetData>", f'<row r="{row}">'.encode() + cell.encode() + b"</row></sheetData>")


def _close(path):
    return subprocess.run([sys.executable, "-m", "kefu_xl", "close", str(path), "--month", "2026-10"],
                          capture_output=True, text=True, timeout=300)


def _refused(path, rc=2):
    before = path.read_bytes()
    p = _close(path)
    assert p.returncode == rc, (p.returncode, p.stderr[-2000:])
    assert "Traceback" not in p.stderr + p.stdout and HAN.search(p.stderr), p.stderr
    assert path.read_bytes() == before
    assert sorted(x.name for x in path.parent.iterdir() if x.name.startswith(path.name) or
                  x.name.startswith(".kefu-" + path.name) or x.name.startswith(".~kefu")) == [path.name]
    return p.stdout + p.stderr


def test_damaged_sheet_xml(demo, tmp_path):
    staff = _part(demo, "员工")
    out = _refused(_variant(demo, tmp_path / "b.xlsm", lambda n, d: d[:len(d) // 2] if n == staff else d))
    assert "员工" in out and "已损坏" in out


def test_missing_sheet_part(demo, tmp_path):
    staff = _part(demo, "员工")
    out = _refused(_variant(demo, tmp_path / "b.xlsm", lambda n, d: None if n == staff else d))
    assert "员工" in out and "缺失" in out


def test_corrupt_deflate(demo, tmp_path):
    staff = _part(demo, "员工")
    path = tmp_path / "b.xlsm"
    path.write_bytes(demo.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(staff)
    data = bytearray(path.read_bytes())
    start = codec._data_start(open(path, "rb"), info)
    for i in range(start + 10, start + min(info.compress_size, 200)):
        data[i] ^= 0x5A  # the sheet's deflate stream garbled, the zip directory intact
    path.write_bytes(bytes(data))
    assert "已损坏" in _refused(path)


def test_one_cell_at_XFD1048576_is_refused_before_anything_is_allocated(demo, tmp_path):
    staff = _part(demo, "员工")
    path = _variant(demo, tmp_path / "b.xlsm", lambda n, d: _cell(d, 1048576, '<c r="XFD1048576"><v>1</v></c>')
                    if n == staff else d)
    assert path.stat().st_size < 200_000
    out = _refused(path)
    assert "XFD1048576" in out and "员工" in out


def _repeated_deflate(unit: bytes, times: int):
    """A raw deflate stream of `unit` repeated `times` times, built from one compressed piece."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)  # ends on a byte boundary, no history needed
    one = crc = zlib.crc32(unit)
    for _ in range(times - 1):
        crc = codec.crc32_combine(crc, one, len(unit))
    return piece * times + b"\x03\x00", crc, len(unit) * times


def test_a_2_MB_file_holding_a_2_GB_string_is_refused_without_inflating_it(demo, tmp_path):
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    body, crc, size = _repeated_deflate(b"x" * (16 << 20), 128)  # 2 GiB of text
    path = _variant(demo, tmp_path / "b.xlsm", lambda n, d: None if n == "xl/sharedStrings.xml" else d)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = raw.compress(head) + raw.flush(zlib.Z_FULL_FLUSH)
    stream = start + body
    total_crc = codec.crc32_combine(zlib.crc32(head), crc, size)
    _append_member(path, "xl/sharedStrings.xml", stream, total_crc, len(head) + size)
    assert path.stat().st_size < 4 << 20
    out = _refused(path)
    assert "sharedStrings" in out and "MB" in out


def _append_member(path: Path, name: str, deflated: bytes, crc: int, size: int) -> None:
    """Add a member whose deflate stream is given (zipfile would have to compress 2 GiB)."""
    import struct
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    n, cd_size, cd_start = struct.unpack("<HLL", data[end + 10:end + 20])
    central = data[cd_start:cd_start + cd_size]
    raw = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 33, crc, len(deflated), size, len(raw), 0) + raw
    offset = cd_start
    entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 33, crc, len(deflated), size, len(raw),
                        0, 0, 0, 0, 0, offset) + raw
    body = data[:cd_start] + local + deflated
    new_cd = central + entry
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n + 1, n + 1, len(new_cd), len(body), 0)
    path.write_bytes(body + new_cd + tail)


@pytest.mark.parametrize("value,word", [("NaN", "不是"), ("INF", "不是"), ("1e309", "不是"), ("1e26", "范围")])
def test_non_finite_and_huge_number_cells_name_their_cell(demo, tmp_path, value, word):
    staff = _part(demo, "员工")
    grid = xlsxio.read_grids(demo, ["员工"])["员工"]
    col = list(grid.rows[0]).index("社保基数") + 1
    ref = f"{xlsxio.col_letter(col)}2"
    path = _variant(demo, tmp_path / "b.xlsm", lambda n, d: re.sub(
        rb'(<row r="2"[^>]*>.*?)(</row>)', lambda m: m.group(1) + f'<c r="{ref}"><v>{value}</v></c>'.encode()
        + m.group(2), d, count=1, flags=re.S) if n == staff else d)
    before = path.read_bytes()
    plan = files.close_file(path, files.Month(2026, 10))
    assert plan.exit_code == 1
    hits = [p for p in plan.errors if p.sheet == "员工" and p.row == 2 and p.column == "社保基数"]
    assert hits and word in hits[0].message and HAN.search(hits[0].message), plan.errors
    assert path.read_bytes() == before
