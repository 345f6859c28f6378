"""Workbook files without Excel: fast reads, surgical writes, atomic saves.

* `read_grids` reads sheets with python-calamine (fast, Rust), then overlays
  the Excel error values (#N/A, #REF! ...) that calamine reports as empty,
  from a scan of the sheet XML for ``t="e"`` cells.
* `write_sheets` copies every part of the package unchanged (the compressed
  bytes as they are) and replaces only the worksheets of the sheets the close
  owns, adding missing ones.  Of a replaced worksheet it keeps what the close
  does not own (root namespaces, code name, drawings, comments, tables, print
  set-up, extensions) and its ``_rels`` part.  Styles are found again or
  appended, never renumbered.  Strings are written inline and never as
  formulas, so text starting with = + - @ stays text.  Every cell carries its
  reference (r="B12").  Every write sets fullCalcOnLoad; resizes the tables
  and drops the orphaned x14 conditional-format halves of the sheets it
  rewrites; gives spilling KEFU functions back their dynamic-array flag after
  a foreign save; and rewrites the template's charts to the data written.
  What a sheet looks like (rows, formats, styled rows, marks) comes from
  the sheet-layout description, write.layout, which the Excel writer renders too.
* `atomic_replace` writes a temporary file next to the workbook, keeps the
  old version as ``.bak`` and renames; it refuses while Excel, WPS or
  LibreOffice has the file open (their lock files).

`SheetOut.extra` keys understood by the writer (all optional):
``freeze`` top-left cell of the scrolling area ("C3"; default: below the
header; falsy: no frozen panes), ``header_rows`` / ``section_rows`` sheet rows
styled like the header, ``totals_row`` a sheet row in bold, ``merge``
[(r1, c1, r2, c2)], ``row_breaks`` rows after which a page break goes,
``fit_to_width`` one page wide, ``paper`` ("A4", "A3", "Letter"),
``orientation`` ("portrait"/"landscape"), ``kept_rows`` n: the first n rows
are the sheet's rows as read, unchanged (append-only sheets: their XML is
copied when the sheet holds exactly those rows, see `_keeps`).  No
autofilter is written on sheets with page breaks, section rows or a table.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import posixpath
import re
import shutil
import struct
import tempfile
import time
import zipfile
from collections import abc
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple
from xml.etree import ElementTree as ET

from . import aside
from . import codec
from ..write import layout
from ..core.grid import CellError, Grid, SheetOut
from ..core.schema import col_letter, norm_text


class WorkbookError(Exception):
    """The file cannot be used: missing, not a workbook, encrypted or damaged."""


class WorkbookLocked(WorkbookError):
    """The workbook is open in Excel, WPS or LibreOffice (their lock file exists)."""


FAULT_ENV = "KEFU_XL_FAULT"


def fault_point(name: str) -> None:
    """Test hook: die here (as a crash would) when KEFU_XL_FAULT names this step."""
    if os.environ.get(FAULT_ENV) == name:
        os._exit(86)


# ---------------------------------------------------------------- XML text helpers
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WS_TYPE = NS_REL + "/worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# any markup: comment, processing instruction, CDATA, or a tag (attribute values may hold '>')
_TAG = re.compile(r"""<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>"""
                  r"""|<(/?)([\w.:-]+)((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.S)
_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _local(qname: str) -> str:
    return qname.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _esc(s: str) -> str:
    """Escape text for an element or a double-quoted attribute."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _unesc(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def _attrs(tag: str) -> Dict[str, str]:
    """Attributes of a start tag, raw (still escaped)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}


def _set_attrs(fragment: str, values: Dict[str, Optional[str]]) -> str:
    """Set (or with None remove) attributes on the first tag of an XML fragment; values are raw."""
    end = _TAG.match(fragment).end()
    tag, rest = fragment[:end], fragment[end:]
    for key, value in values.items():
        new = "" if value is None else f' {key}="{value}"'
        pattern = re.compile(r"""\s%s\s*=\s*(?:"[^"]*"|'[^']*')""" % re.escape(key))
        tag, n = pattern.subn(lambda _: new, tag, count=1)
        if not n and value is not None:
            cut = len(tag) - (2 if tag.endswith("/>") else 1)
            tag = tag[:cut].rstrip() + new + tag[cut:]
    return tag + rest


def _elements(xml: str, start: int, end: int) -> List[Tuple[str, int, int]]:
    """The top-level elements of xml[start:end] as (local name, start, end)."""
    out: List[Tuple[str, int, int]] = []
    depth = 0
    opened = 0
    for m in _TAG.finditer(xml, start, end):
        qname = m.group(2)
        if qname is None:
            continue
        if m.group(1):
            depth -= 1
            if depth == 0:
                out.append((_local(qname), opened, m.end()))
        elif m.group(3).endswith("/"):
            if depth == 0:
                out.append((_local(qname), m.start(), m.end()))
        else:
            if depth == 0:
                opened = m.start()
            depth += 1
    return out


def _root(xml: str, local: str) -> Tuple[str, str, int, int]:
    """(start tag, prefix, end of start tag, start of the closing tag) of the document element."""
    m = re.search(r"<((?:[\w.-]+:)?)%s\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>" % local, xml)
    if m is None:
        raise ValueError(f"no <{local}> element")
    close = xml.rfind(f"</{m.group(1)}{local}")
    return m.group(0), m.group(1), m.end(), close if close >= 0 else len(xml)


def _with_default_ns(start_tag: str) -> str:
    """A prefixed root (<x:worksheet>) gets xmlns=main so unprefixed children are SpreadsheetML."""
    if "xmlns" in _attrs(start_tag):
        return start_tag
    return _set_attrs(start_tag, {"xmlns": NS_MAIN})


# ---------------------------------------------------------------- package structure
class _SheetRef(NamedTuple):
    name: str
    rid: str
    part: str


def _part_path(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(base_dir, target)).lstrip("/")


def _unusable(path, why) -> WorkbookError:
    p = Path(path)
    if not p.exists():
        return WorkbookError(f"找不到文件「{p}」。")
    if _is_encrypted(p):
        return WorkbookError(f"「{p.name}」设置了打开密码（已加密），无法读取。请在 Excel 中取消密码"
                             "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后再试。")
    return WorkbookError(f"无法打开「{p.name}」：它不是有效的 Excel 工作簿（.xlsx/.xlsm），或已损坏（{why}）")


def _is_encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE compound file holding an EncryptionInfo stream."""
    try:
        with open(path, "rb") as f:
            data = f.read(32 << 20)
    except OSError:
        return False
    return data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and "EncryptionInfo".encode("utf-16-le") in data


class _Package:
    """The parts of a workbook zip the reader and the writer need to know about."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as e:
            raise _unusable(path, e) from None
        self.infos = {i.filename: i for i in self.zip.infolist()}
        try:
            self._load()
        except (KeyError, ValueError, ET.ParseError, zipfile.BadZipFile, *codec.error, EOFError) as e:
            self.zip.close()
            raise _unusable(path, e) from None

    def _load(self) -> None:
        root_rels = self._rels("_rels/.rels", "")
        self.workbook_part = next((p for _, (p, t) in root_rels.items() if t.endswith("/officeDocument")),
                                  "xl/workbook.xml")
        base = posixpath.dirname(self.workbook_part)
        self.rels_part = posixpath.join(base, "_rels", posixpath.basename(self.workbook_part) + ".rels")
        self.workbook = self.text(self.workbook_part)
        self.rels = self.text(self.rels_part)
        self.content_types = self.text("[Content_Types].xml")
        self.targets = self._rels(self.rels_part, base)
        self.sheets: List[_SheetRef] = []
        self.date1904 = False
        for el in ET.fromstring(self.workbook.encode("utf-8")).iter():
            tag = _local(el.tag)
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                self.sheets.append(_SheetRef(el.get("name", ""), rid, self.targets.get(rid, ("", ""))[0]))
            elif tag == "workbookPr":
                self.date1904 = el.get("date1904", "").lower() in ("1", "true")

    def _rels(self, part: str, base: str) -> Dict[str, Tuple[str, str]]:
        """Relationship id -> (part path, type) of a .rels part (empty when missing)."""
        if part not in self.infos:
            return {}
        out = {}
        for el in ET.fromstring(self.read(part)):
            if el.get("TargetMode") != "External":
                out[el.get("Id", "")] = (_part_path(base, el.get("Target", "")), el.get("Type", ""))
        return out

    def read(self, name: str) -> bytes:
        return codec.read_member(self.zip.fp, self.infos[name])

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8-sig")

    def find(self, sheet: str) -> Optional[_SheetRef]:
        """A sheet by name: exact, else tolerant of spaces and full-width characters."""
        for ref in self.sheets:
            if ref.name == sheet:
                return ref
        want = norm_text(sheet)
        return next((ref for ref in self.sheets if norm_text(ref.name) == want), None)

    def part_of(self, sheet: str) -> Optional[str]:
        ref = self.find(sheet)
        return ref.part if ref and ref.part in self.infos else None

    def part_of_type(self, suffix: str) -> Optional[str]:
        return next((p for p, t in self.targets.values() if t.endswith(suffix)), None)

    def close(self) -> None:
        self.zip.close()


# ---------------------------------------------------------------- reading
_ERR_CELL = re.compile(rb"""<(?:[\w.-]+:)?c\s[^>]*?\bt\s*=\s*["']e["'][^>]*>""")
_CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+)(\d+)["']""")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)</(?:[\w.-]+:)?v>")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")


CUSTOM_PART = "docProps/custom.xml"
CUSTOM_REL = NS_REL + "/custom-properties"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_PROPERTY_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_MAX_PROPERTIES = 1 << 20  # bytes of docProps/custom.xml read at most


def _custom_part(pkg: "_Package") -> Optional[str]:
    for _, (part, kind) in pkg._rels("_rels/.rels", "").items():
        if kind == CUSTOM_REL and part in pkg.infos:
            return part
    return CUSTOM_PART if CUSTOM_PART in pkg.infos else None


def custom_properties(pkg: "_Package") -> Dict[str, str]:
    """The workbook's custom document properties (name -> text); {} when it has none or they are damaged."""
    try:
        part = _custom_part(pkg)
        if part is None or pkg.infos[part].file_size > _MAX_PROPERTIES:
            return {}
        out = {}
        for el in ET.fromstring(pkg.read(part)):
            if _local(el.tag) == "property" and el.get("name"):
                out[el.get("name")] = "".join(el.itertext())
        return out
    except (KeyError, ValueError, ET.ParseError, zipfile.BadZipFile, *codec.error, EOFError):
        return {}


def read_properties(path) -> Dict[str, str]:
    pkg = _Package(path)
    try:
        return custom_properties(pkg)
    finally:
        pkg.close()


