"""Per-file import edges and the just-in-time graph context of one file.

The index stores, for each Python file, the dotted modules it imports and its top-level symbols
(both computed from ``ast`` when the file's content changes). Graph context is assembled only for
the one file being documented: its in-repo imports and importers, each with its symbols.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Leading directories that are source roots rather than packages (``src/pkg/mod.py`` is
#: imported as ``pkg.mod``).
SOURCE_ROOTS = ("src", "lib", "python")
MAX_NEIGHBOURS = 12
MAX_SYMBOLS = 12


@dataclass(frozen=True)
class PythonFacts:
    """What the index keeps about a Python file."""

    imports: tuple[str, ...]
    symbols: tuple[str, ...]


def python_facts(rel: str, source: bytes) -> PythonFacts | None:
    """Imports (absolute dotted names) and top-level symbols; ``None`` if it does not parse."""
    try:
        tree = ast.parse(source, filename=rel)
    except (SyntaxError, ValueError):
        return None
    package = module_names(rel)[0].split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    imports: list[str] = []
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            imports += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if prefix:
                imports.append(prefix)
            # `from pkg import mod` may name a submodule: record both candidates.
            imports += [f"{prefix}.{a.name}" if prefix else a.name for a in node.names]
    return PythonFacts(tuple(dict.fromkeys(i for i in imports if i)), top_level_symbols(tree))


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions.

    Imports are statements, so this finds all of them (also inside ``try``, ``if`` and
    functions) while touching a fraction of the nodes ``ast.walk`` would.
    """
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if children:
                stack.extend(reversed(children))


def top_level_symbols(tree: ast.Module) -> tuple[str, ...]:
    """``def f``, ``class C``, ``NAME`` for each top-level definition, in source order."""
    out: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(f"def {node.name}")
        elif isinstance(node, ast.ClassDef):
            out.append(f"class {node.name}")
        elif isinstance(node, ast.Assign):
            out += [t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()]
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id.isupper()
        ):
            out.append(node.target.id)
    return tuple(out)


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
