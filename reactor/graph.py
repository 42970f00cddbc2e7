"""The just-in-time graph context of one file, and Python's module names.

The index stores, for each file, the keys of what it imports (with the names each import brings
in) and provides, and its exported top-level symbols with their signatures (see
:mod:`reactor.facts`; computed when the file's content changes). Graph context is assembled only
for the one file being documented — a few indexed queries, never the whole graph:

* **Imports**: each in-repo file it imports, with the signatures of the names it uses of it;
* **Imported by**: each in-repo file that imports it, with the names that file uses of it;
* **Extends**, **Extended by**, **Other parts of its declarations**: files joined by a
  declaration they share rather than a use (a Swift ``extension``, a C# ``partial class``).

Every name shown has evidence (:func:`neighbours`): the importer's code names it and the file it
is shown under declares it. A file imported whole, without a name used, is shown without one:
never its top symbols as if they were used.

Every list is bounded and says so where it is cut (``… (+N more)``). What is rendered is what the
doc's ``neighbours`` fingerprint covers (:mod:`reactor.inputs`): a neighbour's body edit renders
the same and outdates nothing; a new signature of a name in use, a new importer, a rename or a
deletion renders differently.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from .paths import quote_path
from .understand import NO_INTERFACE, Interface

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
    edge (with their signatures on the imports side; none: the file used as a whole).
    ``relation``: how it is joined when not by a use — ``extends`` (its declaration extends
    one of the other's: a Swift ``extension``), ``extended by`` (the mirror), ``part`` (both
    hold parts of one declaration: a C# ``partial class``, a reopened class)."""

    path: str
    shown: tuple[str, ...]
    relation: str = ""


#: How a JS declaration exported by name as the default shows (``export default f`` and
#: ``export { f as default }``, before or after ``f``'s declaration).
_EXPORTED_AS_DEFAULT = " (exported as default)"


def _parse_symbols(text: str | None) -> list[tuple[str, str]]:
    """The ``(name, signature)`` pairs of a symbols column; a JS module's ``export default``
    declaration is also what its importers call ``default``."""
    out = []
    default = ""
    for line in (text or "").split("\n"):
        name, _, shown = line.partition("\t")
        if name:
            out.append((name, shown or name))
            if not default and (
                shown.startswith("export default") or shown.endswith(_EXPORTED_AS_DEFAULT)
            ):
                default = shown
    if default and all(name != "default" for name, _ in out):
        out.append(("default", default))
    return out


@functools.lru_cache(maxsize=4096)
def _default_name(symbols_text: str | None) -> str:
    """The name of the declaration a JS module exports as its default (``f`` of
    ``function f() {}; export default f``), or ``default`` when it has no name of its own."""
    pairs = _parse_symbols(symbols_text)
    default = next((shown for name, shown in pairs if name == "default"), "")
    return next((n for n, shown in pairs if shown == default and n != "default"), "default")


def _names(text: str | None) -> list[str]:
    return [n for n in (text or "").split("\n") if n]


#: Marks a name an extractor read from the importer's code rather than from its import (the
#: constants a Ruby file names): shown only under a file that declares it, never evidence of
#: an edge by itself.
GUESSED_MARK = "?"
#: Provided keys that join a file only through the names it uses (a Go package, a C#
#: namespace, a Swift module): an import of one that names nothing joins no file.
NAMED_ONLY = ("go:", *GUESSED_NAMES)
#: Provided keys whose names an importer always takes qualified (``logrus.Hook``) or, for its
#: own package, only where it does not declare them: a name the importer declares too is never
#: a part of the key's declaration, and its use of the key's is a use.
QUALIFIED_ONLY = ("go:",)


