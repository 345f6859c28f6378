"""小红花 (red flowers, DOMAIN C-7): quotas, validity, balances and awards.

Pure: the book's records in, a `FlowerMonth` (and a 小红花 SheetOut) out.  The
事件 sheet keeps every month, so the whole flower history is computed from the
events themselves; nothing is stored in 历史 beyond the engine's counters.

Which rows are flowers
    Events whose rule (of the active scheme) has the kind 小红花 (canonical
    ``flower``).  工号 is the receiver, 数量 the number of flowers (a whole
    number), 发放人 the issuer: a 工号 of the 员工 sheet, or a 姓名 when exactly
    one person has that name.  A blank or unknown issuer is an error
    (E_FLOWER_ISSUER, at 发放人); a name shared by several people is an error
    too (write the 工号).  Giving oneself a flower is a warning (W_FLOWER_SELF).
    When a scheme has several flower rules they share one pool; the parameters
    of the first one apply.

Parameters (参数 of the rule; the preset has ``组长每月=2;其他每月=30;有效月数=3;年度前=3``)
    组长每月   flowers each leader may issue per month (default 2)
    其他每月   flowers all other issuers together may issue per month (default 30)
    有效月数   months a flower stays valid, the month of issue included (default 3)
    年度前     how many of the calendar year's top receivers get the extra award (3)
    月度奖励   平分 (default) / 每人 / 无 -- how the monthly award is shared (below)
    金额       the monthly award (the preset: 100)

Who is a leader ("工厂领导班子的每个成员每月发两朵")
    When the 参数 sheet has the key 小红花领导 (工号 or 姓名 separated by 、 , ; or
    spaces), exactly those people are leaders.  Otherwise a leader is anyone
    whose 岗位 contains 组长, 主管, 经理, 领导, 总监 or 厂长.  Every other issuer found
    in 员工 counts as one of the "其他管理人员", who share the monthly pool.

Quotas
    Counted per calendar month of the event date, over every flower issued
    that month that was not rejected (驳回): a flower still waiting for
    approval was handed out all the same, and would otherwise slip past the
    check once approved after the month is closed.  Going over a quota is an
    error E_FLOWER_QUOTA at the 数量 cell of the row where the count first
    exceeds the quota; the message names the issuer, the month, the quota and
    the month's count.  Only the month being closed is checked (earlier months
    were checked when they were closed).

Validity and balances
    Only effective flowers count (状态 blank/已批准/生效, or 公示中 once the
    publication window has passed, as in the engine).  A flower issued in
    November counts in November, December and January and has expired in
    February (有效月数=3).  A person's balance in a month is the number of valid
    flowers; "下月到期" are those valid now and expired next month.  Transfers
    between holders (allowed by the policy, signed by the holder) are not
    modelled: record them as a new flower from the original issuer if needed.

Monthly award ("3.5 奖项设置：一个月一次奖，100")
    Read as one award a month: the active person(s) with the most valid
    flowers (at least one) get the rule's 金额.  Ties share it equally
    (月度奖励=平分; rounded to the fen, the odd fen going to the lowest 工号 so
    the total is exactly the award); 月度奖励=每人 gives every tied winner the
    full amount; 月度奖励=无 or a blank 金额 gives no monthly award.

Yearly award ("在每个自然年之后统计…前三名设立额外奖励，并公开表彰")
    Flowers received in the calendar year (by event date) are ranked, ties
    sharing a place (or by 工号 when 并列规则=工号); places 1..年度前 with at least
    one flower get the extra award.  The ranking to date is shown every month;
    it is final (and marked as the award) in December.  `yearly_top` gives it
    on demand for any year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ..core import values
from ..core.grid import SheetOut
from ..core.model import WARNING, ZERO, Event, Month, Problem, Rule, Source, Staff, fmt_points, money
from ..core.settings import SettingsSheet
from ..core.settings import read as read_settings
from ..rules.grammar import parse_params, parse_spec

SHEET = "小红花"
SOURCE = "C-7"
LEADER_SETTING = "小红花领导"
LEADER_WORDS = ("组长", "主管", "经理", "领导", "总监", "厂长")
NO_SETTINGS = read_settings(())  # an empty 参数 sheet: every setting at its default
SPLIT = "平分"
EACH = "每人"
NONE = "无"


@dataclass(frozen=True)
class Policy:
    codes: Tuple[str, ...]
    name: str = "小红花"
    source: str = SOURCE
    leader_quota: int = 2
    others_quota: int = 30
    valid_months: int = 3
    year_top: int = 3
    award: Decimal = ZERO
    award_mode: str = SPLIT


@dataclass(frozen=True)
class Issued:
    """One issuer's use of the quota in the month."""

    staff_id: str
    name: str
    leader: bool
    count: Decimal
    quota: Optional[int]  # the leader's own quota; None for the shared pool


