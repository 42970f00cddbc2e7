"""What counts as a source file, and the directory walk that finds them: the one answer.

A source is a regular file (or an in-repo symlink to one) that matches ``include``, is not
``exclude``d or gitignored (nested ``.gitignore`` files and ``.git/info/exclude`` honoured), is not
inside ``.git``/``.llmc``/the output dir, a tool cache or a nested repository (a directory with
its own ``.git``: git leaves those to themselves too), does not look like a secret, has a name
whose doc name fits the file system (``NAME_MAX``), and, when its name has no extension, starts
with a shebang naming a known interpreter (a ``LICENSE`` or ``Makefile`` is not a source).

Every command asks this module and nothing else: :meth:`SourcePolicy.walk` for a tree,
:meth:`SourcePolicy.source_stat` for one path; both apply the same rules, so ``watch``,
``status``, ``generate`` and ``check`` count the same sources. A source that cannot be
documented (too large, binary, unreadable) is still a source: its doc is never an orphan. Binary
content is detected where the file is read anyway, by the index; the walk opens only
extensionless files, for their first line.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from .config import DEFAULT_INCLUDE, DocgenConfig, output_dir_relative
from .errors import ConfigError
from .facts import is_manifest, shebang_language

#: Directories never walked into: VCS metadata, our own state, and tool caches that no one wants
#: documented. Anything else is left to ``.gitignore`` and ``exclude``.
NEVER_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".llmc",
        ".rag",
        "__pycache__",
        "node_modules",
        ".venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".nox",
        ".eggs",
    }
)

#: Basenames (case-insensitive globs) of files that may hold credentials. Never indexed, never
#: read into a backend request, refused even when named on the command line.
SECRET_PATTERNS = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "*.ppk",
    "*.gpg",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    ".htpasswd",
    ".git-credentials",
    "credentials",
    "credentials.json",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "*.tfvars",
    "service-account*.json",
)
SECRET_DIRS = frozenset({".ssh", ".aws", ".gnupg", ".docker"})
_SECRET_RE = re.compile("|".join(fnmatch.translate(p) for p in SECRET_PATTERNS), re.IGNORECASE)
# A cheap C-level pre-check (the walk runs it for every file): a secret name must start with one
# of these or end with one of those; only then does the regex decide.
_SECRET_HEADS = tuple({p.split("*")[0].lower() for p in SECRET_PATTERNS if not p.startswith("*")})
_SECRET_TAILS = tuple({p.rsplit("*")[-1].lower() for p in SECRET_PATTERNS if "*" in p} - {""})


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    if not (lowered.startswith(_SECRET_HEADS) or lowered.endswith(_SECRET_TAILS)):
        return False
    return bool(_SECRET_RE.match(name))


#: The longest file name most file systems take (ext4, xfs, btrfs: 255 bytes); a source whose
#: doc name (``<name>.md``) would be longer cannot have a doc.
NAME_MAX = 255
DOC_SUFFIX_BYTES = len(".md")
#: Bytes of an extensionless file read for its shebang.
SHEBANG_BYTES = 256
NOT_A_SCRIPT = "no extension and no shebang naming a known interpreter"
NESTED_REPO = "inside a nested repository (a directory with its own .git)"
NOT_UTF8 = "file name is not valid UTF-8 (the index, the docs and every backend need UTF-8)"
#: Entries of an existing output dir looked at for sources (see ``_check_output_dir``).
OUTPUT_PROBE_ENTRIES = 2000

BINARY_SNIFF_BYTES = 8192
#: A file with NUL bytes is still text when it decodes as UTF-8 and they are this rare (a NUL in
#: a string literal); UTF-16 text, images and archives are far above it or not UTF-8 at all.
MAX_TEXT_NUL_SHARE = 0.1
#: ``errno`` values that mean "nothing there" (its doc may go); any other failure to look at a
#: path means "there, but unreadable now" (its doc stays).
GONE_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR})


@dataclass(frozen=True)
class NotSource:
    """Why a path is not a source right now. ``unreadable``: it may well be one (a permission
    or I/O error hides it), so nothing about it is concluded, least of all that it is gone."""

    reason: str
    unreadable: bool = False

    @classmethod
    def from_error(cls, exc: OSError) -> NotSource:
        if exc.errno in GONE_ERRNOS:
            return cls("no such file")
        return cls(f"cannot stat: {exc.strerror or exc}", unreadable=True)


def is_secret(rel_path: str) -> bool:
    """True for paths that look like credentials (by basename or a credentials directory)."""
    parts = rel_path.split("/")
    return _secret_name(parts[-1]) or any(p in SECRET_DIRS for p in parts[:-1])


def doc_name_too_long(name: str) -> str | None:
    """Why ``name``'s doc name cannot exist (``None``: it fits ``NAME_MAX``)."""
    if len(name) * 4 + DOC_SUFFIX_BYTES <= NAME_MAX:  # (cheap: no UTF-8 char is longer)
        return None
    size = len(name.encode("utf-8", "surrogateescape")) + DOC_SUFFIX_BYTES
    if size <= NAME_MAX:
        return None
    return f"its doc name would be {size} bytes, over the file system's limit (NAME_MAX {NAME_MAX})"


