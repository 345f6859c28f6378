"""Workbook files without Excel: fast reads, surgical writes, atomic saves.

* `read_grids` reads sheets with python-calamine (fast, Rust), then overlays
  Excel error values (#N/A, #REF! …), which calamine reports as empty, from a
  scan of the sheet XML for ``t="e"`` cells.
* `write_sheets` copies every part of the package unchanged (the compressed
  bytes as they are) and replaces only the worksheets of the sheets the close
  owns, adding missing ones; styles are appended, never renumbered.  VBA
  project, buttons, charts, images, comments, validation, conditional formats
  and defined names of all other sheets are untouched.  Strings are written
  inline and never as formulas, so text starting with = + - @ stays text.
* `atomic_replace` writes a temporary file next to the workbook, keeps the
  old version as ``.bak`` and renames; it refuses while Excel, WPS or
  LibreOffice has the file open (their lock files).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import tempfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

from .grid import CellError, Grid, SheetOut
from .schema import norm_text


class WorkbookError(Exception):
    """The file cannot be used (not a workbook, encrypted, open elsewhere)."""


class WorkbookLocked(WorkbookError):
    pass


FAULT_ENV = "KEFU_XL_FAULT"


def fault_point(name: str) -> None:
    """Test hook: die here (as a crash would) when KEFU_XL_FAULT names this step."""
    if os.environ.get(FAULT_ENV) == name:
        os._exit(86)


# ---------------------------------------------------------------- package structure
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WS_TYPE = NS_REL + "/worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEET_RE = re.compile(r"<(?:\w+:)?sheet\b([^>]*?)/?>")
_ATTR_RE = re.compile(r'([\w:]+)="([^"]*)"')
_REL_RE = re.compile(r"<(?:\w+:)?Relationship\b([^>]*?)/?>")


def _attrs(text: str) -> Dict[str, str]:
    return {k: _unescape(v) for k, v in _ATTR_RE.findall(text)}


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _target(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    parts = (base_dir + "/" + target).split("/")
    out: List[str] = []
    for p in parts:
        if p == "..":
            out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


class _Package:
    """The parts of a zip we need to know about, read lazily."""

    def __init__(self, path):
        self.path = Path(path)
        import zipfile
        try:
            self.zip = zipfile.ZipFile(self.path)
            self.infos = {i.filename: i for i in self.zip.infolist()}
        except (zipfile.BadZipFile, OSError) as e:
            raise WorkbookError(_not_a_workbook(self.path, e)) from None
        if "xl/workbook.xml" not in self.infos:
            raise WorkbookError(_not_a_workbook(self.path, "缺少 xl/workbook.xml"))
        self.workbook = self.read("xl/workbook.xml").decode("utf-8")
        self.rels = self.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        rel_targets = {}
        for m in _REL_RE.finditer(self.rels):
            a = _attrs(m.group(1))
            rel_targets[a.get("Id")] = (_target("xl", a.get("Target", "")), a.get("Type", ""))
        self.sheets: List[Tuple[str, str, str]] = []  # (name, rId, part)
        for m in _SHEET_RE.finditer(self.workbook):
            a = _attrs(m.group(1))
            rid = a.get("r:id") or next((v for k, v in a.items() if k.endswith(":id")), "")
            part = rel_targets.get(rid, ("", ""))[0]
            self.sheets.append((a.get("name", ""), rid, part))

    def read(self, name: str) -> bytes:
        return self.zip.read(self.infos[name])

    def part_of(self, sheet: str) -> Optional[str]:
        want = norm_text(sheet)
        for name, _, part in self.sheets:
            if norm_text(name) == want:
                return part
        return None

    def close(self):
        self.zip.close()


def _not_a_workbook(path, why) -> str:
    return f"无法打开「{Path(path).name}」：它不是有效的 Excel 工作簿（.xlsx/.xlsm），或已加密、已损坏（{why}）"


# ---------------------------------------------------------------- reading
_ERR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f[^>]*(?:/>|>.*?</f>))?<v>([^<]*)</v>')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def sheet_names(path) -> List[str]:
    pkg = _Package(path)
    try:
        return [n for n, _, _ in pkg.sheets]
    finally:
        pkg.close()


def read_grids(path, names: Iterable[str]) -> Dict[str, Grid]:
    """The named sheets (matched tolerant of spaces/full-width) as Grids starting at A1."""
    import python_calamine as pc

    pkg = _Package(path)
    try:
        try:
            wb = pc.CalamineWorkbook.from_path(str(path))
        except Exception as e:  # calamine raises its own error types for broken or encrypted files
            raise WorkbookError(_not_a_workbook(path, e)) from None
        by_norm = {norm_text(n): n for n in wb.sheet_names}
        out: Dict[str, Grid] = {}
        for want in names:
            actual = by_norm.get(norm_text(want))
            if actual is None:
                continue
            sheet = wb.get_sheet_by_name(actual)
            rows = [[_value(v) for v in r] for r in sheet.to_python(skip_empty_area=False)]
            _overlay_errors(pkg, actual, rows)
            merged = tuple((r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or ()))
            out[want] = Grid(want, tuple(tuple(r) for r in rows), 1, 1, merged)
        return out
    finally:
        pkg.close()


def _value(v):
    if v == "":
        return None
    if type(v) is float and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def _overlay_errors(pkg: _Package, sheet: str, rows: List[list]) -> None:
    part = pkg.part_of(sheet)
    if not part or part not in pkg.infos:
        return
    data = pkg.read(part)
    if b't="e"' not in data:
        return
    for m in _ERR_CELL.finditer(data):
        r, c = int(m.group(2)) - 1, _col_index(m.group(1)) - 1
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        while len(row) <= c:
            row.append(None)
        row[c] = CellError(m.group(3).decode("utf-8", "replace") or "#N/A")


# ---------------------------------------------------------------- styles
_FORMATS = {"money": "#,##0.00", "date": "yyyy-mm-dd", "pct": "0%", "int": "0", "num": "0.##"}
_BUILTIN_FMT = {"int": 1, "text": 49}
_HEADER_FILL = '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
_BOLD_FONT = '<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
_TITLE_FONT = '<font><b/><sz val="14"/><name val="等线"/><family val="2"/><charset val="134"/></font>'


class _Styles:
    """Find-or-append the few cell formats the writer uses; never renumber existing ones."""

    def __init__(self, xml: str):
        self.xml = xml
        self.cache: Dict[str, int] = {}

    def _section(self, tag: str) -> Tuple[int, int, List[str]]:
        m = re.search(rf"<{tag}\b[^>]*?(/>|>(.*?)</{tag}>)", self.xml, re.S)
        if not m:
            return -1, -1, []
        inner = m.group(2) or ""
        child = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}[tag]
        items = re.findall(rf"<{child}\b(?:[^>]*/>|.*?</{child}>)", inner, re.S)
        return m.start(), m.end(), items

    def _append(self, tag: str, element: str) -> int:
        start, end, items = self._section(tag)
        if element in items:
            return items.index(element)
        items.append(element)
        body = f'<{tag} count="{len(items)}">' + "".join(items) + f"</{tag}>"
        if start < 0:
            anchor = {"numFmts": r"<styleSheet\b[^>]*>"}.get(tag)
            m = re.search(anchor, self.xml)
            self.xml = self.xml[:m.end()] + body + self.xml[m.end():]
        else:
            self.xml = self.xml[:start] + body + self.xml[end:]
        return len(items) - 1

    def numfmt(self, code: str) -> int:
        """The id of a custom number format in <numFmts> (not the dxfs' private ones), added if missing."""
        _, _, items = self._section("numFmts")
        for item in items:
            m = re.search(r'numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', item)
            if m and _unescape(m.group(2)) == code:
                return int(m.group(1))
        ids = [int(x) for x in re.findall(r'<numFmt\b[^>]*numFmtId="(\d+)"', self.xml)]
        new = max(ids + [163]) + 1
        self._append("numFmts", f'<numFmt numFmtId="{new}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>')
        return new

    def xf(self, kind: str) -> int:
        """Style index for a column type, 'header' or 'title'."""
        if kind in self.cache:
            return self.cache[kind]
        font = fill = 0
        num = 0
        if kind == "header":
            font, fill = self._append("fonts", _BOLD_FONT), self._append("fills", _HEADER_FILL)
        elif kind == "title":
            font = self._append("fonts", _TITLE_FONT)
        elif kind in _BUILTIN_FMT:
            num = _BUILTIN_FMT[kind]
        elif kind in _FORMATS:
            num = self.numfmt(_FORMATS[kind])
        xf = (f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
              + (' applyNumberFormat="1"' if num else "") + (' applyFont="1"' if font else "")
              + (' applyFill="1"' if fill else "") + "/>")
        self.cache[kind] = self._append("cellXfs", xf)
        return self.cache[kind]


# ---------------------------------------------------------------- worksheet XML
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LETTERS: List[str] = []
EXCEL_EPOCH = dt.date(1899, 12, 30)


def col_letter(n: int) -> str:
    while len(_LETTERS) < n:
        i = len(_LETTERS) + 1
        s = ""
        while i:
            i, r = divmod(i - 1, 26)
            s = chr(65 + r) + s
        _LETTERS.append(s)
    return _LETTERS[n - 1]


def _text_cell(ref: str, s: str, style: int) -> str:
    s = _ILLEGAL.sub("", s)
    space = ' xml:space="preserve"' if s[:1].isspace() or s[-1:].isspace() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escape(s)}</t></is></c>'


