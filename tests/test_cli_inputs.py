"""Bad inputs are one-line errors (exit 2) or per-file reasons, never tracebacks; the repo is
found like git finds its work tree; what is not documented, and why, is always said."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from conftest import write
from reactor import cli
from reactor.progress import progress_line

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
        # numbers the code cannot represent: refused with the range allowed
        (
            "[docs.docgen]\ntick_seconds = 1e308\n",
            "tick_seconds: must be > 0 and <= 3600, got 1e+308",
        ),
        (
            "[docs.docgen]\nmax_file_bytes = 9223372036854775807\n",
            "max_file_bytes: must be 1 to 67108864, got 9223372036854775807",
        ),
        ("[docs.docgen]\nsettle_seconds = 1e308\n", "settle_seconds: must be 0 to 600, got 1e+308"),
        (
            "[docs.docgen]\ntick_budget_ms = 1e308\n",
            "tick_budget_ms: must be 0 to 10000, got 1e+308",
        ),
        (
            "[docs.docgen]\n[docs.docgen.shell]\ntimeout_seconds = 1e308\n",
            "shell.timeout_seconds: must be > 0 and <= 86400, got 1e+308",
        ),
        (
            "[docs.docgen]\noutput_dir = 'main.c'\n",
            "output_dir: 'main.c': main.c is a file, not a directory; docs need a directory there",
        ),
        (
            "[docs.docgen]\noutput_dir = 'pkg'\n",
            "output_dir: 'pkg' holds sources (pkg/",
        ),
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
    assert not (repo / ".llmc").exists()  # said before any state is made


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
        "unreadable_doc": 0,
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


def no_traceback(err: str) -> bool:
    return "Traceback" not in err and "Error:" not in err.replace("reactor: error:", "")


def test_a_default_output_dir_blocked_by_a_file_is_a_config_error(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "DOCS", "my notes\n")  # where DOCS/REPODOCS would go
    monkeypatch.chdir(repo)
    for argv in (["status"], ["generate", "--all"], ["check"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", (argv, out)
        assert err == (
            "reactor: error: [docs.docgen] output_dir: 'DOCS/REPODOCS': DOCS is a file, not a "
            "directory; docs need a directory there (move the file, or set output_dir)\n"
        )


@pytest.mark.parametrize("command", ["status", "generate", "watch"])
def test_a_state_dir_that_is_a_file_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    write(repo, ".llmc", "not a directory\n")
    monkeypatch.chdir(repo)
    code, _, err = run(capsys, *([command, "--all"] if command == "generate" else [command]))
    assert code == 2 and no_traceback(err)
    assert err == (
        f"reactor: error: {repo / '.llmc'}: is a file, where reactor keeps its index and locks: "
        "move it away (`reactor check` needs no state directory)\n"
    )
    assert "held" not in err
    assert run(capsys, "check")[0] == 1  # check needs no state: it still answers


def test_a_name_that_is_not_utf8_is_said_not_a_traceback(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = os.fsdecode(b"pkg/bad\xffname.py")
    write(repo, name, "X = 1\n")
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "generate", name)
    assert code == 1 and no_traceback(err)
    assert err == (
        'skipped: "pkg/bad\\377name.py": file name is not valid UTF-8 (the index, the docs and '
        "every backend need UTF-8)\n"
    )
    assert "0 generated, 0 fresh, 1 skipped" in out
    code, out, err = run(capsys, "check", name)
    assert code == 0 and out == "no sources to document\n"
    assert json.loads(run(capsys, "status", "--json")[1])["sources"] == 4


def test_a_name_whose_doc_name_exceeds_name_max_says_so(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "a" * 250 + ".py"
    write(repo, name, "X = 1\n")
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "generate", name)
    assert code == 1 and no_traceback(err)
    assert err == (
        f"skipped: {name}: its doc name would be 256 bytes, over the file system's limit "
        "(NAME_MAX 255)\n"
    )
    assert "foreign" not in err + out
    code, out, _ = run(capsys, "generate", "--all")
    assert code == 0 and "foreign" not in out
    status = json.loads(run(capsys, "status", "--json")[1])
    assert status["sources"] == 4 and status["skipped"]["count"] == 1  # blob.py, binary
    assert run(capsys, "check")[0] == 0


def test_status_of_a_subdirectory_counts_it_and_writes_nothing_into_it(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "status", "pkg", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["sources"] == 2 and data["paths"]["missing"] == ["pkg/__init__.py", "pkg/util.py"]
    assert not (repo / "pkg/.llmc").exists() and (repo / ".llmc").is_dir()
    monkeypatch.chdir(repo / "pkg")
    code, out, _ = run(capsys, "status", "-v", ".")  # -v after the command, too
    assert code == 0 and "sources:    2" in out and not (repo / "pkg/.llmc").exists()


def test_a_repo_named_from_outside_is_found_from_the_path(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git").mkdir()
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, "stray.py", "S = 1\n")
    monkeypatch.chdir(elsewhere)
    code, out, err = run(capsys, "check", str(repo))
    assert code == 1 and no_traceback(err)
    missing = [line for line in out.splitlines() if line.startswith("missing ")]
    assert missing == [
        "missing DOCS/REPODOCS/README.md",  # (the whole repo: its pages too, as check in it)
        "missing DOCS/REPODOCS/pkg/README.md",
        "missing main.c",
        "missing pkg/__init__.py",
        "missing pkg/util.py",
    ]
    assert "stray" not in out + err
    code, out, _ = run(capsys, "generate", str(repo / "main.c"))
    assert code == 0 and (repo / DOCS / "main.c.md").is_file()
    assert not (elsewhere / ".llmc").exists() and not (elsewhere / "DOCS").exists()
    code, out, _ = run(capsys, "check", "-v", str(repo / "main.c"), "--json")
    assert code == 0 and json.loads(out)["checked"] == 1
    write(tmp_path, "other/.git/HEAD", "ref: refs/heads/main\n")
    write(tmp_path, "other/x.py", "X = 1\n")
    code, _, err = run(capsys, "check", str(repo / "main.c"), str(tmp_path / "other/x.py"))
    assert code == 2 and "are in different repositories" in err


def test_an_empty_repo_says_the_same_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "empty"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, "status")
    assert code == 0 and "fresh:      0/0 (no sources to document)" in out
    code, out, _ = run(capsys, "check")
    assert code == 0 and out == "no sources to document\n"
    code, out, _ = run(capsys, "generate", "--all")
    assert code == 0 and out.startswith("no sources to document (0 files, ")
    # and the watch's line, from the same counts
    assert progress_line(0, 0, None) == "0/0 fresh (no sources to document)"


FAILING = "#!/bin/sh\ncat >/dev/null\necho 'boom \\033[2J\\033]0;title\\007 done' >&2\nexit 3\n"


def test_a_reason_is_printed_once_and_escaped(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "fail.sh", FAILING).chmod(0o755)
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nbackend = 'shell'\n[docs.docgen.shell]\nscript = 'fail.sh'\n",
    )
    write(repo, "DOCS/REPODOCS/pkg/util.py.md", "my own notes\n")
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "generate", "main.c", "pkg/util.py")
    assert code == 1
    assert err.count("exit status 3") == 1 and (out + err).count("my own notes") == 0
    assert err.count("is in the way") == 1
    assert "failed: main.c: shell backend: exit status 3: boom \\033[2J\\033]0;title\\a done" in err
    assert "\x1b" not in out + err and "\a" not in out + err
    code, out, _ = run(capsys, "status")
    assert "\x1b" not in out and "boom \\033[2J" in out


def test_verbose_is_accepted_after_every_command(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    assert run(capsys, "generate", "--all", "-v")[0] == 0
    code, _, err = run(capsys, "generate", "--all", "--verbose")
    assert code == 0 and "fresh main.c" in err  # DEBUG lines
    for argv in (["status", "-v"], ["check", "-v"], ["-v", "status"]):
        assert run(capsys, *argv)[0] == 0, argv


def test_no_log_line_carries_a_raw_escape_sequence(capsys: pytest.CaptureFixture[str]) -> None:
    """A reason from any backend (a server's error body, an exception's text) is escaped where
    the CLI prints logs; the highlight of the line's own format stays."""
    cli._setup_logging(verbose=False, command="watch")
    log = logging.getLogger("reactor.scheduler")
    log.warning("docgen failed for %s: %s", "a.py", "HTTP 500: \x1b]0;owned\x07\x1b[2J")
    log.warning("%s; paused", RuntimeError("down\r\nfake log line"))
    log.info("\033[1;32m%s\033[0m", "all 3 docs fresh")
    err = capsys.readouterr().err
    assert "HTTP 500: \\033]0;owned\\a\\033[2J" in err and "down\\r\\nfake log line" in err
    assert "\x07" not in err and err.count("\x1b") == 2  # only the highlight's own
