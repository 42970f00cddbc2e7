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

from collections.abc import Callable, Sequence
from pathlib import Path

from ..reactor import Reactor
from ..service import Service

#: One pipeline step for one repo; returns True when it did work.
RepoStep = Callable[[Path], bool]


class LLMCLoop:
    """LLMC's service loop with one reactor per repo as its idle-time docgen."""

    def __init__(
        self,
        repos: Sequence[Path | str],
        *,
        sync: RepoStep,
        enrich: RepoStep,
        embed: RepoStep,
        min_sleep_seconds: float = 1.0,
        max_sleep_seconds: float = 30.0,
        open_reactor: Callable[[Path], Reactor] = Reactor.open,
    ):
        self.reactors: list[Reactor] = []
        try:
            for repo in repos:
                self.reactors.append(open_reactor(Path(repo)))
        except BaseException:
            self.close()
            raise
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
        )

    @staticmethod
    def _bind(step: RepoStep, repo: Path) -> Callable[[], bool]:
        return lambda: step(repo)

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
