"""``reactor status``: where every source's doc stands, and what is not documented and why.

One incremental index refresh (stat everything, hash only what changed) plus one read of each
doc's first line. Docs are found by one walk of the output dir, which never follows symlinks.
Every source is counted once: ``fresh``, ``stale`` (our doc, another content's header),
``outdated`` (its header matches, but its path, neighbours or backend changed since),
``missing`` or ``skipped`` (too large, binary, unreadable, a file of the user's where its doc
would go, a doc that cannot be read, or declined by the backend: its ``NO-OP`` answer for this
content is remembered in the index). Docs of ours without a source are ``orphaned``; files in
the output dir that are not ours are ``foreign`` and left alone; failing files are listed with
their reason and next retry. With a scope (``reactor status pkg``) only the sources and docs
under it are counted.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .docgen import DISK_ERRNOS
from .docs import DocStore, brake_rule, removal_held
from .index import DB_PATH, FileIndex
from .inputs import REASONS, reasons
from .lock import WATCH_LOCK, is_locked_elsewhere
from .observe import FOREIGN, SKIP_REASONS, UNREADABLE_DOC
from .pagestates import PageCounts, is_page
from .paths import in_scope, printable, quote_path
from .state import STATE_DIR

#: A source the backend declined (``NO-OP``): not documented on purpose, never a failure.
NOOP = "noop"
#: Why a source is not documented, as ``status`` and ``check`` name it.
NOT_DOCUMENTED = {**SKIP_REASONS, NOOP: "declined by the backend"}
#: What every command says of a repo (or a scope) with no source at all.
NO_SOURCES = "no sources to document"

#: Extras that ``to_text`` shows in their own words.
_FORMATTED = frozenset({"watch", "backlog_prompt_tokens"})
#: What a running ``reactor watch`` last reported (see :mod:`reactor.progress`).
WATCH_STATE_FILE = "watch.json"
#: Paths listed per group in the text form (``--json`` lists them all).
SHOWN_PATHS = 10


@dataclass(frozen=True)
class Failure:
    """A file whose last attempt for its current content failed."""

    path: str
    reason: str
    attempts: int
    retry_at: float | None  # wall clock; None: not before its content changes

    def to_json(self) -> dict[str, Any]:
        retry = None if self.retry_at is None else _iso(max(self.retry_at, time.time()))
        return {
            "path": self.path,
            "reason": self.reason,
            "attempts": self.attempts,
            "next_retry": retry,  # never in the past: a retry whose time came is due now
        }

    def when(self, *, watching: bool) -> str:
        """When it is tried again, in words; a time that has passed (no watch ran, or the
        watch's loop has not come round yet) is never shown as if it were still to come."""
        if self.retry_at is None:
            return "gave up: tried again when the file changes"
        if self.retry_at > time.time():
            return "next retry " + time.strftime("%H:%M:%S", time.localtime(self.retry_at))
        if watching:
            return "next retry at the next idle tick"
        return "next retry due now: no watch runs"


@dataclass
class StatusReport:
    """Counts (and the paths behind them) for one repo."""

    sources: int = 0
    fresh: int = 0
    stale: int = 0
    missing: int = 0
    orphaned: int = 0
    outdated: int = 0
    held_back: int = 0  # orphaned docs the brake keeps until `reactor generate --prune`
    output_dir: str = ""
    backend: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    stale_paths: list[str] = field(default_factory=list)
    missing_paths: list[str] = field(default_factory=list)
    orphaned_paths: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in NOT_DOCUMENTED})
    declined: dict[str, str] = field(default_factory=dict)  # path -> the backend's NO-OP reason
    #: Outdated docs by reason (a doc may be there under more than one).
    outdated_reasons: dict[str, list[str]] = field(
        default_factory=lambda: {name: [] for name in REASONS.values()}
    )
    foreign: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    pages: PageCounts | None = None  # directory and repository pages (None: pages are off)

    @property
    def skipped_count(self) -> int:
        return sum(len(paths) for paths in self.skipped.values())

    @property
    def documentable(self) -> int:
        return self.sources - self.skipped_count

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "fresh": self.fresh,
            "stale": self.stale,
            "missing": self.missing,
            "orphaned": self.orphaned,
            "outdated": self.outdated,
            "held_back": self.held_back,
            "output_dir": self.output_dir,
            "backend": self.backend,
            **self.extra,
            "skipped": {
                "count": self.skipped_count,
                "by_reason": {k: len(v) for k, v in self.skipped.items()},
                "paths": self.skipped,
            },
            "outdated_reasons": self.outdated_reasons,
            "declined": self.declined,
            "failed": [f.to_json() for f in self.failed],
            "foreign": self.foreign,
            "pages": self.pages.to_json() if self.pages is not None else None,
            "paths": {
                "stale": self.stale_paths,
                "missing": self.missing_paths,
                "orphaned": self.orphaned_paths,
            },
        }

    def to_text(self) -> str:
        documentable = self.documentable
        watch = self.extra.get("watch")
        skipped = ", ".join(
            f"{len(paths)} {NOT_DOCUMENTED[reason]}"
            for reason, paths in self.skipped.items()
            if paths
        )
        lines = [
            f"backend:    {self.backend}",
            f"output dir: {self.output_dir}",
            *(f"{k + ':':<11} {v}" for k, v in self.extra.items() if k not in _FORMATTED),
            f"watch:      {_describe_watch(watch)}",
            f"sources:    {self.sources}" + (f" ({self.skipped_count} skipped)" if skipped else ""),
            f"fresh:      {self.fresh:,}/{documentable:,} {share(self.fresh, documentable)}",
            f"stale:      {self.stale}",
            f"outdated:   {self.outdated}" + _reason_counts(self.outdated_reasons),
            f"missing:    {self.missing}",
            f"orphaned:   {self.orphaned}",
        ]
        if self.held_back:
            total = self.fresh + self.outdated + self.stale + self.orphaned
            lines[-1] += (
                f" (held back: more than {brake_rule(total)} at once; "
                "`reactor generate --prune` removes them)"
            )
        if self.pages is not None:
            lines.append(f"pages:      {self.pages.text() or 'none'}")
        if skipped:
            lines.append(f"skipped:    {skipped}")
        if self.failed:
            lines.append(f"failed:     {len(self.failed)}")
        if self.foreign:
            lines.append(
                f"foreign:    {len(self.foreign)} file(s) in {self.output_dir} that are not our "
                "docs (left alone)"
            )
        tokens = self.extra.get("backlog_prompt_tokens")
        if tokens is not None:
            lines.append(f"backlog:    ~{tokens:,} prompt tokens (stale and missing docs)")
        groups = [("stale", self.stale_paths), ("missing", self.missing_paths)]
        groups += [(f"outdated ({k})", v) for k, v in self.outdated_reasons.items()]
        groups += [("orphaned", self.orphaned_paths)]
        groups += [
            (f"skipped ({NOT_DOCUMENTED[k]})", v) for k, v in self.skipped.items() if k != NOOP
        ]
        groups += [("foreign", self.foreign)]
        for title, paths in groups:
            if paths:
                lines.append(f"{title}: {_some(paths)}")
        for path, reason in sorted(self.declined.items())[:SHOWN_PATHS]:
            lines.append(f"declined: {quote_path(path)}: {printable(reason)} (NO-OP)")
        if len(self.declined) > SHOWN_PATHS:
            more = len(self.declined) - SHOWN_PATHS
            lines.append(f"declined: … (+{more} more; --json lists all)")
        for failure in self.failed[:SHOWN_PATHS]:
            lines.append(
                f"failed: {quote_path(failure.path)}: {printable(failure.reason)} (attempt "
                f"{failure.attempts}, {failure.when(watching=bool(watch))})"
            )
        if len(self.failed) > SHOWN_PATHS:
            lines.append(f"failed: … (+{len(self.failed) - SHOWN_PATHS} more; --json lists all)")
        return "\n".join(lines)


