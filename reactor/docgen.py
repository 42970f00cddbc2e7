"""Generate one file's doc: the policy every caller shares (CLI batch runs and idle ticks).

Order of checks for one file: path policy (secrets refused) → the disk, not the index, decides
the current content → freshness by the doc's ``SHA256:`` line → backend → header added by us →
atomic write → index bookkeeping → the log line of DESIGN.md. Failures are counted per content
hash so the reactor can back off and stop retrying a file that keeps failing until it changes.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .backends import Backend, DocRequest, Generated
from .docs import DocStore, header_line
from .errors import BackendError, BackendUnavailable, UnsafePath
from .graph import format_context
from .index import FileIndex, FileRow, Synced
from .policy import SourcePolicy, looks_binary

log = logging.getLogger("reactor")

#: After this many failures for the same content the file waits until its content changes.
MAX_ATTEMPTS_PER_HASH = 5
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class Outcome:
    """What happened to one file.

    ``status`` is one of ``generated``, ``fresh`` (already up to date), ``noop`` (the backend
    declined), ``skipped`` (not a documentable source now: gone, binary, too large, refused),
    ``deferred`` (LLMC's RAG gate holds it back for now; not a failure) or ``failed`` (backend
    or write error; ``failures`` counts the failures for this content, which sets the backoff).
    """

    path: str
    status: str
    reason: str = ""
    failures: int = 0


def printable(rel: str) -> str:
    """``rel`` for a log line: control characters (a newline in a file name) escaped, so one
    event stays one line and a hostile name cannot forge log entries."""
    if rel.isprintable():
        return rel
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in rel)


def backoff_seconds(failures: int) -> float:
    """Delay before retry number ``failures + 1``: 30 s, 60 s, 120 s, … capped at an hour."""
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(failures - 1, 0), BACKOFF_MAX_SECONDS))


class DocGenerator:
    """Documents single files of one repo with one backend.

    It keeps no schedule: whether and when a file is tried again is the scheduler's business
    (:mod:`reactor.scheduler`); the failure count per content hash lives in the index, so it
    survives restarts and is shared with ``reactor generate``.
    """

    def __init__(
        self,
        *,
        policy: SourcePolicy,
        index: FileIndex,
        docs: DocStore,
        backend: Backend,
        gate: Callable[[str, str], str | None] | None = None,
    ):
        self.policy = policy
        self.gate = gate
        self.index = index
        self.docs = docs
        self.backend = backend

    @property
    def root(self) -> Path:
        return self.policy.root

    def is_fresh(self, row: FileRow) -> bool:
        """Whether ``row``'s doc carries its SHA-256; the header seen is noted in the index."""
        try:
            header = self.docs.header(row.path)
        except UnsafePath:
            return True  # never a candidate: writing it would be refused anyway
        if header != row.doc_sha256:
            self.index.note_doc(row.path, header)
        return header == row.sha256

    def gate_reason(self, rel: str, sha256: str) -> str | None:
        """Why ``rel`` may not be documented yet (LLMC's RAG gate); ``None``: go ahead."""
        return self.gate(rel, sha256) if self.gate is not None else None

    # -- the one-file pipeline ------------------------------------------------------------
    def generate(self, rel: str, *, force: bool = False) -> Outcome:
        """Make ``rel``'s doc fresh (or say why not). Raises only :class:`BackendUnavailable`.

        For a path named from outside (the CLI, a batch): the policy decides first, so a
        secret is refused before anything reads it.
        """
        reason = self.policy.reason_to_skip(rel)
        if reason is not None:
            return Outcome(rel, "skipped", reason)
        return self.generate_synced(self.index.sync_file(self.policy, rel), rel, force=force)

    def generate_synced(self, synced: Synced, rel: str, *, force: bool = False) -> Outcome:
        """Generate from a path the caller has just synced with the disk (policy included).

        The bytes the sync read (when the content changed) are reused: one read and one hash
        per generated file.
        """
        row = synced.row
        if row is None:
            st = self.policy.stat_source(rel)
            return Outcome(rel, "skipped", st if isinstance(st, str) else "not a source")
        if row.binary:
            return Outcome(rel, "skipped", "binary file")
        try:
            if not force and self.docs.header(rel) == row.sha256:
                return Outcome(rel, "fresh")
            data = synced.data if synced.data is not None else self._read_source(rel)
        except (UnsafePath, OSError) as exc:
            # unreadable now (permission denied, replaced, vanished): a failure, so it is backed
            # off like any other instead of being picked again on every sweep
            return self._failed(row, _reason(exc))
        if synced.data is not None:
            sha256 = row.sha256  # hashed by the sync, from these very bytes
        else:
            if looks_binary(data):
                return Outcome(rel, "skipped", "binary file")
            sha256 = hashlib.sha256(data).hexdigest()
        gated = self.gate_reason(rel, sha256)
        if gated is not None:
            return Outcome(rel, "deferred", gated)
        try:
            result = self.backend.generate(self.request(rel, sha256, data))
            if not isinstance(result, Generated):
                self.index.record_result(
                    rel,
                    f"noop: {result.reason}",
                    failures=MAX_ATTEMPTS_PER_HASH,
                    failed_blake3=row.blake3,
                )  # declined for this content: do not ask again until it changes
                return Outcome(rel, "noop", result.reason)
            body = result.body if result.body.startswith("\n") else "\n" + result.body
            if not body.strip():
                raise BackendError(self.backend.name, "empty doc")
            self.docs.write(rel, header_line(sha256) + body.rstrip("\n") + "\n")
        except BackendUnavailable:
            raise
        except (BackendError, UnsafePath, OSError) as exc:
            return self._failed(row, _reason(exc))
        self.index.record_result(rel, "generated")
        self.index.note_doc(rel, sha256)
        log.info("📝 [Docgen] Generated doc for %s", printable(rel))
        return Outcome(rel, "generated")

    def request(self, rel: str, sha256: str, data: bytes) -> DocRequest:
        """What the backend is given for ``rel``: the LLMC shell protocol's fields."""
        return DocRequest(
            repo_root=self.root,
            relative_path=rel,
            file_sha256=sha256,
            source_contents=data.decode("utf-8", errors="replace"),
            existing_doc_contents=self.docs.read(rel),
            graph_context=format_context(*self.index.neighbours(rel)),
        )

    def backlog_prompt_tokens(self, paths: list[str]) -> int | None:
        """The estimated prompt tokens of documenting ``paths`` (``None``: the backend does not
        count tokens). Secrets are never read: the policy is asked first."""
        count = getattr(self.backend, "prompt_tokens", None)
        if count is None:
            return None
        total = 0
        for rel in paths:
            if self.policy.reason_to_skip(rel) is not None:
                continue
            try:
                data = self._read_source(rel)
                total += count(self.request(rel, hashlib.sha256(data).hexdigest(), data))
            except (UnsafePath, OSError):
                continue
        return int(total)

    def _read_source(self, rel: str) -> bytes:
        """Read at most ``max_file_bytes`` of ``rel``, refusing a symlink that now escapes."""
        path = self.root / rel
        real = path.resolve()
        if not real.is_relative_to(self.root):
            raise UnsafePath(rel, "symlink leaving the repo")
        limit = self.policy.config.max_file_bytes
        with open(real, "rb") as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise OSError(f"larger than max_file_bytes ({limit})")
        return data

    def _failed(self, row: FileRow, reason: str) -> Outcome:
        failures = row.failures + 1 if row.failed_blake3 == row.blake3 else 1
        self.index.record_result(
            row.path, f"failed: {reason}", failures=failures, failed_blake3=row.blake3
        )
        return Outcome(row.path, "failed", reason, failures=failures)


def exhausted(row: FileRow) -> bool:
    """True when ``row`` used up its attempts (or was declined) for its current content."""
    return row.failed_blake3 == row.blake3 and row.failures >= MAX_ATTEMPTS_PER_HASH


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {os.fsdecode(exc.filename) if exc.filename else ''}".rstrip(": ")
    return str(exc)
