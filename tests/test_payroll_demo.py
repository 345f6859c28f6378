"""Issue 4 on the demo month: every payslip adds up to the 工资表 totals, to the fen."""
import io
from decimal import Decimal

import openpyxl

from kefu_xl.close import plan as closing
from kefu_xl.xlsx import payslips
from tests.test_udfs_macros import demo_grids


def _plan():
    return closing.plan_close(closing.load(demo_grids()))


def test_demo_payslips_add_up_to_the_payroll_totals_to_the_fen():
    plan = _plan()
    table = [s for s in plan.sheets if s.name == "工资表"][0]
    header = list(table.header)
    totals = table.rows[-1]
    assert totals[0] == "合计"
    net_col, gross_col = header.index("实发合计"), header.index("应发合计")
    slip_net = Decimal(0)
    slip_gross = Decimal(0)
    for r in plan.pays:
        wb = openpyxl.load_workbook(io.BytesIO(payslips.payslip_workbook(r, plan.result.month)))
        cells = {row[0]: row[1] for row in wb.active.iter_rows(values_only=True) if row and row[0]}
        slip_net += Decimal(str(cells["实发合计"]))
        slip_gross += Decimal(str(cells["应发合计"]))
    assert slip_net == totals[net_col] and slip_gross == totals[gross_col]
    # every money column of the table sums exactly to its totals row
    for j, h in enumerate(header):
        if isinstance(totals[j], Decimal):
            assert sum((row[j] for row in table.rows[:-1]), Decimal(0)) == totals[j], h
    # and the 工资条 sheet repeats the same people and net pay
    slips = [s for s in plan.sheets if s.name == "工资条"][0]
    nets = [row[list(slips.header).index("实发合计")] for row in slips.rows
            if row and row[1] and row[1] != "工号"]
    assert sum(nets, Decimal(0)) == totals[net_col]


def test_demo_money_is_decimal_with_two_decimals():
    plan = _plan()
    for p in plan.as_json()["staff"]:
        for v in p["pay"].values():
            assert isinstance(v, str) and len(v.split(".")[1]) == 2
    for r in plan.pays:
        for name in ("gross", "net", "tax", "social_insurance"):
            assert isinstance(getattr(r, name), Decimal)
