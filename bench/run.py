"""Benchmarks: the headless close, its floors and alternatives, and the Excel functions.

    python3 bench/run.py                       # S, M, L, UDFs, scaling; writes bench/RESULTS.md, scaling.png
    python3 bench/run.py --sizes S --no-scaling --udf 100x10000

Every measurement runs in a fresh subprocess (``run.py --worker TASK ...``),
which times its own phases with perf_counter and prints them as JSON; the
parent reads the worker's peak memory from ``os.wait4`` (the largest resident
set of the worker and of the processes it waited for, e.g. LibreOffice), so
measurements cannot pollute each other.

Measured on the same generated files (bench/gen.py):

* the close as `kefu-xl close` runs it (files.close_file, on a copy of the
  file), with its phases: read = files.load_file (sheets to records: the small
  sheets become records while 事件 is parsed); compute = close.plan_close;
  write = xlsxio.write_sheets inside xlsxio.atomic_replace;
* floors and alternatives: python-calamine reading the sheets the close
  reads; openpyxl reading (normal and read_only) and a load + save round
  trip; LibreOffice headless converting gen.formula_workbook (COUNTIFS/SUMIFS
  per person) to xlsx, once with "recalculation on file load: always" and,
  as its own floor, once with "never";
* the Python side of the UDFs with the 2-D lists xlwings passes.

Times are wall seconds; ratios compare measurements of the same run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (ROOT, HERE):  # kefu_xl, and gen.py next to this file
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import gen  # noqa: E402

DEFAULT_SIZES = ("S", "M", "L")
SCALING = ("100x10000", "200x20000", "500x50000", "1000x100000", "2000x200000", "5000x500000")
UDF_SIZE = "500x50000"
TIMEOUT = 1800
POOL = 10  # fresh copies of the UDF arguments used in turn (kefu_xl.udfs keeps 8 argument sets)  # seconds per measurement
MONTH = str(gen.MONTH)
NOW = dt.datetime(2026, 12, 1, 9, 0, 0)


# ================================================================ workers (run in a subprocess each)
def _close(path: str) -> dict:
    """The close on a copy of the file, as `kefu-xl close` runs it (files.close_file), timed per phase."""
    from kefu_xl.xlsx import files
    from kefu_xl.xlsx import workbook as xlsxio
    from kefu_xl.core.model import Month

    work = Path(tempfile.mkdtemp(prefix="kefu-bench-", dir=Path(path).parent))
    copy = work / Path(path).name
    shutil.copyfile(path, copy)
    times: Dict[str, float] = {}
    seen = {}
    load_file = files.load_file
    files.load_file = lambda *a, **k: seen.setdefault("loaded", load_file(*a, **k))  # to count the events read
    try:
        plan = files.close_file(copy, Month(gen.MONTH.year, gen.MONTH.month), user="bench", now=NOW, times=times)
        codes: Dict[str, int] = {}
        for p in plan.problems:
            codes[p.code] = codes.get(p.code, 0) + 1
        written = xlsxio.sheet_names(copy)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    times["total"] = sum(times.values())
    return {"times": times,
            "info": {"writer_child_private_mb": xlsxio.LAST_RENDER.get("child_private_mb"),
                     "writer_child_seconds": xlsxio.LAST_RENDER.get("child_seconds"),
                     "exit_code": plan.exit_code, "events": len(seen["loaded"].book.events), "people": len(plan.result.people),
                     "problems": codes, "sheets": [s.name for s in plan.sheets], "written": written,
                     "scores": {p.staff.id: [int(p.score), p.rank] for p in plan.result.people}}}


def _calamine(path: str) -> dict:
    """python-calamine alone: every sheet the close reads, to Python values."""
    import python_calamine as pc
    from kefu_xl.close import plan as closing

    t0 = time.perf_counter()
    cells = 0
    book = pc.CalamineWorkbook.from_path(path)
    for name in closing.READ_NAMES:
        if name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(r) for r in rows)
    return {"times": {"total": time.perf_counter() - t0}, "info": {"cells": cells}}


def _openpyxl(path: str, mode: str) -> dict:
    """openpyxl reading the workbook (normal: everything; read_only: the close's sheets, row by row),
    or a load + save round trip (keep_vba, as a tool editing the file would)."""
    import openpyxl
    from kefu_xl.close import plan as closing

    t0 = time.perf_counter()
    info: dict = {}
    if mode == "read_only":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        cells = 0
        for name in closing.READ_NAMES:
            if name in wb.sheetnames:
                for row in wb[name].iter_rows(values_only=True):
                    cells += len(row)
        wb.close()
        info["cells"] = cells
    else:
        wb = openpyxl.load_workbook(path, keep_vba=(mode == "roundtrip"), data_only=(mode == "normal"))
        info["events_rows"] = wb["事件"].max_row
        if mode == "roundtrip":
            out = Path(tempfile.mkdtemp(prefix="kefu-bench-")) / Path(path).name
            try:
                wb.save(out)
                info["saved_bytes"] = out.stat().st_size
            finally:
                shutil.rmtree(out.parent, ignore_errors=True)
    return {"times": {"total": time.perf_counter() - t0}, "info": info}


LO_RECALC = {"always": 0, "never": 1}  # org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode


def lo_profile(directory: Path, recalc: str) -> Path:
    """A LibreOffice user profile whose "recalculation on file load" for Excel files is `recalc`."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        f'<value>{LO_RECALC[recalc]}</value></prop></item>\n</oor:items>\n', encoding="utf-8")
    return directory


def _soffice(profile: Path, src: Path, outdir: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "xlsx", "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    out = outdir / (src.stem + ".xlsx")
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not convert {src}")
    return out


def _libreoffice(path: str, recalc: str) -> dict:
    """soffice --convert-to xlsx of the plain-formula workbook; the profile is created (and LibreOffice
    started once) beforehand, untimed, so the time is one start, the load, the recalculation and the save."""
    import python_calamine as pc

    work = Path(tempfile.mkdtemp(prefix="kefu-lo-"))
    try:
        profile = lo_profile(work / "profile", recalc)
        warm = work / "warm.csv"
        warm.write_text("1\n", encoding="utf-8")
        _soffice(profile, warm, work / "warm")
        t0 = time.perf_counter()
        out = _soffice(profile, Path(path), work / "out")
        t = time.perf_counter() - t0
        rows = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("得分").to_python()
        head = rows[0]
        i, j = head.index("得分"), head.index("名次")
        scores = {r[0]: [int(r[i] or 0), int(r[j] or 0)] for r in rows[1:] if r and r[0]}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"times": {"total": t}, "info": {"scores": scores}}


# ---------------------------------------------------------------- UDFs
def xl_value(v):
    """A cell as xlwings passes it: numbers float, dates datetime, empty None."""
    if v is None or v == "":
        return None
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    return float(v)


def udf_tables(staff: int, events: int, seed: int = 1) -> List[list]:
    """staff[#全部], events[#全部], rules[#全部], tiers[#全部], settings[#全部] as 2-D lists (header + rows)."""
    from kefu_xl.rules import presets
    from kefu_xl.core import schema

    people = gen.staff_rows(staff, seed)
    evs = gen.event_rows(people, events, gen.MONTH, seed)
    tiers = [dict(t, bonus_rate=gen._pct(t.get("bonus_rate"))) for t in presets.tier_rows()]
    out = []
    for spec, rows in ((schema.STAFF, gen._rows(schema.STAFF, people)), (schema.EVENTS, evs),
                       (schema.RULES, gen._rows(schema.RULES, presets.rule_rows())),
                       (schema.TIERS, gen._rows(schema.TIERS, tiers)),
                       (schema.SETTINGS, gen._rows(schema.SETTINGS, presets.setting_rows(gen.SCHEME, MONTH)))):
        out.append([list(spec.headers)] + [[xl_value(v) for v in r] for r in rows])
    return out


def _new(v):
    """An equal value in a new object, as xlwings builds every cell anew from COM on each call."""
    t = type(v)
    if t is str:
        return v.encode("utf-8").decode("utf-8")
    if t is float:
        return v + 0.0
    if t is dt.datetime:
        return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
    return v


def fresh(tables: Sequence[list]) -> List[list]:
    """Equal content in new lists with new cell objects (what Excel passes on every call)."""
    return [[[_new(v) for v in row] for row in t] for t in tables]


def _median_time(fn, n: int = 5) -> float:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def _udf(size: str) -> dict:
    """KEFU_BOARD and a sheet of KEFU_SCORE cells (one per person), cold and warm."""
    staff, events = gen.parse_size(size)
    tables = udf_tables(staff, events)
    from kefu_xl.excel import udfs

    def clear():
        for name in ("_by_identity", "_by_content"):
            if hasattr(udfs, name):
                getattr(udfs, name).clear()
        if hasattr(udfs, "clear_cache"):
            udfs.clear_cache()

    times: Dict[str, float] = {}
    times["build_lists"] = _median_time(lambda: fresh(tables), 3)
    clear()
    t0 = time.perf_counter()
    board = udfs.KEFU_BOARD(*tables)
    times["board_cold"] = time.perf_counter() - t0
    times["board_warm_same"] = _median_time(lambda: udfs.KEFU_BOARD(*tables))
    # Equal content in new lists for every call.  Building them costs more than the call itself, so
    # a pool of fresh copies is built untimed and used in turn; the pool is larger than the number of
    # argument sets the cache keeps, so no call is answered by recognising a list it has seen.
    pool = [fresh(tables) for _ in range(POOL)]
    samples = []
    for k in range(5):
        args = pool[k % POOL]
        t0 = time.perf_counter()
        udfs.KEFU_BOARD(*args)
        samples.append(time.perf_counter() - t0)
    times["board_warm_new"] = statistics.median(samples)
    ids = [r[1] for r in board[1:]]

    def sheet(new_lists: bool) -> float:
        total = 0.0
        for k, sid in enumerate(ids):
            args = pool[k % POOL] if new_lists else tables
            t0 = time.perf_counter()
            out = udfs.KEFU_SCORE(sid, *args)
            total += time.perf_counter() - t0
            if isinstance(out, str):
                raise RuntimeError(out)
        return total

    clear()
    times["sheet_cold_same"] = sheet(new_lists=False)  # the first cell computes, the others find the month
    times["sheet_warm_same"] = sheet(new_lists=False)
    clear()
    times["sheet_cold"] = sheet(new_lists=True)  # as above, each cell comparing its new lists with the cached
    times["sheet_warm_new"] = sheet(new_lists=True)
    return {"times": times, "info": {"people": len(ids), "events": events, "cells": len(ids),
                                     "board_header": board[0], "board_rows": len(board) - 1}}


WORKERS = {
    "close": lambda a: _close(a[0]),
    "calamine": lambda a: _calamine(a[0]),
    "openpyxl": lambda a: _openpyxl(a[0], a[1]),
    "libreoffice": lambda a: _libreoffice(a[0], a[1]),
    "udf": lambda a: _udf(a[0]),
}


# ================================================================ the parent
def measure(task: str, *args: str, timeout: int = TIMEOUT) -> dict:
    """Run one worker in a fresh process; its JSON plus peak memory (MB) and, on failure, the error."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", task, *map(str, args)]
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, cwd=str(ROOT))
    start = time.monotonic()
    status = rusage = None
    tree_mb, sampled = 0.0, 0.0
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            proc.kill()
            os.wait4(proc.pid, 0)
            return {"task": task, "args": [str(a) for a in args], "error": f"timeout > {timeout} s"}
        if time.monotonic() - sampled >= TREE_SAMPLE_S:
            sampled = time.monotonic()
            tree_mb = max(tree_mb, tree_rss_mb(proc.pid))
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_f.seek(0)
    err_f.seek(0)
    text = out_f.read().decode("utf-8", "replace")
    peak_mb = rusage.ru_maxrss / 1024  # kilobytes on Linux
    if proc.returncode != 0:
        return {"task": task, "args": [str(a) for a in args], "error": err_f.read().decode("utf-8", "replace")[-2000:],
                "peak_mb": peak_mb}
    res = json.loads(text.strip().splitlines()[-1])
    res.update(task=task, args=[str(a) for a in args], peak_mb=peak_mb, tree_rss_mb=tree_mb)
    return res


TREE_SAMPLE_S = 0.1  # how often the memory of a worker and its children is sampled


def tree_rss_mb(pid: int) -> float:
    """The resident memory (MB) of a process and all its descendants, added up: pages a forked child
    still shares with its parent count twice, so this is an upper bound of what they use together.
    (Read from /proc/<pid>/status, which costs nothing: the exact figure, PSS from smaps_rollup, walks
    every page table and slowed a large close by a fifth.)  0 where /proc cannot tell."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    lo = ""
    if shutil.which("soffice"):
        try:
            lo = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout.split()
            lo = " ".join(lo[:2])
        except (OSError, subprocess.SubprocessError):
            lo = ""
    import openpyxl
    import python_calamine
    from importlib.metadata import version
    return (f"{os.cpu_count()} cores (`nproc`), {cpu}, {mem} RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, python-calamine {version('python-calamine')}, "
            f"openpyxl {openpyxl.__version__}" + (f", {lo}" if lo else ""))


def _t(r: Optional[dict], key: str = "total") -> Optional[float]:
    if not r or "error" in r:
        return None
    return r["times"].get(key)


def _fmt_t(r: Optional[dict], key: str = "total", mem: bool = True) -> str:
    if r is None:
        return "–"
    if "error" in r:
        return "timeout" if r["error"].startswith("timeout") else "failed"
    t = r["times"][key]
    s = f"{t:.2f} s" if t >= 0.1 else f"{t * 1000:.1f} ms"
    return s + (f" ({r['peak_mb']:.0f} MB)" if mem else "")


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return f"{a / b:.2f}×" if a and b else "–"


def _median_run(runs: List[dict]) -> dict:
    """The run with the median total time (the others' totals kept in info.totals)."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    ok.sort(key=lambda r: r["times"]["total"])
    out = dict(ok[(len(ok) - 1) // 2])
    out["info"] = dict(out.get("info", {}), totals=[round(r["times"]["total"], 3) for r in runs if "error" not in r])
    return out


SMALL_EVENTS = 50_000  # up to this many events the close and calamine run at least `small_repeat` times


def run_sizes(sizes: Sequence[str], out: Path, lo: bool, openpyxl_modes: Sequence[str], log=print,
              full_at: Sequence[str] = ("S",), repeat: int = 3, small_repeat: int = 7) -> Dict[str, dict]:
    """The close and its floor at every size; openpyxl and LibreOffice at the sizes in full_at
    (LibreOffice's COUNTIFS/SUMIFS work grows with staff × events: hours at L).  Returns
    {size: {name: result}}."""
    results: Dict[str, dict] = {}
    for size in sizes:
        staff, events = gen.parse_size(size)
        t = time.perf_counter()
        path = gen.cached(size, out)
        log(f"[{size}] {path.name} ready ({time.perf_counter() - t:.1f} s)")
        r: Dict[str, dict] = {}
        runs: Dict[str, List[dict]] = {"close": [], "calamine": []}
        # interleaved, so a noisy moment of the machine hits both; a small size runs more often (its
        # runs take a second each, and this machine's speed wanders by a third from minute to minute)
        for _ in range(max(1, repeat, small_repeat if events <= SMALL_EVENTS else 0)):
            for task in runs:
                runs[task].append(measure(task, path))
                log(f"[{size}] {task} {_fmt_t(runs[task][-1])}")
        r["close"], r["calamine"] = _median_run(runs["close"]), _median_run(runs["calamine"])
        full = gen.parse_size(size) in {gen.parse_size(f) for f in full_at}
        for mode in openpyxl_modes if full else ():
            r[f"openpyxl_{mode}"] = measure("openpyxl", path, mode)
            log(f"[{size}] openpyxl {mode} {_fmt_t(r[f'openpyxl_{mode}'])}")
        if lo and full:
            formulas = out / f"formulas-{staff}x{events}-s1-v{gen.VERSION}.xlsx"
            if not formulas.exists():
                gen.formula_workbook(formulas, staff, events)
            for mode in ("never", "always"):
                r[f"lo_{mode}"] = measure("libreoffice", formulas, mode)
                log(f"[{size}] LibreOffice recalc={mode} {_fmt_t(r[f'lo_{mode}'])}")
            rc, cl = r["lo_always"], r["close"]
            if "error" not in rc and "error" not in cl:
                same = sum(1 for k, v in cl["info"]["scores"].items() if rc["info"]["scores"].get(k) == v)
                rc["info"]["same_scores"] = same
                log(f"[{size}] LibreOffice scores equal to kefu-xl's: {same} of {len(cl['info']['scores'])}")
        results[size] = r
    return results


def run_scaling(points: Sequence[str], out: Path, log=print, known: Optional[Dict[tuple, dict]] = None) -> List[dict]:
    """The close at each size (a close already measured on the same file in this run is reused)."""
    rows = []
    for size in points:
        path = gen.cached(size, out)
        r = (known or {}).get(gen.parse_size(size)) or measure("close", path)
        log(f"[scaling {size}] {_fmt_t(r)}")
        rows.append({"size": size, "events": gen.parse_size(size)[1], "result": r})
    return rows


def plot_scaling(rows: Sequence[dict], png: Path) -> Optional[dict]:
    """close time vs events with a least-squares line; returns the fit (seconds per event, R²)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = [(r["events"], r["result"]["times"]) for r in rows if "error" not in r["result"]]
    if len(pts) < 2:
        return None
    xs = [p[0] for p in pts]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    fit = None
    for key, style in (("total", "o-"), ("read", "s--"), ("compute", "^--"), ("write", "v--")):
        ys = [p[1][key] for p in pts]
        ax.plot([x / 1000 for x in xs], ys, style, label=key, linewidth=2 if key == "total" else 1)
        if key == "total":
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            sxx = sum((x - mx) ** 2 for x in xs)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
            icpt = my - slope * mx
            ss_res = sum((y - (icpt + slope * x)) ** 2 for x, y in zip(xs, ys))
            ss_tot = sum((y - my) ** 2 for y in ys) or 1.0
            fit = {"us_per_event": slope * 1e6, "intercept_s": icpt, "r2": 1 - ss_res / ss_tot}
            ax.plot([0, max(xs) / 1000], [icpt, icpt + slope * max(xs)], ":", color="grey",
                    label=f"linear fit: {slope * 1e6:.1f} µs/event, R² = {fit['r2']:.4f}")
    ax.set_xlabel("events in the month (thousands; staff = events / 100)")
    ax.set_ylabel("seconds")
    ax.set_title("kefu-xl close: time vs events")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)
    return fit


def _close_sum_mb(r: dict) -> float:
    return r["peak_mb"] + (r["info"].get("writer_child_private_mb") or 0)


def report(sizes: Sequence[str], res: Dict[str, dict], udf: Optional[dict], udf_size: str,
           fit: Optional[dict], machine_text: str) -> str:
    """The markdown of RESULTS.md."""
    heads = [f"{s} ({gen.parse_size(s)[0]:,} staff × {gen.parse_size(s)[1]:,} events)" for s in sizes]
    lines = [f"Machine: {machine_text}.", "",
             "Wall time (peak memory of the process) per measurement, each in a fresh process; "
             "ratios are to measurements of the same run.  The close and the calamine read run several "
             "times per size, interleaved; the run with the median time is shown (all times: the last rows).", "",
             "| | " + " | ".join(heads) + " |", "|---|" + "---|" * len(sizes)]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(res.get(s, {})) for s in sizes) + " |")

    row("**close (kefu-xl)**", lambda r: "**" + _fmt_t(r.get("close")) + "**")
    row("– read (files.load_file: sheets to records)", lambda r: _fmt_t(r.get("close"), "read", mem=False))
    row("– compute (close.plan_close)", lambda r: _fmt_t(r.get("close"), "compute", mem=False))
    row("– write (write_sheets + atomic_replace)", lambda r: _fmt_t(r.get("close"), "write", mem=False))
    row("– the writer's forked child: its own memory (not shared with the close)", lambda r: (
        f"{r['close']['info']['writer_child_private_mb']:.0f} MB" if r.get("close") and "error" not in r["close"]
        and r["close"]["info"].get("writer_child_private_mb") else "–"))
    row("close: peak memory of the process + the writer child's own (target < 2 GB at L)", lambda r: (
        f"{_close_sum_mb(r['close']):.0f} MB" if r.get("close") and "error" not in r["close"] else "–"))
    row(f"close: its processes' resident memory added up, sampled every {TREE_SAMPLE_S:g} s (a loose upper "
        "bound: pages a forked child shares with the close count twice)", lambda r: (
            f"{r['close'].get('tree_rss_mb', 0):.0f} MB" if r.get("close") and "error" not in r["close"] else "–"))
    row("python-calamine, read the close's sheets (floor)", lambda r: _fmt_t(r.get("calamine")))
    row("openpyxl read (normal)", lambda r: _fmt_t(r.get("openpyxl_normal")))
    row("openpyxl read (read_only, the close's sheets)", lambda r: _fmt_t(r.get("openpyxl_read_only")))
    row("openpyxl load + save", lambda r: _fmt_t(r.get("openpyxl_roundtrip")))
    row("LibreOffice open + save, no recalculation", lambda r: _fmt_t(r.get("lo_never")))
    row("LibreOffice recalculating the formula workbook", lambda r: _fmt_t(r.get("lo_always")))
    row("close (target < 15 s at L)", lambda r: _fmt_t(r.get("close"), mem=False))
    row("close ÷ calamine read (target ≤ 3× at S)", lambda r: _ratio(_t(r.get("close")), _t(r.get("calamine"))))
    row("LibreOffice recalculation ÷ close (target ≥ 3× at S)",
        lambda r: _ratio(_t(r.get("lo_always")), _t(r.get("close"))))
    row("openpyxl read ÷ close", lambda r: _ratio(_t(r.get("openpyxl_normal")), _t(r.get("close"))))
    row("every run of the close (s)", lambda r: ", ".join(f"{x:.2f}" for x in (r.get("close") or {}).get(
        "info", {}).get("totals", ())) or "–")
    row("every run of the calamine read (s)", lambda r: ", ".join(f"{x:.2f}" for x in (r.get("calamine") or {}).get(
        "info", {}).get("totals", ())) or "–")
    row("LibreOffice scores equal to kefu-xl's",
        lambda r: (f"{r['lo_always']['info'].get('same_scores', '–')} of {len(r['close']['info']['scores'])}"
                   if r.get("lo_always") and "error" not in r["lo_always"] and "error" not in r.get("close", {"error": 1})
                   else "–"))
    if udf is not None:
        st, ev = gen.parse_size(udf_size)
        lines += ["", f"Excel functions, Python side ({st:,} staff × {ev:,} events; 2-D lists as xlwings passes "
                      f"them; {st} KEFU_SCORE cells, one per person):", ""]
        if "error" in udf:
            lines.append(f"failed: {udf['error'][-300:]}")
        else:
            u = udf["times"]

            def ms(x):
                return f"{x * 1e6:.0f} µs" if x < 0.001 else f"{x * 1000:.1f} ms" if x < 10 else f"{x:.2f} s"
            lines += ["| | cold, same list objects | warm, same list objects | cold, new lists every call "
                      "| warm, new lists every call |", "|---|---|---|---|---|",
                      f"| KEFU_BOARD | {ms(u['board_cold'])} | {ms(u['board_warm_same'])} | {ms(u['board_cold'])} "
                      f"| {ms(u['board_warm_new'])} |",
                      f"| {st} × KEFU_SCORE (whole sheet) | {ms(u['sheet_cold_same'])} | {ms(u['sheet_warm_same'])} "
                      f"| {ms(u['sheet_cold'])} | {ms(u['sheet_warm_new'])} |",
                      f"| {st} × KEFU_SCORE ÷ one KEFU_BOARD (target ≤ 2×) | "
                      f"{u['sheet_cold_same'] / u['board_cold']:.2f}× | "
                      f"{u['sheet_warm_same'] / u['board_warm_same']:.2f}× | "
                      f"{u['sheet_cold'] / u['board_cold']:.2f}× | {u['sheet_warm_new'] / u['board_warm_new']:.2f}× |",
                      "", f"Building one set of new argument lists in Python (what xlwings does before every call, "
                          f"a floor for a warm call with new lists): {ms(u['build_lists'])}."]
    if fit:
        lines += ["", f"Scaling (bench/scaling.png): {fit['us_per_event']:.1f} µs per event, "
                      f"{fit['intercept_s']:.2f} s fixed, R² = {fit['r2']:.4f} for a straight line."]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help="S,M,L or <staff>x<events>, comma separated")
    ap.add_argument("--out", default=str(ROOT / "out" / "bench"), help="where generated workbooks are kept")
    ap.add_argument("--udf", default=UDF_SIZE, help="<staff>x<events> for the UDF measurements ('' to skip)")
    ap.add_argument("--scaling", default=",".join(SCALING), help="sizes of the scaling plot ('' to skip)")
    ap.add_argument("--no-lo", action="store_true", help="skip LibreOffice")
    ap.add_argument("--full-at", default="S", help="sizes that also get openpyxl and LibreOffice (default S)")
    ap.add_argument("--openpyxl", default="normal,read_only,roundtrip", help="openpyxl modes ('' to skip)")
    ap.add_argument("--results", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--plot", default=str(HERE / "scaling.png"))
    ap.add_argument("--json", help="also write every raw result here")
    ap.add_argument("--repeat-small", type=int, default=7,
                    help=f"runs of the close and of calamine at sizes of up to {SMALL_EVENTS:,} events (at least)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of the close and of calamine per size, interleaved; the median is reported")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [s for s in a.sizes.split(",") if s]
    lo = not a.no_lo and shutil.which("soffice") is not None
    modes = [m for m in a.openpyxl.split(",") if m]
    res = run_sizes(sizes, out, lo, modes, full_at=[x for x in a.full_at.split(",") if x], repeat=a.repeat,
                    small_repeat=a.repeat_small)
    udf = None
    if a.udf:
        udf = measure("udf", a.udf)
        print(f"[udf {a.udf}] " + ("failed" if "error" in udf else
                                   ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in udf["times"].items())))
    fit = None
    scaling = []
    if a.scaling:
        known = {gen.parse_size(k): v["close"] for k, v in res.items() if "close" in v}
        scaling = run_scaling([s for s in a.scaling.split(",") if s], out, known=known)
        fit = plot_scaling(scaling, Path(a.plot))
    text = report(sizes, res, udf, a.udf, fit, machine())
    Path(a.results).write_text("# kefu-xl benchmark results\n\n" + text + "\nReproduce: `python3 bench/run.py` "
                               "(generated workbooks are kept in out/bench).\n", encoding="utf-8")
    print()
    print(text)
    everything = {"sizes": res, "udf": udf, "scaling": scaling, "fit": fit}
    if a.json:
        Path(a.json).write_text(json.dumps(everything, ensure_ascii=False, indent=1), encoding="utf-8")
    return everything


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        result = WORKERS[sys.argv[2]](sys.argv[3:])
        print(json.dumps(result, ensure_ascii=False))
    else:
        main()
