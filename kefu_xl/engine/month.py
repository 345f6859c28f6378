"""The month engine: staff, events, rules and history in; scores, ranks, money
lines, flags and problems out.  Pure: no I/O, no Excel, no clock.

The close runs as a list of stages over a mutable-per-run `_Run` state (built
from immutable records and thrown away at the end), in this order:

 1. compile rules of the active scheme            (rules.compile_rules)
 2. select and validate the month's events         (_select_events)
 3. per-event rules: values, ranges, ladders, group scope (_apply_event_rules)
 4. ratings, bands, metrics                        (_apply_ratings, _apply_bands)
 5. components (sub-scores with their own base/cap/floor), base score
 6. conditions (A2-3, B-4f, E-2), shared commission (D-5)
 7. exclusion from ranking (D-8)
 8. rank awards on metrics (A2-2, B-3)
 9. cap/floor (B-1), ranking by score, rank awards on the score (C-4)
10. grade, pass line (K-1), bonus-cut bands (A2-12)
11. streaks over closed months (A1-1, B-2, D-7), per-point pay (A2-7, C-2),
    growth ladders (C-1)

Every point and yuan becomes a `Line` carrying the rule, the event row and the
DOMAIN source, so the lines of a person always add up to the score.
"""
from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from ..core import values
from ..core.calendar import Calendar, default_calendar
from ..core.model import (CAT_COMMISSION, CAT_FINE, CAT_INFO, CAT_LOSS, CAT_POINTS, CAT_REWARD, ERROR, WARNING,
                    ZERO, Event, HistoryRow, Line, Month, MonthResult, PersonResult, Problem, Source, Staff, money, new_record)
from ..core.settings import ENGINE, TIE_BY_ID, TIE_SHARED
from ..read.readers import Book
from . import metrics as imported_metrics
from . import carry
from . import addons  # rule kinds kept in their own modules (issue 18): one dispatch, see addons.py
from ..rules.grammar import (MONEY_CATEGORIES, SANCTION_WORDS, WARNING_WORD, Compiled, Cond, Range, Rate, Spec, Step, _fmt,
                    band_value, compile_rules, parse_bands)

ALL_STAFF = ("全体", "*", "全部")
COUNTED = ("", "已批准", "生效", "批准", "已生效")
PENDING = ("待审", "已审核")
REJECTED = ("驳回", "已驳回")
PUBLISHING = ("公示中",)
DISPUTED = ("异议中", "复核中")
SCORE_REF = "得分"
WHOLE_MONTH = "整月在职"  # condition reference: 1 when employed the whole month (B-4i)


@dataclass(frozen=True)
class Options:
    month: Month
    scheme: str
    ties: str = TIE_SHARED
    publish_days: int = 3  # E-6: published 3 working days
    as_of: Optional[dt.date] = None  # the day the close runs (publication windows)
    calendar: Calendar = field(default_factory=default_calendar)  # working days (core/calendar.py, 节假日)


def options_for(book: Book, month: Optional[Month] = None, scheme: Optional[str] = None,
                as_of: Optional[dt.date] = None) -> Tuple[Optional[Options], List[Problem]]:
    """The month's options, and the problems of the engine's settings in force (core/settings.py)."""
    config = book.config
    problems: List[Problem] = []
    m = month
    if m is None:
        problems += config.month_problems
        m = config.month
    if m is None:
        problems.append(Problem("E_NO_MONTH", "没有指定月份：请在「参数」表填写 月份（如 2026-11）或在命令行用 --month",
                                "参数"))
        return None, problems
    cfg = config.at(m)
    sch = scheme or cfg.scheme
    known = sorted({r.scheme for r in book.rules if r.scheme})
    if sch and known and sch not in known:
        problems.append(Problem.at(cfg.source("方案") or Source("参数"), "E_UNKNOWN_SCHEME",
                                   f"方案「{sch}」不存在；「规则」表中的方案有：{'、'.join(known)}"))
    if not sch:
        if len(known) > 1:
            problems.append(Problem("E_NO_SCHEME", f"没有选择方案：请在「参数」表填写 方案（可选：{'、'.join(known)}）",
                                    "参数"))
        sch = known[0] if len(known) == 1 else ""
    problems += cfg.problems_of(ENGINE)
    cal = default_calendar(book.holidays)
    problems += calendar_problems(cal, m)
    return Options(m, sch, cfg.ties, cfg.publish_days, as_of, cal), problems


def calendar_problems(cal: Calendar, m: Month) -> List[Problem]:
    """A warning per year the close counts working days in that the holiday library does not cover."""
    years = (m.year, m.year + 1) if m.month == 12 else (m.year,)
    out = []
    for y in cal.missing_years(years):
        n = cal.sheet_rows_in(y)
        out.append(Problem("W_CALENDAR_YEAR",
                           f"{y} 年的法定节假日和调休不在日历库中：该年工作日按周一至周五计算，"
                           f"并按「节假日」表中该年的 {n} 行调整；请更新日历库（pip install -U chinesecalendar）"
                           f"或在「节假日」表补充该年的放假（休）和调休上班（班）日期", "节假日", severity=WARNING))
    return out


# ---------------------------------------------------------------- run state
@dataclass
class _Person:
    staff: Staff
    lines: List[Line] = field(default_factory=list)
    flags: List[str] = field(default_factory=list)
    titles: List[str] = field(default_factory=list)
    counters: Dict[str, List[Decimal]] = field(default_factory=dict)  # code -> [count, value]
    metrics: Dict[str, Decimal] = field(default_factory=dict)
    deductions: int = 0  # occurrences with points < 0 (A2-3)
    additions: int = 0
    excluded: bool = False
    score: Decimal = ZERO
    raw: Decimal = ZERO
    rank: Optional[int] = None
    grade: str = ""
    passed: bool = True
    bonus_cut: Decimal = ZERO
    bonus_pct: Decimal = ZERO

    def add(self, line: Line):
        self.lines.append(line)

    def points(self) -> Decimal:
        return sum((ln.points for ln in self.lines if ln.counts), ZERO)

    def count(self, code: str, n: Decimal, value: Optional[Decimal] = None):
        c = self.counters.setdefault(code, [ZERO, ZERO])
        c[0] += n
        if value is not None:
            c[1] += value

    def flag(self, text: str):
        if text not in self.flags:
            self.flags.append(text)


@dataclass
class _Run:
    opts: Options
    book: Book
    rules: Dict[str, Compiled]
    people: Dict[str, _Person]
    by_group: Dict[str, List[str]]
    history: Dict[Tuple[Month, str], HistoryRow]
    problems: List[Problem]
    events: List[Event] = field(default_factory=list)
    pending: List[Event] = field(default_factory=list)
    shared_events: List[Event] = field(default_factory=list)
    carry_open: Dict[Tuple[int, str, str], Month] = field(default_factory=dict)  # carry.open_items
    carried: List[Tuple[Event, Month]] = field(default_factory=list)  # earlier months' events counted now
    simple: Dict[str, "_Simple"] = field(default_factory=dict)  # fixed-value event rules
    sanctions: Tuple[str, ...] = ()
    by_staff: Dict[str, List[HistoryRow]] = field(default_factory=dict)  # earlier closed months, per person
    by_month: Dict[Month, List[HistoryRow]] = field(default_factory=dict)
    _prior: Dict[Tuple[str, str, str], object] = field(default_factory=dict)  # memo of per-run lookups
    _steps: Dict[tuple, "_Outcome"] = field(default_factory=dict)  # ladder outcomes without entered values
    _entry_free: Dict[str, bool] = field(default_factory=dict)  # event rules needing no entered value
    imported: Optional[imported_metrics.MonthMetrics] = None  # the month's 指标 rows (_apply_imported_metrics)

    def index_history(self):
        for (hm, hs), h in self.history.items():
            if hm < self.opts.month:
                self.by_staff.setdefault(hs, []).append(h)
                self.by_month.setdefault(hm, []).append(h)

    def earlier(self, sid: str, months: Optional[set] = None) -> List[HistoryRow]:
        """This person's closed months before the current one, within `months` (None: all)."""
        rows = self.by_staff.get(sid, ())
        return [h for h in rows if months is None or h.month in months]

    def problem(self, src, code, msg, severity=ERROR):
        self.problems.append(Problem.at(src, code, msg, severity))

    def of_kind(self, *kinds) -> List[Compiled]:
        return [c for c in self.rules.values() if c.kind in kinds]

    def ranked(self) -> List[_Person]:
        return [p for p in self.people.values() if not p.excluded]