# What a workbook may claim before anything is allocated for it (zip and XML bombs, issue 21)
MAX_PART_BYTES = 1 << 30  # one part, inflated
MAX_TOTAL_BYTES = 2 << 30  # every part, inflated
MAX_CELLS = 20_000_000  # rows x columns of one sheet as a reader lays it out
# a cell reference that may reach far (3+ letters or 7+ digits); no \b: a pattern that starts with a
# letter is found by a fast scan (7x quicker), and a false hit only costs the exact pass with _REF
_BIG_REF = re.compile(rb"""r\s*=\s*["'](?:[A-Za-z]{3,}\d|[A-Za-z]*\d{7,})""")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]*)(\d+)["']""")
_BIG_RUN = re.compile(rb"[^<]{33000}")  # a text of more than Excel's 32,767 characters


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def check_package(pkg: "_Package") -> None:
    """Refuse (WorkbookError, before calamine allocates anything) a package whose parts inflate to more
    than MAX_PART_BYTES / MAX_TOTAL_BYTES, or whose shared strings hold a text longer than Excel allows.
    Each sheet is checked by `scan_sheet` just before it is parsed."""
    name = pkg.path.name
    total = 0
    for info in pkg.infos.values():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError(f"「{name}」不能读取：其中的 {info.filename} 解压后有 {_mb(info.file_size)}，"
                                f"超过允许的 {_mb(MAX_PART_BYTES)}（可能是损坏的文件或“压缩炸弹”）。")
    if total > MAX_TOTAL_BYTES:
        raise WorkbookError(f"「{name}」不能读取：解压后共 {_mb(total)}，超过允许的 {_mb(MAX_TOTAL_BYTES)}。")
    strings = pkg.part_of_type("/sharedStrings")
    if strings and strings in pkg.infos and pkg.infos[strings].file_size > 32 << 20:
        with open(pkg.path, "rb") as fp:
            tail = b""
            try:
                for chunk in codec.iter_member(fp, pkg.infos[strings], chunk=1 << 22):
                    piece = tail + chunk
                    if _BIG_RUN.search(piece):
                        raise WorkbookError(f"「{name}」不能读取：其中有一段超过 32,767 个字符的文字（Excel 的单元格上限），"
                                            "可能是损坏的文件。")
                    tail = piece[-33000:]
            except (zipfile.BadZipFile, *codec.error) as e:
                raise WorkbookError(f"「{name}」已损坏，无法读取（{e}）。") from None


_ERROR_MARKS = (b't="e"', b"t='e'")


def scan_sheet(path, sheet: str, info: zipfile.ZipInfo, errors: bool = False) -> bool:
    """One pass over a sheet's XML before calamine parses it: refuse (WorkbookError) a sheet whose cells
    reach past MAX_CELLS (one cell at XFD1048576 makes a reader lay out 17 billion) or whose deflate
    is damaged; with `errors`, whether it has error cells (t="e": calamine reads them as empty)."""
    name = Path(path).name
    max_row = max_col = 0
    tail = b""
    found = False
    with open(path, "rb") as fp:
        try:
            for chunk in codec.iter_member(fp, info, chunk=1 << 23):  # large pieces: few waits for the GIL
                piece = tail + chunk
                if _BIG_REF.search(piece):
                    for m in _REF.finditer(piece):
                        max_row = max(max_row, int(m.group(2)))
                        if m.group(1):
                            max_col = max(max_col, _col_number(m.group(1).upper().decode()))
                if errors and not found and (_ERROR_MARKS[0] in piece or _ERROR_MARKS[1] in piece):
                    found = True
                tail = piece[-48:]
        except (zipfile.BadZipFile, *codec.error) as e:
            raise WorkbookError(f"「{name}」的工作表「{sheet}」已损坏，无法读取（{e}）。"
                                "请用备份（.bak）恢复，或在 Excel 中打开并另存后再试。") from None
    if max_row and max_col and max_row * max_col > MAX_CELLS:
        cell = f"{col_letter(max_col)}{max_row}"
        raise WorkbookError(f"「{name}」的工作表「{sheet}」不能读取：它有一个单元格在 {cell}，读取要排开 "
                            f"{max_row:,} 行 × {max_col:,} 列，超过允许的 {MAX_CELLS:,} 个单元格。"
                            f"请在 Excel 中删除 {cell} 附近多余的内容后再试。")
    return found


def sheet_names(path) -> List[str]:
    """The names of the workbook's sheets, in tab order."""
    pkg = _Package(path)
    try:
        return [ref.name for ref in pkg.sheets]
    finally:
        pkg.close()


_READ_THREADS = 2  # sheets parsed at once: calamine parses without holding the GIL


class Grids(abc.Mapping):
    """The sheets being read, by the name asked for; a sheet's Grid waits until that sheet is read.

    Sheets are parsed in two worker threads, the largest first on one of them
    and the others, in the order asked for, on the other: calamine releases
    the GIL while it parses, so the caller can turn the first sheets into
    records while the largest one is still being parsed.  Use it as a context
    manager (`open_grids`) so the workers stop when the caller is done.
    """

    def __init__(self, path, names: Iterable[str]):
        import python_calamine as pc
        from concurrent.futures import ThreadPoolExecutor

        self._path = str(path)
        pkg = _Package(path)
        try:
            names = list(names)
            refs = [(w, pkg.find(w)) for w in names]
            for want, ref in refs:
                if ref is not None and ref.part not in pkg.infos:
                    raise WorkbookError(f"工作簿「{Path(path).name}」已损坏：工作表「{ref.name}」的内容（{ref.part}）缺失。"
                                        "请用备份（.bak）恢复，或在 Excel 中打开并另存后再试。")
            check_package(pkg)  # each sheet is scanned by its worker just before calamine parses it
            try:
                book = pc.CalamineWorkbook.from_path(self._path)
            except Exception as e:  # calamine's own types for broken or encrypted files
                raise _unusable(path, e) from None
            with book:
                present = set(book.sheet_names)
            wanted = [(want, ref) for want, ref in refs if ref is not None and ref.name in present]
            infos = {want: pkg.infos.get(ref.part) for want, ref in wanted}
            properties = custom_properties(pkg)
        finally:
            pkg.close()
        self._refs = dict(wanted)
        self.properties = properties  # the custom document properties (the seal chain's head)
        self._done: Dict[str, Grid] = {}
        self._errors: Optional[Set[str]] = None  # the sheets with error cells
        self._pool = ThreadPoolExecutor(max_workers=_READ_THREADS)
        largest = max(self._refs, key=lambda w: infos[w].file_size if infos[w] else 0, default=None)
        order = ([largest] if largest is not None else []) + [w for w in self._refs if w != largest]
        # each sheet's worker looks at its XML first (scan_sheet: the bounds on what it may claim, and
        # its error cells, which calamine reads as empty), then parses it; for a large workbook a child
        # process looks for the error cells instead, away from this one's GIL
        scanned = [(w, infos[w]) for w in order if infos[w] is not None]
        aside_scan = sum(i.compress_size for _, i in scanned) >= SCAN_ASIDE_BYTES
        self._scan = aside.start(_error_sheets, self._path, scanned, fork=True) if aside_scan else None
        self._parsed = {w: self._pool.submit(self._parse, self._refs[w], infos[w], not aside_scan) for w in order}
        self._infos = infos

    def _parse(self, ref: _SheetRef, info: Optional[zipfile.ZipInfo], errors: bool):
        import python_calamine as pc
        scanned = info is not None and scan_sheet(self._path, ref.name, info, errors)
        with pc.CalamineWorkbook.from_path(self._path) as b:  # one per thread: a workbook is not shared
            sheet = b.get_sheet_by_name(ref.name)
            rows = _sheet_rows(sheet)
            merged = tuple((r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                           for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or ()))
        return rows, merged, scanned

    def _has_errors(self, want: str, scanned: bool) -> bool:
        if self._scan is not None:
            if self._errors is None:
                self._errors = self._scan.result()
            return want in self._errors
        return scanned

    def __getitem__(self, want: str) -> Grid:
        got = self._done.get(want)
        if got is None:
            if want not in self._refs:
                raise KeyError(want)
            try:
                rows, merged, scanned = self._parsed[want].result()
            except WorkbookError:
                raise
            except Exception as e:  # calamine's errors for damaged XML, a bad zip member …
                raise WorkbookError(f"工作簿「{Path(self._path).name}」的工作表「{self._refs[want].name}」已损坏，无法读取"
                                    f"（{type(e).__name__}：{str(e)[:200]}）。请用备份（.bak）恢复，或在 Excel 中打开并另存后再试。"
                                    ) from None
            if self._has_errors(want, scanned):
                rows = [list(r) for r in rows]
                with open(self._path, "rb") as fp:
                    _overlay_errors(codec.read_member(fp, self._infos[want]), rows)
                rows = [tuple(r) for r in rows]
            got = self._done[want] = Grid(want, tuple(rows), 1, 1, merged)
            self._parsed[want] = None  # the rows live in the Grid now
        return got

    def __contains__(self, want) -> bool:
        return want in self._refs

    def __iter__(self):
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._scan is not None:
            self._scan.cancel()

    def __enter__(self) -> "Grids":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_grids(path, names: Iterable[str]) -> Grids:
    """The named sheets, read in the background; see `Grids` and `read_grids`."""
    return Grids(path, names)


def read_grids(path, names: Iterable[str]) -> Dict[str, Grid]:
    """The named sheets as Grids starting at A1, keyed (and named) by the name asked for.

    Names match tolerant of surrounding spaces and full-width characters;
    missing sheets are absent.  Cells: '' -> None, whole floats -> int, dates
    as calamine gives them (date or datetime), error values -> CellError.
    """
    with open_grids(path, names) as grids:
        return {want: grids[want] for want in grids}


def _sheet_rows(sheet) -> List[tuple]:
    """The sheet's cells from A1, row by row, as Grid cells: '' -> None, whole floats -> int (inline:
    a quarter faster than a function per cell)."""
    return [tuple([None if v == "" else (int(v) if v.__class__ is float and v.is_integer() and -1e15 < v < 1e15
                                         else v) for v in r])
            for r in sheet.to_python(skip_empty_area=False)]


SCAN_ASIDE_BYTES = 4 << 20  # from this much compressed sheet XML the error scan runs in a child (aside.py)


def _error_sheets(path, sheets: Sequence[Tuple[str, zipfile.ZipInfo]]) -> Set[str]:
    """The names of the sheets whose XML has error cells."""
    return {name for name, info in sheets if _has_error_cells(path, info)}


def _has_error_cells(path, info: zipfile.ZipInfo) -> bool:
    """Whether a worksheet part has any error cell (t="e"), read in pieces: sheets are large."""
    marks = (b't="e"', b"t='e'")
    tail = b""
    with open(path, "rb") as fp:
        for chunk in codec.iter_member(fp, info, chunk=1 << 24):  # large pieces: few waits for the GIL
            piece = tail + chunk
            if marks[0] in piece or marks[1] in piece:
                return True
            tail = piece[-4:]
    return False


