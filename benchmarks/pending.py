"""Figures still being measured in the background, for ``run.py --quick``.

An idle window (a converged ``reactor watch``, many idle repos) is mostly waiting: the figure
is the idle process's own CPU and wake-ups, which the work of another process on another core
does not change. ``--quick`` lets such a window run on while the next sections run, once the
idle process has finished its own busy start (so that start never overlaps a timed section).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psutil


class Pending:
    """``finish`` runs in a thread from now on; :meth:`result` waits for what it returns."""

    def __init__(self, finish: Callable[[], dict[str, Any]]) -> None:
        self._value: dict[str, Any] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(finish,), daemon=True)
        self._thread.start()

    def _run(self, finish: Callable[[], dict[str, Any]]) -> None:
        try:
            self._value = finish()
        except BaseException as exc:  # re-raised in the caller's thread by result()
            self._error = exc

    def wait(self) -> None:
        """Wait for the measurement to end (its processes reaped), whatever its outcome."""
        self._thread.join()

    def result(self) -> dict[str, Any]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def wait_quiet(process: psutil.Process, *, until: float, quiet_s: float = 0.5) -> None:
    """Return once ``process`` has used no CPU for ``quiet_s`` (its start is over), or at the
    monotonic time ``until``, whichever comes first."""
    cpu = sum(process.cpu_times()[:2])
    since = time.monotonic()
    while time.monotonic() < until:
        time.sleep(0.1)
        now = sum(process.cpu_times()[:2])
        if now != cpu:
            cpu, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return


def full_run_only(label: str) -> str:
    """A table row that ``--quick`` leaves to the full run, said as such."""
    return f"| {label} | (full run only) | — | — | — |"
