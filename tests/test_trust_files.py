"""Issue 5 on real files: bad input leaves the file byte for byte; a killed close
leaves either the old or the new workbook, and it opens in LibreOffice."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kefu_xl.xlsx import files
from kefu_xl.xlsx import workbook as xlsxio
from kefu_xl.core.grid import Grid
from tests.bad_inputs import CASES, base
from tests.workbooks import save

BAD = [c for c in CASES if c[3] is not None and c[3] != "E_SHEET_MISSING"]


@pytest.mark.parametrize("name,scheme,mutate,code,sheet,row,column", BAD, ids=[c[0] for c in BAD])
def test_bad_input_file_is_unchanged_byte_for_byte(tmp_path, name, scheme, mutate, code, sheet, row, column):
    book = base(scheme)
    new_row = mutate(book)
    path = save({n: Grid.of(n, rows) for n, rows in book.items()}, tmp_path / "book.xlsx")
    before = path.read_bytes()
    plan = files.close_file(path)
    assert plan.exit_code == 1
    hits = [p for p in plan.errors if p.code == code]
    assert hits, [(p.code, p.row, p.column) for p in plan.problems]
    want_row = new_row if row is None else row
    assert any((p.sheet, p.row, p.column) == (sheet, want_row, column) for p in hits), \
        [(p.sheet, p.row, p.column) for p in hits]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def _book(tmp_path, n_staff=60, n_events=6000):
    from tests.test_udfs_macros import demo_grids
    import datetime as dt
    g = demo_grids("2026-10")
    rnd = random.Random(7)
    staff = [list(g["员工"].rows[0])] + [list(r) for r in g["员工"].rows[1:]]
    events = [list(g["事件"].rows[0])] + [list(r) for r in g["事件"].rows[1:] if r[0].month == 10]
    header = events[0]
    ids = [r[0] for r in staff[1:]]
    for _ in range(n_events):
        row = [None] * len(header)
        row[header.index("日期")] = dt.datetime(2026, 10, rnd.randint(1, 31))
        row[header.index("工号")] = rnd.choice(ids)
        row[header.index("规则")] = rnd.choice(["好评表扬", "态度投诉", "好建议"])
        events.append(row)
    g["事件"] = Grid.of("事件", events)
    return save(g, tmp_path / "book.xlsx")


STEPS = ("read-done", "plan-done", "before-temp", "before-fsync", "temp-written", "before-backup", "after-backup", "before-replace")


def _run_close(path, env_extra=None, kill_after=None):
    env = dict(os.environ, **(env_extra or {}))
    proc = subprocess.Popen([sys.executable, "-m", "kefu_xl", "close", str(path), "--month", "2026-10"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=120)


def test_killed_close_leaves_old_or_new_workbook_at_22_moments_and_no_temp_after_the_next_run(tmp_path):
    """Issue 5 and issue 21: killed at each step of the save (before and after the temporary's fsync, before the
    rename) and at 14 random moments: the old or the new workbook, and the next run leaves no temporary file."""
    original = _book(tmp_path)
    old = original.read_bytes()
    started = time.perf_counter()
    assert _run_close(shutil.copy(original, tmp_path / "ref.xlsx")) == 0
    full = time.perf_counter() - started
    rnd = random.Random(2026)
    moments = [("hook", s) for s in STEPS] + [("kill", rnd.uniform(0.05, full)) for _ in range(14)]
    outcomes = []
    for i, (how, when) in enumerate(moments):
        d = tmp_path / f"run{i:02d}"
        d.mkdir()
        path = Path(shutil.copy(original, d / "book.xlsx"))
        if how == "hook":
            assert _run_close(path, {xlsxio.FAULT_ENV: when}) == 86
        else:
            _run_close(path, kill_after=when)
        data = path.read_bytes()
        if data == old:
            outcomes.append("old")
        else:
            grids = xlsxio.read_grids(path, ["历史", "结果"])
            assert any(r[0] == "2026-10" for r in grids["历史"].rows[1:]), (how, when)
            assert (d / "book.xlsx.bak").read_bytes() == old
            outcomes.append("new")
        # the next run (a close again: it closes, or is refused as already closed) removes what the kill left
        assert _run_close(path) in (0, 2)
        leftovers = [p.name for p in d.iterdir() if p.name.startswith(".kefu-") or p.name.startswith(".~kefu")]
        assert leftovers == [], (how, when, leftovers)
    assert "old" in outcomes and len(outcomes) == len(moments) == 22
    # every resulting workbook opens in LibreOffice (one soffice run converts them all)
    together = tmp_path / "all"
    together.mkdir()
    for i in range(len(moments)):
        shutil.copy(tmp_path / f"run{i:02d}" / "book.xlsx", together / f"book{i:02d}.xlsx")
    out = tmp_path / "converted"
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--convert-to", "ods", "--outdir", str(out)] + sorted(str(p) for p in together.iterdir()),
                   capture_output=True, timeout=600)
    assert sorted(p.name for p in out.glob("*.ods")) == [f"book{i:02d}.ods" for i in range(len(moments))]
