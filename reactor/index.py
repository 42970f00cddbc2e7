"""The file index: ``.llmc/reactor.db`` (SQLite, WAL), one row per source file.

Rows carry the content fingerprints (size, mtime_ns, blake3, sha256), the facts for graph
context, and the reactor's bookkeeping for backoff. Refreshes (:mod:`reactor.scan`) are
incremental: every file is ``stat``-ed, but only files whose size or mtime changed are read and
hashed, so an unchanged tree costs about one directory walk. Rows are addressed by a stable
integer ``id`` so the sampler can seek to any position in O(log N) without scanning
(``WHERE id >= ? ORDER BY id LIMIT n``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import blake3

from . import graph
from .facts import Facts
from .facts import extract as extract_facts
from .facts.resolve import Resolver
from .policy import SourcePolicy, looks_binary
from .state import STATE_DIR, ensure_state_dir

log = logging.getLogger(__name__)

DB_NAME = "reactor.db"
#: The index's path relative to the repo root, as messages show it.
DB_PATH = f"{STATE_DIR}/{DB_NAME}"

#: Named schema migrations, applied in order and recorded in ``migrations``.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_files_and_imports",
        """
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            blake3 TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            binary INTEGER NOT NULL DEFAULT 0,
            symbols TEXT NOT NULL DEFAULT '',
            last_result TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            failed_blake3 TEXT
        );
        CREATE TABLE imports (
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            module TEXT NOT NULL
        );
        CREATE INDEX imports_by_module ON imports(module);
        CREATE INDEX imports_by_file ON imports(file_id);
        """,
    ),
    ("0002_files_by_blake3", "CREATE INDEX files_by_blake3 ON files(blake3)"),
    (
        # Every way a source leaves the index (a tick, `status`, `generate`, another process)
        # leaves a tombstone; the daemon consumes them and removes the orphaned doc, so removing
        # docs stays the lock holder's job while any process may notice the deletion.
        "0003_tombstones",
        """
        CREATE TABLE tombstones (
            path TEXT PRIMARY KEY,
            blake3 TEXT NOT NULL,
            sha256 TEXT NOT NULL
        )
        """,
    ),
    (
        # The SHA-256 in the doc's header as last seen or written by the reactor, so progress
        # (fresh out of total) comes from one query instead of reading every doc.
        "0004_files_doc_sha256",
        "ALTER TABLE files ADD COLUMN doc_sha256 TEXT",
    ),
    (
        # Keys under which other files' imports reach a file (Go packages, Java types, headers;
        # see reactor.facts.resolve). Imports hold the importing side's keys.
        "0005_provides",
        """
        CREATE TABLE provides (
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            key TEXT NOT NULL
        );
        CREATE INDEX provides_by_key ON provides(key);
        CREATE INDEX provides_by_file ON provides(file_id)
        """,
    ),
]

_COLUMNS = "id, path, size, mtime_ns, blake3, sha256, binary, failures, failed_blake3, doc_sha256"


@dataclass(frozen=True)
class FileRow:
    """One indexed file."""

    id: int
    path: str
    size: int
    mtime_ns: int
    blake3: str
    sha256: str
    binary: bool
    failures: int = 0
    failed_blake3: str | None = None
    doc_sha256: str | None = None  # the doc header last seen (see migration 0004)


@dataclass
class RefreshStats:
    """What an incremental refresh found."""

    seen: int = 0
    added: int = 0
    changed: int = 0
    touched: int = 0  # stat changed, content did not
    changed_paths: list[str] = field(default_factory=list)  # added or changed
    removed_paths: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return len(self.removed_paths)


@dataclass(frozen=True)
class Fingerprint:
    """Content of a file as of one read."""

    size: int
    mtime_ns: int
    blake3: str
    sha256: str
    binary: bool
    facts: Facts | None


def fingerprint(path: Path | str, rel: str, st: os.stat_result) -> Fingerprint:
    """Read the file once: both hashes, the binary sniff and (for Python) imports and symbols."""
    with open(path, "rb") as fh:
        return fingerprint_of(fh.read(), rel, st)


def fingerprint_of(data: bytes, rel: str, st: os.stat_result) -> Fingerprint:
    """The fingerprint of bytes already read (the one-file path reuses them for the backend)."""
    binary = looks_binary(data)
    facts = None if binary else extract_facts(rel, data)
    return Fingerprint(
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        blake3=blake3.blake3(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        binary=binary,
        facts=facts,
    )


class FileIndex:
    """The SQLite index of one repo. Thread-safe: one connection behind a lock."""

    def __init__(self, db_path: Path, *, repo_root: Path | None = None):
        self.db_path = db_path
        self.resolver = Resolver(repo_root or db_path.parent.parent)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    @classmethod
    def for_repo(cls, repo_root: Path) -> FileIndex:
        ensure_state_dir(repo_root)
        return cls(repo_root / DB_PATH, repo_root=repo_root)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _migrate(self) -> None:
        """Apply missing named migrations; each re-checks under the write lock, so two
        processes opening an old database at once cannot apply one twice."""
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        for name, sql in MIGRATIONS:
            with self.write():
                if self._db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
                log.debug("applied migration %s to %s", name, self.db_path)

    # -- writes -----------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """One short write transaction (IMMEDIATE: no read-to-write upgrade deadlocks)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def lookup(self, paths: list[str]) -> dict[str, tuple[int, int, int]]:
        """``path -> (id, size, mtime_ns)`` for those of ``paths`` that are indexed."""
        if not paths:
            return {}
        marks = ",".join("?" * len(paths))
        with self._lock:
            rows = self._db.execute(
                f"SELECT path, id, size, mtime_ns FROM files WHERE path IN ({marks})", paths
            ).fetchall()
        return {p: (i, size, mtime) for p, i, size, mtime in rows}

    def paths_after(self, after: str, *, under: str = "", limit: int) -> list[tuple[int, str]]:
        """``(id, path)`` of rows after ``after`` in path order, within ``under`` (a seek)."""
        low = max(after, under + "/") if under else after
        sql = "SELECT id, path FROM files WHERE path > ?"
        args: tuple[object, ...] = (low,)
        if under:
            sql += " AND path < ?"
            args += (under + "0",)  # "0" sorts right after "/"
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY path LIMIT ?", (*args, limit)).fetchall()
        return [(int(i), str(p)) for i, p in rows]

    def sync_file(self, policy: SourcePolicy, rel: str) -> Synced:
        """Re-check one path against the disk (the source of truth, not the index), once.

        ``what`` is ``unchanged``, ``touched`` (stat changed, content not), ``changed``,
        ``added``, ``removed`` or ``absent``; ``data`` is the content when it had to be read, so
        the caller that goes on to generate does not read and hash it again.
        """
        row = self.get(rel)
        st = policy.source_stat(rel)
        if st is None:
            if row is None:
                return Synced(None, "absent")
            self.remove_paths([rel])
            return Synced(None, "removed")
        if row is not None and (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns):
            return Synced(row, "unchanged")
        try:
            with open(os.path.join(policy.root_str, rel), "rb") as fh:
                data = fh.read()
        except OSError:
            return Synced(row, "unchanged")  # vanished between stat and read: the next event says
        fp = fingerprint_of(data, rel, st)
        with self.write():
            outcome, _ = self.store(rel, fp)
        return Synced(self.get(rel), outcome, data)

    def store(self, rel: str, fp: Fingerprint) -> tuple[str, int]:
        """Upsert one fingerprint (inside :meth:`write`), keeping an existing row's id.

        Returns what happened (``added``, ``changed``, ``touched``) and the row id.
        """
        old = self._db.execute("SELECT id, blake3 FROM files WHERE path = ?", (rel,)).fetchone()
        symbols = "\n".join(s.label for s in fp.facts.symbols if s.exported) if fp.facts else ""
        cur = self._db.execute(
            """INSERT INTO files (path, size, mtime_ns, blake3, sha256, binary, symbols)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(path) DO UPDATE SET size = excluded.size,
                 mtime_ns = excluded.mtime_ns, blake3 = excluded.blake3,
                 sha256 = excluded.sha256, binary = excluded.binary, symbols = excluded.symbols
               RETURNING id""",
            (rel, fp.size, fp.mtime_ns, fp.blake3, fp.sha256, int(fp.binary), symbols),
        )
        file_id = int(cur.fetchone()[0])
        if old is not None and old[1] == fp.blake3:
            return "touched", file_id
        self._db.execute("DELETE FROM imports WHERE file_id = ?", (file_id,))
        self._db.execute("DELETE FROM provides WHERE file_id = ?", (file_id,))
        if fp.facts:
            self._db.executemany(
                "INSERT INTO imports (file_id, module) VALUES (?, ?)",
                [(file_id, key) for key in self.resolver.imports(rel, fp.facts)],
            )
            self._db.executemany(
                "INSERT INTO provides (file_id, key) VALUES (?, ?)",
                [(file_id, key) for key in self.resolver.provides(rel, fp.facts)],
            )
        self._db.execute("DELETE FROM tombstones WHERE path = ?", (rel,))
        return ("added" if old is None else "changed"), file_id

    # -- reads --------------------------------------------------------------------------
    def get(self, rel: str) -> FileRow | None:
        with self._lock:
            r = self._db.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (rel,)).fetchone()
        return _row(r) if r else None

    def count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM files WHERE binary = 0").fetchone()
        return int(row[0])

    def note_doc(self, rel: str, doc_sha256: str | None) -> None:
        """Remember the header of ``rel``'s doc as just seen (``None``: no valid doc)."""
        with self._lock:
            self._db.execute("UPDATE files SET doc_sha256 = ? WHERE path = ?", (doc_sha256, rel))

    def progress(self) -> tuple[int, int]:
        """``(fresh, total)`` text sources, by the doc headers last seen (no file is read)."""
        with self._lock:
            total, fresh = self._db.execute(
                "SELECT count(*), coalesce(sum(doc_sha256 = sha256), 0) FROM files WHERE binary = 0"
            ).fetchone()
        return int(fresh), int(total)

    def count_under(self, under: str) -> int:
        """Rows (binary ones too) whose path lies in ``under`` (``""``: all)."""
        with self._lock:
            if not under:
                return int(self._db.execute("SELECT count(*) FROM files").fetchone()[0])
            row = self._db.execute(
                "SELECT count(*) FROM files WHERE path > ? AND path < ?", (under + "/", under + "0")
            ).fetchone()
        return int(row[0])

    def max_id(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT coalesce(max(id), 0) FROM files").fetchone()[0])

    def rows_after(self, after_id: int, limit: int) -> list[FileRow]:
        """Up to ``limit`` text rows with ``id > after_id``, in id order (one index seek)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM files WHERE id > ? AND binary = 0 ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [_row(r) for r in rows]

    def find_by_blake3(self, blake3_hex: str, *, exclude: str) -> list[FileRow]:
        """Rows with this content (rename detection), at most a few."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM files WHERE blake3 = ? AND path != ? LIMIT 8",
                (blake3_hex, exclude),
            ).fetchall()
        return [_row(r) for r in rows]

    def digests(self) -> list[tuple[str, str]]:
        """``(path, sha256)`` of every text row, in path order (what status compares)."""
        with self._lock:
            return self._db.execute(
                "SELECT path, sha256 FROM files WHERE binary = 0 ORDER BY path"
            ).fetchall()

    def paths(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT path FROM files WHERE binary = 0")}

    # -- graph --------------------------------------------------------------------------
    def neighbours(self, rel: str) -> tuple[list[graph.Neighbour], list[graph.Neighbour]]:
        """In-repo files ``rel`` imports, and files that import ``rel`` (see
        :mod:`reactor.facts.resolve` for the keys that join them)."""
        with self._lock:
            row = self._db.execute("SELECT id FROM files WHERE path = ?", (rel,)).fetchone()
            if row is None:
                return [], []
            keys = [
                k for (k,) in self._db.execute("SELECT module FROM imports WHERE file_id = ?", row)
            ]
            paths = [k[5:] for k in keys if k.startswith("path:")]
            paths += [p for k in keys if ":" not in k for p in graph.module_candidates(k)]
            imports = self._symbols_of(
                "SELECT path, symbols FROM files WHERE path IN ({}) AND path != ?", paths, rel
            )
            provided = [k for k in keys if k.startswith(("go:", "java:", "inc:"))]
            imports += self._symbols_of(
                "SELECT DISTINCT f.path, f.symbols FROM provides p JOIN files f ON f.id = p.file_id"
                " WHERE p.key IN ({}) AND f.path != ?",
                provided,
                rel,
            )
            mine = [
                k for (k,) in self._db.execute("SELECT key FROM provides WHERE file_id = ?", row)
            ]
            importers = self._symbols_of(
                "SELECT DISTINCT f.path, f.symbols FROM imports i JOIN files f ON f.id = i.file_id"
                " WHERE i.module IN ({}) AND f.path != ?",
                [*graph.module_names(rel), f"path:{rel}", *mine],
                rel,
            )
        return _unique(imports), importers

    def _symbols_of(self, sql: str, keys: list[str], rel: str) -> list[graph.Neighbour]:
        if not keys:
            return []
        keys = keys[:900]  # stay under SQLite's bound-parameter limit
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(sql.format(marks) + " ORDER BY 1 LIMIT 50", (*keys, rel))
        return [graph.Neighbour(p, tuple(s.split("\n")) if s else ()) for p, s in rows]

    # -- bookkeeping --------------------------------------------------------------------
    def record_result(
        self,
        rel: str,
        result: str,
        *,
        failures: int = 0,
        failed_blake3: str | None = None,
    ) -> None:
        """Remember the last outcome for ``rel`` and its failure count for this content."""
        with self._lock:
            self._db.execute(
                "UPDATE files SET last_result = ?, failures = ?, failed_blake3 = ? WHERE path = ?",
                (result, failures, failed_blake3, rel),
            )

    def remove_paths(self, paths: list[str]) -> None:
        """Drop rows whose source is gone, leaving a tombstone for each (see migration 0003)."""
        with self.write():
            for rel in paths:
                self._db.execute(
                    "INSERT OR REPLACE INTO tombstones (path, blake3, sha256)"
                    " SELECT path, blake3, sha256 FROM files WHERE path = ?",
                    (rel,),
                )
                self._db.execute("DELETE FROM files WHERE path = ?", (rel,))

    def tombstones(self, limit: int) -> list[Tombstone]:
        """Sources that left the index and whose docs may still need removing."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, blake3, sha256 FROM tombstones LIMIT ?", (limit,)
            ).fetchall()
        return [Tombstone(*r) for r in rows]

    def find_tombstone(self, blake3_hex: str) -> Tombstone | None:
        """A removed source with this content: a rename's other half, whose doc can move."""
        with self._lock:
            row = self._db.execute(
                "SELECT path, blake3, sha256 FROM tombstones WHERE blake3 = ? LIMIT 1",
                (blake3_hex,),
            ).fetchone()
        return Tombstone(*row) if row else None

    def has_tombstone(self, rel: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM tombstones WHERE path = ?", (rel,)).fetchone()
        return row is not None

    def drop_tombstone(self, rel: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM tombstones WHERE path = ?", (rel,))


@dataclass(frozen=True)
class Synced:
    """One path re-checked against the disk (see :meth:`FileIndex.sync_file`)."""

    row: FileRow | None
    what: str
    data: bytes | None = None


@dataclass(frozen=True)
class Tombstone:
    """A source that left the index; its doc is removed (or moved) by the daemon."""

    path: str
    blake3: str
    sha256: str


def _unique(neighbours: list[graph.Neighbour]) -> list[graph.Neighbour]:
    seen: set[str] = set()
    out = []
    for n in sorted(neighbours, key=lambda n: n.path):
        if n.path not in seen:
            seen.add(n.path)
            out.append(n)
    return out


def _row(r: Any) -> FileRow:
    """sqlite3 rows are untyped tuples in ``_COLUMNS`` order."""
    i, path, size, mtime_ns, b3, sha, binary, failures, failed_b3, doc_sha = r
    return FileRow(i, path, size, mtime_ns, b3, sha, bool(binary), failures, failed_b3, doc_sha)
