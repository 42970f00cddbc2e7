"""JavaScript and TypeScript (and TSX): facts from tree-sitter, imports the way Node and tsc
resolve them.

Facts: functions (declared, or assigned as arrows and function expressions, with the variable's
type annotation), classes with their methods and fields (``private``/``protected``/``#private``
marked), interfaces and object type aliases (with their type parameters) with their members,
enums, namespaces and ``declare`` forms (ambient functions, variables, namespaces, modules),
constants (typed by their annotation, or by the ``as``/``satisfies`` their value ends with);
what is exported — by ``export`` on the declaration, by an ``export { a, b as c }`` list (the
alias shown), as the default export, named or not, or passed on from another module
(``export { a } from './x'``, ``export * from './y'``: re-exports). Docs are JSDoc's ``/** */``
(a ``//`` comment is a note on the code); ``@deprecated`` is a mark. Imports with the names
each brings in — for a namespace import or a ``require()`` bound to a name, the members the
code takes of it (``ns.helper`` → ``helper``); ``require()`` and ``import()`` anywhere.

Resolution: relative specifiers with extension and ``index`` resolution (ESM TypeScript's
``./a.js`` for ``a.ts`` too); ``tsconfig.json``/``jsconfig.json`` ``paths`` and ``baseUrl``,
following ``extends`` chains; and packages of the repo's own workspaces (npm/yarn ``workspaces``,
``pnpm-workspace.yaml``), by each ``package.json``'s ``name`` and its ``exports``, ``types``,
``module`` or ``main`` (a compiled ``dist/`` entry also tried as the ``src/`` it came from).
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path, PurePosixPath
from typing import Any

import tree_sitter as ts

from . import Facts, Project, Symbol, Visibility, glob_match, join, one_line, path_keys
from .walker import Walker, child, deprecation, doc_summary, file_doc, named

EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_COMPILED = {
    ".js": (".ts", ".tsx", ".d.ts"),
    ".jsx": (".tsx",),
    ".mjs": (".mts", ".d.mts"),
    ".cjs": (".cts", ".d.cts"),
}
_TYPES = {
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "class": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
}
_FUNCTIONS = ("function_declaration", "generator_function_declaration", "function_signature")
_FUNCTION_VALUES = ("function_expression", "arrow_function", "function")
#: The statements that declare a name (the rest are code or comments).
_DECLARING = frozenset(
    [
        *_FUNCTIONS,
        *_TYPES,
        "internal_module",
        "module",
        "lexical_declaration",
        "variable_declaration",
    ]
)
#: A value whose expression says its type: ``x as T``, ``x satisfies T``.
_TYPED_VALUES = ("as_expression", "satisfies_expression")
_MEMBERS = {
    "method_definition": "method",
    "abstract_method_signature": "method",
    "method_signature": "method",
    "public_field_definition": "field",
    "field_definition": "field",
    "property_signature": "field",
    "call_signature": "method",
    "construct_signature": "method",
    "index_signature": "field",
}
#: A JSON string (kept) or a comment (dropped): tsconfig files allow comments.
#: Whether a file may call ``require`` or ``import()`` at all (most never do: no tree walk).
_CALLS_IMPORT = re.compile(rb"\b(require|import)\s*\(")
_JSONC_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.DOTALL)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.note_parse_error(root)
    exported_as: dict[str, str] = {}  # a local name in an `export { … }` list -> its public name
    written: dict[str, str] = {}  # such a local, exported by an assignment -> the assignment
    bound: dict[str, str] = {}  # a name a whole module is bound to (`* as ns`) -> its specifier
    _statements(w, root, (exported_as, written), bound, parent="", exported_scope=False)
    if bound:
        _members_used(w, root, bound)
    calls = w.descendants(root, "call_expression") if _CALLS_IMPORT.search(data) else ()
    for call in calls:  # require('x') and import('x') anywhere
        arguments = call.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments and arguments.named_child_count else None
        function = w.text(call.child_by_field_name("function"))
        if first is not None and first.type == "string" and function in ("require", "import"):
            taken = call.parent  # `require('./x').request`: the member is what is used
            if (
                taken is not None
                and taken.type == "member_expression"
                and taken.child_by_field_name("object") == call
            ):
                w.import_of(w.string(first), [w.text(taken.child_by_field_name("property"))])
            else:
                w.import_of(w.string(first))
    for i, symbol in enumerate(w.facts.symbols):
        public = exported_as.get(symbol.name) if not symbol.parent else None
        if public is not None:
            shown = symbol.signature + (f" (exported as {public})" if public != symbol.name else "")
            w.facts.symbols[i] = _replace(symbol, visibility="public", signature=shown)
    declared = {s.name for s in w.facts.top_level()}
    for local, public in exported_as.items():
        if local in declared:
            continue
        if public == "default":  # `export default ky`, of a value not listed itself
            w.facts.symbols.append(Symbol("const", "default", f"export default {local}"))
        else:  # an imported value passed on
            renamed = f"{local} as {public}" if public != local else local
            shown = written.get(local, f"export {{ {renamed} }}")
            w.facts.symbols.append(Symbol("reexport", public, shown))
    w.facts.doc = file_doc(w, root)
    return w.facts


def _replace(symbol: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(symbol, **changes)


#: What binds a name in a function or block (a local that hides a module bound to that name).
_LOCAL_BINDINGS = ("variable_declarator", "formal_parameters", "arrow_function", "catch_clause")


def _members_used(w: Walker, root: ts.Node, bound: dict[str, str]) -> None:
    """The members the code takes of each module bound whole (``ns.helper()``), as names of
    its import: read from the tree, so a comment or a string never counts; a member assigned
    to (``ns.x = 1``) is no use of the module's, and a name bound again elsewhere in the file
    (a local ``response`` hiding the required one) makes its members unknown."""
    found = w.descendants(root, (*_LOCAL_BINDINGS, "member_expression"))
    for node in found:
        if node.type == "member_expression":
            continue
        names = node.children_by_field_name("name") or node.children_by_field_name("parameter")
        if node.type in ("formal_parameters", "catch_clause"):
            names = _parameter_names(node)
        for name in names:
            value = node.child_by_field_name("value")
            own = value is not None and w.text(value).startswith(("require(", "require ("))
            if name.type == "identifier" and not own:
                bound.pop(w.text(name), None)
    if not bound:
        return
    for node in found:
        if node.type != "member_expression":
            continue
        target = node.child_by_field_name("object")
        if target is None or target.type != "identifier":
            continue
        spec = bound.get(w.text(target))
        parent = node.parent
        assigned = (
            parent is not None
            and parent.type == "assignment_expression"
            and parent.child_by_field_name("left") == node
        )
        if spec is not None and not assigned:
            w.import_of(spec, [w.text(node.child_by_field_name("property"))])


def _parameter_names(node: ts.Node) -> list[ts.Node]:
    """The names a parameter list (or a ``catch``) binds: ``a``, ``b = 1``, ``c: T``, ``...d``."""
    out = []
    for parameter in node.named_children:
        found: ts.Node | None = parameter
        while found is not None and found.type != "identifier":
            found = (
                found.child_by_field_name("pattern")
                or found.child_by_field_name("left")
                or found.child_by_field_name("parameter")
                or (found.named_children[0] if found.named_child_count else None)
            )
        if found is not None:
            out.append(found)
    return out


Exports = tuple[dict[str, str], dict[str, str]]


def _statements(
    w: Walker,
    scope: ts.Node,
    exports: Exports,
    bound: dict[str, str],
    *,
    parent: str,
    exported_scope: bool,
) -> None:
    """The statements of a file, a namespace or an ambient module (``exports``: the locals
    exported by name, and how an assignment exported them)."""
    exported_as = exports[0]
    for node in named(scope):
        kind = node.type
        if kind == "import_statement":
            _import(w, node, "import_specifier", bound)
        elif kind == "export_statement":
            _export(w, node, exported_as, parent=parent)
        elif kind == "expression_statement":
            inner = node.named_children[0] if node.named_child_count else None
            if inner is not None and inner.type == "internal_module":
                _declaration(w, inner, node, exported=exported_scope, parent=parent)
            else:
                _assignment(w, node, exports)
        elif kind == "ambient_declaration":
            for inner in named(node):
                _declaration(w, inner, node, exported=True, parent=parent)
        else:
            if kind in ("lexical_declaration", "variable_declaration"):
                for value in _exported_values(w, node):  # `const proto = module.exports = {…}`
                    _module_exports(w, node, value, exports)
            _declaration(w, node, node, exported=exported_scope, parent=parent, bound=bound)


def _export(w: Walker, node: ts.Node, exported_as: dict[str, str], *, parent: str) -> None:
    source = node.child_by_field_name("source")
    if source is not None:  # a re-export: `export { a } from './x'`, `export * from './y'`
        _import(w, node, "export_specifier", {})
        _reexports(w, node, parent)
        return
    clause = child(node, "export_clause")
    if clause is not None:  # `export { a, b as c }`
        for spec in named(clause):
            local = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias")
            exported_as[w.text(local)] = w.text(alias) if alias is not None else w.text(local)
        return
    declaration = node.child_by_field_name("declaration")
    if declaration is not None:
        before = len(w.facts.symbols)
        _declaration(w, declaration, node, exported=True, parent=parent)
        if child(node, "default") is not None and before < len(w.facts.symbols):
            # `export default function f()`: what an importer's `default` is
            first = w.facts.symbols[before]
            signature = f"export default {first.signature}"
            w.facts.symbols[before] = _replace(first, signature=signature)
        return
    value = node.child_by_field_name("value")  # `export default <expression>`
    if value is None:
        value = next((c for c in named(node) if c.type not in ("comment", "decorator")), None)
    if value is None:
        return
    if value.type in ("class", "class_declaration", "abstract_class_declaration"):
        _declaration(w, value, node, exported=True, parent=parent, default=True)
    elif value.type in ("function_expression", "function", "arrow_function", *_FUNCTIONS):
        name = w.name(value) or "default"
        signature = one_line(f"export default {w.signature(value)}")
        w.add("function", name, value, signature=signature, doc=w.doc(node), parent=parent)
    elif value.type == "identifier":
        exported_as[w.text(value)] = "default"
    else:
        signature = one_line(f"export default {w.text(value)}")
        w.add("const", "default", value, signature=signature, doc=w.doc(node), parent=parent)


def _without_bodies(text: str) -> str:
    """A type alias as declared, its object types' members left out: ``type P<T> = Promise<T>
    & {…}`` (a member list is the alias's body, listed as its members or not at all)."""
    out, depth = [], 0
    for ch in text:
        if ch == "{":
            if depth == 0:
                out.append("{…}")
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return one_line("".join(out).rstrip().rstrip(";"))


def _reexports(w: Walker, node: ts.Node, parent: str) -> None:
    """The names an ``export … from`` passes on, as this module's: ``export { a, b as c }``
    (a and c), ``export * as ns`` (ns), ``export *`` (every name of it, as ``*``)."""
    source = w.text(node.child_by_field_name("source"))
    clause = child(node, "export_clause")
    if clause is not None:
        for spec in named(clause):
            alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
            written = one_line(f"export {{ {w.text(spec)} }} from {source}")
            w.add("reexport", w.text(alias), node, parent=parent, signature=written, doc="")
        return
    space = child(node, "namespace_export")
    name = w.text(space.named_children[0]) if space is not None and space.named_child_count else "*"
    written = one_line(f"export {w.text(space) if space is not None else '*'} from {source}")
    w.add("reexport", name, node, parent=parent, signature=written, doc=w.doc(node))


def _declaration(
    w: Walker,
    node: ts.Node,
    outer: ts.Node,
    *,
    exported: bool,
    parent: str,
    default: bool = False,
    bound: dict[str, str] | None = None,
) -> None:
    """One declaration; ``outer`` is the statement that holds its doc comment."""
    kind = node.type
    if kind not in _DECLARING:
        return  # (a comment, an expression: nothing declared, no doc to read)
    visibility: Visibility = "public" if exported else "private"
    raw = w.doc_text(outer)
    doc, marks = doc_summary(raw), deprecation(raw)
    if kind in _FUNCTIONS:
        w.add(
            "function",
            w.name(node),
            node,
            visibility=visibility,
            doc=doc,
            parent=parent,
            marks=marks,
        )
    elif kind in _TYPES:
        name = w.name(node) or ("default" if default else "")
        signature = w.signature(node) if kind != "type_alias_declaration" else ""
        if kind == "type_alias_declaration":
            value = node.child_by_field_name("value")
            parameters = w.text(node.child_by_field_name("type_parameters"))
            signature = (
                _without_bodies(w.text(node))
                if value is None or value.type != "object_type"
                else (f"type {name}{parameters}")
            )
        w.add(
            _TYPES[kind],
            name,
            node,
            visibility=visibility,
            doc=doc,
            parent=parent,
            signature=signature,
            marks=marks,
        )
        body = node.child_by_field_name("body")
        if body is None and kind == "type_alias_declaration":
            body = node.child_by_field_name("value")
        if kind == "enum_declaration":
            for member in named(body):
                member_name = w.text(member.child_by_field_name("name") or member)
                w.add(
                    "const",
                    member_name.split("=")[0].strip(),
                    member,
                    parent=name,
                    visibility=visibility,
                )
        else:
            _members(w, body, owner=name)
    elif kind in ("internal_module", "module"):
        name = w.string(node.child_by_field_name("name"))
        w.add("namespace", name, node, visibility=visibility, doc=doc, parent=parent)
        body = node.child_by_field_name("body")
        if body is not None:
            scoped = kind == "module" or exported
            _statements(w, body, ({}, {}), {}, parent=name, exported_scope=scoped)
    elif kind in ("lexical_declaration", "variable_declaration"):
        _variables(w, node, doc=doc, exported=exported, parent=parent, bound=bound, marks=marks)


def _members(w: Walker, body: ts.Node | None, *, owner: str) -> None:
    """The methods and fields of a class, interface or object type (one level)."""
    for member in named(body):
        what = _MEMBERS.get(member.type)
        if what is None:
            continue
        name = w.name(member) or w.name(member, "property")
        if not name:
            name = {
                "call_signature": "(call)",
                "construct_signature": "new",
                "index_signature": "[index]",
            }.get(member.type, "")
        # a member's own visibility, as written (its type's heading shows the type's: a type
        # named in a later `export { … }` list becomes public with its members unchanged)
        accessibility = w.text(child(member, "accessibility_modifier"))
        own: Visibility = "public"
        if name.startswith("#") or accessibility == "private":
            own = "private"
        elif accessibility == "protected":
            own = "protected"
        raw = w.doc_text(member)
        w.add(
            what,
            name,
            member,
            parent=owner,
            visibility=own,
            doc=doc_summary(raw),
            marks=deprecation(raw),
        )


def _variables(
    w: Walker,
    node: ts.Node,
    *,
    doc: str,
    exported: bool,
    parent: str,
    bound: dict[str, str] | None,
    marks: tuple[str, ...],
) -> None:
    keyword = w.text(node).split(None, 1)[0] if w.text(node) else "const"
    for declarator in named(node):
        if declarator.type != "variable_declarator":
            continue
        name = w.name(declarator)
        value = declarator.child_by_field_name("value")
        typed = declarator.child_by_field_name("type")
        annotation = w.text(typed) if typed is not None else ""
        if value is not None and value.type == "call_expression":
            function = w.text(value.child_by_field_name("function"))
            arguments = value.child_by_field_name("arguments")
            if function == "require" and arguments is not None and arguments.named_child_count:
                _require(w, declarator, w.string(arguments.named_children[0]), bound)
                continue
        visibility: Visibility = "public" if exported else "private"
        if value is not None and value.type in (
            "arrow_function",
            "function_expression",
            "function",
        ):
            signature = one_line(f"{keyword} {name}{annotation} = {w.signature(value)}")
            w.add(
                "function",
                name,
                declarator,
                signature=signature,
                visibility=visibility,
                doc=doc,
                parent=parent,
            )
        elif exported or name.isupper():
            signature = one_line(f"{keyword} {w.text(declarator).split('=')[0].strip()}")
            if not annotation and value is not None and value.type in _TYPED_VALUES:
                # `export const x = … as T`: the type is the cast's (`as const` included)
                cast = value.children[-1] if value.child_count else None
                word = "satisfies" if value.type == "satisfies_expression" else "as"
                if cast is not None:
                    signature = one_line(f"{signature} = … {word} {w.text(cast)}")
            w.add(
                "const",
                name,
                declarator,
                signature=signature,
                visibility=visibility,
                doc=doc,
                parent=parent,
                marks=marks,
            )


def _exported_values(w: Walker, declaration: ts.Node) -> list[ts.Node]:
    """The values a declaration also assigns to ``module.exports`` (``const a = module.exports
    = value``)."""
    out = []
    for declarator in named(declaration):
        value = declarator.child_by_field_name("value")
        while value is not None and value.type == "assignment_expression":
            left, value = value.child_by_field_name("left"), value.child_by_field_name("right")
            if w.text(left) == "module.exports" and value is not None:
                out.append(value)
                break
    return out


def _module_exports(w: Walker, statement: ts.Node, right: ts.Node, exports: Exports) -> None:
    """What ``module.exports = …`` makes the module's API: a local (``= local``, ``= { a, b:
    c }``), or declared right there — a class, a function, an object's methods and getters
    (``= { inspect () {…}, get header () {…} }``; a getter and its setter one entry), each
    listed."""
    exported_as, written = exports
    doc = w.doc(statement)
    if right.type == "identifier":
        exported_as[w.text(right)] = "module.exports"
    elif right.type in ("class", "class_declaration"):
        name = w.name(right) or "module.exports"
        signature = one_line(f"module.exports = {w.signature(right)}")
        w.add("class", name, right, signature=signature, doc=doc)
        _members(w, right.child_by_field_name("body"), owner=name)
    elif right.type in ("function_expression", "arrow_function", "function"):
        signature = one_line(f"module.exports = {w.signature(right)}")
        w.add("function", "module.exports", right, signature=signature, doc=doc)
    elif right.type == "object":
        listed: set[str] = set()
        for entry in named(right):
            value = entry.child_by_field_name("value")
            if entry.type == "shorthand_property_identifier":
                exported_as[w.text(entry)] = w.text(entry)
            elif entry.type == "pair" and value is not None and value.type == "identifier":
                key = w.text(entry.child_by_field_name("key"))
                exported_as[w.text(value)] = key
                written[w.text(value)] = f"module.exports = {{ {key}: {w.text(value)} }}"
            elif entry.type == "method_definition" and w.name(entry) not in listed:
                listed.add(w.name(entry))
                w.add("function", w.name(entry), entry)
            elif entry.type == "pair" and value is not None and value.type in _FUNCTION_VALUES:
                key = w.text(entry.child_by_field_name("key"))
                w.add("function", key, entry, signature=one_line(f"{key}: {w.signature(value)}"))


def _assignment(w: Walker, statement: ts.Node, exports: Exports) -> None:
    """CommonJS and prototype style: ``exports.f = function …``, ``app.use = (…) => …``,
    ``exports.json = bodyParser.json``; ``exports.X = local`` and ``module.exports = local``
    (or ``= { a, b: c }``) export a local declaration the way an ``export { … }`` list does."""
    exported_as, written = exports
    expression = statement.named_children[0] if statement.named_child_count else None
    if expression is None or expression.type != "assignment_expression":
        return
    left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
    while (
        right is not None and right.type == "assignment_expression"
    ):  # exports = module.exports = f
        right = right.child_by_field_name("right")
    if left is None or right is None or left.type != "member_expression":
        return
    target = w.text(left)
    exported = target.removeprefix("module.").removeprefix("exports.")
    commonjs = target.startswith(("exports.", "module.exports")) and exported.isidentifier()
    if target == "module.exports":
        _module_exports(w, statement, right, exports)
        return
    if right.type in ("function_expression", "arrow_function", "function"):
        signature = one_line(f"{exported} = {w.signature(right)}")
        w.add("function", exported, expression, signature=signature, doc=w.doc(statement))
    elif commonjs and right.type == "identifier":
        exported_as[w.text(right)] = exported
        written[w.text(right)] = one_line(f"{target} = {w.text(right)}")
    elif commonjs:
        value = w.text(right).split("\n", 1)[0]
        shown = value if len(value) <= 60 and "\n" not in w.text(right) else "…"
        w.add("variable", exported, expression, signature=one_line(f"exports.{exported} = {shown}"))


def _import(w: Walker, node: ts.Node, specifier: str, bound: dict[str, str]) -> None:
    """One ``import … from 'x'`` (or ``export … from 'x'``) and the names it brings in (a
    namespace import's, ``* as ns``, are the members used of ``ns``: see ``bound``)."""
    source = w.string(node.child_by_field_name("source"))
    names = [w.name(s) or w.text(s.named_children[0]) for s in w.descendants(node, specifier)]
    clause = child(node, "import_clause")
    if clause is not None and any(c.type == "identifier" for c in clause.named_children):
        names.append("default")
    space = child(clause, "namespace_import") if clause is not None else None
    if space is not None and space.named_child_count:
        bound[w.text(space.named_children[0])] = source
    w.import_of(source, names)


def _require(w: Walker, declarator: ts.Node, spec: str, bound: dict[str, str] | None) -> None:
    """``const {a, b: c} = require('x')`` brings in a and b; ``const m = require('x')`` the
    members the code takes of ``m``."""
    target = declarator.child_by_field_name("name")
    names: list[str] = []
    if target is not None and target.type == "object_pattern":
        for entry in named(target):
            key = entry.child_by_field_name("key") if entry.type == "pair_pattern" else entry
            names.append(w.text(key))
    elif target is not None and target.type == "identifier" and bound is not None:
        bound[w.text(target)] = spec
    w.import_of(spec, names)


# -- resolution -------------------------------------------------------------------------------
class JsResolver:
    """Specifier → candidate repo paths, with the project's tsconfig files and workspaces."""

    def __init__(self, project: Project):
        self.project = project
        self._workspaces: dict[str, tuple[str, dict[str, Any]]] | None = None

    def keys(self, rel: str, spec: str) -> list[str]:
        directory = posixpath.dirname(rel)
        if spec.startswith((".", "/")):
            target = join(directory, spec)
            return path_keys(_candidates(target) + self._package_entries(target))
        out: list[str] = []
        config = self._tsconfig(directory)
        if config is not None:
            base, patterns = config
            for pattern, targets in patterns.items():
                prefix = pattern.removesuffix("*")
                if spec == pattern or (pattern.endswith("*") and spec.startswith(prefix)):
                    rest = spec[len(prefix) :] if pattern.endswith("*") else ""
                    for target in targets:
                        out += _candidates(join(base, target.replace("*", rest)))
        out += self._workspace(spec)
        if not out and config is not None:
            out = _candidates(join(config[0], spec))  # baseUrl-relative
        return path_keys(out)

    def forget(self) -> None:
        self._workspaces = None

    # -- tsconfig, with `extends` -------------------------------------------------------------
    def _tsconfig(self, directory: str) -> tuple[str, dict[str, list[str]]] | None:
        """``(baseUrl, paths)`` of the nearest ``tsconfig.json`` (or ``jsconfig.json``), with
        what its ``extends`` chain gives it (each relative to the file that sets it)."""
        for folder in _ancestors(directory):
            for name in ("tsconfig.json", "jsconfig.json"):
                found = self._options(join(folder, name), depth=0)
                if found is not None:
                    base, paths = found
                    return base or folder, paths
        return None

    def _options(self, path: str, depth: int) -> tuple[str, dict[str, list[str]]] | None:
        config = self.project.read_json(path)
        if not isinstance(config, dict) or depth > 8:
            return None
        base, paths = "", {}  # type: tuple[str, dict[str, list[str]]]
        parent = config.get("extends")
        for ext in parent if isinstance(parent, list) else [parent] if parent else []:
            if isinstance(ext, str) and ext.startswith("."):
                target = join(posixpath.dirname(path), ext)
                target = target if target.endswith(".json") else target + ".json"
                inherited = self._options(target, depth + 1)
                if inherited is not None:
                    base, paths = inherited[0] or base, {**paths, **inherited[1]}
        options = config.get("compilerOptions")
        options = options if isinstance(options, dict) else {}
        folder = posixpath.dirname(path)
        if isinstance(options.get("baseUrl"), str):
            base = join(folder, options["baseUrl"])
        if isinstance(options.get("paths"), dict):
            paths = {
                str(k): [str(t) for t in v]
                for k, v in options["paths"].items()
                if isinstance(v, list)
            }
            base = base or folder  # `paths` without `baseUrl` are relative to their file
        return base, paths

    # -- workspaces ---------------------------------------------------------------------------
    def _package_entries(self, folder: str) -> list[str]:
        """A folder required as a package (``require("../..")``): what its manifest names."""
        folder = "" if folder == "." else folder
        manifest = self.project.read_json(
            join(folder, "package.json") if folder else "package.json"
        )
        if not isinstance(manifest, dict):
            return []
        return [c for entry in _entries(manifest, "") for c in _candidates(join(folder, entry))]

    def _workspace(self, spec: str) -> list[str]:
        """A package of the repo's own workspaces: ``@scope/pkg`` or ``@scope/pkg/sub``."""
        packages = self._packages()
        parts = spec.split("/")
        name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
        found = packages.get(name)
        if found is None:
            return []
        folder, manifest = found
        sub = spec[len(name) :].lstrip("/")
        out: list[str] = []
        for entry in _entries(manifest, sub):
            out += _candidates(join(folder, entry))
            if "/dist/" in f"/{entry}" or "/lib/" in f"/{entry}" or "/build/" in f"/{entry}":
                for built in ("dist", "lib", "build"):  # the source it was compiled from
                    source = re.sub(rf"(^|/){built}/", r"\1src/", entry, count=1)
                    out += _candidates(join(folder, _strip_js(source)))
        if sub:
            out += _candidates(join(folder, sub)) + _candidates(join(folder, f"src/{sub}"))
        else:
            out += _candidates(join(folder, "src/index")) + _candidates(join(folder, "index"))
        return out

    def _packages(self) -> dict[str, tuple[str, dict[str, Any]]]:
        if self._workspaces is None:
            self._workspaces = {}
            for folder in self._workspace_dirs():
                manifest = self.project.read_json(join(folder, "package.json"))
                if isinstance(manifest, dict) and isinstance(manifest.get("name"), str):
                    self._workspaces[manifest["name"]] = (folder, manifest)
        return self._workspaces

    def _workspace_dirs(self) -> list[str]:
        """The package folders the root ``package.json`` and ``pnpm-workspace.yaml`` name."""
        patterns: list[str] = []
        root = self.project.read_json("package.json")
        if isinstance(root, dict):
            spaces = root.get("workspaces")
            if isinstance(spaces, dict):
                spaces = spaces.get("packages")
            if isinstance(spaces, list):
                patterns += [p for p in spaces if isinstance(p, str)]
        try:
            pnpm = (self.project.root / "pnpm-workspace.yaml").read_text(errors="replace")
        except OSError:
            pnpm = ""
        patterns += re.findall(r"^\s*-\s*['\"]?([^'\"\n#]+?)['\"]?\s*$", pnpm, re.MULTILINE)
        wanted = [p.removeprefix("./").rstrip("/") for p in patterns if not p.startswith("!")]
        unwanted = [p[1:].removeprefix("./").rstrip("/") for p in patterns if p.startswith("!")]
        folders = [posixpath.dirname(rel) for rel in self.project.named("package.json")]
        return [
            folder
            for folder in folders
            if folder
            and any(glob_match(p, folder) for p in wanted)
            and not any(glob_match(p, folder) for p in unwanted)
        ]


def _entries(manifest: dict[str, Any], sub: str) -> list[str]:
    """The files a package's manifest points at for its root (``sub == ""``) or a subpath."""
    out: list[str] = []
    exports = manifest.get("exports")
    key = f"./{sub}" if sub else "."
    if isinstance(exports, str) and not sub:
        out.append(exports)
    elif isinstance(exports, dict):
        target = exports.get(
            key, exports if not sub and not any(k.startswith(".") for k in exports) else None
        )
        out += _condition_targets(target)
    if not sub:
        for field in ("types", "typings", "source", "module", "main"):
            if isinstance(manifest.get(field), str):
                out.append(manifest[field])
    return [_strip_js(e.removeprefix("./")) for e in out]


def _condition_targets(target: Any) -> list[str]:
    """The paths in an ``exports`` target: a string, or conditions (``types``, ``import`` …)."""
    if isinstance(target, str):
        return [target]
    if isinstance(target, dict):
        out: list[str] = []
        for value in target.values():
            out += _condition_targets(value)
        return out
    return []


def _strip_js(path: str) -> str:
    for ext in (".d.ts", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"):
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


def _candidates(base: str) -> list[str]:
    if base in ("", "."):  # the repo's root folder
        return [f"index{ext}" for ext in EXTENSIONS]
    out = [base]
    suffix = PurePosixPath(base).suffix
    if suffix in _COMPILED:
        out += [base[: -len(suffix)] + ext for ext in _COMPILED[suffix]]
    out += [base + ext for ext in EXTENSIONS]
    out += [f"{base}/index{ext}" for ext in EXTENSIONS]
    return out


def _ancestors(directory: str) -> list[str]:
    """``a/b`` → ``a/b``, ``a``, ``""`` (the repo root)."""
    parts = directory.split("/") if directory else []
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


def read_jsonc(path: Path) -> dict[str, Any] | None:
    """A ``tsconfig.json`` or ``package.json``: JSON with comments and trailing commas allowed."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    text = _JSONC_COMMENT.sub(lambda m: m.group(1) or "", text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
