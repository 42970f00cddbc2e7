"""Shell (sh, bash, zsh): functions, their comment blocks, and the files a script sources.

Facts: each function (``f() {`` and ``function f {``) with the comment block right above it,
top-level ``readonly``/``export``/``declare`` values, and the script's header comment (after the
shebang and any licence). A function whose name starts with ``_`` is private, by convention.

Resolution: ``source x`` and ``. x`` of a literal path are resolved beside the script, then from
the repo root; a path built at run time (``"$(dirname "$0")/lib.sh"``, ``$DIR/x``) is listed as
written but names no file until the script runs, so it is left unresolved.
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from . import Facts, join, one_line, path_keys
from .walker import Walker, file_doc, named

#: What a header comment may sit right above and still be the script's (not a function).
_STATEMENTS = (
    "command",
    "declaration_command",
    "variable_assignment",
    "if_statement",
    "list",
    "pipeline",
    "redirected_statement",
    "test_command",
)
_ESCAPED_DOT = re.compile(rb"(?m)^([ \t]*)\\\.(?=[ \t])")
_EXPANSIONS = ("simple_expansion", "expansion", "command_substitution")


def extract(rel: str, language: str, data: bytes) -> Facts:
    # `\. file` (an alias-proof `.`) at a line's start is read by the grammar as a word of the
    # command before: spelled ` . file` instead, the same length, so every offset holds
    data = _ESCAPED_DOT.sub(rb"\1 .", data)
    w = Walker(language, data)
    root = w.parse()
    w.facts.doc = file_doc(w, root, touching=_STATEMENTS)
    for node in w.descendants(root, "function_definition"):
        name = w.name(node)
        w.add(
            "function",
            name,
            node,
            visibility="private" if name.startswith("_") else "public",
            signature=one_line(w.signature(node)),
            doc=w.doc_above(node),
        )
    for node in named(root):
        if node.type == "declaration_command":
            for assignment in named(node):
                if assignment.type == "variable_assignment":
                    name = w.name(assignment)
                    w.add(
                        "const" if w.text(node).startswith("readonly") else "variable",
                        name,
                        node,
                        signature=one_line(w.text(node)),
                        doc=w.doc_above(node),
                    )
    for command in w.descendants(root, "command"):
        _source(w, command)
    return w.facts


def _source(w: Walker, command: ts.Node) -> None:
    if w.text(command.child_by_field_name("name")) not in ("source", "."):
        return
    argument = command.child_by_field_name("argument")
    if argument is None:
        return
    if argument.type in ("word", "raw_string") or (
        argument.type == "string" and not w.descendants(argument, _EXPANSIONS)
    ):
        w.import_of(w.string(argument))
    else:
        w.import_of(w.text(argument))  # named, resolved at run time only


def keys(rel: str, spec: str) -> list[str]:
    """A literal path beside the script, then from the repo root; nothing for one with ``$``."""
    if "$" in spec or "`" in spec:
        return []
    return path_keys([join(posixpath.dirname(rel), spec), spec.removeprefix("./")])