def share(fresh: int, total: int) -> str:
    """``(34%)``, or what an empty repo (or scope) is, in the same words everywhere."""
    return f"({fresh * 100 // total}%)" if total else f"({NO_SOURCES})"


def _reason_counts(reasons: dict[str, list[str]]) -> str:
    shown = ", ".join(f"{len(paths)} {name}" for name, paths in reasons.items() if paths)
    return f" ({shown})" if shown else ""


def _some(paths: list[str]) -> str:
    shown = ", ".join(quote_path(p) for p in paths[:SHOWN_PATHS])
    more = f" (+{len(paths) - SHOWN_PATHS} more)" if len(paths) > SHOWN_PATHS else ""
    return shown + more


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(epoch))


def _describe_watch(watch: dict[str, Any] | None) -> str:
    if not watch:
        return "not running"
    if "mode" not in watch:
        return f"running (pid {watch.get('pid', '?')})"
    if watch["mode"] != "native":
        why = f" (native unavailable: {watch['fallback']})" if watch.get("fallback") else ""
        return f"running (pid {watch.get('pid', '?')}), {watch['mode']} file watching{why}"
    return (
        f"running (pid {watch.get('pid', '?')}), native file watching of "
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


#: SQLite's words for a disk that refuses writes (full, read-only, failing, no room for a file).
_DISK_SQLITE_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")


def disk_refused(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk refused a write (the index cannot be refreshed), rather
    than that something is wrong with the repo or the index."""
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorname", "").startswith(_DISK_SQLITE_ERRORS)
    return isinstance(exc, OSError) and exc.errno in DISK_ERRNOS


def indexed_status(
    repo_root: Path, docs: DocStore, scope: list[str] | None, why: str
) -> StatusReport:
    """What the index knows, read as it is and nothing written: ``status`` when the disk
    refuses the refresh. Sources are counted as last indexed; their docs as they are now."""
    index = FileIndex(repo_root / DB_PATH, read_only=True)
    try:
        report = compute_status(index, docs, scope)
    finally:
        index.close()
    report.extra["index"] = f"as last indexed (could not refresh it: {why})"
    report.extra["watch"] = watch_state(repo_root)
    return report


def compute_status(
    index: FileIndex, docs: DocStore, scope: list[str] | None = None
) -> StatusReport:
    """Compare every indexed source with its doc (the index must be refreshed first); with a
    ``scope``, only the sources and docs under those repo-relative paths."""
    report = StatusReport(output_dir=docs.output_rel.as_posix())
    doc_files = {rel: p for rel, p in docs.iter_docs() if in_scope(rel, scope)}
    for row in index.all_rows():
        if not in_scope(row.path, scope):
            continue
        report.sources += 1
        doc = doc_files.pop(row.path, None)
        if row.skip is not None:
            report.skipped[row.skip].append(row.path)
            continue
        found = docs.inspect_at(doc) if doc is not None else docs.inspect(row.path)
        declined = row.declined
        if found.kind == "unreadable":
            report.skipped[UNREADABLE_DOC].append(row.path)  # neither fresh nor foreign
        elif found.in_the_way is not None:
            report.skipped[FOREIGN].append(row.path)
            if found.kind == "foreign":
                report.foreign.append(row.path)
        elif declined is not None and found.sha256 != row.sha256:
            report.skipped[NOOP].append(row.path)
            report.declined[row.path] = declined
        elif found.kind == "absent":
            report.missing_paths.append(row.path)
        elif found.sha256 != row.sha256:
            report.stale_paths.append(row.path)
        elif row.outdated:
            report.outdated += 1
            for name in reasons(row.outdated):
                report.outdated_reasons[name].append(row.path)
        else:
            report.fresh += 1
    for rel, path in sorted(doc_files.items()):
        header = DocStore.header_at(path)
        if is_page(rel) and header is not None:
            continue  # a directory's page: counted with the pages
        if header is None and DocStore.inspect_at(path).kind == "unreadable":
            continue  # whose it is cannot be told: never called foreign, nor orphaned
        if header is None:
            report.foreign.append(rel)
        else:
            report.orphaned_paths.append(rel)
    report.foreign = [f"{rel}.md" for rel in sorted(report.foreign)]
    report.stale = len(report.stale_paths)
    report.missing = len(report.missing_paths)
    report.orphaned = len(report.orphaned_paths)
    ours = report.fresh + report.outdated + report.stale + report.orphaned
    report.held_back = report.orphaned if removal_held(report.orphaned, ours) else 0
    report.failed = [
        Failure(
            row.path,
            (row.last_result or "").removeprefix("failed: "),
            row.failures,
            row.retry_at,
        )
        for row in index.failing()
        if in_scope(row.path, scope)
    ]
    return report
