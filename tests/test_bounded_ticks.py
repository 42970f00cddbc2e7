"""Never in the way, never stuck: budgeted ticks, one sync path for orphans, the docgen lock
between threads, and `status` beside a writing daemon."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, write
from reactor.backends import Backend, DocRequest, Generated, NoOp
from reactor.config import DocgenConfig
from reactor.docs import TEMP_SUFFIX
from reactor.reactor import Reactor
from reactor.scan import LOOKUP_CHUNK
from reactor.scheduler import (
    DELETE_GRACE_SECONDS,
    RESCAN_INTERVAL_SECONDS,
    SWEEP_INTERVAL_SECONDS,
)

MakeReactor = Callable[..., Reactor]


def big_repo(root: Path, files: int) -> list[str]:
    paths = [f"d{i % 10}/m{i}.py" for i in range(files)]
    for rel in paths:
        write(root, rel, f"X = {rel!r}\n")
    return paths


def test_a_tick_stops_at_its_budget_and_the_scan_resumes(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    repo = tmp_path / "big"
    paths = big_repo(repo, 300)
    config = DocgenConfig().replace(tick_budget_ms=0, idle_after_seconds=0, settle_seconds=0)
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as reactor:
        assert reactor.tick().status == "rescanned"
        assert 1 <= reactor.index.count() <= LOOKUP_CHUNK  # one unit, not the whole tree
        statuses = []
        while reactor.scheduler.scan is not None:
            statuses.append(reactor.tick().status)
            assert len(statuses) < 2000
        # the scan took many ticks, and docs were generated between its slices
        assert statuses.count("rescanned") >= 300 // LOOKUP_CHUNK
        assert "generated" in statuses
        assert reactor.index.count() == 300
        for _ in range(400):
            if not reactor.tick().work_done:
                break
        assert all(doc_header(repo, rel) for rel in paths)


def test_a_user_edit_is_documented_while_a_big_first_index_is_still_running(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    repo = tmp_path / "big"
    big_repo(repo, 300)
    config = DocgenConfig().replace(tick_budget_ms=0, idle_after_seconds=0, settle_seconds=0.5)
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as reactor:
        for _ in range(3):
            reactor.tick()
        write(repo, "d9/m299.py", "X = 'edited'\n")
        reactor.notify(["d9/m299.py"])
        clock.advance(0.5)
        result = reactor.tick()
        assert (result.status, result.path) == ("generated", "d9/m299.py")
        assert reactor.scheduler.scan is not None  # the index is still being built


def test_a_whole_budget_indexes_a_small_repo_in_one_tick(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    repo = tmp_path / "small"
    big_repo(repo, 300)
    config = DocgenConfig().replace(tick_budget_ms=60_000, idle_after_seconds=0)
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as reactor:
        assert reactor.tick().status == "rescanned"
        assert reactor.index.count() == 300 and reactor.scheduler.scan is None


def test_an_orphan_left_after_status_is_removed_by_ticks(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock
) -> None:
    daemon = make_reactor()
    while daemon.tick().work_done:
        pass
    doc = repo / "DOCS/REPODOCS/main.c.md"
    assert doc.exists()
    (repo / "main.c").unlink()  # no watcher: the daemon hears nothing
    status = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "status", str(repo), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"orphaned": 1' in status.stdout
    assert doc.exists()  # status never touches docs; it left a tombstone in the index
    assert not daemon.tick().work_done  # first seen: a grace period, in case of a rename
    assert doc.exists()
    clock.advance(DELETE_GRACE_SECONDS)
    result = daemon.tick()
    assert (result.status, result.path) == ("removed", "main.c")
    assert not doc.exists()


def test_docs_the_index_never_knew_are_swept_away(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock
) -> None:
    write(repo, "vendor/lib.py", "V = 1\n")
    daemon = make_reactor(exclude=["vendor/"])
    while daemon.tick().work_done:
        pass
    out = repo / "DOCS/REPODOCS"
    stale_batch_doc = write(out, "old/removed_long_ago.py.md", "SHA256: " + "0" * 64 + "\n")
    excluded_doc = write(out, "vendor/lib.py.md", "SHA256: " + "0" * 64 + "\n")
    temp = write(out, f"pkg/.abc{TEMP_SUFFIX}", "half a doc")  # a crash left it
    clock.advance(SWEEP_INTERVAL_SECONDS)  # the slow sweep's next pass is due
    for _ in range(20):
        daemon.tick()
        clock.advance(1)
    assert not stale_batch_doc.exists() and not excluded_doc.exists() and not temp.exists()
    assert not (out / "old").exists()  # emptied directories are pruned
    assert doc_header(repo, "pkg/util.py") is not None  # real docs stay


def test_the_hourly_rescan_finds_a_file_no_event_reported(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock
) -> None:
    daemon = make_reactor()
    while daemon.tick().work_done:
        pass
    unreported = write(repo, "new.py", "N = 1\n")  # no watcher, no notify()
    clock.advance(60)
    assert not daemon.tick().work_done and doc_header(repo, "new.py") is None
    clock.advance(RESCAN_INTERVAL_SECONDS)
    while daemon.tick().work_done:
        pass
    assert doc_header(repo, "new.py") == f"SHA256: {sha256_of(unreported)}"


def test_status_beside_a_writing_daemon_leaves_its_temp_file(
    make_reactor: MakeReactor, repo: Path
) -> None:
    daemon = make_reactor()
    while daemon.tick().work_done:
        pass
    in_flight = write(repo / "DOCS/REPODOCS/pkg", f".x1y2z3{TEMP_SUFFIX}", "being written")
    with daemon.lock:  # the daemon is mid-write: it holds the docgen lock
        for argv in (["status", str(repo)], ["status", str(repo), "--json"]):
            subprocess.run([sys.executable, "-m", "reactor.cli", *argv], check=True, text=True)
        with Reactor.open(repo, watch=False) as second:
            second.status()
        assert in_flight.exists()


class OverlapDetector(Backend):
    """Fails the test if two generations ever run at once.

    A batch generation (main thread) waits until a tick has been refused meanwhile, so every
    batch really runs while the other thread ticks.
    """

    name = "overlap"

    def __init__(self) -> None:
        self.active = 0
        self.max_active = 0
        self.tick_refused = threading.Event()
        self._lock = threading.Lock()

    def generate(self, request: DocRequest) -> Generated | NoOp:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        if threading.current_thread() is threading.main_thread():
            assert self.tick_refused.wait(30), "no tick ran during the batch"
        with self._lock:
            self.active -= 1
        return Generated(f"# {request.relative_path}\n")


def test_a_batch_and_ticks_in_two_threads_never_overlap(repo: Path, clock: FakeClock) -> None:
    backend = OverlapDetector()
    config = DocgenConfig().replace(idle_after_seconds=0, daemon_priority="normal")
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as reactor:
        stop = threading.Event()
        tick_generated = threading.Event()
        statuses: list[str] = []

        def ticker() -> None:
            while not stop.is_set():
                for rel in ("pkg/util.py", "main.c"):  # keep the ticks busy
                    path = repo / rel
                    path.write_text(path.read_text() + "#\n")
                    reactor.notify([rel])
                clock.advance(1)
                status = reactor.tick().status
                statuses.append(status)
                if status == "locked":
                    backend.tick_refused.set()
                elif status == "generated":
                    tick_generated.set()

        thread = threading.Thread(target=ticker)
        thread.start()
        try:
            for _ in range(5):
                backend.tick_refused.clear()
                reactor.generate(None, force=True, wait_seconds=30)
                assert tick_generated.wait(30)  # and ticks generate between the batches
                tick_generated.clear()
        finally:
            stop.set()
            thread.join()
    assert backend.max_active == 1
    assert statuses.count("generated") >= 5 and "locked" in statuses
