"""kill -9 during generation, 50 times: no torn doc, a consistent index, temp files cleaned by the
next lock holder. Half the kills land at random moments; the other half are made to land
between the temp file's creation and its rename, and the test counts that they did."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write
from reactor.docs import TEMP_SUFFIX, parse_header
from reactor.reactor import Reactor

CHILD = """
import os, sys
from reactor.reactor import Reactor

block_at = int(sys.argv[2])  # the n-th rename blocks (0: none) until the parent kills us
renames = 0
real_replace = os.replace

def replace(src, dst):
    global renames
    renames += 1
    if renames == block_at:
        print("mid-write", flush=True)  # the temp file is written and fsynced, not renamed
        sys.stdin.read()
    real_replace(src, dst)

os.replace = replace
with Reactor.open(sys.argv[1], watch=False) as reactor:
    print("ready", flush=True)
    while True:
        reactor.generate(None, force=True)
"""


def temp_files(out: Path) -> set[Path]:
    return {p for p in out.rglob("*") if p.name.endswith(TEMP_SUFFIX)}


@pytest.mark.timeout(180)
def test_kill_9_at_random_moments_and_mid_write(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for i in range(40):
        write(
            repo,
            f"pkg{i % 4}/mod{i}.py",
            f'"""Module {i}."""\n\ndef f{i}(x):\n    return x * {i}\n',
        )
    with Reactor.open(repo, watch=False) as reactor:  # the expected docs, from a clean run
        reactor.generate(None)
    out = repo / "DOCS/REPODOCS"
    expected = {p: p.read_bytes() for p in out.rglob("*.md")}
    assert len(expected) == 40 + 5  # and the pages of the 4 packages and the repository
    rng = random.Random(42)
    mid_write_kills = 0

    for attempt in range(50):
        block_at = 0 if attempt % 2 == 0 else rng.randint(1, 60)
        before = temp_files(out)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(repo), str(block_at)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        if block_at:
            assert child.stdout.readline() == "mid-write\n"
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=rng.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        assert child.stdin is not None
        child.stdin.close()
        if temp_files(out) - before:
            mid_write_kills += 1  # died between creating the temp file and renaming it

        for path, content in expected.items():
            data = path.read_bytes()  # never torn: old or new, and both are complete
            assert data == content, f"attempt {attempt}: {path} torn"
            assert parse_header(data.split(b"\n", 1)[0].decode() + "\n")
        db = sqlite3.connect(repo / ".llmc/reactor.db")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 40
        finally:
            db.close()

    assert mid_write_kills >= 25, mid_write_kills  # every blocked kill, plus any random one
    assert temp_files(out)  # the crashes left temp files behind ...
    with Reactor.open(repo, watch=False) as reactor:
        assert reactor.status().fresh == 40
        assert temp_files(out)  # ... which status (not the lock holder) leaves alone ...
        reactor.generate(None)
    assert not temp_files(out)  # ... and the next holder of the docgen lock removes
