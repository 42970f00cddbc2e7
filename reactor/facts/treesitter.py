"""Facts for JavaScript, TypeScript, Go, Rust, Java, C and C++ from tree-sitter.

The grammars are the official per-language wheels (``tree-sitter-javascript`` …), loaded once
per process and never downloaded. Each language is a small walk over the top-level nodes of the
tree (and one level into types for their methods): no queries, so no dependence on query syntax
that changes between tree-sitter releases. Syntax errors leave ``ERROR`` nodes, which are
skipped: a file that does not parse still gets the facts of the parts that do.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterator

import tree_sitter as ts

from . import Facts, Symbol, one_line, summary

_GRAMMARS = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}


@functools.cache
def _parser(language: str) -> ts.Parser:
    module, function = _GRAMMARS[language]
    return ts.Parser(ts.Language(getattr(importlib.import_module(module), function)()))


def tree_sitter_facts(language: str, data: bytes) -> Facts:
    if language in ("c", "cpp"):
        data = _blank_macro_noise(data)
    tree = _parser(language).parse(data)
    walker = _Walker(language, data)
    extract = _EXTRACTORS["js" if language in ("javascript", "typescript", "tsx") else language]
    extract(walker, tree.root_node)
    return walker.facts


class _Walker:
    """The source, the facts being built, and the helpers every language uses."""

    def __init__(self, language: str, data: bytes):
        self.data = data
        self.facts = Facts(language)

    def text(self, node: ts.Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def name(self, node: ts.Node, field: str = "name") -> str:
        return self.text(node.child_by_field_name(field))

    def signature(self, node: ts.Node, body_field: str = "body") -> str:
        """The declaration up to its body: ``function f(a: T): R``."""
        body = node.child_by_field_name(body_field)
        end = body.start_byte if body is not None else node.end_byte
        return one_line(self.data[node.start_byte : end].decode("utf-8", errors="replace"))

    def doc(self, node: ts.Node) -> str:
        """The summary of the comment block right above ``node`` (JSDoc, ``///``, Javadoc …)."""
        lines: list[str] = []
        prev = node.prev_sibling
        expected_row = node.start_point[0] - 1
        while prev is not None and "comment" in prev.type and prev.end_point[0] >= expected_row:
            text = self.text(prev)
            if text.startswith(("//!", "/*!")):
                break  # an inner doc comment belongs to the file (Rust), not to this item
            kept = [line for line in _comment_text(text) if not _TOOL_DIRECTIVE.match(line)]
            lines[:0] = kept
            expected_row = prev.start_point[0] - 1
            prev = prev.prev_sibling
        return summary("\n".join(lines))

    def add(self, kind: str, name: str, node: ts.Node, **extra: object) -> None:
        if not name:
            return
        doc = extra.pop("doc", None)
        signature = extra.pop("signature", None)
        self.facts.symbols.append(
            Symbol(
                kind,
                name,
                str(signature if signature is not None else self.signature(node)),
                str(doc if doc is not None else self.doc(node)),
                bool(extra.pop("exported", True)),
                str(extra.pop("parent", "")),
            )
        )

    def string(self, node: ts.Node | None) -> str:
        """A string literal's contents."""
        return self.text(node).strip().strip("\"'`<>")


#: Comments addressed to tools, not readers: never a symbol's doc.
_TOOL_DIRECTIVE = re.compile(
    r"(eslint|@ts-|prettier-ignore|istanbul |c8 |NOLINT|clang-format|noinspection|"
    r"#region|#endregion|biome-ignore|tslint:|jshint|global )",
    re.IGNORECASE,
)


def _comment_text(comment: str) -> list[str]:
    out = []
    for raw in comment.splitlines():
        line = raw.strip()
        for marker in ("/**", "/*!", "/*", "*/", "///", "//!", "//", "*"):
            if line.startswith(marker):
                line = line[len(marker) :]
                break
        out.append(line.removesuffix("*/").strip())
    return out


def _named(node: ts.Node) -> Iterator[ts.Node]:
    for child in node.named_children:
        if child.type != "ERROR":
            yield child


# -- JavaScript / TypeScript -----------------------------------------------------------------
_JS_TYPES = {
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
}


def _js(w: _Walker, root: ts.Node) -> None:
    for node in _named(root):
        exported = node.type == "export_statement"
        declaration = node.child_by_field_name("declaration") if exported else node
        if exported and node.child_by_field_name("source") is not None:
            _js_import(w, node, "export_specifier")  # a re-export
        if node.type == "import_statement":
            _js_import(w, node, "import_specifier")
            continue
        if node.type == "expression_statement":
            _js_assignment(w, node)
            continue
        if declaration is None:
            continue
        doc = w.doc(node)
        _js_declaration(w, declaration, exported=exported, doc=doc)
    first = root.named_children[0] if root.named_child_count else None
    if first is not None and first.type == "comment":
        following = first.next_named_sibling
        if following is None or following.start_point[0] > first.end_point[0] + 1:
            # a file header: a comment that a blank line separates from the first declaration
            w.facts.doc = summary("\n".join(_comment_text(w.text(first))))


def _js_import(w: _Walker, node: ts.Node, specifier: str) -> None:
    """One ``import … from 'x'`` (or ``export … from 'x'``) and the names it brings in."""
    source = w.string(node.child_by_field_name("source"))
    w.facts.imports.append(source)
    names = [w.name(s) for s in _descendants(node, specifier)]
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if clause is not None and any(c.type == "identifier" for c in clause.named_children):
        names.append("default")
    w.facts.names.setdefault(source, []).extend(n for n in names if n)


def _js_assignment(w: _Walker, statement: ts.Node) -> None:
    """CommonJS and prototype style: ``exports.f = function …``, ``app.use = (…) => …``."""
    expression = statement.named_children[0] if statement.named_child_count else None
    if expression is None or expression.type != "assignment_expression":
        return
    left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
    if left is None or right is None or left.type != "member_expression":
        return
    if right.type in ("function_expression", "arrow_function", "function"):
        name = w.text(left).removeprefix("module.").removeprefix("exports.")
        signature = one_line(f"{name} = {w.signature(right)}")
        w.add("function", name, expression, signature=signature, doc=w.doc(statement))


def _js_declaration(w: _Walker, node: ts.Node, *, exported: bool, doc: str) -> None:
    kind = node.type
    if kind in ("function_declaration", "generator_function_declaration", "function_signature"):
        w.add("function", w.name(node), node, exported=exported, doc=doc)
    elif kind in _JS_TYPES:
        name = w.name(node)
        w.add(_JS_TYPES[kind], name, node, exported=exported, doc=doc)
        body = node.child_by_field_name("body")
        for member in (
            _named(body) if body is not None and kind.endswith("class_declaration") else ()
        ):
            if member.type in ("method_definition", "abstract_method_signature"):
                method = w.name(member)
                hidden = method.startswith("#") or "private" in w.text(member).split("(")[0]
                w.add("method", method, member, parent=name, exported=exported and not hidden)
    elif kind in ("lexical_declaration", "variable_declaration"):
        for declarator in _named(node):
            if declarator.type != "variable_declarator":
                continue
            value = declarator.child_by_field_name("value")
            name = w.name(declarator)
            if value is not None and value.type in ("arrow_function", "function_expression"):
                signature = one_line(f"{name} = {w.signature(value)}")
                w.add("function", name, declarator, signature=signature, exported=exported, doc=doc)
            elif (
                value is not None
                and value.type == "call_expression"
                and (w.text(value.child_by_field_name("function")) == "require")
            ):
                arguments = value.child_by_field_name("arguments")
                if arguments is not None and arguments.named_child_count:
                    w.facts.imports.append(w.string(arguments.named_children[0]))
            elif exported or name.isupper():
                w.add("const", name, declarator, exported=exported, doc=doc)


# -- Go ---------------------------------------------------------------------------------------
def _go(w: _Walker, root: ts.Node) -> None:
    for node in _named(root):
        kind = node.type
        if kind == "package_clause":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
            w.facts.doc = w.doc(node)
        elif kind == "import_declaration":
            for spec in _descendants(node, "import_spec"):
                path = w.string(spec.child_by_field_name("path"))
                w.facts.imports.append(path)
                alias = w.text(spec.child_by_field_name("name")) or path.rsplit("/", 1)[-1]
                if alias not in ("_", "."):  # what the file uses of it: `alias.Name`
                    used = re.findall(
                        rf"\b{re.escape(alias)}\.([A-Z]\w*)", w.data.decode("utf-8", "replace")
                    )
                    w.facts.names[path] = sorted(set(used))
        elif kind == "function_declaration":
            name = w.name(node)
            w.add("function", name, node, exported=name[:1].isupper())
        elif kind == "method_declaration":
            receiver = w.text(node.child_by_field_name("receiver"))
            parent = receiver.strip("()").split()[-1].lstrip("*") if receiver else ""
            name = w.name(node)
            w.add("method", name, node, parent=parent.split("[")[0], exported=name[:1].isupper())
        elif kind == "type_declaration":
            for spec in _named(node):
                if spec.type not in ("type_spec", "type_alias"):
                    continue
                body = spec.child_by_field_name("type")
                what = {"struct_type": "struct", "interface_type": "interface"}.get(
                    body.type if body is not None else "", "type"
                )
                name = w.name(spec)
                signature = f"type {name} {what}" if what != "type" else one_line(w.text(spec))
                w.add(
                    what,
                    name,
                    spec,
                    doc=w.doc(node),
                    exported=name[:1].isupper(),
                    signature=signature,
                )
        elif kind in ("const_declaration", "var_declaration"):
            for spec in _named(node):
                for name_node in spec.children_by_field_name("name"):
                    name = w.text(name_node)
                    if name[:1].isupper():
                        w.add(
                            "const", name, spec, doc=w.doc(node), signature=one_line(w.text(spec))
                        )


# -- Rust -------------------------------------------------------------------------------------
_RUST_TYPES = {
    "struct_item": "struct",
    "enum_item": "enum",
    "trait_item": "trait",
    "type_item": "type",
    "union_item": "struct",
}


def _rust(w: _Walker, root: ts.Node) -> None:
    inner = [w.text(n) for n in root.named_children if w.text(n).startswith("//!")]
    w.facts.doc = summary("\n".join(line for c in inner for line in _comment_text(c)))
    for node in _named(root):
        kind = node.type
        public = any(c.type == "visibility_modifier" for c in node.children)
        if kind == "function_item":
            w.add("function", w.name(node), node, exported=public)
        elif kind in _RUST_TYPES:
            w.add(_RUST_TYPES[kind], w.name(node), node, exported=public)
        elif kind in ("const_item", "static_item"):
            w.add("const", w.name(node), node, exported=public, signature=one_line(w.text(node)))
        elif kind == "mod_item":
            if node.child_by_field_name("body") is None:
                w.facts.imports.append(f"mod {w.name(node)}")
            w.add("module", w.name(node), node, exported=public)
        elif kind == "use_declaration":
            spec = f"use {w.text(node.child_by_field_name('argument'))}"
            w.facts.imports.append(spec)
            w.facts.names[spec] = _rust_use_names(spec[4:])
        elif kind == "impl_item":
            parent = w.text(node.child_by_field_name("type")).split("<")[0]
            body = node.child_by_field_name("body")
            for member in _named(body) if body is not None else ():
                if member.type == "function_item":
                    vis = any(c.type == "visibility_modifier" for c in member.children)
                    w.add("method", w.name(member), member, parent=parent, exported=vis)
        elif kind == "macro_definition":
            w.add("macro", w.name(node), node, signature=f"macro_rules! {w.name(node)}")


def _rust_use_names(path: str) -> list[str]:
    """The names a ``use`` brings in: ``a::{B, c::D as E}`` → B, D; ``a::*`` → none."""
    flat = " ".join(path.split())
    if "{" in flat:
        inner = flat[flat.index("{") + 1 : flat.rindex("}") if "}" in flat else None]
        items = [i.strip() for i in inner.replace("{", ",").replace("}", ",").split(",")]
    else:
        items = [flat]
    names = [i.split(" as ")[0].rsplit("::", 1)[-1].strip() for i in items if i.strip()]
    return [n for n in names if n and n not in ("*", "self")]


# -- Java -------------------------------------------------------------------------------------
_JAVA_TYPES = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "record_declaration": "record",
    "annotation_type_declaration": "annotation",
}


