"""Hostile names, links and contents: nothing written outside the output dir, no hang, no crash."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, write
from reactor import cli
from reactor.reactor import Reactor

MakeReactor = Callable[..., Reactor]

WEIRD = [
    "with space.py",
    "new\nline.py",
    "ünïcødé/モジュール.py",
    "-leading-dash.py",
    "x" * 240 + ".py",
    "deep/" * 20 + "bottom.py",
]


def snapshot(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")}


def settle(reactor: Reactor, clock: FakeClock) -> None:
    for _ in range(3):
        while reactor.tick().work_done:
            pass
        clock.advance(3600)  # every backoff expires (and the hourly rescan comes due)
    while reactor.tick().work_done:
        pass


@pytest.mark.timeout(60)
def test_hostile_tree_is_documented_safely(
    tmp_path: Path,
    make_reactor: MakeReactor,
    repo: Path,
    clock: FakeClock,
    backend: FakeBackend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret_source.py", "TOKEN = 'outside'\n")
    for rel in WEIRD:
        write(repo, rel, f"NAME = {rel!r}\n")
    (repo / "escape.py").symlink_to(outside / "secret_source.py")
    (repo / "loop_a.py").symlink_to(repo / "loop_b.py")
    (repo / "loop_b.py").symlink_to(repo / "loop_a.py")
    (repo / "dirloop").symlink_to(repo)
    write(repo, "bad_utf8.py", b"\xff\xfe\xfa x = 1\n")
    write(repo, os.fsdecode(b"name\xff.py"), "X = 1\n")  # a file name that is not UTF-8
    write(repo, "nul.py", b"x = 1\x00\n")
    with open(repo / "huge.py", "wb") as fh:
        fh.truncate(500 * 1024 * 1024)  # sparse: 500 MB by size, nothing on disk
    write(repo, "oneline.py", "x = '" + "a" * (1024 * 1024) + "'\n")
    before_outside = snapshot(outside)
    caplog.set_level(logging.INFO, logger="reactor")

    reactor = make_reactor()
    settle(reactor, clock)

    for rel in [*WEIRD, "bad_utf8.py"]:
        assert doc_header(repo, rel) is not None, rel
    for rel in (
        "escape.py",
        "loop_a.py",
        "nul.py",
        "huge.py",
        "oneline.py",
        os.fsdecode(b"name\xff.py"),
    ):
        assert doc_header(repo, rel) is None, rel
    assert "TOKEN = 'outside'" not in "".join(r.source_contents for r in backend.requests)
    assert "\ufffd" in next(
        r.source_contents for r in backend.requests if r.relative_path == "bad_utf8.py"
    )
    assert snapshot(outside) == before_outside
    docs_root = (repo / "DOCS/REPODOCS").resolve()
    assert all(Path(p).resolve().is_relative_to(docs_root) for p in snapshot(repo / "DOCS"))
    assert '📝 [Docgen] Generated doc for "new\\nline.py"' in caplog.messages  # one log line

    big = make_reactor(max_file_bytes=2 * 1024 * 1024)  # a 1 MB single line is fine if allowed
    big.generate(["oneline.py"])
    assert doc_header(repo, "oneline.py") is not None


def test_output_dir_or_subdir_swapped_for_a_symlink_outside(
    tmp_path: Path, make_reactor: MakeReactor, repo: Path, clock: FakeClock
) -> None:
    reactor = make_reactor()
    settle(reactor, clock)
    outside = tmp_path / "outside"
    outside.mkdir()
    sub = repo / "DOCS/REPODOCS/pkg"
    for path in sub.iterdir():
        path.unlink()
    sub.rmdir()
    sub.symlink_to(outside)
    write(repo, "pkg/util.py", "def helper(x):\n    return 0\n")
    reactor.dirty.add("pkg/util.py")
    clock.advance(1)
    result = reactor.tick()
    assert result.status == "failed" and "outside the output directory" in result.reason
    assert list(outside.iterdir()) == []

    docs = repo / "DOCS/REPODOCS"
    sub.unlink()
    os.rename(docs, tmp_path / "moved-docs")
    docs.symlink_to(outside)
    write(repo, "main.c", "int main(void) { return 9; }\n")
    reactor.dirty.add("main.c")
    clock.advance(1)
    result = reactor.tick()
    assert result.status == "failed"
    assert list(outside.iterdir()) == []


def test_cli_refuses_traversal_and_accepts_dash_names_after_double_dash(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "-leading-dash.py", "X = 1\n")
    monkeypatch.chdir(repo)
    assert cli.main(["generate", "--", "-leading-dash.py"]) == 0
    assert doc_header(repo, "-leading-dash.py") is not None
    for bad in ("../x.py", "/etc/passwd", "pkg/../../x.py"):
        assert cli.main(["generate", bad]) == 2
    assert "outside the repository" in capsys.readouterr().err
