"""Render workbooks so a person can look at what HR sees, without Excel.

    python3 tools/render.py WORKBOOK [WORKBOOK ...] OUTDIR [--dpi 100] [--dropdowns] [--no-pages] [--sheet NAME]

WORKBOOK is a path, or `template` (workbook_template.xlsm) or `demo` (a closed
demo workbook, made by `kefu-xl demo` in a temporary folder); so
`python3 tools/render.py template demo out/render --dropdowns` renders both.

Pages: every sheet to PNG pages, LibreOffice -> PDF -> pdftoppm
(OUTDIR/STEM.pdf, OUTDIR/STEM-NN.png): headers, buttons, charts, Chinese text.

Dropdowns (--dropdowns): the PDF export draws no drop-down arrows, so this mode
takes screenshots of a real LibreOffice Calc window on a virtual screen (Xvfb,
LibreOffice's X11 "gen" backend, UI at 144 dpi): for every list validation of the
file (openpyxl's dataValidations) it puts the cell cursor on the first validated
cell, which shows Calc's own drop-down button next to the cell, opens the list
(.uno:DataSelect, what Alt+Down does) and captures the screen (xwd) while the
list with its choices is open: OUTDIR/STEM-dropdown-SHEET-CELL-HEADER.png.
Nothing is painted onto the pictures; the workbook is opened from a copy with
macros off and never saved.  Needs the GUI LibreOffice, not libreoffice-calc-nogui:
    apt-get install -y libreoffice-calc python3-uno xvfb x11-apps xdotool fonts-noto-cjk
(tools/test.sh installs them).  The LibreOffice side runs under /usr/bin/python3,
which has uno; this file is that script too (--uno-child, stdlib and uno only).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "workbook_template.xlsm"
SYSTEM_PYTHON = "/usr/bin/python3"
SCREEN = (1600, 1000)
UI_DPI = 144  # SAL_FORCEDPI: LibreOffice's UI (menus, the drop-down list) at 1.5x, readable in a PNG
GUI_PACKAGES = "libreoffice-calc python3-uno xvfb x11-apps xdotool fonts-noto-cjk"


# ---------------------------------------------------------------- pages: LibreOffice -> PDF -> pdftoppm

def render(workbook, outdir, dpi: int = 100):
    """Every sheet of the workbook as PNG pages in outdir; returns the page files."""
    workbook, outdir = Path(workbook), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob(glob_escape(workbook.stem) + "-[0-9]*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as d:
        profile = Path(d) / f"profile-{uuid.uuid4().hex}"
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                        "--convert-to", "pdf", "--outdir", d, str(workbook)], check=True, capture_output=True,
                       timeout=600)
        pdf = Path(d) / (workbook.stem + ".pdf")
        shutil.copy(pdf, outdir / pdf.name)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(outdir / workbook.stem)], check=True,
                       timeout=600)
    return sorted(outdir.glob(glob_escape(workbook.stem) + "-[0-9]*.png"))


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


# ---------------------------------------------------------------- dropdowns: a real Calc window under Xvfb

def missing_for_dropdowns():
    """What the screenshot mode needs and this machine lacks (empty when all is there)."""
    missing = [tool for tool in ("Xvfb", "xwd", "xdotool", "soffice") if not shutil.which(tool)]
    if shutil.which("soffice"):
        program = Path(shutil.which("soffice")).resolve().parent
        if not (program / "libvclplug_genlo.so").exists():
            missing.append("LibreOffice with a window (libreoffice-calc; libreoffice-calc-nogui has none)")
    if not (os.path.exists(SYSTEM_PYTHON) and subprocess.run([SYSTEM_PYTHON, "-c", "import uno"],
                                                             capture_output=True).returncode == 0):
        missing.append(f"uno for {SYSTEM_PYTHON} (python3-uno)")
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if "noto sans cjk" not in fonts.lower():
        missing.append("Chinese fonts (fonts-noto-cjk)")
    return missing


def dropdown_targets(workbook, sheets=None):
    """One target per list validation of the workbook's visible sheets: its first cell, and a name for it."""
    import openpyxl  # the parent side only; the --uno-child side has no openpyxl

    wb = openpyxl.load_workbook(workbook, keep_vba=True)
    targets = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or (sheets and ws.title not in sheets):
            continue
        for dv in ws.data_validations.dataValidation:
            if dv.type != "list" or dv.showDropDown:  # showDropDown="1" means: no drop-down in the cell
                continue
            first = sorted(dv.sqref.ranges, key=lambda r: (r.min_row, r.min_col))[0]
            row, col = first.min_row, first.min_col
            cell = ws.cell(row, col).coordinate
            label = ws.cell(1, col).value if row == 2 else (ws.cell(row, col - 1).value if col > 1 else None)
            name = "-".join(str(part) for part in (ws.title, cell, label) if part not in (None, ""))
            targets.append({"sheet": ws.title, "row": row, "col": col, "cell": cell,
                            "name": re.sub(r'[\\/:*?"<>|\s]+', "_", name)})
    return targets


