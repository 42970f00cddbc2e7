"""Filesystem events → repo-relative dirty paths: the only module that watches the tree.

It watches only what can hold sources. watchdog's recursive observer puts an inotify watch on
every directory under the root, ignored or not (excluding a subtree is watchdog issue #212, open
since 2014): a gitignored ``node_modules`` of 30,000 directories took 30,000 of the user's
``fs.inotify.max_user_watches`` (8,192 on many systems, shared with editors and LLMC's own
watcher) and cost CPU for every write inside it. So on Linux it keeps one non-recursive watch per
directory that the source policy would walk into, on the process's one inotify instance
(:mod:`reactor.inotify`, which says why that is ours and not watchdog's private layer). The set
of watches follows the tree:

* a new or moved-in directory that is not ignored gets a watch, and a rescan of it picks up the
  files it already holds (listing it is the only I/O on the event thread);
* a removed or moved-out directory drops its watches and is rescanned (its sources are gone);
  a directory moved into a directory created a moment before keeps its watch (the kernel hands
  back the same descriptor for its new path, which then names the new path only);
* a changed ``.gitignore`` reloads its patterns and adds or drops watches below it.

The mask is narrowed to create/close-after-write/move/delete, plus attribute changes: about one
kernel event per changed file. A ``chmod`` that makes a file or directory readable again changes
neither content nor mtime, so only its attribute event says it is back (a ``touch`` costs a stat
and a hash, never a generation). A kernel queue overflow reaches the reactor as a rescan request. A
rename within the tree is paired by its cookie, so a file (or every file of a directory) keeps
its doc.

Native watching never dies silently: a handler that fails on the event thread is logged and the
repo rescanned; when the native watch cannot go on (the watch limit reached while the tree grows,
or handlers failing again and again), that repo moves to watchdog's polling observer with one
warning, as it does when native watching cannot start at all (no instance left, the watch
limit): the polling lists only directories the policy would enter, and the warning names the
limit and the ``sysctl`` that raises it.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

from . import inotify
from .dirty import DirtySet
from .facts import is_manifest
from .policy import SourcePolicy

log = logging.getLogger(__name__)
_Event = TypeVar("_Event", bound=Any)

POLL_INTERVAL_SECONDS = 2.0
#: Unpaired move cookies remembered (a rename's two halves arrive back to back).
MOVE_COOKIES = 64
#: Handler failures in a row on the event thread after which a repo stops trusting its native
#: watch (one bad file fails about two events: its create and its close-after-write).
NATIVE_FAILURES_BEFORE_POLLING = 10


class Watcher:
    """Watches one repo and feeds a :class:`DirtySet`. A context manager."""

    def __init__(self, policy: SourcePolicy, dirty: DirtySet, *, polling: bool = False):
        self.policy = policy
        self.dirty = dirty
        self.root = str(policy.root)
        self._polling = polling
        self._tree: _InotifyTree | None = None
        self._observer: BaseObserver | None = None
        self._lock = threading.Lock()  # the mode: native, polling, stopped
        self._stopped = False
        self.overflows = 0
        self.native_failures = 0  # in a row: an event handled well resets it
        #: Why native watching could not start or go on (``None``: it runs, or polling was
        #: asked for).
        self.fallback_reason: str | None = None

    @property
    def mode(self) -> str:
        """``native``, ``polling`` or ``stopped``."""
        if self._tree is not None:
            return "native"
        return "polling" if self._observer is not None else "stopped"

    @property
    def watched_dirs(self) -> int:
        """Directories watched natively (0 when polling or stopped)."""
        tree = self._tree
        return tree.count if tree is not None else 0

    def start(self) -> None:
        with self._lock:
            if self._tree is not None or self._observer is not None:
                return
            self._stopped = False
            if not self._polling and inotify.available():
                try:
                    hub = inotify.Hub.join()
                except OSError as exc:  # no inotify instance left for this user
                    self.fallback_reason = _limit_warning(self, exc)
                else:
                    tree = self._tree = _InotifyTree(self, hub)  # before start: events use it
                    try:
                        tree.start()
                        return
                    except OSError as exc:  # the watch limit: give back what was taken
                        self._tree = None
                        tree.stop()
                        self.fallback_reason = _limit_warning(self, exc)
            self._observer = self._start_polling()

    def _start_polling(self) -> BaseObserver:
        observer = PollingObserverVFS(
            stat=os.stat, listdir=self._listdir, polling_interval=POLL_INTERVAL_SECONDS
        )
        observer.schedule(_PollHandler(self), self.root, recursive=True)
        observer.start()
        return observer

    def _listdir(self, path: str | None) -> Iterator[os.DirEntry[str]]:
        """The polling emitter's directory listing, without the subtrees the policy skips."""
        assert path is not None
        rel_dir = self.relative(path)
        with os.scandir(path) as it:
            entries = list(it)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and rel_dir is not None:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if not self.policy.dir_allowed(rel):
                    continue
            yield entry

    def relative(self, path: str | bytes) -> str | None:
        path = os.fsdecode(path)
        if path == self.root:
            return ""
        prefix = self.root + os.sep
        return path[len(prefix) :] if path.startswith(prefix) else None

    def is_candidate(self, rel: str) -> bool:
        return self.policy.reason_to_skip(rel) is None

    def handle(self, handler: Callable[[_Event], None], event: _Event) -> None:
        """Run a polling event's handler; whatever goes wrong becomes a rescan (an exception
        there would end watchdog's observer thread and, with it, every later event)."""
        try:
            handler(event)
        except Exception:
            log.exception("cannot handle %r; rescanning instead", event)
            self.dirty.add_tree("")

    def native_failed(self, tree: _InotifyTree, exc: Exception) -> None:
        """A native handler raised on the event thread: rescan, so nothing the event meant
        is lost; when the watch cannot go on, poll this repo instead."""
        self.dirty.add_tree("")
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.ENOMEM):
            self._fall_back(tree, _limit_warning(self, exc))  # a new directory got no watch
            return
        log.error(
            "file watching: cannot handle an event in %s (%s: %s); rescanning the repo",
            self.root,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        self.native_failures += 1
        if self.native_failures >= NATIVE_FAILURES_BEFORE_POLLING:
            reason = f"event handling failed {self.native_failures} times in a row ({exc})"
            log.warning(
                "native file watching stopped for %s: %s; polling %s every %gs instead",
                self.root,
                reason,
                self.root,
                POLL_INTERVAL_SECONDS,
            )
            self._fall_back(tree, reason)

    def _fall_back(self, tree: _InotifyTree, reason: str) -> None:
        """Replace ``tree`` by the polling observer (once; on the event thread itself)."""
        with self._lock:
            if self._stopped or self._tree is not tree:
                return
            self._tree = None
            self.fallback_reason = reason
            self._observer = self._start_polling()
        tree.stop()

    def gitignore_changed(self, rel_dir: str) -> None:
        """A ``.gitignore`` in ``rel_dir`` changed: new patterns, new watches, a rescan."""
        self.policy.forget_gitignore(rel_dir)
        tree = self._tree
        if tree is not None:
            tree.resync(rel_dir)
        self.dirty.add_tree(rel_dir)

    def manifest_changed(self, rel_dir: str) -> None:
        """A build or package manifest in ``rel_dir`` changed: the rescan that finds it has
        the repo's imports resolved again (see :mod:`reactor.facts.resolve`)."""
        self.dirty.add_tree(rel_dir)

    def on_overflow(self) -> None:
        self.overflows += 1
        self.dirty.add_tree("")
        if self.overflows == 1 or self.overflows % 100 == 0:
            log.warning(
                "filesystem events were lost (queue overflow, %d so far); the repo will be "
                "rescanned, no change is lost",
                self.overflows,
            )

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            tree, self._tree = self._tree, None
            observer, self._observer = self._observer, None
        if tree is not None:
            tree.stop()
        if observer is not None:
            observer.stop()
            observer.join(timeout=10)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _InotifyTree:
    """One repo's non-recursive watches, one per directory the policy walks into, on the
    shared instance. An :class:`inotify.Subscriber`: its ``on_*`` methods run on the hub's
    reader thread.
    """

    MASK = (
        inotify.IN_CREATE
        | inotify.IN_CLOSE_WRITE
        | inotify.IN_MOVED_FROM
        | inotify.IN_MOVED_TO
        | inotify.IN_DELETE
        | inotify.IN_ATTRIB
        | inotify.IN_ONLYDIR
        | inotify.IN_DONT_FOLLOW
        | inotify.IN_EXCL_UNLINK
    )

    def __init__(self, watcher: Watcher, hub: inotify.Hub):
        self.w = watcher
        self.hub = hub
        self._lock = threading.RLock()
        self._dir_of: dict[int, str] = {}
        self._wd_of: dict[str, int] = {}
        self._moves: OrderedDict[int, tuple[str, bool]] = OrderedDict()
        self._left = False

    @property
    def count(self) -> int:
        return len(self._wd_of)

    def start(self) -> None:
        self.add_tree("")

    def stop(self) -> None:
        """Remove this repo's watches (the others' stay) and leave the hub, once."""
        with self._lock:
            if self._left:
                return
            self._left = True
        self.drop_tree("")
        self.hub.leave()

    # -- the watch set --------------------------------------------------------------------
    def add_tree(self, rel_dir: str) -> None:
        """Watch ``rel_dir`` and every allowed directory below it. Raises the limit error
        (ENOSPC): at start the repo polls instead; later, too (see :meth:`on_error`)."""
        for rel in self.w.policy.walk_dirs(rel_dir):
            self._add(rel)

    def _add(self, rel: str) -> None:
        if rel in self._wd_of or self._left:
            return  # `mkdir -p a/b`: a's listing found b before b's own create event came
        path = os.fsencode(os.path.join(self.w.root, rel) if rel else self.w.root)
        try:
            wd = self.hub.add_watch(path, self.MASK, self)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
                return  # gone already (its parent's event says so), or unreadable (skipped)
            raise
        with self._lock:
            # The same descriptor for a new path: the directory moved here (its old place's
            # move event may still be on its way) — it is watched under this name only.
            old = self._dir_of.get(wd)
            if old is not None and old != rel:
                self._wd_of.pop(old, None)
            stale = self._wd_of.get(rel)
            if stale is not None and stale != wd:
                self._dir_of.pop(stale, None)
            self._dir_of[wd] = rel
            self._wd_of[rel] = wd

    def drop_tree(self, rel_dir: str) -> None:
        """Stop watching ``rel_dir`` and everything below it."""
        prefix = rel_dir + "/"
        with self._lock:
            gone = [r for r in self._wd_of if r == rel_dir or r.startswith(prefix) or not rel_dir]
            wds = [self._wd_of.pop(r) for r in gone]
            for wd in wds:
                self._dir_of.pop(wd, None)
        self.hub.remove_watches(wds, self)

    def resync(self, rel_dir: str) -> None:
        """Patterns changed below ``rel_dir``: watch what is now allowed, drop what is not."""
        allowed = set(self.w.policy.walk_dirs(rel_dir))
        prefix = rel_dir + "/" if rel_dir else ""
        with self._lock:
            watched = {r for r in self._wd_of if r == rel_dir or r.startswith(prefix)}
        for rel in sorted(watched - allowed, key=len):
            if rel in self._wd_of:
                self.drop_tree(rel)
        for rel in sorted(allowed - watched):
            self._add(rel)

    # -- inotify.Subscriber ---------------------------------------------------------------
    def on_event(self, event: inotify.Event) -> None:
        self._on_event(event)
        self.w.native_failures = 0

    def _on_event(self, event: inotify.Event) -> None:
        parent = self._dir_of.get(event.wd)
        if parent is None or not event.name:
            return
        name = os.fsdecode(event.name)
        rel = f"{parent}/{name}" if parent else name
        w = self.w
        moved_from = None
        if event.is_moved_from:
            self._remember_move(event.cookie, rel, event.is_directory)
        elif event.is_moved_to:
            moved_from = self._moves.pop(event.cookie, None)
        if event.is_directory:
            self._on_directory(event, rel, moved_from)
        elif name == ".gitignore":
            w.gitignore_changed(parent)
        else:
            if is_manifest(name):
                w.manifest_changed(parent)
            if w.is_candidate(rel):
                renamed = moved_from is not None and not moved_from[1]
                if renamed and moved_from is not None and w.is_candidate(moved_from[0]):
                    w.dirty.add(rel, moved_from=moved_from[0])
                else:
                    w.dirty.add(rel)

    def _on_directory(
        self, event: inotify.Event, rel: str, moved_from: tuple[str, bool] | None
    ) -> None:
        w = self.w
        if event.is_attrib:  # permissions changed: what it holds may be readable (again), or not
            if w.policy.dir_allowed(rel):
                self.add_tree(rel)
                w.dirty.add_tree(rel)
        elif event.is_delete or event.is_moved_from:
            self.drop_tree(rel)
            w.dirty.add_tree(rel)  # its sources are gone (or went elsewhere)
        elif (event.is_create or event.is_moved_to) and w.policy.dir_allowed(rel):
            self.add_tree(rel)
            if moved_from is not None and moved_from[1]:
                # a rename within the tree: every file keeps its doc
                for new, _st in w.policy.walk(rel):
                    old = moved_from[0] + new[len(rel) :]
                    w.dirty.add(new, moved_from=old)
                    w.dirty.add(old)
            else:
                w.dirty.add_tree(rel)  # files written before its watch was in place

    def _remember_move(self, cookie: int, rel: str, is_dir: bool) -> None:
        self._moves[cookie] = (rel, is_dir)
        while len(self._moves) > MOVE_COOKIES:
            self._moves.popitem(last=False)

    def on_watch_gone(self, wd: int) -> None:
        with self._lock:
            rel = self._dir_of.pop(wd, None)
            if rel is not None and self._wd_of.get(rel) == wd:
                del self._wd_of[rel]

    def on_overflow(self) -> None:
        self.w.on_overflow()

    def on_error(self, exc: Exception) -> None:
        self.w.native_failed(self, exc)


class _PollHandler(FileSystemEventHandler):
    """The polling fallback's events, through the same policy."""

    def __init__(self, watcher: Watcher):
        self.w = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        self.w.handle(self._dispatch, event)

    def _dispatch(self, event: FileSystemEvent) -> None:
        w = self.w
        paths = [w.relative(event.src_path)]
        if isinstance(event, (FileMovedEvent, DirMovedEvent)):
            paths.append(w.relative(event.dest_path))
        for rel in paths:
            if rel is None:
                continue
            if event.is_directory:
                if isinstance(event, (DirMovedEvent, DirDeletedEvent, DirCreatedEvent)):
                    w.dirty.add_tree(rel)
            elif rel.rpartition("/")[2] == ".gitignore":
                w.gitignore_changed(rel.rpartition("/")[0])
            else:
                if is_manifest(rel.rpartition("/")[2]):
                    w.manifest_changed(rel.rpartition("/")[0])
                if w.is_candidate(rel):
                    w.dirty.add(rel)


def _limit_warning(watcher: Watcher, exc: OSError) -> str:
    """Say once why this repo is polled, which kernel limit ran out, and how to raise it."""
    if exc.errno == errno.EMFILE:
        limit, suggested, what = "max_user_instances", 1024, "one inotify instance per process"
    elif exc.errno == errno.ENOSYS:
        limit, suggested, what = "", 0, ""
    else:
        limit, suggested = "max_user_watches", 524288
    dirs = sum(1 for _ in watcher.policy.walk_dirs())
    if limit == "max_user_watches":
        what = f"one inotify watch per directory ({dirs:,} here)"
    if not limit:
        reason = exc.strerror or str(exc)
        log.warning(
            "native file watching unavailable for %s (%s); polling %d directories every %gs",
            watcher.root,
            reason,
            dirs,
            POLL_INTERVAL_SECONDS,
        )
        return reason
    reason = f"{exc.strerror or exc}: fs.inotify.{limit} = {_kernel_limit(limit)}"
    log.warning(
        "native file watching unavailable for %s (%s, shared by all your programs); polling "
        "%d directories every %gs instead (higher CPU). Native watching needs %s: raise the "
        "limit, e.g. sudo sysctl fs.inotify.%s=%d",
        watcher.root,
        reason,
        dirs,
        POLL_INTERVAL_SECONDS,
        what,
        limit,
        suggested,
    )
    return reason


def _kernel_limit(name: str) -> str:
    try:
        with open(f"/proc/sys/fs/inotify/{name}", encoding="ascii") as fh:
            return fh.read().strip()
    except OSError:
        return "unknown"
