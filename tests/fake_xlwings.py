"""A stand-in for the bits of the xlwings object model that kefu_xl.macros uses.

Cells live in a dict; `used_range.options(ndim=2).value` returns lists of lists
the way xlwings does (numbers as float, dates as datetime, empty as None).

Every assignment of a value goes through `excel_typed`, this double's own
model of what Excel does with a value assigned through ``Range.Value`` (as if
the user had typed it): text starting with = + - @ is a formula (or an error
Excel raises as 0x800A03EC), text that looks like a number, a percentage, a
date in the zh-CN forms or TRUE/FALSE becomes one, a leading apostrophe
marks text (and is not kept), and a cell formatted "@" keeps text as typed
(and turns a number put into it into text).  It is written from Excel's
behaviour, independently of kefu_xl's writer, so a writer that lets Excel
retype a value fails here.

Each call that would cross into Excel (a sheet looked up, a range made, a
property read or set) adds one to `book.trips`.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

TODAY = dt.date(2026, 12, 2)  # the year Excel gives "11月3日"


class FakeComError(Exception):
    """What pywintypes.com_error looks like to the caller: Excel refused a value."""

    def __init__(self, hresult="0x800A03EC", text=""):
        super().__init__(f"({hresult}) {text}")
        self.hresult = hresult


class FakeFormula(str):
    """A cell that holds a formula (kept as its text)."""


_NUM = re.compile(r"^[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATES = (
    (re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})[-/](\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), ("y", "m")),
    (re.compile(r"^(\d{1,2})月(\d{1,2})日$"), ("m", "d")),
    (re.compile(r"^(\d{1,2})[-/](\d{1,2})$"), ("m", "d")),
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(:(\d{2}))?$")
ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")


def _number(text: str):
    t = text.strip()
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    neg = t.startswith("(") and t.endswith(")")
    if neg:
        t = t[1:-1]
    for cur in ("¥", "￥", "$"):
        if t.startswith(cur):
            t = t[1:]
    if not t or not _NUM.match(t) or not any(ch.isdigit() for ch in t):
        return None
    v = float(t.replace(",", ""))
    v = -v if neg else v
    return v / 100 if pct else v


def _date(text: str):
    t = text.strip()
    for rx, parts in _DATES:
        m = rx.match(t)
        if not m:
            continue
        got = dict(zip(parts, map(int, m.groups())))
        try:
            return dt.datetime(got.get("y", TODAY.year), got["m"], got.get("d", 1))
        except ValueError:
            return None
    m = _TIME.match(t)
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        return (int(m.group(1)) * 60 + int(m.group(2))) / 1440
    return None


def _general_text(v) -> str:
    """How a number shows in General (what Excel keeps when a number goes into a text cell)."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return f"{v.year}/{v.month}/{v.day}"
    return str(v)


def excel_typed(v, fmt: str = "General"):
    """The value Excel keeps for an assignment of v to a cell of number format fmt."""
    assert not isinstance(v, Decimal), "xlwings cannot take Decimal"
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return _general_text(v) if fmt == "@" else v
    if isinstance(v, (int, float)):
        return _general_text(float(v)) if fmt == "@" else float(v)
    if isinstance(v, dt.date):
        v = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
        return _general_text(v) if fmt == "@" else v
    if not isinstance(v, str):
        raise TypeError(f"xlwings cannot take {type(v).__name__}")
    if fmt == "@":
        return v
    if v.startswith("'"):
        return v[1:] or None
    head = v.lstrip()[:1]
    if head in ("=", "+", "-", "@"):
        n = _number(v.lstrip()[1:]) if head in ("+", "-") else None
        if n is not None:
            return -n if head == "-" else n
        if head == "=" and _number(v[1:]) is not None:
            return FakeFormula(v)
        raise FakeComError("0x800A03EC", f"Excel cannot take {v!r} as a formula")
    if v.strip().upper() in ("TRUE", "FALSE"):
        return v.strip().upper() == "TRUE"
    if v.strip() in ERRORS:
        return v.strip()
    n = _number(v)
    if n is not None:
        return n
    d = _date(v)
    if d is not None:
        return d
    return v


_A1 = re.compile(r"^\$?([A-Z]+)\$?(\d*)$")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _piece(text: str):
    """"B2:C9" / "B2" / "B:D" -> (r1, c1, r2, c2)."""
    a, _, b = text.partition(":")
    b = b or a
    ma, mb = _A1.match(a.upper()), _A1.match(b.upper())
    r1 = int(ma.group(2)) if ma.group(2) else 1
    r2 = int(mb.group(2)) if mb.group(2) else 1048576
    return r1, _col(ma.group(1)), r2, _col(mb.group(1))


