"""Test helpers: input tables written as text in the test itself."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence

from kefu_xl.engine import month as engine
from kefu_xl.rules import presets
from kefu_xl.read import readers
from kefu_xl.core import schema
from kefu_xl.core.model import Month, MonthResult
from kefu_xl.read.tables import grid_from_dicts, grid_from_text

STAFF = """
工号 姓名 组别 等级 状态
K01 张三 A组 初级 在职
K02 李四 A组 初级 在职
K03 王五 B组 中级 在职
"""

D = Decimal


def grids(scheme: str, events: str, staff: str = STAFF, month: str = "2026-11", rules: Optional[List[dict]] = None,
          settings: Sequence[dict] = ()) -> Dict:
    rows = presets.setting_rows(scheme, month) + list(settings)
    return {
        "员工": grid_from_text("员工", staff),
        "事件": grid_from_text("事件", events or "日期 工号 规则"),
        "规则": grid_from_dicts(schema.RULES, rules if rules is not None else presets.rule_rows()),
        "参数": grid_from_dicts(schema.SETTINGS, rows),
        "等级": grid_from_dicts(schema.TIERS, presets.tier_rows()),
    }


def close(scheme: str, events: str, staff: str = STAFF, month: str = "2026-11", history=(), rules=None,
          settings=(), as_of=None) -> MonthResult:
    book, problems = readers.read_book(grids(scheme, events, staff, month, rules, settings))
    assert not [p for p in problems if p.is_error], problems
    book = dataclasses.replace(book, history=tuple(history))
    res = engine.compute_month(book, as_of=as_of)
    return res


def close_months(scheme: str, events_by_month: Dict[str, str], staff: str = STAFF, **kw) -> List[MonthResult]:
    """Close consecutive months, each seeing the history of the earlier ones."""
    history: list = []
    out = []
    for month, events in events_by_month.items():
        res = close(scheme, events, staff, month, history=tuple(history), **kw)
        assert not res.errors, res.errors
        history += engine.history_from_result(res)
        out.append(res)
    return out


def person(res: MonthResult, sid: str):
    p = res.person(sid)
    assert p is not None, sid
    return p


def lines(res: MonthResult, sid: str, rule: str):
    return [ln for ln in person(res, sid).lines if ln.rule == rule]


def points(res: MonthResult, sid: str, rule: str) -> Decimal:
    return sum((ln.points for ln in lines(res, sid, rule)), Decimal(0))


def amount(res: MonthResult, sid: str, rule: str) -> Decimal:
    return sum((ln.amount for ln in lines(res, sid, rule)), Decimal(0))


def codes(res: MonthResult) -> List[str]:
    return [p.code for p in res.problems]


def staff_n(n: int, group: str = "A组") -> str:
    rows = ["工号 姓名 组别 等级 状态"] + [f"S{i:02d} 员工{i:02d} {group} 初级 在职" for i in range(1, n + 1)]
    return "\n".join(rows)
