"""``flock`` locks under ``.llmc/``: the docgen lock and the one-watcher-per-repo lock.

The lock file is opened without truncation (``O_CREAT`` without ``O_TRUNC``) so a waiting process
never clobbers the holder's pid note, and with ``O_NOFOLLOW`` so a planted symlink cannot make us
create or truncate a file elsewhere. The holder writes its pid after acquiring, which lets the
refusal message say who holds it.

A :class:`FileLock` object is shared by the threads of one process (a host's tick thread and a
batch ``generate()`` in another): ``flock`` alone cannot tell them apart, since both would use the
same descriptor. So each lock also has a re-entrant thread lock taken first: one thread at a time
owns it, that thread may nest ``with lock:`` blocks, and only the outermost exit releases.

**Waiters go first.** The daemon takes the lock for one tick at a time and lets it go between
ticks for a moment only; a manual run polling for it could lose that race for as long as the
daemon has a backlog. So whoever waits *declares* it — threads of this process by a counter,
other processes by a shared ``flock`` on ``<lock>.waiting`` held while they wait — and a tick
that sees a declared waiter skips (:meth:`FileLock.has_waiters`): the waiter gets the lock at
the next tick boundary.

Nothing between taking the ``flock`` and recording the holder may leak it: the pid note is
best-effort (a full disk cannot write it, and the lock is held all the same), and any failure
before the lock is recorded closes the descriptor, which drops the ``flock``.

**A lock held for long is kept.** A ``flock`` is on the file, not on its name: delete the lock
file under a running watch and the next watch makes a new file and locks that one (four ran on
one repo). So the holder of such a lock checks every ``LOCK_CHECK_SECONDS`` that the path still
names the file it locked (:meth:`FileLock.still_held`, on a :class:`LockKeeper` thread), makes
and locks it again when it is gone, and hears who took it when another process was quicker.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import LockHeld, ReactorError, StateDirError, UnsafePath
from .state import STATE_DIR, ensure_state_dir

DOCGEN_LOCK = Path(".llmc/locks/docgen.lock")
#: LLMC's own batch docgen CLI locks this one; a tick skips while it is held.
LLMC_BATCH_LOCK = Path(".llmc/docgen.lock")
WATCH_LOCK = Path(".llmc/locks/watch.lock")
#: How often a long-held lock (the watch's) checks that its file is still the one it locked.
LOCK_CHECK_SECONDS = 2.0


class FileLock:
    """An exclusive ``flock`` that is also exclusive between threads; re-entrant per thread."""

    def __init__(self, path: Path, *, repo_root: Path | None = None):
        self.path = path
        self.waiting_path = path.with_name(path.name + ".waiting")
        self._repo_root = repo_root  # set: the state dir is created with its .gitignore
        self._fd: int | None = None
        self._owner = threading.RLock()
        self._depth = 0
        self._waiters = 0  # threads of this process waiting in acquire()
        self._waiters_lock = threading.Lock()

    @classmethod
    def for_repo(cls, repo_root: Path, rel: Path) -> FileLock:
        """The lock at ``rel`` (e.g. :data:`DOCGEN_LOCK`) of the repo at ``repo_root``."""
        return cls(repo_root / rel, repo_root=repo_root)

    @property
    def held(self) -> bool:
        """Whether some thread of this process holds it."""
        return self._fd is not None

    def acquire(self, *, timeout_seconds: float = 0.0) -> None:
        """Take the lock, waiting up to ``timeout_seconds`` (declared, see the module
        docstring), else raise :class:`LockHeld`."""
        if timeout_seconds <= 0:
            self._acquire(0.0)
            return
        with self._declared_waiting():
            self._acquire(timeout_seconds)

    def _acquire(self, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        if not self._owner.acquire(timeout=min(timeout_seconds, threading.TIMEOUT_MAX)):
            raise LockHeld(self.path, "another thread of this process")
        try:
            if self._depth == 0:
                while True:
                    try:
                        self._try_acquire()
                        break
                    except LockHeld:
                        if time.monotonic() >= deadline:
                            raise
                    time.sleep(0.05)  # flock has no timed wait; poll the other process
            self._depth += 1
        except BaseException:
            self._owner.release()
            raise

    @contextlib.contextmanager
    def _declared_waiting(self) -> Iterator[None]:
        with self._waiters_lock:
            self._waiters += 1
        fd = None
        try:
            with contextlib.suppress(OSError):  # best effort: the wait works without it
                self._make_parent()
                flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
                fd = os.open(self.waiting_path, flags, 0o644)
                fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            if fd is not None:
                os.close(fd)
            with self._waiters_lock:
                self._waiters -= 1

    def _make_parent(self) -> None:
        """The lock's directory: in a repo, through the state dir (its ignore file, and never
        the repo itself made again once removed)."""
        if self._repo_root is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        sub = self.path.parent.relative_to(self._repo_root / STATE_DIR).as_posix()
        ensure_state_dir(self._repo_root, "" if sub == "." else sub)

    def has_waiters(self) -> bool:
        """Whether a run is waiting for this lock: a thread of this process, or another
        process (it holds ``<lock>.waiting`` shared while it waits)."""
        if self._waiters:
            return True
        try:
            fd = os.open(self.waiting_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)  # (an exclusive probe that succeeded is dropped right here)
        return False

    def _try_acquire(self) -> None:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            try:
                fd = os.open(self.path, flags, 0o644)
            except (FileNotFoundError, NotADirectoryError):
                # the first time (or .llmc/ was removed): make the dirs, or say what is in the way
                self._make_parent()
                fd = os.open(self.path, flags, 0o644)
        except StateDirError:
            raise
        except OSError as exc:
            if os.path.islink(self.path):
                raise UnsafePath(self.path, "lock file is a symlink") from None
            # not another run's doing (a read-only repo, a file where a directory goes): say
            # what it is, never "held by another run"
            raise StateDirError(
                self.path, f"cannot open the lock file: {exc.strerror or exc}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        note = f"{os.getpid()}\n".encode()
        with contextlib.suppress(OSError):  # who holds it, for the refusal message; a full
            if os.pread(fd, 32, 0) != note:  # disk must not keep the lock from being held
                os.ftruncate(fd, 0)  # (or leak it)
                os.pwrite(fd, note, 0)
        self._fd = fd

    def release(self) -> None:
        """Undo one :meth:`acquire` of the calling thread; the outermost one drops the flock.

        A thread that does not hold the lock releases nothing (``close()`` paths call this
        unconditionally).
        """
        if not self._owner.acquire(blocking=False):
            return  # another thread holds it
        try:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)  # closing drops the flock (the pid note stays: only a holder's
                # note is ever read, and the next holder writes its own)
            self._owner.release()  # the acquire() this release undoes
        finally:
            self._owner.release()  # the probe above

    def still_held(self) -> str | None:
        """For the holder of a long-held lock: ``None`` while its path names the file this
        process locked — a deleted or replaced lock file is made and locked again — else who
        holds the lock now (another process locked the new file first). A check that cannot
        be made now (a full disk, the state dir unreadable) keeps what is held."""
        held = self._fd
        if held is None:
            return None
        try:
            if os.path.samestat(os.stat(self.path, follow_symlinks=False), os.fstat(held)):
                return None
        except FileNotFoundError:
            pass
        except OSError:
            return None
        try:
            self._try_acquire()  # the new file: ours now, unless another process was quicker
        except LockHeld as exc:
            return exc.holder or "another process"
        except (ReactorError, OSError):
            return None
        os.close(held)
        return None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class LockKeeper:
    """Checks a held lock every ``LOCK_CHECK_SECONDS`` on a thread of its own (a watch's loop
    may sleep 30 s) and calls ``on_lost(holder)`` once when another process holds it now. A
    context manager: the thread ends with the block."""

    def __init__(self, lock: FileLock, *, on_lost: Callable[[str], object]):
        self.lock = lock
        self.on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reactor-lock-keeper", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(LOCK_CHECK_SECONDS):
            holder = self.lock.still_held()
            if holder is not None:
                self.on_lost(holder)
                return

    def __enter__(self) -> LockKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


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
