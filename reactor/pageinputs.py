"""What a directory's page is made from: a :class:`DirRecord`, computed from the index alone.

A page must be true by construction and change only when what it says changes, so its record
holds nothing a body-only edit moves: each direct source file with its language, the summary of
its own doc, its public names and an *interface digest* (what other files see of it: its
symbols' signatures and its summary), how many files import it and whether it is an entry point;
the subdirectories with their summaries and sizes (in files); the directory's purpose (its
package's own doc, else the first paragraph of a README beside the sources); and the directories
it uses and that use it, aggregated from the same file edges the file docs show
(:func:`reactor.graph.neighbours`), with the names most used across them.

Entry points by convention are found here (``package main``, ``fn main``, ``if __name__ ==
"__main__"``, ``__main__.py``, shebang scripts); the repository page's summary of every record is
:mod:`reactor.pagerepo`'s.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .backends.outline import LANGUAGES
from .facts import Facts, summary
from .graph import SOURCE_ROOTS, neighbours
from .inputs import digest
from .markdown import code

if TYPE_CHECKING:
    from .index import FileIndex


def listed(table: str = "") -> str:
    """SQL for the sources a page lists: documentable ones and those unreadable for now (their
    docs stay), not those the backend declined (not documented, on purpose)."""
    t = f"{table}." if table else ""
    return (
        f"({t}skip IS NULL OR {t}skip = 'unreadable')"
        f" AND NOT coalesce({t}last_result LIKE 'noop:%' AND {t}failed_blake3 IS {t}blake3, 0)"
    )


LISTED = listed()
#: Where a directory's own doc may be, by file name, in order (its package's doc comes first).
PACKAGE_DOCS = ("__init__.py", "doc.go", "mod.rs", "lib.rs", "main.rs", "package-info.java")
READMES = ("README.md", "README.rst", "README.txt", "README")
_GUARD = re.compile(rb"^if\s+__name__\s*==\s*(['\"])__main__\1\s*:", re.MULTILINE)
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>")
#: Emphasis around words (``*a*``, ``__b__``), not the underscores inside ``snake_case``.
_EMPHASIS = re.compile(r"(?<![\w*_])(\*{1,2}|_{1,2})(\S(?:.*?\S)?)\1(?![\w*_])")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")


def dir_of(rel: str) -> str:
    """The directory of a repo path (``""``: the root)."""
    return posixpath.dirname(rel)


def parent_of(rel_dir: str) -> str | None:
    """The directory above ``rel_dir`` (``None`` for the root)."""
    return None if rel_dir == "" else posixpath.dirname(rel_dir)


@dataclass(frozen=True)
class FileEntry:
    """One source directly in a directory, as its page shows it."""

    path: str
    language: str
    summary: str
    names: tuple[str, ...]
    interface: str
    importers: int
    entry: str  # why it is an entry point ("": it is not)


@dataclass(frozen=True)
class Link:
    """Files of one directory importing files of ``dir`` (``imports``: file pairs), and the
    names they use, most used first, with how many files use each."""

    dir: str
    imports: int
    names: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Subdir:
    dir: str
    summary: str
    files: int  # sources under it, at any depth


@dataclass(frozen=True)
class DirRecord:
    """Everything a directory's page says (see the module docstring)."""

    dir: str
    purpose: str = ""
    purpose_from: str = ""
    files: tuple[FileEntry, ...] = ()
    subdirs: tuple[Subdir, ...] = ()
    uses: tuple[Link, ...] = ()
    used_by: tuple[Link, ...] = ()

    @property
    def summary(self) -> str:
        """One sentence of purpose, for the pages above it."""
        return summary(self.purpose) if self.purpose else ""

    @property
    def total(self) -> int:
        return len(self.files) + sum(s.files for s in self.subdirs)

    @property
    def empty(self) -> bool:
        return not self.files and not self.subdirs

    def content(self) -> list[Any]:
        """What the header digest covers: all but the edges."""
        files = [(f.path, f.language, f.summary, f.names, f.interface, f.entry) for f in self.files]
        subdirs = [(s.dir, s.summary, s.files) for s in self.subdirs]
        return [self.dir, self.purpose, self.purpose_from, files, subdirs]

    def edges(self) -> list[Any]:
        """What the inputs comment's ``neighbours`` digest covers: the edges shown."""
        links = [[(k.dir, k.imports, k.names) for k in side] for side in (self.uses, self.used_by)]
        return [*links, [(f.path, f.importers) for f in self.files]]

    def to_json(self) -> str:
        data = {
            "dir": self.dir,
            "purpose": self.purpose,
            "purpose_from": self.purpose_from,
            "files": [f.__dict__ for f in self.files],
            "subdirs": [s.__dict__ for s in self.subdirs],
            "uses": [k.__dict__ for k in self.uses],
            "used_by": [k.__dict__ for k in self.used_by],
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> DirRecord:
        data = json.loads(text)
        return cls(
            data["dir"],
            data["purpose"],
            data["purpose_from"],
            tuple(FileEntry(**{**f, "names": tuple(f["names"])}) for f in data["files"]),
            tuple(Subdir(**s) for s in data["subdirs"]),
            *(tuple(_link(k) for k in data[side]) for side in ("uses", "used_by")),
        )


def _link(data: dict[str, Any]) -> Link:
    return Link(data["dir"], data["imports"], tuple((n, c) for n, c in data["names"]))


def language_name(rel: str, facts: Facts | None) -> str:
    ext = PurePosixPath(rel).suffix.lstrip(".").lower()
    if ext:
        return LANGUAGES.get(ext, ext.upper())
    return f"{facts.language.capitalize()} script" if facts is not None else "Script"


def compute(index: FileIndex, root: str, rel_dir: str, summaries: Mapping[str, str]) -> DirRecord:
    """The record of ``rel_dir`` as the index has it now; ``summaries``: the subdirectories'
    summaries (their records are computed first, deepest first)."""
    rows = _direct_files(index, rel_dir)
    facts = {path: Facts.from_json(text) if text else None for path, _, text in rows}
    imports: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    importers: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for path, _, _ in rows:
        out, back = neighbours(index, path)
        imports[path] = [(n.path, n.shown) for n in out if not n.relation]
        importers[path] = [(n.path, n.shown) for n in back if not n.relation]
    files = tuple(
        _entry(root, path, symbols or "", facts[path], len(importers[path]))
        for path, symbols, _ in rows
    )
    purpose, source = _purpose(root, rel_dir, facts)
    subdirs = tuple(
        Subdir(sub, summaries.get(sub, ""), count) for sub, count in _subdirs(index, rel_dir)
    )
    names_of = _names_by_signature(index, {p for links in imports.values() for p, _ in links})
    uses = _links(
        rel_dir,
        (
            (target, [names_of.get(target, {}).get(s, s) for s in shown])
            for links in imports.values()
            for target, shown in links
        ),
    )
    used_by = _links(
        rel_dir, ((source, list(shown)) for links in importers.values() for source, shown in links)
    )
    return DirRecord(rel_dir, purpose, source, files, subdirs, uses, used_by)


def _direct_files(index: FileIndex, rel_dir: str) -> list[tuple[str, str, str]]:
    """``(path, symbols, facts)`` of the documentable sources right in ``rel_dir``."""
    columns = f"SELECT path, symbols, facts FROM files WHERE {LISTED}"
    if rel_dir == "":
        return index.read(f"{columns} AND instr(path, '/') = 0 ORDER BY path")
    prefix = rel_dir + "/"
    return index.read(
        f"{columns} AND path > ? AND path < ? AND instr(substr(path, ?), '/') = 0 ORDER BY path",
        (prefix, rel_dir + "0", len(prefix) + 1),
    )


def _subdirs(index: FileIndex, rel_dir: str) -> list[tuple[str, int]]:
    """The directories right below ``rel_dir`` that hold sources, with how many (any depth)."""
    start = len(rel_dir) + 2 if rel_dir else 1
    sub = f"substr(path, 1, {start - 1} + instr(substr(path, {start}), '/') - 1)"
    where = f"{LISTED} AND instr(substr(path, ?), '/') > 0"
    args: tuple[object, ...] = (start,)
    if rel_dir:
        where += " AND path > ? AND path < ?"
        args += (rel_dir + "/", rel_dir + "0")
    sql = f"SELECT {sub} AS sub, count(*) FROM files WHERE {where} GROUP BY sub ORDER BY sub"
    return [(str(d), int(n)) for d, n in index.read(sql, args)]


def _names_by_signature(index: FileIndex, paths: set[str]) -> dict[str, dict[str, str]]:
    """Per file, its symbols' signatures → names: an import neighbour shows the signatures of
    the names used; a directory's edge lists the names."""
    out: dict[str, dict[str, str]] = {}
    listed = sorted(paths)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for path, text in index.read(
            f"SELECT path, symbols FROM files WHERE path IN ({marks})", chunk
        ):
            pairs = (line.split("\t", 1) for line in (text or "").split("\n") if "\t" in line)
            out[path] = {shown: name for name, shown in pairs}
    return out


def _links(rel_dir: str, edges: Iterable[tuple[str, list[str]]]) -> tuple[Link, ...]:
    """File edges → one :class:`Link` per other directory, most imports first."""
    pairs: Counter[str] = Counter()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for path, used in edges:
        other = dir_of(path)
        if other != rel_dir:
            pairs[other] += 1
            names[other].update(dict.fromkeys(used, 1))
    links = [
        Link(other, count, tuple(sorted(names[other].items(), key=lambda kv: (-kv[1], kv[0]))))
        for other, count in pairs.items()
    ]
    return tuple(sorted(links, key=lambda k: (-k.imports, k.dir)))


def _entry(root: str, rel: str, symbols: str, facts: Facts | None, importers: int) -> FileEntry:
    doc = summary(facts.doc) if facts is not None and facts.doc else ""
    names = tuple(  # each once: overloads share a name
        dict.fromkeys(
            s.name
            for s in (facts.top_level() if facts else [])
            if s.exported and s.kind != "reexport"
        )
    )
    return FileEntry(
        rel,
        language_name(rel, facts),
        doc,
        names,
        digest(f"{symbols}\n{doc}"),
        importers,
        _entry_point(root, rel, facts),
    )


def _entry_point(root: str, rel: str, facts: Facts | None) -> str:
    """Why ``rel`` starts a program, by its language's convention ("": it does not)."""
    name = posixpath.basename(rel)
    if facts is None:
        return ""
    functions = {s.name for s in facts.top_level() if s.kind == "function"}
    methods = {s.name for s in facts.symbols if s.kind == "method" and "static" in s.signature}
    if facts.language == "go":
        return (
            "Go command (`package main`)" if facts.package == "main" and "main" in functions else ""
        )
    if facts.language in ("rust", "c", "cpp", "kotlin", "swift") and "main" in functions:
        return "`main` function"
    if facts.language in ("java", "csharp", "scala") and methods & {"main", "Main"}:
        return "`main` method"
    if name == "__main__.py":
        return code(f"python -m {python_module(dir_of(rel))}")
    head = _head(root, rel, whole=facts.language == "python")
    if facts.language == "python" and _GUARD.search(head):
        return '`if __name__ == "__main__"`'
    if head.startswith(b"#!") and not head.startswith(b"#!["):  # (Rust's `#![attr]`)
        return f"script ({code(head.splitlines()[0].decode('utf-8', 'replace')[:60])})"
    return ""


def python_module(rel_dir: str) -> str:
    """The dotted module a Python package directory is imported as (``src/`` left out)."""
    parts = rel_dir.split("/")
    if len(parts) > 1 and parts[0] in SOURCE_ROOTS:
        parts = parts[1:]
    return ".".join(parts)


def _head(root: str, rel: str, *, whole: bool) -> bytes:
    """The file's first bytes (all of it for Python, whose entry guard may be anywhere)."""
    try:
        with open(os.path.join(root, rel), "rb") as fh:
            return fh.read() if whole else fh.read(128)
    except OSError:
        return b""


def _purpose(root: str, rel_dir: str, facts: Mapping[str, Facts | None]) -> tuple[str, str]:
    """The directory's own doc: its package's doc where there is one, else the first paragraph
    of a README beside its sources; with the repo path it came from."""
    by_name = {posixpath.basename(path): (path, f) for path, f in facts.items() if f is not None}
    candidates = [by_name[n] for n in PACKAGE_DOCS if n in by_name]
    candidates += [(p, f) for p, f in sorted(facts.items()) if f and f.doc.startswith("Package ")]
    for path, found in candidates:
        assert found is not None
        paragraph = first_paragraph(found.doc)
        if paragraph:
            return paragraph, path
    for name in READMES:
        rel = posixpath.join(rel_dir, name)
        paragraph = first_paragraph(read_text(root, rel), markdown=True)
        if paragraph:
            return paragraph, rel
    return "", ""


def readme_stamp(root: str, rel_dir: str) -> str:
    """Size and mtime of the files a page reads beside the index (a README, the root's
    ``pyproject.toml``): a change there is found by the keeper's heal pass."""
    names = [*READMES, *(("pyproject.toml",) if rel_dir == "" else ())]
    stamps = []
    for name in names:
        try:
            st = os.stat(os.path.join(root, rel_dir, name))
        except OSError:
            continue
        stamps.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return " ".join(stamps)


def read_text(root: str, rel: str) -> str:
    try:
        with open(os.path.join(root, rel), "rb") as fh:
            return fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return ""


def first_paragraph(text: str, *, markdown: bool = False) -> str:
    """The first paragraph of prose in ``text``: headings, badges, HTML, fences, tables, lists
    and quotes passed over; with ``markdown``, its links and emphasis reduced to their text (a
    README's relative link would point elsewhere from the page)."""
    fenced = False
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        structural = not line or fenced or (markdown and line[0] in "#<![|>=-*+:")
        if structural or (markdown and re.match(r"\d+[.)]\s", line)):
            if lines:
                break
            continue
        lines.append(line)
    paragraph = " ".join(lines)
    if markdown:
        paragraph = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", _MARKUP.sub("", paragraph)))
    return " ".join(paragraph.split())
