"""Sheets people look at after a close (honour roll, flowers, trends), built from
the month's results and the history.  Pure: records in, SheetOuts and problems out.

Sheets (all owned by the close, see `REPORT_SHEETS`):

荣誉榜 (honour roll), columns 期间, 奖项, 工号, 姓名, 组别, 说明, 来源.  A title line
    (publication and dispute window, B-5/E-6), then four sections, each
    opened by a row whose first cell is the section label (【本月】, 【本季度】,
    【本年度】, 【需要 HR 处理】); a section without anything keeps its label row.
    - 本月: every outcome of a rank rule (A2-2 1st place shown under its
      称号 金牌客服, 2nd/3rd as 业绩排名第2名 …; B-3), every condition that
      fired and carries a 称号 or a 提示 (E-2 服务之星, A2-3 月度表彰, C-8),
      every streak that is an achievement (A1-1 paid day off, D-7 one-off
      200), any other 称号, and the 小红花 monthly award (C-7).
    - 本季度: awards of quarterly rules (C-4 top 3 / 4th–8th, E-3 服务标兵),
      from this month's lines (they are judged at the quarter's last month),
      then a tally of the month outcomes above over the quarter's closed
      months, read from the history counters (e.g. 服务之星 2次：2026-10、2026-11).
    - 本年度: awards of yearly rules (E-4 服务楷模, in December), a tally over
      the year's closed months (monthly and quarterly outcomes), and in
      December the 小红花 yearly top 3 (C-7).
    - 需要 HR 处理: the month's flags HR must act on, each with its text:
      streaks that are warnings (B-2 last place twice, D-7 two failing
      months), ladder words 劝退/开除/留司查看/记过/通报批评/解雇/调岗/降薪 (A1-15,
      D-10, A2-13, B-2), 考核不合格 (K-1, D-7), and the events not yet counted
      because they wait for approval, publication or a dispute (E-6, B-5).
    A streak is a warning when one of its conditions is 合格=否, 名次=末位 or
    得分<…; otherwise it is an achievement.  Rank and streak outcomes are told
    apart in the history by the counter's value (the award), so a tally row
    says 季度排名前3名 or 金牌客服 when the awards of the places differ.

小红花: see `kefu_xl.engine.flowers` (written only when the scheme has a 小红花 rule).

趋势: 月份, 团队平均, 最高, 最低 (over the people ranked that month), then one
    column per person (header 姓名, or 姓名（工号） when two
    people share a name; people ordered by 工号), one row per closed month
    (latest version, reversed months left out) up to this month, the last
    `CHART_MONTHS` months; values are the month's score, blank when the
    person was not there.

组别: this month per group: 月份, 组别, 人数, 参评人数, 平均分, 最高, 最低, 合格人数,
    合格率; statistics over the people ranked (not excluded); people without
    a group are 「未分组」; a last row 「全体」.

分布: this month's scores in `DIST_BINS` bins of a round width (1, 2, 5, 10,
    20, 25, 50 …): 区间 (含下限、不含上限), 下限, 上限, 人数, 月份.

`CHARTS` describes the four native charts the template shows on 看板 beside
the board, over fixed ranges of these data sheets (and 结果) large enough for
`CHART_PEOPLE` people, `CHART_MONTHS` months and `CHART_GROUPS` groups, so
they follow every close; `chart_series` and `add_chart` turn one into
XlsxWriter calls.
"""
from __future__ import annotations

import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from ..engine import month as engine
from ..engine import flowers
from ..core import schema
from ..core import values
from ..core.schema import col_letter
from ..core.grid import SheetOut
from ..core.model import ZERO, HistoryRow, Line, Month, MonthResult, PersonResult, Problem, fmt_points, money
from ..read.readers import Book
from ..rules.grammar import Compiled, compile_rules

HONOUR = "荣誉榜"
FLOWERS = flowers.SHEET
TREND = "趋势"
GROUPS = "组别"
DIST = "分布"
CHART_SHEET = "看板"  # where the template puts the charts: beside the board the close writes (write.board)

REPORT_SHEETS: Tuple[str, ...] = (HONOUR, FLOWERS, TREND, GROUPS, DIST)

HONOUR_HEADER = ("期间", "奖项", "工号", "姓名", "组别", "说明", "来源")
HONOUR_TYPES = ("text",) * 7
HONOUR_WIDTHS = (12, 18, 10, 10, 10, 60, 10)