@dataclass(frozen=True)
class Holding:
    """One person's flowers in the month."""

    staff_id: str
    name: str
    group: str
    received: Decimal  # issued to them this month
    balance: Decimal  # valid this month
    expiring: Decimal  # valid this month, expired next month
    year_total: Decimal  # received in the calendar year up to this month
    year_rank: Optional[int]  # among those with at least one flower this year
    award: Decimal = ZERO  # monthly award
    year_award: bool = False  # among the yearly top (December)


@dataclass(frozen=True)
class FlowerMonth:
    month: Month
    policy: Policy
    issued: Tuple[Issued, ...]
    others_total: Decimal
    holdings: Tuple[Holding, ...]
    awards: Mapping[str, Decimal]
    year_top: Tuple[Tuple[str, Decimal, int], ...]  # (工号, flowers this year, place), best first
    problems: Tuple[Problem, ...] = ()
    final_year: bool = False  # December: the yearly top gets the extra award

    def holding(self, staff_id: str) -> Optional[Holding]:
        for h in self.holdings:
            if h.staff_id == staff_id:
                return h
        return None


# ---------------------------------------------------------------- policy
def _int_option(params, key: str, default: int, rule: Rule, problems: List[Problem]) -> int:
    raw = params.get(key)
    if not raw:
        return default
    try:
        v = values.decimal(raw)
    except ValueError:
        v = None
    if v is None or v < 0 or v != v.to_integral_value():
        problems.append(Problem.at(rule.src.at("参数"), "E_RULE_PARAM",
                                   f"规则「{rule.code}」：参数 {key}={raw} 应为不小于 0 的整数"))
        return default
    return int(v)


def policy_for(rules: Iterable[Rule], scheme: str) -> Tuple[Optional[Policy], List[Problem]]:
    """The flower policy of a scheme (None when it has no enabled 小红花 rule)."""
    found = [r for r in rules if r.kind == "flower" and r.enabled and (not r.scheme or r.scheme == scheme)]
    if not found:
        return None, []
    problems: List[Problem] = []
    first = found[0]
    try:
        params = parse_params(first.params)
    except ValueError:
        params = parse_params("")  # the engine reports unparsable parameters (E_RULE_PARAM)
    award = ZERO
    try:
        spec = parse_spec(first.amount)
    except ValueError:
        spec = None
    if spec is not None:
        v = spec.steps[0].value
        if isinstance(v, Decimal) and not spec.is_ladder:
            award = v
        else:
            problems.append(Problem.at(first.src.at("金额"), "E_RULE_PARAM",
                                       f"规则「{first.code}」：小红花的金额是每月奖励的固定金额（如 100）"))
    mode = params.get("月度奖励") or SPLIT
    if mode not in (SPLIT, EACH, NONE):
        problems.append(Problem.at(first.src.at("参数"), "E_RULE_PARAM",
                                   f"规则「{first.code}」：月度奖励={mode} 应为 {SPLIT}、{EACH} 或 {NONE}"))
        mode = SPLIT
    valid = _int_option(params, "有效月数", 3, first, problems)
    if valid < 1:
        problems.append(Problem.at(first.src.at("参数"), "E_RULE_PARAM", f"规则「{first.code}」：有效月数至少为 1"))
        valid = 1
    policy = Policy(
        codes=tuple(dict.fromkeys(r.code for r in found)),
        name=first.name or first.code,
        source=first.source or SOURCE,
        leader_quota=_int_option(params, "组长每月", 2, first, problems),
        others_quota=_int_option(params, "其他每月", 30, first, problems),
        valid_months=valid,
        year_top=_int_option(params, "年度前", 3, first, problems),
        award=award,
        award_mode=mode,
    )
    return policy, problems


