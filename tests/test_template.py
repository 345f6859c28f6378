"""The template: deterministic, VBA readable back by an independent reader, formulas valid."""
import importlib.util
import inspect
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kefu_xl.core import schema
from kefu_xl.excel import udfs
from kefu_xl.excel import vbabuild
from tools.build_template import build

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "workbook_template.xlsm"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return build(tmp_path_factory.mktemp("t") / "t.xlsm")


def test_build_is_deterministic_and_the_committed_template_is_current(fresh, tmp_path):
    again = build(tmp_path / "again.xlsm")
    assert fresh.read_bytes() == again.read_bytes()
    assert TEMPLATE.read_bytes() == fresh.read_bytes(), "run: python3 tools/build_template.py"


def test_vba_modules_read_back_by_olevba_equal_the_sources_and_have_no_question_marks(fresh):
    got = _shipped_modules(fresh)
    for name, source in vbabuild.template_modules().items():
        assert _lines(got[name]) == _lines(vbabuild.to_ascii(source)), name
        assert "??" not in got[name]


def test_chrw_transform_round_trips_the_chinese_message():
    source = vbabuild.template_modules()["KefuMain"]
    literals = re.findall(r'"((?:[^"]|"")*)"', source)
    message = "".join(s for s in literals if "xlwings" in s or "kefu-xl" in s)
    assert "未检测到 xlwings 加载项或 Python" in message
    expr = vbabuild.chrw_literal("月结：kefu-xl")
    decoded = "".join(chr(int(n)) if n else s.replace('""', '"')
                      for n, s in re.findall(r'ChrW\((\d+)\)|"((?:[^"]|"")*)"', expr))
    assert decoded == "月结：kefu-xl" and all(ord(c) < 128 for c in expr)


def test_every_udf_has_a_wrapper_with_its_arity():
    wrappers = vbabuild.udf_wrappers_bas()
    for f in vbabuild.udf_functions():
        params = inspect.signature(f).parameters
        m = re.search(rf"^Function {f.__name__}\(([^)]*)\)", wrappers, re.M)
        assert m, f.__name__
        assert len(m.group(1).split(",")) == len(params)
        assert f'XLPy.CallUDF("kefu_xl.udfs", "{f.__name__}"' in wrappers
    assert {f.__name__ for f in vbabuild.udf_functions()} == {f.__name__ for f in udfs.UDFS}


def _shipped_modules(path):
    with zipfile.ZipFile(path) as z:
        return vbabuild.module_sources(z.read("xl/vbaProject.bin"))


def _lines(text):
    return [ln.rstrip() for ln in text.replace("\r\n", "\n").splitlines()
            if ln.strip() and not ln.startswith("Attribute VB_")]


def test_the_template_wrappers_are_the_ones_kefu_xl_udfs_generates_now():
    """Fails when a UDF is added, removed or changed without rebuilding the template."""
    shipped = _shipped_modules(TEMPLATE)
    assert _lines(shipped["xlwings_udfs"]) == _lines(vbabuild.to_ascii(vbabuild.udf_wrappers_bas()))
    assert _lines(shipped["KefuFunctions"]) == _lines(vbabuild.to_ascii(vbabuild.udf_register_bas()))
    wrapped = set(re.findall(r"^Function (KEFU_\w+)\(", shipped["xlwings_udfs"], re.M))
    assert wrapped == {f.__name__ for f in udfs.UDFS}


def test_a_new_udf_without_a_wrapper_is_caught(tmp_path):
    """kefu_xl.udfs plus one more function: its wrapper is generated, and the shipped one differs."""
    source = Path(udfs.__file__).read_text(encoding="utf-8") + '''

@udf(*TABLE_ARGS)
def KEFU_NEW(staff, events, rules, tiers, settings, month=None, history=None):
    """新函数"""
    return [[1]]
'''
    (tmp_path / "udfs_plus.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("kefu_xl.excel.udfs_plus", tmp_path / "udfs_plus.py")
    plus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plus)
    regenerated = vbabuild.udf_wrappers_bas(plus, module_name="kefu_xl.udfs")
    assert "Function KEFU_NEW(staff, events, rules, tiers, settings, Optional month, Optional history)" in regenerated
    shipped = _shipped_modules(TEMPLATE)["xlwings_udfs"]
    assert "KEFU_NEW" not in shipped
    assert _lines(shipped) != _lines(vbabuild.to_ascii(regenerated))


