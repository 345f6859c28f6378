"""A stand-in for the bits of the xlwings object model that kefu_xl.macros uses.

Cells live in a dict; `used_range.options(ndim=2).value` returns lists of lists
the way xlwings does (numbers as float, dates as datetime, empty as None).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal


class _Font:
    bold = False


class FakeRange:
    def __init__(self, sheet, r1, c1, r2=None, c2=None):
        self.sheet, self.row, self.column = sheet, r1, c1
        self.r2, self.c2 = r2 or r1, c2 or c1
        self.font = _Font()

    def options(self, ndim=None, **kw):
        return self

    @property
    def value(self):
        return [[self.sheet.cells.get((r, c)) for c in range(self.column, self.c2 + 1)]
                for r in range(self.row, self.r2 + 1)]

    @value.setter
    def value(self, rows):
        if not isinstance(rows, list) or (rows and not isinstance(rows[0], list)):
            rows = [[rows]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                assert not isinstance(v, Decimal), "xlwings cannot take Decimal"
                if isinstance(v, int) and not isinstance(v, bool):
                    v = float(v)
                if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                    v = dt.datetime(v.year, v.month, v.day)
                key = (self.row + i, self.column + j)
                if v is None or v == "":  # Excel keeps no empty strings
                    self.sheet.cells.pop(key, None)
                else:
                    self.sheet.cells[key] = v

    @property
    def color(self):
        return self.sheet.colors.get((self.row, self.column))

    @color.setter
    def color(self, rgb):
        for r in range(self.row, self.r2 + 1):
            for c in range(self.column, self.c2 + 1):
                self.sheet.colors[(r, c)] = rgb

    number_format = "General"
    column_width = 8.43


class FakeSheet:
    def __init__(self, book, name):
        self.book, self.name = book, name
        self.cells, self.colors = {}, {}

    @property
    def used_range(self):
        if not self.cells:
            return FakeRange(self, 1, 1)
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, a, b=None):
        if b is None:
            return FakeRange(self, a[0], a[1])
        return FakeRange(self, a[0], a[1], b[0], b[1])

    def clear(self):
        self.cells.clear()
        self.colors.clear()


class _Sheets(list):
    def __init__(self, book):
        super().__init__()
        self.book = book

    def __getitem__(self, key):
        if isinstance(key, str):
            for s in self:
                if s.name == key:
                    return s
            raise KeyError(key)
        return list.__getitem__(self, key)

    def add(self, name, after=None):
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
        self.sheets = _Sheets(self)
        self.app = _App()

    @classmethod
    def from_grids(cls, grids):
        """Load grids as xlwings would show them (ints as floats, dates as datetimes)."""
        book = cls()
        for name, g in grids.items():
            sh = book.sheets.add(name)
            sh.range((g.first_row, g.first_col)).value = [list(r) for r in g.rows]
        return book

    def values(self, name):
        sh = self.sheets[name]
        return sh.used_range.value if sh.cells else []
