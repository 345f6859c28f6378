"""Per-person payslip files, password-encrypted (D-12 薪资保密, DOMAIN §9).

One small .xlsx per person with every pay component, the engine's money lines
and the payroll flags, encrypted with msoffcrypto-tool (ECMA-376 agile
encryption, what Excel uses for "Encrypt with Password").  The plain workbook
exists only in memory and in a private folder beside the workbook that is
removed at once (openpyxl renders sheets through temporary files); a killed
run's leftovers are removed when the next run takes the workbook lock.

How passwords are set (README-ready)
------------------------------------
工资条按人生成，每个文件都用密码加密，打开时 Excel 会要求输入密码。默认的密码由一把只保存在
本机用户目录里的密钥（第一次生成工资条时自动创建，例如 Windows 的 %APPDATA%\\kefu-xl\\payslip-secret）
按「工号 + 月份」算出：同一个人同一个月份重新生成，密码不变；工作簿里没有任何信息能推出它。
密码和每人一段可直接发送的钉钉/企业微信消息写在单独的密码清单文件里（与工资条文件夹同级，
例如「工资条-密码-2026-11.csv」）：请把工资条文件和密码分开发送，发完后删除密码清单。
请备份这把密钥：换电脑或删除后，以前发出的密码就无法再算出（可以重新生成并重新发送）。
如果「员工」表的「工资条密码」列有值，就用这个密码（HR 自己指定）。
旧的「工号 + 身份证后六位」方式只能在「参数」中设置「工资条密码方式 = 工号+身份证后六位」才会使用，
而且每次都会提示：知道出生日期的人只要试几千次就能猜出这种密码。
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import secrets
import shutil
import sys
import tempfile
import unicodedata
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..core.model import ERROR, WARNING, Month, Problem, Source, Staff, fmt_money
from ..payroll.pay import PayResult
from .workbook import FAULT_ENV, fault_point

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


# ---------------------------------------------------------------- the secret and derived passwords
SECRET_ENV = "KEFU_XL_SECRET_DIR"  # the folder of the payslip secret (default: the user's profile)
SECRET_NAME = "payslip-secret"
ID_SCHEME = "工号+身份证后六位"
SCHEME_SETTING = "工资条密码方式"
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
PASSWORD_LENGTH = 10  # about 50 bits


def secret_dir() -> Path:
    if os.environ.get(SECRET_ENV):
        return Path(os.environ[SECRET_ENV])
    if sys.platform == "win32":  # pragma: no cover - Windows
        return Path(os.environ.get("APPDATA") or Path.home()) / "kefu-xl"
    if sys.platform == "darwin":  # pragma: no cover - macOS
        return Path.home() / "Library" / "Application Support" / "kefu-xl"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "kefu-xl"


def payslip_secret(create: bool = True) -> bytes:
    """The secret payslip passwords derive from, kept in the user's profile (created on first use, 0600)."""
    folder = secret_dir()
    path = folder / SECRET_NAME
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            raise
    except ValueError:
        raise ValueError(f"工资条密钥文件 {path} 已损坏；请从备份恢复（删除后重新生成，以前发出的密码将失效）") from None
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(str(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another run created it meanwhile
        return payslip_secret(create=False)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex())
    return key


def derived_password(secret: bytes, staff_id: str, month: Month) -> str:
    """Stable for one person and month, not derivable from anything in the workbook."""
    mac = hmac.new(secret, f"kefu-xl payslip|{staff_id}|{month}".encode("utf-8"), hashlib.sha256).digest()
    n = int.from_bytes(mac, "big")
    out = []
    for _ in range(PASSWORD_LENGTH):
        n, d = divmod(n, len(_ALPHABET))
        out.append(_ALPHABET[d])
    return "".join(out)


def payslip_password(staff: Staff, month: Optional[Month] = None, secret: Optional[bytes] = None,
                     scheme: str = "") -> Tuple[Optional[str], List[Problem]]:
    """The payslip password of one person: 工资条密码 (HR's override); else, with scheme
    工号+身份证后六位 (a setting, warned about), 工号 + 身份证后六位; else derived from the secret.

    Returns (None, [error]) when none is usable: that person gets no file.
    """
    problems: List[Problem] = []
    pw = _get(staff, "password", "工资条密码")
    if pw:
        if len(pw) < 6:
            problems.append(Problem.at(_src(staff, "工资条密码"), "W_PAYSLIP_WEAK_PASSWORD",
                                       f"员工「{staff.name}」的工资条密码少于 6 位，建议加长", WARNING))
        return pw, problems
    if scheme != ID_SCHEME:
        if secret is not None and month is not None:
            return derived_password(secret, staff.id, month), problems
        problems.append(Problem.at(_src(staff, "工资条密码"), "E_PAYSLIP_NO_PASSWORD",
                                   f"员工「{staff.name}」没有工资条密码，为保密未生成工资条"))
        return None, problems
    tail = _get(staff, "id_tail", "身份证后六位").upper()
    if tail:
        if tail.isdigit() and len(tail) < 6:
            tail = tail.zfill(6)  # Excel dropped the leading zeros of a number cell
        if _ID_TAIL.match(tail):
            problems.append(Problem.at(_src(staff, "身份证后六位"), "W_PAYSLIP_ID_PASSWORD",
                                       f"员工「{staff.name}」的工资条密码按「工号 + 身份证后六位」生成：知道其出生日期的人"
                                       f"试几千次即可猜中；建议删除参数「{SCHEME_SETTING}」，改用默认的密钥密码", WARNING))
            return f"{staff.id}{tail}", problems
        problems.append(Problem.at(_src(staff, "身份证后六位"), "E_PAYSLIP_ID_TAIL",
                                   f"员工「{staff.name}」的身份证后六位「{tail}」应为 6 位数字（最后一位可为 X），"
                                   f"未生成工资条"))
        return None, problems
    problems.append(Problem.at(_src(staff, "工资条密码"), "E_PAYSLIP_NO_PASSWORD",
                               f"员工「{staff.name}」没有工资条密码，也没有身份证后六位，为保密未生成工资条；"
                               f"请填写其中一项"))
    return None, problems


def payslip_passwords(staffs: Sequence[Staff], month: Optional[Month] = None, secret: Optional[bytes] = None,
                      scheme: str = "") -> Tuple[dict, List[Problem]]:
    """工号 -> password for everyone who has one, and the refusals."""
    out, problems = {}, []
    for st in staffs:
        pw, p = payslip_password(st, month, secret, scheme)
        problems.extend(p)
        if pw:
            out[st.id] = pw
    return out, problems


# ---------------------------------------------------------------- the workbook
MONEY_FORMAT = "#,##0.00"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _append(ws, values) -> None:
    """A row of the payslip, control characters a worksheet cannot hold dropped from its texts."""
    ws.append([_XML_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in values])


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

    _append(ws, [f"{month.year}年{month.month}月 工资条"])
    ws.merge_cells("A1:C1")
    ws["A1"].font = Font(bold=True, size=14)
    _append(ws, ["工号", st.id, f"姓名：{st.name}"])
    _append(ws, ["组别", st.group, f"等级：{r.tier}"])
    _append(ws, [])

    def section(title):
        _append(ws, [title, "金额（元）", "说明"])
        for c in ws[ws.max_row]:
            c.font = bold
            c.fill = head_fill

    def item(name, value, note="", strong=False):
        _append(ws, [name, value, note])
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
    _append(ws, [])

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
    _append(ws, [])
    item("实发合计", r.net, "", True)
    ws[ws.max_row][1].font = Font(bold=True, size=13)

    if r.items:
        _append(ws, [])
        _append(ws, ["明细", "金额（元）", "说明"])
        for c in ws[ws.max_row]:
            c.font = bold
            c.fill = head_fill
        for it in r.items:
            when = it.date.isoformat() if it.date else ""
            item(f"{it.category}：{it.rule}", it.amount, " ".join(x for x in (when, it.note, it.source) if x))
    if r.flags:
        _append(ws, [])
        _append(ws, ["提示"])
        ws[ws.max_row][0].font = bold
        for f in r.flags:
            _append(ws, [f])
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
    for row in ws.iter_rows():  # every user text is text: "=…" from a 组别 or 工号 is never a formula
        for c in row:
            if c.data_type == "f":
                c.data_type = "s"
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


# ---------------------------------------------------------------- file names
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")  # zero-width, bidi (RLO …)
NAME_CHARS = 20  # characters of 姓名 kept in a file name
FILE_BYTES = 180  # a file name's UTF-8 bytes at most (file systems allow 255)


def _clean_name(text: str) -> str:
    """Text for a file name: NFC, no invisible or bidi characters, no control characters."""
    t = unicodedata.normalize("NFC", str(text or ""))
    t = _INVISIBLE.sub("", t)
    return "".join(ch for ch in t if unicodedata.category(ch)[0] != "C")


def payslip_filename(r: PayResult, month: Month) -> str:
    name = _clean_name(r.staff.name)[:NAME_CHARS]
    sid = _clean_name(r.staff.id)
    base = _BAD_FILE_CHARS.sub("_", f"工资条_{month}_{sid}_{name}").strip("._ ") or "工资条"
    while len(base.encode("utf-8")) > FILE_BYTES:
        base = base[:-1]
    return base + ".xlsx"


def check_names(results: Sequence[PayResult], month: Month) -> List[Problem]:
    """Every file name first: a name that cleans to nothing, and two people whose files would be one
    on Windows or macOS (KF001 and kf001), are errors; then no file is written."""
    problems: List[Problem] = []
    seen: Dict[str, PayResult] = {}
    for r in results:
        if not _clean_name(r.staff.name).strip():
            problems.append(Problem.at(_src(r.staff, "姓名"), "E_PAYSLIP_NAME",
                                       f"工号「{r.staff.id}」的姓名只有不可见或控制字符，无法作为工资条文件名"))
            continue
        key = unicodedata.normalize("NFKC", payslip_filename(r, month)).casefold()
        other = seen.get(key)
        if other is not None:
            problems.append(Problem.at(_src(r.staff, "工号"), "E_PAYSLIP_NAME",
                                       f"员工「{r.staff.name}」（{r.staff.id}）与「{other.staff.name}」（{other.staff.id}）"
                                       f"的工资条文件名只差大小写或全半角，在 Windows/macOS 上是同一个文件"))
        seen[key] = r
    return problems


def message_text(r: PayResult, month: Month, filename: str, password: str) -> str:
    """The text of a DingTalk / WeCom message to one person (the password, sent apart from the file)."""
    return (f"{r.staff.name}您好：您 {month.year}年{month.month}月 的工资条是加密文件「{filename}」，"
            f"打开密码：{password}（区分大小写）。请勿转发；如有疑问请联系人事。")


def password_list_path(out_dir, month: Month) -> Path:
    """Beside the payslips' folder, not in it: the folder can be sent on without the passwords."""
    out = Path(out_dir).resolve()
    return out.parent / f"{out.name}-密码-{month}.csv"


@contextmanager
def _private_temp(beside: Path) -> Iterator[Path]:
    """A private (0700) folder beside the workbook for openpyxl's temporary sheet files, removed after."""
    folder = Path(tempfile.mkdtemp(prefix=f".kefu-{beside.name}.", suffix=".payslips", dir=str(beside.parent)))
    old = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = old
        shutil.rmtree(folder, ignore_errors=True)


STALE_PART = ".payslip-"
LIST_PART = ".kefu-list-"


def write_payslips(results: Sequence[PayResult], month: Month, out_dir, passwords: Optional[Mapping[str, str]] = None,
                   problems: Optional[List[Problem]] = None, secret: Optional[bytes] = None, scheme: str = "",
                   workbook=None, list_path=None) -> List[Path]:
    """One encrypted payslip per person in out_dir, all or none; returns the paths written.

    Password per person: ``passwords[工号]`` when given, else `payslip_password`
    (工资条密码, else derived from `secret`, or with `scheme` 工号+身份证后六位 the
    old way).  Names are checked first (check_names); any error: nothing is
    written and the problems say why.  Every file is encrypted in memory,
    written to a private temporary name (0600) and renamed; the password list
    (password_list_path, or `list_path`) holds each password and a message to
    send.  `workbook`: openpyxl's temporary files go to a private folder beside it.
    """
    out = Path(out_dir)
    sink: List[Problem] = problems if problems is not None else []
    errors = check_names(results, month)
    pws: Dict[str, str] = {}
    for r in results:
        pw = _text((passwords or {}).get(r.staff.id))
        if not pw:
            pw, probs = payslip_password(r.staff, month, secret, scheme)
            errors += [p for p in probs if p.is_error]
            sink.extend(p for p in probs if not p.is_error)
        if pw:
            pws[r.staff.id] = pw
    if errors:
        sink.extend(errors)
        return []
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(STALE_PART + "*"):  # a killed run's temporary files
        try:
            stale.unlink()
        except OSError:
            pass
    beside = Path(workbook) if workbook is not None else out / "工资条"
    with _private_temp(beside) as private:
        encrypted = [(r, encrypt_xlsx(payslip_workbook(r, month), pws[r.staff.id])) for r in results]
        if os.environ.get(FAULT_ENV) == "payslip-plain":  # test hook: die with a plain payslip on disk
            (private / "plain.xlsx").write_bytes(payslip_workbook(results[0], month))
            fault_point("payslip-plain")
    paths: List[Path] = []
    try:
        for r, data in encrypted:
            target = out / payslip_filename(r, month)
            fd, tmp = tempfile.mkstemp(prefix=STALE_PART, suffix=".part", dir=out)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, 0o600)
                fault_point("payslip-before-rename")
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            paths.append(target)
        _write_list(Path(list_path) if list_path else password_list_path(out, month),
                    [(r, payslip_filename(r, month), pws[r.staff.id]) for r, _ in encrypted], month)
    except BaseException:
        for p in paths:  # all or none
            try:
                p.unlink()
            except OSError:
                pass
        raise
    return paths


def _write_list(path: Path, people, month: Month) -> None:
    """The password list: 工号, 姓名, 文件, 密码, and the message to send (UTF-8 with BOM for Excel; 0600)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["工号", "姓名", "文件", "密码", "钉钉/企业微信消息"])
    for r, filename, pw in people:
        w.writerow([_csv_text(r.staff.id), _csv_text(r.staff.name), filename, pw,
                    _csv_text(message_text(r, month, filename, pw))])
    for stale in path.parent.glob(LIST_PART + "*.part"):  # a killed run's list (it holds passwords)
        try:
            stale.unlink()
        except OSError:
            pass
    fd, tmp = tempfile.mkstemp(prefix=LIST_PART, suffix=".part", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
            f.write(buf.getvalue())
        os.chmod(tmp, 0o600)
        fault_point("payslip-list-written")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _csv_text(t: str) -> str:
    """A CSV cell Excel will not run as a formula."""
    t = str(t)
    return "'" + t if t[:1] in ("=", "+", "-", "@", "\t", "\r") else t