BUILTINS = {"SUM", "IF", "COUNTIFS", "SUMIFS", "INDEX", "MATCH", "IFERROR", "TEXT", "VLOOKUP", "ROWS", "MAX", "COUNTA"}


def test_formulas_name_only_builtins_or_existing_kefu_functions_with_valid_arity(fresh):
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    arity = {f.__name__: inspect.signature(f).parameters for f in udfs.UDFS}
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                text = v.text if hasattr(v, "text") else v
                if not (isinstance(text, str) and text.startswith("=")):
                    continue
                seen += 1
                for name, args in re.findall(r"([A-Z_][A-Z0-9_.]*)\(([^()]*)\)", text):
                    name = name.replace("_xlfn.", "").replace("_xlws.", "")
                    if name.startswith("KEFU_"):
                        params = arity[name]
                        required = sum(1 for p in params.values() if p.default is inspect.Parameter.empty)
                        n = len(args.split(","))
                        most = float("inf") if any(p.kind is p.VAR_POSITIONAL for p in params.values()) \
                            else len(params)
                        assert required <= n <= most, (text, n)
                    else:
                        assert name in BUILTINS, text
    assert seen >= 1


def test_template_sheets_tables_validation_and_xlwings_conf(fresh):
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    for spec in schema.INPUT_SHEETS:
        ws = wb[spec.name]
        assert spec.key in ws.tables
        assert [c.value for c in ws[1]][:len(spec.columns)] == list(spec.headers)
        assert ws.freeze_panes == "A2"
    assert any("在职" in (dv.formula1 or "") for dv in wb["员工"].data_validations.dataValidation)
    assert any("规则" in (dv.formula1 or "") for dv in wb["事件"].data_validations.dataValidation)
    conf = wb["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "kefu_xl.udfs")
    for spec in schema.OWNED_SHEETS:
        assert wb[spec.name]["A1"].value == spec.columns[0].header
    with zipfile.ZipFile(fresh) as z:
        names = z.namelist()
        assert "xl/vbaProject.bin" in names
        vml = "".join(z.read(n).decode("utf-8", "ignore") for n in names if n.endswith(".vml"))
        assert "KefuMonthClose" in vml and "KefuCheck" in vml
        assert sum(1 for n in names if n.startswith("xl/charts/chart")) == 4


def test_help_sheet_covers_schemes_sheets_rule_kinds_and_setup(fresh):
    from kefu_xl.rules import presets
    from kefu_xl.xlsx import template
    from kefu_xl.rules.grammar import KINDS
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    text = "\n".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    for scheme, policy in (("tmall-1", "天猫方案一"), ("tmall-30", "天猫方案二"), ("aftersales-130", "130分KPI"),
                           ("classic-100", "2011版")):
        line = next(ln for ln in text.splitlines() if ln.startswith(scheme + "："))
        assert policy in line
    assert set(presets.SCHEMES) <= {ln.split("：")[0] for ln in text.splitlines()}
    for name in template.ORDER:
        assert any(ln.startswith(name + "：") for ln in text.splitlines()), name
    for names in KINDS.values():
        assert any(ln.startswith(names[0] + "：") for ln in text.splitlines()), names[0]
    for words in ("pip install kefu-xl", "xlwings addin install", "Mac", "WPS", "kefu-xl close"):
        assert words in text


def _formulas(ws):
    return {c.coordinate: str(getattr(c.value, "text", c.value)) for row in ws.iter_rows() for c in row
            if str(getattr(c.value, "text", c.value) or "").startswith("=")}


def test_functions_sheet_uses_every_kefu_function_over_the_one_month_cell(fresh):
    from kefu_xl.xlsx import template
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    formulas = _formulas(wb[template.FUNCTIONS])
    assert {f.__name__ for f in udfs.UDFS} == set(re.findall(r"KEFU_\w+", " ".join(formulas.values())))
    month = formulas[template.MONTH_CELL]
    assert month.count("KEFU_MONTH(") == 1 and template.HISTORY_NAME in month
    for spec in schema.INPUT_SHEETS:  # every input table, so new input sheets reach the functions
        assert f"{spec.key}[#All]" in month
    assert wb.defined_names[template.MONTH_NAME].attr_text == f"'{template.FUNCTIONS}'!$B$2"
    others = [f for at, f in formulas.items() if at != template.MONTH_CELL and "KEFU_" in f]
    assert others and all("本月" in f and "IFERROR(" in f for f in others)  # a hint instead of #NAME?
    assert "=IF($A6=\"\",\"\",IFERROR(KEFU_SCORE($A6,本月)," in formulas["C6"]
    assert "INDEX(staff[工号]" in formulas["A6"]
    assert not _formulas(wb[template.DASHBOARD])  # 看板 holds values only: the close writes it
    bas = (ROOT / "kefu_xl" / "excel" / "vba" / "KefuMain.bas").read_text(encoding="utf-8")
    assert f'KEFU_STATUS_CELL As String = "{template.STATUS_CELL}"' in bas
    assert f'KefuStatusSheet = "{template.DASHBOARD}"' in bas
    with zipfile.ZipFile(fresh) as z:  # the board and the explanation are spilling (dynamic array) formulas
        xml = z.read(f"xl/worksheets/sheet{template.ORDER.index(template.FUNCTIONS) + 1}.xml").decode("utf-8")
    assert re.search(r'<c r="T5" cm="1"[^>]*><f t="array" ref="T5">IFERROR\(KEFU_BOARD\(本月\)', xml)
    assert re.search(r'<c r="I10" cm="1"[^>]*><f t="array" ref="I10">IF\(J3="","",IFERROR\(KEFU_EXPLAIN\(J3,本月\)', xml)
    assert "_xlfn.KEFU" not in xml


def test_template_has_no_circular_reference(fresh):
    """本月 reads the input tables and 历史: no formula may stand in them, and nothing 本月 reads may depend on 本月."""
    from kefu_xl.xlsx import template
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    read = {spec.name for spec in schema.INPUT_SHEETS} | {schema.HISTORY.name}
    tables = {t.name: ws.title for ws in wb.worksheets for t in ws.tables.values()}
    month = _formulas(wb[template.FUNCTIONS])[template.MONTH_CELL]
    for key in re.findall(r"(\w+)\[#All\]", month):
        assert tables[key] in read, key
    assert "'历史'!" in wb.defined_names[template.HISTORY_NAME].attr_text
    for name in read:
        assert not _formulas(wb[name]), f"{name} holds a formula: 本月 would depend on it"
    # the only formulas that name 本月 are on 函数, which no input table covers
    for ws in wb.worksheets:
        if any("本月" in f for f in _formulas(ws).values()):
            assert ws.title == template.FUNCTIONS


def test_scheme_is_chosen_from_the_shipped_schemes(fresh):
    from kefu_xl.rules import presets
    ws = openpyxl.load_workbook(fresh, keep_vba=True)["参数"]
    row = next(c.row for c in ws["A"] if c.value == "方案")
    dv = [d for d in ws.data_validations.dataValidation if f"B{row}" in str(d.sqref)]
    assert dv and dv[0].formula1 == '"' + ",".join(presets.SCHEMES) + '"'
    assert ws[f"B{row}"].value in presets.SCHEMES


def test_build_does_not_depend_on_the_time_zone(tmp_path):
    import os
    import subprocess
    import sys
    out = tmp_path / "tz.xlsm"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_template.py"), str(out)], check=True,
                   capture_output=True, env=dict(os.environ, TZ="Pacific/Auckland"), timeout=300)
    assert out.read_bytes() == TEMPLATE.read_bytes()
