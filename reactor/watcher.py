"""The only module that imports watchdog: filesystem events → repo-relative dirty paths.

It watches only what can hold sources. watchdog's recursive observer puts an inotify watch on
every directory under the root, ignored or not (excluding a subtree is watchdog issue #212, open
since 2014): a gitignored ``node_modules`` of 30,000 directories took 30,000 of the user's
``fs.inotify.max_user_watches`` (8,192 on many systems, shared with editors and LLMC's own
watcher) and cost CPU for every write inside it. So on Linux this module builds on watchdog's
inotify layer (:class:`~watchdog.observers.inotify_c.InotifyFD`) with one non-recursive watch per
directory that the source policy would walk into. **One inotify instance and one reader thread
serve every watcher of the process** (:class:`_InotifyHub`, as watchdog's own emitters share
one): the kernel allows a user 128 instances by default (``fs.inotify.max_user_instances``,
shared with editors and every other program), so an instance per repo failed at the 12x-th repo
of one process. The reader routes each event by its watch descriptor to the repo that owns it.
The set of watches follows the tree:

* a new or moved-in directory that is not ignored gets a watch, and a rescan of it picks up the
  files it already holds (listing it is the only I/O on the event thread);
* a removed or moved-out directory drops its watches and is rescanned (its sources are gone);
* a changed ``.gitignore`` reloads its patterns and adds or drops watches below it.

The mask is narrowed to create/close-after-write/move/delete, plus attribute changes: about one
kernel event per changed file. A ``chmod`` that makes a file or directory readable again changes
neither content nor mtime, so only its attribute event says it is back (a ``touch`` costs a stat
and a hash, never a generation). A kernel queue overflow reaches the reactor as a rescan request. A
rename within the tree is paired by its cookie, so a file (or every file of a directory) keeps
its doc. Elsewhere, or when native watching cannot start (no instance left, or the watch limit),
watchdog's polling observer runs for that repo, listing only directories the policy would
enter, and one warning names the limit and the ``sysctl`` that raises it.
"""

from __future__ import annotations

import errno
import itertools
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

from .dirty import DirtySet
from .facts import is_manifest
from .policy import SourcePolicy

try:  # Linux only
    from watchdog.observers.inotify_c import (
        CallbackId,
        InotifyConstants,
        InotifyEvent,
        InotifyFD,
        Mask,
        WatchDescriptor,
    )
except (ImportError, OSError):  # pragma: no cover - other platforms
    InotifyFD = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)
_Event = TypeVar("_Event", bound=Any)

POLL_INTERVAL_SECONDS = 2.0
#: Unpaired move cookies remembered (a rename's two halves arrive back to back).
MOVE_COOKIES = 64
#: Each watcher's callbacks carry their own id: two repos may watch the same directory.
_CALLBACK_IDS = itertools.count(1)


class Watcher:
    """Watches one repo and feeds a :class:`DirtySet`. A context manager."""

    def __init__(self, policy: SourcePolicy, dirty: DirtySet, *, polling: bool = False):
        self.policy = policy
        self.dirty = dirty
        self.root = str(policy.root)
        self._polling = polling
        self._tree: _InotifyTree | None = None
        self._observer: BaseObserver | None = None
        self.overflows = 0
        #: Why native watching could not start (``None``: it runs, or polling was asked for).
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
        return self._tree.count if self._tree is not None else 0

    def start(self) -> None:
        if self._tree is not None or self._observer is not None:
            return
        if not self._polling and InotifyFD is not None:
            try:
                hub = _InotifyHub.join()
            except OSError as exc:  # no inotify instance left for this user
                self.fallback_reason = _limit_warning(self, exc, "max_user_instances", 1024)
            else:
                tree = self._tree = _InotifyTree(self, hub)  # before start: events may use it
                try:
                    tree.start()
                    return
                except OSError as exc:  # the watch limit: give back what was taken
                    self._tree = None
                    tree.stop()
                    self.fallback_reason = _limit_warning(self, exc, "max_user_watches", 524288)
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
        """Run an event handler on the event thread; whatever goes wrong becomes a rescan (an
        exception there would end the thread and, with it, every later event)."""
        try:
            handler(event)
        except Exception:
            log.exception("cannot handle %r; rescanning instead", event)
            self.dirty.add_tree("")

    def gitignore_changed(self, rel_dir: str) -> None:
        """A ``.gitignore`` in ``rel_dir`` changed: new patterns, new watches, a rescan."""
        self.policy.forget_gitignore(rel_dir)
        if self._tree is not None:
            self._tree.resync(rel_dir)
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
        tree, self._tree = self._tree, None
        if tree is not None:
            tree.stop()
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=10)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _InotifyHub:
    """The process's one inotify instance and its reader thread, shared by every watcher.

    Joined by each native watcher as it starts and left as it stops; the instance is closed
    (and its thread joined) when the last one leaves, so nothing outlives the watchers.
    """

    _lock = threading.Lock()
    _shared: _InotifyHub | None = None

    def __init__(self) -> None:
        self.fd = InotifyFD()  # raises OSError (EMFILE) when the user has no instance left
        self.users = 0
        self.fd.start()

    @classmethod
    def join(cls) -> _InotifyHub:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            cls._shared.users += 1
            return cls._shared

    def leave(self) -> None:
        with self._lock:
            self.users -= 1
            if self.users > 0:
                return
            if _InotifyHub._shared is self:
                _InotifyHub._shared = None
        self.fd.stop()
        self.fd.join(timeout=10)


