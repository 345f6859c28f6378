"""One kefu-xl command at a time on a workbook: a lock file beside it.

Every command that reads a workbook and then replaces it (close, reopen,
payslips, import) holds the lock for the whole read-compute-replace::

    with workbook_lock(path, "月结") as lock:
        loaded = load_file(path)
        lock.check_unchanged()          # nobody else saved it while it was read
        ...
        xlsxio.atomic_replace(path, build, expect=lock.seen)

The protocol is the same on Linux, macOS and Windows:

* the lock is ``.~kefu-lock.<workbook name>`` in the workbook's folder, created
  with ``O_CREAT | O_EXCL`` (atomic on every local and network file system
  the product supports), holding JSON: who, host, pid, since, what, token;
* a second command polls for `wait` seconds, then is refused (`WorkbookBusy`,
  a `WorkbookError`: exit 2) with a Chinese message naming the holder;
* a lock is stale when its process is gone (same host: the pid is not
  running) or it is older than `STALE_SECONDS` (another host, or a hung
  process); a stale lock is broken under a second exclusive file
  (``….break``), re-checked there, so two waiters never both break it;
* release removes the lock only while it still holds this holder's token;
* taking the lock removes the temporary files a killed run left beside the
  workbook (``.kefu-<name>.*``): while it is held nobody else writes them.

The lock keeps kefu-xl commands apart; Excel, WPS and LibreOffice keep their
own lock files (checked by `atomic_replace`), and `FileIdentity` catches any
other program that saves the file meanwhile.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

from .who import os_user
from .workbook import WorkbookError, remove_stale_temps

LOCK_PREFIX = ".~kefu-lock."
STALE_SECONDS = 30 * 60  # a lock older than this is stale whoever holds it (a close takes seconds)
BREAK_STALE_SECONDS = 10  # a ….break file left by a crash while breaking a lock
DEFAULT_WAIT = 3.0  # seconds a second command waits for the lock before it is refused
WAIT_ENV = "KEFU_XL_LOCK_WAIT"  # overrides DEFAULT_WAIT (seconds), e.g. for a scheduled run that may wait longer
POLL = 0.1


class WorkbookBusy(WorkbookError):
    """Another kefu-xl command holds the workbook's lock."""


class WorkbookChanged(WorkbookError):
    """The workbook file changed on disk after it was read (another program saved it)."""


class FileIdentity(NamedTuple):
    """What a file was when it was read: a replace checks it is still that file."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path) -> Optional["FileIdentity"]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


def changed_message(path) -> str:
    return (f"工作簿「{Path(path).name}」在 kefu-xl 读取之后被其他程序修改或保存过，本次没有写入任何内容。"
            "请关闭其他正在编辑它的程序后重新运行。")


def assert_unchanged(path, seen: Optional[FileIdentity]) -> None:
    """Refuse (WorkbookChanged) when `path` is no longer the file that was read."""
    if seen is not None and FileIdentity.of(path) != seen:
        raise WorkbookChanged(changed_message(path))


def lock_path(path) -> Path:
    p = Path(path)
    return p.with_name(LOCK_PREFIX + p.name)


class Holder(NamedTuple):
    user: str
    host: str
    pid: int
    since: str
    what: str
    token: str


def _read_holder(lock: Path) -> Optional[Holder]:
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
        return Holder(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"]),
                      str(data.get("what", "")), str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _host() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


def pid_alive(pid: int) -> bool:
    """Whether a process of this host is running (Windows: OpenProcess; elsewhere: signal 0)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def _age(lock: Path) -> Optional[float]:
    try:
        return time.time() - lock.stat().st_mtime
    except OSError:
        return None


def is_stale(lock: Path, holder: Optional[Holder], now_host: Optional[str] = None) -> bool:
    age = _age(lock)
    if age is None:
        return False  # gone already: not ours to judge
    if age > STALE_SECONDS:
        return True
    if holder is None:  # unreadable: a holder died between creating and writing it (or is writing now)
        return age > 2.0
    if holder.host == (now_host if now_host is not None else _host()) and not pid_alive(holder.pid):
        return True
    return False


