"""Who is running kefu-xl (for the 操作记录 sheet)."""
from __future__ import annotations

import getpass
import os


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): fall back to the environment
        return os.environ.get("USERNAME") or os.environ.get("USER") or "未知"
