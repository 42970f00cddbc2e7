"""PHP: facts from tree-sitter, class names resolved through Composer's PSR-4 autoload map.

Facts: the namespace, classes, interfaces, traits and enums with their methods, properties,
constants and enum cases, functions and constants, each with its PHPDoc summary (the docblock
after ``<?php`` is the file's). Visibility as PHP has it: ``public`` (also without a modifier),
``protected``, ``private``; an interface's members are public.

Resolution: a ``use Vendor\\Pkg\\Class`` (grouped ``use A\\{B, C as D}`` too) and every class
name the file uses from its own namespace are class names; each is looked up through the PSR-4
roots of the nearest ``composer.json`` (``autoload`` and ``autoload-dev``, a prefix mapped to one
directory or several; the longest prefix wins), and among the classes the repo's files declare
(``php:<Namespace\\Class>``), for code that Composer does not autoload. ``require``/``include``
of a literal path (``__DIR__ . '/x.php'`` recorded as ``./x.php``) is resolved beside the file,
then from the repo root.
"""

from __future__ import annotations

import posixpath

import tree_sitter as ts

from . import Facts, Project, Visibility, join, nearest, one_line, path_keys
from .walker import Walker, file_doc, named

_TYPES = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "trait_declaration": "trait",
    "enum_declaration": "enum",
}
_INCLUDES = (
    "require_expression",
    "require_once_expression",
    "include_expression",
    "include_once_expression",
)
_USING_CLASSES = (
    "named_type",
    "base_clause",
    "class_interface_clause",
    "object_creation_expression",
    "scoped_call_expression",
    "class_constant_access_expression",
)
_BUILTIN = frozenset("self static parent array string int float bool mixed void null".split())


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=("namespace_definition", "declare_statement"))
    declared: set[str] = set()
    _statements(w, root, declared)
    for node in w.descendants(root, _INCLUDES):
        _include(w, node)
    if w.facts.package:  # classes of the file's own namespace need no `use`
        imported = {names[0] for names in w.facts.names.values() if names}
        for name in sorted(_used_classes(w, root) - declared - imported - _BUILTIN):
            spec = f"{w.facts.package}\\{name}"
            w.facts.references.append(spec)
            w.facts.names[spec] = [name]
    return w.facts


def _statements(w: Walker, parent: ts.Node, declared: set[str]) -> None:
    for node in named(parent):
        kind = node.type
        if kind == "namespace_definition":
            w.facts.package = w.text(node.child_by_field_name("name"))
            body = node.child_by_field_name("body")
            if body is not None:  # namespace X { … }
                _statements(w, body, declared)
        elif kind == "namespace_use_declaration":
            _use(w, node)
        elif kind in _TYPES:
            _type(w, node, declared)
        elif kind == "function_definition":
            w.add("function", w.name(node), node, doc=w.doc_above(node))
        elif kind == "const_declaration":
            _constants(w, node, parent="", visibility="public")


def _visibility(w: Walker, node: ts.Node, *, default: Visibility = "public") -> Visibility:
    for modifier in node.named_children:
        if modifier.type == "visibility_modifier":
            word = w.text(modifier)
            if word in ("protected", "private"):
                return word  # type: ignore[return-value]
            return "public"
    return default


def _type(w: Walker, node: ts.Node, declared: set[str]) -> None:
    name = w.name(node)
    declared.add(name)
    kind = _TYPES[node.type]
    w.add(kind, name, node, doc=w.doc_above(node))
    in_interface = kind == "interface"
    for member in named(node.child_by_field_name("body")):
        visibility = "public" if in_interface else _visibility(w, member)
        if member.type == "method_declaration":
            w.add(
                "method",
                w.name(member),
                member,
                parent=name,
                visibility=visibility,
                doc=w.doc_above(member),
            )
        elif member.type == "property_declaration":
            head = one_line(w.text(member).split("=")[0].rstrip(";"))
            for element in named(member):
                if element.type == "property_element":
                    w.add(
                        "field",
                        w.name(element).lstrip("$"),
                        member,
                        parent=name,
                        visibility=visibility,
                        signature=head,
                        doc=w.doc_above(member),
                    )
        elif member.type == "const_declaration":
            _constants(w, member, parent=name, visibility=visibility)
        elif member.type == "enum_case":
            w.add("const", w.name(member), member, parent=name, signature=one_line(w.text(member)))


