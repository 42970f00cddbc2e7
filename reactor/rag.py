"""LLMC's RAG index as a read-only candidate source and freshness gate.

LLMC's RAG service keeps an SQLite index whose ``files`` table lists every file it indexed
(``id INTEGER PRIMARY KEY, path TEXT UNIQUE, lang, file_hash`` = SHA-256 hex of the bytes,
``size``, ``mtime``, ``sidecar_path``). In such a repo the reactor samples that table instead of
its own and, with ``require_rag_fresh``, documents a file only when its RAG row has the current
SHA-256 (LLMC's gate).

The database belongs to the RAG service: it is opened read-only (``mode=ro``) for each short
query and closed again, never written, never held open across ticks (a rebuilt file is picked up
at once), and a busy database is not waited on for more than a few milliseconds:
:class:`RagBusy` makes the tick skip instead.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ReactorError

#: Where LLMC keeps its RAG index, newest layout first.
RAG_DB_PATHS = (Path(".llmc/rag/index_v2.db"), Path(".llmc/index_v2.db"), Path(".rag/index_v2.db"))
_RAG_DB_STRS = tuple(p.as_posix() for p in RAG_DB_PATHS)
BUSY_TIMEOUT_MS = 5


class RagBusy(ReactorError):
    """The RAG database is locked or being rebuilt right now; try on a later tick."""


@dataclass(frozen=True)
class RagRow:
    """A candidate from the RAG index (``path`` relative to the repo root)."""

    id: int
    path: str


class RagIndex:
    """Read-only access to one repo's LLMC RAG ``files`` table."""

    def __init__(self, repo_root: Path, db_path: Path):
        self.root = repo_root
        self.db_path = db_path
        self._root_prefix = str(repo_root) + "/"

    @classmethod
    def find(cls, repo_root: Path) -> RagIndex | None:
        """The repo's RAG index if one exists (newest layout first). Asked on every tick:
        three ``stat`` calls, no path objects."""
        root = str(repo_root)
        for rel in _RAG_DB_STRS:
            if os.path.isfile(f"{root}/{rel}"):
                return cls(repo_root, repo_root / rel)
        return None

    def describe(self) -> str:
        return f"LLMC RAG index ({self.db_path.relative_to(self.root)})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(
                f"{self.db_path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as exc:
            raise RagBusy(str(exc)) from None
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield db
        except sqlite3.OperationalError as exc:  # locked, busy, or mid-rebuild
            raise RagBusy(str(exc)) from None
        finally:
            db.close()

    def _relative(self, path: str) -> str:
        return path[len(self._root_prefix) :] if path.startswith(self._root_prefix) else path

    # -- the candidate-source interface of :class:`~reactor.sampler.Sampler` ---------------
    def max_id(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT coalesce(max(id), 0) FROM files").fetchone()[0])

    def rows_after(self, after_id: int, limit: int) -> list[RagRow]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, path FROM files WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
            ).fetchall()
        return [RagRow(int(i), self._relative(str(p))) for i, p in rows]

    # -- the gate -----------------------------------------------------------------------
    def file_hash(self, rel: str) -> str | None:
        """The ``file_hash`` LLMC recorded for ``rel`` (``None``: not indexed)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT file_hash FROM files WHERE path IN (?, ?) LIMIT 1",
                (rel, self._root_prefix + rel),
            ).fetchone()
        return str(row[0]) if row and row[0] else None

    def gate(self, rel: str, sha256: str) -> str | None:
        """Why ``rel`` may not be documented yet under ``require_rag_fresh`` (``None``: go)."""
        recorded = self.file_hash(rel)
        if recorded is None:
            return "not indexed in the RAG index yet"
        if recorded.lower() != sha256:
            return "RAG index stale for this file"
        return None
