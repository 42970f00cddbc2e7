"""The ``reactor`` command: ``watch``, ``generate``, ``status``, ``check``, ``mcp`` and ``map``.

Thin on purpose: each command parses arguments, opens a :class:`~reactor.Reactor` and calls the
same API an embedding daemon uses. Expected failures are :class:`~reactor.errors.ReactorError`
subclasses, mapped to exit codes here in one place (0 ok, 1 some files failed, 2 usage or config
error, 3 lock held; 130/143 when SIGINT/SIGTERM ended the run) and printed as one line, never as
a traceback.

A path argument means the same in every command: a file is that source, a directory its
sources, relative to the current directory. The repo is found from the paths given, the way git
finds its work tree: the nearest ancestor holding ``llmc.toml`` or ``.git`` (without paths, the
current directory's); ``--repo`` names it outright.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from . import __version__
from .backends import make_backend
from .check import check
from .config import (
    MAX_JOBS,
    ROOT_MARKERS,
    discover_root,
    find_root,
    load_config,
    output_dir_relative,
)
from .docgen import Outcome, reason_of
from .docs import DocStore
from .errors import Interrupted, LockHeld, ReactorError, UsageError
from .index import DB_PATH
from .lock import WATCH_LOCK, FileLock, LockKeeper
from .observe import SKIP_REASONS
from .paths import printable, quote_path
from .progress import ProgressReporter
from .reactor import Reactor
from .repomap import DEFAULT_TOKENS, MAX_TOKENS, build_map
from .service import Service
from .shutdown import Shutdown, conventional_exits
from .status import NO_SOURCES, disk_refused, indexed_status

log = logging.getLogger("reactor")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
#: SQLite's answers when this user may not write the index (primary result codes).
_STATE_NOT_WRITABLE = frozenset(
    {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN}
)
#: Skipped files named one per line after a batch run; beyond this, a count.
LISTED_SKIPS = 20
DEFAULT_WAIT_SECONDS = 10.0
#: ``reactor mcp --wait``: see :data:`reactor.ondemand.DEFAULT_WAIT_SECONDS`.
DEFAULT_MCP_WAIT_SECONDS = 20.0


def _exit_codes(
    *,
    ok: str = "ok",
    failed: str,
    locked: str = "the docgen lock is held by another run",
    signals: str = "interrupted by SIGINT / SIGTERM",
) -> str:
    """The end of every command's ``--help``: each exit code and what it means there."""
    return (
        f"exit codes: 0 {ok}; 1 {failed}; 2 usage or config error (a bad path or option, a bad "
        f"llmc.toml value, a repo reactor cannot keep its state in); 3 {locked}; 130 / 143: "
        f"{signals}"
    )


#: Log records the batch run reports itself, once, in its own list of problems.
_REPORTED_BY_GENERATE = ("docgen failed for ", "not documenting ")


