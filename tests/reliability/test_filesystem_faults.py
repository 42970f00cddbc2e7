"""Filesystem faults: vanishing sources, directories in the way, EACCES, ENOSPC, a deleted repo."""

from __future__ import annotations

import errno
import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, wait_until, write
from reactor import docs as docs_module
from reactor import observe as observe_module
from reactor.docs import TEMP_SUFFIX
from reactor.reactor import Reactor

MakeReactor = Callable[..., Reactor]


def settle(reactor: Reactor) -> None:
    while reactor.tick().work_done:
        pass


def test_source_deleted_between_selection_and_read(
    make_reactor: MakeReactor, repo: Path, monkeypatch: pytest.MonkeyPatch, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    reactor.tick()  # index
    real = observe_module.read_source

    def vanish_first(root_str: str, rel: str, limit: int, *, resolve: bool = True) -> bytes:
        if rel == "main.c":
            (repo / rel).unlink(missing_ok=True)
        return real(root_str, rel, limit, resolve=resolve)

    monkeypatch.setattr(observe_module, "read_source", vanish_first)
    settle(reactor)
    assert "main.c" not in backend.paths  # never sent, and not a failure
    assert reactor.index.get("main.c") is None  # it left the index
    assert doc_header(repo, "pkg/util.py") is not None  # the others went on


def test_file_replaced_by_a_directory(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock
) -> None:
    reactor = make_reactor()
    settle(reactor)
    (repo / "main.c").unlink()
    (repo / "main.c").mkdir()
    write(repo, "main.c/inner.c", "int x;\n")
    reactor.dirty.add("main.c")
    reactor.dirty.add_tree("main.c")
    clock.advance(5)
    settle(reactor)
    assert not (repo / "DOCS/REPODOCS/main.c.md").exists()
    assert doc_header(repo, "main.c/inner.c") is not None


def test_permission_denied_on_source_and_output(
    make_reactor: MakeReactor,
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # root ignores permission bits, so the denial is injected where the reactor opens files
    real_open = open

    def deny_source(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("main.c"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(observe_module, "open", deny_source, raising=False)
    real_mkstemp = docs_module.tempfile.mkstemp

    def deny_output(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("dir", "")).endswith("REPODOCS/pkg"):
            raise PermissionError(errno.EACCES, "Permission denied", str(kwargs.get("dir")))
        return real_mkstemp(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(docs_module.tempfile, "mkstemp", deny_output)
    caplog.set_level(logging.WARNING, logger="reactor")
    write(repo, "ok.py", "OK = 1\n")
    reactor = make_reactor()
    settle(reactor)
    assert doc_header(repo, "main.c") is None and doc_header(repo, "pkg/util.py") is None
    assert doc_header(repo, "ok.py") is not None
    assert any("main.c" in m and "Permission denied" in m for m in caplog.messages)
    assert any("pkg/util.py" in m and "Permission denied" in m for m in caplog.messages)


def test_disk_full_keeps_the_old_doc_whole(
    make_reactor: MakeReactor,
    repo: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reactor = make_reactor()
    settle(reactor)
    doc = repo / "DOCS/REPODOCS/main.c.md"
    old = doc.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(docs_module.os, "fsync", full)
    caplog.set_level(logging.WARNING, logger="reactor")
    write(repo, "main.c", "int main(void) { return 42; }\n")
    reactor.dirty.add("main.c")
    clock.advance(1)
    result = reactor.tick()
    assert result.status == "failed" and "No space left on device" in result.reason
    assert doc.read_bytes() == old
    assert not [p for p in doc.parent.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert any("main.c" in m and "No space left on device" in m for m in caplog.messages)


@pytest.mark.timeout(60)
def test_repo_removed_while_watching(repo: Path) -> None:
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nidle_after_seconds = 0\ntick_seconds = 0.05\nsettle_seconds = 0.05\n",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "watch", str(repo)], stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until(
            lambda: doc_header(repo, "main.c") == f"SHA256: {sha256_of(repo / 'main.c')}",
            what="main.c documented",
        )
        assert proc.poll() is None
        shutil.rmtree(repo)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    assert code == 1
    assert "no longer exists" in err
    assert "Traceback" not in err
