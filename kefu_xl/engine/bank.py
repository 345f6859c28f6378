"""E-1: redeemable points (积分存入 / 积分兑换).

Points earned for verified excellent service go to a per-person account, not
to the month's score; redemptions (training, time off, goods) take them out.
The balance is carried across months through 历史 (the counter ``#积分:账户``
holds each closed month's closing balance) and can never go below zero: a
redemption larger than the balance is an error on its event row.

    积分存入  分值 10~50 (HR enters the points), 参数 账户=兑换积分
    积分兑换  分值 自定 (the points redeemed),    参数 账户=兑换积分
"""
from __future__ import annotations

from decimal import Decimal
from typing import Dict, List, Tuple

from ..core.model import CAT_INFO, ZERO, Line
from ..rules.grammar import _fmt

EVENT_KINDS = ("bank_in", "bank_out")
DEFAULT_ACCOUNT = "兑换积分"


def account(rule) -> str:
    return rule.params.get("账户") or DEFAULT_ACCOUNT


def counter_key(name: str) -> str:
    return f"#积分:{name}"


def validate(run, ev, rule) -> bool:
    from . import month as M
    if ev.amount is not None:
        run.problem(ev.src.at("金额"), "E_VALUE_NOT_ALLOWED", f"规则「{rule.code}」记的是积分，请在分值列填写，金额列留空")
        return False
    if ev.points is None and not (rule.points and isinstance(rule.points.steps[0].value, Decimal)):
        run.problem(ev.src.at("分值"), "E_VALUE_REQUIRED", f"规则「{rule.code}」需要在分值列填写积分")
        return False
    if ev.points is not None and ev.points <= 0:
        run.problem(ev.src.at("分值"), "E_OUT_OF_RANGE", "积分应为正数（兑换也填正数）")
        return False
    return M._check_entry(run, ev, rule.points, ev.points, "分值", rule)


def opening(run, sid: str, name: str) -> Decimal:
    """The closing balance of the person's latest closed month (0 when none)."""
    rows = run.earlier(sid)
    if not rows:
        return ZERO
    last = max(rows, key=lambda h: h.month)
    c = last.counters.get(counter_key(name))
    return Decimal(c[1]) if c else ZERO


def events(run) -> None:
    rules = [r for r in run.rules.values() if r.kind in EVENT_KINDS]
    if not rules:
        return
    names = sorted({account(r) for r in rules})
    moves: Dict[Tuple[str, str], List] = {}
    for ev in run.events:
        rule = run.rules.get(ev.rule)
        if rule is not None and rule.kind in EVENT_KINDS and ev.staff_id in run.people:
            moves.setdefault((ev.staff_id, account(rule)), []).append((ev, rule))
    src = rules[0].rule.source
    for sid, person in run.people.items():
        for name in names:
            start = bal = opening(run, sid, name)
            got = spent = ZERO
            for ev, rule in moves.get((sid, name), ()):
                pts = (ev.points if ev.points is not None else rule.points.steps[0].value) * ev.qty
                if rule.kind == "bank_out":
                    if pts > bal:
                        run.problem(ev.src.at("分值"), "E_BANK_OVERDRAFT",
                                    f"{person.staff.name} 兑换 {_fmt(pts)} 分超过「{name}」余额 {_fmt(bal)} 分（余额不能为负，E-1）")
                        continue
                    bal -= pts
                    spent += pts
                    what = f"兑换 {_fmt(pts)} 分"
                else:
                    bal += pts
                    got += pts
                    what = f"存入 {_fmt(pts)} 分"
                note = f"{name}{what}，余额 {_fmt(bal)} 分" + (f"；{ev.note}" if ev.note else "")
                person.add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, ev.date, note, rule.rule.source, ev.row))
            if start or got or spent:
                person.add(Line(sid, name, ZERO, ZERO, CAT_INFO, None,
                                f"{name}：期初 {_fmt(start)} 分，存入 {_fmt(got)} 分，兑换 {_fmt(spent)} 分，期末 {_fmt(bal)} 分",
                                src))
                person.counters[counter_key(name)] = [Decimal(1), bal]
