"""The watch handler replayed with scripted events (no observer): what becomes dirty."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
)

from conftest import FakeClock
from reactor.config import DocgenConfig
from reactor.dirty import DirtySet
from reactor.policy import SourcePolicy
from reactor.watcher import Watcher, _Handler


@pytest.fixture
def handled(repo: Path, clock: FakeClock) -> tuple[_Handler, DirtySet, str]:
    dirty = DirtySet(clock=clock)
    watcher = Watcher(SourcePolicy(repo, DocgenConfig()), dirty)
    return _Handler(watcher), dirty, str(repo.resolve())


def entries(dirty: DirtySet) -> list[tuple[str, str | None]]:
    return [(e.path, e.moved_from) for e in dirty.settled(-1, limit=100)]


def test_scripted_changes(handled: tuple[_Handler, DirtySet, str]) -> None:
    handler, dirty, root = handled
    for event in [
        FileCreatedEvent(f"{root}/pkg/new.py"),
        FileClosedEvent(f"{root}/pkg/new.py"),
        FileClosedEvent(f"{root}/pkg/new.py"),
        FileClosedEvent(f"{root}/DOCS/REPODOCS/pkg/new.py.md"),  # our own output
        FileClosedEvent(f"{root}/.llmc/reactor.db"),
        FileClosedEvent(f"{root}/.env"),  # a secret never becomes dirty
        FileClosedEvent(f"{root}/notes.txt"),  # not a source
        FileDeletedEvent(f"{root}/main.c"),
        FileClosedEvent("/elsewhere/x.py"),  # outside the repo
    ]:
        handler.dispatch(event)
    assert entries(dirty) == [("pkg/new.py", None), ("main.c", None)]
    assert not dirty.has_trees()


def test_editor_save_and_rename(handled: tuple[_Handler, DirtySet, str]) -> None:
    handler, dirty, root = handled
    handler.dispatch(FileClosedEvent(f"{root}/pkg/.util.py.swp"))
    handler.dispatch(FileMovedEvent(f"{root}/pkg/.util.py.swp", f"{root}/pkg/util.py"))
    handler.dispatch(FileMovedEvent(f"{root}/pkg/util.py", f"{root}/pkg/tools.py"))
    assert entries(dirty) == [("pkg/util.py", None), ("pkg/tools.py", "pkg/util.py")]


def test_directory_events(handled: tuple[_Handler, DirtySet, str]) -> None:
    handler, dirty, root = handled
    handler.dispatch(DirMovedEvent(f"{root}/pkg", f"{root}/lib"))  # per-file moves follow
    assert not dirty.has_trees()
    handler.dispatch(DirDeletedEvent(f"{root}/old"))  # may have been moved out: rescan it
    assert dirty.pop_tree() == "old"
    handler.dispatch(FileClosedEvent(f"{root}/pkg/.gitignore"))
    assert dirty.pop_tree() == "pkg"


def test_a_failing_handler_falls_back_to_a_rescan(
    handled: tuple[_Handler, DirtySet, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, dirty, root = handled

    def boom(rel: str) -> bool:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(handler.w, "is_candidate", boom)
    handler.dispatch(FileClosedEvent(f"{root}/pkg/util.py"))
    assert dirty.pop_tree() == ""
