"""C#: facts from tree-sitter, ``using`` namespaces resolved to the files that declare them.

Facts: the namespace (block or file-scoped), classes, structs, interfaces, records, enums and
delegates (nested ones under their outer type, those inside ``#if`` blocks too; a partial class
listed in each file that holds a part) with their methods, constructors, properties, fields,
constants, events and enum members; the ``<summary>`` of each ``///`` XML doc comment,
references (``<see cref="X"/>``) kept as their names. Visibility as C# has it: ``public``,
``protected``, ``internal`` (a top-level type without a modifier), ``private`` (a member
without one); an interface's members are public.

Resolution: each file provides ``cs:<namespace>`` for the namespace it declares types in. A
``using A.B;`` and the file's own namespace (and those enclosing it) are looked up there with the
type names the file uses, so the neighbours are the files declaring those names — the other part
of a partial class among them — not every file of a namespace.
"""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Visibility, one_line
from .walker import Walker, file_doc, named

_TYPES = {
    "class_declaration": "class",
    "struct_declaration": "struct",
    "interface_declaration": "interface",
    "record_declaration": "record",
    "record_struct_declaration": "record",
    "enum_declaration": "enum",
}
_MEMBERS = {
    "method_declaration": "method",
    "constructor_declaration": "method",
    "property_declaration": "field",
    "event_declaration": "field",
    "indexer_declaration": "method",
    "operator_declaration": "method",
}
_NAMESPACES = ("namespace_declaration", "file_scoped_namespace_declaration")
#: Names used everywhere and declared in no repo file.
_BUILTINS = frozenset(
    "String Object Int32 Int64 Boolean Double Decimal Exception Task List Dictionary IEnumerable "
    "Func Action Type Console Math DateTime TimeSpan Guid Array Enumerable Nullable".split()
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("using_directive", *_NAMESPACES))
    namespaces: list[str] = []
    _declarations(w, root, namespace="", owner="", namespaces=namespaces)
    w.facts.package = namespaces[0] if namespaces else ""
    members = {s.name for s in w.facts.symbols if s.parent and s.kind not in TYPE_KINDS}
    spelled = {part for name in [*w.facts.imports, *namespaces] for part in name.split(".")}
    used = sorted(
        {w.text(n) for n in w.descendants(root, "identifier") if w.text(n)[:1].isupper()}
        - _BUILTINS
        - (members - {s.name for s in w.facts.symbols if s.kind in TYPE_KINDS})
        - spelled
    )
    enclosing = {
        ".".join(ns.split(".")[:i]) for ns in namespaces for i in range(1, ns.count(".") + 2)
    }
    for namespace in sorted(enclosing):
        w.facts.references.append(namespace)
        w.facts.names[namespace] = used
    for spec in w.facts.imports:
        w.facts.names.setdefault(spec, used)
    return w.facts


def _declarations(
    w: Walker, body: ts.Node | None, *, namespace: str, owner: str, namespaces: list[str]
) -> None:
    for node in _flat(body):
        kind = node.type
        if kind in _NAMESPACES:
            name = w.name(node)
            full = f"{namespace}.{name}" if namespace else name
            if kind == "file_scoped_namespace_declaration":
                namespace = full  # what follows it in the file is inside it
            _declarations(
                w, node.child_by_field_name("body"), namespace=full, owner="", namespaces=namespaces
            )
        elif kind == "using_directive":
            _using(w, node)
        elif kind in _TYPES or kind == "delegate_declaration":
            if namespace not in namespaces:
                namespaces.append(namespace)
            _type(w, node, namespace, owner, namespaces)
        elif owner and (kind in _MEMBERS or kind == "field_declaration"):
            _member(w, node, owner)


def _flat(body: ts.Node | None) -> Iterator[ts.Node]:
    """The declarations of a body, those inside ``#if``/``#else`` blocks included."""
    for node in named(body):
        if node.type.startswith("preproc_"):
            yield from _flat(node)
        else:
            yield node


def _visibility(w: Walker, node: ts.Node, *, default: Visibility) -> Visibility:
    words = {w.text(c) for c in node.named_children if c.type == "modifier"}
    if "public" in words:
        return "public"
    if "protected" in words:
        return "protected"
    if "internal" in words:
        return "internal"
    if "private" in words:
        return "private"
    return default


def _type(w: Walker, node: ts.Node, namespace: str, owner: str, namespaces: list[str]) -> None:
    name = w.name(node)
    kind = "type" if node.type == "delegate_declaration" else _TYPES[node.type]
    w.add(
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node, default="private" if owner else "internal"),
        signature=_signature(w, node),
        doc=w.doc_above(node),
    )
    body = node.child_by_field_name("body")
    if kind == "enum":
        for member in named(body):
            if member.type == "enum_member_declaration":
                w.add("const", w.name(member), member, parent=name, signature=w.name(member))
        return
    members_public = kind == "interface"
    for member in _flat(body):
        if member.type in _TYPES or member.type == "delegate_declaration":
            _type(w, member, namespace, name, namespaces)
        elif member.type in _MEMBERS or member.type == "field_declaration":
            _member(w, member, name, public=members_public)


def _member(w: Walker, node: ts.Node, owner: str, *, public: bool = False) -> None:
    visibility = "public" if public else _visibility(w, node, default="private")
    doc = w.doc_above(node)
    if node.type == "field_declaration":
        words = {w.text(c) for c in node.named_children if c.type == "modifier"}
        declaration = next(
            (c for c in node.named_children if c.type == "variable_declaration"), None
        )
        head = one_line(w.text(node).split("=", 1)[0].rstrip(";"))
        for declarator in named(declaration):
            if declarator.type == "variable_declarator":
                w.add(
                    "const" if "const" in words else "field",
                    w.name(declarator),
                    node,
                    parent=owner,
                    visibility=visibility,
                    signature=head,
                    doc=doc,
                )
        return
    name = w.name(node) or ("this" if node.type == "indexer_declaration" else "")
    if node.type == "operator_declaration":
        name = "operator " + w.text(node.child_by_field_name("operator"))
    w.add(
        _MEMBERS[node.type],
        name,
        node,
        parent=owner,
        visibility=visibility,
        signature=_signature(w, node),
        doc=doc,
    )


def _signature(w: Walker, node: ts.Node) -> str:
    """The declaration up to its body, accessors or ``=>``, without attributes."""
    end = node.end_byte
    for child in node.named_children:
        if child.type in (
            "block",
            "declaration_list",
            "accessor_list",
            "arrow_expression_clause",
            "enum_member_declaration_list",
        ):
            end = child.start_byte
            break
    start = node.start_byte
    for child in node.named_children:
        if child.type == "attribute_list":
            start = child.end_byte
    text = w.data[start:end].decode("utf-8", "replace")
    return one_line(text.strip().rstrip(" {;"))


def _using(w: Walker, node: ts.Node) -> None:
    """``using A.B;``, ``using static A.B.C;``, ``using X = A.B;``: the namespace or type named."""
    target = [c for c in node.named_children if c.type in ("qualified_name", "identifier")]
    if target:
        w.import_of(w.text(target[-1]))


def keys(spec: str) -> list[str]:
    return [f"cs:{spec}"]


def provides(facts: Facts) -> list[str]:
    """``cs:<namespace>`` for the namespace the file declares its types in (the first one, in
    the rare file that declares several; the global namespace as ``cs:``)."""
    return [f"cs:{facts.package}"]