SEC_MONTH = "【本月】"
SEC_QUARTER = "【本季度】"
SEC_YEAR = "【本年度】"
SEC_HR = "【需要 HR 处理】"

# words of a flag that ask HR to act (ladder words, sanctions, failing)
HR_WORDS = ("劝退", "开除", "解雇", "辞退", "留司查看", "记过", "通报批评", "调岗", "降薪", "请辞", "不合格")

CHART_PEOPLE = 200
CHART_MONTHS = 36
TREND_SUMMARY = ("团队平均", "最高", "最低")  # the trend chart's series: what a manager reads (everyone stays on 趋势)
CHART_GROUPS = 20
DIST_BINS = 10
NO_GROUP = "未分组"
ALL_GROUPS = "全体"


# ---------------------------------------------------------------- entry point
def build(result: MonthResult, book: Book, history: Sequence[HistoryRow]) -> Tuple[List[SheetOut], List[Problem]]:
    """Report sheets for a closed month; `history` already includes this month."""
    problems: List[Problem] = []
    active = [p.staff.id for p in result.people]
    fm = flowers.analyse_book(book, result.month, result.scheme, active)
    if fm is not None:
        seen = {(p.code, p.sheet, p.row, p.column) for p in result.problems}
        problems += [p for p in fm.problems if (p.code, p.sheet, p.row, p.column) not in seen]
    rules, _ = compile_rules(book.rules, result.scheme)
    hist = _history_with(result, history)
    sheets = [honour_sheet(result, book, rules, hist, fm)]
    if fm is not None:
        sheets.append(flowers.sheet(fm))
    sheets += [trend_sheet(result, hist), group_sheet(result), distribution_sheet(result)]
    return sheets, problems


def _history_with(result: MonthResult, history: Sequence[HistoryRow]) -> Dict[Tuple[Month, str], HistoryRow]:
    """Latest valid history rows, with this month's rows added when the caller left them out."""
    hist = engine.latest_history(history)
    if not any(m == result.month for m, _ in hist):
        for h in engine.history_from_result(result):
            hist[(h.month, h.staff_id)] = h
    return hist


# ---------------------------------------------------------------- helpers
def _fmt(d: Decimal) -> str:
    return str(fmt_points(d))


def _value_text(points: Decimal, amount: Decimal) -> str:
    parts = []
    if points:
        parts.append(f"{'+' if points > 0 else ''}{_fmt(points)}分")
    if amount:
        parts.append(f"{money(amount)}元")
    return "，".join(parts)


def _ym(m: Month) -> str:
    return f"{m.year}年{m.month}月"


def _quarter_label(m: Month) -> str:
    return f"{m.year}年第{m.quarter}季度"


def _quarter_months(m: Month) -> List[Month]:
    start = Month(m.year, (m.quarter - 1) * 3 + 1)
    return [start.shift(i) for i in range(3)]


def _window(c: Compiled) -> str:
    return c.window if c.window in ("quarter", "year") else "month"


def _fixed_value(c: Compiled) -> Decimal:
    for spec, sign in ((c.points, 1), (c.amount, c.money_sign)):
        if spec is not None and isinstance(spec.steps[0].value, Decimal):
            return spec.steps[0].value * sign
    return ZERO


def _bad_streak(c: Compiled) -> bool:
    for cond in c.params.conds:
        if cond.ref == "合格" and str(cond.value) in ("否", "0", "False"):
            return True
        if cond.ref == "名次" and str(cond.value) == "末位":
            return True
        if cond.ref == engine.SCORE_REF and cond.op in ("<", "<="):
            return True
    return False


def _role(c: Compiled) -> Optional[str]:
    """'honour', 'hr' or None for a rule whose outcome lines may go on the roll."""
    if c.kind == "rank":
        awards = _bands(c)
        if awards and all(v < 0 for _, _, v in awards):
            return None
        return "honour"
    if c.kind == "condition":
        if (c.rule.title or c.params.get("提示")) and _fixed_value(c) >= 0:
            return "honour"
        return None
    if c.kind == "streak":
        return "hr" if _bad_streak(c) else "honour"
    return None


