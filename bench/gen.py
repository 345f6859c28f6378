"""Synthetic workbooks for the benchmarks: a tmall-30 team of any size.

``generate(path, staff, events)`` writes a workbook as a team would have it
just before closing November 2026:

* 员工: ``staff`` people in groups of about 12 (售前 and 售后 groups, every
  tier of the presets), 1% of them left during the past year;
* 事件: ``events`` rows of the month being closed, dated through the month:
  one 业绩 row per person, the rest a mix of the tmall-30 codes (warning
  ladders 态度投诉/备注不清/推卸责任/私自降价, rewards 好评表扬/汇报问题/好建议,
  rare 重大失误), a few with 数量 2 or 3, order numbers in 备注, and some
  pending (待审/异议中), rejected (驳回) or published (公示中) rows;
* 规则/等级/参数: the shipped presets, scheme tmall-30;
* 12 closed months before it, in the formats the close writes them: 历史
  (writers.history_sheet), 工资历史 (payroll.pay_history_sheet), 封存
  (seal.seal_rows, digests of the real staff/rule/tier/setting rows and
  of each past month's events, and of what each close wrote), 封存链 (the chain,
  its head in the custom document properties) and 操作记录.  Past months' events are not in
  事件: a closed month cleared from 事件 counts as archived.

How it is written: a copy of workbook_template.xlsm (VBA project, buttons,
charts, tables) filled with kefu_xl.xlsx.workbook.write_sheets, the same zip surgery
the close uses -- string formatting, no object model, so 7 million cells take
seconds -- in two passes: the input sheets first, then, from the staff, rule,
tier and setting rows read back from that file, the seals and the history.
The Excel tables 员工 and 事件 are stretched to cover the data.

Everything is deterministic: a seed picks every value.

``formula_workbook(path, staff, events)`` writes what a team would build
instead of kefu-xl: the same events and, per person, COUNTIFS/SUMIFS formulas
for the tmall-30 scheme (see its docstring), with XlsxWriter in
constant_memory mode.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kefu_xl.rules import presets
from kefu_xl.core import schema
from kefu_xl.close import seal
from kefu_xl.write import results as writers
from kefu_xl.xlsx import workbook as xlsxio  # noqa: E402
from kefu_xl.xlsx.files import template_path  # noqa: E402
from kefu_xl.core.grid import SheetOut  # noqa: E402
from kefu_xl.core.model import HistoryRow, Month  # noqa: E402
from kefu_xl.payroll.pay import PayHistory, pay_history_sheet  # noqa: E402

VERSION = 5  # bump when the generated content changes (cached files are named with it)
SIZES = {"S": (200, 20_000), "M": (2_000, 200_000), "L": (5_000, 500_000)}
MONTH = Month(2026, 11)
HISTORY_MONTHS = 12
SCHEME = "tmall-30"
GROUP_SIZE = 12

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程苏魏吕丁任沈姚卢"
GIVEN = ("晓燕", "婷", "佳怡", "思雨", "静", "帆", "敏", "蕾", "琪", "倩", "楠", "悦", "欣", "丽", "洁", "璐", "雪", "佩",
         "骏", "晨", "子涵", "雨萱", "浩然", "梓轩", "欣怡", "一诺", "宇航", "诗涵", "俊杰", "可馨")
PRESALE_TIERS = ("实习", "初级", "中级", "高级", "资深")
AFTERSALE_TIERS = ("普通售后", "高级售后", "售后组长")

# tmall-30 codes of the month's events (besides one 业绩 row per person): (code, share, points per occurrence)
LADDERS = (("态度投诉", 0.14, -1), ("备注不清", 0.12, -1), ("推卸责任", 0.08, -1), ("私自降价", 0.05, -2))
REWARDS = (("好评表扬", 0.30, 3), ("汇报问题", 0.12, 5), ("好建议", 0.185, 3))
SERIOUS = ("重大失误", 0.005, -10)
MIX = LADDERS + REWARDS + (SERIOUS,)
RANK_AWARDS = {1: 5, 2: 3, 3: 1}  # 业绩排名 1:5;2:3;3:1
FEW_DEDUCTIONS = 3  # 少扣分: +3 with at most 2 deductions (A2-3)
# 状态 of an event: (status, share); 公示中 rows are published early in the month, so they count
STATUSES = (("已批准", 0.93), ("", 0.04), ("待审", 0.015), ("公示中", 0.005), ("驳回", 0.005), ("异议中", 0.005))
NOT_COUNTED = ("待审", "驳回", "异议中")


# ---------------------------------------------------------------- the team
def staff_rows(n: int, seed: int = 1, month: Month = MONTH) -> List[Dict]:
    """``n`` people in groups of about GROUP_SIZE; 1% left during the past year."""
    rnd = random.Random(seed)
    first_history = month.shift(-HISTORY_MONTHS)
    rows = []
    ngroups = max(1, round(n / GROUP_SIZE))
    for i in range(n):
        g = i % ngroups
        after = g % 3 == 2
        group = f"售后{g // 3 + 1}组" if after else f"售前{g - g // 3 + 1}组"
        tiers = AFTERSALE_TIERS if after else PRESALE_TIERS
        hired = dt.date(2018 + rnd.randrange(7), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
        if hired >= first_history.first_day:
            hired = first_history.first_day - dt.timedelta(days=1 + rnd.randrange(300))
        row = {"id": f"KF{i + 1:05d}", "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN), "tier": rnd.choice(tiers),
               "role": "售后" if after else "售前", "hired": hired, "group": group, "status": "在职",
               "special_deduction": rnd.choice((None, 1000, 2000, 3000)),
               "id_tail": f"{rnd.randrange(100000, 1000000)}"}
        if n >= 100 and rnd.random() < 0.01:
            left = first_history.shift(rnd.randrange(HISTORY_MONTHS - 1))
            row.update(status="离职", left=left.first_day + dt.timedelta(days=rnd.randrange(27)))
        rows.append(row)
    return rows


def active_in(row: Dict, month: Month) -> bool:
    left = row.get("left")
    return row["hired"] <= month.last_day and (left is None or left >= month.first_day)


def _weighted(rnd: random.Random, items: Sequence[Tuple], k: int) -> List[Tuple]:
    return rnd.choices(items, weights=[x[1] for x in items], k=k)


def event_rows(staff: Sequence[Dict], n: int, month: Month = MONTH, seed: int = 1) -> List[List]:
    """``n`` rows of the 事件 sheet (schema.EVENTS column order) for `month`, sorted by date."""
    rnd = random.Random(seed * 7919 + month.index())
    people = [s for s in staff if active_in(s, month)]
    days = (month.last_day - month.first_day).days + 1
    approvers = {}
    rows: List[List] = []
    for s in people:  # one 业绩 row each, on the last day
        approvers.setdefault(s["group"], f"{s['group']}主管")
        rows.append([month.last_day, s["id"], s["name"], "业绩", None, None, rnd.randrange(30, 160) * 1000, None,
                     "已批准", "成交金额", approvers[s["group"]], month.last_day, None, None])
    extra = max(0, n - len(rows))
    activity = [rnd.uniform(0.5, 1.5) for _ in people]  # some people get more events than others
    who = rnd.choices(people, weights=activity, k=extra)
    codes = _weighted(rnd, MIX, extra)
    statuses = _weighted(rnd, STATUSES, extra)
    for s, (code, _, _), (status, _) in zip(who, codes, statuses):
        d = month.first_day + dt.timedelta(days=rnd.randrange(days))
        qty = None
        r = rnd.random()
        if r < 0.04:
            qty = 2
        elif r < 0.05:
            qty = 3
        note = f"订单 {rnd.randrange(10 ** 15, 10 ** 16)}" if rnd.random() < 0.25 else None
        approver = approved = published = None
        if status in ("已批准", "公示中"):
            approver = approvers[s["group"]]
            approved = min(d + dt.timedelta(days=rnd.randrange(3)), month.last_day)
        if status == "公示中":  # published early: the 3 working days are over by the close
            d = month.first_day + dt.timedelta(days=rnd.randrange(14))
            published = d
        rows.append([d, s["id"], s["name"], code, qty, None, None, None, status, note, approver, approved,
                     published, None])
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


# ---------------------------------------------------------------- closed months
def _past_counts(rnd: random.Random, per_person: float) -> Dict[str, int]:
    """Occurrences of each code for one person in one past month."""
    out = {}
    for code, share, _ in MIX:
        mean = share * per_person
        k = max(0, int(rnd.gauss(mean, mean ** 0.5 + 0.5) + 0.5))
        if k:
            out[code] = k
    return out


def _ranks(items: Sequence[Tuple[str, Decimal]]) -> Dict[str, int]:
    """Competition ranking, high first, ties shared (engine.rank_values with 并列)."""
    ordered = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    out, prev = {}, None
    for i, (sid, v) in enumerate(ordered, start=1):
        out[sid] = prev[0] if prev is not None and v == prev[1] else i
        prev = (out[sid], v)
    return out


def past_month(staff: Sequence[Dict], m: Month, per_person: float, digest: str, seed: int
               ) -> Tuple[List[HistoryRow], List[PayHistory]]:
    """The 历史 and 工资历史 records a close of month `m` would have written (scored like tmall-30)."""
    rnd = random.Random(seed * 104729 + m.index())
    people = [s for s in staff if active_in(s, m)]
    facts = {}
    for s in people:
        counts = _past_counts(rnd, per_person)
        sales = Decimal(rnd.randrange(30, 160) * 1000)
        score = Decimal(30)
        deductions = counts.get(SERIOUS[0], 0)
        score += SERIOUS[2] * deductions
        for code, _, step in LADDERS:
            extra = max(0, counts.get(code, 0) - 1)  # the first occurrence is a warning
            deductions += extra
            score += step * extra
        for code, _, step in REWARDS:
            score += step * counts.get(code, 0)
        counters = {code: (Decimal(k), Decimal(0)) for code, k in counts.items()}
        counters["业绩"] = (Decimal(1), sales)
        if deductions <= 2:
            counters["少扣分"] = (Decimal(1), Decimal(FEW_DEDUCTIONS))
            score += FEW_DEDUCTIONS
        facts[s["id"]] = (s, score, sales, counters)
    by_sales = _ranks([(sid, f[2]) for sid, f in facts.items()])
    for sid, r in by_sales.items():
        if r in RANK_AWARDS:
            s, score, sales, counters = facts[sid]
            counters["业绩排名"] = (Decimal(1), Decimal(RANK_AWARDS[r]))
            facts[sid] = (s, score + RANK_AWARDS[r], sales, counters)
    ranks = _ranks([(sid, f[1]) for sid, f in facts.items()])
    history, pay = [], []
    tiers = {t["tier"]: Decimal(t["base_pay"]) for t in presets.tier_rows()}
    for sid in sorted(facts, key=lambda x: (ranks[x], x)):
        s, score, sales, counters = facts[sid]
        history.append(HistoryRow(m, sid, s["name"], s["group"], score, ranks[sid], len(facts), "", True, False,
                                  counters, 1, digest))
        gross = tiers[s["tier"]] + Decimal(rnd.randrange(0, 3000))
        si = (tiers[s["tier"]] * Decimal("0.155")).quantize(Decimal("0.01"))
        sd = Decimal(s["special_deduction"] or 0)
        tax = max(Decimal(0), (gross - si - sd - 5000) * Decimal("0.03")).quantize(Decimal("0.01"))
        pay.append(PayHistory(m, sid, gross, gross, si, sd, tax))
    return history, pay


def _figures(staff: Sequence[Dict], pay: Sequence[PayHistory], m: Month) -> List[Tuple[str, str]]:
    """Each person's sealed payslip figures of a past month (payroll/figures.py), as a close keeps them in 封存."""
    from kefu_xl.core.model import Staff
    from kefu_xl.payroll import figures
    from kefu_xl.payroll.pay import PayResult
    by_id = {s["id"]: s for s in staff}
    out = []
    for h in pay:
        s = by_id[h.staff_id]
        si = h.social_insurance
        r = PayResult(Staff(h.staff_id, s["name"], s["tier"], group=s["group"]), m, s["tier"],
                      base_pay=(h.gross * Decimal("0.7")).quantize(Decimal("0.01")), seniority_pay=Decimal(100),
                      bonus_standard=Decimal(600), performance_bonus=Decimal(642), gross=h.gross,
                      guarantee_basis=h.guarantee_basis, guarantee_due=h.guarantee_due, si_base=Decimal(6000),
                      hf_base=Decimal(6000), pension=(si * Decimal("0.5")).quantize(Decimal("0.01")),
                      medical=(si * Decimal("0.13")).quantize(Decimal("0.01")), unemployment=Decimal(30),
                      social_insurance=si, housing_fund=Decimal(300), taxable=h.taxable,
                      special_deduction=h.special_deduction, tax_base_cum=h.taxable - 5000, tax_months=m.month,
                      tax=h.tax, deductions_total=si + h.tax, net=h.gross - si - h.tax, min_wage=Decimal(2490),
                      service_years=2, flags=("可申请晋升至中级（本等级已满31个月，要求3个月，需通过考核）",))
        out.append((h.staff_id, figures.to_text(r)))
    return out


