"""Lua: functions (module tables' ones by their dotted names), LuaDoc, and ``require``.

Facts: ``function M.f()``, ``function M:m()`` and global ``function f()`` are public,
``local function f()`` private; top-level assignments to a module table's fields
(``M.VERSION = 1``); each with the ``---`` LuaDoc summary above it (``@param`` tags dropped).

Resolution: ``require("a.b")`` (and ``require "a.b"``) is looked up the way ``package.path``'s
usual entries do: ``a/b.lua`` and ``a/b/init.lua``, from the repo root and from ``lua/`` and
``src/`` (Neovim plugins, rocks).
"""

from __future__ import annotations

import tree_sitter as ts

from . import Facts, one_line, path_keys
from .walker import Walker, file_doc, named

_MARKERS = ("---", "--")
_ROOTS = ("", "lua/", "src/")


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, markers=_MARKERS)
    for node in named(root):
        if node.type == "function_declaration":
            local = node.children[0].type == "local"
            w.add(
                "function",
                w.text(node.child_by_field_name("name")),
                node,
                visibility="private" if local else "public",
                signature=_signature(w, node),
                doc=w.doc_above(node, markers=_MARKERS),
            )
        elif node.type == "assignment_statement":
            for target in named(node.child_by_field_name("variables") or node.named_children[0]):
                if target.type == "dot_index_expression":
                    w.add(
                        "variable",
                        w.text(target),
                        node,
                        signature=one_line(w.text(node)),
                        doc=w.doc_above(node, markers=_MARKERS),
                    )
    for call in w.descendants(root, "function_call"):
        if w.text(call.child_by_field_name("name")) == "require":
            arguments = call.child_by_field_name("arguments")
            literal = next((a for a in named(arguments) if a.type == "string"), None)
            if literal is not None:
                w.import_of(w.string(literal))
    return w.facts


def _signature(w: Walker, node: ts.Node) -> str:
    """``function M.add(x, y)``: up to the parameters (a function may be all on one line)."""
    parameters = node.child_by_field_name("parameters")
    end = parameters.end_byte if parameters is not None else node.end_byte
    return one_line(w.data[node.start_byte : end].decode("utf-8", "replace"))


def keys(spec: str) -> list[str]:
    base = spec.replace(".", "/")
    return path_keys([f"{root}{base}{tail}" for root in _ROOTS for tail in (".lua", "/init.lua")])
