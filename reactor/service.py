"""A host loop for daemons: high-priority steps first, docgen ticks only when they idle.

Each iteration runs every high-priority step (a callable returning whether it did work). If any
did, every reactor's ``note_work()`` is called and no tick runs. Otherwise reactors tick in
round-robin order until one does work (one file per iteration across all repos). When nothing at
all happened the loop's sleep doubles up to ``max_sleep_seconds``; a new filesystem event wakes
it, and after the reactors' ``settle_seconds`` it ticks again with the sleep reset;
:meth:`Service.stop` wakes it for good.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from .errors import RepoGone
from .reactor import Reactor

log = logging.getLogger(__name__)

Step = Callable[[], bool]


class Service:
    """Runs high-priority ``steps`` and idle-time docgen for several reactors."""

    def __init__(
        self,
        reactors: Sequence[Reactor],
        *,
        steps: Sequence[Step] = (),
        min_sleep_seconds: float = 1.0,
        max_sleep_seconds: float = 30.0,
    ):
        self.reactors = list(reactors)
        self.steps = list(steps)
        self.min_sleep_seconds = min_sleep_seconds
        self.max_sleep_seconds = max(max_sleep_seconds, min_sleep_seconds)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._next = 0
        for reactor in self.reactors:
            reactor.dirty.add_listener(self._wake)
        #: After a wake-up, the loop waits this long: changes are taken once settled.
        self.settle_seconds = max((r.config.settle_seconds for r in self.reactors), default=0.0)

    def run_once(self) -> bool:
        """One loop iteration; True when anything did work."""
        did_work = False
        for step in self.steps:
            try:
                did_work = bool(step()) or did_work
            except Exception:
                log.exception("high-priority step %r failed", step)
        if did_work:
            for reactor in self.reactors:
                reactor.note_work()
            return True
        count = len(self.reactors)
        for offset in range(count):
            i = (self._next + offset) % count
            try:
                did_work = self.reactors[i].tick().work_done
            except RepoGone:
                self._drop(self.reactors[i])
                return True  # the rotation changed; the next iteration starts afresh
            if did_work:
                self._next = (i + 1) % count
                return True
        return False

    def _drop(self, reactor: Reactor) -> None:
        """A repo vanished: stop serving it; when none is left there is nothing to do."""
        if len(self.reactors) == 1:
            raise RepoGone(reactor.root)
        log.error("repository %s no longer exists; no longer serving it", reactor.root)
        self.reactors.remove(reactor)
        self._next = 0
        reactor.close()

    def next_sleep(self, previous: float, did_work: bool) -> float:
        """Backlog → the minimum; nothing done → double, capped (and never past idle time)."""
        if did_work:
            return self.min_sleep_seconds
        sleep = min(previous * 2, self.max_sleep_seconds)
        until_idle = [r.idle.seconds_until_idle() for r in self.reactors]
        pending = [s for s in until_idle if s > 0]
        if pending:
            sleep = min(sleep, max(min(pending), self.min_sleep_seconds))
        return sleep

    def run(self) -> None:
        """Loop until :meth:`stop`."""
        sleep = self.min_sleep_seconds
        while not self._stop.is_set():
            did_work = self.run_once()
            sleep = self.next_sleep(sleep, did_work)
            if self._wake.wait(sleep):
                self._wake.clear()
                sleep = self.min_sleep_seconds
                # let the new change settle rather than ticking on a half-written file
                self._stop.wait(self.settle_seconds)

    def stop(self) -> None:
        """Ask :meth:`run` to return; safe from signal handlers and other threads."""
        self._stop.set()
        self._wake.set()
