"""The shell backend against real scripts: the LLMC protocol and every failure mode."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from conftest import doc_header, sha256_of, wait_until, write
from reactor.backends import DocRequest, Generated, NoOp
from reactor.backends.shell import ShellBackend
from reactor.config import DocgenConfig
from reactor.errors import BackendError
from reactor.reactor import Reactor

#: A docgen script written the way LLMC's scripts are: JSON in, SHA256 header + Markdown out.
LLMC_SCRIPT = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import json, sys
    req = json.load(sys.stdin)
    print(f"SHA256: {{req['file_sha256']}}")
    print()
    print(f"# Documentation for `{{req['relative_path']}}`")
    print()
    print(f"{{len(req['source_contents'].splitlines())}} lines; repo {{req['repo_root']}}")
    print("existing doc: " + ("yes" if req["existing_doc_contents"] else "no"))
    print("graph: " + (req["graph_context"] or "none").replace("\\n", " | "))
    """
)


def script(root: Path, name: str, body: str) -> Path:
    path = write(root, f"scripts/{name}", f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def request(root: Path, rel: str = "pkg/util.py") -> DocRequest:
    return DocRequest(root, rel, sha256_of(root / rel), (root / rel).read_text(), None, None)


def test_llmc_script_works_unchanged_as_backend(repo: Path) -> None:
    path = write(repo, "scripts/llmc_docgen.py", LLMC_SCRIPT)
    path.chmod(0o755)
    config = (
        DocgenConfig()
        .replace(backend="shell")
        .replace(shell=DocgenConfig().shell.__class__(script="scripts/llmc_docgen.py"))
    )
    with Reactor.open(repo, config=config, watch=False) as reactor:
        outcomes = reactor.generate(["pkg/util.py", "pkg/__init__.py"])
    assert [o.status for o in outcomes] == ["generated", "generated"]
    doc = (repo / "DOCS/REPODOCS/pkg/util.py.md").read_text()
    assert doc_header(repo, "pkg/util.py") == f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
    assert "# Documentation for `pkg/util.py`" in doc
    assert "graph: Imported by: | - pkg/__init__.py" in doc
    assert f"repo {repo.resolve()}" in doc


def test_request_json_has_exactly_the_protocol_fields(repo: Path) -> None:
    dump = repo / "request.json"
    path = script(
        repo,
        "dump.py",
        f"""\
        import json, sys
        req = json.load(sys.stdin)
        open({str(dump)!r}, "w").write(json.dumps(req))
        print("SHA256: " + req["file_sha256"])
        print("doc")
        """,
    )
    backend = ShellBackend(script=path, args=[], timeout_seconds=10)
    result = backend.generate(request(repo))
    assert result == Generated("doc")
    sent = json.loads(dump.read_text())
    assert sorted(sent) == sorted(
        [
            "repo_root",
            "relative_path",
            "file_sha256",
            "source_contents",
            "existing_doc_contents",
            "graph_context",
        ]
    )
    assert sent["existing_doc_contents"] is None and sent["graph_context"] is None


def test_args_are_passed_without_a_shell(repo: Path) -> None:
    path = script(
        repo,
        "args.py",
        """\
        import json, sys
        req = json.load(sys.stdin)
        print("SHA256: " + req["file_sha256"])
        print(repr(sys.argv[1:]))
        """,
    )
    backend = ShellBackend(script=path, args=["--x", "a b; rm -rf /", "$HOME"], timeout_seconds=10)
    result = backend.generate(request(repo))
    assert isinstance(result, Generated)
    assert result.body == "['--x', 'a b; rm -rf /', '$HOME']"


def test_noop(repo: Path) -> None:
    path = script(repo, "noop.py", "import sys; sys.stdin.read(); print('NO-OP: generated file')\n")
    result = ShellBackend(script=path, args=[], timeout_seconds=10).generate(request(repo))
    assert result == NoOp("generated file")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            "import sys; sys.stdin.read(); sys.stderr.write('boom\\n'); sys.exit(3)\n",
            "exit status 3: boom",
        ),
        (
            "import sys; sys.stdin.read(); print('# doc without header')\n",
            "does not start with 'SHA256",
        ),
        (
            "import sys; sys.stdin.read(); print('SHA256: ' + 'f' * 64); print('x')\n",
            "does not match",
        ),
        ("import sys; sys.stdin.read()\n", "empty output"),
        ("import sys; sys.stdin.read(); sys.stderr.write('only stderr')\n", "empty output"),
    ],
)
def test_failures_raise_with_reason(repo: Path, body: str, words: str) -> None:
    path = script(repo, "bad.py", body)
    with pytest.raises(BackendError, match=words.replace("(", r"\(")):
        ShellBackend(script=path, args=[], timeout_seconds=10).generate(request(repo))


