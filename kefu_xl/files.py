"""The file shell: workbooks on disk, with no Excel.

Reads the input sheets with the fast reader, runs the pure close, and writes
only the sheets the close owns, all-or-nothing (a new file replaces the old
one atomically; the previous version is kept as ``.bak``).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from . import close as closing
from . import schema, xlsxio
from .model import Month
from .progress import Progress
from .who import os_user

TEMPLATE_NAME = "workbook_template.xlsm"


def template_path() -> Path:
    """The shipped template: next to the package (checkout / editable install) or inside it."""
    here = Path(__file__).resolve().parent
    for p in (here.parent / TEMPLATE_NAME, here / TEMPLATE_NAME):
        if p.exists():
            return p
    raise FileNotFoundError(f"找不到模板 {TEMPLATE_NAME}：请在仓库根目录运行 python3 tools/build_template.py")


def load_file(path) -> closing.Loaded:
    grids = xlsxio.read_grids(path, closing.READ_NAMES)
    return closing.load(grids)


def close_file(path, month: Optional[Month] = None, dry_run: bool = False, as_of: Optional[dt.date] = None,
               user: Optional[str] = None, progress: Optional[Progress] = None) -> closing.Plan:
    """Close a month on a workbook file.  Writes only when the plan is clean."""
    progress = progress or Progress(force=False)
    progress.step("读取")
    loaded = load_file(path)
    xlsxio.fault_point("read-done")
    progress.step("计算")
    plan = closing.plan_close(loaded, month, as_of, user or os_user())
    xlsxio.fault_point("plan-done")
    if plan.exit_code == closing.EXIT_OK and not dry_run:
        progress.step("写入")
        xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, plan.sheets))
    progress.step("完成")
    return plan


def reopen_file(path, month: Month, reason: str, user: Optional[str] = None) -> closing.Plan:
    loaded = load_file(path)
    plan = closing.plan_reopen(loaded, month, reason, user or os_user())
    if plan.exit_code == closing.EXIT_OK:
        xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, plan.sheets))
    return plan


def log_action(path, action: str, month: Month, detail: str, user: Optional[str] = None) -> None:
    """Append one line to the 操作记录 sheet (e.g. a payslip run)."""
    loaded = load_file(path)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    sheet = closing.writers.log_sheet(tuple(loaded.log_rows) + ((stamp, user or os_user(), action, str(month),
                                                                  detail, ""),))
    xlsxio.atomic_replace(path, lambda tmp: xlsxio.write_sheets(path, tmp, [sheet]))


def check_file(path, month: Optional[Month] = None, as_of: Optional[dt.date] = None):
    loaded = load_file(path)
    result, pays, problems = closing.compute(loaded, month, as_of)
    return result, problems


# ---------------------------------------------------------------- init
def init_workbook(path, scheme: Optional[str] = None, demo: bool = False, month: Optional[str] = None,
                  force: bool = False) -> Path:
    """A new workbook from the template; with demo data on request."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} 已存在；如要覆盖请加 --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_path(), path)
    settings: Dict[str, object] = {}
    if scheme:
        settings["方案"] = scheme
    if month:
        settings["月份"] = month
    rows: Dict[str, List[dict]] = {}
    if demo:
        from . import demo as demo_data
        settings.setdefault("方案", demo_data.DEMO_SCHEME)
        settings.setdefault("月份", str(demo_data.DEMO_MONTHS[0]))
        rows[schema.STAFF.name] = demo_data.staff_rows()
        rows[schema.EVENTS.name] = demo_data.event_rows()
    if settings or rows:
        fill_inputs(path, rows, settings)
    return path


def fill_inputs(path: Path, rows: Dict[str, List[dict]], settings: Dict[str, object]) -> None:
    """Put rows into the (empty) input tables of a fresh copy of the template.

    Only used on a new file made from our own template, which holds nothing of
    the user's yet, so an openpyxl load and save (keeping the VBA) is safe here.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, keep_vba=True)
    for sheet_name, data in rows.items():
        spec = schema.BY_NAME[sheet_name]
        ws = wb[sheet_name]
        header = [c.value for c in ws[1]]
        keys = {}
        for c in spec.columns:
            if c.header in header:
                keys[c.key] = header.index(c.header) + 1
        for r, row in enumerate(data, start=2):
            for key, col in keys.items():
                v = row.get(key)
                cell = ws.cell(row=r, column=col)
                cell.value = v
        _resize_table(ws, spec.key, len(data) + 1, len(header))
    if settings:
        ws = wb[schema.SETTINGS.name]
        for row in ws.iter_rows(min_row=2):
            key = row[0].value
            if key in settings:
                row[1].value = settings.pop(key)
        for key, value in settings.items():
            ws.append([key, value])
        _resize_table(ws, schema.SETTINGS.key, ws.max_row, ws.max_column)
    wb.save(path)


def _resize_table(ws, name: str, last_row: int, ncols: int) -> None:
    from openpyxl.utils import get_column_letter

    for t in ws.tables.values():
        if t.name == name or t.displayName == name:
            start = t.ref.split(":")[0]
            end_col = "".join(ch for ch in t.ref.split(":")[1] if ch.isalpha())
            end_row = max(last_row, int("".join(ch for ch in t.ref.split(":")[1] if ch.isdigit())))
            t.ref = f"{start}:{end_col}{end_row}"
            if t.autoFilter is not None:
                t.autoFilter.ref = t.ref