def _constants(w: Walker, node: ts.Node, *, parent: str, visibility: Visibility) -> None:
    for element in named(node):
        if element.type == "const_element":
            name = next((w.text(c) for c in element.named_children if c.type == "name"), "")
            w.add(
                "const",
                name,
                node,
                parent=parent,
                visibility=visibility,
                signature=one_line(f"const {w.text(element)}"),
                doc=w.doc_above(node),
            )


def _use(w: Walker, node: ts.Node) -> None:
    """``use A\\B``, ``use A\\B as C``, ``use A\\{B, C as D}`` (functions and constants too)."""
    prefix = ""
    for part in named(node):
        if part.type == "namespace_name":
            prefix = w.text(part) + "\\"
        elif part.type == "namespace_use_clause":
            _clause(w, part, prefix)
        elif part.type == "namespace_use_group":
            for clause in named(part):
                if clause.type == "namespace_use_clause":
                    _clause(w, clause, prefix)


def _clause(w: Walker, clause: ts.Node, prefix: str) -> None:
    target = next((c for c in clause.named_children if c.type in ("qualified_name", "name")), None)
    if target is None:
        return
    spec = (prefix + w.text(target)).lstrip("\\")
    w.import_of(spec, [spec.rsplit("\\", 1)[-1]])


def _include(w: Walker, node: ts.Node) -> None:
    """``require 'x.php'``, ``include __DIR__ . '/x.php'``: a literal path (others are skipped:
    they name no file until run)."""
    argument = node.named_children[0] if node.named_child_count else None
    if argument is not None and argument.type == "parenthesized_expression":
        argument = argument.named_children[0] if argument.named_child_count else None
    if argument is None:
        return
    if argument.type in ("string", "encapsed_string"):
        if all(c.type == "string_content" for c in argument.named_children):
            w.import_of(w.string(argument))
    elif argument.type == "binary_expression":
        left, right = argument.child_by_field_name("left"), argument.child_by_field_name("right")
        if w.text(left) == "__DIR__" and right is not None and right.type == "string":
            w.import_of("." + w.string(right) if w.string(right).startswith("/") else "")


def _used_classes(w: Walker, root: ts.Node) -> set[str]:
    """Unqualified class names the file uses: in types, ``new``, ``X::``, ``extends``,
    ``implements``."""
    used: set[str] = set()
    for node in w.descendants(root, _USING_CLASSES):
        if node.type in ("named_type", "base_clause", "class_interface_clause"):
            used.update(w.text(n) for n in node.named_children if n.type == "name")
        else:  # `new X`, `X::f()`, `X::C`: the first child names the class
            first = node.named_children[0] if node.named_child_count else None
            if first is not None and first.type == "name":
                used.add(w.text(first))
    return used


class PhpResolver:
    """Class names → files by PSR-4 (``composer.json``), then by the classes files declare;
    included paths → files."""

    def __init__(self, project: Project):
        self.project = project

    def keys(self, rel: str, spec: str) -> list[str]:
        if "/" in spec or spec.endswith(".php"):  # an included path
            directory = posixpath.dirname(rel)
            return path_keys([join(directory, spec), spec.lstrip("./")])
        return [*path_keys(self._psr4(rel, spec)), f"php:{spec}"]

    def _psr4(self, rel: str, name: str) -> list[str]:
        composers = nearest(self.project.named("composer.json"), rel)
        out = []
        for composer in composers[:1]:
            data = self.project.read_json(composer)
            if not isinstance(data, dict):
                continue
            folder = posixpath.dirname(composer)
            roots: list[tuple[str, str]] = []
            for section in ("autoload", "autoload-dev"):
                mapping = (data.get(section) or {}).get("psr-4") or {}
                for prefix, dirs in mapping.items() if isinstance(mapping, dict) else ():
                    for directory in [dirs] if isinstance(dirs, str) else dirs:
                        roots.append((prefix.strip("\\"), str(directory)))
            for prefix, directory in sorted(roots, key=lambda r: len(r[0]), reverse=True):
                if prefix and not (name == prefix or name.startswith(prefix + "\\")):
                    continue
                rest = name[len(prefix) :].strip("\\").replace("\\", "/")
                out.append(join(folder, posixpath.join(directory, f"{rest}.php")))
        return out

    @staticmethod
    def provides(facts: Facts) -> list[str]:
        """``php:<Namespace\\Class>`` for each type the file declares."""
        prefix = f"{facts.package}\\" if facts.package else ""
        types = set(_TYPES.values())
        return [f"php:{prefix}{s.name}" for s in facts.symbols if s.kind in types and not s.parent]
