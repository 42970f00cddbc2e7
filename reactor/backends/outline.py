"""The ``outline`` backend: a useful page from the source alone, offline and instant.

Every language :mod:`reactor.facts` understands (Python, JavaScript, TypeScript, Go, Rust, Java,
C, C++, Ruby, PHP, Kotlin, C#, Swift, Scala, shell, Lua; Vue and Svelte scripts) gets a
structural outline in one layout: the file's own doc, its types with their members, functions
with signatures and the first sentence of each doc comment, constants, re-exports, imports,
and the neighbours (imports and importers with the names used across each edge) from the graph
context. Public API comes first in every list; what a list cuts is private before public.
Grounded LLM docs use the same layout with the model's prose (:mod:`reactor.backends.grounded`).
Other languages,
and files that yield nothing, get a generic page: language, size, line count, the leading
comment that says what the file is, and the graph context when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TypeVar

from .. import doclinks
from ..facts import FACTS_VERSION, TYPE_KINDS, Facts, Symbol, shebang_language
from ..facts.walker import PRAGMA, is_licence, without_directives
from ..markdown import Block, Page, bullets, code, heading, inline, paragraph, prose, quote
from ..paths import quote_path
from . import Backend, DocRequest, Generated, NoOp

T = TypeVar("T")

LANGUAGES = {
    "py": "Python",
    "pyi": "Python stub",
    "js": "JavaScript",
    "jsx": "JavaScript (JSX)",
    "mjs": "JavaScript",
    "cjs": "JavaScript",
    "ts": "TypeScript",
    "tsx": "TypeScript (TSX)",
    "go": "Go",
    "rs": "Rust",
    "java": "Java",
    "kt": "Kotlin",
    "kts": "Kotlin script",
    "scala": "Scala",
    "c": "C",
    "h": "C header",
    "cc": "C++",
    "cpp": "C++",
    "cxx": "C++",
    "hh": "C++ header",
    "hpp": "C++ header",
    "cs": "C#",
    "rb": "Ruby",
    "php": "PHP",
    "swift": "Swift",
    "m": "Objective-C",
    "mm": "Objective-C++",
    "lua": "Lua",
    "pl": "Perl",
    "pm": "Perl",
    "r": "R",
    "jl": "Julia",
    "ex": "Elixir",
    "exs": "Elixir",
    "erl": "Erlang",
    "hs": "Haskell",
    "ml": "OCaml",
    "clj": "Clojure",
    "dart": "Dart",
    "zig": "Zig",
    "nim": "Nim",
    "sh": "Shell",
    "bash": "Bash",
    "zsh": "Zsh",
    "fish": "Fish",
    "ps1": "PowerShell",
    "sql": "SQL",
    "vue": "Vue",
    "svelte": "Svelte",
}
COMMENT_PREFIXES = ("#!", "///", "//!", "//", "/**", "/*", "*/", "*", "#", "--", ";;", "%", '"""')
MAX_LEADING_COMMENT_LINES = 20


#: Bumped whenever the page layout changes: docs of an older layout become ``outdated``
#: (5: source text escaped or fenced, never Markdown structure; 6: public API first, marks such
#: as *(deprecated)*, a parse failure said, neighbours with their evidence; 7: re-exports, a
#: module without members listed once, a nested type's heading says where it is; 8: a trait
#: impl's heading names no made-up namespace).
OUTLINE_VERSION = 8


class OutlineBackend(Backend):
    """Built-in offline default: no model, no network, deterministic output."""

    name = "outline"
    cheap = True

    def __init__(self, *, links: bool = True):
        """``links``: each doc links to its directory's page and its neighbours' docs (pages
        are on: :mod:`reactor.pages`; ``pages = false`` makes docs without them)."""
        self.links = links

    def describe(self) -> str:
        return "outline (built-in, offline)"

    def identity(self) -> str:
        # the page is made from the facts: a better extractor is a better page
        return f"outline/layout-{OUTLINE_VERSION}/facts-{FACTS_VERSION}" + (
            "/links" if self.links else ""
        )

    def generate(self, request: DocRequest) -> Generated | NoOp:
        rel, source, facts = request.relative_path, request.source_contents, request.facts
        links = request.repo_root if self.links else None
        if source.strip() and facts is not None and (facts.symbols or facts.imports or facts.doc):
            return Generated(facts_page(rel, source, facts, request.graph_context, links=links))
        error = facts.error if facts is not None else ""
        return Generated(generic_page(rel, source, request.graph_context, error=error, links=links))


def title(rel: str) -> str:
    """The page's first heading's text: the path in code style, quoted as git quotes odd names
    (a newline in a name would otherwise end the heading)."""
    return code(quote_path(rel))


#: The language named for an extensionless script, by its shebang's interpreter.
SCRIPT_LANGUAGES = {
    "bash": "Shell script",
    "python": "Python script",
    "javascript": "Node.js script",
    "ruby": "Ruby script",
    "perl": "Perl script",
}


