"""The generated docs are current."""
from pathlib import Path

from tools.gen_docs import render


def test_payroll_doc_is_generated_from_the_module_docstring():
    assert (Path(__file__).resolve().parent.parent / "docs" / "PAYROLL.md").read_text(encoding="utf-8") == render()