def _event_items(rnd: random.Random, n: int) -> List[Tuple[int, str, str]]:
    """Seal items of a past month's events (rows 2.., a full SHA-256 each); the rows were archived since."""
    return [(i + 2, f"{rnd.getrandbits(256):064x}", "") for i in range(n)]


# ---------------------------------------------------------------- writing
def _template_copy(dst: Path, stretch: Dict[str, int]) -> None:
    """The shipped template with the named Excel tables covering `stretch[name]` data rows."""
    with zipfile.ZipFile(template_path()) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/tables/"):
                text = data.decode("utf-8")
                name = re.search(r'\bname="([^"]+)"', text).group(1)
                if name in stretch:
                    text = re.sub(r'\bref="([A-Z]+)1:([A-Z]+)\d+"', lambda m: f'ref="{m.group(1)}1:{m.group(2)}'
                                  f'{stretch[name] + 1}"', text)
                    data = text.encode("utf-8")
            out.writestr(info, data)


def _rows(spec, dict_rows: Sequence[Dict]) -> List[Tuple]:
    return [tuple(r.get(c.key) for c in spec.columns) for r in dict_rows]


def _pct(v):
    if isinstance(v, str) and v.endswith("%"):
        return float(v[:-1]) / 100
    return v


def input_sheets(staff: Sequence[Dict], events: Sequence[Sequence], month: Month = MONTH) -> List[SheetOut]:
    tiers = [dict(t, bonus_rate=_pct(t.get("bonus_rate"))) for t in presets.tier_rows()]
    return [
        writers.sheet_out(schema.STAFF, _rows(schema.STAFF, staff)),
        writers.sheet_out(schema.EVENTS, events),
        writers.sheet_out(schema.RULES, _rows(schema.RULES, presets.rule_rows())),
        writers.sheet_out(schema.TIERS, _rows(schema.TIERS, tiers)),
        writers.sheet_out(schema.SETTINGS, _rows(schema.SETTINGS, presets.setting_rows(SCHEME, str(month)))),
    ]