def _language(rel: str, source: str = "") -> str:
    ext = PurePosixPath(rel).suffix.lstrip(".").lower()
    if not ext:
        script = shebang_language(source[:256].encode())
        return SCRIPT_LANGUAGES.get(script or "", "Text")
    return LANGUAGES.get(ext, ext.upper())


def _stats(source: str) -> str:
    lines = source.count("\n") + (0 if source.endswith("\n") else 1)
    return f"{lines} lines, {len(source.encode('utf-8'))} bytes"


def _context_section(graph_context: str | None) -> list[Block]:
    return [heading(2, "Neighbours"), *context_blocks(graph_context)] if graph_context else []


def context_blocks(graph_context: str) -> list[Block]:
    """The graph context (:func:`reactor.graph.format_context`, also the shell protocol's text)
    as blocks: its ``- `` lines a list under the line above them, every other line a
    paragraph's; each line's text escaped, since paths, names and signatures are the
    source's."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", graph_context.strip()):
        lines = chunk.split("\n")
        items = [inline(line[2:]) for line in lines if line.startswith("- ")]
        rest = [inline(line) for line in lines if not line.startswith("- ")]
        if items and len(rest) <= 1 and all(line.startswith("- ") for line in lines[1:]):
            blocks.append(bullets(items, lead=rest[0] if rest else ""))
        else:
            blocks.append(paragraph("\n".join(inline(line) for line in lines)))
    return blocks


def generic_page(
    rel: str, source: str, graph_context: str | None, *, error: str = "", links: Path | None = None
) -> str:
    """Language, size and the leading comment block: what a reader checks first (``error``:
    why the parser could not read it, said rather than leaving an empty page; ``links``: the
    repo root, when the doc links to its directory's page and its neighbours' docs)."""
    page = Page(heading(1, title(rel)))
    if not source.strip():
        page.add(paragraph(f"*Empty {inline(_language(rel))} file.*"))
        return page.text()
    page.add(paragraph(f"*{inline(_language(rel, source))} source — {_stats(source)}.*"))
    if links is not None:
        page.add(doclinks.up(rel))
    if error:
        page.add(paragraph(f"*Not parsed ({inline(error)}): nothing of it is listed.*"))
    comment = leading_comment(source)
    if comment:
        page.add(heading(2, "Leading comment"), quote(prose("\n".join(comment))))
    page.add(*_context_section(graph_context))
    if links is not None:
        page.add(*doclinks.neighbours(rel, graph_context, links))
    return page.text()


def leading_comment(source: str) -> list[str]:
    """The first comment block of a file that says what it is, comment markers stripped.

    Passed over: a shebang, ``<?php``, pragmas and modelines (``frozen_string_literal: true``,
    ``-*- coding: utf-8 -*-``, ``vim: set ts=2:``), and whole licence or copyright blocks; the
    next block is taken instead."""
    block: list[str] = []
    for raw in source.splitlines():
        line = raw.strip()
        if not block and (line.startswith(("#!", "<?php")) or PRAGMA.match(line)):
            continue
        marker = next((p for p in COMMENT_PREFIXES if line.startswith(p)), None)
        if marker is None:
            if line:
                break  # code: the header ends
            if block and not _skipped(block):
                break
            block = []  # a blank line ends a block; a licence block is passed over
            continue
        text = line[len(marker) :].removesuffix("*/").strip()
        if PRAGMA.match(text):
            continue
        if text or block:
            block.append(text)
    if _skipped(block):
        return []
    block = without_directives(block)
    while block and not block[-1]:
        block.pop()
    return block[:MAX_LEADING_COMMENT_LINES]


def _skipped(block: list[str]) -> bool:
    """A block with nothing but copyright and tool lines, or a licence."""
    kept = without_directives(block)
    return not any(kept) or is_licence("\n".join(kept))


#: How a non-public symbol is marked, per visibility (the language's own word where it has one).
VISIBILITY_WORDS = {
    "private": "private",
    "protected": "protected",
    "internal": "internal",
    "package": "package-private",
    "crate": "crate-visible",
}
#: Values listed per section, beyond which the rest are counted.
MAX_VALUES = 40


def facts_page(
    rel: str,
    source: str,
    facts: Facts,
    graph_context: str | None,
    *,
    caveats: Sequence[str] = (),
    links: Path | None = None,
) -> str:
    """The outline of a file from its facts: the same layout for every language (``caveats``:
    a model's, for a grounded doc)."""
    noun = "module" if facts.language == "python" else "source"
    package = f", package {code(facts.package)}" if facts.package else ""
    stats = f"*{inline(_language(rel, source))} {noun} — {_stats(source)}{package}.*"
    page = Page(heading(1, title(rel)), paragraph(stats))
    if links is not None:
        page.add(doclinks.up(rel))
    if facts.error:
        page.add(paragraph(f"*Partly parsed ({inline(facts.error)}): the list may be incomplete.*"))
    doc = prose(facts.doc)
    if doc:
        page.add(heading(2, "Purpose"), *doc)
    types = [s for s in facts.symbols if s.kind in TYPE_KINDS]
    # a module without members (Rust's `mod x;`) is a value, listed once, not an empty heading
    headed = [
        (symbol, members)
        for symbol, members in zip(types, _members_by_type(facts), strict=True)
        if members or symbol.kind != "module"
    ]
    if headed:
        page.add(heading(2, "Types"))
        for symbol, members in public_first(headed):
            shown = symbol.signature or f"{symbol.kind} {symbol.name}"
            within = f" in {code(_outer(symbol, shown))}" if _outer(symbol, shown) else ""
            page.add(heading(3, f"{code(shown)}{_marker(symbol)}{within}"))
            if symbol.doc.strip():
                page.add(paragraph(inline(symbol.doc)))
            if members:
                page.add(bullets(_entries(members)))
    owners = {s.name for s in types}
    modules = {symbol.name for symbol, _ in headed if symbol.kind == "module"}
    loose_methods = [s for s in facts.symbols if s.kind == "method" and s.parent not in owners]
    functions = [s for s in facts.top_level() if s.kind == "function"]
    if functions or loose_methods:
        page.add(heading(2, "Functions"), bullets(_entries(functions + loose_methods, bound=False)))
    macros = [s for s in facts.top_level() if s.kind == "macro"]
    if macros:
        page.add(heading(2, "Macros"), bullets(_entry(s) for s in macros))
    values = [
        s
        for s in facts.top_level()
        if s.kind in ("const", "variable", "field", "module") and s.name not in modules
    ]
    values += [
        s for s in facts.symbols if s.parent and s.parent not in owners and s.kind != "method"
    ]
    if values:
        section = "Constants and variables" if facts.language == "python" else "Values and modules"
        page.add(heading(2, section), bullets(_entries(values)))
    reexports = [s for s in facts.top_level() if s.kind == "reexport"]
    if reexports:  # names other modules declare, passed on as this one's
        page.add(heading(2, "Re-exports"), bullets(_entries(reexports)))
    if facts.imports:
        page.add(heading(2, "Imports"), paragraph(", ".join(code(i) for i in facts.imports)))
    if caveats:
        page.add(heading(2, "Caveats"), bullets(inline(c) for c in caveats))
    page.add(*_context_section(graph_context))
    if links is not None:
        page.add(*doclinks.neighbours(rel, graph_context, links))
    return page.text()


def _members_by_type(facts: Facts) -> list[list[Symbol]]:
    """Each type's members, by position: a name may head two sections (a Scala class and its
    companion object, a Swift type and its extension, a reopened Ruby class), each with the
    members declared in it."""
    sections: list[list[Symbol]] = []
    current: dict[str, int] = {}
    for symbol in facts.symbols:
        if symbol.kind in TYPE_KINDS:
            current[symbol.name] = len(sections)
            sections.append([])
        elif symbol.parent in current:
            sections[current[symbol.parent]].append(symbol)
    return sections


_PATH_NAME = re.compile(r"[\w$]+(?:::[\w$]+)+")


def _outer(symbol: Symbol, shown: str) -> str:
    """What a nested type is declared in, when its heading does not say: its parent, or the
    namespace its full name carries (Ruby's ``Shop::Cart`` declared as ``class Cart``)."""
    if symbol.parent:
        return symbol.parent
    if not _PATH_NAME.fullmatch(symbol.name):
        return ""  # (a Rust `impl fmt::Debug for X` is a heading, not a path)
    outer = symbol.name.rpartition("::")[0]
    return outer if outer and symbol.name not in shown else ""


def _marker(symbol: Symbol) -> str:
    words = [VISIBILITY_WORDS.get(symbol.visibility, ""), *symbol.marks]
    return "".join(f" *({inline(word)})*" for word in words if word)


#: The order a list shows its entries in: what other code may use first.
_AUDIENCE = ("public", "protected", "internal", "package", "crate", "private")


def public_first(items: list[T]) -> list[T]:
    """``items`` (symbols, or pairs led by one) with the public ones first, each group in
    source order: a reader looks for the API, and a cut list keeps it."""

    def rank(item: T) -> int:
        symbol = item[0] if isinstance(item, tuple) else item
        return _AUDIENCE.index(symbol.visibility) if isinstance(symbol, Symbol) else 0

    return sorted(items, key=rank)


def _entries(symbols: list[Symbol], *, bound: bool = True) -> list[str]:
    """The list items of ``symbols``, public ones first; at most :data:`MAX_VALUES` when
    ``bound``, the rest counted (so a cut takes private members before public ones)."""
    ordered = public_first(symbols)
    cut = MAX_VALUES if bound else len(ordered)
    shown = [_entry(s) for s in ordered[:cut]]
    if len(ordered) > cut:
        hidden = ordered[cut:]
        private = sum(1 for s in hidden if not s.exported)
        detail = f", {private} not public" if private else ""
        shown.append(f"… (+{len(hidden)} more{detail})")
    return shown


def _entry(symbol: Symbol) -> str:
    owner = f"{symbol.parent}::" if symbol.parent and symbol.kind == "method" else ""
    signature = symbol.signature or f"{owner}{symbol.name}"
    doc = inline(symbol.doc)
    return f"{code(signature)}{_marker(symbol)}" + (f" — {doc}" if doc else "")
