"""Errors rooted at :class:`ReactorError`.

Each error carries the thing it is about (a key, a path, a backend) as an attribute and names it
in ``str()``, so the CLI can print one clear line and pick the exit code in one place.
"""

from __future__ import annotations

from pathlib import Path


class ReactorError(Exception):
    """Base of every error the reactor raises on purpose."""

    exit_code = 1


class ConfigError(ReactorError):
    """``llmc.toml`` is unreadable, has an unknown key, a wrong type or an unsafe value."""

    exit_code = 2

    def __init__(self, message: str, *, key: str | None = None, path: Path | None = None):
        self.key = key
        self.path = path
        where = f"{path}: " if path else ""
        what = f"[docs.docgen] {key}: " if key else ""
        super().__init__(f"{where}{what}{message}")


class UsageError(ReactorError):
    """The command line asked for something impossible (a path outside the repo, ...)."""

    exit_code = 2


class LockHeld(ReactorError):
    """Another run holds the docgen lock."""

    exit_code = 3

    def __init__(self, path: Path, holder: str = "", *, what: str = "another docgen run is active"):
        self.path = path
        self.holder = holder
        by = f" by {holder}" if holder else ""
        super().__init__(f"lock {path} is held{by}; {what}")


class StateDirError(ReactorError, OSError):
    """The state directory ``.llmc/`` (index, locks) cannot be made or used: a file of that
    name, a repo that is not writable. Also an ``OSError``, so a tick reports it as the disk
    problem it is (``io_error``) instead of failing."""

    exit_code = 2

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason} (`reactor check` needs no state directory)")


class UnsafePath(ReactorError):
    """A path would leave the repository or the output directory (traversal or symlink)."""

    def __init__(self, path: Path | str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"refused {path}: {reason}")


class NotOurs(ReactorError):
    """A doc path holds something of the user's (see :mod:`reactor.docs`): never touched."""

    def __init__(self, path: Path | str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived while a backend call or a wait was under way: it is abandoned
    (a ``BaseException``, like ``KeyboardInterrupt``, so no ``except Exception`` records it as
    the file's failure)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"interrupted by signal {signum}")


class BackendError(ReactorError):
    """A backend could not produce a doc for one file; the reason says why."""

    def __init__(self, backend: str, reason: str, *, final: bool = False):
        self.backend = backend
        self.reason = reason
        #: Sending the same content again would meet the same refusal (a reply cut even when
        #: asked for less): the file waits until its content changes, no retries.
        self.final = final
        super().__init__(f"{backend} backend: {reason}")


class BackendUnavailable(BackendError):
    """The backend as a whole is down (server unreachable); not the file's fault."""


class RepoGone(ReactorError):
    """The repository directory disappeared while the reactor was running."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"repository {path} no longer exists; stopping")
