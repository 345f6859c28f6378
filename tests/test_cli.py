"""The command line on real workbooks: demo, init, check, close --json, reopen, payslips."""
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kefu_xl.cli import main as cli
from kefu_xl.xlsx import workbook as xlsxio
from kefu_xl.core.model import Month


def run(*args, cwd=None):
    p = subprocess.run([sys.executable, "-m", "kefu_xl", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    code, out, err = run("demo", d)
    assert code == 0, err
    return d, out


def test_demo_prints_a_ranking_and_leaves_a_closed_workbook(demo_dir):
    d, out = demo_dir
    assert "名次" in out and "实发" in out and "2026-11 已月结" in out
    book = d / "客服绩效-演示.xlsm"
    assert str(book.resolve()) in out
    hist = xlsxio.read_grids(book, ["历史"])["历史"].rows
    assert {r[0] for r in hist[1:]} == {"2026-10", "2026-11"}


def test_demo_workbook_opens_in_libreoffice(demo_dir, tmp_path):
    from tests.lo_util import convert
    csv = convert(demo_dir[0] / "客服绩效-演示.xlsm", "csv", tmp_path, sheet="结果")
    text = csv.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("月份,名次,工号") and "2026-11" in text


def test_close_json_on_a_file_matches_the_contract_and_the_dry_run_writes_nothing(tmp_path):
    book = tmp_path / "b.xlsm"
    assert run("init", book, "--demo")[0] == 0
    before = book.read_bytes()
    code, out, err = run("close", book, "--month", "2026-10", "--json", "--dry-run")
    assert code == 0, err
    assert book.read_bytes() == before
    data = json.loads(out)
    assert list(data) == ["month", "scheme", "staff", "problems"] and data["month"] == "2026-10"
    p = data["staff"][0]
    assert {"id", "name", "tier", "score", "grade", "passed", "rank", "bonus_cut", "pay", "flags", "lines"} <= set(p)
    pay = {k: Decimal(v) for k, v in p["pay"].items()}
    assert pay["net"] == pay["gross"] - pay["deductions"] - pay["social_insurance"] - pay["tax"]
    code, out, err = run("close", book, "--month", "2026-10", "--json")
    assert code == 0 and json.loads(out)["staff"] == data["staff"]
    code, out, err = run("close", book, "--month", "2026-10")
    assert code == 2 and "已经月结" in err


def test_check_lists_problems_with_exit_1_and_close_writes_nothing(tmp_path):
    import openpyxl
    book = tmp_path / "b.xlsm"
    run("init", book, "--demo")
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["事件"]
    ws.cell(row=3, column=2).value = "KF999"
    wb.save(book)
    before = book.read_bytes()
    code, out, err = run("check", book, "--month", "2026-10")
    assert code == 1 and "KF999" in out and "事件" in out
    code, out, err = run("close", book, "--month", "2026-10")
    assert code == 1 and book.read_bytes() == before


def test_two_consecutive_closes_on_one_file_fire_a_streak(tmp_path):
    """A1-1 on the tmall-1 scheme: first in 业绩 in October and November."""
    import openpyxl
    import datetime as dt
    book = tmp_path / "s.xlsm"
    assert run("init", book, "--scheme", "tmall-1")[0] == 0
    wb = openpyxl.load_workbook(book, keep_vba=True)
    staff, events = wb["员工"], wb["事件"]
    for i, (sid, name) in enumerate((("K01", "张三"), ("K02", "李四")), start=2):
        staff.cell(row=i, column=1).value = sid
        staff.cell(row=i, column=2).value = name
        staff.cell(row=i, column=3).value = "初级"
    r = 2
    for month in (10, 11):
        for sid, amount in (("K01", 90000), ("K02", 50000)):
            events.cell(row=r, column=1).value = dt.datetime(2026, month, 28)
            events.cell(row=r, column=2).value = sid
            events.cell(row=r, column=4).value = "业绩"
            events.cell(row=r, column=7).value = amount
            r += 1
    wb.save(book)
    assert run("close", book, "--month", "2026-10")[0] == 0
    code, out, err = run("close", book, "--month", "2026-11", "--json")
    assert code == 0, err
    k01 = [p for p in json.loads(out)["staff"] if p["id"] == "K01"][0]
    assert any("带薪休假" in f for f in k01["flags"])


def test_reopen_and_payslips(tmp_path):
    book = tmp_path / "b.xlsm"
    run("init", book, "--demo")
    assert run("close", book, "--month", "2026-10")[0] == 0
    assert run("reopen", book, "--month", "2026-10", "--reason", "")[0] == 2
    code, out, err = run("reopen", book, "--month", "2026-10", "--reason", "补录事件")
    assert code == 0, err
    assert run("close", book, "--month", "2026-10")[0] == 0
    hist = xlsxio.read_grids(book, ["历史"])["历史"].rows
    versions = {(r[11], r[12]) for r in hist[1:] if r[0] == "2026-10"}
    assert versions == {(1, "有效"), (1, "冲销"), (2, "有效")}
    code, out, err = run("payslips", book, "--month", "2026-10", "--out", tmp_path / "slips")
    assert code == 0, err
    assert len(list((tmp_path / "slips").glob("*.xlsx"))) == 20
    log = [r[2] for r in xlsxio.read_grids(book, ["操作记录"])["操作记录"].rows[1:]]
    assert log == ["月结", "重开", "重新月结", "工资条"]


def test_headless_close_keeps_the_vba_project_buttons_and_input_sheets_of_an_xlsm(tmp_path):
    import zipfile
    book = tmp_path / "b.xlsm"
    run("init", book, "--demo")
    with zipfile.ZipFile(book) as z:
        before = {n: z.read(n) for n in z.namelist()}
    assert run("close", book, "--month", "2026-10")[0] == 0
    with zipfile.ZipFile(book) as z:
        after = {n: z.read(n) for n in z.namelist()}
    for name in ("xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml"):
        assert after[name] == before[name], name
    pkg = xlsxio._Package(book)
    for sheet in ("员工", "事件", "规则", "等级", "参数", "函数", "说明"):
        part = pkg.part_of(sheet)
        assert after[part] == before[part], sheet
    assert "application/vnd.ms-excel.sheet.macroEnabled" in after["[Content_Types].xml"].decode()


def test_demo_november_metrics_come_from_imported_sample_exports(demo_dir):
    d, out = demo_dir
    assert "2026-11 已导入 赤兔-售前明细-旗舰店.xlsx（chitu-presale）：20 人" in out
    assert (d / "导出" / "钉钉-月度汇总.xlsx").exists()
    g = xlsxio.read_grids(d / "客服绩效-演示.xlsm", ["指标", "事件", "明细"])
    keys = {r[5].split("|")[0] for r in g["指标"].rows[1:] if r[0] == "2026-11"}
    assert keys == {"chitu-presale", "jd", "dingtalk-monthly"}
    assert not [r for r in g["事件"].rows[1:] if r[3] == "业绩" and r[0].month == 11]  # none typed
    # A2-2: November's ranking on 业绩 read the imported 销售额 (KF001's two shops added)
    assert [r for r in g["明细"].rows[1:] if r[0] == "2026-11" and r[4] == "业绩排名"]