class _Font:
    def __init__(self, rng):
        self._rng = rng

    @property
    def bold(self):
        self._rng.sheet.book.trips += 1
        return self._rng._first() in self._rng.sheet.bold

    @bold.setter
    def bold(self, on):
        self._rng.sheet.book.trips += 1
        for key in self._rng._keys():
            (self._rng.sheet.bold.add if on else self._rng.sheet.bold.discard)(key)


class FakeRange:
    def __init__(self, sheet, areas):
        self.sheet, self.areas = sheet, areas  # [(r1, c1, r2, c2)]
        self.row, self.column, self.r2, self.c2 = areas[0]
        sheet.book.trips += 1

    def options(self, ndim=None, **kw):
        return self

    def _first(self):
        return (self.row, self.column)

    def _keys(self):
        for r1, c1, r2, c2 in self.areas:
            if r2 >= 1048576:  # a whole column: up to the rows in use
                r2 = self.sheet.max_row()
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    yield (r, c)

    @property
    def font(self):
        self.sheet.book.trips += 1
        return _Font(self)

    @property
    def value(self):
        self.sheet.book.trips += 1
        return [[self.sheet.cells.get((r, c)) for c in range(self.column, self.c2 + 1)]
                for r in range(self.row, self.r2 + 1)]

    @value.setter
    def value(self, rows):
        self.sheet.book.trips += 1
        if not isinstance(rows, list) or (rows and not isinstance(rows[0], list)):
            rows = [[rows]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                key = (self.row + i, self.column + j)
                typed = excel_typed(v, self.sheet.formats.get(key, "General"))  # may raise, as Excel does
                if typed is None:
                    self.sheet.cells.pop(key, None)
                else:
                    self.sheet.cells[key] = typed

    @property
    def color(self):
        self.sheet.book.trips += 1
        return self.sheet.colors.get(self._first())

    @color.setter
    def color(self, rgb):
        self.sheet.book.trips += 1
        for key in self._keys():
            self.sheet.colors[key] = rgb

    @property
    def number_format(self):
        self.sheet.book.trips += 1
        return self.sheet.formats.get(self._first(), "General")

    @number_format.setter
    def number_format(self, fmt):
        self.sheet.book.trips += 1
        for key in self._keys():
            self.sheet.formats[key] = fmt

    @property
    def column_width(self):
        self.sheet.book.trips += 1
        return self.sheet.widths.get(self.column, 8.43)

    @column_width.setter
    def column_width(self, w):
        self.sheet.book.trips += 1
        for _, c1, _, c2 in self.areas:
            for c in range(c1, c2 + 1):
                self.sheet.widths[c] = w


class _SheetApi:
    """Worksheet.api: only Visible (-1 shown, 0 hidden, 2 very hidden)."""

    def __init__(self):
        self.Visible = -1


class _Property:
    def __init__(self, name, value):
        self.Name, self.Value = name, value


class _Properties(list):
    """Workbook.api.CustomDocumentProperties: iterate, Item(name), Add(name, link, type, value)."""

    def Item(self, name):
        for p in self:
            if p.Name == name:
                return p
        raise FakeComError("no such property")

    def Add(self, name, link, kind, value):
        assert kind == 4, "msoPropertyTypeString"
        self.append(_Property(name, value))


class _BookApi:
    def __init__(self):
        self.CustomDocumentProperties = _Properties()


class _Counted:
    def __init__(self, book):
        self._book = book

    def _trip(self):
        self._book.trips += 1


class FakeSeries(_Counted):
    def __init__(self, book, chart, formula=""):
        super().__init__(book)
        self._chart, self._formula = chart, formula

    @property
    def Formula(self):  # noqa: N802 (Excel's names)
        self._trip()
        return self._formula

    @Formula.setter
    def Formula(self, text):  # noqa: N802
        self._trip()
        assert text.startswith("=SERIES(") and text.endswith(")"), text
        self._formula = text

    def Delete(self):  # noqa: N802
        self._trip()
        self._chart.series.remove(self)


class _SeriesCollection(_Counted):
    def __init__(self, book, chart):
        super().__init__(book)
        self._chart = chart

    @property
    def Count(self):  # noqa: N802
        self._trip()
        return len(self._chart.series)

    def NewSeries(self):  # noqa: N802
        self._trip()
        s = FakeSeries(self._book, self._chart)
        self._chart.series.append(s)
        return s


class _Title:
    def __init__(self, chart):
        self._chart = chart

    @property
    def Text(self):  # noqa: N802
        self._chart._book.trips += 1
        return self._chart.title


class FakeChartCOM(_Counted):
    """Excel's Chart object: a title and a collection of series, each with its =SERIES(...) formula."""

    def __init__(self, book, title, formulas):
        super().__init__(book)
        self.title = title
        self.series = [FakeSeries(book, self, f) for f in formulas]

    @property
    def ChartTitle(self):  # noqa: N802
        self._trip()
        return _Title(self)

    def SeriesCollection(self, index=None):  # noqa: N802
        self._trip()
        if index is None:
            return _SeriesCollection(self._book, self)
        return self.series[index - 1]

    def formulas(self):
        return [s._formula for s in self.series]


class FakeChart:
    """xlwings' Chart: .api is (ChartObject, Chart) on Windows."""

    def __init__(self, com):
        self.com = com

    @property
    def api(self):
        self.com._book.trips += 1
        return (None, self.com)


class FakeSheet:
    def __init__(self, book, name):
        self.book, self._name = book, name
        self.cells, self.colors, self.formats, self.bold, self.widths = {}, {}, {}, set(), {}
        self._charts = []
        self.api = _SheetApi()

    @property
    def charts(self):
        self.book.trips += 1
        return list(self._charts)

    def add_chart(self, title, formulas):
        com = FakeChartCOM(self.book, title, formulas)
        self._charts.append(FakeChart(com))
        return com

    @property
    def name(self):
        self.book.trips += 1
        return self._name

    def max_row(self):
        """Whole-column ranges stop at the last row in use (a stand-in for 1,048,576 rows)."""
        return max([r for r, _ in self.cells] + [r for r, _ in self.formats] + [1]) + 1

    @property
    def used_range(self):
        self.book.trips += 1
        if not self.cells:
            return FakeRange(self, [(1, 1, 1, 1)])
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, [(min(rows), min(cols), max(rows), max(cols))])

    def range(self, a, b=None):
        if isinstance(a, str):
            assert b is None and len(a) <= 255, "Excel takes range addresses of at most 255 characters"
            return FakeRange(self, [_piece(p) for p in a.split(",")])
        if b is None:
            return FakeRange(self, [(a[0], a[1], a[0], a[1])])
        return FakeRange(self, [(a[0], a[1], b[0], b[1])])

    def put(self, r, c, v):
        """Load a stored value as a workbook already holds it (no typing: not an assignment)."""
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            v = float(v)
        elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            v = dt.datetime(v.year, v.month, v.day)
        if v is None or v == "":
            self.cells.pop((r, c), None)
        else:
            self.cells[(r, c)] = v

    def clear(self):
        self.book.trips += 1
        self.cells.clear()
        self.colors.clear()
        self.formats.clear()
        self.bold.clear()


