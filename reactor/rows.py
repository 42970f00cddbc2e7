"""A row of the index as the rest of the reactor sees it: a source, a tombstone, a doc record,
and the SQL that picks rows by what they need (known work, a declined content).

Kept apart from :mod:`reactor.index` (the storage) so that the stages that hand their results in
(:mod:`reactor.understand`) and the ones that decide on rows need not import the storage.
"""

from __future__ import annotations

from dataclasses import dataclass

from .observe import Known

#: ``last_result`` of a file whose backend declined its content (the scheduler records it).
NOOP_PREFIX = "noop: "
#: Rows whose content the backend declined and whose doc is not fresh: not documented on purpose.
DECLINED_SQL = (
    "coalesce(last_result LIKE 'noop:%' AND failed_blake3 IS blake3 AND doc_sha256 IS NOT sha256,"
    " 0)"
)

COLUMNS = (
    "id, path, size, mtime_ns, blake3, sha256, skip, failures, failed_blake3, doc_sha256, "
    "retry_at, last_result, outdated, doc_backend, doc_graph"
)


@dataclass(frozen=True)
class FileRow:
    """One indexed source. ``skip`` says why it cannot be documented (``None``: it can)."""

    id: int
    path: str
    size: int
    mtime_ns: int
    blake3: str
    sha256: str
    skip: str | None = None
    failures: int = 0
    failed_blake3: str | None = None
    doc_sha256: str | None = None  # the doc header last seen (see migration 0004)
    retry_at: float | None = None  # wall clock (see migration 0006)
    last_result: str | None = None
    outdated: int = 0  # reactor.inputs bits (see migration 0008)
    doc_backend: str | None = None  # what the doc was made from (reactor.inputs digests)
    doc_graph: str | None = None

    @property
    def known(self) -> Known:
        return Known(self.size, self.mtime_ns, self.skip)

    @property
    def declined(self) -> str | None:
        """The backend's ``NO-OP`` reason when it declined this content: not documented on
        purpose until the content changes (``None``: not declined)."""
        result = self.last_result or ""
        if self.failed_blake3 != self.blake3 or not result.startswith(NOOP_PREFIX):
            return None
        return result[len(NOOP_PREFIX) :]


@dataclass(frozen=True)
class Tombstone:
    """A source that left the index; its doc is removed (or moved) by the daemon. Orphaned docs
    the index never knew get one too, with no blake3."""

    path: str
    blake3: str
    sha256: str
    doc_backend: str | None = None
    doc_graph: str | None = None


@dataclass(frozen=True)
class DocRecord:
    """What a doc just written (or moved, or recovered from its last line) was made from."""

    sha256: str
    backend: str | None  # None: unknown (written before inputs were recorded): outdated
    graph: str | None
    path: str  # the source path it was made for (another one: outdated by path)


def pending_sql(table: str = "") -> str:
    """Known work: a documentable source whose doc is missing or stale, not given up on (failed
    or declined 5 times for this content). Unqualified, the same terms as the partial index
    ``files_pending`` (migration 0011), so that SQLite seeks in it."""
    t = f"{table}." if table else ""
    return (
        f"{t}skip IS NULL AND ({t}doc_sha256 IS NULL OR {t}doc_sha256 != {t}sha256)"
        f" AND ({t}failed_blake3 IS NULL OR {t}failed_blake3 != {t}blake3 OR {t}failures < 5)"
    )


PENDING_SQL = pending_sql()
TOMBSTONE_COLUMNS = "path, blake3, sha256, doc_backend, doc_graph"
