"""Report sheets after a close: honour roll, trend, groups, distribution, charts."""
import zipfile
from decimal import Decimal as D

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.engine import month as engine
from kefu_xl.read import readers
from kefu_xl.write import reports
from kefu_xl.core import schema
from kefu_xl.core.model import HistoryRow, Month
from tests.util import STAFF, grids, staff_n

HEAD = "日期 工号 规则 分值 金额 状态"


def book_of(scheme, events, staff=STAFF, month="2026-11", history=(), settings=()):
    b, problems = readers.read_book(grids(scheme, events, staff, month, settings=settings))
    assert not [p for p in problems if p.is_error], problems
    return readers.Book(b.staff, b.events, b.rules, b.tiers, b.settings, tuple(history))


def run(scheme, months, staff=STAFF, history=()):
    """Close the months in order; the reports of the last one: ({name: SheetOut}, problems, result)."""
    hist = list(history)
    for m, ev in months.items():
        b = book_of(scheme, ev, staff, m, hist)
        res = engine.compute_month(b)
        assert not res.errors, res.errors
        hist += engine.history_from_result(res)
    sheets, problems = reports.build(res, b, hist)
    return {s.name: s for s in sheets}, problems, res


def sections(sheet):
    """The honour roll as {section label: rows}."""
    out, cur = {}, None
    for r in sheet.rows:
        if isinstance(r[0], str) and r[0].startswith("【"):
            cur = r[0]
            out[cur] = []
        else:
            out[cur].append(r)
    return out


def awards(rows):
    return [(r[1], r[2]) for r in rows]


def every(template, months):
    return {m: template.format(m=m) for m in months}


# ---------------------------------------------------------------- month
def test_A2_2_gold_medal_on_honour_roll():
    ev = HEAD + "\n2026-11-30 K01 业绩 - 900 -\n2026-11-30 K02 业绩 - 500 -\n2026-11-30 K03 业绩 - 700 -"
    sheets, problems, _ = run("tmall-30", {"2026-11": ev})
    month = sections(sheets["荣誉榜"])["【本月】"]
    ranking = [r for r in month if r[6] == "A2-2"]
    assert awards(ranking) == [("金牌客服", "K01"), ("业绩排名第2名", "K03"), ("业绩排名第3名", "K02")]
    gold = ranking[0]
    assert gold[0] == "2026-11" and gold[3:5] == ("张三", "A组")
    assert "第1名（900）" in gold[5] and "+5分" in gold[5]
    assert problems == []


def test_E_2_service_star_listed_with_reason():
    ev = HEAD + "\n2026-11-30 K01 满意度 - 99% -\n2026-11-30 K01 及时率 - 100% -\n2026-11-30 K02 满意度 - 97% -" \
                "\n2026-11-30 K02 及时率 - 100% -"
    sheets, _, _ = run("incentive", {"2026-11": ev})
    month = sections(sheets["荣誉榜"])["【本月】"]
    stars = [r for r in month if r[1] == "服务之星"]
    assert [r[2] for r in stars] == ["K01"]  # K02's 97% is below 98%
    assert "满意度>=98%" in stars[0][5] and "服务投诉=0" in stars[0][5] and "+5分" in stars[0][5]
    assert stars[0][6] == "E-2"


def test_A1_1_paid_day_off_streak_on_honour_roll():
    sheets, _, _ = run("tmall-1", {"2026-10": HEAD + "\n2026-10-30 K02 业绩 - 500 -\n2026-10-30 K01 业绩 - 100 -",
                                   "2026-11": HEAD + "\n2026-11-30 K02 业绩 - 400 -\n2026-11-30 K01 业绩 - 300 -"})
    month = sections(sheets["荣誉榜"])["【本月】"]
    assert awards(month) == [("业绩连续两个月第一", "K02")]
    assert "带薪休假" in month[0][5] and month[0][6] == "A1-1"


def test_D_7_three_months_first_one_off_200_on_honour_roll():
    ev = HEAD + "\n{m}-05 K02 考核扣分 2 - -\n{m}-05 K03 考核扣分 2 - -"  # K01 first every month
    sheets, _, _ = run("incentive", every(ev, ("2026-09", "2026-10", "2026-11")))
    month = sections(sheets["荣誉榜"])["【本月】"]
    assert awards(month) == [("连续3个月考核排名第一", "K01")]
    assert "200.00元" in month[0][5] and month[0][6] == "D-7"


