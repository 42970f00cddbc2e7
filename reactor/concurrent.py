"""Batch runs against servers that batch: up to N backend calls in flight, the rest one at a time.

A model server that serves several requests at once (vLLM, llama.cpp ``--parallel``, hosted
APIs) is mostly waited on. So ``reactor generate --jobs N`` takes files N at a time, each down
its usual way (:meth:`reactor.worker.Worker.document`), holding one lock for everything but the
backend call: observing, the index, the doc write and the record stay strictly one at a time, as
in a run with one job, while up to N requests wait on the server together. Outcomes are reported
in the files' order. The daemon never does this: an idle tick documents one file.

On a stop (a signal, or the progress callback raising) no new file is started; the requests in
flight are cut by closing the backend's connections, so nothing waits for a slow server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .backends import Backend, DocRequest, Generated, NoOp

if TYPE_CHECKING:
    from .docgen import DocGenerator, Outcome
    from .worker import Worker


class _Unlocked(Backend):
    """The backend, called with the run's lock released (so that calls overlap)."""

    def __init__(self, inner: Backend, lock: threading.Lock):
        self.inner = inner
        self.lock = lock
        self.name = inner.name
        self.cheap = inner.cheap

    def generate(self, request: DocRequest) -> Generated | NoOp:
        self.lock.release()
        try:
            return self.inner.generate(request)
        finally:
            self.lock.acquire()

    def describe(self) -> str:
        return self.inner.describe()

    def identity(self) -> str:
        return self.inner.identity()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def document_all(
    worker: Worker,
    generator: DocGenerator,
    files: list[str],
    *,
    jobs: int,
    force: bool,
    done: Callable[[Outcome | None], None],
) -> None:
    """Document ``files`` with up to ``jobs`` backend calls at once; ``done`` gets each
    outcome in ``files``' order."""
    lock = threading.Lock()
    inner = generator.backend
    generator.backend = _Unlocked(inner, lock)
    stop = threading.Event()

    def one(rel: str) -> Outcome | None:
        with lock:
            if stop.is_set():
                return None
            return worker.document(rel, force=force, batch=True, refresh=True)

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="reactor-generate")
    futures: list[Future[Outcome | None]] = [pool.submit(one, rel) for rel in files]
    try:
        for future in futures:
            done(future.result())
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        inner.close()  # cut the requests in flight: nothing waits for a slow server
        raise
    finally:
        pool.shutdown(wait=True)
        generator.backend = inner
