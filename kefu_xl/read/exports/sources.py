"""The exports kefu-xl reads, each recognised by its header row, and the parse of one sheet.

A source lists its columns: the names seen in the platforms' exports (matched
tolerantly: layout.name_key) and the canonical 指标 name each becomes
(core.metrics), or a role: the account, 工号, 姓名, UserId, the day of a
daily row, a punch result, or an identity column that is not a metric.

`parse_grid(grid, file)` finds the header row among the first rows (two-level
headers flattened: 请假/事假), decides which source it is, and returns the
data rows as `Parsed` (values under canonical names) plus problems.  Columns
it does not know are kept under their own header when they hold numbers;
text columns that are not identities are listed in a warning; the per-day
cells of a monthly attendance sheet are not read (their totals are).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from ...core import metrics as catalogue
from ...core.grid import Grid
from ...core.model import ERROR, WARNING, Month, Problem
from ...core.schema import col_letter, norm_text
from . import layout

ACCOUNT, STAFF_ID, NAME, USERID, DAY, PUNCH, SKIP = "@account", "@id", "@name", "@userid", "@day", "@punch", "@skip"
ROLES = (ACCOUNT, STAFF_ID, NAME, USERID, DAY, PUNCH, SKIP)
CLOCK = "clock"  # a time of day (平均上线时间)


class Col(NamedTuple):
    aliases: Tuple[str, ...]
    name: str  # canonical 指标 name, or a role
    kind: str = ""  # "" (the catalogue's kind), CLOCK


def _c(aliases, name, kind=""):
    return Col(tuple(aliases.split("|")), name, kind)


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    cols: Tuple[Col, ...]
    attendance: bool = False
    daily: bool = False
    need: int = 3  # known columns a header row must have

    def lookup(self) -> Dict[str, Col]:
        out: Dict[str, Col] = {}
        for c in self.cols:
            for a in c.aliases:
                out.setdefault(layout.name_key(a), c)
                out.setdefault(layout.loose_key(a), c)
        return out


_IDENT = [_c("姓名|员工姓名|成员", NAME), _c("工号|员工工号|员工编号", STAFF_ID), _c("userid|钉钉id|用户id", USERID),
          _c("考勤组|部门|所属部门|职位|岗位|所属规则|班次|考勤结果|旺旺分组|分组|店铺|店铺名称", SKIP)]

SOURCES: Tuple[Source, ...] = (
    Source("chitu-presale", "赤兔 售前明细", (
        _c("客服|客服名称|客服账号", ACCOUNT), _c("旺旺分组|分组", SKIP),
        _c("接待人数", "接待人数"), _c("询单人数", "询单人数"),
        _c("询单->最终付款人数", "付款人数"), _c("询单->最终付款成功率", "询单转化率"),
        _c("询单->最终下单人数", "下单人数"), _c("询单->最终下单成功率", "询单下单率"),
        _c("下单->最终付款成功率", "下单付款率"), _c("客件数", "客件数"), _c("客单价", "客单价"),
        _c("客服回复率|回复率", "回复率"), _c("平均响应时间|平均响应时长", "平均响应时长(秒)"),
        _c("首次响应时间|首次响应时长", "首次响应时长(秒)"), _c("平均接待时长", "平均接待时长(秒)"),
        _c("销售额|客服销售额", "销售额"), _c("客服答问比|答问比", "答问比"), _c("慢响应人数", "慢响应人数"),
        _c("转出人数", "转出人数"), _c("退款率", "退款率"))),
    Source("chitu-ontime", "赤兔 遵时率", (
        _c("旺旺", ACCOUNT), _c("客服", NAME), _c("上班天数", "上班天数"),
        _c("平均上线时间", "平均上线时间(秒)", CLOCK), _c("在线总时长", "在线时长(秒)"),
        _c("服务总时长", "服务时长(秒)"), _c("挂起总时长", "挂起时长(秒)"))),
    Source("qianniu", "千牛 / 生意参谋 客服绩效", (
        _c("旺旺昵称|旺旺账号名称|旺旺账号|客服旺旺", ACCOUNT), _c("旺旺分组", SKIP),
        _c("询单人数", "询单人数"), _c("下单人数", "下单人数"), _c("销售人数", "付款人数"),
        _c("净销售额", "销售额"), _c("询单最终付款转化率|询单转化率", "询单转化率"),
        _c("首次响应时长", "首次响应时长(秒)"), _c("平均响应时长", "平均响应时长(秒)"),
        _c("人工接待会话量", "会话量"), _c("3分钟人工响应率", "3分钟回复率"), _c("客户满意率", "满意率"),
        _c("满意评价量", "满意评价量"), _c("旺旺评价量", "评价量"))),
    Source("jd", "京东 咚咚", (
        _c("客服|客服账号|客服pin", ACCOUNT), _c("售前接待人数", "接待人数"), _c("接待量", "会话量"),
        _c("促成下单人数", "下单人数"), _c("促成下单商品金额", "销售额"),
        _c("平均响应时长", "平均响应时长(秒)"), _c("30s应答率|30秒应答率", "30秒应答率"),
        _c("客服3分钟人工回复率", "3分钟回复率"), _c("好评量", "好评量"), _c("差评量", "差评量"),
        _c("评价量", "评价量"), _c("满意率", "满意率"))),
    Source("pdd", "拼多多 客服数据", (
        _c("客服账号", ACCOUNT), _c("询单人数", "询单人数"), _c("最终成团人数", "付款人数"),
        _c("去退销售额", "销售额"), _c("平均人工响应时长", "平均响应时长(秒)"),
        _c("30秒应答率", "30秒应答率"), _c("3分钟人工回复率", "3分钟回复率"),
        _c("3分钟未回复人数", "3分钟未回复人数"), _c("询单转化率", "询单转化率"))),
    Source("doudian", "抖店 飞鸽", (
        _c("客服账号", ACCOUNT), _c("客服昵称", NAME), _c("询单人数", "询单人数"), _c("下单人数", "下单人数"),
        _c("客服询单支付额", "销售额"), _c("工作时间平响时长", "平均响应时长(秒)"), _c("接待会话量", "会话量"),
        _c("工作时间3分钟回复率", "3分钟回复率"), _c("有效好评数", "好评量"), _c("有效差评数", "差评量"),
        _c("有效评价数", "评价量"))),
    Source("dingtalk-monthly", "钉钉 考勤 月度汇总", tuple(_IDENT) + (
        _c("出勤天数|应出勤天数", "出勤天数"), _c("休息天数", "休息天数"), _c("工作时长", "工作时长(分钟)"),
        _c("迟到次数", "迟到次数"), _c("迟到时长", "迟到时长(分钟)"), _c("严重迟到次数", "严重迟到次数"),
        _c("旷工迟到天数", "旷工迟到天数"), _c("早退次数", "早退次数"), _c("早退时长", "早退时长(分钟)"),
        _c("上班缺卡次数", "上班缺卡次数"), _c("下班缺卡次数", "下班缺卡次数"), _c("旷工天数", "旷工天数"),
        _c("事假", "事假天数"), _c("病假", "病假天数"), _c("调休", "调休天数"), _c("年假", "年假天数"),
        _c("婚假", "婚假天数"), _c("产假", "产假天数"), _c("丧假", "丧假天数"), _c("外出", "外出天数"),
        _c("出差", "出差天数"), _c("加班总时长|加班时长", "加班时长(小时)")), attendance=True, need=5),
    Source("dingtalk-daily", "钉钉 考勤 每日统计", tuple(_IDENT) + (
        _c("日期|考勤日期", DAY),), attendance=True, daily=True, need=2),
    Source("wecom-monthly", "企业微信 考勤 月报", tuple(_IDENT) + (
        _c("账号|企业微信账号|成员账号", USERID),
        _c("应打卡天数|出勤天数|正常天数", "出勤天数"), _c("迟到次数", "迟到次数"), _c("迟到时长", "迟到时长(分钟)"),
        _c("早退次数", "早退次数"), _c("早退时长", "早退时长(分钟)"), _c("旷工次数", "旷工次数"),
        _c("旷工天数", "旷工天数"), _c("缺卡次数", "缺卡次数"), _c("事假", "事假天数"), _c("病假", "病假天数"),
        _c("调休假|调休", "调休天数"), _c("年假", "年假天数"), _c("婚假", "婚假天数"), _c("产假", "产假天数"),
        _c("丧假", "丧假天数"), _c("外出", "外出天数"), _c("出差", "出差天数")), attendance=True, need=5),
)
BY_NAME = {s.name: s for s in SOURCES}
_LOOKUPS = {s.name: s.lookup() for s in SOURCES}
_PUNCH = re.compile(r"^(上班|下班)\d*打卡结果$")
_WECOM_MARKS = ("所属规则", "考勤结果")  # WeCom's columns: a monthly sheet with them is not DingTalk's
HEADER_SCAN = 15


class Value(NamedTuple):
    name: str  # canonical 指标 name, or the column's own header
    value: Decimal
    header: str
    col: int  # 1-based


class Parsed(NamedTuple):
    row: int  # sheet row
    account: str  # the identity as written (account, 工号 or 姓名)
    staff_id: str
    name: str
    userid: str
    day: Optional[dt.date]
    values: Tuple[Value, ...]


@dataclass
class ParsedSheet:
    file: str
    sheet: str
    source: Optional[Source] = None
    header_row: int = 0
    period: Optional[layout.Period] = None
    rows: List[Parsed] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    read: int = 0  # data rows read (totals and blank lines not counted)

    def problem(self, code: str, message: str, row: int = 0, column: str = "", severity: str = ERROR, col: int = 0):
        self.problems.append(Problem(code, message, self.sheet, row, column, severity, col))

    @property
    def errors(self) -> List[Problem]:
        return [p for p in self.problems if p.is_error]


# ---------------------------------------------------------------- header rows
def _texts(raw: Sequence) -> List[str]:
    return [norm_text(v) if isinstance(v, str) else ("" if v is None else norm_text(str(v))) for v in raw]


def _sub_header(grid: Grid, i: int, parent: List[str]) -> Optional[List[str]]:
    """Row i+1 as the second level of a two-level header, or None: it has text where row i has a
    horizontally merged cell (or blanks after a name), and nothing in the columns of row i's names that
    are not merged (the identity columns are merged down, so they are blank below)."""
    if i + 1 >= len(grid.rows):
        return None
    below = _texts(grid.rows[i + 1])
    if not any(below):
        return None
    for t in below:
        if t and not layout.fold(t).isdigit() and _looks_numeric(t):
            return None
    header_row = grid.first_row + i
    spans = [(c1, c2) for (r1, c1, r2, c2) in grid.merged if r1 == header_row and c2 > c1]
    for j, t in enumerate(below):
        if not t:
            continue
        col = grid.first_col + j
        in_span = any(c1 <= col <= c2 for c1, c2 in spans)
        if in_span or j >= len(parent) or not parent[j]:
            return below
    # no merge information (CSV, some .xls): row i's blanks under children
    return below if any(t and (j >= len(parent) or not parent[j]) for j, t in enumerate(below)) else None


def _looks_numeric(t: str) -> bool:
    try:
        layout.number(t)
        return True
    except layout.BadValue:
        return False


def _flatten(grid: Grid, i: int) -> Tuple[List[Tuple[str, str]], int]:
    """(parent, child) names per column of the header at row index i, and the index of the first data row."""
    parent = _texts(grid.rows[i])
    child = _sub_header(grid, i, parent)
    if child is None:
        return [(p, "") for p in parent], i + 1
    width = max(len(parent), len(child))
    parent += [""] * (width - len(parent))
    child += [""] * (width - len(child))
    header_row = grid.first_row + i
    filled = list(parent)
    for (r1, c1, r2, c2) in grid.merged:
        if r1 == header_row and c2 > c1:
            name = parent[c1 - grid.first_col] if 0 <= c1 - grid.first_col < width else ""
            for c in range(c1, c2 + 1):
                j = c - grid.first_col
                if 0 <= j < width and not filled[j]:
                    filled[j] = name
    if not grid.merged:  # no merge information: a parent name stands over the children to its right
        for j in range(1, width):
            if not filled[j] and child[j] and child[j - 1]:
                filled[j] = filled[j - 1]
    return list(zip(filled, child)), i + 2


def _match(lookup: Dict[str, Col], parent: str, child: str) -> Optional[Col]:
    names = [child, f"{parent}/{child}", parent] if child else [parent]
    for n in names:
        if not n:
            continue
        for k in (layout.name_key(n), layout.loose_key(n)):
            c = lookup.get(k)
            if c is not None:
                return c
    return None


def _score(source: Source, cols: List[Tuple[str, str]]) -> Tuple[int, Dict[int, Col]]:
    lookup = _LOOKUPS[source.name]
    found: Dict[int, Col] = {}
    used = set()
    for j, (p, c) in enumerate(cols):
        col = _match(lookup, p, c)
        if col is not None and col not in used:
            found[j] = col
            used.add(col)
    score = sum(1 for c in found.values() if c.name != SKIP)
    return score, found


def detect(grid: Grid) -> Optional[Tuple[Source, int, int, List[Tuple[str, str]], Dict[int, Col]]]:
    """(source, header row index, first data row index, flattened names, column -> Col) of the best header."""
    best = None
    for i in range(min(HEADER_SCAN, len(grid.rows))):
        if sum(1 for t in _texts(grid.rows[i]) if t) < 2:  # a title or period line
            continue
        cols, first = _flatten(grid, i)
        keys = {layout.name_key(p) for p, _ in cols} | {layout.name_key(c) for _, c in cols if c}
        for s in SOURCES:
            score, found = _score(s, cols)
            roles = {c.name for c in found.values()}
            if s.attendance:
                if not ({STAFF_ID, NAME, USERID} & roles):
                    continue
                daily = any(_PUNCH.match(k) for k in keys)
                if s.daily != daily:
                    continue
                if s.daily:
                    score += sum(1 for k in keys if _PUNCH.match(k))
                wecom = any(m in keys for m in _WECOM_MARKS) or any("(次)" in layout.fold(c) for _, c in cols)
                if not s.daily and (s.name == "wecom-monthly") != wecom:
                    continue
            elif ACCOUNT not in roles:
                continue
            if score < s.need:
                continue
            if best is None or score > best[0]:
                best = (score, s, i, first, cols, found)
    if best is None:
        return None
    return best[1], best[2], best[3], best[4], best[5]


# ---------------------------------------------------------------- data rows
def parse_grid(grid: Grid, file: str) -> ParsedSheet:
    out = ParsedSheet(file, grid.sheet)
    got = detect(grid)
    if got is None:
        out.problem("E_IMPORT_LAYOUT", f"文件「{file}」工作表「{grid.sheet}」：认不出是哪种导出（前 {HEADER_SCAN} 行没有"
                    f"已知的表头）。支持：{'、'.join(s.label for s in SOURCES)}", 1)
        return out
    source, hi, first, cols, found = got
    out.source, out.header_row = source, grid.first_row + hi
    out.period = layout.find_period(grid.rows, hi)
    headers = [f"{p}/{c}" if c and p and c != p else (c or p) for p, c in cols]
    metric_cols: List[Tuple[int, str, str]] = []  # (index, canonical name or own header, kind)
    roles: Dict[str, int] = {}
    text_cols: List[str] = []
    data = grid.rows[first:]
    for j, h in enumerate(headers):
        col = found.get(j)
        if col is not None:
            if col.name in ROLES:
                if col.name != SKIP:
                    roles.setdefault(col.name, j)
                continue
            metric_cols.append((j, col.name, col.kind or catalogue.kind_of(col.name)))
            continue
        if not h:
            continue
        p, c = cols[j]
        if source.daily and _PUNCH.match(layout.name_key(c or p)):
            metric_cols.append((j, h, PUNCH))
            continue
        if layout.is_day_header(c or p) or layout.is_day_header(p):
            continue  # per-day cells of a monthly sheet: their totals are read
        k = layout.name_key(c or p)
        if any(k == layout.name_key(a) for col_ in _IDENT for a in col_.aliases) or "打卡时间" in k \
                or "打卡地点" in k or k.startswith("备注") or "审批" in k:
            continue
        cells = [v for v in (r[j] for r in data if j < len(r)) if v is not None and not layout.is_blank(v)]
        if cells and all(_readable_number(v) for v in cells):
            metric_cols.append((j, norm_text(h), catalogue.NUMBER))
        elif cells:
            text_cols.append(h)
    if text_cols:
        out.problem("W_IMPORT_TEXT_COLUMNS", f"文件「{file}」中这些列是文字，没有导入：{'、'.join(text_cols)}",
                    out.header_row, severity=WARNING)
    ident = roles.get(ACCOUNT, roles.get(STAFF_ID, roles.get(NAME, roles.get(USERID))))
    scales: Dict[int, bool] = {}
    metric_cols = [(j, name, kind, layout.unit_of(headers[j]) or ("天" if name.endswith("天数") else ""))
                   for j, name, kind in metric_cols]
    for j, name, kind, _ in metric_cols:
        if kind == catalogue.RATE:
            pct, doubt = layout.rate_scale([r[j] for r in data if j < len(r)])
            scales[j] = pct
            if doubt:
                out.problem("W_IMPORT_RATE_SCALE", f"「{headers[j]}」{doubt}", out.header_row, headers[j], WARNING,
                            grid.first_col + j)
    role_at = [roles.get(r) for r in (ACCOUNT, STAFF_ID, USERID, NAME)]
    skip = layout.skip_row
    for offset, raw in enumerate(data):
        rownum = grid.first_row + first + offset
        if skip(raw):
            continue
        acc, sid, uid, nm = _ident(raw, role_at[0]), _ident(raw, role_at[1]), _ident(raw, role_at[2]), \
            _ident(raw, role_at[3])
        account = acc or sid or uid or nm
        if not account:
            col = headers[ident] if ident is not None else ""
            out.problem("E_IMPORT_NO_ACCOUNT", f"文件「{file}」第 {rownum} 行没有客服账号或姓名", rownum, col)
            continue
        out.read += 1
        day = None
        if DAY in roles:
            raw_day = raw[roles[DAY]] if roles[DAY] < len(raw) else None
            day = layout.day_of(raw_day)
            if day is None:
                out.problem("E_IMPORT_VALUE", f"文件「{file}」第 {rownum} 行「{headers[roles[DAY]]}」不是日期：{raw_day}",
                            rownum, headers[roles[DAY]], col=grid.first_col + roles[DAY])
                continue
        vals: List[Value] = []
        ok = True
        punches: Dict[str, int] = {}
        for j, name, kind, unit in metric_cols:
            v = raw[j] if j < len(raw) else None
            if v is None or (v.__class__ is str and layout.is_blank(v)):
                continue
            if kind == PUNCH:
                _count_punch(v if v.__class__ is str else str(v), punches)
                continue
            try:
                if v.__class__ is int and kind != catalogue.RATE and not (unit and kind in (catalogue.SECONDS, CLOCK)):
                    d = Decimal(v)
                elif kind == catalogue.RATE:
                    d = layout.rate(v, scales.get(j, False))
                elif kind in (catalogue.SECONDS, CLOCK):
                    d = layout.seconds(v, unit, clock=kind == CLOCK)
                else:
                    d = layout.number(v, unit)[0]
            except layout.BadValue:
                out.problem("E_IMPORT_VALUE", f"文件「{file}」工作表「{grid.sheet}」第 {rownum} 行「{headers[j]}」"
                            f"（{col_letter(grid.first_col + j)} 列）的值「{v}」读不懂", rownum, headers[j],
                            col=grid.first_col + j)
                ok = False
                continue
            vals.append(Value(name, d, headers[j], grid.first_col + j))
        if punches:
            vals += [Value(n, Decimal(c), "打卡结果", 0) for n, c in sorted(punches.items())]
        if not ok:
            continue
        out.rows.append(Parsed(rownum, account, sid, nm, uid, day, tuple(vals)))
    return out


_IDENTS: Dict[object, str] = {None: ""}


def _ident(raw, j) -> str:
    """An identity cell (account, 工号, 姓名) as clean text, "" when blank (memoised: daily rows repeat them)."""
    if j is None or j >= len(raw):
        return ""
    v = raw[j]
    out = _IDENTS.get(v)
    if out is None:
        if layout.is_blank(v):
            out = ""
        else:
            w = int(v) if v.__class__ is float and v.is_integer() else v
            out = norm_text(w if w.__class__ is str else str(w))
        if len(_IDENTS) > 100_000:
            _IDENTS.clear()
            _IDENTS[None] = ""
        _IDENTS[v] = out
    return out


def _readable_number(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, Decimal)):
        return True
    if isinstance(v, str):
        return _looks_numeric(v)
    return False


def _count_punch(text: str, out: Dict[str, int]) -> None:
    """One punch result of a daily row ("正常", "迟到5分钟", "严重迟到", "早退", "缺卡", "旷工", "请假")."""
    if text == "正常":
        return
    if "旷工" in text:
        out["旷工天数"] = 1  # a day of absence, however many punches say so
    elif "迟到" in text:
        out["迟到次数"] = out.get("迟到次数", 0) + 1
        if "严重" in text:
            out["严重迟到次数"] = out.get("严重迟到次数", 0) + 1
    elif "早退" in text:
        out["早退次数"] = out.get("早退次数", 0) + 1
    elif "缺卡" in text:
        out["缺卡次数"] = out.get("缺卡次数", 0) + 1
