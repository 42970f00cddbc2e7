"""Pages: one per source directory at ``{output_dir}/{dir}/README.md``, and the repository's at
``{output_dir}/README.md``, kept fresh like file docs.

**Ours by the same rule.** A page's first line is ``SHA256: <hex>`` — here the digest of its
content inputs (its files' paths and interface digests, its subdirectories' summaries, its
purpose; the repository's languages, layout and entry points) — and its last line the inputs
comment of :mod:`reactor.inputs` (the page renderer's identity, the directory edges shown, the
path). A file in that place without the header is the user's: never touched, reported as foreign,
the page skipped with that reason. In the doc store a page is the doc of ``{dir}/README``.

**Fresh like file docs.** The index's triggers (migration ``0013_pages``) put a directory in
``page_dirty`` whenever one of its files is added, removed or changes its facts, interface,
graph context or content. A tick takes the deepest such directory, computes its record
(:mod:`reactor.pageinputs`) and compares digests: a body-only edit finds the same record and
writes nothing. A changed record puts its parent (its summary or size changed), the repository
page, and the directories on the other side of each changed edge in ``page_dirty`` in turn.
Pages come after every file doc (the scheduler yields a ``page`` job only when no file doc is
missing or stale), at most one written per tick. A directory left without sources loses its
page, if ours, under the mass-removal brake of :mod:`reactor.docs`. What the index cannot see —
a page deleted by hand, a README or ``pyproject.toml`` edited — a heal pass finds, at start
and every ``HEAL_INTERVAL_SECONDS``, in budgeted slices.
"""

from __future__ import annotations

import logging
import posixpath
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .docs import DocStore, brake_rule, removal_held
from .errors import NotOurs
from .inputs import parse_comment
from .pageinputs import LISTED, DirRecord, listed, parent_of, readme_stamp
from .pagerender import page_path
from .pagestates import (
    Made,
    PageCounts,
    PageModel,
    counts,
    is_page,
    made,
    page_key,
    state_of,
    stored_records,
)
from .paths import quote_path

if TYPE_CHECKING:
    from .index import FileIndex
    from .policy import SourcePolicy

log = logging.getLogger(__name__)

#: The heal pass (pages deleted by hand, READMEs edited) starts again this long after the last.
HEAL_INTERVAL_SECONDS = 600.0
_DEPTH = "(dir != '') + length(dir) - length(replace(dir, '/', ''))"
#: Parsed records kept between lookups (each a few kB).
RECORDS_KEPT = 2048


@dataclass(frozen=True)
class PageOutcome:
    """What one page step did: ``written``, ``removed``, or ``checked`` (budget spent, more to
    look at); ``path`` is the page's under the repo."""

    status: str
    path: str = ""


