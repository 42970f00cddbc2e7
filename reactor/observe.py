"""Observe: the first stage of a file's way — one stat, at most one read, both hashes.

Everything later (facts, the index, the backend, the doc) works from what was observed here, so a
file is read once per change however many stages use its bytes. The disk, not the index, is the
truth: the index row (when there is one) only saves the read when size and mtime still match.

A source that cannot be documented is *skipped*, not gone: too large (never read), binary, or
unreadable (a permission or I/O error). Skipped sources stay in the index, so their docs are never
taken for orphans, and every count names them.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from typing import Literal

import blake3

from .policy import GONE_ERRNOS, NotSource, SourcePolicy, looks_binary

TOO_LARGE = "too_large"
BINARY = "binary"
UNREADABLE = "unreadable"
#: A source whose doc path holds a file or directory that is not one of our docs.
FOREIGN = "foreign"
#: A source whose doc cannot be read (a permission or I/O error): neither fresh nor foreign,
#: and never overwritten unread.
UNREADABLE_DOC = "unreadable_doc"
BINARY_DETAIL = "binary content (NUL bytes, not UTF-8 text)"
NOT_A_SCRIPT = "no extension and no shebang naming a known interpreter"
#: Why a source is not documented, as ``status`` and ``check`` name it.
SKIP_REASONS = {
    TOO_LARGE: "too large",
    BINARY: "binary",
    UNREADABLE: "unreadable",
    FOREIGN: "foreign file in the way",
    UNREADABLE_DOC: "doc unreadable",
}


@dataclass(frozen=True)
class Known:
    """What the index remembers of a path: enough to tell whether it must be read again."""

    size: int
    mtime_ns: int
    skip: str | None


@dataclass(frozen=True)
class Observation:
    """One path as the disk has it now.

    ``state``: ``gone`` (not a source any more: deleted, ignored, not a file), ``unchanged``
    (size and mtime match the index: not read), ``read`` (``data`` and hashes filled) or
    ``skipped`` (a source that cannot be documented: ``skip`` says why, ``detail`` in words;
    a binary file's hashes are filled, an unreadable or too large one's are not).
    """

    rel: str
    state: Literal["gone", "unchanged", "read", "skipped"]
    st: os.stat_result | None = None
    data: bytes | None = None
    blake3: str = ""
    sha256: str = ""
    skip: str | None = None
    detail: str = ""

    @property
    def hashed(self) -> bool:
        return bool(self.blake3)


def observe(policy: SourcePolicy, rel: str, known: Known | None = None) -> Observation:
    """Stat ``rel`` through the policy (a secret is never opened), then read it if needed."""
    st = policy.source_stat(rel)
    if isinstance(st, NotSource):
        if st.unreadable:
            return Observation(rel, "skipped", skip=UNREADABLE, detail=st.reason)
        return Observation(rel, "gone", detail=st.reason)
    return observe_stat(policy, rel, st, known)


def observe_stat(
    policy: SourcePolicy,
    rel: str,
    st: os.stat_result,
    known: Known | None,
    *,
    walked: bool = False,
) -> Observation:
    """The rest of :func:`observe` for a path already stat-ed. ``walked``: the path came from
    the policy's walk, which enters no symlinked directory and checked a symlinked file's
    target, so it is read without resolving it again (one ``lstat`` per path component)."""
    limit = policy.config.max_file_bytes
    if st.st_size > limit:
        detail = f"larger than max_file_bytes ({st.st_size:,} > {limit:,} bytes)"
        return Observation(rel, "skipped", st, skip=TOO_LARGE, detail=detail)
    if (
        known is not None
        and (known.size, known.mtime_ns) == (st.st_size, st.st_mtime_ns)
        # a chmod changes neither: an unreadable file is tried again every time; a file once
        # too large was never hashed (and the limit may have been raised since)
        and known.skip not in (UNREADABLE, TOO_LARGE)
    ):
        detail = BINARY_DETAIL if known.skip == BINARY else ""
        return Observation(rel, "unchanged", st, skip=known.skip, detail=detail)
    if "." not in rel.rpartition("/")[2] and not policy.is_script(rel):
        return Observation(rel, "gone", detail=NOT_A_SCRIPT)
    try:
        data = read_source(policy.root_str, rel, limit, resolve=not walked)
        if len(data) > limit:  # it grew since the stat
            detail = f"larger than max_file_bytes (> {limit:,} bytes)"
            return Observation(rel, "skipped", st, skip=TOO_LARGE, detail=detail)
    except OSError as exc:
        if exc.errno in GONE_ERRNOS:
            return Observation(rel, "gone", detail="no such file")
        reason = exc.strerror or str(exc)
        return Observation(rel, "skipped", st, skip=UNREADABLE, detail=f"cannot read: {reason}")
    b3, sha = blake3.blake3(data).hexdigest(), hashlib.sha256(data).hexdigest()
    if looks_binary(data):
        detail = BINARY_DETAIL
        return Observation(rel, "skipped", st, blake3=b3, sha256=sha, skip=BINARY, detail=detail)
    return Observation(rel, "read", st, data, b3, sha)


def read_source(root_str: str, rel: str, limit: int, *, resolve: bool = True) -> bytes:
    """At most ``limit + 1`` bytes of ``rel`` (more than ``limit``: it grew too large). A symlink
    that now leads out of the repo is refused: it is not ours to read."""
    path = os.path.join(root_str, rel)
    if resolve:
        path = os.path.realpath(path)
        if not path.startswith(root_str + os.sep):
            raise PermissionError(errno.EACCES, "symlink leaving the repo", path)
    with open(path, "rb") as fh:
        return fh.read(limit + 1)