def _cell(ref: str, v, style: int, date_style: int) -> str:
    t = type(v)
    if t is str:
        return _text_cell(ref, v, style) if v else ""
    if t is bool:
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(v)}</v></c>'
    if t is int or t is float or t is Decimal:
        return f'<c r="{ref}" s="{style}"><v>{v}</v></c>'
    if t is dt.date:
        return f'<c r="{ref}" s="{date_style}"><v>{(v - EXCEL_EPOCH).days}</v></c>'
    if t is dt.datetime:
        days = (v - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{ref}" s="{date_style}"><v>{days:.8f}</v></c>'
    if v is None:
        return ""
    return _text_cell(ref, str(v), style)


_KEEP = ("sheetPr", "printOptions", "pageMargins", "pageSetup", "headerFooter", "drawing", "legacyDrawing", "legacyDrawingHF",
         "picture", "oleObjects", "controls", "tableParts", "extLst")
_TAIL_ORDER = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "drawing", "legacyDrawing",
               "legacyDrawingHF", "picture", "oleObjects", "controls", "tableParts", "extLst")


def _with_fit_to_page(sheet_pr: str) -> str:
    if not sheet_pr:
        return '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    if "<pageSetUpPr" in sheet_pr:
        return re.sub(r"<pageSetUpPr\b", '<pageSetUpPr fitToPage="1"', sheet_pr, count=1)
    if sheet_pr.endswith("/>"):
        return sheet_pr[:-2] + '><pageSetUpPr fitToPage="1"/></sheetPr>'
    return sheet_pr.replace("</sheetPr>", '<pageSetUpPr fitToPage="1"/></sheetPr>')


