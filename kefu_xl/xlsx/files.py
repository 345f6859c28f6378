"""The file shell: workbooks on disk, with no Excel.

Reads the input sheets with the fast reader, runs the pure close, and writes
only the sheets the close owns, all-or-nothing (a new file replaces the old
one atomically; the previous version is kept as ``.bak``).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..close import plan as closing
from . import aside
from . import lock as locking
from ..core import schema
from . import workbook as xlsxio
from ..core.model import Month, Problem
from .progress import Progress
from .who import os_user

TEMPLATE_NAME = "workbook_template.xlsm"


def template_path() -> Path:
    """The shipped template: next to the package (checkout / editable install), or where a
    wheel installs it (<prefix>/share/kefu-xl)."""
    here = Path(__file__).resolve().parent.parent
    for p in (here.parent / TEMPLATE_NAME, Path(sys.prefix) / "share" / "kefu-xl" / TEMPLATE_NAME):
        if p.exists():
            return p
    raise FileNotFoundError(f"找不到模板 {TEMPLATE_NAME}：请在仓库根目录运行 python3 tools/build_template.py")


def load_file(path, held: Optional[locking.WorkbookLock] = None) -> closing.Loaded:
    """The workbook's sheets as records: the small sheets become records while 事件 is still parsed.

    The reader opens the file more than once (worker threads): with `held`
    (the workbook lock) the file must still be the one the lock saw, else
    WorkbookChanged; without it, a file replaced while it was read is read
    again (a check or dry run never mixes two versions)."""
    if held is not None:
        held.check_unchanged()
        loaded = _load(path)
        held.check_unchanged()
        return loaded
    for _ in range(3):
        seen = locking.FileIdentity.of(path)
        loaded = _load(path)
        if locking.FileIdentity.of(path) == seen:
            return loaded
    raise locking.WorkbookChanged(locking.changed_message(path))


def _load(path) -> closing.Loaded:
    with xlsxio.open_grids(path, closing.READ_NAMES) as grids:
        return closing.load(grids, grids.properties)


def replace_sheets(path, sheets, held: locking.WorkbookLock, packs=None, charts=(), properties=None) -> None:
    """Write `sheets` (and custom document `properties`) into the workbook in place (atomic_replace),
    refusing when the file is no longer the one `held` saw; afterwards `held` sees the new file (a later
    write under the same lock).  `charts`: the plan's charts sized to the data (the template's charts are
    resized to them)."""
    xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, sheets, packs, charts,
                                                                properties=dict(properties or {})),
                          guard=held.check_unchanged)
    held.refresh()


def close_file(path, month: Optional[Month] = None, dry_run: bool = False, as_of: Optional[dt.date] = None,
               user: Optional[str] = None, progress: Optional[Progress] = None, now: Optional[dt.datetime] = None,
               times: Optional[Dict[str, float]] = None, held: Optional[locking.WorkbookLock] = None,
               wait: Optional[float] = None) -> closing.Plan:
    """Close a month on a workbook file.  Writes only when the plan is clean.

    A real close holds the workbook lock (lock.py) from the read to the
    replace: `held` when the caller holds it already, else taken here
    (waiting up to `wait` seconds; WorkbookBusy after).  A dry run takes no lock.
    `times`, when given, gets the seconds of each phase: read (sheets to
    records), compute (the plan) and write (the new file in place).
    """
    if held is None and not dry_run:
        with locking.workbook_lock(path, "月结", wait=wait) as own:
            return close_file(path, month, dry_run, as_of, user, progress, now, times, own)
    progress = progress or Progress(force=False)
    clock = _Clock(times)
    # a large workbook: a child deflates the append-only sheets' rows while this process reads and computes
    packing = aside.start(xlsxio.pack_rows, path, closing.APPEND_ONLY_NAMES,
                          fork=not dry_run and _size(path) >= PACK_AHEAD_BYTES, nice=10)
    try:
        with aside.no_cycle_collection():
            progress.step("读取")
            loaded = load_file(path, held)
            xlsxio.fault_point("read-done")
            clock.lap("read")
            progress.step("计算")
            plan = closing.plan_close(loaded, month, as_of, user or os_user(), now)
            xlsxio.fault_point("plan-done")
            clock.lap("compute")
            if plan.exit_code == closing.EXIT_OK and not dry_run:
                progress.step("写入")
                replace_sheets(path, plan.sheets, held, packing.value({}), plan.charts, plan.properties)
            clock.lap("write")
    finally:
        packing.cancel()
    progress.step("完成")
    return plan


PACK_AHEAD_BYTES = 4 << 20  # from this file size the append-only sheets are packed ahead (xlsxio.pack_rows)


def _size(path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class _Clock:
    """Seconds per phase into a dict (or nowhere)."""

    def __init__(self, times: Optional[Dict[str, float]]):
        self.times, self.last = times, time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.times is not None:
            self.times[phase] = now - self.last
        self.last = now


def reopen_file(path, month: Month, reason: str, user: Optional[str] = None,
                wait: Optional[float] = None) -> closing.Plan:
    with locking.workbook_lock(path, "重开", wait=wait) as held:
        loaded = load_file(path, held)
        plan = closing.plan_reopen(loaded, month, reason, user or os_user())
        if plan.exit_code == closing.EXIT_OK:
            replace_sheets(path, plan.sheets, held)
    return plan


def log_action(path, action: str, month: Month, detail: str, user: Optional[str] = None,
               held: Optional[locking.WorkbookLock] = None) -> None:
    """Append one line to the 操作记录 sheet (e.g. a payslip run), under the workbook lock."""
    if held is None:
        with locking.workbook_lock(path, action) as own:
            return log_action(path, action, month, detail, user, own)
    loaded = load_file(path, held)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    sheet = closing.writers.log_sheet(tuple(loaded.log_rows) + ((stamp, user or os_user(), action, str(month),
                                                                  detail, ""),), kept=len(loaded.log_rows))
    replace_sheets(path, [sheet], held)


def settings_of(path, month: Optional[Month] = None):
    """The 参数 in force in `month` (core/settings.py), read on their own (e.g. 工资条密码方式 for payslips)."""
    from ..core import settings
    from ..read.readers import read_settings
    grids = xlsxio.read_grids(path, [schema.SETTINGS.name])
    rows, _ = read_settings(grids.get(schema.SETTINGS.name))
    return settings.read(rows).at(month)


def check_file(path, month: Optional[Month] = None, as_of: Optional[dt.date] = None):
    loaded = load_file(path)
    result, pays, problems = closing.compute(loaded, month, as_of)
    return result, list(problems) + file_problems(path)


def file_problems(path) -> List[Problem]:
    """Warnings about the file itself: spilling KEFU functions whose dynamic-array flag another program
    dropped and the next close cannot give back (xlsxio.dynamic_array_problems)."""
    out = []
    for at in xlsxio.dynamic_array_problems(path):
        sheet, cell = at.split("!", 1)
        out.append(Problem("W_DYNAMIC_ARRAY", f"{cell} 的 KEFU 函数已不是动态数组公式（文件被其他软件另存过），"
                           "在 Excel 中不会自动溢出；请在 Excel 里重新输入该公式（直接回车，不要按 Ctrl+Shift+Enter）",
                           sheet, severity="warning"))
    return out


# ---------------------------------------------------------------- init
def init_workbook(path, scheme: Optional[str] = None, demo: bool = False, month: Optional[str] = None,
                  force: bool = False, demo_imports: bool = False) -> Path:
    """A new workbook: a copy of the shipped template, or, with a scheme, month or
    demo data, the same template built with them (reusing the shipped VBA project).
    `demo_imports`: the demo staff get their 平台账号 and the imported month's 业绩 is left
    for `kefu-xl import` (the `kefu-xl demo` run)."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} 已存在；如要覆盖请加 --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = template_path()
    if not (scheme or demo or month):
        shutil.copyfile(source, path)
        return path
    from ..rules import presets
    from . import template
    staff: List[dict] = []
    events: List[dict] = []
    if demo:
        from . import demo as demo_data
        scheme = scheme or demo_data.DEMO_SCHEME
        month = month or str(demo_data.DEMO_MONTHS[0])
        staff, events = demo_data.staff_rows(), demo_data.event_rows()
        if demo_imports:
            staff = [dict(r, accounts=demo_data.shop_accounts(r["id"])) for r in staff]
            events = demo_data.event_rows(imported=(demo_data.IMPORTED_MONTH,))
    with zipfile.ZipFile(source) as z:
        vba = z.read("xl/vbaProject.bin")
    template.build_template(path, vba_project=vba, scheme=scheme or presets.DEFAULT_SCHEME,
                            month=month or "2026-11", staff=staff, events=events)
    return path
