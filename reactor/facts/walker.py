"""The tree-sitter walk every language module shares: grammars, text, signatures, doc comments.

The grammars are the official per-language wheels (``tree-sitter-javascript`` …), loaded once
per process and never downloaded. Each language module walks the nodes it knows; the only
queries are one-node patterns (``(call_expression) @n``), whose syntax every release shares.
Syntax errors leave ``ERROR`` nodes, which are looked into or skipped: a file that does not parse
still gets the facts of the parts that do.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterator

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
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "swift": ("tree_sitter_swift", "language"),
    "scala": ("tree_sitter_scala", "language"),
    "bash": ("tree_sitter_bash", "language"),
    "lua": ("tree_sitter_lua", "language"),
}
#: The comment node kinds of each grammar (``comment`` where not listed).
COMMENT_KINDS = {
    "rust": ("line_comment", "block_comment"),
    "kotlin": ("line_comment", "block_comment"),
    "scala": ("comment", "block_comment"),
    "swift": ("comment", "multiline_comment"),
}

#: Comments addressed to tools, not readers: never a symbol's doc (each a whole line, its
#: comment marker stripped: ``/* global x */`` is JSHint's, "the global state" is prose).
TOOL_DIRECTIVE = re.compile(
    r"^\s*(eslint|@ts-|prettier-ignore|istanbul |c8 |NOLINT|clang-format|noinspection|"
    r"#region|#endregion|biome-ignore|tslint:|jshint|global |SPDX-License|Copyright|"
    r"swift-tools-version:|Code generated .* DO NOT EDIT|"
    r"[a-z0-9]+:[a-z0-9])",  # go/doc's directives: `//go:generate`, `//nolint:errcheck`
    re.IGNORECASE,
)
#: The comments each language's own documentation tools read as a declaration's doc, by their
#: opener (rustdoc's ``///``, JSDoc's ``/**``, LDoc's ``---``); the other comments beside a
#: declaration are notes on its code, never its summary. A language not listed takes any
#: comment block right above a declaration (go/doc, RDoc, shell, C).
DOC_COMMENTS: dict[str, tuple[str, ...]] = {
    "rust": ("///", "/**"),
    "javascript": ("/**",),
    "typescript": ("/**",),
    "tsx": ("/**",),
    "lua": ("---", "--[[--"),
}
#: Languages whose doc comment documents the next declaration across blank lines (TypeScript's
#: JSDoc lookup, rustdoc's outer attributes).
_DOC_ACROSS_BLANK_LINES = frozenset({"javascript", "typescript", "tsx", "rust"})
#: Openers that start like a doc comment's and are plain comments (rustdoc, JSDoc).
_PLAIN_LOOKALIKES = ("////", "/***", "/**/")
#: Inner doc comments: the enclosing file's or module's doc, not the next item's.
_INNER_DOCS = ("//!", "/*!")


def is_doc_comment(language: str, text: str) -> bool:
    """Whether a comment (its text as written) is a doc comment by ``language``'s rules."""
    openers = DOC_COMMENTS.get(language)
    if openers is None:
        return True
    return text.startswith(openers) and not text.startswith(_PLAIN_LOOKALIKES)


#: Doc-comment markup that a summary does not keep: Javadoc/JSDoc block tags end the prose, inline
#: tags keep their text, HTML tags go.
_BLOCK_TAG = re.compile(
    r"(^|\s)@(param|returns?|throws|exception|author|since|see|deprecated|version|example|"
    r"type|typedef|template|property|remarks|yields|note|todo|api|internal)\b"
    r"|^@[\w-]+",  # any tag opening a line (`@final`, `@psalm-pure`, `@sample`): prose ends
    re.IGNORECASE | re.MULTILINE,
)
_VAR_TAG = re.compile(r"^@var\s+\S+\s+(?:\$\w+\s+)?(.+)", re.DOTALL)
_INLINE_TAG = re.compile(r"\{@\w+\s+([^}]*)\}")
#: Inline code in a doc's markup, kept as a code span: ``{@code x}``, ``<code>x</code>``.
_INLINE_CODE = re.compile(r"\{@(?:code|literal)\s+([^}\n]*)\}|<code>([^<\n]*)</code>", re.I)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
#: C#'s XML doc references (``<see cref="X"/>``, ``<paramref name="n"/>``): their target's name.
_XML_REFERENCE = re.compile(r"<\w+\s+(?:cref|name|langword)=\"([^\"]*)\"\s*/>")
_XML_SUMMARY = re.compile(r"<summary>(.*?)(?:</summary>|$)", re.DOTALL)
#: A licence or copyright header: never a file's doc (the next comment block may be).
_LICENCE = re.compile(
    r"\b(licen[cs]ed?|copyright|SPDX-License|all rights reserved|permission is hereby granted)\b",
    re.IGNORECASE,
)
#: Lines addressed to the interpreter or the editor: ``frozen_string_literal: true``, a
#: ``-*- coding: utf-8 -*-`` or ``vim: set ts=2:`` modeline, ``@generated``.
PRAGMA = re.compile(
    r"^\s*(frozen_string_literal:|(?:en)?coding[:=]|-\*-.*-\*-|vim?:|ex:|@generated|"
    r"typed:\s|warn_indent:|shellcheck\s|luacheck:|@formatter:|<\?php)",
    re.IGNORECASE,
)
#: An HTML tag (a lowercase name, or one of HTML's own in any case): ``Map<K, V>`` is no tag.
_HTML_TAG = re.compile(
    r"</?(?:[a-z][a-z0-9-]*|(?i:p|br|b|i|a|em|ul|li|ol|pre|code|tt|div|span|table|tr|td|th|"
    r"dl|dt|dd|hr|h[1-6]|blockquote|strong|img|sup|sub))(?:\s[^>]*)?/?>"
)


