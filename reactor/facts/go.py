"""Go: facts from tree-sitter, imports through ``go.mod``.

Facts: the package clause and its doc, functions, methods under their receiver's type (generic
receivers of any arity: ``func (p *Pair[A, B]) Swap()``), types headed the way Go writes them
(``type Shape interface``) with their fields or methods, and every name of ``const``/``var``
declarations, grouped ones included. Exported (capitalized) names are public; the others
package-private. An import's names are what the file uses of it (``http.Get`` → ``Get``).

Resolution: an import path names a package directory through the nearest ``go.mod``'s module
path; each non-test ``.go`` file of that directory provides the package (``go:<import path>``).
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from . import Facts, Project, Visibility, one_line
from .walker import Walker, named

_TYPE_WORDS = {"struct_type": "struct", "interface_type": "interface"}


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    text = data.decode("utf-8", "replace")
    for node in named(w.parse()):
        kind = node.type
        if kind == "package_clause":
            w.facts.package = w.text(node.named_children[0]) if node.named_child_count else ""
            w.facts.doc = w.doc(node)
        elif kind == "import_declaration":
            for spec in w.descendants(node, "import_spec"):
                _import(w, spec, text)
        elif kind == "function_declaration":
            name = w.name(node)
            w.add("function", name, node, visibility=_visibility(name))
        elif kind == "method_declaration":
            name = w.name(node)
            owner = _receiver_type(w, node.child_by_field_name("receiver"))
            w.add("method", name, node, parent=owner, visibility=_visibility(name))
        elif kind == "type_declaration":
            for spec in named(node):
                if spec.type in ("type_spec", "type_alias"):
                    _type(w, spec, doc_node=node if node.named_child_count == 1 else spec)
        elif kind in ("const_declaration", "var_declaration"):
            _values(w, node, "const" if kind == "const_declaration" else "variable")
    return w.facts


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
    w.add(what, name, spec, visibility=_visibility(name), signature=signature, doc=w.doc(doc_node))
    if body is None:
        return
    if what == "struct":
        for field in w.descendants(body, "field_declaration"):
            for field_name in field.children_by_field_name("name"):
                member = w.text(field_name)
                w.add(
                    "field",
                    member,
                    field,
                    parent=name,
                    visibility=_visibility(member),
                    signature=one_line(w.text(field)),
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
                )


def _values(w: Walker, node: ts.Node, kind: str) -> None:
    """Every name of a ``const``/``var`` declaration, each spec of a group with its own doc."""
    specs = [s for s in w.descendants(node, f"{'const' if kind == 'const' else 'var'}_spec")]
    for spec in specs:
        doc = w.doc(spec) or (w.doc(node) if len(specs) == 1 else "")
        for name_node in spec.children_by_field_name("name"):
            name = w.text(name_node)
            if name != "_":
                w.add(
                    kind,
                    name,
                    spec,
                    visibility=_visibility(name),
                    doc=doc,
                    signature=one_line(f"{'const' if kind == 'const' else 'var'} {w.text(spec)}"),
                )


def _import(w: Walker, spec: ts.Node, text: str) -> None:
    path = w.string(spec.child_by_field_name("path"))
    alias = w.text(spec.child_by_field_name("name")) or path.rsplit("/", 1)[-1]
    used: list[str] = []
    if alias not in ("_", "."):  # what the file uses of it: `alias.Name`
        used = sorted(set(re.findall(rf"\b{re.escape(alias)}\.([A-Z]\w*)", text)))
    w.import_of(path, used)


class GoResolver:
    """Import paths → the ``go:`` key of a package directory, by the nearest ``go.mod``."""

    def __init__(self, project: Project):
        self.project = project

    def keys(self, rel: str, spec: str) -> list[str]:
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