def _seconds(text: str) -> float:
    """An argparse type: a finite, non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _jobs(text: str) -> int:
    """An argparse type: how many backend calls at once (1 to MAX_JOBS)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_JOBS}, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reactor",
        description="Keep DOCS/REPODOCS/{path}.md fresh for every source file of a repository, "
        "generating docs only while the machine is otherwise idle. Settings come from "
        "llmc.toml [docs.docgen] in the repo root. The repo is found from the paths given (or "
        "the current directory): their nearest ancestor holding llmc.toml or .git.",
        epilog=_exit_codes(failed="some files failed (check: a doc is not fresh)"),
    )
    parser.add_argument("--version", action="version", version=f"reactor {__version__}")
    verbose_help = "debug logging: one line per file or per tick that did something (default: off)"
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    # accepted after the command too (`reactor status -v`); SUPPRESS keeps the one given before
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=verbose_help
    )
    common.add_argument(
        "--repo",
        metavar="R",
        help="the repository root (default: found from the paths given, else from the current "
        "directory: the nearest ancestor holding llmc.toml or .git)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    paths_help = (
        "files or directories, relative to the current directory; a directory means its "
        "sources (default: {default})"
    )

    watch = sub.add_parser(
        "watch",
        parents=[common],
        help="run the reactor for one repo until interrupted",
        description="Index the repo, then watch it and regenerate one stale doc per idle tick "
        "until SIGINT/SIGTERM (a second signal exits at once). Runs at low CPU and I/O "
        "priority (config key 'nice'). A directory that is not the repo's root names the repo "
        "holding it; the root taken is logged at start.",
        epilog=_exit_codes(
            ok="stopped by SIGINT or SIGTERM, the way it ends",
            failed="the repository disappeared or its index failed",
            locked="another reactor watch runs for this repo",
            signals="SIGINT / SIGTERM before watching began",
        ),
    )
    watch.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="the repository, or a directory in it (default: the current directory's)",
    )
    watch.add_argument(
        "--polling",
        action="store_true",
        help="poll instead of inotify, for network filesystems (default: inotify)",
    )

    generate = sub.add_parser(
        "generate",
        parents=[common],
        help="generate docs now, under the docgen lock",
        description="Generate docs for the given files or directories (or --all), skipping "
        "fresh ones unless --force. Holds .llmc/locks/docgen.lock, so a running daemon pauses. "
        "Put -- before file names that start with a dash.",
        epilog=_exit_codes(
            failed="some files failed, or a file named could not be documented (a secret, a "
            "binary, not a source, a file of yours where its doc would go)"
        ),
    )
    generate.add_argument(
        "paths", nargs="*", metavar="PATH", help=paths_help.format(default="none: see --all")
    )
    generate.add_argument(
        "--all", action="store_true", help="every source file of the repo (default: off)"
    )
    generate.add_argument(
        "--force", action="store_true", help="regenerate fresh docs too (default: off)"
    )
    generate.add_argument(
        "--prune",
        action="store_true",
        help="remove every orphaned doc of ours, even more than the brake on mass removal "
        "allows at once (max of 20 and 25%% of the docs) (default: off)",
    )
    generate.add_argument(
        "--sources-only",
        action="store_true",
        help="skip named paths that are not sources quietly instead of failing on them "
        "(for a pre-commit hook, which passes every staged file) (default: off)",
    )
    generate.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help=f"backend calls in flight at once, 1 to {MAX_JOBS}, for a model server that serves "
        "several (vLLM, llama.cpp --parallel, hosted APIs) (default: the config's concurrency, 1)",
    )
    generate.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for a running daemon tick or run to release the docgen lock "
        f"before giving up with exit 3 (default: {DEFAULT_WAIT_SECONDS:g})",
    )

    check_cmd = sub.add_parser(
        "check",
        parents=[common],
        help="exit 1 if any doc is stale, missing or orphaned; writes nothing (CI, pre-commit)",
        description="Compare each source with its doc's SHA256 line and print one "
        "'<state> <path>' line per problem (stale, missing, orphaned, unreadable), then a "
        "summary. What is not documented by design (too large, binary, a file of yours where "
        "the doc would go, declined by the backend) is named as 'skipped' and does not fail. "
        "Writes nothing (no index, no lock, no state dir), so it works in a read-only checkout. "
        "With PATHS only those sources' docs are checked; paths that are not sources are "
        "ignored.",
        epilog=_exit_codes(
            ok="every doc in scope is fresh",
            failed="a doc in scope is stale, missing, orphaned or unreadable (with --strict, "
            "outdated too)",
            locked="never: check takes no lock",
        ),
    )
    check_cmd.add_argument(
        "paths", nargs="*", metavar="PATH", help=paths_help.format(default="the whole repo")
    )
    check_cmd.add_argument(
        "--json", action="store_true", help="print one JSON object instead (default: text)"
    )
    check_cmd.add_argument(
        "--strict",
        action="store_true",
        help="fail on outdated docs too: source unchanged, but its path, its neighbours' "
        "signatures or importers, or the backend changed since the doc was made (default: off)",
    )

    status = sub.add_parser(
        "status",
        parents=[common],
        help="count fresh, stale, missing and orphaned docs; name skipped and failing files",
        description="Refresh the index incrementally and compare every source with its doc: "
        "fresh, stale, missing and orphaned docs, skipped sources with the reason, failing "
        "files with their last error and next retry, and files in the output dir that are not "
        "ours. With PATHS, only the sources and docs under them are counted.",
        epilog=_exit_codes(
            failed="the index could not be read", locked="never: status takes no lock"
        ),
    )
    status.add_argument(
        "paths", nargs="*", metavar="PATH", help=paths_help.format(default="the whole repo")
    )
    status.add_argument("--json", action="store_true", help="print one JSON object (default: text)")

    mcp = sub.add_parser(
        "mcp",
        parents=[common],
        help="serve the docs, repo map and search to coding agents (MCP over stdio)",
        description="Serve the Model Context Protocol over stdin/stdout (tools get_doc, "
        "repo_map, search_docs, neighbours, status; each doc as a resource "
        "reactor://doc/{path}) while keeping the docs fresh as `reactor watch` does. Only "
        "protocol messages go to stdout; logs go to stderr. Ends when the client closes stdin, "
        "or on SIGINT/SIGTERM. Needs the 'mcp' extra: pip install 'llmc-reactor[mcp]'.",
        epilog=_exit_codes(
            ok="the client disconnected, or SIGINT / SIGTERM",
            failed="the index could not be read",
            locked="never: a second server for a repo serves without ticks",
            signals="(exit 0: a signal is the way a server is stopped)",
        ),
    )
    mcp.add_argument(
        "path",
        nargs="?",
        metavar="REPO",
        help="the repository, or a directory in it (default: the current directory's)",
    )
    mcp.add_argument(
        "--polling",
        action="store_true",
        help="poll instead of inotify, for network filesystems (default: inotify)",
    )
    mcp.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_MCP_WAIT_SECONDS,
        metavar="SECONDS",
        help="with a model backend, how long get_doc waits for a doc it has to make before "
        "it returns the outline of the file's facts instead (the doc follows as a resource "
        f"update) (default: {DEFAULT_MCP_WAIT_SECONDS:g})",
    )

    map_cmd = sub.add_parser(
        "map",
        parents=[common],
        help="print the repo map: the files that matter most, with their signatures",
        description="Print the files of the repo ranked by PageRank over the import graph "
        "(toward the --focus paths or symbol names), each with its public signatures, cut to "
        "fit --tokens (estimated as the LLM backends estimate). Read from the index (brought "
        "up to date first), never by parsing the tree again.",
        epilog=_exit_codes(failed="the index could not be read", locked="never: map takes no lock"),
    )
    map_cmd.add_argument(
        "--tokens",
        type=_tokens,
        default=DEFAULT_TOKENS,
        metavar="N",
        help=f"the most tokens the map may take, 1 to {MAX_TOKENS:,} (default: {DEFAULT_TOKENS})",
    )
    map_cmd.add_argument(
        "--focus",
        nargs="+",
        default=[],
        metavar="PATH|NAME",
        help="files or directories (relative to the current directory), or symbol names, to "
        "rank toward (default: none, the whole repo alike)",
    )
    return parser


