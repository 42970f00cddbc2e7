"""What a source file declares and imports, in one shape for every language.

:func:`extract` reads one file's bytes into :class:`Facts`: its top-level symbols (functions,
types, methods under their type, constants) with signatures, the summary of each one's doc
comment and whether it is exported, and its import statements as written. Python is parsed with
``ast``; JavaScript, TypeScript (and TSX), Go, Rust, Java, C and C++ with tree-sitter's official
grammar wheels (:mod:`reactor.facts.treesitter`), which need no download at run time and tolerate
syntax errors. Facts are extracted when a file's content changes, never on a sweep of unchanged
files; the outline backend re-extracts from the source it is given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

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
}
SIGNATURE_CHARS = 160
#: Bumped whenever an extractor changes what it finds: stored facts of another version are
#: extracted again from the source the next time it is read.
FACTS_VERSION = 2


@dataclass(frozen=True)
class Symbol:
    """One declaration: ``kind`` is function, method, class, struct, interface, enum, trait,
    type, const or module; ``parent`` names the type a method belongs to."""

    kind: str
    name: str
    signature: str = ""
    doc: str = ""
    exported: bool = True
    parent: str = ""

    @property
    def label(self) -> str:
        """The index's short form, shown beside a neighbour: ``def f``, ``class C``, ``fn f``."""
        word = {"function": "def", "method": "def", "const": ""}.get(self.kind, self.kind)
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

    def top_level(self) -> list[Symbol]:
        return [s for s in self.symbols if not s.parent]

    def to_json(self) -> str:
        """The index's form: facts are extracted once per content and stored, not re-parsed."""
        return json.dumps(
            {
                "version": FACTS_VERSION,
                "language": self.language,
                "symbols": [
                    (s.kind, s.name, s.signature, s.doc, s.exported, s.parent) for s in self.symbols
                ],
                "imports": self.imports,
                "doc": self.doc,
                "package": self.package,
                "resolved": self.resolved,
                "names": self.names,
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
            [Symbol(*fields) for fields in data["symbols"]],
            data["imports"],
            data["doc"],
            data["package"],
            data["resolved"],
            data["names"],
        )

    def members(self, parent: str) -> list[Symbol]:
        return [s for s in self.symbols if s.parent == parent]


def language_of(rel: str) -> str | None:
    return LANGUAGE_OF.get(PurePosixPath(rel).suffix.lstrip(".").lower())


def extract(rel: str, data: bytes) -> Facts | None:
    """The facts of ``rel`` (``None``: not a language understood here, or unparseable Python)."""
    language = language_of(rel)
    if language is None:
        return None
    if language == "python":
        from .python import python_facts

        return python_facts(rel, data)
    from .treesitter import tree_sitter_facts

    return tree_sitter_facts(language, data)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\[*_])")


def summary(doc: str, *, limit: int = 300) -> str:
    """The first sentence of a doc's first paragraph, joined onto one line.

    Not its first *line*: a docstring wrapped mid-sentence ("Common behavior shared between
    :class:`~flask.Flask` and") would stop in the middle.
    """
    paragraph = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0]
    text = " ".join(paragraph.split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def one_line(text: str) -> str:
    """A signature on one line, bounded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= SIGNATURE_CHARS else flat[: SIGNATURE_CHARS - 1] + "…"
