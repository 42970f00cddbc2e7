"""The index's connection and what every part of it uses: one SQLite connection behind one
lock, short write transactions (nested ones are savepoints), read-only queries.

:class:`~reactor.index.FileIndex` opens it; its parts (:mod:`reactor.edges`,
:mod:`reactor.tombstones`) are written against this base, each in a module of its own.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from .memory import shrink
from .rows import COLUMNS, FileRow


class IndexStore:
    """The connection (opened by :class:`~reactor.index.FileIndex`) and its primitives."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _depth: int  # write transactions open on this connection (nested: savepoints)

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """One short write transaction (IMMEDIATE: no read-to-write upgrade deadlocks). Inside
        another one it is a savepoint: a tick of a cheap backend records all it did in one
        commit, and a nested failure still undoes only its own part."""
        with self._lock:
            depth = self._depth
            self._db.execute(f"SAVEPOINT w{depth}" if depth else "BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._db.execute(f"ROLLBACK TO w{depth}" if depth else "ROLLBACK")
                if depth:
                    self._db.execute(f"RELEASE w{depth}")
                raise
            finally:
                self._depth = depth
            self._db.execute(f"RELEASE w{depth}" if depth else "COMMIT")

    def execute(self, sql: str, args: Sequence[object] = ()) -> int:
        """One write statement on a module's own tables here (the pages'), on this connection:
        it joins a write transaction under way. Returns how many rows it changed."""
        with self._lock:
            return int(self._db.execute(sql, args).rowcount)

    # -- reads --------------------------------------------------------------------------
    def read(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read-only query, under the connection's lock (the graph's queries)."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _rows(self, where: str, args: Sequence[object] = ()) -> list[FileRow]:
        return [FileRow(*r) for r in self.read(f"SELECT {COLUMNS} FROM files {where}", args)]

    def release_memory(self) -> None:
        """Drop the page cache (idle: :mod:`reactor.memory`); never inside a transaction."""
        with self._lock:
            if not self._depth:
                shrink(self._db)

    def _count(self, sql: str, args: Sequence[object] = ()) -> int:
        return int(self.read(sql, args)[0][0])
