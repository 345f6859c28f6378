"""D-12: the pay day shown on the payslip (工资条).

参数 发薪日 (day of month, default 15) and 发薪月 (次月, the default: November's
pay is paid on 15 December; or 当月).  A day past the month's end is that
month's last day.  The day is not moved off weekends or holidays (the document
says only "每月的15日").
"""
from __future__ import annotations

import datetime as dt
from typing import List, Optional, Sequence, Tuple

from ..core import values
from ..core.model import Month, Problem, Setting
from ..read.readers import setting_source, setting_value

NEXT, SAME = "次月", "当月"


def pay_date(settings: Sequence[Setting], month: Month) -> Tuple[Optional[dt.date], List[Problem]]:
    problems: List[Problem] = []
    raw = setting_value(settings, "发薪日", month, 15)
    try:
        day = values.decimal(raw)
    except ValueError:
        day = None
    if day is None or day != day.to_integral_value() or not 1 <= day <= 31:
        problems.append(Problem.at(setting_source(settings, "发薪日"), "E_SETTING_VALUE", f"发薪日「{raw}」应为 1 到 31 的整数"))
        return None, problems
    which = values.text(setting_value(settings, "发薪月", month, NEXT)) or NEXT
    if which not in (NEXT, SAME):
        problems.append(Problem.at(setting_source(settings, "发薪月"), "E_SETTING_VALUE", f"发薪月「{which}」应为 次月 或 当月"))
        return None, problems
    m = month.next() if which == NEXT else month
    return dt.date(m.year, m.month, min(int(day), m.last_day.day)), problems