# ---------------------------------------------------------------- people
class _Directory:
    """Staff by 工号 and by 姓名 (issuers may be written either way)."""

    def __init__(self, staff: Sequence[Staff]):
        self.by_id: Dict[str, Staff] = {s.id: s for s in staff}
        self.by_name: Dict[str, List[Staff]] = {}
        for s in staff:
            if s.name:
                self.by_name.setdefault(values.code(s.name), []).append(s)

    def find(self, text: str) -> Tuple[Optional[Staff], str]:
        """(staff, "") or (None, why): why is "blank", "unknown" or "ambiguous"."""
        key = values.code(text)
        if not key:
            return None, "blank"
        if key in self.by_id:
            return self.by_id[key], ""
        named = self.by_name.get(key, [])
        if len(named) == 1:
            return named[0], ""
        return None, "ambiguous" if named else "unknown"


def leaders(staff: Sequence[Staff], config: SettingsSheet = NO_SETTINGS, month: Optional[Month] = None
            ) -> Tuple[Set[str], List[Problem]]:
    """工号 of the leaders who issue 组长每月 flowers each (see the module docstring)."""
    cfg = config.at(month)
    raw = cfg.flower_leaders
    problems: List[Problem] = []
    if values.is_blank(raw):
        return {s.id for s in staff if any(w in (s.role or "") for w in LEADER_WORDS)}, problems
    d = _Directory(staff)
    out: Set[str] = set()
    for part in re.split(r"[、,，;；\s]+", values.text(raw)):
        if not part:
            continue
        s, why = d.find(part)
        if s is None:
            problems.append(Problem.at(cfg.source(LEADER_SETTING) or Source("参数"), "W_FLOWER_LEADER",
                                       f"参数 {LEADER_SETTING} 中的「{part}」"
                                       + ("在「员工」表中有多人同名，请写工号" if why == "ambiguous" else "不在「员工」表中"),
                                       WARNING))
            continue
        out.add(s.id)
    return out, problems


# ---------------------------------------------------------------- events
def effective(ev: Event, as_of, publish_days: int = 3, calendar=None) -> bool:
    """Counts like an event of the engine (E-6): approved, or published long enough (working days of
    `calendar`, core/calendar.py; default: the library's)."""
    from . import month as engine
    if ev.status in engine.COUNTED:
        return True
    if ev.status in engine.PUBLISHING and ev.published is not None:
        return as_of > engine.working_days_after(ev.published, publish_days, calendar)
    return False


def _rejected(ev: Event) -> bool:
    from . import month as engine
    return ev.status in engine.REJECTED


def _whole(q: Decimal) -> bool:
    return q == q.to_integral_value()


def _q(d: Decimal) -> str:
    return str(fmt_points(d))


def _ym(m: Month) -> str:
    return f"{m.year}年{m.month}月"


