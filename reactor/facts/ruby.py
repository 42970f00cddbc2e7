"""Ruby: facts from tree-sitter, ``require`` resolved against the gem's load path.

Facts: modules and classes by their full constant path (``Shop::Cart``, nested or written so;
reopened ones listed again), methods and singleton methods (``def self.build``, and those of a
``class << self`` block, shown the same way) with their parameters, aliases (``alias new!
new``, ``alias_method :a, :b``), constants, and ``attr_reader``/``attr_writer``/
``attr_accessor`` as fields; RDoc/YARD ``#`` comment blocks above each. Visibility as Ruby has
it: a bare ``private``/``protected``/``public`` switches what follows in the body, ``private def
x`` and ``private :x, :y`` mark single methods, ``private_constant`` constants; ``def self.x``
stays public after ``private``. Top-level methods are listed as public (a script's functions).
What a file uses of the files it requires are the constants its code names (``Thor::Base``;
``Cart`` inside ``module Shop`` also as ``Shop::Cart``), each evidence only where the required
file declares it.

Resolution: ``require_relative 'x'`` is recorded as ``./x`` and resolved beside the file;
``require 'a/b'`` against each load path the nearest gemspec names (``require_paths``, default
``lib``), then the other gems' of the repo, so ``require 'sinatra/base'`` reaches
``lib/sinatra/base.rb`` and ``require 'rack/protection'`` its sibling gem's file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

import tree_sitter as ts

from . import Facts, Project, Visibility, join, nearest, one_line, path_keys
from .walker import Walker, file_doc, named

_SECTIONS = {"private", "protected", "public"}
#: What may hold declarations without being one: bodies, and the conditionals and
#: ``begin``/``rescue`` blocks a library declares things inside (``if Hash.method_defined?``).
_CONTAINERS = {
    "body_statement",
    "if",
    "unless",
    "elsif",
    "else",
    "then",
    "begin",
    "rescue",
    "ensure",
    "if_modifier",
    "unless_modifier",
}
_ATTRS = {"attr_reader", "attr_writer", "attr_accessor"}
_REQUIRES = {"require", "require_relative", "load", "autoload"}


#: Marks a name read from code rather than from an import: a neighbour's only where it declares
#: it (:data:`reactor.graph.GUESSED_MARK`).
_GUESSED = "?"


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.note_parse_error(root)
    w.facts.doc = file_doc(w, root)
    _body(w, root, owner="")
    specs: list[str] = []
    for call in w.descendants(root, "call"):
        spec = _require(w, call)
        if spec:
            specs.append(spec)
    if specs:
        used = _constants_used(w, root)
        for spec in specs:
            w.import_of(spec, used)
    return w.facts


def _constants_used(w: Walker, root: ts.Node) -> list[str]:
    """The constants the code names that the file does not declare, as written and, for one
    named inside ``module A``/``class B``, as ``A::B::Name`` and ``A::Name`` too (Ruby's
    lexical lookup), each marked as read from code (:data:`_GUESSED`)."""
    declared = {s.name for s in w.facts.symbols if s.kind in ("class", "module")}
    declared |= {s.name for s in w.facts.symbols if s.kind == "const" and not s.parent}
    out: list[str] = []
    for node in w.descendants(root, ("constant", "scope_resolution")):
        parent = node.parent
        if parent is not None and parent.type == "scope_resolution":
            continue  # a part of a longer path, seen whole
        if (
            parent is not None
            and parent.type in ("class", "module")
            and (parent.child_by_field_name("name") == node)
        ):
            continue  # the name a declaration gives
        written = w.text(node).removeprefix("::")
        names = [written]
        if not w.text(node).startswith("::"):
            scopes = _scopes(w, node)
            names += ["::".join([*scopes[:k], written]) for k in range(len(scopes), 0, -1)]
        for name in names:
            if name not in declared and f"{_GUESSED}{name}" not in out:
                out.append(f"{_GUESSED}{name}")
    return out


def _scopes(w: Walker, node: ts.Node) -> list[str]:
    """The names of the modules and classes around ``node``, outermost first (a superclass
    is looked up around its class, not in it)."""
    out: list[str] = []
    below: ts.Node = node
    while (at := below.parent) is not None:
        if at.type in ("class", "module") and at.child_by_field_name("superclass") != below:
            out[:0] = w.text(at.child_by_field_name("name")).removeprefix("::").split("::")
        below = at
    return out


def _body(w: Walker, body: ts.Node | None, owner: str, *, singleton: bool = False) -> None:
    """The statements of a program, module or class body, with Ruby's visibility sections
    (``singleton``: a ``class << self`` body, whose methods are the class's own)."""
    visibility: Visibility = "public"
    marked: dict[str, Visibility] = {}
    first = len(w.facts.symbols)
    for node in named(body):
        kind = node.type
        if kind in _CONTAINERS:  # a body, or code that declares conditionally
            _body(w, node, owner, singleton=singleton)
        elif kind in ("class", "module"):
            _type(w, node, owner)
        elif kind == "singleton_class":  # class << self: class methods
            _body(w, node.child_by_field_name("body"), owner, singleton=True)
        elif kind == "method":
            _method(w, node, owner, visibility if owner else "public", singleton=singleton)
        elif kind == "singleton_method":
            _method(w, node, owner, "public")
        elif kind == "alias" and owner:  # `alias secure? ssl?`: a method by another name
            w.add(
                "method",
                w.name(node),
                node,
                parent=owner,
                visibility=visibility,
                signature=one_line(w.text(node)),
                doc=w.doc_above(node),
            )
        elif kind == "identifier" and w.text(node) in _SECTIONS and owner:
            visibility = w.text(node)  # type: ignore[assignment]
        elif kind == "assignment":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "constant":
                name = w.text(left)
                w.add(
                    "const",
                    name,
                    node,
                    parent=owner,
                    signature=_first_line(w.text(node)),
                    doc=w.doc_above(node),
                )
        elif kind == "call":
            _call(w, node, owner, visibility, marked)
    for i in range(first, len(w.facts.symbols)):  # `private :a, :b`, `private_constant :X`
        symbol = w.facts.symbols[i]
        if symbol.parent == owner and symbol.name in marked:
            w.facts.symbols[i] = replace(symbol, visibility=marked[symbol.name])


def _call(
    w: Walker, node: ts.Node, owner: str, visibility: Visibility, marked: dict[str, Visibility]
) -> None:
    method = w.text(node.child_by_field_name("method"))
    arguments = [a for a in named(node.child_by_field_name("arguments"))]
    if method in _SECTIONS | {"private_constant", "private_class_method"} and owner:
        word: Visibility = "private" if method.startswith("private") else method  # type: ignore[assignment]
        for argument in arguments:
            if argument.type in ("method", "singleton_method"):
                _method(w, argument, owner, word)
            elif argument.type in ("simple_symbol", "string"):
                marked[w.text(argument).lstrip(":").strip("'\"")] = word
    elif method == "alias_method" and owner and arguments:
        w.add(
            "method",
            w.text(arguments[0]).lstrip(":").strip("'\""),
            node,
            parent=owner,
            visibility=visibility,
            signature=one_line(w.text(node)),
            doc=w.doc_above(node),
        )
    elif method in _ATTRS:
        for argument in arguments:
            if argument.type == "simple_symbol":
                w.add(
                    "field",
                    w.text(argument).lstrip(":"),
                    node,
                    parent=owner,
                    visibility=visibility,
                    signature=f"{method} {w.text(argument)}",
                    doc=w.doc_above(node),
                )


def _type(w: Walker, node: ts.Node, owner: str) -> None:
    """A class or module, named by its full constant path (``class Cart`` in ``module Shop``
    is ``Shop::Cart``): the name other files reach it by, and a heading of its own."""
    written = w.text(node.child_by_field_name("name"))
    name = written.removeprefix("::") if written.startswith("::") or not owner else ""
    name = name or f"{owner}::{written}"
    head = node.child_by_field_name("superclass") or node.child_by_field_name("name")
    end = head.end_byte if head is not None else node.end_byte
    signature = one_line(w.data[node.start_byte : end].decode("utf-8", "replace"))
    w.add(node.type, name, node, signature=signature, doc=w.doc_above(node))
    _body(w, node.child_by_field_name("body"), name)


def _method(
    w: Walker, node: ts.Node, owner: str, visibility: Visibility, *, singleton: bool = False
) -> None:
    """A method (a singleton one's ``self.`` stays in its signature; one of a ``class <<
    self`` block is shown with it)."""
    name = w.name(node)
    parameters = node.child_by_field_name("parameters")
    end = (parameters or node.child_by_field_name("name") or node).end_byte
    signature = one_line(w.data[node.start_byte : end].decode("utf-8", "replace"))
    if singleton and signature.startswith("def ") and not signature.startswith("def self."):
        signature = f"def self.{signature[4:]}"
    w.add(
        "method" if owner else "function",
        name,
        node,
        parent=owner,
        visibility=visibility,
        signature=signature,
        doc=w.doc_above(node),
    )


def _first_line(text: str) -> str:
    """A constant's assignment as far as its first line (``X = proc do |q| …``): never the
    body of the block or the list it holds."""
    first, _, rest = text.partition("\n")
    return one_line(f"{first.rstrip()} …" if rest.strip() else first)


def _require(w: Walker, call: ts.Node) -> str:
    """The path a ``require``-like call names, as the resolver reads it ("" for none)."""
    method = w.text(call.child_by_field_name("method"))
    if method not in _REQUIRES or call.child_by_field_name("receiver") is not None:
        return ""
    arguments = [a for a in named(call.child_by_field_name("arguments"))]
    literal = next((a for a in arguments if a.type == "string"), None)
    if literal is None or any(c.type == "interpolation" for c in literal.named_children):
        return ""
    spec = w.string(literal)
    if method == "require_relative" and not spec.startswith("."):
        spec = f"./{spec}"
    w.import_of(spec)
    return spec


class RubyResolver:
    """``require`` paths → ``.rb`` files, beside the file or on the gem's load path."""

    def __init__(self, project: Project):
        self.project = project

    def keys(self, rel: str, spec: str) -> list[str]:
        with_ext = spec if spec.endswith(".rb") else f"{spec}.rb"
        if spec.startswith("."):
            return path_keys([join(posixpath.dirname(rel), with_ext)])
        return path_keys([join(root, with_ext) for root in self._load_path(rel)])

    def _load_path(self, rel: str) -> list[str]:
        """The ``require_paths`` of the gemspec nearest ``rel`` (``lib`` by default), then those
        of the repo's other gems (a monorepo's gems require each other: sinatra requires
        ``rack/protection`` from ``rack-protection/lib``), then the root's ``lib``."""
        gemspecs = self.project.named_like(".gemspec")
        mine = nearest(gemspecs, rel)[:1]
        roots = [
            root
            for g in [*mine, *(g for g in gemspecs if g not in mine)]
            for root in self._require_paths(g)
        ]
        return list(dict.fromkeys([*roots, "lib"]))

    def _require_paths(self, gemspec: str) -> list[str]:
        folder = posixpath.dirname(gemspec)
        paths = ["lib"]
        found = re.search(
            r"require_paths\s*=\s*\[([^\]]*)\]", self.project.read_text(gemspec) or ""
        )
        if found:
            paths = re.findall(r"['\"]([^'\"]+)['\"]", found.group(1)) or paths
        return [join(folder, p) for p in paths]
