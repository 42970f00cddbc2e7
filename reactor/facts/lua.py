"""Lua: functions (module tables' ones by their dotted names), LuaDoc, and ``require``.

Facts: ``function M.f()``, ``function M:m()``, ``M.f = function()`` and global
``function f()`` are public, ``local function f()`` and ``local f = function()`` private, a
table built in place lists its functions (``local M = { new = function(o) … end }`` →
``M.new``); top-level assignments to a module table's fields (``M.VERSION = 1``); each with the
``---`` LuaDoc summary above it (``@param`` tags dropped; a ``--`` comment is a note on the
code, not a doc). What a file uses of a module it requires and binds to a name (``local u =
require("a.util")``) are the fields its code takes of that name (``u.f()``, ``u:m()``), each
evidence only where the module declares it (``M.f``).

Resolution: ``require("a.b")`` (and ``require "a.b"``) is looked up the way ``package.path``'s
usual entries do: ``a/b.lua`` and ``a/b/init.lua``, from the repo root and from ``lua/`` and
``src/`` (Neovim plugins, rocks).
"""

from __future__ import annotations

import re
from dataclasses import replace

import tree_sitter as ts

from . import Facts, one_line, path_keys
from .walker import Walker, file_doc, named

_MARKERS = ("---", "--")
_ROOTS = ("", "lua/", "src/")


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.note_parse_error(root)
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
        elif node.type in ("assignment_statement", "variable_declaration"):
            _assignment(w, node)
        elif node.type == "return_statement":  # `return { f = function() … end }`
            for value in w.descendants(node, "table_constructor")[:1]:
                _table_functions(w, value, "")
    _tables_kept_local(w, root)
    bound: dict[str, str] = {}  # a name a required module is bound to -> its spec
    for call in w.descendants(root, "function_call"):
        if w.text(call.child_by_field_name("name")) == "require":
            arguments = call.child_by_field_name("arguments")
            literal = next((a for a in named(arguments) if a.type == "string"), None)
            if literal is not None:
                w.import_of(w.string(literal))
                name = _bound_to(w, call)
                if name:
                    bound[name] = w.string(literal)
                elif (field := _field_of(w, call)) is not None:  # require('a').f(…)
                    w.import_of(w.string(literal), [f"?.{field}"])
    if bound:
        _fields_used(w, root, bound)
    return w.facts


def _tables_kept_local(w: Walker, root: ts.Node) -> None:
    """Functions of a ``local`` table the module does not export (``local failureMt = {}``,
    ``function failureMt.__tostring(e)``) are its own business: private. A table is exported
    when the module returns it, however built (``local M = setmetatable({}, mt)``), directly,
    through a call or a table it returns (``return apply_checks(files)``, ``return { a = A
    }``), or as a field of an exported table (``sorters.Sorter = Sorter``)."""
    if not any("." in s.name or ":" in s.name for s in w.facts.symbols):
        return
    exported: set[str] = set()
    local: set[str] = set()
    held: dict[str, set[str]] = {}  # a table -> the tables put in its fields
    for node in named(root):
        if node.type == "return_statement":  # `return M`, `return f(M)`, `return { M }`
            for value in named(node):
                exported.update(_names_in(w, value))
        elif node.type == "variable_declaration":  # `local M = {}`, `local a, b`
            for part in named(node):
                names = next((c for c in named(part) if c.type == "variable_list"), part)
                if part.type in ("assignment_statement", "variable_list"):
                    local.update(w.text(n) for n in named(names) if n.type == "identifier")
                if part.type == "assignment_statement":  # `local M = { Sorter = Sorter }`
                    _held(w, part, held)
        elif node.type == "assignment_statement":  # `sorters.Sorter = Sorter`
            _held(w, node, held)
    pending = list(exported)
    while pending:
        for name in held.get(pending.pop(), ()):
            if name not in exported:
                exported.add(name)
                pending.append(name)
    hidden = local - exported
    for i, symbol in enumerate(w.facts.symbols):
        table = re.split(r"[.:]", symbol.name, maxsplit=1)[0]
        if table != symbol.name and table in hidden:
            w.facts.symbols[i] = replace(symbol, visibility="private")


def _names_in(w: Walker, value: ts.Node) -> set[str]:
    """The names a returned value hands out: itself, a call's arguments, a table's values."""
    if value.type == "identifier":
        return {w.text(value)}
    if value.type == "function_call":  # (`setmetatable(M, mt)` is M: mt is its business)
        arguments = value.child_by_field_name("arguments")
        if arguments is None:
            return set()
        first = next(named(arguments), None)
        if w.text(value.child_by_field_name("name")) == "setmetatable" and first is not None:
            return _names_in(w, first)
        value = arguments
    elif value.type == "field":
        value = value.child_by_field_name("value") or value
        return _names_in(w, value) if value.type != "field" else set()
    elif value.type not in ("expression_list", "table_constructor", "parenthesized_expression"):
        return set()
    return {name for part in named(value) for name in _names_in(w, part)}


