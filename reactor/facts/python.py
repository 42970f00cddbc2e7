"""Python facts from ``ast``: it is exact for Python, where tree-sitter would only be close.

Facts: the module docstring, functions and classes with their methods (each decorator kept in
the signature: ``@property``, ``@classmethod``, ``@staticmethod``, ``@overload`` stubs merged into
the implementation), class attributes and module-level constants and variables (annotated, or
bound by assignment to a public name), and what is public: ``__all__`` when the module has one
(names outside it are internal, even without a leading underscore), else a name without a
leading underscore. Imports
at module level, in ``try``/``if`` blocks included, as a reader sees them (``.models``,
``..util.parse``), each resolved to its absolute module with the names it brings in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..graph import module_names
from . import Facts, Symbol, Visibility, one_line, summary

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def extract(rel: str, language: str, data: bytes) -> Facts | None:
    """``None`` when the file does not parse (the outline falls back to a generic page)."""
    try:
        tree = ast.parse(data, filename=rel)
    except (SyntaxError, ValueError):
        return None
    facts = Facts("python", doc=ast.get_docstring(tree) or "")
    exported = _all(tree)

    def visibility(name: str) -> Visibility:
        if exported is not None:
            return "public" if name in exported else "private"
        return "public" if _public(name) else "private"

    for node in _module_level(tree.body):
        if isinstance(node, _FUNCTIONS):
            _add_function(facts, node, parent="", visibility=visibility(node.name))
        elif isinstance(node, ast.ClassDef):
            _add_class(facts, node, visibility(node.name))
        else:
            for name, signature in _assigned(node, module=True):
                facts.symbols.append(
                    Symbol(_value_kind(name), name, signature, "", visibility(name))
                )
    facts.resolved, facts.names = _imports(rel, tree)
    facts.imports = _written_imports(tree)
    return facts


def _all(tree: ast.Module) -> set[str] | None:
    """The names in ``__all__`` (``None``: the module has none, or builds it dynamically)."""
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = getattr(node, "value", None)
            if isinstance(value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                return {e.value for e in value.elts}  # type: ignore[attr-defined]
            return None
    return None


def _add_class(facts: Facts, node: ast.ClassDef, visibility: Visibility) -> None:
    bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
    decorators = _decorators(node)
    signature = one_line(f"{decorators}class {node.name}" + (f"({bases})" if bases else ""))
    doc = summary(ast.get_docstring(node) or "")
    facts.symbols.append(Symbol("class", node.name, signature, doc, visibility))
    # its public members, each as public as its own name says (the class heading shows the
    # class's own visibility); underscored ones are the class's business
    for member in node.body:
        if isinstance(member, _FUNCTIONS) and _public(member.name):
            _add_function(facts, member, parent=node.name, visibility="public")
        elif isinstance(member, (ast.Assign, ast.AnnAssign)):
            for name, shown in _assigned(member, module=False):
                if _public(name):
                    facts.symbols.append(Symbol("field", name, shown, "", "public", node.name))


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    return "".join(f"@{ast.unparse(d)} " for d in node.decorator_list)


def _add_function(
    facts: Facts,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    *,
    parent: str,
    visibility: Visibility,
) -> None:
    """One entry per name: ``@overload`` stubs and a property's getter/setter/deleter merge
    into the last definition (the implementation), keeping the first doc found; the
    decorators that say what it is (``@property``, ``@classmethod`` …) stay in the signature."""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    decorators = "".join(
        f"@{ast.unparse(d)} "
        for d in node.decorator_list
        if not (isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter"))
        and ast.unparse(d) not in ("overload", "typing.overload")
    )
    signature = one_line(f"{decorators}{prefix} {node.name}({ast.unparse(node.args)}){returns}")
    doc = summary(ast.get_docstring(node) or "")
    kind = "method" if parent else "function"
    for i, existing in enumerate(facts.symbols):
        if existing.name == node.name and existing.parent == parent:
            keep = existing.signature if existing.signature.startswith("@property") else signature
            facts.symbols[i] = Symbol(
                kind, node.name, keep, existing.doc or doc, visibility, parent
            )
            return
    facts.symbols.append(Symbol(kind, node.name, signature, doc, visibility, parent))


def _assigned(node: ast.stmt, *, module: bool) -> list[tuple[str, str]]:
    """``(name, signature)`` of what a statement binds that a reader looks for: at module level
    every name a user may import (``pass_config = make_pass_decorator(…)``, ``T = TypeVar(…)``;
    an underscored helper is left out), in a class every annotated or assigned name."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        name = node.target.id
        return [(name, one_line(f"{name}: {ast.unparse(node.annotation)}"))]
    if isinstance(node, ast.Assign):
        names = [t.id for t in node.targets if isinstance(t, ast.Name) and t.id != "__all__"]
        return [(n, n) for n in names if not module or _public(n)]
    return []


def _value_kind(name: str) -> str:
    return "const" if name.isupper() else "variable"


def _public(name: str) -> bool:
    return not name.startswith("_") or _dunder(name)


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and len(name) > 4


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The module's own statements, those inside a top-level ``if``/``try`` included (an
    ``if TYPE_CHECKING:`` block, a ``try: import …`` fallback)."""
    for node in body:
        if isinstance(node, (ast.If, ast.Try, ast.TryStar)):
            for block in (node.body, node.orelse, getattr(node, "finalbody", [])):
                yield from _module_level(block)
            for handler in getattr(node, "handlers", []):
                yield from _module_level(handler.body)
        else:
            yield node


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
    """The module-level imports as a reader sees them: ``os``, ``.sibling``, and for
    ``from . import a, b`` the modules ``.a`` and ``.b`` themselves."""
    written: list[str] = []
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            written += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            dots = "." * node.level
            if node.module:
                written.append(dots + node.module)
            else:  # `from . import a, b`: the names are modules of the package
                written += [f"{dots}{a.name}" for a in node.names]
    return list(dict.fromkeys(written))


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
