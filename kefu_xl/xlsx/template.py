"""The workbook template, built from text sources with XlsxWriter.

`build_template(path)` writes workbook_template.xlsm: the input sheets as
Excel tables (Chinese headers, dropdowns, date and money formats, frozen
headers, a note on each header), the owned result sheets, 说明, a 看板 with
the 月结 and 检查 buttons and the native charts (the close writes its values),
函数 with the live KEFU_* formulas over the one 本月 cell, the xlwings.conf
sheet and the VBA project (kefu_xl/vba/*.bas plus the generated UDF wrappers).
The build is deterministic: fixed document dates, fixed zip
timestamps, sorted inputs.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ..rules import presets
from ..write import board
from ..write import reports
from ..core import schema
from ..core.schema import SheetSpec

FIXED_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
EMPTY_ROWS = {"staff": 60, "events": 600, "orders": 200, "weeks": 200, "exams": 100}
DASHBOARD = "看板"
CHART_SHEET = reports.CHART_SHEET  # 看板: the charts stand beside the board the close writes
FUNCTIONS = "函数"
ORDER = ("说明", DASHBOARD, FUNCTIONS, "员工", "事件", "规则", "等级", "参数", "指标", "导入映射", "节假日", "调动", "订单",
         "周计划", "考试", "结果", "明细", "荣誉榜", "工资表", "工资条", "小红花", "历史", "问题", "操作记录", "趋势", "组别",
         "分布", "封存", "结转", "工资历史", "xlwings.conf")
HIDDEN = ("封存", "结转", "工资历史", "xlwings.conf")
FORMATS = {schema.DATE: "yyyy-mm-dd", schema.MONEY: "#,##0.00", schema.PCT: "0.0%", schema.INT: "0",
           schema.NUM: "General", schema.TEXT: "@"}
VALIDATION = {
    ("staff", "status"): schema.STAFF_STATUSES,
    ("events", "status"): tuple(s for s in schema.EVENT_STATUSES if s),
    ("events", "rating"): schema.RATINGS + ("警告", "记过", "通报批评", "乐捐", "赔偿", "开除"),
    ("rules", "kind"): None,  # filled from rules.KINDS
    ("rules", "enabled"): ("是", "否"),
    ("holidays", "kind"): ("班", "休", "调休"),
    ("rules", "window"): ("月", "季", "年", "累计"),
    ("rules", "scope"): ("个人", "全组", "全体"),
    ("rules", "category"): ("积分", "奖金", "罚款", "赔偿", "提成", "记录"),
}
LIST_SOURCES = {
    ("events", "rule"): "='规则'!$B$2:$B$400",
    ("events", "id"): "='员工'!$A$2:$A$2000",
    ("staff", "tier"): "='等级'!$A$2:$A$60",
}

HELP = [
    ("kefu-xl 客服奖惩与绩效工资工作簿", "title"),
    ("", ""),
    ("怎么用", "h"),
    ("1. 在「员工」表填写员工：工号唯一；离职请把状态改为 离职 并填写离职日期，不要删行。", ""),
    ("2. 在「参数」表选择 方案（见下）并填写 月份（如 2026-11）；工资相关费率也在这里，可按 生效月份 分段。", ""),
    ("3. 每件奖惩、每个指标在「事件」表记一行：日期、工号、规则代码（下拉选择），需要时填 数量、分值、金额、评价。", ""),
    ("4. 点「看板」上的【检查】查看问题，点【月结】完成月结；没有 Excel 时在命令行运行 kefu-xl close 工作簿 --month 2026-11。", ""),
    ("5. 结果写入「结果」「明细」「荣誉榜」「工资表」「工资条」「历史」等表；有错误时只写「问题」表并把出错单元格标红。", ""),
    ("", ""),
    ("方案（参数表 方案）", "h"),
    ("tmall-1：天猫方案一，激励券积分、处分、全组连带罚款（政策 A 方案一，A1-*）", ""),
    ("tmall-30：天猫方案二，每月30分制，首次警告后扣分，低分扣奖金（政策 A 方案二，A2-*）", ""),
    ("aftersales-130：售后客服130分KPI，四项评级、退款率、出勤，70%合格（政策 A 方案三与 D，K-*）", ""),
    ("classic-100：客服绩效评分标准2011版，基础80分，满分100（政策 B，B-*）", ""),
    ("incentive：激励与纪律，提成、季度排名奖、违纪阶梯罚款、服务之星（政策 C、D、E）", ""),
    ("kpi-card：售前KPI考核卡，询单转化率40%、支付率25%、客单价5%、首响10%、平响10%加权评分，读「指标」表（A2-2）", ""),
    ("每条规则在「规则」表的 来源 列注明政策编号（见 DOMAIN.md），HR 可以修改数值或增删规则。", ""),
    ("", ""),
    ("规则类型（规则表 类型）", "h"),
    ("@kinds", ""),
    ("分值/金额写法：5 固定值；3~10 由 HR 在事件行填写范围内的值；0.5% 按事件金额的比例；警告;-1 按次数阶梯（首次警告，之后每次 -1）；"
     "全组100 落到全组每人。参数列用 ; 分隔：键=值、区间:结果、条件（如 满意度>=98%）。", ""),
    ("", ""),
    ("工作表", "h"),
    ("@sheets", ""),
    ("", ""),
    ("事件状态", "h"),
    ("空、已批准、生效：计入；待审、已审核、异议中：不计入，月结时列出；驳回：不计入；公示中：公示满「公示天数」个工作日后计入。", ""),
    ("", ""),
    ("Excel 函数（需要 Windows 版 Excel、Python 和 xlwings 加载项；「函数」表已写好，可向下复制）", "h"),
    ("本月：「函数」表 B2 的 =KEFU_MONTH(staff[#全部], events[#全部], …, 历史表) 计算一次整月，单元格名为「本月」。", ""),
    ("每人（A2 为工号）：=KEFU_SCORE(A2, 本月) 得分；=KEFU_GRADE(A2, 本月) 评定；=KEFU_TIER_SALARY(A2, 本月) 应发工资；"
     "=KEFU_BONUS_DEDUCTION(A2, 本月) 扣减的奖金金额（元）。", ""),
    ("整月：=KEFU_BOARD(本月) 排行榜（自动溢出）；=KEFU_EXPLAIN(A2, 本月) 一个人每一分、每一元的来历（自动溢出）。", ""),
    ("显示「#请重算」时按 Ctrl+Alt+F9。旧写法 =KEFU_SCORE(工号, staff[#全部], events[#全部], rules[#全部], tiers[#全部], "
     "settings[#全部]) 仍然可用。", ""),
    ("", ""),
    ("安装", "h"),
    ("Windows：安装 Python 3，命令行运行 pip install kefu-xl，再运行 xlwings addin install，然后打开本工作簿并启用宏。", ""),
    ("Mac：按钮可用（RunPython），但 xlwings 在 Mac 上不支持自定义函数。", ""),
    ("WPS、Linux 或没有 Excel：使用命令行 kefu-xl check / close / payslips（见 README）。", ""),
    ("工资条按人加密：密码为「员工」表的 工资条密码，或 工号+身份证后六位。", ""),
]


KIND_HELP = {  # rule kind -> what it does; an example row of the presets is added when there is one
    "event": "每条事件计入分值或金额，可按次数阶梯",
    "rating": "按评价 优/良/中/差 给分",
    "band": "按指标值所在区间给分或给结果",
    "metric": "业绩等指标，供排名和条件使用",
    "condition": "满足条件时加分或奖励",
    "rank": "按名次奖励",
    "streak": "连续若干个月满足条件时奖励或提示",
    "base": "每月基础分",
    "component": "考核维度的满分",
    "cap": "得分上限/下限",
    "pass": "合格线",
    "grade": "按得分评定等级",
    "bonus_cut": "低分扣减当月奖金的比例",
    "per_point": "超过基数的部分每分奖励",
    "increase": "较基数增长的部分按阶梯奖励",
    "exclude": "满足条件的人不参加本期考评",
    "shared": "公共销售额按比例提成，由全体客服平分",
    "sanction": "允许记录的处分种类",
    "flower": "小红花的发放配额、有效期和奖励",
    "bank_in": "积分存入个人账户（可兑换，不计入当月得分，跨月累计）",
    "bank_out": "从积分账户兑换（培训、调休、商品），不能超过余额",
    "deadline": "本方案的流程时限：记录、审核、公示、异议；超时在「问题」表提示",
    "rework": "本人原因造成的二次上门不计工分",
    "order": "读「订单」表：备注有工号、付清当月按比例提成；优惠须说明或审批",
    "weekly": "读「周计划」表：连续N周完成率达标奖励（跨月连续）",
    "exam": "读「考试」表：按得分率给分或奖金",
    "tenure": "入职满N个月起每月奖励",
    "birthday": "员工表出生日期所在月份奖励",
    "team": "团队（组别）奖：平分给组员或作为团队经费",
    "kpi": "KPI考核卡的一项：按分档或两值之间线性折算为0–100分，乘以权重",
    "weighted": "多项指标按权重综合为一个业绩值（0–100），供排名使用",
}
SHEET_HELP = {
    "说明": "本页。",
    DASHBOARD: "【月结】【检查】按钮；每次月结后写入最近一次月结的关键数字、排行榜和图表（普通数值，WPS 也能看）。",
    FUNCTIONS: "实时公式：本月（KEFU_MONTH）、每人得分/评定/应发/扣减奖金（可向下复制）、个人查询和排行榜。",
    "员工": "输入：一人一行，工号唯一。",
    "事件": "输入：每件奖惩、每个指标一行。",
    "规则": "输入：规则即数据，每行一条；方案 为空表示所有方案都用。已预置全部方案。",
    "等级": "输入：岗位等级、基本工资、奖金比例、津贴、晋升条件。",
    "参数": "输入：月份、方案、公示天数、社保费率、最低工资等，可按 生效月份 分段。",
    "指标": "输入：每人每月的指标（询单转化率、满意率、退款率、迟到次数…），由【导入】从平台与考勤导出写入，也可手工填写。",
    "导入映射": "输入：导入的指标如何进入规则（指标代码），或按系数生成事件（考勤：迟到、请假、旷工）。各方案预置。",
    "节假日": "输入（可选）：覆盖或补充日历库的放假（休）、调休上班（班）、调休休息（调休）日期；日历库未收录的年份在此补充。",
    "调动": "输入（可选）：月内调组，自日期起属于新组别（全组连带处罚按事件日期的组别）。",
    "订单": "输入（可选）：每笔订单一行，跨月保留；付清当月计提成（D-11、C-5）。",
    "周计划": "输入（可选）：每人每周完成率一行，跨月保留（A1-7）。",
    "考试": "输入（可选）：每人每次考试一行（B-7、B-4b）。",
    "结果": "月结写入：每人得分、名次、评定、奖罚金额和提示。",
    "明细": "月结写入：每一分、每一元的来历（事件行、规则、政策出处）。",
    "荣誉榜": "月结写入：本月、本季度、本年度的奖项，以及需要 HR 处理的事项。",
    "工资表": "月结写入：每人应发、扣款、社保、个税、实发。",
    "工资条": "月结写入：每人一条；kefu-xl payslips 可生成加密的个人工资条。",
    "小红花": "月结写入：小红花发放、有效期和配额。",
    "历史": "每次月结追加；连续类规则读取此表，请勿修改。",
    "问题": "检查或月结发现的问题：工作表、行、列、说明。",
    "操作记录": "每次月结、检查、重开的时间、操作人和摘要。",
    "趋势": "月结写入：团队平均、最高、最低和每人各月得分（图表数据）。",
    "组别": "月结写入：各组平均分（图表数据）。",
    "分布": "月结写入：本月得分分布（图表数据）。",
    "封存": "隐藏：已月结月份的事件指纹，防止事后改动。",
    "结转": "隐藏：各月未计入的事件（公示中、待审、异议中）及其在以后月份的补计入，请勿修改。",
    "工资历史": "隐藏：各月工资累计（个税累计预扣用）。",
    "xlwings.conf": "隐藏：xlwings 设置（UDF Modules = kefu_xl.udfs）。",
}


def help_lines() -> List[tuple]:
    """The 说明 sheet: HELP with the rule kinds and the sheets filled in."""
    from ..rules.grammar import KINDS
    examples: Dict[str, Dict] = {}
    for r in presets.rule_rows():  # the first row of each kind, one with a ladder or range if there is one
        shaped = any(ch in str(r.get(k) or "") for k in ("points", "amount") for ch in ";~")
        if r["kind"] not in examples or (shaped and not examples[r["kind"]]["_shaped"]):
            examples[r["kind"]] = dict(r, _shaped=shaped)
    out = []
    for text, kind in HELP:
        if text == "@kinds":
            for key, names in KINDS.items():
                line = f"{names[0]}：{KIND_HELP.get(key, '')}"
                ex = examples.get(names[0])
                if ex:
                    spec = "；".join(f"{schema.RULES.column(k).header} {ex[k]}" for k in ("points", "amount", "params")
                                    if ex.get(k) not in (None, ""))
                    line += f"。例：{ex['name']}（{ex['source']}）" + (f"，{spec}" if spec else "")
                out.append((line, ""))
        elif text == "@sheets":
            out += [(f"{name}：{SHEET_HELP.get(name, '')}", "") for name in ORDER]
        else:
            out.append((text, kind))
    return out


def _column_formats(wb, spec: SheetSpec) -> List:
    return [wb.add_format({"num_format": FORMATS.get(c.type, "General")}) for c in spec.columns]


def _add_table(wb, ws, spec: SheetSpec, rows: Sequence[Dict], empty: int, header_fmt) -> None:
    ncols = len(spec.columns)
    formats = _column_formats(wb, spec)
    data = [[r.get(c.key) for c in spec.columns] for r in rows]
    n = max(len(data), 1) + empty
    columns = [{"header": c.header, "format": formats[j], "header_format": header_fmt}
               for j, c in enumerate(spec.columns)]
    options = {"name": spec.key, "style": "Table Style Medium 2", "columns": columns, "autofilter": True}
    if data:
        options["data"] = data
    ws.add_table(0, 0, n, ncols - 1, options)
    for j, c in enumerate(spec.columns):
        ws.set_column(j, j, c.width, formats[j])
        if c.note:
            ws.write_comment(0, j, f"{c.header}：{c.note}", {"author": "kefu-xl", "x_scale": 1.6})
    ws.freeze_panes(1, 0)
    _validations(ws, spec, n)


def _validations(ws, spec: SheetSpec, last_row: int) -> None:
    from ..rules.grammar import KINDS
    for j, c in enumerate(spec.columns):
        key = (spec.key, c.key)
        if key in LIST_SOURCES:
            ws.data_validation(1, j, last_row, j, {"validate": "list", "source": LIST_SOURCES[key],
                                                    "ignore_blank": True, "show_error": False})
        elif key in VALIDATION:
            values = VALIDATION[key] or tuple(v[0] for v in KINDS.values())
            ws.data_validation(1, j, last_row, j, {"validate": "list", "source": list(values),
                                                    "error_title": "kefu-xl",
                                                    "error_message": f"请从下拉列表选择{c.header}"})


def _scheme_dropdown(ws, settings: Sequence[Dict]) -> None:
    """参数: the 方案 value is chosen from the shipped schemes."""
    col = [c.key for c in schema.SETTINGS.columns].index("value")
    for i, row in enumerate(settings, start=1):
        if row.get("key") == "方案":
            ws.data_validation(i, col, i, col, {
                "validate": "list", "source": list(presets.SCHEMES), "input_title": "方案",
                "input_message": "选择方案；说明 表列出各方案的来源", "error_title": "kefu-xl",
                "error_message": "请从下拉列表选择方案"})


def _owned(wb, ws, spec: SheetSpec, header_fmt) -> None:
    for j, c in enumerate(spec.columns):
        ws.write(0, j, c.header, header_fmt)
        ws.set_column(j, j, c.width)
    ws.freeze_panes(1, 0)


def build_template(path, vba_project: Optional[bytes] = None, scheme: str = presets.DEFAULT_SCHEME,
                   month: str = "2026-11", staff: Sequence[Dict] = (), events: Sequence[Dict] = (),
                   metrics: Sequence[Dict] = ()) -> Path:
    """Write the template to `path` (.xlsm with a VBA project, .xlsx without).

    `staff` and `events` (dict rows keyed by column keys) pre-fill the input
    tables: `kefu-xl init --demo` builds its workbook this way.
    """
    import xlsxwriter

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": "kefu-xl 客服奖惩与绩效工资", "author": "kefu-xl", "company": "",
                       "created": FIXED_DATE, "comments": "由 tools/build_template.py 生成"})
    header_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
    title_fmt = wb.add_format({"bold": True, "font_size": 16})
    h_fmt = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E79"})
    sheets = {name: wb.add_worksheet(name) for name in ORDER}
    for name in HIDDEN:
        sheets[name].hide()
    for ws in sheets.values():  # printing and PDF: A4 landscape, one page wide
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)

    # 说明
    ws = sheets["说明"]
    ws.set_column(0, 0, 120)
    for i, (text, kind) in enumerate(help_lines()):
        ws.write(i, 0, text, {"title": title_fmt, "h": h_fmt}.get(kind))

    # inputs
    _add_table(wb, sheets["员工"], schema.STAFF, list(staff), EMPTY_ROWS["staff"], header_fmt)
    _add_table(wb, sheets["事件"], schema.EVENTS, list(events), EMPTY_ROWS["events"], header_fmt)
    _add_table(wb, sheets["规则"], schema.RULES, presets.rule_rows(), 40, header_fmt)
    tiers = [dict(t, base_pay=t.get("base_pay"), bonus_rate=_pct(t.get("bonus_rate"))) for t in presets.tier_rows()]
    _add_table(wb, sheets["等级"], schema.TIERS, tiers, 10, header_fmt)
    settings = presets.setting_rows(scheme, month)
    _add_table(wb, sheets["参数"], schema.SETTINGS, settings, 10, header_fmt)
    _scheme_dropdown(sheets["参数"], settings)
    _add_table(wb, sheets["指标"], schema.METRICS, list(metrics), 200, header_fmt)
    _add_table(wb, sheets["导入映射"], schema.IMPORT_MAP, presets.import_map_rows(), 20, header_fmt)
    _add_table(wb, sheets["节假日"], schema.HOLIDAYS, [], 30, header_fmt)
    _add_table(wb, sheets["调动"], schema.TRANSFERS, [], 30, header_fmt)
    for spec in (schema.ORDERS, schema.WEEKS, schema.EXAMS):  # optional inputs (D-11/C-5, A1-7, B-7)
        _add_table(wb, sheets[spec.name], spec, [], EMPTY_ROWS[spec.key], header_fmt)

    # owned sheets: headers only, the close writes the rest
    for spec in schema.OWNED_SHEETS:
        _owned(wb, sheets[spec.name], spec, header_fmt)
    for name in ("工资表", "工资条", "工资历史") + reports.REPORT_SHEETS:
        sheets[name].write(0, 0, "（月结后生成）")

    _dashboard(wb, sheets[DASHBOARD], title_fmt, h_fmt)
    _functions(wb, sheets[FUNCTIONS], title_fmt, h_fmt, max(len(staff), 0) + EMPTY_ROWS["staff"])
    _charts(wb, sheets)
    conf = sheets["xlwings.conf"]
    conf.write(0, 0, "UDF Modules")
    conf.write(0, 1, "kefu_xl.udfs")
    sheets[DASHBOARD].activate()
    if vba_project is not None:
        with tempfile.TemporaryDirectory() as d:
            vba = Path(d) / "vbaProject.bin"
            vba.write_bytes(vba_project)
            wb.add_vba_project(str(vba))
            wb.set_vba_name("ThisWorkbook")
            wb.close()
    else:
        wb.close()
    _printable_buttons(path)
    return path


def _printable_buttons(path: Path) -> None:
    """XlsxWriter marks form buttons non-printing; make them print (and show in PDF renders)."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename.endswith(".vml") and b'ObjectType="Button"' in data:
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"<x:PrintObject>True</x:PrintObject>")
            z.writestr(info, data)


