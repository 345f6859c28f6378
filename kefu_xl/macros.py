"""Public home of the buttons' Python entry points (CONTRACT.md): the VBA calls
`kefu_xl.macros.month_close()` and `kefu_xl.macros.check()`.  The code lives in `kefu_xl.excel.macros`."""
from .excel.macros import *  # noqa: F401,F403
from .excel.macros import __all__  # noqa: F401