def screenshot_dropdowns(workbook, outdir, sheets=None, timeout: float = 600):
    """Screenshots of every list validation's drop-down, open; returns [(png, result dict)].

    Raises RuntimeError when a tool is missing (with the apt command) or a list did not open."""
    missing = missing_for_dropdowns()
    if missing:
        raise RuntimeError("the dropdown screenshots need: " + "; ".join(missing)
                           + f"\n  install with: apt-get install -y {GUI_PACKAGES}")
    workbook, outdir = Path(workbook), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    targets = dropdown_targets(workbook, sheets)
    for t in targets:
        t["out"] = str((outdir / f"{workbook.stem}-dropdown-{t['name']}.png").resolve())
        Path(t["out"]).unlink(missing_ok=True)
    if not targets:
        return []
    with tempfile.TemporaryDirectory(prefix="kefu-shot-") as d:
        copy = Path(d) / workbook.name  # LibreOffice opens a copy: no lock file, nothing changed next to the original
        shutil.copy(workbook, copy)
        spec = {"workbook": str(copy), "targets": targets, "screen": SCREEN, "dpi": UI_DPI, "timeout": timeout}
        proc = subprocess.run([SYSTEM_PYTHON, str(Path(__file__).resolve()), "--uno-child", json.dumps(spec)],
                              capture_output=True, text=True, timeout=timeout + 60)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    failed = [r for r in results if not r.get("ok")]
    if proc.returncode or failed or len(results) != len(targets):
        raise RuntimeError(f"dropdown screenshots of {workbook} failed (exit {proc.returncode}): "
                           f"{failed or results}\n{proc.stderr[-3000:]}")
    return [(Path(r["out"]), r) for r in results]


# ---------------------------------------------------------------- the --uno-child side (stdlib + uno only)

def xwd_pixels(data: bytes):
    """(width, height, rows of RGB bytes) of an xwd screen dump of a 24/32-bit TrueColor screen."""
    (header_size, version, pixmap_format, _depth, width, height, _xoffset, byte_order, _unit, _bit_order,
     _pad, bits_per_pixel, bytes_per_line, _visual, red, green, blue) = struct.unpack(">17I", data[:68])
    ncolors = struct.unpack(">I", data[76:80])[0]
    if version != 7 or pixmap_format != 2 or bits_per_pixel != 32 or (red, green, blue) != (0xFF0000, 0xFF00, 0xFF):
        raise ValueError(f"unexpected xwd dump: version {version}, format {pixmap_format}, {bits_per_pixel} bpp")
    start = header_size + 12 * ncolors
    rows = []
    for y in range(height):
        line = data[start + y * bytes_per_line: start + y * bytes_per_line + 4 * width]
        r, g, b = (line[2::4], line[1::4], line[0::4]) if byte_order == 0 else (line[1::4], line[2::4], line[3::4])
        rgb = bytearray(3 * width)
        rgb[0::3], rgb[1::3], rgb[2::3] = r, g, b
        rows.append(bytes(rgb))
    return width, height, rows


