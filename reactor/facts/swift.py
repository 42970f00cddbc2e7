"""Swift: facts from tree-sitter, module imports resolved through a SwiftPM package's targets.

Facts: classes, structs, enums (with their cases), actors, protocols (with their requirements)
and extensions (listed under the type they extend) with their methods, initializers and
properties; top-level functions, values and type aliases; ``///`` summaries. Visibility as Swift
has it: ``public``/``open`` public, ``internal`` the default (module-wide), ``fileprivate`` and
``private`` private; a protocol's requirements are as visible as the protocol.

Resolution: ``Package.swift`` names the targets; a target's sources are ``Sources/<name>`` (or
``Tests/<name>`` for a test target, or the ``path:`` it gives). Each file provides
``swift:<target>``; ``import Core`` and the file's own module (whose files see each other
without an import) are looked up there with the type names the file uses, so the neighbours are
the files declaring them.
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Project, Visibility, nearest
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


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("import_declaration",))
    for node in named(root):
        if node.type == "import_declaration":
            module = next((c for c in node.named_children if c.type == "identifier"), None)
            if module is not None:
                w.import_of(w.text(module).split(".")[0])
        elif node.type in ("class_declaration", "protocol_declaration"):
            _type(w, node, owner="")
        elif node.type in _MEMBERS:
            _member(w, node, owner="", default="internal")
    members = {s.name for s in w.facts.symbols if s.parent}
    words = {w.text(n) for n in w.descendants(root, ("type_identifier", "simple_identifier"))}
    used = {word for word in words if word[:1].isupper()}
    types = {s.name for s in w.facts.symbols if s.kind in TYPE_KINDS}
    names = sorted(used - _BUILTINS - (members - types) - set(w.facts.imports))
    w.facts.references.append("")  # the file's own module: see SwiftResolver.keys
    for spec in ["", *w.facts.imports]:
        w.facts.names[spec] = names
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


def _type(w: Walker, node: ts.Node, owner: str) -> None:
    keyword = next((w.text(c) for c in node.children if w.text(c) in _KINDS), "")
    kind = "protocol" if node.type == "protocol_declaration" else keyword or "class"
    if kind == "actor":
        kind = "class"  # (the signature says actor)
    name = w.text(node.child_by_field_name("name"))
    visibility = _visibility(w, node, "internal")
    if kind == "extension":
        name = name.split("<")[0]
    w.add(
        kind,
        name,
        node,
        parent=owner,
        visibility=visibility,
        signature=_signature(w, node),
        doc=w.doc_above(node),
    )
    body = node.child_by_field_name("body")
    inherited: Visibility = visibility if kind == "protocol" else "internal"
    for member in named(body):
        if member.type in ("class_declaration", "protocol_declaration"):
            _type(w, member, owner=name)
        elif member.type in _MEMBERS:
            _member(w, member, owner=name, default=inherited)
        elif member.type == "enum_entry":
            for case in member.children_by_field_name("name"):
                w.add(
                    "const",
                    w.text(case),
                    member,
                    parent=name,
                    visibility=visibility,
                    signature=f"case {w.text(case)}",
                )


def _member(w: Walker, node: ts.Node, owner: str, default: Visibility) -> None:
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
    w.add(
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node, default),
        signature=_signature(w, node),
        doc=w.doc_above(node),
    )


def _signature(w: Walker, node: ts.Node) -> str:
    """The declaration up to its body or value, without attributes."""
    cut = node.child_by_field_name("body")
    if cut is None and node.type != "typealias_declaration":
        cut = node.child_by_field_name("value")
    return w.declaration_until(node, cut)


class SwiftResolver:
    """Module names → ``swift:<target>`` keys, by the nearest ``Package.swift``."""

    def __init__(self, project: Project):
        self.project = project
        self._targets: dict[str, dict[str, str]] = {}

    def forget(self) -> None:
        self._targets.clear()

    def keys(self, rel: str, spec: str) -> list[str]:
        module = spec or self.module_of(rel)  # "": the file's own module
        return [f"swift:{module}"] if module else []

    def provides(self, rel: str) -> list[str]:
        module = self.module_of(rel)
        return [f"swift:{module}"] if module else []

    def module_of(self, rel: str) -> str | None:
        """The target whose sources hold ``rel``."""
        for package in nearest(self.project.named("Package.swift"), rel):
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
