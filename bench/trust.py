"""Benchmark of issue 21: the close with the seal chain and the workbook lock against the close before.

    python3 bench/trust.py --ref /work/base --ref /path/to/main-before --sizes S M --repeat 5

Each checkout (this one, and every --ref) generates its own workbook of each
size with its own bench/gen.py (the formats differ: full-digest seals and a
chain here, short fingerprints before), then the closes run in fresh
processes, the checkouts taking turns in every round, so a slow spell of this
shared machine hits them alike.  Times are files.close_file's own wall seconds
(no interpreter start-up); the table gives the medians and each ratio to this
checkout.  Results go to bench/TRUST_RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

GENERATE = """
import sys
sys.path[:0] = [{root!r}, {bench!r}]
import gen
staff, events = gen.SIZES[{size!r}]
gen.generate({path!r}, staff, events)
"""

CLOSE = """
import sys, time, json
sys.path.insert(0, {root!r})
try:
    from kefu_xl.xlsx import files
except ImportError:
    from kefu_xl import files
t = time.perf_counter()
plan = files.close_file({path!r})
print(json.dumps({{"seconds": time.perf_counter() - t, "exit": plan.exit_code}}))
"""


def _run(code: str, root: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(root))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=str(root),
                       timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    return p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", action="append", default=[], help="another checkout to compare with")
    ap.add_argument("--sizes", nargs="+", default=["S", "M"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "out" / "bench-trust"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    roots = [("this", ROOT)] + [(Path(r).name or r, Path(r).resolve()) for r in args.ref]
    times = {(name, size): [] for name, _ in roots for size in args.sizes}
    books = {}
    for name, root in roots:
        for size in args.sizes:
            path = out / f"{name}-{size}.xlsm"
            if not path.exists():
                _run(GENERATE.format(root=str(root), bench=str(root / "bench"), size=size, path=str(path)), root)
            books[(name, size)] = path
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        for rnd in range(args.repeat):
            order = roots[rnd % len(roots):] + roots[:rnd % len(roots)]
            for size in args.sizes:
                for name, root in order:
                    copy = Path(tmp) / f"{name}-{size}.xlsm"
                    shutil.copyfile(books[(name, size)], copy)
                    got = json.loads(_run(CLOSE.format(root=str(root), path=str(copy)), root))
                    assert got["exit"] == 0, (name, size, got)
                    times[(name, size)].append(got["seconds"])
                    for p in Path(tmp).iterdir():
                        p.unlink()
    lines = ["# The close before and after the seal chain and the lock (issue 21)", "",
             f"Fresh processes, {args.repeat} rounds, checkouts taking turns; files.close_file wall seconds.",
             "Each checkout closes the workbook its own bench/gen.py makes (12 closed months before it).", "",
             "| size | " + " | ".join(f"{n} median (s)" for n, _ in roots) + " | " +
             " | ".join(f"this ÷ {n}" for n, _ in roots[1:]) + " |",
             "|---" * (1 + 2 * len(roots) - 1) + "|"]
    for size in args.sizes:
        med = {n: statistics.median(times[(n, size)]) for n, _ in roots}
        lines.append(f"| {size} | " + " | ".join(f"{med[n]:.2f}" for n, _ in roots) + " | " +
                     " | ".join(f"{med['this'] / med[n]:.2f}×" for n, _ in roots[1:]) + " |")
    lines += ["", "Every run (s):", ""]
    for (n, size), ts in times.items():
        lines.append(f"- {n} {size}: " + ", ".join(f"{t:.2f}" for t in ts))
    text = "\n".join(lines) + "\n"
    (HERE / "TRUST_RESULTS.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