def _overlay_errors(data: bytes, rows: List[list]) -> None:
    """Put CellError values where the sheet XML has error cells (calamine reads them as empty)."""
    if b't="e"' not in data and b"t='e'" not in data:
        return
    for m in _ERR_CELL.finditer(data):
        ref = _CELL_REF.search(m.group(0))
        if ref is None or m.group(0).endswith(b"/>"):
            continue
        end = _CELL_END.search(data, m.end())
        value = _VALUE.search(data, m.end(), end.start() if end else len(data))
        code = _unesc(value.group(1).decode("utf-8", "replace")) if value else ""
        r, c = int(ref.group(2)) - 1, _col_number(ref.group(1).decode()) - 1
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        row.extend([None] * (c + 1 - len(row)))
        row[c] = CellError(code or "#N/A")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _cell_ref(text: str) -> Tuple[int, int]:
    """'C3' -> (row 3, column 3)."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", text.strip())
    if not m:
        raise ValueError(f"not a cell reference: {text!r}")
    return int(m.group(2)), _col_number(m.group(1).upper())


# ---------------------------------------------------------------- styles
# number formats: the sheet-layout description's (write.layout), which the Excel writer renders too
GENERAL, TEXT_FMT, INT_FMT, MONEY_FMT = layout.GENERAL, layout.TEXT_FMT, layout.INT_FMT, layout.MONEY_FMT
DATE_FMT, DATETIME_FMT, PCT_FMT, PCT1_FMT = layout.DATE_FMT, layout.DATETIME_FMT, layout.PCT_FMT, layout.PCT1_FMT
TYPE_FORMATS = layout.TYPE_FORMATS
_BUILTIN_FMTS = {GENERAL: 0, "0": 1, "0.00": 2, "#,##0": 3, MONEY_FMT: 4, PCT_FMT: 9, "0.00%": 10, TEXT_FMT: 49}
_SOLID = '<fill><patternFill patternType="solid"><fgColor rgb="%s"/><bgColor indexed="64"/></patternFill></fill>'
_FILLS = {"header": _SOLID % "FFDDEBF7", "mark": _SOLID % "FFFFC7CE"}  # light blue; light red like Excel's "Bad"
_BORDERS = {"bottom": ('<border><left/><right/><top/><bottom style="thin"><color indexed="64"/></bottom>'
                       "<diagonal/></border>")}
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
                "colors", "extLst")
_MINIMAL_STYLES = (f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="等线"/>'
                   '<family val="2"/><charset val="134"/></font></fonts><fills count="2"><fill><patternFill '
                   'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                   '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                   '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                   '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
                   '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                   '</styleSheet>')
_TITLE_GROWTH = 4  # points added to the default font size for a sheet title


class _Styles:
    """The workbook's styles.xml; the cell formats the writer needs are found again or appended.

    Existing entries are never changed or renumbered.  An entry matches when
    it means the same (attribute order, apply* flags and prefixes aside), so
    repeated closes, or a save by Excel in between, do not grow the file.
    """

    def __init__(self, xml: str):
        self.source = xml
        self.start_tag, self.prefix, body, self.close = _root(xml, "styleSheet")
        self.ns_decls = " ".join(f'{k}="{v}"' for k, v in _attrs(self.start_tag).items() if k.startswith("xmlns"))
        self.spans = {name: (s, e) for name, s, e in _elements(xml, body, self.close)}
        self.items: Dict[str, List[str]] = {}
        self.added: Dict[str, List[str]] = {}
        self.known: Dict[str, Dict[object, int]] = {}
        self.cache: Dict[Tuple[str, str, str, str], int] = {}
        self.next_fmt_id = max([163] + [int(x) for x in re.findall(r'numFmtId="(\d+)"', xml)]) + 1

    # -- sections
    def _items(self, section: str) -> List[str]:
        if section not in self.items:
            found: List[str] = []
            if section in self.spans:
                s, e = self.spans[section]
                tag_end = _TAG.match(self.source, s).end()
                if not self.source[s:tag_end].endswith("/>"):
                    found = [self.source[a:b] for _, a, b in _elements(self.source, tag_end, e)]
            self.items[section] = found
            self.added[section] = []
        return self.items[section]

    def _canon(self, fragment: str):
        """What an entry means: names without prefixes, attributes and children sorted, apply* ignored."""
        try:
            el = ET.fromstring(f"<w {self.ns_decls}>{fragment}</w>")[0]
        except (ET.ParseError, IndexError):
            return fragment

        def canon(e):
            attrs = tuple(sorted((_local(k), v) for k, v in e.attrib.items() if not _local(k).startswith("apply")))
            return _local(e.tag), attrs, tuple(sorted(canon(c) for c in e))
        return canon(el)

    def _find_or_add(self, section: str, fragment: str) -> int:
        """Index of an entry meaning the same as fragment, appended when there is none."""
        items = self._items(section)
        if section not in self.known:
            self.known[section] = {}
            for i, item in enumerate(items):
                self.known[section].setdefault(self._canon(item), i)
        key = self._canon(fragment)
        if key not in self.known[section]:
            items.append(fragment)
            self.added[section].append(fragment)
            self.known[section][key] = len(items) - 1
        return self.known[section][key]

    # -- entries
    def _numfmt(self, code: str) -> int:
        if code in _BUILTIN_FMTS:
            return _BUILTIN_FMTS[code]
        want = code.replace("\\", "").replace('"', "").lower()
        for item in self._items("numFmts"):
            a = _attrs(item)
            if _unesc(a.get("formatCode", "")).replace("\\", "").replace('"', "").lower() == want:
                return int(a.get("numFmtId", "0"))
        fmt_id = self.next_fmt_id
        self.next_fmt_id += 1
        self._find_or_add("numFmts", f'<numFmt numFmtId="{fmt_id}" formatCode="{_esc(code)}"/>')
        return fmt_id

    def _font(self, kind: str) -> int:
        if not kind:
            return 0
        fonts = self._items("fonts")
        base = fonts[0] if fonts else "<font/>"
        tag_end = _TAG.match(base).end()
        children = [] if base[:tag_end].endswith("/>") else [
            base[s:e] for name, s, e in _elements(base, tag_end, len(base)) if name != "b"]
        if kind == "title":
            sizes = [c for c in children if _local(_TAG.match(c).group(2)) == "sz"]
            size = float(_attrs(sizes[0]).get("val", 11)) if sizes else 11.0
            children = [f'<sz val="{size + _TITLE_GROWTH:g}"/>'] + [c for c in children if c not in sizes]
        return self._find_or_add("fonts", "<font><b/>" + "".join(children) + "</font>")

    def cell(self, fmt: str, font: str = "", fill: str = "", border: str = "") -> int:
        """Index into cellXfs of a cell format: number format code, font ('' | bold | title),
        fill ('' | header | mark) and border ('' | bottom)."""
        key = (fmt, font, fill, border)
        if key not in self.cache:
            num = self._numfmt(fmt)
            font_id = self._font(font)
            fill_id = self._find_or_add("fills", _FILLS[fill]) if fill else 0
            border_id = self._find_or_add("borders", _BORDERS[border]) if border else 0
            xf = (f'<xf numFmtId="{num}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0"'
                  + (' applyNumberFormat="1"' if num else "") + (' applyFont="1"' if font_id else "")
                  + (' applyFill="1"' if fill_id else "") + (' applyBorder="1"' if border_id else "") + "/>")
            self.cache[key] = self._find_or_add("cellXfs", xf)
        return self.cache[key]

    def text(self) -> str:
        """styles.xml with the appended entries (unchanged text when nothing was added)."""
        edits = []  # (start, end, replacement)
        for section, new in self.added.items():
            if not new:
                continue
            count = len(self.items[section])
            if section in self.spans:
                s, e = self.spans[section]
                tag_end = _TAG.match(self.source, s).end()
                tag = self.source[s:tag_end]
                if tag.endswith("/>"):
                    opened = _set_attrs(tag[:-2].rstrip() + ">", {"count": str(count)})
                    edits.append((s, e, opened + "".join(new) + f"</{self.prefix}{section}>"))
                else:
                    edits.append((s, tag_end, _set_attrs(tag, {"count": str(count)})))
                    close = self.source.rfind("</", s, e)
                    edits.append((close, close, "".join(new)))
            else:
                at = next((self.spans[n][0] for n in _STYLE_ORDER[_STYLE_ORDER.index(section) + 1:]
                           if n in self.spans), self.close)
                edits.append((at, at, f'<{section} count="{count}">' + "".join(new) + f"</{section}>"))
        if not edits:
            return self.source
        xml = self.source
        for s, e, new_text in sorted(edits, key=lambda x: (x[0], x[1]), reverse=True):
            xml = xml[:s] + new_text + xml[e:]
        if self.prefix:  # appended entries are unprefixed
            xml = xml.replace(self.start_tag, _with_default_ns(self.start_tag), 1)
        return xml


# ---------------------------------------------------------------- cell values
_EPOCH = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_LEAP_BUG_END = dt.date(1900, 3, 1)  # Excel counts a 29 Feb 1900; serials before it are one less


def _serial(v: dt.date, date1904: bool):
    """Excel serial number of a date or datetime, or None when Excel cannot show it."""
    day = v.date() if isinstance(v, dt.datetime) else v
    if date1904:
        if day < _EPOCH_1904:
            return None
        days = (day - _EPOCH_1904).days
    else:
        if day < dt.date(1900, 1, 1):
            return None
        days = (day - _EPOCH).days - (day < _LEAP_BUG_END)
    if isinstance(v, dt.datetime):
        seconds = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        if seconds:
            return days + seconds / 86400
    return days


def _inline(s: str) -> str:
    """The <is> of an inline string: illegal characters dropped, escaped, _xHHHH_ kept literal."""
    if not (s.isascii() and s.isprintable()) and _ILLEGAL.search(s):  # (printable ASCII: nothing to drop)
        s = _ILLEGAL.sub("", s)
    e = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in e:
        e = _ESCAPE_LIKE.sub(r"_x005F_\1", e)
    if "\r" in e:
        e = e.replace("\r", "_x000D_")
    space = ' xml:space="preserve"' if s[:1].isspace() or s[-1:].isspace() else ""
    return f"<is><t{space}>{e}</t></is>"


def _other_cell(ref: str, v, j: int, st: "_RowStyles", date1904: bool) -> str:
    """A cell for the less common value types (the hot loop handles str, int and float)."""
    style = st.plain[j]
    if isinstance(v, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, Decimal):
        if v.is_finite():
            return f'<c r="{ref}" s="{style}"><v>{v:f}</v></c>'
    elif isinstance(v, (int, float)) and math.isfinite(v):
        return f'<c r="{ref}" s="{style}"><v>{float(v)!r}</v></c>'
    elif isinstance(v, dt.date):
        serial = _serial(v, date1904)
        if serial is not None:
            return f'<c r="{ref}" s="{st.date(j, isinstance(serial, float))}"><v>{serial}</v></c>'
        return f'<c r="{ref}" s="{style}" t="inlineStr">{_inline(v.isoformat())}</c>'
    elif isinstance(v, CellError):
        return f'<c r="{ref}" s="{style}" t="e"><v>{_esc(v.code)}</v></c>'
    elif isinstance(v, str):
        return f'<c r="{ref}" s="{style}" t="inlineStr">{_inline(v)}</c>' if v else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr">{_inline(str(v))}</c>'


class _RowStyles:
    """The cell formats of one kind of row: per column, and for date values on demand."""

    def __init__(self, styles: _Styles, fmts: List[str], font: str = "", fill: str = "", border: str = "",
                 marked: Set[int] = frozenset(), header_like: bool = False):
        self.styles, self.font, self.border = styles, font, border
        self.fills = ["mark" if j + 1 in marked else fill for j in range(len(fmts))]
        self.plain = [str(styles.cell(GENERAL if header_like else fmt, font, f, border))
                      for fmt, f in zip(fmts, self.fills)]  # as text, ready for the XML
        # Every cell says where it is (r="B12"): optional in OOXML (ECMA-376 Part 1, 18.3.1.4), but
        # readers such as Gnumeric read a cell without one as empty.  So the XML after the reference of
        # a text or date cell is the same on every row: it is made once per column and value.
        self.text_cell = [f' s="{p}" t="inlineStr">' for p in self.plain]
        self.number_cell = [f' s="{p}"><v>' for p in self.plain]
        self.cache: List[Dict[Any, str]] = [{} for _ in fmts]  # per column: text or date -> its cell

    def date(self, j: int, with_time: bool) -> str:
        return str(self.styles.cell(DATETIME_FMT if with_time else DATE_FMT, self.font, self.fills[j], self.border))



def _row_xml(r: int, values, letters: List[str], st: _RowStyles, date1904: bool, attrs: str = "") -> str:
    """One <row>, every cell with its reference; strings, finite numbers and dates take the fast path."""
    rs = str(r)
    cells = []
    add = cells.append
    cache, text_cell, number_cell = st.cache, st.text_cell, st.number_cell
    for j, v in enumerate(values):
        t = v.__class__
        if t is str:
            if not v:
                continue
            x = cache[j].get(v)
            if x is None:
                x = cache[j][v] = f"{text_cell[j]}{_inline(v)}</c>"
        elif t is int:
            x = f"{number_cell[j]}{v}</v></c>"
        elif t is Decimal and v.is_finite():
            x = f"{number_cell[j]}{v:f}</v></c>"
        elif t is float and -1e308 < v < 1e308:
            x = f"{number_cell[j]}{v!r}</v></c>"
        elif t is dt.date and v.year >= 1904:  # a serial in either date system
            x = cache[j].get(v)
            if x is None:
                x = cache[j][v] = f' s="{st.date(j, False)}"><v>{_serial(v, date1904)}</v></c>'
        elif v is None:
            continue
        else:
            add(_other_cell(letters[j] + rs, v, j, st, date1904))
            continue
        add(f'<c r="{letters[j]}{rs}"{x}')
    return f'<row r="{rs}"{attrs}>{"".join(cells)}</row>'


# ---------------------------------------------------------------- worksheets
_HEAD_KEEP = ("sheetPr", "sheetViews", "sheetFormatPr", "cols")
_TAIL_KEEP = ("sheetProtection", "printOptions", "pageMargins", "pageSetup", "headerFooter", "colBreaks", "drawing",
              "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "tableParts",
              "extLst")
_TAIL_ORDER = ("sheetProtection", "autoFilter", "mergeCells", "printOptions", "pageMargins", "pageSetup",
               "headerFooter", "rowBreaks", "colBreaks", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
               "picture", "oleObjects", "controls", "tableParts", "extLst")
_DEFAULT_MARGINS = '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
PAPER_SIZES = {"A4": 9, "A3": 8, "A5": 11, "LETTER": 1, "LEGAL": 5}


class _OldSheet(NamedTuple):
    root: str  # the <worksheet ...> start tag: its namespace declarations serve the kept children
    prefix: str
    children: Dict[str, str]  # local name -> the kept top-level elements of that name


def _old_sheet(data: bytes) -> Optional[_OldSheet]:
    """The parts of an existing worksheet the close keeps; sheetData itself is not parsed."""
    start = re.search(rb"<(?:[\w.-]+:)?sheetData\b", data)
    if start is None:
        return None
    stop = data.rfind(b"sheetData>")
    head = data[:start.start()].decode("utf-8-sig")
    tag_end = data.find(b">", start.end())
    tail_from = tag_end + 1 if data[tag_end - 1:tag_end] == b"/" or stop < tag_end else stop + len(b"sheetData>")
    tail = data[tail_from:].decode("utf-8")
    try:
        root, prefix, body, _ = _root(head, "worksheet")
    except ValueError:
        return None
    children: Dict[str, str] = {}
    for name, s, e in _elements(head, body, len(head)):
        if name in _HEAD_KEEP:
            children[name] = children.get(name, "") + head[s:e]
    close = tail.rfind(f"</{prefix}worksheet")
    for name, s, e in _elements(tail, 0, close if close >= 0 else len(tail)):
        text = tail[s:e]
        if name == "AlternateContent":  # Excel wraps controls / OLE objects for older readers
            inner = re.search(r"<(?:[\w.-]+:)?Choice\b[^>]*>\s*<(?:[\w.-]+:)?([\w]+)", text)
            name = inner.group(1) if inner else ""
        if name in _TAIL_KEEP:
            children[name] = children.get(name, "") + text
    return _OldSheet(root, prefix, children)


_Layout = layout.Placement  # where a sheet's rows go: the layout description's
_layout = layout.place


class _SheetRows:
    """The <sheetData> rows of one sheet, rendered a slice at a time (title and header first).

    The cell formats of every row kind are registered with the styles when this
    is made, in row order, so slices can be rendered in any order or process
    and give the same XML as one pass.
    """

    def __init__(self, s: SheetOut, lay: _Layout, styles: _Styles, date1904: bool, kept: "bytes | _Packed" = b"",
                 skip: int = 0):
        self.s, self.lay, self.date1904 = s, lay, date1904
        # rows[:skip] are not rendered: `kept` is their XML, as the sheet had it (see _keeps)
        self.kept, self.skip, self.count = kept, skip, len(s.rows) - skip
        fmts = layout.column_formats(s, lay.ncols)
        self.letters = [col_letter(j) for j in range(1, lay.ncols + 1)]
        header_rows = layout.styled_rows(s)
        totals_row = s.extra.get("totals_row")
        marks = layout.marks(s)

        def styles_for(r: int) -> _RowStyles:
            marked = marks.get(r, frozenset())
            if r in header_rows or r == lay.header_row:
                return _RowStyles(styles, fmts, "bold", "header", "bottom", marked, header_like=True)
            if r == totals_row:
                return _RowStyles(styles, fmts, "bold", marked=marked)
            return _RowStyles(styles, fmts, marked=marked)

        self.top: List[Tuple[int, tuple, _RowStyles, str]] = []
        if lay.title_row:
            title = _RowStyles(styles, [GENERAL] * lay.ncols, "title", marked=marks.get(lay.title_row, frozenset()))
            self.top.append((lay.title_row, (s.title,), title, ' ht="24" customHeight="1"'))
        if lay.header_row:
            self.top.append((lay.header_row, s.header, styles_for(lay.header_row), ""))
        self.plain = styles_for(0)
        self.special = {r: styles_for(r) for r in sorted(header_rows | set(marks) | {totals_row}, key=lambda r: r or 0)
                        if r is not None and lay.first_row <= r < lay.first_row + len(s.rows)}

    def cells(self) -> int:
        """What rendering costs, in cells (kept rows still to deflate: about one per 50 bytes)."""
        return self.count * self.lay.ncols + (len(self.kept) // 50 if isinstance(self.kept, bytes) else 0)

    def top_xml(self) -> str:
        """The title and header rows."""
        return "".join(_row_xml(r, values, self.letters, st, self.date1904, attrs)
                       for r, values, st, attrs in self.top)

    def xml(self, lo: int, hi: int) -> str:
        """The <row> elements of the rows to render [lo:hi] (after the kept rows, if any)."""
        letters, d1904, plain, special = self.letters, self.date1904, self.plain, self.special
        lo, hi = lo + self.skip, hi + self.skip
        return "".join([_row_xml(r, values, letters, special.get(r, plain), d1904)
                        for r, values in enumerate(self.s.rows[lo:hi], self.lay.first_row + lo)])


def _sheet_views(old: Optional[str], freeze: Optional[str]) -> str:
    """<sheetViews>: the old view's settings (tab selected, zoom ...) with the frozen panes."""
    view = re.search(r"<(?:[\w.-]+:)?sheetView\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", old or "")
    attrs = {k: v for k, v in _attrs(view.group(0)).items() if k != "topLeftCell"} if view else {}
    attrs.setdefault("workbookViewId", "0")
    tag = "<sheetView" + "".join(f' {k}="{v}"' for k, v in attrs.items())
    if not freeze:
        return f"<sheetViews>{tag}/></sheetViews>"
    row, col = _cell_ref(freeze)
    if row <= 1 and col <= 1:
        return f"<sheetViews>{tag}/></sheetViews>"
    pane = "bottomRight" if row > 1 and col > 1 else "bottomLeft" if row > 1 else "topRight"
    split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
    return (f'<sheetViews>{tag}><pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/></sheetView></sheetViews>')


