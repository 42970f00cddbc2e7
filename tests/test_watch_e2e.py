"""End to end with a real inotify observer on a temp repo (no fake clock, no fixed sleeps)."""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FakeBackend, doc_header, sha256_of, tick_until, write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor


def fresh(repo: Path, rel: str) -> bool:
    path = repo / rel
    return path.exists() and doc_header(repo, rel) == f"SHA256: {sha256_of(path)}"


@pytest.fixture
def live(repo: Path, backend: FakeBackend) -> Iterator[Reactor]:
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.1)
    reactor = Reactor.open(repo, config=config, backend=backend)
    try:
        tick_until(
            reactor,
            lambda: all(fresh(repo, r) for r in ("pkg/util.py", "pkg/__init__.py", "main.c")),
        )
        yield reactor
    finally:
        reactor.close()


def test_edit_makes_doc_fresh_and_logs(
    live: Reactor, repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert live.watcher is not None and live.watcher.mode == "native"
    caplog.set_level(logging.INFO, logger="reactor")
    write(repo, "pkg/util.py", "def helper(x):\n    return x * 3\n")
    assert not fresh(repo, "pkg/util.py")
    tick_until(live, lambda: fresh(repo, "pkg/util.py"))
    assert "📝 [Docgen] Generated doc for pkg/util.py" in caplog.messages


def test_delete_and_rename_handle_orphans(live: Reactor, repo: Path, backend: FakeBackend) -> None:
    backend.requests.clear()
    docs = repo / "DOCS/REPODOCS"
    (repo / "main.c").unlink()
    os.rename(repo / "pkg/util.py", repo / "pkg/tools.py")
    tick_until(
        live,
        lambda: (
            not (docs / "main.c.md").exists()
            and not (docs / "pkg/util.py.md").exists()
            and fresh(repo, "pkg/tools.py")
        ),
    )
    assert "pkg/tools.py" not in backend.paths  # moved with its content: not regenerated


def test_editor_save_via_temp_and_rename(live: Reactor, repo: Path, backend: FakeBackend) -> None:
    backend.requests.clear()
    tmp = repo / "pkg/.util.py.swp"
    tmp.write_text("def helper(x):\n    return -x\n")
    os.replace(tmp, repo / "pkg/util.py")
    tick_until(live, lambda: fresh(repo, "pkg/util.py"))
    assert backend.paths == ["pkg/util.py"]


def test_touch_causes_no_generation(live: Reactor, repo: Path, backend: FakeBackend) -> None:
    backend.requests.clear()
    for _ in range(3):
        os.utime(repo / "pkg/util.py")
        (repo / "pkg/util.py").write_bytes((repo / "pkg/util.py").read_bytes())  # same bytes
    marker = write(repo, "marker.py", "M = 1\n")  # a real change, to know events arrived
    tick_until(live, lambda: fresh(repo, "marker.py") and len(live.dirty) == 0)
    assert backend.paths == ["marker.py"]
    assert marker.exists()


@pytest.mark.timeout(300)
def test_burst_of_2000_files_all_fresh_without_duplicates(
    live: Reactor, repo: Path, backend: FakeBackend
) -> None:
    backend.requests.clear()
    for i in range(2000):
        write(repo, f"burst/d{i % 20}/f{i}.py", f"VALUE = {i}\n")
    paths = [f"burst/d{i % 20}/f{i}.py" for i in range(2000)]
    tick_until(live, lambda: all(fresh(repo, p) for p in paths[-50:]))
    tick_until(live, lambda: all(fresh(repo, p) for p in paths))
    assert len(backend.paths) == len(set(backend.paths)) == 2000


def test_falls_back_to_polling_when_inotify_is_unavailable(
    repo: Path,
    backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from reactor import inotify

    def no_watch_left(*args: object) -> int:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(inotify.Hub, "add_watch", no_watch_left)
    caplog.set_level(logging.WARNING, logger="reactor")
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.0)
    with Reactor.open(repo, config=config, backend=backend) as reactor:
        assert reactor.watcher is not None and reactor.watcher.mode == "polling"
    assert any("polling" in m and "max_user_watches" in m for m in caplog.messages)


def test_queue_overflow_warning_schedules_a_rescan(live: Reactor, repo: Path) -> None:
    """An overflow tells no path; the reactor must notice and rescan."""
    arrived = threading.Event()
    live.dirty.add_listener(arrived.set)
    write(repo, "lost.py", "LOST = 1\n")
    while "lost.py" not in live.dirty:
        assert arrived.wait(30), "the event never arrived"
        arrived.clear()
    for entry in live.dirty.settled(0, limit=100):  # make its event one of the lost ones
        live.dirty.discard(entry)
    assert "lost.py" not in live.dirty
    from reactor import inotify

    assert live.watcher is not None and live.watcher._tree is not None
    hub = live.watcher._tree.hub  # what the kernel's IN_Q_OVERFLOW does, through the reader's path
    hub._dispatch(inotify.Event(-1, inotify.IN_Q_OVERFLOW, 0, b""))
    assert live.dirty.has_trees()
    assert live.tick().status == "rescanned"
    tick_until(live, lambda: fresh(repo, "lost.py"))


def test_directory_rename_moves_docs_without_regenerating(
    live: Reactor, repo: Path, backend: FakeBackend
) -> None:
    backend.requests.clear()
    os.rename(repo / "pkg", repo / "lib")
    docs = repo / "DOCS/REPODOCS"
    tick_until(
        live,
        lambda: (
            fresh(repo, "lib/util.py")
            and fresh(repo, "lib/__init__.py")
            and not (docs / "pkg").exists()
        ),
    )
    assert backend.paths == []