def _busy_message(path: Path, holder: Optional[Holder], lock: Path) -> str:
    who = (f"{holder.user}（{holder.host} 上的进程 {holder.pid}）于 {holder.since} 开始的「{holder.what}」"
           if holder else "另一个 kefu-xl 命令")
    return (f"工作簿「{path.name}」正被 {who} 使用，请等它完成后再运行（同一时间只能有一个命令写入工作簿）。"
            f"如果确定没有其他命令在运行，可以删除锁文件 {lock.name} 后重试。")


class WorkbookLock:
    """A held lock; `seen` is the workbook's identity when the lock was taken."""

    def __init__(self, path: Path, lock: Path, token: str):
        self.path, self.lock, self.token = path, lock, token
        self.seen = FileIdentity.of(path)

    def check_unchanged(self) -> None:
        """Refuse when the workbook changed since the lock was taken (another program saved it)."""
        assert_unchanged(self.path, self.seen)

    def refresh(self) -> None:
        """The workbook as it is now is the one this holder wrote (after its own replace)."""
        self.seen = FileIdentity.of(self.path)

    def release(self) -> None:
        holder = _read_holder(self.lock)
        if holder is not None and holder.token == self.token:
            try:
                os.unlink(self.lock)
            except OSError:
                pass


def _try_create(lock: Path, what: str) -> Optional[str]:
    token = uuid.uuid4().hex
    try:
        fd = os.open(str(lock), os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        return None
    except PermissionError:
        if sys.platform == "win32" and lock.exists():  # pragma: no cover - Windows: being deleted
            return None
        raise
    try:
        body = {"user": os_user(), "host": _host(), "pid": os.getpid(),
                "since": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "what": what, "token": token}
        os.write(fd, json.dumps(body, ensure_ascii=False).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return token


def _break_stale(lock: Path) -> None:
    """Remove `lock` if it is stale, under a second exclusive file so only one waiter breaks it."""
    brk = lock.with_name(lock.name + ".break")
    try:
        fd = os.open(str(brk), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        age = _age(brk)
        if age is not None and age > BREAK_STALE_SECONDS:
            try:
                os.unlink(brk)
            except OSError:
                pass
        return
    except OSError:
        return
    os.close(fd)
    try:
        if is_stale(lock, _read_holder(lock)):  # checked again while holding the break file
            try:
                os.unlink(lock)
            except OSError:
                pass
    finally:
        try:
            os.unlink(brk)
        except OSError:
            pass


def default_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def acquire(path, what: str = "", wait: Optional[float] = None) -> WorkbookLock:
    """Take the workbook's lock, waiting up to `wait` seconds (default_wait()); WorkbookBusy when still held."""
    path = Path(path)
    wait = default_wait() if wait is None else wait
    lock = lock_path(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            token = _try_create(lock, what)
        except OSError as e:
            raise WorkbookError(f"无法在「{path.parent}」创建锁文件 {lock.name}（{e.strerror or e}），"
                                "请确认对该文件夹有写入权限。") from None
        if token is not None:
            remove_stale_temps(path)  # a killed run's temporary files: nobody else writes them while we hold it
            return WorkbookLock(path, lock, token)
        holder = _read_holder(lock)
        if is_stale(lock, holder):
            _break_stale(lock)
            continue
        if time.monotonic() >= deadline:
            raise WorkbookBusy(_busy_message(path, holder, lock))
        time.sleep(POLL)


@contextmanager
def workbook_lock(path, what: str = "", wait: Optional[float] = None) -> Iterator[WorkbookLock]:
    """Hold the workbook's lock for the block (see the module docstring)."""
    held = acquire(path, what, wait)
    try:
        yield held
    finally:
        held.release()
