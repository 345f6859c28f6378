"""Issue 22, item 4: the agreement tests (UDF against close, macro against headless close, JSON on a
file against its dry run) each compare two paths of the product; here every path must also give the
numbers worked out by hand for one small tmall-30 month.

Staff (tests/util.py STAFF): K01 and K02 初级 (4000, bonus 15%), K03 中级 (5000, skill 1000, bonus 25%);
no hire date (no seniority pay), no 社保基数 (the base pay, clamped to 4812..24930).

Score (A2-1 30 to start):
  K01  30, 态度投诉 ×2: 1st a warning, 2nd −1 (A2-8) -> 29; one deduction ≤ 2: +3 (A2-3) -> 32;
       业绩 50000 is 2nd: +3 (A2-2) -> 35
  K02  30 + 好评表扬 3 (A2-4) + 3 (A2-3) + 1st 5 (A2-2) = 41
  K03  30 + 3 (A2-3) + 3rd 1 (A2-2) = 34
Pay (D-1 tiers; A2-7: 1% of the bonus per point above 25):
  K01  bonus 600 + 600 × 10% = 660; gross 4660; SI base 4812: 384.96 + 96.24 + 24.06 = 505.26,
       housing fund 4000 × 5% = 200 -> 705.26; A = 4660 − 5000 − 705.26 < 0: tax 0; net 3954.74
  K02  bonus 600 + 600 × 16% = 696; gross 4696; 705.26; tax 0; net 3990.74
  K03  bonus 1250 + 1250 × 9% = 1362.50; gross 5000 + 1000 + 1362.50 = 7362.50;
       SI 400 + 100 + 25 = 525, fund 250 -> 775; A = 7362.50 − 5000 − 775 = 1587.50, × 3% = 47.625 -> 47.63;
       net 7362.50 − 775 − 47.63 = 6539.87
"""
import json
import subprocess
import sys
from decimal import Decimal as D

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from kefu_xl.excel import macros, udfs
from tests.fake_xlwings import FakeBook
from tests.util import grids

EVENTS = """日期 工号 规则 数量 金额
2026-11-03 K01 态度投诉 2 -
2026-11-05 K02 好评表扬 1 -
2026-11-30 K01 业绩 - 50000
2026-11-30 K02 业绩 - 60000
2026-11-30 K03 业绩 - 10000"""

# id: (rank, score, gross, social insurance + housing fund, tax, net)
BY_HAND = {
    "K02": (1, 41, "4696.00", "705.26", "0.00", "3990.74"),
    "K01": (2, 35, "4660.00", "705.26", "0.00", "3954.74"),
    "K03": (3, 34, "7362.50", "775.00", "47.63", "6539.87"),
}


def _grids():
    return grids("tmall-30", EVENTS)


def _from_json(data):
    return {p["id"]: (p["rank"], p["score"], p["pay"]["gross"], p["pay"]["social_insurance"], p["pay"]["tax"],
                      p["pay"]["net"]) for p in data["staff"]}


def test_A2_2_A2_3_A2_7_D_1_S8_close_json_gives_the_hand_worked_month():
    data = closing.plan_close(closing.load(_grids())).as_json()
    assert _from_json(data) == BY_HAND
    assert [p["id"] for p in data["staff"]] == ["K02", "K01", "K03"]


def test_A2_2_A2_3_A2_7_D_1_S8_udfs_give_the_hand_worked_month():
    book = FakeBook.from_grids(_grids())
    tables = [book.values(n) for n in ("员工", "事件", "规则", "等级", "参数")]
    for sid, (rank, score, gross, si, tax, net) in BY_HAND.items():
        assert udfs.KEFU_SCORE(sid, *tables) == score
        assert D(str(udfs.KEFU_TIER_SALARY(sid, *tables))) == D(gross)
        assert D(str(udfs.KEFU_BONUS_DEDUCTION(sid, *tables))) == 0  # all above 25: nothing withheld (A2-12)
    board = udfs.KEFU_BOARD(*tables)
    assert [(r[0], r[1], D(str(r[10]))) for r in board[1:]] == [(v[0], k, D(v[5])) for k, v in BY_HAND.items()]


def test_A2_2_A2_3_A2_7_D_1_S8_month_close_macro_gives_the_hand_worked_month():
    book = FakeBook.from_grids(_grids())
    got = macros.run_close(macros.XlwingsBook(book), user=None)
    assert got.exit_code == 0
    assert _from_json(got.as_json()) == BY_HAND
    rows = book.values("工资表")  # a title row, then the header
    header = rows[1]
    sid, gross, net = header.index("工号"), header.index("应发合计"), header.index("实发合计")
    written = {r[sid]: (D(str(r[gross])), D(str(r[net]))) for r in rows[2:] if r[sid] in BY_HAND}
    assert written == {k: (D(v[2]), D(v[5])) for k, v in BY_HAND.items()}


@pytest.mark.parametrize("dry", [True, False])
def test_A2_2_A2_3_A2_7_D_1_S8_close_json_on_a_file_and_its_dry_run_give_the_hand_worked_month(tmp_path, dry):
    from tests.workbooks import save
    path = save(_grids(), tmp_path / "book.xlsx")
    args = [sys.executable, "-m", "kefu_xl", "close", str(path), "--month", "2026-11", "--json"] + (["--dry-run"] if dry else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert _from_json(json.loads(p.stdout)) == BY_HAND
