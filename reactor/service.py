"""A host loop for daemons: high-priority steps first, docgen ticks only when they idle.

Each iteration runs every high-priority step (a callable returning whether it did work). If any
did, every reactor's ``note_work()`` is called and no tick runs. Otherwise the reactors whose
turn has come tick in round-robin order until one does work: one unit per iteration across all
repos, so the host's steps run again between any two docs.

Pacing is per reactor. After a tick that generated (or moved, removed) something, that repo's
next tick comes ``tick_seconds`` later — or, with a cheap backend (the outline), as soon as the
tick's CPU time stays within ``cheap_cpu_percent`` of one core (10 ms of CPU at 25 %: the next
tick 40 ms after it began), so a backlog of 200,000 files converges in minutes, not days; after
an index slice it comes one ``tick_budget_ms`` later, so indexing takes at most about half the
time and a first index of a big repo is not paced like LLM calls. After a tick that found
nothing, the repo's pause doubles from ``tick_seconds`` (at least a second) up to
``max_sleep_seconds`` (or, for a host of more than ``IDLE_TICKS_PER_SECOND ×
max_sleep_seconds`` repos, ``repos / IDLE_TICKS_PER_SECOND``: the idle cost of a host stays
flat however many repos it serves; only their sampling safety net comes round more slowly), but
never past the moment it has work due (a retry, a settling change, the host becoming idle);
and the repo drops its caches, the heap trimmed now and then (:mod:`reactor.memory`).
A filesystem event brings the repo's turn forward to ``settle_seconds``
from now. The loop sleeps until the earliest turn;
:meth:`Service.stop` wakes it for good.

A repo whose tick raises an unexpected exception is logged (with a traceback the first time),
paused with a growing delay, and the others go on; a repo that disappeared is dropped.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence

from .errors import RepoGone
from .memory import TRIM_INTERVAL_SECONDS, trim_heap
from .reactor import Reactor, TickResult

log = logging.getLogger(__name__)

#: A high-priority step: returns whether it did work. It may also have a method
#: ``seconds_until_due() -> float | None`` saying how soon it wants to run again (a progress
#: reporter watching a backlog end), which the loop's sleep does not overrun.
Step = Callable[[], bool]
#: Tick statuses that did index work rather than docs: the next one comes a budget later.
SLICE_STATUSES = frozenset({"rescanned", "restored"})
#: Tick statuses that found the way blocked (another run holds the lock, the disk fails): work
#: that is due cannot be done either, so the repo backs off (1 s doubling) instead of polling.
BLOCKED_STATUSES = frozenset({"locked", "io_error"})
#: The shortest pause of a repo whose tick found nothing (no hot loop on a due time at "now").
MIN_QUIET_SECONDS = 0.05
#: The first pause of a repo whose tick found nothing, then doubled up to the cap.
QUIET_START_SECONDS = 1.0
#: Across all repos of one Service, quiet repos tick at most about this often in total (an idle
#: tick costs ~1 ms of CPU with its scheduling: 500 quiet repos, each sampled every ~170 s,
#: idle at ≤ 0.5 %; at 5 a second they took 0.43–0.59 %).
IDLE_TICKS_PER_SECOND = 3.0
ERROR_BACKOFF_SECONDS = 5.0
ERROR_BACKOFF_MAX_SECONDS = 600.0


class _Pace:
    """One repo's turn in the loop."""

    def __init__(self, reactor: Reactor, now: float):
        self.reactor = reactor
        self.next_at = now
        self.quiet = 0.0
        self.errors = 0


