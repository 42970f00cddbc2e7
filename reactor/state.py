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

from .errors import RepoGone, StateDirError

STATE_DIR = ".llmc"
GITIGNORE_TEXT = "# created by reactor: its index and locks are local state\n*\n"


def ensure_state_dir(repo_root: Path, sub: str = "") -> Path:
    """Create ``{repo_root}/.llmc[/sub]`` and the ignore file; returns the directory.

    Raises :class:`StateDirError` naming the path when it cannot be made (a file is in the way,
    the repo is not writable): every command that needs state says so in one line; and
    :class:`RepoGone` when the repo itself is gone (it is never made again here).
    """
    state = repo_root / STATE_DIR
    target = state / sub if sub else state
    created = not os.path.lexists(state)
    try:
        # one level at a time from the root down: a repo removed meanwhile is never made again
        for level in (state, *(state / part for part in _prefixes(sub))):
            with contextlib.suppress(FileExistsError):
                os.mkdir(level)
    except NotADirectoryError:
        raise _in_the_way(target, state) from None
    except OSError as exc:
        if not os.path.isdir(repo_root):
            raise RepoGone(repo_root) from None
        raise StateDirError(
            target,
            f"cannot create the state directory ({exc.strerror or exc}): reactor keeps its index "
            "and locks there, so the repository must be writable",
        ) from None
    if not target.is_dir():
        raise _in_the_way(target, state)
    ignore = state / ".gitignore"
    if created and not os.path.lexists(ignore):
        # O_EXCL: two processes starting at once cannot both write it; a planted symlink is
        # never followed
        with contextlib.suppress(OSError):
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w") as fh:
                fh.write(GITIGNORE_TEXT)
    return target


def _in_the_way(target: Path, state: Path) -> StateDirError:
    """The error for a file where the state directory (or a directory in it) must be."""
    way = (target, *target.parents)
    blocker = next((p for p in way if os.path.lexists(p) and not p.is_dir()), state)
    reason = "is a file, where reactor keeps its index and locks: move it away"
    return StateDirError(blocker, reason)


def _prefixes(sub: str) -> list[str]:
    """``a/b/c`` → ``["a", "a/b", "a/b/c"]``."""
    parts = [p for p in sub.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