def test_timeout_kills_the_whole_process_group(repo: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    path = script(
        repo,
        "hang.py",
        f"""\
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        time.sleep(60)  # a hung script: the backend must kill it and its child
        """,
    )
    backend = ShellBackend(script=path, args=[], timeout_seconds=1.0)
    with pytest.raises(BackendError, match="timed out after 1s"):
        backend.generate(request(repo))
    child = int(pidfile.read_text())
    wait_until(
        lambda: (
            not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
        ),
        what="the script's child to die with its group",
    )


def test_non_executable_python_script_runs_with_this_python(repo: Path) -> None:
    path = write(repo, "scripts/plain.py", LLMC_SCRIPT)
    os.chmod(path, 0o644)
    result = ShellBackend(script=path, args=[], timeout_seconds=10).generate(request(repo))
    assert isinstance(result, Generated) and "Documentation for" in result.body


def test_missing_interpreter_is_a_clear_error(repo: Path) -> None:
    path = write(repo, "scripts/x.sh", "#!/nonexistent/interpreter\n")
    path.chmod(0o755)
    with pytest.raises(BackendError, match="cannot run"):
        ShellBackend(script=path, args=[], timeout_seconds=10).generate(request(repo))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "import sys; sys.stdin.read(); sys.stderr.write('oops \\x1b[2J\\x1b]0;t\\x07 \\x9b'); "
            "sys.exit(2)\n",
            "exit status 2: oops \\033[2J\\033]0;t\\a \\302\\233",
        ),
        (
            "import sys; sys.stdin.read(); print('NO-OP: \\x1b[31mgenerated\\x1b[0m\\rfile')\n",
            "generated\\033[0m\\rfile",
        ),
    ],
)
def test_what_a_script_says_never_reaches_a_terminal_raw(
    repo: Path, body: str, reason: str
) -> None:
    """Escape sequences in a script's stderr or NO-OP reason end up in log lines, `generate`'s
    report and `status`: every control character is shown escaped."""
    path = script(repo, "garbage.py", body)
    backend = ShellBackend(script=path, args=[], timeout_seconds=10)
    try:
        said = backend.generate(request(repo))
        assert isinstance(said, NoOp)
        text = said.reason
    except BackendError as exc:
        text = str(exc)
    assert reason in text
    assert text.isprintable()


def test_a_scripts_doc_with_a_code_block_left_open_is_closed_and_fresh(repo: Path) -> None:
    """A script that prints a fence it never closes: the reactor closes it, so the inputs line
    below stays a line of its own and `check --strict` can read the doc's inputs."""
    script(
        repo,
        "open_fence.py",
        """\
        import json, sys
        req = json.load(sys.stdin)
        print("SHA256: " + req["file_sha256"])
        print()
        print("# A doc")
        print()
        print("```python")
        print("never closed")
        """,
    )
    config = (
        DocgenConfig()
        .replace(backend="shell")
        .replace(shell=DocgenConfig().shell.__class__(script="scripts/open_fence.py"))
    )
    with Reactor.open(repo, config=config, watch=False) as reactor:
        [outcome] = reactor.generate(["pkg/util.py"])
        assert outcome.status == "generated"
        assert reactor.status(refresh_index=False).outdated == 0
    doc = (repo / "DOCS/REPODOCS/pkg/util.py.md").read_text()
    assert "```python\nnever closed\n```\n\n<!-- reactor inputs:" in doc
