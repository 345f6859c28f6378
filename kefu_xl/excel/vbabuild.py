"""The template's VBA project, built from text sources without Excel.

Modules:

* ``kefu_xl/vba/*.bas``, readable UTF-8 sources: KefuMain (the 月结/检查
  buttons, the install message, the late-bound XLPy) and ThisWorkbook (a file
  named for a document module is that module's code: Workbook_Open).
* ``xlwings_udfs``: one wrapper per ``@xw.func`` in `kefu_xl.udfs`, the same
  text xlwings' "Import Functions" writes (``XLPy.CallUDF("kefu_xl.udfs", ...)``,
  the module name the xlwings.conf sheet lists under "UDF Modules"), derived
  from xlwings' own ``__xlfunc__`` metadata, so users need neither the import
  step nor "Trust access to the VBA project model".  Same module name as
  xlwings uses, so a later "Import Functions" replaces it instead of adding a
  second copy.
* ``KefuFunctions``: ``KefuRegisterFunctions``, the Application.MacroOptions
  calls xlwings makes after an import (Chinese description, category
  "kefu-xl", argument help), run from Workbook_Open.

The ChrW transform (`to_ascii`, applied at build time to every module): the
VBA project stores source text in its code page, 1252, where Chinese turns
into ``????``.  So every string literal holding non-ASCII text is rewritten as
a parenthesised ``ChrW(n)`` concatenation, ASCII runs staying literal::

    MsgBox "月结完成: ok"   ->   MsgBox (ChrW(26376) & ChrW(32467) & ChrW(23436) & ChrW(25104) & ": ok")

(characters outside the BMP become two ChrW of their UTF-16 surrogates).
Long expressions are broken with line continuations; a statement that would
pass VBA's limits (24 continuations, 1023 characters a line) is refused, as
is non-ASCII anywhere but in a string literal (comments stay English) and in
a ``Const`` (ChrW is not a constant expression).  Lines end in CRLF.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import os
import re
import sys
import tempfile
import types
from pathlib import Path
from typing import Dict, List, Optional

VBA_DIR = Path(__file__).resolve().parent / "vba"
UDF_MODULE = "kefu_xl.udfs"  # the public name the wrappers call (xlwings.conf, CONTRACT.md)
UDF_SOURCE = "kefu_xl.excel.udfs"  # where the decorated functions are written
WRAPPER_MODULE = "xlwings_udfs"
REGISTER_MODULE = "KefuFunctions"
_STRING = re.compile(r'"((?:[^"]|"")*)"')
_PER_LINE = 12  # ChrW(...) terms per physical line before a continuation
_MAX_CONTINUATIONS = 24  # VBA: line continuations per statement
_MAX_PHYSICAL = 1023  # VBA: characters per physical line


def chrw_literal(text: str) -> str:
    """A VBA expression equal to `text` using only ASCII source characters."""
    parts: List[str] = []
    run = ""
    for ch in text:
        if ord(ch) < 128:
            run += ch
            continue
        if run:
            parts.append('"' + run.replace('"', '""') + '"')
            run = ""
        units = ch.encode("utf-16-le")
        parts += [f"ChrW({int.from_bytes(units[i:i + 2], 'little')})" for i in range(0, len(units), 2)]
    if run:
        parts.append('"' + run.replace('"', '""') + '"')
    if not parts:
        return '""'
    lines = [" & ".join(parts[i:i + _PER_LINE]) for i in range(0, len(parts), _PER_LINE)]
    expr = " & _\n        ".join(lines)
    return f"({expr})" if len(parts) > 1 else expr


def to_ascii(source: str) -> str:
    """The module source with the ChrW transform applied (see the module docstring)."""
    out = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("'") or stripped.lower().startswith("rem "):
            if any(ord(c) > 127 for c in line):
                raise ValueError(f"VBA comments must be ASCII: {line!r}")
            out.append(line)
            continue

        def repl(m):
            value = m.group(1).replace('""', '"')
            return chrw_literal(value) if any(ord(c) > 127 for c in value) else m.group(0)
        code = _STRING.sub(repl, line)
        if code != line and re.match(r"\s*(Public\s+|Private\s+)?Const\b", line, re.I):
            raise ValueError(f"a constant cannot hold non-ASCII text (ChrW is not a constant expression): {line!r}")
        if any(ord(c) > 127 for c in code):
            raise ValueError(f"non-ASCII outside a string literal: {line!r}")
        physical = code.split("\n")
        if len(physical) > _MAX_CONTINUATIONS + 1 or max(map(len, physical)) > _MAX_PHYSICAL:
            raise ValueError(f"too long for VBA once ChrW-encoded (split the statement): {line!r}")
        out += physical
    return "\r\n".join(out) + "\r\n"


# ---------------------------------------------------------------- UDF metadata
_WIN_STUBS = ("pythoncom", "pywintypes", "win32com", "win32com.client")
_DECORATORS = ("func", "arg", "ret", "sub", "script")


@contextlib.contextmanager
def _xlwings_decorators():
    """xlwings' own UDF decorators, also where they are no-ops (Linux, Mac).

    xlwings only installs the decorators that record ``__xlfunc__`` on Windows
    with pywin32; elsewhere ``xw.func``/``xw.arg`` return the function as is.
    To read the same metadata anywhere, xlwings.udfs is imported with stand-ins
    for the three Windows modules it imports (nothing of them is used to
    record metadata) and its ``xlfunc``/``xlarg``/``xlret``/``xlsub`` are put
    in place of the no-ops while the UDF module is executed.  Everything is
    restored afterwards.
    """
    import xlwings as xw

    saved_mods = {n: sys.modules.get(n) for n in _WIN_STUBS + ("xlwings.udfs",)}
    saved_attrs = {n: xw.__dict__.get(n) for n in _DECORATORS + ("udfs",)}
    try:
        for name in _WIN_STUBS:
            if name not in sys.modules:
                sys.modules[name] = types.ModuleType(name)
        pythoncom, pywintypes = sys.modules["pythoncom"], sys.modules["pywintypes"]
        if not hasattr(pythoncom, "CoInitialize"):
            pythoncom.CoInitialize = lambda: None
        if not hasattr(pywintypes, "com_error"):
            pywintypes.com_error = type("com_error", (Exception,), {})
        client = sys.modules["win32com.client"]
        if not hasattr(client, "Dispatch"):
            client.Dispatch = lambda *a, **k: None
        sys.modules["win32com"].client = client
        xu = importlib.import_module("xlwings.udfs")
        xw.func, xw.arg, xw.ret, xw.sub, xw.script = xu.xlfunc, xu.xlarg, xu.xlret, xu.xlsub, xu.xlsub
        yield xu
    finally:
        for name, mod in saved_mods.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod
        for name, value in saved_attrs.items():
            if value is None:
                xw.__dict__.pop(name, None)
            else:
                setattr(xw, name, value)


def _module(module):
    if module is None or module == UDF_MODULE:
        module = UDF_SOURCE
    return importlib.import_module(module) if isinstance(module, str) else module


def _decorated(module) -> List:
    """The module's UDFs in xlwings' order (``dir()``, i.e. by name)."""
    return [f for f in (getattr(module, n) for n in dir(module)) if hasattr(f, "__xlfunc__")]


def udf_functions(module=None) -> List:
    """The module's UDFs, each carrying xlwings' ``__xlfunc__`` metadata.

    Where xlwings records the metadata itself (Windows) these are the module's
    own functions; elsewhere they come from a fresh execution of the module's
    source under xlwings' real decorators (see `_xlwings_decorators`), so the
    VBA is derived from exactly what xlwings would see in Excel.
    """
    module = _module(module)
    found = _decorated(module)
    if found:
        return found
    spec = getattr(module, "__spec__", None)
    if spec is None or spec.loader is None:
        return []
    fresh = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(spec.name)
    with _xlwings_decorators():
        sys.modules[spec.name] = fresh  # dataclasses and the like look themselves up
        try:
            spec.loader.exec_module(fresh)
        finally:
            if previous is None:
                sys.modules.pop(spec.name, None)
            else:
                sys.modules[spec.name] = previous
    return _decorated(fresh)


_VBA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}\Z")


def _vba_name(name: str, what: str) -> str:
    if not _VBA_NAME.match(name):
        raise ValueError(f"{what} {name!r} is not a VBA identifier (ASCII letters, digits and _ only): "
                         "give the Python function/parameter an ASCII name and put the Chinese in doc=")
    return name


# ---------------------------------------------------------------- UDF wrappers
_MAX_LINE = 1024  # as xlwings.utils.VBAWriter
_SPLIT = " _\n"


def _split_long(line: str) -> str:
    """xlwings' VBAWriter rule: lines over 1024 characters break at a space."""
    out = ""
    while len(line) > _MAX_LINE:
        limit = _MAX_LINE - len(_SPLIT)
        at = next((i for i in range(limit, 0, -1) if line[i] == " "), limit)
        out += line[:at] + _SPLIT
        line = line[at:]
    return out + line


