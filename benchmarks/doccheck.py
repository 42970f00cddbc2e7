"""Every doc a benchmark writes is read as CommonMark, as the test suite's are (issue 28).

In-process writes are compared block by block with the page their renderer built (the suite's
``tests/markdown_check.recording``); the docs a ``reactor`` subprocess left in a benchmark's
repo are checked for the contract (the ``SHA256:`` line a paragraph of its own, the inputs
comment the last block: nothing left open swallowed it) when the benchmark removes that repo.
A repo of more than :data:`MAX_PER_TREE` such docs is checked on an even sample of them, and
the summary says how many were read.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from markdown_check import Recorder, check_doc, recording

from reactor.docs import parse_header

#: Subprocess-written docs read per removed repo (the rest of a 100,000-doc tree is sampled).
MAX_PER_TREE = 2_000


@contextlib.contextmanager
def docs_checked() -> Iterator[Recorder]:
    """Check the docs written while active; removing a tree checks what is left in it."""
    real_rmtree = shutil.rmtree

    def checked_rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        root = Path(path)
        if root.is_dir() and not root.is_symlink():
            check_left(root, recorder)
        real_rmtree(path, *args, **kwargs)

    with recording() as recorder, mock.patch.object(shutil, "rmtree", checked_rmtree):
        yield recorder


def check_left(root: Path, recorder: Recorder) -> None:
    """The contract of the docs of ours under ``root`` that no write of this process made."""
    docs = sorted(p for p in root.rglob("*.md") if p not in recorder.written)
    step = max(1, len(docs) // MAX_PER_TREE)
    for path in docs[::step]:
        try:
            doc = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if parse_header(doc.split("\n", 1)[0]) is None:
            continue
        recorder.on_disk += 1
        recorder.problems += [f"{path}: {p}" for p in check_doc(doc)]


def summary(recorder: Recorder) -> dict[str, int]:
    return {
        "parsed": recorder.planned + recorder.contract_only + recorder.on_disk,
        "against_their_blocks": recorder.planned,
        "written_by_subprocesses": recorder.on_disk,
        "problems": len(recorder.problems),
    }
