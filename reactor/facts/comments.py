"""Each comment in its place, for the Java, Kotlin, Scala, C#, Swift, PHP and C/C++ modules.

A comment is found by where it is, not by which node the grammar hung it on (grammars differ:
Kotlin's modifiers swallow comments, Swift's and Java's sit between siblings, C++'s templates
wrap what they document). Three places matter:

* **above** a declaration: the contiguous comments ending right above its first line (no blank
  line between). Where the language has a doc-comment syntax (``/** */`` for Javadoc, KDoc,
  Scaladoc and PHPDoc; ``///`` or ``/** */`` for C# and Swift) only that counts, the nearest
  such block; a plain ``//`` note (``// since 2.17``) is never a doc. A run that begins as the
  trailing comment of the line before, wrapped onto the next lines at its column, is that
  line's, never the next declaration's;
* **trailing** a declaration on its own line (``RED, // the first colour``), continued on the
  lines below at the same column: a member's doc where nothing is above it (C and C++);
* **inside** a declaration, between its first token and its body: never part of a signature
  (nor is a preprocessor line there: ``#if FEATURE`` between a class and its last base).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable

import tree_sitter as ts

from .walker import Walker, comment_text, doc_summary, grammar, is_licence, without_directives

#: The comment node kinds of each grammar.
KINDS = {
    "java": ("line_comment", "block_comment"),
    "kotlin": ("line_comment", "block_comment"),
    "scala": ("comment", "block_comment"),
    "swift": ("comment", "multiline_comment"),
}
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
#: A preprocessor line (``#if DEBUG``, ``#endif``) inside a declaration: never its signature.
_PREPROCESSOR_LINE = re.compile(
    rb"^[ \t]*#[ \t]*(?:if|ifdef|ifndef|else|elif|elifdef|elifndef|endif|define|undef|pragma"
    rb"|region|endregion|error|warning|line|nullable)\b[^\n]*$",
    re.MULTILINE,
)
#: Space a removed comment leaves inside brackets: ``f( int x )`` → ``f(int x)``.
_TIGHT = re.compile(r"(?<=[(\[]) | (?=[)\],])")


def javadoc(text: str) -> bool:
    """``/** … */`` (not the empty ``/**/``): Javadoc, KDoc, Scaladoc, PHPDoc, Doxygen."""
    return text.startswith("/**") and not text.startswith("/**/")


def triple_slash(text: str) -> bool:
    """``///`` lines or a ``/** */`` block: C#'s and Swift's doc comments."""
    return (text.startswith("///") and not text.startswith("////")) or javadoc(text)


def any_comment(text: str) -> bool:
    """C and C++: any comment documents what it sits on (Doxygen's or a plain one)."""
    return bool(text)


@functools.cache
def _query(language: str, patterns: str) -> ts.Query:
    kinds = " ".join(f"({kind})" for kind in KINDS.get(language, ("comment",)))
    return ts.Query(grammar(language), f"[{kinds}] @comment {patterns}")


def scan(w: Walker, root: ts.Node, patterns: str = "") -> dict[str, list[ts.Node]]:
    """One pass over the tree for its comments (``comment``) and what ``patterns`` (a query's
    patterns, each capture named) find: a query runs in C, a walk in Python costs more than
    the parse."""
    found = ts.QueryCursor(_query(w.facts.language, patterns)).captures(root)
    return {name: list(nodes) for name, nodes in found.items()}


