"""``reactor check``: are the docs fresh? A gate for CI and pre-commit that writes nothing.

Unlike ``status`` it opens no index for writing, takes no lock and creates no state dir, so it
works in a read-only checkout and never makes pre-commit report "files were modified by this
hook". Freshness is decided from the bytes: each source in scope is hashed and compared with its
doc's ``SHA256:`` line. When the reactor's index exists it is read (immutable) as a stat cache:
a source whose size and mtime match its row is not read again. Docs without a source are
``orphaned``; with PATHS only those sources' docs are checked, and paths that are not sources
are ignored, so a hook can pass every staged file.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import DocgenConfig, output_dir_relative
from .docs import DocStore
from .index import DB_PATH
from .policy import SourcePolicy, looks_binary

STATES = ("stale", "missing", "orphaned")


@dataclass
class CheckReport:
    """Paths by state; ``ok`` when nothing is stale, missing or orphaned."""

    fresh: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.stale or self.missing or self.orphaned)

    @property
    def checked(self) -> int:
        return self.fresh + len(self.stale) + len(self.missing)

    def problems(self) -> Iterator[tuple[str, str]]:
        """``(state, path)`` in path order."""
        rows = [(p, s) for s in STATES for p in getattr(self, s)]
        for path, state in sorted(rows):
            yield state, path

    def summary(self) -> str:
        if self.ok:
            return f"all {self.checked:,} docs fresh"
        return (
            f"{self.fresh:,}/{self.checked:,} docs fresh: {len(self.stale):,} stale, "
            f"{len(self.missing):,} missing, {len(self.orphaned):,} orphaned"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "fresh": self.fresh,
            "stale": sorted(self.stale),
            "missing": sorted(self.missing),
            "orphaned": sorted(self.orphaned),
        }


def check(root: Path, config: DocgenConfig, paths: Iterable[str] | None = None) -> CheckReport:
    """Check the docs of every source (or of the sources among ``paths``, repo-relative)."""
    root = root.resolve()
    policy = SourcePolicy(root, config)
    docs = DocStore(root, output_dir_relative(config, root))
    sources = list(_sources(policy, paths))
    cache = _stat_cache(root)
    report = CheckReport()
    for rel, st in sources:
        state = _state(policy, docs, cache, rel, st)
        if state == "fresh":
            report.fresh += 1
        elif state is not None:
            getattr(report, state).append(rel)
    if paths is None:
        known = {rel for rel, _ in sources}
        report.orphaned = sorted(rel for rel, _ in docs.iter_docs() if rel not in known)
    return report


def _sources(policy: SourcePolicy, paths: Iterable[str] | None) -> Iterator[tuple[str, Any]]:
    """``(rel, stat)`` of the sources in scope; named paths that are not sources are dropped."""
    if paths is None:
        yield from policy.walk()
        return
    seen: set[str] = set()
    for rel in paths:
        if rel in ("", "."):
            candidates: Iterable[tuple[str, Any]] = policy.walk()
        elif os.path.isdir(os.path.join(policy.root_str, rel)):
            candidates = policy.walk(rel.rstrip("/"))
        else:
            st = policy.source_stat(rel)
            candidates = [] if st is None else [(rel, st)]
        for item in candidates:
            if item[0] not in seen:
                seen.add(item[0])
                yield item


def _stat_cache(root: Path) -> dict[str, tuple[int, int, str, bool]]:
    """``path -> (size, mtime_ns, sha256, binary)`` from the index, opened read-only."""
    db_path = root / DB_PATH
    if not db_path.is_file():
        return {}
    try:
        # immutable: no lock, no -wal/-shm file created. It may miss rows still in a running
        # daemon's WAL; a row is used only when size and mtime match, so at worst a file is
        # hashed again.
        db = sqlite3.connect(f"{db_path.as_uri()}?immutable=1", uri=True)
        try:
            rows = db.execute("SELECT path, size, mtime_ns, sha256, binary FROM files").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}  # locked, read-only WAL without its -shm, an old schema: hash everything
    return {p: (size, mtime, sha, bool(binary)) for p, size, mtime, sha, binary in rows}


def _state(
    policy: SourcePolicy,
    docs: DocStore,
    cache: dict[str, tuple[int, int, str, bool]],
    rel: str,
    st: os.stat_result,
) -> str | None:
    """``fresh``, ``stale``, ``missing`` or ``None`` (not a documentable source after all).

    Raw ``os`` calls, not ``open()``: this runs for every source of the repo.
    """
    cached = cache.get(rel)
    if cached is not None and cached[:2] == (st.st_size, st.st_mtime_ns):
        _, _, sha256, binary = cached
    else:
        try:
            fd = os.open(os.path.join(policy.root_str, rel), os.O_RDONLY)
            try:
                data = os.read(fd, st.st_size + 1)
            finally:
                os.close(fd)
        except OSError:
            return None  # vanished or unreadable since the walk: not a source now
        binary = looks_binary(data)
        sha256 = hashlib.sha256(data).hexdigest()
    if binary:
        return None  # never documented
    header = docs.header(rel)
    if header is None and not docs.exists(rel):
        return "missing"
    return "fresh" if header == sha256 else "stale"
