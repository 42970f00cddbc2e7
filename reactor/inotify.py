"""The kernel's inotify(7), for the watcher: one instance and one reader thread per process.

Why our own small layer instead of watchdog's ``watchdog.observers.inotify_c``: that layer is
private, and its callback protocol changed in a patch release (7.1.1 added ``on_events_lost``; a
callback without it raised on the shared reader thread at the first queue overflow, and watching
stopped for every repo of the process; 4.x–6.x lack its ``Mask`` and fail at import). What the
watcher needs from it — non-recursive watches on one shared instance, events routed by watch
descriptor, the queue overflow told — is three system calls whose ABI has not changed since Linux
2.6.13. watchdog's public API stays in use for the polling fallback.

The kernel allows a user 128 instances by default (``fs.inotify.max_user_instances``, shared with
editors and every other program), so one instance per repo failed at the 12x-th repo of a
process: every watcher shares this one. Two repos may watch the same directory, and the kernel
gives one descriptor per inode and instance, so the hub keeps the subscribers of each descriptor
and removes the kernel's watch with the last of them. A subscriber's exception is caught here,
logged and handed back to it (:meth:`Subscriber.on_error`): the reader thread outlives any
subscriber's bug, and stops only when the last subscriber leaves.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import logging
import os
import select
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple, Protocol

log = logging.getLogger(__name__)

# <sys/inotify.h>
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_ISDIR = 0x40000000
IN_CLOEXEC = 0o2000000
IN_NONBLOCK = 0o4000

_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of NUL-padded name)
#: One read takes whatever is queued up to this size; an event is at most 16 + NAME_MAX + 1.
_READ_BYTES = 64 * 1024


class Event(NamedTuple):
    """One kernel event: ``name`` is the entry's name inside the watched directory."""

    wd: int
    mask: int
    cookie: int
    name: bytes

    @property
    def is_directory(self) -> bool:
        return bool(self.mask & IN_ISDIR)

    @property
    def is_create(self) -> bool:
        return bool(self.mask & IN_CREATE)

    @property
    def is_delete(self) -> bool:
        return bool(self.mask & IN_DELETE)

    @property
    def is_moved_from(self) -> bool:
        return bool(self.mask & IN_MOVED_FROM)

    @property
    def is_moved_to(self) -> bool:
        return bool(self.mask & IN_MOVED_TO)

    @property
    def is_attrib(self) -> bool:
        return bool(self.mask & IN_ATTRIB)


class Subscriber(Protocol):
    """What the hub calls, on its reader thread."""

    def on_event(self, event: Event) -> None:
        """An event in one of this subscriber's watched directories."""

    def on_watch_gone(self, wd: int) -> None:
        """The kernel dropped a watch of this subscriber's (its directory is gone)."""

    def on_overflow(self) -> None:
        """The kernel's queue overflowed: events of every watch were lost."""

    def on_error(self, exc: Exception) -> None:
        """One of the calls above raised ``exc``; the subscriber decides what it means (the
        hub goes on either way)."""


def parse(buffer: bytes) -> Iterator[Event]:
    """The events of one ``read`` (the kernel returns whole events only)."""
    offset = 0
    while offset + _HEADER.size <= len(buffer):
        wd, mask, cookie, length = _HEADER.unpack_from(buffer, offset)
        start = offset + _HEADER.size
        yield Event(wd, mask, cookie, buffer[start : start + length].rstrip(b"\0"))
        offset = start + length


