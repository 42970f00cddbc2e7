"""`reactor check`: the CI and pre-commit gate. Exit codes, lines, JSON, scope; writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write
from reactor import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and mtime: what "writes nothing" means."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            out[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def documented(repo: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(capsys, "generate", "--all", "--repo", str(repo))[0] == 0
    return repo


def test_fresh_repo_passes(documented: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--repo", str(documented))
    # the binary blob.py is named, not failed: not documented by design
    assert code == 0
    assert out.splitlines() == [
        "skipped blob.py (binary)",
        "all 3 docs fresh · 1 not documented (1 binary)",
    ]


@pytest.mark.parametrize("with_index", [True, False], ids=["index-as-cache", "no-index"])
def test_each_problem_is_named_and_nothing_is_written(
    documented: Path, capsys: pytest.CaptureFixture[str], with_index: bool
) -> None:
    repo = documented
    if not with_index:
        shutil.rmtree(repo / ".llmc")  # a fresh CI checkout that commits its docs
    write(repo, "pkg/util.py", "def helper(x):\n    return x + 1\n")  # stale
    (repo / "DOCS/REPODOCS/main.c.md").unlink()  # missing
    write(repo, "DOCS/REPODOCS/old/gone.py.md", "SHA256: " + "0" * 64 + "\n")  # orphaned
    before = snapshot(repo)
    code, out, err = run(capsys, "check", "--repo", str(repo))
    assert snapshot(repo) == before
    assert code == 1
    assert out.splitlines() == [
        "missing main.c",
        "orphaned old/gone.py",
        "stale pkg/util.py",
        "skipped blob.py (binary)",
    ]
    assert "1/3 docs fresh: 1 stale, 1 missing, 1 orphaned" in err

    code, out, _ = run(capsys, "check", "--repo", str(repo), "--json")
    data = json.loads(out)
    assert code == 1 and snapshot(repo) == before
    assert (data["ok"], data["fresh"], data["checked"]) == (False, 1, 3)
    assert data["stale"] == ["pkg/util.py"] and data["missing"] == ["main.c"]
    assert data["orphaned"] == ["old/gone.py"]


def test_paths_limit_the_scope_and_non_sources_are_ignored(
    documented: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = documented
    write(repo, "pkg/util.py", "def helper(x):\n    return x + 2\n")
    write(repo, "README.md", "# not a source\n")
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "check", "main.c", "README.md", ".env", "blob.py")
    assert code == 0 and "all 1 docs fresh" in out
    code, out, _ = run(capsys, "check", "pkg")
    assert code == 1 and out.splitlines() == ["stale pkg/util.py"]
    code, _, err = run(capsys, "check", "/etc/passwd")
    assert code == 2 and "outside the repository" in err


def test_config_error_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "llmc.toml", "[docs.docgen]\nbackend = 'gpt'\n")
    code, _, err = run(capsys, "check", "--repo", str(repo))
    assert code == 2 and "backend" in err and "Traceback" not in err


def test_a_never_indexed_repo_creates_no_state_dir(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "check", "--repo", str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "missing main.c" in proc.stdout
    assert not (repo / ".llmc").exists() and not (repo / "DOCS").exists()


def test_a_path_gives_the_same_answer_as_its_scope_checked_whole(
    documented: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = documented
    (repo / ".git").mkdir()  # (how the root is found from a path)
    write(repo, "DOCS/REPODOCS/old/gone.py.md", "SHA256: " + "0" * 64 + "\n")  # orphaned
    write(repo, "DOCS/REPODOCS/pkg/lost.py.md", "SHA256: " + "1" * 64 + "\n")  # orphaned in pkg
    whole = run(capsys, "check", "--repo", str(repo))
    assert whole[0] == 1 and "orphaned old/gone.py" in whole[1]
    monkeypatch.chdir(repo.parent)  # the repo named from outside, as CI scripts do
    assert run(capsys, "check", str(repo)) == whole
    monkeypatch.chdir(repo)
    assert run(capsys, "check", ".") == whole
    code, out, _ = run(capsys, "check", "pkg")
    assert code == 1
    assert "orphaned pkg/lost.py" in out and "old/gone.py" not in out  # the scope's own only
