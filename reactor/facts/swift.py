"""Swift: facts from tree-sitter, module imports resolved through a SwiftPM package's targets.

Facts: classes, structs, enums (with their cases and each case's payload or raw value), actors,
protocols (with their requirements) and extensions (listed under the type they extend) with
their methods, initializers and properties; top-level functions, values and type aliases;
``///`` and ``/** */`` summaries (a plain ``//`` note is no doc). Signatures up to the body or
value, without attributes or comments; a computed property as ``{ get }`` or ``{ get set }``,
never its accessors' code; ``@available(*, deprecated)`` kept as a mark. Visibility as Swift has
it: ``public``/``open`` public, ``internal`` the default (module-wide), ``fileprivate`` and
``private`` private; a protocol's requirements are as visible as the protocol.

Resolution: ``Package.swift`` names the targets; a target's sources are ``Sources/<name>`` (or
``Tests/<name>`` for a test target, or the ``path:`` it gives); a repo without one is one
module. Each file provides ``swift:<module>.<Name>`` for each type, function, value and alias it
declares — not for a type it only extends. The names a file's code uses (types, ``Name.member``
receivers, calls; never a comment or a string) are looked up by name in its own module (whose
files see each other without an import) and in each module it imports, so its neighbours are
the files declaring them. An ``extension T`` file provides no key of ``T``'s (a user of ``T``
is not its neighbour), but ``swift:<module>.T+``, which ``T``'s own file looks up: the
extension is shown there as "extended by", never among its imports.
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Project, Symbol, Visibility, nearest
from .comments import Comments, scan, triple_slash
from .walker import Walker, file_doc, named

_KINDS = {"class", "struct", "enum", "actor", "extension"}
_MEMBERS = {
    "function_declaration": "method",
    "protocol_function_declaration": "method",
    "init_declaration": "method",
    "property_declaration": "field",
    "protocol_property_declaration": "field",
    "typealias_declaration": "type",
    "subscript_declaration": "method",
    "deinit_declaration": "method",
}
_BUILTINS = frozenset(
    "Int Double Float Bool String Character Array Dictionary Set Optional Any AnyObject Void "
    "Error Never Self Result Data Date URL UUID".split()
)
_TARGET = re.compile(
    r"\.(target|executableTarget|testTarget|macro|plugin)\s*\(\s*name:\s*\"([^\"]+)\""
)
#: The names a Swift file's code uses from elsewhere: the first name of a type and the receiver
#: of ``Name.member`` (capitalized: ``@available`` names no type), a called name (``Helper()``,
#: ``helper()``); and the names it binds itself (type parameters, parameters, locals, closure
#: parameters, functions), which a call of the same name means instead.
_USES = (
    "(user_type . (type_identifier) @use) (navigation_expression target: (simple_identifier) @use)"
    " (call_expression . (simple_identifier) @call)"
    " (type_parameter . (type_identifier) @bound) (_ name: (simple_identifier) @bound)"
    " (_ bound_identifier: (simple_identifier) @bound) (pattern (simple_identifier) @bound)"
)
#: Where a declaration's signature ends: its body, value or accessors.
_ENDS = ("body", "value", "computed_value")
#: The suffix of the key under which a file extending a type is found by the type's own file.
EXTENDED = "+"
#: Top-level declarations another file of the module may use by name.
_TOP_LEVEL = ("function", "const", "variable", "type")


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []), is_doc=triple_slash)
    w.facts.doc = file_doc(w, root, touching=("import_declaration",))
    for node in named(root):
        if node.type == "import_declaration":
            module = next((c for c in node.named_children if c.type == "identifier"), None)
            if module is not None:
                w.import_of(w.text(module).split(".")[0])
        elif node.type in ("class_declaration", "protocol_declaration"):
            _type(w, notes, node, owner="")
        elif node.type in _MEMBERS:
            _member(w, notes, node, owner="", default="internal")
    declared = {s.name for s in w.facts.symbols if s.kind != "extension"}
    unwanted = declared | _BUILTINS | {w.text(n) for n in found.get("bound", [])}
    types = {w.text(n) for n in found.get("use", []) if w.text(n)[:1].isupper()}
    calls = {w.text(n) for n in found.get("call", [])}
    used = sorted((types | calls) - unwanted - set(w.facts.imports))
    for scope in ["", *w.facts.imports]:  # "": the file's own module (see SwiftResolver.keys)
        for name in used:
            spec = f"{scope}.{name}"
            w.facts.references.append(spec)
            w.facts.names[spec] = [name]
    for own in w.facts.top_level():  # the files extending its types (see SwiftResolver)
        if own.kind in TYPE_KINDS and own.kind != "extension":
            w.facts.references.append(f".{own.name}{EXTENDED}")
            w.facts.names[f".{own.name}{EXTENDED}"] = [own.name]
    return w.facts


def _visibility(w: Walker, node: ts.Node, default: Visibility) -> Visibility:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    for modifier in named(modifiers):
        if modifier.type == "visibility_modifier":
            word = w.text(modifier).split("(")[0]
            if word in ("public", "open"):
                return "public"
            return "internal" if word == "internal" else "private"
    return default


def _attributes(node: ts.Node) -> list[ts.Node]:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    return [m for m in named(modifiers) if m.type == "attribute"]


def _add(
    w: Walker,
    notes: Comments,
    kind: str,
    name: str,
    node: ts.Node,
    *,
    signature: str,
    visibility: Visibility,
    parent: str = "",
) -> None:
    if not name:
        return
    deprecated = any(
        re.match(r"@available\b.*\b(deprecated|unavailable)\b", " ".join(w.text(a).split()))
        for a in _attributes(node)
    )
    marks = ("deprecated",) if deprecated else ()
    doc = notes.above(node.start_byte)
    w.facts.symbols.append(Symbol(kind, name, signature, doc, visibility, parent, marks))


def _type(w: Walker, notes: Comments, node: ts.Node, owner: str) -> None:
    keyword = next((w.text(c) for c in node.children if w.text(c) in _KINDS), "")
    kind = "protocol" if node.type == "protocol_declaration" else keyword or "class"
    if kind == "actor":
        kind = "class"  # (the signature says actor)
    name = w.text(node.child_by_field_name("name"))
    visibility = _visibility(w, node, "internal")
    if kind == "extension":
        name = name.split("<")[0]
    _add(
        w,
        notes,
        kind,
        name,
        node,
        parent=owner,
        visibility=visibility,
        signature=_signature(w, notes, node),
    )
    body = node.child_by_field_name("body")
    inherited: Visibility = visibility if kind == "protocol" else "internal"
    for member in named(body):
        if member.type in ("class_declaration", "protocol_declaration"):
            _type(w, notes, member, owner=name)
        elif member.type in _MEMBERS:
            _member(w, notes, member, owner=name, default=inherited)
        elif member.type == "enum_entry":
            _cases(w, notes, member, name, visibility)


def _cases(w: Walker, notes: Comments, entry: ts.Node, owner: str, visibility: Visibility) -> None:
    """``case a = 1, b(Int, name: String)``: each case with its raw value or payload."""
    cases: list[tuple[ts.Node, list[ts.Node]]] = []
    for i, part in enumerate(entry.children):
        field = entry.field_name_for_child(i)
        if field == "name":
            cases.append((part, []))
        elif cases and (field in ("data_contents", "raw_value") or part.type == "="):
            cases[-1][1].append(part)
    for name, rest in cases:
        end = rest[-1].end_byte if rest else name.end_byte
        _add(
            w,
            notes,
            "const",
            w.text(name),
            entry,
            parent=owner,
            visibility=visibility,
            signature="case " + notes.without(name.start_byte, end),
        )


def _member(w: Walker, notes: Comments, node: ts.Node, owner: str, default: Visibility) -> None:
    kind = _MEMBERS[node.type]
    if node.type in ("init_declaration", "deinit_declaration", "subscript_declaration"):
        name = node.type.removesuffix("_declaration")
    elif kind == "field":
        pattern = node.child_by_field_name("name")
        bound = pattern.child_by_field_name("bound_identifier") if pattern is not None else None
        name = w.text(bound if bound is not None else pattern).split()[-1] if pattern else ""
    else:
        name = w.text(node.child_by_field_name("name"))
    if kind == "method" and not owner:
        kind = "function"
    elif kind == "field" and not owner:
        kind = "const" if "let" in w.text(node).split("=")[0].split() else "variable"
    _add(
        w,
        notes,
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node, default),
        signature=_signature(w, notes, node),
    )


def _signature(w: Walker, notes: Comments, node: ts.Node) -> str:
    """The declaration up to its body, value or accessors, without attributes and comments
    (a computed property's accessors as ``{ get }`` or ``{ get set }``)."""
    ends = ("body",) if node.type == "typealias_declaration" else _ENDS
    cut = next((c for f in ends if (c := node.child_by_field_name(f)) is not None), None)
    end = cut.start_byte if cut is not None else node.end_byte
    for child in node.children:  # `var x = 0 { didSet … }`: the `=` ends it too
        if child.type in ("=", "willset_didset_block") and child.start_byte < end:
            end = child.start_byte
            break
    text = notes.without(node.start_byte, end, _attributes(node)).rstrip(" {=:")
    if cut is not None and cut.type == "computed_property":
        setter = any(c.type in ("computed_setter", "computed_modify") for c in cut.named_children)
        text += " { get set }" if setter else " { get }"
    return text


class SwiftResolver:
    """Module names → ``swift:<target>`` keys, by the nearest ``Package.swift``."""

    def __init__(self, project: Project):
        self.project = project
        self._targets: dict[str, dict[str, str]] = {}

    def forget(self) -> None:
        self._targets.clear()

    def keys(self, rel: str, spec: str) -> list[str]:
        """``.Name``: a name of the file's own module; ``Core.Name``: of the module it imports
        (a target of the repo's, else nothing); ``Core``: the import as written, no key."""
        module, dot, name = spec.partition(".")
        if not dot:
            return []
        if not module:
            own = self.module_of(rel)
            return [f"swift:{own}.{name}"] if own is not None else []
        return [f"swift:{spec}"] if module in self._known() else []

    def provides(self, rel: str, facts: Facts) -> list[str]:
        """``swift:<module>.<Name>`` for what the file declares at the top; for a type it
        extends, ``swift:<module>.<Name>+`` in its own module and each it imports (the type's
        file looks that up: "extended by"), never the type's own key."""
        module = self.module_of(rel)
        if module is None:
            return []
        known = self._known()
        out = []
        for s in facts.top_level():
            if s.kind == "extension":
                for scope in [module, *(m for m in facts.imports if m in known)]:
                    out.append(f"swift:{scope}.{s.name}{EXTENDED}")
            elif s.kind in TYPE_KINDS or s.kind in _TOP_LEVEL:
                out.append(f"swift:{module}.{s.name}")
        return list(dict.fromkeys(out))

    def _known(self) -> set[str]:
        """The targets of the repo's packages."""
        packages = self.project.named("Package.swift")
        return {t for p in packages for t in self._targets_of(p).values()}

    def module_of(self, rel: str) -> str | None:
        """The target whose sources hold ``rel`` (``""``: a repo without ``Package.swift`` is
        one module; ``None``: a file of no target)."""
        packages = self.project.named("Package.swift")
        if not packages:
            return ""
        for package in nearest(packages, rel):
            folder = posixpath.dirname(package)
            for path, name in self._targets_of(package).items():
                directory = posixpath.join(folder, path) if folder else path
                if rel.startswith(directory + "/"):
                    return name
        return None

    def _targets_of(self, package: str) -> dict[str, str]:
        """``{source dir: target name}`` of one ``Package.swift``."""
        if package not in self._targets:
            text = self.project.read_text(package) or ""
            targets = {}
            for found in _TARGET.finditer(text):
                kind, name = found.groups()
                rest = _call_rest(text, found.end())
                path = re.search(r"\bpath:\s*\"([^\"]+)\"", rest)
                default = f"{'Tests' if kind == 'testTarget' else 'Sources'}/{name}"
                targets[path.group(1).strip("/") if path else default] = name
            self._targets[package] = targets
        return self._targets[package]


def _call_rest(text: str, start: int) -> str:
    """The rest of a call's arguments from ``start`` to its closing parenthesis (nested calls
    and lists inside: ``linkerSettings: [.linkedFramework("x", .when(…))]``)."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return text[start:]
