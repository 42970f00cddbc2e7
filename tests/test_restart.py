"""A restart catches up at once: edits made while the daemon was down are queued as the first
scan finds them (not left to the sampler's slow lap), and progress never says "all fresh"
while that scan is still pending."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, write
from reactor.config import DocgenConfig
from reactor.progress import ProgressReporter
from reactor.reactor import Reactor

FILES = 3000


def fresh(repo: Path, rel: str) -> bool:
    return doc_header(repo, rel) == f"SHA256: {sha256_of(repo / rel)}"


@pytest.mark.timeout(180)
def test_edits_made_while_stopped_are_fresh_as_soon_as_the_scan_reaches_them(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    repo = tmp_path / "repo"
    for i in range(FILES):
        write(repo, f"d{i % 30}/m{i}.py", f"X = {i}\n")
    config = DocgenConfig().replace(idle_after_seconds=0.0, tick_budget_ms=5.0)
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as first:
        first.generate()
    edited = ["d0/m0.py", f"d29/m{FILES - 1}.py"]  # early and late in the walk
    for rel in edited:
        write(repo, rel, "X = 'edited while the daemon was down'\n")
        os.utime(repo / rel, ns=(1, 1))  # unmistakably another mtime
    backend.requests.clear()
    caplog.set_level(logging.INFO, logger="reactor")
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as second:
        ProgressReporter(second, clock=clock)()  # the first line, before the scan
        ticks_after_scan = None
        for tick in range(2000):  # noqa: B007 - reported on failure
            second.tick()
            if second.scheduler.scan is None and ticks_after_scan is None:
                ticks_after_scan = 0
            elif ticks_after_scan is not None:
                ticks_after_scan += 1
            if all(fresh(repo, rel) for rel in edited):
                break
        assert all(fresh(repo, rel) for rel in edited)
    # documented as the scan found them (slices alternate with docs), at the latest a few ticks
    # after it ended; the sampler alone would need up to FILES / sample_size = 300 ticks more
    assert ticks_after_scan is None or ticks_after_scan <= 5, (tick, ticks_after_scan)
    assert sorted(backend.paths) == sorted(edited)
    first_line = next(m for m in caplog.messages if "fresh" in m)
    assert "all" not in first_line and "still indexing" in first_line, first_line


@pytest.mark.timeout(180)
def test_edits_indexed_but_not_documented_before_a_restart_are_documented_first(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    """A `kill -9` between indexing an edit and documenting it: the restart's scan finds the
    index in step with the disk (nothing to re-queue), but the index knows those docs are
    stale, so they are known work — taken before any sampling, not when the sampler comes by."""
    repo = tmp_path / "repo"
    files = 2020
    for i in range(files):
        write(repo, f"d{i % 20}/m{i}.py", f"X = {i}\n")
    config = DocgenConfig().replace(idle_after_seconds=0.0, tick_budget_ms=5.0)
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as first:
        first.generate()
        edited = [f"d{i % 20}/m{i}.py" for i in range(0, files, files // 10)][:10]
        for rel in edited:
            with open(repo / rel, "a") as fh:
                fh.write("Y = 'appended'\n")
        first.status()  # indexed (a scan), not documented: then the process dies
    backend.requests.clear()
    with Reactor.open(repo, config=config, clock=clock, backend=backend, watch=False) as second:
        ticks = 0
        while not all(fresh(repo, rel) for rel in edited):
            second.tick()
            ticks += 1
            assert ticks < 60, f"{sum(fresh(repo, r) for r in edited)} of 10 after 60 ticks"
    # one scan slice every other tick, one doc per tick between: about 20 ticks, where the
    # sampler's lap (files / sample_size) is 202
    assert sorted(backend.paths) == sorted(edited)