def test_clean_month_still_shows_its_section_headers():
    sheets, _, _ = run("classic-100", {"2026-11": HEAD})
    roll = sheets["荣誉榜"]
    assert [r[:2] for r in roll.rows] == [("【本月】", "2026年11月"), ("【本季度】", "2026年第4季度"),
                                          ("【本年度】", "2026年"), ("【需要 HR 处理】", "2026年11月")]
    assert roll.header == ("期间", "奖项", "工号", "姓名", "组别", "说明", "来源")
    # published 3 working days, objections within 1 day (B-5, E-6)
    assert "公示 3 个工作日" in roll.title and "1 天内可提出异议" in roll.title
    assert roll.extra["section_rows"] == (3, 4, 5, 6)


# ---------------------------------------------------------------- quarter and year
def _c4_month(m):
    rows = [HEAD]
    for i in range(2, 11):  # S01 first, S10 last; S(i) has i-1 accidents
        rows += [f"{m}-05 S{i:02d} 考核扣分 2 - -"] * (i - 1)
    return "\n".join(rows)


def test_C_4_quarter_top3_and_4_to_8_on_quarter_roll():
    staff = staff_n(10)
    sheets, _, _ = run("incentive", {m: _c4_month(m) for m in ("2026-10", "2026-11", "2026-12")}, staff)
    roll = sections(sheets["荣誉榜"])
    quarter = [r for r in roll["【本季度】"] if r[6] == "C-4"]
    assert awards(quarter) == [("季度排名前3名", f"S{i:02d}") for i in (1, 2, 3)] + \
        [("季度排名第4–8名", f"S{i:02d}") for i in range(4, 9)]
    assert all(r[0] == "2026年第4季度" for r in quarter)
    # S01: 80 × 3 = 240 over the quarter; S04: (80 - 6) × 3 = 222
    assert "第1名（240）" in quarter[0][5] and "1500.00元" in quarter[0][5]
    assert "第4名（222）" in quarter[3][5] and "1000.00元" in quarter[3][5]
    assert not [r for r in roll["【本月】"] if r[6] == "C-4"]
    # the year section counts the quarter's award, from the history
    year = [r for r in roll["【本年度】"] if r[6] == "C-4"]
    assert ("季度排名前3名", "S01") in awards(year) and year[0][5] == "1次：第4季度"


def test_C_4_nothing_before_the_quarter_end():
    sheets, _, _ = run("incentive", {m: _c4_month(m) for m in ("2026-10", "2026-11")}, staff_n(10))
    roll = sections(sheets["荣誉榜"])
    assert not [r for rows in roll.values() for r in rows if r[6] == "C-4"]


STAR = HEAD + "\n{m}-28 K01 满意度 - 99% -\n{m}-28 K01 及时率 - 100% -"


def test_E_3_quarterly_model_and_E_4_yearly_model():
    months = every(STAR, ("2026-10", "2026-11", "2026-12"))
    months["2026-10"] += "\n2026-10-08 K01 客户致谢 - - -"
    months["2026-11"] += "\n2026-11-08 K01 创新案例 - - -"
    months["2026-12"] += "\n2026-12-08 K01 客户致谢 - - -"
    sheets, _, _ = run("incentive", months)
    roll = sections(sheets["荣誉榜"])
    model = [r for r in roll["【本季度】"] if r[1] == "服务标兵"]
    assert [(r[0], r[2], r[6]) for r in model] == [("2026年第4季度", "K01", "E-3")]
    assert "+10分" in model[0][5] and "800.00元" in model[0][5]
    exemplar = [r for r in roll["【本年度】"] if r[1] == "服务楷模"]
    assert [(r[0], r[2], r[6]) for r in exemplar] == [("2026年", "K01", "E-4")]
    assert "晋升优先" in exemplar[0][5]
    stars = [r for r in roll["【本季度】"] if r[1] == "服务之星"]
    assert stars == [("2026年第4季度", "服务之星", "K01", "张三", "A组", "3次：2026-10、2026-11、2026-12", "E-2")]


