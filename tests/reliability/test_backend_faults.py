"""A misbehaving shell backend: the reactor keeps going, backs off, never hot-loops."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psutil

from conftest import FakeClock, doc_header, write
from reactor.config import DocgenConfig, ShellConfig
from reactor.reactor import Reactor
from reactor.scheduler import BACKOFF_BASE_SECONDS

SCRIPT = """\
#!{python}
import json, os, subprocess, sys, time
req = json.load(sys.stdin)
rel = req["relative_path"]
with open({log!r}, "a") as log:
    log.write(rel + "\\n")
mode = {mode!r} or os.path.basename(rel).split(".")[0]
if mode == "hang":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    open({pids!r}, "a").write(f"{{child.pid}}\\n")
    time.sleep(60)  # a hung backend: the reactor must kill it at its timeout
elif mode == "fail":
    sys.exit(3)
elif mode == "garbage":
    print("lorem ipsum dolor")
elif mode == "mismatch":
    print("SHA256: " + "0" * 64)
    print("# doc")
elif mode == "huge":
    chunk = "x" * (1 << 20)
    for _ in range(50):
        sys.stdout.write(chunk)
elif mode == "stderr":
    sys.stderr.write("only complaints here\\n")
else:
    print("SHA256: " + req["file_sha256"])
    print()
    print("# " + rel)
"""

BAD = ["hang", "fail", "garbage", "mismatch", "huge", "stderr"]


def make_repo_and_script(tmp_path: Path, mode: str = "") -> tuple[Path, Path, Path, DocgenConfig]:
    repo = tmp_path / "repo"
    for name in [*BAD, "good1", "good2", "good3"]:
        write(repo, f"src/{name}.py", f"NAME = {name!r}\n")
    log, pids = tmp_path / "calls.log", tmp_path / "pids.log"
    script = write(
        repo,
        "tools/docgen",
        SCRIPT.format(python=sys.executable, log=str(log), pids=str(pids), mode=mode),
    )
    script.chmod(0o755)
    config = DocgenConfig().replace(
        backend="shell",
        idle_after_seconds=0.0,
        shell=ShellConfig(script="tools/docgen", timeout_seconds=1.0),
        exclude=["tools/"],  # the script is a source too (a shebang), not one under test
    )
    return repo, log, pids, config


def calls(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def run_ticks(reactor: Reactor, n: int) -> list[str]:
    return [reactor.tick().status for _ in range(n)]


def test_each_fault_is_skipped_backed_off_and_the_rest_documented(tmp_path: Path) -> None:
    repo, log, pids, config = make_repo_and_script(tmp_path)
    clock = FakeClock()
    with Reactor.open(repo, config=config, clock=clock, watch=False) as reactor:
        run_ticks(reactor, 15)
        for good in ("good1", "good2", "good3"):
            assert doc_header(repo, f"src/{good}.py") is not None
        for bad in BAD:
            assert doc_header(repo, f"src/{bad}.py") is None
            row = reactor.index.get(f"src/{bad}.py")
            assert row is not None and row.failures == 1, bad
        assert sorted(calls(log)) == sorted(
            f"src/{n}.py" for n in [*BAD, "good1", "good2", "good3"]
        )

        # no hot loop: hundreds of ticks while everything bad is backed off cost no backend call
        statuses = run_ticks(reactor, 500)
        assert len(calls(log)) == 9
        assert not any(s in ("generated", "failed") for s in statuses)

        clock.advance(BACKOFF_BASE_SECONDS)  # the backoff expires: one more try each
        run_ticks(reactor, 15)
        assert sorted(calls(log)[9:]) == sorted(f"src/{n}.py" for n in BAD)

    for pid in pids.read_text().split():  # the hung script's child died with its group
        assert not psutil.pid_exists(int(pid)) or psutil.Process(int(pid)).status() == "zombie"


def test_a_backend_that_crashes_on_every_file_goes_quiet(tmp_path: Path) -> None:
    repo, log, _, config = make_repo_and_script(tmp_path, mode="fail")
    clock = FakeClock()
    with Reactor.open(repo, config=config, clock=clock, watch=False) as reactor:
        statuses = [reactor.tick().status for _ in range(300)]
    assert statuses.count("failed") == 9
    assert statuses[-1] == "idle"
    assert len(calls(log)) == 9
    assert (
        not any(f.name.endswith(".md") for f in (repo / "DOCS").rglob("*"))
        if (repo / "DOCS").exists()
        else True
    )
    assert os.path.exists(repo / ".llmc/reactor.db")
