"""``flock`` locks under ``.llmc/``: the docgen lock and the one-watcher-per-repo lock.

The lock file is opened without truncation (``O_CREAT`` without ``O_TRUNC``) so a waiting process
never clobbers the holder's pid note, and with ``O_NOFOLLOW`` so a planted symlink cannot make us
create or truncate a file elsewhere. The holder writes its pid after acquiring, which lets the
refusal message say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

from .errors import LockHeld, UnsafePath

DOCGEN_LOCK = Path(".llmc/locks/docgen.lock")
#: LLMC's own batch docgen CLI locks this one; a tick skips while it is held.
LLMC_BATCH_LOCK = Path(".llmc/docgen.lock")
WATCH_LOCK = Path(".llmc/locks/watch.lock")


class FileLock:
    """A non-blocking exclusive ``flock``; use as a context manager or try/release."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, timeout_seconds: float = 0.0) -> None:
        """Take the lock, waiting up to ``timeout_seconds``, else raise :class:`LockHeld`."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                return self._try_acquire()
            except LockHeld:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(0.05)

    def _try_acquire(self) -> None:
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if os.path.islink(self.path):
                raise UnsafePath(self.path, "lock file is a symlink") from None
            raise LockHeld(self.path, f"unopenable lock file: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing drops the flock

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked_elsewhere(path: Path) -> bool:
    """Whether another process holds ``path`` (a missing file is not locked). Never creates it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode().strip())
        return f"pid {pid}"
    return ""
