"""A person's pay figures as the close sealed them: PayResult <-> one line of text (JSON).

The close keeps every figure of each person's payslip (PayResult's fields but
its money lines) in 封存, so a sealed month's payslip is built from what was
paid, never worked out again from today's 员工, 等级 or 规则 (issue 21).
The money lines (明细) are not kept: they explain the figures and come from
the month's counted events, which the seal protects.

Zero amounts and empty fields are left out (most of a person's fields are 0).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Optional

from ..core.model import Month, Staff
from .pay import PartMonth, PayResult

_SKIP = ("staff", "month", "items", "part", "flags")
_FIELDS = tuple(f for f in dataclasses.fields(PayResult) if f.name not in _SKIP)
_BY_NAME = {f.name: f for f in _FIELDS}


class FiguresError(ValueError):
    """The sealed text is not a person's figures (edited by hand)."""


def to_text(r: PayResult) -> str:
    """The sealed line of one person's pay (JSON, keys sorted: the same figures give the same text)."""
    out: Dict[str, Any] = {"id": r.staff.id, "name": r.staff.name, "group": r.staff.group}
    for f in _FIELDS:
        v = getattr(r, f.name)
        if v is None or v == "" or (isinstance(v, (Decimal, int)) and not isinstance(v, bool) and v == 0
                                    and f.name != "deduction_limit"):
            continue
        out[f.name] = str(v) if isinstance(v, Decimal) else v
    if r.flags:
        out["flags"] = list(r.flags)
    if r.part is not None:
        p = r.part
        out["part"] = [p.method, p.first.isoformat(), p.last.isoformat(), p.days, str(p.per)]
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _decimal(v) -> Decimal:
    if not isinstance(v, str):
        raise FiguresError(v)
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise FiguresError(v) from None
    if not d.is_finite():
        raise FiguresError(v)
    return d


def from_text(text: str, month: Month, staff_of: Optional[Callable[[str], Optional[Staff]]] = None) -> PayResult:
    """The PayResult of a sealed line.  `staff_of(工号)`: today's record of the person (its other columns,
    e.g. a 工资条密码, serve the payslip's password), its 姓名 and 组别 those sealed; None: made from the line."""
    try:
        d = json.loads(text)
    except (TypeError, ValueError):
        raise FiguresError(text) from None
    if not isinstance(d, dict) or not isinstance(d.get("id"), str) or not d["id"]:
        raise FiguresError(text)
    name, group = d.get("name", ""), d.get("group", "")
    if not isinstance(name, str) or not isinstance(group, str):
        raise FiguresError(text)
    staff = staff_of(d["id"]) if staff_of is not None else None
    if staff is None:
        staff = Staff(d["id"], name, group=group)
    else:
        staff = dataclasses.replace(staff, id=d["id"], name=name, group=group)
    kw: Dict[str, Any] = {}
    for key, v in d.items():
        f = _BY_NAME.get(key)
        if f is None:
            continue
        if f.type in ("int", int):
            if not isinstance(v, int) or isinstance(v, bool):
                raise FiguresError(text)
            kw[key] = v
        elif f.type in ("str", str):
            if not isinstance(v, str):
                raise FiguresError(text)
            kw[key] = v
        else:
            kw[key] = _decimal(v)
    flags = d.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(x, str) for x in flags):
        raise FiguresError(text)
    part = None
    if "part" in d:
        try:
            method, first, last, days, per = d["part"]
            part = PartMonth(str(method), _dt.date.fromisoformat(first), _dt.date.fromisoformat(last), int(days),
                             _decimal(per))
        except (TypeError, ValueError):
            raise FiguresError(text) from None
    try:
        return PayResult(staff, month, flags=tuple(flags), part=part, **kw)
    except TypeError:
        raise FiguresError(text) from None
