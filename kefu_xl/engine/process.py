"""E-6 and B-5: the deadlines of the reward/sanction process (流程时限).

One 流程时限 row per scheme holds that scheme's windows (参数):

    记录时限=24小时       recorded within 24 h of the incident      (E-6)
    审核时限=3工作日      checked by the supervisor within 3 working days (E-6)
    公示天数=3工作日      published for 3 working days (E-6); optional: blank keeps 参数 公示天数
    异议时限=3工作日      objections within the publication window (E-6); blank: 参数 异议天数 (B-5: 1 day)
    超时=警告             a late step is a warning on 问题 (错误: an error, the close stops)

Dates come from the 事件 columns 发生日期 (blank: 日期), 记录日期, 审核日期,
公示日期, 异议日期 and 异议决定日期; a step is only checked when its dates are
filled.  An objection filed inside its window keeps the event 异议中 (not
counted); once decided (状态 生效/已批准, 异议决定日期 filled) an event whose own
month is already closed is counted once in the next open month by the
carry-forward (engine/carry.py, the 结转 sheet).  An objection filed after its
window is flagged and the event stays held until HR decides it; a decision
date on an event still 异议中 is flagged too.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional, Tuple

from ..core.model import ERROR, WARNING

DEFAULTS = {"记录时限": "24小时", "审核时限": "3工作日", "异议时限": ""}  # 异议时限 blank: 参数 异议天数 (B-5)
_SPAN = re.compile(r"^(\d+)\s*(小时|天|日|工作日|个工作日)?$")


def span(text: str) -> Tuple[int, str]:
    """'24小时' -> (1, 天); '3工作日' -> (3, 工作日); '1天' / '1' -> (1, 天)."""
    m = _SPAN.match(text.replace(" ", ""))
    if not m:
        raise ValueError(text)
    n, unit = int(m.group(1)), m.group(2) or "天"
    if unit == "小时":
        return max(1, -(-n // 24)), "天"
    return n, ("工作日" if "工作" in unit else "天")


def _after(run, start: dt.date, n: int, unit: str) -> dt.date:
    if unit == "工作日":  # the working-day calendar (core/calendar.py: holidays, make-up days, 节假日)
        return run.opts.calendar.working_days_after(start, n)
    return start + dt.timedelta(days=n)


def _policy(run):
    rules = [r for r in run.rules.values() if r.kind == "deadline"]
    if not rules:
        return None
    rule = rules[0]
    out = {}
    dispute = f"{run.book.config.at(run.opts.month).dispute_days}天"  # the one settings object (core/settings.py)
    for key, default in DEFAULTS.items():
        text = rule.params.get(key) or default or dispute
        try:
            out[key] = span(text)
        except ValueError:
            run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM",
                        f"规则「{rule.code}」：{key}「{text}」应写成 24小时、3工作日 或 1天")
            out[key] = span(DEFAULTS[key] or dispute)
    text = rule.params.get("公示天数")
    if text:
        try:
            span(text)
        except ValueError:
            run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」：公示天数「{text}」应写成 3工作日")
    severity = ERROR if rule.params.get("超时") in ("错误", "error") else WARNING
    return rule, out, severity


def select(run) -> None:
    if not run.book.process:  # no process dates anywhere: nothing to check
        return
    got = _policy(run)
    if got is None:
        return
    rule, win, severity = got
    from . import month as M
    process = run.book.process
    code = "E_LATE_STEP" if severity == ERROR else "W_LATE_STEP"
    src = rule.rule.source

    def late(ev, column, what):
        run.problem(ev.src.at(column), code, f"{ev.staff_id} {ev.rule}：{what}（{src}）", severity)

    # steps of this month's events (counted or held)
    for ev in list(run.events) + list(run.pending):
        pd = process.get(ev.row)
        if pd is None:
            continue
        incident = pd.incident or ev.date
        recorded = pd.recorded
        n, unit = win["记录时限"]
        if recorded is not None and recorded > _after(run, incident, n, unit):
            late(ev, "记录日期", f"发生于 {incident.isoformat()}，{recorded.isoformat()} 才记录，超过 {n}{unit}")
        n, unit = win["审核时限"]
        start = recorded or incident
        if ev.approved is not None and ev.approved > _after(run, start, n, unit):
            late(ev, "审核日期", f"{start.isoformat()} 记录，{ev.approved.isoformat()} 才审核，超过 {n}{unit}")
        objected = pd.objected
        if objected is not None and ev.published is not None:
            n, unit = win["异议时限"]
            if objected > _after(run, ev.published, n, unit):
                late(ev, "异议日期", f"{ev.published.isoformat()} 公示，{objected.isoformat()} 才提出异议，超过 {n}{unit}："
                                   "异议不暂停执行，请驳回后按原结果计入")
        decided = pd.decided
        if decided is not None and ev.status in M.DISPUTED:
            run.problem(ev.src.at("状态"), "W_DECIDED_STILL_DISPUTED",
                        f"{ev.staff_id} {ev.rule}：{decided.isoformat()} 已处理完异议，状态仍为「{ev.status}」：请改为 生效 或 驳回",
                        WARNING)


def publish_days(run, default: int) -> Optional[int]:
    """The scheme's 公示天数 (working days) when its 流程时限 row writes one; else None (参数 公示天数)."""
    rules = [r for r in run.rules.values() if r.kind == "deadline"]
    text = rules[0].params.get("公示天数") if rules else ""
    if not text:
        return None
    try:
        return span(text)[0]
    except ValueError:
        return None  # reported by select()