def utf8_name(name: str) -> bool:
    """False for names that are not valid UTF-8 on disk (``os`` hands them over with
    surrogate escapes, which SQLite, JSON and HTTP cannot carry)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def looks_binary(data: bytes) -> bool:
    """Git's heuristic (a NUL byte in the first 8 KiB), unless the file is UTF-8 text whose few
    NULs sit in string literals: only then is the whole file decoded."""
    head = data[:BINARY_SNIFF_BYTES]
    if b"\0" not in head:
        return False
    if data.count(b"\0") > len(data) * MAX_TEXT_NUL_SHARE:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _has_shebang(path: str) -> bool:
    """Whether the file starts with a shebang whose language is known; a file that cannot be
    read counts as one, for the full read to report why."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SHEBANG_BYTES)
    except OSError:
        return True
    return shebang_language(head) is not None


class _Patterns:
    """A gitignore-style pattern list with a fast "does anything match at all?" pre-check.

    ``GitIgnoreSpec.check_file`` tries every pattern in Python (~0.6 µs each); most files match
    none, so one combined regex answers the common case and the spec decides the rest exactly.
    Include lists made only of ``*.ext`` patterns (the default) are a set lookup.
    """

    def __init__(self, lines: Iterable[str]):
        lines = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        regexes = [
            p.regex.pattern.replace("(?P<ps_d>/)", "/")
            for p in self.spec.patterns
            if p.include is not None and p.regex is not None
        ]
        self._any = re.compile("|".join(f"(?:{r})" for r in regexes)) if regexes else None
        simple = all(_SIMPLE_EXT.fullmatch(line) for line in lines)
        self._suffixes = frozenset(line[2:] for line in lines) if lines and simple else None

    def __bool__(self) -> bool:
        return self._any is not None

    def check(self, rel: str) -> bool | None:
        """True: matched (ignored/included), False: negated, None: no pattern matched."""
        if self._any is None or not self._any.match(rel):
            return None
        return self.spec.check_file(rel).include

    def includes(self, name: str, rel: str) -> bool:
        """Include-list test: by extension when every pattern is a plain ``*.ext``."""
        if self._suffixes is not None:
            _, dot, ext = name.rpartition(".")
            return bool(dot) and ext in self._suffixes
        return bool(self.check(rel))


_SIMPLE_EXT = re.compile(r"\*\.[A-Za-z0-9_+-]+")


#: ``.gitignore`` patterns in force for a directory: (length of its prefix to cut, patterns).
_Chain = tuple[tuple[int, "_Patterns"], ...]


