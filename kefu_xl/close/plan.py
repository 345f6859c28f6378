"""The month close as one pure function: records in, sheets to write out.

`plan_close` runs the engine and the payroll on a `Book`, decides whether the
close may happen (input errors: nothing is written; month already closed:
refused) and returns the owned sheets to write.  The file shell (cli) and the
Excel shell (macros) both call it, so Excel and the command line give the
same answers.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..xlsx import aside
from ..engine import month as engine
from ..engine import carry
from ..payroll import pay as payroll
from ..payroll import figures as pay_figures
from ..payroll import payday
from ..write import board as dashboard
from ..write import reports
from ..core import schema
from ..core.calendar import default_calendar
from . import seal
from ..write import results as writers
from ..core.grid import Grid, SheetOut
from ..core.settings import PAYROLL
from ..core.model import ERROR, WARNING, HistoryRow, Month, MonthResult, Problem, Source
from ..read.readers import Book, read_book, read_table

PAY_SHEETS = ("工资表", "工资条", "工资历史")
OWNED_NAMES = tuple(s.name for s in schema.OWNED_SHEETS) + PAY_SHEETS + reports.REPORT_SHEETS + (dashboard.SHEET,)
# in the order `load` turns them into records (the largest, 事件, is parsed first, by itself: xlsxio.Grids)
READ_NAMES = ("工资历史", schema.LOG.name, schema.SEALS.name, seal.CHAIN.name, schema.RESULTS.name, "工资表",
              schema.SETTINGS.name, schema.STAFF.name, schema.RULES.name, schema.TIERS.name, schema.HISTORY.name,
              schema.METRICS.name, schema.IMPORT_MAP.name, schema.CARRY.name, schema.HOLIDAYS.name,
              schema.TRANSFERS.name, schema.ORDERS.name, schema.WEEKS.name, schema.EXAMS.name, schema.EVENTS.name)
assert set(READ_NAMES) >= {s.name for s in schema.INPUT_SHEETS}

# sheets a close only appends to: their rows as read are kept (SheetOut.extra kept_rows)
APPEND_ONLY_NAMES = (schema.HISTORY.name, "工资历史", schema.SEALS.name, schema.LOG.name, schema.CARRY.name,
                     seal.CHAIN.name)

from ..core.exits import EXIT_INPUT, EXIT_OK, EXIT_REFUSED  # noqa: F401 (named here too)


@dataclass(frozen=True)
class Loaded:
    """A workbook read into records (from any shell)."""

    book: Book
    problems: Tuple[Problem, ...]
    pay_history: Tuple[payroll.PayHistory, ...] = ()
    log_rows: Tuple[Tuple[Any, ...], ...] = ()
    seals: Mapping[Tuple[Month, int], seal.Seal] = field(default_factory=dict)
    seal_rows: Tuple[Tuple[Any, ...], ...] = ()
    chain: Tuple[seal.ChainRow, ...] = ()
    chain_rows: Tuple[Tuple[Any, ...], ...] = ()
    head: Optional[str] = None  # the chain head (document property); None: this reader cannot see it
    written: Optional[seal.Written] = None  # the sheets the close wrote, as digests


def load(grids: Mapping[str, Grid], properties: Optional[Mapping[str, str]] = None) -> Loaded:
    """Grids (by sheet name) to records, collecting every reader problem.

    `properties`: the workbook's custom document properties, when the shell
    can read them (the seal chain's head is one); None: not checked."""
    pay_hist: List[payroll.PayHistory] = []
    pay_problems: List[Problem] = []
    g = grids.get("工资历史")
    if g is not None:
        pay_hist, pay_problems = payroll.pay_history_from_grid(g)
    log = read_table(grids.get(schema.LOG.name), schema.LOG) if schema.LOG.name in grids else None
    log_rows = tuple(tuple(r.values.get(c.key) for c in schema.LOG.columns) for r in log.rows) if log else ()
    seals, seal_rows = seal.read_seals(grids.get(schema.SEALS.name))
    chain, chain_rows = seal.read_chain(grids.get(seal.CHAIN.name))
    written = seal.written_from_grids(grids, payroll.SHEET_HEADER)
    head = None if properties is None else str(properties.get(seal.HEAD_PROPERTY) or "")
    book, problems = read_book(grids)  # the book last: it reads 事件, the largest sheet
    return Loaded(book, tuple(problems + list(pay_problems)), tuple(pay_hist), log_rows, seals, tuple(seal_rows),
                  chain, chain_rows, head, written)


@dataclass(frozen=True)
class Plan:
    month: Optional[Month]
    result: MonthResult
    pays: Tuple[payroll.PayResult, ...]
    problems: Tuple[Problem, ...]
    sheets: Tuple[SheetOut, ...] = ()
    refused: str = ""
    digest: str = ""
    charts: Tuple[Dict[str, Any], ...] = ()  # reports.sized_charts of the sheets: both writers resize the charts
    properties: Mapping[str, str] = field(default_factory=dict)  # document properties the shells write

    @property
    def errors(self) -> Tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def exit_code(self) -> int:
        if self.refused:
            return EXIT_REFUSED
        return EXIT_INPUT if self.errors else EXIT_OK

    def pay_by_id(self) -> Dict[str, payroll.PayResult]:
        return {r.staff.id: r for r in self.pays}

    def as_json(self) -> dict:
        pays = {r.staff.id: payroll.pay_json(r) for r in self.pays}
        pay_flags = {r.staff.id: r.flags for r in self.pays}
        return writers.close_json(self.result, pays, self.problems, pay_flags)


def versions(history: Sequence[HistoryRow]) -> Dict[Month, Tuple[int, bool]]:
    """Month -> (latest version number, reversed?) in the history."""
    out: Dict[Month, Tuple[int, bool]] = {}
    for h in history:
        v, rev = out.get(h.month, (0, False))
        if h.version > v or (h.version == v and h.state == engine.REVERSED):
            out[h.month] = (h.version, h.state == engine.REVERSED)
    return out


def closed_months(history: Sequence[HistoryRow]) -> Dict[Month, int]:
    """Months closed now (latest version not reversed) -> version."""
    return {m: v for m, (v, rev) in versions(history).items() if not rev}


def _schemes(history: Sequence[HistoryRow], loaded: "Loaded") -> Dict[Month, str]:
    config = loaded.book.config
    return {m: config.at(m).scheme for m in closed_months(history)}


def compute(loaded: Loaded, month: Optional[Month] = None, as_of: Optional[dt.date] = None
            ) -> Tuple[MonthResult, Tuple[payroll.PayResult, ...], List[Problem]]:
    """Engine then payroll, no decision about writing."""
    book = loaded.book
    result = engine.compute_month(book, month, as_of=as_of)
    problems: List[Problem] = list(loaded.problems) + list(result.problems)
    if loaded.seals or loaded.chain or loaded.head:
        closed = closed_months(book.history)
        problems += seal.check(book, loaded.seals, closed, _schemes(book.history, loaded),
                               loaded.chain, loaded.head, loaded.written, _decided,
                               skip=carry.uncounted_rows(book.carry, closed),
                               carried=carry.carried_rows(book.carry, closed))
    if not result.people and result.errors:
        return result, (), problems
    policy = book.config.at(result.month)
    problems += policy.problems_of(PAYROLL)
    tiers = {t.tier: t for t in book.tiers}
    cal = default_calendar(book.holidays)
    inputs = []
    for person in result.people:
        part = payroll.part_month(person.staff, result.month, cal, policy.part_method)
        inputs.append(payroll.PayInput(person.staff, tiers.get(person.staff.tier), person, result.month, part=part))
    history: Dict[str, List[payroll.PayHistory]] = {}
    for h in loaded.pay_history:
        if h.month < result.month:
            history.setdefault(h.staff_id, []).append(h)
    pays, p = payroll.compute_payroll(inputs, policy, history)
    problems += _one_tier_problem(p, book)
    return result, pays, problems


def _one_tier_problem(problems: List[Problem], book: Book) -> List[Problem]:
    """Everyone without a 等级 because the column's header was overwritten: one problem naming the
    header, not one per person."""
    no_tier = [x for x in problems if x.code == "E_PAY_NO_TIER"]
    if len(no_tier) < 2 or any(s.tier for s in book.staff):
        return problems
    known = set(schema.STAFF.headers) | {c.key for c in schema.STAFF.columns}
    unknown = sorted({str(k) for s in book.staff for k in s.extra if str(k) not in known and not str(k).isascii()})
    hint = f"（表头中不认识的列：{'、'.join('「' + u + '」' for u in unknown[:5])}）" if unknown else ""
    one = Problem("E_PAY_NO_TIER", f"「员工」表没有「等级」列，或它的表头被改写了{hint}：所有 {len(no_tier)} 人都没有等级，"
                                   "基本工资无法确定；请把该列的表头改回「等级」", schema.STAFF.name, no_tier[0].row and 1,
                  "等级")
    return [x for x in problems if x.code != "E_PAY_NO_TIER"] + [one]


ASIDE_EVENTS = 5000  # from this many events the seal is computed by a child process (aside.py) on Linux


def _decided(status: str) -> bool:
    """An event status a close counts (or rejects): not waiting for approval, publication or a dispute."""
    return status not in engine.PENDING + engine.PUBLISHING + engine.DISPUTED


def _seal_of(book: Book, month: Month, scheme: str, version: int) -> Dict[str, List[Tuple[int, str, str]]]:
    """The fingerprints of a close's input rows (strings and numbers only: cheap to hand over from a child)."""
    return seal.fingerprints(book, month, scheme)


def sealed_pay_problems(loaded: Loaded, month: Month, pays: Sequence[payroll.PayResult]) -> List[Problem]:
    """For a closed month: each person whose pay, worked out from today's inputs, differs from the
    pay sealed at its close (payslips of a sealed month must show what was paid)."""
    closed = closed_months(loaded.book.history)
    s = loaded.seals.get((month, closed.get(month, 0)))
    if s is None or s.legacy:
        return []
    sealed = s.people()
    now = seal.person_pay_items([(r.staff.id, payroll._row(r)) for r in pays])
    out = []
    for r in pays:
        want = sealed.get(seal._label_fp(r.staff.id))
        if want != now[r.staff.id]:
            what = "不在封存中" if want is None else "与封存时不同"
            out.append(Problem.at(r.staff.src.at("工号", 0), "E_SEALED_PAY",
                                  f"{month} 已月结：按当前「员工」「等级」「规则」等算出的员工「{r.staff.name}」的工资{what}"
                                  f"（月结后有输入被修改），为免工资条与已发工资不符，未生成；请把修改改回原样，"
                                  f"或先 kefu-xl reopen --month {month} --reason … 再重新月结"))
    return out


def sealed_pays(loaded: Loaded, month: Month, pays: Sequence[payroll.PayResult]
                ) -> Tuple[Tuple[payroll.PayResult, ...], List[Problem]]:
    """A closed month's pay as its close sealed it (payslips of a sealed month show what was paid).

    Each person's figures come from the seal (封存, 工资条数据), checked against the seal's digests
    (an edited figure is an error, never a silent recompute).  `pays`, worked out from today's inputs,
    only lend their money lines (明细) to the people whose pay they still give, and name the people
    they would pay differently (a warning).  A seal without figures (sealed by an earlier kefu-xl):
    today's pay, refused where it differs from the sealed one (sealed_pay_problems)."""
    closed = closed_months(loaded.book.history)
    s = loaded.seals.get((month, closed.get(month, 0)))
    if s is None or s.legacy:
        return tuple(pays), []
    lines = s.figures()
    if lines is None:
        return tuple(pays), sealed_pay_problems(loaded, month, pays)
    restore = f"无法按封存的数字生成 {month} 的工资条；请用 .bak 备份或月结前的副本恢复工作簿（或先 reopen 该月再重新月结）"
    first = lines[0][0] if lines else 0
    col = schema.SEALS.column("items").header
    bad = seal.figures_problems(s, restore)
    if bad:
        return (), bad
    today = {r.staff.id.casefold(): r for r in pays}
    staff = {st.id.casefold(): st for st in loaded.book.staff}
    out: List[payroll.PayResult] = []
    for row, text in lines:
        try:
            r = pay_figures.from_text(text, month, lambda sid: staff.get(sid.casefold()))
        except pay_figures.FiguresError:
            return (), [Problem("E_SEALED_FIGURES", f"「封存」第{row}行不是可读的工资条数据（被手工改过）；{restore}",
                                schema.SEALS.name, row, col)]
        out.append(r)
    people = [(r.staff.id, payroll._row(r)) for r in out]
    if seal.person_pay_digest(people) != s.digest("工资条"):
        return (), [Problem("E_SEALED_FIGURES", f"「封存」中 {month} 的工资条数据与封存的每人工资摘要不符（被改动过）；{restore}",
                            schema.SEALS.name, first, col)]
    differ: List[payroll.PayResult] = []
    for i, r in enumerate(out):
        now = today.pop(r.staff.id.casefold(), None)
        if now is not None and seal._written_key(payroll._row(now)) == seal._written_key(people[i][1]):
            out[i] = dataclasses.replace(r, items=now.items)
        else:
            differ.append(r)
    problems: List[Problem] = []
    if differ:
        names = "、".join(f"「{r.staff.name or r.staff.id}」" for r in differ[:5]) + ("等" if len(differ) > 5 else "")
        st = differ[0].staff
        problems.append(Problem.at(st.src.at("工号", 0) if st.src is not None and st.src.row else
                                   Source(schema.SEALS.name, first, col), "W_SEALED_PAY",
                                   f"{month} 已月结：{names}共 {len(differ)} 人按当前「员工」「等级」「规则」等算出的工资"
                                   f"与封存时不同（月结后有输入被修改）；他们的工资条按 {month} 月结时封存的数字生成，不含明细行，"
                                   f"月结后的修改不影响已封存的月份（如需按新内容重算，请先 reopen 该月）", WARNING))
    if today:
        names = "、".join(f"「{r.staff.name or r.staff.id}」" for r in list(today.values())[:5])
        problems.append(Problem("W_SEALED_PAY", f"{month} 已月结：{names}共 {len(today)} 人不在 {month} 的封存中"
                                                f"（月结后才加入「员工」或改了工号），没有为他们生成工资条",
                                schema.STAFF.name, 0, "", WARNING))
    return tuple(out), problems


def plan_close(loaded: Loaded, month: Optional[Month] = None, as_of: Optional[dt.date] = None,
               user: str = "", now: Optional[dt.datetime] = None) -> Plan:
    book = loaded.book
    # the seal needs only the inputs: a large close has a child compute it while the engine runs
    opts, _ = engine.options_for(book, month, None, as_of)
    early = None
    if opts is not None:
        key = (opts.month, opts.scheme, versions(book.history).get(opts.month, (0, False))[0] + 1)
        early = (key, aside.start(_seal_of, book, *key, fork=len(book.events) >= ASIDE_EVENTS))
    try:
        return _plan_close(loaded, month, as_of, user, now, early)
    finally:
        if early is not None:
            early[1].cancel()


def _plan_close(loaded: Loaded, month: Optional[Month], as_of: Optional[dt.date], user: str,
                now: Optional[dt.datetime], early: Optional[Tuple[tuple, aside.Aside]]) -> Plan:
    result, pays, problems = compute(loaded, month, as_of)
    m = result.month
    book = loaded.book
    closed = closed_months(book.history)
    if any(p.is_error for p in problems):
        return Plan(m, result, pays, tuple(problems))
    if m in closed:
        pays, p = sealed_pays(loaded, m, pays)
        problems += p
        msg = f"{m} 已经月结过（第 {closed[m]} 版），不能重复月结；如需更正请先 kefu-xl reopen --month {m} --reason …"
        return Plan(m, result, pays, tuple(problems), refused=msg)
    version = versions(book.history).get(m, (0, False))[0] + 1
    if early is not None and early[0] == (m, result.scheme, version):
        fps = early[1].result()
    else:
        fps = _seal_of(book, m, result.scheme, version)
    fps = seal.split_events(fps, {e.row for e in result.pending})
    if result.carried:  # the events of earlier months this close counted belong to its seal (carry.py)
        rows = {ev.row for ev, _ in result.carried}  # as in 事件 (the engine's copies carry a note)
        fps[seal.EVENTS] = list(fps[seal.EVENTS]) + [seal._event_fp(e, book.process.get(e.row)) for e in book.events
                                                  if e.row in rows]
    inputs = seal.input_digests(fps)
    digest = seal.month_digest(inputs)
    new_rows = engine.history_from_result(result, version, digest)
    if version > 1:
        new_rows = _with_differences(new_rows, book.history, m)
    history = tuple(book.history) + new_rows
    report_sheets, p = reports.build(result, book, history)
    problems += p
    if any(x.is_error for x in p):
        return Plan(m, result, pays, tuple(problems))
    pay_hist = tuple(h for h in loaded.pay_history if h.month != m) + tuple(r.history() for r in pays)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    what = "重新月结" if version > 1 else "月结"
    log = tuple(loaded.log_rows) + ((stamp, user, what, str(m),
                                     f"第 {version} 版，方案 {result.scheme}，{len(result.people)} 人，"
                                     f"{len(result.problems)} 条提示", digest),)
    results = writers.results_sheet(result)
    pay_table = payroll.payroll_sheet(pays, m)
    pay_hist_sheet = payroll.pay_history_sheet(pay_hist, loaded.pay_history)
    month_text = str(m)
    people = [(r.staff.id, payroll._row(r)) for r in pays]
    written = seal.written_digests(writers.history_rows(new_rows),
                                   [r for r in pay_hist_sheet.rows if r[0] == month_text], log, results,
                                   pay_table, people)
    new_seals, digests = seal.seal_rows(fps, m, version, written, seal.person_pay_items(people), inputs,
                                        [(r.staff.id, pay_figures.to_text(r)) for r in pays])
    previous = loaded.chain[-1].link if loaded.chain else ""
    head = seal.link(previous, m, version, digests)
    chain = tuple(loaded.chain_rows) + ((month_text, version, head, previous, stamp),)
    seals = tuple(loaded.seal_rows) + tuple(new_seals)
    carry_rows = tuple(writers.carry_rows(book.carry)) + carry.ledger_rows(m, version, result.pending, result.carried)
    sheets = (
        results,
        writers.details_sheet(result),
        writers.history_sheet(history, kept=len(book.history)),
        writers.problems_sheet(problems),
        writers.log_sheet(log, kept=len(loaded.log_rows)),
        writers.seals_sheet(seals, kept=len(loaded.seal_rows)),
        writers.carry_sheet(carry_rows, kept=len(book.carry)),
        seal.chain_sheet(chain, kept=len(loaded.chain_rows)),
        pay_table,
        payroll.payslip_sheet(pays, m, payday.pay_date(book.config.at(m), m)),
        pay_hist_sheet,
    ) + tuple(report_sheets) + (dashboard.dashboard_sheet(result, pays),)
    return Plan(m, result, pays, tuple(problems), sheets, digest=digest, charts=reports.sized_charts(sheets),
                properties={seal.HEAD_PROPERTY: head})


def _with_differences(rows: Sequence[HistoryRow], history: Sequence[HistoryRow], m: Month) -> Tuple[HistoryRow, ...]:
    """Re-close rows noting what changed against the version that was reversed."""
    prev: Dict[str, HistoryRow] = {}
    for h in history:
        if h.month == m and h.state != engine.REVERSED and (h.staff_id not in prev or h.version > prev[h.staff_id].version):
            prev[h.staff_id] = h
    out = []
    for r in rows:
        old = prev.get(r.staff_id)
        if old is None:
            note = "重新月结：新增人员"
        else:
            parts = []
            if r.score != old.score:
                parts.append(f"得分 {old.score}→{r.score}")
            if r.rank != old.rank:
                parts.append(f"名次 {old.rank}→{r.rank}")
            if r.passed != old.passed:
                parts.append("合格" if r.passed else "不合格")
            note = f"重新月结（对比第{old.version}版）：" + ("，".join(parts) if parts else "无变化")
        out.append(HistoryRow(r.month, r.staff_id, r.name, r.group, r.score, r.rank, r.ranked, r.grade, r.passed,
                              r.excluded, r.counters, r.version, r.digest, r.state, note))
    return tuple(out)


def plan_reopen(loaded: Loaded, month: Month, reason: str, user: str = "", now: Optional[dt.datetime] = None) -> Plan:
    """Reverse a closed month: the history keeps the old version and a reversal of it."""
    book = loaded.book
    closed = closed_months(book.history)
    empty = MonthResult(month, "", (), ())
    if not reason.strip():
        return Plan(month, empty, (), (), refused="重开月份必须写明原因（--reason）")
    if month not in closed:
        return Plan(month, empty, (), (), refused=f"{month} 尚未月结（或已重开），无需重开")
    v = closed[month]
    later = sorted(m for m in closed if m > month)
    if later:
        return Plan(month, empty, (), (), refused=f"{month} 之后的月份（{'、'.join(map(str, later))}）已月结，请从最近的月份开始依次重开")
    rows = [h for h in book.history if h.month == month and h.version == v and h.state != engine.REVERSED]
    reversal = tuple(HistoryRow(h.month, h.staff_id, h.name, h.group, h.score, h.rank, h.ranked, h.grade, h.passed,
                                h.excluded, h.counters, v, h.digest, engine.REVERSED, f"重开：{reason}") for h in rows)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    digest = rows[0].digest if rows else ""
    log = tuple(loaded.log_rows) + ((stamp, user, "重开", str(month), f"冲销第 {v} 版；原因：{reason}", digest),)
    sheets = (writers.history_sheet(tuple(book.history) + reversal, kept=len(book.history)),
              writers.log_sheet(log, kept=len(loaded.log_rows)))
    return Plan(month, empty, (), (), sheets, digest=digest)


