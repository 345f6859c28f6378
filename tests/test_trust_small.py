"""Issue 21 item 6: a duplicated header column is said, an overwritten 等级 header gives one problem
naming the header, 明细 cells fit Excel's 32,767 characters, forked children die with a killed close."""
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from kefu_xl.write import results as writers
from kefu_xl.xlsx import aside
from tests.bad_inputs import base


def _plan(mutate):
    b = base("tmall-30")
    mutate(b)
    return closing.plan_close(closing.load({n: Grid.of(n, r) for n, r in b.items()}))


def test_a_duplicated_header_column_is_reported_with_both_columns():
    def dup(b):
        for r in b["员工"]:
            r.append(r[3])  # a second 等级 column, J
    plan = _plan(dup)
    hits = [p for p in plan.problems if p.code == "W_DUPLICATE_COLUMN"]
    assert [(p.sheet, p.row, p.column, p.severity) for p in hits] == [("员工", 1, "等级", "warning")]
    assert "第 D 列和第 J 列" in hits[0].message and plan.exit_code == 0


def test_an_overwritten_tier_header_is_one_problem_naming_the_header():
    def overwrite(b):
        b["员工"][0][3] = "级别"
    plan = _plan(overwrite)
    tier = [p for p in plan.errors if p.code == "E_PAY_NO_TIER"]
    assert len(tier) == 1 and "「级别」" in tier[0].message and (tier[0].sheet, tier[0].column) == ("员工", "等级")


def test_a_32767_character_note_gives_a_details_cell_within_excels_limit():
    note = "长" * 32767

    def long_note(b):
        b["事件"].append([dt.datetime(2026, 11, 4), "K01", "态度投诉", None, None, None, None, None, None, note])
    plan = _plan(long_note)
    details = next(s for s in plan.sheets if s.name == "明细")
    texts = [c for r in details.rows for c in r if isinstance(c, str)]
    assert max(len(t) for t in texts) == writers.CELL_CHARS
    assert any(t.endswith("（已截断）") for t in texts)


def test_a_forked_child_dies_with_its_killed_parent():
    if not aside.CAN_FORK:
        return
    script = textwrap.dedent("""
        import sys, time
        from kefu_xl.xlsx import aside
        job = aside.start(time.sleep, 60)
        print(job.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ))
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 3
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False
