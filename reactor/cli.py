"""The ``reactor`` command: ``watch``, ``generate`` and ``status``.

Thin on purpose: each command parses arguments, opens a :class:`~reactor.Reactor` and calls the
same API an embedding daemon uses. Expected failures are :class:`~reactor.errors.ReactorError`
subclasses, mapped to exit codes here in one place (0 ok, 1 some files failed, 2 usage or config
error, 3 lock held) and printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from . import __version__
from .check import check
from .config import load_config
from .docgen import Outcome
from .errors import LockHeld, ReactorError, UsageError
from .index import DB_PATH
from .lock import WATCH_LOCK, FileLock
from .progress import ProgressReporter
from .reactor import Reactor
from .service import Service

log = logging.getLogger("reactor")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reactor",
        description="Keep DOCS/REPODOCS/{path}.md fresh for every source file of a repository, "
        "generating docs only while the machine is otherwise idle. Settings come from "
        "llmc.toml [docs.docgen] in the repo root.",
        epilog="Exit codes: 0 ok, 1 some files failed, 2 usage or config error, "
        "3 lock held by another run.",
    )
    parser.add_argument("--version", action="version", version=f"reactor {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="debug logging (per-tick decisions)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    watch = sub.add_parser(
        "watch",
        help="run the reactor for one repo until interrupted",
        description="Index the repo, then watch it and regenerate one stale doc per idle tick "
        "until SIGINT/SIGTERM. Runs at low CPU and I/O priority (config key 'nice').",
    )
    watch.add_argument("repo", nargs="?", default=".", help="repository root (default: .)")
    watch.add_argument(
        "--polling", action="store_true", help="poll instead of inotify (network filesystems)"
    )

    generate = sub.add_parser(
        "generate",
        help="generate docs now, under the docgen lock",
        description="Generate docs for the given files or directories (or --all), skipping "
        "fresh ones unless --force. Holds .llmc/locks/docgen.lock, so a running daemon pauses. "
        "Put -- before file names that start with a dash.",
    )
    generate.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories, relative to the cwd"
    )
    generate.add_argument("--repo", default=".", help="repository root (default: .)")
    generate.add_argument("--all", action="store_true", help="every source file of the repo")
    generate.add_argument("--force", action="store_true", help="regenerate fresh docs too")
    generate.add_argument(
        "--sources-only",
        action="store_true",
        help="skip named paths that are not sources quietly instead of failing on them "
        "(for a pre-commit hook, which passes every staged file)",
    )
    generate.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for a running daemon tick or run to release the docgen lock "
        "before giving up with exit 3 (default: 10)",
    )

    check = sub.add_parser(
        "check",
        help="exit 1 if any doc is stale, missing or orphaned; writes nothing (CI, pre-commit)",
        description="Compare each source with its doc's SHA256 line and print one "
        "'<state> <path>' line per problem, then a summary. Exit 0 when every doc in scope is "
        "fresh, 1 otherwise. Writes nothing (no index, no lock, no state dir), so it works in a "
        "read-only checkout. With PATHS only those sources' docs are checked; paths that are "
        "not sources are ignored.",
    )
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories, relative to the cwd"
    )
    check.add_argument("--repo", default=".", help="repository root (default: .)")
    check.add_argument("--json", action="store_true", help="print one JSON object instead")

    status = sub.add_parser(
        "status",
        help="count fresh, stale, missing and orphaned docs",
        description="Refresh the index incrementally and compare every source with its doc.",
    )
    status.add_argument("repo", nargs="?", default=".", help="repository root (default: .)")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(verbose=args.verbose, command=args.command)
    try:
        if args.command == "watch":
            return cmd_watch(Path(args.repo), polling=args.polling)
        if args.command == "generate":
            return cmd_generate(
                args.paths,
                Path(args.repo),
                all_files=args.all,
                force=args.force,
                wait=args.wait,
                sources_only=args.sources_only,
            )
        if args.command == "check":
            return cmd_check(args.paths, Path(args.repo), as_json=args.json)
        return cmd_status(Path(args.repo), as_json=args.json)
    except ReactorError as exc:
        print(f"reactor: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except sqlite3.Error as exc:
        print(f"reactor: error: index {DB_PATH}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`reactor status | head`): not an error; keep shutdown quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _setup_logging(*, verbose: bool, command: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(asctime)s %(levelname)s %(message)s" if command == "watch" else "%(message)s"
    handler.setFormatter(logging.Formatter(fmt, datefmt="%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger("reactor")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    # watchdog's own warnings (queue overflow, re-watching) are reported by the reactor in its
    # words; without a handler Python would print them raw to stderr as well
    logging.getLogger("watchdog").addHandler(logging.NullHandler())


def _tty() -> bool:
    return sys.stderr.isatty()


def _repo(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    return path.resolve()


@contextlib.contextmanager
def _progress(total: int, what: str) -> Iterator[tqdm[NoReturn] | None]:
    """A tqdm bar on an interactive terminal, nothing otherwise (logs and CI stay clean)."""
    if not sys.stderr.isatty() or total < 2:
        yield None
        return
    with (
        tqdm(total=total, desc=what, unit="file", leave=False) as bar,
        logging_redirect_tqdm(loggers=[logging.getLogger("reactor")]),
    ):
        yield bar


# -- generate -------------------------------------------------------------------------------
def cmd_generate(
    paths: list[str],
    repo: Path,
    *,
    all_files: bool,
    force: bool,
    wait: float,
    sources_only: bool = False,
) -> int:
    root = _repo(repo)
    if not paths and not all_files:
        if sources_only:
            return EXIT_OK  # a hook run with no staged file
        raise UsageError("nothing to do: name files or directories, or pass --all")
    rels = None if all_files else [_repo_relative(p, root) for p in paths]
    started = time.monotonic()
    with Reactor.open(root, watch=False) as reactor:
        if not reactor.config.enabled:
            print("docgen is disabled ([docs.docgen] enabled = false); nothing done")
            return EXIT_OK
        total = len(reactor.expand(rels)) if rels is not None else reactor.index.count()
        counts: Counter[str] = Counter()
        explicit = set(rels or ())
        problems: list[Outcome] = []
        with _progress(total, "docgen") as bar:

            def report(outcome: Outcome) -> None:
                counts[outcome.status] += 1
                if outcome.status == "failed" or (
                    outcome.status in ("skipped", "deferred")
                    and outcome.path in explicit
                    and not (sources_only and outcome.status == "skipped")
                ):
                    problems.append(outcome)
                if bar is not None:
                    bar.update(1)

            reactor.generate(rels, force=force, progress=report, wait_seconds=wait)
    for outcome in problems:
        print(f"{outcome.status}: {outcome.path}: {outcome.reason}", file=sys.stderr)
    elapsed = time.monotonic() - started
    summary = ", ".join(
        f"{n} {name}"
        for name, n in (
            ("generated", counts["generated"]),
            ("fresh", counts["fresh"]),
            ("no-op", counts["noop"]),
            ("skipped", counts["skipped"]),
            ("deferred", counts["deferred"]),
            ("failed", counts["failed"]),
        )
    )
    print(f"{summary} ({sum(counts.values())} files, {elapsed:.1f}s)")
    return EXIT_FAILED if problems else EXIT_OK


def _repo_relative(path: str, root: Path) -> str:
    """A cwd-relative argument → repo-relative POSIX path; outside the repo is a usage error."""
    absolute = Path(os.path.abspath(path))
    # resolve the directory, not the file itself: a symlinked source keeps its own name
    real = Path(os.path.realpath(absolute.parent)) / absolute.name if absolute != root else root
    try:
        rel = real.relative_to(root)
    except ValueError:
        raise UsageError(f"{path} is outside the repository {root}") from None
    return rel.as_posix() if rel.parts else "."


# -- check ----------------------------------------------------------------------------------
def cmd_check(paths: list[str], repo: Path, *, as_json: bool) -> int:
    root = _repo(repo)
    config = load_config(root)
    rels = [_repo_relative(p, root) for p in paths] if paths else None
    report = check(root, config, rels)
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for state, path in report.problems():
            print(f"{state} {path}")
        print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


# -- status ---------------------------------------------------------------------------------
def cmd_status(repo: Path, *, as_json: bool) -> int:
    root = _repo(repo)
    with Reactor.open(root, watch=False) as reactor:
        report = reactor.status()
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return EXIT_OK


# -- watch ----------------------------------------------------------------------------------
def cmd_watch(repo: Path, *, polling: bool) -> int:
    root = _repo(repo)
    watch_lock = FileLock.for_repo(root, WATCH_LOCK)
    try:
        watch_lock.acquire()
    except LockHeld as exc:
        raise LockHeld(exc.path, exc.holder or "another reactor watch") from None
    try:
        with Reactor.open(root, watch=False) as reactor:
            config = reactor.config
            if not (config.enabled and config.daemon_enabled):
                print(
                    "docgen daemon is disabled in llmc.toml ([docs.docgen] enabled or "
                    "daemon_enabled = false); nothing to watch"
                )
                return EXIT_OK
            _lower_priority(config.nice)
            reactor.start_watching(polling=polling)  # before the scan: no change slips between
            assert reactor.watcher is not None
            log.info(
                "reactor watching %s (backend %s, %s file watching)",
                root,
                reactor.backend.describe(),
                reactor.watcher.mode,
            )
            service = Service([reactor], steps=[ProgressReporter(reactor, highlight=_tty())])

            def on_signal(signum: int, frame: FrameType | None) -> None:
                log.info("received %s, shutting down", signal.Signals(signum).name)
                service.stop()

            previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                service.run()
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)
            log.info("reactor stopped")
    finally:
        watch_lock.release()
    return EXIT_OK


def _lower_priority(nice: int) -> None:
    """Apply ``nice`` and, where available, the idle I/O class: docgen yields to everything."""
    with contextlib.suppress(OSError):
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if nice > current:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
    ionice = shutil.which("ionice")
    if ionice:
        subprocess.run(
            [ionice, "-c", "3", "-p", str(os.getpid())],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
