"""Docs checked the way a reader's Markdown renderer sees them.

:func:`check_doc` parses a doc with a CommonMark parser (markdown-it-py, with GFM's tables and
strikethrough, raw HTML on) and compares its block structure — every heading, paragraph, list
item, quote and code block, with its text — to the blocks its renderer built
(:class:`reactor.markdown.Page`); for any doc of ours it checks the contract too: the
``SHA256:`` line stays a paragraph of its own and the inputs comment stays the last block,
invisible. :func:`recording` applies it to every doc written while it is active (the suite's
autouse fixture in ``conftest.py``; a benchmark may use it as well: ``sys.path`` gets
``tests/``, then ``from markdown_check import recording``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reactor.docs import DocStore, parse_header
from reactor.inputs import parse_comment, without_comment
from reactor.markdown import Block, Page

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

Shape = tuple[str, ...]


def shape(token: Token) -> Shape:
    """What a token says about the doc's structure: its kind and tag; an inline run's text; a
    code block's info string and code."""
    if token.type == "inline":
        return ("inline", token.content)
    if token.type == "fence":
        return ("fence", token.info, token.content)
    if token.type in ("code_block", "html_block"):
        return (token.type, token.content)
    return (token.type, token.tag)


def expected(blocks: Sequence[Block]) -> list[Shape]:
    """The token shapes ``blocks`` mean."""
    out: list[Shape] = []
    for block in blocks:
        if block.kind == "heading":
            tag = f"h{block.level}"
            out += [("heading_open", tag), ("inline", block.text), ("heading_close", tag)]
        elif block.kind == "paragraph":
            out += _paragraph(block.text)
        elif block.kind == "list":
            out += _paragraph(block.lead) if block.lead else []
            out.append(("bullet_list_open", "ul"))
            for item in block.items:
                out += [("list_item_open", "li"), *_paragraph(item), ("list_item_close", "li")]
            out.append(("bullet_list_close", "ul"))
        elif block.kind == "fence":
            out.append(("fence", block.info, f"{block.text}\n" if block.text else ""))
        elif block.kind == "table":
            out += _table(block.rows)
        else:
            out.append(("blockquote_open", "blockquote"))
            out += expected(block.inner)
            out.append(("blockquote_close", "blockquote"))
    return out


def _table(rows: Sequence[Sequence[str]]) -> list[Shape]:
    """A GFM table's tokens. The renderer escapes every pipe of a cell (the table splits rows on
    the others) and the parser takes each ``\\|`` back to ``|``: a cell's inline text is as
    built, with ``\\|`` read as ``|``."""
    out: list[Shape] = [("table_open", "table"), ("thead_open", "thead")]
    for i, row in enumerate(rows):
        cell = "th" if i == 0 else "td"
        if i == 1:
            out += [("thead_close", "thead"), ("tbody_open", "tbody")]
        out.append(("tr_open", "tr"))
        for text in row:
            inline = ("inline", text.replace("\\|", "|").strip())
            out += [(f"{cell}_open", cell), inline, (f"{cell}_close", cell)]
        out.append(("tr_close", "tr"))
    out.append(("tbody_close", "tbody") if len(rows) > 1 else ("thead_close", "thead"))
    return [*out, ("table_close", "table")]


def _paragraph(text: str) -> list[Shape]:
    return [("paragraph_open", "p"), ("inline", text), ("paragraph_close", "p")]


