"""The tree-sitter walk every language module shares: grammars, text, signatures, doc comments.

The grammars are the official per-language wheels (``tree-sitter-javascript`` …), loaded once
per process and never downloaded. Each language module walks the nodes it knows (no queries, so
no dependence on query syntax that changes between tree-sitter releases). Syntax errors leave
``ERROR`` nodes, which are looked into or skipped: a file that does not parse still gets the facts
of the parts that do.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterator

import tree_sitter as ts

from . import Facts, Symbol, Visibility, one_line, summary

GRAMMARS = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

#: Comments addressed to tools, not readers: never a symbol's doc.
TOOL_DIRECTIVE = re.compile(
    r"(eslint|@ts-|prettier-ignore|istanbul |c8 |NOLINT|clang-format|noinspection|"
    r"#region|#endregion|biome-ignore|tslint:|jshint|global |SPDX-License|Copyright)",
    re.IGNORECASE,
)
#: Doc-comment markup that a summary does not keep: Javadoc/JSDoc block tags end the prose, inline
#: tags keep their text, HTML tags go.
_BLOCK_TAG = re.compile(
    r"(^|\s)@(param|returns?|throws|exception|author|since|see|deprecated|version|example|"
    r"type|typedef|template|property|remarks|yields|note|todo|api|internal)\b",
    re.IGNORECASE,
)
_INLINE_TAG = re.compile(r"\{@\w+\s+([^}]*)\}")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@functools.cache
def parser(language: str) -> ts.Parser:
    module, function = GRAMMARS[language]
    return ts.Parser(ts.Language(getattr(importlib.import_module(module), function)()))


class Walker:
    """The source, the facts being built, and the helpers every language uses."""

    def __init__(self, language: str, data: bytes):
        self.data = data
        self.facts = Facts(language)

    def parse(self) -> ts.Node:
        return parser(self.facts.language).parse(self.data).root_node

    def text(self, node: ts.Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def name(self, node: ts.Node, field: str = "name") -> str:
        return self.text(node.child_by_field_name(field))

    def signature(self, node: ts.Node, body_field: str = "body") -> str:
        """The declaration up to its body: ``function f(a: T): R``."""
        body = node.child_by_field_name(body_field)
        end = body.start_byte if body is not None else node.end_byte
        text = self.data[node.start_byte : end].decode("utf-8", errors="replace")
        return one_line(text.rstrip(" {;=\n"))

    def doc(self, node: ts.Node, *, skip: tuple[str, ...] = ()) -> str:
        """The summary of the comment block right above ``node`` (JSDoc, ``///``, Javadoc …).

        Nodes of the kinds in ``skip`` between the comments and the item (Rust's attributes,
        Java's annotations) are stepped over. A comment that ends a line of code (a trailing
        comment of the line before) is not a doc of what follows.
        """
        lines: list[str] = []
        prev = node.prev_sibling
        expected_row = node.start_point[0] - 1
        while prev is not None and prev.type in skip:
            expected_row = prev.start_point[0] - 1
            prev = prev.prev_sibling
        while prev is not None and "comment" in prev.type and prev.end_point[0] >= expected_row:
            if _trails_code(prev):
                break
            text = self.text(prev)
            if text.startswith(("//!", "/*!")):
                break  # an inner doc comment belongs to the file (Rust), not to this item
            kept = [line for line in comment_text(text) if not TOOL_DIRECTIVE.search(line)]
            lines[:0] = kept
            expected_row = prev.start_point[0] - 1
            prev = prev.prev_sibling
        return doc_summary("\n".join(lines))

    def add(
        self,
        kind: str,
        name: str,
        node: ts.Node,
        *,
        visibility: Visibility = "public",
        parent: str = "",
        signature: str | None = None,
        doc: str | None = None,
    ) -> None:
        if not name:
            return
        self.facts.symbols.append(
            Symbol(
                kind,
                name,
                signature if signature is not None else self.signature(node),
                doc if doc is not None else self.doc(node),
                visibility,
                parent,
            )
        )

    def string(self, node: ts.Node | None) -> str:
        """A string literal's contents."""
        return self.text(node).strip().strip("\"'`<>")

    def import_of(self, spec: str, names: list[str] | None = None) -> None:
        """Record one import as written (once) and the names it brings in."""
        if not spec:
            return
        if spec not in self.facts.imports:
            self.facts.imports.append(spec)
        if names:
            known = self.facts.names.setdefault(spec, [])
            known.extend(n for n in names if n and n not in known)


def _trails_code(comment: ts.Node) -> bool:
    """Whether ``comment`` ends a line of code (``x = 1  // note``)."""
    before = comment.prev_sibling
    return before is not None and before.end_point[0] == comment.start_point[0]


def comment_text(comment: str) -> list[str]:
    out = []
    for raw in comment.splitlines():
        line = raw.strip()
        for marker in ("/**", "/*!", "/*", "*/", "///", "//!", "//", "*", "#"):
            if line.startswith(marker):
                line = line[len(marker) :]
                break
        out.append(line.removesuffix("*/").strip())
    return out


def doc_summary(text: str) -> str:
    """The first sentence of a doc comment, without its block tags (``@param``…) and markup."""
    tag = _BLOCK_TAG.search(text)
    prose = text[: tag.start()] if tag else text
    cleaned = _HTML_TAG.sub(" ", _INLINE_TAG.sub(r"\1", prose))
    return summary(cleaned)


def named(node: ts.Node | None) -> Iterator[ts.Node]:
    """The named children, ``ERROR`` nodes left out."""
    for child in node.named_children if node is not None else ():
        if child.type != "ERROR":
            yield child


def descendants(node: ts.Node, kind: str) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            yield current
        stack.extend(reversed(current.named_children))


def child(node: ts.Node | None, kind: str) -> ts.Node | None:
    return next((c for c in node.children if c.type == kind), None) if node is not None else None


def file_doc(w: Walker, root: ts.Node) -> str:
    """The file's header comment: a first comment that a blank line separates from what
    follows (a licence or tool line is not one)."""
    first = root.named_children[0] if root.named_child_count else None
    if first is None or "comment" not in first.type:
        return ""
    following = first.next_named_sibling
    if following is not None and following.start_point[0] <= first.end_point[0] + 1:
        return ""
    lines = [line for line in comment_text(w.text(first)) if not TOOL_DIRECTIVE.search(line)]
    return doc_summary("\n".join(lines))
