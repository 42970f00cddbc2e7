"""Tombstones: the sources that left the index, until their docs are removed or moved.

A removed row leaves its path, content hashes and doc inputs here (migration 0003), so a renamed
file's doc can follow it (its content is found again under another path) and the brake on mass
removal (:mod:`reactor.docs`) counts what would really go. One part of
:class:`~reactor.index.FileIndex`, on its connection.
"""

from __future__ import annotations

from .rows import TOMBSTONE_COLUMNS, Tombstone, pending_sql
from .store import IndexStore


class TombstoneQueries(IndexStore):
    """The tombstone half of the index (a base of :class:`~reactor.index.FileIndex`)."""

    def remove_paths(self, paths: list[str]) -> None:
        """Drop rows whose source is gone, leaving a tombstone for each (see migration 0003)."""
        with self.write():
            for rel in paths:
                self._db.execute(
                    "INSERT OR REPLACE INTO tombstones"
                    " (path, blake3, sha256, had_doc, doc_backend, doc_graph)"
                    " SELECT path, blake3, sha256, doc_sha256 IS NOT NULL, doc_backend, doc_graph"
                    " FROM files WHERE path = ?",
                    (rel,),
                )
                self._db.execute("DELETE FROM files WHERE path = ?", (rel,))

    def add_orphan(self, rel: str, doc_sha256: str) -> None:
        """A doc whose source the index never knew: its removal goes the tombstones' way."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO tombstones (path, blake3, sha256) VALUES (?, '', ?)",
                (rel, doc_sha256),
            )

    def docs_known(self) -> int:
        """Docs of ours as last seen: sources with one, plus docs waiting for removal."""
        with_doc = self._count("SELECT count(*) FROM files WHERE doc_sha256 IS NOT NULL")
        return with_doc + self._count("SELECT count(*) FROM tombstones WHERE had_doc")

    def removals_pending(self) -> int:
        """Tombstones whose source had a doc as last seen and whose content is nowhere in the
        index any more: what the brake counts. Content found under another path is a move (its
        doc moves, or is made anew): a rename storm is not a mass removal."""
        return self._count(
            "SELECT count(*) FROM tombstones t WHERE had_doc"
            " AND NOT EXISTS (SELECT 1 FROM files f WHERE f.blake3 = t.blake3)"
        )

    def tombstones(self, limit: int) -> list[Tombstone]:
        """Sources that left the index and whose docs may be removed now: not while a file
        with the same content still waits for its doc (a moved file claims the doc first)."""
        sql = (
            f"SELECT {TOMBSTONE_COLUMNS} FROM tombstones t WHERE NOT EXISTS"
            f" (SELECT 1 FROM files f WHERE f.blake3 = t.blake3 AND {pending_sql('f')})"
            " ORDER BY path LIMIT ?"
        )
        return [Tombstone(*r) for r in self.read(sql, (limit,))]

    def tombstone_count(self) -> int:
        return self._count("SELECT count(*) FROM tombstones")

    def find_tombstone(self, blake3_hex: str) -> Tombstone | None:
        """A removed source with this content: a rename's other half, whose doc can move."""
        sql = f"SELECT {TOMBSTONE_COLUMNS} FROM tombstones WHERE blake3 = ? LIMIT 1"
        rows = self.read(sql, (blake3_hex,))
        return Tombstone(*rows[0]) if rows else None

    def has_tombstone(self, rel: str) -> bool:
        return bool(self.read("SELECT 1 FROM tombstones WHERE path = ?", (rel,)))

    def drop_tombstone(self, rel: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM tombstones WHERE path = ?", (rel,))
