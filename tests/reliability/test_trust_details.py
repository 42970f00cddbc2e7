"""What a fault trial found (issue 32, items 4-7): an unreadable doc is neither fresh nor foreign,
permissions that come back are noticed in seconds, `status` answers on a full disk, the progress
line counts what `status` counts, a backend never outlives the run that started it, signals exit
with their conventional status, and one `watch` per repo even when its lock file is deleted.

Permission bits mean nothing to root, so as root (CI) the commands that must meet a permission
error run as `nobody` through setpriv, as tests/reliability/test_permissions.py does."""

from __future__ import annotations

import datetime
import json
import logging
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from test_full_disk import fill
from test_permissions import _unprivileged_prefix

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, wait_until, write
from reactor.lock import LOCK_CHECK_SECONDS, WATCH_LOCK, is_locked_elsewhere
from reactor.progress import REPORT_INTERVAL_SECONDS, ProgressReporter
from reactor.reactor import Reactor

DOCS = "DOCS/REPODOCS"
#: Permissions that come back are noticed "within seconds": the doc probe's interval (5 s) or
#: the attribute event, plus settling, ticks and a loaded machine's margin; the skip retry they
#: used to wait for is 300 s.
NOTICED_SECONDS = 30


def reactor_argv(prefix: list[str], *argv: str) -> list[str]:
    return [*prefix, sys.executable, "-m", "reactor.cli", *argv]


