"""D-10: a leader who saw a violation and neither dealt with it nor stopped it is sanctioned too.

HR writes the leader's 工号 in 事件.失职领导 on the violation's row.  A rule that
allows it says so in 参数 (领导连带=同等): the leader gets the same points and
money as the offender's line of that event (the offender's occurrence decides
the step), and a flag for HR.  The column on a rule without the option is an
error (nothing is guessed).
"""
from __future__ import annotations

from ..core.model import ERROR


def events(run) -> None:
    process = run.book.process
    if not process:
        return
    for ev in run.events:
        pd = process.get(ev.row)
        if pd is None or not pd.leader:
            continue
        rule = run.rules[ev.rule]
        if not rule.params.get("领导连带"):
            run.problem(ev.src.at("失职领导"), "E_LEADER_NOT_ALLOWED",
                        f"规则「{rule.code}」没有领导连带处罚（参数 领导连带=同等），不能填写失职领导")
            continue
        lead = run.people.get(pd.leader)
        if lead is None:
            run.problem(ev.src.at("失职领导"), "E_UNKNOWN_STAFF", f"失职领导「{pd.leader}」不在「员工」表中（或本月不在职）")
            continue
        if pd.leader == ev.staff_id:
            run.problem(ev.src.at("失职领导"), "E_LEADER_NOT_ALLOWED", "失职领导不能是违纪者本人", ERROR)
            continue
        offender = run.people.get(ev.staff_id)
        if offender is None:
            continue
        mine = [ln for ln in offender.lines if ln.event_row == ev.row and ln.rule == ev.rule]
        if not mine:
            continue
        ln = mine[0]
        lead.add(ln._replace(staff_id=pd.leader,
                             note=f"领导连带：{offender.staff.name}「{rule.rule.name}」未及时处理制止"
                                  + (f"（{ln.note}）" if ln.note else "")))
        lead.flag(f"领导连带处罚：{offender.staff.name} {ev.date.isoformat()}「{rule.rule.name}」（{rule.rule.source}）")
