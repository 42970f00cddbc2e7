"""The just-in-time graph context of one file, and Python's module names.

The index stores, for each file, the keys of what it imports and provides and its top-level
symbols (see :mod:`reactor.facts`; computed when the file's content changes). Graph context is
assembled only for the one file being documented: its in-repo imports and importers, each with
its symbols, bounded — a few indexed queries, never the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .index import FileIndex

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


def neighbours(index: FileIndex, rel: str) -> tuple[list[Neighbour], list[Neighbour]]:
    """In-repo files ``rel`` imports, and files that import ``rel`` (see
    :mod:`reactor.facts.resolve` for the keys that join them)."""
    row = index.read("SELECT id FROM files WHERE path = ?", (rel,))
    if not row:
        return [], []
    file_id = row[0][0]
    keys = [k for (k,) in index.read("SELECT module FROM imports WHERE file_id = ?", (file_id,))]
    paths = [k[5:] for k in keys if k.startswith("path:")]
    paths += [p for k in keys if ":" not in k for p in module_candidates(k)]
    imports = _symbols_of(
        index, "SELECT path, symbols FROM files WHERE path IN ({}) AND path != ?", paths, rel
    )
    provided = [k for k in keys if k.startswith(("go:", "java:", "inc:"))]
    imports += _symbols_of(
        index,
        "SELECT DISTINCT f.path, f.symbols FROM provides p JOIN files f ON f.id = p.file_id"
        " WHERE p.key IN ({}) AND f.path != ?",
        provided,
        rel,
    )
    mine = [k for (k,) in index.read("SELECT key FROM provides WHERE file_id = ?", (file_id,))]
    importers = _symbols_of(
        index,
        "SELECT DISTINCT f.path, f.symbols FROM imports i JOIN files f ON f.id = i.file_id"
        " WHERE i.module IN ({}) AND f.path != ?",
        [*module_names(rel), f"path:{rel}", *mine],
        rel,
    )
    return _unique(imports), importers


def _symbols_of(index: FileIndex, sql: str, keys: list[str], rel: str) -> list[Neighbour]:
    if not keys:
        return []
    keys = keys[:900]  # stay under SQLite's bound-parameter limit
    marks = ",".join("?" * len(keys))
    rows = index.read(sql.format(marks) + " ORDER BY 1 LIMIT 50", (*keys, rel))
    return [Neighbour(p, tuple(s.split("\n")) if s else ()) for p, s in rows]


def _unique(found: list[Neighbour]) -> list[Neighbour]:
    seen: set[str] = set()
    out = []
    for n in sorted(found, key=lambda n: n.path):
        if n.path not in seen:
            seen.add(n.path)
            out.append(n)
    return out


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
