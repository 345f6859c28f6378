"""The public surface for the issue-18 tests: sheets in, the `close --json` object out, months chained
through the sheets each close writes (历史, 工资历史, 封存, 操作记录)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from kefu_xl.read.tables import grid_from_text
from kefu_xl.rules import presets
from tests.util import STAFF, grids

CARRIED = ("历史", "工资历史", "封存", "封存链", "操作记录", "结转")


def rules_with(**changes) -> List[dict]:
    """The preset rows with some rows changed: rules_with(代码={"params": ...})."""
    out = []
    for r in presets.rule_rows():
        c = changes.get(r["code"])
        if c is not None and (c.get("scheme") in (None, r["scheme"])):
            r = dict(r, **{k: v for k, v in c.items() if k != "scheme"})
        out.append(r)
    return out


def close_json(scheme: str, events: str, month: str = "2026-11", staff: str = STAFF,
               sheets: Optional[Dict[str, str]] = None, prev: Optional[Dict[str, Grid]] = None,
               rules=None, settings: Sequence[dict] = (), as_of=None, carried: Sequence[str] = CARRIED
               ) -> Tuple[dict, Dict[str, Grid], int]:
    g = grids(scheme, events, staff, month, rules, settings)
    for name, text in (sheets or {}).items():
        g[name] = grid_from_text(name, text)
    for name, grid in (prev or {}).items():
        g[name] = grid
    plan = closing.plan_close(closing.load(g), as_of=as_of)
    written = {s.name: Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows])
               for s in plan.sheets if s.name in carried}
    return plan.as_json(), written, plan.exit_code


def chain(scheme: str, months: Dict[str, dict], carried: Sequence[str] = CARRIED, **kw) -> List[dict]:
    """Close consecutive months; each entry gives close_json's events= and sheets= of that month."""
    prev: Dict[str, Grid] = {}
    out = []
    for month, spec in months.items():
        js, written, code = close_json(scheme, spec.get("events", "日期 工号 规则"), month,
                                       sheets=spec.get("sheets"), prev=prev, carried=carried, **kw)
        assert code == 0, [p for p in js["problems"] if p["severity"] == "error"]
        prev = written
        out.append(js)
    return out


def staff(js: dict, sid: str) -> dict:
    return next(s for s in js["staff"] if s["id"] == sid)


def lines(js: dict, sid: str, rule: str) -> List[dict]:
    return [ln for ln in staff(js, sid)["lines"] if ln["rule"] == rule]


def money(js: dict, sid: str, rule: str) -> str:
    from decimal import Decimal
    return str(sum((Decimal(ln["amount"]) for ln in lines(js, sid, rule)), Decimal("0.00")))


def problems(js: dict, code: str) -> List[dict]:
    return [p for p in js["problems"] if p["code"] == code]