def neighbours(index: FileIndex, rel: str) -> tuple[list[Neighbour], list[Neighbour]]:
    """In-repo files ``rel`` imports, and files that import ``rel``, in path order.

    Every name shown has evidence: the importer's code names it (its extractor read it from the
    tree, never a comment) and the file it is shown under declares it — one of the files an
    import reaches, the one that declares the name (``use crate::a::b::X``: ``a/b.rs``, not
    ``a.rs``), the submodule a name is (``from . import sessions``: ``sessions.py``), or, when
    no file the import reaches declares it (a private or generated name), the deepest of them.
    A package's files (a Go package, a namespace) are neighbours only for the names they declare.
    """
    row = index.read("SELECT id, symbols FROM files WHERE path = ?", (rel,))
    if not row:
        return [], []
    file_id, my_symbols = row[0]
    imported, symbols, shared = _attribution(index, file_id, rel, my_symbols)
    importers = _importers(index, file_id, rel, my_symbols)
    out = [Neighbour(p, _shown_imported(imported[p], symbols[p])) for p in sorted(imported)]
    back = [Neighbour(p, tuple(dict.fromkeys(importers[p]))) for p in sorted(importers)]
    for path in sorted(shared):
        relation, names = shared[path]
        if relation != "extended by":
            out.append(Neighbour(path, _shown_imported(names, symbols[path]), relation))
        if relation != "extends":
            back.append(Neighbour(path, tuple(names), relation))
    return sorted(out, key=lambda n: n.path), sorted(back, key=lambda n: n.path)


@functools.lru_cache(maxsize=4096)
def _declared(symbols_text: str | None) -> frozenset[str]:
    """The names a symbols column declares (kept: a package's files are asked again and again
    while one file's neighbours are found)."""
    return frozenset(name for name, _ in _parse_symbols(symbols_text))


def _stem(path: str) -> str:
    """The module name a file is reached by: ``a/b.rs`` → ``b``, ``a/b/mod.rs`` → ``b``."""
    base = posixpath.basename(path)
    stem = base.split(".", 1)[0]
    if stem in ("mod", "__init__", "index", "init", "lib", "main"):
        return posixpath.basename(posixpath.dirname(path)) or stem
    return stem


#: A declaration that extends a type declared elsewhere (Swift, Kotlin), by its signature.
_EXTENSION = re.compile(r"(^|\s)extension\s")
Shared = dict[str, tuple[str, list[str]]]


def _attribution(
    index: FileIndex, file_id: int, rel: str, my_symbols: str | None
) -> tuple[dict[str, list[str]], dict[str, str], Shared]:
    """What the file ``file_id`` (at ``rel``) imports: neighbour path → the names it uses of
    it (none: the file as a whole); each neighbour's symbols column; and the files of its
    packages that declare a name it declares too, with the relation (see :class:`Neighbour`)
    and the names."""
    edges = index.read("SELECT module, names FROM imports WHERE file_id = ?", (file_id,))
    direct: dict[str, list[str]] = {}  # key -> the candidate paths it may name
    provided: dict[str, list[str]] = defaultdict(list)
    for key, names in edges:
        if key.startswith("path:"):
            direct[key] = [key[5:]]
        elif key.startswith(PROVIDED_PREFIXES):
            provided[key] += _names(names)
        elif ":" not in key:  # a Python module
            direct[key] = module_candidates(key)
    wanted = [path for paths in direct.values() for path in paths]
    symbols: dict[str, str] = {}
    for path, text in _in(index, "SELECT path, symbols FROM files WHERE path IN ({})", wanted):
        if path != rel:
            symbols[path] = text or ""
    imported: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = defaultdict(list)  # name -> the files its imports reach
    python = {key for key in direct if ":" not in key}
    for key, names in edges:
        files = [p for p in direct.get(key, ()) if p in symbols]
        if not files:
            continue
        used, guessed = _split_guessed(_names(names))
        if not used:
            for path in files:
                imported.setdefault(path, []).extend(_guessed_in(guessed, _declared(symbols[path])))
        for name in used:
            submodule = f"{key}.{name}"
            if key in python and submodule in python and _reached(direct[submodule], symbols):
                continue  # `from pkg import mod`: the module's own edge carries it
            groups[name] += files
    for name, files in groups.items():
        for path in _declaring(name, files, symbols):
            imported.setdefault(path, [])
            if _stem(path) != name or name in _declared(symbols[path]):
                imported[path].append(name)
    own = _declared(my_symbols)
    sql = (
        "SELECT p.key, f.path, f.symbols FROM provides p JOIN files f ON f.id = p.file_id"
        " WHERE p.key IN ({})"
    )
    providers: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, path, text in _in(index, sql, provided):
        if path != rel:
            providers[key].append((path, text or ""))
    shared: Shared = {}
    mine = dict(_parse_symbols(my_symbols))
    for key, parts in providers.items():
        texts = dict(parts)
        qualified = key.startswith(QUALIFIED_ONLY)
        for path, used in _provided_names(key, provided[key], parts, own, qualified).items():
            imported.setdefault(path, []).extend(used)
            symbols[path] = texts[path]
        mine_too = [n for n in provided[key] if n in mine and not qualified]
        for path, text in parts if mine_too else ():
            theirs = dict(_parse_symbols(text))
            both = [n for n in mine_too if n in theirs]
            if both:
                symbols[path] = text
                relation = _relation(mine[both[0]], theirs[both[0]])
                shared.setdefault(path, (relation, []))[1].extend(both)
    return imported, symbols, shared