def test_quarter_and_year_sections_read_the_history_counters():
    # a hand-made history: K02 was 服务之星 in August and in October; October was then reopened (冲销)
    # and closed again as version 2 without the star
    def h(m, sid, counters, version=1, state="有效"):
        return HistoryRow(Month(2026, m), sid, {"K01": "张三", "K02": "李四"}[sid], "A组", D(80), 1, 3,
                          counters=counters, version=version, state=state)
    star = {"服务之星": (D(1), D(5))}
    history = [h(8, "K02", star), h(10, "K02", star), h(10, "K02", star, 1, "冲销"), h(10, "K02", {}, 2),
               h(10, "K01", star, 2)]
    sheets, _, _ = run("incentive", {"2026-11": STAR.format(m="2026-11")}, history=history)
    roll = sections(sheets["荣誉榜"])
    assert [(r[1], r[2], r[5]) for r in roll["【本季度】"]] == [("服务之星", "K01", "2次：2026-10、2026-11")]
    assert [(r[1], r[2], r[5]) for r in roll["【本年度】"]] == [("服务之星", "K01", "2次：2026-10、2026-11"),
                                                               ("服务之星", "K02", "1次：2026-08")]


# ---------------------------------------------------------------- HR
def hr(sheets):
    return sections(sheets["荣誉榜"])["【需要 HR 处理】"]


def test_D_7_two_failing_months_in_hr_section():
    bad = HEAD + "\n" + "\n".join("{m}-%02d K01 考核扣分 2 - -" % d for d in range(1, 12))  # 80 - 22 = 58
    sheets, _, _ = run("incentive", every(bad, ("2026-10", "2026-11")))
    rows = hr(sheets)
    assert awards(rows) == [("连续2个月考核不及格", "K01"), ("考核不合格", "K01")]
    assert "自动请辞" in rows[0][5] and rows[0][6] == "D-7"
    assert "58分" in rows[1][5] and "合格线60分" in rows[1][5]


def test_A1_15_dismissal_advice_in_hr_section():
    ev = HEAD + "\n2026-11-05 K01 售后放任 - - -\n2026-11-06 K01 售后放任 - - -\n2026-11-07 K01 售后放任 - - -"
    sheets, _, _ = run("tmall-1", {"2026-11": ev})
    assert [(r[1], r[2], r[5], r[6]) for r in hr(sheets)] == [
        ("劝退", "K01", "售后问题放任不管导致无法解决第3次：劝退（A1-15）", "A1-15")]


def test_D_10_dismissal_in_hr_section():
    ev = HEAD + "\n2026-11-03 K02 无关事务 - - -\n2026-11-10 K02 无关事务 - - -\n2026-11-17 K02 无关事务 - - -"
    sheets, _, _ = run("incentive", {"2026-11": ev})
    assert [(r[1], r[2], r[6]) for r in hr(sheets)] == [("开除", "K02", "D-10")]


def test_A2_13_probation_in_hr_section():
    sheets, _, _ = run("tmall-30", {"2026-11": HEAD + "\n2026-11-03 K02 重大失误 - - -"})
    rows = hr(sheets)
    assert [(r[1], r[2], r[6]) for r in rows] == [("留司查看", "K02", "A2-13")]
    assert "重大错误" in rows[0][5]


def test_K_1_failing_appraisal_in_hr_section():
    ratings = "\n".join(f"2026-11-30 K01 {d} 优" for d in ("客服素质", "投诉处理", "配合度", "执行力"))
    ev = "日期 工号 规则 评价 金额\n" + ratings + "\n2026-11-30 K01 退款率 - 3%"
    sheets, _, _ = run("aftersales-130", {"2026-11": ev})
    # K01: 4 × 20 + 30 + 20 = 130; K02 and K03 have no ratings: 20 (attendance) < 91
    rows = hr(sheets)
    assert awards(rows) == [("考核不合格", "K02"), ("考核不合格", "K03")]
    assert rows[0][6] == "K-1" and "低于合格线91分" in rows[0][5]


