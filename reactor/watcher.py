"""The only module that imports watchdog: filesystem events → repo-relative dirty paths.

The handler runs on watchdog's event thread and stays cheap: a string prefix test, the source
policy's pure path checks (no file I/O beyond a cached ``.gitignore``), and an O(1) add to the
dirty set. The inotify mask is narrowed with ``event_filter`` to create/close-after-write/move/
delete, about one kernel event per changed file instead of four (open, modify, close,
parent-modified), which keeps bursts under the kernel's queue limit; a ``touch`` produces no event
at all.

watchdog reports a kernel queue overflow only in a log line (``Inotify queue overflowed``) and
never to the handler, so a filter on that logger turns it into a rescan request. If native
watching cannot start (e.g. the inotify watch limit), a polling observer takes over with a warning.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from .dirty import DirtySet
from .policy import SourcePolicy

log = logging.getLogger(__name__)

EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileClosedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
OVERFLOW_LOGGER = "watchdog.observers.inotify_c"
#: A storm can overflow the queue many times a second; say so once, not for every overflow.
OVERFLOW_LOG_INTERVAL_SECONDS = 60.0


class _OverflowFilter(logging.Filter):
    """Turns watchdog's overflow warning into a callback on every live watcher."""

    def __init__(self) -> None:
        super().__init__()
        self.watchers: set[Watcher] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if "overflow" in record.getMessage().lower():
            with self._lock:
                watchers = list(self.watchers)
            for watcher in watchers:
                watcher.on_overflow()
        return True


_overflow = _OverflowFilter()
logging.getLogger(OVERFLOW_LOGGER).addFilter(_overflow)
# watchdog warns on its own thread when a directory is removed and re-created quickly (the doc
# store prunes and re-creates output dirs); it overwrites the stale callback, which is correct.
warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.w = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        # An exception here would end watchdog's dispatcher thread and, with it, all events;
        # whatever goes wrong, fall back to a rescan instead.
        try:
            self._dispatch(event)
        except Exception:
            log.exception("cannot handle %r; rescanning instead", event)
            self.w.dirty.add_tree("")

    def _dispatch(self, event: FileSystemEvent) -> None:
        w = self.w
        src = w.relative(event.src_path)
        if isinstance(event, (FileMovedEvent, DirMovedEvent)):
            dest = w.relative(event.dest_path)
            if event.is_directory:
                # Within the tree watchdog follows with one move per file, which lets the docs
                # move along; a move across the tree's edge arrives as a create or a delete.
                if src is None or dest is None:
                    for rel in (src, dest):
                        if rel is not None:
                            w.dirty.add_tree(rel)
                return
            if dest is not None and w.is_candidate(dest):
                w.dirty.add(dest, moved_from=src if src and w.is_candidate(src) else None)
            if src is not None and w.is_candidate(src):
                w.dirty.add(src)
            return
        if src is None:
            return
        if event.is_directory:  # DirDeletedEvent: its files may not get their own events
            w.dirty.add_tree(src)
        elif w.is_candidate(src):
            w.dirty.add(src)
        elif src.endswith(".gitignore") and (src == ".gitignore" or src.endswith("/.gitignore")):
            parent = src.rpartition("/")[0]
            w.policy.forget_gitignore(parent)
            w.dirty.add_tree(parent)


class Watcher:
    """Watches one repo recursively and feeds a :class:`DirtySet`. A context manager."""

    def __init__(self, policy: SourcePolicy, dirty: DirtySet, *, polling: bool = False):
        self.policy = policy
        self.dirty = dirty
        self.root = str(policy.root)
        self._prefix = self.root + os.sep
        self._polling = polling
        self._observer: BaseObserver | None = None
        self.overflows = 0
        self._last_overflow_log = float("-inf")

    @property
    def mode(self) -> str:
        """``native``, ``polling`` or ``stopped``."""
        if self._observer is None:
            return "stopped"
        return "polling" if isinstance(self._observer, PollingObserver) else "native"

    def relative(self, path: str | bytes) -> str | None:
        path = os.fsdecode(path)
        if path.startswith(self._prefix):
            return path[len(self._prefix) :]
        return None

    def is_candidate(self, rel: str) -> bool:
        return self.policy.reason_to_skip(rel) is None

    def on_overflow(self) -> None:
        self.overflows += 1
        self.dirty.add_tree("")
        now = time.monotonic()
        if now - self._last_overflow_log >= OVERFLOW_LOG_INTERVAL_SECONDS:
            self._last_overflow_log = now
            log.warning(
                "filesystem events were lost (queue overflow, %d so far); the repo will be "
                "rescanned, no change is lost",
                self.overflows,
            )

    def start(self) -> None:
        if self._observer is not None:
            return
        _overflow.watchers.add(self)
        if not self._polling:
            try:
                self._observer = self._start(Observer())
                return
            except OSError as exc:
                log.warning(
                    "native file watching unavailable (%s); polling %s instead (higher CPU, "
                    "raise fs.inotify.max_user_watches to fix)",
                    exc.strerror or exc,
                    self.root,
                )
        self._observer = self._start(PollingObserver(timeout=2.0))

    def _start(self, observer: BaseObserver) -> BaseObserver:
        observer.schedule(_Handler(self), self.root, recursive=True, event_filter=EVENT_FILTER)
        try:
            observer.start()
        except BaseException:
            observer.unschedule_all()
            raise
        return observer

    def stop(self) -> None:
        _overflow.watchers.discard(self)
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=10)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