def _relation(mine: str, theirs: str) -> str:
    """How two declarations of one name (by their signatures) join their files."""
    if _EXTENSION.search(theirs) and not _EXTENSION.search(mine):
        return "extended by"
    if _EXTENSION.search(mine) and not _EXTENSION.search(theirs):
        return "extends"
    return "part"


def _provided_names(
    key: str,
    names: list[str],
    files: list[tuple[str, str]],
    own: AbstractSet[str],
    qualified: bool = False,
) -> dict[str, list[str]]:
    """The files among a provided key's ``(path, symbols)`` that an import of it uses, with
    the names used of each. A package or namespace joins every file of it; a file is a
    neighbour for the names it declares, never for one the importer declares itself (a C#
    partial class, a Swift extension). A key naming one declaration (``java:q.Outer.Inner``)
    is that evidence itself; a package-wide one (:data:`NAMED_ONLY`, a ``.*`` wildcard) needs
    a name its file declares."""
    out: dict[str, list[str]] = {}
    listed, guessed = _split_guessed(names)
    for path, text in files:
        declared = _declared(text)
        used = [n for n in [*listed, *_guessed_in(guessed, declared)] if n in declared]
        if not qualified:  # (`logrus.Hook` is logrus's, whatever `Hook` the importer declares)
            used = [n for n in used if n not in own]
        if used:
            out[path] = used
    if out or key.startswith(NAMED_ONLY) or key.endswith(".*") or (guessed and not listed):
        return out
    return {path: list(listed) for path, _ in files}


def _guessed_in(guessed: list[str], declared: AbstractSet[str]) -> list[str]:
    """The names read from code that a file declares; ``.f`` is any table's field ``f`` (a Lua
    module's ``M.f`` or ``M:f``), shown as declared."""
    out = []
    for name in guessed:
        if name in declared:
            out.append(name)
        elif name.startswith("."):  # (a field of a table returned whole: `{ f = … }`)
            out += [d for d in declared if d.endswith((name, f":{name[1:]}")) or d == name[1:]]
    return out


def _split_guessed(names: list[str]) -> tuple[list[str], list[str]]:
    """The names an import lists, and those read from code (:data:`GUESSED_MARK`, unmarked)."""
    if not any(n.startswith(GUESSED_MARK) for n in names):
        return names, []
    listed = [n for n in names if not n.startswith(GUESSED_MARK)]
    return listed, [n[1:] for n in names if n.startswith(GUESSED_MARK)]


def _reached(paths: list[str], symbols: dict[str, str]) -> bool:
    return any(p in symbols for p in paths)


def _declaring(name: str, files: list[str], symbols: dict[str, str]) -> list[str]:
    """The files of an import's reach that a name belongs to: the module it is (``use
    crate::a`` → ``a.rs``) unless a file declares it as an item, else those declaring it, else
    the deepest (a private or generated name: the module the import names last)."""
    files = list(dict.fromkeys(files))
    if len(files) == 1:
        return files
    declaring = [p for p in files if name in _declared(symbols[p])]
    modules = [p for p in files if _stem(p) == name]
    if modules and all(_declares_module(symbols[p], name) for p in declaring):
        return modules  # (`use crate::kv` where lib.rs has `pub mod kv;`: kv/mod.rs itself)
    return declaring or modules or [max(files, key=lambda p: (p.count("/"), len(p)))]


def _declares_module(symbols_text: str, name: str) -> bool:
    """Whether a file declares ``name`` as a module (``pub mod kv``), not an item."""
    return any(
        n == name and re.search(rf"\bmod {re.escape(name)}$", shown)
        for n, shown in _parse_symbols(symbols_text)
    )


