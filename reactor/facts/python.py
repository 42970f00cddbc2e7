"""Python facts from ``ast``: it is exact for Python, where tree-sitter would only be close.

Facts: the module docstring, functions and classes with their methods, nested classes and
private members (each decorator kept in the signature: ``@property``, ``@classmethod``,
``@staticmethod``, ``@overload`` stubs merged into the implementation; ``@deprecated`` also a
mark), class attributes and module-level constants and variables (annotated, or bound by
assignment to a public name; a name bound twice, in an ``if``/``else``, once), the names a
module re-exports (in ``__all__``, ``import x as x``, or a package ``__init__``'s relative
imports), and what is public: ``__all__`` when the module has one (names outside it are
internal, even without a leading underscore), else a name without a leading underscore.
Imports at module level, in ``try``/``if`` blocks included, as a reader sees them (``.models``,
``..util.parse``), each resolved to its absolute module with the names it brings in; a module
imported whole (``import a.b``, ``from . import mod``) brings in the attributes the code uses
of it (``mod.Session`` → ``Session``), read from the tree, so a comment or a string never
counts. A name bound by an import and again in its ``except ImportError`` fallback is an
import, not a variable. A file that does not parse says where.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator

from ..graph import module_names
from . import Facts, Symbol, Visibility, one_line, summary

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEPRECATED = ("deprecated", "typing_extensions.deprecated", "warnings.deprecated")


def extract(rel: str, language: str, data: bytes) -> Facts:
    """A file that does not parse gets facts that say where, and nothing else."""
    try:
        tree = ast.parse(data, filename=rel)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        return Facts("python", error=f"syntax error at line {line}" if line else "not Python")
    facts = Facts("python", doc=ast.get_docstring(tree) or "")
    exported = _all(tree)

    def visibility(name: str) -> Visibility:
        if exported is not None:
            return "public" if name in exported else "private"
        return "public" if _public(name) else "private"

    imported = _imported_names(tree)
    for node in _module_level(tree.body):
        if isinstance(node, _FUNCTIONS):
            _add_function(facts, node, parent="", visibility=visibility(node.name))
        elif isinstance(node, ast.ClassDef):
            _add_class(facts, node, visibility(node.name))
        else:
            for name, signature in _assigned(node, module=True):
                if name not in imported:  # `except ImportError: chardet = None`
                    _append(facts, Symbol(_value_kind(name), name, signature, "", visibility(name)))
    for name, signature in _reexports(rel, tree, exported):
        _append(facts, Symbol("reexport", name, signature, "", "public"))
    facts.resolved, facts.names = _imports(rel, tree, data.decode("utf-8", "replace"))
    facts.imports = _written_imports(tree)
    return facts


def _append(facts: Facts, symbol: Symbol) -> None:
    """``symbol``, unless its name is already bound in its scope (``if win: clock = a`` /
    ``else: clock = b`` is one name)."""
    if not any(s.name == symbol.name and s.parent == symbol.parent for s in facts.symbols):
        facts.symbols.append(symbol)


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


def _add_class(facts: Facts, node: ast.ClassDef, visibility: Visibility, parent: str = "") -> None:
    bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
    decorators = _decorators(node)
    signature = one_line(f"{decorators}class {node.name}" + (f"({bases})" if bases else ""))
    doc = summary(ast.get_docstring(node) or "")
    marks = _marks(node)
    facts.symbols.append(Symbol("class", node.name, signature, doc, visibility, parent, marks))
    # its members, each as public as its own name says (the class heading shows the class's
    # own visibility); underscored ones are listed as private, after the public ones
    for member in node.body:
        own: Visibility = "public" if _public(getattr(member, "name", "")) else "private"
        if isinstance(member, _FUNCTIONS):
            _add_function(facts, member, parent=node.name, visibility=own)
        elif isinstance(member, ast.ClassDef):
            _add_class(facts, member, own, parent=node.name)
        elif isinstance(member, (ast.Assign, ast.AnnAssign)):
            for name, shown in _assigned(member, module=False):
                own = "public" if _public(name) else "private"
                _append(facts, Symbol("field", name, shown, "", own, node.name))


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    return "".join(f"@{ast.unparse(d)} " for d in node.decorator_list)


def _marks(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> tuple[str, ...]:
    """``("deprecated",)`` for a ``@deprecated("…")`` (PEP 702) declaration."""
    for decorator in node.decorator_list:
        called = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(called) in _DEPRECATED:
            return ("deprecated",)
    return ()


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
    marks = _marks(node)
    for i, existing in enumerate(facts.symbols):
        if existing.name == node.name and existing.parent == parent:
            keep = existing.signature if existing.signature.startswith("@property") else signature
            facts.symbols[i] = Symbol(
                kind, node.name, keep, existing.doc or doc, visibility, parent, marks
            )
            return
    facts.symbols.append(Symbol(kind, node.name, signature, doc, visibility, parent, marks))


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


def _imported_names(tree: ast.Module) -> set[str]:
    """The names module-level imports bind (``import a.b`` binds ``a``)."""
    bound: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add(alias.asname or alias.name.split(".")[0])
    return bound


def _reexports(rel: str, tree: ast.Module, exported: set[str] | None) -> list[tuple[str, str]]:
    """``(name, import as written)`` for each name the module passes on from another: listed in
    ``__all__``, imported as itself (``from .a import X as X``), or — in a package's
    ``__init__`` without ``__all__`` — imported from one of its own modules."""
    package_init = rel.endswith("__init__.py") or rel.endswith("__init__.pyi")
    out: list[tuple[str, str]] = []
    star = False
    for node in _module_level(tree.body):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        star = star or any(alias.name == "*" for alias in node.names)
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        relative = isinstance(node, ast.ImportFrom) and node.level > 0
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            if alias.name == "*":
                continue
            if exported is not None:
                passed_on = name in exported
            else:
                passed_on = alias.asname == alias.name or (package_init and relative)
                passed_on = passed_on and _public(name)
            if passed_on:
                out.append((name, _as_written(node, alias)))
    if star and exported:  # `from ._client import *` and the name in `__all__`
        bound = _bound_names(tree) | {name for name, _ in out}
        out += [(name, name) for name in _all_names(tree) if name not in bound]
    return out


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the module's own statements bind: definitions, assignments, imports."""
    bound = _imported_names(tree)
    for node in _module_level(tree.body):
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            bound.add(node.name)
        else:
            bound.update(name for name, _ in _assigned(node, module=False))
    return bound


