"""Prompt shutdown for the CLI: SIGINT/SIGTERM end a run within moments, whatever it is doing.

The first signal asks the run to stop. If the main thread is inside an *abortable* section — a
backend call (a shell script running, an HTTP request in flight), a wait for a lock, an index
scan — the handler raises :class:`~reactor.errors.Interrupted` there and then, the way Ctrl-C
raises ``KeyboardInterrupt``: the script's process group is killed on the way out, the request is
abandoned, and the file is not marked failed (``Interrupted`` is not an ``Exception``). Anywhere
else (an index write, a doc's atomic write) the run stops at the next boundary, a few
milliseconds on. A second signal exits at once, after removing the temp files of writes in
flight, so no ``.*.reactor-tmp`` file survives either way.

Around the whole command (:func:`conventional_exits`), outside a run's own handling — a command
starting or closing, or one that installs none (``status``, ``check``) — the first signal raises
:class:`~reactor.errors.Interrupted` where the main thread is, as Ctrl-C raises
``KeyboardInterrupt``, and a signal after a first one exits at once. So every signal ends a
command with 128 + its number, never by the default action (a second SIGTERM while a ``watch``
closed its index ended it as killed, -15: a crash, to a supervisor).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from .docs import DocStore
from .errors import Interrupted

log = logging.getLogger("reactor")

SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: How soon a signal's exception is raised again in an abortable section it did not leave.
RETRY_SECONDS = 0.2
#: The signals received since the command began (a later one exits at once).
_received: list[int] = []
#: Sections a signal's exception must not cut (see :func:`uninterrupted`), open now.
_held = 0


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """A few lines a signal's exception must not cut: a backend script being started (cut
    inside ``Popen``, the script would run on with nobody knowing its process group to end).
    The exception comes a moment later instead (the retry of :meth:`Shutdown._handle`), in the
    call that follows, which ends the group on its way out."""
    global _held
    _held += 1
    try:
        yield
    finally:
        _held -= 1


@contextlib.contextmanager
def conventional_exits() -> Iterator[None]:
    """For one command, in the main thread (see the module docstring). After a signal the
    handling stays: the process is on its way out, and a second signal ends it at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        if not _received:
            for s, handler in previous.items():
                signal.signal(s, handler)
        else:  # the interpreter's end resets Python handlers to the default action: a signal
            atexit.register(_ignore_late_signals)  # then would kill the process (-15)


def _ignore_late_signals() -> None:
    """At exit, after a signal: one more comes too late to change anything."""
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    if _received:
        os._exit(128 + signum)
    _received.append(signum)
    raise Interrupted(signum)


class Shutdown:
    """Installs the handlers for one CLI run; :meth:`abortable` marks where a signal may cut."""

    def __init__(self, *, on_stop: Callable[[], object] = lambda: None):
        self.on_stop = on_stop
        self.signum: int | None = None
        self._abortable = 0
        self._docs: list[DocStore] = []
        self._alarm: Any = None  # SIGALRM's handler before a retry was armed

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def cleans(self, docs: DocStore) -> None:
        """Remove ``docs``' temp files in flight on a hard exit."""
        self._docs.append(docs)

    @contextlib.contextmanager
    def installed(self) -> Iterator[Shutdown]:
        """The handlers, for the duration (only the main thread may set them: elsewhere, as
        when a host runs the CLI's functions in a thread, the host's own handling stays)."""
        main = threading.current_thread() is threading.main_thread()
        previous = {s: signal.signal(s, self._handle) for s in SIGNALS} if main else {}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            if self._alarm is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self._alarm)
            for docs in self._docs:
                docs.remove_temp_files_in_flight()

    @contextlib.contextmanager
    def abortable(self) -> Iterator[None]:
        """A section a signal may end at once (raises :class:`Interrupted` if one came)."""
        self.check()
        self._abortable += 1
        try:
            yield
        finally:
            self._abortable -= 1

    def check(self) -> None:
        """Raise :class:`Interrupted` if a stop was asked for (at a safe boundary)."""
        if self.signum is not None:
            raise Interrupted(self.signum)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:  # the second one: out now
            for docs in self._docs:
                docs.remove_temp_files_in_flight()
            os._exit(128 + signum)
        self.signum = signum
        _received.append(signum)  # (after this run's handling, a second one exits at once)
        log.info("received %s, shutting down", signal.Signals(signum).name)
        self.on_stop()
        if self._abortable:
            self._retry_later()
            if not _held and not _swallows(frame):
                raise Interrupted(signum)

    def _retry_later(self) -> None:
        """Raise it again shortly if this one is lost: a handler that runs inside a callback
        Python calls from C — logging's lock release after the ``fork`` that starts a backend
        script — has its exception printed as "ignored", and the call would run on to its
        timeout. The retry finds the section left (the exception went through) or raises."""
        if threading.current_thread() is threading.main_thread():
            self._alarm = signal.signal(signal.SIGALRM, self._retry)
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)

    def _retry(self, signum: int, frame: FrameType | None) -> None:
        if self._abortable and self.signum is not None:
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)  # (should this one be lost too)
            if not _held and not _swallows(frame):
                raise Interrupted(self.signum)


def _swallows(frame: FrameType | None) -> bool:
    """Whether an exception raised in ``frame`` would be printed as "ignored" and lost: the
    logging module's lock callbacks, which ``os.fork`` runs (starting a backend script) — a
    known place; elsewhere the retry covers what cannot be foreseen."""
    return frame is not None and frame.f_globals.get("__name__") == "logging"