def check_quotas(events: Sequence[Event], policy: Policy, month: Month, directory: "_Directory",
                 leader_ids: Set[str]) -> Tuple[List[Problem], Dict[str, Decimal], Decimal]:
    """Problems of the month's flower rows, each issuer's count and the shared pool's total."""
    problems: List[Problem] = []
    rows = sorted((e for e in events if e.rule in policy.codes and month.contains(e.date) and not _rejected(e)),
                  key=lambda e: (e.date, e.row))
    counts: Dict[str, Decimal] = {}
    totals: Dict[str, Decimal] = {}
    pool = ZERO
    pool_total = ZERO
    resolved: List[Tuple[Event, Staff]] = []
    for ev in rows:
        if not _whole(ev.qty):
            problems.append(Problem.at(ev.src.at("数量"), "E_FLOWER_QTY",
                                       f"小红花的数量必须是整数朵，而不是 {_q(ev.qty)}（{policy.source}）"))
            continue
        who, why = directory.find(ev.issuer)
        if who is None:
            msg = {"blank": f"小红花必须填写发放人（工号或姓名，{policy.source}）",
                   "ambiguous": f"发放人「{ev.issuer}」在「员工」表中有多人同名，请填写工号",
                   }.get(why, f"发放人「{ev.issuer}」不在「员工」表中（{policy.source}）")
            problems.append(Problem.at(ev.src.at("发放人"), "E_FLOWER_ISSUER", msg))
            continue
        if who.id == ev.staff_id:
            problems.append(Problem.at(ev.src.at("发放人"), "W_FLOWER_SELF",
                                       f"发放人「{who.name}」把小红花发给了自己，请核实", WARNING))
        resolved.append((ev, who))
        totals[who.id] = totals.get(who.id, ZERO) + ev.qty
        if who.id not in leader_ids:
            pool_total += ev.qty
    reported: Set[str] = set()
    for ev, who in resolved:
        counts[who.id] = counts.get(who.id, ZERO) + ev.qty
        label = f"发放人「{who.name}（{who.id}）」"
        if who.id in leader_ids:
            if counts[who.id] > policy.leader_quota and who.id not in reported:
                reported.add(who.id)
                problems.append(Problem.at(
                    ev.src.at("数量"), "E_FLOWER_QUOTA",
                    f"{label}是领导，{_ym(month)}共发放小红花 {_q(totals[who.id])} 朵，超过每人每月 "
                    f"{policy.leader_quota} 朵的额度（从这一行起超出，{policy.source}）"))
        else:
            pool += ev.qty
            if pool > policy.others_quota and "#pool" not in reported:
                reported.add("#pool")
                problems.append(Problem.at(
                    ev.src.at("数量"), "E_FLOWER_QUOTA",
                    f"{label}：{_ym(month)}其他管理人员共发放小红花 {_q(pool_total)} 朵，超过合计每月 "
                    f"{policy.others_quota} 朵的额度（到这一行已 {_q(pool)} 朵，{policy.source}）"))
    problems.sort(key=lambda p: (p.row, p.code))
    return problems, counts, pool_total


def valid_in(issued: Month, month: Month, valid_months: int) -> bool:
    """A flower issued in `issued` still counts in `month`."""
    return 0 <= month.index() - issued.index() < valid_months


def counted_flowers(events: Sequence[Event], policy: Policy, upto: Month, config: SettingsSheet = NO_SETTINGS,
                    calendar=None) -> List[Event]:
    """The effective flower events dated up to the end of `upto`."""
    days = config.at(upto).publish_days
    as_of = upto.last_day
    return [e for e in events if e.rule in policy.codes and e.date <= as_of and effective(e, as_of, days, calendar)]


def yearly_totals(events: Sequence[Event], policy: Policy, year: int, upto: Optional[Month] = None,
                  config: SettingsSheet = NO_SETTINGS) -> Dict[str, Decimal]:
    upto = upto or Month(year, 12)
    out: Dict[str, Decimal] = {}
    for e in counted_flowers(events, policy, upto, config):
        if e.date.year == year:
            out[e.staff_id] = out.get(e.staff_id, ZERO) + e.qty
    return out


def _rank(items: Sequence[Tuple[str, Decimal]], ties: str) -> Dict[str, int]:
    from .month import rank_values
    return rank_values(items, ties)


def yearly_top(events: Sequence[Event], policy: Policy, year: int, upto: Optional[Month] = None,
               config: SettingsSheet = NO_SETTINGS, staff_ids: Optional[Set[str]] = None
               ) -> List[Tuple[str, Decimal, int]]:
    """(工号, flowers received in the year, place) for places 1..年度前, best first."""
    totals = yearly_totals(events, policy, year, upto, config)
    items = [(sid, v) for sid, v in totals.items() if v > 0 and (staff_ids is None or sid in staff_ids)]
    ranks = _rank(items, config.at(upto).ties)
    out = [(sid, totals[sid], r) for sid, r in ranks.items() if r <= policy.year_top]
    return sorted(out, key=lambda x: (x[2], x[0]))