class PageKeeper:
    """Keeps one repo's pages fresh; the scheduler asks :meth:`due`, the worker runs
    :meth:`step`, a batch run :meth:`write_all`."""

    def __init__(
        self,
        *,
        index: FileIndex,
        docs: DocStore,
        policy: SourcePolicy,
        clock: Callable[[], float] = time.monotonic,
        restores: Callable[[], int] = lambda: 0,
    ):
        """``restores``: how many docs the doc cache has restored (a tick that restored some
        goes on with the next file, and reports the restore: the page waits a tick)."""
        self.index = index
        self.docs = docs
        self.root = policy.root_str
        self.enabled = policy.config.pages
        self.clock = clock
        self._next_heal = float("-inf")
        self._heal: Iterator[str | None] | None = None
        self._held = 0
        self._warned: set[str] = set()
        self._restores = restores
        self._records: dict[str, DirRecord] = {}  # parsed records by their text
        self._restored = restores()

    def shown(self, rel_dir: str) -> str:
        return f"{self.docs.output_rel.as_posix()}/{page_path(rel_dir)}"

    def page_for(self, rel_dir: str) -> str | None:
        """The page of directory ``rel_dir`` (``""``, ``"."``: the repository's) as it is now —
        the file when it is fresh, else made in memory (the ticks write it in turn) — or
        ``None`` when that directory holds no source, or pages are off. For ``get_doc`` of a
        directory (MCP)."""
        if not self.enabled:
            return None
        rel_dir = "" if rel_dir.strip("/") in ("", ".") else rel_dir.strip("/")
        index, docs = self.index, self.docs
        prefix = f"{rel_dir}/" if rel_dir else ""
        sql = f"SELECT 1 FROM files WHERE {LISTED} AND path > ? AND path < ? LIMIT 1"
        if not index.read(sql, (prefix, f"{rel_dir}0" if rel_dir else "\U0010ffff")):
            return None
        now = PageModel(index, self.root, stored_records(index)).made(rel_dir)
        if state_of(docs, rel_dir, now) == "fresh":
            text = docs.read(page_key(rel_dir))
            if text is not None:
                return text
        return now.text()

    # -- when -----------------------------------------------------------------------------
    def due(self) -> bool:
        """Whether a page may need work, and no file doc is missing or stale before it."""
        restored, self._restored = self._restored, self._restores()
        if not self.enabled or restored != self._restored:
            return False
        work = self._heal is not None or self.clock() >= self._next_heal
        work = work or bool(self.index.read("SELECT 1 FROM page_dirty LIMIT 1"))
        return work and self.index.next_pending(0) is None

    # -- what -----------------------------------------------------------------------------
    def step(self, deadline: float) -> PageOutcome | None:
        """Look at dirty directories until one page is written or removed, or the budget
        (``deadline``, on ``time.perf_counter``) is spent."""
        if self._heal is None and self.clock() >= self._next_heal:
            self._heal = self._healing()
        if self._heal is not None:
            for mark in self._heal:
                if mark is not None:
                    self._mark([mark])
                if time.perf_counter() >= deadline:
                    return PageOutcome("checked")
            self._heal = None
            self._next_heal = self.clock() + HEAL_INTERVAL_SECONDS
        while (rel_dir := self._next_dirty()) is not None:
            outcome = self._refresh(rel_dir)
            if outcome is not None:
                return outcome
            if time.perf_counter() >= deadline:
                return PageOutcome("checked")
        return None

    def write_all(self, *, prune: bool = False) -> list[PageOutcome]:
        """Every page made fresh now (a batch run); ``prune`` confirms removals the brake
        held back."""
        if not self.enabled:
            return []
        self._mark([m for m in self._healing() if m is not None])
        self._heal, self._next_heal = None, self.clock() + HEAL_INTERVAL_SECONDS
        if prune:
            self._mark([d for (d,) in self.index.read("SELECT dir FROM pages WHERE skip = 'held'")])
        done = []
        while (rel_dir := self._next_dirty()) is not None:
            outcome = self._refresh(rel_dir, prune=prune)
            if outcome is not None:
                done.append(outcome)
        return done

    def counts(self, scope: list[str] | None = None) -> PageCounts:
        """Every page's state (``status``): the dirty directories computed now."""
        known = stored_records(self.index)
        dirty = {d for (d,) in self.index.read("SELECT dir FROM page_dirty")}
        return counts(self.index, self.docs, self.root, known=known, dirty=dirty, scope=scope)

    # -- how ------------------------------------------------------------------------------
    def _mark(self, dirs: Iterable[str]) -> None:
        """These directories' pages may have changed (the index's connection, so that it joins
        the tick's transaction when there is one)."""
        for rel_dir in dirs:
            self.index.execute("INSERT OR IGNORE INTO page_dirty VALUES (?)", (rel_dir,))

    def _next_dirty(self) -> str | None:
        rows = self.index.read(f"SELECT dir FROM page_dirty ORDER BY {_DEPTH} DESC, dir LIMIT 1")
        return str(rows[0][0]) if rows else None

    def _refresh(self, rel_dir: str, *, prune: bool = False) -> PageOutcome | None:
        """Make ``rel_dir``'s record and page current: one write transaction."""
        with self.index.write():
            old = self._stored(rel_dir)
            model = PageModel(self.index, self.root, self._known(rel_dir))
            record = model.record(rel_dir)
            if record.empty:
                return self._remove(rel_dir, record, prune=prune)
            self._propagate(old, record)
            now = made(record, model.repo() if rel_dir == "" else None)
            skip, outcome = self._write(rel_dir, now)
            self.index.execute(
                "INSERT OR REPLACE INTO pages (dir, record, sha256, inputs, skip, stamp)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    rel_dir,
                    record.to_json(),
                    None if skip else now.sha256,
                    None if skip else now.inputs.key,
                    skip,
                    readme_stamp(self.root, rel_dir),
                ),
            )
            self.index.execute("DELETE FROM page_dirty WHERE dir = ?", (rel_dir,))
        return outcome

    def _write(self, rel_dir: str, now: Made) -> tuple[str | None, PageOutcome | None]:
        """Write the page unless it is fresh; never over a file of the user's (then the
        skip reason, said once)."""
        state = state_of(self.docs, rel_dir, now)
        if state == "fresh":
            return None, None
        if state != "foreign":
            try:
                self.docs.write(page_key(rel_dir), now.text())
            except NotOurs:
                pass  # the user's file arrived meanwhile
            else:
                log.debug("wrote page %s", quote_path(self.shown(rel_dir)))
                return None, PageOutcome("written", self.shown(rel_dir))
        if rel_dir not in self._warned:
            self._warned.add(rel_dir)
            log.warning(
                "not writing the page of %s: a file of the user's is in its place (%s)",
                quote_path(rel_dir + "/" if rel_dir else "the repository"),
                quote_path(self.shown(rel_dir)),
            )
        return "foreign", None

    def _known(self, rel_dir: str) -> dict[str, DirRecord]:
        """The stored records a directory's page reads: its subdirectories' (their summaries),
        or for the repository page every one."""
        if rel_dir == "":
            rows = self.index.read("SELECT dir, record FROM pages")
        else:
            rows = self.index.read(
                "SELECT dir, record FROM pages"
                " WHERE dir > ? AND dir < ? AND instr(substr(dir, ?), '/') = 0",
                (rel_dir + "/", rel_dir + "0", len(rel_dir) + 2),
            )
        return {d: self._parsed(r) for d, r in rows}

    def _propagate(self, old: DirRecord | None, new: DirRecord) -> None:
        """What else a changed record changes: its parent's page (its summary, its size), the
        repository page, and the pages on the other side of each changed edge — unless that
        side, computed first from the same edges, already shows as many (a first pass)."""
        if old == new:
            return
        parent = parent_of(new.dir)
        marks: set[str] = set()
        if parent is not None:
            marks.add("")
            shown = (old.summary, old.total) if old is not None else None
            if shown != (new.summary, new.total):
                marks.add(parent)
        for side, mirror in (("uses", "used_by"), ("used_by", "uses")):
            was = {k.dir: k for k in getattr(old, side)} if old else {}
            now = {k.dir: k for k in getattr(new, side)}
            changed = [d for d in was.keys() | now.keys() if was.get(d) != now.get(d)]
            # (a side not made yet has no record: it will be made, from the same edges)
            for other, theirs in self._stored_many(changed).items():
                seen = next((k.imports for k in getattr(theirs, mirror) if k.dir == new.dir), 0)
                mine = now[other].imports if other in now else 0
                if old is not None or seen != mine:
                    marks.add(other)
        self._mark(sorted(marks))

    def _stored_many(self, dirs: list[str]) -> dict[str, DirRecord]:
        out = {}
        for start in range(0, len(dirs), 500):
            chunk = dirs[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT dir, record FROM pages WHERE dir IN ({marks})"
            out.update({d: self._parsed(r) for d, r in self.index.read(sql, chunk)})
        return out

    def _stored(self, rel_dir: str) -> DirRecord | None:
        rows = self.index.read("SELECT record FROM pages WHERE dir = ?", (rel_dir,))
        return self._parsed(rows[0][0]) if rows else None

    def _parsed(self, text: str) -> DirRecord:
        """A stored record, parsed once while its text stays the same (a page's neighbours
        are looked up again and again in a pass)."""
        record = self._records.get(text)
        if record is None:
            if len(self._records) >= RECORDS_KEPT:
                del self._records[next(iter(self._records))]
            record = self._records[text] = DirRecord.from_json(text)
        return record

    def _remove(self, rel_dir: str, record: DirRecord, *, prune: bool) -> PageOutcome | None:
        """A directory without sources: its page goes, if ours, unless too many go at once
        (the brake of :mod:`reactor.docs`, over the pages of ours as recorded)."""
        ours = self.docs.inspect(page_key(rel_dir)).kind == "ours"
        if ours and not prune:
            ((pending, total),) = self.index.read(
                "SELECT coalesce(sum(NOT EXISTS (SELECT 1 FROM files f WHERE"
                f" {listed('f')} AND (p.dir = '' OR f.path > p.dir || '/' AND"
                " f.path < p.dir || '0'))), 0), count(*) FROM pages p WHERE p.sha256 IS NOT NULL"
            )
            if removal_held(int(pending), int(total)):
                if self._held != pending:
                    log.warning(
                        "not removing %d pages of directories without sources: more than %s "
                        "at once. Nothing was removed; `reactor generate --prune` removes them",
                        pending,
                        brake_rule(int(total)),
                    )
                self._held = int(pending)
                self.index.execute(
                    "UPDATE pages SET skip = 'held', record = ? WHERE dir = ?",
                    (record.to_json(), rel_dir),
                )
                self.index.execute("DELETE FROM page_dirty WHERE dir = ?", (rel_dir,))
                return None
        self._held = 0
        had = self.index.execute("DELETE FROM pages WHERE dir = ?", (rel_dir,))
        self.index.execute("DELETE FROM page_dirty WHERE dir = ?", (rel_dir,))
        parent = parent_of(rel_dir)
        if had and parent is not None:
            self._mark([parent, ""])
        if not ours or not self.docs.remove(page_key(rel_dir)):
            return None
        log.info("removed page %s", quote_path(self.shown(rel_dir)))
        return PageOutcome("removed", self.shown(rel_dir))

    def _healing(self) -> Iterator[str | None]:
        """What the index cannot see: a page deleted or changed by hand, a README or
        ``pyproject.toml`` edited, a page of ours no record knows (left by a run before the
        index). Yields each such directory, and ``None`` after each look (a slice may end)."""
        rows = self.index.read("SELECT dir, sha256, inputs, skip, stamp FROM pages")
        known = set()
        for rel_dir, sha, inputs, skip, stamp in rows:
            known.add(rel_dir)
            found = self.docs.inspect(page_key(rel_dir))
            if skip is None:
                written = parse_comment(self.docs.read(page_key(rel_dir)) or "")
                changed = found.sha256 != sha or written is None or written.key != inputs
            else:
                changed = found.in_the_way is None
            if changed or readme_stamp(self.root, rel_dir) != (stamp or ""):
                yield rel_dir
            yield None
        for rel, path in self.docs.iter_docs():
            rel_dir = posixpath.dirname(rel)
            if is_page(rel) and rel_dir not in known and DocStore.header_at(path) is not None:
                yield rel_dir
            yield None
