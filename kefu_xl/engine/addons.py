"""The rule kinds that live in their own small modules (issue 18), and the one
dispatch the month engine calls.

Each module registers the kinds it owns and any of four phase functions, each
taking the engine's run state:

    select   after the month's events are chosen (process deadlines, rework)
    events   after the per-event rules (points accounts, leader liability)
    points   before conditions, exclusion and ranking (exams, KPI card, weighted ranking)
    end      after everything else (orders, weekly plans, seniority, birthdays, team awards)

and optionally `validate(run, event, rule) -> bool` for events of its kinds.
The engine knows nothing else about these kinds.
"""
from __future__ import annotations

from typing import Callable, Dict, List

from . import bank, exams, kpi, leader, orders, process, rework, tenure, weekly

MODULES = (process, rework, bank, leader, exams, kpi, orders, weekly, tenure)
PHASES = ("select", "events", "points", "end")

_BY_PHASE: Dict[str, List[Callable]] = {ph: [getattr(m, ph) for m in MODULES if hasattr(m, ph)] for ph in PHASES}
VALIDATORS: Dict[str, Callable] = {k: m.validate for m in MODULES if hasattr(m, "validate") for k in m.EVENT_KINDS}

# kinds computed from their own sheets or from the staff table: an 事件 row naming one is an error
SHEETS_OF = {"exam": "考试", "weekly": "周计划", "order": "订单", "tenure": "员工", "birthday": "员工",
             "deadline": "", "rework": "", "kpi": "", "weighted": ""}


def _not_an_event(run, ev, rule) -> bool:
    where = SHEETS_OF.get(rule.kind)
    why = f"读「{where}」表" if where else "是设置类规则"
    run.problem(ev.src.at("规则"), "E_RULE_NOT_EVENT", f"规则「{rule.code}」{why}，不能在「事件」表中记录")
    return False


for _k in SHEETS_OF:
    VALIDATORS.setdefault(_k, _not_an_event)


def _phase(name: str) -> Callable:
    fns = _BY_PHASE[name]

    def run_phase(run) -> None:
        for fn in fns:
            fn(run)
    run_phase.__name__ = f"addons_{name}"
    return run_phase


after_select = _phase("select")
after_events = _phase("events")
before_conditions = _phase("points")
at_end = _phase("end")
