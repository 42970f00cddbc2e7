"""The dirty set: changed paths waiting for a tick, deduplicated, bounded and settled.

Fed from the watcher's event thread, drained by ticks. Each path appears once however many events
it gets; it is taken only after ``settle_seconds`` without a new event, so a file being written in
bursts is documented once, after the last write. The set is bounded: when full it stops growing and
asks for a rescan of the whole repo instead, which loses nothing (the rescan compares the disk with
the index) and keeps memory flat under event storms. Directory-level requests ("rescan this
subtree") cover what per-file events cannot: a directory moved out of the repo, an event-queue
overflow, a changed ``.gitignore``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_MAX_ENTRIES = 10_000


@dataclass
class DirtyEntry:
    """One changed path; ``moved_from`` when it arrived by a rename within the repo."""

    path: str
    last_event: float
    moved_from: str | None = None


class DirtySet:
    """Thread-safe, insertion-ordered, bounded set of changed paths and subtrees."""

    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_entries = max_entries
        self.clock = clock
        self._files: dict[str, DirtyEntry] = {}
        self._trees: set[str] = set()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], object]] = []
        self.events = 0  # accepted events, for benchmarks and logs
        self.dropped = 0  # paths not stored because the set was full
        self.high_water = 0

    def add_listener(self, callback: Callable[[], object]) -> None:
        """``callback()`` runs whenever something becomes dirty (wakes a sleeping host loop).

        It runs on the watcher's event thread, so it must be quick: e.g. ``event.set``.
        """
        self._listeners.append(callback)

    def _wake(self) -> None:
        for callback in self._listeners:
            callback()

    def add(self, path: str, *, moved_from: str | None = None) -> None:
        """Mark ``path`` changed now. Called on the event thread: no I/O, O(1)."""
        now = self.clock()
        with self._lock:
            self.events += 1
            entry = self._files.get(path)
            if entry is not None:
                entry.last_event = now
                entry.moved_from = moved_from or entry.moved_from
            elif len(self._files) < self.max_entries:
                self._files[path] = DirtyEntry(path, now, moved_from)
                self.high_water = max(self.high_water, len(self._files))
            else:
                self.dropped += 1
                self._trees.add("")
        self._wake()

    def offer(self, path: str) -> bool:
        """Add an already settled ``path`` found by a rescan, only if there is room.

        Unlike :meth:`add`, a full set does not trigger another rescan (that is where the path
        came from); False means full, and the sampler will find the rest.
        """
        with self._lock:
            if path in self._files:
                return True
            if len(self._files) >= self.max_entries:
                return False
            self._files[path] = DirtyEntry(path, float("-inf"))
            self.high_water = max(self.high_water, len(self._files))
        return True

    def add_tree(self, rel_dir: str) -> None:
        """Ask for an incremental rescan of ``rel_dir`` (``""``: the whole repo)."""
        with self._lock:
            self._trees.add(rel_dir)
        self._wake()

    def settled(self, settle_seconds: float, *, limit: int) -> list[DirtyEntry]:
        """Up to ``limit`` entries quiet for ``settle_seconds``, oldest first, left in place.

        They are snapshots (``add`` mutates entries in place); :meth:`discard` removes one
        unless it got a newer event meanwhile.
        """
        cutoff = self.clock() - settle_seconds
        out: list[DirtyEntry] = []
        with self._lock:
            for entry in self._files.values():
                if entry.last_event <= cutoff:
                    out.append(dataclasses.replace(entry))
                    if len(out) >= limit:
                        break
        return out

    def discard(self, entry: DirtyEntry) -> None:
        """Forget ``entry`` unless it got a newer event since it was peeked."""
        with self._lock:
            current = self._files.get(entry.path)
            if current is not None and current.last_event == entry.last_event:
                del self._files[entry.path]

    def pop_tree(self) -> str | None:
        """A pending subtree rescan, shallowest first (a root rescan covers all others)."""
        with self._lock:
            if not self._trees:
                return None
            tree = min(self._trees, key=lambda t: (t.count("/"), t))
            if tree == "":
                self._trees.clear()
            else:
                self._trees.discard(tree)
            return tree

    def oldest_event(self) -> float | None:
        """The earliest ``last_event`` among pending paths (when the next one settles)."""
        with self._lock:
            return min((e.last_event for e in self._files.values()), default=None)

    def has_trees(self) -> bool:
        return bool(self._trees)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: object) -> bool:
        return path in self._files