REVERSED = "冲销"


def latest_history(history: Iterable[HistoryRow]) -> Dict[Tuple[Month, str], HistoryRow]:
    """The rows of the latest version of each closed month (a reopened month has none)."""
    rows = list(history)
    latest: Dict[Month, Tuple[int, bool]] = {}
    for h in rows:
        v, rev = latest.get(h.month, (0, False))
        if h.version > v or (h.version == v and h.state == REVERSED):
            latest[h.month] = (h.version, h.state == REVERSED)
    out: Dict[Tuple[Month, str], HistoryRow] = {}
    for h in rows:
        v, rev = latest[h.month]
        if not rev and h.version == v and h.state != REVERSED:
            out[(h.month, h.staff_id)] = h
    return out


def compute_month(book: Book, month: Optional[Month] = None, scheme: Optional[str] = None,
                  as_of: Optional[dt.date] = None) -> MonthResult:
    """Run every stage for one month.  Problems are returned, never raised."""
    opts, problems = options_for(book, month, scheme, as_of)
    if opts is None:
        return MonthResult(month or Month(1970, 1), scheme or "", (), tuple(problems))
    rules, p = compile_rules(book.rules, opts.scheme)
    problems += p
    if not rules:
        problems.append(Problem("E_NO_RULES", f"方案「{opts.scheme}」没有任何启用的规则", "规则"))
    people = {s.id: _Person(s) for s in book.staff if s.active_in(opts.month)}
    by_group: Dict[str, List[str]] = defaultdict(list)
    for sid, p_ in people.items():
        if p_.staff.group:
            by_group[p_.staff.group].append(sid)
    run = _Run(opts, book, rules, people, dict(by_group), latest_history(book.history), problems)
    run.index_history()
    if book.carry:
        run.carry_open = carry.open_items(book.carry, carry.closed_versions(run.history), opts.month)
    run.simple = {c.code: _simple(c, *v) for c in rules.values() if (v := _simple_values(c)) is not None}
    run.sanctions = _sanction_words(run)
    for stage in STAGES:
        stage(run)
    return _result(run)


# ---------------------------------------------------------------- 2. events
_BY_DATE_ROW = operator.attrgetter("date", "row")


def _select_events(run: _Run):
    m = run.opts.month
    year, month = m.year, m.month
    staff_by_id = {s.id: s for s in run.book.staff}
    rules = run.rules
    carry_open = run.carry_open
    for ev in sorted(run.book.events, key=_BY_DATE_ROW):
        d = ev.date
        origin = None
        if carry_open and (d.year, d.month) < (year, month):
            origin = carry_open.get(carry.key(ev))
            if origin is not None:
                ev = _carry_event(run, ev, origin)
                if ev is None:
                    continue
        if origin is None and abs(d.year - year) > 1:
            run.problem(ev.src.at("日期"), "E_DATE_RANGE",
                        f"日期 {d.isoformat()} 与考核月份 {m} 相差过远，请检查年份")
            continue
        if origin is None and (d.month != month or d.year != year):
            continue
        if ev.status in REJECTED:
            continue
        rule = rules.get(ev.rule)
        if rule is None:
            run.problem(ev.src.at("规则"), "E_UNKNOWN_RULE",
                        f"规则代码「{ev.rule}」在方案「{run.opts.scheme}」中不存在")
            continue
        if ev.staff_id in ALL_STAFF:
            if rule.kind != "shared" and rule.scope != "all":
                run.problem(ev.src.at("工号"), "E_UNKNOWN_STAFF",
                            f"工号「{ev.staff_id}」只能用于公共类规则（如公共提成）")
                continue
        else:
            st = staff_by_id.get(ev.staff_id)
            if st is None:
                run.problem(ev.src.at("工号"), "E_UNKNOWN_STAFF", f"工号「{ev.staff_id}」不在「员工」表中")
                continue
            if st.status == "离职" and (st.left is None or d > st.left):
                when = f"（{st.left.isoformat()} 离职）" if st.left else ""
                run.problem(ev.src.at("日期"), "E_STAFF_LEFT", f"员工「{st.name}」已离职{when}，不能再记录事件")
                continue
            if st.hired and d < st.hired:
                run.problem(ev.src.at("日期"), "E_BEFORE_HIRED",
                            f"日期早于员工「{st.name}」的入职日期 {st.hired.isoformat()}")
                continue
        if ev.status not in COUNTED and not _effective(run, ev):
            run.pending.append(ev)
            why = "异议处理中" if ev.status in DISPUTED else ("公示期未满" if ev.status in PUBLISHING else ev.status)
            run.problem(ev.src.at("状态"), "W_PENDING", f"事件未生效（{why}），本次不计入：{ev.staff_id} {ev.rule}",
                        WARNING)
            continue
        if not _validate_values(run, ev, rule):
            continue
        if origin is not None:
            run.carried.append((ev, origin))
            run.problem(ev.src.at("状态"), "W_CARRIED",
                        f"事件 {d.isoformat()} {ev.staff_id} {ev.rule} 在 {origin} 月结时未计入，本次（{m}）计入；"
                        f"{origin} 的月结结果不变", WARNING)
        if ev.staff_id in ALL_STAFF:
            run.shared_events.append(ev)
        else:
            run.events.append(ev)


def _carry_event(run: _Run, ev: Event, origin: Month) -> Optional[Event]:
    """An event of a closed month its close did not count, as this month counts it: its lines say
    where it came from (carry.py).  None when its person is no longer on the books (said once)."""
    if ev.staff_id not in ALL_STAFF and ev.staff_id not in run.people:
        run.problem(ev.src.at("工号"), "W_CARRY_STAFF",
                    f"事件 {ev.date.isoformat()} {ev.staff_id} {ev.rule} 在 {origin} 月结时未计入，"
                    f"但此人本月不在职，无法计入", WARNING)
        return None
    note = f"结转自{origin}（当月未计入）"
    return ev._replace(note=f"{note}；{ev.note}" if ev.note else note)


def working_days_after(start: dt.date, n: int, cal: Optional[Calendar] = None) -> dt.date:
    """The date n working days after start, by the calendar (core/calendar.py; default: the library's)."""
    return (cal or default_calendar()).working_days_after(start, n)


def _effective(run: _Run, ev: Event) -> bool:
    if ev.status in COUNTED:
        return True
    if ev.status in PUBLISHING:
        if ev.published is None:
            run.problem(ev.src.at("公示日期"), "E_NO_PUBLISH_DATE", "状态为公示中，但没有填写公示日期")
            return False
        days = run._prior.get(("#publish_days", "", ""))
        if days is None:  # a scheme's 流程时限 row (E-6, B-5) may set its own 公示天数
            from . import process
            days = run._prior[("#publish_days", "", "")] = process.publish_days(run, run.opts.publish_days) \
                or run.opts.publish_days
        ends = run.opts.calendar.working_days_after(ev.published, days)
        as_of = run.opts.as_of or run.opts.month.last_day
        return as_of > ends
    return False


def _simple_values(rule: Compiled) -> Optional[Tuple[Decimal, Decimal]]:
    """(points, signed amount) per occurrence of a plain fixed-value event rule, else None."""
    if rule.kind != "event" or rule.scope != "self":
        return None
    out = []
    for spec, sign in ((rule.points, 1), (rule.amount, rule.money_sign)):
        if spec is None:
            out.append(ZERO)
            continue
        if spec.is_ladder:
            return None
        st = spec.steps[0]
        if st.words or st.group or not isinstance(st.value, Decimal):
            return None
        out.append(-abs(st.value) if sign < 0 else st.value)
    return out[0], out[1]


