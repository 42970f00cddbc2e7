"""Watch only what matters: ignored trees take no inotify watches (real inotify, real files)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FakeBackend, doc_header, sha256_of, tick_until, wait_until, write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor

MAX_WATCHES = Path("/proc/sys/fs/inotify/max_user_watches")


def kernel_watches(reactor: Reactor) -> int:
    """The inotify watches the kernel holds for the reactor's own instance."""
    assert reactor.watcher is not None and reactor.watcher._tree is not None
    fd = reactor.watcher._tree.hub.fd
    with open(f"/proc/self/fdinfo/{fd}") as fh:
        return sum(1 for line in fh if line.startswith("inotify wd:"))


def watches_held_by_this_user() -> int:
    """Every inotify watch this user's processes hold (what the user's limit counts)."""
    held = 0
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if fd.stat().st_uid != os.getuid() or os.readlink(fd) != "anon_inode:inotify":
                continue
            info = Path(f"/proc/{fd.parts[2]}/fdinfo/{fd.name}").read_text()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        held += sum(1 for line in info.splitlines() if line.startswith("inotify wd:"))
    return held


def make_repo(root: Path, *, ignored_dirs: int) -> None:
    write(root, ".gitignore", "node_modules/\ngenerated/\n")
    for i in range(5):
        write(root, f"src/m{i}/mod.py", f"X = {i}\n")
    for i in range(ignored_dirs):
        (root / f"node_modules/pkg{i}/lib").mkdir(parents=True)
    write(root, "generated/api/client.py", "C = 1\n")


@pytest.fixture
def live(tmp_path: Path, backend: FakeBackend) -> Iterator[tuple[Reactor, Path]]:
    repo = tmp_path / "repo"
    make_repo(repo, ignored_dirs=200)
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05)
    reactor = Reactor.open(repo, config=config, backend=backend)
    try:
        tick_until(reactor, lambda: all(fresh(repo, f"src/m{i}/mod.py") for i in range(5)))
        # the event thread adds DOCS/'s watch when the first doc creates it: wait for that state
        assert reactor.watcher is not None
        wait_until(lambda: reactor.watcher is not None and reactor.watcher.watched_dirs == 8)
        yield reactor, repo
    finally:
        reactor.close()


def fresh(repo: Path, rel: str) -> bool:
    return doc_header(repo, rel) == f"SHA256: {sha256_of(repo / rel)}"


def test_watches_equal_the_directories_that_can_hold_sources(
    live: tuple[Reactor, Path],
) -> None:
    reactor, _ = live
    assert reactor.watcher is not None and reactor.watcher.mode == "native"
    # the root, src, src/m0..m4 and DOCS (the output dir's parent, which may hold sources of its
    # own) — and nothing of node_modules' 400 directories, generated's 2 or DOCS/REPODOCS
    assert kernel_watches(reactor) == reactor.watcher.watched_dirs == 8


def test_a_new_source_dir_is_watched_and_documented(live: tuple[Reactor, Path]) -> None:
    reactor, repo = live
    write(repo, "lib/deep/new.py", "N = 1\n")  # created, then written into before any watch
    tick_until(reactor, lambda: fresh(repo, "lib/deep/new.py"))
    # (found by the rescan lib's create event asked for, maybe before deep's own event came)
    wait_until(lambda: kernel_watches(reactor) == 10, what="lib and lib/deep watched")
    write(repo, "lib/deep/later.py", "L = 2\n")  # an event from the new watch
    tick_until(reactor, lambda: fresh(repo, "lib/deep/later.py"))


def test_a_new_dir_in_an_ignored_tree_gets_no_watch(live: tuple[Reactor, Path]) -> None:
    reactor, repo = live
    before = kernel_watches(reactor)
    for i in range(50):  # an `npm install`
        write(repo, f"node_modules/new{i}/index.js", "module.exports = 1\n")
    write(repo, "marker.py", "M = 1\n")  # a real change, to know the events were handled
    tick_until(reactor, lambda: fresh(repo, "marker.py"))
    assert kernel_watches(reactor) == before


def test_unignoring_a_subtree_starts_watching_it(live: tuple[Reactor, Path]) -> None:
    reactor, repo = live
    before = kernel_watches(reactor)
    write(repo, ".gitignore", "node_modules/\n")  # generated/ is a source tree now
    tick_until(reactor, lambda: fresh(repo, "generated/api/client.py"))
    assert kernel_watches(reactor) == before + 2
    write(repo, "generated/api/client.py", "C = 2\n")
    tick_until(reactor, lambda: fresh(repo, "generated/api/client.py"))


@pytest.mark.timeout(300)
def test_native_watching_under_a_low_watch_limit(tmp_path: Path, backend: FakeBackend) -> None:
    """A limit far below the ignored tree's size (the recursive observer needed one watch per
    directory and fell back to polling): the reactor still watches natively."""
    if not MAX_WATCHES.exists():
        pytest.skip("no inotify on this system")
    repo = tmp_path / "repo"
    make_repo(repo, ignored_dirs=1500)  # 3,000 ignored directories
    try:
        original = MAX_WATCHES.read_text()
        # the limit is the user's, shared with every other program (a test suite run beside
        # this one, an editor): 1,000 more than they hold now
        MAX_WATCHES.write_text(f"{watches_held_by_this_user() + 1000}\n")
    except OSError:
        pytest.skip("lowering fs.inotify.max_user_watches needs root")
    try:
        config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05)
        with Reactor.open(repo, config=config, backend=backend) as reactor:
            assert reactor.watcher is not None and reactor.watcher.mode == "native"
            write(repo, "src/m1/mod.py", "X = 'edited'\n")
            tick_until(reactor, lambda: fresh(repo, "src/m1/mod.py"))
    finally:
        MAX_WATCHES.write_text(original)
