"""Kotlin: facts from tree-sitter, imports resolved by package like Java's (one key space).

Facts: the package, classes (``data``/``sealed``/``enum``/``annotation`` ones too), interfaces,
objects and companion objects with their functions, properties (a primary constructor's
``val``/``var`` parameters included) and enum entries; top-level functions, properties and type
aliases; KDoc summaries. Visibility as Kotlin has it: ``public`` by default, ``internal``,
``protected``, ``private``. A file may declare several top-level types, and its package need not
match its directory: keys come from the package clause, never from the path.

Resolution: the keys are Java's (``java:<package>.<Name>``), so Kotlin and Java files of one
project reach each other; a Kotlin file also provides its top-level functions and properties
(``import a.b.helper``). Same-package names a file uses are looked up as references.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from . import Facts, Visibility, one_line
from . import java as jvm
from .walker import Walker, declaration, file_doc, named

_CLASS_WORDS = {"enum": "enum", "annotation": "annotation"}
#: Kotlin's own types, used everywhere and declared in no repo file.
BUILTINS = frozenset(
    "Int Long Short Byte Char String Boolean Double Float Unit Any Nothing Array List "
    "MutableList Map MutableMap Set MutableSet Pair Triple Sequence Iterable Collection "
    "Comparable Throwable Exception Suppress JvmStatic JvmField JvmOverloads JvmName "
    "Deprecated Override".split()
)


#: ``class Builder`` / ``internal constructor(…)`` on the next line: the grammar reads it only
#: at the top level, so a nested class written so is joined onto one line (same byte length).
_CONSTRUCTOR_BELOW = re.compile(
    rb"(\bclass\s+\w+(?:<[^>{}\n]*>)?)([ \t]*\n[ \t]*)"
    rb"(?=(?:(?:private|internal|public|protected)\s+)?(?:@\w+\s+)*constructor\b)"
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    data = _CONSTRUCTOR_BELOW.sub(lambda m: m.group(1) + b" " * len(m.group(2)), data)
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("package_header",))
    declared: set[str] = set()
    _declarations(w, root, owner="", in_interface=False, declared=declared)
    jvm.same_package_references(w, root, declared, kind="identifier", builtins=BUILTINS)
    return w.facts


def _declarations(
    w: Walker, body: ts.Node | None, *, owner: str, in_interface: bool, declared: set[str]
) -> None:
    for node in body.named_children if body is not None else ():
        kind = node.type
        if kind == "package_header":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
        elif kind == "import":
            _import(w, node)
        elif kind in ("class_declaration", "object_declaration", "companion_object"):
            _type(w, node, owner, in_interface, declared)
        elif kind == "function_declaration":
            w.add(
                "method" if owner else "function",
                w.name(node),
                node,
                parent=owner,
                visibility=_visibility(w, node, in_interface),
                signature=_signature(w, node),
                doc=w.doc_above(node),
            )
        elif kind == "property_declaration":
            _property(w, node, owner, _visibility(w, node, in_interface))
        elif kind == "type_alias":
            name = next((w.text(c) for c in node.named_children if c.type == "identifier"), "")
            w.add(
                "type",
                name,
                node,
                visibility=_visibility(w, node, in_interface),
                signature=one_line(w.text(node)),
                doc=w.doc_above(node),
            )
        elif kind == "ERROR":  # what the grammar could not place: still look inside
            _recover(w, node, owner=owner, in_interface=in_interface, declared=declared)


def _recover(
    w: Walker, error: ts.Node, *, owner: str, in_interface: bool, declared: set[str]
) -> None:
    """A class the grammar could not read (``class A\nprivate constructor(…) : B by c {``):
    its keyword and name are loose tokens of the error node, its members follow them."""
    tokens = error.children
    for i, token in enumerate(tokens[:-1]):
        word = w.text(token)
        if word in ("class", "interface", "object") and tokens[i + 1].type == "identifier":
            name = w.text(tokens[i + 1])
            brace = next((t for t in tokens[i:] if t.type == "{"), None)
            end = brace.start_byte if brace is not None else tokens[i + 1].end_byte
            text = w.data[error.start_byte : end].decode("utf-8", "replace")
            signature = declaration(text)
            declared.add(name)
            w.add(
                word if word != "class" else "class",
                name,
                error,
                parent=owner,
                visibility=_visibility(w, error, in_interface),
                signature=one_line(signature),
                doc=w.doc_above(error),
            )
            _declarations(w, error, owner=name, in_interface=word == "interface", declared=declared)
            return
    _declarations(w, error, owner=owner, in_interface=in_interface, declared=declared)


def _visibility(w: Walker, node: ts.Node, in_interface: bool) -> Visibility:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    for modifier in named(modifiers):
        if modifier.type == "visibility_modifier":
            word = w.text(modifier)
            return word if word in ("private", "protected", "internal") else "public"  # type: ignore[return-value]
    return "public"


def _signature(w: Walker, node: ts.Node) -> str:
    """The declaration up to its body, without annotations."""
    return w.declaration_until(
        node, next((c for c in node.named_children if c.type in _BODIES), None)
    )


_BODIES = ("class_body", "enum_class_body", "function_body")


def _type(w: Walker, node: ts.Node, owner: str, in_interface: bool, declared: set[str]) -> None:
    name = w.name(node) or ("Companion" if node.type == "companion_object" else "")
    words = [w.text(c) for c in node.children if not c.is_named]
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    classes = {w.text(m) for m in named(modifiers) if m.type == "class_modifier"}
    kind = "interface" if "interface" in words else "object" if "object" in words else "class"
    kind = next((_CLASS_WORDS[c] for c in classes if c in _CLASS_WORDS), kind)
    declared.add(name)
    w.add(
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node, in_interface),
        signature=_signature(w, node),
        doc=w.doc_above(node),
    )
    constructor = next((c for c in node.named_children if c.type == "primary_constructor"), None)
    for parameter in w.descendants(constructor, "class_parameter") if constructor else ():
        if any(w.text(c) in ("val", "var") for c in parameter.children):
            member = next(
                (w.text(c) for c in parameter.named_children if c.type == "identifier"), ""
            )
            w.add(
                "field",
                member,
                parameter,
                parent=name,
                visibility=_visibility(w, parameter, False),
                signature=one_line(w.text(parameter)),
                doc="",
            )
    for body in node.named_children:
        if body.type == "enum_class_body":
            for entry in named(body):
                if entry.type == "enum_entry":
                    entry_name = next(
                        (w.text(c) for c in entry.named_children if c.type == "identifier"), ""
                    )
                    w.add("const", entry_name, entry, parent=name, signature=entry_name)
        if body.type in ("class_body", "enum_class_body"):
            _declarations(w, body, owner=name, in_interface=kind == "interface", declared=declared)


def _property(w: Walker, node: ts.Node, owner: str, visibility: Visibility) -> None:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    constant = "const" in w.words(modifiers)
    for variable in node.named_children:
        if variable.type == "variable_declaration":
            name = next((w.text(c) for c in variable.named_children if c.type == "identifier"), "")
            head = declaration(w.text(node).split("=", 1)[0])
            w.add(
                "const" if constant else ("field" if owner else "variable"),
                name,
                node,
                parent=owner,
                visibility=visibility,
                signature=one_line(head),
                doc=w.doc_above(node),
            )


def _import(w: Walker, node: ts.Node) -> None:
    path = next((w.text(c) for c in node.named_children if c.type == "qualified_identifier"), "")
    if not path:
        return
    if w.text(node).rstrip().endswith("*"):
        w.import_of(f"{path}.*")
    else:
        w.import_of(path, [path.rsplit(".", 1)[-1]])
