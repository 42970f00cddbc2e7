"""Python facts from ``ast``: it is exact for Python, where tree-sitter would only be close."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..graph import module_names
from . import Facts, Symbol, one_line, summary


def python_facts(rel: str, data: bytes) -> Facts | None:
    """``None`` when the file does not parse (the outline falls back to a generic page)."""
    try:
        tree = ast.parse(data, filename=rel)
    except (SyntaxError, ValueError):
        return None
    facts = Facts("python", doc=ast.get_docstring(tree) or "")
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _add_function(facts, node, parent="")
        elif isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            facts.symbols.append(
                Symbol(
                    "class",
                    node.name,
                    f"class {node.name}({bases})" if bases else f"class {node.name}",
                    summary(ast.get_docstring(node) or ""),
                    _public(node.name),
                )
            )
            methods = [
                m
                for m in node.body
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(m.name)
            ]
            for method in methods:
                _add_function(facts, method, parent=node.name)
        else:
            for name in _constants(node):
                facts.symbols.append(Symbol("const", name, exported=_public(name)))
    facts.resolved, facts.names = _imports(rel, tree)
    facts.imports = _written_imports(tree)
    return facts


def _add_function(facts: Facts, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: str) -> None:
    """One entry per name: ``@overload`` stubs and a property's getter/setter/deleter merge
    into the last definition (the implementation), keeping the first doc found."""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    signature = one_line(f"{prefix} {node.name}({ast.unparse(node.args)}){returns}")
    doc = summary(ast.get_docstring(node) or "")
    kind = "method" if parent else "function"
    for i, existing in enumerate(facts.symbols):
        if existing.name == node.name and existing.parent == parent:
            facts.symbols[i] = Symbol(
                kind, node.name, signature, existing.doc or doc, _public(node.name), parent
            )
            return
    facts.symbols.append(Symbol(kind, node.name, signature, doc, _public(node.name), parent))


def _constants(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id] if node.target.id.isupper() else []
    return []


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _imports(rel: str, tree: ast.Module) -> tuple[list[str], dict[str, list[str]]]:
    """Absolute dotted names of every import, relative ones resolved against the package, and
    the names each ``from … import`` brings in."""
    package = module_names(rel)[0].split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    imports: list[str] = []
    names: dict[str, list[str]] = {}
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            imports += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                continue
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if prefix:
                imports.append(prefix)
                names.setdefault(prefix, []).extend(a.name for a in node.names if a.name != "*")
            # `from pkg import mod` may name a submodule: record both candidates
            imports += [f"{prefix}.{a.name}" if prefix else a.name for a in node.names]
    return list(dict.fromkeys(i for i in imports if i)), names


def _written_imports(tree: ast.Module) -> list[str]:
    """The module-level imports as a reader sees them: ``os``, ``.sibling``."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names.append("." * node.level + (node.module or ""))
    return list(dict.fromkeys(names))


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions (imports are
    statements: this finds those inside ``try``, ``if`` and functions too)."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if children:
                stack.extend(reversed(children))
