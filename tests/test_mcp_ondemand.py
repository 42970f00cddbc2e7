"""What the MCP tools call, in-process: docs on demand with a model backend, calls served while a
tick runs, the paths an agent may name, and the doc listeners of the Reactor façade."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import FakeClock, write
from reactor.backends import Backend, DocRequest, Generated, NoOp
from reactor.config import DocgenConfig
from reactor.ondemand import NotAnswerable, OnDemand
from reactor.reactor import Reactor


class GatedBackend(Backend):
    """A model that answers only when the test lets it."""

    name = "gated"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def generate(self, request: DocRequest) -> Generated | NoOp:
        self.entered.set()
        assert self.release.wait(30), "the test never released the backend"
        return Generated(f"# `{request.relative_path}`\n\nThe model's words.\n")


@pytest.fixture
def gated() -> GatedBackend:
    return GatedBackend()


@pytest.fixture
def reactor(repo: Path, clock: FakeClock, gated: GatedBackend) -> Iterator[Reactor]:
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.0)
    with Reactor.open(repo, config=config, clock=clock, watch=False, backend=gated) as opened:
        yield opened


def drain(reactor: Reactor) -> None:
    for _ in range(100):
        if not reactor.tick().work_done:
            return
    raise AssertionError("never went quiet")


def test_a_busy_model_gives_the_outline_now_and_the_doc_after(
    reactor: Reactor, gated: GatedBackend
) -> None:
    written = threading.Event()
    reactor.add_doc_listener(lambda rel: written.set() if rel == "pkg/util.py" else None)
    ask = OnDemand(reactor, wait_seconds=0.2, ticking=False)
    try:
        first = ask.get_doc("pkg/util.py")
        assert gated.entered.is_set()  # the job is in the backend call
        assert (first.source, first.state, first.was) == ("outline", "missing", "missing")
        assert "being made next" in first.note
        assert "def helper(x: int) -> int" in first.text  # the facts' outline, in memory
        assert not (reactor.root / "DOCS/REPODOCS/pkg/util.py.md").exists()
        again = ask.get_doc("pkg/util.py")  # the same job, not a second one
        assert again.source == "outline"
        gated.release.set()
        assert written.wait(10)
        done = ask.get_doc("pkg/util.py")
        assert (done.source, done.state) == ("doc", "fresh")
        assert "The model's words." in done.text
    finally:
        gated.release.set()
        ask.close()


def test_calls_are_served_while_a_tick_holds_the_lock(
    reactor: Reactor, gated: GatedBackend, repo: Path
) -> None:
    gated.release.set()
    drain(reactor)
    gated.release.clear()
    gated.entered.clear()
    write(repo, "pkg/util.py", "def helper(x: int) -> int:\n    return x + 1\n")
    reactor.notify(["pkg/util.py"])
    ask = OnDemand(reactor, wait_seconds=0.2, ticking=False)
    with ThreadPoolExecutor(max_workers=1) as pool:
        ticking = pool.submit(drain, reactor)
        try:
            assert gated.entered.wait(10)  # a tick is in the backend, holding the lock
            assert ask.get_doc("pkg/__init__.py").source == "doc"  # fresh: no lock needed
            assert ask.repo_map(max_tokens=100).files
            assert ask.neighbours("pkg/util.py")["imported_by"][0]["path"] == "pkg/__init__.py"
            assert ask.status()["sources"] >= 2
            assert ask.search_docs("model")
            assert not ticking.done()
        finally:
            gated.release.set()
            ask.close()
        ticking.result(timeout=10)


def test_paths_an_agent_may_name(reactor: Reactor, repo: Path) -> None:
    ask = OnDemand(reactor, ticking=False)
    assert ask.resolve("./pkg/../pkg/util.py") == "pkg/util.py"
    assert ask.resolve(str(repo / "pkg" / "util.py")) == "pkg/util.py"
    assert ask.resolve(str(repo)) == ""
    for bad, words in {
        "": "not a path",
        "a\0b": "not a path",
        "..": "outside the repository",
        "pkg/../../x": "outside the repository",
        "/etc/passwd": "outside the repository",
    }.items():
        with pytest.raises(NotAnswerable, match=words):
            ask.resolve(bad)
    with pytest.raises(NotAnswerable, match="the repository root is a directory"):
        ask.get_doc(".")
    with pytest.raises(NotAnswerable, match="binary content"):
        reactor.refresh_index()
        ask.get_doc("blob.py")
    with pytest.raises(NotAnswerable, match="not indexed yet"):
        write(repo, "pkg/new.py", "X = 1\n")
        ask.neighbours("pkg/new.py")


def test_listeners_hear_of_every_doc_a_unit_of_work_changed(reactor: Reactor) -> None:
    heard: list[str] = []
    reactor.add_doc_listener(heard.append)
    reactor.add_doc_listener(lambda rel: 1 / 0)  # a broken listener breaks nothing
    reactor.docs_changed("moved", "new.py", "from old.py")
    reactor.docs_changed("removed", "gone.py")
    reactor.docs_changed("fresh", "same.py")  # nothing changed on disk
    reactor.docs_changed("failed", "bad.py", "boom")
    assert heard == ["new.py", "old.py", "gone.py"]


def test_questions_about_the_whole_repo_wait_for_its_first_index(
    reactor: Reactor, repo: Path
) -> None:
    waiting = OnDemand(reactor, wait_seconds=0.05, ticking=True)  # ticks that never come
    assert (
        waiting.whole_index() == "still indexing the repo: this covers the 0 sources indexed so far"
    )
    alone = OnDemand(reactor, ticking=False)  # nobody ticks: it indexes the repo itself
    assert alone.whole_index() == ""
    assert reactor.scheduler.first_build_done
    assert {"pkg/util.py", "pkg/__init__.py"} <= set(alone.repo_map().ranked)
    assert waiting.whole_index() == ""  # done now, for every question after
