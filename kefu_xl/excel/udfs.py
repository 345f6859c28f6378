"""Excel functions (xlwings UDFs): a few lines each over the same close.

HR writes them the way CONTRACT.md says:

    本月 (a defined name for one cell):  =KEFU_MONTH(staff[#All], events[#All], …, 历史表)
    per person:                          =KEFU_SCORE(A2, 本月)   KEFU_GRADE / KEFU_TIER_SALARY /
                                         KEFU_BONUS_DEDUCTION / KEFU_EXPLAIN (spills)
    the month's board:                   =KEFU_BOARD(本月)   (spills)

`KEFU_MONTH` takes any number of input tables, each recognised by its header
row (员工, 事件, 规则, 等级, 参数, 指标, 导入映射, 历史 …: every sheet the close
reads), and optionally a month; it computes the month once and returns a
handle: a text naming the month, the head count, the rows of 事件 and the
full digest of the inputs (blake2b of every cell with its type: TRUE is not 1).
The handle changes exactly when an input cell changes, so Excel recalculates
the per-person cells exactly then; they take only the handle and scalars and
cost a dictionary look-up each.  A handle this Python process does not hold
(Python restarted, the workbook reopened) answers with a short Chinese hint
to recalculate (Ctrl+Alt+F9), never a number of another month.

Older forms that take the tables themselves (KEFU_SCORE(工号, staff, events,
rules, tiers, settings[, 月份][, 历史])) still work; they are cached by the
identity, then the content, of their argument lists.  Problems in the inputs
come back as a readable Chinese text in the cell, never as a Python traceback.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
import re
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
from ..write import board as dashboard

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
    return _compute_grids({n: Grid(n, t) for n, t in zip(names, frozen) if t}, month)


def _compute_grids(grids, month, counts: Optional[dict] = None):
    """(MonthResult, {id: PayResult}, errors) of the close's own read and compute over these grids
    (`counts`, when given, gets the number of events read)."""
    m = None
    if month not in (None, ""):
        try:
            m = parse_month(month)
        except ValueError as e:
            return None, {}, [str(e)]
    loaded = closing.load(grids)
    if counts is not None:
        counts["events"] = len(loaded.book.events)
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
    return _person_in(m or _month(*tables), staff_id)


def _person_in(m: _Month, staff_id):
    if m.errors:
        return None, None, _error_text(m.errors)
    sid = _staff_id(staff_id)
    p = m.people.get(sid)
    if p is None:
        return None, None, f"#错误：工号「{sid}」不在本月的员工中"
    return p, m.pays.get(sid), None


def _answer(fn, staff_id, tables):
    return _answer_in(_month(*tables), fn, staff_id)


def _answer_in(m: _Month, fn, staff_id):
    """fn(person, pay) for one cell, remembered per computed month: a sheet of cells asks the same month."""
    try:
        key = (fn, type(staff_id), staff_id)
        hit = m.answers.get(key)
    except TypeError:  # an unhashable id (a range passed as the id)
        key, hit = None, None
    if hit is None:
        p, pay, err = _person_in(m, staff_id)
        hit = err if err else fn(p, pay)
        if key is not None:
            m.answers[key] = hit
    return hit


# ---------------------------------------------------------------- KEFU_MONTH and its handles
_HANDLES: "OrderedDict[str, _Month]" = OrderedDict()
HANDLES_KEPT = 8
_HANDLE = re.compile(r"^(\d{4}-\d{2}) · .* · ([0-9a-f]{32})$")
STALE = "#请重算：本月的计算结果已不在内存中（Python 重新启动过），请按 Ctrl+Alt+F9 重新计算"
NOT_A_HANDLE = "#错误：第二个参数应为「本月」（=KEFU_MONTH(…) 所在的单元格）"


def _candidates():
    """Every sheet the close reads that has a column description: what a table passed may be."""
    names = list(closing.READ_NAMES) + [s.name for s in schema.INPUT_SHEETS]
    seen, out = set(), []
    for n in names:
        spec = schema.BY_NAME.get(n)
        if spec is not None and n not in seen:
            seen.add(n)
            out.append(spec)
    return out


def recognise(table) -> Optional[str]:
    """The sheet whose header row a table (a 2-D list, header first) has, or None.

    The header is looked for in the table's first rows, as the reader looks
    for it; the sheet whose required columns are all there and which matches
    the most columns wins; on a tie an input sheet before a sheet the close
    writes (a short 事件 table also fits 结转), then the largest share of its own."""
    best = None
    inputs = {s.name for s in schema.INPUT_SHEETS}
    for spec in _candidates():
        required = [c.key for c in spec.columns if c.required]
        for row in table[:3]:
            found, _ = schema.match_columns(spec, _cells(row))
            if not found or any(k not in found for k in required):
                continue
            score = (len(found), spec.name in inputs, len(found) / len(spec.columns))
            if best is None or score > best[0]:
                best = (score, spec.name)
    return best[1] if best else None


def _is_scalar(arg) -> bool:
    if not isinstance(arg, (list, tuple)):
        return True
    return len(arg) <= 1 and all(len(_cells(r)) <= 1 for r in arg)


def _scalar(arg):
    while isinstance(arg, (list, tuple)):
        if not arg:
            return None
        arg = arg[0]
    return arg


def _digest(month, grids) -> str:
    """The full digest of the inputs: every cell with its type (TRUE is not 1.0, text is not a number).

    The cells are pickled in "fast" mode, which keeps no memo: the bytes depend
    on the values and their types only, never on which cells share an object."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=5)
    p.fast = True
    p.dump((month, [(g.sheet, g.rows) for g in grids]))
    return hashlib.blake2b(buf.getbuffer(), digest_size=16).hexdigest()


