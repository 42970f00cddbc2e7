"""Service (the host loop) and the `reactor watch` command as a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor
from reactor.service import Service

MakeReactor = Callable[..., Reactor]


def test_high_priority_steps_first_and_ticks_only_when_they_idle(
    make_reactor: MakeReactor, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    pending = ["sync", "enrich", "embed"]
    calls: list[str] = []

    def step() -> bool:
        if pending:
            calls.append(pending.pop(0))
            return True
        return False

    service = Service([reactor], steps=[step])
    for _ in range(3):
        assert service.run_once()  # a step did work: no tick, last_work noted
    assert calls == ["sync", "enrich", "embed"] and backend.requests == []
    assert not service.run_once()  # steps idle, but the host is not idle yet
    clock.advance(10)
    while service.run_once():
        pass
    assert len(backend.requests) == 3


def test_round_robin_across_repos(tmp_path: Path, clock: FakeClock, backend: FakeBackend) -> None:
    reactors = []
    for name in ("a", "b"):
        root = tmp_path / name
        for i in range(3):
            write(root, f"{name}{i}.py", f"X = {i}\n")
        reactors.append(
            Reactor.open(root, config=DocgenConfig(), clock=clock, backend=backend, watch=False)
        )
    try:
        service = Service(reactors)
        for _ in range(2):  # the startup rescans
            service.run_once()
        for _ in range(4):
            service.run_once()
        assert [p[0] for p in backend.paths] == ["a", "b", "a", "b"]
    finally:
        for r in reactors:
            r.close()


def test_sleep_backs_off_exponentially_and_resets_on_work(make_reactor: MakeReactor) -> None:
    service = Service([make_reactor()], min_sleep_seconds=1, max_sleep_seconds=30)
    sleeps = [1.0]
    for _ in range(7):
        sleeps.append(service.next_sleep(sleeps[-1], did_work=False))
    assert sleeps == [1, 2, 4, 8, 16, 30, 30, 30]
    assert service.next_sleep(30, did_work=True) == 1


def test_sleep_never_past_the_moment_the_host_becomes_idle(
    make_reactor: MakeReactor, clock: FakeClock
) -> None:
    reactor = make_reactor()
    service = Service([reactor], min_sleep_seconds=1, max_sleep_seconds=30)
    reactor.note_work()
    clock.advance(7)
    assert service.next_sleep(16, did_work=False) == 3


def test_run_wakes_on_events_and_stops_promptly(repo: Path, backend: FakeBackend) -> None:
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05)
    with Reactor.open(repo, config=config, backend=backend) as reactor:
        service = Service([reactor], min_sleep_seconds=0.05, max_sleep_seconds=30)
        thread = threading.Thread(target=service.run)
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while len(backend.requests) < 3:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(0.5)  # let the loop back off into a long sleep
            write(repo, "late.py", "LATE = 1\n")
            while doc_header(repo, "late.py") is None:
                assert time.monotonic() < deadline, "a new file did not wake the loop"
                time.sleep(0.02)
        finally:
            started = time.monotonic()
            service.stop()
            thread.join(timeout=5)
        assert not thread.is_alive() and time.monotonic() - started < 2


def test_reactor_watch_process(repo: Path) -> None:
    """`reactor watch`: converges, reacts to an edit, refuses a twin, exits 0 on SIGTERM."""
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nidle_after_seconds = 0\nsettle_seconds = 0.1\ntick_seconds = 0.05\n",
    )
    cmd = [sys.executable, "-m", "reactor.cli", "watch", str(repo)]
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) as proc:
        try:
            deadline = time.monotonic() + 30

            def wait_fresh(rel: str) -> None:
                while doc_header(repo, rel) != f"SHA256: {sha256_of(repo / rel)}":
                    assert proc.poll() is None, "reactor watch died"
                    assert time.monotonic() < deadline, f"{rel} never became fresh"
                    time.sleep(0.05)

            for rel in ("pkg/util.py", "pkg/__init__.py", "main.c"):
                wait_fresh(rel)
            write(repo, "pkg/util.py", "def helper(x):\n    return x - 1\n")
            wait_fresh("pkg/util.py")

            twin = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
            assert twin.returncode == 3 and "watch.lock" in twin.stderr

            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        log = proc.stderr.read() if proc.stderr else ""
    assert "📝 [Docgen] Generated doc for pkg/util.py" in log
    assert "received SIGTERM, shutting down" in log and "Traceback" not in log


def test_a_vanished_repo_is_dropped_while_others_go_on(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    import shutil

    import pytest

    from reactor.errors import RepoGone

    roots = [tmp_path / "keep", tmp_path / "gone"]
    for root in roots:
        write(root, "a.py", "A = 1\n")
    reactors = [
        Reactor.open(r, config=DocgenConfig(), clock=clock, backend=backend, watch=False)
        for r in roots
    ]
    service = Service(reactors)
    try:
        shutil.rmtree(roots[1])
        while service.run_once():
            pass
        assert [r.root for r in service.reactors] == [roots[0].resolve()]
        assert doc_header(roots[0], "a.py") is not None
        shutil.rmtree(roots[0])
        with pytest.raises(RepoGone):  # the last one gone: the loop ends with the error
            service.run_once()
    finally:
        for reactor in reactors:
            reactor.close()