class _Libc:
    """The three system calls, loaded once (``None`` where libc has no inotify)."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        self.init1 = libc.inotify_init1
        self.init1.argtypes = [ctypes.c_int]
        self.add_watch = libc.inotify_add_watch
        self.add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.rm_watch = libc.inotify_rm_watch
        self.rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]


def _load_libc() -> _Libc | None:
    try:
        return _Libc()
    except (OSError, AttributeError):  # not Linux (or a libc without inotify)
        return None


_libc = _load_libc()


def available() -> bool:
    """Whether this system has inotify at all."""
    return _libc is not None


def _error(what: str, path: bytes | None = None) -> OSError:
    code = ctypes.get_errno()
    name = os.fsdecode(path) if path is not None else None
    return OSError(code, f"{what}: {os.strerror(code)}", name)


class Hub:
    """The process's one inotify instance and its reader thread, shared by every watcher.

    Joined by each native watcher as it starts and left as it stops; the instance is closed (and
    its thread ends) when the last one leaves, so nothing outlives the watchers.
    """

    _lock = threading.Lock()
    _shared: Hub | None = None

    def __init__(self) -> None:
        if _libc is None:
            raise OSError(errno.ENOSYS, "inotify is not available on this system")
        fd = _libc.init1(IN_CLOEXEC | IN_NONBLOCK)
        if fd < 0:  # EMFILE: the user has no instance left
            raise _error("inotify_init1")
        self.fd: int = fd
        self.users = 0
        self._subscribers: dict[int, dict[int, Subscriber]] = {}  # wd → {id(s): s}
        self._watches_lock = threading.Lock()
        self._stopping = False
        self._wake_r, self._wake_w = os.pipe()
        self.thread = threading.Thread(target=self._run, name="reactor-inotify", daemon=True)
        self.thread.start()

    @classmethod
    def join(cls) -> Hub:
        """The shared hub (started on first use). Raises ``OSError`` when no instance is left."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            cls._shared.users += 1
            return cls._shared

    def leave(self) -> None:
        """One watcher fewer; the last one closes the instance. Safe on the reader thread
        itself (a watcher falling back to polling from an event): then the thread just ends
        after the current dispatch."""
        with self._lock:
            self.users -= 1
            if self.users > 0:
                return
            if Hub._shared is self:
                Hub._shared = None
            self._stopping = True
        # the write end is this method's to close: the thread may be gone (and its read end)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"!")
        os.close(self._wake_w)
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout=10)

    # -- watches --------------------------------------------------------------------------
    def add_watch(self, path: bytes, mask: int, subscriber: Subscriber) -> int:
        """Watch the directory ``path`` for ``subscriber``; its descriptor. Raises
        ``OSError`` (ENOENT/ENOTDIR: gone; ENOSPC: the user's watch limit)."""
        assert _libc is not None
        with self._watches_lock:
            wd = int(_libc.add_watch(self.fd, path, mask))
            if wd < 0:
                raise _error("inotify_add_watch", path)
            self._subscribers.setdefault(wd, {})[id(subscriber)] = subscriber
            return wd

    def remove_watches(self, wds: Iterable[int], subscriber: Subscriber) -> None:
        """``subscriber`` no longer wants these; a watch nobody wants leaves the kernel."""
        assert _libc is not None
        with self._watches_lock:
            for wd in wds:
                subs = self._subscribers.get(wd)
                if subs is None or subs.pop(id(subscriber), None) is None or subs:
                    continue
                del self._subscribers[wd]
                _libc.rm_watch(self.fd, wd)  # EINVAL when the kernel dropped it already

    @property
    def watches(self) -> int:
        """Kernel watches held by the instance (every subscriber's together)."""
        with self._watches_lock:
            return len(self._subscribers)

    # -- the reader thread ----------------------------------------------------------------
    def _run(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        try:
            while not self._stopping:
                try:
                    poller.poll()
                    if self._stopping:
                        break
                    buffer = os.read(self.fd, _READ_BYTES)
                except BlockingIOError:
                    continue
                except InterruptedError:
                    continue
                for event in parse(buffer):
                    self._dispatch(event)
        except Exception:  # pragma: no cover - the instance itself failed (EBADF, ENOMEM)
            log.exception("inotify reader failed; native file watching stopped")
        finally:
            os.close(self.fd)
            os.close(self._wake_r)

    def _dispatch(self, event: Event) -> None:
        if event.mask & IN_Q_OVERFLOW:
            log.debug("inotify queue overflowed")
            with self._watches_lock:
                everyone = {id(s): s for subs in self._subscribers.values() for s in subs.values()}
            for subscriber in everyone.values():
                self._call(subscriber, subscriber.on_overflow)
            return
        with self._watches_lock:
            if event.mask & IN_IGNORED:  # the directory is gone, and its watch with it
                gone = list(self._subscribers.pop(event.wd, {}).values())
                subscribers: list[Subscriber] = []
            else:
                gone = []
                subscribers = list(self._subscribers.get(event.wd, {}).values())
        for subscriber in subscribers:
            self._call(subscriber, subscriber.on_event, event)
        for subscriber in gone:
            self._call(subscriber, subscriber.on_watch_gone, event.wd)

    @staticmethod
    def _call(subscriber: Subscriber, method: Callable[..., None], *args: object) -> None:
        """Run one subscriber call; its exception is the subscriber's, never the thread's."""
        try:
            method(*args)
        except Exception as exc:
            try:
                subscriber.on_error(exc)
            except Exception:
                log.exception("file watching: a handler failed, and so did its error handler")
