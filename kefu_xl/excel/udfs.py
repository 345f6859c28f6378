"""Excel functions (xlwings UDFs): a few lines each over the same close.

Every function takes the tables as arguments (员工, 事件, 规则, 等级, 参数, and
optionally 月份 and 历史), so Excel recalculates exactly when an input changes;
none is volatile.  Parsing and computing a month is cached: a sheet with
hundreds of KEFU_SCORE cells over the same tables computes the month once.

Cache keys: the identity of the argument lists first (a few dict look-ups;
the cache holds the lists, so an id cannot be reused while it is cached), then
their full content, compared exactly: list equality, plus a check of value
types, because Python's ``True == 1.0`` while a TRUE cell and a 1 cell are
different inputs.  xlwings builds new lists on every call, so each call over
new lists pays one comparison of the tables (about a tenth of what building
those lists costs xlwings); the month itself is computed once, and each
person's answer once per month.  Problems in the inputs come
back as a readable Chinese text in the cell, never as a Python traceback.
"""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from itertools import chain
from decimal import Decimal
from typing import Any, List, Optional, Sequence, Tuple

import xlwings as xw

from ..close import plan as closing
from ..core import schema
from ..core.grid import Grid
from ..core.model import fmt_points, money
from ..core.values import month as parse_month

CATEGORY = "kefu-xl"
_CACHE_SIZE = 8
_by_identity: "OrderedDict[tuple, tuple]" = OrderedDict()
_by_content: "OrderedDict[tuple, list]" = OrderedDict()  # edges key -> [(tables, has_bool, _Month)]


def _cells(row) -> tuple:
    return tuple(row) if isinstance(row, (list, tuple)) else (row,)


def _freeze(table) -> tuple:
    if table is None:
        return ()
    return tuple(map(_cells, table))


def _edges(table):
    """A cheap bucket key: size and first and last rows (the full comparison follows)."""
    if table is None:
        return None
    if isinstance(table, (list, tuple)):
        return (len(table), _cells(table[0]), _cells(table[-1])) if table else (0,)
    return ("scalar", type(table), table)


def _has_bool(table) -> bool:
    if not isinstance(table, (list, tuple)):
        return isinstance(table, bool)
    if not set(map(type, table)) <= _ROW_TYPES:
        return any(isinstance(v, bool) for r in table for v in _cells(r))
    return bool in map(type, chain.from_iterable(table))


_ROW_TYPES = {list, tuple}


def _typed(table):
    if not isinstance(table, (list, tuple)):
        return (type(table), table)
    return [[(v.__class__, v) for v in _cells(r)] for r in table]


def _same(new, old, old_has_bool: bool) -> bool:
    """Exactly the same cells: equal values of the same kinds (TRUE is not 1)."""
    if new is old:
        return True
    if new != old:
        return False
    if old_has_bool or _has_bool(new):
        return _typed(new) == _typed(old)
    return True


def _remember(cache: OrderedDict, key, value):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


class _Month:
    """One computed month: the result, pay by id, input errors, and the answers given so far."""
    __slots__ = ("result", "pays", "errors", "people", "answers")

    def __init__(self, result, pays, errors):
        self.result, self.pays, self.errors = result, pays, errors
        self.people = {p.staff.id: p for p in result.people} if result is not None else {}
        self.answers = {}  # (function, staff id as passed) -> the cell value


def _month(staff, events, rules, tiers, settings, month=None, history=None) -> _Month:
    """The computed month for these tables: by identity (a few dict look-ups), else by content."""
    ident = (id(staff), id(events), id(rules), id(tiers), id(settings), id(history), type(month), month)
    try:
        hit = _by_identity.get(ident)
    except TypeError:  # an unhashable month (a range): by content only
        ident, hit = ident[:6] + (type(month), id(month)), None
    if hit is not None:
        t = hit[0]
        if t[0] is staff and t[1] is events and t[2] is rules and t[3] is tiers and t[4] is settings \
                and t[5] is history:
            return hit[1]
    tables = (staff, events, rules, tiers, settings, history)
    try:
        key = (str(month),) + tuple(_edges(t) for t in tables)
        hash(key)
    except TypeError:  # an unhashable cell value (not from Excel): by identity only
        key = (str(month),) + tuple(id(t) for t in tables)
    found = None
    for entry in _by_content.get(key, ()):
        if all(_same(n, o, b) for n, o, b in zip(tables, entry[0], entry[1])):
            found = entry[2]
            break
    if found is None:
        found = _Month(*_compute(tuple(_freeze(t) for t in tables), month))
        kept = _by_content.get(key, [])[-1:]  # a bucket keeps 2
        _remember(_by_content, key, kept + [(tables, tuple(map(_has_bool, tables)), found)])
    _remember(_by_identity, ident, (tables, found))  # holds the lists, so their ids stay theirs
    return found


