"""The doc cache: docs kept aside so that switching branches back costs no backend call.

Before one of our docs is overwritten or removed, it is kept under ``.llmc/doc-cache/`` keyed by
what it was made from — its source's SHA-256 (its header) and its inputs (:mod:`reactor.inputs`).
When a file's content and inputs match a kept doc again (a checkout back to a branch, a revert),
that doc is restored instead of generated. A rename with unchanged content keeps its doc the same
way, by moving it.

Bounded by size and age, least recently used first out: at most ``MAX_BYTES`` in all and nothing
older than ``MAX_AGE_SECONDS`` (its mtime, refreshed on every use). Local state, like the index:
``.llmc/`` ignores itself in git.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

from .state import ensure_state_dir

CACHE_DIR = "doc-cache"
MAX_BYTES = 200 * 1024 * 1024
MAX_AGE_SECONDS = 30 * 24 * 3600
#: How many docs are kept between two prunes (each prune lists the cache once).
PRUNE_EVERY = 64


class DocCache:
    """Kept docs of one repo, as files ``<sha256[:2]>/<sha256>-<inputs key>.md``."""

    def __init__(
        self,
        repo_root: Path,
        *,
        max_bytes: int = MAX_BYTES,
        max_age_seconds: float = MAX_AGE_SECONDS,
    ):
        self.repo_root = repo_root
        self.root = repo_root / ".llmc" / CACHE_DIR
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self.restored = 0  # docs restored by this process (status and the log say so)
        self._kept_since_prune = PRUNE_EVERY  # prune at the first keep of a process

    def _path(self, sha256: str, inputs_key: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}-{inputs_key}.md"

    def keep(self, sha256: str, inputs_key: str, doc: str) -> None:
        """Keep ``doc`` (a whole doc of ours, header included); best effort, never fails."""
        path = self._path(sha256, inputs_key)
        with contextlib.suppress(OSError):
            if path.exists():
                os.utime(path)
                return
            ensure_state_dir(self.repo_root, f"{CACHE_DIR}/{sha256[:2]}")
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(doc)
            os.replace(tmp, path)
            self._kept_since_prune += 1
            if self._kept_since_prune >= PRUNE_EVERY:
                self.prune()

    def take(self, sha256: str, inputs_key: str) -> str | None:
        """The kept doc for this content and these inputs, if there is one (used: its age
        starts again)."""
        path = self._path(sha256, inputs_key)
        try:
            doc = path.read_text(encoding="utf-8")
            os.utime(path)
        except OSError:
            return None
        self.restored += 1
        return doc

    def stats(self) -> tuple[int, int]:
        """``(docs kept, bytes)``."""
        entries = self._entries()
        return len(entries), sum(size for _, size, _ in entries)

    def prune(self) -> int:
        """Drop what is too old, then the least recently used until under the size bound."""
        self._kept_since_prune = 0
        entries = sorted(self._entries(), key=lambda e: e[2])  # oldest use first
        total = sum(size for _, size, _ in entries)
        cutoff = time.time() - self.max_age_seconds
        removed = 0
        for path, size, used in entries:
            if used >= cutoff and total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
            total -= size
        return removed

    def _entries(self) -> list[tuple[str, int, float]]:
        out = []
        try:
            folders = list(os.scandir(self.root))
        except OSError:
            return []
        for folder in folders:
            with contextlib.suppress(OSError), os.scandir(folder.path) as it:
                for entry in it:
                    if entry.name.endswith(".md"):
                        st = entry.stat(follow_symlinks=False)
                        out.append((entry.path, st.st_size, st.st_mtime))
        return out