def _pct(v):
    if isinstance(v, str) and v.endswith("%"):
        return float(v[:-1]) / 100
    return v


# the input tables KEFU_MONTH reads: every input sheet is an Excel table named by its key, and 历史 (written by
# the close, not a table) through a name that grows with it (INDEX: not volatile)
TABLES = ",".join(f"{spec.key}[#All]" for spec in schema.INPUT_SHEETS)
HISTORY_NAME = "历史表"
HISTORY_RANGE = (f"='{schema.HISTORY.name}'!$A$1:INDEX('{schema.HISTORY.name}'!"
                 f"${schema.col_letter(len(schema.HISTORY.columns))}:${schema.col_letter(len(schema.HISTORY.columns))},"
                 f"MAX(2,COUNTA('{schema.HISTORY.name}'!$A:$A)))")
MONTH_NAME = "本月"
MONTH_CELL = "B2"  # on 函数
MONTH_FORMULA = f"=KEFU_MONTH({TABLES},{HISTORY_NAME})"
HINT = "需要 Windows 版 Excel、Python 和 xlwings 加载项（见「说明」）"

STATUS_CELL = board.STATUS_CELL  # KefuMain writes its message here when KEFU_XL_NO_DIALOG is set
PERSON_CELL = "J3"  # on 函数: the 工号 the person block looks up
PERSON_FUNCTIONS = (("得分", "KEFU_SCORE"), ("评定", "KEFU_GRADE"), ("应发工资", "KEFU_TIER_SALARY"),
                    ("扣减奖金", "KEFU_BONUS_DEDUCTION"))