def check_doc(doc: str, blocks: Sequence[Block] | None = None) -> list[str]:
    """What in ``doc`` does not render as meant (empty: all of it does).

    Checked for every doc with our ``SHA256:`` line: that line stays a paragraph (no heading
    underlines it) and the inputs comment, when there is one, is the last block, an HTML
    comment on its own (no open code block or quote takes it in). With ``blocks`` (the page its
    renderer built), everything between is exactly those blocks — no heading, list, table,
    quote or code block more or less, each with its own text — and no raw HTML."""
    first = doc.split("\n", 1)[0]
    if parse_header(first) is None:
        return []  # not one of our docs
    tokens = PARSER.parse(doc)
    problems: list[str] = []
    header = tokens[1].content if len(tokens) > 1 and tokens[0].type == "paragraph_open" else ""
    if not header.startswith(first):
        problems.append(f"the SHA256 line is not a paragraph of its own: {shape(tokens[0])}")
    body = tokens[3:]
    if parse_comment(doc) is not None:
        comment = doc.rstrip("\n").rsplit("\n", 1)[-1]
        if not tokens or shape(tokens[-1]) != ("html_block", comment + "\n"):
            problems.append(f"the inputs comment is not the last block: {shape(tokens[-1])}")
        body = body[:-1]
    if blocks is None:
        return problems
    if header != first:
        problems.append(f"the SHA256 line runs on: {header[:80]!r}")
    meant, got = expected(blocks), [shape(t) for t in body]
    if meant != got:
        at = next(
            (i for i, (m, g) in enumerate(zip(meant, got, strict=False)) if m != g),
            min(len(meant), len(got)),
        )
        problems.append(
            f"block structure differs at token {at}: meant {meant[at : at + 3]}, "
            f"parsed {got[at : at + 3]}"
        )
    html = [
        child.content
        for t in body
        if t.type == "inline"
        for child in t.children or []
        if child.type == "html_inline"
    ]
    problems += [f"raw HTML from the text: {h!r}" for h in html]
    problems += [f"raw HTML block: {t.content[:80]!r}" for t in body if t.type == "html_block"]
    return problems


@dataclass
class Recorder:
    """The pages rendered and the docs written while :func:`recording` is active."""

    pages: dict[str, tuple[Block, ...]] = field(default_factory=dict)
    #: Docs compared block by block with the page their renderer built.
    planned: int = 0
    #: Docs of ours from elsewhere (a shell script, a model's free-form Markdown, a fake):
    #: checked for the contract only.
    contract_only: int = 0
    #: Docs found on disk that no write in this process made (a ``reactor`` subprocess's):
    #: checked for the contract only.
    on_disk: int = 0
    problems: list[str] = field(default_factory=list)
    written: set[Path] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, rel: str, doc: str) -> None:
        if parse_header(doc.split("\n", 1)[0]) is None:
            return
        body = without_comment(doc.split("\n", 1)[1] if "\n" in doc else "").strip()
        with self.lock:
            blocks = self.pages.get(body)
            self.planned += blocks is not None
            self.contract_only += blocks is None
        problems = check_doc(doc, blocks)
        if problems:
            with self.lock:
                self.problems += [f"{rel}: {p}" for p in problems]


#: Docs checked by every :func:`recording` of this process: the suite's summary line.
TOTALS = Recorder()


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """Check every doc :class:`DocStore` writes while active against the page it came from."""
    recorder = Recorder()
    text, write = Page.text, DocStore.write

    def recorded_text(page: Page) -> str:
        out = text(page)
        with recorder.lock:
            recorder.pages[out.strip()] = tuple(page.blocks)
        return out

    def checked_write(store: DocStore, rel: str, content: str) -> Path:
        path = write(store, rel, content)
        with recorder.lock:
            recorder.written.add(path)
        recorder.check(rel, content)
        return path

    with (
        mock.patch.object(Page, "text", recorded_text),
        mock.patch.object(DocStore, "write", checked_write),
    ):
        yield recorder
    with TOTALS.lock:
        TOTALS.planned += recorder.planned
        TOTALS.contract_only += recorder.contract_only
        TOTALS.problems += recorder.problems


def check_tree(root: Path, recorder: Recorder) -> None:
    """Check the docs under ``root`` that no write of this process made (a ``reactor``
    subprocess wrote them): the contract only, their pages being out of reach. A doc that a
    code block or HTML block left open swallows is caught there too, the inputs comment being
    its last line."""
    for path in root.rglob("*.md"):
        if path in recorder.written or not path.is_file() or path.is_symlink():
            continue
        try:
            doc = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if parse_header(doc.split("\n", 1)[0]) is None:
            continue
        recorder.on_disk += 1
        recorder.problems += [f"{path}: {p}" for p in check_doc(doc)]
    with TOTALS.lock:
        TOTALS.on_disk += recorder.on_disk