def _importers(
    index: FileIndex, file_id: int, rel: str, my_symbols: str | None
) -> dict[str, list[str]]:
    """The files that import ``rel``: importer path → the names it uses of it, the mirror of
    :func:`_attribution` (which answers for an importer whose names ``rel`` does not all
    declare: they may belong to another file its import reaches)."""
    mine = [k for (k,) in index.read("SELECT key FROM provides WHERE file_id = ?", (file_id,))]
    sql = (
        "SELECT f.path, i.names, i.module, f.id, f.symbols FROM imports i"
        " JOIN files f ON f.id = i.file_id WHERE i.module IN ({})"
    )
    declared = _declared(my_symbols)
    package = rel.endswith(("__init__.py", "__init__.pyi"))  # (may have submodules)
    importers: dict[str, list[str]] = {}
    ambiguous: dict[str, tuple[int, str]] = {}
    providers: dict[str, list[tuple[str, str]]] = {}
    for path, names, key, importer_id, text in _in(
        index, sql, [*module_names(rel), f"path:{rel}", *mine]
    ):
        if path == rel:
            continue
        used = _names(names)
        if key in mine:  # through a package or namespace: the names this file declares
            if key.startswith(NAMED_ONLY):  # a name counts only where declared: rel's own part
                listed, guessed = _split_guessed(used)
                own = _declared(text) if not key.startswith(QUALIFIED_ONLY) else frozenset()
                shown = [n for n in [*listed, *_guessed_in(guessed, declared)] if n in declared]
                if shown := [n for n in shown if n not in own]:
                    importers.setdefault(path, []).extend(shown)
                continue
            if key not in providers:
                sql_providers = "SELECT f.path, f.symbols FROM provides p JOIN files f"
                sql_providers += " ON f.id = p.file_id WHERE p.key = ? ORDER BY 1 LIMIT ?"
                providers[key] = index.read(sql_providers, (key, MAX_LOOKED_UP))
            found = _provided_names(key, used, providers[key], _declared(text))
            if rel in found:
                importers.setdefault(path, []).extend(found[rel])
            continue
        used, guessed = _split_guessed(used)
        if not used:
            importers.setdefault(path, []).extend(_guessed_in(guessed, declared))
        elif (":" not in key and not package) or all(n in declared for n in used):
            importers.setdefault(path, []).extend(used)  # (a Python module's names are its own)
        else:  # a name this file does not declare, or a Python package's submodule
            ambiguous[path] = (int(importer_id), str(text or ""))
    for path, (other, other_symbols) in ambiguous.items():
        found, _, _ = _attribution(index, other, path, other_symbols)
        if rel in found:
            importers.setdefault(path, []).extend(found[rel])
    if "default" in declared and (default := _default_name(my_symbols)) != "default":
        for used_names in importers.values():  # (`import F from './a'` uses a's `f`)
            used_names[:] = [default if n == "default" else n for n in used_names]
    return importers


def neighbour_paths(index: FileIndex, rel: str) -> set[str]:
    """Every file whose graph context shows ``rel`` (its imports and importers both ways)."""
    imports, importers = neighbours(index, rel)
    return {n.path for n in imports} | {n.path for n in importers}


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
    """The signatures of the names used from a neighbour, each once (none: the importer
    uses the file as a whole, and nothing of it is claimed)."""
    signature = dict(_parse_symbols(symbols_text))
    return tuple(dict.fromkeys(signature.get(name, name) for name in dict.fromkeys(names)))


def _in(index: FileIndex, sql: str, keys: Iterable[str]) -> list[tuple[str, ...]]:
    found = list(dict.fromkeys(keys))[:900]  # stay under SQLite's bound-parameter limit
    if not found:
        return []
    marks = ",".join("?" * len(found))
    return index.read(f"{sql.format(marks)} ORDER BY 1 LIMIT {MAX_LOOKED_UP}", found)


#: The headings of the graph context, by relation, in the order they are shown.
SECTIONS = (
    ("Imports (in this repo)", "", True),
    ("Extends", "extends", True),
    ("Other parts of its declarations", "part", True),
    ("Imported by", "", False),
    ("Extended by", "extended by", False),
)


def format_context(imports: Iterable[Neighbour], importers: Iterable[Neighbour]) -> str | None:
    """The ``graph_context`` text block handed to backends (``None`` if there is nothing): a
    section per relation, each file once."""
    sections = []
    forward, backward = list(imports), list(importers)
    for title, relation, code in SECTIONS:
        group = [n for n in (forward if code else backward) if n.relation == relation]
        if relation == "part":
            group = list(
                {n.path: n for n in [*backward, *forward] if n.relation == "part"}.values()
            )
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
