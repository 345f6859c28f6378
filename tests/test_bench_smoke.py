"""The benchmark scripts (bench/gen.py, bench/run.py) run end to end at a tiny size.

Asserts on what they produce, never on timings, so the scripts cannot rot.
"""
import shutil
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import gen  # noqa: E402
import run  # noqa: E402

SIZE = "20x500"


def test_benchmark_runs_end_to_end(tmp_path):
    lo = shutil.which("soffice") is not None
    args = ["--sizes", SIZE, "--full-at", SIZE, "--out", str(tmp_path / "gen"), "--udf", SIZE, "--scaling", f"{SIZE},30x1000",
            "--results", str(tmp_path / "RESULTS.md"), "--plot", str(tmp_path / "scaling.png"),
            "--repeat-small", "3"]
    out = run.main(args + ([] if lo else ["--no-lo"]))

    r = out["sizes"][SIZE]
    close = r["close"]
    assert "error" not in close, close.get("error")
    info = close["info"]
    assert info["exit_code"] == 0
    assert info["events"] == 500
    assert info["people"] == 20
    # a clean month: pending rows are listed, nothing else; the 12 sealed months count as archived
    assert set(info["problems"]) <= {"W_PENDING"}
    for name in ("结果", "明细", "历史", "封存", "工资表", "工资历史"):
        assert name in info["sheets"] and name in info["written"]
    assert set(close["times"]) == {"read", "compute", "write", "total"}
    assert close["peak_mb"] > 0 and close["tree_rss_mb"] > 0

    assert r["calamine"]["info"]["cells"] > 500 * 14
    assert r["openpyxl_normal"]["info"]["events_rows"] == 501
    assert r["openpyxl_read_only"]["info"]["cells"] == r["calamine"]["info"]["cells"]
    assert r["openpyxl_roundtrip"]["info"]["saved_bytes"] > 0
    if lo:  # the formula workbook LibreOffice recalculates gives kefu-xl's scores and ranks
        assert r["lo_always"]["info"]["same_scores"] == 20
        assert "error" not in r["lo_never"]

    udf = out["udf"]
    assert "error" not in udf, udf.get("error")
    assert udf["info"]["board_rows"] == 20 and udf["info"]["cells"] == 20
    assert {"board_cold", "board_warm_same", "board_warm_new", "sheet_cold", "sheet_warm_same",
            "sheet_warm_new", "build_lists"} <= set(udf["times"])

    assert [p["events"] for p in out["scaling"]] == [500, 1000]
    assert out["fit"] is not None
    assert (tmp_path / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "close (kefu-xl)" in text and "KEFU_BOARD" in text and "python-calamine" in text


def test_generated_history_is_in_the_close_formats(tmp_path):
    from kefu_xl.xlsx import files
    path = gen.generate(tmp_path / "b.xlsm", 15, 300)
    loaded = files.load_file(path)
    months = sorted({h.month for h in loaded.book.history})
    assert len(months) == gen.HISTORY_MONTHS and months[-1] == gen.MONTH.prev()
    assert set(loaded.seals) == {(m, 1) for m in months} and len(loaded.chain) == len(months)
    assert {h.month for h in loaded.pay_history} == set(months)
    assert all(e.date.month == gen.MONTH.month for e in loaded.book.events)  # past months archived
    assert not [p for p in loaded.problems if p.is_error]
    from kefu_xl.close import plan as closing
    _, _, problems = closing.compute(loaded)
    assert not [p for p in problems if "SEAL" in p.code]  # the generated seals and chain check clean
