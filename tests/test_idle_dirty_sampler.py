"""Unit tests with a fake clock: idle detection, the dirty set, bounded sampling coverage."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from conftest import FakeClock, write
from reactor.config import DocgenConfig
from reactor.dirty import DirtySet
from reactor.facts.resolve import Resolver
from reactor.idle import IdleDetector
from reactor.index import FileIndex
from reactor.policy import SourcePolicy
from reactor.sampler import Sampler
from reactor.scan import Scan


def test_idle_follows_last_work_only(clock: FakeClock) -> None:
    idle = IdleDetector(idle_after_seconds=10, clock=clock)
    assert idle.is_idle()  # nothing noted yet
    idle.note_work()
    assert not idle.is_idle() and idle.seconds_until_idle() == 10
    clock.advance(9.9)
    assert not idle.is_idle()
    clock.advance(0.1)
    assert idle.is_idle()


def test_normal_priority_is_always_eligible(clock: FakeClock) -> None:
    idle = IdleDetector(idle_after_seconds=10, priority="normal", clock=clock)
    idle.note_work()
    assert idle.is_idle()


def test_dirty_set_dedups_settles_and_keeps_first_dirty_order(clock: FakeClock) -> None:
    dirty = DirtySet(clock=clock)
    dirty.add("a.py")
    clock.advance(0.2)
    dirty.add("b.py")
    dirty.add("a.py")  # a new event restarts a's settle time but keeps its place
    assert len(dirty) == 2
    assert dirty.settled(0.5, limit=10) == []
    clock.advance(0.5)
    first, second = dirty.settled(0.5, limit=10)
    assert (first.path, second.path) == ("a.py", "b.py")
    dirty.discard(first)
    assert [e.path for e in dirty.settled(0.5, limit=10)] == ["b.py"]


def test_discard_keeps_an_entry_that_changed_since_peek(clock: FakeClock) -> None:
    dirty = DirtySet(clock=clock)
    dirty.add("a.py")
    clock.advance(1)
    (entry,) = dirty.settled(0.5, limit=1)
    clock.advance(0.1)
    dirty.add("a.py")  # written again while the tick worked on it
    dirty.discard(entry)
    assert "a.py" in dirty


def test_dirty_set_is_bounded_and_asks_for_a_rescan(clock: FakeClock) -> None:
    dirty = DirtySet(max_entries=100, clock=clock)
    for i in range(10_000):
        dirty.add(f"f{i}.py")
    assert len(dirty) == 100 and dirty.dropped == 9_900 and dirty.high_water == 100
    assert dirty.pop_tree() == ""
    assert dirty.pop_tree() is None


def test_tree_requests_shallowest_first_and_root_covers_all(clock: FakeClock) -> None:
    dirty = DirtySet(clock=clock)
    dirty.add_tree("a/b")
    dirty.add_tree("c")
    assert dirty.pop_tree() == "c"
    dirty.add_tree("")
    assert dirty.pop_tree() == ""
    assert dirty.pop_tree() is None


def test_listeners_are_woken(clock: FakeClock) -> None:
    dirty = DirtySet(clock=clock)
    wake = threading.Event()
    dirty.add_listener(wake.set)
    dirty.add("x.py")
    assert wake.is_set()


@pytest.fixture
def big_index(tmp_path: Path) -> tuple[SourcePolicy, FileIndex]:
    root = tmp_path / "big"
    for i in range(1000):
        write(root, f"d{i % 10}/f{i}.py", f"X = {i}\n")
    policy = SourcePolicy(root, DocgenConfig())
    index = FileIndex.for_repo(root)
    Scan(index, policy, Resolver(root)).run()
    yield policy, index
    index.close()


def test_sweep_reaches_every_row_within_n_over_s_ticks(
    big_index: tuple[SourcePolicy, FileIndex],
) -> None:
    _, index = big_index
    for seed in range(5):
        sampler = Sampler(index, sample_size=10, rng=random.Random(seed))
        seen: set[int] = set()
        for _ in range(100):  # N / sample_size
            rows = sampler.candidates()
            assert len(rows) == 10
            seen.update(r.id for r in rows)
            sampler.advance(rows[-1])
        assert len(seen) == 1000


def test_sampling_coverage_beats_pure_random(big_index: tuple[SourcePolicy, FileIndex]) -> None:
    """k stale among N: the sweep finds all in <= N/s + k ticks; random needs far more."""
    _, index = big_index
    stale = set(random.Random(7).sample(range(1, 1001), 10))
    sampler = Sampler(index, sample_size=10, rng=random.Random(3))
    remaining, ticks = set(stale), 0
    while remaining:
        ticks += 1
        for row in sampler.candidates():
            sampler.advance(row)
            if row.id in remaining:
                remaining.discard(row.id)
                break  # one generation per tick
    assert ticks <= 1000 / 10 + 10

    rng, remaining, random_ticks = random.Random(3), set(stale), 0
    while remaining:
        random_ticks += 1
        hit = [i for i in rng.sample(range(1, 1001), 10) if i in remaining]
        if hit:
            remaining.discard(hit[0])
    assert random_ticks > ticks
