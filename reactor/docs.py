"""The doc store: ``{output_dir}/{relative source path}.md`` with an ``SHA256:`` first line.

Every path is checked before use: no traversal, no absolute paths, and no symlink anywhere between
the repo root and the doc may lead outside the output directory. Writes are atomic (temp file in
the same directory, fsync, ``os.replace``) so a crash leaves either the old doc or the new one,
never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .errors import UnsafePath

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


def header_line(sha256: str) -> str:
    """The first line of every doc."""
    return f"SHA256: {sha256}\n"


def parse_header(first_line: str) -> str | None:
    """The hex digest of a well-formed header line, else ``None`` (stale)."""
    match = HEADER_RE.match(first_line)
    return match.group(1) if match else None


class DocStore:
    """Reads and writes docs under one output directory of one repo."""

    def __init__(self, repo_root: Path, output_rel: PurePosixPath):
        self.repo_root = repo_root.resolve()
        self.output_rel = output_rel
        self.root = self.repo_root / output_rel
        self._root_str = str(self.root)
        self._mode = _doc_mode()

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
        out_real = self.root.resolve()
        if not out_real.is_relative_to(self.repo_root) or out_real == self.repo_root:
            raise UnsafePath(self.root, "output directory resolves outside the repo")
        probe = directory
        while not probe.exists() and probe != self.root:
            probe = probe.parent
        if probe.exists() and not probe.resolve().is_relative_to(out_real):
            raise UnsafePath(directory, "a symlink leads outside the output directory")

    # -- reading ------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        """Whether a doc file (fresh or not) is there for ``rel``; a lexical check."""
        return os.path.lexists(self._lexical(rel))

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
        line = head.split(b"\n", 1)[0] + (b"\n" if b"\n" in head else b"")
        return parse_header(line.decode("ascii", errors="replace"))

    # -- writing ------------------------------------------------------------------------
    def write(self, rel: str, content: str) -> Path:
        """Atomically replace the doc of ``rel`` with ``content``."""
        path = self._lexical_path(rel)
        self._check_inside(path.parent)  # before mkdir: never create directories outside
        path.parent.mkdir(parents=True, exist_ok=True)
        self._check_inside(path.parent)  # and after: a racing symlink swap is caught too
        # a short name: a source name near the 255-byte limit must still fit its temp file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=TEMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), self._mode)
                fh.write(content.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return path

    def remove(self, rel: str) -> bool:
        """Delete the doc of ``rel`` (an orphan); prune emptied directories. True if removed."""
        path = self.doc_path(rel)
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
        """Move a doc when its source moved with unchanged content. True if moved."""
        old, new = self.doc_path(old_rel), self.doc_path(new_rel)
        if not os.path.lexists(old):
            return False
        new.parent.mkdir(parents=True, exist_ok=True)
        self._check_inside(new.parent)
        os.replace(old, new)
        self._prune(old.parent)
        return True

    # -- scanning -----------------------------------------------------------------------
    def iter_docs(self, *, with_temp_files: bool = False) -> Iterator[tuple[str, str]]:
        """Yield ``(source_rel, doc_abs_path)`` for every doc; symlinks are not followed.

        With ``with_temp_files`` also ``("", temp_abs_path)`` for each temp file, for the
        docgen lock holder's sweep (a temp file is only ever removed under that lock).
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
            except OSError:
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
