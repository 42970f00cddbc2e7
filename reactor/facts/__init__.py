"""What a source file declares and imports, in one shape for every language.

:func:`extract` reads one file's bytes into :class:`Facts`: its symbols (types with their
members, functions, constants, variables, fields, macros) with signatures, the summary of each
one's doc comment and its visibility, and its imports as written (with the names each brings
in). Python is parsed with ``ast`` (:mod:`.python`); every other language with tree-sitter's
official grammar wheels, one module per language on the walker they share (:mod:`.walker`),
which need no download at run time and tolerate syntax errors; Vue and Svelte components
through their script blocks (:mod:`.components`), extensionless scripts by their shebang. Each
language module also knows how its ecosystem resolves imports to repo files (:mod:`.resolve`
asks it). Facts are extracted
once per content and stored in the index; the outline backend reads them from there.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Protocol

#: Extensions understood beyond a generic page, by language.
LANGUAGE_OF = {
    "py": "python",
    "pyi": "python",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "ts": "typescript",
    "mts": "typescript",
    "cts": "typescript",
    "tsx": "tsx",
    "go": "go",
    "rs": "rust",
    "java": "java",
    "c": "c",
    "h": "cpp",  # C and C++ headers look alike; the C++ grammar reads both
    "cc": "cpp",
    "cpp": "cpp",
    "cxx": "cpp",
    "hh": "cpp",
    "hpp": "cpp",
    "hxx": "cpp",
    "rb": "ruby",
    "rake": "ruby",
    "gemspec": "ruby",
    "php": "php",
    "kt": "kotlin",
    "kts": "kotlin",
    "cs": "csharp",
    "swift": "swift",
    "scala": "scala",
    "sc": "scala",
    "sh": "bash",
    "bash": "bash",
    "zsh": "bash",
    "lua": "lua",
    "vue": "vue",
    "svelte": "svelte",
}
#: Interpreters a shebang may name, and the language of an extensionless script that names one.
SHEBANG_LANGUAGES = {
    "sh": "bash",
    "bash": "bash",
    "dash": "bash",
    "ksh": "bash",
    "zsh": "bash",
    "python": "python",
    "node": "javascript",
    "nodejs": "javascript",
    "ruby": "ruby",
    "perl": "perl",
}
SIGNATURE_CHARS = 160
#: Bumped whenever an extractor changes what it finds: stored facts of another version are
#: extracted again from the source the next time it is read.
FACTS_VERSION = 11  # 11: the oracle rounds (C/C++, C# projects, Scala, Lua, Go, Kotlin, PHP)

#: Who may use a symbol, as a small enum (each language's spelling is in the signature, and the
#: outline shows the non-public ones): ``package`` is Java's package-private (and Go's
#: unexported), ``crate`` Rust's ``pub(crate)``/``pub(super)``/``pub(in …)``, ``internal``
#: Kotlin's, Swift's and C#'s module-wide visibility.
Visibility = Literal["public", "protected", "internal", "package", "crate", "private"]
#: The kinds that head a section of their own in the outline (a type with its members).
TYPE_KINDS = (
    "class",
    "struct",
    "union",
    "interface",
    "trait",
    "enum",
    "record",
    "type",
    "annotation",
    "namespace",
    "impl",
    "module",
    "object",
    "protocol",
    "extension",
)


@dataclass(frozen=True)
class Symbol:
    """One declaration: ``kind`` is a type kind (:data:`TYPE_KINDS`), function, method, const,
    variable, field, macro or module; ``parent`` names the type (or namespace) it belongs to."""

    kind: str
    name: str
    signature: str = ""
    doc: str = ""
    visibility: Visibility = "public"
    parent: str = ""
    #: What changes its meaning beyond its signature, shown beside it: ``deprecated``.
    marks: tuple[str, ...] = ()

    @property
    def exported(self) -> bool:
        """Usable from outside its module."""
        return self.visibility == "public"

    @property
    def shared(self) -> bool:
        """Usable by another file of the project (what a neighbour's doc can show): public,
        or package-, crate- or module-wide (Java's package-private, Swift's and C#'s
        ``internal``)."""
        return self.visibility in ("public", "package", "crate", "internal")

    @property
    def label(self) -> str:
        """The index's short form, shown beside a neighbour: ``def f``, ``class C``, ``fn f``."""
        word = {"function": "def", "method": "def", "const": "", "variable": ""}.get(
            self.kind, self.kind
        )
        name = f"{self.parent}.{self.name}" if self.parent else self.name
        return f"{word} {name}".strip()


@dataclass
class Facts:
    """A file's declarations and imports (``imports`` as written: modules, paths, headers)."""

    language: str
    symbols: list[Symbol] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    doc: str = ""  # the file's own leading doc (module docstring, //! or package comment)
    package: str = ""  # Go's package clause, Java's package declaration
    #: Imports already resolved to what the index keys by (Python: absolute dotted modules,
    #: relative ones included); empty: :mod:`reactor.facts.resolve` resolves ``imports``.
    resolved: list[str] = field(default_factory=list)
    #: The names each import brings in (keyed like ``resolved`` for Python, like ``imports``
    #: otherwise): ``from m import a, b`` → ``{"m": ["a", "b"]}``; none for ``import m``.
    names: dict[str, list[str]] = field(default_factory=dict)
    #: What the file may use without importing it, resolved like imports but not listed as
    #: any: Java's same-package types (``p.Helper``), each with its name in ``names``.
    references: list[str] = field(default_factory=list)
    #: Where the parser could not read the file (``syntax error at line 3``): what is listed
    #: may be incomplete, and the page says so.
    error: str = ""

    def top_level(self) -> list[Symbol]:
        return [s for s in self.symbols if not s.parent]

    def to_json(self) -> str:
        """The index's form: facts are extracted once per content and stored, not re-parsed."""
        return json.dumps(
            {
                "version": FACTS_VERSION,
                "language": self.language,
                "symbols": [
                    (s.kind, s.name, s.signature, s.doc, s.visibility, s.parent, s.marks)
                    for s in self.symbols
                ],
                "imports": self.imports,
                "doc": self.doc,
                "package": self.package,
                "resolved": self.resolved,
                "names": self.names,
                "references": self.references,
                "error": self.error,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Facts | None:
        """``None`` when they were extracted by another version of the extractors."""
        data = json.loads(text)
        if data.get("version") != FACTS_VERSION:
            return None
        return cls(
            data["language"],
            [
                Symbol(kind, name, signature, doc, visibility, parent, tuple(marks))
                for kind, name, signature, doc, visibility, parent, marks in data["symbols"]
            ],
            data["imports"],
            data["doc"],
            data["package"],
            data["resolved"],
            data["names"],
            data["references"],
            data["error"],
        )


#: File names whose change can change how imports resolve (:mod:`.resolve` reads them). The
#: walk reports each one it passes; a change re-resolves the repo's stored facts.
MANIFESTS = frozenset(
    {
        "go.mod",
        "go.work",
        "Cargo.toml",
        "package.json",
        "pnpm-workspace.yaml",
        "tsconfig.json",
        "jsconfig.json",
        "compile_commands.json",
        "CMakeLists.txt",
        "Makefile",
        "makefile",
        "GNUmakefile",
        "meson.build",
        "composer.json",
        "Package.swift",
    }
)


def is_manifest(name: str) -> bool:
    """Whether a file of this base name is a manifest (``tsconfig.base.json``, a gemspec, a
    ``.csproj`` too)."""
    return (
        name in MANIFESTS
        or (name.startswith("tsconfig") and name.endswith(".json"))
        or name.endswith((".gemspec", ".csproj"))
    )


class Project(Protocol):
    """What an ecosystem's resolver reads of the repo: manifests, cached, and where they are
    (found by the index's scans, never by walking the tree again)."""

    root: Path

    def read_text(self, rel: str) -> str | None: ...

    def read_json(self, rel: str) -> Any: ...

    def named(self, name: str) -> list[str]: ...

    def named_like(self, suffix: str) -> list[str]: ...


def join(directory: str, path: str) -> str:
    """A path relative to a repo folder, normalised (``a/b`` + ``../c`` → ``a/c``)."""
    return posixpath.normpath(posixpath.join(directory, path) if directory else path)


def nearest(manifests: list[str], rel: str) -> list[str]:
    """The manifests whose folder holds ``rel``, nearest first."""
    above = [m for m in manifests if rel.startswith(posixpath.dirname(m) + "/") or "/" not in m]
    return sorted(above, key=len, reverse=True)


def path_keys(candidates: list[str]) -> list[str]:
    """``path:`` keys of the candidate repo paths that stay inside the repo, once each."""
    keep = (c for c in candidates if c and not c.startswith(("..", "/")) and c != ".")
    return [f"path:{c}" for c in dict.fromkeys(keep)]


def glob_match(pattern: str, path: str) -> bool:
    """Whether a repo path matches a workspace glob (``packages/*``, ``crates/**``): ``*`` and
    ``?`` stay within one path segment, ``**`` spans any number of them."""
    regex = ""
    for part in re.split(r"(\*\*/?|\*|\?)", posixpath.normpath(pattern)):
        if part.startswith("**"):
            regex += "(?:.*/)?" if part.endswith("/") else ".*"
        elif part == "*":
            regex += "[^/]*"
        elif part == "?":
            regex += "[^/]"
        else:
            regex += re.escape(part)
    return re.fullmatch(regex, path) is not None


def language_of(rel: str, data: bytes | None = None) -> str | None:
    """The language of ``rel`` by its extension, or of an extensionless script by the
    interpreter its shebang names (``data``: its first bytes at least)."""
    suffix = PurePosixPath(rel).suffix
    if suffix:
        return LANGUAGE_OF.get(suffix.lstrip(".").lower())
    return shebang_language(data) if data is not None else None


def shebang_language(data: bytes) -> str | None:
    """``#!/usr/bin/env python3`` → ``python``, ``#!/bin/sh -e`` → ``bash``; ``None`` without
    a shebang naming one of :data:`SHEBANG_LANGUAGES`."""
    if not data.startswith(b"#!"):
        return None
    words = data[2 : data.find(b"\n") if b"\n" in data else 200].decode("utf-8", "replace").split()
    if words and words[0].endswith("/env"):
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    if not words:
        return None
    interpreter = re.sub(r"[\d.]+$", "", words[0].rsplit("/", 1)[-1])
    return SHEBANG_LANGUAGES.get(interpreter)


#: The module that extracts each language (a module name under ``reactor.facts``).
EXTRACTORS = {
    "python": "python",
    "javascript": "javascript",
    "typescript": "javascript",
    "tsx": "javascript",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "c",
    "ruby": "ruby",
    "php": "php",
    "kotlin": "kotlin",
    "csharp": "csharp",
    "swift": "swift",
    "scala": "scala",
    "bash": "shell",
    "lua": "lua",
    "vue": "components",
    "svelte": "components",
}


def understood_language(rel: str, data: bytes) -> bool:
    """Whether :func:`extract` has an extractor for ``rel`` (a file of another language has
    no stored facts, and needs none)."""
    return language_of(rel, data[:256]) in EXTRACTORS


def extract(rel: str, data: bytes) -> Facts | None:
    """The facts of ``rel`` (``None``: not a language understood here, or unparseable Python)."""
    language = language_of(rel, data)
    if language is None or language not in EXTRACTORS:
        return None
    module = importlib.import_module(f".{EXTRACTORS[language]}", __name__)
    facts: Facts | None = module.extract(rel, language, data)
    return facts


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\[*_])")
#: Words whose full stop ends no sentence ("e.g. Foo", "etc. The").
_ABBREVIATION = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|approx|resp|incl|Mr|Mrs|Dr|St|No)\.$", re.I)
#: A paragraph that is code, not prose: a doctest, a shell prompt, a fence line alone, an
#: assertion, a call, a signature or an assignment of a call alone.
_CODE_PARAGRAPH = re.compile(
    r"^(>>>|\$ |\.\.\. |(```|~~~)[\w+-]*$|assert\s|[{}\[\]]$"
    r"|[\w.]+\(.*\)\s*(->.*)?:?$|[\w.]+ = [\w.]+\(.*\)$)"
)
#: A heading line (Markdown's ``# Title``, RDoc's ``= Title``) or a title's underline (reST,
#: setext): a page's structure, never a sentence of it.
_HEADING_LINE = re.compile(r"^\s*(#{1,6}|={1,6})(\s|$)")
_UNDERLINE = re.compile(r"^\s*([=\-~^*#+])\1{2,}\s*$")
#: A row of badges (``[![crates-io]](https://…)&ensp;[![docs]](…)``): images and links only.
_BADGES = re.compile(r"\[?!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])?\]?(?:\([^)]*\))?|&\w+;|\s+")
#: A fenced code block (Markdown) with its closing fence (one never closed is taken as text).
_FENCED = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_CODE_MARK = "\0"  # (what a fenced block becomes: a paragraph known to be code)
#: A Markdown link reference definition (``[github]: https://…``): no prose.
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+")
#: A Markdown link in prose, shown by its text: ``[`Error`][Error]``, ``[docs](https://…)``,
#: an intra-doc ``[`Error`]``.
_LINK = re.compile(r"\[([^\[\]]+)\](?:\([^)\s]*\)|\[[^\]]*\])|\[(`[^`\]]+`)\]")
#: A summary that takes in the code after its colon keeps at most this much of it.
_CODE_AFTER_COLON = 60


#: A paragraph that is a licence notice (``Licensed under …``, ``Copyright (c) …``), which a
#: crate's ``//!`` or a module docstring may open with: never a summary.
_LICENCE_LEAD = re.compile(
    r"\W*(?:licen[cs]ed\b|copyright\b|\(c\)|©|SPDX-License|all rights reserved"
    r"|permission is hereby granted)",
    re.IGNORECASE,
)


def summary(doc: str, *, limit: int = 300) -> str:
    """The first sentence of a doc's first prose paragraph, joined onto one line.

    Not its first *line*: a docstring wrapped mid-sentence ("Common behavior shared between
    :class:`~flask.Flask` and") would stop in the middle. Headings (``# Serde JSON``, a title
    underlined) and a first paragraph that is code (a signature line, a doctest) are passed
    over; a sentence that ends at a colon ("Returns:", "Same as:") takes in what follows it —
    its first sentence when that is prose, the code itself (as a code span) when it is code.
    """
    if not doc:
        return ""
    if "\n" in doc:
        doc = _sentence_lines(doc)
    if "```" in doc or "~~~" in doc:  # a fenced block is one code paragraph, blank lines and all
        doc = _FENCED.sub(lambda m: f"\n\n{_CODE_MARK}{' '.join(m.group(2).split())}\n\n", doc)
    paragraphs = _prose_paragraphs(doc.strip())
    while paragraphs and (
        paragraphs[0].startswith(_CODE_MARK)
        or _CODE_PARAGRAPH.match(paragraphs[0].strip().split("\n")[0])
        or _LICENCE_LEAD.match(paragraphs[0])
    ):
        paragraphs.pop(0)  # (a doc that is all code, or a licence, has no sentence to give)
    if not paragraphs:
        return ""
    text = " ".join(paragraphs[0].split())
    if "](" in text or "][" in text or "[`" in text:
        text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    first = first_sentence(text)
    if first.endswith(":") and first == text and len(paragraphs) > 1:
        following = paragraphs[1]
        flat = " ".join(following.removeprefix(_CODE_MARK).split())
        code_like = following.startswith((" ", "\t", _CODE_MARK)) or _CODE_PARAGRAPH.match(flat)
        if not code_like:
            first = f"{first} {first_sentence(flat)}"
        elif flat:
            code = flat if len(flat) <= _CODE_AFTER_COLON else flat[:_CODE_AFTER_COLON] + " …"
            first = f"{first} `{code.replace('`', '')}`"
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


#: A line ending in a word, the next opening with a capitalised word: a sentence without its full
#: stop when the author broke the line where that word would still have fit (``# Allows a
#: timeout\n# Timeout is in seconds.``); a line wrapped at the doc's width runs on.
_UNSTOPPED_LINE = re.compile(r"(?m)^(.*[a-z0-9)])\n([ \t]*)([A-Z][a-z]*)\b")
#: The narrowest width a doc is taken to be wrapped at.
_MIN_WRAP_WIDTH = 60


def _sentence_lines(doc: str) -> str:
    """``doc`` with a paragraph break after each line that ends a sentence without its stop."""
    width = max(_MIN_WRAP_WIDTH, *(len(line.rstrip()) for line in doc.split("\n")))

    def split(match: re.Match[str]) -> str:
        line, indent, word = match.groups()
        fits = len(line.rstrip()) + 1 + len(word) <= width
        ends = fits or line.split()[-1].startswith(("http://", "https://"))  # (a link ends it)
        return f"{line}\n\n{indent}{word}" if ends else match.group(0)

    return _UNSTOPPED_LINE.sub(split, doc)


def _prose_paragraphs(doc: str) -> list[str]:
    """The paragraphs of ``doc``, heading lines and titles with their underlines left out."""
    if "\n" not in doc:
        return [] if _HEADING_LINE.match(doc) or not _BADGES.sub("", doc) else [doc]
    out = []
    for paragraph in _PARAGRAPH_BREAK.split(doc):
        lines = paragraph.split("\n")
        kept = [
            line
            for i, line in enumerate(lines)
            if not _HEADING_LINE.match(line)
            and not _UNDERLINE.match(line)
            and not (i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1]))
            and not _LINK_DEFINITION.match(line)
        ]
        if any(line.strip() for line in kept) and _BADGES.sub("", "".join(kept)):
            out.append("\n".join(kept))
    return out


def first_sentence(text: str) -> str:
    """``text`` up to the end of its first sentence (an abbreviation's stop ends none)."""
    for match in _SENTENCE_END.finditer(text):
        if not _ABBREVIATION.search(text[: match.start()]):
            return text[: match.start()]
    return text


def one_line(text: str) -> str:
    """A signature on one line, bounded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= SIGNATURE_CHARS else flat[: SIGNATURE_CHARS - 1] + "…"
