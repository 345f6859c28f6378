"""kefu-xl import: each export made here with the header rows of issue 16 (no real personal data)."""
import json
import shutil
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest

from kefu_xl.cli import main as cli
from kefu_xl.core.grid import Grid
from kefu_xl.core.model import Month
from kefu_xl.read.exports import layout, sources
from kefu_xl.xlsx import exportfiles, files, samples
from kefu_xl.xlsx import workbook as xlsxio

NOV = Month(2026, 11)
PERIOD = ["统计时间：2026-11-01 至 2026-11-30"]
STAFF = (("K01", "王小", "店A:小王,wang_jd,pdd_wang,dy_wang,U001"), ("K02", "李小", "店A:小李"),
         ("K03", "张三", "店B:小王"))


def workbook(tmp_path, scheme="aftersales-130", staff=STAFF, name="wb.xlsm") -> Path:
    path = tmp_path / name
    files.init_workbook(path, scheme, month="2026-11", force=True)
    rows = tuple((sid, nm, "初级") + (None,) * 3 + ("在职",) + (None,) * 5 + (acc,) for sid, nm, acc in staff)
    tmp = tmp_path / ("_" + name)
    xlsxio.write_sheets(path, tmp, [], edits=[xlsxio.RowEdit("员工", 2, rows)])
    shutil.move(tmp, path)
    return path


def export(tmp_path, name, rows, merged=(), encoding="utf-8-sig", sheet="Sheet1") -> Path:
    return samples.write_export(tmp_path / name, samples.Export([list(r) for r in rows], merged, sheet), encoding)


def run_import(capsys, wb, *args):
    code = cli.main(["import", str(wb), *map(str, args), "--json"])
    out = json.loads(capsys.readouterr().out)
    return code, out


def metrics(wb, key_part=""):
    rows = xlsxio.read_grids(wb, ["指标"])["指标"].rows[1:]
    return {(r[1], r[2]): r[3] for r in rows if key_part in (r[5] or "")}


def events(wb):
    return [r for r in xlsxio.read_grids(wb, ["事件"])["事件"].rows[1:] if any(v is not None for v in r)]


def parse(rows, merged=(), name="x.csv"):
    return sources.parse_grid(Grid.of("Sheet1", rows, merged=merged), name)


def vals(parsed, i=0):
    return {v.name: v.value for v in parsed.rows[i].values}


# ---------------------------------------------------------------- each source, by its header
PRESALE = samples.HEADERS["chitu-presale"]


def test_chitu_presale_detected_with_rates_durations_and_a_totals_line_skipped():
    row = ["店A:小王", 500, 200, 80, "40.00%", 90, "88.89%", 1.2, 150.5, "98.5%", "25", "1分30秒", "00:03:05",
           12040, "1.25", 3, 1, "4.5%", 7, 2]
    p = parse([PERIOD, PRESALE, row, ["合计"] + [""] * 19, ["平均"]])
    assert p.source.name == "chitu-presale" and p.header_row == 2 and str(p.period.month) == "2026-11"
    assert p.read == 1 and not p.problems
    v = vals(p)
    assert v["询单人数"] == 200 and v["付款人数"] == 80 and v["询单转化率"] == D("0.4")
    assert v["首次响应时长(秒)"] == 90 and v["平均接待时长(秒)"] == 185 and v["平均响应时长(秒)"] == 25
    assert v["退款率"] == D("0.045") and v["销售额"] == 12040
    assert v["静默下单人数"] == 7  # an unknown column kept under its own header


def test_chitu_ontime_time_of_day_and_seconds():
    p = parse([samples.HEADERS["chitu-ontime"], ["王小", "店A:小王", 21, "08:45", 150000, 90000, "3600"]])
    assert p.source.name == "chitu-ontime"
    assert p.rows[0].account == "店A:小王" and p.rows[0].name == "王小"
    assert vals(p) == {"上班天数": 21, "平均上线时间(秒)": 8 * 3600 + 45 * 60, "在线时长(秒)": 150000,
                       "服务时长(秒)": 90000, "挂起时长(秒)": 3600}


def test_qianniu_full_width_bracket_header_and_percent_numbers():
    row = ["店A:小王", "售前组", 300, 120, 100, 25000.5, 33.33, 12, 30, 800, 95, 96, 48, 50]
    p = parse([samples.HEADERS["qianniu"], row])
    v = vals(p)
    assert p.source.name == "qianniu"
    # a rate column with values above 1: percent units, decided for the column
    assert v["询单转化率"] == D("0.3333") and v["满意率"] == D("0.96") and v["首次响应时长(秒)"] == 12
    assert v["付款人数"] == 100 and v["销售额"] == D("25000.5")


