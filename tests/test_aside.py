"""Work done aside (kefu_xl/aside.py): a forked child gives the same answer as this process."""
import os

import pytest

from kefu_xl.xlsx import aside
from kefu_xl.close import plan as closing
from tests.util import grids

EVENTS = "日期 工号 规则 数量\n2026-11-03 K01 态度投诉 2\n2026-11-05 K02 好评表扬 1\n2026-11-06 K01 好建议 1"


def _pid_and(value):
    return os.getpid(), value


def _fails():
    raise RuntimeError("the child breaks")


def test_a_forked_child_computes_the_value():
    job = aside.start(_pid_and, "甲")
    assert job.forked == aside.CAN_FORK
    pid, value = job.result()
    assert value == "甲"
    assert (pid != os.getpid()) == aside.CAN_FORK


def _pid_nice_and(value):
    return os.getpid(), os.nice(0), value


def test_a_child_that_gives_way_runs_at_a_lower_priority():
    job = aside.start(_pid_nice_and, "乙", nice=5)
    pid, niceness, value = job.result()
    assert value == "乙"
    if aside.CAN_FORK:
        assert pid != os.getpid() and niceness == os.nice(0) + 5


def test_a_failing_child_is_computed_again_here():
    job = aside.start(_pid_and, 7)
    if job.pid:
        os.kill(job.pid, 9)  # a child killed before it wrote ...
        job.out.truncate(0)  # ... or one whose answer cannot be read back: computed here
    pid, value = job.result()
    assert (pid, value) == (os.getpid(), 7)
    with pytest.raises(RuntimeError):
        aside.start(_fails).result()  # the child's error is the function's: raised here, where it runs


def test_no_fork_runs_here():
    job = aside.start(_pid_and, 1, fork=False)
    assert not job.forked
    assert job.result() == (os.getpid(), 1)


def _sleeps(seconds):
    import time
    time.sleep(seconds)
    return "done"


def test_cancel_stops_the_child():
    job = aside.start(_sleeps, 60)
    child = job.pid
    assert (child is not None) == aside.CAN_FORK
    job.cancel()
    assert job.pid is None
    assert job.value("nothing") == "nothing"  # no value from a cancelled child, and none computed here
    if child is not None:
        with pytest.raises(ChildProcessError):  # killed and reaped: no such child any more
            os.waitpid(child, os.WNOHANG)
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)


def test_seal_computed_aside_equals_the_seal_computed_here(monkeypatch):
    def plan():
        return closing.plan_close(closing.load(grids("tmall-30", EVENTS)), now=closing.dt.datetime(2026, 12, 1))
    here = plan()
    monkeypatch.setattr(closing, "ASIDE_EVENTS", 0)
    started = []
    real = aside.start
    monkeypatch.setattr(aside, "start", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    there = plan()
    assert started and started[0].forked == aside.CAN_FORK
    assert here.exit_code == there.exit_code == 0
    assert here.digest == there.digest and len(here.digest) == 16
    assert here.sheets == there.sheets
    seals = [s for s in there.sheets if s.name == "封存"][0]
    assert {r[2] for r in seals.rows} >= {"事件", "员工", "员工工资列", "规则", "等级", "参数", "事件未计入", "历史",
                                          "工资历史", "结果", "工资表", "操作记录", "工资条"}


def test_value_is_the_childs_or_the_default_without_computing_here():
    pid, value = aside.start(_pid_and, 3).value(("here", None))
    assert (pid, value) == (("here", None) if not aside.CAN_FORK else (pid, 3)) and pid != os.getpid()
    assert aside.start(_fails).value("none") == "none"  # the child failed: nothing is computed here
    assert aside.start(_pid_and, 4, fork=False).value("none") == "none"
