"""Scala: facts from tree-sitter, imports resolved by package like Java's (one key space).

Facts: the package (chained ``package a`` / ``package b`` clauses joined), classes (``case``
ones with their parameters as fields, any class with its ``val``/``var`` parameters),
objects — a companion object listed beside its class, each with its own members — traits,
enums with their cases, ``def``/``val``/``var``/``type`` members and top-level definitions
(Scala 3), with Scaladoc summaries. Visibility as Scala has it: public by default,
``protected``, ``private``; a qualified ``private[pkg]`` is package-wide.

Resolution: Java's keys (``java:<package>.<Name>``), so Scala, Java and Kotlin files of one build
reach each other; ``import a.b.{C, D => E}`` and ``import a.b._`` (or ``*``) as Java's single and
wildcard imports. Same-package names a file uses are looked up as references.
"""

from __future__ import annotations

import tree_sitter as ts

from . import Facts, Visibility, one_line
from . import java as jvm
from .walker import Walker, file_doc, named

_TYPES = {
    "class_definition": "class",
    "object_definition": "object",
    "trait_definition": "trait",
    "enum_definition": "enum",
}
_MEMBERS = {
    "function_definition": "method",
    "function_declaration": "method",
    "val_definition": "const",
    "val_declaration": "const",
    "var_definition": "variable",
    "var_declaration": "variable",
    "type_definition": "type",
}
BUILTINS = frozenset(
    "Int Long Short Byte Char String Boolean Double Float Unit Any AnyRef Nothing Option Some "
    "None List Seq Map Set Vector Array Either Left Right Future Throwable Exception".split()
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("package_clause",))
    declared: set[str] = set()
    _definitions(w, root, owner="", declared=declared)
    jvm.same_package_references(w, root, declared, builtins=BUILTINS)
    return w.facts


def _definitions(w: Walker, body: ts.Node | None, *, owner: str, declared: set[str]) -> None:
    for node in named(body):
        kind = node.type
        if kind == "package_clause":
            name = w.text(node.child_by_field_name("name"))
            w.facts.package = f"{w.facts.package}.{name}" if w.facts.package else name
            _definitions(w, node.child_by_field_name("body"), owner=owner, declared=declared)
        elif kind == "import_declaration":
            _import(w, node)
        elif kind in _TYPES:
            _type(w, node, owner, declared)
        elif kind in _MEMBERS:
            _member(w, node, owner)


def _visibility(w: Walker, node: ts.Node) -> Visibility:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    for modifier in named(modifiers):
        if modifier.type == "access_modifier":
            word = w.text(modifier)
            if "[" in word and word.startswith("private"):
                return "package"
            return "protected" if word.startswith("protected") else "private"
    return "public"


def _type(w: Walker, node: ts.Node, owner: str, declared: set[str]) -> None:
    name = w.name(node)
    declared.add(name)
    w.add(
        _TYPES[node.type],
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node),
        signature=_signature(w, node),
        doc=w.doc_above(node),
    )
    is_case = "case" in w.text(node).split(name, 1)[0].split()
    for parameters in node.children_by_field_name("class_parameters"):
        for parameter in named(parameters):
            words = [w.text(c) for c in parameter.children if not c.is_named]
            if parameter.type == "class_parameter" and (is_case or {"val", "var"} & set(words)):
                w.add(
                    "field",
                    w.name(parameter),
                    parameter,
                    parent=name,
                    visibility=_visibility(w, parameter),
                    signature=one_line(w.text(parameter).split("=", 1)[0]),
                    doc="",
                )
    body = node.child_by_field_name("body")
    for child in named(body):
        if child.type == "enum_case_definitions":
            for case in named(child):
                case_name = w.name(case)
                w.add("const", case_name, case, parent=name, signature=one_line(w.text(case)))
    _definitions(w, body, owner=name, declared=declared)


def _member(w: Walker, node: ts.Node, owner: str) -> None:
    kind = _MEMBERS[node.type]
    if kind == "method" and not owner:
        kind = "function"
    name = w.name(node) or w.text(node.child_by_field_name("pattern"))
    w.add(
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node),
        signature=_signature(w, node),
        doc=w.doc_above(node),
    )


def _signature(w: Walker, node: ts.Node) -> str:
    """The definition up to its body or value, without annotations."""
    return w.declaration_until(
        node, node.child_by_field_name("body") or node.child_by_field_name("value")
    )


def _import(w: Walker, node: ts.Node) -> None:
    path = ".".join(w.text(p) for p in node.children_by_field_name("path") if p.is_named)
    selectors = next((c for c in node.named_children if c.type == "namespace_selectors"), None)
    wildcard = any(c.type == "namespace_wildcard" for c in node.named_children)
    if wildcard:
        w.import_of(f"{path}.*")
    elif selectors is not None:
        for selector in named(selectors):
            if selector.type == "namespace_wildcard":
                w.import_of(f"{path}.*")
            else:
                name = w.name(selector) or w.text(selector)
                w.import_of(f"{path}.{name}", [name])
    elif path:
        w.import_of(path, [path.rsplit(".", 1)[-1]])
