"""Does one unit of docgen work that the scheduler chose: one way down, no second opinions.

For a file: the policy and the disk are asked once (:meth:`FileIndex.sync_file`: stat, maybe read
and hash, facts), then a doc is moved (a rename with unchanged content), removed (the source is
gone) or generated from the bytes already read; the outcome goes to the scheduler's backoff. For
the index: a budgeted slice of a :class:`~reactor.scan.Scan`. For the output dir: tombstones and
a budgeted slice of the orphan sweep, which also removes temp files a crash left behind; every
unit runs under the docgen lock, so no other writer's temp file can be touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .dirty import DirtyEntry, DirtySet
from .docgen import DocGenerator, Outcome, exhausted, printable
from .docs import DocStore
from .errors import BackendUnavailable, UnsafePath
from .index import FileIndex, FileRow, Synced, Tombstone
from .policy import SourcePolicy
from .scan import Scan
from .scheduler import (
    BACKEND_DOWN_RETRY_SECONDS,
    GATE_RETRY_SECONDS,
    SKIP_RETRY_SECONDS,
    Backoff,
    Job,
    Scheduler,
    backoff_seconds,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickResult:
    """What one tick did. ``work_done`` keeps a host loop awake; it never means "busy"."""

    work_done: bool
    status: str
    path: str | None = None
    reason: str = ""


class Worker:
    """Runs :class:`~reactor.scheduler.Job` units for one repo."""

    def __init__(
        self,
        *,
        policy: SourcePolicy,
        index: FileIndex,
        docs: DocStore,
        dirty: DirtySet,
        generator: DocGenerator,
        scheduler: Scheduler,
    ):
        self.policy = policy
        self.index = index
        self.docs = docs
        self.dirty = dirty
        self.generator = generator
        self.scheduler = scheduler
        self.backoff: Backoff = scheduler.backoff
        self._sweep: Iterator[tuple[str, str]] | None = None

    def run(self, job: Job, deadline: float) -> TickResult | None:
        """Run one unit; ``None`` when it found nothing to do (the tick goes on)."""
        if job.kind == "dirty":
            assert job.entry is not None
            return self._dirty(job.entry)
        if job.kind in ("retry", "sample"):
            rel = job.candidate.path if job.candidate is not None else job.path
            return self._sampled(rel) if job.kind == "sample" else self._file(rel, "")
        if job.kind == "scan":
            assert job.scan is not None
            return self._scan(job.scan, deadline)
        if job.kind == "tombstone":
            assert job.tombstone is not None
            return self.settle_tombstone(job.tombstone)
        return self._sweep_step(deadline)

    # -- files ----------------------------------------------------------------------------
    def _dirty(self, entry: DirtyEntry) -> TickResult | None:
        result = self._file(entry.path, entry.moved_from or "")
        self.dirty.discard(entry)
        return result

    def _sampled(self, rel: str) -> TickResult | None:
        if self.policy.reason_to_skip(rel) is not None:
            return None  # a RAG row the reactor's own policy refuses (secrets, ignored, ...)
        if not os.path.lexists(os.path.join(self.policy.root_str, rel)):
            # Gone without an event (yet): let the dirty path decide, so a rename whose events
            # are still in flight keeps its doc instead of losing it here.
            self.dirty.add(rel)
            return None
        return self._file(rel, "")

    def _file(self, rel: str, moved_from: str) -> TickResult | None:
        """Sync ``rel`` with the disk once, then move, remove or generate its doc."""
        synced = self.index.sync_file(self.policy, rel)
        row = synced.row
        if row is None:
            self.index.drop_tombstone(rel)
            if self._remove_doc(rel):
                return TickResult(True, "removed", rel, "source deleted")
            return None
        if synced.what in ("added", "changed"):
            self.backoff.clear(rel)  # new content gets a fresh chance
        if row.binary or exhausted(row) or self.backoff.blocked(rel):
            return None
        if self.generator.is_fresh(row):
            return None
        claimed = self._claim_doc(row, moved_from)
        if claimed is not None:
            return TickResult(True, "moved", rel, f"from {claimed}")
        return self._generate(synced, rel)

    def _generate(self, synced: Synced, rel: str) -> TickResult | None:
        try:
            outcome = self.generator.generate_synced(synced, rel)
        except BackendUnavailable as exc:
            self.backoff.pause_backend(BACKEND_DOWN_RETRY_SECONDS)
            self.backoff.wait(rel, BACKEND_DOWN_RETRY_SECONDS)  # not the file's fault
            log.warning("%s; docgen paused for %.0fs", exc, BACKEND_DOWN_RETRY_SECONDS)
            return TickResult(False, "backend_down", rel, exc.reason)
        return self.record(outcome)

    def record(self, outcome: Outcome) -> TickResult | None:
        """Turn an outcome into the file's next due time, and into a tick result (``None``
        when nothing was attempted, so the tick goes on to its next candidate)."""
        rel, status = outcome.path, outcome.status
        if status == "failed":
            delay = backoff_seconds(outcome.failures)
            self.backoff.wait(rel, delay)
            log.warning(
                "docgen failed for %s (attempt %d, retry in %.0fs): %s",
                printable(rel),
                outcome.failures,
                delay,
                outcome.reason,
            )
        elif status == "deferred":
            log.debug("not documenting %s yet: %s", printable(rel), outcome.reason)
            self.backoff.wait(rel, GATE_RETRY_SECONDS)
        elif status == "skipped":
            # not documentable after all (binary, refused): looked at again only after a while,
            # so it cannot keep the host loop awake
            self.backoff.wait(rel, SKIP_RETRY_SECONDS)
        else:
            self.backoff.clear(rel)
        if status in ("skipped", "fresh", "deferred"):
            return None
        return TickResult(True, status, rel, outcome.reason)

    # -- moves and removals ---------------------------------------------------------------
    def _claim_doc(self, row: FileRow, moved_from: str) -> str | None:
        """A rename with unchanged content keeps its doc: find the old path and move it.

        Candidates: the event's ``moved_from``, an indexed twin whose file is gone, and a
        tombstone with the same content (the old row was dropped by a scan or another process).
        """
        candidates = [moved_from] if moved_from else []
        candidates += [
            twin.path
            for twin in self.index.find_by_blake3(row.blake3, exclude=row.path)
            if not os.path.lexists(os.path.join(self.policy.root_str, twin.path))
        ]
        tombstone = self.index.find_tombstone(row.blake3)
        if tombstone is not None:
            candidates.append(tombstone.path)
        for old in candidates:
            try:
                if self.docs.header(old) != row.sha256 or not self.docs.rename(old, row.path):
                    continue
            except (UnsafePath, OSError):
                continue
            self.index.note_doc(row.path, row.sha256)
            if self.index.get(old) is not None:
                self.index.remove_paths([old])
            self.index.drop_tombstone(old)
            log.info("moved doc %s -> %s", printable(old), printable(row.path))
            return old
        return None

    def settle_tombstone(self, tombstone: Tombstone) -> TickResult | None:
        """Remove the doc of a source that left the index, unless the source came back."""
        rel = tombstone.path
        if self.policy.source_stat(rel) is not None:
            self.index.drop_tombstone(rel)  # it came back; a scan or an event indexes it
            self.dirty.offer(rel)
            return None
        removed = self._remove_doc(rel)
        self.index.drop_tombstone(rel)
        return TickResult(True, "removed", rel, "source deleted") if removed else None

    def _remove_doc(self, rel: str) -> bool:
        try:
            removed = self.docs.remove(rel)
        except (UnsafePath, OSError) as exc:
            log.warning("cannot remove orphaned doc of %s: %s", printable(rel), exc)
            return False
        if removed:
            log.info("removed orphaned doc for %s", printable(rel))
        return removed

    # -- slices ---------------------------------------------------------------------------
    def _scan(self, scan: Scan, deadline: float) -> TickResult:
        delta = scan.step(deadline)
        first_build = not self.scheduler.first_build_done
        if not first_build:  # a startup backlog is the sampler's job, not the dirty set's
            for rel in delta.changed_paths:
                if not self.dirty.offer(rel):
                    self.scheduler.owe_lap()  # the sampler takes the rest, at once
                    break
        if scan.done:
            stats = scan.stats
            self.scheduler.scan_finished()
            if stats.added or stats.changed or stats.removed:
                log.info(
                    "indexed %s: %d sources, %d added, %d changed, %d removed",
                    scan.under or "repo",
                    stats.seen,
                    stats.added,
                    stats.changed,
                    stats.removed,
                )
        return TickResult(True, "rescanned", scan.under)

    def _sweep_step(self, deadline: float) -> TickResult | None:
        """Part of a pass over the output dir: orphans without a tombstone, and temp files.

        Docs whose source the index never knew (left by LLMC's batch tool, or from before an
        ``exclude`` changed) are found here; a doc whose source exists but is not indexed yet
        sends that source to the dirty set instead.
        """
        if self._sweep is None:
            self._sweep = self.docs.iter_docs(with_temp_files=True)
            self.scheduler.sweep_active = True
        removed: list[str] = []
        for rel, path in self._sweep:
            if rel == "":  # a temp file: only the docgen lock holder gets here
                with contextlib.suppress(OSError):
                    os.unlink(path)
            elif self.index.get(rel) is None and not self.index.has_tombstone(rel):
                # (a tombstoned source's doc goes through its grace period instead)
                if self.policy.source_stat(rel) is not None:
                    self.dirty.offer(rel)
                elif self._remove_doc(rel):
                    removed.append(rel)
            if removed or time.perf_counter() >= deadline:
                break
        else:
            self._sweep = None
            self.scheduler.sweep_finished()
        if removed:
            return TickResult(True, "removed", removed[0], "orphaned doc")
        return None
