"""What neighbours need from the index: import edges and provided keys, the manifests the
resolvers read, the re-resolve pass after a manifest changes, and the queue of files whose graph
context must be digested again (a neighbour's interface changed). Part of
:class:`~reactor.index.FileIndex`, on its connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .store import IndexStore


class EdgeQueries(IndexStore):
    """The graph half of the index (a base of :class:`~reactor.index.FileIndex`)."""

    def replace_edges(
        self, file_id: int, imports: list[tuple[str, list[str]]], provides: list[str]
    ) -> None:
        """Set what a file imports (key, names) and provides (inside :meth:`write`)."""
        self._db.execute("DELETE FROM imports WHERE file_id = ?", (file_id,))
        self._db.execute("DELETE FROM provides WHERE file_id = ?", (file_id,))
        self._db.executemany(
            "INSERT INTO imports (file_id, module, names) VALUES (?, ?, ?)",
            [(file_id, key, "\n".join(names)) for key, names in imports],
        )
        self._db.executemany(
            "INSERT INTO provides (file_id, key) VALUES (?, ?)", [(file_id, k) for k in provides]
        )

    def manifests(self) -> dict[str, tuple[int, int]]:
        """The manifests the last scans saw: path -> (size, mtime_ns)."""
        rows = self.read("SELECT value FROM meta WHERE key = 'manifests'")
        stamps = json.loads(rows[0][0]) if rows else {}
        return {rel: (size, mtime_ns) for rel, (size, mtime_ns) in stamps.items()}

    def manifests_changed(self, manifests: dict[str, tuple[int, int]]) -> None:
        """Keep the manifests seen, and resolve every file's imports again (from the first)."""
        with self.write():
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('manifests', ?)",
                (json.dumps(manifests, separators=(",", ":")),),
            )
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('reresolve_after', '0')")

    def reresolve_after(self) -> int | None:
        """The row id the re-resolve pass has reached (``None``: no pass is due)."""
        rows = self.read("SELECT value FROM meta WHERE key = 'reresolve_after'")
        return int(rows[0][0]) if rows else None

    def reresolve_rows(self, after_id: int, limit: int) -> list[tuple[int, str, str]]:
        """``(id, path, facts)`` of rows with stored facts after ``after_id``, in id order."""
        return self.read(
            "SELECT id, path, facts FROM files WHERE id > ? AND facts IS NOT NULL"
            " ORDER BY id LIMIT ?",
            (after_id, limit),
        )

    def reresolved_to(self, file_id: int | None) -> None:
        """The pass got this far (inside :meth:`write`; ``None``: it is finished)."""
        if file_id is None:
            self._db.execute("DELETE FROM meta WHERE key = 'reresolve_after'")
        else:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('reresolve_after', ?)", (str(file_id),)
            )

    def set_graph(self, rel: str, graph_fp: str) -> None:
        """The digest of ``rel``'s graph context as it renders now."""
        with self._lock:
            self._db.execute("UPDATE files SET graph_fp = ? WHERE path = ?", (graph_fp, rel))

    def regraph(self, paths: Iterable[str]) -> None:
        """Queue ``paths`` for a fresh digest of their graph context (a neighbour changed)."""
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO regraph (path) VALUES (?)", [(p,) for p in paths]
            )

    def regraph_documented(self, under: str) -> None:
        """Queue every documented file in ``under`` (``""``: all) for a fresh digest: what
        the first index of a tree found last may be a neighbour of what was documented first."""
        where = "" if not under else " AND path > ? AND path < ?"
        args = () if not under else (under + "/", under + "0")
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO regraph (path)"
                f" SELECT path FROM files WHERE doc_sha256 IS NOT NULL{where}",
                args,
            )

    def regraph_batch(self, limit: int) -> list[str]:
        return [p for (p,) in self.read("SELECT path FROM regraph LIMIT ?", (limit,))]

    def regraph_done(self, paths: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM regraph WHERE path = ?", [(p,) for p in paths])

    def interface(self, rel: str) -> tuple[str, list[tuple[str, str]], list[str]] | None:
        """What other files' graph contexts show of ``rel``: its symbols, import edges and
        provided keys (``None``: not indexed)."""
        rows = self.read("SELECT id, symbols FROM files WHERE path = ?", (rel,))
        if not rows:
            return None
        file_id, symbols = rows[0]
        edges = self.read("SELECT module, names FROM imports WHERE file_id = ?", (file_id,))
        keys = self.read("SELECT key FROM provides WHERE file_id = ?", (file_id,))
        return symbols, sorted(edges), sorted(k for (k,) in keys)
