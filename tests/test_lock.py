from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reactor.errors import LockHeld, UnsafePath
from reactor.lock import FileLock, is_locked_elsewhere


def test_second_holder_is_refused_and_told_who(tmp_path: Path) -> None:
    path = tmp_path / ".llmc/locks/docgen.lock"
    with FileLock(path):
        assert is_locked_elsewhere(path)
        with pytest.raises(LockHeld, match=f"held by pid {os.getpid()}"):
            FileLock(path).acquire()
    assert not is_locked_elsewhere(path)
    FileLock(path).acquire()  # free again (released on close of the fd)


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    code = (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
        "fcntl.flock(fd, fcntl.LOCK_EX); print('ok', flush=True); sys.stdin.read()"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == b"ok\n"
        assert is_locked_elsewhere(path)
        with pytest.raises(LockHeld):
            FileLock(path).acquire()
        assert holder.stdin is not None
        holder.stdin.close()
    FileLock(path).acquire()


def test_symlinked_lock_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    path = tmp_path / "locks/docgen.lock"
    path.parent.mkdir()
    path.symlink_to(target)
    with pytest.raises(UnsafePath, match="symlink"):
        FileLock(path).acquire()
    assert target.read_text() == "precious"
    assert not is_locked_elsewhere(path)


def test_missing_lock_is_not_locked_and_not_created(tmp_path: Path) -> None:
    assert not is_locked_elsewhere(tmp_path / "nope.lock")
    assert not (tmp_path / "nope.lock").exists()


def test_nested_holds_release_only_at_the_outermost_exit(tmp_path: Path) -> None:
    path = tmp_path / "docgen.lock"
    lock = FileLock(path)
    with lock:
        with lock:  # a batch calling the one-file path, which takes the lock again
            assert lock.held
        assert lock.held and is_locked_elsewhere(path)  # the inner exit did not drop it
    assert not lock.held and not is_locked_elsewhere(path)


def test_threads_sharing_one_lock_exclude_each_other(tmp_path: Path) -> None:
    import threading

    lock = FileLock(tmp_path / "docgen.lock")
    outcome: list[str] = []

    def other_thread() -> None:
        try:
            lock.acquire()
        except LockHeld as exc:
            outcome.append(str(exc))
            lock.release()  # a thread that does not hold it releases nothing
        else:
            outcome.append("acquired")
            lock.release()

    with lock:
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert lock.held and is_locked_elsewhere(tmp_path / "docgen.lock")
    assert outcome == [
        f"lock {tmp_path / 'docgen.lock'} is held by another thread of this process; another docgen run is active"
    ]
    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert outcome[-1] == "acquired" and not lock.held


def test_state_dir_gets_a_gitignore_once(tmp_path: Path) -> None:
    from reactor.lock import DOCGEN_LOCK
    from reactor.state import GITIGNORE_TEXT

    with FileLock.for_repo(tmp_path, DOCGEN_LOCK):
        pass
    ignore = tmp_path / ".llmc/.gitignore"
    assert ignore.read_text() == GITIGNORE_TEXT
    ignore.write_text("mine\n")  # a user's own file is never rewritten
    with FileLock.for_repo(tmp_path, DOCGEN_LOCK):
        pass
    assert ignore.read_text() == "mine\n"


def test_a_state_dir_made_by_someone_else_is_left_alone(tmp_path: Path) -> None:
    from reactor.lock import DOCGEN_LOCK

    (tmp_path / ".llmc").mkdir()  # LLMC's own, maybe partly committed
    with FileLock.for_repo(tmp_path, DOCGEN_LOCK):
        pass
    assert not (tmp_path / ".llmc/.gitignore").exists()


def test_a_declared_waiter_is_seen_across_processes(tmp_path: Path) -> None:
    path = tmp_path / ".llmc/locks/docgen.lock"
    daemon = FileLock(path)
    assert not daemon.has_waiters()
    code = (
        "import sys; from pathlib import Path; from reactor.lock import FileLock;"
        "lock = FileLock(Path(sys.argv[1]));"
        "print('waiting', flush=True); lock.acquire(timeout_seconds=60); print('got it', flush=True)"
    )
    with (
        daemon,
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
        ) as waiter,
    ):
        assert waiter.stdout is not None and waiter.stdout.readline() == "waiting\n"
        deadline = time.monotonic() + 30
        while not daemon.has_waiters():  # the waiter declares itself while it waits
            assert time.monotonic() < deadline
            time.sleep(0.01)
        daemon.release()  # the tick ends: the waiter gets the lock
        assert waiter.stdout.readline() == "got it\n"
        waiter.wait(timeout=30)
    assert not daemon.has_waiters()


@pytest.mark.timeout(120)
def test_a_manual_run_gets_the_lock_from_a_daemon_with_a_backlog(tmp_path: Path) -> None:
    """60 files dirty, 0.3 s per file: `generate --wait 10` used to lose every race for the lock
    (free for ~1 ms between ticks) and exit 3; now ticks yield to it and back off meanwhile."""
    repo = tmp_path / "repo"
    for i in range(60):
        (repo / "src").mkdir(parents=True, exist_ok=True)
        (repo / f"src/m{i}.py").write_text(f"X = {i}\n")
    script = repo / "tools/slow.py"
    script.parent.mkdir()
    script.write_text(
        "import json, sys, time\nreq = json.load(sys.stdin)\ntime.sleep(0.3)\n"
        "print('SHA256: ' + req['file_sha256']); print(); print('# ' + req['relative_path'])\n"
    )
    (repo / "llmc.toml").write_text(
        "[docs.docgen]\nbackend = 'shell'\nidle_after_seconds = 0\ntick_seconds = 0.001\n"
        "exclude = ['tools/']\n[docs.docgen.shell]\nscript = 'tools/slow.py'\n"
    )
    cli = [sys.executable, "-m", "reactor.cli"]
    daemon_log = tmp_path / "daemon.log"
    with (
        open(daemon_log, "w") as log,
        subprocess.Popen([*cli, "-v", "watch", str(repo)], stderr=log) as daemon,
    ):
        try:
            docs = repo / "DOCS/REPODOCS/src"
            deadline = time.monotonic() + 60
            while not (docs.is_dir() and any(docs.iterdir())):  # the daemon is working
                assert time.monotonic() < deadline
                time.sleep(0.05)
            for _ in range(3):
                run = subprocess.run(
                    [*cli, "generate", "src/m0.py", "src/m1.py", "--force", "--wait", "10"],
                    cwd=repo,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                assert run.returncode == 0, run.stderr
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
    locked = [line for line in daemon_log.read_text().splitlines() if ": locked" in line]
    # while each manual run waited and held the lock (about a second each), the daemon asked
    # a few times, backing off; not at 20 Hz
    assert len(locked) <= 30, locked[:40]