COPY_DOWN_FIRST = 6  # first row of the copy-down block on 函数 (header on row 5)
BOARD_CELL = "T5"  # where KEFU_BOARD(本月) spills on 函数


def wrapped(formula: str) -> str:
    """A live formula that shows HINT instead of #NAME? / #VALUE! where the add-in is missing."""
    return f'=IFERROR({formula.lstrip("=")},"{HINT}")'


def _dashboard(wb, ws, title_fmt, h_fmt) -> None:
    """看板 before the first close: the same first rows the close writes (write.board), and the buttons.
    The charts (reports.CHARTS) stand right of the board."""
    for j, w in enumerate(board.BOARD_WIDTHS):
        ws.set_column(j, j, w)
    label_fmt = wb.add_format({"bold": True})
    ws.write(0, 0, board.TITLE, title_fmt)
    for i, row in enumerate(board.empty_rows(), start=1):
        for j, v in enumerate(row):
            if v is not None:
                ws.write_string(i, j, v, label_fmt if (i, j) == (3, 0) else None)
    ws.insert_button("H1", {"macro": "KefuMonthClose", "caption": "月结", "width": 96, "height": 36})
    ws.insert_button("J1", {"macro": "KefuCheck", "caption": "检查", "width": 96, "height": 36})
    ws.insert_button("L1", {"macro": "KefuImport", "caption": "导入", "width": 96, "height": 36})