def _bands(c: Compiled) -> List[Tuple[int, int, Decimal]]:
    out = []
    for left, right in c.params.pairs:
        left = left.replace(" ", "").replace("~", "-").replace("–", "-")
        try:
            a, b = (left.split("-", 1) if "-" in left else (left, left))
            out.append((int(a), int(b), Decimal(str(right).replace(",", ""))))
        except (ValueError, ArithmeticError):
            continue
    return out


def _band_text(lo: int, hi: int) -> str:
    if lo == hi:
        return f"第{lo}名"
    if lo == 1:
        return f"前{hi}名"
    return f"第{lo}–{hi}名"


_RANK_NOTE = re.compile(r"第(\d+)名")


def _rank_label(c: Compiled, rank: Optional[int]) -> str:
    if rank is None:
        return c.code
    if rank == 1 and c.rule.title:
        return c.rule.title
    for lo, hi, _ in _bands(c):
        if lo <= rank <= hi:
            return f"{c.code}{_band_text(lo, hi)}"
    return f"{c.code}第{rank}名"


def _label_from_value(c: Compiled, value: Decimal) -> str:
    """The award of a rank rule told by its counter value (the award paid)."""
    bands = [(lo, hi) for lo, hi, v in _bands(c) if abs(v) == abs(value)]
    if len(bands) == 1:
        lo, hi = bands[0]
        if lo == hi == 1 and c.rule.title:
            return c.rule.title
        return f"{c.code}{_band_text(lo, hi)}"
    return f"{c.code}获奖"


def _place_of_value(c: Compiled, value: Decimal) -> int:
    """The best place whose award is `value` (for ordering), 999 when unknown."""
    return min((lo for lo, _, v in _bands(c) if abs(v) == abs(value)), default=999)


def _line_label(c: Compiled, ln: Line) -> str:
    if c.kind == "rank":
        m = _RANK_NOTE.search(ln.note or "")
        return _rank_label(c, int(m.group(1)) if m else None)
    return c.rule.title or c.rule.name or c.code


def _describe(c: Compiled, ln: Line) -> str:
    parts = [ln.note] if ln.note else []
    hint = c.params.get("提示")
    if hint and hint not in parts:
        parts.append(hint)
    v = _value_text(ln.points, ln.amount)
    if v:
        parts.append(v)
    return "；".join(parts)


_SOURCE_END = re.compile(r"（([A-Za-z0-9,，\-\s]+)）$")


def _flag_source(flag: str) -> str:
    m = _SOURCE_END.search(flag)
    return m.group(1) if m else ""


def _hr_label(flag: str) -> str:
    if "不合格" in flag:
        return "考核不合格"
    if "请辞" in flag:
        return "自动请辞"
    for w in HR_WORDS:
        if w in flag:
            return w
    return "提示"


# ---------------------------------------------------------------- honour roll
Row = Tuple[Any, ...]


def _row(period: str, award: str, sid: str, name: str, group: str, text: str, source: str) -> Row:
    return (period, award, sid, name, group, text, source)


