"""What a tick does next, or why nothing: the one place that orders and times docgen work.

Priority within one tick (each kind is tried only while the tick's budget lasts, and a tick ends
at the first unit that generated, moved or removed something):

1. while an index scan is pending, every other tick is a slice of it (so neither a big first
   index nor a backlog of docs starves the other: the first docs appear within seconds);
2. settled dirty paths, in the order they were first marked (existing files first; a vanished
   one waits ``DELETE_GRACE_SECONDS`` in case it is half of a rename);
3. files whose retry time has come (a failure's backoff, a deferral), even in a converged repo,
   and every ``DOC_PROBE_SECONDS`` a probe of the docs that could not be read;
4. known work: files the index knows to have a missing or stale doc (a restart after edits were
   indexed but not documented, a scan's finds), in id order from a cursor — never left to chance;
5. tombstones (sources that left the index; their docs go), re-resolved imports and re-digested
   graph contexts, the next outdated doc when its turn has come, then the sampler's next rows
   (for what nobody told us: an edit no event reported);
6. a slice of the pending scan if 1 did not run one, else of the slow orphan sweep over the
   output dir, when nothing else is pending.

:class:`Backoff` holds every due time — failed, deferred and skipped files and the backend's
pause — so :meth:`Scheduler.seconds_until_due` can tell the host loop exactly when to come back.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from .dirty import DirtyEntry, DirtySet
from .docgen import Outcome
from .docs import brake_rule, removal_held
from .idle import IdleDetector
from .index import FileIndex
from .observe import FOREIGN, UNREADABLE, UNREADABLE_DOC
from .pages import PageKeeper
from .paths import quote_path
from .rag import RagIndex
from .rows import FileRow, Tombstone
from .sampler import Candidate, Sampler
from .scan import Scan

log = logging.getLogger(__name__)

#: After this many failures for the same content the file waits until its content changes.
MAX_ATTEMPTS_PER_HASH = 5
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0
BACKEND_DOWN_RETRY_SECONDS = 60.0
#: A deleted source keeps its doc this long, in case the delete was half of a rename.
DELETE_GRACE_SECONDS = 2.0
#: A file whose write the disk refused is tried again this soon (after a probe write).
DISK_RETRY_SECONDS = 5.0
#: A file held back by the RAG gate is looked at again after this long.
GATE_RETRY_SECONDS = 30.0
#: A file a tick found it could not document after all (binary, refused) waits this long.
SKIP_RETRY_SECONDS = 300.0
#: Docs that could not be read are looked at again this often (one open each): no event says
#: their permissions came back, since the output dir takes no watch.
DOC_PROBE_SECONDS = 5.0
#: Settled dirty paths peeked at per tick (each costs a stat, maybe a hash).
DIRTY_PEEK = 64
#: Known-work rows (missing or stale docs the index knows of) looked at per tick.
PENDING_PEEK = 16
#: Tombstones looked at per tick.
TOMBSTONE_PEEK = 16
#: A full pass of the orphan sweep over the output dir starts this long after the last one.
SWEEP_INTERVAL_SECONDS = 600.0
#: A whole-repo rescan (in slices) this long after the last one: a safety net for creations
#: no event reported and no overflow announced (network filesystems, a host's own watcher).
RESCAN_INTERVAL_SECONDS = 3600.0


def _rotating(paths: dict[str, None]) -> Iterator[str]:
    """Each of ``paths``, moved to the back as it is taken (one still there when its turn
    comes: the caller may drop some on the way)."""
    for rel in list(paths):
        if rel in paths:
            del paths[rel]
            paths[rel] = None
            yield rel


def backoff_seconds(failures: int) -> float:
    """Delay before retry number ``failures + 1``: 30 s, 60 s, 120 s, … capped at an hour."""
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(failures - 1, 0), BACKOFF_MAX_SECONDS))


class Backoff:
    """Due times of files that must wait, and of the backend's pause. One clock, one place."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self._due: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self.backend_until = float("-inf")

    def wait(self, rel: str, seconds: float) -> None:
        """``rel`` is not tried before ``seconds`` from now, and is tried then."""
        due = self.clock() + seconds
        self._due[rel] = due
        heapq.heappush(self._heap, (due, rel))

    def clear(self, rel: str) -> None:
        """``rel`` changed or succeeded: no waiting (its stale heap entry is skipped later)."""
        self._due.pop(rel, None)

    def blocked(self, rel: str) -> bool:
        due = self._due.get(rel)
        return due is not None and self.clock() < due

    def pop_due(self) -> str | None:
        """A path whose time has come (each is returned once per :meth:`wait`)."""
        now = self.clock()
        while self._heap and self._heap[0][0] <= now:
            due, rel = heapq.heappop(self._heap)
            if self._due.get(rel) == due:
                del self._due[rel]
                return rel
        return None

    def next_due(self) -> float | None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)  # superseded or cleared
        return self._heap[0][0] if self._heap else None

    def pause_backend(self, seconds: float) -> None:
        self.backend_until = self.clock() + seconds

    def backend_paused(self) -> bool:
        return self.clock() < self.backend_until


