"""`reactor generate` beside `reactor watch`: one docgen at a time, across processes."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import wait_until, write

SCRIPT = """\
#!{python}
import json, os, sys, time
req = json.load(sys.stdin)
start = time.monotonic()
time.sleep(0.03)  # a backend that takes a while: overlapping runs would show
print("SHA256: " + req["file_sha256"])
print("# " + req["relative_path"])
with open({log!r}, "a") as log:
    log.write(f"{{os.getppid()}} {{start}} {{time.monotonic()}} {{req['relative_path']}}\\n")
"""


@pytest.mark.timeout(90)
def test_generate_and_watch_never_generate_at_the_same_time(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for i in range(40):
        write(repo, f"m{i}.py", f"V = {i}\n")
    log = tmp_path / "intervals.log"
    script = write(repo, "tools/gen", SCRIPT.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nbackend = 'shell'\nidle_after_seconds = 0\n"
        "tick_seconds = 0.02\nsettle_seconds = 0.05\n"
        "[docs.docgen.shell]\nscript = 'tools/gen'\n",
    )
    watch = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "watch", str(repo)], stderr=subprocess.DEVNULL
    )
    try:
        wait_until(
            lambda: (
                watch.poll() is None and log.exists() and len(log.read_text().splitlines()) >= 3
            ),
            what="the watch to generate",
        )
        manual = subprocess.run(
            [
                sys.executable,
                "-m",
                "reactor.cli",
                "generate",
                "--all",
                "--force",
                "--repo",
                str(repo),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert manual.returncode == 0, manual.stderr
    finally:
        watch.terminate()
        assert watch.wait(timeout=20) == 0
    rows = [line.split(maxsplit=3) for line in log.read_text().splitlines()]
    intervals = sorted((float(start), float(end), int(pid)) for pid, start, end, _ in rows)
    assert len({pid for _, _, pid in intervals}) == 2  # both processes generated docs
    for (_, end, _), (start, _, _) in itertools.pairwise(intervals):
        assert start >= end, "two generations overlapped"
