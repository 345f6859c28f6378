"""Working days in mainland China: weekends, the State Council's public holidays and make-up working
days (调休), and the company's own days from the 节假日 sheet.  Every working-day count of the
product goes through one `Calendar`: E-6's publication window, B-5's objection window, a month's
scheduled working days and the paid days (计薪天数) of a part month.

Pure: a `Calendar` is made from the library's data (`library_data`, read once from the
``chinese_calendar`` package) and the sheet's rows (`CalendarDay`); it does no I/O.

The library.  ``chinese_calendar`` (PyPI ``chinesecalendar``) was chosen over ``holidays``: it is
China only and carries exactly what payroll needs — the days off, the make-up working days on a
Saturday or Sunday, and which weekdays off are swapped rest days (in lieu) rather than paid
holidays — and it is released once a year right after the State Council's notice (1.11.0 of
November 2025 covers 2004–2026).  ``holidays`` is released more often for many countries, but for
China it lists the holidays themselves; the make-up working days are not its model.  Either needs a
yearly update (``pip install -U chinesecalendar``) after the notice each November.

Kinds of day (the 节假日 sheet's 类型, which overrides the library for its dates):

* 班 — a working day, even on a Saturday or Sunday (调休上班, company working day).
* 休 — a paid day off: a statutory holiday, its substitute weekday, or a company day off.  Counts
  in 计薪天数 (paid days), never as a working day.
* 调休 — a rest day swapped for a 班 day (like a weekend: neither a working day nor a paid day).

Paid days (计薪天数, 劳社部发〔2008〕3号) = working days + paid days off.  A statutory holiday that
falls on a weekend is paid through its substitute weekday (as the library and the notice list it),
so a year still has 261 paid days (21.75 × 12).

A year the library does not cover (and no library installed at all) counts Monday to Friday plus
the sheet's rows; `missing_years` names such years so the close can warn on 问题.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import FrozenSet, Iterable, NamedTuple, Optional, Sequence, Tuple

from .model import Source

WORK = "班"
PAID_OFF = "休"
SWAPPED = "调休"
KINDS = (WORK, PAID_OFF, SWAPPED)
KIND_WORDS = {"班": WORK, "上班": WORK, "工作日": WORK, "补班": WORK, "休": PAID_OFF, "休息": PAID_OFF,
              "放假": PAID_OFF, "假": PAID_OFF, "法定": PAID_OFF, "调休": SWAPPED}

_DAY = _dt.timedelta(days=1)


class CalendarDay(NamedTuple):
    """One row of the 节假日 sheet."""

    date: _dt.date
    kind: str  # WORK / PAID_OFF / SWAPPED
    note: str = ""
    src: Source = Source("节假日")


@dataclass(frozen=True)
class LibraryData:
    """What the holiday library knows: its years, and per date what kind of day it is."""

    years: FrozenSet[int] = frozenset()
    work: FrozenSet[_dt.date] = frozenset()  # make-up working days on a Saturday or Sunday
    paid_off: FrozenSet[_dt.date] = frozenset()  # weekdays off that are paid holidays
    swapped: FrozenSet[_dt.date] = frozenset()  # weekdays off in lieu of a make-up day
    name: str = ""


_LIBRARY: Optional[LibraryData] = None


def library_data() -> LibraryData:
    """The installed ``chinese_calendar`` package's data (empty when it is not installed)."""
    global _LIBRARY
    if _LIBRARY is None:
        try:
            from chinese_calendar import constants as cc
        except ImportError:  # the years it would cover are then reported as missing
            _LIBRARY = LibraryData(name="")
        else:
            in_lieu = frozenset(cc.in_lieu_days)
            _LIBRARY = LibraryData(
                years=frozenset(d.year for d in cc.holidays) | frozenset(d.year for d in cc.workdays),
                work=frozenset(d for d in cc.workdays if d.weekday() >= 5),
                paid_off=frozenset(d for d in cc.holidays if d.weekday() < 5 and d not in in_lieu),
                swapped=frozenset(d for d in in_lieu if d.weekday() < 5),
                name="chinese_calendar")
    return _LIBRARY


@dataclass(frozen=True, eq=False)
class Calendar:
    """Working days: the library's data with the sheet's rows laid over it."""

    library: LibraryData = field(default_factory=LibraryData)
    rows: Tuple[CalendarDay, ...] = ()

    def __post_init__(self):
        kinds = {}
        for r in self.rows:
            kinds[r.date] = r.kind  # a later row for the same date wins (the reader warns)
        object.__setattr__(self, "_kinds", kinds)

    def kind(self, d: _dt.date) -> str:
        """WORK, PAID_OFF, SWAPPED, or "" for an ordinary weekend day."""
        k = self._kinds.get(d)
        if k is not None:
            return k
        lib = self.library
        if d in lib.work:
            return WORK
        if d in lib.paid_off:
            return PAID_OFF
        if d in lib.swapped:
            return SWAPPED
        return WORK if d.weekday() < 5 else ""

    def is_workday(self, d: _dt.date) -> bool:
        return self.kind(d) == WORK

    def is_paid_day(self, d: _dt.date) -> bool:
        """A day of 计薪天数: a working day or a paid day off."""
        return self.kind(d) in (WORK, PAID_OFF)

    def working_days_after(self, start: _dt.date, n: int) -> _dt.date:
        """The day on which n working days after `start` are complete (E-6, B-5)."""
        d = start
        left = n
        while left > 0:
            d += _DAY
            if self.is_workday(d):
                left -= 1
        return d

    def working_days(self, first: _dt.date, last: _dt.date) -> int:
        """Working days from first to last, both included."""
        return sum(1 for d in _days(first, last) if self.is_workday(d))

    def paid_days(self, first: _dt.date, last: _dt.date) -> int:
        """计薪天数 from first to last, both included."""
        return sum(1 for d in _days(first, last) if self.is_paid_day(d))

    def missing_years(self, years: Iterable[int]) -> Tuple[int, ...]:
        """The years among `years` the library does not cover."""
        return tuple(sorted(y for y in set(years) if y not in self.library.years))

    def sheet_rows_in(self, year: int) -> int:
        return sum(1 for r in self.rows if r.date.year == year)


def _days(first: _dt.date, last: _dt.date):
    d = first
    while d <= last:
        yield d
        d += _DAY


WEEKDAYS_ONLY = Calendar()


def default_calendar(rows: Sequence[CalendarDay] = ()) -> Calendar:
    """The installed library's calendar with the sheet's rows."""
    return Calendar(library_data(), tuple(rows))
