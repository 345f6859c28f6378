"""Issue 21 item 1: one command at a time on a workbook (lock.py), no month lost to a concurrent close."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kefu_xl.xlsx import files
from kefu_xl.xlsx import lock as locking
from kefu_xl.xlsx import workbook as xlsxio

HAN = lambda s: any("\u4e00" <= ch <= "\u9fff" for ch in s)  # noqa: E731


@pytest.fixture()
def demo(tmp_path):
    return files.init_workbook(tmp_path / "book.xlsm", demo=True)


def _months(path):
    grids = xlsxio.read_grids(path, ["历史"])
    return {r[0] for r in grids["历史"].rows[1:]} if "历史" in grids else set()


def _cli(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "kefu_xl", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ, **(env or {})), text=True)


def test_lock_file_is_exclusive_and_names_its_holder(demo):
    with locking.workbook_lock(demo, "月结") as held:
        data = json.loads(locking.lock_path(demo).read_text(encoding="utf-8"))
        assert data["pid"] == os.getpid() and data["what"] == "月结" and data["host"] == socket.gethostname()
        assert data["user"] and data["since"] and data["token"] == held.token
        started = time.monotonic()
        with pytest.raises(locking.WorkbookBusy) as err:
            locking.acquire(demo, "重开", wait=0.3)
        assert time.monotonic() - started >= 0.3
        assert "正被" in str(err.value) and str(os.getpid()) in str(err.value) and "月结" in str(err.value)
    assert not locking.lock_path(demo).exists()


def test_second_command_is_refused_with_exit_2_and_the_file_unchanged(demo):
    before = demo.read_bytes()
    with locking.workbook_lock(demo, "导入"):
        proc = _cli("close", demo, "--month", "2026-10")
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, (out, err)
    assert "正被" in err and "导入" in err and "Traceback" not in err
    assert demo.read_bytes() == before


def test_stale_lock_of_a_dead_process_is_broken(demo):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = locking.lock_path(demo)
    lock.write_text(json.dumps({"user": "x", "host": socket.gethostname(), "pid": dead.pid, "since": "2026-01-01",
                                "what": "月结", "token": "t"}), encoding="utf-8")
    plan = files.close_file(demo, files.Month(2026, 10), wait=0.5)
    assert plan.exit_code == 0 and "2026-10" in _months(demo)
    assert not lock.exists()


def test_lock_of_another_host_is_stale_only_when_old(demo):
    lock = locking.lock_path(demo)
    lock.write_text(json.dumps({"user": "x", "host": "other-pc", "pid": 1, "since": "2026-01-01", "what": "月结",
                                "token": "t"}), encoding="utf-8")
    with pytest.raises(locking.WorkbookBusy, match="other-pc"):
        locking.acquire(demo, wait=0.2)
    old = time.time() - locking.STALE_SECONDS - 60
    os.utime(lock, (old, old))
    locking.acquire(demo, wait=0.2).release()
    assert not lock.exists()


def test_release_keeps_a_lock_that_is_not_ours(demo):
    held = locking.acquire(demo)
    locking.lock_path(demo).unlink()
    other = locking.acquire(demo)
    held.release()  # the first holder's lock was broken: it must not remove the second one's
    assert locking.lock_path(demo).exists()
    other.release()


def test_a_file_saved_by_another_program_during_the_close_is_not_replaced(demo, monkeypatch):
    real = files._load

    def saved_meanwhile(path):
        loaded = real(path)
        with open(path, "ab") as f:  # another program saves the workbook while it is read
            f.write(b"\0")
        return loaded
    monkeypatch.setattr(files, "_load", saved_meanwhile)
    with pytest.raises(locking.WorkbookChanged, match="被其他程序修改"):
        files.close_file(demo, files.Month(2026, 10))
    assert not locking.lock_path(demo).exists()


def test_concurrent_closes_never_lose_a_month_20_runs(tmp_path):
    """Issue 21: closing October and November at once, 20 times: both months present, or one refused."""
    original = files.init_workbook(tmp_path / "orig.xlsm", demo=True).read_bytes()
    refused = 0
    for i in range(20):
        path = tmp_path / f"run{i:02d}.xlsm"
        path.write_bytes(original)
        env = {locking.WAIT_ENV: "0.2"} if i % 2 else {}  # odd runs: a short wait, so refusals happen too
        a, b = _cli("close", path, "--month", "2026-10", env=env), _cli("close", path, "--month", "2026-11", env=env)
        outs = [(p.wait(timeout=300), *p.communicate()) for p in (a, b)]
        months = _months(path)
        for (rc, out, err), m in zip(outs, ("2026-10", "2026-11")):
            assert "Traceback" not in err and "损坏" not in err, err
            if rc == 0:
                assert m in months, (i, outs, months)
            else:
                assert rc == 2 and "正被" in err and HAN(err), (i, outs)
                refused += 1
        assert any(rc == 0 for rc, _, _ in outs)
        assert not locking.lock_path(path).exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kefu-")]
    assert refused < 40
