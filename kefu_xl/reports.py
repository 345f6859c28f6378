"""Sheets people look at after a close (honour roll, flowers, trends), built from
the month's results and the history.  Pure: records in, SheetOuts and problems out.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

from .grid import SheetOut
from .model import HistoryRow, MonthResult, Problem
from .readers import Book

REPORT_SHEETS: Tuple[str, ...] = ()


def build(result: MonthResult, book: Book, history: Sequence[HistoryRow]) -> Tuple[List[SheetOut], List[Problem]]:
    """Report sheets for a closed month; `history` already includes this month."""
    return [], []
