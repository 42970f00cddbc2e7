"""What a page is made of and where it stands: its place in the doc store, the page as it
would be written now (:class:`Made`: its header's digest, inputs comment and text), and every
page's state — ``fresh``, ``stale``, ``outdated``, ``missing``, ``orphaned`` or ``foreign`` —
as ``status``, ``check`` and the page keeper (:mod:`reactor.pages`) judge it."""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .docs import DocStore, header_line
from .facts import FACTS_VERSION
from .inputs import Inputs, parse_comment
from .pageinputs import LISTED, DirRecord, compute, parent_of
from .pagerender import PAGE_LAYOUT, directory_page, page_path, repository_page
from .pagerepo import RepoSummary, repo_summary
from .paths import in_scope, under

if TYPE_CHECKING:
    from .index import FileIndex

#: What makes two pages comparable (the inputs comment's ``backend``): the renderer's layout
#: and the facts it reads. Pages are the built-in renderer's whatever the file docs' backend.
PAGE_IDENTITY = f"pages/layout-{PAGE_LAYOUT}/facts-{FACTS_VERSION}"

PAGE_NAME = "README"


def page_key(rel_dir: str) -> str:
    """The doc store's key of a directory's page (``{dir}/README``; the root's ``README``)."""
    return posixpath.join(rel_dir, PAGE_NAME)


def is_page(rel: str) -> bool:
    """Whether a doc key (a path under the output dir without ``.md``) is a page's place."""
    return posixpath.basename(rel) == PAGE_NAME


def source_dirs(paths: Iterable[str]) -> set[str]:
    """Every directory that holds a source at any depth, the root included when any does."""
    out: set[str] = set()
    for rel in paths:
        d: str | None = posixpath.dirname(rel)
        while d is not None and d not in out:
            out.add(d)
            d = parent_of(d)
    return out


@dataclass(frozen=True)
class Made:
    """A page as it would be written now: its header's digest, inputs comment and body."""

    sha256: str
    inputs: Inputs
    record: DirRecord
    repo: RepoSummary | None

    def text(self) -> str:
        body = (
            directory_page(self.record)
            if self.repo is None
            else repository_page(self.record, self.repo)
        )
        return f"{header_line(self.sha256)}\n{body.rstrip()}\n\n{self.inputs.comment()}\n"


def made(record: DirRecord, repo: RepoSummary | None) -> Made:
    content = json.dumps([record.content(), repo.content() if repo else None], ensure_ascii=False)
    edges = json.dumps([record.edges(), repo.edges() if repo else None], ensure_ascii=False)
    sha = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    return Made(
        sha, Inputs.of(identity=PAGE_IDENTITY, graph_context=edges, rel=record.dir), record, repo
    )


def state_of(docs: DocStore, rel_dir: str, now: Made | None) -> str:
    """``missing``, ``foreign``, ``stale`` (its header is not ``now``'s), ``outdated`` (its
    inputs comment is not), ``fresh`` — or ``orphaned``, one of ours with no page due
    (``now`` is ``None``: not a source directory)."""
    found = docs.inspect(page_key(rel_dir))
    if found.in_the_way is not None:
        return "foreign"
    if found.kind == "absent":
        return "missing" if now is not None else "absent"
    if now is None:
        return "orphaned"
    if found.sha256 != now.sha256:
        return "stale"
    written = parse_comment(docs.read(page_key(rel_dir)) or "")
    return "fresh" if written == now.inputs else "outdated"


class PageModel:
    """Records computed from an index, deepest directory first (so each sees its
    subdirectories' summaries); ``known`` seeds it with stored records."""

    def __init__(self, index: FileIndex, root: str, known: dict[str, DirRecord] | None = None):
        self.index = index
        self.root = root
        self.records: dict[str, DirRecord] = dict(known or {})

    def record(self, rel_dir: str) -> DirRecord:
        summaries = {d: r.summary for d, r in self.records.items()}
        record = compute(self.index, self.root, rel_dir, summaries)
        self.records[rel_dir] = record
        return record

    def made(self, rel_dir: str) -> Made:
        record = self.record(rel_dir)
        return made(record, self.repo() if rel_dir == "" else None)

    def repo(self) -> RepoSummary:
        indexed = {p for (p,) in self.index.read(f"SELECT path FROM files WHERE {LISTED}")}
        live = {d: r for d, r in self.records.items() if not r.empty}
        return repo_summary(self.root, live, indexed, self.index.manifests())

    def all(self, dirs: set[str]) -> dict[str, Made]:
        """Every page of ``dirs`` as it would be made now."""
        order = sorted(dirs, key=lambda d: (-(d.count("/") + (d != "")), d))
        return {d: self.made(d) for d in order}


