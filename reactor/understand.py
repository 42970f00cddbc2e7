"""Understand: the second stage of a file's way — facts and import keys from the bytes read.

It parses once per content (the index keeps the result, keyed by the row's blake3), so the
outline backend and every neighbour's graph context read stored facts instead of parsing again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .facts import Facts, extract
from .facts.resolve import Resolver


@dataclass(frozen=True)
class Understanding:
    """A file's facts and the keys that join it to other files (:mod:`reactor.facts.resolve`)."""

    facts: Facts | None = None
    imports: list[str] = field(default_factory=list)
    provides: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """The short forms of its exported symbols, shown beside it as a neighbour."""
        if self.facts is None:
            return []
        return [s.label for s in self.facts.symbols if s.exported]


def understand(rel: str, data: bytes, resolver: Resolver) -> Understanding:
    facts = extract(rel, data)
    if facts is None:
        return Understanding()
    return Understanding(facts, resolver.imports(rel, facts), resolver.provides(rel, facts))