def _sheet_pr(old: str, fit: bool) -> str:
    """<sheetPr> as it was (VBA code name, tab colour), without a stale filter flag, fit-to-page on request."""
    if not old and not fit:
        return ""
    pr = _set_attrs(old or "<sheetPr/>", {"filterMode": None})
    if not fit:
        return pr
    setup = re.search(r"<(?:[\w.-]+:)?pageSetUpPr\b[^>]*>", pr)
    if setup:
        return pr[:setup.start()] + _set_attrs(setup.group(0), {"fitToPage": "1"}) + pr[setup.end():]
    if pr.endswith("/>"):
        return pr[:-2].rstrip() + '><pageSetUpPr fitToPage="1"/></sheetPr>'
    close = pr.rfind("</")
    return pr[:close] + '<pageSetUpPr fitToPage="1"/>' + pr[close:]


def _page_setup(old: str, extra: dict) -> str:
    attrs: Dict[str, Optional[str]] = {}
    paper = str(extra.get("paper") or "").upper()
    if paper in PAPER_SIZES:
        attrs["paperSize"] = str(PAPER_SIZES[paper])
    if extra.get("orientation") in ("portrait", "landscape"):
        attrs["orientation"] = extra["orientation"]
    if extra.get("fit_to_width"):
        attrs.update(fitToWidth="1", fitToHeight="0")
    if not attrs:
        return old
    return _set_attrs(old or "<pageSetup/>", attrs)


def _autofilter_ref(s: SheetOut, lay: _Layout, kept: Dict[str, str]) -> Optional[str]:
    extra = s.extra
    if (not lay.header_row or not s.rows or extra.get("row_breaks") or extra.get("section_rows")
            or "tableParts" in kept):
        return None
    last = lay.last_row - 1 if extra.get("totals_row") == lay.last_row else lay.last_row
    return f"A{lay.header_row}:{col_letter(lay.ncols)}{max(last, lay.header_row)}"


_ROW_TAG = re.compile(rb"<((?:[\w.-]+:)?)row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")


class _Span(NamedTuple):
    """The data rows of a worksheet part: data[start:end] holds `count` row elements numbered first … last."""
    start: int
    end: int
    first: int
    last: int
    count: int


def _rows_span(data: bytes, first: int) -> Optional[_Span]:
    """Where the row elements from row `first` on are in a worksheet's XML (None: no such rows, or
    not as a writer of append-only sheets leaves them: numbered, in order, nothing after them)."""
    start = re.search(rb"<((?:[\w.-]+:)?)sheetData\s*>", data)
    if start is None:
        return None
    prefix = start.group(1)
    end = data.rfind(b"</" + prefix + b"sheetData>")
    if end < start.end():
        return None
    at = start.end()
    while True:  # the first row element numbered `first` or later (the header rows come before it)
        m = _ROW_TAG.search(data, at, end)
        if m is None or m.group(1) != prefix:
            return None
        number = _ROW_NUMBER.search(m.group(2))
        if number is None:
            return None
        if int(number.group(1)) >= first:
            break
        at = m.end()
    if int(number.group(1)) != first:
        return None
    kept = data[m.start():end].rstrip()
    if not (kept.endswith(b"</" + prefix + b"row>") or kept.endswith(b"/>")):
        return None
    last_tag = _ROW_TAG.search(data, m.start() + kept.rfind(b"<" + prefix + b"row"), end)
    number = _ROW_NUMBER.search(last_tag.group(2)) if last_tag else None
    if number is None:
        return None
    count = kept.count(b"<" + prefix + b"row ") + kept.count(b"<" + prefix + b"row>")
    return _Span(m.start(), m.start() + len(kept), first, int(number.group(1)), count)


def _keeps(s: SheetOut, lay: _Layout, span: Optional["_Span | _KeptPack"]) -> bool:
    """Whether the old rows of `span` are exactly the rows `s.extra["kept_rows"]` (n) says are unchanged.

    An append-only sheet (历史, 工资历史, 封存, 操作记录) then costs only its
    new rows.  The old sheet must hold exactly n row elements from the first
    data row of the new layout on, numbered first_row … first_row + n - 1,
    and nothing after them; and none of them may need a style of the new
    sheet (marked cells, header-like or totals rows).  Otherwise every row is
    rendered.  Copied rows keep the cell styles, shared strings and row
    formats they had: styles are never renumbered and shared strings are kept.
    """
    n = s.extra.get("kept_rows") or 0
    first, last = lay.first_row, lay.first_row + n - 1
    if span is None or n <= 0 or n > len(s.rows) or (span.first, span.last, span.count) != (first, last, n):
        return False
    special = set(layout.styled_rows(s)) | set(layout.marks(s)) | {s.extra.get("totals_row") or 0}
    return not any(first <= r <= last for r in special)


