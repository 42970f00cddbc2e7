"""A resumable refresh of the index against the tree: the work a tick may slice.

A whole-tree refresh is linear in the repo's size (2.7 s for a new 50k-file index), far too long
to hold a host inside one tick. A :class:`Scan` keeps its place instead: the policy's walk is a
generator that stays suspended between steps, and :meth:`Scan.step` stops at a deadline. Two
phases:

1. **walk**: files come off the walk in chunks; one ``IN`` query per chunk finds their rows;
   a file whose size and mtime match is only marked seen, the others go the way every file goes
   (observe → understand → store) in one short write transaction per step (``status`` beside
   ``watch`` never waits long);
2. **sweep**: indexed paths in the scanned range that the walk did not see are checked on the
   disk once more (a row added by a tick while the walk ran is kept) and removed with a
   tombstone, in path order with a seek cursor. Rows the walk could not reach (a directory it
   may not list) are kept and marked unreadable: hidden is not gone.

:meth:`Scan.run` does it all at once, for ``status`` and ``generate``.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .docs import DocStore
from .errors import UnsafePath
from .facts import Facts
from .facts.resolve import Resolver, Stamp
from .graph import neighbour_paths, store_and_regraph
from .index import FileIndex
from .inputs import digest, parse_comment
from .observe import Known, Observation, observe_stat
from .policy import NotSource, SourcePolicy
from .rows import DocRecord
from .understand import Understanding, interface_of, understand


@dataclass
class RefreshStats:
    """What an incremental refresh found."""

    seen: int = 0
    added: int = 0
    changed: int = 0
    touched: int = 0  # stat changed, content did not
    changed_paths: list[str] = field(default_factory=list)  # added or changed
    removed_paths: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return len(self.removed_paths)


#: Files looked up in the index with one query.
LOOKUP_CHUNK = 128
#: Changed files hashed before one write transaction commits them.
WRITE_BATCH = 256
#: A changed file's store, in seconds, until the first batch is measured.
INITIAL_WRITE_COST = 0.0005
#: Indexed paths checked per sweep query.
SWEEP_CHUNK = 256


class Scan:
    """One incremental refresh of ``under`` (``""``: the whole repo), done in steps."""

    def __init__(
        self,
        index: FileIndex,
        policy: SourcePolicy,
        resolver: Resolver,
        *,
        under: str = "",
        progress: Callable[[str], object] | None = None,
        docs: DocStore | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ):
        """``docs`` lets the scan record the doc header of each new or changed source (which
        keeps the index's fresh count right without a separate pass) and, for a source new to
        the index whose doc of ours is already there (an index rebuilt, a doc committed), what
        that doc was made from, from its inputs line."""
        self.index = index
        self.docs = docs
        self.policy = policy
        self.resolver = resolver
        self.under = under
        self.progress = progress
        self.clock = clock
        self.stats = RefreshStats()
        self._hidden: list[str] = []  # what the walk could not list or stat
        self._walk: Iterator[tuple[str, os.stat_result]] | None = policy.walk(
            under, on_unreadable=self._hidden.append, on_manifest=self._saw_manifest
        )
        prefix = f"{under}/" if under else ""
        self._manifests_before = {
            rel: stamp for rel, stamp in resolver.manifests.items() if rel.startswith(prefix)
        }
        self._manifests_seen: dict[str, Stamp] = {}
        self._pending: deque[tuple[str, os.stat_result, tuple[int, Known] | None]] = deque()
        self._seen: set[int] = set()
        #: Nothing was indexed here before: every file is new, and finding them all is the
        #: sampler's job, not the dirty set's (which stays free for the user's own edits).
        self.first_of_its_kind = index.count_under(under) == 0
        self._sweep_after = ""
        self._sweep_done = False
        #: Seconds one changed file's store takes (its neighbours told included), measured.
        self._write_cost = INITIAL_WRITE_COST

    @property
    def done(self) -> bool:
        return self._sweep_done

    def run(self) -> RefreshStats:
        """The whole scan at once, for ``status`` and ``generate``, which want the answer now
        (a re-resolve pass it called for included); the daemon steps both within its tick
        budget instead."""
        while not self.done:
            self.step(float("inf"))
        while reresolve_step(self.index, self.resolver, float("inf")):
            pass
        return self.stats

    def _saw_manifest(self, rel: str, st: os.stat_result) -> None:
        stamp = (st.st_size, st.st_mtime_ns)
        self._manifests_seen[rel] = stamp
        # a new one helps the files resolved after it at once; a changed one waits for the
        # end of the scan, when every file is resolved again
        self.resolver.manifests.setdefault(rel, stamp)

    def step(self, deadline: float) -> RefreshStats:
        """Work until ``clock() >= deadline`` (at least one unit) or the end; what this step found.

        The returned stats cover this step only; :attr:`stats` accumulates the whole scan.
        """
        delta = RefreshStats()
        batch: list[tuple[Observation, Understanding | None]] = []
        first = True
        while not self._sweep_done and (
            first or self.clock() + len(batch) * self._write_cost < deadline
        ):
            first = False
            if self._walk is not None:
                self._walk_some(batch, delta, deadline)
                if len(batch) >= WRITE_BATCH:
                    self._flush(batch, delta)
            else:
                self._flush(batch, delta)
                self._sweep_chunk(delta)
        self._flush(batch, delta)
        self._merge(delta)
        return delta

    # -- walk phase -----------------------------------------------------------------------
    def _walk_some(
        self,
        batch: list[tuple[Observation, Understanding | None]],
        delta: RefreshStats,
        deadline: float,
    ) -> None:
        """Take the next chunk off the walk (one lookup query) and work through it, stopping
        early at the deadline or when the write batch is full; the rest waits in ``_pending``."""
        pending = self._pending
        if not pending:
            assert self._walk is not None
            chunk = list(itertools.islice(self._walk, LOOKUP_CHUNK))
            if not chunk:
                self._walk = None  # walk finished: the sweep phase begins
                return
            known = self.index.lookup([rel for rel, _ in chunk])
            pending.extend((rel, st, known.get(rel)) for rel, st in chunk)
        seen, progress, policy, clock = self._seen, self.progress, self.policy, self.clock
        done = 0
        while pending:
            rel, st, known_row = pending.popleft()
            done += 1
            if progress is not None:
                progress(rel)
            obs = observe_stat(policy, rel, st, known_row[1] if known_row else None, walked=True)
            if obs.state == "unchanged":
                assert known_row is not None
                seen.add(known_row[0])
                continue
            if obs.state == "gone":
                continue  # vanished since the walk listed it: the sweep decides
            understood = understand(rel, obs.data, self.resolver) if obs.data else None
            batch.append((obs, understood))
            # hashing and parsing are costly, and so is storing what they found: stop while
            # the batch's write still fits before the deadline (its cost per file as measured)
            if len(batch) >= WRITE_BATCH or clock() + len(batch) * self._write_cost >= deadline:
                break
        delta.seen += done

    def _flush(
        self, batch: list[tuple[Observation, Understanding | None]], delta: RefreshStats
    ) -> None:
        if not batch:
            return
        index, first = self.index, self.first_of_its_kind
        started, files = self.clock(), len(batch)
        with index.write():
            for obs, understood in batch:
                rel = obs.rel
                if first:  # nothing shown anywhere yet: no neighbour to tell
                    outcome, file_id = index.store(obs, understood)
                else:
                    row = index.get(rel)
                    interface = interface_of(obs, understood, row)
                    outcome, file_id = store_and_regraph(
                        index, rel, interface, functools.partial(index.store, obs, understood)
                    )
                self._seen.add(file_id)
                if outcome == "touched":
                    delta.touched += 1
                    continue
                if outcome == "skipped":
                    continue
                delta.changed_paths.append(rel)
                if self.docs is not None:
                    self._note_doc(rel, added=outcome == "added")
                if outcome == "added":
                    delta.added += 1
                else:
                    delta.changed += 1
        batch.clear()
        # (a moving average: one slow disk write does not halve the next batches)
        self._write_cost = 0.7 * self._write_cost + 0.3 * (self.clock() - started) / files

    def _note_doc(self, rel: str, *, added: bool) -> None:
        assert self.docs is not None
        try:
            header = self.docs.header(rel)
            doc = self.docs.read(rel) if added and header is not None else None
        except UnsafePath:
            return
        self.index.note_doc(rel, header)
        inputs = parse_comment(doc or "")
        if header is not None and inputs is not None:
            path = rel if inputs.path == digest(rel) else ""  # "": made for another path
            record = DocRecord(header, inputs.backend, inputs.neighbours, path)
            self.index.record_doc(rel, record, rendered_now=False)

    # -- sweep phase ----------------------------------------------------------------------
    def _sweep_chunk(self, delta: RefreshStats) -> None:
        if not self._sweep_after and self.index.count_under(self.under) == len(self._seen):
            self._finish_sweep()  # every indexed row was seen: nothing can be gone
            return
        rows = self.index.paths_after(self._sweep_after, under=self.under, limit=SWEEP_CHUNK)
        if not rows:
            self._finish_sweep()
            return
        self._sweep_after = rows[-1][1]
        gone: list[str] = []
        hidden: list[str] = []
        for file_id, rel in rows:
            if file_id in self._seen:
                continue
            if self._is_hidden(rel):
                hidden.append(rel)
                continue
            # a row the walk did not see may have been added by a tick meanwhile: ask the disk
            st = self.policy.source_stat(rel)
            if isinstance(st, NotSource):
                (hidden if st.unreadable else gone).append(rel)
        if hidden:
            self.index.mark_unreadable(hidden)
        if gone:
            for rel in gone:  # the files that showed them are rendered again
                self.index.regraph(neighbour_paths(self.index, rel))
            self.index.remove_paths(gone)
            delta.removed_paths.extend(gone)

    def _is_hidden(self, rel: str) -> bool:
        """Whether ``rel`` lies in (or is) something the walk could not list or stat."""
        return any(rel == h or rel.startswith(h + "/") or not h for h in self._hidden)

    def _finish_sweep(self) -> None:
        self._sweep_done = True
        self._seen.clear()
        if self.first_of_its_kind:
            # Stored without telling neighbours (there were none yet), so a doc written while
            # the walk went on, or found on disk, may show an importer or import as missing:
            # every documented file's graph context is digested again, now that all is known.
            self.index.regraph_documented(self.under)
        if self._hidden:
            self._manifests_seen.update(  # unseen, not gone
                (rel, stamp)
                for rel, stamp in self._manifests_before.items()
                if self._is_hidden(rel)
            )
        if self._manifests_seen != self._manifests_before:
            self.resolver.replace_manifests(self.under, self._manifests_seen)
            self.index.manifests_changed(self.resolver.manifests)

    def _merge(self, delta: RefreshStats) -> None:
        total = self.stats
        total.seen += delta.seen
        total.added += delta.added
        total.changed += delta.changed
        total.touched += delta.touched
        total.changed_paths += delta.changed_paths
        total.removed_paths += delta.removed_paths


#: Rows resolved again per write transaction.
RERESOLVE_CHUNK = 64


def reresolve_step(index: FileIndex, resolver: Resolver, deadline: float) -> bool:
    """Resolve stored facts' imports again after a manifest changed, until ``deadline`` (at
    least one chunk); True while more remains. No file is parsed; a file whose edges come out
    different is stored with them, and every file that shows it is queued to be rendered
    again (its importers' docs may now be outdated by neighbours)."""
    after = index.reresolve_after()
    if after is None:
        return False
    while True:
        rows = index.reresolve_rows(after, RERESOLVE_CHUNK)
        with index.write():
            for file_id, rel, text in rows:
                facts = Facts.from_json(text)
                current = index.interface(rel)
                if facts is None or current is None:
                    continue  # extracted by another version: parsed again when next read
                edges = resolver.import_edges(rel, facts)
                provides = resolver.provides(rel, facts)
                interface = (current[0], [(k, "\n".join(n)) for k, n in edges], provides)
                if current == (interface[0], sorted(interface[1]), sorted(provides)):
                    continue
                index.regraph([rel])  # its own graph context, as well as its neighbours'
                store_and_regraph(
                    index,
                    rel,
                    interface,
                    functools.partial(index.replace_edges, file_id, edges, provides),
                )
            after = rows[-1][0] if len(rows) == RERESOLVE_CHUNK else None
            index.reresolved_to(after)
        if after is None:
            return False
        if time.perf_counter() >= deadline:
            return True
