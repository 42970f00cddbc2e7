"""The hooks of .pre-commit-hooks.yaml with the real `pre-commit` tool, from a `repo:` entry
pointing at this project's own checkout (its HEAD commit), in a temp git repo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import doc_header, sha256_of, write

ROOT = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=check, timeout=600
    )


@pytest.mark.timeout(900)
def test_hooks_block_a_stale_commit_and_refresh_the_doc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if head.returncode != 0:
        pytest.skip("the project is not a git checkout (the hooks install from its HEAD)")
    for name, value in {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),  # its hook envs and clones
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }.items():
        monkeypatch.setenv(name, value)
    repo = tmp_path / "project"
    write(repo, "pkg/util.py", "def helper(x):\n    return x\n")
    write(repo, "main.c", "int main(void) { return 0; }\n")
    git(repo, "init", "-q", "-b", "main")
    subprocess.run(
        [sys.executable, "-m", "reactor.cli", "generate", "--all", "--repo", str(repo)],
        check=True,
        capture_output=True,
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "docs included")

    def use_hook(hook: str) -> None:
        write(
            repo,
            ".pre-commit-config.yaml",
            f"repos:\n  - repo: {ROOT}\n    rev: {head.stdout.strip()}\n"
            f"    hooks:\n      - id: {hook}\n",
        )
        git(repo, "add", ".pre-commit-config.yaml")

    use_hook("reactor-check")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True)
    write(repo, "pkg/util.py", "def helper(x):\n    return x * 2\n")
    git(repo, "add", "pkg/util.py")
    blocked = git(repo, "commit", "-m", "edit without its doc", check=False)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "stale pkg/util.py" in blocked.stdout + blocked.stderr

    use_hook("reactor-generate")
    first = git(repo, "commit", "-m", "edit, docs by the hook", check=False)
    assert first.returncode != 0  # pre-commit: "files were modified by this hook"
    assert "files were modified by this hook" in first.stdout + first.stderr
    assert doc_header(repo, "pkg/util.py") == f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
    git(repo, "add", "-A")
    second = git(repo, "commit", "-m", "edit, docs by the hook", check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(repo, "status", "--porcelain").stdout == ""  # .llmc/ ignores itself
