"""Scala: facts from tree-sitter, imports resolved by package like Java's (one key space).

Facts: the package (chained ``package a`` / ``package b`` clauses joined), classes (``case``
ones with their parameters as fields, any class with its ``val``/``var`` parameters),
objects — a companion object listed beside its class, each with its own members — package
objects (their members are the package's), traits, enums with their cases (a case's parameters
kept), ``def``/``val``/``var``/``type`` members and top-level definitions (Scala 3), with
Scaladoc summaries (``/** */`` only). Signatures up to the body or value, without comments or
annotations (``@deprecated`` kept as a mark). Visibility as Scala has it: public by default,
``protected``, ``private`` (``private[this]`` too); a qualified ``private[pkg]`` is
package-wide.

Resolution: Java's keys (``java:<package>.<Name>``), so Scala, Java and Kotlin files of one build
reach each other; ``import a.b.{C, D => E}`` as Java's single imports, ``{C => _, _}`` as a
wildcard without ``C``; an import path also read relative to the file's package, as Scala reads
it (and to a wildcard before it in one import: ``import a._, B._``); an import in a method's or
a block's body counts for the whole file. The names a file's code uses from its own package
(each package of a chain of clauses) and from wildcard imports (``import a.b._`` or ``*``) are
looked up one by one (:func:`reactor.facts.java.references`): an edge only where a file
declares a name used; a wildcard of an object's members uses the object's file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Symbol, Visibility, one_line
from . import java as jvm
from .comments import Comments, scan
from .walker import Walker, doc_summary, file_doc, named

_TYPES = {
    "class_definition": "class",
    "object_definition": "object",
    "trait_definition": "trait",
    "enum_definition": "enum",
    "package_object": "object",  # its members are its package's (:func:`provides`)
}
_PACKAGE_OBJECT = "package object "
#: Import roots no repo declares a member of: never read as relative to the file's package.
_ROOTS = frozenset({"scala", "java", "javax", "_root_"})
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


@dataclass
class _Scope:
    """What one file's walk learns about the names its code sees: the types it declares,
    the packages whose members it sees unqualified (each clause of a chain, a package
    object's package), its wildcard imports' scopes and the names each hides."""

    declared: set[str] = field(default_factory=set)
    packages: list[str] = field(default_factory=list)
    wildcards: list[str] = field(default_factory=list)
    hidden: dict[str, set[str]] = field(default_factory=dict)
    imports: set[int] = field(default_factory=set)  # (the import declarations read)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("package_clause",))
    scope = _Scope()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []), summarise=scaladoc_summary)
    _definitions(w, notes, root, owner="", scope=scope)
    for node in found.get("import", []):  # (in a method's or a block's body: the file's too)
        if node.id not in scope.imports:
            _import(w, node, scope)
    used = {w.text(n) for n in found.get("use", [])}
    bound = {w.text(n) for n in found.get("bound", []) if not _selected(n)}
    jvm.references(
        w,
        used,
        scope.declared | bound,
        builtins=BUILTINS,
        functions=True,
        packages=scope.packages,
        wildcards=scope.wildcards,
        hidden=scope.hidden,
    )
    _qualified(w, found.get("path", []), bound)
    return w.facts


def _selected(node: ts.Node) -> bool:
    """An import's ``C`` of ``{C => D}``: a name it takes, not one the file binds."""
    return node.parent is not None and node.parent.type == "arrow_renamed_identifier"


def provides(facts: Facts) -> list[str]:
    """Java's keys, and a package object's members as its package's (``package object os``:
    ``def home`` is ``java:os.home``)."""
    out = jvm.provides(facts)
    objects = {s.name for s in facts.top_level() if s.signature.startswith(_PACKAGE_OBJECT)}
    prefix = f"{facts.package}." if facts.package else ""
    for symbol in facts.symbols:
        if (
            symbol.parent in objects
            and symbol.kind not in TYPE_KINDS  # (types: jvm's)
            and symbol.visibility != "private"
        ):
            out.append(f"java:{prefix}{symbol.parent}.{symbol.name}")
    return list(dict.fromkeys(out))


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
    " (field_expression) @path (import_declaration) @import"
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
    w: Walker, notes: Comments, body: ts.Node | None, *, owner: str, scope: _Scope
) -> None:
    for node in named(body):
        kind = node.type
        if kind == "package_clause":
            name = w.text(node.child_by_field_name("name"))
            w.facts.package = f"{w.facts.package}.{name}" if w.facts.package else name
            scope.packages.append(w.facts.package)  # (a chain's outer packages stay seen)
            _definitions(w, notes, node.child_by_field_name("body"), owner=owner, scope=scope)
        elif kind == "import_declaration":
            _import(w, node, scope)
        elif kind in _TYPES:
            _type(w, notes, node, owner, scope)
        elif kind in _MEMBERS:
            _member(w, notes, node, owner)


