"""Tolerant reading of export grids: header names, header rows, periods, and cell values.

Pure functions on plain values; no file access (the shell opens the files).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Dict, List, Optional, Sequence, Tuple

from ...core.model import Month

# ---------------------------------------------------------------- header names
_ARROWS = re.compile(r"\s*(?:→|⟶|➔|—>|－>|-+>|=>)\s*")
_BRACKETED = re.compile(r"[(\[【〔<《][^)\]】〕>》]*[)\]】〕>》]")
_UNIT_TAIL = re.compile(r"(?:秒|元|次|天|分钟|小时|个|人|%|延|修)$")
_WS = re.compile(r"\s+")


_FOLDED: Dict[str, str] = {}


def fold(text) -> str:
    """NFKC (full-width to half-width: （）→ (), ％ → %), arrows as "->", lower case, no white space."""
    if text is None:
        return ""
    text = str(text)
    out = _FOLDED.get(text)
    if out is None:
        s = unicodedata.normalize("NFKC", text)
        s = _ARROWS.sub("->", s)
        out = _WS.sub("", s).lower()
        if len(_FOLDED) > 100_000:
            _FOLDED.clear()
        _FOLDED[text] = out
    return out


def name_key(text) -> str:
    """The comparable form of a column name: folded, bracketed parts ("(秒)", "(8-23点)", "(新)") dropped."""
    s = fold(text)
    t = _BRACKETED.sub("", s)
    return t or s


def loose_key(text) -> str:
    """name_key without a trailing unit word ("迟到次数(次)" and "迟到次数" and "迟到次" agree)."""
    k = name_key(text)
    return _UNIT_TAIL.sub("", k) or k


def unit_of(text) -> str:
    """The unit a header names: 秒, 分钟, 小时, 天, 元, 次 or ""."""
    s = fold(text)
    for u in ("分钟", "小时", "秒", "天", "元", "次"):
        if f"({u})" in s or s.endswith(u):
            return u
    return ""


# ---------------------------------------------------------------- rows
TOTAL_WORDS = ("合计", "总计", "平均", "汇总", "均值", "总和", "小计", "total", "average", "sum")


_BLANK_TEXTS = frozenset(("", "-", "--", "—", "/", "null", "None"))


def is_blank(v) -> bool:
    return v is None or (v.__class__ is str and (v in _BLANK_TEXTS or v.strip() in _BLANK_TEXTS))


_TOTAL = re.compile("^(?:" + "|".join(TOTAL_WORDS) + ")")


def is_total_row(cells: Sequence) -> bool:
    """A 合计 / 平均 line: one of its first two non-blank cells names a total."""
    seen = 0
    for v in cells:
        if v is None or (v.__class__ is str and is_blank(v)):
            continue
        if v.__class__ is str and _TOTAL.match(fold(v)):
            return True
        seen += 1
        if seen >= 2:
            return False
    return False


def is_blank_row(cells: Sequence) -> bool:
    for v in cells:
        if v is not None and not (v.__class__ is str and (v in _BLANK_TEXTS or v.strip() in _BLANK_TEXTS)):
            return False
    return True


def skip_row(cells: Sequence) -> bool:
    """A blank line, or a 合计 / 平均 line (one of its first two non-blank cells names a total): one pass."""
    seen = 0
    for v in cells:
        if v is None:
            continue
        if v.__class__ is str:
            if v in _BLANK_TEXTS or v.strip() in _BLANK_TEXTS:
                continue
            if _TOTAL.match(fold(v)):
                return True
        seen += 1
        if seen >= 2:
            return False
    return seen == 0


_DAY_HEADER = re.compile(r"^(?:\d{1,2}(?:日|号)?|\d{1,2}[-/.]\d{1,2}.*|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.*|(?:星期|周)[一二三四五六日天])$")


def is_day_header(text) -> bool:
    """A per-day column of a monthly attendance sheet (1 … 31, 11-03, 2026-11-03 星期二, 星期一)."""
    s = fold(text)
    if not s:
        return False
    if s.isdigit():
        return 1 <= int(s) <= 31
    return bool(_DAY_HEADER.match(s))


# ---------------------------------------------------------------- periods
_DATE = re.compile(r"(\d{4}|\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE8 = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
_MONTH = re.compile(r"(20\d{2})\s*[-/.年]\s*(\d{1,2})\s*月?(?![\d/.-])")
_PERIOD_WORDS = ("统计", "考勤", "月份", "周期", "期间", "日期", "时间范围", "月报", "汇总", "报表月份")
_NOT_PERIOD = ("生成", "导出", "打印", "下载", "制表")


def _year(y: str) -> int:
    n = int(y)
    return n + 2000 if n < 100 else n


def find_dates(text: str) -> List[dt.date]:
    out = []
    s = unicodedata.normalize("NFKC", text)
    for m in list(_DATE.finditer(s)) + list(_DATE8.finditer(s)):
        try:
            out.append((m.start(), dt.date(_year(m.group(1)), int(m.group(2)), int(m.group(3)))))
        except ValueError:
            continue
    return [d for _, d in sorted(out)]


class Period:
    """The period a file covers, as its period line says: a calendar month, or a cycle (26th to 25th)."""

    def __init__(self, first: dt.date, last: dt.date, text: str):
        self.first, self.last, self.text = first, last, text

    @property
    def month(self) -> Optional[Month]:
        """The calendar month the period is, None when it is not one (a 26th-to-25th cycle)."""
        m = Month.of(self.first)
        if self.first == m.first_day and self.last == m.last_day:
            return m
        if self.first.day == 1 and Month.of(self.last) == m and self.last.day >= 28:
            return m  # up to the day of the export: still that month
        return None

    def __str__(self) -> str:
        return f"{self.first.isoformat()}~{self.last.isoformat()}"


def find_period(rows: Sequence[Sequence], upto: int) -> Optional[Period]:
    """The period line among the rows above the header (and the header row itself)."""
    for raw in rows[:upto + 1]:
        for v in raw:
            if not isinstance(v, str) or not v.strip():
                continue
            text = unicodedata.normalize("NFKC", v)
            if any(w in text for w in _NOT_PERIOD) and not any(w in text for w in _PERIOD_WORDS[:2]):
                continue
            dates = find_dates(text)
            if len(dates) >= 2 and dates[0] <= dates[1]:
                return Period(dates[0], dates[1], text.strip())
            if any(w in text for w in _PERIOD_WORDS):
                m = _MONTH.search(text)
                if m and 1 <= int(m.group(2)) <= 12 and not dates:
                    mm = Month(int(m.group(1)), int(m.group(2)))
                    return Period(mm.first_day, mm.last_day, text.strip())
    return None


_DAYS: Dict[str, Optional[dt.date]] = {}


def day_of(v) -> Optional[dt.date]:
    """A day cell of a daily export: a date, "26-11-03 星期二", "2026/11/03"."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        if v not in _DAYS:
            d = find_dates(v)
            if len(_DAYS) > 10_000:
                _DAYS.clear()
            _DAYS[v] = d[0] if d else None
        return _DAYS[v]
    return None


