"""Carry-forward: an event a closed month did not count is counted once, in the first close after
it became countable.  Pure: 结转 rows and 历史 in, sets and rows out.

Every close writes to the 结转 sheet one row per event it did not count (状态 公示中 whose window had
not passed, 待审, 已审核, 异议中 …: 结果 未计入) and one row per event of an earlier month that it
counted now (结果 已计入, 原月份 = the event's month).  A row is in force only while its close
(月份, 版本) is that month's closed version in 历史: reopening a month voids what its close wrote,
and closing it again writes it anew.

A later close of month N treats as open every event that a close in force before N left 未计入 and
no close in force before N counted since.  Such an event, still dated in its (sealed) month, is
counted in N when it is countable now (its status, or its publication window judged on N's close
day); its lines say where it came from and a warning on 问题 names both months.  The sealed month
never changes.  The seal check leaves such events alone (`uncounted_rows`): changing the status or
the dates of an event its month did not count is the normal way it becomes countable, while a
change to an event a sealed month did count stays an edit of sealed data.

Events are known by their 事件 row, 工号 and 规则 (`key`): moving rows of 事件 about breaks the
link (and the seal check says so).
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Set, Tuple

from ..core.model import CarryRow, Event, HistoryRow, Month

UNCOUNTED = "未计入"
COUNTED = "已计入"

Key = Tuple[int, str, str]


def key(ev: Event) -> Key:
    return (ev.row, ev.staff_id, ev.rule)


def closed_versions(latest: Mapping[Tuple[Month, str], HistoryRow]) -> Dict[Month, int]:
    """Month -> closed version, from the latest-history mapping (engine.month.latest_history)."""
    return {m: h.version for (m, _), h in latest.items()}


def in_force(rows: Sequence[CarryRow], closed: Mapping[Month, int]) -> List[CarryRow]:
    """The rows written by a close that still stands."""
    return [r for r in rows if closed.get(r.month) == r.version]


def open_items(rows: Sequence[CarryRow], closed: Mapping[Month, int], month: Month) -> Dict[Key, Month]:
    """Events left uncounted by a close before `month` and counted by none since -> their month."""
    live = [r for r in in_force(rows, closed) if r.month < month]
    done = {(r.event_row, r.staff_id, r.rule) for r in live if r.state == COUNTED}
    out: Dict[Key, Month] = {}
    for r in live:
        k = (r.event_row, r.staff_id, r.rule)
        if r.state == UNCOUNTED and k not in done and r.origin < month:
            out.setdefault(k, r.origin)
    return out


def uncounted_rows(rows: Sequence[CarryRow], closed: Mapping[Month, int]) -> Dict[Month, Set[int]]:
    """Sealed month -> 事件 rows dated in it that its close did not count (the seal check skips them)."""
    out: Dict[Month, Set[int]] = {}
    for r in in_force(rows, closed):
        if r.state == UNCOUNTED and r.origin == r.month:
            out.setdefault(r.month, set()).add(r.event_row)
    return out


def carried_rows(rows: Sequence[CarryRow], closed: Mapping[Month, int]) -> Dict[Month, Set[int]]:
    """Sealed month -> 事件 rows of earlier months that its close counted (they belong to its seal)."""
    out: Dict[Month, Set[int]] = {}
    for r in in_force(rows, closed):
        if r.state == COUNTED:
            out.setdefault(r.month, set()).add(r.event_row)
    return out


def ledger_rows(month: Month, version: int, pending: Sequence[Event], carried: Sequence[Tuple[Event, Month]],
                why: Mapping[int, str] = None) -> Tuple[Tuple, ...]:
    """The 结转 rows a close of `month` appends (columns of schema.CARRY)."""
    why = why or {}
    out = []
    for ev in pending:
        out.append((str(month), version, ev.row, ev.date, ev.staff_id, ev.rule, UNCOUNTED, str(Month.of(ev.date)),
                    why.get(ev.row, ev.status)))
    for ev, origin in carried:
        out.append((str(month), version, ev.row, ev.date, ev.staff_id, ev.rule, COUNTED, str(origin),
                    f"{origin} 月结时未计入，{month} 计入"))
    return tuple(out)