@dataclass(frozen=True)
class Job:
    """One unit a tick may run. ``kind`` names it; one of the payload fields goes with it."""

    kind: Literal[
        "sync",
        "dirty",
        "retry",
        "scan",
        "tombstone",
        "resolve",
        "regraph",
        "pending",
        "sample",
        "outdated",
        "sweep",
        "page",
        "probe",
    ]
    entry: DirtyEntry | None = None
    entries: tuple[DirtyEntry, ...] = ()
    path: str = ""
    scan: Scan | None = None
    tombstone: Tombstone | None = None
    candidate: Candidate | None = None


class Scheduler:
    """Decides the order of work for one repo; the :class:`~reactor.worker.Worker` does it."""

    def __init__(
        self,
        *,
        root_str: str,
        index: FileIndex,
        dirty: DirtySet,
        idle: IdleDetector,
        sampler: Sampler,
        clock: Callable[[], float],
        settle_seconds: float,
        rag_finder: Callable[[], RagIndex | None],
        outdated_interval_seconds: float | None = 0.0,
        wall_clock: Callable[[], float] = time.time,
        pages: PageKeeper | None = None,
    ):
        """``outdated_interval_seconds``: the least time between two refreshes of outdated
        docs (0: one per tick, a cheap backend; ``None``: never)."""
        self.root_str = root_str
        self.wall_clock = wall_clock
        self.index = index
        self.dirty = dirty
        self.idle = idle
        self.sampler = sampler
        self.clock = clock
        self.settle_seconds = settle_seconds
        self.backoff = Backoff(clock)
        self.scan: Scan | None = None
        self.first_build_done = False
        self._scan_first = False  # toggled before use: the first tick scans first
        self._rag_finder = rag_finder
        self._rag_sampler: tuple[object, Sampler] | None = None
        self.sweep_active = False
        self.next_sweep_at = float("-inf")
        self.lap_rows_left = 0
        self._tombstone_seen: dict[str, float] = {}
        self.next_rescan_at = float("inf")  # set when the first build is done
        self.held_back = 0  # docs not removed because too many would go at once
        self.pages = pages  # directory and repository pages: after every file doc
        self.outdated_interval = outdated_interval_seconds
        #: The first slot too comes one interval after start: a restart is no burst of calls.
        self.next_outdated_at = clock() + (outdated_interval_seconds or 0.0)
        self._outdated_cursor = 0
        self._pending_cursor = 0
        self._disk_warned = False  # one warning while the disk refuses writes
        #: Sources whose doc cannot be written now, by why: the user's file is in the way, the
        #: doc cannot be read (probed every DOC_PROBE_SECONDS), or the source itself could not
        #: be read (its wait ends once a rescan has read it: its directory's permissions came
        #: back). The progress line leaves the first two out, as ``status`` does.
        self.in_the_way: dict[str, None] = {}
        self.unreadable_docs: dict[str, None] = {}
        self._hidden: dict[str, None] = {}
        self.next_doc_probe = float("inf")
        #: Dirty entries already brought into the index, by the event time they had then.
        self._synced: dict[str, float] = {}
        self._resume_retries()

    def _resume_retries(self) -> None:
        """Failed files keep their retry times across restarts (the index has them)."""
        now = self.wall_clock()
        for row in self.index.failing():
            if row.retry_at is not None:
                self.backoff.wait(row.path, max(0.0, row.retry_at - now))

    def waits(self, row: FileRow) -> bool:
        """Whether a tick leaves ``row`` alone for now: backed off, or given up on (declined,
        or failed too often) until its content changes."""
        gave_up = row.failed_blake3 == row.blake3 and row.failures >= MAX_ATTEMPTS_PER_HASH
        return gave_up or self.blocked(row)

    def blocked(self, row: Candidate) -> bool:
        """Whether ``row`` waits for its due time; a source that waited because it could not
        be read, and has been read since (a rescan after its directory's attribute event),
        waits no longer."""
        if row.path in self._hidden and isinstance(row, FileRow) and row.skip != UNREADABLE:
            del self._hidden[row.path]
            self.backoff.clear(row.path)
            return False
        return self.backoff.blocked(row.path)

    # -- recording ------------------------------------------------------------------------
    def record(self, outcome: Outcome, row: FileRow | None) -> Outcome:
        """Turn one file's outcome into its next due time (kept in the index as well, for
        ``status`` and a restart). Returns the outcome with its failure count."""
        rel, status = outcome.path, outcome.status
        self._note_blocked(rel, outcome.skip if status == "skipped" else None)
        if status == "failed" and outcome.disk:
            # the disk's fault, not the file's: no give-up count, and soon again (a backend
            # call waits for the disk to take a probe write first; see DocGenerator)
            self.backoff.wait(rel, DISK_RETRY_SECONDS)
            if row is not None:
                self.index.record_result(
                    rel,
                    f"disk: {outcome.reason}",
                    failures=row.failures,
                    failed_blake3=row.failed_blake3,
                    retry_at=self.wall_clock() + DISK_RETRY_SECONDS,
                )
            if not self._disk_warned:
                log.warning(
                    "docgen for %s waits for the disk (%s's doc: %s); no backend call until a "
                    "probe write succeeds, then it goes on",
                    self.root_str,
                    quote_path(rel),
                    outcome.reason,
                )
            self._disk_warned = True
            return outcome
        self._disk_warned = False
        if status == "failed":
            same = row is not None and row.failed_blake3 == row.blake3
            failures = row.failures + 1 if row is not None and same else 1
            if outcome.final:  # sent twice already (the backend's own retry): not again
                failures = max(failures, MAX_ATTEMPTS_PER_HASH)
            delay = backoff_seconds(failures)
            exhausted = failures >= MAX_ATTEMPTS_PER_HASH
            self.backoff.wait(rel, delay)
            if row is not None:
                self.index.record_result(
                    rel,
                    f"failed: {outcome.reason}",
                    failures=failures,
                    failed_blake3=row.blake3,
                    retry_at=None if exhausted else self.wall_clock() + delay,
                )
            then = "until it changes" if exhausted else f"retry in {delay:.0f}s"
            log.warning(
                "docgen failed for %s (attempt %d, %s): %s",
                quote_path(rel),
                failures,
                then,
                outcome.reason,
            )
            return dataclasses.replace(outcome, failures=failures)
        if status == "noop" and row is not None:
            # declined for this content: not asked again until it changes
            self.index.record_result(
                rel,
                f"noop: {outcome.reason}",
                failures=MAX_ATTEMPTS_PER_HASH,
                failed_blake3=row.blake3,
            )
        elif status == "generated":
            self.index.record_result(rel, "generated")
        if status == "deferred":
            log.debug("not documenting %s yet: %s", quote_path(rel), outcome.reason)
            self.backoff.wait(rel, GATE_RETRY_SECONDS)
        elif status == "skipped" and outcome.skip in (UNREADABLE, UNREADABLE_DOC, FOREIGN):
            # it may become documentable without a change of content (permissions return, the
            # user's file goes): looked at again after a while, never in a tight loop (and
            # sooner when a rescan reads it, or the doc probe finds the doc readable)
            self.backoff.wait(rel, SKIP_RETRY_SECONDS)
        else:
            self.backoff.clear(rel)
        return outcome

    def _note_blocked(self, rel: str, skip: str | None) -> None:
        """Remember why ``rel``'s doc cannot be written now (``None``: it can)."""
        waits = (UNREADABLE, self._hidden), (FOREIGN, self.in_the_way)
        for reason, paths in (*waits, (UNREADABLE_DOC, self.unreadable_docs)):
            if skip != reason:
                paths.pop(rel, None)
            elif rel not in paths:
                if reason == UNREADABLE_DOC and not paths:
                    self.next_doc_probe = self.clock() + DOC_PROBE_SECONDS
                paths[rel] = None

    def forget(self, paths: list[str]) -> None:
        """``paths`` left the index: nothing is remembered of them."""
        for rel in paths:
            self._note_blocked(rel, None)

    def docs_to_probe(self) -> Iterator[str]:
        """Each source whose doc could not be read, once (each probed one moves to the back, so
        a probe cut short by the tick's budget goes on where it stopped); the next probe is
        due ``DOC_PROBE_SECONDS`` on."""
        self.next_doc_probe = self.clock() + DOC_PROBE_SECONDS
        return _rotating(self.unreadable_docs)

    def doc_readable(self, rel: str) -> None:
        """The probe could read ``rel``'s doc again (or it is gone): the file is tried now."""
        self.unreadable_docs.pop(rel, None)
        self.backoff.wait(rel, 0.0)

    def owe_lap(self) -> None:
        """Changes were found that the dirty set had no room for: sample a whole lap of the
        index, window after window within each tick's budget, until it is done."""
        self.lap_rows_left = self.index.count()

    # -- scans ----------------------------------------------------------------------------
    def pending_scan(self, make: Callable[[str], Scan]) -> Scan | None:
        """The scan in progress, or a new one for the next requested subtree."""
        if self.scan is None:
            tree = self.dirty.pop_tree()
            if tree is not None:
                self.scan = make(tree)
        return self.scan

    def scan_finished(self) -> None:
        assert self.scan is not None
        if self.scan.under == "":
            self.whole_repo_indexed()
        self.scan = None

    def whole_repo_indexed(self) -> None:
        """A whole-repo scan ended: it satisfied every pending subtree request."""
        self.first_build_done = True
        self.next_rescan_at = self.clock() + RESCAN_INTERVAL_SECONDS
        while self.dirty.pop_tree() is not None:
            pass

    # -- the order of work ----------------------------------------------------------------
    def jobs(self, make_scan: Callable[[str], Scan], deadline: float) -> Iterator[Job]:
        """Candidate units in priority order; the caller stops at the first that did work.

        ``deadline`` is on ``time.perf_counter``: cheap checks stop when the budget is spent,
        but only after the first unit, so every tick makes progress whatever the budget.
        """
        ran = 0

        def spent() -> bool:
            return ran > 0 and time.perf_counter() >= deadline

        if self.scan is None and self.clock() >= self.next_rescan_at:
            self.dirty.add_tree("")
        scan = self.pending_scan(make_scan)
        self._scan_first = not self._scan_first if scan is not None else False
        if scan is not None and self._scan_first:
            yield Job("scan", scan=scan)
            return
        for job in self._dirty_jobs():
            ran += 1
            yield job
        if spent():
            return
        while (rel := self.backoff.pop_due()) is not None:
            ran += 1
            yield Job("retry", path=rel)
            if spent():
                return
        if self.unreadable_docs and self.clock() >= self.next_doc_probe:
            ran += 1
            yield Job("probe")  # docs that could not be read: readable again?
            if spent():
                return
        for known in self._pending_candidates():
            ran += 1
            yield Job("pending", candidate=known)
            if spent():
                return
        if len(self.dirty) == 0 and scan is None and not self.sweep_active:
            # (a delete in its grace period may be half a rename; a pass still under way may
            # find more removals, and the brake must see them all)
            for tombstone in self._removable_tombstones():
                yield Job("tombstone", tombstone=tombstone)
        if self.index.reresolve_after() is not None:
            ran += 1
            yield Job("resolve")  # a manifest changed: imports resolve anew
            if spent():
                return
        if self.index.regraph_batch(1):
            ran += 1
            yield Job("regraph")  # neighbours changed: which docs does that outdate?
            if spent():
                return
        outdated = self._outdated_candidate(scan)
        if outdated is not None:
            # known work before a search for unknown work: sampling fresh rows could spend
            # every tick's budget (a slow or loaded machine) and never leave room for it
            ran += 1
            yield Job("outdated", candidate=outdated)
            if spent():
                return
        if self._pages_due(scan):
            # after every missing, stale and (when its turn came) outdated doc; before the
            # sampler, whose rows could spend every tick's budget
            yield Job("page")
        sampler = self.candidate_sampler()
        while True:
            rows = sampler.candidates()
            for row in rows:
                sampler.advance(row)
                self.lap_rows_left -= 1
                if row.path in self.dirty or self.blocked(row):
                    continue  # its dirty entry or its due time will bring it back
                ran += 1
                yield Job("sample", candidate=row)
                if spent():
                    return
            # more windows only while a lap is owed (a rescan found more changes than the dirty
            # set could take): the stale files are found now, not one window per idle tick
            if self.lap_rows_left <= 0 or not rows or spent():
                break
        self.lap_rows_left = max(self.lap_rows_left, 0)
        if scan is not None:
            yield Job("scan", scan=scan)
        elif (
            self.first_build_done
            and len(self.dirty) == 0  # a pending move may still claim a doc the sweep would drop
            and (self.sweep_active or self.clock() >= self.next_sweep_at)
        ):
            yield Job("sweep")

    def _pages_due(self, scan: Scan | None) -> bool:
        """Directory and repository pages come after every file doc, and not while a removed
        source's doc waits out its grace period (half a rename?)."""
        quiet = scan is None and not len(self.dirty) and not self._tombstone_seen
        return quiet and self.pages is not None and self.pages.due()

    def note_graced(self, rel: str) -> None:
        """``rel`` left the index after its own grace period (a dirty path that stayed gone):
        its doc need not wait another one."""
        self._tombstone_seen[rel] = self.clock() - DELETE_GRACE_SECONDS

    def _removable_tombstones(self) -> list[Tombstone]:
        """Graced tombstones, unless the brake holds removal back."""
        if not self.index.tombstone_count():
            self.held_back = 0
            self._tombstone_seen = {}  # nothing left to wait for
            return []
        pending = self.index.removals_pending()
        total = self.index.docs_known() if pending else 0
        if pending and removal_held(pending, total):
            if self.held_back != pending:
                log.warning(
                    "not removing %d docs whose sources are gone: more than %s at once looks "
                    "like a changed include/exclude or output_dir, or a checkout of an almost "
                    "empty branch. Nothing was removed; if those sources really are gone, run "
                    "`reactor generate --prune`",
                    pending,
                    brake_rule(total),
                )
            self.held_back = pending
            self._tombstone_seen.clear()  # held: nothing is due
            return []
        self.held_back = 0
        return self._graced_tombstones()

    def _graced_tombstones(self) -> list[Tombstone]:
        """Tombstones first seen ``DELETE_GRACE_SECONDS`` ago: the other half of a rename (a
        directory's files arriving by events while its old place is rescanned) gets to claim
        the doc first."""
        now = self.clock()
        tombstones = self.index.tombstones(TOMBSTONE_PEEK)
        seen = {t.path: self._tombstone_seen.get(t.path, now) for t in tombstones}
        self._tombstone_seen = seen  # bounded: only the peeked ones are remembered
        return [t for t in tombstones if now - seen[t.path] >= DELETE_GRACE_SECONDS]

    def _pending_candidates(self) -> Iterator[FileRow]:
        """Known work, in id order from a cursor: rows the index knows to have a missing or
        stale doc (indexed but not documented before a restart, found by a scan, left by a
        lost event), each tried once per lap. The sampler is only for what nobody told us."""
        first: int | None = None  # seen again: every known row was looked at
        for _ in range(PENDING_PEEK):
            row = self.index.next_pending(self._pending_cursor)
            if row is None or row.id == first:
                return
            first = row.id if first is None else first
            self._pending_cursor = row.id
            if row.path in self.dirty or self.blocked(row):
                continue  # its dirty entry or its due time brings it back
            yield row

    def _outdated_candidate(self, scan: Scan | None) -> FileRow | None:
        """The next outdated doc to refresh, if its turn has come: only after every stale and
        missing doc (none dirty, none known to the index, no scan under way), and for a model
        backend no sooner than its rate allows. (Known work is one seek in the partial index:
        a count of every row took 20 ms a tick at 200,000 files, four fifths of each refresh.)"""
        if (
            self.outdated_interval is None
            or self.clock() < self.next_outdated_at
            or scan is not None
            or len(self.dirty)
            or self.index.next_pending(0) is not None
        ):
            return None
        row = self.index.next_outdated(self._outdated_cursor)
        if row is not None:
            self._outdated_cursor = row.id
        return row

    def outdated_refreshed(self) -> None:
        """An outdated doc was regenerated: the next one waits its turn."""
        assert self.outdated_interval is not None
        self.next_outdated_at = self.clock() + self.outdated_interval

    def synced(self, entry: DirtyEntry) -> None:
        """``entry`` is in the index now (its doc is made on a later step)."""
        self._synced[entry.path] = entry.last_event

    def _dirty_jobs(self) -> Iterator[Job]:
        """A sync of every settled dirty path into the index first (so a checkout of many files
        is one state of the graph before any doc is made from it), then each path's doc."""
        settled = self.dirty.settled(self.settle_seconds, limit=DIRTY_PEEK)
        # Paths that still exist go first, and a vanished path waits a grace period: when a
        # rename reaches us as a delete plus a (late) create, the new path must claim the old
        # doc (same content) before the delete drops it.
        grace_cutoff = self.clock() - DELETE_GRACE_SECONDS
        present: list[DirtyEntry] = []
        gone: list[DirtyEntry] = []
        for entry in settled:
            if os.path.lexists(os.path.join(self.root_str, entry.path)):
                present.append(entry)
            elif entry.last_event <= grace_cutoff:
                gone.append(entry)
        unsynced = tuple(e for e in present if self._synced.get(e.path) != e.last_event)
        if unsynced:
            yield Job("sync", entries=unsynced)
        if len(self._synced) > 4 * DIRTY_PEEK:  # forget entries that are long done
            self._synced = {e.path: self._synced[e.path] for e in settled if e.path in self._synced}
        for entry in present + gone:
            yield Job("dirty", entry=entry)

    def candidate_sampler(self) -> Sampler:
        """Sample LLMC's RAG index when there is one (it knows what exists), else our own."""
        rag = self._rag_finder()
        if rag is None:
            return self.sampler
        if self._rag_sampler is None or self._rag_sampler[0] != rag.db_path:
            self._rag_sampler = (rag.db_path, Sampler(rag, sample_size=self.sampler.sample_size))
        return self._rag_sampler[1]

    def sweep_finished(self) -> None:
        self.sweep_active = False
        self.next_sweep_at = self.clock() + SWEEP_INTERVAL_SECONDS

    # -- timing for the host loop ---------------------------------------------------------
    def seconds_until_due(self) -> float | None:
        """How soon a tick will have something to do without a new event (``None``: not
        before one). The host loop never sleeps past it."""
        now = self.clock()
        times: list[float] = []
        busy = (
            self.scan is not None
            or self.sweep_active
            or self.lap_rows_left > 0
            or self.index.reresolve_after() is not None
        )
        if busy or self.dirty.has_trees():
            times.append(now)
        next_due = self.backoff.next_due()
        if next_due is not None:
            times.append(max(next_due, self.backoff.backend_until))
        if self.unreadable_docs:
            times.append(self.next_doc_probe)
        oldest = self.dirty.oldest_event()
        if oldest is not None:
            times.append(oldest + self.settle_seconds)
        if (
            self.outdated_interval is not None
            and self.next_outdated_at > now
            and self.index.next_outdated(0) is not None
        ):
            times.append(self.next_outdated_at)
        if self._tombstone_seen and not self.held_back:
            times.append(min(self._tombstone_seen.values()) + DELETE_GRACE_SECONDS)
        elif (
            not self.held_back
            and len(self.dirty) == 0  # (else the dirty set's own times say when to come back)
            and self.index.tombstones(1)  # (one a moved file will claim is not due)
        ):
            times.append(now)  # tombstones not looked at yet (a sweep just found orphans)
        if not times:
            return None
        return max(0.0, min(times) - now, self.idle.seconds_until_idle())