def test_jd_pdd_doudian_detected_and_mapped():
    jd = parse([samples.HEADERS["jd"], ["wang_jd", 300, 900, 80, 30000, 20, "90%", "99%", 40, 2, 42, "95.2%"]])
    assert jd.source.name == "jd" and vals(jd)["满意率"] == D("0.952") and vals(jd)["会话量"] == 900
    pdd = parse([samples.HEADERS["pdd"], ["pdd_wang", 400, 100, "20,000.00", 18, "85%", "97%", 3, "25%"]])
    assert pdd.source.name == "pdd" and vals(pdd)["销售额"] == 20000 and vals(pdd)["询单转化率"] == D("0.25")
    dy = parse([samples.HEADERS["doudian"], ["dy_wang", "小王", 200, 60, 8000, "00:00:21", 700, "0.98", 50, 1, 51]])
    assert dy.source.name == "doudian" and vals(dy)["平均响应时长(秒)"] == 21 and vals(dy)["3分钟回复率"] == D("0.98")


def test_dingtalk_monthly_four_row_header_with_merged_leave_cell_xlsx(tmp_path):
    e = samples.dingtalk_monthly([("U001", "王小", "K01"), ("U002", "李小", "K02")], NOV)
    path = samples.write_export(tmp_path / "钉钉月度汇总.xlsx", e)
    [g] = exportfiles.open_export(path)
    assert (3, 17, 3, 19) in g.merged  # 请假 over 事假 病假 调休
    p = sources.parse_grid(g, path.name)
    assert p.source.name == "dingtalk-monthly" and p.header_row == 3 and p.rows[0].row == 5
    assert str(p.period.month) == "2026-11"
    # the same file as CSV (no merge information) reads the same
    c = sources.parse_grid(exportfiles.open_export(samples.write_export(tmp_path / "m.csv", e))[0], "m.csv")
    assert [vals(c, i) for i in range(2)] == [vals(p, i) for i in range(2)]
    assert {"病假天数", "调休天数", "迟到次数", "旷工天数"} <= set(vals(p, 0)) | set(vals(p, 1))


def test_dingtalk_monthly_leave_kinds_under_merged_cell_by_hand():
    head3 = samples.DINGTALK_MONTHLY + ["请假", None, None, "1", "2"]
    head4 = [None] * 16 + ["事假", "病假", "调休", "日", "一"]
    row = ["王小", "客服", "客服部", "K01", "U001", 20, 10, 9600, 2, 15, 0, 0, 1, 0, 0, 1, "1天", "4小时", None,
           "休息", "迟到"]
    n = len(samples.DINGTALK_MONTHLY)
    merged = [(3, j, 4, j) for j in range(1, n + 1)] + [(3, n + 1, 3, n + 3)]
    p = parse([["月度汇总 统计日期：2026-11-01 至 2026-11-30"], ["报表生成时间：2026-12-01 09:00"], head3, head4, row],
              merged)
    v = vals(p)
    assert p.source.name == "dingtalk-monthly"
    assert (v["迟到次数"], v["早退次数"], v["旷工天数"], v["事假天数"], v["病假天数"]) == (2, 1, 1, 1, D("0.5"))
    assert "1" not in v and "调休天数" not in v  # per-day cells not read; a blank leave is no row


def test_dingtalk_daily_spaced_punch_headers_count_per_day():
    head = [h.replace("上班1", "上班 1 ") for h in samples.DINGTALK_DAILY]
    rows = [["每日统计 统计日期：2026-11-01 至 2026-11-30"], head,
            ["王小", "客服", "客服部", "K01", "U001", "26-11-03 星期二", "早班", "09:10", "迟到", "18:00", "正常"],
            ["王小", "客服", "客服部", "K01", "U001", "26-11-04 星期三", "早班", "", "旷工", "", "旷工"]]
    p = parse(rows)
    assert p.source.name == "dingtalk-daily" and p.header_row == 2
    assert p.rows[0].day.isoformat() == "2026-11-03"
    assert vals(p, 0) == {"迟到次数": 1} and vals(p, 1) == {"旷工天数": 1}


