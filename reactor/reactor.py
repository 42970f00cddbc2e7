"""The reactor: one repo's docs kept fresh, one file per idle tick. A small façade.

``Reactor.open()`` wires config, policy, index, doc store, backend, dirty set, idle detector,
scheduler, worker and (optionally) the watcher. :meth:`Reactor.tick` checks the gates (enabled,
idle, backend not paused, no docgen lock held elsewhere), then runs the
:class:`~reactor.scheduler.Scheduler`'s jobs through the :class:`~reactor.worker.Worker` until one
does work or ``tick_budget_ms`` is spent. At most one doc is generated per tick, and everything
else a tick does (stat, hash, index writes, sweeps) stops at the budget and resumes next tick.
A tick never touches ``last_work``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import resource
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .backends import Backend, make_backend
from .concurrent import document_all
from .config import DocgenConfig, load_config, output_dir_relative
from .dirty import DirtySet
from .doccache import DocCache
from .docgen import DocGenerator, Outcome, reason_of
from .docs import DocStore, brake_rule, removal_held
from .errors import LockHeld, RepoGone, UsageError
from .facts import is_manifest
from .facts.resolve import Resolver
from .idle import IdleDetector
from .index import DB_PATH, FileIndex
from .inputs import digest
from .lock import DOCGEN_LOCK, LLMC_BATCH_LOCK, FileLock, is_locked_elsewhere
from .observe import observe
from .pages import PageKeeper
from .paths import quote_path
from .policy import NOT_UTF8, SourcePolicy, utf8_name
from .rag import RagBusy, RagIndex
from .sampler import Sampler
from .scan import RefreshStats, Scan
from .scheduler import Scheduler
from .search import DocSearch
from .status import StatusReport, compute_status, watch_state
from .watcher import Watcher
from .worker import TickResult, Worker

log = logging.getLogger(__name__)

#: A disk problem that goes on is logged again after this long (its ticks say it every time).
IO_WARNING_SECONDS = 60.0
#: Descriptors one open reactor holds: its SQLite index, the WAL and the shared memory.
FDS_PER_REACTOR = 3
#: Outcomes of a unit of work that changed a doc on disk (its listeners are told).
DOC_CHANGES = frozenset({"generated", "restored", "moved", "removed"})


def _outdated_interval(backend: Backend, config: DocgenConfig) -> float | None:
    """The least time between two refreshes of outdated docs: none for a cheap backend (the
    outline refreshes them all), ``refresh_outdated_per_hour`` for one that costs tokens."""
    if backend.cheap:
        return 0.0
    rate = config.refresh_outdated_per_hour
    return 3600.0 / rate if rate > 0 else None


@functools.cache
def raise_fd_limit() -> None:
    """Lift the soft limit on open files to the hard one, once per process.

    Each open reactor holds ``FDS_PER_REACTOR`` descriptors, so a host of 500 repos needs about
    1,600; Linux's usual soft limit is 1,024 (the hard one is far higher), and running out
    would fail the 340th repo's open with EMFILE. Go's runtime does the same at start.
    """
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = 1 << 16 if hard == resource.RLIM_INFINITY else hard
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            log.debug("raised the open-file limit from %d to %d", soft, target)


__all__ = ["Reactor", "TickResult"]


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
        self.resolver = Resolver(self.root, self.index.manifests())
        self.cache = DocCache(self.root)
        self.generator = DocGenerator(
            root=self.root,
            index=self.index,
            docs=self.docs,
            backend=self.backend,
            cache=self.cache,
            gate=self._rag_gate if config.require_rag_fresh else None,
        )
        self.idle = IdleDetector(
            idle_after_seconds=config.idle_after_seconds,
            priority=config.daemon_priority,
            clock=clock,
        )
        self.dirty = DirtySet(clock=clock, **({"max_entries": max_dirty} if max_dirty else {}))
        self.pages = PageKeeper(
            index=self.index,
            docs=self.docs,
            policy=self.policy,
            clock=clock,
            restores=lambda: self.cache.restored,
        )
        self.scheduler = Scheduler(
            root_str=self.policy.root_str,
            index=self.index,
            dirty=self.dirty,
            idle=self.idle,
            sampler=Sampler(self.index, sample_size=config.sample_size),
            clock=clock,
            settle_seconds=config.settle_seconds,
            rag_finder=lambda: RagIndex.find(self.root),
            outdated_interval_seconds=_outdated_interval(self.backend, config),
            pages=self.pages,
        )
        self.worker = Worker(
            policy=self.policy,
            index=self.index,
            resolver=self.resolver,
            docs=self.docs,
            dirty=self.dirty,
            generator=self.generator,
            scheduler=self.scheduler,
            pages=self.pages,
        )
        self.lock = FileLock.for_repo(self.root, DOCGEN_LOCK)
        self.watcher: Watcher | None = None
        self._dropped_reported = 0
        self._io_warned = ("", float("-inf"))
        self._tick_lock = threading.Lock()
        self._doc_listeners: list[Callable[[str], object]] = []
        self.search = DocSearch(self.index.db_path, self.docs)
        self.add_doc_listener(self.search.refresh)
        self.dirty.add_tree("")  # the first ticks bring the index up to date, in slices

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
        """Read ``llmc.toml`` (unless ``config`` is given), open the index, start the watcher.

        A host that already watches the tree passes ``watch=False`` and reports changes with
        :meth:`notify` and :meth:`notify_rescan`. Opening never touches the docs: ``status``
        beside a running daemon cannot disturb its writes.
        """
        root = Path(repo_root)
        raise_fd_limit()
        reactor = cls(root, config or load_config(root.resolve()), clock=clock, backend=backend)
        try:
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
            self.search.close()
            self.index.close()

    def release_memory(self) -> None:
        """The last tick found nothing to do: drop what the connections cache (see
        :mod:`reactor.memory`; a host calls this between its idle ticks). Skipped while a
        tick or a manual run holds the repo: the host loop never waits here."""
        if not self._tick_lock.acquire(blocking=False):
            return
        try:
            self.index.release_memory()
            self.search.release_memory()
        finally:
            self._tick_lock.release()

    def __enter__(self) -> Reactor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- host-facing API ------------------------------------------------------------------
    def add_doc_listener(self, listener: Callable[[str], object]) -> None:
        """``listener(rel)`` runs after ``rel``'s doc was written, moved (both paths) or
        removed by this reactor, on the thread that did it (a tick's, a batch run's): the
        search index and an MCP server's resource notifications follow the docs this way."""
        self._doc_listeners.append(listener)

    def docs_changed(self, status: str, path: str | None, reason: str = "") -> None:
        """Tell the listeners of a unit of work that changed docs (see :data:`DOC_CHANGES`;
        a move's ``reason`` is ``from <old path>``). A failing listener is logged, never
        allowed to fail the work that was done."""
        if status not in DOC_CHANGES or path is None:
            return
        paths = [path, reason[5:]] if status == "moved" and reason.startswith("from ") else [path]
        for rel in paths:
            for listener in self._doc_listeners:
                try:
                    listener(rel)
                except (OSError, sqlite3.Error) as exc:  # the disk, or the repo gone meanwhile
                    log.warning("doc listener %r failed for %s: %s", listener, quote_path(rel), exc)
                except Exception:
                    log.exception("doc listener %r failed for %s", listener, quote_path(rel))

    def note_work(self) -> None:
        """The host did high-priority work just now: hold docgen off for ``idle_after_seconds``."""
        self.idle.note_work()

    def notify(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        """The host saw these files change (absolute, or relative to the repo root).

        For hosts that run their own watcher (``Reactor.open(..., watch=False)``): the paths
        go through the same policy and dirty set as the reactor's own events. Paths outside
        the repo and non-sources are ignored.
        """
        for path in paths:
            rel = self._relative(path)
            if rel is None:
                continue
            folder, _, name = rel.rpartition("/")
            if name == ".gitignore" or is_manifest(name):
                self.notify_rescan(folder)  # new rules, or imports that resolve anew
            if name != ".gitignore" and self.policy.reason_to_skip(rel) is None:
                self.dirty.add(rel)

    def notify_rescan(self, subtree: str | os.PathLike[str] = "") -> None:
        """Rescan ``subtree`` (``""``: the whole repo) in budgeted slices: for lost events, a
        directory moved in or out, or a changed ``.gitignore``."""
        rel = self._relative(subtree) if str(subtree) else ""
        if rel is not None:
            self.policy.forget_gitignore(rel)
            self.dirty.add_tree(rel)

    def refresh_index(
        self, *, under: str = "", progress: Callable[[str], object] | None = None
    ) -> RefreshStats:
        """Bring the index up to date now, in one call (an embedder's startup, benchmarks).

        It takes as long as the whole walk; the ticks do the same work in slices of
        ``tick_budget_ms`` when this is not called. Docs of removed sources are left to the
        ticks (tombstones), as for every other way the index learns of a removal.
        """
        stats = self._make_scan(under, progress=progress).run()
        if under == "":
            self.scheduler.scan = None  # a slice in progress is superseded
            self.scheduler.whole_repo_indexed()
        return stats

    def seconds_until_due(self) -> float | None:
        """How long a host loop may sleep before a tick has work without a new event
        (a retry coming due, a settling change, a scan in progress); ``None``: until an event."""
        return self.scheduler.seconds_until_due()

    def status(self, *, refresh_index: bool = True, scope: list[str] | None = None) -> StatusReport:
        """Where every source's doc stands, what is skipped and failing (only under the
        repo-relative ``scope`` paths, when given). Never touches the docs."""
        if refresh_index:
            self._make_scan("").run()
            self.worker.regraph(float("inf"))  # what changed neighbours outdate, now
        report = compute_status(self.index, self.docs, scope)
        if self.config.pages:
            report.pages = self.pages.counts(scope)
        report.backend = self.backend.describe()
        report.extra["backend_health"] = self.backend.health()
        rag = RagIndex.find(self.root)
        report.extra["candidates"] = rag.describe() if rag else f"reactor index ({DB_PATH})"
        report.extra["require_rag_fresh"] = self.config.require_rag_fresh
        if hasattr(self.backend, "prompt_tokens"):
            report.extra["backlog_prompt_tokens"] = self._backlog_prompt_tokens(
                report.stale_paths + report.missing_paths
            )
        if self.watcher is not None:  # this process watches (an embedding host)
            report.extra["watch"] = {
                "running": True,
                "pid": os.getpid(),
                "mode": self.watcher.mode,
                "watched_dirs": self.watcher.watched_dirs,
                "fallback": self.watcher.fallback_reason,
            }
        else:
            report.extra["watch"] = watch_state(self.root)
        return report

    def _backlog_prompt_tokens(self, paths: list[str]) -> int:
        """The estimated prompt tokens of documenting ``paths`` (secrets are never read: the
        observation asks the policy first)."""
        count = self.backend.prompt_tokens  # type: ignore[attr-defined]
        total = 0
        for rel in paths:
            obs = observe(self.policy, rel)
            if obs.data is not None:
                request = self.generator.request(rel, obs.sha256, obs.data, self.index.facts(rel))
                total += int(count(request))
        return total

    def generate(
        self,
        paths: Iterable[str] | None = None,
        *,
        force: bool = False,
        prune: bool = False,
        progress: Callable[[Outcome], None] | None = None,
        wait_seconds: float = 0.0,
        jobs: int | None = None,
    ) -> list[Outcome]:
        """Batch generation under the docgen lock.

        ``paths`` are repo-relative files or directories; ``None`` means every source. Waits up
        to ``wait_seconds`` for the lock (a daemon tick holds it for one file, and yields it to
        a waiting run at the end of that tick) and for LLMC's own batch lock, then raises
        :class:`LockHeld`. Holding the lock, it also removes temp files a crash left behind and
        the docs of sources that left the index — unless more would go at once than the brake
        allows (see :mod:`reactor.docs`); ``prune`` confirms such a removal, and also removes
        docs of ours whose source the index never knew. ``jobs`` (default: the config's
        ``concurrency``) backend calls run at once for a model backend, the rest of each
        file's way one at a time (see :func:`reactor.concurrent.document_all`).
        """
        deadline = time.monotonic() + wait_seconds
        batch_lock = self.root / LLMC_BATCH_LOCK
        with self.generator.guard():  # a signal may end the wait
            while is_locked_elsewhere(batch_lock):
                if time.monotonic() >= deadline:
                    raise LockHeld(batch_lock, "LLMC's docgen")
                time.sleep(0.05)  # flock has no timed wait for another process's lock
            self.lock.acquire(timeout_seconds=max(0.0, deadline - time.monotonic()))
        try:
            self._use_backend()
            self.docs.remove_temp_files()
            with self.generator.guard():  # a signal may end a long first scan
                self._make_scan("").run()
            outcomes: list[Outcome] = []

            def done(outcome: Outcome | None) -> None:
                assert outcome is not None  # a batch run always says what happened
                log.debug("%s %s %s", outcome.status, quote_path(outcome.path), outcome.reason)
                self.docs_changed(outcome.status, outcome.path, outcome.reason)
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)  # (it may raise to stop the run)

            for removal in self._settle_removals(prune=prune):
                done(removal)
            files = self.expand(paths)
            for rel in files:
                if not utf8_name(rel):  # a name the index cannot even look up: said, not tried
                    done(Outcome(rel, "skipped", NOT_UTF8))
            files = [rel for rel in files if utf8_name(rel)]
            jobs = self.config.concurrency if jobs is None else jobs
            if jobs > 1 and not self.backend.cheap and len(files) > 1:
                document_all(self.worker, self.generator, files, jobs=jobs, force=force, done=done)
            else:
                for rel in files:
                    done(self.worker.document(rel, force=force, batch=True, refresh=True))
            self.pages.write_all(prune=prune)  # after every file doc, as the ticks do
            return outcomes
        finally:
            self.lock.release()

    def _settle_removals(self, *, prune: bool) -> list[Outcome]:
        """Remove the docs of sources that left the index, all at once, if the brake allows
        it (or ``prune`` confirms it; then docs of ours the index never knew go too)."""
        if prune:  # a whole pass over the output dir (after the rest of one under way)
            if self.scheduler.sweep_active:
                self.worker.sweep_step(float("inf"))
            self.worker.sweep_step(float("inf"))
        pending = self.index.removals_pending()
        total = self.index.docs_known()
        if not prune and removal_held(pending, total):
            self.scheduler.held_back = pending
            log.warning(
                "not removing %d docs whose sources are gone: more than %s at once (a changed "
                "include/exclude or output_dir?). Run `reactor generate --prune` if those "
                "sources really are gone",
                pending,
                brake_rule(total),
            )
            return []
        self.scheduler.held_back = 0
        removed = []
        for tombstone in self.index.tombstones(limit=self.index.tombstone_count()):
            if self.worker.settle_tombstone(tombstone) is not None:
                removed.append(Outcome(tombstone.path, "removed", "source gone"))
        return removed

    def expand(self, paths: Iterable[str] | None) -> list[str]:
        """Repo-relative files and directories → the files to process, in path order (every
        indexed source, skipped ones too, so a batch run names what it could not document)."""
        indexed = [row.path for row in self.index.all_rows()]
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

        Never raises for a per-file problem, nor for the disk (full, read-only, failing: the
        tick reports ``io_error`` and the next one tries again); raises :class:`RepoGone` if the
        repository itself was removed, since nothing can be documented any more.
        """
        if not os.path.isdir(self.policy.root_str):
            raise RepoGone(self.root)
        if not (self.config.enabled and self.config.daemon_enabled):
            return TickResult(False, "disabled")
        if not self.idle.is_idle():
            return TickResult(False, "busy")
        if self.scheduler.backoff.backend_paused():
            return TickResult(False, "backend_down")
        if is_locked_elsewhere(self.root / LLMC_BATCH_LOCK):  # LLMC's own batch run
            return TickResult(False, "locked", reason=str(LLMC_BATCH_LOCK))
        if self.lock.has_waiters():  # a manual run waits: it gets the lock now
            return TickResult(False, "locked", reason="a manual run is waiting for the lock")
        with self._tick_lock:
            try:  # the docgen lock (a manual run, or a batch in another thread) says "locked"
                with self.lock:
                    return self._tick()
            except LockHeld as exc:
                return TickResult(False, "locked", reason=str(exc))
            except (OSError, sqlite3.OperationalError) as exc:
                return self._io_error(exc)

    def _io_error(self, exc: BaseException) -> TickResult:
        """The disk failed the tick (full, read-only, EIO): say so once a minute, go on."""
        reason = reason_of(exc)
        now = self.clock()
        if reason != self._io_warned[0] or now - self._io_warned[1] >= IO_WARNING_SECONDS:
            log.warning("docgen tick for %s could not use the disk: %s", self.root, reason)
            self._io_warned = (reason, now)
        return TickResult(False, "io_error", reason=reason)

    def _use_backend(self) -> None:
        """Judge docs against this backend from now on (one read when it already is)."""
        if self.index.use_backend(digest(self.generator.identity)):
            log.debug("backend identity now %s", self.generator.identity)

    def _tick(self) -> TickResult:
        deadline = time.perf_counter() + self.config.tick_budget_ms / 1000
        self._use_backend()
        self._report_dropped()
        # a cheap backend's whole tick is one commit (its doc, its row, its search entry): the
        # index's write lock is held for milliseconds, and each autocommit cost as much again
        batch = self.index.write() if self.backend.cheap else contextlib.nullcontext()
        done: list[TickResult] = []
        try:
            with batch:
                result = self._run_jobs(deadline, done)
        except RagBusy as exc:
            result = TickResult(False, "rag_busy", reason=str(exc))
        for unit in done:  # once committed: a listener may write through its own connection
            self.docs_changed(unit.status, unit.path, unit.reason)
        return result

    def _run_jobs(self, deadline: float, done: list[TickResult]) -> TickResult:
        """The scheduler's units in order until one does work (restoring from the doc cache
        is cheap: the tick goes on while its budget lasts); each unit that did work is added
        to ``done``."""
        for job in self.scheduler.jobs(self._make_scan, deadline):
            result = self.worker.run(job, deadline)
            if result is None:
                continue
            done.append(result)
            if result.status != "restored" or time.perf_counter() >= deadline:
                return result
        return done[-1] if done else TickResult(False, "idle")

    def _make_scan(self, under: str, *, progress: Callable[[str], object] | None = None) -> Scan:
        return Scan(
            self.index,
            self.policy,
            self.resolver,
            under=under,
            progress=progress,
            docs=self.docs,
        )

    def _report_dropped(self) -> None:
        if self.dirty.dropped > self._dropped_reported:
            log.warning(
                "more than %d changed paths pending; %d events folded into a rescan",
                self.dirty.max_entries,
                self.dirty.dropped - self._dropped_reported,
            )
            self._dropped_reported = self.dirty.dropped

    # -- helpers --------------------------------------------------------------------------
    def _relative(self, path: str | os.PathLike[str]) -> str | None:
        """A repo-relative POSIX path, or ``None`` for a path outside the repo."""
        text = os.fspath(path)
        if not os.path.isabs(text):
            return text.strip("/") if text not in (".", "") else ""
        if text == self.policy.root_str:
            return ""
        prefix = self.policy.root_str + os.sep
        return text[len(prefix) :] if text.startswith(prefix) else None

    def _rag_gate(self, rel: str, sha256: str) -> str | None:
        """LLMC's gate: with a RAG index present, its row must carry the current SHA-256."""
        rag = RagIndex.find(self.root)
        if rag is None:
            return None
        try:
            return rag.gate(rel, sha256)
        except RagBusy:
            return "RAG index busy"
