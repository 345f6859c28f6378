"""A progress line on the terminal for closes that take more than a second."""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO

STEPS = ("读取", "计算", "写入", "完成")
WIDTH = 24


class Progress:
    """Shows ``月结 [#####-------] 计算`` on stderr once `delay` seconds have passed.

    Quiet for fast closes and when stderr is not a terminal (CI, --json pipes).
    """

    def __init__(self, stream: Optional[TextIO] = None, delay: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, force: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.delay, self.clock = delay, clock
        self.start = clock()
        self.enabled = force or bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def step(self, name: str) -> None:
        if not self.enabled or (not self.shown and self.clock() - self.start < self.delay):
            return
        i = STEPS.index(name) + 1 if name in STEPS else 0
        filled = WIDTH * i // len(STEPS)
        self.stream.write(f"\r月结 [{'#' * filled}{'-' * (WIDTH - filled)}] {name} {self.clock() - self.start:.1f}s")
        if name == STEPS[-1]:
            self.stream.write("\n")
        self.stream.flush()
        self.shown = True
