"""Service (the host loop) and the `reactor watch` command as a real process."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, wait_until, write
from reactor.backends import DocRequest, Generated, NoOp
from reactor.config import DocgenConfig
from reactor.memory import TRIM_INTERVAL_SECONDS
from reactor.reactor import Reactor, TickResult
from reactor.scheduler import BACKOFF_BASE_SECONDS
from reactor.service import Service

MakeReactor = Callable[..., Reactor]


def drive(service: Service, clock: FakeClock, *, iterations: int = 10_000) -> float:
    """Run the loop on the fake clock, jumping over each sleep it asks for, until it has done
    nothing for twice its longest sleep; returns the simulated seconds until its last work."""
    started = last_work = clock()
    for _ in range(iterations):
        if service.run_once():
            last_work = clock()
        elif clock() - last_work > 2 * service.max_sleep_seconds:
            return last_work - started
        clock.advance(service.next_sleep())
    raise AssertionError("the loop never went quiet")


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

    service = Service([reactor], steps=[step], clock=clock)
    for _ in range(3):
        assert service.run_once()  # a step did work: no tick, last_work noted
        assert service.next_sleep() == service.min_sleep_seconds
    assert calls == ["sync", "enrich", "embed"] and backend.requests == []
    assert not service.run_once()  # steps idle, but the host is not idle yet
    assert service.next_sleep() <= 10  # it comes back when the host turns idle, not later
    clock.advance(10)
    drive(service, clock)
    assert len(backend.requests) == 3


def test_host_work_every_200ms_holds_docgen_off(
    make_reactor: MakeReactor, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor(idle_after_seconds=1.0)
    busy = {"left": 50}

    def step() -> bool:  # the host's own work, every 200 ms for 10 s
        busy["left"] -= 1
        return busy["left"] >= 0

    service = Service([reactor], steps=[step], min_sleep_seconds=0.2, clock=clock)
    statuses = []
    while busy["left"] >= 0:
        service.run_once()
        statuses.append(reactor.tick().status)
        clock.advance(0.2)
    assert set(statuses) == {"busy"} and backend.requests == []
    clock.advance(1.0)
    drive(service, clock)
    assert len(backend.requests) == 3  # idle at last: the backlog is documented


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
        service = Service(reactors, clock=clock)
        drive(service, clock)
        assert [p[0] for p in backend.paths] == ["a", "b", "a", "b", "a", "b"]
    finally:
        for r in reactors:
            r.close()


def test_each_repo_is_paced_by_its_own_tick_seconds(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    reactors = []
    for name, tick in (("fast", 0.5), ("slow", 2.0)):
        root = tmp_path / name
        for i in range(4):
            write(root, f"{name}{i}.py", f"X = {i}\n")
        config = DocgenConfig().replace(tick_seconds=tick, idle_after_seconds=0.0)
        reactors.append(
            Reactor.open(root, config=config, clock=clock, backend=backend, watch=False)
        )
    generated_at: dict[str, list[float]] = {"fast": [], "slow": []}
    real_generate = backend.generate

    def timed(request: DocRequest) -> Generated | NoOp:
        generated_at[request.relative_path[:4]].append(clock())
        return real_generate(request)

    backend.generate = timed  # type: ignore[method-assign]
    try:
        drive(Service(reactors, clock=clock), clock)
    finally:
        for r in reactors:
            r.close()
    for name, tick in (("fast", 0.5), ("slow", 2.0)):
        times = generated_at[name]
        assert len(times) == 4
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(abs(gap - tick) < 1e-6 for gap in gaps), (name, gaps)


def test_fifty_repos_converge_at_their_tick_pace(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    """50 repos x 5 files at tick_seconds = 0.01: index slices do not eat the iterations."""
    config = DocgenConfig().replace(tick_seconds=0.01, idle_after_seconds=0.0)
    reactors = []
    try:
        for r in range(50):
            root = tmp_path / f"r{r}"
            for i in range(5):
                write(root, f"m{i}.py", f"X = {i}\n")
            reactors.append(
                Reactor.open(root, config=config, clock=clock, backend=backend, watch=False)
            )
        simulated = drive(Service(reactors, clock=clock), clock)
    finally:
        for reactor in reactors:
            reactor.close()
    assert len(backend.requests) == 250
    # one file per repo every 0.01 s, all repos in parallel turns: about 5 x 0.01 s of pacing
    # plus the startup slices; the old loop needed 250 iterations of a fixed 1 s sleep
    assert simulated < 1.0, simulated


def test_nothing_to_do_backs_off_exponentially_up_to_the_cap(
    make_reactor: MakeReactor, clock: FakeClock
) -> None:
    reactor = make_reactor(tick_seconds=1.0)
    service = Service([reactor], max_sleep_seconds=30, clock=clock)
    drive(service, clock)  # index and document the small repo
    sleeps = []
    for _ in range(8):
        service.run_once()
        sleeps.append(service.next_sleep())
        clock.advance(sleeps[-1])
    assert sleeps[-3:] == [30, 30, 30] and sleeps == sorted(sleeps)


def test_a_failed_file_is_retried_when_its_backoff_ends_not_later(
    make_reactor: MakeReactor, clock: FakeClock, backend: FakeBackend, repo: Path
) -> None:
    """A converged, idle repo: the loop sleeps long, but wakes for the retry on time."""
    backend.fail = lambda rel: rel == "main.c" and backend.paths.count("main.c") < 2
    reactor = make_reactor()
    service = Service([reactor], max_sleep_seconds=3600, clock=clock)
    for _ in range(50):  # converge: everything but main.c, which failed once
        service.run_once()
        if backend.paths.count("main.c") == 1:
            break
        clock.advance(service.next_sleep())
    failed_at = clock()
    for _ in range(50):
        service.run_once()
        if doc_header(repo, "main.c") is not None:
            break
        clock.advance(service.next_sleep())
    assert doc_header(repo, "main.c") == f"SHA256: {sha256_of(repo / 'main.c')}"
    # at its due time (30 s), not when an hour-long idle sleep or a sweep came back to it
    assert BACKOFF_BASE_SECONDS <= clock() - failed_at <= BACKOFF_BASE_SECONDS + 0.1


def test_a_repo_whose_lock_is_held_backs_off_instead_of_polling(
    make_reactor: MakeReactor, clock: FakeClock, repo: Path
) -> None:
    """A manual run holds the docgen lock for a minute while the daemon has a backlog: its
    ticks find it held and come back after 1 s, 2 s, 4 s … (they used to come every 50 ms)."""
    from reactor.lock import DOCGEN_LOCK, FileLock

    reactor = make_reactor(tick_seconds=0.01)
    service = Service([reactor], max_sleep_seconds=30, clock=clock)
    ticks = []
    real_tick = reactor.tick

    def counted() -> TickResult:
        result = real_tick()
        ticks.append(result.status)
        return result

    reactor.tick = counted  # type: ignore[method-assign]
    with FileLock(repo / DOCGEN_LOCK):  # another run's hold (its own descriptor)
        started = clock()
        while clock() - started < 60:
            service.run_once()
            clock.advance(service.next_sleep())
    assert set(ticks) == {"locked"} and 5 <= len(ticks) <= 10, ticks
    drive(service, clock)  # released: the backlog is worked off
    assert doc_header(repo, "main.c") == f"SHA256: {sha256_of(repo / 'main.c')}"


def test_a_raising_repo_does_not_stop_the_others(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    roots = [tmp_path / "ok", tmp_path / "broken"]
    for root in roots:
        write(root, "a.py", "A = 1\n")
        write(root, "b.py", "B = 1\n")
    reactors = [
        Reactor.open(r, config=DocgenConfig(), clock=clock, backend=backend, watch=False)
        for r in roots
    ]
    calls = {"n": 0}

    def broken_tick() -> TickResult:
        calls["n"] += 1
        raise sqlite3.OperationalError("disk I/O error")

    reactors[1].tick = broken_tick  # type: ignore[method-assign]
    try:
        service = Service(reactors, clock=clock, max_sleep_seconds=30)
        end = clock() + 300
        while clock() < end:
            service.run_once()
            clock.advance(service.next_sleep())
    finally:
        for reactor in reactors:
            reactor.close()
    assert doc_header(roots[0], "a.py") and doc_header(roots[0], "b.py")
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "disk I/O error" in caplog.text  # a traceback once
    # in 300 s: tried at 0, 5, 15, 35, 75, 155 and 315 s at the latest (a growing delay), not
    # on each of the loop's iterations
    assert 2 <= calls["n"] <= 7


def test_run_wakes_on_events_and_stops(tmp_path: Path, backend: FakeBackend) -> None:
    """A real loop thread asleep for an hour wakes for a new file at once, and stops."""
    repo = tmp_path / "empty"
    repo.mkdir()
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05, tick_seconds=3600)
    with Reactor.open(repo, config=config, backend=backend) as reactor:
        service = Service([reactor], max_sleep_seconds=3600)
        generated = threading.Event()
        real_generate = backend.generate

        def signalling(request: DocRequest) -> Generated | NoOp:
            result = real_generate(request)
            generated.set()
            return result

        backend.generate = signalling  # type: ignore[method-assign]
        thread = threading.Thread(target=service.run)
        thread.start()
        try:
            wait_until(lambda: service.sleeping_seconds >= 3000, what="the loop to go quiet")
            write(repo, "late.py", "LATE = 1\n")  # only the event can end that sleep
            assert generated.wait(20), "a new file did not wake the loop"
        finally:
            service.stop()
            thread.join(timeout=20)
        assert not thread.is_alive() and backend.paths == ["late.py"]


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

            def wait_fresh(rel: str) -> None:
                wait_until(
                    lambda: (
                        proc.poll() is None
                        and doc_header(repo, rel) == f"SHA256: {sha256_of(repo / rel)}"
                    ),
                    what=f"{rel} fresh under a live reactor watch",
                )

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

    from reactor.errors import RepoGone

    roots = [tmp_path / "keep", tmp_path / "gone"]
    for root in roots:
        write(root, "a.py", "A = 1\n")
    reactors = [
        Reactor.open(r, config=DocgenConfig(), clock=clock, backend=backend, watch=False)
        for r in roots
    ]
    service = Service(reactors, clock=clock)
    try:
        shutil.rmtree(roots[1])
        drive(service, clock)
        assert [r.root for r in service.reactors] == [roots[0].resolve()]
        assert doc_header(roots[0], "a.py") is not None
        shutil.rmtree(roots[0])
        clock.advance(service.next_sleep())
        with pytest.raises(RepoGone):  # the last one gone: the loop ends with the error
            service.run_once()
    finally:
        for reactor in reactors:
            reactor.close()


@pytest.mark.parametrize("cheap", [True, False], ids=["outline-like", "model-like"])
def test_a_cheap_backend_ticks_back_to_back_within_its_cpu_share(
    make_reactor: MakeReactor,
    repo: Path,
    clock: FakeClock,
    backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
    cheap: bool,
) -> None:
    """A backlog with a cheap backend is paced by the ticks' CPU time (here 10 ms each, 25 %
    of a core: one every 40 ms); a model backend keeps tick_seconds between docs."""
    from reactor import service as service_module

    for i in range(20):
        write(repo, f"bulk/m{i}.py", f"X = {i}\n")
    monkeypatch.setattr(backend, "cheap", cheap)
    reactor = make_reactor(idle_after_seconds=0.0, tick_seconds=1.0)
    cpu = itertools.count(step=0.01)  # read before and after each tick: 10 ms of CPU each
    monkeypatch.setattr(service_module.time, "thread_time", lambda: next(cpu))
    service = Service([reactor], clock=clock)
    gaps = []
    while service.run_once() or not gaps:
        gaps.append(service.next_sleep())
        clock.advance(gaps[-1])
        if len(backend.requests) == 23:  # every source documented
            break
    generated = gaps[-10:]  # (the first gaps are the index's slices)
    expected = 0.04 if cheap else 1.0
    assert all(abs(g - expected) < 1e-6 for g in generated), generated


def test_the_loop_never_sleeps_past_a_steps_due_time(
    make_reactor: MakeReactor, clock: FakeClock
) -> None:
    """A quiet repo's pause may be long (tick_seconds = 60); a step that wants to run sooner —
    the progress reporter watching for the end of a backlog — says so, and the loop wakes."""

    class Watching:
        def __call__(self) -> bool:
            return False

        def seconds_until_due(self) -> float:
            return 2.0

    reactor = make_reactor(idle_after_seconds=0.0, tick_seconds=60.0)
    while reactor.tick().work_done:
        pass
    quiet = Service([reactor], clock=clock)
    quiet.run_once()
    assert quiet.next_sleep() > 2.0  # the repo's own pause
    watched = Service([reactor], steps=[Watching()], clock=clock)
    watched.run_once()
    assert watched.next_sleep() == 2.0


def test_quiet_ticks_drop_caches_and_the_heap_is_trimmed_at_most_once_an_interval(
    make_reactor: MakeReactor, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    reactor = make_reactor(idle_after_seconds=0.0)
    outcomes: list[bool] = []
    released: list[int] = []
    trims: list[float] = []
    tick = reactor.tick

    def counted_tick() -> TickResult:
        result = tick()
        outcomes.append(result.work_done)
        return result

    monkeypatch.setattr(reactor, "tick", counted_tick)
    monkeypatch.setattr(reactor, "release_memory", lambda: released.append(len(outcomes)))
    monkeypatch.setattr("reactor.service.trim_heap", lambda: trims.append(clock()) or True)
    service = Service([reactor], clock=clock)
    drive(service, clock)
    while clock() < 300:  # five minutes of nothing to do
        service.run_once()
        clock.advance(service.next_sleep())
    quiet = [n for n, worked in enumerate(outcomes, start=1) if not worked]
    assert quiet and released == quiet  # after every quiet tick, never after one that worked
    assert len(trims) >= 2
    assert all(b - a >= TRIM_INTERVAL_SECONDS for a, b in itertools.pairwise(trims))


def test_releasing_memory_keeps_every_doc_searchable_and_never_waits_for_a_tick(
    make_reactor: MakeReactor, repo: Path
) -> None:
    reactor = make_reactor(idle_after_seconds=0.0)
    reactor.generate(None)
    assert reactor.search._queued  # a few docs, less than a batch: waiting
    reactor._tick_lock.acquire()  # a manual run holds the repo
    try:
        reactor.release_memory()  # returns at once, touching nothing
        assert reactor.search._queued
    finally:
        reactor._tick_lock.release()
    reactor.release_memory()
    assert not reactor.search._queued and reactor.search._db is None  # indexed, then closed
    hits = {h.path for h in reactor.search.search("fake doc")}  # opened again on demand
    assert hits == {"pkg/__init__.py", "pkg/util.py", "main.c"}
    assert reactor.status().sources > 0  # the index's connection works after shrinking
