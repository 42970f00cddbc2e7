"""One answer to "which files are sources": `watch` (the reactor's index once it has converged),
`status --json`, `generate --all` and `check --json` count exactly the same sources on trees
shaped like real repositories, and a backend's NO-OP is remembered as such by all of them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeClock, write
from reactor import cli
from reactor.config import load_config
from reactor.reactor import Reactor

#: A regular file bigger than the limit the trees set (a source, reported as too large).
MAX_FILE_BYTES = 4096
CONFIG = f"[docs.docgen]\nidle_after_seconds = 0\nmax_file_bytes = {MAX_FILE_BYTES}\n"


def python_repo(root: Path) -> set[str]:
    """A Python project: licence files, a Makefile, scripts, a gitignored build and vendor
    dir, a kept third_party dir, a virtualenv, a secret, a binary, an oversized file."""
    (root / ".git").mkdir(parents=True)
    write(root, "llmc.toml", CONFIG)
    write(root, ".gitignore", "build/\nvendor/\n*.log\n")
    write(root, "LICENSE", "MIT License\n\nPermission is hereby granted...\n")
    write(root, "NOTICE", "Copyright 2026\n")
    write(root, "Makefile", "all:\n\tpython -m pytest\n")
    write(root, "setup.py", "from setuptools import setup\nsetup()\n")
    write(root, "pkg/__init__.py", '"""The package."""\nfrom .core import run\n')
    write(root, "pkg/core.py", "def run() -> int:\n    return 1\n")
    write(root, "bin/tool", "#!/usr/bin/env python3\nprint('tool')\n")
    write(root, "bin/deploy", "#!/bin/bash\necho deploy\n")
    write(root, "bin/awkward", "#!/usr/bin/awk -f\n{ print }\n")  # an unknown interpreter
    write(root, "build/lib/pkg/core.py", "def run(): ...\n")
    write(root, "vendor/six.py", "X = 1\n")
    write(root, "third_party/small.py", "Y = 2\n")
    write(root, ".venv/lib/site.py", "Z = 3\n")
    write(root, "node_modules/left-pad/index.js", "module.exports = 1\n")
    write(root, ".env", "API_KEY=hunter2\n")
    write(root, "deploy/id_rsa", "-----BEGIN KEY-----\n")
    write(root, "data/blob.py", b"\x00\x01\x02binary\x00" * 10)
    write(root, "data/huge.py", "X = 1\n" * (MAX_FILE_BYTES // 4))
    write(root, "run.log", "noise\n")
    return {
        "setup.py",
        "pkg/__init__.py",
        "pkg/core.py",
        "bin/tool",
        "bin/deploy",
        "third_party/small.py",
        "data/blob.py",  # binary: a source, not documented
        "data/huge.py",  # too large: a source, not documented
    }


def go_repo_with_nested_repositories(root: Path) -> set[str]:
    """A Go module holding a cloned dependency (its own .git dir) and a submodule (a .git
    file): both are other repositories, left to themselves."""
    (root / ".git").mkdir(parents=True)
    write(root, "llmc.toml", CONFIG)
    write(root, "go.mod", "module example.com/app\n\ngo 1.22\n")
    write(root, "NOTICE", "Third-party notices\n")
    write(root, "Dockerfile", "FROM scratch\n")
    write(root, "cmd/app/main.go", "package main\n\nfunc main() {}\n")
    write(root, "internal/store/store.go", "package store\n\ntype Cart struct{}\n")
    write(root, "scripts/build.sh", "#!/bin/sh\ngo build ./...\n")
    write(root, "scripts/release", "#!/bin/sh\necho release\n")
    write(root, "deps/lib/.git/HEAD", "ref: refs/heads/main\n")
    write(root, "deps/lib/lib.go", "package lib\n")
    write(root, "modules/sub/.git", "gitdir: ../../.git/modules/sub\n")
    write(root, "modules/sub/sub.go", "package sub\n")
    write(root, "modules/own.go", "package modules\n")
    return {
        "cmd/app/main.go",
        "internal/store/store.go",
        "scripts/build.sh",
        "scripts/release",
        "modules/own.go",
    }


def plain_directory_with_symlinks(root: Path) -> set[str]:
    """No .git, no llmc.toml: the directory itself is the root. Symlinks in the repo, out of
    it and in a loop; a name whose doc name would exceed NAME_MAX; a repo cloned inside."""
    outside = root.parent / "outside"
    write(outside, "secret.py", "TOKEN = 'x'\n")
    write(root, "app.py", "import util\n")
    write(root, "util.py", "def helper() -> None: ...\n")
    (root / "alias.py").symlink_to(root / "util.py")
    (root / "escape.py").symlink_to(outside / "secret.py")
    (root / "loop").symlink_to(root)
    (root / "linked_dir").symlink_to(outside)
    write(root, "a" * 250 + ".py", "X = 1\n")  # its doc name: 256 bytes
    write(root, "clone/.git/HEAD", "ref: refs/heads/main\n")
    write(root, "clone/mod.py", "Z = 1\n")
    write(root, "README", "Read me\n")
    return {"app.py", "util.py", "alias.py"}


TREES = [python_repo, go_repo_with_nested_repositories, plain_directory_with_symlinks]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def converge(root: Path) -> set[str]:
    """What `watch` counts: the reactor's index once ticks (driven here, no watcher, a fake
    clock) have nothing left to do."""
    clock = FakeClock()
    config = load_config(root).replace(idle_after_seconds=0.0)
    with Reactor.open(root, config=config, clock=clock, watch=False) as reactor:
        for _ in range(1000):
            if reactor.tick().work_done:
                continue
            due = reactor.seconds_until_due()
            if due is None:
                break
            clock.advance(max(due, 0.01))
        else:
            raise AssertionError("the reactor never converged")
        fresh, _outdated, total = reactor.index.progress()
        assert fresh == total, "converged: every documentable source has its doc"
        return {row.path for row in reactor.index.all_rows()}


def not_documented(report: dict[str, object]) -> set[str]:
    skipped = report["skipped"]
    assert isinstance(skipped, dict)
    paths = skipped.get("paths", skipped)
    return {p for group in paths.values() for p in group}


@pytest.mark.parametrize("tree", TREES, ids=lambda t: t.__name__)
def test_every_command_counts_the_same_sources(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tree: Callable[[Path], set[str]],
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    expected = tree(root)
    monkeypatch.chdir(root)

    # check writes nothing: before anything ran, every source is missing or not documented
    code, out, _ = run(capsys, "check", "--json")
    checked = json.loads(out)
    assert code == 1
    by_check = set(checked["missing"]) | not_documented(checked)

    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert code == 0
    by_status = set(status["paths"]["missing"]) | not_documented(status)
    assert status["sources"] == len(by_status)

    by_watch = converge(root)
    assert by_check == by_status == by_watch == expected

    code, out, _ = run(capsys, "generate", "--all")
    assert code == 0 and "\n0 generated, " in "\n" + out
    assert f"({len(expected)} files," in out

    code, out, _ = run(capsys, "check", "--json")
    checked = json.loads(out)
    assert code == 0, checked
    assert checked["checked"] + len(not_documented(checked)) == len(expected)

    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["sources"] == len(expected)
    assert status["fresh"] == len(expected) - status["skipped"]["count"]
    assert status["missing"] == status["stale"] == 0


def test_an_extensionless_file_is_named_not_documented_by_generate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    python_repo(root)
    monkeypatch.chdir(root)
    code, _, err = run(capsys, "generate", "LICENSE")
    assert code == 1
    assert err.strip() == "skipped: LICENSE: no extension and no shebang naming a known interpreter"
    code, out, _ = run(capsys, "check", "LICENSE", "Makefile")
    assert code == 0 and out.strip() == "no sources to document"  # not sources: ignored


NOOP_SCRIPT = """\
#!/bin/sh
# an LLMC docgen script: it declines generated files, documents the rest
request=$(cat)
case "$request" in
  *'"relative_path": "gen/'*) echo "NO-OP: generated code"; exit 0 ;;