def _java(w: _Walker, root: ts.Node) -> None:
    for node in _named(root):
        if node.type == "package_declaration":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
        elif node.type == "import_declaration":
            text = w.text(node).removeprefix("import").strip().rstrip(";").strip()
            spec = text.removeprefix("static").strip()
            w.facts.imports.append(spec)
            if not spec.endswith("*"):
                w.facts.names[spec] = [spec.rsplit(".", 1)[-1]]
        elif node.type in _JAVA_TYPES:
            _java_type(w, node, parent="")


def _java_type(w: _Walker, node: ts.Node, parent: str) -> None:
    name = w.name(node)
    public = "public" in w.text(_child(node, "modifiers")).split()
    w.add(_JAVA_TYPES[node.type], name, node, exported=public, parent=parent)
    body = node.child_by_field_name("body")
    for member in _named(body) if body is not None else ():
        if member.type in ("method_declaration", "constructor_declaration"):
            modifiers = w.text(_child(member, "modifiers")).split()
            w.add("method", w.name(member), member, parent=name, exported="public" in modifiers)
        elif member.type in _JAVA_TYPES:
            _java_type(w, member, parent=name)


# -- C and C++ --------------------------------------------------------------------------------
def _c(w: _Walker, root: ts.Node) -> None:
    _c_scope(w, root, parent="")


