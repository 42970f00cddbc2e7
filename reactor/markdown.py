"""Text from a source file, put into Markdown so that it renders as the renderer meant.

A doc is Markdown around text the reactor does not control: doc comments, docstrings,
signatures, names, paths, a model's prose. Pasted raw, that text becomes structure — a reST
underline (``~~~~~~``) opens a code block that swallows every later section, a ``#`` line of a
doc comment is a heading, ``<details>`` hides the rest of the page, ``1.`` starts a list. So every
renderer builds its page from blocks (:class:`Block`) and puts source text in only three ways:

* :func:`inline`: one line of prose, escaped so that it opens nothing wherever it stands (a
  heading, a list item, a paragraph's first line); its code spans are kept as code spans;
* :func:`code`: a code span, fenced by more backticks than the text holds;
* :func:`prose`: several lines — paragraphs when no line has structure of its own, else the text
  verbatim in a fence longer than any backtick run inside it.

Because a page is its blocks, the blocks say exactly which headings, lists and code blocks the
doc has; the test suite parses every doc it writes with a CommonMark parser and compares.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list", "fence", "quote", "table"]


@dataclass(frozen=True)
class Block:
    """One block of a page. ``text``: a heading's or paragraph's inline Markdown (a paragraph's
    lines joined by newlines), a fence's code; ``items``: a list's items, each inline Markdown
    on one line; ``lead``: a line right above a list, without a blank line (``Imported by:``);
    ``inner``: a quote's blocks; ``rows``: a table's rows, the header first, each cell inline
    Markdown on one line."""

    kind: BlockKind
    text: str = ""
    level: int = 0
    info: str = ""
    items: tuple[str, ...] = ()
    lead: str = ""
    inner: tuple[Block, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def heading(level: int, markdown: str) -> Block:
    return Block("heading", markdown, level=level)


def paragraph(markdown: str) -> Block:
    return Block("paragraph", markdown)


def bullets(items: Iterable[str], *, lead: str = "") -> Block:
    return Block("list", items=tuple(items), lead=lead)


def quote(blocks: Sequence[Block]) -> Block:
    return Block("quote", inner=tuple(blocks))


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Block:
    """A GFM table (pages list a directory's files in one); every row as wide as the header."""
    body = [tuple(row) for row in rows]
    assert all(len(row) == len(header) for row in body)
    return Block("table", rows=(tuple(header), *body))


def link(label: str, target: str) -> str:
    """A relative link: ``label`` is inline Markdown without brackets of its own (a code span
    is safe: it binds tighter than the link's brackets); ``target`` a POSIX path, percent-encoded
    so that spaces, parentheses and non-ASCII names work on a forge and in a local viewer."""
    return f"[{label}]({urllib.parse.quote(target, safe='/')})"


def fence(text: str, info: str = "text") -> Block:
    """``text`` verbatim in a code block (the fence is chosen when it is rendered)."""
    return Block("fence", _normal(text).rstrip("\n"), info=info)


class Page:
    """A doc under construction: the blocks it is made of, rendered by :meth:`text`."""

    def __init__(self, *blocks: Block):
        self.blocks: list[Block] = list(blocks)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def text(self) -> str:
        return render(self.blocks) + "\n"


def render(blocks: Sequence[Block]) -> str:
    """The Markdown of ``blocks``, a blank line between each two."""
    out: list[str] = []
    marker = "-"
    for block in blocks:
        if block.kind == "list":
            # a list right after a list would continue it: the other bullet starts a new one
            follows = not block.lead and out and _ends_list(out[-1])
            marker = "*" if follows and marker == "-" else "-"
        out.append(_markdown(block, marker))
    return "\n\n".join(out)


def _ends_list(markdown: str) -> bool:
    return markdown.rsplit("\n", 1)[-1].startswith(("- ", "* "))


def _markdown(block: Block, marker: str) -> str:
    if block.kind == "heading":
        return f"{'#' * block.level} {block.text}"
    if block.kind == "list":
        lines = [f"{marker} {item}" for item in block.items]
        return "\n".join([block.lead, *lines] if block.lead else lines)
    if block.kind == "fence":
        ticks = "`" * max(3, _longest_run(block.text, "`") + 1)
        body = f"{block.text}\n" if block.text else ""
        return f"{ticks}{block.info}\n{body}{ticks}"
    if block.kind == "quote":
        return "\n".join(f"> {line}" if line else ">" for line in render(block.inner).split("\n"))
    if block.kind == "table":
        header = block.rows[0]
        rows = [header, ("---",) * len(header), *block.rows[1:]]
        return "\n".join(_row(row) for row in rows)
    return block.text


def _row(cells: Sequence[str]) -> str:
    """One table row. A table splits its rows on every pipe not escaped, a code span's too (a
    forge's and markdown-it's rule alike), so each is escaped; the cell shows a plain pipe."""
    return "| " + " | ".join(re.sub(r"(?<!\\)\|", r"\\|", cell) for cell in cells) + " |"


def _longest_run(text: str, char: str) -> int:
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)