# ---------------------------------------------------------------- values
class BadValue(ValueError):
    """A cell that cannot be read as the column's kind of value."""


_NUM = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_CLEAN = re.compile(r"[,，\s¥￥]")


def _dec(text: str) -> Decimal:
    s = _CLEAN.sub("", text)
    if not _NUM.match(s):
        raise BadValue(text)
    try:
        return Decimal(s)
    except InvalidOperation:
        raise BadValue(text) from None


def _number_of(v) -> Decimal:
    if isinstance(v, bool):
        raise BadValue(str(v))
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise BadValue(str(v))
        return Decimal(int(v)) if v.is_integer() else Decimal(repr(v))
    if isinstance(v, Decimal):
        return v
    raise BadValue(str(v))


_WITH_UNIT = re.compile(r"^([+-]?[\d.,]+)\s*(天|次|人|个|单|元|小时|h|分钟|min|秒|s)?$")
HOURS_PER_DAY = Decimal(8)


def number(v, unit: str = "") -> Tuple[Decimal, bool]:
    """A count, amount or days cell: 12, "1,234.5", "¥12", "3次", "1.5天", "8小时" (as days when the
    column counts days: 8 hours a day).  Returns (value, whether it had a % sign): "95%" -> (0.95, True)."""
    if not isinstance(v, str):
        return _number_of(v), False
    s = unicodedata.normalize("NFKC", v).strip()
    if s.endswith("%"):
        return _dec(s[:-1]) / 100, True
    m = _WITH_UNIT.match(_CLEAN.sub("", s))
    if not m:
        raise BadValue(v)
    d = _dec(m.group(1))
    u = m.group(2) or ""
    if unit == "天" and u in ("小时", "h"):
        d = d / HOURS_PER_DAY
    return d, False


