"""Build workbook_template.xlsm from text sources (deterministic).

    python3 tools/build_template.py [OUT]

Sheets come from kefu_xl.xlsx.template; the VBA project from kefu_xl/excel/vba/*.bas and
the UDF wrappers generated from kefu_xl.udfs (kefu_xl.excel.vbabuild).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kefu_xl.xlsx import template
from kefu_xl.excel import vbabuild  # noqa: E402

OUT = ROOT / "workbook_template.xlsm"


def build(out: Path = OUT) -> Path:
    project = vbabuild.build_vba_project(vbabuild.template_modules(), sheet_count=len(template.ORDER))
    return template.build_template(out, vba_project=project)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
