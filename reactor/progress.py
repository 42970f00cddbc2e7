"""Where a running ``reactor watch`` stands: a progress line in its log, a state file for status.

The counts come from the index (one query: the doc header last seen for each source), never from
another walk. The line is logged at start, every ``REPORT_INTERVAL_SECONDS`` while there is a
backlog, and once when everything is fresh::

    412/1,203 fresh (34%) · 791 to go · ~13 min at the current pace
    1,191/1,203 fresh (99%) · 12 outdated, refreshed at most 30 an hour (refresh_outdated_per_hour)

Outdated docs (their source unchanged, another input changed) count as neither fresh nor to go:
they come after every stale and missing doc, one per idle tick for the outline, at
``refresh_outdated_per_hour`` for model backends; the line says which. The counts are the ones
``status`` shows (what the backend declined, a file of the user's where a doc would go and a doc
that cannot be read are counted by neither), and a repo with no source says so in the same
words. The estimate divides what is left by the rate docs were written since the last line:
edits that make docs stale meanwhile do not slow it (the net change of the fresh count did).

The watch's mode and the number of watched directories go to ``.llmc/watch.json`` so that
``reactor status`` (another process) can show them while the watch runs; status trusts the file
only while the watch lock is held.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable

from .errors import RepoGone
from .reactor import Reactor
from .state import ensure_state_dir
from .status import WATCH_STATE_FILE, share

log = logging.getLogger("reactor")

REPORT_INTERVAL_SECONDS = 30.0
#: While there is a backlog, how often the counts are looked at for the moment it is gone (one
#: count query: ~10 ms at 100k files), so "all fresh" is said when it happens, not 30 s later.
CONVERGED_CHECK_SECONDS = 2.0
#: When nothing is left to do, the state file is still refreshed this often.
IDLE_STATE_INTERVAL_SECONDS = 300.0


def progress_line(
    matching: int,
    total: int,
    pace_per_second: float | None,
    outdated: int = 0,
    *,
    refresh: str = "refreshed one per idle tick",
) -> str:
    """``412/1,203 fresh (34%) · 791 to go · ~13 min at the current pace``: ``matching`` docs
    carry their source's SHA-256, ``outdated`` of them were made from other inputs and are
    ``refresh``-ed (see :func:`refresh_words`)."""
    if total and matching >= total and not outdated:
        return f"all {total:,} docs fresh"
    line = _so_far(matching - outdated, total)
    if outdated:
        line += f" · {outdated:,} outdated"
    if matching < total:
        line += f" · {total - matching:,} to go"
        if pace_per_second:
            line += f" · ~{_duration((total - matching) / pace_per_second)} at the current pace"
    elif outdated:
        line += f", {refresh}"
    return line


def refresh_words(reactor: Reactor) -> str:
    """How outdated docs are refreshed, as the scheduler does it for this backend."""
    if reactor.backend.cheap:
        return "refreshed one per idle tick"
    rate = reactor.config.refresh_outdated_per_hour
    if rate <= 0:
        return "not refreshed (refresh_outdated_per_hour = 0)"
    return f"refreshed at most {rate:g} an hour (refresh_outdated_per_hour)"


def _so_far(fresh: int, total: int) -> str:
    return f"{fresh:,}/{total:,} fresh {share(fresh, total)}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class ProgressReporter:
    """A :class:`~reactor.service.Service` step (it never counts as work) for one reactor."""

    def __init__(
        self,
        reactor: Reactor,
        *,
        highlight: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.reactor = reactor
        self.highlight = highlight  # a terminal: the "all fresh" line stands out
        self.clock = clock
        self._next_at = float("-inf")
        self._check_at = float("-inf")
        self._written = 0  # docs written (moved, removed) by the reactor's ticks so far
        self._last: tuple[float, int] | None = None  # when the last line was said, and _written
        self._said_converged = False
        self._said_outdated = 0  # outdated docs the converged line counted
        reactor.add_doc_listener(self._wrote)

    def _wrote(self, rel: str) -> None:
        self._written += 1

    def __call__(self) -> bool:
        now = self.clock()
        settled = self._said_converged and not self._said_outdated
        if now < self._next_at and (settled or now < self._check_at):
            return False
        self._check_at = now + CONVERGED_CHECK_SECONDS
        fresh, outdated, total = self.reactor.index.progress()
        scheduler = self.reactor.scheduler
        total -= len(scheduler.in_the_way) + len(scheduler.unreadable_docs)
        indexing = scheduler.scan is not None or self.reactor.dirty.has_trees()
        converged = fresh >= total and not indexing  # (outdated ones are said, not awaited)
        if now < self._next_at and not converged:
            return False  # only looking for the moment the backlog is gone
        pace = None
        if self._last is not None and now > self._last[0] and self._written > self._last[1]:
            pace = (self._written - self._last[1]) / (now - self._last[0])
        self._last = (now, self._written)
        if not converged:
            self._said_converged = False
            if indexing and not total:
                log.info("indexing the repo; docs follow as files are found")
            elif (
                indexing
            ):  # the counts are the last index's: never "all fresh" before it is checked
                line = _so_far(fresh - outdated, total)
                log.info("%s · still indexing (counts as last indexed)", line)
            else:
                refresh = refresh_words(self.reactor)
                log.info("%s", progress_line(fresh, total, pace, outdated, refresh=refresh))
        elif not self._said_converged or (self._said_outdated and not outdated):
            # said once when the backlog is gone, and again when its outdated docs are too
            self._said_converged, self._said_outdated = True, outdated
            line = progress_line(fresh, total, None, outdated, refresh=refresh_words(self.reactor))
            log.info("\033[1;32m%s\033[0m" if self.highlight else "%s", line)
        self._write_state()
        interval = (
            IDLE_STATE_INTERVAL_SECONDS if converged and not outdated else REPORT_INTERVAL_SECONDS
        )
        self._next_at = now + interval
        return False

    def seconds_until_due(self) -> float:
        """How soon this step wants to run again (the host loop sleeps no longer): while there
        is a backlog, at its next look for the moment it is gone; else at the next state write."""
        settled = self._said_converged and not self._said_outdated
        due = self._next_at if settled else min(self._next_at, self._check_at)
        return max(0.0, due - self.clock())

    def _write_state(self) -> None:
        watcher = self.reactor.watcher
        state = {  # status counts docs itself; this is what only the watch knows
            "pid": os.getpid(),
            "mode": watcher.mode if watcher else "stopped",
            "watched_dirs": watcher.watched_dirs if watcher else 0,
            "fallback": watcher.fallback_reason if watcher else None,
            "updated": time.time(),
        }
        with contextlib.suppress(OSError, RepoGone):  # best effort: the tick says what is wrong
            directory = ensure_state_dir(self.reactor.root)
            tmp = directory / f".{WATCH_STATE_FILE}.{os.getpid()}"
            tmp.write_text(json.dumps(state) + "\n")
            os.replace(tmp, directory / WATCH_STATE_FILE)