_HMS = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$")
_CN_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(?:小时|时|h))?(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?"
                          r"(?:(\d+(?:\.\d+)?)(?:秒|s))?$")


def seconds(v, unit: str = "", clock: bool = False) -> Decimal:
    """A duration in seconds: 90, "90", "1分30秒", "00:01:30", "1:30" (minutes:seconds; with `clock` a
    time of day, hours:minutes), a time or timedelta cell; a header in 分钟 multiplies plain numbers by 60."""
    if isinstance(v, dt.timedelta):
        return Decimal(repr(v.total_seconds())).normalize()
    if isinstance(v, dt.time):
        return Decimal(v.hour * 3600 + v.minute * 60 + v.second)
    if isinstance(v, dt.datetime):
        return Decimal(v.hour * 3600 + v.minute * 60 + v.second)
    scale = {"分钟": 60, "小时": 3600}.get(unit, 1)
    if not isinstance(v, str):
        if clock and isinstance(v, float) and 0 <= v < 1:  # an Excel time as a fraction of a day
            return Decimal(round(v * 86400))
        return _number_of(v) * scale
    s = unicodedata.normalize("NFKC", v).strip().replace(" ", "")
    m = _HMS.match(s)
    if m:
        a, b, c = m.group(1), m.group(2), m.group(3)
        if c is not None:
            return Decimal(a) * 3600 + Decimal(b) * 60 + Decimal(c)
        return (Decimal(a) * 3600 + Decimal(b) * 60) if clock else (Decimal(a) * 60 + Decimal(b))
    if s and _NUM.match(s):
        return Decimal(s) * scale
    m = _CN_DURATION.match(s)
    if s and m and any(m.groups()):
        h, mi, se = (Decimal(x) if x else Decimal(0) for x in m.groups())
        return h * 3600 + mi * 60 + se
    raise BadValue(v)


def rate_scale(cells: Sequence) -> Tuple[bool, str]:
    """Whether a rate column is in percent units, decided once per column and file: a % sign in any
    cell, or any value above 1, means percent.  Returns (percent, doubt): doubt is a Chinese reason
    when the reading could be wrong (values only 0 and 1; fractions and percents mixed)."""
    signs, nums = False, []
    for v in cells:
        if is_blank(v):
            continue
        if isinstance(v, str):
            s = unicodedata.normalize("NFKC", v).strip()
            if s.endswith("%"):
                signs = True
                continue
            try:
                nums.append(_dec(s))
            except BadValue:
                continue
        elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            nums.append(_number_of(v))
    above = any(abs(n) > 1 for n in nums)
    if signs or above:
        small = [n for n in nums if 0 < abs(n) < 1]
        if small and not signs:
            return True, f"有大于 1 的数（按百分数读），也有小于 1 的小数（如 {small[0]}），请核对"
        return True, ""
    if nums and all(n in (0, 1) for n in nums) and any(n == 1 for n in nums):
        return False, "只有 0 和 1：按 0%/100% 读；如果是 1% 请在文件中写成 1%"
    return False, ""


def rate(v, percent: bool) -> Decimal:
    """One cell of a rate column, in the column's scale: a fraction (0.95) either way."""
    d, had_sign = number(v)
    if had_sign:
        return d
    return d / 100 if percent else d
