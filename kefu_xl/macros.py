"""Public home of the buttons' Python entry points (CONTRACT.md): the VBA calls
`kefu_xl.macros.month_close()`, `kefu_xl.macros.check()` and `kefu_xl.macros.import_exports(paths)`.  The code lives in `kefu_xl.excel.macros`."""
from .excel.macros import *  # noqa: F401,F403
from .excel.macros import __all__  # noqa: F401
from .excel.importing import import_exports  # noqa: F401  (the 导入 button: KefuImport)

__all__ = list(__all__) + ["import_exports"]
