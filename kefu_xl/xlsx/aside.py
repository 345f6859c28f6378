"""Work done aside: a forked child computes a pure function while this process goes on.

A close has pure-Python work whose input is known early and whose output is
small (the fingerprints of the month's rows, packed as text).  On Linux a
forked child computes it on the second core while this process runs the
engine; the child pickles the result into a temporary file and leaves.  The
answer is the function's own either way: where there is no fork, the child
failed, or nobody asks for the result in time, the function runs here.

Only for results that are cheap to pickle (strings, numbers, small tuples):
records full of Decimals cost more to move between processes than to build.

`no_cycle_collection` is the other process-level help a large close gets.
"""
from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

CAN_FORK = hasattr(os, "fork") and sys.platform.startswith("linux")


class Aside:
    """fn(*args), computed in a child when one could be started."""

    def __init__(self, fn: Callable[..., Any], args: tuple, pid: Optional[int], out):
        self.fn, self.args, self.pid, self.out = fn, args, pid, out
        self.forked = pid is not None

    def result(self) -> Any:
        """The value of fn(*args): the child's, or computed here when the child could not give it."""
        value = self._collect()
        return self.fn(*self.args) if value is _NONE else value

    def value(self, default: Any = None) -> Any:
        """The child's value, or `default` when no child gave one (nothing is computed here)."""
        value = self._collect()
        return default if value is _NONE else value

    def cancel(self) -> None:
        """Stop the child, if any (its result is not wanted)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        self._collect()

    def _collect(self) -> Any:
        if self.pid is None:
            return _NONE
        pid, self.pid = self.pid, None
        try:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                return _NONE
            self.out.seek(0)
            return pickle.load(self.out)
        except (OSError, EOFError, pickle.UnpicklingError):
            return _NONE
        finally:
            self.out.close()


_NONE = object()


def start(fn: Callable[..., Any], *args: Any, fork: bool = True, nice: int = 0) -> Aside:
    """Begin fn(*args) in a forked child (when `fork` and the platform allows it); `nice`: the child
    gives way to this process by that much (work that only has to be done by a later step)."""
    if not (fork and CAN_FORK):
        return Aside(fn, args, None, None)
    try:
        out = tempfile.TemporaryFile()
    except OSError:
        return Aside(fn, args, None, None)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
    except OSError:
        out.close()
        return Aside(fn, args, None, None)
    if pid == 0:  # the child: compute, pickle, leave without the parent's exit handlers
        code = 1
        try:
            _die_with_parent(parent)
            gc.disable()  # a collection would touch (and copy) every page shared with the parent
            if nice:
                os.nice(nice)
            pickle.dump(fn(*args), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            code = 0
        except BaseException:  # noqa: BLE001 - the parent computes it again
            pass
        finally:
            os._exit(code)
    return Aside(fn, args, pid, out)


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this child when its parent dies (a killed close leaves no child behind)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the call
            os._exit(1)
    except (OSError, AttributeError):
        pass


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a close.

    A large close makes millions of small records (cells, events, lines) and
    keeps them: each automatic collection would walk all of them again, about
    a tenth of the close's time, and find nothing (the records hold no cycles).
    Reference counting still frees everything; the collector runs again after.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