def _normal(text: str) -> str:
    """Line endings and NULs as a CommonMark parser reads them."""
    if "\r" not in text and "\0" not in text:
        return text
    return re.sub(r"\r\n?", "\n", text).replace("\0", "\ufffd")


def code(text: str) -> str:
    """``text`` as a code span on one line, fenced by more backticks than it holds (Swift's
    ```default```, Kotlin's ```is```)."""
    if "\r" in text or "\n" in text or "\0" in text:
        text = re.sub(r"[\r\n]+", " ", text.replace("\0", "\ufffd"))
    if "`" not in text:
        return f"`{text}`"
    ticks = "`" * (_longest_run(text, "`") + 1)
    return f"{ticks} {text} {ticks}"


# -- inline text -------------------------------------------------------------------------------
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_BACKTICKS = re.compile(r"`+")
_EMPHASIS = re.compile(r"\*+|_+|~+")
#: What a line may open at its start (an ordered item aside): an ATX heading, a quote, a
#: bullet, a thematic break or setext underline, a fence of tildes, a link reference definition.
_LINE_START = re.compile(
    r"#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|(?:[-*_]\s*){3,}$|[=-]+\s*$|~{3,}|\[[^\]]*\]:"
)
#: What may start a tag, a comment or an autolink (``a < b`` may stay as it is).
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_CLOSING_HASHES = re.compile(r"(?<= )#(?=#*$)")
#: The characters :func:`_escaped` may have to act on.
_SPECIAL = re.compile(r"[*_~\\<|`]")
_ORDERED = re.compile(r"(\d{1,9})([.)])(?=\s|$)")


def inline(text: str) -> str:
    """``text`` on one line, escaped so that it renders as written wherever it is put: nothing
    in it can open a block, a tag, a table cell, emphasis or a hard break. Its code spans
    (matched backtick runs) stay code spans; a lone backtick is escaped."""
    flat = " ".join(_normal(text).split())
    spans = _code_spans(flat)
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(_escaped(flat, at, start))
        out.append(flat[start:end])
        at = end
    out.append(_escaped(flat, at, len(flat)))
    line = _CLOSING_HASHES.sub(r"\\#", "".join(out))  # an ATX heading's closing run
    if (ordered := _ORDERED.match(line)) is not None:
        return f"{ordered.group(1)}\\{line[ordered.end(1) :]}"
    if not line.startswith("\\") and _LINE_START.match(line):
        return "\\" + line
    return line


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Where the code spans of ``text`` are: a run of n backticks up to the next run of
    exactly n (backslashes do not escape backticks here: :func:`_escaped` doubles them)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(runs):
        start, end = runs[i]
        closer = next(
            (j for j in range(i + 1, len(runs)) if runs[j][1] - runs[j][0] == end - start), None
        )
        if closer is None:
            i += 1
            continue
        spans.append((start, runs[closer][1]))
        i = closer + 1
    return spans


