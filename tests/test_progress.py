"""Where a watch stands: the progress line, its cadence, and `status` beside a running watch."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, write
from reactor.progress import (
    REPORT_INTERVAL_SECONDS,
    ProgressReporter,
    progress_line,
    refresh_words,
)
from reactor.reactor import Reactor


def test_progress_line() -> None:
    assert (
        progress_line(412, 1203, 1.0)
        == "412/1,203 fresh (34%) · 791 to go · ~13 min at the current pace"
    )
    assert progress_line(0, 10, None) == "0/10 fresh (0%) · 10 to go"
    assert progress_line(9, 10, 0.001) == "9/10 fresh (90%) · 1 to go · ~17 min at the current pace"
    assert progress_line(10, 10, 5.0) == "all 10 docs fresh"


def test_reported_at_start_every_30s_with_backlog_and_once_when_converged(
    make_reactor: ...,  # type: ignore[valid-type]
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="reactor")
    reactor: Reactor = make_reactor(idle_after_seconds=0)
    report = ProgressReporter(reactor, clock=clock)
    lines = lambda: [m for m in caplog.messages if "fresh" in m and "Docgen" not in m]  # noqa: E731
    assert report() is False  # a step that never counts as the host's work
    assert caplog.messages[-1] == "indexing the repo; docs follow as files are found"
    reactor.tick()  # the index: 3 sources
    report()  # not yet: 30 s have not passed
    assert lines() == []
    reactor.tick()  # one doc
    clock.advance(REPORT_INTERVAL_SECONDS)
    report()
    assert lines()[-1].startswith("1/3 fresh (33%) · 2 to go · ~")
    while reactor.tick().work_done:
        pass
    clock.advance(REPORT_INTERVAL_SECONDS)
    report()
    clock.advance(REPORT_INTERVAL_SECONDS * 20)
    report()
    assert lines()[-1] == "all 3 docs fresh" and lines().count("all 3 docs fresh") == 1
    state = json.loads((reactor.root / ".llmc/watch.json").read_text())
    assert (state["mode"], state["watched_dirs"]) == ("stopped", 0)


def test_status_beside_a_running_watch_shows_its_mode_and_progress(repo: Path) -> None:
    write(repo, "llmc.toml", "[docs.docgen]\nidle_after_seconds = 0\ntick_seconds = 0.05\n")
    cmd = [sys.executable, "-m", "reactor.cli", "watch", str(repo)]
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stderr is not None
            for line in proc.stderr:  # the log, line by line, as a user watches it
                if "all 3 docs fresh" in line:
                    break
            status = subprocess.run(
                [sys.executable, "-m", "reactor.cli", "status", str(repo)],
                capture_output=True,
                text=True,
                check=True,
            )
            assert "fresh:      3/3 (100%)" in status.stdout
            assert "native file watching of 3 directories" in status.stdout  # root, pkg, DOCS
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    after = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "status", str(repo)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "watch:      not running" in after.stdout


def test_the_line_says_how_outdated_docs_are_refreshed_by_this_backend(
    make_reactor: ...,  # type: ignore[valid-type]
    backend: FakeBackend,
) -> None:
    """The outline refreshes outdated docs one per idle tick, a model backend at its rate:
    the line says which (it said "as the backend's rate allows" for the outline too)."""
    backend.cheap = True
    outline_like: Reactor = make_reactor()
    assert refresh_words(outline_like) == "refreshed one per idle tick"
    backend.cheap = False
    assert refresh_words(outline_like) == (
        "refreshed at most 30 an hour (refresh_outdated_per_hour)"
    )
    never: Reactor = make_reactor(refresh_outdated_per_hour=0.0)
    assert refresh_words(never) == "not refreshed (refresh_outdated_per_hour = 0)"
    line = progress_line(10, 10, None, 2, refresh=refresh_words(outline_like))
    assert line == (
        "8/10 fresh (80%) · 2 outdated, refreshed at most 30 an hour (refresh_outdated_per_hour)"
    )
    assert progress_line(0, 0, None) == "0/0 fresh (no sources to document)"


def test_all_fresh_is_said_again_once_the_outdated_docs_are_refreshed(
    make_reactor: ...,  # type: ignore[valid-type]
    backend: FakeBackend,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The backlog gone with outdated docs left says so; when they are refreshed too, the
    watch says "all N docs fresh" (what a user, or a script reading the log, waits for)."""
    caplog.set_level(logging.INFO, logger="reactor")
    monkeypatch.setattr(backend, "cheap", True)  # refreshes outdated docs at once, as outline
    reactor: Reactor = make_reactor(idle_after_seconds=0)
    report = ProgressReporter(reactor, clock=clock)
    lines = lambda: [m for m in caplog.messages if "fresh" in m and "Docgen" not in m]  # noqa: E731
    while reactor.tick().work_done:
        pass
    reactor.index.set_graph("pkg/util.py", "another neighbourhood")  # outdated by neighbours
    report()
    assert lines()[-1] == "2/3 fresh (66%) · 1 outdated, refreshed one per idle tick"
    while reactor.tick().work_done:
        pass
    clock.advance(2.0)  # the reporter looks again within seconds, not in five minutes
    report()
    assert lines()[-1] == "all 3 docs fresh"
