"""Kotlin: facts from tree-sitter, imports resolved by package like Java's (one key space).

Facts: the package, classes (``data``/``sealed``/``enum``/``annotation`` ones too), interfaces,
objects and companion objects with their functions, properties (a primary constructor's
``val``/``var`` parameters included) and enum entries; top-level functions, properties and type
aliases; KDoc summaries (``/** */`` only). Signatures up to the body, the initializer or the
accessors, without comments or annotations (``@Deprecated`` kept as a mark). Visibility as
Kotlin has it: ``public`` by default, ``internal``, ``protected``, ``private``. A file may
declare several top-level types, and its package need not match its directory: keys come from
the package clause, never from the path.

Resolution: the keys are Java's (``java:<package>.<Name>``), so Kotlin and Java files of one
project reach each other; a Kotlin file also provides its top-level functions and properties
(``import a.b.helper``). The names a file's code uses from its own package and from wildcard
imports (types, receivers, calls: ``Helper()``, ``helper()``) are looked up one by one
(:func:`reactor.facts.java.references`): an edge only where a file declares a name used.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from . import Facts, Symbol, Visibility, one_line
from . import java as jvm
from .comments import Comments, scan
from .walker import Walker, declaration, doc_summary, file_doc, named

_CLASS_WORDS = {"enum": "enum", "annotation": "annotation"}
#: Kotlin's own types, used everywhere and declared in no repo file.
BUILTINS = frozenset(
    "Int Long Short Byte Char String Boolean Double Float Unit Any Nothing Array List "
    "MutableList Map MutableMap Set MutableSet Pair Triple Sequence Iterable Collection "
    "Comparable Throwable Exception Suppress JvmStatic JvmField JvmOverloads JvmName "
    "Deprecated Override it".split()
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
    w.facts.doc = file_doc(w, root, touching=("package_header", "file_annotation"))
    declared: set[str] = set()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []), summarise=kdoc_summary)
    _declarations(w, notes, root, owner="", in_interface=False, declared=declared)
    used = {w.text(n) for n in found.get("use", [])}
    bound = {w.text(n) for n in found.get("bound", [])}
    jvm.references(w, used, declared | bound, builtins=BUILTINS, functions=True)
    return w.facts


#: The names a Kotlin file's code uses from elsewhere: the first name of a type, of a
#: ``Name.member`` receiver and of a call (``Helper()``, ``helper()``, an extension function's
#: ``x.helper()``); and the names it binds
#: itself (type parameters, parameters, locals, lambda parameters, functions), which a call of
#: the same name means instead.
_USES = (
    "[(user_type . (identifier) @use) (navigation_expression . (identifier) @use)"
    " (call_expression . (identifier) @use)"
    " (call_expression . (navigation_expression (identifier) @use .))]"
    " (type_parameter . (identifier) @bound)"
    " (variable_declaration (identifier) @bound) (parameter (identifier) @bound)"
    " (class_parameter (identifier) @bound) (function_declaration name: (identifier) @bound)"
)


def kdoc_summary(text: str) -> str:
    """The first sentence of a KDoc comment as Dokka renders it: a link (``[name]``,
    ``[label][target]``) as its text."""
    if "[" in text:
        text = _KDOC_LINK.sub(lambda m: m.group(1), text)
    return doc_summary(text)


def _declarations(
    w: Walker,
    notes: Comments,
    body: ts.Node | None,
    *,
    owner: str,
    in_interface: bool,
    declared: set[str],
) -> None:
    for node in body.named_children if body is not None else ():
        kind = node.type
        if kind == "package_header":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
        elif kind == "import":
            _import(w, node)
        elif kind in ("class_declaration", "object_declaration", "companion_object"):
            _type(w, notes, node, owner, in_interface, declared)
        elif kind == "function_declaration":
            _add(
                w,
                notes,
                "method" if owner else "function",
                w.name(node),
                node,
                parent=owner,
                visibility=_visibility(w, node, in_interface),
                signature=_signature(w, notes, node, _BODIES),
            )
        elif kind == "property_declaration":
            _property(w, notes, node, owner, _visibility(w, node, in_interface))
        elif kind == "type_alias":
            name = next((w.text(c) for c in node.named_children if c.type == "identifier"), "")
            _add(
                w,
                notes,
                "type",
                name,
                node,
                visibility=_visibility(w, node, in_interface),
                signature=_signature(w, notes, node, ()),
            )
        elif kind == "ERROR":  # what the grammar could not place: still look inside
            _recover(w, notes, node, owner=owner, in_interface=in_interface, declared=declared)


def _add(
    w: Walker,
    notes: Comments,
    kind: str,
    name: str,
    node: ts.Node,
    *,
    signature: str,
    visibility: Visibility = "public",
    parent: str = "",
    doc: str | None = None,
) -> None:
    if name:
        found = notes.above(node.start_byte) if doc is None else doc
        marks = ("deprecated",) if "deprecated" in _annotations(w, node) else ()
        w.facts.symbols.append(Symbol(kind, name, signature, found, visibility, parent, marks))


def _annotations(w: Walker, node: ts.Node) -> dict[str, ts.Node]:
    """The annotations on a declaration, by their lowercased name."""
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    out = {}
    for annotation in named(modifiers):
        if annotation.type == "annotation":
            name = w.text(next(iter(w.descendants(annotation, "user_type")), None))
            out[name.rsplit(".", 1)[-1].lower()] = annotation
    return out


def _recover(
    w: Walker,
    notes: Comments,
    error: ts.Node,
    *,
    owner: str,
    in_interface: bool,
    declared: set[str],
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
            declared.add(name)
            _add(
                w,
                notes,
                word,
                name,
                error,
                parent=owner,
                visibility=_visibility(w, error, in_interface),
                signature=one_line(declaration(text)),
            )
            _declarations(
                w, notes, error, owner=name, in_interface=word == "interface", declared=declared
            )
            return
    _declarations(w, notes, error, owner=owner, in_interface=in_interface, declared=declared)


def _visibility(w: Walker, node: ts.Node, in_interface: bool) -> Visibility:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    for modifier in named(modifiers):
        if modifier.type == "visibility_modifier":
            word = w.text(modifier)
            return word if word in ("private", "protected", "internal") else "public"  # type: ignore[return-value]
    return "public"


_BODIES = ("class_body", "enum_class_body", "function_body")
#: A KDoc link: ``[name]``, ``[a.b]`` or ``[label][target]`` (never ``a[0]``).
_KDOC_LINK = re.compile(r"(?<![\w\]])\[([\w.`# -]+?)\](?:\[[\w.]+\])?(?![(\w])")
#: Where a property's declaration ends: its initializer, delegate or accessors.
_PROPERTY_ENDS = ("=", "getter", "setter", "property_delegate")


def _signature(w: Walker, notes: Comments, node: ts.Node, ends: tuple[str, ...]) -> str:
    """The declaration up to the first child of a kind in ``ends``, without comments and
    annotations."""
    stop = next((c.start_byte for c in node.children if c.type in ends), node.end_byte)
    return one_line(notes.without(node.start_byte, stop, list(_annotations(w, node).values())))


def _type(
    w: Walker,
    notes: Comments,
    node: ts.Node,
    owner: str,
    in_interface: bool,
    declared: set[str],
) -> None:
    name = w.name(node) or ("Companion" if node.type == "companion_object" else "")
    words = [w.text(c) for c in node.children if not c.is_named]
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    classes = {w.text(m) for m in named(modifiers) if m.type == "class_modifier"}
    kind = "interface" if "interface" in words else "object" if "object" in words else "class"
    kind = next((_CLASS_WORDS[c] for c in classes if c in _CLASS_WORDS), kind)
    declared.add(name)
    _add(
        w,
        notes,
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node, in_interface),
        signature=_signature(w, notes, node, _BODIES),
    )
    constructor = next((c for c in node.named_children if c.type == "primary_constructor"), None)
    tags: dict[str, str] | None = None  # the class KDoc's `@property name text`, read once
    for parameter in w.descendants(constructor, "class_parameter") if constructor else ():
        if any(w.text(c) in ("val", "var") for c in parameter.children):
            member = next(
                (w.text(c) for c in parameter.named_children if c.type == "identifier"), ""
            )
            doc = notes.above(parameter.start_byte)  # its own KDoc, else the class's tag
            if not doc:
                if tags is None:
                    tags = _property_tags(notes.block_above(node.start_byte))
                doc = tags.get(member, "")
            _add(
                w,
                notes,
                "field",
                member,
                parameter,
                parent=name,
                visibility=_visibility(w, parameter, False),
                signature=_signature(w, notes, parameter, ("=",)),
                doc=doc,
            )
    for body in node.named_children:
        if body.type == "enum_class_body":
            for entry in named(body):
                if entry.type == "enum_entry":
                    entry_name = next(
                        (w.text(c) for c in entry.named_children if c.type == "identifier"), ""
                    )
                    _add(w, notes, "const", entry_name, entry, parent=name, signature=entry_name)
        if body.type in ("class_body", "enum_class_body"):
            _declarations(
                w, notes, body, owner=name, in_interface=kind == "interface", declared=declared
            )


#: A KDoc block tag opening its line (``@property name text``, ``@param x``).
_KDOC_TAG = re.compile(r"^\s*@(\w+)\s*(.*)$")


def _property_tags(block: str) -> dict[str, str]:
    """The summaries a class KDoc's ``@property name text`` tags give its properties (each
    tag runs on to the next tag)."""
    out: dict[str, str] = {}
    if "@property" not in block:
        return out
    name, lines = "", []
    for line in [*block.split("\n"), "@end"]:
        tag = _KDOC_TAG.match(line)
        if tag is None:
            lines.append(line)
            continue
        if name and name not in out:
            out[name] = kdoc_summary("\n".join(lines))
        name, lines = "", []
        if tag.group(1) == "property":
            first, *rest = tag.group(2).split(None, 1) or [""]
            name, lines = first.strip("[]"), rest
    return out


def _property(
    w: Walker, notes: Comments, node: ts.Node, owner: str, visibility: Visibility
) -> None:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    constant = "const" in w.words(modifiers)
    for variable in node.named_children:
        if variable.type == "variable_declaration":
            name = next((w.text(c) for c in variable.named_children if c.type == "identifier"), "")
            _add(
                w,
                notes,
                "const" if constant else ("field" if owner else "variable"),
                name,
                node,
                parent=owner,
                visibility=visibility,
                signature=_signature(w, notes, node, _PROPERTY_ENDS),
            )


def _import(w: Walker, node: ts.Node) -> None:
    path = next((w.text(c) for c in node.named_children if c.type == "qualified_identifier"), "")
    if not path:
        return
    if w.text(node).rstrip().endswith("*"):
        w.import_of(f"{path}.*")
    else:
        w.import_of(path, [path.rsplit(".", 1)[-1]])