def _escaped(text: str, start: int, end: int) -> str:
    """``text[start:end]``, outside any code span, with what Markdown would act on escaped;
    emphasis characters judged with their neighbours in the whole ``text``."""
    out: list[str] = []
    i = start
    for special in _SPECIAL.finditer(text, start, end):  # the rest is copied as it is
        at = special.start()
        if at < i:
            continue  # (within an emphasis run already taken)
        out.append(text[i:at])
        ch = text[at]
        i = at + 1
        if ch in "*_~":
            run = _EMPHASIS.match(text, at)
            assert run is not None
            i = min(run.end(), end)
            piece = text[at:i]
            out.append("".join("\\" + c for c in piece) if _delimits(text, at, i) else piece)
        elif ch == "\\":
            following = text[i] if i < len(text) else ""
            out.append("\\\\" if not following or following in _ASCII_PUNCTUATION else ch)
        elif ch == "<":
            out.append("\\<" if _TAG_START.match(text, at) else ch)
        else:  # | and `
            out.append("\\" + ch)
    out.append(text[i:end])
    return "".join(out)


def _delimits(text: str, start: int, end: int) -> bool:
    """Whether the run ``text[start:end]`` of ``*``, ``_`` or ``~`` may open or close emphasis
    (CommonMark's flanking rules): ``snake_case`` and ``a * b`` may not, ``*args`` and
    ``__init__`` may."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    left = not after.isspace() and (
        not _punctuation(after) or before.isspace() or _punctuation(before)
    )
    right = not before.isspace() and (
        not _punctuation(before) or after.isspace() or _punctuation(after)
    )
    if text[start] == "_":
        opens = left and (not right or _punctuation(before))
        closes = right and (not left or _punctuation(after))
        return opens or closes
    return left or right


def _punctuation(ch: str) -> bool:
    return ch in _ASCII_PUNCTUATION or unicodedata.category(ch)[0] in "PS"


# -- several lines -----------------------------------------------------------------------------
#: A line with structure of its own: indented, or opening a block (an HTML block too); a fence
#: of backticks opens one as well.
_STRUCTURED = re.compile(rf"\s|```|{_TAG_START.pattern}|{_LINE_START.pattern}|{_ORDERED.pattern}")


def prose(text: str) -> list[Block]:
    """Source text of any length as blocks: its paragraphs, each line escaped with
    :func:`inline`, when no line has structure of its own (a heading, a list, a fence, an
    indented block, an underline); else all of it verbatim in one code block, since the
    structure was the author's (reST, Markdown, a table drawn in text) and reads best as
    written. One line is always a paragraph."""
    lines = [line.rstrip() for line in textwrap.dedent(_normal(text).expandtabs(4)).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return []
    if len(lines) > 1 and any(line and _STRUCTURED.match(line) for line in lines):
        return [fence("\n".join(lines))]
    paragraphs = re.split(r"\n{2,}", "\n".join(lines))
    return [paragraph("\n".join(inline(line) for line in p.split("\n"))) for p in paragraphs]


_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


def balanced(markdown: str) -> str:
    """``markdown`` (a model's free-form doc) with a code block it left open closed at its end,
    so that it cannot swallow what the reactor puts below it."""
    opened = ""
    for line in _normal(markdown).split("\n"):
        if opened:
            closing = re.fullmatch(rf" {{0,3}}({re.escape(opened[0])}+)\s*", line)
            if closing is not None and len(closing.group(1)) >= len(opened):
                opened = ""
        elif (start := _FENCE_OPEN.fullmatch(line)) is not None:
            run, info = start.groups()
            if not (run[0] == "`" and "`" in info):
                opened = run
    return f"{markdown.rstrip()}\n{opened}\n" if opened else markdown
