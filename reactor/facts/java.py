"""Java: facts from tree-sitter, references resolved by package and type the way javac does.

Facts: the package, types (classes, interfaces, enums, records, annotations, nested ones under
their outer type) with their methods, constructors, fields, constants (an enum's constants too),
record components and annotation elements; visibility as Java has it — ``public``,
``protected``, ``private``, or package-private without a modifier — and implicitly public
members of an interface. Signatures as declared up to the body, without comments or
annotations, ``@Deprecated`` (or a ``@deprecated`` Javadoc tag) kept as a mark. Docs are Javadoc
only (``/** */``; a ``// note`` above a declaration is not its doc), summarised without block
tags, inline tags kept as their text (``{@code x}`` → ``x``), a ``<pre>`` block after a colon
kept in the sentence it ends, other HTML dropped; the file's doc is the comment above its
``package`` (``package-info.java``), never a licence.

Resolution: ``import a.b.C`` (and nested ``a.b.Outer.Inner``, static ``a.b.C.m``) reach the
files that declare those types (``java:<package>.<Type>`` keys). A class uses the other classes
of its package, and those of a wildcard import (``import a.b.*``), without naming them in an
import: every type name its code uses (types, ``Name.member`` receivers, annotations; never a
comment or a string) is looked up in its own package and in each wildcard's, so an edge is a
name used and a file declaring it, each name under its own file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Symbol, Visibility, one_line
from .comments import Comments, scan
from .walker import Walker, child, doc_summary, file_doc, named

_TYPES = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "record_declaration": "record",
    "annotation_type_declaration": "annotation",
}
_ANNOTATION_KINDS = ("marker_annotation", "annotation")
#: Type names every file uses that no repo file declares (java.lang): not looked up.
_JAVA_LANG = frozenset(
    "String Object Integer Long Short Byte Character Boolean Double Float Number Math System "
    "Exception RuntimeException Error Throwable Class Void Iterable Comparable Override "
    "Deprecated SuppressWarnings FunctionalInterface StringBuilder Thread Runnable".split()
)
_DEPRECATED_TAG = re.compile(r"(^|\s)@deprecated\b")
#: Javadoc's inline tags (``{@code a{b}}`` — braces nest) and its code blocks.
_INLINE = re.compile(r"\{@(\w+)\s*")
_PRE = re.compile(r"(:?)\s*<pre>(.*?)(?:</pre>|$)", re.DOTALL | re.IGNORECASE)
_CODE = re.compile(r"<code>(.*?)</code>", re.DOTALL | re.IGNORECASE)
_KEPT = re.compile(r"\x00(\d+)\x00")
#: HTML block elements: each starts a paragraph, as in Javadoc's rendering.
_BLOCK_HTML = re.compile(r"<(p|ul|ol|dl|table|h\d|blockquote|div)\b[^>]*>", re.IGNORECASE)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []), summarise=javadoc_summary)
    declared: set[str] = set()
    w.facts.doc = file_doc(w, root, touching=("package_declaration",))
    for node in named(root):
        if node.type == "package_declaration":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
        elif node.type == "import_declaration":
            _import(w, node)
        elif node.type in _TYPES:
            _type(w, notes, node, parent="", in_interface=False, declared=declared)
    used = {w.text(n) for n in _used_type_names(found.get("use", []))}
    parameters = {w.text(n) for n in found.get("parameter", [])}
    references(w, used, declared | parameters)
    return w.facts


#: The names a Java file's code uses as types: type names (the first of ``A.B``),
#: ``A.f()``/``A.X`` receivers and annotations; and the type parameters it declares.
_USES = (
    "[(type_identifier) (method_invocation object: (identifier) @use)"
    " (field_access object: (identifier) @use) (marker_annotation name: (identifier) @use)"
    " (annotation name: (identifier) @use)] @use"
    " (type_parameter . (type_identifier) @parameter)"
)


def _used_type_names(found: list[ts.Node]) -> list[ts.Node]:
    out = []
    for node in found:
        if node.type != "type_identifier" and node.type != "identifier":
            continue  # (a pattern's outer node)
        parent = node.parent
        if (
            parent is not None
            and parent.type == "scoped_type_identifier"
            and parent.named_children[0] != node
        ):
            continue  # `Outer.Inner`: Inner is Outer's, not a name of its own
        out.append(node)
    return out


def references(
    w: Walker,
    used: set[str],
    declared: set[str],
    *,
    builtins: frozenset[str] = frozenset(),
    functions: bool = False,
    packages: list[str] | None = None,
    wildcards: list[str] | None = None,
    hidden: dict[str, set[str]] | None = None,
) -> None:
    """Names a JVM file uses without importing them one by one: its package's (no import
    needed) and those of each wildcard import (``a.b.*``, Kotlin's and Scala's too), each a
    reference ``<package>.<Name>`` of its own, so that it reaches only the file that declares
    that name. ``used``: the names its code uses (type names, capitalized; with
    ``functions``, top-level functions too: Kotlin's and Scala's); ``declared``: its own.
    Scala's scopes are wider: ``packages``, every package whose members its code sees
    unqualified (chained clauses, a package object's own); ``wildcards``, each wildcard's
    scope read both ways a relative import may mean; ``hidden``, the names a wildcard leaves
    out (``{Path => _, _}``)."""
    imported = {spec.rsplit(".", 1)[-1] for spec in w.facts.imports if not spec.endswith(".*")}
    declared = declared | {s.name for s in w.facts.symbols}
    if packages is None:
        packages = [w.facts.package] if w.facts.package else []
    if wildcards is None:
        wildcards = [spec[:-2] for spec in w.facts.imports if spec.endswith(".*")]
    scopes = list(dict.fromkeys([*packages, *wildcards]))
    candidates = used - declared - imported - _JAVA_LANG - builtins
    for name in sorted(n for n in candidates if functions or n[:1].isupper()):
        for scope in scopes:
            spec = f"{scope}.{name}"
            if hidden and name in hidden.get(scope, ()):
                continue
            if spec not in w.facts.names:
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


def javadoc_summary(text: str) -> str:
    """The first sentence of a Javadoc comment as it renders: inline tags as their text
    (``{@code a{b}}``: braces nest; ``{@link A#b label}``: the label), code kept as written (its
    ``<`` is no tag, its ``.`` ends no sentence), a ``<pre>`` block after a colon kept in the
    sentence it ends as a code span, block HTML (``<p>``, ``<ul>``) a paragraph break."""
    code: list[str] = []

    def keep(text: str) -> str:
        code.append(text)
        return f"\x00{len(code) - 1}\x00"

    if "{@" in text:
        text = _inline_tags(text, keep)
    if "<" in text:
        text = _PRE.sub(
            lambda m: (
                f": {keep('`' + ' '.join(m.group(2).split()) + '`')}\n\n" if m.group(1) else "\n\n"
            ),
            text,
        )
        text = _CODE.sub(lambda m: keep(" ".join(m.group(1).split())), text)
        text = _BLOCK_HTML.sub("\n\n", text)
    found = doc_summary(text)
    while _KEPT.search(found):  # (code kept inside code: a `{@code}` in a `<pre>`)
        found = _KEPT.sub(lambda m: code[int(m.group(1))], found)
    return found


def _inline_tags(text: str, keep: Callable[[str], str]) -> str:
    out, at = [], 0
    while (found := _INLINE.search(text, at)) is not None:
        depth, end = 1, found.end()
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        inner = " ".join(text[found.end() : end - 1 if depth == 0 else end].split())
        if found.group(1) in ("link", "linkplain", "see") and inner:
            target, _, label = inner.partition(" ")
            inner = label.strip() or target.lstrip("#").replace("#", ".")
        out += [text[at : found.start()], keep(inner) if inner else ""]
        at = end
    return "".join(out) + text[at:]


def _marks(w: Walker, node: ts.Node, doc: str) -> tuple[str, ...]:
    """``deprecated`` for ``@Deprecated`` or a ``@deprecated`` tag in its Javadoc."""
    for annotation in named(child(node, "modifiers")):
        named_so = w.name(annotation).rsplit(".", 1)[-1]
        if annotation.type in _ANNOTATION_KINDS and named_so == "Deprecated":
            return ("deprecated",)
    return ("deprecated",) if "@" in doc and _DEPRECATED_TAG.search(doc) else ()


def _signature(w: Walker, notes: Comments, node: ts.Node, end: int | None = None) -> str:
    """The declaration up to its body (or ``end``): comments and annotations left out."""
    body = node.child_by_field_name("body")
    stop = end if end is not None else body.start_byte if body is not None else node.end_byte
    annotations = [a for a in named(child(node, "modifiers")) if a.type in _ANNOTATION_KINDS]
    return one_line(notes.without(node.start_byte, stop, annotations).rstrip(" ;"))


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
) -> None:
    if name:
        doc = notes.block_above(node.start_byte)
        marks = _marks(w, node, doc)
        summary = notes.summary(doc)
        w.facts.symbols.append(Symbol(kind, name, signature, summary, visibility, parent, marks))


def _type(
    w: Walker,
    notes: Comments,
    node: ts.Node,
    *,
    parent: str,
    in_interface: bool,
    declared: set[str],
) -> None:
    name = w.name(node)
    declared.add(name)
    kind = _TYPES[node.type]
    members_public = kind in ("interface", "annotation")
    _add(
        w,
        notes,
        kind,
        name,
        node,
        parent=parent,
        signature=_signature(w, notes, node),
        visibility=_visibility(w, node, in_interface=in_interface),
    )
    for component in named(node.child_by_field_name("parameters")):
        if component.type == "formal_parameter":  # a record's: a public accessor each
            signature = one_line(notes.without(component.start_byte, component.end_byte))
            _add(w, notes, "field", w.name(component), component, parent=name, signature=signature)
    body = node.child_by_field_name("body")
    for member in named(body):
        if member.type == "enum_body_declarations":
            for inner in named(member):
                _member(w, notes, inner, name, members_public, declared)
        elif member.type == "enum_constant":
            _add(w, notes, "const", w.name(member), member, parent=name, signature=w.name(member))
        else:
            _member(w, notes, member, name, members_public, declared)


def _member(
    w: Walker,
    notes: Comments,
    member: ts.Node,
    owner: str,
    members_public: bool,
    declared: set[str],
) -> None:
    visibility = _visibility(w, member, in_interface=members_public)
    if member.type in (
        "method_declaration",
        "constructor_declaration",
        "annotation_type_element_declaration",
    ):
        value = member.child_by_field_name("value")  # an annotation element's default
        end = value.start_byte if value is not None else None
        signature = _signature(w, notes, member, end).removesuffix(" default")
        _add(
            w,
            notes,
            "method",
            w.name(member),
            member,
            parent=owner,
            visibility=visibility,
            signature=signature,
        )
    elif member.type in ("field_declaration", "constant_declaration"):
        words = w.text(child(member, "modifiers")).split()
        constant = member.type == "constant_declaration" or {"static", "final"} <= set(words)
        first = member.child_by_field_name("declarator")
        head = _signature(w, notes, member, first.start_byte if first is not None else None)
        for declarator in member.children_by_field_name("declarator"):
            value = declarator.child_by_field_name("value")
            end = value.start_byte if value is not None else declarator.end_byte
            written = notes.without(declarator.start_byte, end).rstrip(" =")
            _add(
                w,
                notes,
                "const" if constant else "field",
                w.name(declarator),
                member,
                parent=owner,
                visibility=visibility,
                signature=one_line(f"{head} {written}"),
            )
    elif member.type in _TYPES:
        _type(w, notes, member, parent=owner, in_interface=members_public, declared=declared)


def _import(w: Walker, node: ts.Node) -> None:
    text = w.text(node).removeprefix("import").strip().rstrip(";").strip()
    static = text.startswith("static ")
    spec = "".join(text.removeprefix("static").split())
    if spec.endswith(".*"):
        w.import_of(spec)  # a package's types (or a type's static members): see references
        if static:  # the type named: its file is used, whichever member is
            owner = spec[:-2]
            w.facts.references.append(owner)
            w.facts.names[owner] = [owner.rsplit(".", 1)[-1]]
    elif static:  # `a.b.C.m`: the type C, the name m
        owner, _, member = spec.rpartition(".")
        w.import_of(owner, [member])
    else:
        w.import_of(spec, [spec.rsplit(".", 1)[-1]])


def keys(spec: str) -> list[str]:
    """The key a JVM import is looked up by; none for a wildcard, whose names are looked up
    one by one (:func:`references`)."""
    return [] if spec.endswith(".*") else [f"java:{spec}"]


def provides(facts: Facts) -> list[str]:
    """``java:<package>.<Type>`` for each type (nested ones as ``Outer.Inner`` too), and for
    each top-level function and value (Kotlin, Scala 3: imported by name)."""
    if not facts.package:
        return []
    types = {s.name: s.parent for s in facts.symbols if s.kind in TYPE_KINDS}
    out = []
    for name, parent in types.items():
        dotted, seen = name, {name}
        while parent and parent not in seen:  # (`trait Xml { object Xml }`: a name, no cycle)
            seen.add(parent)
            dotted, parent = f"{parent}.{dotted}", types.get(parent, "")
        out.append(f"java:{facts.package}.{dotted}")
    for symbol in facts.top_level():  # Kotlin's and Scala 3's top-level definitions
        if symbol.kind in ("function", "variable", "const"):
            out.append(f"java:{facts.package}.{symbol.name}")
    return list(dict.fromkeys(out))
