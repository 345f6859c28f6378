"""Run a workbook's VBA in LibreOffice through UNO (run by /usr/bin/python3, which has uno).

    /usr/bin/python3 tests/uno_run.py WORKBOOK Module.Procedure [SHEET!CELL]

Starts a private soffice (own user profile, own pipe), loads the workbook with
macros allowed (MacroExecutionMode=4, ALWAYS_EXECUTE_NO_WARN), and prints one
line of JSON: the document's Basic libraries and their modules, the value the
procedure returned (a Function's result) or the error it raised, and the text
of the given cell afterwards.  The caller sets KEFU_XL_NO_DIALOG=1 so the
macros write messages into a cell instead of showing a dialog.  soffice is
killed at the end, and by a watchdog if anything hangs.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

TIMEOUT = float(os.environ.get("KEFU_UNO_TIMEOUT", "180"))


def pv(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _plain(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def connect(pipe, proc):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        try:
            return resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("soffice did not start (exit %s)" % proc.poll())
            time.sleep(0.25)


def main():
    path, target = os.path.abspath(sys.argv[1]), sys.argv[2]
    cell = sys.argv[3] if len(sys.argv) > 3 else None
    profile = tempfile.mkdtemp(prefix="kefu-lo-")
    pipe = "kefu_" + uuid.uuid4().hex
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                             "--nolockcheck", "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                             "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watchdog = threading.Timer(TIMEOUT, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    out = {}
    try:
        ctx = connect(pipe, proc)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                           (pv("Hidden", True), pv("MacroExecutionMode", 4)))
        libs = doc.BasicLibraries
        out["modules"] = {name: sorted(libs.getByName(name).getElementNames()) for name in libs.getElementNames()}
        script = doc.getScriptProvider().getScript(
            "vnd.sun.star.script:VBAProject.%s?language=Basic&location=document" % target)
        try:
            value, _, _ = script.invoke((), (), ())
            out["value"] = _plain(value)
            out["modified"] = bool(doc.isModified())
        except Exception as e:
            out["error"] = repr(e)
        if cell:
            sheet, ref = cell.split("!")
            out["cell"] = doc.Sheets.getByName(sheet).getCellRangeByName(ref).getString()
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes down with soffice
    finally:
        watchdog.cancel()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