esac
sha=$(printf '%s' "$request" | sed -n 's/.*"file_sha256": "\\([0-9a-f]*\\)".*/\\1/p')
printf 'SHA256: %s\\n\\n# documented\\n' "$sha"
"""


def test_a_noop_from_a_shell_backend_is_remembered_not_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, "tools/docgen.sh", NOOP_SCRIPT).chmod(0o755)
    write(
        root,
        "llmc.toml",
        "[docs.docgen]\nbackend = 'shell'\nidle_after_seconds = 0\n"
        "[docs.docgen.shell]\nscript = 'tools/docgen.sh'\n",
    )
    write(root, "app.py", "X = 1\n")
    write(root, "gen/schema_pb2.py", "DESCRIPTOR = None\n")
    monkeypatch.chdir(root)

    assert converge(root) == {"app.py", "gen/schema_pb2.py", "tools/docgen.sh"}
    assert not (root / "DOCS/REPODOCS/gen").exists()

    code, out, _ = run(capsys, "check")
    assert code == 0, out
    assert "skipped gen/schema_pb2.py (declined by the backend: generated code)" in out
    assert "all 2 docs fresh · 1 not documented (1 declined by the backend)" in out
    code, out, _ = run(capsys, "check", "--json")
    assert json.loads(out)["skipped"]["noop"] == ["gen/schema_pb2.py"]
    code, out, _ = run(capsys, "check", "gen")  # every source in scope declined
    assert (
        code == 0
        and out.splitlines()[-1]
        == "no docs to check · 1 not documented (1 declined by the backend)"
    )

    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["missing"] == 0 and status["skipped"]["paths"]["noop"] == ["gen/schema_pb2.py"]
    assert status["declined"] == {"gen/schema_pb2.py": "generated code"}
    code, out, _ = run(capsys, "status")
    assert "declined: gen/schema_pb2.py: generated code (NO-OP)" in out
    assert "fresh:      2/2 (100%)" in out

    # new content is asked again: the script declines it again, and it stays declined
    write(root, "gen/schema_pb2.py", "DESCRIPTOR = 1\n")
    code, out, _ = run(capsys, "check")
    assert code == 1 and "missing gen/schema_pb2.py" in out  # this content: not asked yet
    code, out, _ = run(capsys, "generate", "gen")
    assert code == 0 and "1 no-op" in out
    assert run(capsys, "check")[0] == 0


def test_the_watch_progress_line_counts_what_status_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ "indexed repo: N sources" and the fresh count are status's numbers, not the walk's
    candidates (a LICENSE, a Makefile were counted before)."""
    root = tmp_path / "repo"
    expected = python_repo(root)
    caplog.set_level("INFO", logger="reactor")
    converge(root)
    (indexed,) = [m for m in caplog.messages if m.startswith("indexed repo:")]
    assert indexed.startswith(f"indexed repo: {len(expected)} sources, ")
    with Reactor.open(root, watch=False) as reactor:
        fresh, _outdated, total = reactor.index.progress()
        status = reactor.status()
    assert (fresh, total) == (status.fresh, status.documentable) == (6, 6)
    assert os.path.exists(root / "DOCS/REPODOCS/bin/tool.md")
