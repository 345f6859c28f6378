"""C-8: seniority pay, birthdays and the office award (team money).

    工龄奖  金额 100, 参数 满月数=12   100 every month once a full year of service is
                                        completed by the month's last day
    生日    金额 100                    100 in the month of the 员工.出生日期
    团队奖  金额 300, 周期 季, 参数 发放=平分
                                        an event on any member of the winning group
                                        (组别); 平分 splits it among the group's active
                                        members to the fen, 团队经费 records it as the
                                        team's money (no personal pay); with 周期 季 a second
                                        award to one group in a quarter is flagged
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Dict

from ..core.model import CAT_INFO, WARNING, ZERO, Line, money
from ..rules.grammar import _fmt

EVENT_KINDS = ("team",)
SPLIT = ("平分", "分给个人", "个人")
TEAM_MONEY = ("团队经费", "团队", "经费")


def full_months(start: dt.date, end: dt.date) -> int:
    n = (end.year - start.year) * 12 + end.month - start.month
    return n - (end.day < start.day)


def _amount(rule) -> Decimal:
    st = rule.amount.steps[0].value if rule.amount else None
    return st if isinstance(st, Decimal) else ZERO


def validate(run, ev, rule) -> bool:
    st = run.people.get(ev.staff_id)
    how = rule.params.get("发放") or SPLIT[0]
    if how not in SPLIT + TEAM_MONEY:
        run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」：发放「{how}」应为 平分 或 团队经费")
        return False
    if st is not None and not st.staff.group:
        run.problem(ev.src.at("工号"), "E_NO_GROUP", f"团队奖按组别发放，但员工「{st.staff.name}」没有组别")
        return False
    if ev.points is not None or ev.amount is not None:
        run.problem(ev.src.at("金额"), "E_VALUE_NOT_ALLOWED", f"规则「{rule.code}」的金额是固定的，请不要手填")
        return False
    return True


def end(run) -> None:
    last = run.opts.month.last_day
    m = run.opts.month
    for rule in run.rules.values():
        if rule.kind == "tenure":
            need = int(rule.params.get("满月数") or 12)
            amt = _amount(rule)
            for sid, p in run.people.items():
                hired = p.staff.hired
                if hired is None or full_months(hired, last) < need:
                    continue
                p.add(Line(sid, rule.code, ZERO, money(amt), rule.category, None,
                           f"{hired.isoformat()} 入职，满 {full_months(hired, last)} 个月（≥{need}）", rule.rule.source))
        elif rule.kind == "birthday":
            amt = _amount(rule)
            for sid, p in run.people.items():
                b = p.staff.extra.get("birthday")
                if isinstance(b, dt.date) and b.month == m.month:
                    p.add(Line(sid, rule.code, ZERO, money(amt), rule.category, None, f"{b.month}月{b.day}日生日",
                               rule.rule.source))
        elif rule.kind == "team":
            _team(run, rule)


def _team(run, rule) -> None:
    from . import month as M
    how = rule.params.get("发放") or SPLIT[0]
    total = _amount(rule)
    months = M._window_months(run.opts.month, rule.window) if rule.window in ("quarter", "year") else None
    won: Dict[str, int] = {}  # group -> awards in the period so far (周期 季: once a quarter)
    if months is not None:
        for sid, rows in run.by_staff.items():
            for h in rows:
                c = h.counters.get(rule.code)
                if h.month in months and c and c[0]:
                    won[h.group] = won.get(h.group, 0) + int(c[0])
    for ev in run.events:
        if ev.rule != rule.code or ev.staff_id not in run.people:
            continue
        group = run.people[ev.staff_id].staff.group
        if months is not None and won.get(group):
            run.problem(ev.src.at("规则"), "W_TEAM_AWARD_TWICE",
                        f"{group} 本期已获「{rule.rule.name}」（周期 {rule.rule.window}），请确认是否重复", WARNING)
        won[group] = won.get(group, 0) + 1
        run.people[ev.staff_id].count(rule.code, Decimal(1), total)
        members = sorted(run.by_group.get(group, []))
        if how in TEAM_MONEY:
            for sid in members:
                run.people[sid].add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, ev.date,
                                         f"{group} 获{rule.rule.name} {money(total)} 元，作为团队经费（不计入个人工资）",
                                         rule.rule.source, ev.row))
            continue
        # split to the fen: everyone gets the floor, the fen left over go one each in 工号 order
        fen = int(money(total) * 100)
        base, extra = divmod(fen, len(members))
        for i, sid in enumerate(members):
            share = Decimal(base + (i < extra)) / 100
            run.people[sid].add(Line(sid, rule.code, ZERO, money(share), rule.category, ev.date,
                                     f"{group} 获{rule.rule.name} {money(total)} 元，{len(members)} 人平分",
                                     rule.rule.source, ev.row))
