"""The reactor: one repo's docs kept fresh, one file per idle tick.

``Reactor.open()`` wires config, policy, index, doc store, backend, dirty set, idle detector and
watcher. :meth:`Reactor.tick` is the whole opportunistic algorithm:

1. return at once when disabled, busy (not idle), or a manual run holds a docgen lock;
2. a pending subtree rescan (startup, queue overflow, a directory moved away) comes first;
3. else the oldest settled dirty path: re-checked against the disk, so a ``touch`` or a
   checkout back and forth costs a stat and a hash but no generation; deleted sources lose
   their doc, renamed ones keep it (moved) when the content is unchanged;
4. else the sampler's next ``sample_size`` rows, each ``stat``-ed (the sweep heals whatever a
   lost event hid); the first missing or stale doc is generated.

A tick generates at most one doc and never touches ``last_work``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .backends import Backend, make_backend
from .config import DocgenConfig, load_config, output_dir_relative
from .dirty import DirtyEntry, DirtySet
from .docgen import DocGenerator, Outcome, printable
from .docs import DocStore
from .errors import BackendUnavailable, LockHeld, RepoGone, UnsafePath, UsageError
from .idle import IdleDetector
from .index import DB_PATH, FileIndex, FileRow, RefreshStats
from .lock import DOCGEN_LOCK, LLMC_BATCH_LOCK, FileLock, is_locked_elsewhere
from .policy import SourcePolicy
from .rag import RagBusy, RagIndex
from .sampler import Sampler
from .status import StatusReport, compute_status
from .watcher import Watcher

log = logging.getLogger(__name__)

#: Cheap dirty-path checks (stat, maybe hash) a single tick may do before it yields even if none
#: of them needed a generation; keeps a tick short under a storm of touches.
MAX_DIRTY_CHECKS_PER_TICK = 64
BACKEND_DOWN_RETRY_SECONDS = 60.0
#: A deleted source keeps its doc this long, in case the delete was half of a rename.
DELETE_GRACE_SECONDS = 2.0
#: A file held back by the RAG gate is looked at again after this long.
GATE_RETRY_SECONDS = 30.0
#: A file a tick found it could not document after all (binary, refused) waits this long.
SKIP_RETRY_SECONDS = 300.0


@dataclass(frozen=True)
class TickResult:
    """What one tick did. ``work_done`` keeps a host loop awake; it never means "busy"."""

    work_done: bool
    status: str
    path: str | None = None
    reason: str = ""


class Reactor:
    """Keeps ``{output_dir}/{path}.md`` fresh for one repository. See the module docstring."""

    def __init__(
        self,
        repo_root: Path,
        config: DocgenConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        backend: Backend | None = None,
        max_dirty: int | None = None,
    ):
        self.root = Path(repo_root).resolve()
        if not self.root.is_dir():
            raise UsageError(f"{repo_root} is not a directory")
        self.config = config
        self.clock = clock
        self.policy = SourcePolicy(self.root, config)
        self.docs = DocStore(self.root, output_dir_relative(config, self.root))
        self.backend = backend or make_backend(config, self.root)
        self.index = FileIndex.for_repo(self.root)
        self.generator = DocGenerator(
            policy=self.policy,
            index=self.index,
            docs=self.docs,
            backend=self.backend,
            clock=clock,
            gate=self._rag_gate if config.require_rag_fresh else None,
        )
        self.idle = IdleDetector(
            idle_after_seconds=config.idle_after_seconds,
            priority=config.daemon_priority,
            clock=clock,
        )
        self.dirty = DirtySet(clock=clock, **({"max_entries": max_dirty} if max_dirty else {}))
        self.sampler = Sampler(self.index, sample_size=config.sample_size)
        self._rag_sampler: tuple[Path, Sampler] | None = None  # (RAG db, its sampler)
        self.lock = FileLock.for_repo(self.root, DOCGEN_LOCK)
        self.watcher: Watcher | None = None
        self._backend_retry_at = 0.0
        self._indexed = False  # set by the first full refresh
        self._dropped_reported = 0
        self._tick_lock = threading.Lock()
        self.dirty.add_tree("")  # the first tick brings the index up to date

    @classmethod
    def open(
        cls,
        repo_root: Path | str,
        *,
        config: DocgenConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        watch: bool = True,
        backend: Backend | None = None,
    ) -> Reactor:
        """Read ``llmc.toml`` (unless ``config`` is given), open the index, start the watcher."""
        root = Path(repo_root)
        reactor = cls(root, config or load_config(root.resolve()), clock=clock, backend=backend)
        try:
            removed = reactor.docs.remove_temp_files()
            if removed:
                log.info("removed %d temp file(s) left by an interrupted write", removed)
            if watch:
                reactor.start_watching()
        except BaseException:
            reactor.close()
            raise
        return reactor

    def start_watching(self, *, polling: bool = False) -> None:
        if self.watcher is None:
            self.watcher = Watcher(self.policy, self.dirty, polling=polling)
            self.watcher.start()

    def close(self) -> None:
        """Stop the watcher, release locks, close the backend and the index. Idempotent."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        with self._tick_lock:  # an in-flight tick finishes its write before the db closes
            self.lock.release()
            self.backend.close()
            self.index.close()

    def __enter__(self) -> Reactor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- host-facing API ------------------------------------------------------------------
    def note_work(self) -> None:
        """The host did high-priority work just now: hold docgen off for ``idle_after_seconds``."""
        self.idle.note_work()

    def refresh_index(
        self, *, under: str = "", progress: Callable[[str], object] | None = None
    ) -> RefreshStats:
        """Incrementally sync the index with the tree (or one subtree); drop orphaned docs."""
        stats = self.index.refresh(self.policy, under=under, progress=progress)
        for rel in stats.removed_paths:
            self._remove_doc(rel)
        if under == "":
            self._indexed = True
            while self.dirty.pop_tree() is not None:
                pass  # a full refresh satisfies every pending subtree request
        return stats

    def status(self, *, refresh: bool = True) -> StatusReport:
        """Counts of sources and fresh/stale/missing/orphaned docs."""
        if refresh:
            self.index.refresh(self.policy)
        report = compute_status(self.index, self.docs)
        report.backend = self.backend.describe()
        report.extra["backend_health"] = self.backend.health()
        rag = RagIndex.find(self.root)
        report.extra["candidates"] = rag.describe() if rag else f"reactor index ({DB_PATH})"
        report.extra["require_rag_fresh"] = self.config.require_rag_fresh
        return report

    # -- LLMC's RAG index -----------------------------------------------------------------
    def _rag_gate(self, rel: str, sha256: str) -> str | None:
        """LLMC's gate: with a RAG index present, its row must carry the current SHA-256."""
        rag = RagIndex.find(self.root)
        if rag is None:
            return None
        try:
            return rag.gate(rel, sha256)
        except RagBusy:
            return "RAG index busy"

    def _candidate_sampler(self) -> Sampler:
        """Sample LLMC's RAG index when there is one (it knows what exists), else our own."""
        rag = RagIndex.find(self.root)
        if rag is None:
            return self.sampler
        if self._rag_sampler is None or self._rag_sampler[0] != rag.db_path:
            self._rag_sampler = (rag.db_path, Sampler(rag, sample_size=self.config.sample_size))
        return self._rag_sampler[1]

    def generate(
        self,
        paths: Iterable[str] | None = None,
        *,
        force: bool = False,
        progress: Callable[[Outcome], None] | None = None,
        wait_seconds: float = 0.0,
    ) -> list[Outcome]:
        """Batch generation under the docgen lock.

        ``paths`` are repo-relative files or directories; ``None`` means every source. Waits up
        to ``wait_seconds`` for the lock (a daemon tick holds it for one file), then raises
        :class:`LockHeld`.
        """
        if is_locked_elsewhere(self.root / LLMC_BATCH_LOCK):
            raise LockHeld(self.root / LLMC_BATCH_LOCK, "LLMC's docgen")
        self.lock.acquire(timeout_seconds=wait_seconds)
        try:
            self.index.refresh(self.policy)
            targets = self.expand(paths)
            outcomes = []
            for rel in targets:
                outcome = self.generator.generate(rel, force=force)
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)
            return outcomes
        finally:
            self.lock.release()

    def expand(self, paths: Iterable[str] | None) -> list[str]:
        """Repo-relative files and directories → the files to process, in path order."""
        indexed = sorted(self.index.paths())
        if paths is None:
            return indexed
        out: list[str] = []
        for rel in paths:
            if rel in ("", "."):
                out += indexed
            elif (self.root / rel).is_dir() and not (self.root / rel).is_symlink():
                prefix = rel.rstrip("/") + "/"
                out += [p for p in indexed if p.startswith(prefix)]
            else:
                out.append(rel)
        return list(dict.fromkeys(out))

    # -- the tick -------------------------------------------------------------------------
    def tick(self) -> TickResult:
        """Do at most one unit of docgen work if the host is idle.

        Never raises for a per-file problem; raises :class:`RepoGone` if the repository itself
        was removed, since nothing can be documented any more.
        """
        if not os.path.isdir(self.policy.root_str):
            raise RepoGone(self.root)
        if not (self.config.enabled and self.config.daemon_enabled):
            return TickResult(False, "disabled")
        if not self.idle.is_idle():
            return TickResult(False, "busy")
        if self.clock() < self._backend_retry_at:
            return TickResult(False, "backend_down")
        for lock_path in (DOCGEN_LOCK, LLMC_BATCH_LOCK):
            if not self.lock.held and is_locked_elsewhere(self.root / lock_path):
                return TickResult(False, "locked", reason=str(lock_path))
        with self._tick_lock:
            return self._tick()

    def _tick(self) -> TickResult:
        tree = self.dirty.pop_tree()
        if tree is not None:
            if self.dirty.dropped > self._dropped_reported:
                log.warning(
                    "more than %d changed paths pending; %d events folded into a rescan",
                    self.dirty.max_entries,
                    self.dirty.dropped - self._dropped_reported,
                )
                self._dropped_reported = self.dirty.dropped
            first_build = not self._indexed
            stats = self.refresh_index(under=tree)
            if not first_build:  # a startup backlog is the sampler's job, not the dirty set's
                for rel in stats.changed_paths:
                    if not self.dirty.offer(rel):
                        break
            if stats.added or stats.changed or stats.removed:
                log.info(
                    "rescanned %s: %d added, %d changed, %d removed",
                    tree or "repo",
                    stats.added,
                    stats.changed,
                    stats.removed,
                )
            return TickResult(True, "rescanned", tree)
        settled = self.dirty.settled(self.config.settle_seconds, limit=MAX_DIRTY_CHECKS_PER_TICK)
        # Paths that still exist go first, and a vanished path waits a grace period: when a
        # rename reaches us as a delete plus a (late) create, the new path must claim the old
        # doc (same content) before the delete drops it.
        grace_cutoff = self.clock() - DELETE_GRACE_SECONDS
        present: list[DirtyEntry] = []
        gone: list[DirtyEntry] = []
        for entry in settled:
            if os.path.lexists(self._abs(entry.path)):
                present.append(entry)
            elif entry.last_event <= grace_cutoff:
                gone.append(entry)
        for entry in present + gone:
            result = self._process_dirty(entry)
            if result is None or result.status != "locked":
                self.dirty.discard(entry)
            if result is not None:
                return result
        return self._sample()

    def _process_dirty(self, entry: DirtyEntry) -> TickResult | None:
        rel = entry.path
        old = self.index.get(entry.moved_from) if entry.moved_from else None
        row, what = self.index.update_file(self.policy, rel)
        if row is None:
            if self._remove_doc(rel):
                return TickResult(True, "removed", rel, "source deleted")
            return None
        if old is None and what == "added":
            old = self._vanished_twin(row)
        if old is not None and old.blake3 == row.blake3 and self._move_doc(old.path, row):
            return TickResult(True, "moved", rel, f"from {old.path}")
        if not self._needs_doc(row):
            return None
        return self._generate(rel)

    def _sample(self) -> TickResult:
        sampler = self._candidate_sampler()
        try:
            candidates = sampler.candidates()
        except RagBusy as exc:
            return TickResult(False, "rag_busy", reason=str(exc))
        for row in candidates:
            sampler.advance(row)
            if row.path in self.dirty:  # still settling: its dirty entry will handle it
                continue
            if self.policy.reason_to_skip(row.path) is not None:
                continue  # a RAG row the reactor's own policy refuses (secrets, ignored, ...)
            if not os.path.lexists(self._abs(row.path)):
                # Gone without an event (yet): let the dirty path decide, so a rename whose
                # events are still in flight keeps its doc instead of losing it here.
                self.dirty.add(row.path)
                continue
            current, _ = self.index.update_file(self.policy, row.path)
            if current is None or not self._needs_doc(current):
                continue
            result = self._generate(row.path)
            if result.status == "locked":
                sampler.cursor = row.id - 1  # retry this one next time
            return result
        return TickResult(False, "idle")

    def _needs_doc(self, row: FileRow) -> bool:
        """Stale, not backed off, and allowed by the RAG gate (which defers, not fails)."""
        if row.binary or not self.generator.may_attempt(row) or self.generator.is_fresh(row):
            return False
        reason = self.generator.gate_reason(row.path, row.sha256)
        if reason is not None:
            log.debug("not documenting %s yet: %s", row.path, reason)
            self.generator.defer(row.path, GATE_RETRY_SECONDS)
            return False
        return True

    def _generate(self, rel: str) -> TickResult:
        try:
            with self.lock:
                outcome = self.generator.generate(rel)
        except LockHeld as exc:
            return TickResult(False, "locked", rel, str(exc))
        except BackendUnavailable as exc:
            self._backend_retry_at = self.clock() + BACKEND_DOWN_RETRY_SECONDS
            log.warning("%s; docgen paused for %.0fs", exc, BACKEND_DOWN_RETRY_SECONDS)
            return TickResult(False, "backend_down", rel, exc.reason)
        if outcome.status in ("skipped", "fresh"):
            # nothing was generated; a skipped file (binary after all, gated, refused) is not
            # looked at again for a while, so it cannot keep the host loop awake
            if outcome.status == "skipped":
                self.generator.defer(rel, SKIP_RETRY_SECONDS)
            return TickResult(False, outcome.status, rel, outcome.reason)
        return TickResult(True, outcome.status, rel, outcome.reason)

    def _abs(self, rel: str) -> str:
        return os.path.join(self.policy.root_str, rel)

    def _remove_doc(self, rel: str) -> bool:
        try:
            removed = self.docs.remove(rel)
        except (UnsafePath, OSError) as exc:
            log.warning("cannot remove orphaned doc of %s: %s", printable(rel), exc)
            return False
        if removed:
            log.info("removed orphaned doc for %s", printable(rel))
        return removed

    def _vanished_twin(self, row: FileRow) -> FileRow | None:
        """An indexed file with the same content that no longer exists: ``row`` was renamed."""
        for twin in self.index.find_by_blake3(row.blake3, exclude=row.path):
            if not os.path.lexists(self._abs(twin.path)):
                return twin
        return None

    def _move_doc(self, old_rel: str, row: FileRow) -> bool:
        """A rename with unchanged content keeps its fresh doc: move it, do not regenerate."""
        new_rel = row.path
        try:
            if self.docs.header(old_rel) != row.sha256 or not self.docs.rename(old_rel, new_rel):
                return False
        except (UnsafePath, OSError):
            return False
        self.index.remove(old_rel)
        log.info("moved doc %s -> %s", printable(old_rel), printable(new_rel))
        return True