_CELL_WITHOUT_REF = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s>/])(?![^>]*\sr\s*=)")


def _refs_complete(rows: "bytes | memoryview") -> bool:
    """Whether every cell of these rows' XML carries its reference (r="B12")."""
    return _CELL_WITHOUT_REF.search(rows) is None


class _KeptPack(NamedTuple):
    """The data rows of an append-only sheet's part, deflated ahead of the write (see pack_rows)."""
    crc: int  # of the whole part, and its size: the pack is for that part only
    size: int
    first: int
    last: int
    count: int
    packed: "_Packed"  # the rows' XML, a deflate stream ending on a byte boundary
    rest: bytes  # the part without those rows: what _old_sheet needs


def pack_rows(path, names: Iterable[str], first: int = 2) -> Dict[str, _KeptPack]:
    """The data rows (from row `first`) of the named sheets, deflated, by part name.

    For a large close this runs in a child process (aside.py) while the
    workbook is read and the month computed; `write_sheets` then copies the
    packed rows of the append-only sheets instead of deflating them again.
    """
    pkg = _Package(path)
    out: Dict[str, _KeptPack] = {}
    try:
        for name in names:
            part = pkg.part_of(name)
            if part is None:
                continue
            data = pkg.read(part)
            span = _rows_span(data, first)
            if span is None:
                continue
            if not _refs_complete(memoryview(data)[span.start:span.end]):
                continue  # an older writer's rows without cell references: the write renders them again
            packed = _deflate(_slices(memoryview(data)[span.start:span.end]), final=False)
            info = pkg.infos[part]
            out[part] = _KeptPack(info.CRC, info.file_size, span.first, span.last, span.count, packed,
                                  data[:span.start] + data[span.end:])
    finally:
        pkg.close()
    return out


_X14_CF_URI = "{78C0D931-6437-407d-A8EE-F0AAD7539E65}"  # <x14:conditionalFormattings>


def _without_x14_formats(ext_lst: str) -> str:
    """An owned sheet's <extLst> without the x14 halves of conditional formats (the write drops the
    <conditionalFormatting> elements they belong to, so they would be orphans Excel repairs away);
    "" when nothing else is left in it."""
    exts = list(re.finditer(r"<((?:[\w.-]+:)?)ext\b[^>]*?(?:/>|>.*?</\1ext>)", ext_lst, re.S))
    keep = [m.group(0) for m in exts if _X14_CF_URI.lower() not in m.group(0)[:300].lower()]
    if len(keep) == len(exts):
        return ext_lst
    if not keep:
        return ""
    start = re.match(r"<(?:[\w.-]+:)?extLst\b[^>]*>", ext_lst).group(0)
    close = ext_lst[ext_lst.rfind("</"):]
    return start + "".join(keep) + close


def _resized_table(xml: str, ref: str, names: Sequence[str]) -> str:
    """A table part set to `ref`, its autofilter too, its columns those of `names` (ids kept in order)."""
    m = re.search(r"<((?:[\w.-]+:)?)table\b[^>]*>", xml)
    if m is None:
        return xml
    prefix = m.group(1)
    xml = xml[:m.start()] + _set_attrs(m.group(0), {"ref": ref, "totalsRowCount": None, "totalsRowShown": "0"}) \
        + xml[m.end():]
    xml = re.sub(r"<%sautoFilter\b[^>]*?(/>|>)" % re.escape(prefix),
                 lambda a: _set_attrs(a.group(0), {"ref": ref}), xml, count=1)
    seen: Set[str] = set()
    unique = []
    for i, n in enumerate(names, 1):  # a table's column names are unique
        n = n or f"列{i}"
        while n in seen:
            n = f"{n}_{i}"
        seen.add(n)
        unique.append(n)
    cols = "".join(f'<{prefix}tableColumn id="{i}" name="{_esc(n)}"/>' for i, n in enumerate(unique, 1))
    return re.sub(r"<%stableColumns\b.*?</%stableColumns>" % (re.escape(prefix), re.escape(prefix)),
                  lambda _: f'<{prefix}tableColumns count="{len(names)}">{cols}</{prefix}tableColumns>', xml,
                  count=1, flags=re.S)


class _SheetJob(NamedTuple):
    """A worksheet to write: the XML before and after its rows, and the rows."""
    part: str
    head: str  # up to and including <sheetData>
    rows: _SheetRows
    tail: str  # from </sheetData>