def write_png(path, width: int, height: int, rows) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\0" + row for row in rows)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def changed_box(before, after):
    """(left, top, right, bottom) of the pixels that differ between two screens of rows, or None."""
    ys = [y for y, (a, b) in enumerate(zip(before, after)) if a != b]
    if not ys:
        return None
    left, right = None, 0
    for y in ys:
        a, b = before[y], after[y]
        first = next(i for i in range(len(a)) if a[i] != b[i])
        last = next(i for i in range(len(a) - 1, -1, -1) if a[i] != b[i])
        left = first if left is None else min(left, first)
        right = max(right, last)
    return left // 3, ys[0], right // 3 + 1, ys[-1] + 1


def _profile(path: Path) -> None:
    """A fresh user profile that starts without first-start dialogs."""
    user = path / "user"
    user.mkdir(parents=True)
    items = [("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "false"),
             ("/org.openoffice.Office.Common/Misc", "FirstRun", "false"),
             ("/org.openoffice.Office.Common/Save/Document", "AutoSave", "false")]
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        + "".join(f'<item oor:path="{p}"><prop oor:name="{n}" oor:op="fuse"><value>{v}</value></prop></item>\n'
                  for p, n, v in items) + "</oor:items>\n", encoding="utf-8")


def _stop(proc) -> None:
    """End a process group this script started (Xvfb, or soffice and its soffice.bin)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)


def _start_xvfb(width: int, height: int):
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
                             "-nolisten", "tcp", "-dpi", str(UI_DPI)], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(write)
    number = b""
    deadline = time.time() + 30
    while not number.endswith(b"\n") and time.time() < deadline:
        ready, _, _ = select.select([read], [], [], 1)
        if ready:
            got = os.read(read, 32)
            if not got:
                break
            number += got
    os.close(read)
    if not number.strip():
        _stop(xvfb)
        raise RuntimeError("Xvfb did not start")
    return xvfb, ":" + number.decode().strip()


def uno_child(spec: dict) -> int:
    import uno
    from com.sun.star.beans import PropertyValue

    def pv(name, value):
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    width, height = spec["screen"]
    work = Path(tempfile.mkdtemp(prefix="kefu-lo-"))
    procs = []
    watchdog = threading.Timer(spec["timeout"], lambda: [_stop(p) for p in procs])
    watchdog.daemon = True
    watchdog.start()
    failures = 0
    try:
        xvfb, display = _start_xvfb(width, height)
        procs.append(xvfb)
        env = dict(os.environ, DISPLAY=display, SAL_USE_VCLPLUGIN="gen", SAL_FORCEDPI=str(spec["dpi"]),
                   SAL_NO_MOUSEGRABS="1")
        env.pop("WAYLAND_DISPLAY", None)
        _profile(work / "profile")
        pipe = "kefu_" + uuid.uuid4().hex
        office = subprocess.Popen(["soffice", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                                   "-env:UserInstallation=" + uno.systemPathToFileUrl(str(work / "profile")),
                                   "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        procs.append(office)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.time() + 90
        while True:
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                if time.time() > deadline or office.poll() is not None:
                    raise RuntimeError("soffice did not start (exit %s)" % office.poll())
                time.sleep(0.25)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(spec["workbook"]), "_blank", 0,
                                           (pv("MacroExecutionMode", 0), pv("ReadOnly", False)))
        controller = doc.CurrentController
        frame = controller.Frame
        frame.ContainerWindow.setPosSize(0, 0, width, height, 15)  # PosSize.POSSIZE: the whole screen

        def shoot():
            dump = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, check=True,
                                  timeout=60).stdout
            return xwd_pixels(dump)[2]

        def settle(unlike=None, wait=20.0):
            """The screen once two captures 0.4 s apart agree (and differ from `unlike`), or None."""
            last, end = shoot(), time.time() + wait
            while time.time() < end:
                time.sleep(0.4)
                now = shoot()
                if now == last and (unlike is None or now != unlike):
                    return now
                last = now
            return None

        def command(name):
            dispatcher.executeDispatch(frame, ".uno:" + name, "", 0, ())

        for t in spec["targets"]:
            result = {"sheet": t["sheet"], "cell": t["cell"], "out": t["out"], "ok": False}
            sheet = doc.Sheets.getByName(t["sheet"])
            controller.setActiveSheet(sheet)
            # Arrive at the cell by a cursor move, as a person would: that is what shows the drop-down button.
            controller.select(sheet.getCellByPosition(t["col"] - 1, t["row"]))
            command("GoUp")
            before = settle()
            command("DataSelect")  # Alt+Down: open the cell's selection list
            opened = settle(unlike=before) if before is not None else None
            if opened is None:
                result["error"] = "the screen did not settle" if before is None else "the list did not open"
                opened = shoot()
            else:
                result["box"] = changed_box(before, opened)
                box = result["box"]
                # at least one line of a list (a list of nothing, as for 工号 with an empty 员工, has one blank line)
                result["ok"] = bool(box) and box[2] - box[0] >= 40 and box[3] - box[1] >= 15
                if not result["ok"]:
                    result["error"] = f"too small a change for an open list: {box}"
            write_png(t["out"], width, height, opened)
            # Close the list (Escape, as a person would), so the next "before" screen has no list on it;
            # a list left open would close anyway when the next one opens.
            subprocess.run(["xdotool", "key", "Escape"], env=env, capture_output=True, timeout=30)
            closed = settle()
            result["closed"] = closed is not None and before is not None and changed_box(before, closed) is None
            failures += not result["ok"]
            print(json.dumps(result, ensure_ascii=False), flush=True)
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes down with soffice
        try:
            office.wait(20)
        except subprocess.TimeoutExpired:
            pass
    finally:
        watchdog.cancel()
        for p in reversed(procs):
            _stop(p)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


# ---------------------------------------------------------------- command line

def demo_workbook(folder) -> Path:
    """A closed demo workbook made by `kefu-xl demo` (this checkout's kefu_xl) in folder."""
    subprocess.run([sys.executable, "-m", "kefu_xl", "demo", str(folder)], cwd=ROOT, check=True,
                   capture_output=True, timeout=600)
    return sorted(Path(folder).glob("*.xlsm"))[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", metavar="WORKBOOK ... OUTDIR",
                    help="workbooks (a path, `template` or `demo`), then the output folder")
    ap.add_argument("--dpi", type=int, default=100, help="resolution of the PDF pages' PNGs")
    ap.add_argument("--dropdowns", action="store_true", help="also screenshot every list validation's open drop-down")
    ap.add_argument("--no-pages", action="store_true", help="skip the PDF pages")
    ap.add_argument("--sheet", action="append", help="dropdowns of this sheet only (repeatable)")
    a = ap.parse_args(argv)
    if len(a.paths) < 2:
        ap.error("give at least one WORKBOOK and the OUTDIR")
    *books, outdir = a.paths
    missing = missing_for_dropdowns() if a.dropdowns else []
    if missing:
        print("the dropdown screenshots need: " + "; ".join(missing), file=sys.stderr)
        print(f"install with: apt-get install -y {GUI_PACKAGES}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kefu-render-") as tmp:
        for book in books:
            path = TEMPLATE if book == "template" else demo_workbook(tmp) if book == "demo" else Path(book)
            if not a.no_pages:
                pages = render(path, outdir, a.dpi)
                print(f"{path.name}: {len(pages)} pages in {outdir}")
            if a.dropdowns:
                try:
                    shots = screenshot_dropdowns(path, outdir, a.sheet)
                except RuntimeError as e:
                    print(e, file=sys.stderr)
                    return 1
                for png, r in shots:
                    print(f"{path.name}: {r['sheet']}!{r['cell']} drop-down open -> {png} (list at {r['box']})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--uno-child":
        sys.exit(uno_child(json.loads(sys.argv[2])))
    sys.exit(main())
