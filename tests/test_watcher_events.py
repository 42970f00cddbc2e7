"""The watcher's inotify handling replayed with scripted kernel events: what becomes dirty,
which directories are watched. The watches themselves are real (one inotify instance)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FakeClock, write
from reactor import inotify as IN
from reactor.config import DocgenConfig
from reactor.dirty import DirtySet
from reactor.policy import SourcePolicy
from reactor.watcher import Watcher, _InotifyTree


@pytest.fixture
def tree(repo: Path, clock: FakeClock) -> Iterator[_InotifyTree]:
    write(repo, "node_modules/dep/index.js", "x\n")
    write(repo, "DOCS/REPODOCS/pkg/util.py.md", "doc\n")
    write(repo, ".gitignore", "build/\n")
    write(repo, "build/out.py", "X = 1\n")
    watcher = Watcher(SourcePolicy(repo, DocgenConfig()), DirtySet(clock=clock))
    t = watcher._tree = _InotifyTree(watcher, IN.Hub.join())
    t.add_tree("")  # real watches; the events below are scripted (nothing is written after)
    yield t
    t.stop()


def event(t: _InotifyTree, directory: str, name: str, mask: int, cookie: int = 0) -> None:
    wd = t._wd_of[directory]
    t.hub._dispatch(IN.Event(wd, mask, cookie, name.encode()))  # as the reader thread does


def entries(t: _InotifyTree) -> list[tuple[str, str | None]]:
    return [(e.path, e.moved_from) for e in t.w.dirty.settled(-1, limit=100)]


def test_only_directories_that_can_hold_sources_are_watched(tree: _InotifyTree) -> None:
    # not .llmc, .git, node_modules, build (gitignored) or the output dir DOCS/REPODOCS; its
    # parent DOCS may hold sources of its own
    assert sorted(tree._wd_of) == ["", "DOCS", "pkg"]


def test_file_changes(tree: _InotifyTree) -> None:
    event(tree, "pkg", "new.py", IN.IN_CREATE)
    event(tree, "pkg", "new.py", IN.IN_CLOSE_WRITE)
    event(tree, "pkg", "new.py", IN.IN_CLOSE_WRITE)
    event(tree, "", ".env", IN.IN_CLOSE_WRITE)  # a secret never becomes dirty
    event(tree, "", "notes.txt", IN.IN_CLOSE_WRITE)  # not a source
    event(tree, "", "main.c", IN.IN_DELETE)
    assert entries(tree) == [("pkg/new.py", None), ("main.c", None)]
    assert not tree.w.dirty.has_trees()


def test_editor_save_and_rename_pair_by_cookie(tree: _InotifyTree) -> None:
    event(tree, "pkg", ".util.py.swp", IN.IN_CLOSE_WRITE)
    event(tree, "pkg", ".util.py.swp", IN.IN_MOVED_FROM, cookie=7)
    event(tree, "pkg", "util.py", IN.IN_MOVED_TO, cookie=7)
    event(tree, "pkg", "util.py", IN.IN_MOVED_FROM, cookie=8)
    event(tree, "", "tools.py", IN.IN_MOVED_TO, cookie=8)
    assert entries(tree) == [("pkg/util.py", None), ("tools.py", "pkg/util.py")]


def test_new_directories_are_watched_unless_ignored(tree: _InotifyTree, repo: Path) -> None:
    write(repo, "lib/core/a.py", "A = 1\n")
    event(tree, "", "lib", IN.IN_CREATE | IN.IN_ISDIR)
    assert {"lib", "lib/core"} <= set(tree._wd_of)
    assert tree.w.dirty.pop_tree() == "lib"  # files written before the watch was in place
    (repo / "node_modules/other").mkdir()
    event(tree, "", "node_modules", IN.IN_CREATE | IN.IN_ISDIR)  # a re-created cache
    (repo / "build/sub").mkdir()
    event(tree, "", "build", IN.IN_MOVED_TO | IN.IN_ISDIR, cookie=3)
    assert not any(r.startswith(("node_modules", "build")) for r in tree._wd_of)


def test_removed_and_renamed_directories(tree: _InotifyTree, repo: Path) -> None:
    (repo / "pkg").rename(repo / "lib")
    event(tree, "", "pkg", IN.IN_MOVED_FROM | IN.IN_ISDIR, cookie=5)
    event(tree, "", "lib", IN.IN_MOVED_TO | IN.IN_ISDIR, cookie=5)
    assert "pkg" not in tree._wd_of and "lib" in tree._wd_of
    moves = {e.path: e.moved_from for e in tree.w.dirty.settled(-1, limit=100)}
    assert moves["lib/util.py"] == "pkg/util.py"  # each file keeps its doc
    assert moves["lib/__init__.py"] == "pkg/__init__.py"
    assert tree.w.dirty.pop_tree() == "pkg"  # and the old place is rescanned
    event(tree, "", "lib", IN.IN_DELETE | IN.IN_ISDIR)
    assert "lib" not in tree._wd_of


def test_gitignore_edits_add_and_drop_watches(tree: _InotifyTree, repo: Path) -> None:
    write(repo, ".gitignore", "pkg/\n")  # build/ un-ignored, pkg/ ignored
    event(tree, "", ".gitignore", IN.IN_CLOSE_WRITE)
    assert sorted(tree._wd_of) == ["", "DOCS", "build"]
    assert tree.w.dirty.pop_tree() == ""


def test_a_failing_handler_falls_back_to_a_rescan(
    tree: _InotifyTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(rel: str) -> bool:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(tree.w, "is_candidate", boom)
    event(tree, "pkg", "util.py", IN.IN_CLOSE_WRITE)
    assert tree.w.dirty.pop_tree() == ""


def test_queue_overflow_is_a_rescan(tree: _InotifyTree) -> None:
    tree.hub._dispatch(IN.Event(-1, IN.IN_Q_OVERFLOW, 0, b""))
    assert tree.w.overflows == 1 and tree.w.dirty.pop_tree() == ""
