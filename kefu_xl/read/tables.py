"""Small tables as text or dict rows, turned into Grids.

Used by the tests (input tables written in the test itself), the demo and the
template builder.  A text table has a header line and whitespace-separated
cells; ``-`` stands for an empty cell.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from ..core.grid import Grid
from ..core.schema import SheetSpec

EMPTY = "-"


def parse_text_table(text: str) -> List[List[Any]]:
    rows = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rows.append([None if c == EMPTY else c for c in line.split()])
    return rows


def grid_from_text(sheet: str, text: str) -> Grid:
    return Grid.of(sheet, parse_text_table(text))


def grid_from_dicts(spec: SheetSpec, rows: Iterable[Mapping[str, Any]], keys: Optional[Sequence[str]] = None) -> Grid:
    """Dict rows keyed by column keys, under the Chinese headers of `spec`."""
    cols = [c for c in spec.columns if keys is None or c.key in keys]
    out: List[List[Any]] = [[c.header for c in cols]]
    for r in rows:
        out.append([r.get(c.key) for c in cols])
    return Grid.of(spec.name, out)


def dict_rows(spec: SheetSpec, grid: Grid) -> List[Dict[str, Any]]:
    """The inverse of grid_from_dicts, for simple round trips in tests."""
    from .readers import read_table
    t = read_table(grid, spec)
    return [dict(r.values) for r in t.rows]
