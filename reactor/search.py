"""Full-text search over the docs: SQLite FTS5 in the index, ranked by BM25.

The docs are what an agent wants to search (each one a file's purpose, API and neighbours, in
words), so they are indexed as written: the reactor tells :meth:`DocSearch.refresh` of every doc
it writes, moves or removes (a listener on the :class:`~reactor.reactor.Reactor`; queued and
indexed in batches of :data:`CATCH_UP_BATCH`, one transaction each, so a backlog of outline docs
pays one commit per batch; every search indexes what is queued first), and
:meth:`DocSearch.catch_up` indexes the docs written while nothing listened (by another tool,
before this table existed), found by comparing the SHA-256 each indexed text carried with the
index's ``doc_sha256``. A hit names the doc's path, its state as the index last saw it, and the
lines that matched.

The table is in ``.llmc/reactor.db`` (migration ``0012_doc_search``), reached through a
connection of its own, opened on first use: the index's connection and its lock stay the index's.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .docs import DocStore, parse_header
from .errors import ReactorError, UnsafePath

#: Lines shown per hit, and characters per line.
MATCHED_LINES = 5
LINE_CHARS = 200
#: BM25 column weights: a word in the path counts four times one in the text.
PATH_WEIGHT, BODY_WEIGHT = 4.0, 1.0
#: Docs indexed per batch of :meth:`DocSearch.catch_up` (one transaction each).
CATCH_UP_BATCH = 64
MAX_LIMIT = 100
#: Markers FTS5's ``highlight()`` puts around a matched token (never in a doc's text).
_OPEN, _CLOSE = "\x01", "\x02"
_WORD = re.compile(r"\w+")
_PHRASE = re.compile(r'"([^"]*)"')


class BadQuery(ReactorError):
    """A search the index cannot run (no word in it)."""

    exit_code = 2


@dataclass(frozen=True)
class Hit:
    """One matching doc: its source path, the doc's state as the index last saw it (``fresh``,
    ``outdated``, ``stale``, or ``orphaned`` when its source is gone), and the matching lines as
    ``(line number in the doc, text)``."""

    path: str
    state: str
    lines: tuple[tuple[int, str], ...]

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "state": self.state,
            "lines": [{"line": n, "text": text} for n, text in self.lines],
        }


def match_expression(query: str, *, all_terms: bool) -> str:
    """An FTS5 expression for a user's query: its ``"quoted phrases"`` and words, each quoted
    (no FTS5 operator or column filter can be smuggled in), joined by AND or OR."""
    phrases = [" ".join(_WORD.findall(p)) for p in _PHRASE.findall(query)]
    words = _WORD.findall(_PHRASE.sub(" ", query))
    terms = list(dict.fromkeys(t for t in [*phrases, *words] if t))
    if not terms:
        raise BadQuery(f"nothing to search for in {query!r}: give it a word")
    return (" AND " if all_terms else " OR ").join(f'"{t}"' for t in terms)


class DocSearch:
    """The FTS5 table of one repo's docs. Thread-safe: one connection behind a lock."""

    def __init__(self, db_path: Path, docs: DocStore):
        self.db_path = db_path
        self.docs = docs
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._cursor = 0  # the files row id catch_up() has reached
        self._queued: dict[str, None] = {}  # docs changed since the last flush, in order

    def _conn(self) -> sqlite3.Connection:
        """The connection, opened on first use (a repo whose docs never change opens none)."""
        if self._db is None:
            db = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("PRAGMA cache_size = -512")  # 512 KiB: idle hosts of many repos stay small
            self._db = db
        return self._db

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (IMMEDIATE, as the index's own)."""
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def release_memory(self) -> None:
        """Idle (:mod:`reactor.memory`): index what is queued and close the connection (the
        next write or search opens it again)."""
        self.close()

    def close(self) -> None:
        """Index what is queued, then close (a flush the disk refuses is left to
        :meth:`catch_up` at the next start: it finds the texts behind the index)."""
        with contextlib.suppress(OSError, sqlite3.Error):
            self.flush()
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- keeping it current -------------------------------------------------------------
    def refresh(self, rel: str) -> None:
        """``rel``'s doc was written, moved or removed: queued, and the queue indexed once it
        holds a batch."""
        with self._lock:
            self._queued[rel] = None
            full = len(self._queued) >= CATCH_UP_BATCH
        if full:
            self.flush()

    def flush(self) -> None:
        """Index every queued doc as it is on disk now, in one transaction."""
        with self._lock:
            queued, self._queued = list(self._queued), {}
        if not queued:
            return
        texts = [(rel, *self._read(rel)) for rel in queued]
        try:
            with self._write() as db:
                for rel, text, sha256 in texts:
                    self._store(db, rel, text, sha256)
        except BaseException:
            with self._lock:  # (kept for the next flush: nothing lost to a busy disk)
                self._queued = dict.fromkeys([*queued, *self._queued])
            raise

    def _read(self, rel: str) -> tuple[str | None, str | None]:
        """``rel``'s doc text and its header's SHA-256, or ``(None, None)`` when it is gone or
        not one of our docs."""
        try:
            text = self.docs.read(rel)
        except UnsafePath:
            return None, None
        sha256 = parse_header(text.split("\n", 1)[0] + "\n") if text is not None else None
        return (text, sha256) if sha256 is not None else (None, None)

    @staticmethod
    def _store(db: sqlite3.Connection, rel: str, text: str | None, sha256: str | None) -> None:
        row = db.execute("SELECT id FROM doc_search_rows WHERE path = ?", (rel,)).fetchone()
        if row is not None:
            db.execute("DELETE FROM doc_search WHERE rowid = ?", (row[0],))
        if text is None or sha256 is None:  # gone, or not one of our docs
            db.execute("DELETE FROM doc_search_rows WHERE path = ?", (rel,))
            return
        cur = db.execute(
            "INSERT INTO doc_search_rows (path, sha256) VALUES (?, ?)"
            " ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256 RETURNING id",
            (rel, sha256),
        )
        rowid = cur.fetchone()[0]
        db.execute(
            "INSERT INTO doc_search (rowid, path, body) VALUES (?, ?, ?)", (rowid, rel, text)
        )

    def catch_up(self, *, deadline: float = float("inf")) -> bool:
        """Bring the table in line with the docs the index knows, in batches, until done (True)
        or ``deadline`` (``time.monotonic()``; call again to go on): docs never indexed or
        since replaced are indexed, texts of sources that have no doc any more dropped."""
        if self._cursor == 0:
            self._drop_unknown()
        while True:
            with self._lock:
                rows = (
                    self._conn()
                    .execute(
                        "SELECT f.id, f.path FROM files f"
                        " LEFT JOIN doc_search_rows s ON s.path = f.path"
                        " WHERE f.id > ? AND f.doc_sha256 IS NOT NULL"
                        " AND s.sha256 IS NOT f.doc_sha256 ORDER BY f.id LIMIT ?",
                        (self._cursor, CATCH_UP_BATCH),
                    )
                    .fetchall()
                )
            if not rows:
                self._cursor = 0
                return True
            for file_id, rel in rows:
                self.refresh(rel)
                self._cursor = file_id
            self.flush()
            if time.monotonic() >= deadline:
                return False

    def _drop_unknown(self) -> None:
        """Drop the texts of paths the index knows no doc of (an orphan's removal missed)."""
        unknown = (
            "SELECT s.id FROM doc_search_rows s LEFT JOIN files f ON f.path = s.path"
            " WHERE f.doc_sha256 IS NULL"
        )
        with self._write() as db:
            db.execute(f"DELETE FROM doc_search WHERE rowid IN ({unknown})")
            db.execute(f"DELETE FROM doc_search_rows WHERE id IN ({unknown})")

    # -- searching ----------------------------------------------------------------------
    def search(self, query: str, *, limit: int = 10) -> list[Hit]:
        """Docs matching ``query``, best first: those with every term (BM25-ranked), then those
        with some of them; ``limit`` at most :data:`MAX_LIMIT`."""
        limit = max(1, min(limit, MAX_LIMIT))
        with contextlib.suppress(OSError, sqlite3.OperationalError):  # (a full disk: kept queued)
            self.flush()
        hits: dict[str, Hit] = {}
        every = match_expression(query, all_terms=True)
        for expression in dict.fromkeys([every, match_expression(query, all_terms=False)]):
            for hit in self._ranked(expression, limit):
                hits.setdefault(hit.path, hit)
            if len(hits) >= limit:
                break
        return list(hits.values())[:limit]

    def _ranked(self, expression: str, limit: int) -> list[Hit]:
        sql = (
            "SELECT s.path, highlight(doc_search, 1, ?, ?), f.sha256, f.doc_sha256, f.outdated"
            " FROM doc_search JOIN doc_search_rows s ON s.id = doc_search.rowid"
            " LEFT JOIN files f ON f.path = s.path"
            f" WHERE doc_search MATCH ? ORDER BY bm25(doc_search, {PATH_WEIGHT}, {BODY_WEIGHT})"
            " LIMIT ?"
        )
        with self._lock:
            try:
                rows = self._conn().execute(sql, (_OPEN, _CLOSE, expression, limit)).fetchall()
            except sqlite3.OperationalError as exc:  # (quoted terms parse; this is a bug)
                raise BadQuery(f"search failed: {exc}") from None
        return [
            Hit(path, _state(sha256, doc_sha256, outdated), _matched_lines(marked))
            for path, marked, sha256, doc_sha256, outdated in rows
        ]


def _state(sha256: str | None, doc_sha256: str | None, outdated: int | None) -> str:
    if sha256 is None:
        return "orphaned"
    if doc_sha256 != sha256:
        return "stale"
    return "outdated" if outdated else "fresh"


def _matched_lines(marked: str) -> tuple[tuple[int, str], ...]:
    """The lines of a highlighted doc that hold a match, markers removed, each cut short."""
    out = []
    for number, line in enumerate(marked.split("\n"), start=1):
        if _OPEN in line:
            text = line.replace(_OPEN, "").replace(_CLOSE, "").strip()
            if len(text) > LINE_CHARS:
                text = text[: LINE_CHARS - 1] + "…"
            out.append((number, text))
            if len(out) >= MATCHED_LINES:
                break
    return tuple(out)