def test_B_2_last_place_twice_below_60_in_hr_section():
    low = HEAD + "\n{m}-03 K03 主管扣分 20 - -\n{m}-04 K03 主管扣分 10 - -"  # 80 - 30 + 5 (全勤) = 55, last
    sheets, _, _ = run("classic-100", every(low, ("2026-10", "2026-11")))
    rows = hr(sheets)
    assert [(r[1], r[2], r[6]) for r in rows] == [("连续两个月最后一名且低于60分", "K03", "B-2")]
    assert "解雇、调岗或降薪" in rows[0][5]


def test_E_6_B_5_events_waiting_are_listed_for_hr():
    ev = HEAD + "\n2026-11-03 K01 好评表扬 - - 待审\n2026-11-04 K02 好评表扬 - - 异议中"
    sheets, _, _ = run("tmall-30", {"2026-11": ev})
    rows = hr(sheets)
    assert [(r[1], r[2], r[6]) for r in rows] == [("待审核事件", "K01", "E-6"), ("异议处理中", "K02", "B-5")]
    assert "第2行" in rows[0][5] and "好评表扬" in rows[0][5]


def test_honours_are_not_hr_items():
    sheets, _, _ = run("incentive", {"2026-11": STAR.format(m="2026-11")})
    assert hr(sheets) == []


# ---------------------------------------------------------------- trend, groups, distribution
def test_trend_sheet_has_every_closed_month():
    ev = HEAD + "\n{m}-05 K02 考核扣分 2 - -"
    months = ("2026-09", "2026-10", "2026-11")
    # someone who left after August appears only in that month
    old = [HistoryRow(Month(2026, 8), "K09", "老员工", "B组", D(70), 3, 3)]
    sheets, _, _ = run("incentive", every(ev, months), history=old)
    trend = sheets["趋势"]
    assert trend.header == ("月份", "团队平均", "最高", "最低", "张三", "李四", "王五", "老员工")
    assert [r[0] for r in trend.rows] == ["2026-08"] + list(months)
    assert trend.rows[0] == ("2026-08", 70, 70, 70, None, None, None, 70)
    # by hand: 80, 78 and 80 -> average 238 / 3 = 79.33 (at the hundredth), best 80, worst 78
    assert trend.rows[-1] == ("2026-11", 79.33, 80, 78, 80, 78, 80, None)
    assert trend.title is None  # chart data: header on row 1, months from row 2


def test_trend_keeps_the_last_36_months():
    hist = [HistoryRow(Month(2023, 1).shift(i), "K01", "张三", "A组", D(i), 1, 1) for i in range(46)]  # to 2026-10
    sheets, _, _ = run("classic-100", {"2026-11": HEAD}, history=hist)
    months = [r[0] for r in sheets["趋势"].rows]
    assert len(months) == 36 and months[-1] == "2026-11" and months[0] == "2023-12"


def test_trend_names_shared_by_two_people_carry_the_id():
    staff = STAFF + "K04 张三 B组 初级 在职"
    sheets, _, _ = run("classic-100", {"2026-11": HEAD}, staff)
    assert sheets["趋势"].header == ("月份",) + reports.TREND_SUMMARY + ("张三（K01）", "李四", "王五", "张三（K04）")


# classic-100: base 80, +5 全勤 for everyone; K01 -20 -10, K03 +3
SPREAD = HEAD + "\n2026-11-03 K01 主管扣分 20 - -\n2026-11-04 K01 主管扣分 10 - -\n2026-11-05 K03 额外工作 3 - -"


def test_group_sheet():
    # incentive: base 80, pass line 60; K01 11 accidents -> 58 (fails), K02 80, K03 服务之星 +5 -> 85
    ev = HEAD + "\n" + "\n".join("2026-11-%02d K01 考核扣分 2 - -" % d for d in range(1, 12)) + \
        "\n2026-11-28 K03 满意度 - 99% -\n2026-11-28 K03 及时率 - 100% -"
    sheets, _, _ = run("incentive", {"2026-11": ev})
    g = sheets["组别"]
    assert g.header == ("月份", "组别", "人数", "参评人数", "平均分", "最高", "最低", "合格人数", "合格率")
    assert g.rows == (("2026-11", "A组", 2, 2, 69, 80, 58, 1, D("0.5")),
                      ("2026-11", "B组", 1, 1, 85, 85, 85, 1, D(1)),
                      ("2026-11", "全体", 3, 3, 74.33, 85, 58, 2, D("0.6667")))


