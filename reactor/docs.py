"""The doc store: ``{output_dir}/{relative source path}.md`` with an ``SHA256:`` first line.

**What is ours.** A file under the output dir is one of our docs only if its name is
``<source path>.md`` and its first line is a valid ``SHA256: <64 hex>`` header. Anything else
there — hand-written Markdown, a README, an index page, a symlink, a directory — is the user's:
never deleted, moved or overwritten, never counted as orphaned. :meth:`DocStore.inspect` tells
which a path holds, and every destructive call checks it again right before acting.

Every path is checked before use: no traversal, no absolute paths, and no symlink anywhere between
the repo root and the doc may lead outside the output directory. Writes are atomic (temp file in
the same directory, fsync, ``os.replace``) so a crash leaves either the old doc or the new one,
never a torn one; the temp files of writes in flight are known, so a shutdown can remove them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from .errors import NotOurs, UnsafePath

#: The brake on mass removal: one pass may remove 25 % of the docs, or a handful (up to 20, but
#: never half of them) if that is more — never every one. Beyond it nothing is removed until a
#: user confirms (``reactor generate --prune``): a changed ``include``, an ``output_dir`` typo
#: or a checkout of an almost empty branch must not delete a repo's docs, whatever its size
#: (the floor of 20 alone let a 5-doc repo lose all 5).
BRAKE_MIN_DOCS = 20
BRAKE_SHARE = 0.25


def removal_limit(total_docs: int) -> int:
    """The most docs of ``total_docs`` that one pass may remove unconfirmed."""
    handful = min(BRAKE_MIN_DOCS, total_docs // 2)
    return max(0, min(total_docs - 1, max(int(total_docs * BRAKE_SHARE), handful)))


def removal_held(pending: int, total_docs: int) -> bool:
    """Whether removing ``pending`` of ``total_docs`` docs at once must wait for a user."""
    return pending > removal_limit(total_docs)


def brake_rule(total_docs: int) -> str:
    """The brake's bound in words, for the messages that say why nothing was removed."""
    limit = removal_limit(total_docs)
    if limit == 0:
        return f"any of the {total_docs} docs (removing every doc is never done unconfirmed)"
    return f"{limit} of {total_docs} docs (25 %, or up to 20 but not half; never all)"


HEADER_RE = re.compile(r"SHA256: ([0-9a-f]{64})\r?\n?\Z")
TEMP_SUFFIX = ".reactor-tmp"
DOC_SUFFIX = ".md"


def _doc_mode() -> int:
    """The mode an ordinary ``open()`` would give a new file: 0666 less the umask.

    ``mkstemp`` creates 0600 files, which a web server, mkdocs or a teammate could not read. The
    umask can only be read by setting it, so it is read from ``/proc`` where possible and the
    set-and-restore (which races with other threads creating files) is the fallback.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT/SIGTERM wait while this runs (a shutdown must find every temp file noted)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _parse_head(head: bytes) -> str | None:
    """The digest in the first line of a doc's first bytes, if it is a valid header."""
    line = head.split(b"\n", 1)[0] + (b"\n" if b"\n" in head else b"")
    return parse_header(line.decode("ascii", errors="replace"))


def _not_opened(exc: OSError) -> DocFile:
    """A doc path that could not be read: a permission or I/O error says nothing of what is
    there (it may well be ours), anything else means something of the user's is in the way."""
    if exc.errno in UNREADABLE_ERRNOS:
        return DocFile("unreadable", error=exc.strerror or str(exc))
    return DocFile("foreign")


def header_line(sha256: str) -> str:
    """The first line of every doc."""
    return f"SHA256: {sha256}\n"


def parse_header(first_line: str) -> str | None:
    """The hex digest of a well-formed header line, else ``None`` (stale)."""
    match = HEADER_RE.match(first_line)
    return match.group(1) if match else None


#: Errors that say a doc is there but cannot be read (not that something else is in the way).
UNREADABLE_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EIO})


@dataclass(frozen=True)
class DocFile:
    """What a doc path holds: nothing, one of our docs (with its header's digest), the user's
    (a foreign file, or a directory), or something that cannot be read (``error`` says why):
    neither ours nor foreign, so never overwritten, removed or counted as either."""

    kind: Literal["absent", "ours", "foreign", "directory", "unreadable"]
    sha256: str | None = None
    error: str = ""

    @property
    def in_the_way(self) -> str | None:
        """Why nothing may be written here (``None``: we may write)."""
        if self.kind == "foreign":
            return "a file that is not one of our docs (no SHA256 header) is in the way"
        if self.kind == "directory":
            return "a directory is in the way"
        if self.kind == "unreadable":
            return f"cannot read it ({self.error}); a doc is never overwritten unread"
        return None