def _c_scope(w: _Walker, scope: ts.Node, parent: str) -> None:
    for node in scope.named_children:
        kind = node.type
        if kind == "ERROR":
            # what a macro tree-sitter cannot expand (FMT_BEGIN_NAMESPACE, EXPORT_API …) wraps:
            # the declarations inside still parse, so look in
            _c_scope(w, node, parent)
        elif kind == "preproc_include":
            w.facts.imports.append(w.text(node.child_by_field_name("path")))
        elif kind in ("preproc_ifdef", "preproc_if", "linkage_specification", "preproc_else"):
            _c_scope(w, node.child_by_field_name("body") or node, parent)
        elif kind == "namespace_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                _c_scope(w, body, parent)
        elif kind == "template_declaration":
            _c_scope(w, node, parent)
        elif kind in ("function_definition", "declaration", "field_declaration"):
            name = _c_function_name(w, node.child_by_field_name("declarator"))
            if name:
                static = "static" in w.text(node).split("(")[0].split()
                what = "method" if parent or "::" in name else "function"
                owner = parent or (name.rsplit("::", 1)[0] if "::" in name else "")
                w.add(what, name.rsplit("::", 1)[-1], node, parent=owner, exported=not static)
            else:
                _c_types(w, node, parent)
        elif kind in ("struct_specifier", "union_specifier", "enum_specifier", "class_specifier"):
            _c_type(w, node, parent, doc_node=node)
        elif kind == "type_definition":
            _c_types(w, node, parent)
            for declarator in node.children_by_field_name("declarator"):
                w.add("type", w.text(declarator).strip("*& "), node, parent=parent)
        elif kind in ("preproc_function_def", "preproc_def"):
            name = w.name(node)
            valued = kind == "preproc_function_def" or node.child_by_field_name("value") is not None
            known = any(s.kind == "macro" and s.name == name for s in w.facts.symbols)
            if valued and not known:  # not an include guard, not the #else twin of a macro
                w.add("macro", name, node, signature=one_line(w.text(node)), parent=parent)


