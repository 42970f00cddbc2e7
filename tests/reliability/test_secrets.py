"""Secrets never reach a backend: not by walk, event, RAG row, or explicit request."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, write
from reactor import cli
from reactor.reactor import Reactor

MakeReactor = Callable[..., Reactor]
MARK = "SUPERSECRET-7f3a"
SECRETS = [
    ".env",
    ".env.production",
    "deploy/server.pem",
    "id_rsa",
    "keys/prod.key",
    ".aws/credentials",
    "certs/client.p12",
    "config/prod.env",
]


@pytest.fixture
def secret_repo(repo: Path) -> Path:
    for rel in SECRETS:
        write(repo, rel, f"{MARK}\n")
    db = repo / ".llmc/rag/index_v2.db"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT UNIQUE, lang TEXT, "
        "file_hash TEXT, size INTEGER, mtime REAL, sidecar_path TEXT)"
    )
    conn.executemany("INSERT INTO files (path, file_hash) VALUES (?, 'x')", [(s,) for s in SECRETS])
    conn.commit()
    conn.close()
    return repo


def test_no_entry_point_sends_a_secret(
    secret_repo: Path,
    make_reactor: MakeReactor,
    clock: FakeClock,
    backend: FakeBackend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reactor = make_reactor(include=["*"])  # even with an include that matches everything
    for rel in SECRETS:
        reactor.dirty.add(rel)
    for _ in range(3):
        while reactor.tick().work_done:
            pass
        clock.advance(3600)
    outcomes = reactor.generate(SECRETS)
    assert {o.status for o in outcomes} == {"skipped"}
    assert all("secret" in o.reason for o in outcomes)
    reactor.generate(None, force=True)
    assert backend.requests, "the ordinary files were documented"
    assert not any(MARK in r.source_contents for r in backend.requests)
    assert not any(r.relative_path in SECRETS for r in backend.requests)

    monkeypatch.chdir(secret_repo)
    assert cli.main(["generate", "--wait", "0", *SECRETS]) == 1
    err = capsys.readouterr().err
    assert all(f"skipped: {rel}: looks like a secret" in err for rel in SECRETS)