def _sheet_job(part: str, s: SheetOut, styles: _Styles, old: Optional[_OldSheet] = None,
               date1904: bool = False, old_data: bytes = b"", pack: Optional[_KeptPack] = None
               ) -> Tuple[_SheetJob, Optional[str]]:
    """The worksheet of an owned sheet as a job, and its autofilter range (or None).

    Its kept rows (SheetOut.extra kept_rows) come from `pack` when it holds
    them, else from `old_data` (the old part) when it does."""
    lay = _layout(s)
    kept_xml: "bytes | _Packed | None" = None
    if s.extra.get("kept_rows"):
        if pack is not None:
            kept_xml = pack.packed if _keeps(s, lay, pack) else None
        elif old_data:
            span = _rows_span(old_data, lay.first_row)
            kept_xml = old_data[span.start:span.end] if _keeps(s, lay, span) else None
            if kept_xml is not None and not _refs_complete(kept_xml):
                kept_xml = None  # rows an older writer left without cell references: rendered again
    extra = s.extra
    kept = dict(old.children) if old else {}
    freeze = layout.freeze(s, lay)
    head = [_sheet_pr(kept.get("sheetPr", ""), bool(extra.get("fit_to_width"))),
            f'<dimension ref="A1:{col_letter(lay.ncols)}{lay.last_row}"/>',
            _sheet_views(kept.get("sheetViews"), freeze),
            kept.get("sheetFormatPr", '<sheetFormatPr defaultRowHeight="15"/>')]
    if s.widths:
        head.append("<cols>" + "".join(f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>'
                                       for j, w in enumerate(s.widths, 1) if w) + "</cols>")
    elif "cols" in kept:
        head.append(kept["cols"])
    tail = {k: v for k, v in kept.items() if k in _TAIL_KEEP}
    if "extLst" in tail:  # the sheet's conditional formats are not kept: nor their x14 halves
        ext = _without_x14_formats(tail["extLst"])
        if ext:
            tail["extLst"] = ext
        else:
            del tail["extLst"]
    filter_ref = _autofilter_ref(s, lay, kept)
    if filter_ref:
        tail["autoFilter"] = f'<autoFilter ref="{filter_ref}"/>'
    merges = extra.get("merge") or ()
    if merges:
        tail["mergeCells"] = f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"/>' for r1, c1, r2, c2 in merges
        ) + "</mergeCells>"
    tail.setdefault("pageMargins", _DEFAULT_MARGINS)
    setup = _page_setup(tail.get("pageSetup", ""), extra)
    if setup:
        tail["pageSetup"] = setup
    breaks = extra.get("row_breaks") or ()
    if breaks:
        tail["rowBreaks"] = (f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">'
                             + "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in breaks) + "</rowBreaks>")
    if old:
        root, close = _with_default_ns(old.root) if old.prefix else old.root, f"</{old.prefix}worksheet>"
    else:
        root, close = f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">', "</worksheet>"
    rows = _SheetRows(s, lay, styles, date1904, kept_xml, s.extra["kept_rows"]) if kept_xml else \
        _SheetRows(s, lay, styles, date1904)
    job = _SheetJob(part, _XML_DECL + root + "".join(head) + "<sheetData>", rows,
                    "</sheetData>" + "".join(tail[k] for k in _TAIL_ORDER if k in tail) + close)
    return job, filter_ref


# ---------------------------------------------------------------- workbook-level edits
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


class _BookEdit:
    """The package parts a write changes: workbook, its rels, content types, styles, sheets."""

    def __init__(self, pkg: _Package):
        self.pkg = pkg
        self.workbook = pkg.workbook
        self.rels = pkg.rels
        self.types = pkg.content_types
        self.parts: Dict[str, "bytes | _Packed"] = {}
        self.jobs: List[_SheetJob] = []
        self.removed: Set[str] = set()
        self.filters: Dict[int, Tuple[str, Optional[str]]] = {}  # sheet index -> (name, autofilter ref)
        self.sheet_count = len(pkg.sheets)
        styles_part = pkg.part_of_type("/styles")
        if styles_part is None:
            styles_part = posixpath.join(posixpath.dirname(pkg.workbook_part), "styles.xml")
            self._add_part(styles_part, NS_REL + "/styles", STYLES_CT)
            self.styles = _Styles(_MINIMAL_STYLES)
        else:
            self.styles = _Styles(pkg.text(styles_part))
        self.styles_part = styles_part

    def put_sheet(self, s: SheetOut, packs: Optional[Dict[str, _KeptPack]] = None) -> None:
        ref = self.pkg.find(s.name)
        pack = None
        if ref is not None:
            if ref.part not in self.pkg.infos:
                raise WorkbookError(f"工作表「{ref.name}」的内容缺失，工作簿已损坏。")
            part, index, name = ref.part, self.pkg.sheets.index(ref), ref.name
            info = self.pkg.infos[part]
            pack = (packs or {}).get(part)
            if pack is not None and (pack.crc, pack.size) != (info.CRC, info.file_size):
                pack = None  # packed from another version of the part
            data = pack.rest if pack is not None else self.pkg.read(part)
            old = _old_sheet(data)
        else:
            part, index, name = self._add_sheet(s.name), self.sheet_count, s.name
            self.sheet_count += 1
            old, data = None, b""
        job, filter_ref = _sheet_job(part, s, self.styles, old, self.pkg.date1904,
                                     data if old is not None and pack is None else b"", pack)
        self.jobs.append(job)
        self.parts[part] = b""  # rendered by render_sheets()
        self.filters[index] = (name, filter_ref)
        if old is not None and "tableParts" in old.children:
            self._resize_tables(part, s)

    def _resize_tables(self, part: str, s: SheetOut) -> None:
        """An owned sheet someone made an Excel table: the table covers the header and the rows written,
        its columns named by the header (a table left at its old size would cut or pad the data)."""
        lay = _layout(s)
        if not lay.header_row:
            return
        rels = self.pkg._rels(posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"),
                              posixpath.dirname(part))
        for target, kind in rels.values():
            if not kind.endswith("/table") or target not in self.pkg.infos:
                continue
            xml = self.pkg.text(target)
            last = max(lay.last_row, lay.header_row + 1)
            ref = f"A{lay.header_row}:{col_letter(lay.ncols)}{last}"
            xml = _resized_table(xml, ref, [str(h) for h in s.header] +
                                 [f"列{j}" for j in range(len(s.header) + 1, lay.ncols + 1)])
            self.parts[target] = xml.encode("utf-8")

    def edit_rows(self, e: RowEdit) -> None:
        """Apply a RowEdit to an existing sheet, growing its table (ref and autoFilter) to the last row."""
        ref = self.pkg.find(e.sheet)
        if ref is None or ref.part not in self.pkg.infos:
            raise WorkbookError(f"工作簿中没有工作表「{e.sheet}」")
        xml, last = _edit_sheet_xml(self.pkg.text(ref.part), e, self.styles, self.pkg.date1904)
        self.parts[ref.part] = xml.encode("utf-8")
        rels = self.pkg._rels(_sheet_rels_part(ref.part), posixpath.dirname(ref.part))
        for target, rel_type in rels.values():
            if rel_type.endswith("/table") and target in self.pkg.infos:
                t = self.pkg.text(target)
                grown = re.sub(r'(<(?:[\w.-]+:)?(?:table|autoFilter)\b[^>]*?\bref=")([^"]*)(")',
                               lambda m: m.group(1) + _grow_ref(m.group(2), last) + m.group(3), t)
                if grown != t:
                    self.parts[target] = grown.encode("utf-8")

    def _add_sheet(self, name: str) -> str:
        if not name or len(name) > 31 or _SHEET_NAME_BAD.search(name):
            raise ValueError(f"invalid sheet name {name!r}")
        taken = set(self.pkg.infos) | set(self.parts)
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in taken:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        rid = self._add_part(part, WS_TYPE, WS_CT)
        sheet_id = max([0] + [int(x) for x in re.findall(r'<(?:[\w.-]+:)?sheet\b[^>]*\bsheetId="(\d+)"',
                                                          self.workbook)]) + 1
        m = re.search(r'xmlns:([\w.-]+)="%s"' % re.escape(NS_REL), _root(self.workbook, "workbook")[0])
        rel_attr = f'{m.group(1)}:id="{rid}"' if m else f'xmlns:r="{NS_REL}" r:id="{rid}"'
        close = re.search(r"</((?:[\w.-]+:)?)sheets>", self.workbook)
        entry = f'<{close.group(1)}sheet name="{_esc(name)}" sheetId="{sheet_id}" {rel_attr}/>'
        self.workbook = self.workbook[:close.start()] + entry + self.workbook[close.start():]
        return part

    def _add_part(self, part: str, rel_type: str, content_type: str) -> str:
        """Register a new part with the workbook's rels and the content types; returns its rId."""
        ids = {int(x) for x in re.findall(r'\bId="rId(\d+)"', self.rels)}
        rid = f"rId{max(ids | {0}) + 1}"
        target = posixpath.relpath(part, posixpath.dirname(self.pkg.workbook_part) or ".")
        rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{_esc(target)}"/>'
        self.rels = self.rels.replace("</Relationships>", rel + "</Relationships>")
        override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
        self.types = self.types.replace("</Types>", override + "</Types>")
        return rid

    def restore_dynamic_arrays(self) -> List[str]:
        """Give the spilling KEFU functions back their dynamic-array flag after a foreign save.

        Excel spills a formula only when its cell says so (cm="1", pointing at
        the XLDAPR entry of xl/metadata.xml); LibreOffice and openpyxl drop
        both on save, and the cell becomes an old array formula (or #NAME?).
        On every sheet this write does not replace, an array formula calling
        SPILLING_FUNCTIONS without cm gets it back, and metadata.xml is
        written when missing.  Returns the cells restored; when metadata.xml
        exists but is not one this can extend, nothing is changed (`check`
        warns: dynamic_array_problems)."""
        done: List[str] = []
        meta_part = self.pkg.part_of_type("/sheetMetadata")
        if meta_part is not None and _XLDAPR_BLOCK not in self.pkg.text(meta_part):
            return done
        written = set(self.parts)
        for ref in self.pkg.sheets:
            part = self.pkg.part_of(ref.name)
            if part is None or part in written or part not in self.pkg.infos:
                continue
            data = self.pkg.read(part)
            if b"KEFU_" not in data:
                continue
            xml = data.decode("utf-8")
            new, cells = _flag_spills(xml)
            if cells:
                self.parts[part] = new.encode("utf-8")
                done += [f"{ref.name}!{c}" for c in cells]
        if done and meta_part is None:
            part = posixpath.join(posixpath.dirname(self.pkg.workbook_part), "metadata.xml")
            self._add_part(part, NS_REL + "/sheetMetadata", METADATA_CT)
            self.parts[part] = METADATA_XML.encode("utf-8")
        return done

    def set_state(self, name: str, state: str) -> None:
        """hidden / veryHidden on the <sheet> entry of `name` (Excel keeps a very hidden sheet out of the
        Unhide list)."""
        for m in re.finditer(r"<(?:[\w.-]+:)?sheet\b[^>]*>", self.workbook):
            if _unesc(_attrs(m.group(0)).get("name", "")) == name or norm_text(_attrs(m.group(0)).get("name", "")) == norm_text(name):
                new = _set_attrs(m.group(0), {"state": state})
                self.workbook = self.workbook[:m.start()] + new + self.workbook[m.end():]
                return

    def set_properties(self, values: Dict[str, str]) -> None:
        """Set custom document properties (text), creating docProps/custom.xml when there is none."""
        part = _custom_part(self.pkg)
        props: List[Tuple[str, str]] = []
        if part is not None:
            try:
                for el in ET.fromstring(self.pkg.read(part)):
                    if _local(el.tag) == "property" and el.get("name") and el.get("name") not in values:
                        props.append((el.get("name"), ET.tostring(el, encoding="unicode")))
            except ET.ParseError:
                props = []
        pid = 2
        body = []
        for name, xml in props:  # kept as they were, renumbered
            xml = re.sub(r'\bpid="\d+"', f'pid="{pid}"', xml, count=1)
            body.append(xml)
            pid += 1
        for name, text in values.items():
            body.append(f'<property fmtid="{_PROPERTY_FMTID}" pid="{pid}" name="{_esc(name)}">'
                        f'<vt:lpwstr>{_esc(text)}</vt:lpwstr></property>')
            pid += 1
        xml = (_XML_DECL + f'<Properties xmlns="{NS_CUSTOM}" xmlns:vt="{NS_VT}">' + "".join(body) + "</Properties>")
        xml = xml.replace(f' xmlns="{NS_CUSTOM}"', "", 0)
        if part is None:
            part = CUSTOM_PART
            root = self.pkg.text("_rels/.rels") if "_rels/.rels" in self.pkg.infos else None
            if root is None:
                return
            ids = {int(x) for x in re.findall(r'\bId="rId(\d+)"', root)}
            rel = f'<Relationship Id="rId{max(ids | {0}) + 1}" Type="{CUSTOM_REL}" Target="{CUSTOM_PART}"/>'
            self.parts["_rels/.rels"] = root.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
            self.types = self.types.replace("</Types>", f'<Override PartName="/{CUSTOM_PART}" ContentType="{CUSTOM_CT}"/>'
                                            "</Types>")
        self.parts[part] = xml.encode("utf-8")

    def drop_calc_chain(self) -> None:
        """Remove calcChain.xml (Excel rebuilds it), its relationship and content type."""
        part = self.pkg.part_of_type("/calcChain")
        if part is None:
            return
        self.removed.add(part)
        self.rels = re.sub(r"<Relationship\b[^>]*\bType=\"[^\"]*/calcChain\"[^>]*/>", "", self.rels)
        self.types = re.sub(r'<Override\b[^>]*\bPartName="/%s"[^>]*/>' % re.escape(part), "", self.types)

    def full_calc_on_load(self) -> None:
        """<calcPr fullCalcOnLoad="1">: Excel recalculates every formula over what the close wrote when the
        file is opened (the live formulas on 函数 read the written sheets through their inputs)."""
        m = re.search(r"<((?:[\w.-]+:)?)calcPr\b[^>]*?/?>", self.workbook)
        if m:
            self.workbook = (self.workbook[:m.start()] + _set_attrs(m.group(0), {"fullCalcOnLoad": "1"})
                             + self.workbook[m.end():])
            return
        prefix = re.search(r"<((?:[\w.-]+:)?)sheets\b", self.workbook).group(1)
        after = None
        for tag in ("definedNames", "externalReferences", "functionGroups", "sheets"):
            found = re.search(r"</(?:[\w.-]+:)?%s>|<(?:[\w.-]+:)?%s\b[^>]*/>" % (tag, tag), self.workbook)
            if found:
                after = found.end()
                break
        self.workbook = self.workbook[:after] + f'<{prefix}calcPr fullCalcOnLoad="1"/>' + self.workbook[after:]

    def _set_filter_names(self) -> None:
        """One hidden _xlnm._FilterDatabase name per written sheet with an autofilter (as Excel keeps them)."""
        if not self.filters:
            return
        names = re.compile(r"<((?:[\w.-]+:)?)definedName\b([^>]*)>(.*?)</\1definedName>", re.S)

        def stale(m):
            a = _attrs(m.group(2))
            return a.get("name") == "_xlnm._FilterDatabase" and a.get("localSheetId", "").isdigit() \
                and int(a["localSheetId"]) in self.filters
        self.workbook = names.sub(lambda m: "" if stale(m) else m.group(0), self.workbook)
        prefix = re.search(r"<((?:[\w.-]+:)?)sheets\b", self.workbook).group(1)
        new = "".join(
            f'<{prefix}definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_esc(_quote_sheet(name))}!{_absolute(ref)}</{prefix}definedName>"
            for i, (name, ref) in sorted(self.filters.items()) if ref)
        if not new:
            return
        block = re.search(r"</(?:[\w.-]+:)?definedNames>", self.workbook)
        if block:
            self.workbook = self.workbook[:block.start()] + new + self.workbook[block.start():]
            return
        empty = re.search(r"<(?:[\w.-]+:)?definedNames\s*/>", self.workbook)
        if empty:
            self.workbook = (self.workbook[:empty.start()] + f"<{prefix}definedNames>{new}</{prefix}definedNames>"
                             + self.workbook[empty.end():])
            return
        after = None
        for tag in ("externalReferences", "functionGroups", "sheets"):
            m = re.search(r"</(?:[\w.-]+:)?%s>|<(?:[\w.-]+:)?%s\b[^>]*/>" % (tag, tag), self.workbook)
            if m:
                after = m.end()
                break
        self.workbook = (self.workbook[:after] + f"<{prefix}definedNames>{new}</{prefix}definedNames>"
                         + self.workbook[after:])

    def render_sheets(self) -> None:
        """Render the worksheets of put_sheet, deflated (in two processes when large; see _render)."""
        self.parts.update(_render(self.jobs, self.styles))

    def finish(self) -> Dict[str, "bytes | _Packed"]:
        """All changed and new parts, by name (call after render_sheets: rendering may add styles)."""
        self._set_filter_names()
        styles = self.styles.text()
        if styles != self.styles.source or self.styles_part not in self.pkg.infos:
            self.parts[self.styles_part] = styles.encode("utf-8")
        for name, text, old in ((self.pkg.workbook_part, self.workbook, self.pkg.workbook),
                                (self.pkg.rels_part, self.rels, self.pkg.rels),
                                ("[Content_Types].xml", self.types, self.pkg.content_types)):
            if text != old:
                self.parts[name] = text.encode("utf-8")
        return self.parts


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:K20 -> $A$1:$K$20."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


# ---------------------------------------------------------------- rendering worksheets
class _Packed(NamedTuple):
    """A deflated zip member: the raw deflate stream, the CRC-32 and size of what it holds."""
    packed: bytes
    crc: int
    size: int


PARALLEL_CELLS = 600_000  # from this many cells the worksheets are rendered in two processes (where fork exists;
# below it the fork and the child's copy-on-write page faults cost more than they save: see bench/RESULTS.md)
_BATCH_ROWS = 4096  # rows rendered, encoded and deflated at a time
_KEPT_PIECE = 1 << 22  # kept rows' XML is deflated this many bytes at a time


def _slices(data: "bytes | memoryview") -> Iterator[bytes]:
    """Kept rows' XML in pieces of _KEPT_PIECE bytes (the whole never copied at once)."""
    for at in range(0, len(data), _KEPT_PIECE):
        yield bytes(data[at:at + _KEPT_PIECE])


def _deflate(pieces: Iterable["str | bytes"], final: bool) -> _Packed:
    """Deflate pieces as they come (from a generator, the whole part is never in memory).  A stream
    that is not final ends on a byte boundary (Z_SYNC_FLUSH), so the next one can be appended to it."""
    comp = codec.compressor()
    crc32 = codec.crc32
    out, crc, size = [], 0, 0
    for piece in pieces:
        data = piece if piece.__class__ is bytes else piece.encode("utf-8")
        crc = crc32(data, crc)
        size += len(data)
        out.append(comp.compress(data))
    out.append(comp.flush(codec.Z_FINISH if final else codec.Z_SYNC_FLUSH))
    return _Packed(b"".join(out), crc, size)


def _join(packs: Sequence[_Packed]) -> _Packed:
    """One member from deflate streams appended in order (all but the last end on Z_SYNC_FLUSH)."""
    crc, size = packs[0].crc, packs[0].size
    for p in packs[1:]:
        crc = codec.crc32_combine(crc, p.crc, p.size)
        size += p.size
    return _Packed(b"".join(p.packed for p in packs), crc, size)


class _Segment(NamedTuple):
    job: int  # index into the jobs
    lo: int
    hi: int
    first: bool
    last: bool
    cells: int


def _segments(jobs: Sequence[_SheetJob], halves: bool) -> List[_Segment]:
    """Each sheet as one segment, or large sheets in two halves."""
    out = []
    for k, job in enumerate(jobs):
        n, cells = job.rows.count, job.rows.cells()
        if halves and n >= 2 * _BATCH_ROWS:
            mid = n // 2
            out += [_Segment(k, 0, mid, True, False, cells // 2), _Segment(k, mid, n, False, True, cells - cells // 2)]
        else:
            out.append(_Segment(k, 0, n, True, True, cells))
    return out


def _render_segment(job: _SheetJob, seg: _Segment) -> _Packed:
    """A segment's XML, deflated: in the first, the head, title and header rows and the kept rows
    (as bytes to deflate, or deflated already by pack_rows); then its rows; in the last, the tail."""
    def rows():
        for lo in range(seg.lo, seg.hi, _BATCH_ROWS):
            yield job.rows.xml(lo, min(lo + _BATCH_ROWS, seg.hi))
        if seg.last:
            yield job.tail

    if not seg.first:
        return _deflate(rows(), seg.last)
    top, kept = job.head + job.rows.top_xml(), job.rows.kept
    if isinstance(kept, _Packed):
        return _join([_deflate([top], False), kept, _deflate(rows(), seg.last)])
    pieces = itertools.chain([top], _slices(kept), rows())
    return _deflate(pieces, seg.last)


def _styles_added(styles: "_Styles") -> int:
    return sum(len(v) for v in styles.added.values())


def _render(jobs: Sequence[_SheetJob], styles: "_Styles") -> Dict[str, _Packed]:
    """Every job's worksheet, deflated.

    Large writes use both cores: large sheets are cut in two, and a forked
    child renders about half of the cells into a temporary file while this
    process renders the rest; the deflate streams are joined in order.
    Where the child cannot help (no fork, it failed, or its rows needed a cell
    format this process had not registered yet) this process renders its
    segments too, so the result is always the same.
    """
    LAST_RENDER.clear()
    total = sum(j.rows.cells() for j in jobs)
    parallel = total >= PARALLEL_CELLS and aside.CAN_FORK
    segs = _segments(jobs, parallel)
    done: Dict[int, _Packed] = {}
    child = None
    if parallel:  # largest first, each to the less loaded of the two processes
        loads, parts = [0, 0], ([], [])
        for i in sorted(range(len(segs)), key=lambda i: -segs[i].cells):
            k = 0 if loads[0] <= loads[1] else 1
            loads[k] += segs[i].cells + 1000  # a segment costs a little even without rows
            parts[k].append(i)
        mine, theirs = sorted(parts[0]), sorted(parts[1])
        child = aside.start(_render_in_child, jobs, segs, theirs, styles, _styles_added(styles)) if theirs else None
        if child is None or not child.forked:
            child, mine = None, list(range(len(segs)))
    else:
        mine = list(range(len(segs)))
    for i in mine:
        done[i] = _render_segment(jobs[segs[i].job], segs[i])
    if child is not None:
        got, stats = child.value((None, {}))  # where the child gave nothing, this process renders its part
        LAST_RENDER.update(stats)
        for i in theirs:
            done[i] = got[i] if got is not None and i in got else _render_segment(jobs[segs[i].job], segs[i])
    out: Dict[str, _Packed] = {}
    for k, job in enumerate(jobs):
        out[job.part] = _join([done[i] for i, g in enumerate(segs) if g.job == k])
    return out


LAST_RENDER: Dict[str, float] = {}  # the last render's child, for benchmarks: private memory (MB), seconds


def _render_in_child(jobs, segs, which: List[int], styles, before: int):
    """Segments `which`, rendered in a forked child (aside.py), with what the child cost.  Fails
    when rendering needed a cell format this process had not registered: it renders them itself."""
    started = time.perf_counter()
    got = {i: _render_segment(jobs[segs[i].job], segs[i]) for i in which}
    if _styles_added(styles) != before:
        raise RuntimeError("the rows needed a cell format the parent does not have")
    return got, {"child_private_mb": _private_mb(), "child_seconds": time.perf_counter() - started}


def _private_mb() -> float:
    """This process's own (not shared) memory in MB, where /proc tells it."""
    try:
        with open("/proc/self/smaps_rollup") as f:
            kb = sum(int(line.split()[1]) for line in f if line.startswith(("Private_Clean", "Private_Dirty")))
        return kb / 1024
    except OSError:
        return 0.0


# ---------------------------------------------------------------- zip writing
_BIG_PART = 1 << 20  # new parts larger than this are deflated at level 1 (fast; ~10% larger)


class _ZipOut:
    """A minimal zip writer that can copy members' compressed bytes as they are."""

    def __init__(self, fp):
        self.fp = fp
        self.central: List[bytes] = []

    def _entry(self, name: str, method: int, crc: int, csize: int, size: int, date_time, flags: int,
               ext_attr: int = 0) -> None:
        if max(csize, size, self.fp.tell()) >= 0xFFFFFFFF:
            raise WorkbookError("工作簿超过 4 GB，无法写入")
        raw = name.encode("utf-8")
        flags = (flags & ~0x08 & ~0x800) | (0 if name.isascii() else 0x800)
        y, mo, d, h, mi, s = date_time
        t, day = (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d
        offset = self.fp.tell()
        self.fp.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, t, day, crc, csize, size,
                                  len(raw), 0) + raw)
        self.central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, t, day, crc, csize, size,
                                        len(raw), 0, 0, 0, 0, ext_attr, offset) + raw)

    def copy(self, src, info: zipfile.ZipInfo) -> None:
        """Copy a member's compressed data unchanged (no recompression)."""
        src.seek(info.header_offset)
        local = src.read(30)
        if local[:4] != b"PK\x03\x04":
            raise WorkbookError(f"工作簿文件已损坏（{info.filename}）")
        nlen, xlen = struct.unpack("<2H", local[26:30])
        src.seek(info.header_offset + 30 + nlen + xlen)
        data = src.read(info.compress_size)
        if len(data) != info.compress_size:
            raise WorkbookError(f"工作簿文件不完整（{info.filename}）")
        self._entry(info.filename, info.compress_type, info.CRC, info.compress_size, info.file_size, info.date_time,
                    info.flag_bits, info.external_attr)
        self.fp.write(data)

    def add(self, name: str, data: bytes, date_time=(1980, 1, 1, 0, 0, 0)) -> None:
        comp = codec.compressor(small=len(data) <= _BIG_PART)
        packed = comp.compress(data) + comp.flush()
        self._entry(name, zipfile.ZIP_DEFLATED, codec.crc32(data), len(packed), len(data), date_time, 0)
        self.fp.write(packed)

    def put(self, name: str, data: "bytes | _Packed", date_time=(1980, 1, 1, 0, 0, 0)) -> None:
        if isinstance(data, _Packed):
            self._entry(name, zipfile.ZIP_DEFLATED, data.crc, len(data.packed), data.size, date_time, 0)
            self.fp.write(data.packed)
        else:
            self.add(name, data, date_time)

    def finish(self) -> None:
        start = self.fp.tell()
        self.fp.write(b"".join(self.central))
        size = self.fp.tell() - start
        n = len(self.central)
        self.fp.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, size, start, 0))