class DocStore:
    """Reads and writes docs under one output directory of one repo."""

    def __init__(self, repo_root: Path, output_rel: PurePosixPath):
        self.repo_root = repo_root.resolve()
        self.output_rel = output_rel
        self.root = self.repo_root / output_rel
        self._root_str = str(self.root)
        self._mode = _doc_mode()
        self._in_flight: set[str] = set()  # temp files of writes under way
        self._in_flight_lock = threading.RLock()  # re-entered by a signal handler
        self._closed = False  # see remove_temp_files_in_flight(closing=True)

    # -- paths --------------------------------------------------------------------------
    def doc_path(self, rel: str) -> Path:
        """The doc path for source ``rel``; :class:`UnsafePath` if it could escape."""
        path = self._lexical_path(rel)
        self._check_inside(path.parent)
        return path

    def _lexical_path(self, rel: str) -> Path:
        """``{output_dir}/{rel}.md`` after the lexical checks only (no symlink resolution)."""
        return Path(self._lexical(rel))

    def _lexical(self, rel: str) -> str:
        # plain string work: the sampler checks ten of these per tick
        parts = rel.split("/")
        if not rel or rel[0] == "/" or ".." in parts or "" in parts or "\0" in rel:
            raise UnsafePath(rel, "not a clean repo-relative path")
        return f"{self._root_str}/{rel}{DOC_SUFFIX}"

    def _check_inside(self, directory: Path) -> None:
        """The deepest existing ancestor of ``directory`` must resolve inside the output root."""
        out_real = _resolve_existing(self._root_str) or os.path.realpath(self._root_str)
        repo = str(self.repo_root)
        if out_real == repo or not _is_within(out_real, repo):
            raise UnsafePath(self.root, "output directory resolves outside the repo")
        probe = str(directory)
        while (real := _resolve_existing(probe)) is None and probe != self._root_str:
            parent = os.path.dirname(probe)
            if parent == probe:
                return
            probe = parent
        if real is not None and not _is_within(real, out_real):
            raise UnsafePath(directory, "a symlink leads outside the output directory")

    # -- reading ------------------------------------------------------------------------
    def inspect(self, rel: str) -> DocFile:
        """What ``rel``'s doc path holds (lexical: never follows a symlink)."""
        return self.inspect_at(self._lexical(rel))

    @staticmethod
    def inspect_at(path: str) -> DocFile:
        """One open, one fstat, one read (the sampler asks this of every row it looks at)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return DocFile("absent")
        except OSError as exc:
            return _not_opened(exc)  # a symlink (ELOOP) is foreign: never ours to touch
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                return DocFile("directory")
            if not stat.S_ISREG(mode):
                return DocFile("foreign")  # a FIFO, a device: never ours
            digest = _parse_head(os.read(fd, 80))
        except OSError as exc:
            return _not_opened(exc)
        finally:
            os.close(fd)
        return DocFile("ours", digest) if digest is not None else DocFile("foreign")

    def read(self, rel: str) -> str | None:
        """The whole doc, or ``None`` when missing/unreadable. Symlinked docs are not followed."""
        path = self.doc_path(rel)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            return fh.read().decode("utf-8", errors="replace")

    def header(self, rel: str) -> str | None:
        """The SHA-256 recorded in the doc's first line, or ``None`` (missing or malformed).

        Only 80 bytes are read and only compared with a digest, so a symlinked directory can at
        worst make a doc look stale; that is why this hot path skips the resolution that
        :meth:`read` and :meth:`write` do.
        """
        return self.header_at(self._lexical(rel))

    @staticmethod
    def header_at(path: Path | str) -> str | None:
        """The header of the doc at ``path`` (raw ``os`` calls: status reads 100k of these)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        try:
            head = os.read(fd, 80)
        except OSError:
            return None
        finally:
            os.close(fd)
        return _parse_head(head)

    # -- writing ------------------------------------------------------------------------
    def write(self, rel: str, content: str) -> Path:
        """Atomically replace the doc of ``rel`` with ``content``; :class:`NotOurs` when the
        path holds something of the user's."""
        path = self._lexical_path(rel)
        self._check_inside(path.parent)  # before mkdir: never create directories outside
        self._refuse_foreign(rel, path)
        self._make_dirs(path.parent)
        self._check_inside(path.parent)  # and after: a racing symlink swap is caught too
        # a short name: a source name near the 255-byte limit must still fit its temp file
        with _signals_held(), self._in_flight_lock:  # no signal between creating and noting it
            if self._closed:  # the process is on its way out: no new temp file to leave
                raise OSError(errno.ESHUTDOWN, "the doc store is closing", str(path))
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=TEMP_SUFFIX)
            self._in_flight.add(tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), self._mode)
                fh.write(content.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            self._refuse_foreign(rel, path)  # the user may have put a file there meanwhile
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(tmp)
        return path

    def probe_write(self) -> OSError | None:
        """Whether the disk takes a doc now: 4 KiB written, synced and removed beside the
        docs (in the output dir, or the repo root before it exists). The error when not."""
        where = self.root if self.root.is_dir() else self.repo_root
        try:
            fd, tmp = tempfile.mkstemp(dir=where, prefix=".probe", suffix=TEMP_SUFFIX)
        except OSError as exc:
            return exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(b"\0" * 4096)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            return exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return None

    def _make_dirs(self, directory: Path) -> None:
        """``directory`` and its missing parents below the repo root, one level at a time: a
        repo removed under a running reactor is never made again by a write (``FileNotFoundError``
        instead, and the next tick finds the repo gone)."""
        for level in reversed([directory, *directory.parents]):
            if level.is_relative_to(self.repo_root) and level != self.repo_root:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(level)

    def _refuse_foreign(self, rel: str, path: Path) -> None:
        reason = self.inspect_at(str(path)).in_the_way
        if reason is not None:
            raise NotOurs(f"{self.output_rel.as_posix()}/{rel}{DOC_SUFFIX}", reason)

    def remove_temp_files_in_flight(self, *, closing: bool = False) -> int:
        """Remove the temp files of this process's writes under way (a shutdown, a second
        signal): whatever happens next, none is left behind. Returns how many. ``closing``:
        no write starts after this (a thread still writing when the process exits cannot
        leave a new one)."""
        with self._in_flight_lock:
            self._closed = self._closed or closing
            pending, self._in_flight = self._in_flight, set()
        removed = 0
        for tmp in pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
                removed += 1
        return removed

    def remove(self, rel: str) -> bool:
        """Delete the doc of ``rel`` (an orphan) if it is one of ours; prune emptied
        directories. True if removed."""
        path = self.doc_path(rel)
        if self.inspect_at(str(path)).kind != "ours":
            return False  # gone already, or the user's: never ours to delete
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        self._prune(path.parent)
        return True

    def _prune(self, directory: Path) -> None:
        """Remove ``directory`` and its parents up to the output root while they are empty."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def rename(self, old_rel: str, new_rel: str) -> bool:
        """Move one of our docs when its source moved with unchanged content; never onto, or
        from, a file of the user's. True if moved."""
        old, new = self.doc_path(old_rel), self.doc_path(new_rel)
        if self.inspect_at(str(old)).kind != "ours" or self.inspect_at(str(new)).in_the_way:
            return False
        self._make_dirs(new.parent)
        self._check_inside(new.parent)
        os.replace(old, new)
        self._prune(old.parent)
        return True

    # -- scanning -----------------------------------------------------------------------
    def iter_docs(
        self,
        *,
        with_temp_files: bool = False,
        on_unlistable: Callable[[str], object] | None = None,
    ) -> Iterator[tuple[str, str]]:
        """Yield ``(source_rel, doc_abs_path)`` for every doc; symlinks are not followed.

        With ``with_temp_files`` also ``("", temp_abs_path)`` for each temp file, for the
        docgen lock holder's sweep (a temp file is only ever removed under that lock).
        ``on_unlistable`` gets the repo-relative path of each directory that cannot be listed
        (a permission or I/O error): what it holds is unknown, not absent.
        """
        if not self.root.is_dir() or self.root.is_symlink():
            return
        base = len(str(self.root)) + 1
        stack = [str(self.root)]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = list(it)
            except OSError as exc:
                if on_unlistable is not None and exc.errno in UNREADABLE_ERRNOS:
                    below = directory[len(self._root_str) :]
                    on_unlistable(self.output_rel.as_posix() + below)
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(DOC_SUFFIX):
                    yield entry.path[base : -len(DOC_SUFFIX)], entry.path
                elif with_temp_files and entry.name.endswith(TEMP_SUFFIX):
                    yield "", entry.path

    def remove_temp_files(self) -> int:
        """Delete temp files a crash left behind; returns how many. Only for the holder of the
        docgen lock: another process's write in progress would lose its temp file."""
        removed = 0
        for rel, path in self.iter_docs(with_temp_files=True):
            if rel == "":
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    removed += 1
        return removed


#: ``open(O_PATH)`` names a file without reading it (Linux); elsewhere ``realpath`` does.
_O_PATH = getattr(os, "O_PATH", 0)


def _resolve_existing(path: str) -> str | None:
    """``path`` with every symlink followed, or ``None`` when it does not exist (nor does a
    dangling or looping link): on Linux one open and one readlink of ``/proc/self/fd``
    instead of ``realpath``'s lstat per component (every doc write checks two paths)."""
    if not _O_PATH:
        return os.path.realpath(path) if os.path.exists(path) else None
    try:
        fd = os.open(path, _O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None
        return os.path.realpath(path)  # (a folder on the way we may not search)
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # no /proc
        return os.path.realpath(path)
    finally:
        os.close(fd)


def _is_within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")
