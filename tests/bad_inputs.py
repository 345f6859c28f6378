"""The table of malformed inputs (issue 5): one mutation of a valid book per case.

Each case: (name, scheme, mutation, expected code, sheet, row, column); the
expected code None means the input is odd but valid (must give no error).
Used by tests/test_bad_input.py at the grid level and on real files.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Dict, List, Optional

from kefu_xl.rules import presets
from kefu_xl.core import schema

STAFF_H = ["工号", "姓名", "组别", "等级", "状态", "入职日期", "离职日期", "社保基数", "专项附加扣除"]
EVENT_H = ["日期", "工号", "规则", "数量", "分值", "金额", "评价", "状态", "公示日期", "备注"]
SETTING_H = ["项目", "值", "生效月份", "说明"]
RULE_H = [c.header for c in schema.RULES.columns]
TIER_H = [c.header for c in schema.TIERS.columns]


def base(scheme: str) -> Dict[str, List[list]]:
    staff = [list(STAFF_H),
             ["K01", "张三", "A组", "初级", "在职", dt.datetime(2024, 1, 5), None, None, None],
             ["K02", "李四", "A组", "初级", "在职", dt.datetime(2024, 3, 1), None, None, None],
             ["K03", "王五", "B组", "中级", "离职", dt.datetime(2023, 5, 1), dt.datetime(2026, 10, 15), None, None]]
    events = [list(EVENT_H)]
    if scheme == "tmall-30":
        events += [[dt.datetime(2026, 11, 3), "K01", "态度投诉", 1, None, None, None, None, None, None],
                   [dt.datetime(2026, 11, 30), "K01", "业绩", None, None, 50000, None, None, None, None],
                   [dt.datetime(2026, 11, 30), "K02", "业绩", None, None, 60000, None, None, None, None]]
    rules = [list(RULE_H)] + [[r.get(c.key) for c in schema.RULES.columns] for r in presets.rule_rows()]
    tiers = [list(TIER_H)] + [[t.get(c.key) for c in schema.TIERS.columns] for t in presets.tier_rows()]
    settings = [list(SETTING_H)] + [[r["key"], r["value"], r.get("since"), r.get("note")]
                              for r in presets.setting_rows(scheme, "2026-11")]
    return {"员工": staff, "事件": events, "规则": rules, "等级": tiers, "参数": settings}


def add(sheet: str, **cells) -> Callable:
    """Append a row given by header names; the case's row is the new row."""
    def mutate(book):
        header = book[sheet][0]
        row = [None] * len(header)
        for k, v in cells.items():
            row[header.index(k)] = v
        book[sheet].append(row)
        return len(book[sheet])
    return mutate


def ev(**cells) -> Callable:
    cells.setdefault("日期", dt.datetime(2026, 11, 4))
    cells.setdefault("工号", "K01")
    cells.setdefault("规则", "态度投诉")
    return add("事件", **cells)


def rule(**cells) -> Callable:
    cells.setdefault("方案", "tmall-30")
    cells.setdefault("代码", "新规则")
    cells.setdefault("名称", "新规则")
    cells.setdefault("类型", "计次")
    cells.setdefault("分值", "1")
    cells.setdefault("来源", "测试")
    return add("规则", **cells)


def setv(sheet: str, row: int, header: str, value) -> Callable:
    """Set one cell of an existing row (row = sheet row number)."""
    def mutate(book):
        book[sheet][row - 1][book[sheet][0].index(header)] = value
        return row
    return mutate


def setting(key: str, value) -> Callable:
    def mutate(book):
        for i, r in enumerate(book["参数"]):
            if r[0] == key:
                r[1] = value
                return i + 1
        book["参数"].append([key, value, None, None])
        return len(book["参数"])
    return mutate


def drop_column(sheet: str, header: str) -> Callable:
    def mutate(book):
        i = book[sheet][0].index(header)
        for r in book[sheet]:
            del r[i]
        return 1
    return mutate


def drop_sheet(sheet: str) -> Callable:
    def mutate(book):
        del book[sheet]
        return 0
    return mutate


def history(counters) -> Callable:
    """A 历史 sheet of one October row whose 计数 cell holds `counters` (hand-edited)."""
    def mutate(book):
        header = [c.header for c in schema.HISTORY.columns]
        row = [None] * len(header)
        for k, v in (("月份", "2026-10"), ("工号", "K01"), ("姓名", "张三"), ("得分", 30), ("计数", counters),
                     ("版本", 1), ("状态", "有效")):
            row[header.index(k)] = v
        book["历史"] = [header, row]
        return 2
    return mutate


