"""Go: facts from tree-sitter, imports through ``go.mod``.

Facts: the package clause and its doc, functions, methods under their receiver's type (generic
receivers of any arity: ``func (p *Pair[A, B]) Swap()``), types headed the way Go writes them
(``type Shape interface``) with their fields (embedded ones by their type's name) or methods and
embedded interfaces, and every name of ``const``/``var`` declarations, grouped ones included;
docs as go/doc reads them (the comment group right above, or a field's or value's line comment),
``Deprecated:`` paragraphs as a mark. Exported (capitalized) names are public; the others
package-private. An import's names are what the file's code uses of it (``http.Get`` →
``Get``, read from the tree: a comment or a string never counts); the names of its own package
it uses without a qualifier (a call of a sibling file's ``newRouteRegexp``) are a reference to
its own package (``.``), each name evidence for the sibling that declares it.

Resolution: an import path names a package directory through the nearest ``go.mod``'s module
path; each non-test ``.go`` file of that directory provides the package (``go:<import path>``),
and the graph joins an importer only to the files that declare the names it uses.
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from . import Facts, Project, Visibility, one_line
from .walker import Walker, deprecation, doc_summary, named

_TYPE_WORDS = {"struct_type": "struct", "interface_type": "interface"}


#: What every Go file may use unqualified without declaring it: never a sibling's name.
_PREDECLARED = frozenset(
    "bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string "
    "uint uint8 uint16 uint32 uint64 uintptr any comparable true false iota nil append cap clear "
    "close complex copy delete imag len make max min new panic print println real recover _".split()
)
#: Nodes that bind a name inside a function: a local one hides a sibling's of that name.
_BINDINGS = (
    "parameter_declaration",
    "variadic_parameter_declaration",
    "short_var_declaration",
    "range_clause",
    "var_spec",
    "const_spec",
    "type_spec",
    "type_parameter_declaration",
    "labeled_statement",
    "receive_statement",
    "type_switch_statement",
)


_USE_KINDS = (
    "selector_expression",
    "qualified_type",
    "keyed_element",
    "identifier",
    "type_identifier",
    *_BINDINGS,
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.note_parse_error(root)
    specs: list[ts.Node] = []
    receivers: set[str] = set()  # type parameters a method's receiver declares (`Pair[K, V]`)
    for node in named(root):
        kind = node.type
        if kind == "package_clause":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
            w.facts.doc = w.doc(node)
        elif kind == "import_declaration":
            specs += w.descendants(node, "import_spec")
        elif kind == "function_declaration":
            _function(w, node, "function", "")
        elif kind == "method_declaration":
            receiver = node.child_by_field_name("receiver")
            owner = _receiver_type(w, receiver)
            _function(w, node, "method", owner)
            if receiver is not None and b"[" in w.data[receiver.start_byte : receiver.end_byte]:
                for arguments in w.descendants(receiver, "type_arguments"):
                    names = w.descendants(arguments, "type_identifier")
                    receivers.update(w.text(t) for t in names)
        elif kind == "type_declaration":
            for spec in named(node):
                if spec.type in ("type_spec", "type_alias"):
                    _type(w, spec, doc_node=node if node.named_child_count == 1 else spec)
        elif kind in ("const_declaration", "var_declaration"):
            _values(w, node, "const" if kind == "const_declaration" else "variable")
    # one pass over the tree for every kind of node the uses are read from
    nodes: dict[str, list[ts.Node]] = {}
    for node in w.descendants(root, _USE_KINDS):
        nodes.setdefault(node.type, []).append(node)
    qualified: set[int] = set()  # where a name is another package's (`y.Reader`)
    used = _qualified_uses(w, nodes, qualified)
    aliases = {_import(w, spec, used) for spec in specs}
    if not w.facts.package.endswith("_test"):  # an external test package imports its own
        _own_package_uses(w, nodes, aliases | receivers, qualified)
    return w.facts


def _function(w: Walker, node: ts.Node, kind: str, owner: str) -> None:
    name = w.name(node)
    raw = w.doc_text(node)
    w.add(
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(name),
        doc=doc_summary(raw),
        marks=deprecation(raw),
    )


def _visibility(name: str) -> Visibility:
    return "public" if name[:1].isupper() else "package"


def _receiver_type(w: Walker, receiver: ts.Node | None) -> str:
    """``(p *Pair[A, B])`` → ``Pair``."""
    for node in w.descendants(receiver, "type_identifier") if receiver is not None else ():
        return w.text(node)
    return ""


def _type(w: Walker, spec: ts.Node, doc_node: ts.Node) -> None:
    name = w.name(spec)
    body = spec.child_by_field_name("type")
    what = _TYPE_WORDS.get(body.type if body is not None else "", "type")
    params = w.text(spec.child_by_field_name("type_parameters"))
    if what == "type":
        signature = one_line(f"type {w.text(spec)}")
    else:
        signature = f"type {name}{params} {what}"
    raw = w.doc_text(doc_node)
    w.add(
        what,
        name,
        spec,
        visibility=_visibility(name),
        signature=signature,
        doc=doc_summary(raw),
        marks=deprecation(raw),
    )
    if body is None:
        return
    if what == "struct":
        for field in w.descendants(body, "field_declaration"):
            names = [w.text(n) for n in field.children_by_field_name("name")]
            if not names:  # an embedded field: named by its type (`*pkg.Base[T]` → Base)
                found = w.descendants(field, "type_identifier")
                names = [w.text(found[0])] if found else []
            raw = w.doc_text(field)
            for member in names:
                w.add(
                    "field",
                    member,
                    field,
                    parent=name,
                    visibility=_visibility(member),
                    signature=one_line(w.text(field)),
                    doc=doc_summary(raw) or w.trailing(field),
                    marks=deprecation(raw),
                )
    elif what == "interface":
        for method in named(body):
            if method.type == "method_elem":
                member = w.name(method)
                w.add(
                    "method",
                    member,
                    method,
                    parent=name,
                    visibility=_visibility(member),
                    signature=one_line(w.text(method)),
                    doc=w.doc(method) or w.trailing(method),
                )
            elif method.type == "type_elem":  # an embedded interface (or a type set)
                found = w.descendants(method, "type_identifier")
                member = w.text(found[-1]) if found else ""
                w.add(
                    "embedded",
                    member,
                    method,
                    parent=name,
                    visibility=_visibility(member),
                    signature=one_line(w.text(method)),
                    doc=w.doc(method) or w.trailing(method),
                )


def _values(w: Walker, node: ts.Node, kind: str) -> None:
    """Every name of a ``const``/``var`` declaration, each spec of a group with its own doc."""
    specs = [s for s in w.descendants(node, f"{'const' if kind == 'const' else 'var'}_spec")]
    for spec in specs:
        raw = w.doc_text(spec) or (w.doc_text(node) if len(specs) == 1 else "")
        doc = doc_summary(raw) or w.trailing(spec)
        for name_node in spec.children_by_field_name("name"):
            name = w.text(name_node)
            if name != "_":
                w.add(
                    kind,
                    name,
                    spec,
                    visibility=_visibility(name),
                    doc=doc,
                    signature=_without_body(
                        f"{'const' if kind == 'const' else 'var'} {w.text(spec)}"
                    ),
                    marks=deprecation(raw),
                )


def _without_body(text: str) -> str:
    """A value's declaration without the body of its literal: ``var m = map[string]T{…}``,
    ``var f = func(x int) {…}``."""
    brace = text.find("{")
    return one_line(text if brace == -1 else f"{text[:brace]}{{…}}")


def _import(w: Walker, spec: ts.Node, used: dict[str, list[str]]) -> str:
    """Record one import with what the file uses of it (``alias.Name``; nothing for ``_``, its
    init only, or ``.``); the name the code reaches it by."""
    path = w.string(spec.child_by_field_name("path"))
    alias = w.text(spec.child_by_field_name("name"))
    if not alias:  # the package's own name, as Go's tools guess it from the path
        alias = next((a for a in _package_names(path) if a in used), _package_names(path)[0])
    w.import_of(path, used.get(alias, []) if alias not in ("_", ".") else [])
    return alias


def _package_names(path: str) -> list[str]:
    """The names a package imported without an alias may have: its path's last element, the
    one before a major version (``chi/v5`` → chi), without ``.v3`` (``yaml.v3``) or a ``go-``
    prefix and ``-go`` suffix (``go-isatty`` → isatty)."""
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    bare = re.sub(r"\.v\d+$", "", last)
    trimmed = bare.removeprefix("go-").removesuffix("-go").removesuffix(".go")
    return list(dict.fromkeys([bare, trimmed, trimmed.replace("-", ""), trimmed.replace("-", "_")]))


Nodes = dict[str, list[ts.Node]]


def _qualified_uses(w: Walker, nodes: Nodes, qualified: set[int]) -> dict[str, list[str]]:
    """Package name → the exported names the code takes of it (``http.Get``, ``*y.Reader``);
    the start of each such name is added to ``qualified``."""
    out: dict[str, list[str]] = {}
    for node in [*nodes.get("selector_expression", ()), *nodes.get("qualified_type", ())]:
        if node.type == "selector_expression":
            operand, field = node.child_by_field_name("operand"), node.child_by_field_name("field")
        else:
            operand, field = node.child_by_field_name("package"), node.child_by_field_name("name")
        if (
            operand is None
            or field is None
            or operand.type not in ("identifier", "package_identifier")
        ):
            continue
        name = w.text(field)
        qualified.add(field.start_byte)
        if name[:1].isupper():
            seen = out.setdefault(w.text(operand), [])
            if name not in seen:
                seen.append(name)
    return out


#: Composite literal types whose keys are expressions (a map's, an array's index), not fields.
_KEYED_BY_VALUE = ("map_type", "slice_type", "array_type", "implicit_length_array_type")


def _field_keys(nodes: Nodes) -> set[int]:
    """Where a struct literal names a field (``sync.Pool{New: f}``): never a package name."""
    out: set[int] = set()
    for element in nodes.get("keyed_element", ()):
        # (grammars before 0.23.4 give the key no field name: it is the first element)
        key = element.child_by_field_name("key") or element.named_child(0)
        name = key.named_children[0] if key is not None and key.named_child_count else None
        if name is None or name.type != "identifier":
            continue
        body = element.parent
        literal = body.parent if body is not None else None
        if literal is not None and literal.type == "composite_literal":
            kind = literal.child_by_field_name("type")
        else:  # an element of an outer literal, its type elided (`[]T{{New: 1}}`)
            while literal is not None and literal.type != "composite_literal":
                literal = literal.parent
            outer = literal.child_by_field_name("type") if literal is not None else None
            kind = (
                outer.child_by_field_name("value") or outer.child_by_field_name("element")
                if outer is not None
                else None
            )
        if kind is None or kind.type not in _KEYED_BY_VALUE:
            out.add(name.start_byte)
    return out


def _own_package_uses(w: Walker, nodes: Nodes, bound_here: set[str], qualified: set[int]) -> None:
    """The names of its own package the file uses without declaring them (a sibling's), as a
    reference to its own package: identifiers in code, less what the file declares, binds
    locally (a local ``cfg`` hides a sibling's, a receiver's type parameter ``K`` of
    ``func (p *Pair[K, V])``) or imports (``bound_here``), and Go's predeclared names."""
    declared = {s.name for s in w.facts.top_level()} | bound_here
    bound: set[str] = set()
    for node in (n for kind in _BINDINGS for n in nodes.get(kind, ())):
        for field in ("name", "left", "label", "alias"):
            for child in node.children_by_field_name(field):
                if child.type == "identifier":
                    bound.add(w.text(child))
                else:
                    bound.update(w.text(c) for c in child.named_children if c.type == "identifier")
    skip = declared | bound | _PREDECLARED
    fields = _field_keys(nodes)
    used: list[str] = []
    seen: set[bytes] = set()
    data = w.data
    for node in [*nodes.get("identifier", ()), *nodes.get("type_identifier", ())]:
        start = node.start_byte
        raw = data[start : node.end_byte]
        if raw in seen or start in qualified or start in fields:
            continue
        seen.add(raw)
        name = raw.decode("utf-8", "replace")
        if name not in skip:
            used.append(name)
    if used:
        w.facts.references.append(".")
        w.facts.names["."] = used


class GoResolver:
    """Import paths → the ``go:`` key of a package directory, by the nearest ``go.mod``."""

    def __init__(self, project: Project):
        self.project = project

    def keys(self, rel: str, spec: str) -> list[str]:
        if spec == ".":  # the file's own package (names used without a qualifier)
            path = self.import_path(posixpath.dirname(rel))
            return [f"go:{path}"] if path else []
        return [f"go:{spec}"] if "." in spec.split("/")[0] or self._own(spec) else []

    def provides(self, rel: str, facts: Facts) -> list[str]:
        if rel.endswith("_test.go"):
            return []
        path = self.import_path(posixpath.dirname(rel))
        return [f"go:{path}"] if path else []

    def import_path(self, directory: str) -> str | None:
        found = self._module(directory)
        if found is None:
            return None
        folder, module = found
        below = directory[len(folder) :].strip("/") if folder else directory
        return f"{module}/{below}" if below else module

    def _own(self, spec: str) -> bool:
        """An import path of a module in this repo whose name has no dot (``example/app``)."""
        found = self._module("")
        return found is not None and (spec == found[1] or spec.startswith(found[1] + "/"))

    def _module(self, directory: str) -> tuple[str, str] | None:
        parts = directory.split("/") if directory else []
        for i in range(len(parts), -1, -1):
            folder = "/".join(parts[:i])
            text = self.project.read_text(posixpath.join(folder, "go.mod") if folder else "go.mod")
            if text is None:
                continue
            match = re.search(r"^\s*module\s+(\S+)", text, re.MULTILINE)
            return (folder, match.group(1).strip('"')) if match else None
        return None