class Service:
    """Runs high-priority ``steps`` and idle-time docgen for several reactors."""

    def __init__(
        self,
        reactors: Sequence[Reactor],
        *,
        steps: Sequence[Step] = (),
        min_sleep_seconds: float | None = None,
        max_sleep_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        """``min_sleep_seconds`` is the pause after an iteration whose steps did work
        (default: the shortest ``tick_seconds`` of the reactors)."""
        self.reactors = list(reactors)
        self.steps = list(steps)
        self.clock = clock
        shortest_tick = min((r.config.tick_seconds for r in self.reactors), default=1.0)
        self.min_sleep_seconds = shortest_tick if min_sleep_seconds is None else min_sleep_seconds
        self.max_sleep_seconds = max(max_sleep_seconds, self.min_sleep_seconds)
        #: The longest pause of a quiet repo (see the module docstring).
        self.quiet_cap_seconds = max(
            self.max_sleep_seconds, len(self.reactors) / IDLE_TICKS_PER_SECOND
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._changed: set[int] = set()
        self._changed_lock = threading.Lock()
        self._next = 0
        self._steps_worked = False
        self._released = False  # a quiet tick dropped caches since the last heap trim
        self._trimmed_at = -float("inf")
        #: How long :meth:`run` is sleeping right now (0 while it works); for diagnostics.
        self.sleeping_seconds = 0.0
        now = clock()
        self._pace = {id(r): _Pace(r, now) for r in self.reactors}
        for reactor in self.reactors:
            reactor.dirty.add_listener(functools.partial(self._on_change, id(reactor)))

    def _on_change(self, key: int) -> None:
        """Called on a watcher thread: note which repo changed and wake the loop."""
        with self._changed_lock:
            self._changed.add(key)
        self._wake.set()

    # -- one iteration --------------------------------------------------------------------
    def run_once(self) -> bool:
        """One loop iteration; True when anything did work."""
        did_work = self._steps_worked = False
        for step in self.steps:
            try:
                did_work = bool(step()) or did_work
            except Exception:
                log.exception("high-priority step %r failed", step)
        if did_work:
            for reactor in self.reactors:
                reactor.note_work()
            self._steps_worked = True
            return True
        self._take_changes()
        now = self.clock()
        count = len(self.reactors)
        for offset in range(count):
            i = (self._next + offset) % count
            pace = self._pace[id(self.reactors[i])]
            if now < pace.next_at:
                continue
            started, cpu_before = now, time.thread_time()
            try:
                result = pace.reactor.tick()
            except RepoGone:
                self._drop(pace.reactor)
                return True  # the rotation changed; the next iteration starts afresh
            except Exception:
                self._failed(pace, self.clock())
                continue
            pace.errors = 0
            # paced from the end of the tick: a tick longer than tick_seconds (a slow backend)
            # is not followed at once by the next, so a waiting manual run gets its turn
            now = self.clock()
            if result.status not in ("busy", "idle"):
                log.debug(
                    "tick %s: %s %s %s",
                    pace.reactor.root,
                    result.status,
                    result.path or "",
                    result.reason,
                )
            self._schedule(pace, result, now, cpu=(time.thread_time() - cpu_before, started))
            if result.work_done:
                self._next = (i + 1) % count
                return True
        self._trim_heap_when_quiet()
        return False

    def _trim_heap_when_quiet(self) -> None:
        """Nothing did work: give the heap's free pages back (:mod:`reactor.memory`), at most
        once every ``TRIM_INTERVAL_SECONDS``, and only when a quiet tick freed something."""
        now = self.clock()
        if self._released and now - self._trimmed_at >= TRIM_INTERVAL_SECONDS:
            trim_heap()
            self._trimmed_at, self._released = now, False

    def _schedule(
        self, pace: _Pace, result: TickResult, now: float, cpu: tuple[float, float]
    ) -> None:
        """When ``pace``'s repo ticks next; ``cpu``: the tick's CPU seconds and its start."""
        config = pace.reactor.config
        if result.work_done:
            pace.quiet = 0.0
            if result.status in SLICE_STATUSES:
                pace.next_at = now + config.tick_budget_ms / 1000
            elif pace.reactor.backend.cheap and config.cheap_cpu_percent > 0:
                # back to back within the CPU share: a tick that used c seconds of CPU is
                # followed c / share after it began (its disk waits overlap the pause)
                used, began = cpu
                pace.next_at = max(now, began + used * 100 / config.cheap_cpu_percent)
            else:
                pace.next_at = now + config.tick_seconds
            return
        # nothing to do: events and due times wake the repo, so the pause may grow fast; it
        # starts at a second even when tick_seconds is tiny (50 idle repos cost no CPU)
        start = max(config.tick_seconds, QUIET_START_SECONDS)
        pace.quiet = min(max(pace.quiet * 2, start), self.quiet_cap_seconds)
        wait = pace.quiet
        due = pace.reactor.seconds_until_due()
        if due is not None and result.status not in BLOCKED_STATUSES:
            wait = min(wait, due)
        until_idle = pace.reactor.idle.seconds_until_idle()
        if until_idle > 0:
            wait = min(wait, until_idle)
        pace.next_at = now + max(wait, min(MIN_QUIET_SECONDS, config.tick_seconds))
        pace.reactor.release_memory()  # (last: the due times above read the index too)
        self._released = True

    def _failed(self, pace: _Pace, now: float) -> None:
        """A bug or an unexpected error in one repo: log it, pause that repo, go on."""
        pace.errors += 1
        delay = min(ERROR_BACKOFF_SECONDS * 2 ** (pace.errors - 1), ERROR_BACKOFF_MAX_SECONDS)
        if pace.errors == 1:
            log.exception("docgen tick for %s failed; retrying in %.0fs", pace.reactor.root, delay)
        else:
            log.error(
                "docgen tick for %s failed again (%d in a row); retrying in %.0fs",
                pace.reactor.root,
                pace.errors,
                delay,
            )
        pace.next_at = now + delay

    def _take_changes(self) -> None:
        """Repos with new filesystem events get their turn once the change has settled."""
        with self._changed_lock:
            changed, self._changed = self._changed, set()
        now = self.clock()
        for key in changed:
            pace = self._pace.get(key)
            if pace is not None and pace.errors == 0:
                pace.quiet = 0.0
                pace.next_at = min(pace.next_at, now + pace.reactor.config.settle_seconds)

    def _drop(self, reactor: Reactor) -> None:
        """A repo vanished: stop serving it; when none is left there is nothing to do."""
        if len(self.reactors) == 1:
            raise RepoGone(reactor.root)
        log.error("repository %s no longer exists; no longer serving it", reactor.root)
        self.reactors.remove(reactor)
        del self._pace[id(reactor)]
        self._next = 0
        reactor.close()

    # -- the loop -------------------------------------------------------------------------
    def next_sleep(self) -> float:
        """How long to sleep after an iteration: ``min_sleep_seconds`` after the host's steps
        did work, else until the earliest repo's turn."""
        if self._steps_worked:
            return self.min_sleep_seconds
        self._take_changes()
        now = self.clock()
        earliest = min((p.next_at for p in self._pace.values()), default=float("inf"))
        for step in self.steps:  # a step may say when it wants to run again (see Step)
            due = getattr(step, "seconds_until_due", lambda: None)()
            if due is not None:
                earliest = min(earliest, now + due)
        return max(0.0, min(earliest - now, self.max_sleep_seconds))

    def run(self) -> None:
        """Loop until :meth:`stop`."""
        while not self._stop.is_set():
            self.run_once()
            self.sleeping_seconds = self.next_sleep()
            if self.sleeping_seconds > 0 and self._wake.wait(self.sleeping_seconds):
                self._wake.clear()
            self.sleeping_seconds = 0.0

    def stop(self) -> None:
        """Ask :meth:`run` to return; safe from signal handlers and other threads."""
        self._stop.set()
        self._wake.set()