def test_wecom_monthly_two_level_headers_data_from_row_4(tmp_path):
    e = samples.wecom_monthly([("U001", "王小", "K01")], NOV)
    p = sources.parse_grid(exportfiles.open_export(samples.write_export(tmp_path / "w.xlsx", e))[0], "w.xlsx")
    assert p.source.name == "wecom-monthly" and p.rows[0].row == 4
    assert set(vals(p)) >= {"迟到次数", "迟到时长(分钟)", "早退次数", "旷工次数", "缺卡次数", "事假天数", "病假天数",
                            "调休天数"}


def test_renamed_column_arrow_and_brackets_are_tolerated():
    head = [h.replace("->", "→") for h in PRESALE]
    head[4] = "询单→最终付款成功率（%）"
    head[11] = "首次响应时间（秒）"
    row = ["店A:小王", 500, 200, 80, "40%", 90, "88%", 1.2, 150, "98%", 25, 30, 60, 100, 1, 0, 0, "4%", 0, 0]
    v = vals(parse([head, row]))
    assert v["询单转化率"] == D("0.4") and v["首次响应时长(秒)"] == 30 and v["付款人数"] == 80


def test_unknown_layout_is_an_error_naming_the_file():
    p = parse([["名字", "分数"], ["a", 1]], name="随便.xlsx")
    assert p.source is None and p.problems[0].code == "E_IMPORT_LAYOUT" and "随便.xlsx" in p.problems[0].message


# ---------------------------------------------------------------- rates, durations
def test_rate_scale_decided_per_column_in_each_scale_with_doubts():
    assert layout.rate_scale(["42.5%", "40%"]) == (True, "")
    assert layout.rate_scale([0.425, 0.4]) == (False, "")
    assert layout.rate_scale([42.5, 40]) == (True, "")
    assert layout.rate_scale([42.5, 0.4])[0] is True and "小于 1" in layout.rate_scale([42.5, 0.4])[1]
    assert layout.rate_scale([1, 0, 1])[0] is False and layout.rate_scale([1, 0, 1])[1]
    head = ["客服账号", "询单人数", "最终成团人数", "询单转化率"]
    p = parse([head, ["a", 10, 5, 50], ["b", 10, 1, 0.5]])
    assert [vals(p, i)["询单转化率"] for i in range(2)] == [D("0.5"), D("0.005")]
    assert [x.code for x in p.problems] == ["W_IMPORT_RATE_SCALE"]


def test_durations_in_every_form():
    assert [layout.seconds(x) for x in ("1分30秒", "00:01:30", "90", 90, "1:30", "2分", "45秒")] == \
        [90, 90, 90, 90, 90, 120, 45]
    assert layout.seconds("2", unit="分钟") == 120 and layout.seconds("08:30", clock=True) == 30600


# ---------------------------------------------------------------- the command on a workbook
def presale(tmp_path, name="售前.csv", rows=None, encoding="utf-8-sig", period=PERIOD):
    rows = rows or [["店A:小王", 500, 200, 80, "40%", 90, "88%", 1.2, 150, "98%", 25, 30, 60, 12000, 1, 0, 0, "6.5%",
                     0, 0],
                    ["店A:小李", 300, 100, 20, "20%", 30, "66%", 1.0, 120, "97%", 30, 40, 70, 2400, 1, 0, 0, "12%",
                     0, 0]]
    return export(tmp_path, name, ([period] if period else []) + [PRESALE] + rows + [["合计"]], encoding=encoding)


def test_K_3_import_gb18030_csv_then_close_reads_the_refund_rate(tmp_path, capsys):
    wb = workbook(tmp_path)
    f = presale(tmp_path, encoding="gb18030")
    code, out = run_import(capsys, wb, f)
    assert code == 0 and not [p for p in out["problems"] if p["severity"] == "error"]
    assert out["files"] == [{"file": "售前.csv", "source": "chitu-presale", "month": "2026-11", "rows": 2, "people": 2,
                             "metrics": 38, "events": 0, "replaced": 0}]
    m = metrics(wb)
    assert (m[("K01", "退款率")], m[("K02", "退款率")]) == (0.065, 0.12)
    plan = files.close_file(wb, NOV, dry_run=True)
    lines = {p.staff.id: [ln for ln in p.lines if ln.rule == "退款率"] for p in plan.result.people}
    assert (lines["K01"][0].points, lines["K02"][0].points) == (20, 0)  # 5–8% → 20; above 11% → 0