def _all_names(tree: ast.Module) -> list[str]:
    """``__all__``'s names in their order (see :func:`_all`)."""
    for node in tree.body:
        value = getattr(node, "value", None)
        targets = getattr(node, "targets", [getattr(node, "target", None)])
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
            value, (ast.List, ast.Tuple)
        ):
            return [
                e.value
                for e in value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
    return []


def _as_written(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    renamed = f" as {alias.asname}" if alias.asname else ""
    if isinstance(node, ast.Import):
        return f"import {alias.name}{renamed}"
    return f"from {'.' * node.level}{node.module or ''} import {alias.name}{renamed}"


def _imports(rel: str, tree: ast.Module, text: str) -> tuple[list[str], dict[str, list[str]]]:
    """Absolute dotted names of every import, relative ones resolved against the package, and
    the names each brings in: those a ``from … import`` lists, and for a module imported whole
    the attributes the code uses of it."""
    package = module_names(rel)[0].split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    imports: list[str] = []
    names: dict[str, list[str]] = {}
    whole: dict[str, str] = {}  # module -> the name the code reaches it by
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports.append(alias.name)
                whole[alias.name] = alias.asname or alias.name
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
            for alias in node.names:
                module = f"{prefix}.{alias.name}" if prefix else alias.name
                imports.append(module)
                whole[module] = alias.asname or alias.name
    # (the standard library is never a repo file; a name the text never follows with a dot
    # has no attribute used: the tree is walked only when one may)
    whole = {
        module: reached
        for module, reached in whole.items()
        if module.split(".", 1)[0] not in sys.stdlib_module_names and f"{reached}." in text
    }
    if whole:
        used = _attributes(tree)
        for module, reached in whole.items():
            attributes = used.get(reached)
            if attributes:
                known = names.setdefault(module, [])
                known.extend(a for a in attributes if a not in known)
    return list(dict.fromkeys(i for i in imports if i)), {k: v for k, v in names.items() if v}


def _attributes(tree: ast.Module) -> dict[str, list[str]]:
    """For each dotted prefix the code writes (``a``, ``a.b``), the attributes it takes of it
    (``a.b.C`` → ``{"a": ["b"], "a.b": ["C"]}``), in source order."""
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        parts = [node.attr]
        value = node.value
        while isinstance(value, ast.Attribute):
            parts.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name):
            continue
        parts.append(value.id)
        parts.reverse()
        seen = out.setdefault(".".join(parts[:-1]), [])
        if parts[-1] not in seen:
            seen.append(parts[-1])
    return out


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