def honour_rows(result: MonthResult, book: Book, rules: Mapping[str, Compiled],
                hist: Mapping[Tuple[Month, str], HistoryRow],
                fm: Optional[flowers.FlowerMonth] = None) -> Tuple[List[Row], List[int]]:
    """Rows of the 荣誉榜 and the indexes (0-based) of its section label rows."""
    m = result.month
    order = {code: i for i, code in enumerate(rules)}
    period_m, period_q, period_y = str(m), _quarter_label(m), f"{m.year}年"
    buckets: Dict[str, List[Tuple[Tuple, Row]]] = {"month": [], "quarter": [], "year": []}
    hr: List[Row] = []
    # the rules whose lines may go on the roll (most lines are events of other rules: skipped at once)
    roles = {code: role for code, role in ((code, _role(c)) for code, c in rules.items()) if role is not None}
    for pi, p in enumerate(result.people):
        st = p.staff
        labels: Set[str] = set()
        bad_hints = []
        for ln in p.lines:
            role = roles.get(ln.rule)
            if role is None:
                continue
            c = rules[ln.rule]
            if role == "hr":
                hint = c.params.get("提示")
                if hint:
                    bad_hints.append(hint)
                hr.append(_row(period_m, c.rule.name or c.code, st.id, st.name, st.group,
                               f"{hint}；{ln.note}" if hint else ln.note, c.rule.source))
                continue
            w = _window(c)
            label = _line_label(c, ln)
            labels.add(label)
            period = {"month": period_m, "quarter": period_q, "year": period_y}[w]
            buckets[w].append(((order.get(c.code, 999), pi),
                               _row(period, label, st.id, st.name, st.group, _describe(c, ln), c.rule.source)))
        for t in p.titles:
            if t not in labels:
                src = next((c.rule.source for c in rules.values() if c.rule.title == t), "")
                buckets["month"].append(((999, pi), _row(period_m, t, st.id, st.name, st.group, "", src)))
        for f in p.flags:
            if any(f.startswith(h) for h in bad_hints):
                continue
            if any(w in f for w in HR_WORDS):
                hr.append(_row(period_m, _hr_label(f), st.id, st.name, st.group, f, _flag_source(f)))
    staff = {s.id: s for s in book.staff}
    for ev in result.pending:
        s = staff.get(ev.staff_id)
        disputed = ev.status in engine.DISPUTED
        publishing = ev.status in engine.PUBLISHING
        what = "异议处理中" if disputed else ("公示中" if publishing else "待审核事件")
        todo = ("请复核后改为已批准或驳回" if disputed else
                "公示期满后计入（如有异议请改为异议中）" if publishing else "请审核后改为已批准或驳回")
        hr.append(_row(period_m, what, ev.staff_id, s.name if s else "", s.group if s else "",
                       f"{ev.date.isoformat()}「{ev.rule}」（事件表第{ev.row}行）状态「{ev.status}」，本月未计入；{todo}",
                       "B-5" if disputed else "E-6"))
    if fm is not None:
        for sid, amt in sorted(fm.awards.items()):
            h = fm.holding(sid)
            if h is None:
                continue
            buckets["month"].append(((1000, 0), _row(period_m, "小红花月度奖", sid, h.name, h.group,
                                                     f"有效小红花 {_fmt(h.balance)} 朵，本月最多；{money(amt)}元",
                                                     fm.policy.source)))
    q_tally = _tally(rules, hist, _quarter_months(m), m, period_q, with_quarterly=False)
    y_tally = _tally(rules, hist, [Month(m.year, i) for i in range(1, 13)], m, period_y, with_quarterly=True)
    year_flowers: List[Row] = []
    if fm is not None and fm.final_year:
        for sid, total, place in fm.year_top:
            s = staff.get(sid)
            year_flowers.append(_row(period_y, f"小红花年度第{place}名", sid, s.name if s else "", s.group if s else "",
                                     f"{m.year}年共获得小红花 {_fmt(total)} 朵：额外奖励并公开表彰", fm.policy.source))
    rows: List[Row] = []
    sections: List[int] = []

    def section(label: str, note: str, body: List[Row]):
        sections.append(len(rows))
        rows.append((label, note, None, None, None, None, None))
        rows.extend(body)

    def sort(items):
        return [r for _, r in sorted(items, key=lambda x: x[0])]

    section(SEC_MONTH, _ym(m), sort(buckets["month"]))
    section(SEC_QUARTER, period_q, sort(buckets["quarter"]) + q_tally)
    section(SEC_YEAR, period_y, sort(buckets["year"]) + y_tally + year_flowers)
    section(SEC_HR, _ym(m), hr)
    return rows, sections


def _tally(rules: Mapping[str, Compiled], hist: Mapping[Tuple[Month, str], HistoryRow], months: Sequence[Month],
           upto: Month, period: str, with_quarterly: bool) -> List[Row]:
    """Outcomes of honour rules over closed months of a period, from the history counters
    (monthly rules; quarterly ones too when `with_quarterly`)."""
    codes = [(i, c) for i, c in enumerate(rules.values())
             if _role(c) == "honour" and (_window(c) == "month" or (with_quarterly and _window(c) == "quarter"))]
    want = {mm for mm in months if mm <= upto}
    got: Dict[Tuple[int, int, str, str], List[Month]] = {}
    who: Dict[str, HistoryRow] = {}
    src: Dict[str, str] = {}
    for (hm, sid), h in sorted(hist.items(), key=lambda kv: kv[0]):
        if hm not in want:
            continue
        who[sid] = h
        for i, c in codes:
            cnt = h.counters.get(c.code)
            if not cnt or cnt[0] <= 0:
                continue
            if c.kind == "rank":
                label, pos = _label_from_value(c, cnt[1]), _place_of_value(c, cnt[1])
            else:
                label, pos = c.rule.title or c.rule.name or c.code, 0
            got.setdefault((i, pos, label, sid), []).append(hm)
            src[label] = c.rule.source
    out = []
    by_index = list(rules.values())
    for (i, _, label, sid), ms in sorted(got.items(), key=lambda kv: (kv[0][:3], -len(kv[1]), kv[0][3])):
        h = who[sid]
        c = by_index[i]
        when = "、".join(f"第{x.quarter}季度" if _window(c) == "quarter" else str(x) for x in ms)
        out.append(_row(period, label, sid, h.name, h.group, f"{len(ms)}次：{when}", src[label]))
    return out