class Comments:
    """A file's comments in source order, looked up by position."""

    def __init__(
        self,
        w: Walker,
        nodes: list[ts.Node],
        *,
        is_doc: Callable[[str], bool] = javadoc,
        summarise: Callable[[str], str] = doc_summary,
    ) -> None:
        self.w = w
        self.nodes = sorted(nodes, key=lambda n: n.start_byte)
        self.starts = [n.start_byte for n in self.nodes]
        self.is_doc = is_doc
        #: A doc's first sentence, by the language's markup (Javadoc's HTML and inline tags).
        self.summarise = summarise

    def _column(self, node: ts.Node) -> int:
        return node.start_byte - (self.w.data.rfind(b"\n", 0, node.start_byte) + 1)

    def _trails_code(self, start: int) -> bool:
        """Whether code precedes byte ``start`` on its line."""
        line = self.w.data.rfind(b"\n", 0, start) + 1
        return bool(self.w.data[line:start].strip())

    def above(self, start: int) -> str:
        """The summary of the doc comment right above the declaration starting at ``start``."""
        return self.summary(self.block_above(start))

    def block_above(self, start: int) -> str:
        """The text of the doc comment right above the declaration starting at ``start``
        (markers stripped, lines kept), or ``""``."""
        if self._trails_code(start):
            return ""  # not first on its line: a comment above is the line's, not its own
        data = self.w.data
        run: list[ts.Node] = []
        end = start
        i = bisect.bisect_left(self.starts, start) - 1
        while i >= 0:
            comment = self.nodes[i]
            gap = data[comment.end_byte : end]
            if comment.end_byte > end or gap.strip() or _BLANK_LINE.search(gap):
                break
            run.insert(0, comment)
            end = comment.start_byte
            i -= 1
        if run and self._trails_code(run[0].start_byte):
            column = self._column(run[0])
            run.pop(0)  # the line before's trailing comment, and its wrapped lines:
            while run and self._column(run[0]) == column and self.w.text(run[0]).startswith("//"):
                run.pop(0)
        texts = self._doc_block(run)
        return "\n".join(without_directives(comment_text("\n".join(texts)))) if texts else ""

    def _doc_block(self, run: list[ts.Node]) -> list[str]:
        """The texts of the nearest doc comment of a run: one block, or consecutive lines."""
        texts = [self.w.text(c) for c in run]
        while texts and not self.is_doc(texts[-1]):
            texts.pop()  # plain notes between a doc and its declaration
        if not texts:
            return []
        if texts[-1].startswith("/*"):
            return texts[-1:]
        marker = next(m for m in ("///", "//!", "//", "#", "") if texts[-1].startswith(m))
        block: list[str] = []
        while texts and texts[-1].startswith(marker) and not texts[-1].startswith("/*"):
            block.insert(0, texts.pop())
        return block

    def summary(self, text: str) -> str:
        """The first sentence of a doc's text; nothing for a licence."""
        if not text.strip() or is_licence(text):
            return ""
        return self.summarise(text)

    def trailing(self, end: int) -> str:
        """The summary of the comment after the declaration ending at byte ``end``, on its
        line (after a ``,`` or ``;``), with the lines that continue it at its column."""
        data = self.w.data
        i = bisect.bisect_left(self.starts, end)
        if i >= len(self.nodes):
            return ""
        first = self.nodes[i]
        if data[end : first.start_byte].strip(b" \t,;") or b"\n" in data[end : first.start_byte]:
            return ""
        texts = [self.w.text(first)]
        if texts[0].startswith("/*") and not texts[0].endswith("*/"):
            return ""
        column, previous = self._column(first), first
        for comment in self.nodes[i + 1 :]:
            gap = data[previous.end_byte : comment.start_byte]
            if gap.strip() or gap.count(b"\n") != 1 or self._column(comment) != column:
                break
            texts.append(self.w.text(comment))
            previous = comment
        lines = [line.removeprefix("<").strip() for line in comment_text("\n".join(texts))]
        return self.summary("\n".join(without_directives(lines)))

    def without(
        self, start: int, end: int, skip: list[ts.Node] | None = None, *, directive: bool = False
    ) -> str:
        """The source from ``start`` to ``end`` on one line, without the comments inside it,
        the nodes in ``skip`` (annotations, attributes) and, unless it is one (``directive``:
        a ``#define``), preprocessor lines."""
        data = self.w.data
        i = bisect.bisect_left(self.starts, start)
        gaps = [(n.start_byte, n.end_byte) for n in skip or ()]
        while i < len(self.nodes) and self.nodes[i].start_byte < end:
            gaps.append((self.nodes[i].start_byte, self.nodes[i].end_byte))
            i += 1
        pieces: list[bytes] = []
        at = start
        for gap_start, gap_end in sorted(gaps):
            if gap_start >= at:
                pieces += [data[at:gap_start], b" "]
            at = max(at, min(gap_end, end))
        pieces.append(data[at:end])
        text = b"".join(pieces)
        if b"#" in text and not directive:
            text = _PREPROCESSOR_LINE.sub(b"", text)
        flat = " ".join(text.decode("utf-8", "replace").split())
        return _TIGHT.sub("", flat) if "( " in flat or " )" in flat or " ," in flat else flat
