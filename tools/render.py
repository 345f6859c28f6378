"""Render every sheet of a workbook to PNG pages: LibreOffice -> PDF -> pdftoppm.

    python3 tools/render.py WORKBOOK OUTDIR [--dpi 70]

So a person can look at what HR sees (headers, dropdown columns, buttons,
charts, Chinese text) without Excel.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path


def render(workbook, outdir, dpi: int = 70):
    workbook, outdir = Path(workbook), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        profile = Path(d) / f"profile-{uuid.uuid4().hex}"
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                        "--convert-to", "pdf", "--outdir", d, str(workbook)], check=True, capture_output=True,
                       timeout=600)
        pdf = Path(d) / (workbook.stem + ".pdf")
        shutil.copy(pdf, outdir / pdf.name)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(outdir / workbook.stem)], check=True,
                       timeout=600)
    return sorted(outdir.glob(workbook.stem + "*.png"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("workbook")
    ap.add_argument("outdir")
    ap.add_argument("--dpi", type=int, default=70)
    a = ap.parse_args()
    pages = render(a.workbook, a.outdir, a.dpi)
    print(f"{len(pages)} pages in {a.outdir}")
