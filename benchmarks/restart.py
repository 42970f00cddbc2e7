"""Restart catch-up (issue 32): edits the index knows of but no doc shows yet are documented
first after a restart, not when the random sampler happens by.

    python benchmarks/restart.py [--files 2020] [--edited 10]

A repo of ``--files`` generated Python files is documented (`reactor generate --all`); then
``--edited`` of them, spread over the tree, are appended to and indexed without being
documented (`reactor status`, as a daemon killed between its index write and the doc write
leaves them); then `reactor watch` starts with default settings. The figure is the time from
its start to its own line "all N docs fresh", beside the number of the sampler's windows a
lap of the index takes (what finding them by sampling alone would cost, one window per tick).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pace import watch_until_fresh


def reactor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reactor.cli", *args], capture_output=True, text=True, check=True
    )


def measure(files: int, edited: int) -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix="reactor-restart-"))
    try:
        root = base / "repo"
        for i in range(files):
            path = root / f"d{i % 20}" / f"m{i}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f'"""Module {i}."""\n\n\ndef f{i}() -> int:\n    return {i}\n')
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        reactor("generate", "--all", "--repo", str(root))
        for i in range(0, files, files // edited)[:edited]:
            with open(root / f"d{i % 20}" / f"m{i}.py", "a") as fh:
                fh.write("APPENDED = True\n")
        reactor("status", "--repo", str(root))  # indexed, not documented
        elapsed, _ = watch_until_fresh(root, files, timeout=600)
        return {
            "files": files,
            "edited": edited,
            "fresh_after_restart_seconds": float("inf") if elapsed is None else round(elapsed, 2),
            "sampler_lap_windows": files / 10,
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2020)
    parser.add_argument("--edited", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(measure(args.files, args.edited), indent=2))


if __name__ == "__main__":
    main()
