"""Opt-in: every Mermaid diagram of the pages of a real repository parses, as the Mermaid CLI
renders it (``@mermaid-js/mermaid-cli`` from npm, driving an installed Chromium; no browser is
downloaded).

    REACTOR_MERMAID=1 REACTOR_MMDC=/path/to/node_modules/.bin/mmdc pytest tests/test_pages_mermaid.py

``REACTOR_MERMAID_REPO`` names the checkout whose pages are rendered (default: this project's own
sources); ``REACTOR_CHROMIUM`` the browser (default ``/usr/bin/chromium``, run with
``--no-sandbox``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor

pytestmark = pytest.mark.skipif(
    os.environ.get("REACTOR_MERMAID") != "1", reason="opt-in: set REACTOR_MERMAID=1"
)
PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)
def test_every_diagram_of_a_real_repository_renders(tmp_path: Path) -> None:
    source = Path(os.environ.get("REACTOR_MERMAID_REPO", PROJECT))
    root = tmp_path / "repo"
    skip = shutil.ignore_patterns(".git", ".llmc", ".venv*", "DOCS", "*.egg-info", "__pycache__")
    shutil.copytree(source, root, ignore=skip)
    names = ["my dir", "a.b-c", "end", "ünï", 'q"uote', "x#1<y>", "graph", "subgraph"]
    write(root, "odd/core.py", "def f(): ...\n")
    for name in names:  # names Mermaid would read as syntax, were they not escaped
        write(root, f"odd/{name}/m.py", "from odd.core import f\n")
    with Reactor.open(root, config=DocgenConfig().replace(idle_after_seconds=0), watch=False) as r:
        r.generate()
    charts = [
        chart
        for page in sorted((root / "DOCS/REPODOCS").rglob("README.md"))
        for chart in re.findall(r"```mermaid\n(.*?)```", page.read_text(), re.S)
    ]
    assert len(charts) >= 5
    document = tmp_path / "charts.md"
    document.write_text("".join(f"```mermaid\n{chart}```\n\n" for chart in charts))
    browser = {
        "executablePath": os.environ.get("REACTOR_CHROMIUM", "/usr/bin/chromium"),
        "args": ["--no-sandbox"],
    }
    (tmp_path / "puppeteer.json").write_text(json.dumps(browser))
    done = subprocess.run(
        [
            os.environ.get("REACTOR_MMDC", "mmdc"),
            "-p",
            str(tmp_path / "puppeteer.json"),
            "-i",
            str(document),
            "-o",
            str(tmp_path / "out.md"),
        ],
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stderr[-2000:]  # the CLI stops at the first parse error
    assert len(list(tmp_path.glob("out-*.svg"))) == len(charts)