def compute(staff, events, rules, tiers, settings, month=None, history=None):
    """(MonthResult, {id: PayResult}, problems) for the given tables, cached."""
    m = _month(staff, events, rules, tiers, settings, month, history)
    return m.result, m.pays, m.errors


def clear_cache() -> None:
    _by_identity.clear()
    _by_content.clear()


def _compute(frozen, month):
    names = (schema.STAFF.name, schema.EVENTS.name, schema.RULES.name, schema.TIERS.name, schema.SETTINGS.name,
             schema.HISTORY.name)
    grids = {n: Grid(n, t) for n, t in zip(names, frozen) if t}
    loaded = closing.load(grids)
    m = None
    if month not in (None, ""):
        try:
            m = parse_month(month)
        except ValueError as e:
            return None, {}, [str(e)]
    result, pays, problems = closing.compute(loaded, m)
    errors = [p for p in problems if p.is_error]
    return result, {p.staff.id: p for p in pays}, errors


def _error_text(errors) -> str:
    first = errors[0]
    if isinstance(first, str):
        return f"#错误：{first}"
    where = f"{first.sheet}第{first.row}行{first.column}：" if first.row else ""
    more = f"（另有 {len(errors) - 1} 个问题，请运行「检查」）" if len(errors) > 1 else ""
    return f"#错误：{where}{first.message}{more}"


def _staff_id(staff_id) -> str:
    if isinstance(staff_id, float) and staff_id.is_integer():
        return str(int(staff_id))
    return str(staff_id).strip() if staff_id is not None else ""


def _person(staff_id, tables, m: Optional[_Month] = None):
    m = m or _month(*tables)
    if m.errors:
        return None, None, _error_text(m.errors)
    sid = _staff_id(staff_id)
    p = m.people.get(sid)
    if p is None:
        return None, None, f"#错误：工号「{sid}」不在本月的员工中"
    return p, m.pays.get(sid), None


def _answer(fn, staff_id, tables):
    """fn(person, pay) for one cell, remembered per computed month: a sheet of cells asks the same month."""
    m = _month(*tables)
    try:
        key = (fn, type(staff_id), staff_id)
        hit = m.answers.get(key)
    except TypeError:  # an unhashable id (a range passed as the id)
        key, hit = None, None
    if hit is None:
        p, pay, err = _person(staff_id, tables, m)
        hit = err if err else fn(p, pay)
        if key is not None:
            m.answers[key] = hit
    return hit


def _num(d: Decimal):
    return float(money(d))


def _score(p, pay):
    return fmt_points(p.score)


def _grade(p, pay):
    return p.grade


def _gross(p, pay):
    return _num(pay.gross) if pay else 0.0


def _bonus_cut(p, pay):
    return _num(pay.bonus_cut_amount + pay.bonus_void) if pay else 0.0


# Argument declarations, applied with xw.arg/xw.func (kefu_xl.excel.vbabuild re-runs
# them under xlwings' real decorators to generate the VBA wrappers).
ARGS = {
    "staff_id": dict(doc="工号，如 KF001"),
    "staff": dict(ndim=2, doc="员工表（含表头），如 staff[#全部]"),
    "events": dict(ndim=2, doc="事件表（含表头），如 events[#全部]"),
    "rules": dict(ndim=2, doc="规则表（含表头），如 rules[#全部]"),
    "tiers": dict(ndim=2, doc="等级表（含表头），如 tiers[#全部]"),
    "settings": dict(ndim=2, doc="参数表（含表头），如 settings[#全部]"),
    "month": dict(doc="月份，如 2026-11；省略时用参数表中的月份"),
    "history": dict(ndim=2, doc="历史表（含表头），连续类规则需要；可省略"),
}
TABLE_ARGS = ("staff", "events", "rules", "tiers", "settings", "month", "history")
PERSON_ARGS = ("staff_id",) + TABLE_ARGS


