"""Regenerate docs/PAYROLL.md from the payroll module docstring (the single source)."""
from pathlib import Path

import kefu_xl.payroll.pay as payroll
import kefu_xl.xlsx.payslips as payslips

ROOT = Path(__file__).resolve().parent.parent


def render() -> str:
    body = payroll.__doc__.split("\n", 2)[2]
    return ("# Payroll (工资)\n\nGenerated from the docstring of `kefu_xl/payroll.py` by `python3 tools/gen_docs.py`; "
            "edit the docstring, not this file.\n\n" + body + "\n\n## 工资条密码 (payslip passwords)\n\n"
            + payslips.PASSWORD_HELP + "\n")


if __name__ == "__main__":
    (ROOT / "docs" / "PAYROLL.md").write_text(render(), encoding="utf-8")
