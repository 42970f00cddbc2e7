"""Understand: the second stage of a file's way — facts and import keys from the bytes read.

It parses once per content (the index keeps the result, keyed by the row's blake3), so the
outline backend and every neighbour's graph context read stored facts instead of parsing again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .facts import Facts, extract
from .facts.resolve import Resolver

if TYPE_CHECKING:
    from .observe import Observation
    from .rows import FileRow

#: What other files' graph contexts show of a file: its symbols column, its import edges (key,
#: names) and the keys it provides — a change of it queues its neighbours for a fresh digest.
Interface = tuple[str, list[tuple[str, str]], list[str]]
#: What a file without facts shows others (a binary one, one that does not parse).
NO_INTERFACE: Interface = ("", [], [])


def symbol_lines(symbols: Iterable[tuple[str, str]]) -> str:
    """The index's ``symbols`` column: one ``name<TAB>signature`` line per exported symbol."""
    return "\n".join(f"{name}\t{shown}" for name, shown in symbols)


@dataclass(frozen=True)
class Understanding:
    """A file's facts and the keys that join it to other files (:mod:`reactor.facts.resolve`):
    ``imports`` as ``(key, names imported)``, ``provides`` as keys."""

    facts: Facts | None = None
    imports: list[tuple[str, list[str]]] = field(default_factory=list)
    provides: list[str] = field(default_factory=list)

    @property
    def symbols(self) -> str:
        """Its top-level symbols other files may use, with signatures, shown beside it as a
        neighbour (the index's ``symbols`` column, :func:`symbol_lines`)."""
        if self.facts is None:
            return ""
        return symbol_lines(
            (s.name, s.signature or s.label) for s in self.facts.top_level() if s.shared
        )

    def interface(self) -> Interface:
        """What other files' graph contexts show of this file (see
        :meth:`reactor.index.FileIndex.interface`)."""
        edges = [(key, "\n".join(names)) for key, names in self.imports]
        return self.symbols, edges, self.provides


def interface_of(
    obs: Observation, understood: Understanding | None, row: FileRow | None
) -> Interface | None:
    """The interface a store of ``obs`` leaves (``None``: the stored one stays): what was
    understood; nothing for content that changed and could not be (binary)."""
    if understood is not None:
        return understood.interface()
    if obs.hashed and (row is None or row.blake3 != obs.blake3):
        return NO_INTERFACE
    return None


def understand(rel: str, data: bytes, resolver: Resolver) -> Understanding:
    facts = extract(rel, data)
    if facts is None:
        return Understanding()
    return Understanding(facts, resolver.import_edges(rel, facts), resolver.provides(rel, facts))
