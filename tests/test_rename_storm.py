"""Renames are not removals: a storm of moves, renames and deletes under a running watcher
moves every moved file's doc (no backend call for it), removes exactly the deleted ones, and
never trips the mass-removal brake."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from conftest import FakeBackend, sha256_of, tick_until, write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor

DOCS = "DOCS/REPODOCS"


def has_fresh_doc(repo: Path, rel: str) -> bool:
    doc = repo / DOCS / f"{rel}.md"
    return doc.exists() and doc.read_text().startswith(f"SHA256: {sha256_of(repo / rel)}")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("events", [True, False], ids=["watched", "events-lost"])
def test_a_storm_of_moves_renames_and_deletes(
    tmp_path: Path, backend: FakeBackend, caplog: pytest.LogCaptureFixture, events: bool
) -> None:
    """``events-lost``: no event pairs a rename (an overflow, a restart): a rescan finds 180
    paths gone and 150 new ones, and content pairs them before the brake counts anything."""
    repo = tmp_path / "repo"
    for i in range(100):
        write(repo, f"src/bulk/f{i}.py", f"BULK_{i} = {i}\n")
    for i in range(50):
        write(repo, f"src/r{i}.py", f"RENAMED_{i} = {i}\n")
    for i in range(30):
        write(repo, f"src/d{i}.py", f"DELETED_{i} = {i}\n")
    for i in range(40):
        write(repo, f"lib/keep{i}.py", f"KEEP_{i} = {i}\n")
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.2)
    caplog.set_level(logging.WARNING, logger="reactor")
    with Reactor.open(repo, config=config, backend=backend, watch=events) as reactor:
        everything = [str(p.relative_to(repo)) for p in repo.rglob("*.py")]
        tick_until(reactor, lambda: all(has_fresh_doc(repo, rel) for rel in everything))
        backend.requests.clear()
        os.mkdir(repo / "src/moved")  # a directory created the same instant it is moved into
        os.rename(repo / "src/bulk", repo / "src/moved/bulk")
        for i in range(50):
            os.rename(repo / f"src/r{i}.py", repo / f"src/renamed_r{i}.py")
        for i in range(30):
            os.unlink(repo / f"src/d{i}.py")
        if not events:
            reactor.notify_rescan()
        moved = [f"src/moved/bulk/f{i}.py" for i in range(100)]
        moved += [f"src/renamed_r{i}.py" for i in range(50)]
        gone = [f"src/bulk/f{i}.py" for i in range(100)]
        gone += [f"src/r{i}.py" for i in range(50)] + [f"src/d{i}.py" for i in range(30)]
        tick_until(
            reactor,
            lambda: (
                all(has_fresh_doc(repo, rel) for rel in moved)
                and not any((repo / DOCS / f"{rel}.md").exists() for rel in gone)
            ),
        )
        assert reactor.scheduler.held_back == 0
    assert backend.paths == []  # every moved doc moved: no backend call
    assert not [m for m in caplog.messages if "not removing" in m]  # the brake was not tripped
    assert all(has_fresh_doc(repo, f"lib/keep{i}.py") for i in range(40))
