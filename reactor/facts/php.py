"""PHP: facts from tree-sitter, class names resolved through Composer's PSR-4 autoload map.

Facts: the namespace, classes, interfaces, traits and enums with their methods, properties
(constructor-promoted ones too), constants, enum cases and the traits they use (``use
Loggable;``), functions and constants, each with its PHPDoc summary (``/** */`` only; the
docblock after ``<?php`` is the file's). Signatures without attributes or comments;
``#[Deprecated]`` or a ``@deprecated`` tag kept as a mark. Visibility as PHP has it:
``public`` (also without a modifier), ``protected``, ``private``; an interface's members are
public.

Resolution: a ``use Vendor\\Pkg\\Class`` (grouped ``use A\\{B, C as D}`` too) and every class
name the file's code uses (types, ``new``, ``X::``, ``extends``, ``implements``, traits,
``instanceof``, ``catch``, attributes; qualified names from the namespace or an imported
prefix) are class names; each is looked up through the PSR-4 roots of the nearest
``composer.json`` (``autoload`` and ``autoload-dev``, a prefix mapped to one directory or
several; the longest prefix wins), and among the classes the repo's files declare
(``php:<Namespace\\Class>``), for code that Composer does not autoload. ``require``/``include``
of a literal path (``__DIR__ . '/x.php'`` recorded as ``./x.php``) is resolved beside the file,
then from the repo root.
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from . import Facts, Project, Symbol, Visibility, join, nearest, one_line, path_keys
from .comments import Comments, scan
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
#: The class names a file's code uses (``@class``: a name or qualified name) and its includes.
_USES = (
    "(named_type [(name) (qualified_name)] @class)"
    " (base_clause [(name) (qualified_name)] @class)"
    " (class_interface_clause [(name) (qualified_name)] @class)"
    " (use_declaration [(name) (qualified_name)] @class)"
    " (object_creation_expression . [(name) (qualified_name)] @class)"
    " (scoped_call_expression scope: [(name) (qualified_name)] @class)"
    " (class_constant_access_expression . [(name) (qualified_name)] @class)"
    " (scoped_property_access_expression scope: [(name) (qualified_name)] @class)"
    ' (binary_expression operator: "instanceof" right: [(name) (qualified_name)] @class)'
    " (attribute [(name) (qualified_name)] @class)"
    f" [{' '.join(f'({kind})' for kind in _INCLUDES)}] @include"
)
_BUILTIN = frozenset("self static parent array string int float bool mixed void null".split())
#: ``{@inheritdoc}``: the parent's doc stands here, so the tag itself is no summary.
_INHERIT_DOC = re.compile(r"\{@inheritdoc\}", re.IGNORECASE)
_DEPRECATED_TAG = re.compile(r"(^|\s)@deprecated\b")


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []))
    w.facts.doc = file_doc(w, root, touching=("namespace_definition", "declare_statement"))
    declared: set[str] = set()
    aliases: dict[str, str] = {}  # the name a `use` brings in -> what it names
    _statements(w, notes, root, declared, aliases)
    for node in found.get("include", []):
        _include(w, node)
    prefix = f"{w.facts.package}\\" if w.facts.package else ""
    for node in found.get("class", []):
        name = w.text(node)
        if name in _BUILTIN or name in declared or name in aliases:
            continue  # (an imported name is its import's)
        if name.startswith("\\"):
            spec = name.lstrip("\\")
        else:
            head, slash, rest = name.partition("\\")
            spec = f"{aliases[head]}\\{rest}" if slash and head in aliases else prefix + name
        if spec not in w.facts.names:
            w.facts.references.append(spec)
            w.facts.names[spec] = [spec.rsplit("\\", 1)[-1]]
    return w.facts


def _statements(
    w: Walker, notes: Comments, parent: ts.Node, declared: set[str], aliases: dict[str, str]
) -> None:
    for node in named(parent):
        kind = node.type
        if kind == "namespace_definition":
            w.facts.package = w.text(node.child_by_field_name("name"))
            body = node.child_by_field_name("body")
            if body is not None:  # namespace X { … }
                _statements(w, notes, body, declared, aliases)
        elif kind == "namespace_use_declaration":
            _use(w, node, aliases)
        elif kind in _TYPES:
            _type(w, notes, node, declared)
        elif kind == "function_definition":
            _add(w, notes, "function", w.name(node), node, signature=_signature(w, notes, node))
        elif kind == "const_declaration":
            _constants(w, notes, node, parent="", visibility="public")


def _visibility(w: Walker, node: ts.Node, *, default: Visibility = "public") -> Visibility:
    for modifier in node.named_children:
        if modifier.type == "visibility_modifier":
            word = w.text(modifier)
            if word in ("protected", "private"):
                return word  # type: ignore[return-value]
            return "public"
    return default


def _attributes(node: ts.Node) -> list[ts.Node]:
    return [c for c in node.named_children if c.type == "attribute_list"]


def _signature(w: Walker, notes: Comments, node: ts.Node, end: int | None = None) -> str:
    """The declaration up to its body (or ``end``), without attributes and comments."""
    if end is None:
        body = node.child_by_field_name("body")
        end = body.start_byte if body is not None else node.end_byte
    return one_line(notes.without(node.start_byte, end, _attributes(node)).rstrip(" {;="))


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
    doc: bool = True,
) -> None:
    if not name:
        return
    block = notes.block_above(node.start_byte) if doc else ""
    deprecated = ("@" in block and _DEPRECATED_TAG.search(block) is not None) or any(
        w.text(a).rsplit("\\", 1)[-1] == "Deprecated"
        for attributes in _attributes(node)
        for a in w.descendants(attributes, "attribute")
        for a in a.named_children[:1]
    )
    marks = ("deprecated",) if deprecated else ()
    if "{@" in block:
        block = _INHERIT_DOC.sub("", block)
    summary = notes.summary(block)
    w.facts.symbols.append(Symbol(kind, name, signature, summary, visibility, parent, marks))


def _type(w: Walker, notes: Comments, node: ts.Node, declared: set[str]) -> None:
    name = w.name(node)
    declared.add(name)
    kind = _TYPES[node.type]
    _add(w, notes, kind, name, node, signature=_signature(w, notes, node))
    in_interface = kind == "interface"
    for member in named(node.child_by_field_name("body")):
        visibility = "public" if in_interface else _visibility(w, member)
        if member.type == "method_declaration":
            _add(
                w,
                notes,
                "method",
                w.name(member),
                member,
                parent=name,
                visibility=visibility,
                signature=_signature(w, notes, member),
            )
            if w.name(member) == "__construct":
                _promoted(w, notes, member, name)
        elif member.type == "property_declaration":
            elements = [e for e in named(member) if e.type == "property_element"]
            head = _signature(w, notes, member, elements[0].start_byte) if elements else ""
            for element in elements:
                field = w.name(element)
                _add(
                    w,
                    notes,
                    "field",
                    field.lstrip("$"),
                    member,
                    parent=name,
                    visibility=visibility,
                    signature=one_line(f"{head} {field}"),
                )
        elif member.type == "const_declaration":
            _constants(w, notes, member, parent=name, visibility=visibility)
        elif member.type == "enum_case":
            _add(
                w,
                notes,
                "const",
                w.name(member),
                member,
                parent=name,
                signature=_signature(w, notes, member),
            )
        elif member.type == "use_declaration":
            for trait in named(member):
                if trait.type in ("name", "qualified_name"):
                    _add(
                        w,
                        notes,
                        "use",
                        w.text(trait),
                        member,
                        parent=name,
                        signature=f"use {w.text(trait)}",
                        doc=False,
                    )


def _promoted(w: Walker, notes: Comments, constructor: ts.Node, owner: str) -> None:
    """``__construct(private readonly Logger $logger)``: a property of its class."""
    for parameter in named(constructor.child_by_field_name("parameters")):
        if parameter.type == "property_promotion_parameter":
            value = parameter.child_by_field_name("default_value")
            end = value.start_byte if value is not None else parameter.end_byte
            _add(
                w,
                notes,
                "field",
                w.text(parameter.child_by_field_name("name")).lstrip("$"),
                parameter,
                parent=owner,
                visibility=_visibility(w, parameter),
                signature=_signature(w, notes, parameter, end),
                doc=False,
            )


def _constants(
    w: Walker, notes: Comments, node: ts.Node, *, parent: str, visibility: Visibility
) -> None:
    for element in named(node):
        if element.type == "const_element":
            name = next((w.text(c) for c in element.named_children if c.type == "name"), "")
            _add(
                w,
                notes,
                "const",
                name,
                node,
                parent=parent,
                visibility=visibility,
                signature=one_line(f"const {notes.without(element.start_byte, element.end_byte)}"),
            )


def _use(w: Walker, node: ts.Node, aliases: dict[str, str]) -> None:
    """``use A\\B``, ``use A\\B as C``, ``use A\\{B, C as D}`` (functions and constants too)."""
    prefix = ""
    for part in named(node):
        if part.type == "namespace_name":
            prefix = w.text(part) + "\\"
        elif part.type == "namespace_use_clause":
            _clause(w, part, prefix, aliases)
        elif part.type == "namespace_use_group":
            for clause in named(part):
                if clause.type == "namespace_use_clause":
                    _clause(w, clause, prefix, aliases)


def _clause(w: Walker, clause: ts.Node, prefix: str, aliases: dict[str, str]) -> None:
    target = next((c for c in clause.named_children if c.type in ("qualified_name", "name")), None)
    if target is None:
        return
    spec = (prefix + w.text(target)).lstrip("\\")
    name = spec.rsplit("\\", 1)[-1]
    alias = clause.child_by_field_name("alias")
    aliases[w.text(alias) if alias is not None else name] = spec
    w.import_of(spec, [name])


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
