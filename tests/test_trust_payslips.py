"""Issue 21 item 5 (D-12): payslips that hold no formula, passwords nothing in the workbook gives away,
no plain pay on disk, names checked first and all or none written; item 6: KF001 and kf001."""
import csv
import dataclasses
import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal as D
from pathlib import Path

import msoffcrypto
import pytest

from kefu_xl.core.grid import Grid
from kefu_xl.core.model import Month, Source, Staff
from kefu_xl.payroll.pay import PayResult
from kefu_xl.xlsx import files, payslips
from kefu_xl.xlsx import workbook as xlsxio
from tests.bad_inputs import base, setv
from kefu_xl.close import plan as closing

MARCH = Month(2026, 3)


def _result(sid="K007", name="李四", group="A组", row=3, **extra):
    staff = Staff(sid, name, "初级", group=group, extra=extra, src=Source("员工", row))
    return PayResult(staff, MARCH, "初级", base_pay=D("4000"), gross=D("4000"), net=D("3800"))


def _plain(path, password) -> bytes:
    office = msoffcrypto.OfficeFile(open(path, "rb"))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _list(out: Path) -> list:
    return list(csv.reader(payslips.password_list_path(out, MARCH).read_text(encoding="utf-8-sig").splitlines()))


def test_D12_text_starting_with_equals_is_text_in_the_payslip(tmp_path):
    r = _result(sid="=1+1", group="=cmd|' /C calc'!A0")
    out = tmp_path / "slips"
    path = payslips.write_payslips([r], MARCH, out, secret=b"s" * 32)[0]
    xml = _sheet_xml(_plain(path, _list(out)[1][3]))
    assert "<f>" not in xml and "cmd|' /C calc'!A0" in xml and "=1+1" in xml


def test_D12_default_passwords_come_from_a_secret_outside_the_workbook_and_stay_the_same(tmp_path):
    key = payslips.payslip_secret()
    path = payslips.secret_dir() / payslips.SECRET_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and payslips.payslip_secret() == key
    a, b = _result(), _result("K008", "王五", row=4)
    out = tmp_path / "slips"
    payslips.write_payslips([a, b], MARCH, out, secret=key)
    first = _list(out)
    payslips.write_payslips([a, b], MARCH, out, secret=key)  # run again: what was sent still opens
    assert _list(out) == first
    header, pa, pb = first
    assert header == ["工号", "姓名", "文件", "密码", "钉钉/企业微信消息"]
    assert pa[3] != pb[3] and len(pa[3]) == payslips.PASSWORD_LENGTH
    assert pa[3] != payslips.derived_password(key, "K007", Month(2026, 4))  # another month, another password
    assert pa[3] not in ("K007", "李四") and "K007" not in pa[3]
    assert pa[3] in pa[4] and pa[2] in pa[4] and "李四" in pa[4]  # the message to send
    # the list is beside the payslips' folder, not in it, and private
    listed = payslips.password_list_path(out, MARCH)
    assert listed.parent == out.parent and stat.S_IMODE(listed.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == sorted([pa[2], pb[2]])
    assert _sheet_xml(_plain(out / pa[2], pa[3]))
    # HR's own 工资条密码 overrides it
    c = _result(password="HR-chose-this")
    payslips.write_payslips([c], MARCH, out, secret=key)
    assert _list(out)[1][3] == "HR-chose-this"


def test_D12_no_plain_payslip_touches_the_system_temp_folder(tmp_path, monkeypatch):
    system = tmp_path / "systemp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    book = tmp_path / "book.xlsm"
    book.write_bytes(b"")
    out = tmp_path / "slips"
    payslips.write_payslips([_result(), _result("K008", "王五", row=4)], MARCH, out, secret=b"s" * 32,
                            workbook=book)
    assert list(system.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["book.xlsm", "slips", "slips-密码-2026-03.csv",
                                                                  "systemp"])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in out.iterdir())


def test_D12_names_cleaned_and_shortened_and_all_or_none_written(tmp_path):
    long = "张" * 85
    people = [_result("K001", long, row=2), _result("K002", "王\u202e五gnp.exe", row=3),
              _result("K003", "赵\u200b六\x07", row=4)]
    out = tmp_path / "slips"
    paths = payslips.write_payslips(people, MARCH, out, secret=b"s" * 32)
    names = [p.name for p in paths]
    assert len(names) == 3 and all(len(n.encode("utf-8")) <= 200 for n in names)
    assert names[1] == "工资条_2026-03_K002_王五gnp.exe.xlsx" and names[2] == "工资条_2026-03_K003_赵六.xlsx"
    assert not any(ch in "".join(names) for ch in "\u202e\u200b\x07")
    # a name that is only invisible characters: an error and nothing at all written
    bad = people + [_result("K004", "\u200b\u202e", row=5)]
    problems = []
    out2 = tmp_path / "slips2"
    assert payslips.write_payslips(bad, MARCH, out2, problems=problems, secret=b"s" * 32) == []
    assert [(p.code, p.row, p.column) for p in problems] == [("E_PAYSLIP_NAME", 5, "姓名")]
    assert not out2.exists() or list(out2.iterdir()) == []


def test_D12_ids_that_differ_only_in_case_collide_and_nothing_is_written(tmp_path):
    problems = []
    out = tmp_path / "slips"
    got = payslips.write_payslips([_result("KF001", "张三"), _result("kf001", "张三", row=4)], MARCH, out,
                                  problems=problems, secret=b"s" * 32)
    assert got == [] and [p.code for p in problems] == ["E_PAYSLIP_NAME"]


