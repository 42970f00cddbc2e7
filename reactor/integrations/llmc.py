"""How LLMC's RAG service loop embeds the reactor: its pipeline first, docgen when it idles.

LLMC's service runs, for every registered repo, ``sync`` (pick up changed files), ``enrich``
(summaries) and ``embed`` (vectors). Those are its high-priority work. This adapter makes them
the high-priority steps of a :class:`~reactor.service.Service` and docgen its idle step, with the
semantics of LLMC's design:

* any step that did work marks the loop busy: every reactor's ``note_work()`` is called and no
  doc is generated in that iteration;
* only after ``idle_after_seconds`` without such work does one reactor tick (round-robin), one
  file at a time; its ``work_done`` keeps the loop awake while a backlog remains, but never
  touches the last-work timestamp, so docgen can never keep docgen running at the expense of
  sync/enrich/embed;
* in a repo with a RAG index the reactor samples LLMC's ``files`` table and, with
  ``require_rag_fresh``, documents a file only once LLMC has indexed its current content.

Example::

    from reactor.integrations.llmc import LLMCLoop

    with LLMCLoop(["/srv/repos/app", "/srv/repos/lib"],
                  sync=rag.sync, enrich=rag.enrich, embed=rag.embed) as loop:
        loop.run()          # until loop.stop(), e.g. from a SIGTERM handler
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..reactor import Reactor
from ..service import Service

#: One pipeline step for one repo; returns True when it did work.
RepoStep = Callable[[Path], bool]


class LLMCLoop:
    """LLMC's service loop with one reactor per repo as its idle-time docgen.

    Pacing comes from each repo's ``llmc.toml`` (``tick_seconds``, ``tick_budget_ms``), as in
    ``reactor watch``. With ``host_watches=True`` the reactors start no watcher of their own
    (LLMC's service already watches every repo; a second inotify watch set would double the
    use of ``max_user_watches``): feed its events in with :meth:`notify` and
    :meth:`notify_rescan`.
    """

    def __init__(
        self,
        repos: Sequence[Path | str],
        *,
        sync: RepoStep,
        enrich: RepoStep,
        embed: RepoStep,
        host_watches: bool = False,
        min_sleep_seconds: float | None = None,
        max_sleep_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        open_reactor: Callable[..., Reactor] = Reactor.open,
    ):
        self.reactors: list[Reactor] = []
        try:
            for repo in repos:
                self.reactors.append(open_reactor(Path(repo), watch=not host_watches))
        except BaseException:
            self.close()
            raise
        self._by_root = {reactor.root: reactor for reactor in self.reactors}
        steps = [
            self._bind(step, reactor.root)
            for reactor in self.reactors
            for step in (sync, enrich, embed)
        ]
        self.service = Service(
            self.reactors,
            steps=steps,
            min_sleep_seconds=min_sleep_seconds,
            max_sleep_seconds=max_sleep_seconds,
            clock=clock,
        )

    @staticmethod
    def _bind(step: RepoStep, repo: Path) -> Callable[[], bool]:
        return lambda: step(repo)

    def notify(self, repo: Path | str, paths: Iterable[str | os.PathLike[str]]) -> None:
        """The host's watcher saw ``paths`` (absolute or repo-relative) change in ``repo``."""
        self._reactor(repo).notify(paths)

    def notify_rescan(self, repo: Path | str, subtree: str = "") -> None:
        """The host lost events for ``repo`` (or a subtree of it): rescan it in slices."""
        self._reactor(repo).notify_rescan(subtree)

    def _reactor(self, repo: Path | str) -> Reactor:
        return self._by_root[Path(repo).resolve()]

    def run_once(self) -> bool:
        """One iteration: the pipeline steps, else one docgen tick. True if anything worked."""
        return self.service.run_once()

    def run(self) -> None:
        """Loop until :meth:`stop`."""
        self.service.run()

    def stop(self) -> None:
        """Make :meth:`run` return (safe from signal handlers and other threads)."""
        self.service.stop()

    def close(self) -> None:
        for reactor in self.reactors:
            reactor.close()

    def __enter__(self) -> LLMCLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.close()