def _validate_values(run: _Run, ev: Event, rule: Compiled) -> bool:
    check = addons.VALIDATORS.get(rule.kind)
    if check is not None:
        return check(run, ev, rule)
    ok = True
    if rule.kind == "event":
        if ev.points is None and ev.amount is None and not ev.rating:
            if rule.code in run.simple and ev.qty == 1:
                return True
            # nothing entered, and the rule asks for nothing: only a ladder's count can be wrong
            if _entry_free(run, rule) and (ev.qty == ev.qty.to_integral_value() or not (
                    rule.points and rule.points.is_ladder or rule.amount and rule.amount.is_ladder)):
                return True
        allowed = run.sanctions
        if ev.rating and allowed and ev.rating not in allowed:
            run.problem(ev.src.at("评价"), "E_BAD_SANCTION",
                        f"处分种类「{ev.rating}」不在允许的范围内（{'、'.join(allowed)}）")
            ok = False
        ok &= _check_entry(run, ev, rule.points, ev.points, "分值", rule)
        ok &= _check_entry(run, ev, rule.amount, ev.amount, "金额", rule)
        if rule.points and rule.points.is_ladder or rule.amount and rule.amount.is_ladder:
            if ev.qty != ev.qty.to_integral_value():
                run.problem(ev.src.at("数量"), "E_BAD_QTY", "按次数计算的规则，数量必须是整数")
                ok = False
    elif rule.kind == "rating":
        if ev.rating not in {k for k, _ in rule.params.pairs}:
            labels = "/".join(k for k, _ in rule.params.pairs)
            run.problem(ev.src.at("评价"), "E_BAD_RATING",
                        f"规则「{rule.code}」需要在评价列填写 {labels}" + (f"，而不是「{ev.rating}」" if ev.rating else ""))
            ok = False
    elif rule.kind in ("band", "metric", "shared", "exclude"):
        if ev.amount is None:
            run.problem(ev.src.at("金额"), "E_VALUE_REQUIRED", f"规则「{rule.code}」需要在金额列填写数值（指标值）")
            ok = False
        elif rule.is_percent and ev.amount < 0:
            run.problem(ev.src.at("金额"), "E_OUT_OF_RANGE", "百分比指标不能为负数")
            ok = False
    if ev.points is not None and rule.kind != "event":
        run.problem(ev.src.at("分值"), "E_POINTS_NOT_ALLOWED", f"规则「{rule.code}」的分值由规则计算，不能手填")
        ok = False
    return ok


def _sanction_words(run: _Run) -> Tuple[str, ...]:
    out: Tuple[str, ...] = ()
    for rule in run.of_kind("sanction"):
        out += rule.params.words
    return out


def _entry_free(run: _Run, rule: Compiled) -> bool:
    """True when an event of `rule` with nothing entered passes _check_entry for both columns."""
    free = run._entry_free.get(rule.code)
    if free is None:
        def ok(spec: Optional[Spec]) -> bool:
            steps = spec.steps if spec else ()
            ranges = [st.value for st in steps if isinstance(st.value, Range)]
            rates = [st.value for st in steps if isinstance(st.value, Rate)]
            return not rates and not (ranges and not (ranges[0].lo is None and ranges[0].hi is None))
        free = run._entry_free[rule.code] = ok(rule.points) and ok(rule.amount)
    return free


def _check_entry(run: _Run, ev: Event, spec: Optional[Spec], entered: Optional[Decimal], column: str,
                 rule: Compiled) -> bool:
    ranges = [s.value for s in (spec.steps if spec else ()) if isinstance(s.value, Range)]
    rates = [s.value for s in (spec.steps if spec else ()) if isinstance(s.value, Rate)]
    if entered is None:
        if ranges and not (ranges[0].lo is None and ranges[0].hi is None):
            run.problem(ev.src.at(column), "E_VALUE_REQUIRED",
                        f"规则「{rule.code}」需要在{column}列填写 {ranges[0].describe()} 之间的数值")
            return False
        if rates:
            run.problem(ev.src.at(column), "E_VALUE_REQUIRED", f"规则「{rule.code}」需要在{column}列填写金额（提成基数）")
            return False
        return True
    if rates:
        return True
    if not ranges:
        if spec is None and column == "金额":
            return True  # a note of money on a points rule: kept as information
        fixed = spec.text if spec else "无"
        run.problem(ev.src.at(column), "E_VALUE_NOT_ALLOWED",
                    f"规则「{rule.code}」的{column}是固定的（{fixed}），请不要手填")
        return False
    r = ranges[0]
    if not _in_range(r, entered):
        run.problem(ev.src.at(column), "E_OUT_OF_RANGE",
                    f"{column} {_fmt(entered)} 超出规则「{rule.code}」允许的范围 {r.describe()}")
        return False
    return True


def _in_range(r: Range, v: Decimal) -> bool:
    """Ranges of one sign accept the magnitude: -20~-5 accepts 10 and -10."""
    if r.contains(v):
        return True
    if r.lo is not None and r.hi is not None and r.hi <= 0 and v > 0:
        return r.contains(-v)
    return False


def _entered(r: Range, v: Decimal) -> Decimal:
    if r.lo is not None and r.hi is not None and r.hi <= 0 and v > 0:
        return -v
    return v


# ---------------------------------------------------------------- 3. per-event rules
def _prior_count(run: _Run, sid: str, code: str, window: str) -> Decimal:
    key = (sid, code, window)
    if key not in run._prior:
        total = ZERO
        for h in run.earlier(sid, _window_months(run.opts.month, window)):
            c = h.counters.get(code)
            if c:
                total += c[0]
        run._prior[key] = total
    return run._prior[key]


def _window_months(m: Month, window: str) -> Optional[set]:
    if window == "month":
        return {m}
    if window == "quarter":
        start = Month(m.year, (m.quarter - 1) * 3 + 1)
        return {start.shift(i) for i in range(3)}
    if window == "year":
        return {Month(m.year, i) for i in range(1, 13)}
    if window == "all":
        return None
    n = int(window)
    return {m.shift(-i) for i in range(n)}


def _apply_event_rules(run: _Run):
    rules, people, simple_of = run.rules, run.people, run.simple
    for ev in run.events:
        rule = rules[ev.rule]
        person = people.get(ev.staff_id)
        if person is None:
            continue
        if rule.kind == "event":
            simple = simple_of.get(ev.rule)
            if simple is not None and ev.points is None and not ev.rating and (
                    ev.amount is None or rule.amount is None):
                _apply_simple(person, ev, simple)
            else:
                _apply_occurrences(run, person, ev, rule)
        elif rule.kind in ("metric", "band", "exclude"):
            person.count(rule.code, Decimal(1), None)
        elif rule.kind == "flower":
            person.count(rule.code, ev.qty, ev.qty)


_M0 = money(ZERO)


class _Simple(NamedTuple):
    """A plain fixed-value event rule: what one occurrence gives, worked out once per close."""

    code: str
    points: Decimal
    amount: Decimal  # signed
    money: Decimal  # the amount at the fen, for the line
    category: str  # of the line (the same for any quantity: it depends only on which values are not 0)
    source: str
    sign: int  # of the points: -1 a deduction (A2-3), 1 an addition, 0 neither


def _simple(rule: Compiled, pts: Decimal, amt: Decimal) -> _Simple:
    return _Simple(rule.code, pts, amt, money(amt) if amt else _M0,
                   rule.category if amt else (CAT_POINTS if pts else CAT_INFO), rule.rule.source,
                   (pts > 0) - (pts < 0))


def _apply_simple(person: _Person, ev: Event, simple: _Simple):
    """The common case: a fixed value per occurrence, no ladder, no words, no group."""
    q = ev.qty
    if q == 1:
        pts, amt, cash, note, n = simple.points, simple.amount, simple.money, ev.note, 1
    else:
        pts, amt = simple.points * q, simple.amount * q
        cash = money(amt) if amt else _M0
        n = int(q) if q == q.to_integral_value() else 1
        note = f"×{_fmt(q)}；{ev.note}" if ev.note else f"×{_fmt(q)}"
    if simple.sign < 0:
        person.deductions += n
    elif simple.sign > 0:
        person.additions += n
    person.lines.append(new_record(Line, (person.staff.id, simple.code, pts, cash, simple.category, ev.date, note,
                                         simple.source, ev.row, True)))
    c = person.counters.get(simple.code)
    if c is None:
        c = person.counters[simple.code] = [ZERO, ZERO]
    c[0] += q
    if ev.amount is not None:
        c[1] += ev.amount


