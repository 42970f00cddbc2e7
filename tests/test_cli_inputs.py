"""Bad inputs are one-line errors (exit 2) or per-file reasons, never tracebacks; the repo is
found like git finds its work tree; what is not documented, and why, is always said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write
from reactor import cli

DOCS = "DOCS/REPODOCS"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("[docs.docgen]\ntick_seconds = inf\n", "tick_seconds: must be a finite number"),
        ("[docs.docgen]\ninclude = ['**/[z-a].py']\n", "not a valid gitignore pattern"),
        (
            "[docs.docgen]\nbackend = 'openai'\n[docs.docgen.openai]\n"
            "base_url = '127.0.0.1:8080/v1'\nmodel = 'm'\n",
            "openai.base_url: '127.0.0.1:8080/v1' needs a scheme",
        ),
        (b"[docs.docgen]\n# caf\xe9\n", "not UTF-8"),
        ("[docs.docgen\n", "not valid TOML"),
    ],
)
@pytest.mark.parametrize("command", ["status", "generate", "check", "watch"])
def test_config_errors_are_one_line_and_exit_2(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    config: str | bytes,
    words: str,
    command: str,
) -> None:
    write(repo, "llmc.toml", config)
    monkeypatch.chdir(repo)
    argv = [command, "--all"] if command == "generate" else [command]
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("wait", ["inf", "nan", "-1", "soon"])
def test_wait_must_be_a_finite_duration(
    repo: Path, capsys: pytest.CaptureFixture[str], wait: str
) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["generate", "--all", "--repo", str(repo), "--wait", wait])
    assert info.value.code == 2
    assert "--wait" in capsys.readouterr().err


def test_run_from_a_subdirectory_finds_the_repo(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo / "pkg")
    code, out, _ = run(capsys, "generate", "util.py")  # relative to the cwd
    assert code == 0 and "1 generated" in out
    assert (repo / DOCS / "pkg/util.py.md").is_file()
    assert not (repo / "pkg/DOCS").exists() and not (repo / "pkg/.llmc").exists()
    code, out, _ = run(capsys, "check", "util.py")
    assert code == 0 and "all 1 docs fresh" in out
    code, out, _err = run(capsys, "check")  # the whole repo, not pkg/ alone
    assert code == 1 and "missing main.c" in out and "missing util.py" not in out
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["sources"] == 4


def test_llmc_toml_marks_the_root_too_and_repo_is_accepted_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    write(root, "llmc.toml", "[docs.docgen]\n")
    write(root, "src/deep/a.py", "A = 1\n")
    monkeypatch.chdir(root / "src/deep")
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0 and json.loads(out)["sources"] == 1
    for argv in (["status", str(root)], ["status", "--repo", str(root)]):
        assert run(capsys, *argv)[0] == 0
    (tmp_path / "elsewhere").mkdir()
    code, _, err = run(capsys, "status", str(tmp_path / "elsewhere"), "--repo", str(root))
    assert code == 2 and "elsewhere is outside the repository" in err
    code, _, err = run(capsys, "watch", str(tmp_path / "elsewhere"), "--repo", str(root))
    assert code == 2 and "elsewhere is outside the repository" in err


@pytest.mark.parametrize("command", ["check", "generate"])
def test_a_path_that_does_not_exist_is_named_with_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.chdir(repo)
    code, _, err = run(capsys, command, "nonexist.py")
    assert code == 2 and "nonexist.py: no such file or directory" in err
    code, out, err = run(capsys, command, ".env" if command == "check" else "main.c")
    assert code in (0, 1), (out, err)  # an existing path is fine


def test_skipped_files_are_named_everywhere(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "llmc.toml", "[docs.docgen]\nmax_file_bytes = 1000\n")
    write(repo, "big.c", "int x;\n" * 400)
    write(repo, "strings.py", 'SEP = "\x00"\nNAME = "text with a NUL in a literal"\n')
    monkeypatch.chdir(repo)
    code, out, _err = run(capsys, "generate", "--all")
    assert code == 0
    assert "not documented (too large): big.c: larger than max_file_bytes (2,800 > 1,000" in out
    assert "not documented (binary): blob.py" in out
    assert "2 skipped" in out
    assert (repo / DOCS / "strings.py.md").is_file()  # a NUL in a string literal is still text
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert data["skipped"]["by_reason"] == {
        "too_large": 1,
        "binary": 1,
        "unreadable": 0,
        "foreign": 0,
        "noop": 0,
    }
    assert data["skipped"]["paths"]["too_large"] == ["big.c"]
    code, out, _ = run(capsys, "status")
    assert "skipped:    1 too large, 1 binary" in out and "sources:    6 (2 skipped)" in out
    code, out, _ = run(capsys, "check")
    assert code == 0 and "skipped big.c (too large)" in out
    assert "2 not documented (1 too large, 1 binary)" in out


def test_failures_are_listed_with_reason_attempts_and_next_retry(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "fail.sh", "#!/bin/sh\necho boom >&2\nexit 3\n").chmod(0o755)
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nbackend = 'shell'\n[docs.docgen.shell]\nscript = 'fail.sh'\n",
    )
    monkeypatch.chdir(repo)
    code, _, err = run(capsys, "generate", "main.c")
    assert code == 1 and "exit status 3: boom" in err
    code, out, _ = run(capsys, "status", "--json")
    (failure,) = json.loads(out)["failed"]
    assert failure["path"] == "main.c" and failure["attempts"] == 1
    assert failure["reason"] == "shell backend: exit status 3: boom"
    assert failure["next_retry"] is not None
    code, out, _ = run(capsys, "status")
    assert "failed:     1" in out
    assert "failed: main.c: shell backend: exit status 3: boom (attempt 1, next retry " in out


def test_odd_names_are_quoted_like_git_in_every_line(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = "new\nline.py"
    write(repo, odd, "X = 1\n")
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "check")
    assert code == 1 and 'missing "new\\nline.py"' in out.splitlines()
    assert all(not line.startswith("line.py") for line in out.splitlines())
    run(capsys, "generate", "--all")
    title = (repo / DOCS / f"{odd}.md").read_text().split("\n")[2]
    assert title == '# `"new\\nline.py"`'
    write(repo, odd, "X = 2\n")
    _code, out, _ = run(capsys, "status")
    assert 'stale: "new\\nline.py"' in out
