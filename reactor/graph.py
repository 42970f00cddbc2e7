"""The just-in-time graph context of one file, and Python's module names.

The index stores, for each file, the keys of what it imports (with the names each import brings
in) and provides, and its exported top-level symbols with their signatures (see
:mod:`reactor.facts`; computed when the file's content changes). Graph context is assembled only
for the one file being documented — a few indexed queries, never the whole graph:

* **Imports**: each in-repo file it imports, with the signatures of the names it imports from it
  (its top symbols when the language names none: a Go package, a C header);
* **Imported by**: each in-repo file that imports it, with the names that file imports from it.

Every list is bounded and says so where it is cut (``… (+N more)``). What is rendered is what the
doc's ``neighbours`` fingerprint covers (:mod:`reactor.inputs`): a neighbour's body edit renders
the same and outdates nothing; a new signature of a name in use, a new importer, a rename or a
deletion renders differently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from .paths import quote_path

if TYPE_CHECKING:
    from .index import FileIndex

T = TypeVar("T")

#: Leading directories that are source roots rather than packages (``src/pkg/mod.py`` is
#: imported as ``pkg.mod``).
SOURCE_ROOTS = ("src", "lib", "python")
MAX_NEIGHBOURS = 12
MAX_SYMBOLS = 12
#: Neighbours looked up per direction (a module imported by thousands is counted, not listed).
MAX_LOOKED_UP = 1000
#: Keys provided by other files (Go packages, Java types, headers): see reactor.facts.resolve.
PROVIDED_PREFIXES = ("go:", "java:", "inc:", "php:", "cs:", "swift:")
#: Provided keys whose import names are guessed from the words a file uses, not imported.
GUESSED_NAMES = ("cs:", "swift:")


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
    """One file beside the documented one, and what is shown of it: the names used across the
    edge (with their signatures on the imports side), else its top symbols."""

    path: str
    shown: tuple[str, ...]


def symbol_lines(symbols: Iterable[tuple[str, str]]) -> str:
    """The index's ``symbols`` column: one ``name<TAB>signature`` line per exported symbol."""
    return "\n".join(f"{name}\t{shown}" for name, shown in symbols)


def _parse_symbols(text: str | None) -> list[tuple[str, str]]:
    out = []
    for line in (text or "").split("\n"):
        name, _, shown = line.partition("\t")
        if name:
            out.append((name, shown or name))
    return out


def _names(text: str | None) -> list[str]:
    return [n for n in (text or "").split("\n") if n]


def neighbours(index: FileIndex, rel: str) -> tuple[list[Neighbour], list[Neighbour]]:
    """In-repo files ``rel`` imports, and files that import ``rel``, in path order."""
    row = index.read("SELECT id, symbols FROM files WHERE path = ?", (rel,))
    if not row:
        return [], []
    file_id, my_symbols = row[0]
    edges = index.read("SELECT module, names FROM imports WHERE file_id = ?", (file_id,))
    imported: dict[str, list[str]] = defaultdict(list)  # neighbour path -> names imported
    wanted: dict[str, list[str]] = defaultdict(list)  # candidate path -> names
    provided: dict[str, list[str]] = defaultdict(list)
    for key, names in edges:
        if key.startswith("path:"):
            wanted[key[5:]] += _names(names)
        elif key.startswith(PROVIDED_PREFIXES):
            provided[key] += _names(names)
        elif ":" not in key:  # a Python module
            for candidate in module_candidates(key):
                wanted[candidate] += _names(names)
    symbols: dict[str, str] = {}
    for path, text in _in(index, "SELECT path, symbols FROM files WHERE path IN ({})", wanted):
        if path != rel:
            imported[path] += wanted[path]
            symbols[path] = text
    sql = (
        "SELECT p.key, f.path, f.symbols FROM provides p JOIN files f ON f.id = p.file_id"
        " WHERE p.key IN ({})"
    )
    by_key: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, path, text in _in(index, sql, provided):
        if path != rel:
            by_key[key].append((path, text))
    for key, files in by_key.items():
        # A package joins every file of it; the ones that declare a name used are the
        # neighbours (``cobra.Command`` → command.go), all of them when none is named or
        # found — but for a key whose names are every capitalized word the file uses (a C#
        # namespace, a Swift module), none: a name no file declares is a system type.
        names = set(provided[key])
        declaring = [f for f in files if names & {n for n, _ in _parse_symbols(f[1])}]
        guessed = key.startswith(GUESSED_NAMES)
        for path, text in declaring or ([] if guessed else files):
            declared = {n for n, _ in _parse_symbols(text)}
            imported[path] += (
                [n for n in provided[key] if n in declared] if guessed else provided[key]
            )
            symbols[path] = text
    mine = [k for (k,) in index.read("SELECT key FROM provides WHERE file_id = ?", (file_id,))]
    sql = (
        "SELECT f.path, i.names, i.module FROM imports i JOIN files f ON f.id = i.file_id"
        " WHERE i.module IN ({})"
    )
    importers: dict[str, list[str]] = defaultdict(list)
    declared = {n for n, _ in _parse_symbols(my_symbols)}
    for path, names, key in _in(index, sql, [*module_names(rel), f"path:{rel}", *mine]):
        if path == rel:
            continue
        used = _names(names)
        if key in mine and used and declared:
            # through a package or namespace: an importer of this file only if it uses a
            # name this file declares (the mirror of the filter above)
            used = [n for n in used if n in declared]
            if not used:
                continue
        importers[path] += used
    return (
        [Neighbour(p, _shown_imported(imported[p], symbols[p])) for p in sorted(imported)],
        [Neighbour(p, tuple(dict.fromkeys(importers[p]))) for p in sorted(importers)],
    )