class _Steps(NamedTuple):
    """What `n` occurrences of a per-event rule add up to, from occurrence `first` on."""

    self_pts: Decimal
    self_amt: Decimal
    grp_pts: Decimal
    grp_amt: Decimal
    deductions: int
    additions: int
    notes: Tuple[str, ...]  # compressed: 第2–3次：各-1分
    flags: Tuple[str, ...]  # in occurrence order


def _occurrence_steps(rule: Compiled, first: int, n: int, qty_factor: Decimal, ev: Event) -> _Steps:
    """Occurrences first … first+n-1.  From a ladder's last step on every occurrence is the same
    (Spec.step), so those are counted by multiplication: the work does not grow with the quantity."""
    self_pts = self_amt = grp_pts = grp_amt = ZERO
    deductions = additions = 0
    notes: List[Tuple[int, str, int]] = []
    flags: List[str] = []
    ladder = rule.points and rule.points.is_ladder or rule.amount and rule.amount.is_ladder
    steady = max(len(rule.points.steps) if rule.points else 1, len(rule.amount.steps) if rule.amount else 1)
    last = first + n - 1
    occ = first
    while occ <= last:
        times = 1 if occ < steady else last - occ + 1
        pts, pgrp, pwords = _step_value(rule.points, occ, ev, ev.points, sign=1)
        amt, agrp, awords = _step_value(rule.amount, occ, ev, ev.amount, sign=rule.money_sign)
        pts *= qty_factor
        amt *= qty_factor
        words = tuple(dict.fromkeys(pwords + awords))
        if pgrp or rule.scope == "group":
            grp_pts += pts * times
        else:
            self_pts += pts * times
        if agrp or rule.scope == "group":
            grp_amt += amt * times
        else:
            self_amt += amt * times
        if pts < 0:
            deductions += times
        elif pts > 0:
            additions += times
        if ladder or words:
            notes.append((occ, _describe_step(pts, amt, words, pgrp or agrp or rule.scope == "group"), occ + times - 1))
        span = f"{occ}" if times == 1 else f"{occ}–{occ + times - 1}"
        flags += [f"{rule.rule.name}第{span}次：{w}（{rule.rule.source}）" for w in words if w != WARNING_WORD]
        occ += times
    return _Steps(self_pts, self_amt, grp_pts, grp_amt, deductions, additions, tuple(_compress_steps(notes)),
                  tuple(flags))


class _Outcome(NamedTuple):
    """What one event of a per-event rule gives, apart from the event's own note and sanction."""

    steps: _Steps
    notes: str  # the steps' notes, joined
    note: str  # the line's note before the event's: the notes, else the quantity when not 1
    cash: Decimal  # the person's own amount at the fen
    category: str


def _outcome(rule: Compiled, first: int, ev: Event) -> _Outcome:
    q = ev.qty
    n = int(q) if q == q.to_integral_value() else 1
    qty_factor = q if n == 1 and q != 1 else Decimal(1)
    steps = _occurrence_steps(rule, first, n, qty_factor, ev)
    notes = "；".join(steps.notes)
    self_pts, self_amt = steps.self_pts, steps.self_amt
    return _Outcome(steps, notes, notes or (f"×{_fmt(q)}" if q != 1 else ""), money(self_amt),
                    rule.category if self_amt else (CAT_POINTS if self_pts else CAT_INFO))


def _apply_occurrences(run: _Run, person: _Person, ev: Event, rule: Compiled):
    code = rule.code
    counter = person.counters.get(code)
    so_far = counter[0] if counter else ZERO
    first = int(_prior_count(run, person.staff.id, code, rule.window) + so_far) + 1
    if ev.points is None and ev.amount is None:
        # the outcome depends on the rule, the occurrences and the quantity only: a ladder of a
        # large team repeats the same few (third 态度投诉 of the month …) thousands of times
        key = (code, first, ev.qty)
        out = run._steps.get(key)
        if out is None:
            out = run._steps[key] = _outcome(rule, first, ev)
    else:
        out = _outcome(rule, first, ev)
    steps = out.steps
    person.deductions += steps.deductions
    person.additions += steps.additions
    for f in steps.flags:
        person.flag(f)
    note = out.note
    if ev.rating in SANCTION_WORDS:
        person.flag(f"{rule.rule.name}：{ev.rating}（{rule.rule.source}）")
        note = f"{out.notes}；处分：{ev.rating}" if out.notes else f"处分：{ev.rating}"
    person.count(code, ev.qty, ev.amount)
    if ev.note:
        note = f"{note}；{ev.note}" if note else ev.note
    person.lines.append(new_record(Line, (person.staff.id, code, steps.self_pts, out.cash, out.category, ev.date, note,
                                          rule.rule.source, ev.row, True)))
    if steps.grp_pts or steps.grp_amt:
        _apply_group(run, person, ev, rule, steps.grp_pts, steps.grp_amt)


def _compress_steps(steps: List[Tuple[int, str, int]]) -> List[str]:
    """[(1, 警告, 1), (2, -1分, 2), (3, -1分, 5)] -> ["第1次：警告", "第2–5次：各-1分"] (first, text, last occurrence)."""
    out: List[str] = []
    i = 0
    while i < len(steps):
        j = i
        while j + 1 < len(steps) and steps[j + 1][1] == steps[i][1] and steps[j + 1][0] == steps[j][2] + 1:
            j += 1
        a, desc, _ = steps[i]
        b = steps[j][2]
        out.append(f"第{a}次：{desc}" if a == b else f"第{a}–{b}次：各{desc}")
        i = j + 1
    return out


def group_on(st: Staff, d: dt.date, transfers: Sequence = ()) -> str:
    """The person's group on day d: the 组别 of their latest 调动 row dated on or before d, else the
    员工 sheet's 组别 (the group before the first transfer)."""
    group = st.group
    for t in transfers:  # sorted by date
        if t.date <= d:
            group = t.group
    return group


def employed_on(st: Staff, d: dt.date) -> bool:
    if st.hired is not None and d < st.hired:
        return False
    return not (st.status == "离职" and st.left is not None and d > st.left)


def _transfers(run: _Run) -> Dict[str, list]:
    """工号 -> the person's 调动 rows by date (worked out once per close)."""
    by = run._prior.get(("#transfers", "", ""))
    if by is None:
        by = {}
        for t in sorted(run.book.transfers, key=lambda t: t.date):
            by.setdefault(t.staff_id, []).append(t)
        run._prior[("#transfers", "", "")] = by
    return by


def _group_members(run: _Run, group: str, d: dt.date) -> List[str]:
    """A1-15/A1-16: the members of `group` on day d (by the 员工 dates and the 调动 sheet)."""
    by = _transfers(run)
    return [sid for sid, p in run.people.items()
            if employed_on(p.staff, d) and group_on(p.staff, d, by.get(sid, ())) == group]


def _apply_group(run: _Run, offender: _Person, ev: Event, rule: Compiled, pts: Decimal, amt: Decimal):
    group = group_on(offender.staff, ev.date, _transfers(run).get(offender.staff.id, ()))
    members = _group_members(run, group, ev.date) if group else []
    if not members:
        run.problem(ev.src.at("工号"), "W_NO_GROUP",
                    f"规则「{rule.code}」按全组处罚，但员工「{offender.staff.name}」没有组别，只处罚本人", WARNING)
        members = [offender.staff.id]
    cat = rule.category if amt else CAT_POINTS
    for sid in members:
        p = run.people[sid]
        who = "本人" if sid == offender.staff.id else f"{offender.staff.name}"
        p.add(Line(sid, rule.code, pts, money(amt), cat, ev.date,
                   f"全组连带（{group or '无组别'}，{who} {ev.date.isoformat()}）", rule.rule.source, ev.row))


def _step_value(spec: Optional[Spec], occ: int, ev: Event, entered: Optional[Decimal],
                sign: int) -> Tuple[Decimal, bool, Tuple[str, ...]]:
    if spec is None:
        return ZERO, False, ()
    st: Step = spec.step(occ)
    v = st.value
    if v is None:
        out = ZERO
    elif isinstance(v, Range):
        out = _entered(v, entered) if entered is not None else ZERO
        if sign < 0:
            out = -abs(out)
    elif isinstance(v, Rate):
        out = (ev.amount or ZERO) * v.rate
    else:
        out = v
        if sign < 0:
            out = -abs(out)
    return out, st.group, st.words