class _InotifyTree:
    """One repo's non-recursive watches, one per directory the policy walks into, on the
    shared instance.

    Implements watchdog's ``WatchCallback``: its methods run on the hub's reader thread.
    """

    MASK = Mask(
        InotifyConstants.IN_CREATE
        | InotifyConstants.IN_CLOSE_WRITE
        | InotifyConstants.IN_MOVED_FROM
        | InotifyConstants.IN_MOVED_TO
        | InotifyConstants.IN_DELETE
        | InotifyConstants.IN_ATTRIB
        | InotifyConstants.IN_ONLYDIR
        | InotifyConstants.IN_DONT_FOLLOW
        | InotifyConstants.IN_EXCL_UNLINK
        if InotifyFD is not None
        else 0
    )

    def __init__(self, watcher: Watcher, hub: _InotifyHub):
        self.w = watcher
        self.hub = hub
        self.fd = hub.fd
        self.callback_id = CallbackId(next(_CALLBACK_IDS))
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
        if self._left:
            return
        self._left = True
        self.drop_tree("")
        self.hub.leave()

    # -- the watch set --------------------------------------------------------------------
    def add_tree(self, rel_dir: str) -> None:
        """Watch ``rel_dir`` and every allowed directory below it. Raises the limit error
        (ENOSPC) at start; later, it is logged and the tree is left to the hourly rescan."""
        for rel in self.w.policy.walk_dirs(rel_dir):
            self._add(rel)

    def _add(self, rel: str) -> None:
        if rel in self._wd_of:
            return  # `mkdir -p a/b`: a's listing found b before b's own create event came
        path = os.fsencode(os.path.join(self.w.root, rel) if rel else self.w.root)
        try:
            wd = self.fd.add_callback(path, self.MASK, self, self.callback_id)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return  # gone already: its parent's event says so
            raise
        with self._lock:
            old = self._wd_of.get(rel)
            if old is not None and old != wd:
                self._dir_of.pop(old, None)
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
        self.fd.remove_callbacks([(WatchDescriptor(wd), self.callback_id) for wd in wds])

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

    # -- watchdog's WatchCallback ---------------------------------------------------------
    def on_event(self, event: InotifyEvent) -> None:
        self.w.handle(self._on_event, event)

    def _on_event(self, event: InotifyEvent) -> None:
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
        self, event: InotifyEvent, rel: str, moved_from: tuple[str, bool] | None
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

    def on_watch_deleted(self, wd: WatchDescriptor) -> None:
        with self._lock:
            rel = self._dir_of.pop(wd, None)
            if rel is not None and self._wd_of.get(rel) == wd:
                del self._wd_of[rel]

    def on_queue_overflow(self) -> None:
        self.w.on_overflow()


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


def _limit_warning(watcher: Watcher, exc: OSError, limit: str, suggested: int) -> str:
    """Say once why this repo is polled, which kernel limit ran out, and how to raise it."""
    dirs = sum(1 for _ in watcher.policy.walk_dirs())
    what = (
        "one inotify instance per process"
        if limit == "max_user_instances"
        else f"one inotify watch per directory ({dirs:,} here)"
    )
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
