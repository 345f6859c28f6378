"""D-12: the pay day shown on the payslip (工资条).

参数 发薪日 (day of month, default 15) and 发薪月 (次月, the default: November's
pay is paid on 15 December; or 当月).  A day past the month's end is that
month's last day.  The day is not moved off weekends or holidays (the document
says only "每月的15日").
"""
from __future__ import annotations

import datetime as dt
from typing import List, Optional, Tuple

from ..core import values
from ..core.model import Month, Problem, Source

NEXT, SAME = "次月", "当月"
KEYS = ("发薪日", "发薪月")  # 参数 keys, read by the caller (close/plan.py) with the settings reader


def pay_date(raw, which, month: Month, day_src: Optional[Source] = None, which_src: Optional[Source] = None
             ) -> Tuple[Optional[dt.date], List[Problem]]:
    """The pay day of `month`'s pay from the values of 参数 发薪日 (None: 15) and 发薪月 (None: 次月)."""
    problems: List[Problem] = []
    raw = 15 if raw is None else raw
    try:
        day = values.decimal(raw)
    except ValueError:
        day = None
    if day is None or day != day.to_integral_value() or not 1 <= day <= 31:
        problems.append(Problem.at(day_src or Source("参数"), "E_SETTING_VALUE", f"发薪日「{raw}」应为 1 到 31 的整数"))
        return None, problems
    which = values.text(which) or NEXT
    if which not in (NEXT, SAME):
        problems.append(Problem.at(which_src or Source("参数"), "E_SETTING_VALUE", f"发薪月「{which}」应为 次月 或 当月"))
        return None, problems
    m = month.next() if which == NEXT else month
    return dt.date(m.year, m.month, min(int(day), m.last_day.day)), problems