def _describe_step(pts: Decimal, amt: Decimal, words: Tuple[str, ...], group: bool) -> str:
    parts = list(words)
    if pts:
        parts.append(f"{'+' if pts > 0 else ''}{_fmt(pts)}分")
    if amt:
        parts.append(f"{'+' if amt > 0 else ''}{money(amt)}元")
    text = "+".join(parts) if parts else "记录"
    return ("全组" + text) if group else text


# ---------------------------------------------------------------- 4. ratings, metrics, bands
def _metric_events(run: _Run) -> Dict[Tuple[str, str], List[Event]]:
    out: Dict[Tuple[str, str], List[Event]] = defaultdict(list)
    for ev in run.events:
        out[(ev.staff_id, ev.rule)].append(ev)
    return out


def _aggregate(rule: Compiled, evs: List[Event]) -> Optional[Decimal]:
    vals = [_metric_value(rule, e.amount) for e in evs if e.amount is not None]
    if not vals:
        return None
    how = rule.params.get("汇总") or ("最后" if rule.is_percent else "合计")
    if how in ("最后", "最新", "last"):
        return vals[-1]
    if how in ("平均", "avg"):
        return sum(vals, ZERO) / len(vals)
    if how in ("最高", "max"):
        return max(vals)
    if how in ("最低", "min"):
        return min(vals)
    return sum(vals, ZERO)


def _metric_value(rule: Compiled, v: Decimal) -> Decimal:
    """Percent metrics: 0.045 and 4.5 both mean 4.5% (numbers above 1 are percents)."""
    if rule.is_percent and v > 1:
        return v / 100
    return v


def _apply_metrics(run: _Run):
    by = _metric_events(run)
    for (sid, code), evs in by.items():
        rule = run.rules[code]
        if rule.kind in ("metric", "band", "exclude", "shared"):
            v = _aggregate(rule, evs)
            if v is not None and sid in run.people:
                run.people[sid].metrics[code] = v
                run.people[sid].counters.setdefault(code, [ZERO, ZERO])[1] = v


def _apply_imported_metrics(run: _Run):
    """指标 rows (imported exports or typed) become the values of metric rules, through 导入映射.

    A metric rule that also has a value typed in 事件 for the same person is an
    error (E_METRIC_TWICE): one of the two must go.
    """
    table = run.imported = imported_metrics.month_table(run.book, run.opts.month)
    if not table.people():
        return
    codes = [c.code for c in run.rules.values() if c.kind in ("metric", "band", "exclude")]
    typed = {(ev.staff_id, ev.rule): ev for ev in run.events}
    done: Dict[Tuple[str, str], str] = {}
    for m in imported_metrics.metric_mappings(run.book, run.opts.scheme, codes):
        rule = run.rules.get(m.metric)
        if rule is None or rule.kind not in ("metric", "band", "exclude"):
            if any(m.column in table.names(sid) for sid in table.people()):
                run.problem(m.src.at("指标代码"), "W_MAPPING_CODE",
                            f"导入映射：指标代码「{m.metric}」不是方案「{run.opts.scheme}」的指标类规则，「{m.column}」未使用",
                            WARNING)
            continue
        for sid in table.people():
            person = run.people.get(sid)
            if person is None:
                continue
            v, how = table.explain(sid, m.column, m.source)
            if v is None:
                continue
            ev = typed.get((sid, m.metric))
            if ev is not None:
                run.problem(ev.src.at("规则"), "E_METRIC_TWICE",
                            f"{person.staff.name}（{sid}）本月的「{rule.rule.name}」既在「事件」填写，又从「指标」导入"
                            f"（{m.column}）：请删去其中一处")
                continue
            if (sid, m.metric) in done:
                if done[(sid, m.metric)] != m.column:
                    run.problem(table.first_src(sid, m.column), "W_METRIC_MAPPED_TWICE",
                                f"{person.staff.name}（{sid}）的「{rule.rule.name}」已取自「{done[(sid, m.metric)]}」，"
                                f"「{m.column}」未使用", WARNING)
                continue
            done[(sid, m.metric)] = m.column
            person.metrics[m.metric] = v
            person.counters.setdefault(m.metric, [ZERO, ZERO])[1] = v


def metric_of(run: _Run, person: _Person, name: str) -> Optional[Decimal]:
    """A person's metric this month: the value of the metric rule `name` (from 事件 or, through 导入映射,
    from 指标), else the 指标 row(s) named `name` combined (engine.metrics).  None when there is none."""
    v = person.metrics.get(name)
    if v is None and run.imported is not None:
        v = run.imported.value(person.staff.id, name)
    return v


def _apply_event_metrics(run: _Run):
    """Per-event rules with entered amounts (e.g. sales with a commission rate) are metrics too."""
    for person in run.people.values():
        for code, (n, total) in person.counters.items():
            rule = run.rules.get(code)
            if rule is not None and rule.kind == "event" and total:
                person.metrics.setdefault(code, total)


def _apply_ratings(run: _Run):
    by = _metric_events(run)
    for rule in run.of_kind("rating"):
        table = {k: Decimal(v) for k, v in ((k, _dec(v)) for k, v in rule.params.pairs)}
        for sid, person in run.people.items():
            evs = by.get((sid, rule.code), [])
            if not evs:
                run.problem(None, "W_MISSING_RATING", f"{person.staff.name}（{sid}）本月没有「{rule.rule.name}」评价，按 0 分计",
                            WARNING)
                person.add(Line(sid, rule.code, ZERO, ZERO, CAT_POINTS, None, "未评价，按 0 分", rule.rule.source))
                continue
            if len(evs) > 1:
                run.problem(evs[-1].src.at("评价"), "W_RATING_TWICE",
                            f"{person.staff.name} 本月有 {len(evs)} 条「{rule.rule.name}」评价，取最后一条", WARNING)
            ev = evs[-1]
            person.count(rule.code, Decimal(1), table[ev.rating])
            person.add(Line(sid, rule.code, table[ev.rating], ZERO, CAT_POINTS, ev.date, f"评价：{ev.rating}",
                            rule.rule.source, ev.row))


def _dec(v) -> Decimal:
    return values.decimal(v) or ZERO


def _apply_label_bands(run: _Run, rule: Compiled):
    """Bands with words instead of points (类别 记录): one information line per event (B-6)."""
    for ev in run.events:
        if ev.rule != rule.code or ev.staff_id not in run.people or ev.amount is None:
            continue
        label = band_value(rule.bands, _metric_value(rule, ev.amount))
        if label:
            run.people[ev.staff_id].add(Line(ev.staff_id, rule.code, ZERO, ZERO, CAT_INFO, ev.date,
                                             f"{rule.rule.name} {_fmt(ev.amount)} → {label}", rule.rule.source,
                                             ev.row))


def _apply_bands(run: _Run):
    for rule in run.of_kind("band"):
        if rule.category == CAT_INFO:
            _apply_label_bands(run, rule)
            continue
        src = run.rules.get(rule.rule.metric) if rule.rule.metric else rule
        money_out = rule.category in MONEY_CATEGORIES
        for sid, person in run.people.items():
            v = person.metrics.get(src.code)
            if v is None:
                if not money_out:
                    run.problem(None, "W_MISSING_METRIC",
                                f"{person.staff.name}（{sid}）本月没有「{src.rule.name}」数值，按 0 分计", WARNING)
                    person.add(Line(sid, rule.code, ZERO, ZERO, CAT_POINTS, None, "无数值，按 0 分", rule.rule.source))
                continue
            out = band_value(rule.bands, v) or ZERO
            shown = f"{_fmt(v * 100)}%" if src.is_percent else _fmt(v)
            if money_out:
                person.add(Line(sid, rule.code, ZERO, money(out * rule.money_sign), rule.category, None,
                                f"{src.rule.name} {shown}", rule.rule.source))
            else:
                person.add(Line(sid, rule.code, out, ZERO, CAT_POINTS, None, f"{src.rule.name} {shown}",
                                rule.rule.source))