def _functions(wb, ws, title_fmt, h_fmt, people: int) -> None:
    """函数: the 本月 cell (KEFU_MONTH over every input table and 历史), a block HR copies down (工号 from
    员工, then 姓名, 得分, 评定, 应发, 扣减奖金), the person lookup (J3, KEFU_EXPLAIN spilling from I10) and
    the board (KEFU_BOARD spilling from T5).  Every call is wrapped (see `wrapped`).  None of these cells is in
    a table KEFU_MONTH reads, so 本月 never depends on itself."""
    label_fmt = wb.add_format({"bold": True})
    input_fmt = wb.add_format({"bg_color": "#FFF2CC", "border": 1})
    header_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
    ws.set_column(0, 0, 12)
    ws.set_column(1, 6, 12)
    ws.set_column(8, 9, 14)
    ws.write(0, 0, "实时公式：需要 Windows 版 Excel、Python 和 xlwings 加载项；没有时显示安装提示。月结不依赖它们。",
             h_fmt)
    ws.write(1, 0, MONTH_NAME, label_fmt)
    ws.write_formula(MONTH_CELL, wrapped(MONTH_FORMULA), None, "")
    wb.define_name(MONTH_NAME, f"='{FUNCTIONS}'!${MONTH_CELL[0]}${MONTH_CELL[1:]}")
    wb.define_name(HISTORY_NAME, HISTORY_RANGE)
    ws.write(2, 0, "本月 = 上面这个单元格（名称「本月」）：输入表任何一格改变时重新计算一次。显示「#请重算」时按 Ctrl+Alt+F9。")
    heads = ("工号", "姓名") + tuple(label for label, _ in PERSON_FUNCTIONS)
    for j, h in enumerate(heads):
        ws.write(COPY_DOWN_FIRST - 2, j, h, header_fmt)
    for i in range(people):
        r = COPY_DOWN_FIRST + i  # sheet row
        n = f"ROWS($A${COPY_DOWN_FIRST}:$A{r})"
        ws.write_formula(r - 1, 0, f'=IFERROR(INDEX(staff[工号],{n})&"","")', None, "")
        ws.write_formula(r - 1, 1, f'=IF($A{r}="","",IFERROR(INDEX(staff[姓名],{n})&"",""))', None, "")
        for j, (_, fn) in enumerate(PERSON_FUNCTIONS, start=2):
            ws.write_formula(r - 1, j, f'=IF($A{r}="","",{wrapped(f"{fn}($A{r},{MONTH_NAME})").lstrip("=")})',
                             None, "")
    ws.write(0, 8, "个人查询", h_fmt)
    ws.write(2, 8, "工号", label_fmt)
    ws.write(PERSON_CELL, "", input_fmt)
    ws.data_validation(PERSON_CELL, {"validate": "list", "source": LIST_SOURCES[("events", "id")],
                                     "ignore_blank": True, "show_error": False,
                                     "input_title": "工号", "input_message": "选择或输入一个工号"})
    for i, (label, fn) in enumerate(PERSON_FUNCTIONS):
        ws.write(3 + i, 8, label, label_fmt)
        ws.write_formula(3 + i, 9, f'=IF({PERSON_CELL}="","",{wrapped(f"{fn}({PERSON_CELL},{MONTH_NAME})").lstrip("=")})',
                         None, "")
    ws.write(8, 8, "得分与工资明细", label_fmt)
    ws.write_dynamic_array_formula(9, 8, 9, 8, f'=IF({PERSON_CELL}="","",'
                                   f'{wrapped(f"KEFU_EXPLAIN({PERSON_CELL},{MONTH_NAME})").lstrip("=")})', None, "")
    ws.write(3, 19, "本月排行榜（KEFU_BOARD）", label_fmt)
    ws.write_dynamic_array_formula(BOARD_CELL, wrapped(f"KEFU_BOARD({MONTH_NAME})"), None, "")


def _charts(wb, sheets) -> None:
    for spec in reports.CHARTS:
        sheet, cell = spec["insert"]
        sheets[sheet].insert_chart(cell, reports.add_chart(wb, spec))
