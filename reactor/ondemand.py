"""On demand: what an agent asks of a running reactor — a doc made fresh now, the repo map, a
search, a file's neighbours, the counts.

The MCP server (:mod:`reactor.mcp_server`) and ``reactor map`` are thin layers over this, as the
CLI is over :class:`~reactor.Reactor`; everything here is plain Python, callable from any thread
while the reactor ticks on its own (a doc is written under the docgen lock, as a tick writes).

A path an agent names is judged before anything is read: outside the repo (``..``, an absolute
path elsewhere, a symlink leading out), a secret, an ignored or generated file, a directory that
is not a source directory — each is refused with a :class:`NotAnswerable` that says which, never
read. A doc asked for that is missing, stale or outdated is made now: with a cheap backend (the
outline) at once; with a model, in a job that goes before the ticks' queue, waited for up to
``wait_seconds`` — past that, the facts' outline is returned, marked as such, and the doc comes
when the job is done (a resource update says so).
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from .backends import Generated
from .backends.outline import OutlineBackend
from .docgen import Outcome
from .errors import LockHeld, ReactorError, UnsafePath
from .facts import extract
from .graph import neighbours
from .observe import Observation, observe
from .policy import NotSource
from .reactor import Reactor
from .repomap import DEFAULT_TOKENS, RepoMap, RepoMapper
from .search import Hit

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 20.0
#: How often a waiting job looks up from the lock to see whether the server is stopping.
JOB_POLL_SECONDS = 0.25
#: How often a question that needs the whole index looks whether the first index is done.
INDEX_POLL_SECONDS = 0.02


class NotAnswerable(ReactorError):
    """A question about a path that cannot be answered, and why (outside the repo, a secret,
    not a source, ...): an error the agent reads, never a traceback."""

    exit_code = 2


@dataclass(frozen=True)
class DocAnswer:
    """A doc as handed out. ``was``: its state when asked (``fresh``, ``outdated``, ``stale``,
    ``missing``); ``state``: as handed out; ``source``: ``doc`` (the doc file) or ``outline``
    (the facts' outline, made in memory because the model's doc is not ready: ``note`` says
    why)."""

    path: str
    state: str
    was: str
    source: str
    text: str
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "path": self.path,
            "state": self.state,
            "was": self.was,
            "source": self.source,
            "note": self.note,
            "doc": self.text,
        }


class OnDemand:
    """Answers for one open :class:`Reactor` (see the module docstring)."""

    def __init__(
        self, reactor: Reactor, *, wait_seconds: float = DEFAULT_WAIT_SECONDS, ticking: bool
    ):
        """``ticking``: the reactor's ticks run (a service thread), and they bring the index up
        to date; else the first question that needs the whole index refreshes it here."""
        self.reactor = reactor
        self.wait_seconds = wait_seconds
        self.ticking = ticking
        self._refresh_lock = threading.Lock()
        self._jobs: dict[str, Future[Outcome | None]] = {}
        self._jobs_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.mapper = RepoMapper(reactor.index)

    def close(self) -> None:
        """Stop the jobs that wait for the lock; one in a backend call is left to finish."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=2 * JOB_POLL_SECONDS)

    # -- paths ----------------------------------------------------------------------------
    def resolve(self, path: str) -> str:
        """``path`` (repo-relative, or absolute inside the repo) as a clean repo-relative one
        (``""``: the root), or :class:`NotAnswerable` when it leads outside the repo."""
        text = path.strip()
        root = self.reactor.policy.root_str
        if not text or "\0" in text:
            raise NotAnswerable(f"not a path: {path!r}")
        if os.path.isabs(text):
            if text != root and not text.startswith(root + os.sep):
                raise NotAnswerable(f"{text} is outside the repository {root}")
            text = text[len(root) :] or "."
        rel = posixpath.normpath(text.replace(os.sep, "/")).strip("/")
        if rel == ".." or rel.startswith("../"):
            raise NotAnswerable(f"{path} is outside the repository {root}")
        rel = "" if rel == "." else rel
        real = os.path.realpath(os.path.join(root, rel))
        if real != root and not real.startswith(root + os.sep):
            raise NotAnswerable(f"{path} leads outside the repository (a symlink)")
        return rel

    def _directory(self, rel: str) -> NotAnswerable:
        """Why a directory has no page to give."""
        shown = rel or "the repository root"
        if not self.reactor.policy.dir_allowed(rel):
            return NotAnswerable(
                f"{shown} is not a source directory (ignored, excluded, or the reactor's own)"
            )
        why = "pages are off (pages = false)" if not self.reactor.config.pages else "no source"
        return NotAnswerable(
            f"{shown} is a directory with no page ({why}); ask get_doc for a file in it, or "
            f"repo_map with focus [{rel or '.'!r}]"
        )

    def source(self, path: str) -> str:
        """``path`` as the repo-relative path of a source, or why it is not one."""
        rel = self.resolve(path)
        if self._is_directory(rel):
            raise self._directory(rel)
        st = self.reactor.policy.source_stat(rel)
        if isinstance(st, NotSource):
            raise NotAnswerable(f"{rel}: not a source: {st.reason}")
        return rel

    # -- docs -----------------------------------------------------------------------------
    def _is_directory(self, rel: str) -> bool:
        return rel == "" or os.path.isdir(os.path.join(self.reactor.policy.root_str, rel))

    def get_doc(self, path: str) -> DocAnswer:
        """The doc of a source, or the page of a source directory, fresh (see the module
        docstring)."""
        rel = self.resolve(path)
        if self._is_directory(rel):
            page = (
                self.reactor.pages.page_for(rel) if self.reactor.policy.dir_allowed(rel) else None
            )
            if page is None:
                raise self._directory(rel)
            return DocAnswer(rel or ".", "fresh", "fresh", "page", page)
        rel = self.source(path)
        reactor = self.reactor
        row = reactor.index.get(rel)
        obs = observe(reactor.policy, rel, row.known if row is not None else None)
        if obs.state == "gone":
            raise NotAnswerable(f"{rel}: not a source: {obs.detail}")
        if obs.state == "skipped":
            raise NotAnswerable(f"{rel} is not documented: {obs.detail}")
        sha256 = obs.sha256 if obs.hashed else (row.sha256 if row is not None else "")
        try:
            doc = reactor.docs.inspect(rel)
        except UnsafePath as exc:
            raise NotAnswerable(str(exc)) from None
        if doc.in_the_way is not None:
            raise NotAnswerable(f"{rel} has no doc of ours: {doc.in_the_way}")
        if doc.kind == "absent":
            was = "missing"
        elif doc.sha256 != sha256:
            was = "stale"
        elif row is not None and row.outdated and obs.state == "unchanged":
            was = "outdated"
        else:
            was = "fresh"
        if was == "fresh":
            text = reactor.docs.read(rel)
            if text is not None:
                return DocAnswer(rel, "fresh", was, "doc", text)
        outcome, note = self._made_now(rel)
        if outcome is not None and outcome.status in ("generated", "restored", "moved", "fresh"):
            text = reactor.docs.read(rel)
            if text is not None:
                return DocAnswer(rel, "fresh", was, "doc", text)
        if outcome is not None and outcome.status in ("skipped", "noop", "deferred"):
            raise NotAnswerable(f"{rel} is not documented: {outcome.reason or outcome.status}")
        if outcome is not None and outcome.status == "failed":
            note = f"the backend failed ({outcome.reason}); this is the outline of its facts"
        return DocAnswer(rel, was, was, "outline", self._outline(rel, obs), note)

    def _made_now(self, rel: str) -> tuple[Outcome | None, str]:
        """Document ``rel`` now: the outline in this thread, a model in a job that goes first
        and is waited for up to ``wait_seconds`` (``None``: not done in time, and why)."""
        if self.reactor.backend.cheap:
            try:
                return self._document(rel, timeout_seconds=self.wait_seconds), ""
            except LockHeld:
                return None, "another run holds the docgen lock; this is the outline of its facts"
        job = self._job(rel)
        try:
            return job.result(timeout=self.wait_seconds), ""
        except FutureTimeout:
            return None, (
                f"the backend is busy; {rel}'s doc is being made next (a resource update "
                "follows); this is the outline of its facts"
            )

    def _document(self, rel: str, *, timeout_seconds: float) -> Outcome | None:
        reactor = self.reactor
        reactor.lock.acquire(timeout_seconds=timeout_seconds)
        try:
            outcome = reactor.worker.document(rel, batch=True, refresh=True)
        finally:
            reactor.lock.release()
        if outcome is not None:
            reactor.docs_changed(outcome.status, outcome.path, outcome.reason)
        return outcome

    def _job(self, rel: str) -> Future[Outcome | None]:
        """The job documenting ``rel`` with the model: one per path at a time, waiting for the
        lock as a declared waiter (a tick yields to it at its end)."""
        with self._jobs_lock:
            job = self._jobs.get(rel)
            if job is not None and not job.done():
                return job
            job = self._jobs[rel] = Future()
            thread = threading.Thread(
                target=self._run_job, args=(rel, job), name=f"reactor-doc {rel}", daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return job

    def _run_job(self, rel: str, job: Future[Outcome | None]) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    job.set_result(self._document(rel, timeout_seconds=JOB_POLL_SECONDS))
                    return
                except LockHeld:
                    continue
            job.cancel()
        except BaseException as exc:  # the waiter reports it; nothing is lost here
            job.set_exception(exc)

    def _outline(self, rel: str, obs: Observation) -> str:
        """The outline of ``rel``'s facts, made in memory (no write), with its neighbours."""
        reactor = self.reactor
        if obs.data is None:
            obs = observe(reactor.policy, rel)
        if obs.data is None:
            raise NotAnswerable(f"{rel} cannot be read now: {obs.detail}")
        row = reactor.index.get(rel)
        facts = reactor.index.facts(rel) if row is not None and row.blake3 == obs.blake3 else None
        facts = facts or extract(rel, obs.data)
        request = reactor.generator.request(rel, obs.sha256, obs.data, facts)
        result = OutlineBackend().generate(request)
        assert isinstance(result, Generated)  # the outline always writes a page
        return result.body

    # -- the rest -------------------------------------------------------------------------
    def whole_index(self) -> str:
        """Wait, up to ``wait_seconds``, for the first index of the repo in this process to be
        done (a map or a count over part of the repo misleads); ``""``, or what to say when
        the answer covers the files indexed so far."""
        scheduler = self.reactor.scheduler
        if scheduler.first_build_done:
            return ""
        if not self.ticking:  # nobody else brings it up to date in this process
            with self._refresh_lock:
                if not scheduler.first_build_done:
                    try:  # (under the docgen lock: never beside a doc made on demand)
                        self.reactor.lock.acquire(timeout_seconds=self.wait_seconds)
                    except LockHeld:
                        return "another run holds the docgen lock: this is the index as it was"
                    try:
                        self.reactor.refresh_index()
                    finally:
                        self.reactor.lock.release()
            return ""
        deadline = time.monotonic() + self.wait_seconds
        while not scheduler.first_build_done:  # (the ticks' scan sets it; no event to wait on)
            if time.monotonic() >= deadline or self._stopping.is_set():
                counted = self.reactor.index.count()
                return (
                    f"still indexing the repo: this covers the {counted:,} sources indexed so far"
                )
            time.sleep(INDEX_POLL_SECONDS)
        return ""

    def neighbours(self, path: str) -> dict[str, Any]:
        """What ``path`` imports (with the signatures of the names it uses) and what imports
        it (with the names those use), as the index has it."""
        rel = self.source(path)
        if self.reactor.index.get(rel) is None:
            raise NotAnswerable(f"{rel} is not indexed yet (a new file): ask again in a moment")
        imports, importers = neighbours(self.reactor.index, rel)
        return {
            "path": rel,
            "imports": [{"path": n.path, "uses": list(n.shown)} for n in imports],
            "imported_by": [{"path": n.path, "uses": list(n.shown)} for n in importers],
        }

    def repo_map(
        self, *, max_tokens: int = DEFAULT_TOKENS, focus: list[str] | None = None
    ) -> RepoMap:
        """The ranked map (:mod:`reactor.repomap`); focus paths are taken repo-relative."""
        cleaned = []
        for item in focus or []:
            with contextlib.suppress(NotAnswerable):  # (not a path: a name)
                item = self.resolve(item)
            if item:  # (the root: the whole repo, no focus)
                cleaned.append(item)
        return self.mapper.build(max_tokens=max_tokens, focus=cleaned)

    def search_docs(self, query: str, *, limit: int = 10) -> list[Hit]:
        return self.reactor.search.search(query, limit=limit)

    def status(self) -> dict[str, Any]:
        """The counts ``reactor status --json`` gives, from the index as the watcher keeps it."""
        return self.reactor.status(refresh_index=False).to_json()

    def documented(self, *, after: str = "", limit: int = 1000) -> list[str]:
        """Sources that have a doc of ours, in path order, after ``after`` (a page of them)."""
        rows = self.reactor.index.read(
            "SELECT path FROM files WHERE doc_sha256 IS NOT NULL AND path > ? ORDER BY path"
            " LIMIT ?",
            (after, limit),
        )
        return [path for (path,) in rows]