# ---------------------------------------------------------------- 5. components and base
def _apply_components(run: _Run):
    """Sub-scores: base + their lines, clamped to the component's own floor/cap."""
    for comp in run.of_kind("component"):
        base = _fixed(comp.points)
        members = {c.code for c in run.rules.values() if c.rule.component == comp.code}
        for sid, person in run.people.items():
            person.add(Line(sid, comp.code, base, ZERO, CAT_POINTS, None, f"{comp.rule.name}基础分",
                            comp.rule.source))
            total = base + sum((ln.points for ln in person.lines if ln.rule in members), ZERO)
            adj = _clamp(total, comp.rule.floor, comp.rule.cap) - total
            if adj:
                person.add(Line(sid, comp.code, adj, ZERO, CAT_POINTS, None,
                                f"{comp.rule.name}{_fmt(total)}分，按{'下限' if adj > 0 else '上限'}"
                                f"{_fmt(total + adj)}分计", comp.rule.source))


def _apply_base(run: _Run):
    for rule in run.of_kind("base"):
        base = _fixed(rule.points)
        for sid, person in run.people.items():
            person.add(Line(sid, rule.code, base, ZERO, CAT_POINTS, None, f"{rule.rule.name} {_fmt(base)}分",
                            rule.rule.source))


def _fixed(spec: Optional[Spec]) -> Decimal:
    if spec and isinstance(spec.steps[0].value, Decimal):
        return spec.steps[0].value
    return ZERO


def _clamp(v: Decimal, lo: Optional[Decimal], hi: Optional[Decimal]) -> Decimal:
    if hi is not None and v > hi:
        return hi
    if lo is not None and v < lo:
        return lo
    return v


# ---------------------------------------------------------------- 6. conditions, shared
def _ref_value(run: _Run, person: _Person, ref: str) -> Optional[Decimal]:
    total = ZERO
    for part in ref.split("+"):
        v = _single_ref(run, person, part)
        if v is None:
            return None
        total += v
    return total


def _single_ref(run: _Run, person: _Person, ref: str) -> Optional[Decimal]:
    if ref == "扣分次数":
        return Decimal(person.deductions)
    if ref == "加分次数":
        return Decimal(person.additions)
    if ref == SCORE_REF:
        return person.points()
    if ref == WHOLE_MONTH:  # B-4i: employed from the month's first day to its last
        return Decimal(int(_whole_month(person.staff, run.opts.month)))
    if ref == "名次":
        return Decimal(person.rank) if person.rank is not None else None
    rule = run.rules.get(ref)
    if rule is None:  # a 指标 name (imported or typed in the 指标 sheet)
        return run.imported.value(person.staff.id, ref) if run.imported is not None else None
    if rule.kind in ("metric", "band", "exclude", "shared"):
        return person.metrics.get(ref)
    c = person.counters.get(ref)
    return c[0] if c else ZERO


def _apply_conditions(run: _Run):
    """Conditions in row order (a later rule may count an earlier one, e.g. E-3 counts E-2).

    With 周期 季/年 the rule is judged at the period's last month, on counts and
    values summed over the period's closed months plus this one.
    """
    for rule in run.of_kind("condition"):
        periodic = rule.window in ("quarter", "year")
        if periodic and not _rank_period_due(run, rule.window):
            continue
        months = _window_months(run.opts.month, rule.window) if periodic else None
        for sid, person in run.people.items():
            def value(ref):
                v = _ref_value(run, person, ref)
                if months is None:
                    return v
                return (v or ZERO) + sum((_history_ref(run, sid, part, months) for part in ref.split("+")), ZERO)
            if all(c.test(value(c.ref)) for c in rule.params.conds):
                what = "，".join(f"{c.ref}{c.op}{c.raw_hint}" for c in rule.params.conds)
                period = {"quarter": f"{run.opts.month.year}年第{run.opts.month.quarter}季度",
                          "year": f"{run.opts.month.year}年"}.get(rule.window, "")
                _reward(run, person, rule, f"{period}满足条件：{what}")


def _history_ref(run: _Run, sid: str, ref: str, months: set) -> Decimal:
    """A condition reference summed over earlier closed months of a window."""
    rule = run.rules.get(ref)
    total = ZERO
    for h in run.earlier(sid, months):
        c = h.counters.get(ref)
        if c is None:
            continue
        total += c[1] if rule is not None and rule.kind in ("metric", "band", "exclude", "shared") else c[0]
    return total


def _reward(run: _Run, person: _Person, rule: Compiled, note: str, date: Optional[dt.date] = None,
            value_override: Optional[Decimal] = None):
    """Outcome of a condition/rank/streak rule: points, money, title, flag."""
    pts = _fixed(rule.points)
    amt = _fixed(rule.amount) * rule.money_sign if rule.amount else ZERO
    if value_override is not None:
        if rule.category in MONEY_CATEGORIES:
            amt = value_override * rule.money_sign
        else:
            pts = value_override
    cat = rule.category if amt else (CAT_POINTS if pts else CAT_INFO)
    person.add(Line(person.staff.id, rule.code, pts, money(amt), cat, date, note, rule.rule.source))
    if rule.rule.title and rule.kind != "rank":
        person.titles.append(rule.rule.title)
    hint = rule.params.get("提示")
    if hint:
        person.flag(f"{hint}（{rule.rule.source}）")
    person.count(rule.code, Decimal(1), pts if pts else amt)


def _apply_shared(run: _Run):
    """D-5: public sales × rate ÷ headcount, the same share for everyone."""
    for rule in run.of_kind("shared"):
        evs = [e for e in run.shared_events if e.rule == rule.code]
        if not evs:
            continue
        total = sum((e.amount or ZERO for e in evs), ZERO)
        rate = _rate(rule)
        role = rule.params.get("岗位")
        members = [p for p in run.people.values() if not role or role in p.staff.role]
        if not members:
            continue
        share = money(total * rate / len(members))
        note = f"公共销售 {money(total)} × {_fmt(rate * 100)}% ÷ {len(members)} 人"
        for p in members:
            p.add(Line(p.staff.id, rule.code, ZERO, share, CAT_COMMISSION, evs[-1].date, note, rule.rule.source))
            p.metrics[rule.code] = total


def _rate(rule: Compiled) -> Decimal:
    if rule.amount and isinstance(rule.amount.steps[0].value, Rate):
        return rule.amount.steps[0].value.rate
    r = rule.params.get("比例")
    return values.rate(r) if r else ZERO


# ---------------------------------------------------------------- 7. exclusion
def _apply_exclusions(run: _Run):
    for rule in run.of_kind("exclude"):
        metric = rule.rule.metric or rule.code
        months = _window_months(run.opts.month, rule.window if rule.rule.window else "quarter")
        for sid, person in run.people.items():
            total = person.metrics.get(metric, ZERO)
            for h in run.earlier(sid, months):
                c = h.counters.get(metric)
                if c:
                    total += c[1]
            if rule.params.conds and all(c.test(total) for c in rule.params.conds):
                person.excluded = True
                hint = rule.params.get("提示") or f"考评期内缺岗累计 {_fmt(total)} 天，不参与本期考核排名"
                person.flag(f"{hint}（{rule.rule.source}）")
                person.add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, None, f"缺岗累计 {_fmt(total)} 天，不参评",
                                rule.rule.source))


# ---------------------------------------------------------------- 8./9. ranking
def rank_values(items: Sequence[Tuple[str, Decimal]], ties: str = TIE_SHARED, ascending: bool = False
                ) -> Dict[str, int]:
    """Competition ranking ("1224"): ties share a rank and the next rank is skipped.

    With ties = 工号, ties are broken by the lower staff id instead.
    """
    key = (lambda kv: (kv[1], kv[0])) if ascending else (lambda kv: (-kv[1], kv[0]))
    ordered = sorted(items, key=key)
    out: Dict[str, int] = {}
    prev = None
    for i, (sid, v) in enumerate(ordered, start=1):
        if ties == TIE_SHARED and prev is not None and v == prev[1]:
            out[sid] = prev[0]
        else:
            out[sid] = i
        prev = (out[sid], v)
    return out


