"""C-9: a second service visit caused by the engineer's own fault earns no work points.

A 返工 rule names the work-points metric (指标, e.g. 服务积分) and the word HR
writes in 事件.评价 of such a visit (参数 评价=本人返工).  Those visits stay in
明细 with 0 points and never reach the metric.
"""
from __future__ import annotations

from ..core.model import CAT_INFO, ZERO, Line
from ..rules.grammar import _fmt

WORD = "本人返工"


def select(run) -> None:
    rules = [r for r in run.rules.values() if r.kind == "rework"]
    if not rules:
        return
    by_metric = {r.rule.metric: r for r in rules if r.rule.metric}
    kept = []
    for ev in run.events:
        rule = by_metric.get(ev.rule)
        if rule is not None and ev.rating == (rule.params.get("评价") or WORD) and ev.staff_id in run.people:
            shown = f"{_fmt(ev.amount)} " if ev.amount is not None else ""
            run.people[ev.staff_id].add(Line(ev.staff_id, rule.code, ZERO, ZERO, CAT_INFO, ev.date,
                                             f"本人原因造成二次服务，该次{shown}工分不计" + (f"；{ev.note}" if ev.note else ""),
                                             rule.rule.source, ev.row))
            continue
        kept.append(ev)
    run.events[:] = kept
