"""LibreOffice headless, as an independent reader of what we write."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def convert(path, fmt: str, outdir, sheet: str = None, timeout: int = 180) -> Path:
    """Convert with soffice (a private profile per call, so parallel runs don't clash).

    fmt is "xlsx", "ods", "pdf", "csv" ... ; for csv every sheet is exported
    (UTF-8) and `sheet` picks the file returned (default: the first sheet's).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="kefu-lo-"))
    target = CSV_ALL_SHEETS if fmt == "csv" else fmt
    try:
        proc = subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                               "--convert-to", target, "--outdir", str(outdir), str(path)],
                              capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    stem = Path(path).stem
    if fmt == "csv":  # soffice says "Writing sheet NAME -> PATH" for each sheet, in order
        said = (proc.stdout + proc.stderr).splitlines()
        written = [line.split(" -> ", 1)[1].strip() for line in said if " -> " in line]
        out = outdir / f"{stem}-{sheet}.csv" if sheet or not written else Path(written[0])
    else:
        out = outdir / f"{stem}.{fmt.split(':')[0]}"
    if not out.exists():
        raise AssertionError(f"LibreOffice did not convert {path}: {proc.stdout} {proc.stderr}")
    return out
