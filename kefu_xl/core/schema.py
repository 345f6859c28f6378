"""Sheet and column names of the workbook (../shared/CONTRACT.md).

One place says which sheets exist, which columns they have (Chinese header,
English alias, value type, width) and which sheets the month close owns.
Readers, writers, the template builder and the UDFs all use these tables.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

# value types of a column
TEXT = "text"
INT = "int"
NUM = "num"
MONEY = "money"
DATE = "date"
PCT = "pct"
BOOL = "bool"


@dataclass(frozen=True)
class Column:
    key: str  # English alias, used in code
    header: str  # Chinese header
    type: str = TEXT
    width: float = 12
    required: bool = False
    note: str = ""  # shown as help in the template
    aliases: Tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    name: str
    key: str  # English name, used in code and as the Excel table name
    columns: Tuple[Column, ...]
    owned: bool = False  # written by the close; never user input
    note: str = ""

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def headers(self) -> Tuple[str, ...]:
        return tuple(c.header for c in self.columns)


def C(key, header, type=TEXT, width=12, required=False, note="", aliases=()):
    return Column(key, header, type, width, required, note, tuple(aliases))


STAFF = SheetSpec("员工", "staff", (
    C("id", "工号", TEXT, 10, True, "唯一，文本"),
    C("name", "姓名", TEXT, 10, True),
    C("tier", "等级", TEXT, 10, note="见「等级」表"),
    C("role", "岗位", TEXT, 10, note="售前/售后/组长…"),
    C("hired", "入职日期", DATE, 12),
    C("group", "组别", TEXT, 10),
    C("status", "状态", TEXT, 8, note="在职/离职"),
    C("left", "离职日期", DATE, 12),
    C("si_base", "社保基数", MONEY, 11, note="空=按基本工资"),
    C("special_deduction", "专项附加扣除", MONEY, 13, note="每月合计，元"),
    C("password", "工资条密码", TEXT, 12, note="空=工号+身份证后六位；都没有则不生成工资条"),
    C("id_tail", "身份证后六位", TEXT, 12),
    C("accounts", "平台账号", TEXT, 24, note="旺旺/京东/拼多多/抖店/钉钉等账号，多个用逗号或顿号分隔；导入时按此匹配员工"),
    C("birthday", "出生日期", DATE, 12, note="C-8 生日当月奖励；可只填月日"),
), note="一人一行。工号不可重复；离职请改状态并填离职日期，不要删行。")

EVENTS = SheetSpec("事件", "events", (
    C("date", "日期", DATE, 12, True),
    C("id", "工号", TEXT, 10, True, "「全体」= 全体客服共享（公共提成）"),
    C("name", "姓名", TEXT, 10, note="可不填，仅供查看"),
    C("rule", "规则", TEXT, 14, True, "规则代码，见「规则」表"),
    C("qty", "数量", NUM, 7, note="默认 1"),
    C("points", "分值", NUM, 7, note="规则允许时由 HR 在范围内填写"),
    C("amount", "金额", NUM, 11, note="金额或指标值（如 4.5% 、 销售额）"),
    C("rating", "评价", TEXT, 8, note="优/良/中/差，或处分种类"),
    C("status", "状态", TEXT, 8, note="空/已批准/生效 计入；待审/已审核/异议中/驳回 不计入；公示中 过公示期后计入"),
    C("note", "备注", TEXT, 24),
    C("approver", "审核人", TEXT, 9),
    C("approved", "审核日期", DATE, 12),
    C("published", "公示日期", DATE, 12),
    C("issuer", "发放人", TEXT, 9, note="小红花的发放人"),
    C("incident", "发生日期", DATE, 12, note="空=日期；E-6 记录时限从此日起算"),
    C("recorded", "记录日期", DATE, 12, note="E-6：发生后24小时内记录"),
    C("objected", "异议日期", DATE, 12, note="B-5/E-6：公示后提出异议的日期"),
    C("decided", "异议决定日期", DATE, 12, note="异议处理完毕的日期；之前的月份已月结时计入本月"),
    C("leader", "失职领导", TEXT, 10, note="D-10：发现未处理、未及时制止的领导工号"),
), note="每件奖惩、每个指标一行。")

RULES = SheetSpec("规则", "rules", (
    C("scheme", "方案", TEXT, 14, note="空=所有方案"),
    C("code", "代码", TEXT, 12, True),
    C("name", "名称", TEXT, 22, True),
    C("kind", "类型", TEXT, 9, True),
    C("points", "分值", TEXT, 12, note="数字、范围 3~10、阶梯 警告;-1"),
    C("amount", "金额", TEXT, 12, note="数字、范围、阶梯或比例 0.5%"),
    C("params", "参数", TEXT, 30, note="分档/条件/名次奖励等"),
    C("metric", "指标", TEXT, 10),
    C("component", "维度", TEXT, 8),
    C("window", "周期", TEXT, 7, note="月/季/年/累计"),
    C("scope", "范围", TEXT, 7, note="个人/全组/全体"),
    C("cap", "上限", NUM, 7),
    C("floor", "下限", NUM, 7),
    C("title", "称号", TEXT, 10),
    C("category", "类别", TEXT, 7, note="积分/奖金/罚款/赔偿/提成"),
    C("unit", "单位", TEXT, 6),
    C("enabled", "启用", TEXT, 6, note="是/否"),
    C("source", "来源", TEXT, 12, True, "DOMAIN.md 规则编号"),
    C("note", "说明", TEXT, 30),
), note="规则即数据：每行一个规则，类型决定如何计算。")

TIERS = SheetSpec("等级", "tiers", (
    C("tier", "等级", TEXT, 10, True),
    C("base_pay", "基本工资", MONEY, 11, True),
    C("bonus_rate", "奖金比例", PCT, 10, note="月度绩效奖金占基本工资比例"),
    C("skill_allowance", "技能津贴", MONEY, 10),
    C("seniority_step", "工龄工资", MONEY, 10, note="每满一年每月加"),
    C("seniority_cap", "工龄工资上限", MONEY, 12),
    C("commission_rate", "个人提成比例", PCT, 12),
    C("promote_to", "晋升至", TEXT, 10),
    C("promote_months", "晋升需满月数", INT, 12),
), note="岗位等级与薪资参数（D-1、D-2、D-4、K-8）。")

SETTINGS = SheetSpec("参数", "settings", (
    C("key", "项目", TEXT, 22, True),
    C("value", "值", TEXT, 16),
    C("since", "生效月份", TEXT, 10, note="空=一直有效；填月份则从该月起生效"),
    C("note", "说明", TEXT, 40),
), note="本月月份、方案、费率等。")

METRICS = SheetSpec("指标", "metrics", (
    C("month", "月份", TEXT, 9, True),
    C("id", "工号", TEXT, 10, True),
    C("metric", "指标", TEXT, 16, True, "指标名称（如 询单转化率、满意率、退款率），见 docs/RULES.md"),
    C("value", "值", NUM, 12, True, "比率写成 95% 或 0.95"),
    C("source", "来源", TEXT, 36, note="导入的文件、工作表与行；手工填写可留空"),
    C("key", "导入键", TEXT, 30, note="数据源|账号|期间；同一键再次导入时替换，请勿修改"),
), note="每人每月每个指标一行（多个平台账号各一行，计算时合并）。由「导入」写入，也可手工填写。")

IMPORT_MAP = SheetSpec("导入映射", "import_map", (
    C("scheme", "方案", TEXT, 14, note="空=所有方案"),
    C("source", "数据源", TEXT, 16, note="chitu-presale、dingtalk-monthly 等；空=任何数据源"),
    C("column", "指标", TEXT, 16, True, "「指标」表中的指标名称"),
    C("metric", "指标代码", TEXT, 12, note="规则表中指标类规则的代码：规则读取此值"),
    C("rule", "规则", TEXT, 12, note="生成「事件」行的规则代码（考勤：迟到、请假、旷工…）"),
    C("factor", "系数", NUM, 7, note="生成事件的数量 = 值 × 系数；默认 1"),
    C("status", "状态", TEXT, 8, note="生成事件的状态；默认空（计入）"),
    C("source_id", "来源", TEXT, 10, note="DOMAIN.md 规则编号"),
    C("note", "说明", TEXT, 30),
), note="导入的指标如何进入规则：映射到指标代码，或按系数生成事件。各方案预置，HR 可修改。")

HOLIDAYS = SheetSpec("节假日", "holidays", (
    C("date", "日期", DATE, 12, True),
    C("kind", "类型", TEXT, 8, True, "班=上班（含周末调休上班）；休=带薪休息（法定节假日、公司放假）；调休=因调休而休息"),
    C("note", "说明", TEXT, 30),
), note="可选。覆盖或补充日历库的节假日与调休：公司放假、日历库尚未收录的年份。")

TRANSFERS = SheetSpec("调动", "transfers", (
    C("id", "工号", TEXT, 10, True),
    C("date", "日期", DATE, 12, True, "自该日起属于新组别"),
    C("group", "组别", TEXT, 10, True),
    C("note", "说明", TEXT, 30),
), note="可选。月内调组：自日期起属于新组别（全组连带处罚按事件日期的组别）。")


ORDERS = SheetSpec("订单", "orders", (
    C("order", "订单号", TEXT, 14, True),
    C("date", "日期", DATE, 12, True),
    C("id", "工号", TEXT, 10, note="空=从备注中找工号"),
    C("amount", "金额", MONEY, 11, True, "订单金额"),
    C("discount", "优惠", MONEY, 8, note="优惠金额；30元以下须在备注说明，以上须审批人（D-11）"),
    C("note", "备注", TEXT, 24, note="须含销售人员工号，否则不计提成（D-11）"),
    C("approver", "审批人", TEXT, 9),
    C("paid_status", "付款状态", TEXT, 9, note="已付清/未付清/部分付款"),
    C("paid", "付清日期", DATE, 12, note="提成计入付清日期所在月份（C-5）"),
    C("rule", "规则", TEXT, 12, note="提成规则代码；空=方案中第一条订单类规则"),
    C("margin", "毛利率", PCT, 8, note="可选：规则参数 毛利率>=35% 时使用"),
), note="每笔订单一行，跨月保留（D-11、C-5）。")

WEEKS = SheetSpec("周计划", "weeks", (
    C("week", "周起始日期", DATE, 12, True, "该周第一天（通常为周一）"),
    C("id", "工号", TEXT, 10, True),
    C("rate", "完成率", PCT, 9, True, "周计划完成率，如 85%"),
    C("note", "备注", TEXT, 24),
), note="每人每周一行，跨月保留（A1-7）。")

EXAMS = SheetSpec("考试", "exams", (
    C("date", "日期", DATE, 12, True),
    C("id", "工号", TEXT, 10, True),
    C("subject", "科目", TEXT, 12, note="如 客服、产品知识、平台规则"),
    C("score", "分数", NUM, 7, True),
    C("full", "满分", NUM, 7, note="空=100"),
    C("note", "备注", TEXT, 24),
), note="每人每次考试一行（B-7、B-4b）。")

INPUT_SHEETS = (STAFF, EVENTS, RULES, TIERS, SETTINGS, METRICS, IMPORT_MAP, HOLIDAYS, TRANSFERS, ORDERS, WEEKS, EXAMS)

# ---------------------------------------------------------------- owned sheets
RESULTS = SheetSpec("结果", "results", (
    C("month", "月份", TEXT, 9),
    C("rank", "名次", INT, 6),
    C("id", "工号", TEXT, 10),
    C("name", "姓名", TEXT, 10),
    C("group", "组别", TEXT, 10),
    C("tier", "等级", TEXT, 8),
    C("score", "得分", NUM, 7),
    C("grade", "评定", TEXT, 8),
    C("passed", "合格", TEXT, 6),
    C("bonus_cut", "奖金扣减", PCT, 9),
    C("reward", "奖励金额", MONEY, 10),
    C("fine", "罚款金额", MONEY, 10),
    C("titles", "称号", TEXT, 14),
    C("flags", "提示", TEXT, 40),
), owned=True)

DETAILS = SheetSpec("明细", "details", (
    C("month", "月份", TEXT, 9),
    C("id", "工号", TEXT, 10),
    C("name", "姓名", TEXT, 10),
    C("date", "日期", DATE, 12),
    C("rule", "规则", TEXT, 14),
    C("points", "分值", NUM, 7),
    C("amount", "金额", MONEY, 10),
    C("category", "类别", TEXT, 7),
    C("source", "来源", TEXT, 10),
    C("event_row", "事件行", INT, 8),
    C("note", "说明", TEXT, 44),
), owned=True)

HISTORY = SheetSpec("历史", "history", (
    C("month", "月份", TEXT, 9),
    C("id", "工号", TEXT, 10),
    C("name", "姓名", TEXT, 10),
    C("group", "组别", TEXT, 10),
    C("score", "得分", NUM, 7),
    C("rank", "名次", INT, 6),
    C("ranked", "参评人数", INT, 8),
    C("grade", "评定", TEXT, 8),
    C("passed", "合格", TEXT, 6),
    C("excluded", "排除", TEXT, 6),
    C("counters", "计数", TEXT, 40),
    C("version", "版本", INT, 6),
    C("state", "状态", TEXT, 6, note="有效/冲销"),
    C("digest", "摘要", TEXT, 18),
    C("note", "说明", TEXT, 40),
), owned=True, note="每次月结追加；重开时追加冲销行；后续月份的连续类规则读取此表。")

SEALS = SheetSpec("封存", "seals", (
    C("month", "月份", TEXT, 9),
    C("version", "版本", INT, 6),
    C("kind", "工作表", TEXT, 8),
    C("part", "段", INT, 5),
    C("items", "行指纹", TEXT, 80),
), owned=True, note="每个已月结月份所用输入的逐行指纹，用于发现月结后的修改。请勿编辑。")

CARRY = SheetSpec("结转", "carry", (
    C("month", "月份", TEXT, 9),
    C("version", "版本", INT, 6),
    C("event_row", "事件行", INT, 8),
    C("date", "日期", DATE, 12),
    C("id", "工号", TEXT, 10),
    C("rule", "规则", TEXT, 14),
    C("state", "结果", TEXT, 8, note="未计入/已计入"),
    C("origin", "原月份", TEXT, 9),
    C("note", "说明", TEXT, 40),
), owned=True, note="每次月结记下未计入的事件（公示中、待审、异议中）和本次补计入的以前月份事件，"
                    "以后的月结据此补计入且只计一次。请勿编辑。")

PROBLEMS = SheetSpec("问题", "problems", (
    C("severity", "级别", TEXT, 6),
    C("sheet", "工作表", TEXT, 8),
    C("row", "行", INT, 6),
    C("column", "列", TEXT, 10),
    C("code", "代码", TEXT, 20),
    C("message", "说明", TEXT, 60),
), owned=True)

LOG = SheetSpec("操作记录", "log", (
    C("time", "时间", TEXT, 19),
    C("user", "操作人", TEXT, 10),
    C("action", "操作", TEXT, 8),
    C("month", "月份", TEXT, 9),
    C("detail", "说明", TEXT, 50),
    C("digest", "摘要", TEXT, 20),
), owned=True)

OWNED_SHEETS = (RESULTS, DETAILS, HISTORY, PROBLEMS, LOG, SEALS, CARRY)
ALL_SHEETS = INPUT_SHEETS + OWNED_SHEETS
BY_NAME: Dict[str, SheetSpec] = {s.name: s for s in ALL_SHEETS}

# Status words of the 状态 columns
STAFF_STATUSES = ("在职", "离职")
EVENT_STATUSES = ("", "已批准", "生效", "待审", "已审核", "公示中", "异议中", "驳回")
RATINGS = ("优", "良", "中", "差")


# ---------------------------------------------------------------- header matching


_NORM_CACHE: Dict[str, str] = {}


def norm_text(value) -> str:
    """NFKC (full-width to half-width), strip, fold inner white space.

    Memoised per distinct string: sheets repeat the same ids, codes and
    statuses thousands of times.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    out = _NORM_CACHE.get(value)
    if out is None:
        out = " ".join(unicodedata.normalize("NFKC", value).split())  # = _WS.sub(" ", …).strip(), 3x as fast
        if len(_NORM_CACHE) > 200_000:
            _NORM_CACHE.clear()
        _NORM_CACHE[value] = out
    return out


def header_key(text) -> str:
    """Comparable form of a header: no spaces, NFKC, lower case, no brackets."""
    s = norm_text(text).replace(" ", "").lower()
    return s.strip("[]()（）【】")


def match_columns(spec: SheetSpec, header_row: Sequence) -> Tuple[Dict[str, int], Dict[int, str]]:
    """Map column keys to positions in header_row by Chinese header or alias.

    Returns (key -> index, index -> header text as written).  Headers such as
    "工号 [id]" or "工号(id)" match too.
    """
    lookup: Dict[str, str] = {}
    for c in spec.columns:
        for name in (c.header, c.key) + c.aliases:
            lookup[header_key(name)] = c.key
    found: Dict[str, int] = {}
    written: Dict[int, str] = {}
    for i, h in enumerate(header_row):
        text = norm_text(h)
        if not text:
            continue
        written[i] = text
        k = header_key(text)
        key = lookup.get(k)
        if key is None:
            # "工号 [id]" / "工号(id)": try each part
            for part in re.split(r"[\[\]()（）【】]", text):
                key = lookup.get(header_key(part))
                if key:
                    break
        if key and key not in found:
            found[key] = i
    return found, written


def col_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s