def generate(path, staff: int = 200, events: int = 20_000, month: Month = MONTH, seed: int = 1,
             history_months: int = HISTORY_MONTHS) -> Path:
    """Write the workbook (see the module docstring); returns its path."""
    from kefu_xl.close import plan as closing
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    people = staff_rows(staff, seed, month)
    evs = event_rows(people, events, month, seed)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        base = Path(tmp) / ("base" + path.suffix)
        _template_copy(base, {"staff": len(people), "events": len(evs)})
        inputs = Path(tmp) / ("inputs" + path.suffix)
        xlsxio.write_sheets(base, inputs, input_sheets(people, evs, month))
        # the staff, rule, tier and setting rows as a close reads them, for the seals
        loaded = closing.load(xlsxio.read_grids(inputs, [s.name for s in schema.INPUT_SHEETS if s is not schema.EVENTS]))
        rnd = random.Random(seed * 31 + 17)
        history: List[HistoryRow] = []
        pay: List[PayHistory] = []
        seals: List[Tuple] = []
        log: List[Tuple] = []
        chain: List[Tuple] = []
        previous = ""
        per_person = events / max(1, staff)
        nothing = writers.sheet_out(schema.RESULTS, ())
        for k in range(history_months, 0, -1):
            m = month.shift(-k)
            fps = seal.fingerprints(loaded.book, m, SCHEME)
            active = sum(1 for s in people if active_in(s, m))
            fps[seal.EVENTS] = _event_items(rnd, int(active * per_person))
            fps = seal.split_events(fps, set())
            groups = seal.input_digests(fps)
            digest = seal.month_digest(groups)
            h, p = past_month(people, m, per_person - 1, digest, seed)
            history += h
            pay += p
            closed = m.next().first_day + dt.timedelta(days=2)
            stamp = f"{closed.isoformat()} 18:{k:02d}:00"
            log.append((stamp, "hr", "月结", str(m), f"第 1 版，方案 {SCHEME}，{len(h)} 人，0 条提示", digest))
            pay_rows = [r for r in pay_history_sheet(p).rows]
            written = seal.written_digests(writers.history_rows(h), pay_rows, log, nothing, nothing, ())
            rows, digests = seal.seal_rows(fps, m, 1, written, {}, groups, _figures(people, p, m))
            seals += rows
            link = seal.link(previous, m, 1, digests)
            chain.append((str(m), 1, link, previous, stamp))
            previous = link
        owned = [writers.history_sheet(history), pay_history_sheet(pay), writers.seals_sheet(seals),
                 writers.log_sheet(log), seal.chain_sheet(chain)]
        tmp_out = Path(tmp) / ("out" + path.suffix)
        xlsxio.write_sheets(inputs, tmp_out, owned, properties={seal.HEAD_PROPERTY: previous})
        os.replace(tmp_out, path)
    return path


