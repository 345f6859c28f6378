"""Benchmark of `kefu-xl import`: a month of exports for 200 and 2,000 agents, in fresh processes.

    python3 bench/imports.py                     # sizes 200 and 2000, 3 runs each; writes bench/IMPORTS.md
    python3 bench/imports.py --sizes 200 --repeat 1 --out -

Per size the same files are made once (kefu_xl.xlsx.samples): a workbook of N
staff with their 平台账号, and the month's exports as .xlsx (python-calamine
reads no CSV): 赤兔 售前明细 (everyone), 京东 咚咚 (every third agent, who also
works in the Tmall shop), and 钉钉 每日统计 (one row per agent and workday:
about 22 × N rows).  Each run alternates, in fresh subprocesses:

* import: `python -m kefu_xl import WORKBOOK FILES --month 2026-11 --json` on a
  fresh copy of the workbook (wall time of the whole process: start-up, read,
  plan, write);
* calamine: a process that reads every sheet of the same export files and of
  the workbook's sheets that import reads, with python-calamine (to_python),
  and does nothing else.

The target (issue 16): import <= 3x calamine, same run.  Medians are reported.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALAMINE = """
import sys, python_calamine as pc
names = set(sys.argv[2].split("|"))
n = 0
for i, p in enumerate(sys.argv[3:]):
    with pc.CalamineWorkbook.from_path(p) as b:
        for s in b.sheet_names:
            if i == 0 and s not in names:
                continue
            n += len(b.get_sheet_by_name(s).to_python())
print(n)
"""


def make(folder: Path, n: int):
    """The workbook and the exports of a month for n agents."""
    from kefu_xl.core.model import Month
    from kefu_xl.xlsx import files, samples
    from kefu_xl.xlsx import workbook as xlsxio
    month = Month(2026, 11)
    folder.mkdir(parents=True, exist_ok=True)
    wb = folder / f"wb-{n}.xlsm"
    files.init_workbook(wb, "classic-100", month=str(month), force=True)
    staff = [(f"K{i:05d}", f"客服{i:05d}", f"旗舰店:客服{i:05d}" + (f",jd_{i:05d}" if i % 3 == 0 else ""))
             for i in range(1, n + 1)]
    rows = tuple((sid, name, "初级") + (None,) * 3 + ("在职",) + (None,) * 5 + (acc,) for sid, name, acc in staff)
    tmp = folder / "_wb.xlsm"
    xlsxio.write_sheets(wb, tmp, [], edits=[xlsxio.RowEdit("员工", 2, rows)])
    shutil.move(tmp, wb)
    tm = [(f"旗舰店:{name}", name, sid) for sid, name, _ in staff]
    jd = [(f"jd_{sid[1:]}", name, sid) for sid, name, acc in staff if ",jd_" in acc]
    att = [(sid, name, sid) for sid, name, _ in staff]
    exports = [samples.write_export(folder / f"presale-{n}.xlsx", samples.shop_export("chitu-presale", tm, month)),
               samples.write_export(folder / f"jd-{n}.xlsx", samples.shop_export("jd", jd, month)),
               samples.write_export(folder / f"daily-{n}.xlsx", samples.dingtalk_daily(att, month))]
    return wb, exports


def timed(cmd):
    """(wall seconds, stdout) of a fresh process."""
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    dt_ = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({p.returncode}): {p.stderr[-2000:]} {p.stdout[-2000:]}")
    return dt_, p.stdout


def bench(n: int, repeat: int, work: Path) -> dict:
    from kefu_xl.close import importing as closing
    wb, exports = make(work / str(n), n)
    imports, reads = [], []
    summary = None
    for i in range(repeat):
        copy = work / str(n) / f"run-{i}.xlsm"
        shutil.copyfile(wb, copy)
        cmd = [sys.executable, "-m", "kefu_xl", "import", str(copy), *map(str, exports), "--month", "2026-11", "--json"]
        seconds, out = timed(cmd)
        imports.append(seconds)
        summary = summary or json.loads(out)
        reads.append(timed([sys.executable, "-c", CALAMINE, "-", "|".join(closing.READ_NAMES), str(wb),
                            *map(str, exports)])[0])
    rows = sum(f["rows"] for f in summary["files"]) if summary else 0
    return {"agents": n, "export_rows": rows, "import_s": statistics.median(imports),
            "calamine_s": statistics.median(reads), "runs": repeat}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200,2000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "IMPORTS.md"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        results = [bench(int(n), args.repeat, Path(d)) for n in args.sizes.split(",")]
    lines = ["# kefu-xl import benchmark", "",
             "A month of exports (赤兔 售前明细 for everyone, 京东 咚咚 for every third agent, 钉钉 每日统计: one row per",
             "agent and workday) imported into a workbook of N staff, in a fresh process, against a fresh process",
             "reading the same files (the exports and the workbook sheets import reads) with python-calamine; medians of the",
             "runs, same run (`python3 bench/imports.py`).  Target (issue 16): import <= 3x calamine.", "",
             "| agents | export rows | import (s) | calamine read (s) | ratio | runs |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['agents']} | {r['export_rows']} | {r['import_s']:.2f} | {r['calamine_s']:.2f} | "
                     f"{r['import_s'] / r['calamine_s']:.2f}x | {r['runs']} |")
    text = "\n".join(lines) + "\n"
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