def _tokens(text: str) -> int:
    """An argparse type: a token budget (1 to MAX_TOKENS)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_TOKENS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_TOKENS}, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(verbose=args.verbose, command=args.command)
    with conventional_exits():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command, with every expected failure mapped to its exit code."""
    try:
        if args.command == "watch":
            return cmd_watch(args.path, args.repo, polling=args.polling)
        if args.command == "mcp":
            return cmd_mcp(args.path, args.repo, polling=args.polling, wait=args.wait)
        if args.command == "map":
            return cmd_map(args.repo, focus=args.focus, tokens=args.tokens)
        root, rels = _locate(args.paths, args.repo)
        if args.command == "status":
            return cmd_status(root, rels, as_json=args.json)
        if args.command == "generate":
            return cmd_generate(
                rels,
                root,
                all_files=args.all,
                force=args.force,
                prune=args.prune,
                wait=args.wait,
                sources_only=args.sources_only,
                jobs=args.jobs,
            )
        return cmd_check(rels, root, as_json=args.json, strict=args.strict)
    except ReactorError as exc:
        print(f"reactor: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _STATE_NOT_WRITABLE:
            # (a usage error, as a state directory that cannot be made: 2, with what to do)
            print(
                f"reactor: error: index {DB_PATH}: {exc}: reactor keeps its index there, so it "
                "must be writable by this user",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(f"reactor: error: index {DB_PATH}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyboardInterrupt, Interrupted) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        return 128 + signum
    except BrokenPipeError:
        # the reader went away (`reactor status | head`): not an error; keep shutdown quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _setup_logging(*, verbose: bool, command: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    long_running = command in ("watch", "mcp")
    fmt = "%(asctime)s %(levelname)s %(message)s" if long_running else "%(message)s"
    handler.setFormatter(logging.Formatter(fmt, datefmt="%Y-%m-%d %H:%M:%S"))
    handler.addFilter(_escaped_args)
    if command == "generate":
        handler.addFilter(_not_reported_by_generate)
    root = logging.getLogger("reactor")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    # watchdog's own warnings (queue overflow, re-watching) are reported by the reactor in its
    # words; without a handler Python would print them raw to stderr as well
    logging.getLogger("watchdog").addHandler(logging.NullHandler())


def _escaped_args(record: logging.LogRecord) -> bool:
    """Text from outside (a script's stderr, a server's error, a file name) enters a log line
    only as an argument: its control characters are shown escaped, so nothing a backend says
    can move the cursor or retitle the terminal (the line's own highlight is in its format)."""
    if isinstance(record.args, tuple):
        record.args = tuple(
            printable(str(arg)) if isinstance(arg, str | BaseException) else arg
            for arg in record.args
        )
    return True


def _not_reported_by_generate(record: logging.LogRecord) -> bool:
    """A failed or skipped file's log line, which ``generate`` prints in its own list of
    problems: said once, not twice."""
    return not (isinstance(record.msg, str) and record.msg.startswith(_REPORTED_BY_GENERATE))


# -- which repo, which paths ----------------------------------------------------------------
def _locate(paths: list[str], repo: str | None) -> tuple[Path, list[str] | None]:
    """The repo and the repo-relative paths (``None``: none named).

    ``--repo`` names the repo; else the paths given find it, each by its nearest ancestor
    holding ``llmc.toml`` or ``.git`` (all in one repo); a path with no such ancestor belongs
    to the current directory's repo when it lies in it, else a directory is its own root.
    Without paths, the current directory finds it.
    """
    if repo is not None:
        root = Path(repo)
        if not root.is_dir():
            raise UsageError(f"--repo {repo}: not a directory")
        root = root.resolve()
    elif paths:
        roots = {p: _root_of(p) for p in paths}
        root = next(iter(roots.values()))
        for path, other in roots.items():
            if other != root:
                raise UsageError(
                    f"{paths[0]} and {path} are in different repositories ({root} and "
                    f"{other}); name paths of one repository"
                )
    else:
        root = discover_root(Path.cwd())
    return root, [_repo_relative(p, root) for p in paths] if paths else None


def _root_of(path: str) -> Path:
    """The repo a path argument belongs to (see :func:`_locate`)."""
    absolute = Path(os.path.abspath(path))
    if not os.path.lexists(absolute):
        raise UsageError(f"{quote_path(path)}: no such file or directory")
    marked = find_root(absolute if absolute.is_dir() else absolute.parent)
    if marked is not None:
        return marked
    here = discover_root(Path.cwd())
    if absolute.is_relative_to(here):
        return here
    if absolute.is_dir():
        return absolute.resolve()
    raise UsageError(
        f"{path} is outside the repository {here} and in none of its own (no "
        f"{' or '.join(ROOT_MARKERS)} above it); name one with --repo"
    )


def _repo_relative(path: str, root: Path) -> str:
    """A cwd-relative argument → repo-relative POSIX path. Outside the repo, or naming nothing
    at all (a typo), is a usage error."""
    absolute = Path(os.path.abspath(path))
    # resolve the directory, not the file itself: a symlinked source keeps its own name
    real = Path(os.path.realpath(absolute.parent)) / absolute.name if absolute != root else root
    try:
        rel = real.relative_to(root)
    except ValueError:
        raise UsageError(f"{quote_path(path)} is outside the repository {root}") from None
    if not os.path.lexists(real):
        raise UsageError(f"{quote_path(path)}: no such file or directory")
    return rel.as_posix() if rel.parts else "."


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
    rels: list[str] | None,
    root: Path,
    *,
    all_files: bool,
    force: bool,
    prune: bool = False,
    wait: float,
    sources_only: bool = False,
    jobs: int | None = None,
) -> int:
    if not rels and not all_files and not prune:
        if sources_only:
            return EXIT_OK  # a hook run with no staged file
        raise UsageError("nothing to do: name files or directories, or pass --all")
    selected = None if all_files else (rels or [])  # (--prune alone: no file)
    started = time.monotonic()
    shutdown = Shutdown()
    with shutdown.installed(), Reactor.open(root, watch=False) as reactor:
        shutdown.cleans(reactor.docs)
        reactor.generator.guard = shutdown.abortable
        if not reactor.config.enabled:
            print("docgen is disabled ([docs.docgen] enabled = false); nothing done")
            return EXIT_OK
        counts: Counter[str] = Counter()
        explicit = set(selected or ())
        problems: list[Outcome] = []
        skipped: list[Outcome] = []
        total = reactor.index.count_under("") if selected is None else len(reactor.expand(selected))
        with _progress(total, "docgen") as bar:

            def report(outcome: Outcome) -> None:
                counts[outcome.status] += 1
                quiet_skip = sources_only and outcome.skip is None
                if outcome.status == "failed" or (
                    outcome.status in ("skipped", "deferred")
                    and outcome.path in explicit
                    and not quiet_skip
                ):
                    problems.append(outcome)
                elif outcome.status == "skipped" and outcome.skip is not None:
                    skipped.append(outcome)
                if bar is not None and outcome.status != "removed":
                    bar.update(1)
                shutdown.check()  # a signal during a write: stop at this boundary

            try:
                reactor.generate(
                    selected,
                    force=force,
                    prune=prune,
                    progress=report,
                    wait_seconds=wait,
                    jobs=jobs,
                )
            except Interrupted as exc:
                _print_summary(counts, started, interrupted=True)
                return 128 + exc.signum
            held_back = reactor.scheduler.held_back
    for outcome in problems:
        reason = printable(outcome.reason)
        print(f"{outcome.status}: {quote_path(outcome.path)}: {reason}", file=sys.stderr)
    _print_skips(skipped)
    _print_summary(counts, started)
    if held_back:
        print(
            f"held back: {held_back} orphaned docs not removed (more than the brake allows at "
            "once); run `reactor generate --prune` if their sources really are gone",
            file=sys.stderr,
        )
    return EXIT_FAILED if problems else EXIT_OK


def _print_skips(skipped: list[Outcome]) -> None:
    """Name what a batch run could not document (too large, binary, unreadable, in the way)."""
    for outcome in skipped[:LISTED_SKIPS]:
        assert outcome.skip is not None
        what = SKIP_REASONS[outcome.skip]
        reason = printable(outcome.reason)
        print(f"not documented ({what}): {quote_path(outcome.path)}: {reason}")
    if len(skipped) > LISTED_SKIPS:
        print(f"not documented: … (+{len(skipped) - LISTED_SKIPS} more; see reactor status)")


def _print_summary(counts: Counter[str], started: float, *, interrupted: bool = False) -> None:
    files = sum(n for status, n in counts.items() if status != "removed")
    summary = ", ".join(
        f"{n} {name}"
        for name, n in (
            ("generated", counts["generated"]),
            ("fresh", counts["fresh"]),
            ("moved", counts["moved"]),
            ("no-op", counts["noop"]),
            ("skipped", counts["skipped"]),
            ("deferred", counts["deferred"]),
            ("failed", counts["failed"]),
            ("removed", counts["removed"]),
        )
        if n or name in ("generated", "fresh", "skipped", "failed")
    )
    if not files and not counts["removed"] and not interrupted:
        summary = NO_SOURCES
    elapsed = time.monotonic() - started
    tail = "; interrupted" if interrupted else ""
    print(f"{summary} ({files} files, {elapsed:.1f}s{tail})")


# -- check ----------------------------------------------------------------------------------
def cmd_check(rels: list[str] | None, root: Path, *, as_json: bool, strict: bool = False) -> int:
    config = load_config(root)
    report = check(root, config, rels, strict=strict)
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for line in report.problems():
            print(line)
        for line in report.skipped_lines():
            print(line)
        print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


# -- status ---------------------------------------------------------------------------------
def cmd_status(root: Path, rels: list[str] | None, *, as_json: bool) -> int:
    try:
        with Reactor.open(root, watch=False) as reactor:
            report = reactor.status(scope=rels)
    except (OSError, sqlite3.OperationalError) as exc:
        if not disk_refused(exc) or not (root / DB_PATH).is_file():
            raise
        # the disk refuses the refresh (full, read-only, failing): say what the index knows
        config = load_config(root)
        docs = DocStore(root, output_dir_relative(config, root))
        report = indexed_status(root, docs, rels, reason_of(exc))
        backend = make_backend(config, root)
        report.backend = backend.describe()
        backend.close()
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return EXIT_OK


# -- watch ----------------------------------------------------------------------------------
def cmd_watch(path: str | None, repo: str | None, *, polling: bool) -> int:
    """Watch the repo named by ``--repo`` or found from ``path`` (both: the same one)."""
    root, _ = _locate([path] if path is not None else [], repo)
    if path is not None and repo is not None and _root_of(path) != root:
        raise UsageError(f"two repos named: {path!r} and --repo {repo!r}; name one")
    with Reactor.open(root, watch=False) as reactor:  # the config is judged before any lock
        watch_lock = FileLock.for_repo(root, WATCH_LOCK)
        try:
            watch_lock.acquire()
        except LockHeld as exc:
            what = "another `reactor watch` runs for this repo"
            raise LockHeld(exc.path, exc.holder, what=what) from None
        try:
            _serve(reactor, _how_found(root, path), polling=polling, watch_lock=watch_lock)
        finally:
            watch_lock.release()
    return EXIT_OK


def _serve(reactor: Reactor, how_found: str, *, polling: bool, watch_lock: FileLock) -> None:
    """Keep ``reactor``'s docs fresh until a signal, holding the watch lock (kept: made and
    locked again if its file is deleted; if another watch took it meanwhile, this one stops)."""
    config = reactor.config
    if not (config.enabled and config.daemon_enabled):
        print(
            "docgen daemon is disabled in llmc.toml ([docs.docgen] enabled or "
            "daemon_enabled = false); nothing to watch"
        )
        return
    _lower_priority(config.nice)
    reactor.start_watching(polling=polling)  # before the scan: no change slips between
    assert reactor.watcher is not None
    log.info(
        "reactor watching %s%s (backend %s, %s file watching)",
        reactor.root,
        how_found,
        reactor.backend.describe(),
        reactor.watcher.mode,
    )
    service = Service([reactor], steps=[ProgressReporter(reactor, highlight=sys.stderr.isatty())])
    shutdown = Shutdown(on_stop=service.stop)
    shutdown.cleans(reactor.docs)
    reactor.generator.guard = shutdown.abortable
    taken_by: list[str] = []

    def lost(holder: str) -> None:
        taken_by.append(holder)
        service.stop()

    with (
        LockKeeper(watch_lock, on_lost=lost),
        shutdown.installed(),
        contextlib.suppress(Interrupted),
    ):
        service.run()
    if taken_by:
        what = "another `reactor watch` took this repo over after the lock file was deleted"
        raise LockHeld(watch_lock.path, taken_by[0], what=f"{what}; this one stops")
    log.info("reactor stopped")


# -- mcp and map ----------------------------------------------------------------------------
def cmd_mcp(path: str | None, repo: str | None, *, polling: bool, wait: float) -> int:
    """Serve MCP on stdio for the repo named by ``--repo`` or found from ``path``."""
    root, _ = _locate([path] if path is not None else [], repo)
    try:
        from .mcp_server import run
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in ("mcp", "mcp_types"):
            raise
        raise UsageError(
            "`reactor mcp` needs the MCP SDK, which is not installed: "
            "pip install 'llmc-reactor[mcp]'"
        ) from None
    run(root, wait_seconds=wait, polling=polling)
    stuck = [t for t in threading.enumerate() if t.is_alive() and not t.daemon]
    if len(stuck) > 1:  # (the main thread, and a call still waiting on a model or stdin)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_OK)  # the client is gone: nothing of ours is in flight any more
    return EXIT_OK


def cmd_map(repo: str | None, *, focus: list[str], tokens: int) -> int:
    """Print the repo map; focus paths that exist are taken relative to the current dir."""
    root, _ = _locate([], repo)
    named = []
    for item in focus:
        here = Path(os.path.abspath(item))
        named.append(_repo_relative(item, root) if os.path.lexists(here) else item)
    with Reactor.open(root, watch=False) as reactor:
        reactor.refresh_index()
        found = build_map(reactor.index, max_tokens=tokens, focus=named)
    if not found.text:
        print(NO_SOURCES if not found.ranked else "nothing fits in that many tokens")
        return EXIT_OK
    sys.stdout.write(found.text)
    return EXIT_OK


def _how_found(root: Path, path: str | None) -> str:
    """What the start line adds about the root it took, when it is not plainly the one named."""
    if not any(os.path.lexists(root / marker) for marker in ROOT_MARKERS):
        return (
            f" (no {' or '.join(ROOT_MARKERS)} here: taken as the root; nested git "
            "repositories in it are left to themselves)"
        )
    if path is not None and Path(path).resolve() != root:
        return f" (the repository holding {quote_path(path)})"
    return ""


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
