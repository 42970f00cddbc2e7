"""The idle detector: tied to the host's last high-priority work, never to docgen's own work.

Only :meth:`IdleDetector.note_work` moves ``last_work``; a tick that generates a doc does not, so
a backlog of docs can never keep itself "busy". Before any work was noted the host counts as idle
(a standalone ``reactor watch`` has no other work). The clock is injected so tests drive time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class IdleDetector:
    """``idle`` when ``now - last_work >= idle_after_seconds``; always, with priority ``normal``."""

    def __init__(
        self,
        *,
        idle_after_seconds: float,
        priority: str = "idle",
        clock: Callable[[], float] = time.monotonic,
    ):
        self.idle_after_seconds = idle_after_seconds
        self.priority = priority
        self.clock = clock
        self._last_work: float | None = None
        self._lock = threading.Lock()

    @property
    def last_work(self) -> float | None:
        return self._last_work

    def note_work(self) -> None:
        """The host did high-priority work just now (sync, enrich, embed, ...)."""
        now = self.clock()
        with self._lock:
            self._last_work = now if self._last_work is None else max(self._last_work, now)

    def seconds_until_idle(self) -> float:
        """0 when idle now; otherwise how long until it will be, if no more work arrives."""
        if self.priority == "normal" or self._last_work is None:
            return 0.0
        return max(0.0, self._last_work + self.idle_after_seconds - self.clock())

    def is_idle(self) -> bool:
        return self.seconds_until_idle() <= 0.0
