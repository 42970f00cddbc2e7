"""Scala: facts from tree-sitter, imports resolved by package like Java's (one key space).

Facts: the package (chained ``package a`` / ``package b`` clauses joined), classes (``case``
ones with their parameters as fields, any class with its ``val``/``var`` parameters),
objects — a companion object listed beside its class, each with its own members — traits,
enums with their cases (a case's parameters kept), ``def``/``val``/``var``/``type`` members and
top-level definitions (Scala 3), with Scaladoc summaries (``/** */`` only). Signatures up to the
body or value, without comments or annotations (``@deprecated`` kept as a mark). Visibility as
Scala has it: public by default, ``protected``, ``private``; a qualified ``private[pkg]`` is
package-wide.

Resolution: Java's keys (``java:<package>.<Name>``), so Scala, Java and Kotlin files of one build
reach each other; ``import a.b.{C, D => E}`` as Java's single imports. The names a file's code
uses from its own package and from wildcard imports (``import a.b._`` or ``*``) are looked up one
by one (:func:`reactor.facts.java.references`): an edge only where a file declares a name used.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from . import Facts, Symbol, Visibility, one_line
from . import java as jvm
from .comments import Comments, scan
from .walker import Walker, doc_summary, file_doc, named

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
_SCALADOC_LINK = re.compile(r"\[\[([^\]\s]+)(?:\s+([^\]]+))?\]\]")
_SCALADOC_CODE = re.compile(r"\{\{\{(.*?)(?:\}\}\}|$)", re.DOTALL)
BUILTINS = frozenset(
    "Int Long Short Byte Char String Boolean Double Float Unit Any AnyRef Nothing Option Some "
    "None List Seq Map Set Vector Array Either Left Right Future Throwable Exception".split()
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("package_clause",))
    declared: set[str] = set()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []), summarise=scaladoc_summary)
    _definitions(w, notes, root, owner="", declared=declared)
    used = {w.text(n) for n in found.get("use", [])}
    bound = {w.text(n) for n in found.get("bound", [])}
    jvm.references(w, used, declared | bound, builtins=BUILTINS, functions=True)
    _qualified(w, found.get("path", []), bound)
    return w.facts


def _qualified(w: Walker, paths: list[ts.Node], bound: set[str]) -> None:
    """``os.makeDir(…)``, ``a.b.C``: a name its package names (the package as written, or
    within the file's own), each a reference of its own."""
    for node in paths:
        parent = node.parent
        if (
            parent is not None
            and parent.type == "field_expression"
            and parent.child_by_field_name("value") == node
        ):
            continue  # (only the whole of `a.b.c`)
        path = w.text(node)
        head = path.split(".", 1)[0]
        if not _DOTTED.fullmatch(path) or head in bound or not head[:1].islower():
            continue
        parts = path.split(".")
        for end in range(2, len(parts) + 1):  # `os.proc.call`: `os.proc` is the name
            prefix = ".".join(parts[:end])
            own = f"{w.facts.package}.{prefix}" if w.facts.package else ""
            for spec in (prefix, own):
                if spec and spec not in w.facts.names:
                    w.facts.references.append(spec)
                    w.facts.names[spec] = [parts[end - 1]]


#: The names a Scala file's code uses from elsewhere: types (the first of ``A.B``), the
#: receiver of ``Name.member``, a called name (``Helper(…)``, ``helper(…)``) and qualified
#: names (``os.makeDir``); and the names
#: it binds itself (type parameters, parameters, patterns, lambda parameters, definitions),
#: which a call of the same name means instead.
_USES = (
    "[(type_identifier) @use (stable_type_identifier . (identifier) @use)"
    " (field_expression value: (identifier) @use) (call_expression function: (identifier) @use)]"
    " (_ name: (identifier) @bound) (_ pattern: (identifier) @bound)"
    " (_ parameters: (identifier) @bound) (enumerator . (identifier) @bound)"
    " (field_expression) @path"
)
#: A qualified name, ``os.makeDir`` or ``a.b.C`` (no call or index inside).
_DOTTED = re.compile(r"[a-z_]\w*(?:\.\w+)+")


def scaladoc_summary(text: str) -> str:
    """The first sentence of a Scaladoc comment as it renders: a link (``[[a.B]]``,
    ``[[a.B label]]``) as its text, a ``{{{ }}}`` block as code that a colon before it keeps
    in its sentence."""
    if "[[" in text:
        text = _SCALADOC_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    if "{{{" in text:
        text = _SCALADOC_CODE.sub(
            lambda m: "\n\n`" + " ".join(m.group(1).replace("`", "").split()) + "`\n\n", text
        )
    return doc_summary(text)


def _definitions(
    w: Walker, notes: Comments, body: ts.Node | None, *, owner: str, declared: set[str]
) -> None:
    for node in named(body):
        kind = node.type
        if kind == "package_clause":
            name = w.text(node.child_by_field_name("name"))
            w.facts.package = f"{w.facts.package}.{name}" if w.facts.package else name
            _definitions(w, notes, node.child_by_field_name("body"), owner=owner, declared=declared)
        elif kind == "import_declaration":
            _import(w, node)
        elif kind in _TYPES:
            _type(w, notes, node, owner, declared)
        elif kind in _MEMBERS:
            _member(w, notes, node, owner)


def _visibility(w: Walker, node: ts.Node) -> Visibility:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    for modifier in named(modifiers):
        if modifier.type == "access_modifier":
            word = w.text(modifier)
            if "[" in word and word.startswith("private"):
                return "package"
            return "protected" if word.startswith("protected") else "private"
    return "public"


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
        deprecated = any(w.name(a).rsplit(".", 1)[-1] == "deprecated" for a in _annotations(node))
        marks = ("deprecated",) if deprecated else ()
        w.facts.symbols.append(Symbol(kind, name, signature, found, visibility, parent, marks))


def _annotations(node: ts.Node) -> list[ts.Node]:
    return [c for c in node.named_children if c.type == "annotation"]


def _type(w: Walker, notes: Comments, node: ts.Node, owner: str, declared: set[str]) -> None:
    name = w.name(node)
    declared.add(name)
    _add(
        w,
        notes,
        _TYPES[node.type],
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node),
        signature=_signature(w, notes, node),
    )
    is_case = "case" in w.text(node).split(name, 1)[0].split()
    for parameters in node.children_by_field_name("class_parameters"):
        for parameter in named(parameters):
            words = [w.text(c) for c in parameter.children if not c.is_named]
            if parameter.type == "class_parameter" and (is_case or {"val", "var"} & set(words)):
                value = parameter.child_by_field_name("default_value")
                end = value.start_byte if value is not None else parameter.end_byte
                _add(
                    w,
                    notes,
                    "field",
                    w.name(parameter),
                    parameter,
                    parent=name,
                    visibility=_visibility(w, parameter),
                    signature=one_line(
                        notes.without(parameter.start_byte, end, _annotations(parameter))
                    ).rstrip(" ="),
                    doc="",
                )
    body = node.child_by_field_name("body")
    for child in named(body):
        if child.type == "enum_case_definitions":
            for case in named(child):
                _add(
                    w,
                    notes,
                    "const",
                    w.name(case),
                    case,
                    parent=name,
                    signature="case " + one_line(notes.without(case.start_byte, case.end_byte)),
                )
    _definitions(w, notes, body, owner=name, declared=declared)


def _member(w: Walker, notes: Comments, node: ts.Node, owner: str) -> None:
    kind = _MEMBERS[node.type]
    if kind == "method" and not owner:
        kind = "function"
    name = w.name(node) or w.text(node.child_by_field_name("pattern"))
    _add(
        w,
        notes,
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node),
        signature=_signature(w, notes, node),
    )


def _signature(w: Walker, notes: Comments, node: ts.Node) -> str:
    """The definition up to its body or value, without comments and annotations."""
    cut = node.child_by_field_name("body") or node.child_by_field_name("value")
    end = cut.start_byte if cut is not None else node.end_byte
    text = notes.without(node.start_byte, end, _annotations(node))
    return one_line(text.rstrip(" {=:"))


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