# ---------------------------------------------------------------- dynamic arrays (spilling functions)
SPILLING_FUNCTIONS = ("KEFU_BOARD", "KEFU_EXPLAIN")  # the UDFs that return a table (kefu_xl.excel.udfs)
METADATA_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
_XLDAPR_BLOCK = ('<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
                 '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
                 '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>')
METADATA_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<metadata xmlns="{NS_MAIN}" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/'
                'dynamicarray"><metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
                'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
                f'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>{_XLDAPR_BLOCK}</metadata>')
_ARRAY_CELL = re.compile(r"<((?:[\w.-]+:)?)c\b([^>]*)>(\s*<\1f\b[^>]*\bt=\"array\"[^>]*>([^<]*)</\1f>)")


def _spilling(formula: str) -> bool:
    return any(re.search(r"\b%s\(" % name, formula) for name in SPILLING_FUNCTIONS)


def _flag_spills(xml: str) -> Tuple[str, List[str]]:
    """Worksheet XML with cm="1" on every array-formula cell that calls a spilling function and lacks it."""
    cells: List[str] = []

    def fix(m):
        attrs = m.group(2)
        if re.search(r"\bcm\s*=", attrs) or not _spilling(_unesc(m.group(4))):
            return m.group(0)
        ref = re.search(r'\br="([A-Z]+\d+)"', attrs)
        cells.append(ref.group(1) if ref else "?")
        return f'<{m.group(1)}c{attrs} cm="1">{m.group(3)}'
    return _ARRAY_CELL.sub(fix, xml), cells


def dynamic_array_problems(path) -> List[str]:
    """Cells of the workbook whose spilling KEFU function lost its dynamic-array flag and that a write
    cannot give it back (a metadata.xml of another program): for `check` to warn about."""
    pkg = _Package(path)
    try:
        meta_part = pkg.part_of_type("/sheetMetadata")
        fixable = meta_part is None or _XLDAPR_BLOCK in pkg.text(meta_part)
        out = []
        for ref in pkg.sheets:
            part = pkg.part_of(ref.name)
            if part is None or part not in pkg.infos:
                continue
            data = pkg.read(part)
            if b"KEFU_" in data:
                _, cells = _flag_spills(data.decode("utf-8"))
                out += [f"{ref.name}!{c}" for c in cells]
        return [] if fixable else out
    finally:
        pkg.close()


# ---------------------------------------------------------------- charts sized to the data
_SER = re.compile(r"<((?:[\w.-]+:)?)ser>(.*?)</\1ser>", re.S)
_CACHE = re.compile(r"<((?:[\w.-]+:)?)(?:strCache|numCache)\b.*?</\1(?:strCache|numCache)>|"
                    r"<(?:[\w.-]+:)?(?:strCache|numCache)\s*/>", re.S)


def _quote_ref(sheet: str, a1: str) -> str:
    return f"{_quote_sheet(sheet)}!{_absolute(a1)}"


def _with_ref(body: str, prefix: str, block: str, ref: str) -> str:
    """The series body with the formula (<c:f>) inside its <c:tx>/<c:cat>/<c:val> block set to ref."""
    m = re.search(r"<%s%s>(.*?)</%s%s>" % (re.escape(prefix), block, re.escape(prefix), block), body, re.S)
    if m is None:
        return body
    inner = re.sub(r"<%sf>.*?</%sf>" % (re.escape(prefix), re.escape(prefix)),
                   lambda _: f"<{prefix}f>{_esc(ref)}</{prefix}f>", m.group(1), count=1, flags=re.S)
    return body[:m.start(1)] + inner + body[m.end(1):]