@functools.cache
def grammar(language: str) -> ts.Language:
    module, function = GRAMMARS[language]
    return ts.Language(getattr(importlib.import_module(module), function)())


@functools.cache
def parser(language: str) -> ts.Parser:
    return ts.Parser(grammar(language))


@functools.cache
def _query(language: str, kinds: str | tuple[str, ...]) -> ts.Query | None:
    """One query for nodes of any of ``kinds``; ``None`` when the grammar has none of them
    (code shared by languages asks for kinds some grammars lack)."""
    if isinstance(kinds, tuple):
        known = [k for k in kinds if _query(language, k) is not None]
        if not known:
            return None
        return ts.Query(grammar(language), f"[{' '.join(f'({k})' for k in known)}] @n")
    try:
        return ts.Query(grammar(language), f"({kinds}) @n")
    except ts.QueryError:
        return None


def descendants(language: str, node: ts.Node, kinds: str | tuple[str, ...]) -> list[ts.Node]:
    """Every node of ``kinds`` (one kind, or any of several) in the subtree of ``node`` (parsed
    as ``language``), in order.

    A one-node query, run in C: walking a whole tree in Python node by node costs more than
    the parse (Java's type references, JavaScript's ``require`` calls); several kinds are one
    query, one pass."""
    query = _query(language, kinds)
    if query is None:
        return []
    found = ts.QueryCursor(query).captures(node).get("n", [])
    # captures come back in no promised order (it varies from run to run): source order,
    # an outer node before the nodes inside it
    return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))


