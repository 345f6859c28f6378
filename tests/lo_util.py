"""LibreOffice headless, as an independent reader of what we write."""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path


def convert(path, fmt: str, outdir, sheet: str = None, timeout: int = 180) -> Path:
    """Convert with soffice; for csv, `sheet` picks one sheet (all sheets are exported)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"kefu-lo-{uuid.uuid4().hex}"
    target = fmt
    if fmt == "csv":
        target = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'
    proc = subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                           "--convert-to", target, "--outdir", str(outdir), str(path)],
                          capture_output=True, text=True, timeout=timeout)
    stem = Path(path).stem
    if fmt == "csv" and sheet:
        out = outdir / f"{stem}-{sheet}.csv"
    else:
        out = outdir / f"{stem}.{fmt.split(':')[0]}"
    if not out.exists():
        raise AssertionError(f"LibreOffice did not convert {path}: {proc.stdout} {proc.stderr}")
    return out
