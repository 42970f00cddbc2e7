"""The state directory ``.llmc/``: the index, locks and nothing a user should commit.

When the reactor creates it, it writes ``.llmc/.gitignore`` containing ``*`` (as pytest and ruff
do for their caches), so ``git status`` stays clean. A state directory that already exists (LLMC
made it, and a team may commit some of it) is left as it is. ``DOCS/`` is left alone too: some
teams commit their docs.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

STATE_DIR = ".llmc"
GITIGNORE_TEXT = "# created by reactor: its index and locks are local state\n*\n"


def ensure_state_dir(repo_root: Path, sub: str = "") -> Path:
    """Create ``{repo_root}/.llmc[/sub]`` and the ignore file; returns the directory."""
    state = repo_root / STATE_DIR
    target = state / sub if sub else state
    created = not os.path.lexists(state)
    target.mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"
    if created and not os.path.lexists(ignore):
        # O_EXCL: two processes starting at once cannot both write it; a planted symlink is
        # never followed
        with contextlib.suppress(OSError):
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w") as fh:
                fh.write(GITIGNORE_TEXT)
    return target
