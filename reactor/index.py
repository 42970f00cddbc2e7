"""The file index: ``.llmc/reactor.db`` (SQLite, WAL), one row per source file. Storage only.

Rows carry what was observed (size, mtime_ns, blake3, sha256, or why the source is skipped), what
was understood (facts, import and provided keys), and the reactor's bookkeeping (the doc header
last seen, failures, the next retry). Nothing here reads a source or parses one: the stages before
it (:mod:`reactor.observe`, :mod:`reactor.understand`) hand their results in. Rows are addressed
by a stable integer ``id`` so the sampler can seek to any position in O(log N) without scanning.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from .edges import EdgeQueries
from .facts import Facts
from .migrations import MIGRATIONS, OUTDATED_SQL
from .observe import Known, Observation
from .rows import (
    DECLINED_SQL,
    PENDING_SQL,
    DocRecord,
    FileRow,
)
from .state import STATE_DIR, ensure_state_dir
from .tombstones import TombstoneQueries
from .understand import Understanding

log = logging.getLogger(__name__)

DB_NAME = "reactor.db"
#: Prepared statements kept per connection (SQLite's are ~7 KB each). Python's default of 128
#: made 500 idle repos cost ~40 MB more; re-preparing these short statements is cheap (a
#: changed-tree refresh ran as fast with 8 as with 24, benchmarks/README.md).
STATEMENT_CACHE = 8
#: The index's path relative to the repo root, as messages show it.
DB_PATH = f"{STATE_DIR}/{DB_NAME}"


def _read_only(db_path: Path) -> sqlite3.Connection:
    """A connection that writes nothing: read-only beside a running daemon (its WAL read too),
    else immutable (no ``-shm`` to make, which a full disk refuses: the last checkpoint)."""
    try:
        return _opened(db_path, "mode=ro")
    except sqlite3.Error:
        return _opened(db_path, "immutable=1")


def _opened(db_path: Path, query: str) -> sqlite3.Connection:
    db = sqlite3.connect(
        f"{db_path.as_uri()}?{query}", uri=True, check_same_thread=False, isolation_level=None
    )
    try:
        db.execute("SELECT count(*) FROM files").fetchone()  # (opening alone reads nothing)
    except BaseException:
        db.close()
        raise
    return db


class FileIndex(EdgeQueries, TombstoneQueries):
    """The SQLite index of one repo. Thread-safe: one connection behind a lock."""

    def __init__(self, db_path: Path, *, read_only: bool = False):
        """``read_only``: the index as it is, no migration and nothing written (``status`` on a
        disk that refuses writes)."""
        self.db_path = db_path
        self._lock = threading.RLock()
        self._depth = 0  # write transactions open on this connection (nested: savepoints)
        if read_only:
            self._db = _read_only(db_path)
            return
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            db_path,
            check_same_thread=False,
            isolation_level=None,
            cached_statements=STATEMENT_CACHE,
        )
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    @classmethod
    def for_repo(cls, repo_root: Path) -> FileIndex:
        ensure_state_dir(repo_root)
        return cls(repo_root / DB_PATH)

    @classmethod
    def in_memory(cls) -> FileIndex:
        """A throwaway index that touches no disk (``reactor check --strict``)."""
        return cls(Path(":memory:"))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _migrate(self) -> None:
        """Apply missing named migrations; each re-checks under the write lock, so two
        processes opening an old database at once cannot apply one twice."""
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        applied = {name for (name,) in self._db.execute("SELECT name FROM migrations")}
        for name, sql in MIGRATIONS:
            if name in applied:
                continue  # (an open of an up-to-date index takes no write lock)
            with self.write():
                if self._db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                    continue
                for statement in _statements(sql):
                    self._db.execute(statement)
                self._db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
                log.debug("applied migration %s to %s", name, self.db_path)

    # -- writes -----------------------------------------------------------------------
    def store(self, obs: Observation, understood: Understanding | None = None) -> tuple[str, int]:
        """Upsert what was observed of one source (inside :meth:`write`), keeping its row id.

        ``understood`` replaces the row's facts and edges; without it they are kept when the
        content is the same (parsed once per content) and cleared when it is not. Returns what
        happened — ``added``, ``changed``, ``touched`` (stat changed, content did not) or
        ``skipped`` (it cannot be documented) — and the row id.
        """
        assert obs.st is not None and obs.state in ("read", "skipped")
        rel, st = obs.rel, obs.st
        old = self._db.execute("SELECT id, blake3 FROM files WHERE path = ?", (rel,)).fetchone()
        self._db.execute("DELETE FROM tombstones WHERE path = ?", (rel,))
        same = old is not None and old[1] == obs.blake3
        if not obs.hashed or (same and understood is None):
            # too large or unreadable (the content is unknown), or known already: the stat
            cur = self._db.execute(
                """INSERT INTO files (path, size, mtime_ns, blake3, sha256, skip)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET size = excluded.size,
                     mtime_ns = excluded.mtime_ns, skip = excluded.skip
                   RETURNING id""",
                (rel, st.st_size, st.st_mtime_ns, obs.blake3, obs.sha256, obs.skip),
            )
            file_id = int(cur.fetchone()[0])
            return ("skipped" if obs.skip else "touched"), file_id
        understood = understood or Understanding()
        facts = understood.facts.to_json() if understood.facts is not None else None
        cur = self._db.execute(
            """INSERT INTO files (path, size, mtime_ns, blake3, sha256, skip, symbols, facts)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(path) DO UPDATE SET size = excluded.size,
                 mtime_ns = excluded.mtime_ns, blake3 = excluded.blake3,
                 sha256 = excluded.sha256, skip = excluded.skip, symbols = excluded.symbols,
                 facts = excluded.facts
               RETURNING id""",
            (
                rel,
                st.st_size,
                st.st_mtime_ns,
                obs.blake3,
                obs.sha256,
                obs.skip,
                understood.symbols,
                facts,
            ),
        )
        file_id = int(cur.fetchone()[0])
        self.replace_edges(file_id, understood.imports, understood.provides)
        if obs.skip:
            return "skipped", file_id
        if same:
            return "touched", file_id
        return ("added" if old is None else "changed"), file_id

    def mark_unreadable(self, paths: list[str]) -> None:
        """Sources a scan could not reach (a directory it may not list): kept, reported."""
        with self.write():
            self._db.executemany(
                "UPDATE files SET skip = 'unreadable' WHERE path = ?", [(p,) for p in paths]
            )

    def prose(self, rel: str) -> dict[str, list[str]]:
        """What a model wrote of ``rel``'s parts: ``{part: [fingerprint, text]}``."""
        rows = self.read("SELECT prose FROM files WHERE path = ?", (rel,))
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}

    def store_prose(self, rel: str, prose: dict[str, list[str]]) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE files SET prose = ? WHERE path = ?",
                (json.dumps(prose, ensure_ascii=False, separators=(",", ":")), rel),
            )

    def note_doc(self, rel: str, doc_sha256: str | None) -> None:
        """Remember the header of ``rel``'s doc as just seen (``None``: no doc of ours)."""
        with self._lock:
            self._db.execute("UPDATE files SET doc_sha256 = ? WHERE path = ?", (doc_sha256, rel))

    def record_doc(self, rel: str, doc: DocRecord, *, rendered_now: bool) -> None:
        """``rel``'s doc is now the one described: written or restored (``rendered_now``: its
        graph context was rendered just now, so it is the current one too), or moved here or
        recovered from its inputs line (the current graph context is queued to be rendered)."""
        with self._lock:
            self._db.execute(
                "UPDATE files SET doc_sha256 = ?, doc_backend = ?, doc_graph = ?, doc_path = ?"
                " WHERE path = ?",
                (doc.sha256, doc.backend, doc.graph, doc.path, rel),
            )
        if rendered_now and doc.graph is not None:
            self.set_graph(rel, doc.graph)
        else:
            self.regraph([rel])

    def use_backend(self, identity: str) -> bool:
        """Docs are judged against this backend identity from now on; True when it changed
        (every doc made by another is then outdated by backend). Called by whoever makes docs
        (a tick, a batch run), never by ``status``: a host with a backend of its own is not
        second-guessed by the CLI's."""
        if self.read("SELECT 1 FROM meta WHERE key = 'backend' AND value = ?", (identity,)):
            return False
        with self.write():
            row = self._db.execute("SELECT value FROM meta WHERE key = 'backend'").fetchone()
            if row is not None and row[0] == identity:
                return False
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('backend', ?)", (identity,))
            self._db.execute(f"UPDATE files SET outdated = {OUTDATED_SQL}")
        return True

    def record_result(
        self,
        rel: str,
        result: str,
        *,
        failures: int = 0,
        failed_blake3: str | None = None,
        retry_at: float | None = None,
    ) -> None:
        """Remember the last outcome for ``rel``, its failure count for this content and when
        it is tried again (wall clock)."""
        with self._lock:
            self._db.execute(
                "UPDATE files SET last_result = ?, failures = ?, failed_blake3 = ?, retry_at = ?"
                " WHERE path = ?",
                (result, failures, failed_blake3, retry_at, rel),
            )

    def get(self, rel: str) -> FileRow | None:
        rows = self._rows("WHERE path = ?", (rel,))
        return rows[0] if rows else None

    def facts(self, rel: str) -> Facts | None:
        """The stored facts of ``rel`` (``None``: none, or from another extractor version)."""
        rows = self.read("SELECT facts FROM files WHERE path = ?", (rel,))
        return Facts.from_json(rows[0][0]) if rows and rows[0][0] else None

    def lookup(self, paths: list[str]) -> dict[str, tuple[int, Known]]:
        """``path -> (id, what is known)`` for those of ``paths`` that are indexed."""
        if not paths:
            return {}
        marks = ",".join("?" * len(paths))
        sql = f"SELECT path, id, size, mtime_ns, skip FROM files WHERE path IN ({marks})"
        return {
            p: (i, Known(size, mtime, skip)) for p, i, size, mtime, skip in self.read(sql, paths)
        }

    def paths_after(self, after: str, *, under: str = "", limit: int) -> list[tuple[int, str]]:
        """``(id, path)`` of rows after ``after`` in path order, within ``under`` (a seek)."""
        low = max(after, under + "/") if under else after
        sql = "SELECT id, path FROM files WHERE path > ?"
        args: tuple[object, ...] = (low,)
        if under:
            sql += " AND path < ?"
            args += (under + "0",)  # "0" sorts right after "/"
        return [
            (int(i), str(p)) for i, p in self.read(sql + " ORDER BY path LIMIT ?", (*args, limit))
        ]

    def next_pending(self, after_id: int) -> FileRow | None:
        """The first row after ``after_id`` (wrapping round once) whose doc is missing or
        stale and that is not given up on: known work, one seek in the partial index."""
        rows = self._rows(f"WHERE {PENDING_SQL} AND id > ? ORDER BY id LIMIT 1", (after_id,))
        if not rows and after_id:
            rows = self._rows(f"WHERE {PENDING_SQL} ORDER BY id LIMIT 1")
        return rows[0] if rows else None

    def next_outdated(self, after_id: int) -> FileRow | None:
        """The first outdated row after ``after_id`` (wrapping round once): one index seek."""
        rows = self._rows("WHERE outdated != 0 AND id > ? ORDER BY id LIMIT 1", (after_id,))
        if not rows and after_id:
            rows = self._rows("WHERE outdated != 0 ORDER BY id LIMIT 1")
        return rows[0] if rows else None

    def count(self) -> int:
        """Documentable sources (skipped ones are counted apart)."""
        return self._count("SELECT count(*) FROM files WHERE skip IS NULL")

    def progress(self) -> tuple[int, int, int]:
        """``(fresh, outdated, total)`` documentable sources, by the doc headers last seen (no
        file is read); ``fresh`` counts the outdated ones too (their header matches). What the
        backend declined is not counted, as ``status`` does not count it."""
        ((total, fresh, outdated),) = self.read(
            "SELECT count(*), coalesce(sum(doc_sha256 = sha256), 0),"
            " coalesce(sum(outdated != 0), 0) FROM files"
            f" WHERE skip IS NULL AND NOT {DECLINED_SQL}"
        )
        return int(fresh), int(outdated), int(total)

    def count_under(self, under: str) -> int:
        """Rows (skipped ones too) whose path lies in ``under`` (``""``: all)."""
        if not under:
            return self._count("SELECT count(*) FROM files")
        sql = "SELECT count(*) FROM files WHERE path > ? AND path < ?"
        return self._count(sql, (under + "/", under + "0"))

    def max_id(self) -> int:
        return self._count("SELECT coalesce(max(id), 0) FROM files")

    def rows_after(self, after_id: int, limit: int) -> list[FileRow]:
        """Up to ``limit`` rows with ``id > after_id``, in id order (one index seek)."""
        return self._rows("WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit))

    def find_by_blake3(self, blake3_hex: str, *, exclude: str) -> list[FileRow]:
        """Rows with this content (rename detection), at most a few."""
        return self._rows("WHERE blake3 = ? AND path != ? LIMIT 8", (blake3_hex, exclude))

    def all_rows(self) -> list[FileRow]:
        """Every row in path order (``status`` and batch runs; never a tick)."""
        return self._rows("ORDER BY path")

    def failing(self) -> list[FileRow]:
        """Rows whose last attempt for their current content failed, in path order."""
        return self._rows(
            "WHERE last_result LIKE 'failed:%' AND failed_blake3 = blake3 ORDER BY path"
        )


def _statements(sql: str) -> Iterator[str]:
    """The statements of a migration, one by one (a trigger's body holds semicolons too)."""
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        yield pending
