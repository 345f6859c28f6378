"""Compare the sheets a close writes in two workbooks (tools/excel_check.ps1: the button close in real Excel
against `kefu-xl close` on a copy).  Prints one line per sheet; exit 1 when any differs.

    python tools/compare_books.py BUTTON.xlsm CLI.xlsm
"""
from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kefu_xl.close import plan as closing  # noqa: E402
from kefu_xl.core import schema  # noqa: E402
from kefu_xl.xlsx import workbook as xlsxio  # noqa: E402


def norm(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, Decimal)):
        return round(float(v), 9)
    if isinstance(v, dt.datetime):
        return v.date() if not (v.hour or v.minute or v.second) else v
    return None if v == "" else v


def table(rows, name):
    out = [[norm(v) for v in r] for r in rows]
    out = [r[:max([i + 1 for i, v in enumerate(r) if v is not None] or [0])] for r in out]
    while out and not out[-1]:
        out.pop()
    if name == schema.LOG.name:  # the time stamp and the user differ between the two closes
        out = [r[2:] if i else r for i, r in enumerate(out)]
    return out


def main(argv=None) -> int:
    a, b = (argv or sys.argv[1:])[:2]
    names = [n for n in closing.OWNED_NAMES if n in xlsxio.sheet_names(a) and n in xlsxio.sheet_names(b)]
    ga, gb = xlsxio.read_grids(a, names), xlsxio.read_grids(b, names)
    bad = 0
    for n in names:
        same = table(ga[n].rows, n) == table(gb[n].rows, n)
        bad += not same
        print(f"{'same' if same else 'DIFFERENT'}  {n}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