def _old_children(xml: str) -> Dict[str, str]:
    out = {}
    for tag in _KEEP:
        m = re.search(rf"<{tag}\b(?:[^>]*/>|.*?</{tag}>)", xml, re.S)
        if m:
            out[tag] = m.group(0)
    return out


def sheet_xml(s: SheetOut, styles: _Styles, old: Optional[str] = None) -> str:
    """The worksheet XML of an owned sheet (header, rows, formats, frozen header, filter)."""
    ncols = max([len(s.header)] + [len(r) for r in s.rows[:1]])
    header_row = 2 if s.title else 1
    col_styles = [styles.xf(t if t in _FORMATS or t in _BUILTIN_FMT else "text") for t in s.types]
    col_styles += [styles.xf("text")] * (ncols - len(col_styles))
    date_style = styles.xf("date")
    head_style = styles.xf("header")
    letters = [col_letter(j) for j in range(1, ncols + 1)]
    parts: List[str] = []
    if s.title:
        parts.append(f'<row r="1">{_text_cell("A1", s.title, styles.xf("title"))}</row>')
    parts.append(f'<row r="{header_row}">' + "".join(
        _text_cell(f"{letters[j]}{header_row}", str(h), head_style) for j, h in enumerate(s.header)) + "</row>")
    section = set(s.extra.get("section_rows", ()))
    for i, row in enumerate(s.rows, start=header_row + 1):
        n = str(i)
        if i in section:
            cells = "".join(_cell(letters[j] + n, v, head_style, date_style) for j, v in enumerate(row))
        else:
            cells = "".join(_cell(letters[j] + n, v, col_styles[j], date_style) for j, v in enumerate(row))
        parts.append(f'<row r="{n}">{cells}</row>')
    last_row = header_row + len(s.rows)
    last = f"{letters[-1]}{last_row}"
    old_parts = _old_children(old) if old else {}
    extra = s.extra
    fit = extra.get("fit_to_width")
    head = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">']
    sheet_pr = old_parts.pop("sheetPr", "")  # keeps the VBA code name and the page set-up flags
    if fit and "fitToPage" not in sheet_pr:
        sheet_pr = _with_fit_to_page(sheet_pr)
    if sheet_pr:
        head.append(sheet_pr)
    head.append(f'<dimension ref="A1:{last}"/>')
    freeze = header_row
    head.append('<sheetViews><sheetView workbookViewId="0">'
                f'<pane ySplit="{freeze}" topLeftCell="A{freeze + 1}" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView></sheetViews>')
    head.append('<sheetFormatPr defaultRowHeight="15"/>')
    if s.widths:
        head.append("<cols>" + "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>'
                                       for j, w in enumerate(s.widths, start=1)) + "</cols>")
    body = ["<sheetData>", "".join(parts), "</sheetData>"]
    if s.rows and not extra.get("row_breaks") and not section:
        body.append(f'<autoFilter ref="A{header_row}:{last}"/>')
    merges = extra.get("merge") or ()
    if merges:
        body.append(f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"/>' for r1, c1, r2, c2 in merges) + "</mergeCells>")
    tail: Dict[str, str] = dict(old_parts)
    tail.setdefault("pageMargins", '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    if fit or extra.get("paper") or extra.get("orientation"):
        paper = ' paperSize="9"' if extra.get("paper", "A4") == "A4" else ""
        orient = f' orientation="{extra.get("orientation", "portrait")}"'
        fitattrs = ' fitToWidth="1" fitToHeight="0"' if fit else ""
        tail["pageSetup"] = f"<pageSetup{paper}{orient}{fitattrs}/>"
    breaks = extra.get("row_breaks") or ()
    if breaks:
        tail["rowBreaks"] = (f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">'
                             + "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in breaks) + "</rowBreaks>")
    foot = [tail[k] for k in _TAIL_ORDER if k in tail]
    return "".join(head) + "".join(body) + "".join(foot) + "</worksheet>"


# ---------------------------------------------------------------- zip writing
class _ZipOut:
    """A minimal zip writer that can copy members' compressed bytes unchanged."""

    def __init__(self, fp):
        self.fp = fp
        self.central: List[bytes] = []

    def _header(self, name: bytes, method: int, crc: int, csize: int, size: int, when: Tuple[int, int],
                flags: int = 0x800) -> Tuple[bytes, int]:
        offset = self.fp.tell()
        self.fp.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, when[0], when[1], crc, csize, size,
                                  len(name), 0) + name)
        return offset

    def _central(self, name, method, crc, csize, size, when, offset, flags=0x800, ext_attr=0):
        self.central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, when[0], when[1], crc,
                                        csize, size, len(name), 0, 0, 0, 0, ext_attr, offset) + name)

    def copy(self, src, info) -> None:
        """Copy a member's compressed data as it is (no recompression)."""
        src.seek(info.header_offset)
        local = src.read(30)
        nlen, xlen = struct.unpack("<2H", local[26:30])
        src.seek(info.header_offset + 30 + nlen + xlen)
        name = info.filename.encode("utf-8")
        when = _dos_time(info.date_time)
        flags = 0x800 if info.flag_bits & 0x800 or not info.filename.isascii() else 0
        offset = self._header(name, info.compress_type, info.CRC, info.compress_size, info.file_size, when, flags)
        left = info.compress_size
        while left:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                raise WorkbookError("工作簿文件不完整")
            self.fp.write(chunk)
            left -= len(chunk)
        self._central(name, info.compress_type, info.CRC, info.compress_size, info.file_size, when, offset, flags,
                      info.external_attr)

    def add(self, filename: str, data: bytes, date_time=(1980, 1, 1, 0, 0, 0)) -> None:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = comp.compress(data) + comp.flush()
        name = filename.encode("utf-8")
        when = _dos_time(date_time)
        crc = zlib.crc32(data) & 0xFFFFFFFF
        flags = 0 if filename.isascii() else 0x800
        offset = self._header(name, 8, crc, len(packed), len(data), when, flags)
        self.fp.write(packed)
        self._central(name, 8, crc, len(packed), len(data), when, offset, flags)

    def finish(self) -> None:
        start = self.fp.tell()
        for c in self.central:
            self.fp.write(c)
        size = self.fp.tell() - start
        self.fp.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(self.central), len(self.central), size, start, 0))


