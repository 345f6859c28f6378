"""Run a workbook's VBA in LibreOffice through UNO (run by /usr/bin/python3, which has uno).

    /usr/bin/python3 tests/uno_run.py WORKBOOK Module.Sub [SHEET!CELL]

Prints JSON: the document's Basic library modules, the result or error of
running the Sub, and the text of the given cell afterwards.  The caller sets
KEFU_XL_NO_DIALOG=1 so messages go to a cell instead of a dialog.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def pv(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    path, target = os.path.abspath(sys.argv[1]), sys.argv[2]
    cell = sys.argv[3] if len(sys.argv) > 3 else None
    profile = tempfile.mkdtemp(prefix="kefu-lo-")
    pipe = "kefu_" + uuid.uuid4().hex
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                             "--nolockcheck", "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                             "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(240):
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                time.sleep(0.25)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                           (pv("Hidden", True), pv("MacroExecutionMode", 4)))
        libs = doc.BasicLibraries
        out["modules"] = {name: sorted(libs.getByName(name).getElementNames()) for name in libs.getElementNames()}
        script = doc.getScriptProvider().getScript(
            "vnd.sun.star.script:VBAProject.%s?language=Basic&location=document" % target)
        try:
            out["result"] = repr(script.invoke((), (), ()))
        except Exception as e:
            out["error"] = repr(e)
        if cell:
            sheet, ref = cell.split("!")
            out["cell"] = doc.Sheets.getByName(sheet).getCellRangeByName(ref).getString()
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