def neighbour_paths(index: FileIndex, rel: str) -> set[str]:
    """Every file whose graph context shows ``rel`` (its imports and importers both ways)."""
    imports, importers = neighbours(index, rel)
    return {n.path for n in imports} | {n.path for n in importers}


Interface = tuple[str, list[tuple[str, str]], list[str]]
#: What a file without facts shows others (a binary one, one that does not parse).
NO_INTERFACE: Interface = ("", [], [])


def store_and_regraph(
    index: FileIndex, rel: str, interface: Interface | None, store: Callable[[], T]
) -> T:
    """Run ``store`` (inside the index's write) for ``rel``; when what others' graph contexts
    show of it changes — its symbols' signatures, what it imports and the names, what it
    provides; a body edit does not — queue every file that showed it before or shows it after
    for a fresh digest (``interface``: the new one; ``None``: kept as it is)."""
    symbols, edges, provides = interface or NO_INTERFACE
    if interface is None or index.interface(rel) == (symbols, sorted(edges), sorted(provides)):
        return store()
    before = neighbour_paths(index, rel)
    done = store()
    index.regraph(before | neighbour_paths(index, rel))
    return done


def _shown_imported(names: list[str], symbols_text: str) -> tuple[str, ...]:
    """The signatures of the names used from a neighbour; its top symbols if none are named."""
    symbols = _parse_symbols(symbols_text)
    if not names:
        return tuple(shown for _, shown in symbols)
    signature = dict(symbols)
    return tuple(signature.get(name, name) for name in dict.fromkeys(names))


def _in(index: FileIndex, sql: str, keys: Iterable[str]) -> list[tuple[str, ...]]:
    found = list(dict.fromkeys(keys))[:900]  # stay under SQLite's bound-parameter limit
    if not found:
        return []
    marks = ",".join("?" * len(found))
    return index.read(f"{sql.format(marks)} ORDER BY 1 LIMIT {MAX_LOOKED_UP}", found)


def format_context(imports: Iterable[Neighbour], importers: Iterable[Neighbour]) -> str | None:
    """The ``graph_context`` text block handed to backends (``None`` if there is nothing)."""
    sections = []
    for title, group, code in (
        ("Imports (in this repo)", list(imports), True),
        ("Imported by", list(importers), False),
    ):
        lines = []
        for n in group[:MAX_NEIGHBOURS]:
            shown = [f"`{s}`" if code else s for s in n.shown[:MAX_SYMBOLS]]
            if len(n.shown) > MAX_SYMBOLS:
                shown.append(f"… (+{len(n.shown) - MAX_SYMBOLS} more)")
            lines.append(f"- {quote_path(n.path)}" + (f": {', '.join(shown)}" if shown else ""))
        if len(group) > MAX_NEIGHBOURS:
            lines.append(f"- … (+{len(group) - MAX_NEIGHBOURS} more files)")
        if lines:
            sections.append(f"{title}:\n" + "\n".join(lines))
    return "\n\n".join(sections) if sections else None