def _dos_time(t) -> Tuple[int, int]:
    y, mo, d, h, mi, s = t
    return ((h << 11) | (mi << 5) | (s // 2)), (((y - 1980) << 9) | (mo << 5) | d)


def write_sheets(src_path, dst_path, sheets: Sequence[SheetOut]) -> None:
    """dst = src with the given sheets replaced (or added); every other part copied unchanged."""
    pkg = _Package(src_path)
    try:
        styles = _Styles(pkg.read("xl/styles.xml").decode("utf-8"))
        workbook, rels = pkg.workbook, pkg.rels
        ctypes = pkg.read("[Content_Types].xml").decode("utf-8")
        new_parts: Dict[str, bytes] = {}
        existing_parts = set(pkg.infos)
        for s in sheets:
            part = pkg.part_of(s.name)
            old = pkg.read(part).decode("utf-8") if part and part in pkg.infos else None
            if part is None:
                part, workbook, rels, ctypes = _add_sheet(s.name, workbook, rels, ctypes, existing_parts)
                existing_parts.add(part)
            new_parts[part] = sheet_xml(s, styles, old).encode("utf-8")
        new_parts["xl/styles.xml"] = styles.xml.encode("utf-8")
        if "xl/calcChain.xml" in pkg.infos:
            rels = re.sub(r'<Relationship\b[^>]*Target="[^"]*calcChain\.xml"[^>]*/>', "", rels)
            ctypes = re.sub(r'<Override\b[^>]*PartName="/xl/calcChain\.xml"[^>]*/>', "", ctypes)
        new_parts["xl/workbook.xml"] = workbook.encode("utf-8")
        new_parts["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
        new_parts["[Content_Types].xml"] = ctypes.encode("utf-8")
        with open(dst_path, "wb") as fp, open(pkg.path, "rb") as src:
            out = _ZipOut(fp)
            for name, info in pkg.infos.items():
                if name == "xl/calcChain.xml":
                    continue
                if name in new_parts:
                    out.add(name, new_parts.pop(name), info.date_time)
                else:
                    out.copy(src, info)
            for name, data in new_parts.items():
                out.add(name, data)
            out.finish()
    finally:
        pkg.close()


def _add_sheet(name: str, workbook: str, rels: str, ctypes: str, parts: set):
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in parts:
        n += 1
    part = f"xl/worksheets/sheet{n}.xml"
    rid_nums = [int(x) for x in re.findall(r'Id="rId(\d+)"', rels)]
    rid = f"rId{max(rid_nums + [0]) + 1}"
    sheet_ids = [int(x) for x in re.findall(r'<(?:\w+:)?sheet\b[^>]*sheetId="(\d+)"', workbook)]
    sid = max(sheet_ids + [0]) + 1
    prefix = "r"
    m = re.search(r'xmlns:(\w+)="' + re.escape(NS_REL) + '"', workbook)
    if m:
        prefix = m.group(1)
    else:
        workbook = re.sub(r"<(\w+:)?workbook\b", lambda mm: mm.group(0) + f' xmlns:r="{NS_REL}"', workbook, count=1)
    tag = re.search(r"<(\w+:)?sheets\b", workbook).group(1) or ""
    entry = f'<{tag}sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{sid}" {prefix}:id="{rid}"/>'
    workbook = re.sub(rf"</{tag}sheets>", lambda mm: entry + mm.group(0), workbook, count=1)
    rel = f'<Relationship Id="{rid}" Type="{WS_TYPE}" Target="worksheets/sheet{n}.xml"/>'
    rels = rels.replace("</Relationships>", rel + "</Relationships>")
    ctypes = ctypes.replace("</Types>", f'<Override PartName="/{part}" ContentType="{WS_CT}"/></Types>')
    return part, workbook, rels, ctypes


# ---------------------------------------------------------------- atomic save
def lock_files(path) -> List[Path]:
    """Lock files that Excel/WPS (~$name) and LibreOffice (.~lock.name#) leave while a book is open."""
    p = Path(path)
    candidates = [p.with_name("~$" + p.name), p.with_name("~$" + p.name[2:]) if len(p.name) > 2 else None,
                  p.with_name(f".~lock.{p.name}#")]
    return [c for c in candidates if c is not None and c.exists()]


def atomic_replace(path, build: Callable[[str], None]) -> None:
    """Write the new version via `build(tmp)`, keep the old one as .bak, then rename into place."""
    path = Path(path)
    locks = lock_files(path)
    if locks:
        raise WorkbookLocked(f"工作簿「{path.name}」正在被 Excel、WPS 或 LibreOffice 打开（发现锁文件 {locks[0].name}），"
                             f"请先关闭它再运行。")
    fault_point("before-temp")
    fd, tmp = tempfile.mkstemp(prefix=".kefu-", suffix=path.suffix, dir=str(path.parent))
    os.close(fd)
    try:
        build(tmp)
        fault_point("temp-written")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        fault_point("before-backup")
        backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, str(backup) + ".tmp")
        os.replace(str(backup) + ".tmp", backup)
        fault_point("after-backup")
        os.replace(tmp, path)
        fault_point("after-replace")
        _fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