def monthly_awards(balances: Mapping[str, Decimal], policy: Policy, eligible: Iterable[str]) -> Dict[str, Decimal]:
    """工号 -> money: the most valid flowers this month wins the award (see the module docstring)."""
    if policy.award <= 0 or policy.award_mode == NONE:
        return {}
    cands = {sid: balances.get(sid, ZERO) for sid in eligible}
    best = max(cands.values(), default=ZERO)
    if best <= 0:
        return {}
    winners = sorted(sid for sid, v in cands.items() if v == best)
    if policy.award_mode == EACH:
        return {sid: money(policy.award) for sid in winners}
    total = money(policy.award)
    share = (total / len(winners)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    out = {sid: share for sid in winners}
    left = total - share * len(winners)
    for sid in winners:
        if left <= 0:
            break
        out[sid] += Decimal("0.01")
        left -= Decimal("0.01")
    return out


# ---------------------------------------------------------------- the month
def analyse(staff: Sequence[Staff], events: Sequence[Event], rules: Iterable[Rule], config: SettingsSheet,
            scheme: str, month: Month, active: Optional[Sequence[str]] = None, calendar=None) -> Optional[FlowerMonth]:
    """Everything about flowers for one month; None when the scheme has no 小红花 rule.

    `active`: the 工号 of the people in the month's results (who may win the
    monthly award); default: every staff member active in the month.
    """
    policy, problems = policy_for(rules, scheme)
    if policy is None:
        return None
    directory = _Directory(staff)
    leader_ids, p = leaders(staff, config, month)
    problems += p
    p, counts, pool_total = check_quotas(events, policy, month, directory, leader_ids)
    problems += p
    active_ids = list(active) if active is not None else [s.id for s in staff if s.active_in(month)]
    flowers = [e for e in counted_flowers(events, policy, month, config, calendar) if e.staff_id in directory.by_id]
    received: Dict[str, Decimal] = {}
    balance: Dict[str, Decimal] = {}
    expiring: Dict[str, Decimal] = {}
    for e in flowers:
        m = Month.of(e.date)
        if m == month:
            received[e.staff_id] = received.get(e.staff_id, ZERO) + e.qty
        if valid_in(m, month, policy.valid_months):
            balance[e.staff_id] = balance.get(e.staff_id, ZERO) + e.qty
            if not valid_in(m, month.next(), policy.valid_months):
                expiring[e.staff_id] = expiring.get(e.staff_id, ZERO) + e.qty
    year = {}
    for e in flowers:
        if e.date.year == month.year:
            year[e.staff_id] = year.get(e.staff_id, ZERO) + e.qty
    year_ranks = _rank([(sid, v) for sid, v in year.items() if v > 0], config.at(month).ties)
    top = tuple(sorted(((sid, year[sid], r) for sid, r in year_ranks.items() if r <= policy.year_top),
                       key=lambda x: (x[2], x[0])))
    final = month.month == 12
    awards = monthly_awards(balance, policy, active_ids)
    shown = list(dict.fromkeys(active_ids + [sid for sid in list(balance) + list(year) if sid not in active_ids]))
    holdings = []
    top_ids = {sid for sid, _, _ in top}
    for sid in shown:
        s = directory.by_id.get(sid)
        if s is None:
            continue
        holdings.append(Holding(sid, s.name, s.group, received.get(sid, ZERO), balance.get(sid, ZERO),
                                expiring.get(sid, ZERO), year.get(sid, ZERO), year_ranks.get(sid),
                                awards.get(sid, ZERO), final and sid in top_ids))
    holdings.sort(key=lambda h: (-h.balance, -h.year_total, h.staff_id))
    issued = []
    for sid in sorted(leader_ids, key=lambda x: (-counts.get(x, ZERO), x)):
        s = directory.by_id[sid]
        if sid in counts or (s.active_in(month) and sid in active_ids):
            issued.append(Issued(sid, s.name, True, counts.get(sid, ZERO), policy.leader_quota))
    for sid in sorted((x for x in counts if x not in leader_ids), key=lambda x: (-counts[x], x)):
        issued.append(Issued(sid, directory.by_id[sid].name, False, counts[sid], None))
    return FlowerMonth(month, policy, tuple(issued), pool_total, tuple(holdings), awards, top, tuple(problems),
                       final)


def analyse_book(book, month: Month, scheme: str, active: Optional[Sequence[str]] = None) -> Optional[FlowerMonth]:
    """`analyse` on a readers.Book."""
    from ..core.calendar import default_calendar
    return analyse(book.staff, book.events, book.rules, book.config, scheme, month, active,
                   default_calendar(book.holidays))


# ---------------------------------------------------------------- sheet
HEADER = ("工号", "姓名", "组别", "本月获得", "有效余额", "下月到期", "本年累计", "本年名次", "月度奖励", "说明")
TYPES = ("text", "text", "text", "num", "num", "num", "num", "int", "money", "text")
WIDTHS = (10, 10, 10, 9, 9, 9, 9, 9, 10, 44)


def _n(d: Decimal):
    return fmt_points(d)


def sheet(fm: FlowerMonth) -> SheetOut:
    """The 小红花 sheet: balances per person, then the issuers' use of their quotas.

    Rows (1-based in the sheet): row 1 title, row 2 header, then one row per
    person; after a blank row a section label row, a sub-header row and one
    row per issuer plus the pool's total.  extra["section_rows"] and
    extra["header_rows"] give those rows for formatting.
    """
    pol = fm.policy
    rows: List[Tuple] = []
    for h in fm.holdings:
        notes = []
        if h.award:
            notes.append(f"月度小红花奖：有效小红花最多（{_n(h.balance)} 朵）")
        if h.year_award:
            notes.append(f"{fm.month.year}年度第{h.year_rank}名：额外奖励并公开表彰")
        elif h.year_rank is not None and h.year_rank <= pol.year_top and h.year_total > 0:
            notes.append(f"截至本月年度第{h.year_rank}名")
        if h.expiring:
            notes.append(f"{_n(h.expiring)} 朵下月到期")
        rows.append((h.staff_id, h.name, h.group, _n(h.received), _n(h.balance), _n(h.expiring), _n(h.year_total),
                     h.year_rank, h.award if h.award else None, "；".join(notes)))
    first = 3  # sheet row of rows[0]: title, header, data
    blank = (None,) * len(HEADER)
    rows.append(blank)
    section = len(rows) + first
    rows.append((f"【发放额度】{_ym(fm.month)}", None, None, None, None, None, None, None, None,
                 f"领导每人每月 {pol.leader_quota} 朵；其他管理人员合计每月 {pol.others_quota} 朵"))
    sub = len(rows) + first
    rows.append(("发放人工号", "姓名", "类别", "本月发放", "额度", "剩余", None, None, None, "说明"))
    for i in fm.issued:
        if i.leader:
            left = Decimal(i.quota or 0) - i.count
            rows.append((i.staff_id, i.name, "领导", _n(i.count), i.quota, _n(max(left, ZERO)), None, None, None,
                         f"超出 {_n(-left)} 朵" if left < 0 else ""))
        else:
            rows.append((i.staff_id, i.name, "其他管理人员", _n(i.count), None, None, None, None, None,
                         "计入其他管理人员合计额度"))
    left = Decimal(pol.others_quota) - fm.others_total
    rows.append(("合计", "其他管理人员", None, _n(fm.others_total), pol.others_quota, _n(max(left, ZERO)), None, None,
                 None, f"超出 {_n(-left)} 朵" if left < 0 else ""))
    award = f"月度奖 {money(pol.award)} 元" if pol.award > 0 and pol.award_mode != NONE else "无月度奖"
    title = (f"{pol.name} {_ym(fm.month)}（{pol.source}：有效期 {pol.valid_months} 个月；{award}；"
             f"年度前 {pol.year_top} 名额外奖励）")
    return SheetOut(SHEET, HEADER, TYPES, tuple(rows), WIDTHS, title,
                    highlight=((section, 1),),
                    extra={"section_rows": (section,), "header_rows": (2, sub), "freeze": "A3"})