class Walker:
    """The source, the facts being built, and the helpers every language uses."""

    def __init__(self, language: str, data: bytes):
        self.data = data
        self.facts = Facts(language)
        self._root: ts.Node | None = None
        self._comments: dict[int, ts.Node] | None = None

    def parse(self) -> ts.Node:
        self._root = parser(self.facts.language).parse(self.data).root_node
        return self._root

    def note_parse_error(self, root: ts.Node) -> None:
        """Say in the facts where the parser could not read the file (``Facts.error``): what
        is listed may be incomplete, and the page says so rather than staying silent."""
        if not root.has_error:
            return
        node = root
        while True:
            broken = next((c for c in node.children if c.has_error or c.is_missing), None)
            if broken is None or broken.type == "ERROR" or broken.is_missing:
                node = broken or node
                break
            node = broken
        self.facts.error = f"the parser could not read line {node.start_point[0] + 1}"

    def text(self, node: ts.Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def name(self, node: ts.Node, field: str = "name") -> str:
        return self.text(node.child_by_field_name(field))

    def signature(self, node: ts.Node, body_field: str = "body") -> str:
        """The declaration up to its body, without the comments inside it: ``function f(a:
        T): R`` (a parameter list's line breaks and trailing comma are layout, not meaning)."""
        body = node.child_by_field_name(body_field)
        end = body.start_byte if body is not None else node.end_byte
        text = self.source_without_comments(node, node.start_byte, end)
        flat = one_line(text.rstrip(" {;=\n").rstrip(" ,\n"))  # (`where T: X,` before a body)
        return _TIGHT_PARENTHESES.sub(lambda m: "(" if m.group(1) else ")", flat)

    def source_without_comments(self, node: ts.Node, start: int, end: int) -> str:
        """The source from ``start`` to ``end`` (within ``node``), its comments left out."""
        raw = self.data[start:end]
        if b"//" not in raw and b"/*" not in raw and b"#" not in raw and b"--" not in raw:
            return raw.decode("utf-8", errors="replace")
        kinds = COMMENT_KINDS.get(self.facts.language, ("comment",))
        pieces, at = [], start
        for comment in self.descendants(node, kinds):
            if comment.start_byte >= at and comment.end_byte <= end:
                pieces += [self.data[at : comment.start_byte], b" "]
                at = comment.end_byte
        pieces.append(self.data[at:end])
        return b"".join(pieces).decode("utf-8", errors="replace")

    def doc(self, node: ts.Node, *, skip: tuple[str, ...] = ()) -> str:
        """The summary of the doc comment right above ``node`` (JSDoc, ``///``, Javadoc …).

        Nodes of the kinds in ``skip`` between the comments and the item (Rust's attributes,
        Java's annotations) are stepped over. A comment that ends a line of code is that line's
        (a trailing comment), and so are the comment lines that continue it below, aligned
        with it: neither is a doc of what follows.
        """
        return doc_summary(self.doc_text(node, skip=skip))

    def doc_text(self, node: ts.Node, *, skip: tuple[str, ...] = ()) -> str:
        """The whole doc comment above ``node`` (see :meth:`doc`), markers stripped: for what
        a summary leaves out (``Deprecated:``, ``@deprecated``)."""
        prev = node.prev_sibling
        expected_row = node.start_point[0] - 1
        while prev is not None and prev.type in skip:
            expected_row = prev.start_point[0] - 1
            prev = prev.prev_sibling
        block: list[ts.Node] = []  # bottom-up
        if (
            prev is not None
            and "comment" in prev.type
            and self.facts.language in _DOC_ACROSS_BLANK_LINES
            and is_doc_comment(self.facts.language, self.text(prev))
        ):
            expected_row = min(expected_row, prev.end_point[0])  # JSDoc, rustdoc: a gap is fine
        while (
            prev is not None
            and ("comment" in prev.type or (block and prev.type in skip))
            and prev.end_point[0] >= expected_row
        ):
            if prev.type in skip:  # an attribute between a doc's lines (`#[cfg_attr(…)]`)
                expected_row = prev.start_point[0] - 1
                prev = prev.prev_sibling
                continue
            if self._ends_code(prev):
                if block and _continues(prev, block[-1]):
                    return ""
                break
            if self.text(prev).startswith(_INNER_DOCS):
                break  # an inner doc comment belongs to the file (Rust), not to this item
            block.append(prev)
            expected_row = prev.start_point[0] - 1
            prev = prev.prev_sibling
        return self._block_text(block)

    def trailing(self, node: ts.Node) -> str:
        """The summary of the comment after ``node`` on its last line (``Name string // the
        name``), with the lines below that continue it in its column: a member's doc where
        its language reads one there (go/doc's line comments)."""
        after = node.next_sibling
        if after is None or "comment" not in after.type:
            return ""
        if after.start_point[0] != node.end_point[0]:
            return ""
        block = [after]
        below = after.next_sibling
        while below is not None and "comment" in below.type and _continues(block[-1], below):
            if self._ends_code(below):
                break
            block.append(below)
            below = below.next_sibling
        return doc_summary(self._block_text(block[::-1]))

    def _summary(self, block: list[ts.Node], markers: tuple[str, ...] = ()) -> str:
        return doc_summary(self._block_text(block, markers))

    def _block_text(self, block: list[ts.Node], markers: tuple[str, ...] = ()) -> str:
        """The text of a comment block (collected bottom-up): its doc comments only, by the
        language's rules, top-down, markers and tool directives stripped."""
        lines: list[str] = []
        for comment in reversed(block):
            text = self.text(comment)
            if not is_doc_comment(self.facts.language, text.lstrip()):
                continue
            for marker in markers:
                text = "\n".join(line.strip().removeprefix(marker) for line in text.splitlines())
            lines += without_directives(comment_text(text))
        joined = "\n".join(lines)
        return "" if _LICENCE.search(joined) and is_licence_block(joined) else joined

    def declaration_until(self, node: ts.Node, cut: ts.Node | None) -> str:
        """``node``'s declaration up to ``cut`` (its body or value; all of it without one), on
        one line, without comments and leading annotations (Kotlin, Scala, Swift)."""
        end = cut.start_byte if cut is not None else node.end_byte
        text = self.data[node.start_byte : end].decode("utf-8", "replace")
        return one_line(declaration(text).rstrip(" {=:"))

    def doc_above(self, node: ts.Node, *, markers: tuple[str, ...] = ()) -> str:
        """The summary of the comment lines right above ``node``'s first line, found by line.

        For grammars that do not keep a comment beside what it documents (Ruby puts the comment
        above a body's first item outside the body; Kotlin's modifiers swallow annotations), the
        comments are looked up by the row they end on. ``markers``: the language's own comment
        openers (Lua's ``---``) stripped before the common ones. Trailing comments, and the
        lines that continue one, are their own line's, as in :meth:`doc`.
        """
        if self._comments is None:
            root = self._root if self._root is not None else node
            kinds = COMMENT_KINDS.get(self.facts.language, ("comment",))
            self._comments = {c.end_point[0]: c for c in self.descendants(root, kinds)}
        if self._ends_code(node):
            return ""  # not first on its line (`object A { def b = 1 }`): the line's doc is A's
        block: list[ts.Node] = []
        row = node.start_point[0] - 1
        while (comment := self._comments.get(row)) is not None:
            if self._ends_code(comment):
                if block and _continues(comment, block[-1]):
                    return ""
                break
            if self.text(comment).startswith(("#!", *_INNER_DOCS)):
                break
            block.append(comment)
            row = comment.start_point[0] - 1
        return self._summary(block, markers)

    def _ends_code(self, node: ts.Node) -> bool:
        """Whether code precedes ``node`` on its first line (a trailing comment)."""
        start = self.data.rfind(b"\n", 0, node.start_byte) + 1
        return bool(self.data[start : node.start_byte].strip())

    def words(self, node: ts.Node | None) -> list[str]:
        """A modifier list's words (``public static final`` → three words)."""
        return self.text(node).split()

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
        marks: tuple[str, ...] = (),
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
                marks,
            )
        )

    def descendants(self, node: ts.Node, kinds: str | tuple[str, ...]) -> list[ts.Node]:
        """Every node of ``kinds`` in ``node``'s subtree (itself included), in source order."""
        return descendants(self.facts.language, node, kinds)

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