def run(prefix: list[str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        reactor_argv(prefix, *argv), capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def nobody_repo() -> Iterator[tuple[Path, list[str]]]:
    """Five sources in a repo the unprivileged user owns (pages off: file docs only)."""
    prefix = _unprivileged_prefix()
    base = Path(tempfile.mkdtemp(prefix="reactor-trust-"))
    base.chmod(0o755)
    repo = base / "repo"
    for i in range(3):
        write(repo, f"m{i}.py", f"M = {i}\n")
    for i in range(2):
        write(repo, f"sub/s{i}.py", f"S = {i}\n")
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nidle_after_seconds = 0\nsettle_seconds = 0.1\npages = false\n",
    )
    if prefix:
        nobody = pwd.getpwnam("nobody")
        for path in [repo, *repo.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    try:
        yield repo, prefix
    finally:
        for path in [repo, *repo.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base)


class Watch:
    """A `reactor watch` subprocess whose stderr lines are collected as they come."""

    def __init__(self, argv: list[str]):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(self.proc.stderr),  # type: ignore[arg-type]
            daemon=True,
        )
        self._reader.start()

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return "".join(self.lines)


@pytest.fixture
def watch() -> Iterator[type[Watch]]:
    started: list[Watch] = []

    class Started(Watch):
        def __init__(self, argv: list[str]):
            super().__init__(argv)
            started.append(self)

    yield Started
    for one in started:
        one.stop()


# -- item 4: an unreadable doc is not fresh and not foreign -----------------------------------
def test_check_fails_on_docs_it_cannot_read(nobody_repo: tuple[Path, list[str]]) -> None:
    repo, prefix = nobody_repo
    assert run(prefix, "generate", "--all", "--repo", str(repo)).returncode == 0
    (repo / DOCS).chmod(0)
    write(repo, "m0.py", "M = 'edited'\n")
    for strict in ([], ["--strict"]):
        checked = run(prefix, "check", "--repo", str(repo), *strict)
        assert checked.returncode == 1, checked
        lines = checked.stdout.splitlines()
        assert f"unreadable {DOCS}" in lines  # its orphans cannot be listed either
        assert f"unreadable {DOCS}/m0.py.md" in lines and f"unreadable {DOCS}/sub/s1.py.md" in lines
        assert "foreign" not in checked.stdout + checked.stderr
        assert "0/5 docs fresh" in checked.stderr and "6 unreadable" in checked.stderr
    (repo / DOCS).chmod(0o755)
    (repo / DOCS / "m0.py.md").chmod(0)  # one stale doc the user cannot read
    checked = run(prefix, "check", "--repo", str(repo))
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [f"unreadable {DOCS}/m0.py.md"]
    assert "4/5 docs fresh" in checked.stderr and "foreign" not in checked.stderr
    status = run(prefix, "status", str(repo))
    assert status.returncode == 0 and "foreign" not in status.stdout
    assert "skipped (doc unreadable): m0.py" in status.stdout


@pytest.mark.timeout(180)
def test_watch_never_overwrites_a_doc_it_cannot_read_and_takes_it_up_when_readable(
    nobody_repo: tuple[Path, list[str]], watch: type[Watch]
) -> None:
    repo, prefix = nobody_repo
    daemon = watch(reactor_argv(prefix, "watch", str(repo)))
    wait_until(lambda: daemon.said("all 5 docs fresh"), what="converged")
    doc = repo / DOCS / "m1.py.md"
    before = doc.read_bytes()
    doc.chmod(0)
    write(repo, "m1.py", "M = 'edited while its doc is unreadable'\n")
    wait_until(lambda: daemon.said(f"not documenting m1.py: {DOCS}/m1.py.md: cannot read"))
    assert not daemon.said("no SHA256 header")
    assert doc.read_bytes() == before  # never overwritten unread
    doc.chmod(0o644)  # no event says so: the output dir takes no watch
    wait_until(
        lambda: doc_header(repo, "m1.py") == f"SHA256: {sha256_of(repo / 'm1.py')}",
        timeout=NOTICED_SECONDS,
        what="the doc readable again to be documented",
    )
    (repo / DOCS).chmod(0)  # the whole output dir
    write(repo, "m2.py", "M = 'edited while the output dir is unreadable'\n")
    wait_until(lambda: daemon.said(f"not documenting m2.py: {DOCS}/m2.py.md: cannot read"))
    (repo / DOCS).chmod(0o755)
    wait_until(
        lambda: doc_header(repo, "m2.py") == f"SHA256: {sha256_of(repo / 'm2.py')}",
        timeout=NOTICED_SECONDS,
        what="the docs of an output dir readable again",
    )
    assert "Traceback" not in daemon.stop()


# -- item 5: a source directory whose permissions come back ----------------------------------
@pytest.mark.timeout(180)
def test_a_source_directory_readable_again_is_noticed_within_seconds(
    nobody_repo: tuple[Path, list[str]], watch: type[Watch]
) -> None:
    repo, prefix = nobody_repo
    daemon = watch(reactor_argv(prefix, "watch", str(repo)))
    wait_until(lambda: daemon.said("all 5 docs fresh"), what="converged")
    (repo / "sub").chmod(0)
    write(repo, "sub/s0.py", "S = 'edited while hidden'\n")  # as root: the watch cannot see it
    wait_until(lambda: daemon.said("not documenting sub/s0.py"), what="the edit's event")
    (repo / "sub").chmod(0o755)
    wait_until(
        lambda: doc_header(repo, "sub/s0.py") == f"SHA256: {sha256_of(repo / 'sub/s0.py')}",
        timeout=NOTICED_SECONDS,
        what="the edit made while the directory was hidden",
    )
    assert "Traceback" not in daemon.stop()


# -- item 7 of the issue: status on a full disk --------------------------------------------
def test_status_answers_from_the_index_on_a_full_disk(small_fs: Path) -> None:
    repo = small_fs / "repo"
    for i in range(3):
        write(repo, f"m{i}.py", f"M = {i}\n")
    write(repo, "llmc.toml", "[docs.docgen]\npages = false\n")
    assert run([], "generate", "--all", "--repo", str(repo)).returncode == 0
    write(repo, "m0.py", "M = 'edited'\n")
    fill(small_fs / "filler")
    text = run([], "status", str(repo))
    assert text.returncode == 0, text.stderr
    assert "sources:    3" in text.stdout and "fresh:      3/3" in text.stdout
    assert "index:      as last indexed (could not refresh it: " in text.stdout
    assert "Traceback" not in text.stderr
    as_json = run([], "status", "--json", str(repo))
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["sources"] == 3 and report["index"].startswith("as last indexed")
    (small_fs / "filler").unlink()  # space again: the edit is seen
    assert "stale:      1" in run([], "status", str(repo)).stdout


# -- item 7 of the issue: the progress line counts what status counts -----------------------
def test_the_progress_line_counts_the_sources_status_counts(
    make_reactor: Callable[..., Reactor],
    repo: Path,
    backend: FakeBackend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Skipped (too large, binary), declined, failing and foreign-in-the-way files alike."""
    write(repo, "big.py", "B = 1\n" * 100)
    write(repo, "declined.py", "D = 1\n")
    write(repo, "failing.py", "F = 1\n")
    write(repo, "mine.py", "M = 1\n")
    write(repo, f"{DOCS}/mine.py.md", "my own notes, not a generated doc\n")
    backend.noop = lambda rel: rel == "declined.py"
    backend.fail = lambda rel: rel == "failing.py"
    caplog.set_level(logging.INFO, logger="reactor")
    reactor = make_reactor(idle_after_seconds=0, max_file_bytes=200)
    reporter = ProgressReporter(reactor, clock=reactor.clock)
    while reactor.tick().work_done:
        pass
    reporter()
    status = reactor.status(refresh_index=False)
    assert (status.missing, len(status.failed), status.skipped_count) == (1, 1, 4)
    line = caplog.messages[-1]
    assert line.startswith(f"{status.fresh}/{status.documentable} fresh"), line


def test_the_progress_estimate_comes_from_the_rate_docs_are_written(
    make_reactor: Callable[..., Reactor],
    repo: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Docs written while sources go stale under them: the estimate follows the writes (5 in
    30 s), not the net change of the fresh count (+2 in 30 s)."""
    for i in range(20):
        write(repo, f"m{i:02}.py", f"M = {i}\n")
    caplog.set_level(logging.INFO, logger="reactor")
    reactor = make_reactor(idle_after_seconds=0)
    reporter = ProgressReporter(reactor, clock=clock)
    reactor.refresh_index()
    for _ in range(10):
        assert reactor.tick().status == "generated"
    reporter()  # the first line: no pace yet
    for _ in range(5):
        assert reactor.tick().status == "generated"
    fresh_before = reactor.index.progress()[0]
    documented = [r.path for r in reactor.index.all_rows() if doc_header(repo, r.path)][:3]
    for rel in documented:
        write(repo, rel, "M = 'edited'\n")
    reactor.refresh_index()
    fresh, _, total = reactor.index.progress()
    assert fresh == fresh_before - 3
    clock.advance(REPORT_INTERVAL_SECONDS)
    reporter()
    to_go = total - fresh
    assert caplog.messages[-1].endswith(
        f"{to_go} to go · ~{round(to_go / (5 / REPORT_INTERVAL_SECONDS))} s at the current pace"
    ), caplog.messages[-1]


# -- item 7 of the issue: no retry time in the past -----------------------------------------
def test_status_never_shows_a_next_retry_in_the_past(
    make_reactor: Callable[..., Reactor], repo: Path, backend: FakeBackend
) -> None:
    backend.fail = lambda rel: rel == "main.c"
    reactor = make_reactor(idle_after_seconds=0)
    while reactor.tick().work_done:
        pass
    (row,) = reactor.index.failing()
    assert row.retry_at is not None and row.retry_at > time.time()
    past = time.time() - 360  # the retry's time came while no watch ran (or it is running late)
    reactor.index.record_result(
        "main.c", row.last_result or "", failures=1, failed_blake3=row.blake3, retry_at=past
    )
    report = reactor.status(refresh_index=False)
    (line,) = [x for x in report.to_text().splitlines() if x.startswith("failed: main.c")]
    assert line.endswith("(attempt 1, next retry due now: no watch runs)"), line
    report.extra["watch"] = {"running": True, "pid": 1}
    assert "(attempt 1, next retry at the next idle tick)" in report.to_text()
    (failure,) = report.to_json()["failed"]
    shown = datetime.datetime.strptime(failure["next_retry"], "%Y-%m-%dT%H:%M:%S%z")
    assert shown.timestamp() >= int(time.time()) - 1


# -- item 7 of the issue: a backend started by a process that dies ends with it -------------
#: Hangs (a script and its child) while the flag file exists, else writes the doc.
HANG_WHILE_FLAGGED = """\
#!/bin/sh
if [ -e "{flag}" ]; then
    echo $$ > "{marker}"
    sleep 60 &
    echo $! >> "{marker}"
    wait
fi
read -r request
sha=$(printf '%s' "$request" | sed 's/.*"file_sha256": "\\([0-9a-f]*\\)".*/\\1/')
printf 'SHA256: %s\\n# doc\\n' "$sha"
"""


def gone(pid: int) -> bool:
    """Ended (a zombie nobody reaps in this container counts as ended)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize(
    ("command", "noted"), [("generate", True), ("watch", True), ("generate", False)]
)
def test_kill_9_of_the_reactor_ends_its_backend_script_and_the_next_run_its_children(
    tmp_path: Path, command: str, noted: bool
) -> None:
    """``noted=False``: the run was killed after starting the script but before its note was
    written (a loaded machine): the next run finds the children by their call mark."""
    repo, flag, marker = tmp_path / "repo", tmp_path / "hang", tmp_path / "started"
    write(repo, "a.py", "A = 1\n")
    script = HANG_WHILE_FLAGGED.format(flag=flag, marker=marker)
    write(repo, "tools/doc.sh", script).chmod(0o755)
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nbackend = 'shell'\nidle_after_seconds = 0\npages = false\n"
        "exclude = ['tools/**']\n[docs.docgen.shell]\nscript = 'tools/doc.sh'\n",
    )
    flag.touch()
    argv = (
        ["generate", "--all", "--repo", str(repo)]
        if command == "generate"
        else ["watch", str(repo)]
    )
    with subprocess.Popen(reactor_argv([], *argv), stderr=subprocess.DEVNULL) as proc:
        wait_until(lambda: marker.exists() and len(marker.read_text().split()) == 2)
        script_pid, child_pid = (int(p) for p in marker.read_text().split())
        proc.kill()  # kill -9: no handler runs, nothing of ours is cleaned up
    wait_until(lambda: gone(script_pid), timeout=10, what="the script to die with its parent")
    if not noted:
        for note in (repo / ".llmc/backends").glob("*.json"):
            note.unlink()
    assert not gone(child_pid)  # its own child outlives it: the next run's to end
    flag.unlink()
    again = run([], "generate", "--all", "--repo", str(repo))
    assert again.returncode == 0, again.stderr
    # killed by the next run (SIGKILL is sent; a loaded machine may take a moment to end it)
    wait_until(lambda: gone(child_pid), timeout=10, what="the leftover child to be ended")
    assert doc_header(repo, "a.py") == f"SHA256: {sha256_of(repo / 'a.py')}"
    assert not list((repo / ".llmc/backends").iterdir())  # every note taken back


def test_a_leftover_note_never_ends_a_process_that_is_not_ours(tmp_path: Path) -> None:
    """A note whose group leader is another process now (its pid reused) is dropped, not acted
    on: the process's start time is not the one noted."""
    repo = tmp_path / "repo"
    write(repo, "a.py", "A = 1\n")
    write(repo, "tools/doc.sh", HANG_WHILE_FLAGGED.format(flag="/nonexistent", marker="")).chmod(
        0o755
    )
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nbackend = 'shell'\npages = false\nexclude = ['tools/**']\n"
        "[docs.docgen.shell]\nscript = 'tools/doc.sh'\n",
    )
    with subprocess.Popen(["sleep", "60"], start_new_session=True) as stranger:
        note = {"pgid": stranger.pid, "start": 1, "owner": 2**22 + 1, "owner_start": 1}
        write(repo, f".llmc/backends/{stranger.pid}.json", json.dumps(note))
        done = run([], "generate", "--all", "--repo", str(repo))
        alive = stranger.poll() is None
        stranger.kill()
    assert done.returncode == 0, done.stderr
    assert alive
    assert not (repo / f".llmc/backends/{stranger.pid}.json").exists()


# -- item 7 of the issue: every signal exits with its conventional status -------------------
@pytest.mark.parametrize("trial", range(3))
def test_a_second_sigterm_while_the_watch_winds_down_exits_143(tmp_path: Path, trial: int) -> None:
    """The first SIGTERM stops the watch (exit 0); a second one while it closes exits 143 at
    once, never by the default action (-15: what a supervisor takes for a crash)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    for i in range(20):
        write(repo, f"m{i}.py", f"M = {i}\n")
    write(repo, "llmc.toml", "[docs.docgen]\nidle_after_seconds = 0\n")
    with subprocess.Popen(
        reactor_argv([], "watch", str(repo)), stderr=subprocess.PIPE, text=True
    ) as p:
        assert p.stderr is not None
        for line in p.stderr:
            if "docs fresh" in line:
                break
        p.send_signal(signal.SIGTERM)
        for line in p.stderr:
            if "reactor stopped" in line:  # its own handling is over: it closes the index now
                break
        p.send_signal(signal.SIGTERM)
        p.stderr.read()
        p.wait(timeout=30)
    assert p.returncode in (0, 128 + signal.SIGTERM)


def test_sigterm_to_status_exits_143(repo: Path) -> None:
    """A command that installs no handling of its own (status waiting for the index) ends with
    128 + the signal's number, as the README promises, not by the default action."""
    assert run([], "generate", "--all", "--repo", str(repo)).returncode == 0
    write(repo, "main.c", "int main(void) { return 1; }\n")  # status has a change to store
    db = sqlite3.connect(repo / ".llmc/reactor.db", isolation_level=None)
    db.execute("BEGIN IMMEDIATE")  # status's refresh waits for the write lock (5 s at most)
    try:
        with subprocess.Popen(
            reactor_argv([], "status", str(repo)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        ) as proc:
            status = psutil.Process(proc.pid)
            wait_until(
                lambda: any(f.path.endswith("reactor.db") for f in status.open_files()),
                what="status to open the index",
            )
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert proc.returncode == 128 + signal.SIGTERM


# -- item 7 of the issue: one watch per repo, even when its lock file is deleted ------------
@pytest.mark.timeout(120)
def test_one_watch_per_repo_even_when_its_lock_file_is_deleted(
    tmp_path: Path, watch: type[Watch]
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo, "a.py", "A = 1\n")
    write(repo, "llmc.toml", "[docs.docgen]\nidle_after_seconds = 0\n")
    argv = reactor_argv([], "watch", str(repo))
    first = watch(argv)
    wait_until(lambda: first.said("docs fresh"), what="the first watch converged")
    lock = repo / WATCH_LOCK
    lock.unlink()
    wait_until(
        lambda: lock.exists() and is_locked_elsewhere(lock),
        timeout=LOCK_CHECK_SECONDS * 5,
        what="the watch to lock its lock file again",
    )
    refused = run([], "watch", str(repo))
    assert refused.returncode == 3 and "another `reactor watch` runs" in refused.stderr
    lock.unlink()  # and a second watch right away, before the first can look again
    second = watch(argv)
    wait_until(
        lambda: first.proc.poll() is not None or second.proc.poll() is not None,
        timeout=LOCK_CHECK_SECONDS * 5,
        what="one of two watches to stop",
    )
    stopped, kept = (first, second) if first.proc.poll() is not None else (second, first)
    assert stopped.proc.returncode == 3 and kept.proc.poll() is None
    assert stopped.said("another `reactor watch`")
    assert "Traceback" not in stopped.stop() + kept.stop()
