"""D-12: the pay day shown on the payslip (工资条).

参数 发薪日 (day of month, default 15) and 发薪月 (次月, the default: November's
pay is paid on 15 December; or 当月), read and checked by core/settings.py.
A day past the month's end is that month's last day.  The day is not moved
off weekends or holidays (the document says only "每月的15日").
"""
from __future__ import annotations

import datetime as dt

from ..core.model import Month
from ..core.settings import PAY_NEXT_MONTH, Settings


def pay_date(settings: Settings, month: Month) -> dt.date:
    """The pay day of `month`'s pay."""
    m = month.next() if settings.pay_month == PAY_NEXT_MONTH else month
    return dt.date(m.year, m.month, min(settings.pay_day, m.last_day.day))
