"""One table of problem codes (core.problems): every code the package emits is in it, and nothing else."""
import re
from pathlib import Path

from kefu_xl.core.problems import CODES

ROOT = Path(__file__).resolve().parent.parent / "kefu_xl"


def used_codes():
    out = set()
    for p in ROOT.rglob("*.py"):
        if p.name != "problems.py":
            out |= set(re.findall(r"\"([EW]_[A-Z0-9_]+)\"", p.read_text(encoding="utf-8")))
    return out


def test_every_code_used_is_in_the_table_and_every_code_in_the_table_is_used():
    used = used_codes()
    assert used - set(CODES) == set(), "add each new code with its Chinese meaning to kefu_xl/core/problems.py"
    assert set(CODES) - used == set()
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in CODES.values())
