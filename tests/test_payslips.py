"""Encrypted per-person payslip files (D-12 薪资保密)."""
import datetime as dt
import io
import zipfile
from decimal import Decimal as D

import msoffcrypto
import msoffcrypto.exceptions
import openpyxl
import pytest

from kefu_xl.core.model import CAT_FINE, CAT_REWARD, Line, Month, PersonResult, Source, Staff, Tier
from kefu_xl.payroll.pay import PayInput, PayPolicy, compute_pay
from kefu_xl.xlsx.payslips import (ID_SCHEME, PASSWORD_HELP, encrypt_xlsx, payslip_password, payslip_passwords, payslip_workbook,
                              write_payslips)

MARCH = Month(2026, 3)


def _result(sid="K007", name="李四", row=3, **extra):
    st = Staff(sid, name, "初级", "售前", dt.date(2025, 1, 1), "一组", "在职", None, extra, Source("员工", row))
    tr = Tier("初级", D("4000"), {"bonus_rate": D("0.15")})
    pr = PersonResult(st, D(28), D(28), 1, "", True, D(0), D(0), False, (), (),
                      (Line(sid, "A2-2", D(3), D(200), CAT_REWARD, dt.date(2026, 3, 31), "月度第一", "A2-2"),
                       Line(sid, "D-10", D(0), D(-30), CAT_FINE, dt.date(2026, 3, 5), "上班看视频", "D-10b")))
    r, probs = compute_pay(PayInput(st, tr, pr, MARCH), PayPolicy(month=MARCH))
    assert not probs
    return r


def _open(path, password):
    with open(path, "rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        office.load_key(password=password)
        buf = io.BytesIO()
        office.decrypt(buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def _net_cell(wb):
    ws = wb["工资条"]
    for row in ws.iter_rows(values_only=True):
        if row and row[0] == "实发合计":
            return D(str(row[1]))
    raise AssertionError("no 实发合计 row")


def test_D12_payslip_opens_with_its_password_and_shows_net_pay(tmp_path):
    r = _result(password="Secret-2026")
    paths = write_payslips([r], MARCH, tmp_path)
    assert len(paths) == 1 and paths[0].name == "工资条_2026-03_K007_李四.xlsx"
    wb = _open(paths[0], "Secret-2026")
    assert _net_cell(wb) == r.net
    text = " ".join(str(v) for row in wb["工资条"].iter_rows(values_only=True) for v in row if v is not None)
    for word in ("基本工资", "绩效奖金", "奖励", "罚款", "养老保险", "个人所得税", "应发合计", "扣款合计", "月度第一"):
        assert word in text


def test_D12_payslip_does_not_open_without_the_password(tmp_path):
    path = write_payslips([_result(password="Secret-2026")], MARCH, tmp_path)[0]
    assert not zipfile.is_zipfile(path)
    with pytest.raises(Exception):
        openpyxl.load_workbook(path)
    with open(path, "rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
            office.load_key(password="wrong-password")
            office.decrypt(io.BytesIO())
    # only the encrypted file is left in the directory (no plain temporary)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_D12_id_based_password_only_as_a_setting_and_with_a_warning(tmp_path):
    r = _result(id_tail="12345x")
    pw, probs = payslip_password(r.staff, MARCH, None, ID_SCHEME)
    assert pw == "K00712345X" and [p.code for p in probs] == ["W_PAYSLIP_ID_PASSWORD"]
    path = write_payslips([r], MARCH, tmp_path, scheme=ID_SCHEME)[0]
    assert _net_cell(_open(path, "K00712345X")) == r.net
    # a number cell that lost its leading zero
    assert payslip_password(_result(id_tail=D(12345)).staff, scheme=ID_SCHEME)[0] == "K007012345"
    # without the setting the ID is never the password
    assert payslip_password(r.staff, MARCH, b"k" * 32)[0] != "K00712345X"


def test_D12_a_person_without_a_password_means_no_file_at_all(tmp_path):
    good, bad = _result(password="abc12345"), _result("K008", "王五", row=4)
    problems = []
    paths = write_payslips([good, bad], MARCH, tmp_path, problems=problems)  # no secret given
    assert paths == []
    assert [(p.code, p.sheet, p.row) for p in problems] == [("E_PAYSLIP_NO_PASSWORD", "员工", 4)]
    assert list(tmp_path.iterdir()) == []
    bad_tail = _result("K009", "赵六", id_tail="12AB")
    assert payslip_password(bad_tail.staff, scheme=ID_SCHEME)[1][0].code == "E_PAYSLIP_ID_TAIL"


def test_D12_explicit_passwords_mapping_and_batch_helper(tmp_path):
    r = _result()
    pw, probs = payslip_passwords([r.staff, _result("K010", "钱七", password="longenough").staff])
    assert pw == {"K010": "longenough"} and [p.code for p in probs] == ["E_PAYSLIP_NO_PASSWORD"]
    path = write_payslips([r], MARCH, tmp_path, passwords={"K007": "given-pw"})[0]
    assert _net_cell(_open(path, "given-pw")) == r.net


def test_D12_encrypt_refuses_empty_password_and_help_text_is_chinese():
    with pytest.raises(ValueError):
        encrypt_xlsx(payslip_workbook(_result(), MARCH), "")
    assert "工号 + 身份证后六位" in PASSWORD_HELP and "工资条密码" in PASSWORD_HELP and "密钥" in PASSWORD_HELP
