"""kill -9 during generation, 50 times: no torn doc, no leftover temp file, a consistent index."""

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
import sys
from reactor.reactor import Reactor
with Reactor.open(sys.argv[1], watch=False) as reactor:
    print("ready", flush=True)
    while True:
        reactor.generate(None, force=True)
"""


@pytest.mark.timeout(120)
def test_kill_9_at_random_moments(tmp_path: Path) -> None:
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
    assert len(expected) == 40
    rng = random.Random(42)

    for attempt in range(50):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(repo)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=rng.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()

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

    with Reactor.open(repo, watch=False) as reactor:  # the next start cleans up
        assert reactor.status().fresh == 40
    assert not [p for p in out.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