def test_distribution_sheet_bins():
    sheets, _, _ = run("classic-100", {"2026-11": SPREAD})
    d = sheets["分布"]
    assert d.header == ("区间", "下限", "上限", "人数", "月份")
    # scores 55, 85, 88: widths 1 and 2 cannot cover 55..88 in 10 bins, 5 can (55..105)
    assert len(d.rows) == reports.DIST_BINS
    assert d.rows[0] == ("55–60", 55, 60, 1, "2026-11")
    assert [r[3] for r in d.rows] == [1, 0, 0, 0, 0, 0, 2, 0, 0, 0]


def test_score_bins_pick_a_round_width():
    assert reports.score_bins([D(0), D(130)])[:2] == [(0, 20), (20, 40)]
    assert reports.score_bins([D(-3), D(31)])[0] == (-5, 0)
    assert reports.score_bins([D(80)]) == [(80 + i, 81 + i) for i in range(10)]


# ---------------------------------------------------------------- the close
def test_report_sheets_are_owned_and_written_by_the_close():
    g = grids("incentive", HEAD + "\n2026-11-28 K01 满意度 - 99% -\n2026-11-28 K01 及时率 - 100% -")
    plan = closing.plan_close(closing.load(g))
    assert plan.exit_code == closing.EXIT_OK
    names = [s.name for s in plan.sheets]
    assert set(reports.REPORT_SHEETS) <= set(names)
    assert set(reports.REPORT_SHEETS) <= set(closing.OWNED_NAMES)
    roll = next(s for s in plan.sheets if s.name == "荣誉榜")
    assert ("服务之星", "K01") in awards(sections(roll)["【本月】"])


def test_no_flower_sheet_without_a_flower_rule():
    sheets, _, _ = run("tmall-30", {"2026-11": HEAD})
    assert set(sheets) == {"荣誉榜", "趋势", "组别", "分布"}


# ---------------------------------------------------------------- charts
def test_charts_point_at_the_right_columns():
    by = {c["key"]: c for c in reports.CHARTS}
    assert set(by) == {"distribution", "ranking", "trend", "groups"}
    res = schema.RESULTS.headers
    rk = by["ranking"]
    assert rk["sheet"] == "结果" and rk["categories"] == f"{reports.col_letter(res.index('姓名') + 1)}2:D201"
    assert rk["series"][0]["values"] == "G2:G201" and res[6] == "得分"
    assert len(by["trend"]["series"]) == 3 and by["trend"]["categories"] == "A2:A37"  # average, best, worst
    assert {k: v for k, v in by["trend"]["series"][-1].items() if k != "marker"} == {"name": "D1", "values": "D2:D37"}
    assert [s["name"] for s in by["groups"]["series"]] == ["E1", "F1", "G1"]
    assert reports.GROUP_HEADER[4:7] == ("平均分", "最高", "最低")
    assert by["distribution"]["categories"] == "A2:A11" and reports.DIST_HEADER[3] == "人数"
    assert all(c["title"] and c["insert"][0] == reports.CHART_SHEET for c in reports.CHARTS)
    assert reports.CHART_SHEET not in reports.REPORT_SHEETS
    assert reports.chart_series(by["distribution"])[0] == {
        "name": "='分布'!$D$1", "categories": "='分布'!$A$2:$A$11", "values": "='分布'!$D$2:$D$11", "gap": 10}


def test_charts_build_with_xlsxwriter(tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "charts.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for name in ("结果", "趋势", "组别", "分布"):
        wb.add_worksheet(name)
    board = wb.add_worksheet(reports.CHART_SHEET)
    for spec in reports.CHARTS:
        board.insert_chart(spec["insert"][1], reports.add_chart(wb, spec))
    wb.close()
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart"))
    for formula in ("'结果'!$D$2:$D$201", "'趋势'!$D$2:$D$37", "'组别'!$E$2:$E$21", "'分布'!$D$2:$D$11",
                    "本月得分分布", "团队得分趋势"):
        assert formula in xml
