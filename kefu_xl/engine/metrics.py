"""Imported metrics (the 指标 sheet) for the month engine.  Pure.

The API other rules use (A2-2 multi-measure ranking, weighted KPI cards):

    table = month_table(book, month)        # once per run (the engine keeps it as run.imported)
    table.value(staff_id, "询单转化率")       # Decimal or None: the person's value for the month
    table.names(staff_id)                    # the metric names that person has
    table.people()                           # staff ids with any metric

Inside the engine `month.metric_of(run, person, name)` answers for a rule code
(the value a metric rule got from 事件 or from 指标 through 导入映射) or a
指标 name, in that order.

A person's rows under several import keys (accounts in two shops) are
combined by `core.metrics.combine`: counts and amounts added, rates
recomputed from their counts, else weighted by volume (docs/RULES.md).

`mapped_values` applies 导入映射 (and the plain rule: a 指标 name equal to a
metric rule's code is that rule's value): rule code -> value per person.
The same metric for the same person and month typed in 事件 and imported in
指标 is an error (E_METRIC_TWICE), reported by the engine stage.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ..core import metrics as catalogue
from ..core.model import ImportMapping, Metric, Month, Source
from ..read.readers import Book


def key_source(key: str) -> str:
    """The source name of an import key ("chitu-presale|账号|2026-11" -> "chitu-presale")."""
    return key.split("|", 1)[0] if key else ""


class MonthMetrics:
    """The 指标 rows of one month, by person; values combined across import keys on demand."""

    def __init__(self, rows: Iterable[Metric]):
        self._rows: Dict[str, Dict[str, List[Metric]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            self._rows[r.staff_id][r.name].append(r)
        self._memo: Dict[Tuple[str, str, str], Tuple[Optional[Decimal], str]] = {}

    def people(self) -> Tuple[str, ...]:
        return tuple(self._rows)

    def names(self, sid: str) -> Tuple[str, ...]:
        return tuple(self._rows.get(sid, {}))

    def rows(self, sid: str, name: str) -> Tuple[Metric, ...]:
        return tuple(self._rows.get(sid, {}).get(name, ()))

    def value(self, sid: str, name: str, source: str = "") -> Optional[Decimal]:
        """The person's value of `name` this month (only rows imported from `source` when given)."""
        return self.explain(sid, name, source)[0]

    def explain(self, sid: str, name: str, source: str = "") -> Tuple[Optional[Decimal], str]:
        """(value, how several rows were combined: "" for one row, "合计", "付款人数/询单人数", "按接待人数加权", "平均")."""
        k = (sid, name, source)
        got = self._memo.get(k)
        if got is None:
            person = self._rows.get(sid)
            rows = person.get(name) if person else None
            if rows and source:
                rows = [r for r in rows if key_source(r.key) == source]
            if not rows:
                got = (None, "")
            else:
                volumes = {(r.key, n): r.value for n, rs in person.items() for r in rs}
                got = catalogue.combine(name, [catalogue.Part(r.key, r.value) for r in rows], volumes)
            self._memo[k] = got
        return got

    def first_src(self, sid: str, name: str) -> Optional[Source]:
        rows = self._rows.get(sid, {}).get(name)
        return rows[0].src if rows else None


def month_table(book: Book, month: Month) -> MonthMetrics:
    return MonthMetrics(r for r in book.metrics if r.month == month)


def scheme_mappings(mapping: Sequence[ImportMapping], scheme: str) -> Tuple[ImportMapping, ...]:
    """The 导入映射 rows of a scheme (rows with a blank 方案 apply to every scheme)."""
    return tuple(m for m in mapping if not m.scheme or m.scheme == scheme)


def metric_mappings(book: Book, scheme: str, metric_codes: Iterable[str],
                    names: Optional[Iterable[str]] = None) -> Tuple[ImportMapping, ...]:
    """Name -> metric rule code: the 导入映射 rows with a 指标代码, plus a plain row for each metric rule
    whose code is itself a 指标 name used (`names`, default: the names in book.metrics) and not mapped
    otherwise."""
    rows = [m for m in scheme_mappings(book.import_map, scheme) if m.metric]
    mapped_codes = {m.metric for m in rows}
    names = {r.name for r in book.metrics} if names is None else set(names)
    rows += [ImportMapping(code, code) for code in metric_codes if code in names and code not in mapped_codes]
    return tuple(rows)


def rule_mappings(mapping: Sequence[ImportMapping], scheme: str, source: str = "") -> Tuple[ImportMapping, ...]:
    """The 导入映射 rows that generate 事件 rows (with a 规则), for a source."""
    return tuple(m for m in scheme_mappings(mapping, scheme) if m.rule and (not m.source or m.source == source))
