"""What a doc was made from beyond its source's bytes: its path, its graph context as rendered,
and the backend's identity.

The ``SHA256:`` line says whether the source changed (``stale``, the LLMC contract). These say
whether anything else the backend was given changed (``outdated``): a rename, a neighbour's new
signature or a new importer, a better renderer or another model. Each is kept as a short digest:
in the index (``doc_backend``, ``doc_graph``, ``doc_path`` beside the current ``graph_fp``), and
in the doc's last line as an HTML comment, invisible when rendered::

    <!-- reactor inputs: backend=5d41402abc4b neighbours=2aae6c35c94f path=9b74c9897bac -->

The comment lets ``reactor check --strict`` judge committed docs in a CI checkout that has no
index, and lets a rebuilt index recover what each doc was made from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

#: ``outdated`` bits, and the reason each is shown as.
PATH, NEIGHBOURS, BACKEND = 1, 2, 4
REASONS = {PATH: "path", NEIGHBOURS: "neighbours", BACKEND: "backend"}
DIGEST_CHARS = 12
_COMMENT_RE = re.compile(
    r"\n?<!-- reactor inputs: backend=([0-9a-f]+) neighbours=([0-9a-f]+) path=([0-9a-f]+) -->\s*\Z"
)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]


def reasons(bits: int) -> list[str]:
    """``outdated`` bits → their names, in a fixed order."""
    return [name for bit, name in REASONS.items() if bits & bit]


@dataclass(frozen=True)
class Inputs:
    """The digests of one doc's inputs besides its source."""

    backend: str
    neighbours: str
    path: str

    @classmethod
    def of(cls, *, identity: str, graph_context: str | None, rel: str) -> Inputs:
        return cls(digest(identity), digest(graph_context or ""), digest(rel))

    @property
    def key(self) -> str:
        """One string for all three (the doc cache's key beside the source's SHA-256)."""
        return f"{self.backend}{self.neighbours}{self.path}"

    def comment(self) -> str:
        return (
            f"<!-- reactor inputs: backend={self.backend} neighbours={self.neighbours} "
            f"path={self.path} -->"
        )

    def outdated_against(self, current: Inputs) -> int:
        """The ``outdated`` bits of a doc made from ``self`` when ``current`` holds now."""
        bits = PATH if self.path != current.path else 0
        bits |= NEIGHBOURS if self.neighbours != current.neighbours else 0
        return bits | (BACKEND if self.backend != current.backend else 0)


def parse_comment(doc: str) -> Inputs | None:
    """The inputs recorded in a doc's last line (``None``: written before they were)."""
    match = _COMMENT_RE.search(doc[-400:])
    return Inputs(*match.groups()) if match else None


def without_comment(doc: str) -> str:
    """``doc`` without its inputs line (a backend's reply, a previous doc for a prompt)."""
    match = _COMMENT_RE.search(doc)
    return doc[: match.start()].rstrip("\n") + "\n" if match else doc