def resize_chart(xml: str, chart: dict) -> str:
    """A chart part with its series rewritten to `chart` (reports.sized_charts): one series per entry,
    made from the first series of the part, its ranges and index set, cached values dropped (Excel and
    LibreOffice read the ranges)."""
    found = list(_SER.finditer(xml))
    if not found:
        return xml
    prefix, template = found[0].group(1), found[0].group(2)
    sheet = chart["sheet"]
    new = []
    for i, series in enumerate(chart["series"]):
        body = _CACHE.sub("", template)
        body = re.sub(r"<%sidx val=\"\d+\"\s*/>" % re.escape(prefix), f'<{prefix}idx val="{i}"/>', body, count=1)
        body = re.sub(r"<%sorder val=\"\d+\"\s*/>" % re.escape(prefix), f'<{prefix}order val="{i}"/>', body,
                      count=1)
        body = _with_ref(body, prefix, "tx", _quote_ref(sheet, series["name"]))
        body = _with_ref(body, prefix, "cat", _quote_ref(sheet, chart["categories"]))
        body = _with_ref(body, prefix, "val", _quote_ref(sheet, series["values"]))
        new.append(f"<{prefix}ser>{body}</{prefix}ser>")
    return xml[:found[0].start()] + "".join(new) + xml[found[-1].end():]


def _chart_edits(pkg: "_Package", charts: Sequence[dict]) -> Dict[str, bytes]:
    """The chart parts of the package whose title names one of `charts`, resized."""
    by_title = {_esc(c["title"]): c for c in charts}
    out = {}
    for name in pkg.infos:
        if not re.match(r"xl/charts/chart\d+\.xml$", name):
            continue
        xml = pkg.text(name)
        for title, chart in by_title.items():
            if f">{title}<" in xml:
                new = resize_chart(xml, chart)
                if new != xml:
                    out[name] = new.encode("utf-8")
                break
    return out


class RowEdit(NamedTuple):
    """Rows written into an input sheet in place (kefu-xl import): everything else of the sheet is kept.

    The rows in `clear`, and every row from `clear_from` on (0: none), are
    emptied; `rows` are written from sheet row `at` on (each a tuple of values
    in column order from A).  The sheet's table and its data validations grow
    to cover the new rows; they never shrink.
    """
    sheet: str
    at: int
    rows: Tuple[tuple, ...] = ()
    clear: Tuple[int, ...] = ()
    clear_from: int = 0


_ROW_ELEMENT = re.compile(r"<((?:[\w.-]+:)?)row\b([^>]*?)(?:/>|>.*?</\1row>)", re.S)
_REF_RANGE = re.compile(r"^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$")


def _grow_refs(sqref: str, first: int, last: int) -> str:
    """Ranges of a sqref starting at or above `first` (the data area) reaching below `last`'s row kept; the
    ones ending above `last` extended to it."""
    out = []
    for part in sqref.split():
        m = _REF_RANGE.match(part)
        if m and m.group(3) and int(m.group(2)) <= first and int(m.group(4)) < last:
            part = f"{m.group(1)}{m.group(2)}:{m.group(3)}{last}"
        out.append(part)
    return " ".join(out)


def _grow_ref(ref: str, last: int) -> str:
    m = _REF_RANGE.match(ref)
    if m and m.group(3) and int(m.group(4)) < last:
        return f"{m.group(1)}{m.group(2)}:{m.group(3)}{last}"
    return ref


def _edit_sheet_xml(xml: str, e: RowEdit, styles: "_Styles", date1904: bool) -> Tuple[str, int]:
    """The worksheet with the edit applied, and its last row."""
    start = re.search(r"<((?:[\w.-]+:)?)sheetData\s*(/?)>", xml)
    if start is None:
        raise WorkbookError(f"工作表「{e.sheet}」已损坏（没有 sheetData）")
    prefix = start.group(1)
    if start.group(2):
        body, head, tail = "", xml[:start.start()], xml[start.end():]
    else:
        end = xml.find(f"</{prefix}sheetData>", start.end())
        body, head, tail = xml[start.end():end], xml[:start.start()], xml[end + len(f"</{prefix}sheetData>"):]
    rows: Dict[int, str] = {}
    for m in _ROW_ELEMENT.finditer(body):
        num = re.search(r"""\br\s*=\s*["'](\d+)["']""", m.group(2))
        if num is None:
            raise WorkbookError(f"工作表「{e.sheet}」的行没有行号，无法安全写入")
        rows[int(num.group(1))] = m.group(0)
    drop = set(e.clear)
    new_range = range(e.at, e.at + len(e.rows))
    for r in list(rows):
        if r in drop or (e.clear_from and r >= e.clear_from) or r in new_range:
            del rows[r]
    width = max((len(r) for r in e.rows), default=0)
    letters = [col_letter(j + 1) for j in range(width)]
    st = _RowStyles(styles, [GENERAL] * width)
    for i, values in enumerate(e.rows):
        x = _row_xml(e.at + i, values, letters, st, date1904)
        rows[e.at + i] = x.replace("<row ", f"<{prefix}row ", 1).replace("</row>", f"</{prefix}row>") \
            if prefix else x
    last = max(rows, default=1)
    data = "".join(rows[r] for r in sorted(rows))
    head = re.sub(r'(<(?:[\w.-]+:)?dimension\b[^>]*\bref=")([^"]*)(")',
                  lambda m: m.group(1) + _grow_ref(m.group(2) if ":" in m.group(2) else m.group(2) + ":" +
                                                   m.group(2), last) + m.group(3), head, count=1)
    tail = re.sub(r'(<(?:[\w.-]+:)?dataValidation\b[^>]*\bsqref=")([^"]*)(")',
                  lambda m: m.group(1) + _grow_refs(m.group(2), 2, last) + m.group(3), tail)
    return f"{head}<{prefix}sheetData>{data}</{prefix}sheetData>{tail}", last


def _sheet_rels_part(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def write_sheets(src_path, dst_path, sheets: Sequence[SheetOut], packs: Optional[Dict[str, _KeptPack]] = None,
                 charts: Sequence[dict] = (), edits: Sequence["RowEdit"] = (),
                 properties: Optional[Dict[str, str]] = None) -> None:
    """dst = src with the given sheets replaced (or added at the end); every other part copied unchanged.

    calcChain.xml is dropped (Excel rebuilds it) and fullCalcOnLoad set.  src and dst must differ.
    `packs`: pack_rows of src, made earlier (used for the parts it matches).  `charts`
    (reports.sized_charts): the template's charts, found by title, get series sized to the data.
    `edits` write rows into existing sheets in place (RowEdit: kefu-xl import).
    `properties`: custom document properties to set (text), in docProps/custom.xml.
    A sheet whose extra has ``hidden`` ("hidden"/"veryHidden") gets that state.
    """
    if os.path.abspath(src_path) == os.path.abspath(dst_path):
        raise ValueError("write_sheets needs a destination other than its source")
    if len({norm_text(s.name) for s in sheets}) != len(sheets):
        raise ValueError("a sheet is given twice")
    pkg = _Package(src_path)
    try:
        edit = _BookEdit(pkg)
        for s in sheets:
            edit.put_sheet(s, packs)
            if s.extra.get("hidden"):
                edit.set_state(s.name, s.extra["hidden"])
        for e in edits:
            edit.edit_rows(e)
        if properties:
            edit.set_properties(properties)
        edit.render_sheets()
        edit.drop_calc_chain()
        edit.full_calc_on_load()
        edit.restore_dynamic_arrays()
        parts = edit.finish()
        parts.update(_chart_edits(pkg, charts))
        with open(dst_path, "wb") as fp, open(pkg.path, "rb") as src:
            out = _ZipOut(fp)
            for name, info in pkg.infos.items():
                if name in edit.removed:
                    continue
                if name in parts:
                    out.put(name, parts.pop(name), info.date_time)
                else:
                    out.copy(src, info)
            for name, data in parts.items():
                out.put(name, data)
            out.finish()
    finally:
        pkg.close()


# ---------------------------------------------------------------- atomic save
def lock_files(path) -> List[Path]:
    """Lock files that Excel/WPS (~$name) and LibreOffice (.~lock.name#) keep while a workbook is open."""
    p = Path(path)
    candidates = [p.with_name("~$" + p.name), p.with_name(f".~lock.{p.name}#")]
    if len(p.stem) > 2:  # Office shortens long names: ~$ replaces the first two characters
        candidates.insert(1, p.with_name("~$" + p.name[2:]))
    return [c for c in candidates if c.exists()]


def _locked(path: Path, lock: str) -> WorkbookLocked:
    return WorkbookLocked(f"工作簿「{path.name}」正在被 Excel、WPS 或 LibreOffice 打开（发现锁文件 {lock}），"
                          "请先关闭它再运行。如果它并没有打开，可以删除这个锁文件后重试。")


def atomic_replace(path, build: Callable[[str], None], guard: Optional[Callable[[], None]] = None) -> None:
    """All or nothing: `build(tmp)` writes the new version to a temporary file in the same folder,
    which then replaces `path`; the previous version is kept as `<path>.bak`.

    Refuses (WorkbookLocked) while the workbook is open elsewhere.  `guard()`,
    called just before the backup and the rename, may refuse too (the workbook
    lock's check that the file is still the one that was read).  On any
    failure the temporary file is removed and `path` is untouched.  (The
    temporary files a killed run leaves are removed by the next run when it
    takes the workbook lock: lock.py.)
    """
    path = Path(path)
    locks = lock_files(path)
    if locks:
        raise _locked(path, locks[0].name)
    fault_point("before-temp")
    tmp = _temp_beside(path, path.suffix)
    try:
        build(tmp)
        fault_point("before-fsync")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        fault_point("temp-written")
        if guard is not None:
            guard()
        fault_point("before-backup")
        if path.exists():
            _backup(path)
        fault_point("after-backup")
        fault_point("before-replace")
        try:
            os.replace(tmp, path)
        except PermissionError:  # Windows: the file is open in another program
            raise _locked(path, path.name) from None
        fault_point("after-replace")
        _fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


TEMP_PREFIX = ".kefu-"


def _temp_prefix(path: Path) -> str:
    return f"{TEMP_PREFIX}{path.name}."  # payslips.py's private folders share it


def _temp_beside(path: Path, suffix: str) -> str:
    """A private (0600) temporary file beside the workbook, named after it (so a later run can find it)."""
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=suffix, dir=str(path.parent))
    os.close(fd)
    return tmp


def remove_stale_temps(path) -> List[str]:
    """Remove temporary files a killed run left beside the workbook; their names, for a test."""
    path = Path(path)
    prefix = _temp_prefix(path)
    gone = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return gone
    for name in names:
        if name.startswith(prefix):
            try:
                target = path.parent / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)  # a private folder of payslip temporaries
                else:
                    os.unlink(target)
                gone.append(name)
            except OSError:
                pass
    return gone


def _backup(path: Path) -> None:
    """Keep the current version as <path>.bak, itself atomically: a second name for the same file
    (the new version is a new file, so the old one stays as it is), or a copy where the file
    system has no hard links."""
    tmp = _temp_beside(path, ".bak")
    try:
        try:
            os.unlink(tmp)
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, path.with_name(path.name + ".bak"))
        if os.path.exists(tmp):  # the .bak was already a link to this very file: rename() did nothing
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:  # Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