def month_handle(*args) -> str:
    """KEFU_MONTH's work: recognise the tables, compute the month once per distinct input, return its handle."""
    month, tables = None, []
    for i, arg in enumerate(args, 1):
        if arg is None:
            continue
        if _is_scalar(arg):
            v = _scalar(arg)
            if v not in (None, ""):
                if month is not None:
                    return f"#错误：月份给了两次（第{i}个参数）"
                month = v
            continue
        name = recognise(arg)
        if name is None:
            return f"#错误：第{i}个参数不是可识别的表（请连同表头一起选中，如 staff[#全部]）"
        if any(n == name for n, _ in tables):
            return f"#错误：「{name}」表给了两次（第{i}个参数）"
        tables.append((name, arg))
    if not any(n == schema.STAFF.name for n, _ in tables):
        return "#错误：缺少员工表（如 staff[#全部]）"
    tables.sort(key=lambda t: t[0])
    grids = [Grid(n, tuple(map(_cells, t))) for n, t in tables]
    digest = _digest(month, grids)
    for handle, m in _HANDLES.items():
        if handle.endswith(digest):
            _HANDLES.move_to_end(handle)
            return handle
    counts: dict = {}
    result, pays, errors = _compute_grids({g.sheet: g for g in grids}, month, counts)
    if errors:
        return _error_text(errors)
    m = _Month(result, pays, errors)
    handle = f"{result.month} · {len(result.people)}人 · {counts.get('events', 0)}条 · {digest}"
    _remember_handle(handle, m)
    return handle


def _remember_handle(handle: str, m: _Month) -> None:
    _HANDLES[handle] = m
    _HANDLES.move_to_end(handle)
    while len(_HANDLES) > HANDLES_KEPT:
        _HANDLES.popitem(last=False)


def _held(handle) -> "_Month | str":
    """The computed month of a handle, or the text the cell shows instead."""
    h = _scalar(handle)
    if not isinstance(h, str):
        return NOT_A_HANDLE
    if h.startswith("#"):  # KEFU_MONTH's own error: shown where it is used
        return h
    m = _HANDLES.get(h)
    if m is not None:
        return m
    return STALE if _HANDLE.match(h) else NOT_A_HANDLE


def _is_handle_form(second, rest) -> bool:
    return all(a is None for a in rest) and _is_scalar(second)


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
    "staff_id": dict(doc="工号，如 KF001（可以是单元格，如 A2）"),
    "this_month": dict(ndim=2, doc="本月：=KEFU_MONTH(…) 所在的单元格（名称「本月」）；旧写法为员工表"),
    "tables": dict(ndim=2, doc="输入表（含表头），如 staff[#全部]、events[#全部]、历史表，任意个、任意顺序；"
                             "最后可加月份，如 \"2026-11\""),
    "staff": dict(ndim=2, doc="员工表（含表头），如 staff[#全部]"),
    "events": dict(ndim=2, doc="（旧写法）事件表（含表头），如 events[#全部]；新写法省略"),
    "rules": dict(ndim=2, doc="（旧写法）规则表（含表头）；新写法省略"),
    "tiers": dict(ndim=2, doc="（旧写法）等级表（含表头）；新写法省略"),
    "settings": dict(ndim=2, doc="（旧写法）参数表（含表头）；新写法省略"),
    "month": dict(doc="（旧写法）月份，如 2026-11；省略时用参数表中的月份"),
    "history": dict(ndim=2, doc="（旧写法）历史表（含表头），连续类规则需要；可省略"),
}
LEGACY_ARGS = ("events", "rules", "tiers", "settings", "month", "history")
PERSON_ARGS = ("staff_id", "this_month") + LEGACY_ARGS
BOARD_ARGS = ("this_month",) + LEGACY_ARGS
TABLE_ARGS = ("staff",) + LEGACY_ARGS  # the older table forms' arguments


