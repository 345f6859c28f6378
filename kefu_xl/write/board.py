"""看板: the last closed month at a glance, as plain values (a sheet the close owns).

Opened without Python (WPS, LibreOffice, Excel without the add-in) the
workbook still shows the month: the key figures and the board are values the
close wrote, the charts beside them (placed by the template) read the 趋势,
组别 and 分布 sheets, also plain values.  Live formulas are on 函数 and need
Excel for Windows with Python and the xlwings add-in; one line says so.

Rows (sheet rows): 1 title, 2 what the buttons do, 3 the line about live
formulas, 4 状态 (the VBA writes its message into B4 in unattended runs),
6 【关键数字】, 7 their labels, 8 their values, 10 【本月排行榜】, 11 the board's
header, then one row per person.  Pure.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, List, Mapping, Sequence, Tuple

from ..core.grid import SheetOut
from ..core.model import ZERO, MonthResult, fmt_points, money

SHEET = "看板"
TITLE = "客服绩效看板"
STATUS_CELL = "B4"
BUTTONS_LINE = "点【检查】查看输入问题；点【月结】完成本月月结（月份、方案见「参数」表）。"
LIVE_LINE = ("本页是月结写入的数值，WPS、LibreOffice 和没有加载项的 Excel 都能看；实时公式在「函数」表，"
             "需要 Windows 版 Excel、Python 和 xlwings 加载项。")
EMPTY_LINE = "尚未月结：点【月结】（或运行 kefu-xl close）后，这里显示最近一次月结的关键数字和排行榜。"

BOARD_HEADER = ("名次", "工号", "姓名", "组别", "等级", "得分", "评定", "合格", "奖金扣减", "应发合计", "实发合计", "称号",
                "提示")
BOARD_TYPES = ("num", "text", "text", "text", "text", "num", "text", "text", "pct", "money", "money", "text", "text")
BOARD_WIDTHS = (8, 10, 10, 10, 8, 8, 8, 6, 9, 12, 12, 14, 40)
FIGURES = ("月份", "人数", "参评人数", "平均分", "最高分", "最低分", "合格人数", "不合格人数", "合格率", "应发合计",
           "实发合计", "扣减奖金合计")
SEC_FIGURES = "【关键数字】"
SEC_BOARD = "【本月排行榜】"
FIGURES_ROW = 7  # labels; values on the next row
BOARD_ROW = 11  # the board's header


def board_rows(result: MonthResult, pays: Mapping[str, Any]) -> List[Tuple]:
    """One row per person (BOARD_HEADER): money as Decimal at the fen, the share withheld as Decimal."""
    out = []
    for p in result.people:
        pay = pays.get(p.staff.id)
        out.append((p.rank if p.rank is not None else "", p.staff.id, p.staff.name, p.staff.group, p.staff.tier,
                    fmt_points(p.score), p.grade, "是" if p.passed else "否", p.bonus_cut,
                    money(pay.gross) if pay else money(ZERO), money(pay.net) if pay else money(ZERO),
                    "、".join(p.titles), "；".join(p.flags)))
    return out


def key_figures(result: MonthResult, pays: Mapping[str, Any]) -> Tuple:
    """The values under FIGURES."""
    ranked = [p for p in result.people if p.rank is not None]
    scores = [p.score for p in ranked] or [ZERO]
    passed = sum(1 for p in ranked if p.passed)
    avg = (sum(scores, ZERO) / len(scores)).quantize(Decimal("0.1")) if ranked else ZERO
    gross = sum((p.gross for p in pays.values()), ZERO)
    net = sum((p.net for p in pays.values()), ZERO)
    cut = sum((p.bonus_cut_amount + p.bonus_void for p in pays.values()), ZERO)
    share = (Decimal(passed) / len(ranked)).quantize(Decimal("0.001")) if ranked else ZERO
    return (str(result.month), len(result.people), len(ranked), fmt_points(avg), fmt_points(max(scores)),
            fmt_points(min(scores)), passed, len(ranked) - passed, share, money(gross), money(net), money(cut))


def _blank() -> Tuple:
    return (None,) * len(BOARD_HEADER)


def _line(*cells) -> Tuple:
    return tuple(cells) + (None,) * (len(BOARD_HEADER) - len(cells))


def dashboard_sheet(result: MonthResult, pays: Sequence[Any]) -> SheetOut:
    """看板 after a close of `result.month` (pays: the month's PayResults)."""
    by_id = {p.staff.id: p for p in pays}
    rows: List[Tuple] = [
        _line(BUTTONS_LINE),
        _line(LIVE_LINE),
        _line("状态", f"{result.month} 已月结：{len(result.people)} 人"),
        _blank(),
        _line(SEC_FIGURES),
        _line(*FIGURES),
        key_figures(result, by_id),
        _blank(),
        _line(SEC_BOARD),
        BOARD_HEADER,
    ] + board_rows(result, by_id)
    return SheetOut(SHEET, (), BOARD_TYPES, tuple(rows), BOARD_WIDTHS, title=f"{TITLE}（{result.month}）",
                    extra={"freeze": None, "section_rows": (6, 10), "header_rows": (FIGURES_ROW, BOARD_ROW)})


def empty_rows() -> List[Tuple]:
    """看板 before any close (the template): the same first rows, and what to do."""
    return [_line(BUTTONS_LINE), _line(LIVE_LINE), _line("状态", ""), _blank(), _line(EMPTY_LINE)]
