"""The just-in-time graph context of one file, and Python's module names.

The index stores, for each file, the keys of what it imports and provides and its top-level
symbols (see :mod:`reactor.facts`; computed when the file's content changes). Graph context is
assembled only for the one file being documented: its in-repo imports and importers, each with
its symbols, bounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Leading directories that are source roots rather than packages (``src/pkg/mod.py`` is
#: imported as ``pkg.mod``).
SOURCE_ROOTS = ("src", "lib", "python")
MAX_NEIGHBOURS = 12
MAX_SYMBOLS = 12


def module_names(rel: str) -> list[str]:
    """Dotted names under which ``rel`` can be imported (with and without a source root)."""
    stem = rel.removesuffix(".pyi").removesuffix(".py")
    parts = stem.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    names = [".".join(parts)]
    if len(parts) > 1 and parts[0] in SOURCE_ROOTS:
        names.append(".".join(parts[1:]))
    return names


def module_candidates(module: str) -> list[str]:
    """Repo paths that could hold ``module``."""
    base = module.replace(".", "/")
    paths = [f"{base}.py", f"{base}/__init__.py"]
    return paths + [f"{root}/{p}" for root in SOURCE_ROOTS for p in paths]


@dataclass(frozen=True)
class Neighbour:
    path: str
    symbols: tuple[str, ...]


def format_context(imports: Iterable[Neighbour], importers: Iterable[Neighbour]) -> str | None:
    """The ``graph_context`` text block handed to backends (``None`` if there is nothing)."""
    sections = []
    for title, group in (("Imports (in this repo)", imports), ("Imported by", importers)):
        lines = []
        for n in list(group)[:MAX_NEIGHBOURS]:
            shown = ", ".join(n.symbols[:MAX_SYMBOLS])
            more = f", … (+{len(n.symbols) - MAX_SYMBOLS})" if len(n.symbols) > MAX_SYMBOLS else ""
            lines.append(f"- {n.path}" + (f": {shown}{more}" if shown else ""))
        if lines:
            sections.append(f"{title}:\n" + "\n".join(lines))
    return "\n\n".join(sections) if sections else None
