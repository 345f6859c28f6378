"""Parsing what people type into cells: dates, numbers, percentages, months.

Every parser returns a value or raises `ValueError` with a Chinese message;
readers turn that message into a Problem at the cell.  Full-width digits and
spaces, Excel serial dates, text dates such as ``2026/11/3`` or ``11月3日``
and numbers with thousands separators are all accepted.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Optional

from .grid import CellError
from .model import Month
from .schema import norm_text

EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31


def is_blank(v) -> bool:
    return v is None or (type(v) is str and (v == "" or norm_text(v) == ""))


_ERROR_TEXTS = frozenset(("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"))


def check_error(v) -> None:
    if isinstance(v, CellError):
        raise ValueError(f"单元格是错误值 {v.code}，请修正公式或改为数值")
    if isinstance(v, str) and "#" in v and norm_text(v).upper() in _ERROR_TEXTS:
        raise ValueError(f"单元格是错误值 {norm_text(v).upper()}，请修正公式或改为数值")


def text(v) -> str:
    """Cell as clean text (NFKC, trimmed); numbers without a trailing .0."""
    if v is None:
        return ""
    if type(v) is str:
        if "#" in v:
            check_error(v)
        return norm_text(v)
    check_error(v)
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10]
    return norm_text(v)


def code(v) -> str:
    """A code or id: text with all white space removed."""
    t = text(v)
    return t.replace(" ", "") if " " in t else t


_NUM_CLEAN = re.compile(r"[,，\s¥￥元分]")

# What a workbook cell may hold (issue 21): every number is finite and below NUMBER_LIMIT in size
# (beyond it a double no longer holds whole numbers exactly, and no pay figure comes near it);
# a 数量 is positive and at most MAX_QTY (leave days come as 0.5; ladder rules need whole numbers);
# monthly pay inputs lie within PAY_LIMITS (yuan).
NUMBER_LIMIT = Decimal(10) ** 15
MAX_QTY = Decimal(10000)
PAY_LIMITS = {"base_pay": (Decimal(0), Decimal(10) ** 7), "si_base": (Decimal(0), Decimal(10) ** 7),
              "special_deduction": (Decimal(0), Decimal(10) ** 6)}


def fmt_plain(d: Decimal) -> str:
    """A number for a message: 10000, 0.5, 12345.67 (no exponent)."""
    return format(d.normalize(), "f") if d.is_finite() else str(d)


def _bounded(d: Decimal, v) -> Decimal:
    if not d.is_finite():
        raise ValueError(f"「{norm_text(v) if isinstance(v, str) else v}」不是有限的数字")
    if abs(d) >= NUMBER_LIMIT:
        raise ValueError(f"「{norm_text(v) if isinstance(v, str) else v}」超出可处理的范围（绝对值须小于 10^15）")
    return d


def decimal(v, *, percent_as_fraction: bool = True) -> Optional[Decimal]:
    """A number cell as Decimal, None when blank. "4.5%" -> 0.045."""
    if is_blank(v):
        return None
    check_error(v)
    if isinstance(v, bool):
        raise ValueError("这里应填数字，不是是/否")
    if isinstance(v, int):
        return _bounded(Decimal(v), v)
    if isinstance(v, float):
        return _bounded(Decimal(repr(v)), v)
    if isinstance(v, Decimal):
        return _bounded(v, v)
    if isinstance(v, (dt.date, dt.datetime)):
        raise ValueError("这里应填数字，不是日期")
    s = norm_text(v)
    pct = s.endswith("%")
    s = _NUM_CLEAN.sub("", s.rstrip("%"))
    if s.startswith("+"):
        s = s[1:]
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"「{norm_text(v)}」不是数字") from None
    if not d.is_finite():
        raise ValueError(f"「{norm_text(v)}」不是数字")
    _bounded(d, v)
    if pct and percent_as_fraction:
        d = d / 100
    return d


def rate(v) -> Optional[Decimal]:
    """A rate: "8%", 0.08 and 8 all mean 8% (numbers above 1 are percents)."""
    d = decimal(v)
    if d is None:
        return None
    if isinstance(v, str) and norm_text(v).endswith("%"):
        return d
    return d / 100 if abs(d) > 1 else d


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MD = re.compile(r"^(\d{1,2})[月/.-](\d{1,2})日?$")


def date(v, *, year: Optional[int] = None) -> Optional[dt.date]:
    """A date cell. `year` completes a month-day text such as 11月3日."""
    if is_blank(v):
        return None
    check_error(v)
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, bool):
        raise ValueError("这里应填日期")
    if isinstance(v, (int, float, Decimal)):
        n = float(v)
        if 1 <= n <= _MAX_SERIAL:
            return EXCEL_EPOCH + dt.timedelta(days=int(n))
        raise ValueError(f"「{v}」不是有效的日期")
    s = norm_text(v).replace(" ", "") if not re.search(r"\d:\d", norm_text(v)) else norm_text(v)
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            y, mo, d = (int(x) for x in m.groups())
            try:
                return dt.date(y, mo, d)
            except ValueError:
                raise ValueError(f"「{norm_text(v)}」不是有效的日期") from None
    m = _MD.match(s)
    if m and year:
        try:
            return dt.date(year, int(m.group(1)), int(m.group(2)))
        except ValueError:
            raise ValueError(f"「{norm_text(v)}」不是有效的日期") from None
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return date(float(s))
    raise ValueError(f"「{norm_text(v)}」不是日期，请写成 2026-11-03")


_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def month(v) -> Optional[Month]:
    """A month: 2026-11, 2026年11月, 2026/11, or any date inside it."""
    if is_blank(v):
        return None
    check_error(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return Month(v.year, v.month)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 190001 <= v <= 999912 and float(v).is_integer():
            n = int(v)
            if 1 <= n % 100 <= 12:
                return Month(n // 100, n % 100)
        return Month.of(date(v))
    s = norm_text(v)
    for pat in _MONTH_PATTERNS:
        m = pat.match(s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if 1 <= mo <= 12:
                return Month(y, mo)
            raise ValueError(f"「{s}」不是有效的月份")
    try:
        return Month.of(date(s))
    except ValueError:
        raise ValueError(f"「{s}」不是月份，请写成 2026-11") from None


_YES = {"是", "y", "yes", "true", "1", "启用", "√", "✓", "on", "对", "开"}
_NO = {"否", "n", "no", "false", "0", "停用", "禁用", "×", "off", "不", "关"}


def boolean(v, default: bool = True) -> bool:
    if is_blank(v):
        return default
    if isinstance(v, bool):
        return v
    s = text(v).lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError(f"「{text(v)}」应为 是 或 否")
