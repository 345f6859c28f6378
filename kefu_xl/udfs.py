"""Public home of the Excel functions (CONTRACT.md): every workbook's xlwings.conf names
`kefu_xl.udfs` as its UDF module.  The code lives in `kefu_xl.excel.udfs`."""
from .excel.udfs import *  # noqa: F401,F403
from .excel.udfs import __all__  # noqa: F401
