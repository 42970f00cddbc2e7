"""The CLI as a user runs it: exit codes, messages, paths, JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import doc_header, sha256_of, wait_until, write
from reactor import cli
from reactor.lock import DOCGEN_LOCK, LLMC_BATCH_LOCK, FileLock


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def status_json(capsys: pytest.CaptureFixture[str], repo: Path) -> dict[str, object]:
    code, out, _ = run(capsys, "status", str(repo), "--json")
    assert code == 0
    data: dict[str, object] = json.loads(out)
    return data


def test_generate_all_then_nothing_then_one_stale(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "pkg/__init__.py", '"""The package."""\nfrom .util import helper\n')
    before = status_json(capsys, repo)  # blob.py is binary: a source, skipped
    assert (before["sources"], before["missing"], before["fresh"]) == (4, 3, 0)
    assert before["skipped"]["by_reason"]["binary"] == 1

    code, out, err = run(capsys, "generate", "--all", "--repo", str(repo))
    assert code == 0
    assert "3 generated, 0 fresh" in out
    assert "📝 [Docgen] Generated doc for pkg/util.py" in err

    code, out, err = run(capsys, "generate", "--all", "--repo", str(repo))
    assert code == 0 and "0 generated, 3 fresh" in out and "Generated doc" not in err

    write(repo, "pkg/util.py", "def helper(x):\n    return x + 1\n")  # a new signature
    after = status_json(capsys, repo)
    assert (after["fresh"], after["stale"], after["missing"], after["outdated"]) == (1, 1, 0, 1)
    # pkg/__init__.py shows helper's signature in its graph context: outdated, not stale
    assert after["outdated_reasons"]["neighbours"] == ["pkg/__init__.py"]
    assert after["paths"] == {"stale": ["pkg/util.py"], "missing": [], "orphaned": []}


def test_status_counts_orphans_stale_and_files_that_are_not_ours(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "generate", "--all", "--repo", str(repo))
    (repo / "main.c").unlink()
    (repo / "DOCS/REPODOCS/pkg/util.py.md").write_text("SHA256: " + "0" * 64 + "\nold\n")
    (repo / "DOCS/REPODOCS/pkg/__init__.py.md").write_text("# hand-written, no header\n")
    write(repo, "DOCS/REPODOCS/README.md", "# Our docs\n")
    data = status_json(capsys, repo)
    assert (data["sources"], data["fresh"], data["stale"], data["orphaned"]) == (3, 0, 1, 1)
    assert data["skipped"]["paths"]["foreign"] == ["pkg/__init__.py"]  # the user's file wins
    assert data["foreign"] == ["README.md", "pkg/__init__.py.md"]
    code, out, _ = run(capsys, "status", str(repo))
    assert code == 0 and "orphaned:   1" in out and "stale: pkg/util.py" in out
    assert "foreign:    2 file(s) in DOCS/REPODOCS that are not our docs (left alone)" in out


def test_paths_relative_to_cwd_and_directories(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "pkg")
    code, out, _ = run(capsys, "generate", "util.py", "--repo", "..")
    assert code == 0 and "1 generated" in out
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "generate", "pkg")
    assert code == 0 and "1 generated, 1 fresh" in out


@pytest.mark.parametrize("path", ["../outside.py", "/etc/passwd"])
def test_paths_outside_the_repo_are_usage_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    write(repo.parent, "outside.py", "X = 1\n")
    monkeypatch.chdir(repo)
    code, _, err = run(capsys, "generate", path)
    assert code == 2 and "outside the repository" in err


def test_explicit_secret_and_binary_are_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "generate", ".env", "blob.py", "main.c")
    assert code == 1
    assert "skipped: .env: looks like a secret" in err
    assert "skipped: blob.py: binary content" in err
    assert "1 generated" in out
    assert not (repo / "DOCS/REPODOCS/.env.md").exists()


def test_lock_held_exits_3(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FileLock(repo / DOCGEN_LOCK):
        code, _, err = run(capsys, "generate", "--all", "--repo", str(repo), "--wait", "0.2")
    assert code == 3 and "is held by pid" in err
    (repo / LLMC_BATCH_LOCK).parent.mkdir(parents=True, exist_ok=True)
    with FileLock(repo / LLMC_BATCH_LOCK):
        code, _, err = run(capsys, "generate", "--all", "--repo", str(repo), "--wait", "0")
    assert code == 3 and "docgen.lock" in err


def test_config_error_exits_2_without_traceback(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "llmc.toml", "[docs.docgen]\nsample_sise = 3\n")
    code, _, err = run(capsys, "status", str(repo))
    assert code == 2
    assert "llmc.toml" in err and "sample_sise" in err and "Traceback" not in err


def test_usage_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "generate", "--repo", str(repo))
    assert code == 2 and "--all" in err
    code, _, err = run(capsys, "status", str(repo / "nope"))
    assert code == 2 and f"{repo / 'nope'}: no such file or directory" in err
    code, _, err = run(capsys, "status", "--repo", str(repo / "main.c"))
    assert code == 2 and "main.c: not a directory" in err


def test_disabled_config_does_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "llmc.toml", "[docs.docgen]\nenabled = false\n")
    code, out, _ = run(capsys, "generate", "--all", "--repo", str(repo))
    assert code == 0 and "disabled" in out
    assert not (repo / "DOCS").exists()


def test_every_command_has_help() -> None:
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():  # type: ignore[union-attr]
        assert sub.description, name
        for action in sub._actions:
            assert action.help, f"{name} {action.dest}"


def test_console_script_runs(repo: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "status", str(repo), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["sources"] == 4 and data["skipped"]["paths"]["binary"] == ["blob.py"]


def test_verbose_prints_debug_lines(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "generate", "--all", "--repo", str(repo))[0] == 0
    code, _, err = run(capsys, "generate", "--all", "--repo", str(repo))
    assert code == 0 and "fresh main.c" not in err
    code, _, err = run(capsys, "-v", "generate", "--all", "--repo", str(repo))
    assert code == 0 and "fresh main.c" in err  # one DEBUG line per file


def test_help_and_readme_name_version_polling_and_verbose() -> None:
    text = cli.build_parser().format_help()
    watch = cli.build_parser()._subparsers._group_actions[0].choices["watch"].format_help()  # type: ignore[union-attr]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for flag in ("--version", "-v"):
        assert flag in text and f"`{flag}" in readme
    assert "--polling" in watch and "--polling" in readme


def generate_in_a_thread(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> tuple[threading.Thread, list[tuple[int, str, str]]]:
    """`reactor generate --all --wait 60` started in another thread; its result lands in the list."""
    result: list[tuple[int, str, str]] = []
    thread = threading.Thread(
        target=lambda: result.append(
            run(capsys, "generate", "--all", "--repo", str(repo), "--wait", "60")
        )
    )
    thread.start()
    return thread, result


def test_generate_waits_for_the_lock_and_then_succeeds(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A daemon tick holds the docgen lock; `generate --wait` waits for it instead of failing."""
    from reactor.lock import FileLock as Lock

    holder = Lock(repo / DOCGEN_LOCK)
    holder.acquire()
    refused = threading.Event()
    real_try = Lock._try_acquire

    def observed(self: Lock) -> None:
        try:
            real_try(self)
        except Exception:
            refused.set()  # generate found the lock held and is waiting
            raise

    monkeypatch.setattr(Lock, "_try_acquire", observed)
    thread, result = generate_in_a_thread(capsys, repo)
    assert refused.wait(30)
    holder.release()  # the tick finishes
    thread.join(timeout=60)
    assert result and result[0][0] == 0 and "3 generated" in result[0][1]


