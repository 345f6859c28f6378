"""Sample exports of the shop platforms and attendance systems (no real personal data).

Used by the demo (a month whose metrics are imported), the benchmark and the
tests.  Each source's header rows are the ones listed in issue 16; values
are made up, deterministic for a seed.  `write_export` writes .csv (UTF-8
with BOM, UTF-8 or GB18030) or .xlsx (with the merged header cells).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..core.model import Month

HEADERS: Dict[str, List[str]] = {
    "chitu-presale": ["客服", "接待人数", "询单人数", "询单->最终付款人数", "询单->最终付款成功率", "询单->最终下单人数",
                      "下单->最终付款成功率", "客件数", "客单价", "客服回复率", "平均响应时间", "首次响应时间",
                      "平均接待时长", "销售额", "客服答问比", "慢响应人数", "转出人数", "退款率", "静默下单人数",
                      "协助下单人数"],
    "chitu-ontime": ["客服", "旺旺", "上班天数", "平均上线时间", "在线总时长(秒)", "服务总时长(秒)", "挂起总时长(秒)"],
    "qianniu": ["旺旺昵称", "旺旺分组", "询单人数", "下单人数", "销售人数", "净销售额", "询单最终付款转化率",
                "首次响应时长（秒)", "平均响应时长", "人工接待会话量", "3分钟人工响应率", "客户满意率", "满意评价量",
                "旺旺评价量"],
    "jd": ["客服", "售前接待人数", "接待量", "促成下单人数", "促成下单商品金额", "平均响应时长（新）", "30s应答率",
           "客服3分钟人工回复率", "好评量", "差评量", "评价量", "满意率"],
    "pdd": ["客服账号", "询单人数", "最终成团人数", "去退销售额（元）", "平均人工响应时长", "30秒应答率(8-23点)",
            "3分钟人工回复率(8-23点)", "3分钟未回复人数", "询单转化率"],
    "doudian": ["客服账号", "客服昵称", "询单人数", "下单人数", "客服询单支付额", "工作时间平响时长", "接待会话量",
                "工作时间3分钟回复率", "有效好评数", "有效差评数", "有效评价数"],
}
DINGTALK_MONTHLY = ["姓名", "考勤组", "部门", "工号", "UserId", "出勤天数", "休息天数", "工作时长", "迟到次数", "迟到时长",
                    "严重迟到次数", "旷工迟到天数", "早退次数", "上班缺卡次数", "下班缺卡次数", "旷工天数"]
DINGTALK_LEAVE = ["事假", "病假", "调休"]
DINGTALK_DAILY = ["姓名", "考勤组", "部门", "工号", "UserId", "日期", "班次", "上班1打卡时间", "上班1打卡结果",
                  "下班1打卡时间", "下班1打卡结果"]
WECOM_TOP = ["姓名", "账号", "部门", "所属规则", "考勤结果"]
WECOM_COUNTS = ["迟到次数(次)", "迟到时长(分钟)", "早退次数(次)", "旷工次数(次)", "缺卡次数(次)"]
WECOM_LEAVE = ["事假(天)", "病假(天)", "调休假(天)"]
WEEKDAYS = "一二三四五六日"

Agent = Tuple[str, str, str]  # (account, name, staff id)


class Export:
    """Rows of one sheet and its merged cells (r1, c1, r2, c2), 1-based."""

    def __init__(self, rows: List[list], merged: Sequence[Tuple[int, int, int, int]] = (), sheet: str = "Sheet1"):
        self.rows, self.merged, self.sheet = rows, list(merged), sheet


def _period(month: Month) -> str:
    return f"{month.first_day.isoformat()} 至 {month.last_day.isoformat()}"


def shop_export(source: str, agents: Sequence[Agent], month: Month, seed: int = 1, totals: bool = True,
                percent_text: bool = True) -> Export:
    """A shop platform's customer-service report: a period line, the header, a row per agent, a 合计 line."""
    rnd = random.Random(f"{source}-{seed}-{month}")
    head = HEADERS[source]
    rows: List[list] = [[f"统计时间：{_period(month)}"], list(head)]
    total_sales = 0

    def pct(x: float):
        return f"{x * 100:.2f}%" if percent_text else round(x, 4)
    for account, name, _ in agents:
        reception = rnd.randint(300, 900)
        asks = rnd.randint(150, reception)
        paid = rnd.randint(int(asks * 0.2), int(asks * 0.6))
        ordered = min(asks, paid + rnd.randint(0, 20))
        sales = round(paid * rnd.uniform(80, 260), 2)
        total_sales += sales
        sat = rnd.uniform(0.85, 0.995)
        rated = rnd.randint(40, 200)
        good = int(rated * sat)
        resp = rnd.randint(8, 40)
        if source == "chitu-presale":
            rows.append([account, reception, asks, paid, pct(paid / asks), ordered, pct(paid / max(ordered, 1)),
                         round(rnd.uniform(1, 2), 2), round(sales / max(paid, 1), 2), pct(rnd.uniform(0.9, 1)),
                         f"{resp}", f"{resp // 2}", f"{rnd.randint(2, 9)}分{rnd.randint(0, 59)}秒", sales,
                         f"{rnd.uniform(0.8, 1.6):.2f}", rnd.randint(0, 20), rnd.randint(0, 10),
                         pct(rnd.uniform(0.01, 0.12)), rnd.randint(0, 30), rnd.randint(0, 10)])
        elif source == "chitu-ontime":
            rows.append([name, account, rnd.randint(18, 23), f"08:{rnd.randint(30, 59):02d}",
                         rnd.randint(100000, 200000), rnd.randint(80000, 150000), rnd.randint(0, 9000)])
        elif source == "qianniu":
            rows.append([account, "售前组", asks, ordered, paid, sales, pct(paid / asks), resp, resp + 5,
                         reception, pct(rnd.uniform(0.9, 1)), pct(good / rated), good, rated])
        elif source == "jd":
            rows.append([account, asks, reception, ordered, sales, resp, pct(rnd.uniform(0.8, 1)),
                         pct(rnd.uniform(0.9, 1)), good, rated - good, rated, pct(good / rated)])
        elif source == "pdd":
            rows.append([account, asks, paid, sales, resp, pct(rnd.uniform(0.8, 1)), pct(rnd.uniform(0.9, 1)),
                         rnd.randint(0, 5), pct(paid / asks)])
        elif source == "doudian":
            rows.append([account, name, asks, ordered, sales, f"00:00:{resp:02d}", reception,
                         pct(rnd.uniform(0.9, 1)), good, rated - good, rated])
    if totals:
        rows.append(["合计"] + [""] * (len(head) - 1))
    return Export(rows)