def _continues(trailing: ts.Node, below: ts.Node) -> bool:
    """Whether the comment ``below`` a trailing comment continues it: it starts in the same
    column, right on the next line (``A, // add a new\n   // item.``)."""
    return (
        below.start_point[1] == trailing.start_point[1]
        and below.start_point[0] <= trailing.end_point[0] + 1
    )


#: A parameter list's layout: ``( a: T, b: U, )`` is ``(a: T, b: U)``.
_TIGHT_PARENTHESES = re.compile(r"(\()\s+|,?\s+\)")
#: A doc's word that its symbol is deprecated: JSDoc's or Javadoc's tag, go/doc's paragraph.
_DEPRECATED = re.compile(r"(^|\s)@deprecated\b|^Deprecated: ", re.MULTILINE)


def deprecation(doc_text: str) -> tuple[str, ...]:
    """``("deprecated",)`` when a doc comment says so (``@deprecated``, ``Deprecated: …``)."""
    return ("deprecated",) if _DEPRECATED.search(doc_text) else ()


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


def without_directives(lines: list[str]) -> list[str]:
    """Comment lines without those addressed to tools (``eslint-disable``, ``NOLINT`` …)."""
    if not TOOL_DIRECTIVE.search("\n".join(lines)):
        return lines  # (the common case: one search, not one per line)
    return [line for line in lines if not TOOL_DIRECTIVE.search(line)]


_NOTE_TO_SELF = re.compile(r"^\s*(TODO|FIXME|XXX|HACK)\b")


def doc_summary(text: str) -> str:
    """The first sentence of a doc comment, without its block tags (``@param``…) and markup;
    nothing for a note to the authors (``TODO:``, ``FIXME``)."""
    if not text or _NOTE_TO_SELF.match(text):
        return ""
    if "\nDeprecated:" in text:  # go/doc's notice opens a paragraph of its own, blank line or not
        text = text.replace("\nDeprecated:", "\n\nDeprecated:")
    if "{{{" in text:  # a Scaladoc code block: the prose is before it
        text = text.split("{{{", 1)[0]
    if "@" in text:
        if var := _VAR_TAG.match(text):  # PHPDoc `@var Type what it is`: what it is
            text = var.group(1)
        if tag := _BLOCK_TAG.search(text):
            text = text[: tag.start()]
    if "{@" in text or "<code>" in text.lower():
        text = _INLINE_CODE.sub(lambda m: f"`{(m.group(1) or m.group(2) or '').strip()}`", text)
    if "{@" in text:
        text = _INLINE_TAG.sub(r"\1", text)
    if "<summary>" in text and (xml := _XML_SUMMARY.search(text)):
        text = xml.group(1)
    if '="' in text:
        text = _XML_REFERENCE.sub(r"\1", text)
    if "<" in text:
        text = _outside_code(text, lambda prose: _HTML_TAG.sub(_tag_space, prose))
    return summary(text)


