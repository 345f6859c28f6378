"""Per-person payslip files, password-encrypted (D-12 薪资保密, DOMAIN §9).

One small .xlsx per person with every pay component, the engine's money lines
and the payroll flags, encrypted with msoffcrypto-tool (ECMA-376 agile
encryption, what Excel uses for "Encrypt with Password").  The plain workbook
only ever exists in memory: no unencrypted salary file is written to disk.

How passwords are set (README-ready)
------------------------------------
工资条按人生成，每个文件都用密码加密，打开时 Excel 会要求输入密码。密码规则：
如果「员工」表的「工资条密码」列有值，就用这个密码；否则用「工号 + 身份证后六位」
（例如工号 K007、身份证后六位 12345X，密码为 K00712345X，字母 X 大写）；两者都没有
填写的员工不生成工资条，月结时在「问题」表中列出（E_PAYSLIP_NO_PASSWORD），
补填后重新生成即可。身份证后六位如被 Excel 当成数字吃掉了开头的 0，程序会自动补回
六位。请把密码单独告知本人，不要和工资条文件一起发送。
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

from ..core.model import WARNING, Month, Problem, Source, Staff, fmt_money
from ..payroll.pay import PayResult

PASSWORD_HELP = __doc__.split("How passwords are set (README-ready)\n------------------------------------\n", 1)[1]

_ID_TAIL = re.compile(r"^\d{5}[\dX]$")
_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, Decimal) and v == v.to_integral_value():
        v = int(v)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v)))


def _get(staff: Staff, *keys) -> str:
    for k in keys:
        t = _text(staff.extra.get(k))
        if t:
            return t
    return ""


def _src(staff: Staff, column: str) -> Source:
    src = staff.src if staff.src is not None else Source("员工")
    return Source(src.sheet or "员工", src.row, column)


def payslip_password(staff: Staff) -> Tuple[Optional[str], List[Problem]]:
    """The payslip password of one person: 工资条密码, else 工号 + 身份证后六位.

    Returns (None, [error]) when neither is usable: that person gets no file.
    """
    problems: List[Problem] = []
    pw = _get(staff, "password", "工资条密码")
    if pw:
        if len(pw) < 6:
            problems.append(Problem.at(_src(staff, "工资条密码"), "W_PAYSLIP_WEAK_PASSWORD",
                                       f"员工「{staff.name}」的工资条密码少于 6 位，建议加长", WARNING))
        return pw, problems
    tail = _get(staff, "id_tail", "身份证后六位").upper()
    if tail:
        if tail.isdigit() and len(tail) < 6:
            tail = tail.zfill(6)  # Excel dropped the leading zeros of a number cell
        if _ID_TAIL.match(tail):
            return f"{staff.id}{tail}", problems
        problems.append(Problem.at(_src(staff, "身份证后六位"), "E_PAYSLIP_ID_TAIL",
                                   f"员工「{staff.name}」的身份证后六位「{tail}」应为 6 位数字（最后一位可为 X），"
                                   f"未生成工资条"))
        return None, problems
    problems.append(Problem.at(_src(staff, "工资条密码"), "E_PAYSLIP_NO_PASSWORD",
                               f"员工「{staff.name}」没有工资条密码，也没有身份证后六位，为保密未生成工资条；"
                               f"请填写其中一项"))
    return None, problems


def payslip_passwords(staffs: Sequence[Staff]) -> Tuple[dict, List[Problem]]:
    """工号 -> password for everyone who has one, and the refusals."""
    out, problems = {}, []
    for st in staffs:
        pw, p = payslip_password(st)
        problems.extend(p)
        if pw:
            out[st.id] = pw
    return out, problems


# ---------------------------------------------------------------- the workbook
MONEY_FORMAT = "#,##0.00"


def payslip_workbook(r: PayResult, month: Month) -> bytes:
    """The plain (unencrypted) payslip .xlsx of one person, in memory only."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.page import PageMargins

    wb = Workbook()
    ws = wb.active
    ws.title = "工资条"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    st = r.staff

    ws.append([f"{month.year}年{month.month}月 工资条"])
    ws.merge_cells("A1:C1")
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["工号", st.id, f"姓名：{st.name}"])
    ws.append(["组别", st.group, f"等级：{r.tier}"])
    ws.append([])

    def section(title):
        ws.append([title, "金额（元）", "说明"])
        for c in ws[ws.max_row]:
            c.font = bold
            c.fill = head_fill

    def item(name, value, note="", strong=False):
        ws.append([name, value, note])
        row = ws[ws.max_row]
        row[1].number_format = MONEY_FORMAT
        if strong:
            for c in row:
                c.font = bold

    section("应发项目")
    item("基本工资", r.base_pay)
    item("技能津贴", r.skill_allowance)
    item("工龄工资", r.seniority_pay, f"满 {r.service_years} 年")
    notes = [f"标准 {fmt_money(r.bonus_standard)}"]
    if r.grade_adjust:
        notes.append(f"年度考核调整 {fmt_money(r.grade_adjust)}")
    if r.bonus_cut_amount:
        notes.append(f"得分扣减 −{fmt_money(r.bonus_cut_amount)}")
    if r.bonus_extra:
        notes.append(f"超分奖金 {fmt_money(r.bonus_extra)}")
    if r.bonus_void:
        notes.append(f"考核不合格取消 −{fmt_money(r.bonus_void)}")
    item("绩效奖金", r.performance_bonus, "；".join(notes))
    item("奖励", r.rewards)
    item("提成", r.commission, f"个人 {fmt_money(r.commission_personal)}；公共 {fmt_money(r.commission_public)}")
    g_note = f"月保底 {fmt_money(r.guarantee_due)}；核算工资 {fmt_money(r.guarantee_basis)}"
    if r.guarantee_settle:
        g_note += f"；年度结算 {fmt_money(r.guarantee_settle)}"
    item("保底补差", r.guarantee, g_note)
    item("应发合计", r.gross, "", True)
    ws.append([])

    section("扣款项目")
    f_note = f"应扣 {fmt_money(r.fines_due)}" + (f"；免扣 {fmt_money(r.fines_waived)}" if r.fines_waived else "")
    item("罚款（绩效扣减）", r.fines, f_note)
    l_note = f"应扣 {fmt_money(r.losses_due)}" + (f"；结转下月 {fmt_money(r.loss_carry)}" if r.loss_carry else "")
    item("赔偿", r.losses, l_note)
    base_note = f"社保基数 {fmt_money(r.si_base)}"
    item("养老保险", r.pension, base_note)
    item("医疗保险", r.medical, base_note)
    item("失业保险", r.unemployment, base_note)
    item("住房公积金", r.housing_fund, f"公积金基数 {fmt_money(r.hf_base)}")
    item("个人所得税", r.tax, f"本年第 {r.tax_months} 个月；累计应纳税所得额 {fmt_money(r.tax_base_cum)}；"
                             f"专项附加扣除 {fmt_money(r.special_deduction)}")
    item("扣款合计", r.deductions_total, "", True)
    ws.append([])
    item("实发合计", r.net, "", True)
    ws[ws.max_row][1].font = Font(bold=True, size=13)

    if r.items:
        ws.append([])
        ws.append(["明细", "金额（元）", "说明"])
        for c in ws[ws.max_row]:
            c.font = bold
            c.fill = head_fill
        for it in r.items:
            when = it.date.isoformat() if it.date else ""
            item(f"{it.category}：{it.rule}", it.amount, " ".join(x for x in (when, it.note, it.source) if x))
    if r.flags:
        ws.append([])
        ws.append(["提示"])
        ws[ws.max_row][0].font = bold
        for f in r.flags:
            ws.append([f])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
            ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[ws.max_row].height = 15 * (1 + len(f) // 40)

    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 60
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def encrypt_xlsx(data: bytes, password: str) -> bytes:
    """Password-encrypt an .xlsx held in memory (msoffcrypto-tool, agile)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    if not password:
        raise ValueError("empty payslip password")
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def payslip_filename(r: PayResult, month: Month) -> str:
    name = _BAD_FILE_CHARS.sub("_", f"工资条_{month}_{r.staff.id}_{r.staff.name}").strip("._") or "工资条"
    return name + ".xlsx"


def write_payslips(results: Sequence[PayResult], month: Month, out_dir, passwords: Optional[Mapping[str, str]] = None,
                   problems: Optional[List[Problem]] = None) -> List[Path]:
    """One encrypted payslip per person in out_dir; returns the paths written.

    Password per person: ``passwords[工号]`` when given, else `payslip_password`
    (工资条密码, else 工号 + 身份证后六位).  A person without one gets no file and
    a Problem is appended to ``problems`` (never an unencrypted salary file).
    Files are written via a temporary name and renamed, with mode 0600.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sink: List[Problem] = problems if problems is not None else []
    paths: List[Path] = []
    for r in results:
        pw = _text((passwords or {}).get(r.staff.id))
        if not pw:
            pw, probs = payslip_password(r.staff)
            sink.extend(probs)
            if not pw:
                continue
        data = encrypt_xlsx(payslip_workbook(r, month), pw)
        target = out / payslip_filename(r, month)
        fd, tmp = tempfile.mkstemp(prefix=".payslip-", suffix=".part", dir=out)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        paths.append(target)
    return paths