def _day_result(rnd: random.Random) -> Tuple[str, str]:
    x = rnd.random()
    if x < 0.04:
        return "迟到", "正常"
    if x < 0.05:
        return "正常", "早退"
    if x < 0.055:
        return "旷工", "旷工"
    return "正常", "正常"


def _workdays(month: Month) -> List[dt.date]:
    d, out = month.first_day, []
    while d <= month.last_day:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _attendance(agents: Sequence[Agent], month: Month, seed: int):
    """Per agent: the day results and leave days, the same for every attendance export of a seed."""
    rnd = random.Random(f"att-{seed}-{month}")
    days = _workdays(month)
    out = []
    for agent in agents:
        res = {d: _day_result(rnd) for d in days}
        leave = [rnd.choice((0, 0, 0, 1)), rnd.choice((0, 0, 0, 0, 1)), rnd.choice((0, 0, 1))]
        out.append((agent, res, leave))
    return days, out


def dingtalk_monthly(agents: Sequence[Agent], month: Month, seed: int = 1) -> Export:
    """钉钉 月度汇总: title and period on rows 1–2, titles on row 3 with a merged 请假 cell whose kinds are on
    row 4, data from row 5, then one result cell per day."""
    days, att = _attendance(agents, month, seed)
    all_days = [month.first_day + dt.timedelta(days=i) for i in range(month.last_day.day)]
    row3 = DINGTALK_MONTHLY + ["请假", None, None] + [str(d.day) for d in all_days]
    row4 = [None] * len(DINGTALK_MONTHLY) + DINGTALK_LEAVE + [WEEKDAYS[d.weekday()] for d in all_days]
    rows: List[list] = [[f"月度汇总 统计日期：{_period(month)}"], ["报表生成时间：" + (month.last_day + dt.timedelta(days=1)).isoformat() + " 09:00"],
                        row3, row4]
    for (account, name, sid), res, leave in att:
        late = sum(1 for a, b in res.values() if a == "迟到")
        early = sum(1 for a, b in res.values() if b == "早退")
        absent = sum(1 for a, b in res.values() if a == "旷工")
        per_day = []
        for d in all_days:
            a, b = res.get(d, ("休息", "休息"))
            per_day.append("正常" if (a, b) == ("正常", "正常") else (a if a != "正常" else b))
        rows.append([name, "客服考勤", "客服部", sid, account, len(days) - absent - sum(leave), 30 - len(days),
                     (len(days) - absent) * 480, late, late * 7, 0, 0, early, 0, 0, absent,
                     f"{leave[0]}天" if leave[0] else "", leave[1] or "", leave[2] or ""] + per_day)
    n = len(DINGTALK_MONTHLY)
    merged = [(3, j, 4, j) for j in range(1, n + 1)] + [(3, n + 1, 3, n + 3)]
    return Export(rows, merged, "月度汇总")