def test_same_file_twice_changes_nothing(tmp_path, capsys):
    wb = workbook(tmp_path)
    f = presale(tmp_path)
    assert run_import(capsys, wb, f)[0] == 0
    before = wb.read_bytes()
    code, out = run_import(capsys, wb, f)
    assert code == 0 and out["files"][0]["metrics"] == 0 and out["files"][0]["replaced"] == 0
    assert wb.read_bytes() == before


def test_newer_export_replaces_its_rows_and_says_so_in_the_log(tmp_path, capsys):
    wb = workbook(tmp_path)
    run_import(capsys, wb, presale(tmp_path))
    rows = [["店A:小王", 500, 200, 90, "45%", 90, "88%", 1.2, 150, "98%", 25, 30, 60, 13000, 1, 0, 0, "4%", 0, 0]]
    code, out = run_import(capsys, wb, presale(tmp_path, "售前-更新.csv", rows))
    assert code == 0 and out["files"][0]["replaced"] == 19 and out["files"][0]["metrics"] == 19
    m = metrics(wb)
    assert m[("K01", "退款率")] == 0.04 and m[("K01", "销售额")] == 13000 and m[("K02", "销售额")] == 2400
    assert len([k for k in metrics(wb, "店A:小王") if k[0] == "K01"]) == 19  # replaced, not doubled
    log = xlsxio.read_grids(wb, ["操作记录"])["操作记录"].rows
    assert "替换旧导入 19 行指标" in log[-1][4] and "售前-更新.csv" in log[-1][4]


def test_two_shops_in_one_month_add_and_rates_are_recomputed(tmp_path, capsys):
    wb = workbook(tmp_path, "classic-100", staff=(("K01", "王小", "店A:小王,店B:小王"), ("K02", "李小", "店A:小李")))
    a = [["店A:小王", 200, 100, 40, "40%", 50, "80%", 1, 100, "99%", 20, 10, 60, 4000, 1, 0, 0, "5%", 0, 0]]
    b = [["店B:小王", 600, 300, 60, "20%", 70, "85%", 1, 100, "99%", 30, 10, 60, 6000, 1, 0, 0, "1%", 0, 0]]
    assert run_import(capsys, wb, presale(tmp_path, "店A.csv", a))[0] == 0
    code, out = run_import(capsys, wb, presale(tmp_path, "店B.csv", b))
    assert code == 0 and out["files"][0]["replaced"] == 0
    assert len(metrics(wb, "店A:小王")) == 19 and len(metrics(wb, "店B:小王")) == 19
    from kefu_xl.engine import metrics as mx
    book = files.load_file(wb).book
    t = mx.month_table(book, NOV)
    assert t.explain("K01", "询单转化率") == (D("0.25"), "付款人数/询单人数")  # (40+60)/(100+300)
    assert t.value("K01", "销售额") == 10000
    assert t.value("K01", "退款率") == D("0.02")  # weighted by 接待人数: (0.05*200 + 0.01*600)/800
    plan = files.close_file(wb, NOV, dry_run=True)
    assert [ln.amount for ln in plan.result.person("K01").lines if ln.rule == "销售第一"] == [300]  # B-3