def udf(*argnames):
    """Declare an Excel function: the xlwings decorators for its arguments."""
    def deco(fn):
        for name in reversed(argnames):
            fn = xw.arg(name, **ARGS[name])(fn)
        return xw.func(category=CATEGORY)(fn)
    return deco


@udf("tables")
def KEFU_MONTH(*tables):
    """计算一个月（每个输入表按表头识别，含历史表），返回「本月」的名字：月份 · 人数 · 条数 · 输入摘要。把它放在一个单元格并命名为「本月」，其他 KEFU 函数引用它。"""
    return month_handle(*tables)


def _person_value(fn, staff_id, this_month, legacy):
    if _is_handle_form(this_month, legacy):
        m = _held(this_month)
        return m if isinstance(m, str) else _answer_in(m, fn, staff_id)
    return _answer(fn, staff_id, (this_month,) + tuple(legacy))


@udf(*PERSON_ARGS)
def KEFU_SCORE(staff_id, this_month, events=None, rules=None, tiers=None, settings=None, month=None, history=None):
    """员工本月考核得分（按所选方案的全部规则计算，封顶/保底后）。写法：=KEFU_SCORE(A2, 本月)"""
    return _person_value(_score, staff_id, this_month, (events, rules, tiers, settings, month, history))


@udf(*PERSON_ARGS)
def KEFU_GRADE(staff_id, this_month, events=None, rules=None, tiers=None, settings=None, month=None, history=None):
    """员工本月考核等级（评定），不参评时为「不参评」。写法：=KEFU_GRADE(A2, 本月)"""
    return _person_value(_grade, staff_id, this_month, (events, rules, tiers, settings, month, history))


@udf(*PERSON_ARGS)
def KEFU_TIER_SALARY(staff_id, this_month, events=None, rules=None, tiers=None, settings=None, month=None,
                     history=None):
    """员工本月应发工资（等级基本工资、津贴、工龄、绩效奖金、提成、奖罚与保底）。写法：=KEFU_TIER_SALARY(A2, 本月)"""
    return _person_value(_gross, staff_id, this_month, (events, rules, tiers, settings, month, history))


@udf(*PERSON_ARGS)
def KEFU_BONUS_DEDUCTION(staff_id, this_month, events=None, rules=None, tiers=None, settings=None, month=None,
                         history=None):
    """因得分偏低扣减的当月奖金金额（元），如 A2-12：低于25分扣10%。写法：=KEFU_BONUS_DEDUCTION(A2, 本月)"""
    return _person_value(_bonus_cut, staff_id, this_month, (events, rules, tiers, settings, month, history))


BOARD_HEADER = dashboard.BOARD_HEADER


def board_rows(result, pays) -> List[list]:
    """The month's board (the rows 看板 shows after a close), numbers as Excel takes them."""
    return [list(BOARD_HEADER)] + [[_excel(v) for v in r] for r in dashboard.board_rows(result, pays)]


def _excel(v):
    return float(v) if isinstance(v, Decimal) else v


@udf(*BOARD_ARGS)
def KEFU_BOARD(this_month, events=None, rules=None, tiers=None, settings=None, month=None, history=None):
    """本月排行榜：一次计算全体员工，结果自动溢出为表格。写法：=KEFU_BOARD(本月)"""
    legacy = (events, rules, tiers, settings, month, history)
    if _is_handle_form(this_month, legacy):
        m = _held(this_month)
        if isinstance(m, str):
            return [[m]]
        return board_rows(m.result, m.pays)
    result, pays, errors = compute(this_month, *legacy)
    if errors:
        return [[_error_text(errors)]]
    return board_rows(result, pays)


EXPLAIN_HEADER = ("日期", "规则", "分值", "金额", "类别", "来源", "说明")


def explain_rows(p, pay) -> List[list]:
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


@udf(*PERSON_ARGS)
def KEFU_EXPLAIN(staff_id, this_month, events=None, rules=None, tiers=None, settings=None, month=None, history=None):
    """一个人本月每一分、每一元的来历：事件、规则和政策出处（自动溢出）。写法：=KEFU_EXPLAIN(A2, 本月)"""
    legacy = (events, rules, tiers, settings, month, history)
    if _is_handle_form(this_month, legacy):
        m = _held(this_month)
        if isinstance(m, str):
            return [[m]]
        p, pay, err = _person_in(m, staff_id)
    else:
        p, pay, err = _person(staff_id, (this_month,) + legacy)
    if err:
        return [[err]]
    return explain_rows(p, pay)


UDFS = (KEFU_MONTH, KEFU_SCORE, KEFU_GRADE, KEFU_TIER_SALARY, KEFU_BONUS_DEDUCTION, KEFU_BOARD, KEFU_EXPLAIN)


__all__ = ["KEFU_MONTH", "KEFU_SCORE", "KEFU_GRADE", "KEFU_TIER_SALARY", "KEFU_BONUS_DEDUCTION", "KEFU_BOARD",
           "KEFU_EXPLAIN"]
