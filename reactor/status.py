"""``reactor status``: how many sources have fresh, stale, missing and orphaned docs.

One incremental index refresh (stat everything, hash only what changed) plus one read of each
doc's first line. Docs are found by one walk of the output dir, which never follows symlinks, so
no per-file path resolution is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .docs import DocStore
from .index import FileIndex
from .lock import WATCH_LOCK, is_locked_elsewhere
from .state import STATE_DIR

#: Extras that ``to_text`` shows in their own words.
_FORMATTED = frozenset({"watch", "backlog_prompt_tokens"})
#: What a running ``reactor watch`` last reported (see :mod:`reactor.progress`).
WATCH_STATE_FILE = "watch.json"


@dataclass
class StatusReport:
    """Counts (and the paths behind them) for one repo."""

    sources: int = 0
    fresh: int = 0
    stale: int = 0
    missing: int = 0
    orphaned: int = 0
    output_dir: str = ""
    backend: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    stale_paths: list[str] = field(default_factory=list)
    missing_paths: list[str] = field(default_factory=list)
    orphaned_paths: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "fresh": self.fresh,
            "stale": self.stale,
            "missing": self.missing,
            "orphaned": self.orphaned,
            "output_dir": self.output_dir,
            "backend": self.backend,
            **self.extra,
            "paths": {
                "stale": self.stale_paths,
                "missing": self.missing_paths,
                "orphaned": self.orphaned_paths,
            },
        }

    def to_text(self) -> str:
        percent = self.fresh * 100 // self.sources if self.sources else 100
        watch = self.extra.get("watch")
        lines = [
            f"backend:    {self.backend}",
            f"output dir: {self.output_dir}",
            *(f"{k + ':':<11} {v}" for k, v in self.extra.items() if k not in _FORMATTED),
            f"watch:      {_describe_watch(watch)}",
            f"sources:    {self.sources}",
            f"fresh:      {self.fresh:,}/{self.sources:,} ({percent}%)",
            f"stale:      {self.stale}",
            f"missing:    {self.missing}",
            f"orphaned:   {self.orphaned}",
        ]
        tokens = self.extra.get("backlog_prompt_tokens")
        if tokens is not None:
            lines.append(f"backlog:    ~{tokens:,} prompt tokens (stale and missing docs)")
        for title, paths in (
            ("stale", self.stale_paths),
            ("missing", self.missing_paths),
            ("orphaned", self.orphaned_paths),
        ):
            if paths:
                shown = paths[:10]
                more = f" (+{len(paths) - 10} more)" if len(paths) > 10 else ""
                lines.append(f"{title}: {', '.join(shown)}{more}")
        return "\n".join(lines)


def _describe_watch(watch: dict[str, Any] | None) -> str:
    if not watch:
        return "not running"
    if "mode" not in watch:
        return f"running (pid {watch.get('pid', '?')})"
    return (
        f"running (pid {watch.get('pid', '?')}), {watch['mode']} file watching of "
        f"{watch.get('watched_dirs', 0):,} directories"
    )


def watch_state(repo_root: Path) -> dict[str, Any] | None:
    """What a running ``reactor watch`` last reported, or ``None`` when none runs.

    The file is trusted only while the watch lock is held, so a crashed watch's leftover file
    never shows as running.
    """
    if not is_locked_elsewhere(repo_root / WATCH_LOCK):
        return None
    try:
        data = json.loads((repo_root / STATE_DIR / WATCH_STATE_FILE).read_text())
    except (OSError, ValueError):
        return {"running": True}
    return {"running": True, **data} if isinstance(data, dict) else {"running": True}


def compute_status(index: FileIndex, docs: DocStore) -> StatusReport:
    """Compare every indexed source with its doc (the index must be refreshed first)."""
    report = StatusReport(output_dir=docs.output_rel.as_posix())
    doc_files = dict(docs.iter_docs())
    for path, sha256 in index.digests():
        report.sources += 1
        doc = doc_files.pop(path, None)
        if doc is None:
            report.missing_paths.append(path)
        elif DocStore.header_at(doc) == sha256:
            report.fresh += 1
        else:
            report.stale_paths.append(path)
    report.orphaned_paths = sorted(doc_files)
    report.stale = len(report.stale_paths)
    report.missing = len(report.missing_paths)
    report.orphaned = len(report.orphaned_paths)
    return report