#: Tags that mark up words inside a line, removed without a space (``<b>short</b>.``).
_INLINE_TAGS = frozenset("a b i em strong code tt span sup sub u s small big".split())


def _tag_space(tag: re.Match[str]) -> str:
    name = tag.group(0).strip("</>").split()[0].rstrip("/").lower() if tag.group(0) else ""
    return "" if name in _INLINE_TAGS else " "


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to all but its code spans (`` `Vec<u8>` `` stays)."""
    if "`" not in text:
        return change(text)
    out, at = [], 0
    for span in _CODE_SPAN.finditer(text):
        out += [change(text[at : span.start()]), span.group(0)]
        at = span.end()
    return "".join([*out, change(text[at:])])


def declaration(text: str) -> str:
    """A declaration's text on one line, without comment lines inside it or its leading
    attributes and annotations (``@available(iOS 13, *)``, ``@Suppress("x")``, ``@_spi(Web)``;
    nested parentheses included)."""
    kept = [
        _without_trailing_comment(line)
        for line in text.splitlines()
        if not line.strip().startswith(("//", "/*", "*"))
    ]
    return without_annotations(" ".join(" ".join(kept).split()))


def _without_trailing_comment(line: str) -> str:
    """``@JvmName("x") // why`` → ``@JvmName("x")`` (a ``//`` inside a string stays)."""
    start = 0
    while (cut := line.find("//", start)) != -1:
        if line.count('"', 0, cut) % 2 == 0:
            return line[:cut]
        start = cut + 2
    return line


def without_annotations(text: str) -> str:
    """``text`` without its leading attributes or annotations."""
    text = text.lstrip()
    while text.startswith("@"):
        match = re.match(r"@[\w.]+", text)
        if match is None:
            break
        end = match.end()
        if text[end : end + 1] == "(":
            depth = 0
            for i in range(end, len(text)):
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                if depth == 0:
                    end = i + 1
                    break
        text = text[end:].lstrip()
    return text


def is_licence_block(text: str) -> bool:
    """Whether a doc is a licence or copyright notice, not a description (it says so in its
    first lines: ``@license MIT``, ``Copyright 2020 …``)."""
    head = "\n".join(text.strip().splitlines()[:3])
    return _LICENCE.search(head) is not None


def is_licence(text: str) -> bool:
    """Whether a comment block is a licence or copyright header (never a file's doc)."""
    return _LICENCE.search(text) is not None


def named(node: ts.Node | None) -> Iterator[ts.Node]:
    """The named children, ``ERROR`` nodes left out."""
    for child in node.named_children if node is not None else ():
        if child.type != "ERROR":
            yield child


def child(node: ts.Node | None, kind: str) -> ts.Node | None:
    return next((c for c in node.children if c.type == kind), None) if node is not None else None


def file_doc(
    w: Walker, root: ts.Node, *, markers: tuple[str, ...] = (), touching: tuple[str, ...] = ()
) -> str:
    """The file's header comment: the first comment block that a blank line separates from
    what follows and that is not a licence, a shebang or a pragma (``frozen_string_literal``, a
    modeline). Consecutive line comments make one block. A header may touch a node of the
    kinds in ``touching`` (PHP's docblock right above ``namespace``)."""
    blocks: list[list[ts.Node]] = []
    for node in root.named_children:
        if "comment" not in node.type:
            if node.type != "php_tag":
                blocks.append([node])  # the code that ends the header
                break
            continue
        previous = blocks[-1][-1] if blocks else None
        if previous is not None and node.start_point[0] == previous.end_point[0] + 1:
            blocks[-1].append(node)  # (only comments are in blocks before the first code)
            continue
        blocks.append([node])
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if "comment" not in block[0].type:
            return ""
        if (
            following is not None
            and following[0].start_point[0] <= block[-1].end_point[0] + 1
            and following[0].type not in touching
        ):
            return ""  # attached to what follows: its doc, not the file's
        text = "\n".join(w.text(c) for c in block)
        if text.startswith("#!") and len(block) == 1:
            continue
        for marker in markers:
            text = "\n".join(line.strip().removeprefix(marker) for line in text.splitlines())
        lines = [
            line
            for line in without_directives(comment_text(text))
            if not line.startswith("!") and not PRAGMA.match(line)
        ]
        if not any(lines) or is_licence("\n".join(lines)):
            continue
        return doc_summary("\n".join(lines))
    return ""
