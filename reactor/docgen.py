"""Generate and write: the stages of a file's way that call the backend and put the doc down.

The worker hands in a source it has observed, stored and found in need of a doc, with its bytes.
Here: LLMC's RAG gate → the request (the shell protocol's fields plus the stored facts) → the doc
cache (a doc made from this very content and these inputs before, on another branch, is restored
instead) → the backend → our ``SHA256:`` header and inputs line (:mod:`reactor.inputs`) → the
doc it replaces kept in the cache → an atomic write → what the doc was made from noted in the
index → the log line of DESIGN.md. What happens next (a retry, a backoff) is the scheduler's to
decide from the :class:`Outcome`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from .backends import Backend, DocRequest, Generated
from .doccache import DocCache
from .docs import DocStore, header_line, parse_header
from .errors import BackendError, BackendUnavailable, NotOurs, UnsafePath
from .facts import Facts
from .graph import format_context, neighbours
from .index import FileIndex
from .inputs import Inputs, parse_comment, without_comment
from .markdown import balanced
from .paths import quote_path
from .rows import DocRecord

log = logging.getLogger("reactor")


@dataclass(frozen=True)
class Outcome:
    """What happened to one file.

    ``status`` is one of ``generated``, ``restored`` (from the doc cache, no backend call),
    ``fresh`` (already up to date), ``moved`` (its doc followed a rename), ``noop`` (the backend
    declined), ``skipped`` (not documentable: ``skip``
    names the reason when the source is one — too_large, binary, unreadable, foreign — and is
    ``None`` for a path that is not a source at all), ``deferred`` (LLMC's RAG gate holds it back
    for now; not a failure) or ``failed`` (backend or write error; ``failures`` counts the
    failures for this content, which sets the backoff).
    """

    path: str
    status: str
    reason: str = ""
    failures: int = 0
    skip: str | None = None
    #: A failure that the same content would meet again: not retried until it changes.
    final: bool = False
    #: A failure of the disk (full, read-only, failing), not of the file or the backend: it
    #: counts towards no give-up, and the file is tried again as soon as the disk takes writes.
    disk: bool = False


#: Errors that say the disk refuses writes, whatever the file.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


class DocGenerator:
    """Documents single observed files of one repo with one backend."""

    def __init__(
        self,
        *,
        root: Path,
        index: FileIndex,
        docs: DocStore,
        backend: Backend,
        cache: DocCache,
        gate: Callable[[str, str], str | None] | None = None,
    ):
        self.root = root
        self.index = index
        self.docs = docs
        self.backend = backend
        self.cache = cache
        self.gate = gate
        self.identity = backend.identity()
        #: Wraps every backend call; the CLI makes it abortable by a signal (see
        #: :mod:`reactor.shutdown`), an embedding host may leave it as it is.
        self.guard: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext
        #: Why the last write failed on the disk (``None``: it takes writes). While set, each
        #: generation probes the disk first and calls no backend until a write succeeds: with
        #: a model, every call the write would throw away is paid for.
        self.disk_refuses: str | None = None

    def gate_reason(self, rel: str, sha256: str) -> str | None:
        """Why ``rel`` may not be documented yet (LLMC's RAG gate); ``None``: go ahead."""
        return self.gate(rel, sha256) if self.gate is not None else None

    def generate(self, rel: str, sha256: str, data: bytes, facts: Facts | None) -> Outcome:
        """Call the backend for ``rel`` and write its doc. Raises only
        :class:`BackendUnavailable` (the whole backend is down, not this file's fault)."""
        gated = self.gate_reason(rel, sha256)
        if gated is not None:
            return Outcome(rel, "deferred", gated)
        if self.disk_refuses is not None:
            refused = self.docs.probe_write()
            if refused is not None:
                return Outcome(
                    rel, "failed", f"the disk refuses writes: {reason_of(refused)}", disk=True
                )
            log.info(
                "the disk takes writes again (it refused: %s); docgen resumes", self.disk_refuses
            )
            self.disk_refuses = None
        try:
            request = self.request(rel, sha256, data, facts)
            inputs = Inputs.of(identity=self.identity, graph_context=request.graph_context, rel=rel)
            kept = self.cache.take(sha256, inputs.key)
            if kept is not None and parse_header(kept.split("\n", 1)[0]) == sha256:
                self._replace(rel, kept, request.existing_doc_contents)
                self._record(rel, sha256, inputs)
                log.info("restored doc for %s from the doc cache", quote_path(rel))
                return Outcome(rel, "restored")
            with self.guard():
                result = self.backend.generate(request)
            if not isinstance(result, Generated):
                return Outcome(rel, "noop", result.reason)
            # whatever wrote it (a shell script, a model), a code block it left open is closed:
            # else it would swallow the inputs line below and the doc would never be fresh
            body = balanced(without_comment(result.body))
            body = body if body.startswith("\n") else "\n" + body
            if not body.strip():
                raise BackendError(self.backend.name, "empty doc")
            doc = f"{header_line(sha256)}{body.rstrip(chr(10))}\n\n{inputs.comment()}\n"
            self._replace(rel, doc, request.existing_doc_contents)
            if result.prose is not None:
                self.index.store_prose(rel, result.prose)
        except BackendUnavailable:
            raise
        except OSError as exc:
            if exc.errno not in DISK_ERRNOS:
                return Outcome(rel, "failed", reason_of(exc))
            self.disk_refuses = reason_of(exc)
            return Outcome(
                rel, "failed", f"the disk refuses writes: {self.disk_refuses}", disk=True
            )
        except (BackendError, UnsafePath, NotOurs) as exc:
            final = isinstance(exc, BackendError) and exc.final
            return Outcome(rel, "failed", reason_of(exc), final=final)
        self._record(rel, sha256, inputs)
        log.info("📝 [Docgen] Generated doc for %s", quote_path(rel))
        return Outcome(rel, "generated")

    def _replace(self, rel: str, doc: str, previous: str | None) -> None:
        """Write ``doc``, keeping the doc it replaces in the cache (a branch switch back)."""
        if previous is not None:
            self.keep(previous)
        self.docs.write(rel, doc)

    def keep(self, doc: str) -> None:
        """Keep one of our docs in the cache, by its header and inputs line (a doc without
        them cannot be matched again, so it is not kept)."""
        sha256 = parse_header(doc.split("\n", 1)[0] + "\n")
        inputs = parse_comment(doc)
        if sha256 is not None and inputs is not None:
            self.cache.keep(sha256, inputs.key, doc)

    def _record(self, rel: str, sha256: str, inputs: Inputs) -> None:
        record = DocRecord(sha256, inputs.backend, inputs.neighbours, rel)
        self.index.record_doc(rel, record, rendered_now=True)

    def request(self, rel: str, sha256: str, data: bytes, facts: Facts | None) -> DocRequest:
        """What the backend is given for ``rel``: the LLMC shell protocol's fields, and the
        facts already extracted (so no backend parses the file again)."""
        return DocRequest(
            repo_root=self.root,
            relative_path=rel,
            file_sha256=sha256,
            source_contents=data.decode("utf-8", errors="replace"),
            existing_doc_contents=self._existing_doc(rel),
            graph_context=format_context(*neighbours(self.index, rel)),
            facts=facts,
            prose=self.index.prose(rel),
        )

    def _existing_doc(self, rel: str) -> str | None:
        """The previous doc when it is one of ours (the user's file is never sent)."""
        if self.docs.inspect(rel).kind != "ours":
            return None
        return self.docs.read(rel)


def reason_of(exc: BaseException) -> str:
    """One line for a failure: the OS's words and the file for an ``OSError``."""
    if isinstance(exc, OSError) and exc.strerror:
        where = os.fsdecode(exc.filename) if exc.filename else ""
        return f"{exc.strerror}: {where}".rstrip(": ")
    return str(exc)