def _awards(rule: Compiled) -> List[Tuple[int, int, Decimal]]:
    out = []
    for left, right in rule.params.pairs:
        left = left.replace(" ", "")
        if "-" in left or "~" in left:
            a, b = left.replace("~", "-").split("-", 1)
        else:
            a = b = left
        out.append((int(a), int(b), values.decimal(right) or ZERO))
    return out


def _award_for(awards, rank: int) -> Optional[Decimal]:
    for lo, hi, v in awards:
        if lo <= rank <= hi:
            return v
    return None


def _history_values(run: _Run, sid: str, metric: str, months: Optional[set]) -> Decimal:
    total = ZERO
    for h in run.earlier(sid, months):
        if metric == SCORE_REF:
            total += h.score
        else:
            c = h.counters.get(metric)
            if c:
                total += c[1]
    return total


def _rank_period_due(run: _Run, window: str) -> bool:
    m = run.opts.month
    if window == "quarter":
        return m.is_quarter_end()
    if window == "year":
        return m.month == 12
    return True


def _apply_rank_awards(run: _Run, on_score: bool):
    for rule in run.of_kind("rank"):
        metric = rule.rule.metric or SCORE_REF
        gated = bool(rule.params.conds)  # B-3: decided on the points result, so judged after the score
        if (metric == SCORE_REF or gated) != on_score:
            continue
        if not _rank_period_due(run, rule.window):
            continue
        months = _window_months(run.opts.month, rule.window) if rule.window != "month" else None
        items = []
        for p in run.ranked():
            if gated and not all(c.test(_ref_value(run, p, c.ref)) for c in rule.params.conds):
                continue
            if metric == SCORE_REF:
                v = p.score
            else:
                v = p.metrics.get(metric)
                if v is None:
                    continue
            if months is not None:
                v = v + _history_values(run, p.staff.id, metric, months)
            items.append((p.staff.id, v))
        if not items:
            continue
        ascending = rule.params.get("顺序") in ("升序", "低者优先", "从低到高")
        ranks = rank_values(items, run.opts.ties, ascending)
        awards = _awards(rule)
        vals = dict(items)
        period = {"quarter": f"{run.opts.month.year}年第{run.opts.month.quarter}季度", "year": f"{run.opts.month.year}年"
                  }.get(rule.window, "本月")
        label = "得分" if metric == SCORE_REF else run.rules[metric].rule.name if metric in run.rules else metric
        for sid, r in ranks.items():
            v = _award_for(awards, r)
            if v is None:
                continue
            person = run.people[sid]
            _reward(run, person, rule, f"{period}{label}第{r}名（{_fmt(vals[sid])}）", value_override=v)
            if r == 1 and rule.rule.title:
                person.titles.append(rule.rule.title)


def _apply_cap_and_score(run: _Run):
    caps = run.of_kind("cap")
    for sid, person in run.people.items():
        raw = person.points()
        person.raw = raw
        score = raw
        for rule in caps:
            clamped = _clamp(score, rule.rule.floor, rule.rule.cap)
            if clamped != score:
                person.add(Line(sid, rule.code, clamped - score, ZERO, CAT_POINTS, None,
                                f"{_fmt(score)}分，按{'上限' if clamped < score else '下限'}{_fmt(clamped)}分计",
                                rule.rule.source))
                score = clamped
        person.score = score


def _apply_ranking(run: _Run):
    ranked = run.ranked()
    ranks = rank_values([(p.staff.id, p.score) for p in ranked], run.opts.ties)
    for sid, r in ranks.items():
        run.people[sid].rank = r


def _apply_score_awards(run: _Run):
    _apply_rank_awards(run, on_score=True)
    # points from rank awards on the score count after the ranking (documented)
    for person in run.people.values():
        person.score = person.points()


def _apply_metric_awards(run: _Run):
    _apply_rank_awards(run, on_score=False)


# ---------------------------------------------------------------- 10. grade, pass, bonus cut
def _apply_grades(run: _Run):
    grades = run.of_kind("grade")
    passes = run.of_kind("pass")
    cuts = run.of_kind("bonus_cut")
    for sid, person in run.people.items():
        s = person.score
        if person.excluded:
            person.grade = "不参评"
        elif grades:
            person.grade = str(band_value(grades[0].bands, s) or "")
        for rule in passes:
            line = _pass_line(rule)
            if line is not None and s < line:
                person.passed = False
                person.flag(f"考核不合格：{_fmt(s)}分，低于合格线{_fmt(line)}分（{rule.rule.source}）")
        for rule in cuts:
            cut = band_value(rule.bands, s)
            if cut:
                cut = cut if cut <= 1 else cut / 100
                if cut > person.bonus_cut:
                    person.bonus_cut = cut
        if person.bonus_cut:
            src = cuts[0].rule.source if cuts else ""
            person.flag(f"{_fmt(s)}分，扣当月奖金{_fmt(person.bonus_cut * 100)}%（{src}）"
                        if person.bonus_cut < 1 else f"{_fmt(s)}分，当月奖金取消（{src}）")


def _pass_line(rule: Compiled) -> Optional[Decimal]:
    if rule.points and isinstance(rule.points.steps[0].value, Decimal):
        return rule.points.steps[0].value
    if rule.params.get("合格分"):  # K-1: the stated 91 of 130 wins over a share
        return values.decimal(rule.params.get("合格分"))
    full = values.decimal(rule.params.get("满分")) if rule.params.get("满分") else None
    share = values.rate(rule.params.get("比例")) if rule.params.get("比例") else None
    if full is not None and share is not None:
        return full * share
    return None


# ---------------------------------------------------------------- 11. streaks, per point, growth
@dataclass(frozen=True)
class _MonthFact:
    rank: Optional[int]
    ranked: int
    score: Decimal
    passed: bool
    excluded: bool
    last: bool = False  # last place by score (ties share it)
    metric_rank: Optional[int] = None
    metric_last: bool = False


def _facts_now(run: _Run, person: _Person, metric: str) -> _MonthFact:
    if ("#ranked", "", "") not in run._prior:
        run._prior[("#ranked", "", "")] = run.ranked()
    ranked = run._prior[("#ranked", "", "")]
    mrank = None
    mlast = False
    if metric and metric != SCORE_REF:
        key = ("#now", metric, "")
        if key not in run._prior:
            run._prior[key] = rank_values([(p.staff.id, p.metrics[metric]) for p in ranked if metric in p.metrics],
                                          run.opts.ties)
        ranks = run._prior[key]
        mrank = ranks.get(person.staff.id)
        mlast = bool(ranks) and mrank == max(ranks.values())
    key = ("#worst-now", "", "")
    if key not in run._prior:
        run._prior[key] = max((p.rank for p in ranked if p.rank is not None), default=None)
    worst = run._prior[key]
    return _MonthFact(person.rank, len(ranked), person.score, person.passed, person.excluded,
                      person.rank is not None and person.rank == worst, mrank, mlast)


def _facts_then(run: _Run, sid: str, m: Month, metric: str) -> Optional[_MonthFact]:
    h = run.history.get((m, sid))
    if h is None:
        return None
    mrank = None
    mlast = False
    if metric and metric != SCORE_REF:
        key = ("#then", str(m), metric)
        if key not in run._prior:
            run._prior[key] = rank_values([(hh.staff_id, hh.counters[metric][1]) for hh in run.by_month.get(m, ())
                                           if not hh.excluded and metric in hh.counters], run.opts.ties)
        ranks = run._prior[key]
        mrank = ranks.get(sid)
        mlast = bool(ranks) and mrank == max(ranks.values())
    worst = _worst_rank(run, m)
    return _MonthFact(h.rank, h.ranked, h.score, h.passed, h.excluded, h.rank is not None and h.rank == worst,
                      mrank, mlast)


def _worst_rank(run: _Run, m: Month) -> Optional[int]:
    key = ("#worst", str(m), "")
    if key not in run._prior:
        run._prior[key] = max((h.rank for h in run.by_month.get(m, ()) if h.rank is not None), default=None)
    return run._prior[key]