def _wrapper(module_name: str, xlfunc: dict, workbook: str = "ThisWorkbook") -> List[str]:
    """One function as xlwings.udfs.generate_vba_wrapper writes it."""
    fname = _vba_name(xlfunc["name"], "function")
    ftype = "Sub" if xlfunc["sub"] else "Function"
    args = [dict(a) for a in xlfunc["args"]]
    for a in args:
        if a["name"] == "caller":
            a["vba"] = "Nothing"  # xlwings passes the caller itself
    sig, vararg = [], ""
    for a in args:
        if a["vba"]:
            continue
        name = _vba_name(a["name"], "argument")
        if "optional" in a:
            sig.append("Optional " + name)
        elif a["vararg"]:
            sig.append("ParamArray " + name + "()")
            vararg = name
        else:
            sig.append(name)
    body: List[str] = []
    if ftype == "Function":
        if not xlfunc["call_in_wizard"]:
            body.append('If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function')
        if xlfunc["volatile"]:
            body.append("Application.Volatile")
    if vararg:
        fixed = [a["vba"] or a["name"] for a in args if not a["vararg"]]
        body += ["Dim argsArray() As Variant",
                 f"argsArray = Array({', '.join(fixed)})",
                 f"ReDim Preserve argsArray(0 to UBound({vararg}) - LBound({vararg}) + {len(fixed)})",
                 f"For k = LBound({vararg}) To UBound({vararg})",
                 f"argsArray({len(fixed)} + k - LBound({vararg})) = {vararg}(k)",
                 "Next k"]
        call_args = "argsArray"
    else:
        call_args = "Array(" + ", ".join(a["vba"] or a["name"] for a in args) + ")"
    excel = f'"{module_name}", "{fname}", {call_args}, {workbook}, Application.Caller'
    other = f'"{module_name}", "{fname}", {call_args}'
    if ftype == "Sub":
        branch = ['#If App = "Microsoft Excel" Then', f"    XLPy.CallUDF {excel}",
                  "#Else", f"    XLPy.CallUDF {other}", "#End If"]
    else:
        branch = ['#If App = "Microsoft Excel" Then',
                  "    If TypeOf Application.Caller Is Range Then On Error GoTo failed",
                  f"    {fname} = XLPy.CallUDF({excel})", f"    Exit {ftype}",
                  "#Else", f"    {fname} = XLPy.CallUDF({other})", f"    Exit {ftype}", "#End If"]
    lines = [f"{ftype} {fname}({', '.join(sig)})"] + ["    " + ln for ln in body + branch]
    if ftype == "Function":
        lines += ["failed:", f"    {fname} = Err.Description"]
    lines += [f"End {ftype}", ""]
    return [_split_long(ln) for ln in lines]