def udf(*argnames):
    """Declare an Excel function: the xlwings decorators for its arguments."""
    def deco(fn):
        for name in reversed(argnames):
            fn = xw.arg(name, **ARGS[name])(fn)
        return xw.func(category=CATEGORY)(fn)
    return deco


@udf(*PERSON_ARGS)
def KEFU_SCORE(staff_id, staff, events, rules, tiers, settings, month=None, history=None):
    """员工本月考核得分（按所选方案的全部规则计算，封顶/保底后）。"""
    return _answer(_score, staff_id, (staff, events, rules, tiers, settings, month, history))


@udf(*PERSON_ARGS)
def KEFU_GRADE(staff_id, staff, events, rules, tiers, settings, month=None, history=None):
    """员工本月考核等级（评定），不参评时为「不参评」。"""
    return _answer(_grade, staff_id, (staff, events, rules, tiers, settings, month, history))


@udf(*PERSON_ARGS)
def KEFU_TIER_SALARY(staff_id, staff, events, rules, tiers, settings, month=None, history=None):
    """员工本月应发工资（等级基本工资、津贴、工龄、绩效奖金、提成、奖罚与保底）。"""
    return _answer(_gross, staff_id, (staff, events, rules, tiers, settings, month, history))


@udf(*PERSON_ARGS)
def KEFU_BONUS_DEDUCTION(staff_id, staff, events, rules, tiers, settings, month=None, history=None):
    """因得分偏低扣减的当月奖金金额（元），如 A2-12：低于25分扣10%。"""
    return _answer(_bonus_cut, staff_id, (staff, events, rules, tiers, settings, month, history))


BOARD_HEADER = ("名次", "工号", "姓名", "组别", "等级", "得分", "评定", "合格", "奖金扣减", "应发合计", "实发合计", "称号",
                "提示")


@udf(*TABLE_ARGS)
def KEFU_BOARD(staff, events, rules, tiers, settings, month=None, history=None):
    """本月排行榜：一次计算全体员工，结果自动溢出为表格。"""
    result, pays, errors = compute(staff, events, rules, tiers, settings, month, history)
    if errors:
        return [[_error_text(errors)]]
    rows: List[list] = [list(BOARD_HEADER)]
    for p in result.people:
        pay = pays.get(p.staff.id)
        rows.append([p.rank if p.rank is not None else "", p.staff.id, p.staff.name, p.staff.group, p.staff.tier,
                     fmt_points(p.score), p.grade, "是" if p.passed else "否", float(p.bonus_cut),
                     _num(pay.gross) if pay else 0.0, _num(pay.net) if pay else 0.0, "、".join(p.titles),
                     "；".join(p.flags)])
    return rows


EXPLAIN_HEADER = ("日期", "规则", "分值", "金额", "类别", "来源", "说明")


@udf(*PERSON_ARGS)
def KEFU_EXPLAIN(staff_id, staff, events, rules, tiers, settings, month=None, history=None):
    """一个人本月每一分、每一元的来历：事件、规则和政策出处（自动溢出）。"""
    p, pay, err = _person(staff_id, (staff, events, rules, tiers, settings, month, history))
    if err:
        return [[err]]
    rows: List[list] = [list(EXPLAIN_HEADER)]
    for ln in p.lines:
        rows.append([ln.date.isoformat() if ln.date else "", ln.rule, fmt_points(ln.points), _num(ln.amount),
                     ln.category, ln.source, ln.note])
    rows.append(["", "合计得分", fmt_points(p.score), "", "", "", ""])
    if pay is not None:
        from ..payroll.pay import pay_parts
        names = {"base": "基本工资等", "commission": "提成", "bonus": "奖金", "deductions": "扣款",
                 "gross": "应发合计", "social_insurance": "社保公积金", "tax": "个税", "net": "实发合计"}
        for k, v in pay_parts(pay).items():
            rows.append(["", names[k], "", _num(v), "工资", "", ""])
    return rows


UDFS = (KEFU_SCORE, KEFU_GRADE, KEFU_TIER_SALARY, KEFU_BONUS_DEDUCTION, KEFU_BOARD, KEFU_EXPLAIN)


__all__ = ["KEFU_SCORE", "KEFU_GRADE", "KEFU_TIER_SALARY", "KEFU_BONUS_DEDUCTION", "KEFU_BOARD", "KEFU_EXPLAIN"]