class _Sheets(list):
    def __init__(self, book):
        super().__init__()
        self.book = book

    def __iter__(self):
        self.book.trips += 1 + len(self)
        return list.__iter__(self)

    def __len__(self):
        return list.__len__(self)

    def __getitem__(self, key):
        self.book.trips += 1
        if isinstance(key, str):
            for s in list.__iter__(self):
                if s._name == key:
                    return s
            raise KeyError(key)
        return list.__getitem__(self, key)

    def add(self, name, after=None):
        self.book.trips += 1
        s = FakeSheet(self.book, name)
        self.append(s)
        return s


class _App:
    def __init__(self):
        self.alerts = []

    def alert(self, prompt, title=None, **kw):
        self.alerts.append((title, prompt))


class FakeBook:
    def __init__(self):
        self.trips = 0
        self.sheets = _Sheets(self)
        self.app = _App()
        self.api = _BookApi()

    @classmethod
    def from_grids(cls, grids):
        """Load grids as a saved workbook holds them (ints as floats, dates as datetimes), untyped."""
        book = cls()
        for name, g in grids.items():
            sh = FakeSheet(book, name)
            list.append(book.sheets, sh)
            for i, row in enumerate(g.rows):
                for j, v in enumerate(row):
                    sh.put(g.first_row + i, g.first_col + j, v)
        book.trips = 0
        return book

    def add_template_charts(self, charts, sheet_name):
        """The template's charts (reports.CHARTS, fixed ranges) on the sheet they stand on."""
        from kefu_xl.excel.macros import series_formulas
        try:
            sh = self.sheet(sheet_name)
        except KeyError:
            sh = FakeSheet(self, sheet_name)
            list.append(self.sheets, sh)
        for c in charts:
            sh.add_chart(c["title"], series_formulas(c))
        self.trips = 0
        return sh

    def sheet(self, name):
        for s in list.__iter__(self.sheets):
            if s._name == name:
                return s
        raise KeyError(name)

    def values(self, name):
        sh = self.sheet(name)
        if not sh.cells:
            return []
        rows = [r for r, _ in sh.cells]
        cols = [c for _, c in sh.cells]
        return [[sh.cells.get((r, c)) for c in range(min(cols), max(cols) + 1)]
                for r in range(min(rows), max(rows) + 1)]