def _visibility(w: Walker, node: ts.Node) -> Visibility:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    for modifier in named(modifiers):
        if modifier.type == "access_modifier":
            word = "".join(w.text(modifier).split())
            if word.startswith("private[") and word != "private[this]":
                return "package"  # (`private[this]`: this instance's own)
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


def _type(w: Walker, notes: Comments, node: ts.Node, owner: str, scope: _Scope) -> None:
    name = w.name(node)
    scope.declared.add(name)
    if node.type == "package_object":  # its code sees its package's members unqualified
        scope.packages.append(f"{w.facts.package}.{name}" if w.facts.package else name)
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
    _definitions(w, notes, body, owner=name, scope=scope)


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


def _import(w: Walker, node: ts.Node, scope: _Scope) -> None:
    """Each path of an import (``import a._, b.C``: two) in turn, the later ones seeing what
    the earlier ones import."""
    scope.imports.add(node.id)
    paths = {p.id for p in node.children_by_field_name("path") if p.is_named}
    group: list[ts.Node] = []
    before: list[str] = []  # (the wildcards' paths as written)
    for child in [*node.children, None]:
        if child is None or child.type == ",":
            before += _importer(w, group, paths, scope, before)
            group = []
        elif child.is_named:
            group.append(child)


def _importer(
    w: Walker, parts: list[ts.Node], paths: set[int], scope: _Scope, before: list[str]
) -> list[str]:
    """Each selector as Java's single import, a wildcard as Java's; ``{Path => _, _}``
    imports no ``Path`` and hides it from the wildcard. A path is read as written and, as
    Scala does, relative to the file's package too (``import TestUtil._``: the same
    package's object, whose file a wildcard of its members uses) and to what a wildcard
    imported before it in the same import (``import lib._, NoWhitespace._``:
    ``lib.NoWhitespace``). Returns the path of a wildcard, for the paths after it."""
    path = ".".join(w.text(p) for p in parts if p.id in paths)
    selectors = next((c for c in parts if c.type == "namespace_selectors"), None)
    wildcard = any(c.type == "namespace_wildcard" for c in parts)
    relative = [] if path.split(".", 1)[0] in _ROOTS else [*scope.packages, *before]
    hidden = set()
    for selector in named(selectors):
        if selector.type == "namespace_wildcard":
            wildcard = True
        elif (alias := selector.child_by_field_name("alias")) and alias.type == "wildcard":
            hidden.add(w.name(selector))
        else:
            name = w.name(selector) or w.text(selector)
            w.import_of(f"{path}.{name}", [name])
            _refer(w, [f"{within}.{path}.{name}" for within in relative], name)
    if selectors is None and not wildcard and path:
        w.import_of(path, [path.rsplit(".", 1)[-1]])
        _refer(w, [f"{within}.{path}" for within in relative], path.rsplit(".", 1)[-1])
    if not (wildcard and path):
        return []
    w.import_of(f"{path}.*")
    owners = [path, *(f"{within}.{path}" for within in relative)]
    for owner in owners:
        scope.wildcards.append(owner)
        scope.hidden.setdefault(owner, set()).update(hidden)
    _refer(w, owners, path.rsplit(".", 1)[-1])  # an object's members: its file is used
    return [path]


def _refer(w: Walker, specs: list[str], name: str) -> None:
    """What an import may name besides its path as written (relative to a package, the
    object whose members a wildcard takes): references, so never listed as imports."""
    for spec in specs:
        if spec not in w.facts.names:
            w.facts.references.append(spec)
            w.facts.names[spec] = [name]