def udf_wrappers_bas(module=None, module_name: Optional[str] = None) -> str:
    """The xlwings_udfs module, as xlwings' "Import Functions" writes it.

    One wrapper per ``@xw.func`` of `module` (default kefu_xl.udfs), calling
    ``XLPy.CallUDF`` with `module_name` (default: the module's name, which is
    what the xlwings.conf sheet lists under "UDF Modules").  The VBA is the
    same text xlwings.udfs.generate_vba_wrapper produces (tests compare them).
    """
    module = _module(module)
    module_name = module_name or (UDF_MODULE if module.__name__ == UDF_SOURCE else module.__name__)
    lines = [f'Attribute VB_Name = "{WRAPPER_MODULE}"',
             "'Autogenerated code by xlwings - changes will be lost with next import!",
             """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel"""]
    for f in udf_functions(module):
        lines += _wrapper(module_name, f.__xlfunc__)
    return "\n".join(lines) + "\n"


def _vba_text(text: str, limit: int = 255) -> str:
    """A VBA string literal (before the ChrW transform), cut as MacroOptions cuts."""
    return '"' + " ".join((text or "").split())[:limit].replace('"', '""') + '"'


def udf_register_bas(module=None) -> str:
    """KefuFunctions: gives each UDF its description, category and argument help.

    What xlwings' Import Functions does with Application.MacroOptions right
    after importing the wrappers; here ThisWorkbook's Workbook_Open calls it,
    since the wrappers come built in.  Errors are ignored (older Excel, Mac,
    LibreOffice) and the workbook's saved state is kept.
    """
    lines = [f'Attribute VB_Name = "{REGISTER_MODULE}"',
             "' Autogenerated by kefu_xl.excel.vbabuild from the UDFs' xlwings metadata.",
             "' Function wizard help for the functions in xlwings_udfs (called from Workbook_Open).",
             "Option Explicit", "",
             "Public Sub KefuRegisterFunctions()",
             "    Dim book As String, wasSaved As Boolean, h() As Variant",
             "    On Error Resume Next",
             "    wasSaved = ThisWorkbook.Saved",
             """    book = "'" & ThisWorkbook.Name & "'!\""""]
    for f in udf_functions(module):
        x = f.__xlfunc__
        if x["sub"]:
            continue
        helps = [_vba_text(a["doc"]) for a in x["args"] if not a["vba"] and a["name"] != "caller"]
        category = x["category"] if isinstance(x["category"], int) else _vba_text(str(x["category"]))
        # the docstring (xlwings' fallback text names the build machine's path: not in a shipped file)
        description = _vba_text(inspect.getdoc(f) or x["name"])
        call = (f'    Application.MacroOptions Macro:=book & "{x["name"]}", Description:={description}, '
                f"Category:={category}")
        if helps:
            # one literal per statement keeps each well inside VBA's line limits once ChrW-encoded
            lines.append(f"    ReDim h(0 To {len(helps) - 1})")
            lines += [f"    h({i}) = {text}" for i, text in enumerate(helps)]
            call += ", ArgumentDescriptions:=h"
        lines.append(call)
    lines += ["    ThisWorkbook.Saved = wasSaved", "End Sub", ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the project
def template_modules(module=None) -> Dict[str, str]:
    """Module name -> source (before the ASCII transform), in a stable order.

    ``kefu_xl/vba/*.bas`` by their VB_Name (a file named for a document module,
    ThisWorkbook.bas, is that module's code), then the generated xlwings_udfs
    and KefuFunctions.
    """
    mods = {}
    for bas in sorted(VBA_DIR.glob("*.bas")):
        text = bas.read_text(encoding="utf-8")
        m = re.search(r'Attribute VB_Name = "([^"]+)"', text)
        mods[m.group(1) if m else bas.stem] = text
    mods[WRAPPER_MODULE] = udf_wrappers_bas(module)
    mods[REGISTER_MODULE] = udf_register_bas(module)
    return mods


def build_vba_project(modules: Dict[str, str], sheet_count: int = 1) -> bytes:
    """vbaProject.bin with the given modules (ASCII-transformed), via pyOpenVBA.

    The project is the one Excel makes for a workbook of `sheet_count` sheets
    (document modules ThisWorkbook, Sheet1..SheetN, matching the code names
    XlsxWriter gives the sheets); a module named like one of those becomes its
    code, every other one a standard module, added in the given order.  Same
    input, same bytes: pyOpenVBA starts from a fixed Office-made template and
    stamps no time or random id (tests build twice and compare).
    """
    import xlsxwriter
    from pyopenvba import ExcelFile

    with tempfile.TemporaryDirectory() as d:
        blank, out = os.path.join(d, "blank.xlsm"), os.path.join(d, "out.xlsm")
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        for _ in range(sheet_count):
            wb.add_worksheet()
        wb.close()
        Path(blank).write_bytes(buf.getvalue())
        with ExcelFile(blank) as xf:
            project = xf.add_vba_project()
            documents = {m.name.casefold() for m in project.modules}
            for name, source in modules.items():
                code = to_ascii(_strip_attribute(source))
                if name.casefold() in documents:
                    xf.set_module(name, code)
                else:
                    project.add_module(name, code)
            xf.save(out)
        import zipfile
        with zipfile.ZipFile(out) as z:
            return z.read("xl/vbaProject.bin")


def _strip_attribute(source: str) -> str:
    """pyOpenVBA names the module itself; drop the VB_Name attribute line."""
    return "\n".join(line for line in source.splitlines() if not line.startswith("Attribute VB_Name"))


def module_sources(vba_bin: bytes) -> Dict[str, str]:
    """Read the modules back (oletools), for tests and checks."""
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser("vbaProject.bin", data=vba_bin)
    out = {}
    for _, _, name, code in parser.extract_macros():
        out[name.rsplit(".", 1)[0]] = code
    return out