def cached(size: str, directory, suffix: str = ".xlsm", seed: int = 1) -> Path:
    """The workbook of a named size (SIZES) or "<staff>x<events>", generated once into `directory`."""
    staff, events = parse_size(size)
    path = Path(directory) / f"kefu-{staff}x{events}-s{seed}-v{VERSION}{suffix}"
    if not path.exists():
        generate(path, staff, events, seed=seed)
    return path


def parse_size(size: str) -> Tuple[int, int]:
    if size in SIZES:
        return SIZES[size]
    a, _, b = size.lower().partition("x")
    return int(a), int(b)


# ---------------------------------------------------------------- the plain-formula alternative
FORMULA_COLUMNS = ("工号", "姓名") + tuple(c for c, _, _ in MIX) + ("扣分次数", "少扣分", "业绩", "业绩名次", "业绩排名",
                                                                 "得分", "名次")


def formula_workbook(path, staff: int = 200, events: int = 20_000, month: Month = MONTH, seed: int = 1) -> Path:
    """The same month's events and, per person, the tmall-30 score as spreadsheet formulas.

    Per person and code, the occurrences are SUMIFS of 数量 (blank = 1, a
    helper column) over 工号 and 规则, leaving out 待审, 驳回 and 异议中 rows.
    Score = 30 (A2-1) + Σ ladder codes max(n−1, 0) × step (the first one is a
    warning, A2-8…A2-11) + 3/5/3 per 好评表扬/汇报问题/好建议 (A2-4…A2-6)
    − 10 per 重大失误 (A2-13) + 3 when at most 2 deductions (A2-3) + 5/3/1 for
    业绩 rank 1/2/3 (A2-2), and a RANK of the scores.  The cached values are
    left empty: the file asks for a full recalculation on load
    (calcPr fullCalcOnLoad), as XlsxWriter writes every file.
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    people = [s for s in staff_rows(staff, seed, month) if active_in(s, month)]
    evs = event_rows(staff_rows(staff, seed, month), events, month, seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("事件")
    ws.write_row(0, 0, ("日期", "工号", "规则", "数量", "金额", "状态", "计数"))
    n = len(evs) + 1
    for i, e in enumerate(evs, start=1):
        ws.write_datetime(i, 0, dt.datetime(e[0].year, e[0].month, e[0].day), date_fmt)
        ws.write_string(i, 1, e[1])
        ws.write_string(i, 2, e[3])
        if e[4] is not None:
            ws.write_number(i, 3, e[4])
        if e[6] is not None:
            ws.write_number(i, 4, e[6])
        if e[8]:
            ws.write_string(i, 5, e[8])
        ws.write_formula(i, 6, f'=IF(D{i + 1}="",1,D{i + 1})')
    ws = wb.add_worksheet("得分")
    ws.write_row(0, 0, FORMULA_COLUMNS)
    col = {name: xlsxwriter.utility.xl_col_to_name(j) for j, name in enumerate(FORMULA_COLUMNS)}
    rng = lambda c: f"事件!${c}$2:${c}${n}"  # noqa: E731
    crit = (f'{rng("B")},$A{{r}},{rng("C")},"{{code}}",'
            + ",".join(f'{rng("F")},"<>{s}"' for s in NOT_COUNTED))
    last = len(people) + 1
    for i, s in enumerate(people, start=1):
        r = i + 1
        ws.write_string(i, 0, s["id"])
        ws.write_string(i, 1, s["name"])
        for j, (code, _, _) in enumerate(MIX, start=2):
            ws.write_formula(i, j, f'=SUMIFS({rng("G")},{crit.format(r=r, code=code)})')
        ladders = "+".join(f"MAX({col[c]}{r}-1,0)" for c, _, _ in LADDERS)
        ws.write_formula(i, len(MIX) + 2, f"={ladders}+{col[SERIOUS[0]]}{r}")
        ws.write_formula(i, len(MIX) + 3, f'=IF({col["扣分次数"]}{r}<=2,{FEW_DEDUCTIONS},0)')
        ws.write_formula(i, len(MIX) + 4, f'=SUMIFS({rng("E")},{crit.format(r=r, code="业绩")})')
        perf = f'${col["业绩"]}$2:${col["业绩"]}${last}'
        ws.write_formula(i, len(MIX) + 5, f'=RANK({col["业绩"]}{r},{perf},0)')
        rank = f'{col["业绩名次"]}{r}'
        ws.write_formula(i, len(MIX) + 6, f"=IF({rank}=1,5,IF({rank}=2,3,IF({rank}=3,1,0)))")
        terms = [f"{step}*MAX({col[c]}{r}-1,0)" for c, _, step in LADDERS]
        terms += [f"{step}*{col[c]}{r}" for c, _, step in REWARDS + (SERIOUS,)]
        terms += [f'{col["少扣分"]}{r}', f'{col["业绩排名"]}{r}']
        ws.write_formula(i, len(MIX) + 7, "=30+" + "+".join(terms).replace("+-", "-"))
        score = f'${col["得分"]}$2:${col["得分"]}${last}'
        ws.write_formula(i, len(MIX) + 8, f'=RANK({col["得分"]}{r},{score},0)')
    wb.close()
    return path


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="Write a synthetic kefu-xl workbook")
    ap.add_argument("size", help="S, M, L or <staff>x<events>")
    ap.add_argument("out", help="output .xlsm")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formulas", help="also write the plain-formula alternative here (.xlsx)")
    a = ap.parse_args()
    s, e = parse_size(a.size)
    t = time.perf_counter()
    generate(a.out, s, e, seed=a.seed)
    print(f"{a.out}: {s} staff, {e} events, {time.perf_counter() - t:.1f} s")
    if a.formulas:
        t = time.perf_counter()
        formula_workbook(a.formulas, s, e, seed=a.seed)
        print(f"{a.formulas}: {time.perf_counter() - t:.1f} s")