def _c_types(w: _Walker, node: ts.Node, parent: str) -> None:
    spec = node.child_by_field_name("type")
    if spec is not None and spec.type in (
        "struct_specifier",
        "union_specifier",
        "enum_specifier",
        "class_specifier",
    ):
        _c_type(w, spec, parent, doc_node=node)


def _c_type(w: _Walker, node: ts.Node, parent: str, doc_node: ts.Node) -> None:
    body = node.child_by_field_name("body")
    name = w.name(node)
    if body is None or not name:
        return  # a forward declaration or an anonymous type
    kind = node.type.split("_")[0].replace("union", "struct")
    w.add(kind, name, node, parent=parent, doc=w.doc(doc_node), signature=f"{kind} {name}")
    if kind in ("class", "struct"):
        _c_scope(w, body, parent=name)


#: A line that is one bare macro (``FMT_BEGIN_NAMESPACE``, ``Q_OBJECT``), and an export macro
#: between ``class``/``struct`` and the name (``class LIB_API Widget``): tree-sitter does not
#: expand macros and would misparse what follows, so both are blanked (offsets kept).
_BARE_MACRO_LINE = re.compile(rb"^[ \t]*[A-Z][A-Z0-9_]{2,}[ \t]*;?[ \t]*$", re.MULTILINE)
_EXPORT_MACRO = re.compile(rb"\b(class|struct)([ \t]+)([A-Z][A-Z0-9_]{2,})(?=[ \t]+[A-Za-z_])")


def _blank_macro_noise(data: bytes) -> bytes:
    data = _BARE_MACRO_LINE.sub(lambda m: b" " * len(m.group(0)), data)
    return _EXPORT_MACRO.sub(lambda m: m.group(1) + m.group(2) + b" " * len(m.group(3)), data)


def _c_function_name(w: _Walker, declarator: ts.Node | None) -> str:
    """The name inside a (possibly pointer or reference) function declarator, else ``""``."""
    while declarator is not None:
        if declarator.type == "function_declarator":
            return w.text(declarator.child_by_field_name("declarator"))
        declarator = declarator.child_by_field_name("declarator")
    return ""


def _child(node: ts.Node, kind: str) -> ts.Node | None:
    return next((c for c in node.children if c.type == kind), None)


def _descendants(node: ts.Node, kind: str) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            yield current
        stack.extend(reversed(current.named_children))


_EXTRACTORS: dict[str, Callable[[_Walker, ts.Node], None]] = {
    "js": _js,
    "go": _go,
    "rust": _rust,
    "java": _java,
    "c": _c,
    "cpp": _c,
}
