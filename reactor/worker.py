"""Does one unit of docgen work that the scheduler chose: one way down, no second opinions.

A file goes one way (:meth:`Worker.document`): *observe* (one stat, at most one read, hashes) →
*understand* (facts and import keys from those bytes) → *store* (the index) → its doc is looked
at (fresh? one of ours? the user's file in the way?) → a rename's doc is moved, or the backend
*generates* and the doc store *writes* → the scheduler *records* the outcome as the file's next
due time. Other units: a budgeted slice of a :class:`~reactor.scan.Scan`; a tombstone (a source
that left the index: its doc goes, if it is ours); a budgeted slice of the sweep over the output
dir, which finds docs of ours whose source the index never knew and removes temp files a crash
left behind. Every unit runs under the docgen lock, so no other writer's temp file is touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .dirty import DirtyEntry, DirtySet
from .docgen import DocGenerator, Outcome, reason_of
from .docs import DocStore
from .errors import BackendUnavailable, UnsafePath
from .facts import understood_language
from .facts.resolve import Resolver
from .graph import format_context, neighbour_paths, neighbours, store_and_regraph
from .index import FileIndex
from .inputs import digest, parse_comment
from .observe import FOREIGN, SKIP_REASONS, UNREADABLE, UNREADABLE_DOC, Observation, observe
from .pages import PageKeeper
from .pagestates import is_page
from .paths import quote_path
from .policy import NotSource, SourcePolicy
from .rows import DocRecord, FileRow, Tombstone
from .sampler import Candidate
from .scan import Scan, reresolve_step
from .scheduler import Job, Scheduler
from .understand import interface_of, understand

log = logging.getLogger(__name__)

#: How long the whole backend pauses when its server cannot be reached.
BACKEND_DOWN_RETRY_SECONDS = 60.0


@dataclass(frozen=True)
class TickResult:
    """What one tick did. ``work_done`` keeps a host loop awake; it never means "busy"."""

    work_done: bool
    status: str
    path: str | None = None
    reason: str = ""


#: Outcomes that end a tick (something was attempted or changed on disk); a restore from the doc
#: cache is done too, but cheap enough that the tick goes on with the next file (see reactor).
_TICK_ENDING = frozenset({"generated", "failed", "noop", "moved", "restored"})


class Worker:
    """Runs :class:`~reactor.scheduler.Job` units for one repo."""

    def __init__(
        self,
        *,
        policy: SourcePolicy,
        index: FileIndex,
        resolver: Resolver,
        docs: DocStore,
        dirty: DirtySet,
        generator: DocGenerator,
        scheduler: Scheduler,
        pages: PageKeeper | None = None,
    ):
        self.policy = policy
        self.index = index
        self.resolver = resolver
        self.docs = docs
        self.dirty = dirty
        self.generator = generator
        self.scheduler = scheduler
        self.pages = pages
        self._sweep: Iterator[tuple[str, str]] | None = None
        self._warned: dict[str, str] = {}  # path -> the skip reason already logged

    def run(self, job: Job, deadline: float) -> TickResult | None:
        """Run one unit; ``None`` when it found nothing to do (the tick goes on)."""
        if job.kind == "sync":
            return self._sync(job.entries, deadline)
        if job.kind == "dirty":
            assert job.entry is not None
            return self._dirty(job.entry)
        if job.kind == "resolve":
            more = reresolve_step(self.index, self.resolver, deadline)
            return TickResult(True, "rescanned", reason="imports") if more else None
        if job.kind == "regraph":
            return self.regraph(deadline)
        if job.kind == "outdated":
            assert isinstance(job.candidate, FileRow)
            return self._refresh(job.candidate)
        if job.kind in ("pending", "sample"):
            assert job.candidate is not None
            return self._sampled(job.candidate)
        if job.kind == "retry":
            return self._tick_file(job.path)
        if job.kind == "probe":
            self._probe_docs(deadline)
            return None
        if job.kind == "scan":
            assert job.scan is not None
            return self._scan(job.scan, deadline)
        if job.kind == "tombstone":
            assert job.tombstone is not None
            return self.settle_tombstone(job.tombstone)
        if job.kind == "page":
            assert self.pages is not None
            page = self.pages.step(deadline)
            if page is None:
                return None
            status = "rescanned" if page.status == "checked" else "page"  # (a slice: more soon)
            return TickResult(True, status, page.path, page.status)
        return self.sweep_step(deadline)

    # -- one file's way -------------------------------------------------------------------
    def document(
        self,
        rel: str,
        *,
        moved_from: str = "",
        force: bool = False,
        batch: bool = False,
        refresh: bool = False,
        row: FileRow | Literal["look up"] | None = "look up",
    ) -> Outcome | None:
        """Take ``rel`` the whole way; ``None`` when there was nothing to do for it.

        A daemon tick (``batch=False``) leaves alone what is backed off or gave up; a batch
        run (``reactor generate``) tries what it is given, and ``force`` regenerates fresh docs.
        ``refresh`` regenerates an outdated doc too (a batch run, or its turn in the daemon).
        ``row`` is the index's row when the caller just read it (the sampler).
        """
        if row == "look up":
            row = self.index.get(rel)
        obs = observe(self.policy, rel, row.known if row is not None else None)
        if obs.state == "gone":
            return self._gone(obs, row, batch=batch)
        row = self._store(obs, row)
        if row is None:
            return Outcome(rel, "skipped", obs.detail, skip=obs.skip) if batch else None
        if row.skip is not None:
            return self._skipped(row, obs.detail or SKIP_REASONS[row.skip], row.skip)
        if not batch and self.scheduler.waits(row):
            return None
        try:
            doc = self.docs.inspect(rel)
        except UnsafePath as exc:
            return self.scheduler.record(Outcome(rel, "failed", str(exc)), row)
        if doc.in_the_way is not None:
            if row.doc_sha256 is not None:  # neither fresh nor stale now, as status counts it
                self.index.note_doc(rel, None)
            where = f"{self.docs.output_rel.as_posix()}/{rel}.md"
            skip = UNREADABLE_DOC if doc.kind == "unreadable" else FOREIGN
            return self._skipped(row, f"{quote_path(where)}: {doc.in_the_way}", skip)
        if doc.sha256 != row.doc_sha256:
            self.index.note_doc(rel, doc.sha256)
        if doc.sha256 == row.sha256 and not force and not (refresh and row.outdated):
            return self.scheduler.record(Outcome(rel, "fresh"), row)
        if not force:
            claimed = self._claim_doc(row, moved_from)
            if claimed is not None:
                return self.scheduler.record(Outcome(rel, "moved", f"from {claimed}"), row)
        try:
            self.docs.doc_path(rel)  # the symlink checks: refused before anything is sent
        except UnsafePath as exc:
            return self.scheduler.record(Outcome(rel, "failed", str(exc)), row)
        if obs.data is None:  # not read by the observation: read now, and store what was read
            obs = observe(self.policy, rel)
            if obs.state == "gone":
                return self._gone(obs, row, batch=batch)
            stored = self._store(obs, row)
            if obs.data is None or stored is None:
                assert obs.skip is not None
                return self._skipped(stored or row, obs.detail, obs.skip)
            row = stored
        outcome = self.generator.generate(rel, obs.sha256, obs.data, self.index.facts(rel))
        if outcome.status == "generated":
            self._warned.pop(rel, None)
        return self.scheduler.record(outcome, row)

    def _gone(self, obs: Observation, row: FileRow | None, *, batch: bool) -> Outcome | None:
        """Not a source (any more): its row leaves the index, and its doc goes the tombstones'
        way (a grace period for a rename's other half, the brake on mass removal)."""
        if row is not None:
            self.index.regraph(neighbour_paths(self.index, obs.rel))  # they showed it
            self.index.remove_paths([obs.rel])
            self.scheduler.note_graced(obs.rel)
            self.scheduler.forget([obs.rel])
        return Outcome(obs.rel, "skipped", obs.detail) if batch else None

    def _skipped(self, row: FileRow, reason: str, skip: str) -> Outcome:
        """A source that cannot be documented now. Unreadable sources and docs and the user's
        files in the way are logged once (the rest is by design: too large, binary)."""
        if skip in (UNREADABLE, UNREADABLE_DOC, FOREIGN) and self._warned.get(row.path) != skip:
            self._warned[row.path] = skip
            keeps = "; its doc is kept" if skip == UNREADABLE else ""
            log.warning("not documenting %s: %s%s", quote_path(row.path), reason, keeps)
        return self.scheduler.record(Outcome(row.path, "skipped", reason, skip=skip), row)

    def _store(self, obs: Observation, row: FileRow | None) -> FileRow | None:
        """Store a read or skipped observation; the row as it now is (``None``: a path that
        cannot even be stat-ed and was never indexed). Bytes are parsed once per content: when
        the index already has this content's facts they are kept."""
        if obs.st is None:  # hidden behind a directory we may not enter: what we knew stays
            if row is not None:
                self.index.mark_unreadable([obs.rel])
                row = self.index.get(obs.rel)
            return row
        same_content = row is not None and obs.blake3 == row.blake3
        # facts stored by another extractor version are extracted again (an upgrade)
        facts_current = same_content and (
            obs.data is None
            or not understood_language(obs.rel, obs.data)
            or self.index.facts(obs.rel) is not None
        )
        if (
            row is not None
            and facts_current
            and (obs.st.st_size, obs.st.st_mtime_ns, obs.skip) == (row.size, row.mtime_ns, row.skip)
        ):
            return row  # read again for its bytes (a generation): the index has it all
        if obs.state in ("read", "skipped"):
            understood = None
            if obs.data is not None and not facts_current:
                understood = understand(obs.rel, obs.data, self.resolver)
            with self.index.write():
                what, _ = store_and_regraph(
                    self.index,
                    obs.rel,
                    interface_of(obs, understood, row),
                    lambda: self.index.store(obs, understood),
                )
            if what in ("added", "changed"):
                self.scheduler.backoff.clear(obs.rel)  # new content gets a fresh chance
            row = self.index.get(obs.rel)
        assert row is not None
        return row

    # -- files as the scheduler hands them over -------------------------------------------
    def _sync(self, entries: tuple[DirtyEntry, ...], deadline: float) -> TickResult | None:
        """Observe and store changed paths (no doc yet): ``None`` once all are in."""
        for entry in entries:
            row = self.index.get(entry.path)
            obs = observe(self.policy, entry.path, row.known if row is not None else None)
            if obs.state != "gone":
                self._store(obs, row)
            self.scheduler.synced(entry)
            if time.perf_counter() >= deadline and entry is not entries[-1]:
                return TickResult(True, "rescanned", reason="changed files")
        return None

    def regraph(self, deadline: float) -> TickResult | None:
        """Render the graph context of files whose neighbours changed, and note its digest:
        a doc made from another one is outdated by neighbours."""
        while paths := self.index.regraph_batch(16):
            for rel in paths:
                if self.index.get(rel) is not None:
                    context = format_context(*neighbours(self.index, rel))
                    self.index.set_graph(rel, digest(context or ""))
            self.index.regraph_done(paths)
            if time.perf_counter() >= deadline:
                return TickResult(True, "rescanned", reason="neighbours")
        return None

    def _probe_docs(self, deadline: float) -> None:
        """Docs that could not be read: each one that can be now (or is gone) is tried again at
        once. An output dir that cannot be entered hides every doc: one check says so."""
        probe = self.scheduler.docs_to_probe()
        root = self.docs.root
        if os.path.isdir(root) and not os.access(root, os.X_OK):
            return
        for rel in probe:
            with contextlib.suppress(UnsafePath):
                if self.docs.inspect(rel).kind != "unreadable":
                    self.scheduler.doc_readable(rel)
            if time.perf_counter() >= deadline:
                break

    def _refresh(self, row: FileRow) -> TickResult | None:
        """Regenerate one outdated doc (its turn came: see the scheduler's rate bound)."""
        result = self._tick_file(row.path, row=row, refresh=True)
        if result is not None and result.status == "generated":
            self.scheduler.outdated_refreshed()
        return result

    def _dirty(self, entry: DirtyEntry) -> TickResult | None:
        result = self._tick_file(entry.path, entry.moved_from or "")
        self.dirty.discard(entry)
        return result

    def _sampled(self, candidate: Candidate) -> TickResult | None:
        rel = candidate.path
        ours = isinstance(candidate, FileRow)  # (else a row of LLMC's RAG index)
        if not ours and self.policy.reason_to_skip(rel) is not None:
            return None  # a RAG row the reactor's own policy refuses (secrets, ignored, ...)
        if not os.path.lexists(os.path.join(self.policy.root_str, rel)):
            # Gone without an event (yet): let the dirty path decide, so a rename whose events
            # are still in flight keeps its doc instead of losing it here.
            self.dirty.add(rel)
            return None
        return self._tick_file(rel, row=candidate if isinstance(candidate, FileRow) else "look up")

    def _tick_file(
        self,
        rel: str,
        moved_from: str = "",
        row: FileRow | Literal["look up"] = "look up",
        *,
        refresh: bool = False,
    ) -> TickResult | None:
        try:
            outcome = self.document(rel, moved_from=moved_from, row=row, refresh=refresh)
        except BackendUnavailable as exc:
            backoff = self.scheduler.backoff
            backoff.pause_backend(BACKEND_DOWN_RETRY_SECONDS)
            backoff.wait(rel, BACKEND_DOWN_RETRY_SECONDS)  # not the file's fault
            log.warning("%s; docgen paused for %.0fs", exc, BACKEND_DOWN_RETRY_SECONDS)
            return TickResult(False, "backend_down", rel, exc.reason)
        if outcome is None or outcome.status not in _TICK_ENDING:
            return None  # fresh, skipped, deferred: the tick goes on to its next candidate
        return TickResult(True, outcome.status, rel, outcome.reason)

    # -- moves and removals ---------------------------------------------------------------
    def _claim_doc(self, row: FileRow, moved_from: str) -> str | None:
        """A rename with unchanged content keeps its doc: find the old path and move it. The
        moved doc is ``outdated`` by path (its title, its neighbours' lists name the old one)
        and refreshed in turn; a cheap backend's (the outline) is rather made anew at once.

        Candidates: the event's ``moved_from``, an indexed twin whose file is gone, and a
        tombstone with the same content (the old row was dropped by a scan or another process).
        """
        if self.generator.backend.cheap:
            return None
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
            inputs = parse_comment(self.docs.read(row.path) or "")
            self.index.record_doc(
                row.path,
                DocRecord(
                    row.sha256,
                    inputs.backend if inputs else None,
                    inputs.neighbours if inputs else None,
                    old,
                ),
                rendered_now=False,
            )
            if self.index.get(old) is not None:
                self.index.remove_paths([old])
            self.index.drop_tombstone(old)
            log.info("moved doc %s -> %s", quote_path(old), quote_path(row.path))
            return old
        return None

    def settle_tombstone(self, tombstone: Tombstone) -> TickResult | None:
        """Remove the doc of a source that left the index, unless the source came back (or
        is only hidden for now)."""
        rel = tombstone.path
        st = self.policy.source_stat(rel)
        if not isinstance(st, NotSource) or st.unreadable:
            self.index.drop_tombstone(rel)  # it came back; a scan or an event indexes it
            self.dirty.offer(rel)
            return None
        with contextlib.suppress(UnsafePath):
            doc = self.docs.read(rel)
            if doc is not None:
                self.generator.keep(doc)  # a checkout back brings its source back
        removed = self._remove_doc(rel)
        self.index.drop_tombstone(rel)
        return TickResult(True, "removed", rel, "source deleted") if removed else None

    def _remove_doc(self, rel: str) -> bool:
        try:
            removed = self.docs.remove(rel)
        except (UnsafePath, OSError) as exc:
            log.warning("cannot remove orphaned doc of %s: %s", quote_path(rel), reason_of(exc))
            return False
        if removed:
            log.info("removed orphaned doc for %s", quote_path(rel))
        return removed

    # -- slices ---------------------------------------------------------------------------
    def _scan(self, scan: Scan, deadline: float) -> TickResult:
        delta = scan.step(deadline)
        self.scheduler.forget(delta.removed_paths)
        # Content that changed while nobody watched (a restart, lost events) is queued like
        # any edit, as the scan finds it, not left to the sampler's slow lap.
        for rel in () if scan.first_of_its_kind else delta.changed_paths:
            if not self.dirty.offer(rel):
                self.scheduler.owe_lap()  # the sampler takes the rest, at once
                break
        if scan.done:
            stats = scan.stats
            self.scheduler.scan_finished()
            if stats.added or stats.changed or stats.removed:
                log.info(
                    "indexed %s: %s, %d added, %d changed, %d removed",
                    scan.under or "repo",
                    "1 source" if stats.seen == 1 else f"{stats.seen:,} sources",
                    stats.added,
                    stats.changed,
                    stats.removed,
                )
        return TickResult(True, "rescanned", scan.under)

    def sweep_step(self, deadline: float) -> TickResult | None:
        """Part of a pass over the output dir: docs of ours whose source the index never knew
        (left by LLMC's batch tool, or from before an ``exclude`` changed) get a tombstone, so
        their removal goes through the brake once the pass is done; temp files a crash left
        go at once. A doc whose source exists but is not indexed yet sends that source to the
        dirty set instead; anything that is not ours is left alone."""
        if self._sweep is None:
            self._sweep = self.docs.iter_docs(with_temp_files=True)
            self.scheduler.sweep_active = True
        for rel, path in self._sweep:
            if rel == "":  # a temp file: only the docgen lock holder gets here
                with contextlib.suppress(OSError):
                    os.unlink(path)
            elif is_page(rel) and self.index.get(rel) is None:
                pass  # a directory's page: the page keeper's (reactor.pages)
            elif self.index.get(rel) is None and not self.index.has_tombstone(rel):
                header = self.docs.header_at(path)
                st = self.policy.source_stat(rel) if header is not None else None
                if st is None:
                    pass  # not ours: the user's
                elif not isinstance(st, NotSource):
                    self.dirty.offer(rel)
                elif not st.unreadable:
                    assert header is not None
                    self.index.add_orphan(rel, header)
            if time.perf_counter() >= deadline:
                break
        else:
            self._sweep = None
            self.scheduler.sweep_finished()
        return None