class SourcePolicy:
    """Decides which repo paths are sources; walks the tree for them.

    Paths are repo-relative POSIX strings throughout (``pkg/mod.py``), the form the index stores
    and the doc path is built from. Loaded ``.gitignore`` files are cached per directory;
    :meth:`forget_gitignore` drops the cache when the watcher sees one change.
    """

    def __init__(self, repo_root: Path, config: DocgenConfig):
        self.root = repo_root.resolve()
        self.root_str = str(self.root)
        self.config = config
        self.output_prefix = output_dir_relative(config, self.root).as_posix() + "/"
        self._include = _Patterns(config.include)
        #: Extensionless files may be scripts (their shebang decides, when read): candidates
        #: under the default include list, else only where an include pattern names them.
        self.scripts = tuple(config.include) == DEFAULT_INCLUDE
        self._exclude = _Patterns(config.exclude)
        self._has_exclude = bool(self._exclude)
        self._gitignores: dict[str, _Patterns | None] = {}
        self._check_output_dir()

    # -- single paths (CLI arguments, watcher events) -------------------------------------
    def reason_to_skip(self, rel: str) -> str | None:
        """Why ``rel`` is not a source by its path alone (``None``: it may be one)."""
        parts = rel.split("/")
        if not rel or rel.startswith("/") or ".." in parts or "" in parts:
            return "not a clean repo-relative path"
        if not utf8_name(rel):
            return NOT_UTF8
        if is_secret(rel):
            return "looks like a secret; never sent to a backend"
        if any(p in NEVER_DIRS for p in parts[:-1]):
            return "inside a VCS, state or cache directory"
        if (rel + "/").startswith(self.output_prefix):
            return "inside the output directory"
        for depth in range(1, len(parts)):
            if self._excluded("/".join(parts[:depth]), is_dir=True):
                return "in an ignored or excluded directory"
        if not self.includes(parts[-1], rel):
            return "not matched by include"
        if self._excluded(rel, is_dir=False):
            return "gitignored or excluded"
        if self._in_nested_repo(parts[:-1]):
            return NESTED_REPO
        return doc_name_too_long(parts[-1])

    def includes(self, name: str, rel: str) -> bool:
        """Whether the include list takes ``name``, an extensionless one as a possible script."""
        return self._include.includes(name, rel) or (self.scripts and "." not in name)

    def _in_nested_repo(self, dir_parts: list[str]) -> bool:
        """Whether a directory on the way (the root excluded) holds its own ``.git``."""
        path = self.root_str
        for part in dir_parts:
            path = os.path.join(path, part)
            if os.path.lexists(os.path.join(path, ".git")):
                return True
        return False

    def is_script(self, rel: str) -> bool:
        """Whether an extensionless file's shebang names an interpreter whose language is
        known (:data:`reactor.facts.SHEBANG_LANGUAGES`): its first line is read, nothing more.
        A file that cannot be read is left for the full read to report."""
        path = os.path.realpath(os.path.join(self.root_str, rel))
        if not path.startswith(self.root_str + os.sep):
            return True  # (a symlink out of the repo: the full read refuses it)
        return _has_shebang(path)

    def source_stat(self, rel: str) -> os.stat_result | NotSource:
        """The stat of ``rel`` if it is a source right now (path policy, then the disk): the
        single-path form of :meth:`walk`, with the same rules."""
        reason = self.reason_to_skip(rel)
        if reason is not None:
            return NotSource(reason)
        st = self.stat_source(rel)
        extensionless = "." not in rel.rpartition("/")[2]
        if not isinstance(st, NotSource) and extensionless and not self.is_script(rel):
            return NotSource(NOT_A_SCRIPT)
        return st

    def stat_source(self, rel: str) -> os.stat_result | NotSource:
        """``lstat`` and symlink checks: the stat, or why the path is not a source now.

        Size is not judged here: a file over ``max_file_bytes`` is still a source (the index
        keeps it, reported as too large), so its doc is never taken for an orphan.
        """
        path = os.path.join(self.root_str, rel)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                if not Path(os.path.realpath(path)).is_relative_to(self.root):
                    return NotSource("symlink leaving the repo")
                st = os.stat(path)
        except OSError as exc:
            return NotSource.from_error(exc)
        if not stat.S_ISREG(st.st_mode):
            return NotSource("not a regular file")
        return st

    def forget_gitignore(self, rel_dir: str) -> None:
        """A ``.gitignore`` in ``rel_dir`` changed: reload it next time."""
        self._gitignores.pop(rel_dir, None)

    # -- the walk -----------------------------------------------------------------------
    def dir_allowed(self, rel_dir: str) -> bool:
        """Whether the walk would enter ``rel_dir`` (``""``: the root); the watcher asks this
        for directories created, moved in or un-ignored."""
        if not rel_dir:
            return True
        parts = rel_dir.split("/")
        if any(p in NEVER_DIRS or p in SECRET_DIRS for p in parts) or (
            (rel_dir + "/").startswith(self.output_prefix)
        ):
            return False
        if any(
            self._excluded("/".join(parts[:depth]), is_dir=True)
            for depth in range(1, len(parts) + 1)
        ):
            return False
        return not self._in_nested_repo(parts)

    def walk_dirs(self, under: str = "") -> Iterator[str]:
        """Every directory the walk would enter, ``under`` itself first (``""``: the root).

        Ignored subtrees (gitignored, excluded, tool caches, the output dir) are never
        listed, so their size costs nothing here.
        """
        for rel_dir, _chain, _entries in self._dirs(under, list_files=False):
            yield rel_dir

    def walk(
        self,
        under: str = "",
        *,
        on_unreadable: Callable[[str], object] | None = None,
        on_manifest: Callable[[str, os.stat_result], object] | None = None,
    ) -> Iterator[tuple[str, os.stat_result]]:
        """Yield ``(rel_path, stat)`` for every source file (below ``under``), opening none.

        A directory that cannot be listed, or a file that cannot be stat-ed (permissions, I/O
        errors), is reported to ``on_unreadable`` instead of being passed over in silence: what
        it holds is not gone, only hidden for now. Each build or package manifest passed on the
        way (:data:`reactor.facts.MANIFESTS`, sources or not) is reported to ``on_manifest``:
        import resolution reads them, and this walk is the only one that finds them.
        """
        # locals, not attribute look-ups: this loop body runs once per entry of the repo
        includes, excluded_in, secret_name = self.includes, self._excluded_in, _secret_name
        is_regular, too_long = stat.S_ISREG, doc_name_too_long
        for rel_dir, chain, entries in self._dirs(
            under, list_files=True, on_unreadable=on_unreadable
        ):
            prefix = rel_dir + "/" if rel_dir else ""
            for entry in entries:
                name = entry.name
                rel = prefix + name
                try:
                    if on_manifest is not None and is_manifest(name):
                        on_manifest(rel, entry.stat(follow_symlinks=False))
                    if (
                        not includes(name, rel)
                        or secret_name(name)
                        or excluded_in(chain, rel, is_dir=False)
                        or too_long(name)
                    ):
                        continue
                    if entry.is_symlink():
                        st = self.stat_source(rel)  # resolves and checks the target
                        if isinstance(st, NotSource):
                            if st.unreadable and on_unreadable is not None:
                                on_unreadable(rel)
                            continue
                    else:
                        st = entry.stat(follow_symlinks=False)
                        if not is_regular(st.st_mode):
                            continue
                    if "." not in name and not _has_shebang(entry.path):
                        continue  # a LICENSE, a Makefile: not a script
                except OSError as exc:
                    if exc.errno not in GONE_ERRNOS and on_unreadable is not None:
                        on_unreadable(rel)
                    continue  # vanished during the walk, or hidden for now
                yield rel, st

    def _dirs(
        self,
        under: str,
        *,
        list_files: bool,
        on_unreadable: Callable[[str], object] | None = None,
    ) -> Iterator[tuple[str, _Chain, list[os.DirEntry[str]]]]:
        """The directories to enter below ``under``, each with its ``.gitignore`` chain and,
        when ``list_files``, its non-directory entries (UTF-8 names only)."""
        if not self.dir_allowed(under):
            return
        if under:
            top = self.root / under
            if top.is_symlink() or not top.is_dir():
                return
        parent_chain = self._chain(under.rpartition("/")[0]) if under else ()
        # An explicit stack, not recursion: every yielded item would otherwise pass through one
        # generator frame per directory level.
        stack: list[tuple[str, str, _Chain]] = [(str(self.root / under), under, parent_chain)]
        output_prefix, excluded_in = self.output_prefix, self._excluded_in
        while stack:
            abs_dir, rel_dir, chain = stack.pop()
            try:
                with os.scandir(abs_dir) as it:
                    entries = list(it)
            except OSError as exc:
                if exc.errno not in GONE_ERRNOS and on_unreadable is not None:
                    on_unreadable(rel_dir)  # unreadable: what it holds is hidden, not gone
                continue
            if rel_dir and any(e.name == ".git" for e in entries):
                continue  # a nested repository: its own, as git leaves it
            if rel_dir == "" or any(e.name == ".gitignore" for e in entries):
                patterns = self._gitignore(rel_dir)
                if patterns is not None:
                    chain = (*chain, (len(rel_dir) + 1 if rel_dir else 0, patterns))
            prefix = rel_dir + "/" if rel_dir else ""
            subdirs = []
            files = []
            for entry in entries:
                name = entry.name
                if not utf8_name(name):
                    continue  # the index, the docs and every backend speak UTF-8
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError as exc:
                    if exc.errno not in GONE_ERRNOS and on_unreadable is not None:
                        on_unreadable(prefix + name)
                    continue
                if not is_dir:
                    if list_files:
                        files.append(entry)
                    continue
                rel = prefix + name
                if not (
                    name in NEVER_DIRS
                    or name in SECRET_DIRS
                    or (rel + "/").startswith(output_prefix)
                    or excluded_in(chain, rel, is_dir=True)
                ):
                    subdirs.append((entry.path, rel, chain))
            yield rel_dir, chain, files
            stack.extend(reversed(subdirs))

    def _check_output_dir(self) -> None:
        """Refuse an output dir that holds sources (``output_dir = "src"``): the walk never
        enters it, so they would all vanish from every count without a word. Docs (``.md``)
        are passed over; at most ``OUTPUT_PROBE_ENTRIES`` entries are looked at."""
        out = self.output_prefix[:-1]
        stack, seen = [os.path.join(self.root_str, out)], 0
        while stack and seen < OUTPUT_PROBE_ENTRIES:
            try:
                with os.scandir(stack.pop()) as it:
                    entries = list(it)
            except OSError:
                continue  # absent (made at the first write) or unreadable: nothing to refuse
            for entry in entries:
                seen += 1
                rel = entry.path[len(self.root_str) + 1 :]
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif (
                    not entry.name.endswith(".md")
                    and utf8_name(entry.name)
                    and self.includes(entry.name, rel)
                    and not _secret_name(entry.name)
                    and "." in entry.name
                ):
                    raise ConfigError(
                        f"{out!r} holds sources ({rel}); they would never be documented. "
                        "Point output_dir at a directory of docs only (default: DOCS/REPODOCS)",
                        key="output_dir",
                        path=self.config.source,
                    )

    # -- gitignore ----------------------------------------------------------------------
    def _excluded(self, rel: str, *, is_dir: bool) -> bool:
        """Gitignored or ``exclude``d, for a single path (walks use their running chain)."""
        return self._excluded_in(self._chain(rel.rpartition("/")[0]), rel, is_dir=is_dir)

    def _excluded_in(self, chain: _Chain, rel: str, *, is_dir: bool) -> bool:
        """The deepest ``.gitignore`` with a verdict wins; ``exclude`` always excludes."""
        suffix = "/" if is_dir else ""
        if self._has_exclude and self._exclude.check(rel + suffix):
            return True
        for cut, patterns in reversed(chain):
            verdict = patterns.check(rel[cut:] + suffix)
            if verdict is not None:
                return verdict
        return False

    def _chain(self, rel_dir: str) -> _Chain:
        """The ``.gitignore`` patterns of ``rel_dir`` and all its ancestors, root first."""
        dirs = [""]
        if rel_dir:
            parts = rel_dir.split("/")
            dirs += ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return tuple(
            (len(d) + 1 if d else 0, patterns)
            for d in dirs
            if (patterns := self._gitignore(d)) is not None
        )

    def _gitignore(self, rel_dir: str) -> _Patterns | None:
        try:
            return self._gitignores[rel_dir]
        except KeyError:
            pass
        lines: list[str] = []
        sources = [self.root / rel_dir / ".gitignore"]
        if rel_dir == "":
            sources.append(self.root / ".git" / "info" / "exclude")
        for source in sources:
            with contextlib.suppress(OSError):
                lines += source.read_text(encoding="utf-8", errors="replace").splitlines()
        patterns = _Patterns(lines) if lines else None
        self._gitignores[rel_dir] = patterns if patterns else None
        return self._gitignores[rel_dir]
