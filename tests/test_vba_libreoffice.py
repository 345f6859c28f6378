"""Issue 3: LibreOffice (an independent VBA host) opens the template, lists every
module, and running KefuMonthClose without xlwings shows the intended Chinese text."""
import json
import os
import re
import subprocess
from pathlib import Path

from kefu_xl import vbabuild

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "workbook_template.xlsm"


def _run(sub, cell="看板!B4"):
    env = dict(os.environ, KEFU_XL_NO_DIALOG="1")
    p = subprocess.run(["/usr/bin/python3", str(ROOT / "tests" / "uno_run.py"), str(TEMPLATE), sub, cell],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _intended_message() -> str:
    source = vbabuild.template_modules()["KefuMain"]
    body = source.split("Function KefuMissingMessage", 1)[1].split("End Function", 1)[0]
    return "".join(s.replace('""', '"') for s in re.findall(r'"((?:[^"]|"")*)"', body))


def test_libreoffice_runs_kefumonthclose_and_shows_the_install_message():
    out = _run("KefuMain.KefuMonthClose")
    modules = out["modules"]["VBAProject"]
    for name in vbabuild.template_modules():
        assert name in modules
    assert "error" not in out, out.get("error")
    assert out["cell"] == _intended_message()
    assert out["cell"].startswith("未检测到 xlwings 加载项或 Python") and "xlwings addin install" in out["cell"]


def test_libreoffice_runs_kefucheck_the_same_way():
    out = _run("KefuMain.KefuCheck")
    assert out["cell"] == _intended_message()
