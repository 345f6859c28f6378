"""Realistic sample data: a Tmall shop's CS team of 20 in three groups.

Deterministic (seeded), so the demo and the tests see the same numbers.
October and November 2026 are filled, so the demo closes two months and the
history-based rules (streaks, cumulative ladders) have something to read.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Dict, List

from ..core.model import Month

GROUPS = ("售前一组", "售前二组", "售后组")
NAMES = ("张晓燕", "李婷", "王佳怡", "刘思雨", "陈静", "杨帆", "赵敏", "黄蕾", "周琪", "吴倩",
         "徐楠", "孙悦", "胡欣", "朱丽", "高洁", "林璐", "何雪", "郭佩", "马骏", "罗晨")
DEMO_SCHEME = "tmall-30"
DEMO_MONTHS = (Month(2026, 10), Month(2026, 11))


def staff_rows() -> List[Dict]:
    rows = []
    for i, name in enumerate(NAMES):
        group = GROUPS[i % 3]
        tier = ("初级", "中级", "高级")[i % 7 % 3] if group != "售后组" else ("普通售后", "高级售后", "售后组长")[i % 7 % 3]
        hired = dt.date(2022 + i % 4, 1 + (i * 5) % 12, 1 + (i * 7) % 27)
        rows.append({"id": f"KF{i + 1:03d}", "name": name, "tier": tier, "role": "售后" if group == "售后组" else "售前",
                     "hired": hired, "group": group, "status": "在职",
                     "special_deduction": (0, 1000, 2000, 3000)[i % 4] or None, "id_tail": f"{(i * 7919) % 900000 + 100000}"})
    return rows


# rule code -> (share of staff-months with it, max count)
_EVENTS = (
    ("态度投诉", 0.35, 4), ("备注不清", 0.25, 3), ("私自降价", 0.1, 2), ("推卸责任", 0.15, 3),
    ("好评表扬", 0.4, 2), ("汇报问题", 0.15, 1), ("好建议", 0.3, 2),
)


IMPORTED_MONTH = Month(2026, 11)  # `kefu-xl demo`: this month's 业绩 comes from imported sample exports


def shop_accounts(staff_id: str) -> str:
    """The demo's 平台账号: a Tmall sub-account for everyone, a JD account for the last six (KF001 has both)."""
    n = int(staff_id[2:])
    tm = f"旗舰店:{NAMES[n - 1]}"
    return tm + (f",jd_kf{n:03d}" if n > 14 or n == 1 else "")


def event_rows(months=DEMO_MONTHS, seed: int = 2026, imported=()) -> List[Dict]:
    """The demo events; in the `imported` months the 业绩 rows are left out (they come from 指标)."""
    rnd = random.Random(seed)
    staff = staff_rows()
    rows: List[Dict] = []
    for m in months:
        days = (m.last_day - m.first_day).days + 1
        for s in staff:
            for code, share, most in _EVENTS:
                if rnd.random() < share:
                    for _ in range(rnd.randint(1, most)):
                        d = m.first_day + dt.timedelta(days=rnd.randrange(days))
                        rows.append({"date": d, "id": s["id"], "name": s["name"], "rule": code, "status": "已批准",
                                     "approver": "主管"})
            sales = rnd.randrange(30, 160) * 1000
            if m not in imported:
                rows.append({"date": m.last_day, "id": s["id"], "name": s["name"], "rule": "业绩", "amount": sales,
                             "note": "成交金额", "status": "已批准"})
        # one serious error a month, one event still waiting for approval
        victim = staff[rnd.randrange(len(staff))]
        rows.append({"date": m.first_day + dt.timedelta(days=14), "id": victim["id"], "name": victim["name"],
                     "rule": "重大失误", "status": "已批准", "note": "错发大额订单"})
        waiting = staff[rnd.randrange(len(staff))]
        rows.append({"date": m.last_day - dt.timedelta(days=1), "id": waiting["id"], "name": waiting["name"],
                     "rule": "好建议", "status": "待审", "note": "待主管审核"})
    rows.sort(key=lambda r: (r["date"], r["id"]))
    return rows
