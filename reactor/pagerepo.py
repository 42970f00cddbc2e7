"""What the repository page adds to the root directory's record: :class:`RepoSummary`,
aggregated from every directory's record — the languages, the layout, the entry points (those
the manifests declare, then the conventions each record found), the files most depended on, and
the edges between top-level directories."""

from __future__ import annotations

import json
import posixpath
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .graph import module_candidates
from .markdown import code
from .pageinputs import DirRecord, read_text


@dataclass(frozen=True)
class RepoSummary:
    """What the repository page adds to the root directory's record."""

    languages: tuple[tuple[str, int], ...] = ()
    dirs: tuple[tuple[str, str, int], ...] = ()  # every directory: path, summary, files
    entries: tuple[tuple[str, str, str], ...] = ()  # (what, path or "", how)
    depended: tuple[tuple[str, int, str], ...] = ()  # (path, importers, summary)
    top_links: tuple[tuple[str, str, int], ...] = ()  # top-level dir → top-level dir, imports
    manifests: tuple[str, ...] = ()

    def content(self) -> list[Any]:
        return [self.languages, self.dirs, self.entries, self.manifests]

    def edges(self) -> list[Any]:
        return [self.depended, self.top_links]


#: Files the repository page lists as most depended on.
MOST_DEPENDED = 10


def repo_summary(
    root: str, records: Mapping[str, DirRecord], indexed: set[str], manifests: Iterable[str]
) -> RepoSummary:
    """Aggregate every directory's record (``indexed``: the documentable sources; ``manifests``:
    the manifests the index's scans found)."""
    files = [f for r in records.values() for f in r.files]
    languages = Counter(f.language for f in files)
    dirs = tuple(
        (d, r.summary, r.total) for d, r in sorted(records.items()) if d != "" and not r.empty
    )
    found = manifest_entries(root, indexed, manifests)
    conventions = sorted(
        ((f.path, f.entry) for f in files if f.entry), key=lambda e: (e[0].count("/"), e[0])
    )
    entries = (*found, *(("", path, how) for path, how in conventions))
    ranked = sorted((f for f in files if f.importers), key=lambda f: (-f.importers, f.path))
    depended = tuple((f.path, f.importers, f.summary) for f in ranked[:MOST_DEPENDED])
    top: Counter[tuple[str, str]] = Counter()
    for rel_dir, record in records.items():
        for link in record.uses:
            pair = (_top(rel_dir), _top(link.dir))
            if pair[0] != pair[1]:
                top[pair] += link.imports
    top_links = tuple((a, b, n) for (a, b), n in sorted(top.items()))
    listed = sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    used = tuple(sorted({m for _, _, m in found if m}))
    return RepoSummary(tuple(listed), dirs, entries, depended, top_links, used)


def _top(rel_dir: str) -> str:
    return rel_dir.split("/", 1)[0]


def manifest_entries(
    root: str, indexed: set[str], manifests: Iterable[str]
) -> tuple[tuple[str, str, str], ...]:
    """Entry points the manifests declare: ``(what, repo path or "", manifest)`` —
    ``[project.scripts]`` of the root's ``pyproject.toml``, ``bin`` and ``main`` of each
    ``package.json``, ``[[bin]]`` of each ``Cargo.toml``."""
    out: list[tuple[str, str, str]] = []
    pyproject = read_text(root, "pyproject.toml")
    try:
        project = tomllib.loads(pyproject) if pyproject else {}
    except tomllib.TOMLDecodeError:
        project = {}
    tables = [
        project.get("project", {}).get("scripts", {}),
        project.get("project", {}).get("gui-scripts", {}),
        project.get("tool", {}).get("poetry", {}).get("scripts", {}),
    ]
    for table in tables:
        for name, target in sorted(table.items()) if isinstance(table, dict) else ():
            module = str(target).split(":", 1)[0].strip()
            path = next((p for p in module_candidates(module) if p in indexed), "")
            out.append((f"{code(name)} → {code(str(target))}", path, "pyproject.toml"))
    for manifest in sorted(manifests):
        base, folder = posixpath.basename(manifest), posixpath.dirname(manifest)
        if base == "package.json":
            out += _package_json(root, manifest, folder, indexed)
        elif base == "Cargo.toml":
            out += _cargo_bins(root, manifest, folder, indexed)
    return tuple(out)


def _package_json(
    root: str, manifest: str, folder: str, indexed: set[str]
) -> list[tuple[str, str, str]]:
    try:
        data = json.loads(read_text(root, manifest) or "{}")
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    bins = data.get("bin")
    named = {str(data.get("name", "")): bins} if isinstance(bins, str) else bins
    found = [
        (f"{code(str(n))} (bin)", str(p))
        for n, p in (named or {}).items()
        if isinstance(named, dict)
    ]
    if isinstance(data.get("main"), str):
        found.append(("`main`", str(data["main"])))
    out = []
    for what, target in found:
        path = posixpath.normpath(posixpath.join(folder, target))
        out.append((what, path if path in indexed else "", manifest))
    return out


def _cargo_bins(
    root: str, manifest: str, folder: str, indexed: set[str]
) -> list[tuple[str, str, str]]:
    try:
        data = tomllib.loads(read_text(root, manifest))
    except tomllib.TOMLDecodeError:
        return []
    out = []
    for binary in data.get("bin", []) if isinstance(data.get("bin"), list) else []:
        name, target = (
            binary.get("name", ""),
            binary.get("path", f"src/bin/{binary.get('name')}.rs"),
        )
        path = posixpath.normpath(posixpath.join(folder, str(target)))
        out.append((f"{code(str(name))} (bin)", path if path in indexed else "", manifest))
    return out
