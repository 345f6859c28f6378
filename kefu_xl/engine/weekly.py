"""A1-7: weekly plans (周计划 sheet), N weeks in a row at or above a completion rate.

    周计划达标  周计划  金额 200, 参数 完成率>=80%;周数=4;归属=周四

A streak is a run of weeks whose start dates are 7 days apart, each meeting
the condition; a missing week or one below it ends the run.  Streaks run across
month ends (the sheet keeps every week).  The reward is paid when a run reaches
4, 8, 12 … weeks, in the month that owns the week completing it.  A week that
spans two months belongs to the month of its Thursday (归属=周四, the ISO
rule: the month holding most of its days); 归属=周一 or 周日 picks the month of
its first or last day.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..core.model import ZERO, Line, Month, money
from ..rules.grammar import _fmt

OWNER_DAY = {"周四": 3, "周一": 0, "起始日": 0, "周日": 6, "结束日": 6}


def owner(week: dt.date, how: str) -> Month:
    return Month.of(week + dt.timedelta(days=OWNER_DAY.get(how, 3)))


def end(run) -> None:
    rules = [r for r in run.rules.values() if r.kind == "weekly"]
    if not run.book.weeks:
        return
    month = run.opts.month
    by_person = {}
    for w in run.book.weeks:
        by_person.setdefault(w.staff_id, []).append(w)
    for rule in rules:
        how = rule.params.get("归属") or "周四"
        if how not in OWNER_DAY:
            run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」：归属「{how}」应为 周四、周一 或 周日")
            continue
        n = int(rule.params.get("周数") or 4)
        conds = [c for c in rule.params.conds if c.ref == "完成率"]
        amt = rule.amount.steps[0].value if rule.amount else ZERO
        for sid, weeks in by_person.items():
            mine = [w for w in weeks if owner(w.week, how) == month]
            if not mine:
                continue
            person = run.people.get(sid)
            if person is None:
                run.problem(mine[0].src.at("工号"), "E_UNKNOWN_STAFF", f"工号「{sid}」不在「员工」表中（或本月不在职）")
                continue
            ok = {w.week for w in weeks if all(c.test(w.rate) for c in conds)}
            for w in sorted(mine, key=lambda w: w.week):
                if w.week not in ok:
                    continue
                length, d = 1, w.week - dt.timedelta(days=7)
                while d in ok:
                    length += 1
                    d -= dt.timedelta(days=7)
                if length % n:
                    continue
                first = w.week - dt.timedelta(days=7 * (length - 1))
                cond = "、".join(f"{c.ref}{c.op}{c.raw_hint}" for c in conds)
                person.add(Line(sid, rule.code, ZERO, money(amt if isinstance(amt, Decimal) else ZERO),
                                rule.category, w.week + dt.timedelta(days=6),
                                f"{first.isoformat()} 起连续 {length} 周{cond}", rule.rule.source))