def test_generate_waits_for_llmcs_batch_lock_too(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reactor import reactor as reactor_module

    (repo / LLMC_BATCH_LOCK).parent.mkdir(parents=True, exist_ok=True)
    holder = FileLock(repo / LLMC_BATCH_LOCK)
    holder.acquire()
    seen_held = threading.Event()
    real_check = reactor_module.is_locked_elsewhere

    def observed(path: Path) -> bool:
        held = real_check(path)
        if held and path.name == "docgen.lock" and path.parent.name == ".llmc":
            seen_held.set()
        return held

    monkeypatch.setattr(reactor_module, "is_locked_elsewhere", observed)
    thread, result = generate_in_a_thread(capsys, repo)
    assert seen_held.wait(30) and not result  # waiting, not failed at once
    holder.release()
    thread.join(timeout=60)
    assert result and result[0][0] == 0 and "3 generated" in result[0][1]


def test_watch_polling_documents_an_edit(repo: Path) -> None:
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nidle_after_seconds = 0\nsettle_seconds = 0.1\ntick_seconds = 0.05\n",
    )
    cmd = [sys.executable, "-m", "reactor.cli", "watch", "--polling", str(repo)]
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stderr is not None
            for line in proc.stderr:
                if "polling file watching" in line:
                    break
            wait_until(lambda: doc_header(repo, "main.c") is not None, what="the first docs")
            write(repo, "main.c", "int main(void) { return 7; }\n")
            wait_until(
                lambda: doc_header(repo, "main.c") == f"SHA256: {sha256_of(repo / 'main.c')}",
                what="the edit to be documented by polling",
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_every_help_lists_every_exit_code_and_every_default() -> None:
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    helps = {"reactor": parser.format_help()}
    helps |= {name: sub.format_help() for name, sub in subparsers.choices.items()}  # type: ignore[union-attr]
    for name, text in helps.items():
        flat = " ".join(text.split())
        for code in ("0 ", "1 ", "2 usage or config error", "3 ", "130 / 143"):
            assert f"; {code}" in flat or f"codes: {code}" in flat, (name, code)
    for name, sub in subparsers.choices.items():  # type: ignore[union-attr]
        for action in sub._actions:
            if action.dest not in ("help", "version"):
                assert "default" in (action.help or ""), f"{name} {action.dest}"
    generate = " ".join(helps["generate"].split())
    assert "(default: 10)" in generate and "(default: the config's concurrency, 1)" in generate


def test_watch_outside_any_repo_says_which_root_it_took_and_leaves_nested_repos_alone(
    tmp_path: Path,
) -> None:
    root = tmp_path / "plain"
    write(root, "top.py", "X = 1\n")
    write(root, "llmc_like/notes.py", "Y = 2\n")
    write(root, "clone/.git/HEAD", "ref: refs/heads/main\n")
    write(root, "clone/src/lib.py", "Z = 3\n")
    cmd = [sys.executable, "-m", "reactor.cli", "watch"]
    with subprocess.Popen(cmd, cwd=root, stderr=subprocess.PIPE, text=True) as proc:
        lines: list[str] = []
        try:
            assert proc.stderr is not None
            for line in proc.stderr:
                lines.append(line)
                if "all 2 docs fresh" in line:
                    break
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    start = next(line for line in lines if "reactor watching" in line)
    assert (
        f"reactor watching {root.resolve()} (no llmc.toml or .git here: taken as the root; nested "
        "git repositories in it are left to themselves)"
    ) in start
    docs = root / "DOCS/REPODOCS"
    assert (docs / "top.py.md").is_file() and (docs / "llmc_like/notes.py.md").is_file()
    assert not (docs / "clone").exists()  # the nested repository: not documented