def dingtalk_daily(agents: Sequence[Agent], month: Month, seed: int = 1, spaced: bool = False) -> Export:
    """钉钉 每日统计: a title on row 1, the header on row 2, one row per person and workday."""
    days, att = _attendance(agents, month, seed)
    head = list(DINGTALK_DAILY)
    if spaced:
        head = [h.replace("上班1", "上班 1 ").replace("下班1", "下班 1 ") for h in head]
    rows: List[list] = [[f"每日统计 统计日期：{_period(month)}"], head]
    for (account, name, sid), res, _ in att:
        for d in days:
            a, b = res[d]
            rows.append([name, "客服考勤", "客服部", sid, account, f"{d:%y-%m-%d} 星期{WEEKDAYS[d.weekday()]}",
                         "早班", "" if a == "旷工" else "08:55", a, "" if b == "旷工" else "18:01", b])
    return Export(rows, (), "每日统计")


def wecom_monthly(agents: Sequence[Agent], month: Month, seed: int = 1) -> Export:
    """企业微信 月报: a period line, two header rows (异常统计 and 假勤统计 over their columns), data from row 4."""
    days, att = _attendance(agents, month, seed)
    top = WECOM_TOP + ["异常统计"] + [None] * (len(WECOM_COUNTS) - 1) + ["假勤统计"] + [None] * (len(WECOM_LEAVE) - 1)
    sub = [None] * len(WECOM_TOP) + WECOM_COUNTS + WECOM_LEAVE
    rows: List[list] = [[f"月报 统计时间：{_period(month)}"], top, sub]
    for (account, name, sid), res, leave in att:
        late = sum(1 for a, b in res.values() if a == "迟到")
        early = sum(1 for a, b in res.values() if b == "早退")
        absent = sum(1 for a, b in res.values() if a == "旷工")
        rows.append([name, account, "客服部", "客服考勤", "异常" if late or early or absent else "正常",
                     late, late * 7, early, absent, 0, leave[0], leave[1], leave[2]])
    n = len(WECOM_TOP)
    merged = [(2, j, 3, j) for j in range(1, n + 1)] + [(2, n + 1, 2, n + len(WECOM_COUNTS)),
                                                        (2, n + len(WECOM_COUNTS) + 1,
                                                         2, n + len(WECOM_COUNTS) + len(WECOM_LEAVE))]
    return Export(rows, merged, "月报")


def write_export(path, export: Export, encoding: str = "utf-8-sig") -> Path:
    """The export as .csv (in `encoding`) or .xlsx (merged cells kept)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        for r in export.rows:
            w.writerow(["" if v is None else v for v in r])
        path.write_bytes(buf.getvalue().encode(encoding))
        return path
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet(export.sheet)
    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in export.merged}
    for i, r in enumerate(export.rows):
        for j, v in enumerate(r):
            if (i + 1, j + 1) in merged:
                r2, c2 = merged[(i + 1, j + 1)]
                ws.merge_range(i, j, r2 - 1, c2 - 1, v)
            elif v is not None and v != "":
                ws.write(i, j, v)
    wb.close()
    return path


def demo_exports(folder, staff: Sequence[dict], month: Month) -> List[Path]:
    """The demo month's exports: 赤兔 售前明细 of the Tmall shop (everyone), 京东 咚咚 (the agents with a JD
    account: KF001 works in both shops) as GB18030 CSV, and 钉钉 月度汇总 (.xlsx, merged header)."""
    folder = Path(folder)
    tm = [(a, r["name"], r["id"]) for r in staff for a in r["accounts"].split(",") if a.startswith("旗舰店:")]
    jd = [(a, r["name"], r["id"]) for r in staff for a in r["accounts"].split(",") if a.startswith("jd_")]
    people = [(r["id"], r["name"], r["id"]) for r in staff]
    return [write_export(folder / "赤兔-售前明细-旗舰店.xlsx", shop_export("chitu-presale", tm, month, seed=7)),
            write_export(folder / "京东-咚咚-客服绩效.csv", shop_export("jd", jd, month, seed=8), "gb18030"),
            write_export(folder / "钉钉-月度汇总.xlsx", dingtalk_monthly(people, month, seed=9))]
