"""A person's pay figures as the close sealed them: PayResult <-> one line of text.

The close keeps every figure of each person's payslip (PayResult's fields but
its money lines) in 封存, so a sealed month's payslip is built from what was
paid, never worked out again from today's 员工, 等级 or 规则 (issue 21).
The money lines (明细) are not kept: they explain the figures and come from
the month's counted events, which the seal protects.

The line is a JSON array, short because a large team seals thousands a month:
``[1, 工号, 姓名, 组别, [the FIELDS in order], [flags], part or null]``, numbers
written exactly (Decimal text, read back as Decimal).  FIELDS is the frozen
order of format 1: a field PayResult gains goes at its end as format 2
(tests/test_trust_seal.py fails until it does).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from decimal import Decimal
from typing import Any, Callable, List, Optional

from ..core.model import Month, Staff, money
from .pay import PartMonth, PayResult

FORMAT = 1
FIELDS = ("tier", "base_pay", "skill_allowance", "seniority_pay", "service_years", "bonus_standard", "grade_adjust",
          "bonus_cut_amount", "bonus_extra", "bonus_void", "performance_bonus", "rewards", "commission_personal",
          "commission_public", "commission", "guarantee_basis", "guarantee_due", "guarantee_topup",
          "guarantee_settle", "guarantee", "gross", "fines_due", "losses_due", "carried_in", "deduction_limit",
          "fines", "losses", "fines_waived", "loss_carry", "si_base", "hf_base", "pension", "medical",
          "unemployment", "social_insurance", "housing_fund", "taxable", "special_deduction", "tax_months",
          "tax_base_cum", "tax_rate", "tax_cum", "tax", "deductions_total", "net", "min_wage")
NOT_KEPT = ("staff", "month", "items", "part", "flags")  # kept apart (staff, part, flags) or not at all
_TYPES = {f.name: f.type for f in dataclasses.fields(PayResult)}
_INTS = frozenset(k for k in FIELDS if _TYPES[k] in ("int", int))
_TEXTS = frozenset(k for k in FIELDS if _TYPES[k] in ("str", str))
_RATES = frozenset(("tax_rate",))  # not money: kept as written


class FiguresError(ValueError):
    """The sealed text is not a person's figures (edited by hand)."""


def _num(v) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v else "0"
    return str(int(v))


def to_text(r: PayResult) -> str:
    """The sealed line of one person's pay (the same figures give the same text)."""
    vals = []
    for k in FIELDS:
        v = getattr(r, k)
        vals.append("null" if v is None else json.dumps(v, ensure_ascii=False) if k in _TEXTS else _num(v))
    part = "null"
    if r.part is not None:
        p = r.part
        part = json.dumps([p.method, p.first.isoformat(), p.last.isoformat(), p.days, _num(p.per)], ensure_ascii=False,
                          separators=(",", ":"))
    head = json.dumps([FORMAT, r.staff.id, r.staff.name, r.staff.group], ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ",[" + ",".join(vals) + "],"
            + json.dumps(list(r.flags), ensure_ascii=False, separators=(",", ":")) + "," + part + "]")


def _decimal(v) -> Decimal:
    if not isinstance(v, Decimal) or not v.is_finite():
        raise FiguresError(v)
    return v


def from_text(text: str, month: Month, staff_of: Optional[Callable[[str], Optional[Staff]]] = None) -> PayResult:
    """The PayResult of a sealed line.  `staff_of(工号)`: today's record of the person (its other columns,
    e.g. a 工资条密码, serve the payslip's password), its 姓名 and 组别 those sealed; None: made from the line."""
    try:
        d = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        fmt, sid, name, group, vals, flags, part = d
    except (TypeError, ValueError):
        raise FiguresError(text) from None
    if fmt != FORMAT or not isinstance(sid, str) or not sid or not isinstance(name, str) \
            or not isinstance(group, str) or not isinstance(vals, list) or len(vals) != len(FIELDS) \
            or not isinstance(flags, list) or not all(isinstance(x, str) for x in flags):
        raise FiguresError(text)
    staff = staff_of(sid) if staff_of is not None else None
    staff = Staff(sid, name, group=group) if staff is None else dataclasses.replace(staff, id=sid, name=name,
                                                                                       group=group)
    kw: dict = {}
    for k, v in zip(FIELDS, vals):
        if v is None:
            if k != "deduction_limit":
                raise FiguresError(text)
            kw[k] = None
        elif k in _TEXTS:
            if not isinstance(v, str):
                raise FiguresError(text)
            kw[k] = v
        elif k in _INTS:
            if _decimal(v) != int(v):
                raise FiguresError(text)
            kw[k] = int(v)
        else:
            kw[k] = _decimal(v) if k in _RATES else money(_decimal(v))
    spans: Any = None
    if part is not None:
        try:
            method, first, last, days, per = part
            spans = PartMonth(str(method), _dt.date.fromisoformat(first), _dt.date.fromisoformat(last), int(days),
                              _decimal(per))
        except (TypeError, ValueError):
            raise FiguresError(text) from None
    return PayResult(staff, month, flags=tuple(flags), part=spans, **kw)


def unkept_fields() -> List[str]:
    """PayResult fields this format does not keep (a test: must be none)."""
    return [f.name for f in dataclasses.fields(PayResult) if f.name not in FIELDS and f.name not in NOT_KEPT]