def _streak_holds(conds: Sequence[Cond], f: _MonthFact, by_metric: bool) -> bool:
    if f.excluded:
        return False
    for c in conds:
        if c.ref == "名次":
            rank = f.metric_rank if by_metric else f.rank
            if rank is None:
                return False
            if c.value == "末位":
                last = f.metric_last if by_metric else f.last
                if not last:
                    return False
            elif not c.test(Decimal(rank)):
                return False
        elif c.ref == SCORE_REF:
            if not c.test(f.score):
                return False
        elif c.ref == "合格":
            want = str(c.value) in ("是", "1", "True")
            if f.passed != want:
                return False
        else:
            return False
    return True


def _apply_streaks(run: _Run):
    for rule in run.of_kind("streak"):
        n = int(values.decimal(rule.params.get("月数")) or 0)
        if n <= 0:
            continue
        every_month = rule.params.get("重复") in ("每月",)
        metric = rule.rule.metric
        by_metric = bool(metric and metric != SCORE_REF)
        for sid, person in run.people.items():
            if not _streak_holds(rule.params.conds, _facts_now(run, person, metric), by_metric):
                continue
            length = 1
            m = run.opts.month
            while True:
                m = m.prev()
                f = _facts_then(run, sid, m, metric)
                if f is None or not _streak_holds(rule.params.conds, f, by_metric):
                    break
                length += 1
                if length > 240:
                    break
            if length >= n and (every_month or length % n == 0):
                _reward(run, person, rule, f"连续{length}个月：{rule.rule.name}")


def _apply_per_point(run: _Run):
    for rule in run.of_kind("per_point"):
        metric = rule.rule.metric or SCORE_REF
        base = values.decimal(rule.params.get("基数")) or ZERO
        pct = values.rate(rule.params.get("比例")) if rule.params.get("比例") else None
        less = _deductions(run, rule)
        for sid, person in run.people.items():
            v = person.score if metric == SCORE_REF else person.metrics.get(metric)
            taken = ""
            if v is not None and less:
                v, taken = _less(person, v, less)
            if v is None or v <= base:
                if taken:
                    person.add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, None, f"{taken}，未超过{_fmt(base)}",
                                    rule.rule.source))
                continue
            over = v - base
            if pct is not None:
                person.bonus_pct += over * pct
                person.add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, None,
                                f"超出{_fmt(base)}分 {_fmt(over)} 分 × {_fmt(pct * 100)}% = 奖金加 {_fmt(over * pct * 100)}%",
                                rule.rule.source))
            elif rule.amount:
                per = _fixed(rule.amount)
                person.add(Line(sid, rule.code, ZERO, money(over * per), rule.category, None,
                                f"{taken + '，' if taken else ''}超出基数{_fmt(base)} {_fmt(over)} × {_fmt(per)}元",
                                rule.rule.source))
            elif rule.points:
                per = _fixed(rule.points)
                person.add(Line(sid, rule.code, over * per, ZERO, CAT_POINTS, None,
                                f"超出{_fmt(base)} {_fmt(over)} × {_fmt(per)}分", rule.rule.source))


def _deductions(run: _Run, rule: Compiled) -> List[Tuple[str, Decimal]]:
    """参数 扣减=CODE×N[,CODE×N]: each occurrence of rule CODE this month takes N from the metric
    before the excess is paid (C-3: a safety accident takes 2 service points)."""
    text = rule.params.get("扣减")
    out: List[Tuple[str, Decimal]] = []
    for part in (p for p in text.replace("、", ",").replace("，", ",").split(",") if p.strip()):
        code, sep, num = part.replace("*", "×").partition("×")
        code = code.strip()
        try:
            n = values.decimal(num.strip()) if sep else Decimal(1)
        except ValueError:
            n = None
        if code not in run.rules or n is None:
            run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM",
                        f"规则「{rule.code}」的扣减「{part.strip()}」应写成 规则代码×分数（如 安全事故×2），"
                        f"且规则代码在方案中存在")
            continue
        out.append((code, n))
    return out


def _less(person: _Person, v: Decimal, less: Sequence[Tuple[str, Decimal]]) -> Tuple[Decimal, str]:
    """The metric after the 扣减 of this month's occurrences, and the text saying it."""
    parts = []
    for code, n in less:
        c = person.counters.get(code)
        times = c[0] if c else ZERO
        if times:
            v -= times * n
            parts.append(f"{code} {_fmt(times)} 次 × {_fmt(n)}")
    if not parts:
        return v, ""
    return v, f"扣减 {'、'.join(parts)} 后为 {_fmt(v)}"


def _whole_month(st: Staff, m: Month) -> bool:
    if st.hired is not None and st.hired > m.first_day:
        return False
    return not (st.status == "离职" and st.left is not None and st.left < m.last_day)


def _apply_growth(run: _Run):
    for rule in run.of_kind("increase"):
        metric = rule.rule.metric
        base_default = values.decimal(rule.params.get("基数")) if rule.params.get("基数") else None
        steps = sorted(((values.decimal(a) or ZERO, values.decimal(b) or ZERO) for a, b in rule.params.pairs),
                       reverse=True)
        prev = run.opts.month.prev()
        for sid, person in run.people.items():
            v = person.metrics.get(metric)
            if v is None:
                continue
            h = run.history.get((prev, sid))
            baseline = h.counters[metric][1] if h and metric in h.counters else base_default
            if baseline is None:
                continue
            gain = v - baseline
            for threshold, reward in steps:
                if gain >= threshold:
                    person.add(Line(sid, rule.code, ZERO, money(reward), rule.category, None,
                                    f"{run.rules[metric].rule.name if metric in run.rules else metric}"
                                    f" {_fmt(v)}，比基数 {_fmt(baseline)} 增长 {_fmt(gain)}（≥{_fmt(threshold)}）",
                                    rule.rule.source))
                    break


def _apply_flowers(run: _Run):
    """小红花 (C-7): quotas, validity and the monthly award (rules live in flowers.py)."""
    if not run.of_kind("flower"):
        return
    from . import flowers
    fm = flowers.analyse(run.book.staff, run.book.events, run.book.rules, run.book.config, run.opts.scheme,
                         run.opts.month, list(run.people), calendar=run.opts.calendar)
    if fm is None:
        return
    run.problems.extend(fm.problems)
    for sid, amt in fm.awards.items():
        if sid in run.people:
            run.people[sid].add(Line(sid, fm.policy.codes[0], ZERO, money(amt), CAT_REWARD, None,
                                     "小红花月度奖：有效小红花最多", fm.policy.source))


STAGES = (
    _select_events,
    addons.after_select,
    _apply_event_rules,
    addons.after_events,
    _apply_metrics,
    _apply_imported_metrics,
    _apply_event_metrics,
    _apply_ratings,
    _apply_bands,
    _apply_components,
    _apply_base,
    _apply_shared,
    addons.before_conditions,
    _apply_exclusions,
    _apply_conditions,
    _apply_metric_awards,
    _apply_cap_and_score,
    _apply_ranking,
    _apply_score_awards,
    _apply_grades,
    _apply_streaks,
    _apply_per_point,
    _apply_growth,
    _apply_flowers,
    addons.at_end,
)


def _result(run: _Run) -> MonthResult:
    people = []
    for sid in sorted(run.people, key=lambda s: (run.people[s].rank is None, run.people[s].rank or 0, s)):
        p = run.people[sid]
        counters = {k: (v[0], v[1]) for k, v in p.counters.items()}
        people.append(PersonResult(p.staff, p.score, p.raw, p.rank, p.grade, p.passed, p.bonus_cut, p.bonus_pct,
                                   p.excluded, tuple(p.flags), tuple(dict.fromkeys(p.titles)), tuple(p.lines),
                                   counters))
    return MonthResult(run.opts.month, run.opts.scheme, tuple(people), tuple(run.problems), tuple(run.pending),
                       len(run.ranked()), tuple(run.carried))


def history_from_result(result: MonthResult, version: int = 1, digest: str = "") -> Tuple[HistoryRow, ...]:
    """The 历史 rows a close appends for its month."""
    return tuple(HistoryRow(result.month, p.staff.id, p.staff.name, p.staff.group, p.score, p.rank, result.ranked,
                            p.grade, p.passed, p.excluded, dict(p.counters), version, digest)
                 for p in result.people)
