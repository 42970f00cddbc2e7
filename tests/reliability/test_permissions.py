"""Unreadable is not gone and not fresh: a source or directory that cannot be read keeps its docs,
is reported (`status`, `check` exit 1 with `unreadable <path>`), and is picked up again when its
permissions come back. Permission bits mean nothing to root, so as root (CI) every reactor
command runs as `nobody` via setpriv; as any other user it runs as that user."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import doc_header, sha256_of, wait_until, write

DOCS = "DOCS/REPODOCS"


def _unprivileged_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot drop privileges for this test")
    nobody = pwd.getpwnam("nobody")
    return [
        "setpriv",
        f"--reuid={nobody.pw_uid}",
        f"--regid={nobody.pw_gid}",
        "--clear-groups",
        "--",
    ]


@pytest.fixture
def unprivileged_repo() -> Iterator[tuple[Path, list[str]]]:
    """A repo the unprivileged user owns, under a directory it can reach."""
    prefix = _unprivileged_prefix()
    base = Path(tempfile.mkdtemp(prefix="reactor-perm-"))
    base.chmod(0o755)
    repo = base / "repo"
    for i in range(6):
        write(repo, f"sub/s{i}.py", f"S = {i}\n")
    write(repo, "a.py", "A = 1\n")
    write(repo, "b.py", "B = 1\n")
    write(repo, "llmc.toml", "[docs.docgen]\nidle_after_seconds = 0\nsettle_seconds = 0.1\n")
    if prefix:
        nobody = pwd.getpwnam("nobody")
        for path in [repo, *repo.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    try:
        yield repo, prefix
    finally:
        for path in [repo, *repo.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(base)


def reactor(prefix: list[str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "reactor.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unreadable_file_is_reported_not_fresh(
    unprivileged_repo: tuple[Path, list[str]],
) -> None:
    repo, prefix = unprivileged_repo
    assert reactor(prefix, "generate", "--all", "--repo", str(repo)).returncode == 0
    write(repo, "a.py", "A = 2  # edited, then made unreadable\n")
    (repo / "a.py").chmod(0)
    status = json.loads(reactor(prefix, "status", str(repo), "--json").stdout)
    assert status["skipped"]["paths"]["unreadable"] == ["a.py"]
    assert "a.py" not in status["paths"]["stale"]
    assert status["fresh"] == 7  # the others; a.py is not counted fresh
    check = reactor(prefix, "check", "--repo", str(repo))
    assert check.returncode == 1 and "unreadable a.py" in check.stdout
    one = json.loads(
        reactor(prefix, "check", "--repo", str(repo), "--json", str(repo / "a.py")).stdout
    )
    assert one["ok"] is False and one["unreadable"] == ["a.py"]
    named = reactor(prefix, "generate", "--repo", str(repo), str(repo / "a.py"))
    assert named.returncode == 1 and "Traceback" not in named.stderr
    assert "a.py: cannot read: Permission denied" in named.stderr
    assert (repo / DOCS / "a.py.md").exists()  # kept


def test_an_unreadable_directory_keeps_its_docs(unprivileged_repo: tuple[Path, list[str]]) -> None:
    repo, prefix = unprivileged_repo
    assert reactor(prefix, "generate", "--all", "--repo", str(repo)).returncode == 0
    (repo / "sub").chmod(0)
    run = reactor(prefix, "generate", "--all", "--repo", str(repo))
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert len(list((repo / DOCS / "sub").glob("*.py.md"))) == 6  # not orphans
    status = json.loads(reactor(prefix, "status", str(repo), "--json").stdout)
    assert status["orphaned"] == 0 and len(status["skipped"]["paths"]["unreadable"]) == 6
    check = reactor(prefix, "check", "--repo", str(repo))
    assert check.returncode == 1 and "unreadable sub" in check.stdout
    assert "orphaned" not in check.stdout


@pytest.mark.timeout(180)
def test_watch_keeps_docs_of_hidden_files_and_picks_them_up_when_readable_again(
    unprivileged_repo: tuple[Path, list[str]],
) -> None:
    repo, prefix = unprivileged_repo
    cmd = [*prefix, sys.executable, "-m", "reactor.cli", "watch", str(repo)]
    lines: list[str] = []
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
        reader.start()
        try:
            wait_until(lambda: any("all 8 docs fresh" in line for line in lines), what="converged")
            (repo / "sub").chmod(0)
            write(repo, "b.py", "B = 2\n")  # an event, so the daemon ticks meanwhile
            wait_until(lambda: doc_header(repo, "b.py") == f"SHA256: {sha256_of(repo / 'b.py')}")
            write(repo, "a.py", "A = 3\n")
            (repo / "a.py").chmod(0)
            wait_until(lambda: any("not documenting a.py" in line for line in lines))
            assert len(list((repo / DOCS / "sub").glob("*.py.md"))) == 6
            (repo / "a.py").chmod(0o644)  # readable again: no content change, no new mtime
            wait_until(
                lambda: doc_header(repo, "a.py") == f"SHA256: {sha256_of(repo / 'a.py')}",
                timeout=60,
                what="the doc of a file whose permissions came back",
            )
            (repo / "sub").chmod(0o755)
            write(repo, "sub/s0.py", "S = 'edited'\n")
            wait_until(
                lambda: doc_header(repo, "sub/s0.py") == f"SHA256: {sha256_of(repo / 'sub/s0.py')}",
                timeout=60,
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            reader.join(timeout=10)
    assert "Traceback" not in "".join(lines)
    assert len(list((repo / DOCS / "sub").glob("*.py.md"))) == 6


def test_a_repo_that_is_not_writable_is_one_line_not_a_traceback(
    unprivileged_repo: tuple[Path, list[str]],
) -> None:
    """No state dir can be made: every command that needs one says so (exit 2), none claims
    the lock is held by another run, and `check` (which writes nothing) still answers."""
    repo, prefix = unprivileged_repo
    repo.chmod(0o555)
    try:
        for argv in (["status", str(repo)], ["generate", "--all", "--repo", str(repo)]):
            run = reactor(prefix, *argv)
            assert run.returncode == 2, run.stderr
            assert run.stderr == (
                f"reactor: error: {repo / '.llmc'}: cannot create the state directory "
                "(Permission denied): reactor keeps its index and locks there, so the "
                "repository must be writable (`reactor check` needs no state directory)\n"
            )
        watch = reactor(prefix, "watch", str(repo))
        assert watch.returncode == 2 and "cannot create the state directory" in watch.stderr
        assert "held" not in watch.stderr and "Traceback" not in watch.stderr
        check = reactor(prefix, "check", "--repo", str(repo))
        assert check.returncode == 1 and "missing a.py" in check.stdout
    finally:
        repo.chmod(0o755)


def test_an_index_this_user_may_not_write_is_a_usage_error(
    unprivileged_repo: tuple[Path, list[str]],
) -> None:
    repo, prefix = unprivileged_repo
    assert reactor(prefix, "generate", "--all", "--repo", str(repo)).returncode == 0
    state = repo / ".llmc"
    for path in [state, *state.glob("reactor.db*")]:  # made by another user (its locks stay)
        if prefix:
            os.chown(path, 0, 0)
        path.chmod(0o555 if path.is_dir() else 0o444)
    write(repo, "a.py", "A = 3  # a change to record\n")
    run = reactor(prefix, "generate", "--all", "--repo", str(repo))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "reactor.db" in run.stderr and "must be writable by this user" in run.stderr