def _held(w: Walker, statement: ts.Node, held: dict[str, set[str]]) -> None:
    """Record the names a top-level assignment stores in a table's fields: ``T.f = X`` (X in
    T) and ``local T = { f = X }``."""
    targets = next((c for c in named(statement) if c.type == "variable_list"), None)
    values = next((c for c in named(statement) if c.type == "expression_list"), None)
    if targets is None or values is None:
        return
    for target, value in zip(named(targets), named(values), strict=False):
        if target.type == "identifier" and value.type == "table_constructor":
            held.setdefault(w.text(target), set()).update(_names_in(w, value))
        elif target.type == "dot_index_expression" and value.type == "identifier":
            table = target.child_by_field_name("table")
            if table is not None and table.type == "identifier":
                held.setdefault(w.text(table), set()).add(w.text(value))


def _bound_to(w: Walker, call: ts.Node) -> str:
    """The variable a ``require`` call's value is assigned to (``local u = require(…)``)."""
    values = call.parent
    statement = values.parent if values is not None else None
    if values is None or statement is None or values.type != "expression_list":
        return ""
    targets = next((c for c in statement.named_children if c.type == "variable_list"), None)
    position = values.named_children.index(call) if call in values.named_children else -1
    names = targets.named_children if targets is not None else []
    if 0 <= position < len(names) and names[position].type == "identifier":
        return w.text(names[position])
    return ""


def _field_of(w: Walker, call: ts.Node) -> str | None:
    """The field taken right of a ``require`` call's value (``require('a.b').get()``)."""
    parent = call.parent
    if parent is None or parent.type not in ("dot_index_expression", "method_index_expression"):
        return None
    if parent.child_by_field_name("table") != call:
        return None
    return w.text(parent.child_by_field_name("field") or parent.child_by_field_name("method"))


def _fields_used(w: Walker, root: ts.Node, bound: dict[str, str]) -> None:
    """The fields the code takes of each name a module is bound to, as names of its require,
    to be matched by a declared ``M.f`` or ``M:f`` (``?.f``: :data:`reactor.graph.GUESSED_MARK`)."""
    for node in w.descendants(root, ("dot_index_expression", "method_index_expression")):
        table = node.child_by_field_name("table")
        field = node.child_by_field_name("field") or node.child_by_field_name("method")
        if table is not None and field is not None and table.type == "identifier":
            spec = bound.get(w.text(table))
            if spec is not None:
                w.import_of(spec, [f"?.{w.text(field)}"])


def _assignment(w: Walker, node: ts.Node) -> None:
    """``M.x = 1``, ``M.f = function(a) … end``, ``local f = function(a) … end`` and the
    functions of a table built in place (``local M = { new = function(o) … end }``)."""
    local = node.type == "variable_declaration"
    statement = next((c for c in node.named_children if c.type == "assignment_statement"), node)
    targets = [t for t in statement.named_children if t.type == "variable_list"]
    values = [v for v in statement.named_children if v.type == "expression_list"]
    if not targets or not values:
        return
    doc = w.doc_above(node, markers=_MARKERS)
    for target, value in zip(named(targets[0]), named(values[0]), strict=False):
        name = w.text(target)
        if value.type == "function_definition":
            parameters = w.text(value.child_by_field_name("parameters"))
            w.add(
                "function",
                name,
                node,
                visibility="private" if local else "public",
                signature=one_line(f"{'local ' if local else ''}function {name}{parameters}"),
                doc=doc,
            )
        elif value.type == "table_constructor":
            _table_functions(w, value, f"{name}.")
        elif target.type == "dot_index_expression":
            w.add("variable", name, node, signature=one_line(w.text(node)), doc=doc)


def _table_functions(w: Walker, table: ts.Node, prefix: str) -> None:
    """The functions of a table built in place: a module table's API (``{ new = function(o)
    … end }``; ``prefix`` is the table's name and a dot, or nothing for ``return { … }``)."""
    for field in named(table):
        function = field.child_by_field_name("value")
        if field.type != "field" or function is None or function.type != "function_definition":
            continue
        key = f"{prefix}{w.name(field)}"
        parameters = w.text(function.child_by_field_name("parameters"))
        w.add(
            "function",
            key,
            field,
            signature=one_line(f"function {key}{parameters}"),
            doc=w.doc_above(field, markers=_MARKERS),
        )


def _signature(w: Walker, node: ts.Node) -> str:
    """``function M.add(x, y)``: up to the parameters (a function may be all on one line)."""
    parameters = node.child_by_field_name("parameters")
    end = parameters.end_byte if parameters is not None else node.end_byte
    return one_line(w.data[node.start_byte : end].decode("utf-8", "replace"))


def keys(spec: str) -> list[str]:
    base = spec.replace(".", "/")
    return path_keys([f"{root}{base}{tail}" for root in _ROOTS for tail in (".lua", "/init.lua")])
