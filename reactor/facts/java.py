"""Java: facts from tree-sitter, references resolved by package and type the way javac does.

Facts: the package, types (classes, interfaces, enums, records, annotations, nested ones under
their outer type) with their methods, constructors, fields and constants (an enum's constants
too); visibility as Java has it — ``public``, ``protected``, ``private``, or package-private
without a modifier — and implicitly public members of an interface. Javadoc summaries without
their block tags (``@param`` …), inline tags kept as their text (``{@code x}`` → ``x``), HTML
dropped.

Resolution: ``import a.b.C`` (and nested ``a.b.Outer.Inner``, static ``a.b.C.m``, wildcards)
reach the files that declare those types (``java:<package>.<Type>`` keys); and since a class
uses the other classes of its package without importing them, every type name a file uses is
also looked up in its own package.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Visibility, one_line
from .walker import Walker, child, named

_TYPES = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "record_declaration": "record",
    "annotation_type_declaration": "annotation",
}
_ANNOTATIONS = re.compile(r"^(?:@[\w.]+(?:\([^)]*\))?\s+)+")
#: Type names every file uses that no repo file declares (java.lang): not looked up.
_JAVA_LANG = frozenset(
    "String Object Integer Long Short Byte Character Boolean Double Float Number Math System "
    "Exception RuntimeException Error Throwable Class Void Iterable Comparable Override "
    "Deprecated SuppressWarnings FunctionalInterface StringBuilder Thread Runnable".split()
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    declared: set[str] = set()
    for node in named(root):
        if node.type == "package_declaration":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
            w.facts.doc = w.doc(node)
        elif node.type == "import_declaration":
            _import(w, node)
        elif node.type in _TYPES:
            _type(w, node, parent="", in_interface=False, declared=declared)
    same_package_references(w, root, declared)
    return w.facts


def same_package_references(
    w: Walker,
    root: ts.Node,
    declared: set[str],
    *,
    kind: str = "type_identifier",
    builtins: frozenset[str] = frozenset(),
) -> None:
    """Same-package references: a JVM file uses its package's other types without importing
    them, so every capitalized name of ``kind`` it uses (not declared, imported or a type
    parameter) is looked up in its own package."""
    if not w.facts.package:
        return
    used = {w.text(n) for n in w.descendants(root, kind)}
    imported = {spec.rsplit(".", 1)[-1] for spec in w.facts.imports}
    type_parameters = {
        w.text(n.named_children[0])
        for n in w.descendants(root, "type_parameter")
        if n.named_child_count
    }
    declared = declared | {s.name for s in w.facts.symbols}
    for name in sorted(used - declared - imported - type_parameters - _JAVA_LANG - builtins):
        if name[:1].isupper():
            spec = f"{w.facts.package}.{name}"
            w.facts.references.append(spec)
            w.facts.names[spec] = [name]


def _visibility(w: Walker, node: ts.Node, *, in_interface: bool) -> Visibility:
    words = w.text(child(node, "modifiers")).split()
    if "public" in words or (in_interface and "private" not in words):
        return "public"
    if "protected" in words:
        return "protected"
    if "private" in words:
        return "private"
    return "package"


def _signature(w: Walker, node: ts.Node) -> str:
    return one_line(_ANNOTATIONS.sub("", w.signature(node)))


def _type(w: Walker, node: ts.Node, *, parent: str, in_interface: bool, declared: set[str]) -> None:
    name = w.name(node)
    declared.add(name)
    kind = _TYPES[node.type]
    members_public = kind in ("interface", "annotation")
    w.add(
        kind,
        name,
        node,
        parent=parent,
        signature=_signature(w, node),
        visibility=_visibility(w, node, in_interface=in_interface),
    )
    body = node.child_by_field_name("body")
    for member in named(body):
        if member.type == "enum_body_declarations":
            for inner in named(member):
                _member(w, inner, name, members_public, declared)
        elif member.type == "enum_constant":
            w.add("const", w.name(member), member, parent=name, signature=w.name(member))
        else:
            _member(w, member, name, members_public, declared)


def _member(
    w: Walker, member: ts.Node, owner: str, members_public: bool, declared: set[str]
) -> None:
    visibility = _visibility(w, member, in_interface=members_public)
    if member.type in ("method_declaration", "constructor_declaration"):
        w.add(
            "method",
            w.name(member),
            member,
            parent=owner,
            visibility=visibility,
            signature=_signature(w, member),
        )
    elif member.type in ("field_declaration", "constant_declaration"):
        words = w.text(child(member, "modifiers")).split()
        constant = member.type == "constant_declaration" or {"static", "final"} <= set(words)
        head = _ANNOTATIONS.sub("", w.text(member).split("=")[0]).rstrip(";")
        for declarator in named(member):
            if declarator.type == "variable_declarator":
                w.add(
                    "const" if constant else "field",
                    w.name(declarator),
                    member,
                    parent=owner,
                    visibility=visibility,
                    signature=one_line(head),
                )
    elif member.type in _TYPES:
        _type(w, member, parent=owner, in_interface=members_public, declared=declared)


def _import(w: Walker, node: ts.Node) -> None:
    text = w.text(node).removeprefix("import").strip().rstrip(";").strip()
    static = text.startswith("static ")
    spec = text.removeprefix("static").strip()
    if spec.endswith(".*"):
        w.import_of(spec)  # a package's (or a type's static) members
        if static:
            w.import_of(spec[:-2])
    elif static:  # `a.b.C.m`: the type C, the name m
        owner, _, member = spec.rpartition(".")
        w.import_of(owner, [member])
    else:
        w.import_of(spec, [spec.rsplit(".", 1)[-1]])


def keys(spec: str) -> list[str]:
    return [f"java:{spec}"]


def provides(facts: Facts) -> list[str]:
    """``java:<package>.<Type>`` for each type (nested ones as ``Outer.Inner`` too), for each
    top-level function and value (Kotlin, Scala 3: imported by name), and ``java:<package>.*``
    for the package."""
    if not facts.package:
        return []
    types = {s.name: s.parent for s in facts.symbols if s.kind in TYPE_KINDS}
    out = [f"java:{facts.package}.*"]
    for name, parent in types.items():
        dotted = name
        while parent:
            dotted, parent = f"{parent}.{dotted}", types.get(parent, "")
        out.append(f"java:{facts.package}.{dotted}")
        if dotted != name:
            out.append(f"java:{facts.package}.{dotted.split('.')[0]}.*")
    for symbol in facts.top_level():  # Kotlin's and Scala 3's top-level definitions
        if symbol.kind in ("function", "variable", "const"):
            out.append(f"java:{facts.package}.{symbol.name}")
    return list(dict.fromkeys(out))