def test_KF001_and_kf001_are_one_person_or_an_error_in_the_staff_sheet():
    book = base("tmall-30")
    book["员工"].append(["k01", "张三", "A组", "初级", "在职", None, None, None, None])
    g = {n: Grid.of(n, rows) for n, rows in book.items()}
    _, _, problems = closing.compute(closing.load(g))
    hits = [p for p in problems if p.code == "E_DUPLICATE_STAFF"]
    assert [(p.sheet, p.row, p.column) for p in hits] == [("员工", 5, "工号")] and "大小写" in hits[0].message


def test_D12_payslips_command_cleans_what_a_killed_run_left_and_logs_once(tmp_path):
    book = files.init_workbook(tmp_path / "book.xlsm", demo=True)
    assert files.close_file(book, Month(2026, 10)).exit_code == 0
    left = tmp_path / ".kefu-book.xlsm.abc123.payslips"  # a killed run's private folder
    left.mkdir()
    (left / "openpyxl.xyz").write_text("plain pay")
    (tmp_path / ".kefu-book.xlsm.def456.xlsm").write_bytes(b"plain workbook")
    out = tmp_path / "slips"
    out.mkdir()
    (out / ".payslip-old.part").write_bytes(b"partial")
    p = subprocess.run([sys.executable, "-m", "kefu_xl", "payslips", str(book), "--month", "2026-10", "--out",
                        str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "密码" in p.stdout and "Traceback" not in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["book.xlsm", "book.xlsm.bak", "slips",
                                                          "slips-密码-2026-10.csv"]
    assert len(list(out.glob("*.xlsx"))) == 20 and not list(out.glob(".payslip-*"))
    rows = list(csv.reader((tmp_path / "slips-密码-2026-10.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 21 and all(r[3] and r[3] in r[4] for r in rows[1:])


def _slip_rows(out: Path, month: Month) -> dict:
    """工号 -> the payslip's rows down to 实发合计 (decrypted with the listed password)."""
    from openpyxl import load_workbook
    got = {}
    for row in list(csv.reader(payslips.password_list_path(out, month).read_text(encoding="utf-8-sig")
                               .splitlines()))[1:]:
        ws = load_workbook(io.BytesIO(_plain(out / row[2], row[3]))).active
        rows = []
        for r in ws.iter_rows(values_only=True):
            rows.append(tuple(r))
            if r[0] == "实发合计":
                break
        got[row[0]] = rows
    return got


def test_D12_sealed_month_payslips_on_file_are_the_sealed_figures_after_a_tier_base_is_raised(tmp_path):
    """Issue 21 item 2: raising 初级's 基本工资 (4,000 -> 8,000) after October's close changes no October
    payslip; payslips says it built them from the sealed figures."""
    book = files.init_workbook(tmp_path / "book.xlsm", demo=True)
    assert files.close_file(book, Month(2026, 10)).exit_code == 0
    run = [sys.executable, "-m", "kefu_xl", "payslips", str(book), "--month", "2026-10", "--out"]
    p = subprocess.run(run + [str(tmp_path / "before")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    before = _slip_rows(tmp_path / "before", Month(2026, 10))
    junior = [sid for sid, rows in before.items() if any(r[:2] == ("基本工资", 4000) for r in rows)]
    assert junior
    tiers = None
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and b'<c r="B3" s="8"><v>4000</v></c>' in z.read(name):
                tiers = name
    src = tmp_path / "src.xlsm"
    book.rename(src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == tiers:
                data = data.replace(b'<c r="B3" s="8"><v>4000</v></c>', b'<c r="B3" s="8"><v>8000</v></c>')
            zout.writestr(info, data)
    p = subprocess.run(run + [str(tmp_path / "after")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "2026-10 已月结" in p.stderr and "封存" in p.stderr and "Traceback" not in p.stderr
    after = _slip_rows(tmp_path / "after", Month(2026, 10))
    assert after == before  # every figure of every payslip, to the fen


@pytest.fixture(scope="module")
def closed_demo(tmp_path_factory):
    book = files.init_workbook(tmp_path_factory.mktemp("closed") / "book.xlsm", demo=True)
    assert files.close_file(book, Month(2026, 10)).exit_code == 0
    return book


def _temporaries(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.name.startswith((".kefu-", ".payslip-", ".~kefu")))


@pytest.mark.parametrize("moment", ["payslip-plain", "payslip-before-rename", "payslip-list-written"])
def test_D12_payslips_killed_at_each_moment_leave_no_plain_temporary_after_the_next_run(closed_demo, tmp_path,
                                                                                        moment):
    """Issue 21 item 5: killed while a plain payslip is in its private folder, with an encrypted file not yet
    renamed, or with the password list not yet renamed: the next run removes every temporary."""
    book = Path(shutil.copy(closed_demo, tmp_path / "book.xlsm"))
    out = tmp_path / "slips"
    run = [sys.executable, "-m", "kefu_xl", "payslips", str(book), "--month", "2026-10", "--out", str(out)]
    killed = subprocess.run(run, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, **{xlsxio.FAULT_ENV: moment}))
    assert killed.returncode == 86, killed.stderr
    assert _temporaries(tmp_path)  # the kill left something behind
    p = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert _temporaries(tmp_path) == []
    slips = sorted(out.iterdir())
    assert len(slips) == 20 and all(msoffcrypto.OfficeFile(open(s, "rb")).is_encrypted() for s in slips)
