"""Candidate selection when nothing is dirty: a random start, then a sweeping id cursor.

Pure random sampling reaches the last of k stale files among N only after ~N/s·ln(k) ticks (the
coupon collector's tail) and ``ORDER BY RANDOM()`` scans the whole table every time. Instead each
tick reads the next ``sample_size`` rows after a cursor with one index seek
(``WHERE id > ? ORDER BY id LIMIT s``) and moves the cursor past what it examined, wrapping at the
end. The start is random so that restarts do not always favour the same files; after that every
stale file is reached within ``ceil(N / sample_size)`` ticks.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

_SHARED_RNG = random.Random()


class Candidate(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def path(self) -> str: ...


class CandidateSource(Protocol):
    """Rows addressed by a stable integer id: the reactor's index or LLMC's RAG index."""

    def max_id(self) -> int: ...
    def rows_after(self, after_id: int, limit: int) -> Sequence[Candidate]: ...


class Sampler:
    """Yields batches of candidate rows; the caller reports how far it got via :meth:`advance`."""

    def __init__(
        self, index: CandidateSource, *, sample_size: int, rng: random.Random | None = None
    ):
        self.index = index
        self.sample_size = sample_size
        self.rng = rng or _SHARED_RNG  # (a Random is 2.5 KB: not one per repo of a big host)
        self.cursor: int | None = None

    def candidates(self) -> list[Candidate]:
        """Up to ``sample_size`` rows following the cursor, wrapping around once."""
        if self.cursor is None:
            self.cursor = self.rng.randint(0, self.index.max_id())
        rows = list(self.index.rows_after(self.cursor, self.sample_size))
        if len(rows) < self.sample_size:
            seen = {r.id for r in rows}
            wrapped = self.index.rows_after(0, self.sample_size - len(rows))
            rows += [r for r in wrapped if r.id not in seen]
        return rows

    def advance(self, row: Candidate) -> None:
        """``row`` was examined: the next batch starts after it."""
        self.cursor = row.id
