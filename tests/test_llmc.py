"""Drop-in for LLMC: its RAG index as candidate source, the RAG-fresh gate, its service loop."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, write
from reactor.config import DocgenConfig
from reactor.integrations.llmc import LLMCLoop
from reactor.reactor import Reactor

MakeReactor = Callable[..., Reactor]

RAG_SCHEMA = """
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT UNIQUE,
    lang TEXT,
    file_hash TEXT,
    size INTEGER,
    mtime REAL,
    sidecar_path TEXT
)
"""


def rag_index(
    repo: Path, rows: dict[str, str | None], *, rel: str = ".llmc/rag/index_v2.db", wal: bool = True
) -> Path:
    """An LLMC-shaped RAG index; ``rows`` maps path → file_hash (None: hash of the file now)."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
    db.execute(RAG_SCHEMA)
    for file, digest in rows.items():
        digest = digest or sha256_of(repo / file)
        db.execute(
            "INSERT INTO files (path, lang, file_hash, size, mtime) VALUES (?, 'python', ?, 1, 0)",
            (file, digest),
        )
    db.commit()
    db.close()
    return path


def drain(reactor: Reactor, limit: int = 50) -> list[tuple[str, str | None]]:
    done = []
    for _ in range(limit):
        result = reactor.tick()
        if not result.work_done:
            return done
        done.append((result.status, result.path))
    raise AssertionError("never went quiet")