@dataclass
class PageCounts:
    """Pages by state (``status``, ``check``), as directory paths (``""``: the repository's
    page); ``output_dir`` names where they are."""

    output_dir: str = ""
    fresh: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def add(self, state: str, rel_dir: str) -> None:
        if state != "absent":
            getattr(self, state).append(rel_dir)

    def shown(self, rel_dir: str) -> str:
        return f"{self.output_dir}/{page_path(rel_dir)}"

    def failing(self, *, strict: bool) -> list[tuple[str, str]]:
        """``(state, page path)`` of what fails ``check``: missing, orphaned and stale pages;
        with ``strict``, outdated ones too. A file of the user's in a page's place does not."""
        states = ("stale", "missing", "orphaned", *(("outdated",) if strict else ()))
        return [(s, self.shown(d)) for s in states for d in sorted(getattr(self, s))]

    def to_json(self) -> dict[str, Any]:
        return {name: [self.shown(d) for d in sorted(getattr(self, name))] for name in STATES}

    def text(self) -> str:
        return ", ".join(f"{len(getattr(self, n))} {n}" for n in STATES if getattr(self, n))


STATES = ("fresh", "stale", "outdated", "missing", "orphaned", "foreign")


def counts(
    index: FileIndex,
    docs: DocStore,
    root: str,
    *,
    known: dict[str, DirRecord] | None = None,
    dirty: set[str] | None = None,
    scope: list[str] | None = None,
) -> PageCounts:
    """Every page's state from an up-to-date ``index``: computed now for the directories in
    ``dirty`` and those no ``known`` record has (all when ``dirty`` is ``None``), the others
    judged against their ``known`` record (what the keeper last made of them)."""
    dirs = source_dirs([p for (p,) in index.read(f"SELECT path FROM files WHERE {LISTED}")])
    model = PageModel(index, root, known)
    due = dirs if dirty is None else dirs & (dirty | {""} | (dirs - (known or {}).keys()))
    now = model.all(due)
    report = PageCounts(docs.output_rel.as_posix())
    for d in sorted(x for x in dirs if in_scope(x, scope)):
        expected = now.get(d)
        if expected is None and known is not None:
            expected = made(known[d], None)
        report.add(state_of(docs, d, expected), d)
    _orphans(report, docs, dirs, scope)
    return report


def check_pages(
    index: FileIndex, docs: DocStore, root: str, declined: dict[str, str]
) -> PageCounts:
    """Every page judged from scratch (``check --strict``: ``index`` is a throwaway one, told
    what the backend ``declined`` as the reactor's own index recorded it)."""
    for rel, reason in declined.items():
        row = index.get(rel)
        if row is not None:
            index.record_result(rel, f"noop: {reason}", failed_blake3=row.blake3)
    return counts(index, docs, root)


def pages_present(docs: DocStore, sources: list[str], hidden: list[str]) -> PageCounts:
    """What ``check`` without ``--strict`` judges of pages from the tree alone: which are
    missing, orphaned or in the user's hands (whether one is stale needs every file's facts:
    the strict check's index). A page of ours in its place counts as fresh; one under a
    directory that cannot be listed (``hidden``) is no orphan."""
    dirs = source_dirs(sources)
    report = PageCounts(docs.output_rel.as_posix())
    for d in sorted(dirs):
        found = docs.inspect(page_key(d))
        state = "foreign" if found.in_the_way else "missing" if found.kind == "absent" else "fresh"
        report.add(state, d)
    _orphans(report, docs, dirs | {d for d in _page_dirs(docs) if under(d, hidden)}, None)
    return report


def _page_dirs(docs: DocStore) -> Iterator[str]:
    return (posixpath.dirname(rel) for rel, _ in docs.iter_docs() if is_page(rel))


def _orphans(report: PageCounts, docs: DocStore, dirs: set[str], scope: list[str] | None) -> None:
    """Pages of ours on disk for directories that hold no source."""
    for rel, path in docs.iter_docs():
        d = posixpath.dirname(rel)
        ours = is_page(rel) and d not in dirs and DocStore.header_at(path) is not None
        if ours and in_scope(d, scope):
            report.add("orphaned", d)


def stored_records(index: FileIndex) -> dict[str, DirRecord]:
    return {d: DirRecord.from_json(r) for d, r in index.read("SELECT dir, record FROM pages")}