def test_unknown_account_is_an_error_naming_file_sheet_row_column_and_nothing_is_written(tmp_path, capsys):
    wb = workbook(tmp_path)
    rows = [["店A:小王", 500, 200, 80, "40%", 90, "88%", 1.2, 150, "98%", 25, 30, 60, 12000, 1, 0, 0, "6.5%", 0, 0],
            ["店C:陌生", 300, 100, 20, "20%", 30, "66%", 1.0, 120, "97%", 30, 40, 70, 2400, 1, 0, 0, "12%", 0, 0]]
    f = presale(tmp_path, rows=rows)
    before = wb.read_bytes()
    code, out = run_import(capsys, wb, f)
    assert code == 1 and wb.read_bytes() == before
    [p] = [p for p in out["problems"] if p["severity"] == "error"]
    assert (p["file"], p["sheet"], p["row"], p["column"], p["code"]) == ("售前.csv", "售前", 4, "客服",
                                                                          "E_IMPORT_UNKNOWN_ACCOUNT")
    assert "店C:陌生" in p["message"] and "平台账号" in p["message"]
    code = cli.main(["import", str(wb), str(f), "--json", "--skip-unknown"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["files"][0]["people"] == 1 and out["files"][0]["metrics"] == 19
    assert [p["severity"] for p in out["problems"] if p["code"] == "E_IMPORT_UNKNOWN_ACCOUNT"] == ["warning"]


def test_unreadable_value_and_person_twice_are_errors(tmp_path, capsys):
    wb = workbook(tmp_path)
    bad = [["店A:小王", 500, "很多", 80, "40%", 90, "88%", 1.2, 150, "98%", 25, 30, 60, 12000, 1, 0, 0, "6.5%", 0, 0]]
    code, out = run_import(capsys, wb, presale(tmp_path, rows=bad))
    [p] = out["problems"]
    assert code == 1 and (p["row"], p["column"], p["code"]) == (3, "询单人数", "E_IMPORT_VALUE") and "很多" in p["message"]
    twice = [["店A:小王", 1, 1, 1, "1%", 1, "1%", 1, 1, "1%", 1, 1, 1, 1, 1, 0, 0, "1%", 0, 0]] * 2
    code, out = run_import(capsys, wb, presale(tmp_path, "b.csv", twice))
    assert code == 1 and [p["code"] for p in out["problems"]] == ["E_IMPORT_PERSON_TWICE"]
    assert out["problems"][0]["row"] == 4


def test_month_from_option_else_period_line_else_error_and_cycles_need_the_month(tmp_path, capsys):
    wb = workbook(tmp_path)
    code, out = run_import(capsys, wb, presale(tmp_path, "无期间.csv", period=None))
    assert code == 1 and out["problems"][0]["code"] == "E_IMPORT_NO_MONTH"
    cyc = ["统计日期：2026-10-26 至 2026-11-25"]
    code, out = run_import(capsys, wb, presale(tmp_path, "周期.csv", period=cyc))
    assert code == 1 and out["problems"][0]["code"] == "E_IMPORT_CYCLE" and "--month" in out["problems"][0]["message"]
    code, out = run_import(capsys, wb, presale(tmp_path, "周期.csv", period=cyc), "--month", "2026-11")
    assert code == 0 and out["files"][0]["cycle"] == "2026-10-26~2026-11-25"
    assert [p["code"] for p in out["problems"]] == ["W_IMPORT_CYCLE"]


def test_K_4_attendance_generates_events_dated_on_the_last_day_and_closes(tmp_path, capsys):
    wb = workbook(tmp_path)
    head3 = samples.DINGTALK_MONTHLY + ["请假", None, None]
    head4 = [None] * 16 + ["事假", "病假", "调休"]
    rows = [["月度汇总 统计日期：2026-11-01 至 2026-11-30"], ["报表生成时间：2026-12-01 09:00"], head3, head4,
            ["王小", "客服", "客服部", "K01", "U001", 20, 10, 9600, 2, 15, 0, 0, 0, 0, 0, 0, "1天", None, None],
            ["李小", "客服", "客服部", "K02", "U002", 21, 9, 9600, 0, 0, 0, 0, 0, 0, 0, 1, None, None, None]]
    n = len(samples.DINGTALK_MONTHLY)
    f = export(tmp_path, "考勤.xlsx", rows, [(3, j, 4, j) for j in range(1, n + 1)] + [(3, n + 1, 3, n + 3)])
    code, out = run_import(capsys, wb, f)
    assert code == 0 and out["files"][0]["events"] == 3
    ev = events(wb)
    assert [(r[0].isoformat(), r[1], r[3], r[4]) for r in ev] == [("2026-11-30", "K01", "迟到", 2),
                                                                   ("2026-11-30", "K01", "请假", 1),
                                                                   ("2026-11-30", "K02", "旷工", 1)]
    assert "考勤.xlsx 第5行" in ev[0][9]
    plan = files.close_file(wb, NOV, dry_run=True)
    att = {p.staff.id: sum(ln.points for ln in p.lines if ln.rule in ("出勤", "迟到", "请假", "旷工"))
           for p in plan.result.people}
    assert att == {"K01": 20 - 5 * 2 - 5, "K02": 20 - 10, "K03": 20}  # K-4
    # the same attendance file again: no second set of events
    assert run_import(capsys, wb, f)[1]["files"][0]["events"] == 0 and len(events(wb)) == 3


def test_dingtalk_daily_rows_give_events_on_their_day_and_monthly_plus_daily_is_an_error(tmp_path, capsys):
    wb = workbook(tmp_path)
    rows = [["每日统计 统计日期：2026-11-01 至 2026-11-30"], samples.DINGTALK_DAILY,
            ["王小", "客服", "客服部", "K01", "U001", "26-11-03 星期二", "早班", "09:10", "迟到", "18:00", "正常"],
            ["王小", "客服", "客服部", "K01", "U001", "26-11-04 星期三", "早班", "09:00", "正常", "18:00", "正常"]]
    code, out = run_import(capsys, wb, export(tmp_path, "每日.csv", rows))
    assert code == 0 and [(r[0].isoformat(), r[3]) for r in events(wb)] == [("2026-11-03", "迟到")]
    assert metrics(wb)[("K01", "迟到次数")] == 1
    monthly = samples.dingtalk_monthly([("U001", "王小", "K01")], NOV)
    code, out = run_import(capsys, wb, samples.write_export(tmp_path / "月度.xlsx", monthly))
    assert code == 1 and "E_IMPORT_DINGTALK_BOTH" in [p["code"] for p in out["problems"]]


def test_xls_file_is_read(tmp_path, capsys):
    import xlwt
    wbk = xlwt.Workbook(encoding="utf-8")
    ws = wbk.add_sheet("客服绩效")
    rows = [["统计日期：2026-11-01~2026-11-30"], samples.HEADERS["qianniu"],
            ["店A:小王", "售前组", 300, 120, 100, 25000.5, "33.33%", 12, 30, 800, "95%", "96%", 48, 50]]
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    path = tmp_path / "千牛.xls"
    wbk.save(str(path))
    wb = workbook(tmp_path, "classic-100")
    code, out = run_import(capsys, wb, path)
    assert code == 0 and out["files"][0]["source"] == "qianniu"
    assert metrics(wb)[("K01", "满意率")] == 0.96
    plan = files.close_file(wb, NOV, dry_run=True)
    assert [ln.points for ln in plan.result.person("K01").lines if ln.rule == "满意度奖"] == [5]  # B-4f


def test_sealed_month_is_refused_with_exit_2(tmp_path, capsys):
    wb = workbook(tmp_path, "classic-100")
    assert files.close_file(wb, NOV).exit_code == 0
    before = wb.read_bytes()
    code, out = run_import(capsys, wb, presale(tmp_path))
    assert code == 2 and wb.read_bytes() == before
    assert "重开" in out["problems"][0]["message"]


def test_metric_typed_in_events_and_imported_is_an_error(tmp_path, capsys):
    wb = workbook(tmp_path)
    tmp = tmp_path / "t.xlsm"
    xlsxio.write_sheets(wb, tmp, [], edits=[xlsxio.RowEdit("事件", 2, ((NOV.last_day, "K01", None, "退款率", None,
                                                                       None, 0.03),))])
    shutil.move(tmp, wb)
    code, out = run_import(capsys, wb, presale(tmp_path))
    assert code == 1 and [p["code"] for p in out["problems"]] == ["E_METRIC_TWICE"]
    assert "第 2 行" in out["problems"][0]["message"]


def test_events_table_and_validations_grow_past_the_template_rows(tmp_path):
    wb = workbook(tmp_path)
    rows = tuple((NOV.last_day, "K01", None, "迟到", 1) for _ in range(700))
    tmp = tmp_path / "t.xlsm"
    xlsxio.write_sheets(wb, tmp, [], edits=[xlsxio.RowEdit("事件", 2, rows)])
    from kefu_xl.core import schema
    keys = [c.key for c in schema.EVENTS.columns]
    last = schema.col_letter(len(keys))
    rule, status = (schema.col_letter(keys.index(k) + 1) for k in ("rule", "status"))
    import openpyxl
    ws = openpyxl.load_workbook(tmp)["事件"]
    assert ws.max_row == 701 and ws.tables["events"].ref == f"A1:{last}701"
    validated = {str(r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert {f"{rule}2:{rule}701", f"{status}2:{status}701"} <= validated
    assert len(events(tmp)) == 700


def test_import_button_writes_the_same_rows_into_the_open_book(tmp_path, capsys):
    from kefu_xl.excel import importing as button
    from kefu_xl.excel import macros
    from tests.fake_xlwings import FakeBook
    wb = workbook(tmp_path)
    grids = xlsxio.read_grids(wb, ["员工", "事件", "规则", "等级", "参数", "指标", "导入映射", "操作记录"])
    book = FakeBook.from_grids(grids)
    head3 = samples.DINGTALK_MONTHLY + ["请假", None, None]
    head4 = [None] * 16 + ["事假", "病假", "调休"]
    f = export(tmp_path, "考勤.csv", [["月度汇总 统计日期：2026-11-01 至 2026-11-30"], head3, head4,
                                      ["王小", "客服", "客服部", "K01", "U001", 20, 10, 9600, 2, 15, 0, 0, 0, 0, 0, 0,
                                       "1天", None, None]])
    plan = button.run_import(macros.XlwingsBook(book), [str(f), str(presale(tmp_path))])
    assert plan.exit_code == 0 and book.app.alerts[-1][0] == "导入完成"
    ev = [r for r in book.values("事件")[1:] if any(v is not None for v in r)]
    assert [(r[1], r[3], r[4]) for r in ev] == [("K01", "迟到", 2), ("K01", "请假", 1)]
    m = {(r[1], r[2]): r[3] for r in book.values("指标")[1:] if r[0]}
    assert m[("K01", "退款率")] == 0.065 and m[("K01", "迟到次数")] == 2 and m[("K01", "询单人数")] == 200
    assert book.values("指标")[1][0] == "2026-11"  # text Excel would have made a date stays text
    # headless on the file gives the same 指标 rows
    code, out = run_import(capsys, wb, f, presale(tmp_path))
    assert code == 0 and {(r[1], r[2]): r[3] for r in xlsxio.read_grids(wb, ["指标"])["指标"].rows[1:]} == m
    # an error: the message box says so and nothing is written
    book2 = FakeBook.from_grids(grids)
    plan = button.run_import(macros.XlwingsBook(book2), [str(tmp_path / "没有这个文件.csv")])
    assert plan.exit_code == 1 and book2.app.alerts[-1][0] == "导入未完成"
    assert not [r for r in book2.values("指标")[1:] if any(v is not None for v in r)]


def test_B_4i_full_attendance_from_an_imported_wecom_report(tmp_path, capsys):
    # classic-100: 全勤 +5 needs no 迟到早退, 请假 or 旷工 in the month (and the whole month employed)
    wb = workbook(tmp_path, "classic-100")
    top = samples.WECOM_TOP + ["异常统计"] + [None] * 4 + ["假勤统计", None, None]
    sub = [None] * 5 + samples.WECOM_COUNTS + samples.WECOM_LEAVE
    rows = [["月报 统计时间：2026-11-01 至 2026-11-30"], top, sub,
            ["王小", "U001", "客服部", "客服考勤", "正常", 0, 0, 0, 0, 0, 0, 0, 0],
            ["李小", "wx_li", "客服部", "客服考勤", "异常", 1, 5, 0, 0, 0, 0, 0, 0],
            ["张三", "wx_zhang", "客服部", "客服考勤", "异常", 0, 0, 0, 0, 0, 0.5, 0, 0]]
    n = len(samples.WECOM_TOP)
    merged = [(2, j, 3, j) for j in range(1, n + 1)] + [(2, n + 1, 2, n + 5), (2, n + 6, 2, n + 8)]
    code, out = run_import(capsys, wb, export(tmp_path, "企业微信月报.xlsx", rows, merged))
    assert code == 0 and out["files"][0]["source"] == "wecom-monthly" and out["files"][0]["people"] == 3
    assert [(r[1], r[3], r[4]) for r in events(wb)] == [("K02", "迟到早退", 1), ("K03", "请假", 0.5)]
    plan = files.close_file(wb, NOV, dry_run=True)
    full = {p.staff.id: sum(ln.points for ln in p.lines if ln.rule == "全勤") for p in plan.result.people}
    assert full == {"K01": 5, "K02": 0, "K03": 0}


def test_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path, capsys):
    wb = workbook(tmp_path)
    before = wb.read_bytes()
    code, out = run_import(capsys, wb, presale(tmp_path), "--dry-run")
    assert code == 0 and out["files"][0]["metrics"] == 38 and out["files"][0]["people"] == 2
    assert wb.read_bytes() == before
    # an unknown layout with --skip-unknown: a warning, the other file imported
    other = export(tmp_path, "说明.csv", [["名字", "分数"], ["a", 1]])
    code = cli.main(["import", str(wb), str(other), str(presale(tmp_path)), "--json", "--skip-unknown"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [p["severity"] for p in out["problems"]] == ["warning"]
    assert out["files"][1]["metrics"] == 38