T30, T1, K = "tmall-30", "tmall-1", "aftersales-130"
D = dt.datetime
CASES = [
    # ------------------------------------------------------------ 员工
    ("staff-duplicate-id", T30, add("员工", 工号="K01", 姓名="张三二"), "E_DUPLICATE_STAFF", "员工", None, "工号"),
    ("staff-empty-id", T30, add("员工", 姓名="无工号"), "E_REQUIRED", "员工", None, "工号"),
    ("staff-empty-name", T30, add("员工", 工号="K09"), "E_REQUIRED", "员工", None, "姓名"),
    ("staff-bad-status", T30, add("员工", 工号="K09", 姓名="赵六", 状态="休假"), "E_BAD_STATUS", "员工", None, "状态"),
    ("staff-bad-hired", T30, add("员工", 工号="K09", 姓名="赵六", 入职日期="2026-13-45"), "E_BAD_DATE", "员工", None, "入职日期"),
    ("staff-error-hired", T30, setv("员工", 2, "入职日期", "#N/A"), "E_CELL_ERROR", "员工", 2, "入职日期"),
    ("staff-bad-left", T30, setv("员工", 4, "离职日期", "上个月"), "E_BAD_DATE", "员工", 4, "离职日期"),
    ("staff-text-si-base", T30, setv("员工", 2, "社保基数", "四千"), "E_NOT_NUMBER", "员工", 2, "社保基数"),
    ("staff-error-deduction", T30, setv("员工", 3, "专项附加扣除", "#REF!"), "E_CELL_ERROR", "员工", 3, "专项附加扣除"),
    ("staff-missing-id-column", T30, drop_column("员工", "工号"), "E_COLUMN_MISSING", "员工", 1, "工号"),
    ("staff-sheet-missing", T30, drop_sheet("员工"), "E_SHEET_MISSING", "员工", 0, ""),
    ("staff-unknown-tier", T30, setv("员工", 2, "等级", "神级"), "E_UNKNOWN_TIER", "员工", 2, "等级"),
    ("staff-fullwidth-id-ok", T30, setv("员工", 2, "工号", " Ｋ０１ "), None, "", 0, ""),
    # ------------------------------------------------------------ 事件
    ("event-unknown-staff", T30, ev(工号="K99"), "E_UNKNOWN_STAFF", "事件", None, "工号"),
    ("event-unknown-rule", T30, ev(规则="乱扣分"), "E_UNKNOWN_RULE", "事件", None, "规则"),
    ("event-bad-date", T30, ev(日期="昨天"), "E_BAD_DATE", "事件", None, "日期"),
    ("event-empty-date", T30, ev(日期=None), "E_REQUIRED", "事件", None, "日期"),
    ("event-error-date", T30, ev(日期="#VALUE!"), "E_CELL_ERROR", "事件", None, "日期"),
    ("event-far-year", T30, ev(日期=D(2062, 11, 4)), "E_DATE_RANGE", "事件", None, "日期"),
    ("event-impossible-date", T30, ev(日期="2026-11-31"), "E_BAD_DATE", "事件", None, "日期"),
    ("event-text-qty", T30, ev(数量="三"), "E_NOT_NUMBER", "事件", None, "数量"),
    ("event-zero-qty", T30, ev(数量=0), "E_BAD_QTY", "事件", None, "数量"),
    ("event-negative-qty", T30, ev(数量=-1), "E_BAD_QTY", "事件", None, "数量"),
    ("event-fractional-qty-ladder", T30, ev(数量=1.5), "E_BAD_QTY", "事件", None, "数量"),
    ("event-text-points", T30, ev(分值="五"), "E_NOT_NUMBER", "事件", None, "分值"),
    ("event-points-on-fixed-rule", T30, ev(分值=-3), "E_VALUE_NOT_ALLOWED", "事件", None, "分值"),
    ("event-error-amount", T30, ev(规则="业绩", 金额="#N/A"), "E_CELL_ERROR", "事件", None, "金额"),
    ("event-text-amount", T30, ev(规则="业绩", 金额="很多"), "E_NOT_NUMBER", "事件", None, "金额"),
    ("event-metric-without-value", T30, ev(规则="业绩"), "E_VALUE_REQUIRED", "事件", None, "金额"),
    ("event-bad-status", T30, ev(状态="已删除"), "E_BAD_STATUS", "事件", None, "状态"),
    ("event-staff-left", T30, ev(工号="K03"), "E_STAFF_LEFT", "事件", None, "日期"),
    ("event-before-hired", T30, ev(工号="K02", 日期=D(2024, 2, 1)), "E_DATE_RANGE", "事件", None, "日期"),
    ("event-physical-rating", T1, ev(规则="失职", 评价="下蹲"), "E_PHYSICAL", "事件", None, "评价"),
    ("event-physical-note", T30, ev(备注="罚下蹲50个"), "E_PHYSICAL", "事件", None, "备注"),
    ("event-sanction-not-allowed", T1, ev(规则="失职", 评价="降级"), "E_BAD_SANCTION", "事件", None, "评价"),
    ("event-rating-missing", K, ev(规则="客服素质"), "E_BAD_RATING", "事件", None, "评价"),
    ("event-rating-unknown", K, ev(规则="配合度", 评价="很好"), "E_BAD_RATING", "事件", None, "评价"),
    ("event-points-on-rating", K, ev(规则="配合度", 评价="优", 分值=20), "E_POINTS_NOT_ALLOWED", "事件", None, "分值"),
    ("event-band-without-value", K, ev(规则="退款率"), "E_VALUE_REQUIRED", "事件", None, "金额"),
    ("event-range-without-value", K, ev(规则="客户投诉"), "E_VALUE_REQUIRED", "事件", None, "分值"),
    ("event-range-too-big", K, ev(规则="客户投诉", 分值=25), "E_OUT_OF_RANGE", "事件", None, "分值"),
    ("event-range-too-small", T1, ev(规则="建议采纳", 分值=2), "E_OUT_OF_RANGE", "事件", None, "分值"),
    ("event-negative-percent", K, ev(规则="退款率", 金额=-0.02), "E_OUT_OF_RANGE", "事件", None, "金额"),
    ("event-publishing-no-date", T30, ev(状态="公示中"), "E_NO_PUBLISH_DATE", "事件", None, "公示日期"),
    ("event-bad-publish-date", T30, ev(状态="公示中", 公示日期="下周"), "E_BAD_DATE", "事件", None, "公示日期"),
    ("event-all-on-personal-rule", T30, ev(工号="全体"), "E_UNKNOWN_STAFF", "事件", None, "工号"),
    ("event-empty-id", T30, ev(工号=None), "E_REQUIRED", "事件", None, "工号"),
    ("event-empty-rule", T30, ev(规则=None), "E_REQUIRED", "事件", None, "规则"),
    ("event-serial-date-ok", T30, ev(日期=46330), None, "", 0, ""),
    ("event-text-date-ok", T30, ev(日期="2026/11/3"), None, "", 0, ""),
    ("event-month-day-ok", T30, ev(日期="11月3日"), None, "", 0, ""),
    ("event-fullwidth-date-ok", T30, ev(日期="２０２６－１１－０３"), None, "", 0, ""),
    ("event-stray-spaces-ok", T30, ev(规则=" 态度 投诉 ", 工号="K01 "), None, "", 0, ""),
    ("event-fullwidth-number-ok", T30, ev(规则="业绩", 金额="１２，０００"), None, "", 0, ""),
    ("event-pending-not-error", T30, ev(状态="待审"), None, "", 0, ""),
    # ------------------------------------------------------------ 规则
    ("rule-unknown-kind", T30, rule(类型="随便"), "E_RULE_KIND", "规则", None, "类型"),
    ("rule-bad-points", T30, rule(分值="很多"), "E_RULE_PARAM", "规则", None, "分值"),
    ("rule-duplicate-code", T30, rule(代码="态度投诉"), "E_RULE_DUPLICATE", "规则", None, "代码"),
    ("rule-cap-below-floor", T30, rule(类型="封顶", 分值=None, 上限=10, 下限=20), "E_RULE_PARAM", "规则", None, "上限"),
    ("rule-bad-params", T30, rule(类型="条件", 参数="满意度>>90"), "E_RULE_PARAM", "规则", None, "参数"),
    ("rule-rank-without-awards", T30, rule(类型="排名", 指标="业绩", 分值=None), "E_RULE_PARAM", "规则", None, "参数"),
    ("rule-unknown-metric", T30, rule(类型="排名", 指标="不存在", 参数="1:5", 分值=None), "E_RULE_REF", "规则", None, "指标"),
    ("rule-physical-ladder", T30, rule(分值="警告;下蹲"), "E_RULE_PARAM", "规则", None, "分值"),
    ("rule-streak-without-months", T30, rule(类型="连续", 参数="名次=1", 分值=None), "E_RULE_PARAM", "规则", None, "参数"),
    ("rule-bad-enabled", T30, rule(启用="也许"), "E_BAD_BOOL", "规则", None, "启用"),
    ("rule-empty-code", T30, rule(代码=None), "E_REQUIRED", "规则", None, "代码"),
    ("rule-band-without-bands", T30, rule(类型="分档", 分值=None), "E_RULE_PARAM", "规则", None, "参数"),
    ("rule-unreachable-band", T30, rule(类型="分档", 分值=None, 参数="<=11%:10;<=5%:30"), "E_RULE_PARAM", "规则", None, "参数"),
    ("rule-contradicting-conditions", T30, rule(类型="条件", 参数="得分>90;得分<80"), "E_RULE_PARAM", "规则", None, "参数"),
    ("rule-event-without-value", T30, rule(分值=None), "E_RULE_PARAM", "规则", None, "分值"),
    ("rule-bad-window", T30, rule(周期="半月"), "E_RULE_PARAM", "规则", None, "周期"),
    ("rule-bad-scope", T30, rule(范围="全公司"), "E_RULE_PARAM", "规则", None, "范围"),
    ("rule-bad-category", T30, rule(类别="红包"), "E_RULE_PARAM", "规则", None, "类别"),
    ("rule-duplicate-rating", K, rule(方案=K, 类型="评级", 分值=None, 参数="优:20;优:15"), "E_RULE_PARAM", "规则", None, "参数"),
    # ------------------------------------------------------------ 参数 / 等级
    ("setting-bad-month", T30, setting("月份", "2026-13"), "E_BAD_MONTH", "参数", None, "值"),
    ("setting-unknown-scheme", T30, setting("方案", "tmall-99"), "E_UNKNOWN_SCHEME", "参数", None, "值"),
    ("setting-bad-ties", T30, setting("并列规则", "随机"), "E_SETTING_VALUE", "参数", None, "值"),
    ("setting-bad-since", T30, add("参数", 项目="最低工资", 值=2600, 生效月份="明年"), "E_BAD_MONTH", "参数", None, "生效月份"),
    ("setting-error-value", T30, setting("公示天数", "#DIV/0!"), "E_CELL_ERROR", "参数", None, "值"),
    ("tier-text-base-pay", T30, setv("等级", 3, "基本工资", "四千"), "E_NOT_NUMBER", "等级", 3, "基本工资"),
    ("tier-duplicate", T30, add("等级", 等级="初级", 基本工资=4100), "E_DUPLICATE_TIER", "等级", None, "等级"),
    ("tier-bad-rate", T30, setv("等级", 3, "奖金比例", "一成"), "E_NOT_NUMBER", "等级", 3, "奖金比例"),
    # ------------------------------------------------------------ 历史 (written by a close; hand edits)
    ("history-counters-not-json", T30, history("{态度投诉:1}"), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-true", T30, history('{"态度投诉":[true,0]}'), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-null", T30, history('{"态度投诉":[1,null]}'), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-word", T30, history('{"态度投诉":["一次",0]}'), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-object", T30, history('{"态度投诉":{"次数":1}}'), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-list", T30, history('[1,0]'), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-nan", T30, history('{"态度投诉":[NaN,0]}'), "E_HISTORY", "历史", 2, "计数"),
    ("history-counters-number-text", T30, history('{"态度投诉":[1," 2.50 "]}'), None, None, None, None),
    # ------------------------------------------------------------ issue 21: numbers out of bounds
    ("qty-huge", T30, ev(规则="好评表扬", 数量=10 ** 7), "E_BAD_QTY", "事件", None, "数量"),
    ("qty-absurd", T30, ev(规则="好评表扬", 数量=1e30), "E_NOT_NUMBER", "事件", None, "数量"),
    ("qty-1e309-text", T30, ev(规则="好评表扬", 数量="1e309"), "E_NOT_NUMBER", "事件", None, "数量"),
    ("qty-half-day", T30, ev(规则="好评表扬", 数量=0.5), None, None, None, None),
    ("qty-at-bound", T30, ev(规则="好评表扬", 数量=10000), None, None, None, None),
    ("qty-half-on-a-ladder", T30, ev(规则="态度投诉", 数量=0.5), "E_BAD_QTY", "事件", None, "数量"),
    ("tier-base-pay-negative", T30, setv("等级", 3, "基本工资", -5000), "E_BAD_AMOUNT", "等级", 3, "基本工资"),
    ("tier-base-pay-absurd", T30, setv("等级", 3, "基本工资", 2e7), "E_BAD_AMOUNT", "等级", 3, "基本工资"),
    ("tier-base-pay-1e26", T30, setv("等级", 3, "基本工资", 1e26), "E_NOT_NUMBER", "等级", 3, "基本工资"),
    ("tier-base-pay-inf-text", T30, setv("等级", 3, "基本工资", "INF"), "E_NOT_NUMBER", "等级", 3, "基本工资"),
    ("staff-si-base-1e26", T30, setv("员工", 2, "社保基数", 1e26), "E_NOT_NUMBER", "员工", 2, "社保基数"),
    ("staff-si-base-negative", T30, setv("员工", 2, "社保基数", -1), "E_BAD_AMOUNT", "员工", 2, "社保基数"),
    ("staff-deduction-1e26", T30, setv("员工", 2, "专项附加扣除", 1e26), "E_NOT_NUMBER", "员工", 2, "专项附加扣除"),
    ("staff-deduction-nan-text", T30, setv("员工", 2, "专项附加扣除", "NaN"), "E_NOT_NUMBER", "员工", 2, "专项附加扣除"),
    ("event-sales-1e28", T30, setv("事件", 3, "金额", 1e28), "E_NOT_NUMBER", "事件", 3, "金额"),
]