def honour_sheet(result: MonthResult, book: Book, rules: Mapping[str, Compiled],
                 hist: Mapping[Tuple[Month, str], HistoryRow], fm: Optional[flowers.FlowerMonth] = None) -> SheetOut:
    rows, sections = honour_rows(result, book, rules, hist, fm)
    m = result.month
    cfg = book.config.at(m)
    pub, dispute = cfg.publish_days, cfg.dispute_days
    title = f"荣誉榜 {_ym(m)}（公示 {pub} 个工作日；公示后 {dispute} 天内可提出异议，逾期不再受理：B-5、E-6）"
    first = 3  # title row 1, header row 2
    section_rows = tuple(i + first for i in sections)
    return SheetOut(HONOUR, HONOUR_HEADER, HONOUR_TYPES, tuple(rows), HONOUR_WIDTHS, title,
                    highlight=tuple((r, 1) for r in section_rows),
                    extra={"section_rows": section_rows, "freeze": "A3"})


# ---------------------------------------------------------------- trend
def trend_rows(result: MonthResult, hist: Mapping[Tuple[Month, str], HistoryRow]
               ) -> Tuple[Tuple[str, ...], List[Row]]:
    months = sorted({m for m, _ in hist if m <= result.month})[-CHART_MONTHS:]
    shown = set(months)
    names: Dict[str, str] = {}
    for (m, sid), h in sorted(hist.items(), key=lambda kv: kv[0]):
        if m in shown:
            names[sid] = h.name or sid
    for p in result.people:
        names[p.staff.id] = p.staff.name or p.staff.id
    people = sorted(names)
    count: Dict[str, int] = {}
    for sid in people:
        count[names[sid]] = count.get(names[sid], 0) + 1
    header = ("月份",) + TREND_SUMMARY + tuple(names[s] if count[names[s]] == 1 else f"{names[s]}（{s}）"
                                             for s in people)
    rows = []
    for m in months:
        scores = []
        cells: List[Any] = []
        for sid in people:
            h = hist.get((m, sid))
            cells.append(fmt_points(h.score) if h is not None else None)
            if h is not None and not h.excluded:
                scores.append(h.score)
        avg = (sum(scores, ZERO) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
        summary = (fmt_points(avg), fmt_points(max(scores)), fmt_points(min(scores))) if scores else (None,) * 3
        rows.append((str(m),) + summary + tuple(cells))
    return header, rows


def trend_sheet(result: MonthResult, hist: Mapping[Tuple[Month, str], HistoryRow]) -> SheetOut:
    header, rows = trend_rows(result, hist)
    return SheetOut(TREND, header, ("text",) + ("num",) * (len(header) - 1), tuple(rows),
                    (9,) + (9,) * (len(header) - 1), extra={"freeze": "B2"})


# ---------------------------------------------------------------- groups
GROUP_HEADER = ("月份", "组别", "人数", "参评人数", "平均分", "最高", "最低", "合格人数", "合格率")
GROUP_TYPES = ("text", "text", "int", "int", "num", "num", "num", "int", "pct")
GROUP_WIDTHS = (9, 12, 7, 9, 8, 7, 7, 9, 8)


def _stats(month: Month, label: str, people: Sequence[PersonResult]) -> Row:
    ranked = [p for p in people if not p.excluded]
    scores = [p.score for p in ranked]
    passed = sum(1 for p in ranked if p.passed)
    avg = (sum(scores, ZERO) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
    return (str(month), label, len(people), len(ranked), fmt_points(avg) if avg is not None else None,
            fmt_points(max(scores)) if scores else None, fmt_points(min(scores)) if scores else None, passed,
            (Decimal(passed) / len(ranked)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if ranked else None)


def group_rows(result: MonthResult) -> List[Row]:
    groups: Dict[str, List[PersonResult]] = {}
    for p in result.people:
        groups.setdefault(p.staff.group or NO_GROUP, []).append(p)
    rows = [_stats(result.month, g, groups[g]) for g in sorted(groups, key=lambda g: (g == NO_GROUP, g))]
    rows.append(_stats(result.month, ALL_GROUPS, result.people))
    return rows


def group_sheet(result: MonthResult) -> SheetOut:
    return SheetOut(GROUPS, GROUP_HEADER, GROUP_TYPES, tuple(group_rows(result)), GROUP_WIDTHS)


# ---------------------------------------------------------------- distribution
DIST_HEADER = ("区间", "下限", "上限", "人数", "月份")
DIST_TYPES = ("text", "num", "num", "int", "text")
DIST_WIDTHS = (12, 7, 7, 7, 9)
_BIN_WIDTHS = tuple(Decimal(x) * 10 ** e for e in range(7) for x in (1, 2, 5)) + (Decimal(25), Decimal(250))


def score_bins(scores: Sequence[Decimal], n: int = DIST_BINS) -> List[Tuple[Decimal, Decimal]]:
    """n bins [lo, hi) of a round width covering every score."""
    if not scores:
        return [(Decimal(10 * i), Decimal(10 * (i + 1))) for i in range(n)]
    lo, hi = min(scores), max(scores)
    width = max(_BIN_WIDTHS)
    for w in sorted(_BIN_WIDTHS):
        start = (lo / w).to_integral_value(ROUND_FLOOR) * w
        if hi < start + n * w:
            width = w
            break
    start = (lo / width).to_integral_value(ROUND_FLOOR) * width
    return [(start + i * width, start + (i + 1) * width) for i in range(n)]


def distribution_rows(result: MonthResult) -> List[Row]:
    scores = [p.score for p in result.people]
    rows = []
    for a, b in score_bins(scores):
        n = sum(1 for s in scores if a <= s < b)
        rows.append((f"{_fmt(a)}–{_fmt(b)}", fmt_points(a), fmt_points(b), n, str(result.month)))
    return rows


def distribution_sheet(result: MonthResult) -> SheetOut:
    return SheetOut(DIST, DIST_HEADER, DIST_TYPES, tuple(distribution_rows(result)), DIST_WIDTHS)


# ---------------------------------------------------------------- charts
def _col(spec_headers: Sequence[str], header: str) -> str:
    return col_letter(list(spec_headers).index(header) + 1)


def _rng(col: str, first: int, last: int) -> str:
    return f"{col}{first}:{col}{last}"


_RES = schema.RESULTS.headers
_LAST_PERSON_ROW = CHART_PEOPLE + 1
_LAST_MONTH_ROW = CHART_MONTHS + 1
_LAST_GROUP_ROW = CHART_GROUPS + 1

# Each chart: XlsxWriter chart type, Chinese title, the data sheet, category and
# series ranges as A1 ranges on that sheet (series name: a header cell), axis
# titles, legend, and where the template puts it (sheet, top-left cell, size).
CHARTS: Tuple[Dict[str, Any], ...] = (
    {
        "key": "distribution",
        "title": "本月得分分布",
        "type": "column",
        "sheet": DIST,
        "categories": _rng("A", 2, DIST_BINS + 1),
        "series": ({"name": "D1", "values": _rng("D", 2, DIST_BINS + 1), "gap": 10},),
        "x_axis": {"name": "得分区间"},
        "y_axis": {"name": "人数", "min": 0},
        "legend": {"none": True},
        "insert": (CHART_SHEET, "O1"),
        "size": {"width": 640, "height": 320},
    },
    {
        "key": "ranking",
        "title": "本月得分排名",
        "type": "bar",
        "sheet": schema.RESULTS.name,
        "categories": _rng(_col(_RES, "姓名"), 2, _LAST_PERSON_ROW),
        "series": ({"name": f"{_col(_RES, '得分')}1", "values": _rng(_col(_RES, "得分"), 2, _LAST_PERSON_ROW)},),
        "x_axis": {"name": "得分"},
        "y_axis": {"name": "姓名", "reverse": True},  # bar charts: y is the category axis; 1st place on top
        "legend": {"none": True},
        "insert": (CHART_SHEET, "Z1"),
        "size": {"width": 640, "height": 640},
    },
    {
        "key": "trend",
        "title": "团队得分趋势（平均、最高、最低）",
        "type": "line",
        "sheet": TREND,
        "categories": _rng("A", 2, _LAST_MONTH_ROW),
        "series": tuple({"name": f"{col_letter(j)}1", "values": _rng(col_letter(j), 2, _LAST_MONTH_ROW),
                         "marker": {"type": "circle", "size": 5}}  # one closed month is a point, not a line
                        for j in range(2, len(TREND_SUMMARY) + 2)),
        "x_axis": {"name": "月份"},
        "y_axis": {"name": "得分"},
        "legend": {"position": "right"},
        "insert": (CHART_SHEET, "O18"),
        "size": {"width": 640, "height": 360},
    },
    {
        "key": "groups",
        "title": "各组对比（本月）",
        "type": "column",
        "sheet": GROUPS,
        "categories": _rng(_col(GROUP_HEADER, "组别"), 2, _LAST_GROUP_ROW),
        "series": tuple({"name": f"{_col(GROUP_HEADER, h)}1", "values": _rng(_col(GROUP_HEADER, h), 2, _LAST_GROUP_ROW)}
                        for h in ("平均分", "最高", "最低")),
        "x_axis": {"name": "组别"},
        "y_axis": {"name": "得分"},
        "legend": {"position": "bottom"},
        "insert": (CHART_SHEET, "Z34"),
        "size": {"width": 640, "height": 320},
    },
)


def sized_charts(sheets: Sequence[SheetOut]) -> Tuple[Dict[str, Any], ...]:
    """CHARTS with their ranges sized to the data the close wrote (one row per person, month, group).

    Both writers rewrite the template's charts with these: every series and
    category range ends on the sheet's last data row, so no empty category is
    drawn and nothing past the template's sizes is cut off.  A chart whose
    sheet was not written keeps its ranges."""
    rows = {s.name: len(s.rows) for s in sheets}
    out = []
    for chart in CHARTS:
        n = rows.get(chart["sheet"])
        if n is None:
            out.append(chart)
            continue
        last = max(n, 1) + 1

        def cut(a1: str) -> str:
            col = re.match(r"[A-Z]+", a1).group(0)
            return _rng(col, 2, last)
        out.append(dict(chart, categories=cut(chart["categories"]),
                        series=tuple(dict(x, values=cut(x["values"])) for x in chart["series"]), points=max(n, 1)))
    return tuple(out)


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _absolute(a1: str) -> str:
    """"D2:D11" -> "$D$2:$D$11"."""
    return ":".join(re.sub(r"^([A-Z]+)(\d+)$", r"$\1$\2", part) for part in a1.split(":"))


def ref(sheet: str, a1: str) -> str:
    """A chart formula for a range of a sheet: ='分布'!$D$2:$D$11."""
    return f"={_quote(sheet)}!{_absolute(a1)}"


def chart_series(chart: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The XlsxWriter add_series() arguments of one CHARTS entry."""
    out = []
    for s in chart["series"]:
        d = {"name": ref(chart["sheet"], s["name"]), "categories": ref(chart["sheet"], chart["categories"]),
             "values": ref(chart["sheet"], s["values"])}
        for key in ("gap", "marker"):
            if key in s:
                d[key] = s[key]
        out.append(d)
    return out


def add_chart(workbook, chart: Mapping[str, Any]):
    """Create one CHARTS entry with an XlsxWriter workbook; returns the chart
    (insert it with worksheet.insert_chart(chart_spec["insert"][1], obj))."""
    obj = workbook.add_chart({"type": chart["type"]})
    for s in chart_series(chart):
        obj.add_series(s)
    obj.set_title({"name": chart["title"]})
    obj.set_x_axis(dict(chart.get("x_axis", {})))
    obj.set_y_axis(dict(chart.get("y_axis", {})))
    obj.set_legend(dict(chart.get("legend", {})))
    if chart.get("size"):
        obj.set_size(dict(chart["size"]))
    return obj
