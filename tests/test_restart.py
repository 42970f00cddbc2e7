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
