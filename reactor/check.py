"""``reactor check``: are the docs fresh? A gate for CI and pre-commit that writes nothing.

Unlike ``status`` it opens no index for writing, takes no lock and creates no state dir, so it
works in a read-only checkout and never makes pre-commit report "files were modified by this
hook". Freshness is decided from the bytes: each source in scope is hashed and compared with its
doc's ``SHA256:`` line. When the reactor's index exists it is read (immutable) as a stat cache:
a source whose size and mtime match its row is not read again.

It fails (exit 1) on ``stale``, ``missing`` and ``orphaned`` docs (ours, without a source), and
on what it cannot read (``unreadable``: a source or its directory, a doc or a directory of docs;
none can be judged, and a doc that cannot be read is neither fresh nor foreign). With ``strict``
it fails on ``outdated`` docs too — a doc whose source is unchanged but whose path, neighbours
(the graph context as it renders now) or backend differ from what its inputs line records. That
needs every file's facts, so a strict check builds a throwaway index in memory (a CI checkout
has none, and the reactor's own may lag a running daemon); it still writes nothing. What is not
documented by design is named but does not fail: too large, binary, a file of the user's where
the doc would go, or declined by the backend (its ``NO-OP`` for this very content, as the index
recorded it: a checkout without the index cannot know, and counts such a source as missing).
Files in the output dir that are not ours are never a failure. Which files are sources is the
source policy's answer (:mod:`reactor.policy`), the same ``watch``, ``status`` and ``generate``
use. With PATHS only those sources' docs are checked, and paths that are not sources are
ignored, so a hook can pass every staged file.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backends import identity_for
from .config import DocgenConfig, output_dir_relative
from .docs import DocStore, removal_held
from .facts.resolve import Resolver
from .graph import format_context, neighbours
from .index import DB_PATH, FileIndex
from .inputs import BACKEND, Inputs, parse_comment, reasons
from .observe import BINARY, FOREIGN, TOO_LARGE, UNREADABLE, UNREADABLE_DOC
from .pagestates import PageCounts, check_pages, is_page, pages_present
from .paths import printable, quote_path, under
from .policy import GONE_ERRNOS, NotSource, SourcePolicy, looks_binary
from .rows import NOOP_PREFIX
from .scan import Scan
from .status import NO_SOURCES, NOOP, NOT_DOCUMENTED

STATES = ("stale", "missing", "orphaned", "unreadable", "outdated")


@dataclass
class CheckReport:
    """Paths by state; ``ok`` when nothing is stale, missing, orphaned or unreadable."""

    fresh: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    #: Sources, source directories, docs and doc directories that cannot be read.
    unreadable: list[str] = field(default_factory=list)
    docs_unreadable: int = 0  # sources whose doc cannot be read (judged neither way)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # too_large, binary, foreign, noop
    declined: dict[str, str] = field(default_factory=dict)  # path -> the backend's NO-OP reason
    foreign: int = 0  # files in the output dir that are not ours (left alone)
    held_back: bool = False  # so many orphans that the daemon will not remove them unasked
    #: ``--strict``: fresh docs made from other inputs, with the reasons (counted in ``fresh``).
    outdated: dict[str, list[str]] = field(default_factory=dict)
    strict: bool = False
    pages: PageCounts | None = None  # directory and repository pages (None: not checked)

    @property
    def ok(self) -> bool:
        failing = self.stale or self.missing or self.orphaned or self.unreadable
        pages = self.pages is not None and self.pages.failing(strict=self.strict)
        return not (failing or pages or (self.strict and self.outdated))

    @property
    def checked(self) -> int:
        return self.fresh + len(self.stale) + len(self.missing) + self.docs_unreadable

    def problems(self) -> Iterator[str]:
        """``<state> <path>`` lines in path order (an outdated path with its reasons)."""
        rows = [(p, s, "") for s in STATES if s != "outdated" for p in getattr(self, s)]
        if self.strict:
            rows += [(p, "outdated", f" ({', '.join(r)})") for p, r in self.outdated.items()]
        if self.pages is not None:
            rows += [(p, s, "") for s, p in self.pages.failing(strict=self.strict)]
        for path, state, why in sorted(rows):
            yield f"{state} {quote_path(path)}{why}"

    def skipped_lines(self) -> Iterator[str]:
        """``skipped <path> (<reason>)`` for what is not documented by design."""
        rows = sorted((p, r) for r, paths in self.skipped.items() for p in paths)
        for path, reason in rows:
            why = NOT_DOCUMENTED[reason]
            if reason == NOOP:
                why += f": {printable(self.declined[path])}"
            yield f"skipped {quote_path(path)} ({why})"

    def summary(self) -> str:
        skipped = sum(len(p) for p in self.skipped.values())
        if self.ok and not (self.checked or skipped):
            text = NO_SOURCES
        elif self.ok:
            text = f"all {self.checked:,} docs fresh" if self.checked else "no docs to check"
        else:
            text = (
                f"{self.fresh:,}/{self.checked:,} docs fresh: {len(self.stale):,} stale, "
                f"{len(self.missing):,} missing, {len(self.orphaned):,} orphaned"
            )
            if self.unreadable:
                text += f", {len(self.unreadable):,} unreadable"
        if self.strict and self.outdated:
            text += f" · {len(self.outdated):,} outdated"
        if self.pages is not None and self.pages.failing(strict=self.strict):
            text += f" · pages: {self.pages.text()}"
        if skipped:
            kinds = ", ".join(f"{len(p)} {NOT_DOCUMENTED[r]}" for r, p in self.skipped.items() if p)
            text += f" · {skipped:,} not documented ({kinds})"
        if self.held_back:
            text += (
                " · the orphans are more than the daemon removes at once: "
                "`reactor generate --prune` removes them"
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "fresh": self.fresh,
            "stale": sorted(self.stale),
            "missing": sorted(self.missing),
            "orphaned": sorted(self.orphaned),
            "unreadable": sorted(self.unreadable),
            "skipped": {k: sorted(v) for k, v in self.skipped.items()},
            "declined": self.declined,
            "outdated": self.outdated,
            "foreign": self.foreign,
            "held_back": self.held_back,
            "pages": self.pages.to_json() if self.pages is not None else None,
        }


def check(
    root: Path, config: DocgenConfig, paths: Iterable[str] | None = None, *, strict: bool = False
) -> CheckReport:
    """Check the docs of every source (or of the sources among ``paths``, repo-relative: the
    docs left orphaned under those paths too; pages only when the whole repo is checked, as
    ``.`` or the root names it)."""
    paths = None if paths is None else [p.rstrip("/") or "." for p in paths]
    if paths is not None and "." in paths:
        paths = None  # the whole repo, however it was named: the same answer as no path
    root = root.resolve()
    policy = SourcePolicy(root, config)
    docs = DocStore(root, output_dir_relative(config, root))
    report = CheckReport(skipped={TOO_LARGE: [], BINARY: [], FOREIGN: [], NOOP: []}, strict=strict)
    hidden: list[str] = []
    sources = list(_sources(policy, paths, hidden))
    cache, declined = _read_index(root)
    fresh: list[str] = []
    for rel, st in sources:
        state = _state(policy, docs, cache, declined, rel, st)
        if state == NOOP:
            report.declined[rel] = declined[rel][1]
        if state == "fresh":
            report.fresh += 1
            fresh.append(rel)
        elif state == UNREADABLE_DOC:
            report.docs_unreadable += 1
            report.unreadable.append(f"{docs.output_rel.as_posix()}/{rel}.md")
        elif state in report.skipped:
            report.skipped[state].append(rel)
        elif state is not None:
            getattr(report, state).append(rel)
    report.unreadable += hidden
    known = {rel for rel, _ in sources}
    ours = report.fresh + len(report.stale)
    for rel, path in docs.iter_docs(on_unlistable=report.unreadable.append):
        if rel in known or under(rel, hidden) or (paths is not None and not under(rel, paths)):
            continue
        header = DocStore.header_at(path)
        if is_page(rel) and header is not None:
            continue  # a directory's page: checked with the pages
        if header is None and DocStore.inspect_at(path).kind == "unreadable":
            report.unreadable.append(f"{docs.output_rel.as_posix()}/{rel}.md")
        elif header is None:
            report.foreign += 1
        else:
            report.orphaned.append(rel)
    report.orphaned.sort()
    report.held_back = removal_held(len(report.orphaned), ours + len(report.orphaned))
    pages = paths is None and config.pages
    if strict and (fresh or pages):
        index = FileIndex.in_memory()
        try:
            Scan(index, policy, Resolver(root)).run()
            report.outdated = _outdated(identity_for(config, root), docs, fresh, index)
            if pages:
                report.pages = check_pages(index, docs, str(root), report.declined)
        finally:
            index.close()
    elif pages:
        unsourced = {*report.skipped[TOO_LARGE], *report.skipped[BINARY], *report.declined}
        documented = [r for r, _ in sources if r not in unsourced]
        report.pages = pages_present(docs, documented, hidden)
    return report


def _outdated(
    identity: str, docs: DocStore, fresh: list[str], index: FileIndex
) -> dict[str, list[str]]:
    """Fresh docs whose recorded inputs differ from what they would be made from now."""
    out = {}
    for rel in fresh:
        context = format_context(*neighbours(index, rel))
        now = Inputs.of(identity=identity, graph_context=context, rel=rel)
        recorded = parse_comment(docs.read(rel) or "")
        bits = BACKEND if recorded is None else recorded.outdated_against(now)
        if bits:
            out[rel] = reasons(bits)
    return out


def _sources(
    policy: SourcePolicy, paths: Iterable[str] | None, hidden: list[str]
) -> Iterator[tuple[str, Any]]:
    """``(rel, stat)`` of the sources in scope; named paths that are not sources are dropped,
    what cannot be listed or stat-ed goes to ``hidden``."""
    if paths is None:
        yield from policy.walk(on_unreadable=hidden.append)
        return
    seen: set[str] = set()
    for rel in paths:
        if rel in ("", "."):
            candidates: Iterable[tuple[str, Any]] = policy.walk(on_unreadable=hidden.append)
        elif os.path.isdir(os.path.join(policy.root_str, rel)):
            candidates = policy.walk(rel.rstrip("/"), on_unreadable=hidden.append)
        else:
            st = policy.source_stat(rel)
            if isinstance(st, NotSource):
                if st.unreadable:
                    hidden.append(rel)
                candidates = []
            else:
                candidates = [(rel, st)]
        for item in candidates:
            if item[0] not in seen:
                seen.add(item[0])
                yield item


_StatCache = dict[str, tuple[int, int, str, str | None]]
#: ``path -> (sha256, reason)``: content the backend declined (``NO-OP``), as the index has it.
_Declined = dict[str, tuple[str, str]]


def _read_index(root: Path) -> tuple[_StatCache, _Declined]:
    """From the index, opened read-only: ``path -> (size, mtime_ns, sha256, skip)`` as a stat
    cache, and what the backend declined (for that content only)."""
    db_path = root / DB_PATH
    if not db_path.is_file():
        return {}, {}
    try:
        # immutable: no lock, no -wal/-shm file created. It may miss rows still in a running
        # daemon's WAL; a row is used only when size and mtime match, so at worst a file is
        # hashed again.
        db = sqlite3.connect(f"{db_path.as_uri()}?immutable=1", uri=True)
        try:
            rows = db.execute("SELECT path, size, mtime_ns, sha256, skip FROM files").fetchall()
            noops = db.execute(
                "SELECT path, sha256, last_result FROM files"
                " WHERE last_result LIKE 'noop:%' AND failed_blake3 = blake3"
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}, {}  # locked, read-only WAL without its -shm, an old schema: hash everything
    cache = {p: (size, mtime, sha, skip) for p, size, mtime, sha, skip in rows}
    return cache, {p: (sha, result.removeprefix(NOOP_PREFIX)) for p, sha, result in noops}


def _state(
    policy: SourcePolicy,
    docs: DocStore,
    cache: _StatCache,
    declined: _Declined,
    rel: str,
    st: os.stat_result,
) -> str | None:
    """``fresh``, ``stale``, ``missing``, ``unreadable`` (the source), ``unreadable_doc``, a
    skip reason (``noop`` included), or ``None`` (not a source after all). Raw ``os`` calls,
    not ``open()``: this runs for every source."""
    if st.st_size > policy.config.max_file_bytes:
        return TOO_LARGE
    cached = cache.get(rel)
    if (
        cached is not None
        and cached[:2] == (st.st_size, st.st_mtime_ns)
        and cached[3]
        in (
            None,
            BINARY,
        )
    ):
        sha256, binary = cached[2], cached[3] == BINARY
    else:
        try:
            fd = os.open(os.path.join(policy.root_str, rel), os.O_RDONLY)
            try:
                data = os.read(fd, st.st_size + 1)
            finally:
                os.close(fd)
        except OSError as exc:
            return None if exc.errno in GONE_ERRNOS else UNREADABLE
        binary = looks_binary(data)
        sha256 = hashlib.sha256(data).hexdigest()
    if binary:
        return BINARY
    doc = docs.inspect(rel)
    if doc.kind == "unreadable":
        return UNREADABLE_DOC
    if doc.in_the_way is not None:
        return FOREIGN
    if doc.sha256 == sha256:
        return "fresh"
    if rel in declined and declined[rel][0] == sha256:
        return NOOP
    return "missing" if doc.kind == "absent" else "stale"