def test_gate_documents_only_files_whose_rag_hash_matches(
    make_reactor: MakeReactor,
    repo: Path,
    backend: FakeBackend,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rag_index(repo, {"pkg/util.py": None, "pkg/__init__.py": "0" * 64})  # main.c: not indexed
    reactor = make_reactor(require_rag_fresh=True)
    caplog.set_level("DEBUG", logger="reactor")
    drain(reactor)
    reactor.dirty.add("main.c")  # edited, but LLMC has not indexed it: only events reach it
    for _ in range(3):
        clock.advance(60)
        drain(reactor)
    assert backend.paths == ["pkg/util.py"]
    assert doc_header(repo, "pkg/util.py") is not None
    assert doc_header(repo, "pkg/__init__.py") is None and doc_header(repo, "main.c") is None
    for rel in ("pkg/__init__.py", "main.c"):
        row = reactor.index.get(rel)
        assert row is not None and row.failures == 0  # held back, not failed
    assert any("RAG index stale" in m for m in caplog.messages)
    assert any("not indexed" in m for m in caplog.messages)
    status = reactor.status()
    assert status.extra["candidates"] == "LLMC RAG index (.llmc/rag/index_v2.db)"
    assert status.missing == 2

    # LLMC catches up: the file gets its doc on a later tick
    db = sqlite3.connect(repo / ".llmc/rag/index_v2.db")
    db.execute(
        "UPDATE files SET file_hash = ? WHERE path = 'pkg/__init__.py'",
        (sha256_of(repo / "pkg/__init__.py"),),
    )
    db.commit()
    db.close()
    clock.advance(60)
    drain(reactor)
    assert "pkg/__init__.py" in backend.paths


def test_manual_generate_reports_gated_files(repo: Path, backend: FakeBackend) -> None:
    rag_index(repo, {"pkg/util.py": None}, rel=".rag/index_v2.db")
    config = DocgenConfig().replace(require_rag_fresh=True)
    with Reactor.open(repo, config=config, backend=backend, watch=False) as reactor:
        outcomes = {o.path: o for o in reactor.generate(["pkg/util.py", "main.c"])}
    assert outcomes["pkg/util.py"].status == "generated"
    assert outcomes["main.c"].status == "deferred"
    assert outcomes["main.c"].reason == "not indexed in the RAG index yet"


def test_rag_rows_are_candidates_with_the_reactor_policy_on_top(
    make_reactor: MakeReactor, repo: Path, backend: FakeBackend
) -> None:
    write(repo, "only_in_rag.py", "X = 1\n")
    rag_index(
        repo,
        {
            ".env": "0" * 64,
            "only_in_rag.py": None,
            "gone.py": "1" * 64,
            str(repo.resolve() / "main.c"): None,
        },
    )
    reactor = make_reactor()
    reactor.dirty.pop_tree()  # no startup rescan: candidates must come from the RAG rows
    drain(reactor)
    assert sorted(backend.paths) == ["main.c", "only_in_rag.py"]  # absolute RAG path handled
    assert ".env" not in backend.paths


def test_gate_is_off_without_a_rag_index(make_reactor: MakeReactor, backend: FakeBackend) -> None:
    reactor = make_reactor(require_rag_fresh=True)
    drain(reactor)
    assert len(backend.paths) == 3
    assert reactor.status().extra["candidates"] == "reactor index (.llmc/reactor.db)"


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_concurrent_rag_writer_neither_crashes_nor_blocks_ticks(
    make_reactor: MakeReactor, repo: Path, backend: FakeBackend, clock: FakeClock, wal: bool
) -> None:
    files = [f"mod{i}.py" for i in range(30)]
    for rel in files:
        write(repo, rel, f"V = {rel!r}\n")
    db_path = rag_index(repo, dict.fromkeys(files), wal=wal)
    stop = threading.Event()

    def writer() -> None:
        db = sqlite3.connect(db_path, isolation_level=None)
        n = 0
        while not stop.is_set():
            db.execute("BEGIN EXCLUSIVE")
            db.execute("UPDATE files SET mtime = ? WHERE id = ?", (n, n % 30 + 1))
            db.execute(
                "INSERT INTO files (path, file_hash) VALUES (?, ?)",
                (f"extra/{n}.py", hashlib.sha256(str(n).encode()).hexdigest()),
            )
            time.sleep(0.02)  # a fake RAG writer: hold the write lock a while
            db.execute("COMMIT")
            n += 1
            time.sleep(0.02)  # a fake RAG writer: let readers in between
        db.close()

    thread = threading.Thread(target=writer)
    reactor = make_reactor(require_rag_fresh=True)
    thread.start()
    try:
        statuses = set()
        deadline = time.monotonic() + 60  # a safety net only
        while not all(doc_header(repo, rel) for rel in files):
            assert time.monotonic() < deadline, "docs never converged under a busy RAG db"
            statuses.add(reactor.tick().status)
            clock.advance(60)
    finally:
        stop.set()
        thread.join()
    assert "failed" not in statuses


def test_a_locked_rag_index_skips_the_tick_instead_of_waiting(
    make_reactor: MakeReactor, repo: Path, backend: FakeBackend
) -> None:
    """While LLMC writes its index (an exclusive lock), a tick that would sample it reports
    ``rag_busy`` at once (known work, from the reactor's own index, needs no RAG row)."""
    db_path = rag_index(repo, {"pkg/util.py": None}, wal=False)
    reactor = make_reactor()
    while reactor.tick().work_done:  # the index, then every doc it knows to be missing
        pass
    write(repo, "pkg/util.py", "def helper(x):\n    return x + 1\n")  # no event: sampled
    backend.requests.clear()
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        result = reactor.tick()
        assert (result.status, result.work_done) == ("rag_busy", False)
        assert "locked" in result.reason and backend.requests == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (reactor.tick().status, backend.paths) == ("generated", ["pkg/util.py"])


def test_llmc_loop_adapter_with_fake_pipeline(
    tmp_path: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    repos = []
    for name in ("app", "lib"):
        root = tmp_path / name
        write(root, f"{name}/core.py", "def run(): ...\n")
        write(root, f"{name}/util.py", "def helper(): ...\n")
        repos.append(root)
    queue = {"sync": 2, "enrich": 1, "embed": 1}
    calls: list[str] = []

    def step(kind: str) -> Callable[[Path], bool]:
        def run(repo: Path) -> bool:
            if queue[kind] > 0:
                queue[kind] -= 1
                calls.append(f"{kind}:{repo.name}")
                return True
            return False

        return run

    config = DocgenConfig().replace(idle_after_seconds=5.0)
    opener = functools.partial(Reactor.open, config=config, clock=clock, backend=backend)
    with LLMCLoop(
        repos,
        sync=step("sync"),
        enrich=step("enrich"),
        embed=step("embed"),
        host_watches=True,
        clock=clock,
        open_reactor=opener,
    ) as loop:
        while loop.run_once() and queue != {"sync": 0, "enrich": 0, "embed": 0}:
            pass
        assert calls[:3] == ["sync:app", "enrich:app", "embed:app"]
        assert backend.requests == []  # the pipeline was busy: no docgen
        last = [r.idle.last_work for r in loop.reactors]
        assert not loop.run_once()  # pipeline idle, host not idle long enough yet
        clock.advance(5)
        for _ in range(100):  # docgen: startup rescans, then one file per iteration
            loop.run_once()
            clock.advance(loop.service.next_sleep())
        assert [r.idle.last_work for r in loop.reactors] == last  # docgen never touched it
        assert sorted(backend.paths) == [
            "app/core.py",
            "app/util.py",
            "lib/core.py",
            "lib/util.py",
        ]
        # the host watches: no second inotify watch set; its events come in by notify()
        assert all(r.watcher is None for r in loop.reactors)
        write(repos[0], "app/util.py", "def helper(): return 2\n")
        loop.notify(repos[0], [repos[0] / "app/util.py", "/elsewhere/x.py", "app/.env"])
        assert [e.path for e in loop.reactors[0].dirty.settled(0, limit=10)] == ["app/util.py"]
        for _ in range(20):
            loop.run_once()
            clock.advance(loop.service.next_sleep())
        assert doc_header(repos[0], "app/util.py") == (
            f"SHA256: {sha256_of(repos[0] / 'app/util.py')}"
        )
