"""Shell (sh, bash, zsh): functions, their comment blocks, and the files a script sources.

Facts: each function (``f() {`` and ``function f {``) with the comment block right above it,
top-level ``readonly``/``export``/``declare`` values (``export A`` of one assigned before too),
and the script's header comment (after the shebang and any licence). A function whose name
starts with ``_`` is private, by convention.

Resolution: ``source x`` and ``. x`` of a literal path are resolved beside the script, then from
the repo root; a path built at run time (``"$(dirname "$0")/lib.sh"``, ``$DIR/x``) is listed as
written but names no file until the script runs, so it is left unresolved. What a script uses
of a file it sources are the commands it runs that it does not define itself, each evidence only
where the sourced file defines that function.
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
    w.note_parse_error(root)
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
    listed: set[str] = set()
    for node in named(root):
        if node.type == "declaration_command":
            for assignment in named(node):
                # `export A=1`, and `export A` of a value assigned before: each name once
                name = w.name(assignment) if assignment.type == "variable_assignment" else ""
                if assignment.type == "variable_name":
                    name = w.text(assignment)
                if name and name not in listed:
                    listed.add(name)
                    w.add(
                        "const" if w.text(node).startswith("readonly") else "variable",
                        name,
                        node,
                        signature=one_line(w.text(node)),
                        doc=w.doc_above(node),
                    )
    specs: list[str] = []
    commands: list[str] = []
    defined = {s.name for s in w.facts.symbols}
    for command in w.descendants(root, "command"):
        name = w.text(command.child_by_field_name("name"))
        if name in ("source", "."):
            specs += _source(w, command)
        elif name and name not in defined and f"?{name}" not in commands:
            commands.append(f"?{name}")  # (:data:`reactor.graph.GUESSED_MARK`)
    for spec in specs:
        w.import_of(spec, commands)
    return w.facts


def _source(w: Walker, command: ts.Node) -> list[str]:
    argument = command.child_by_field_name("argument")
    if argument is None:
        return []
    if argument.type in ("word", "raw_string") or (
        argument.type == "string" and not w.descendants(argument, _EXPANSIONS)
    ):
        spec = w.string(argument)
    else:
        spec = w.text(argument)  # named, resolved at run time only
    w.import_of(spec)
    return [spec]


def keys(rel: str, spec: str) -> list[str]:
    """A literal path beside the script, then from the repo root; nothing for one with ``$``."""
    if "$" in spec or "`" in spec:
        return []
    return path_keys([join(posixpath.dirname(rel), spec), spec.removeprefix("./")])
