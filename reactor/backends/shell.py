"""The ``shell`` backend: LLMC's docgen script protocol.

``[script, *args]`` runs without a shell in its own process group; the request JSON goes to
stdin. The script prints the whole doc (first line ``SHA256: <file_sha256>``) or
``NO-OP: <reason>``. Non-zero exit, timeout, or a missing/mismatched header raise
:class:`BackendError`; on timeout the whole process group is killed, so a script's children
cannot linger.

A script never outlives the run that started it, even one killed with ``kill -9``: the kernel
kills the script when its parent dies (``PR_SET_PDEATHSIG``, set in the child before ``exec``),
and each script's process group is noted in ``.llmc/backends/<pgid>.json`` while it runs, so the
next run that calls the backend ends what is left of a dead run's group (the script's own
children) — only processes whose start time or environment prove them ours.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..docs import parse_header
from ..errors import BackendError, ReactorError
from ..paths import printable
from ..shutdown import uninterrupted
from ..state import ensure_state_dir
from . import Backend, DocRequest, Generated, NoOp

#: Output beyond this is refused: a doc is Markdown for one file, not a data dump.
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
#: Running scripts' process groups, one note each, under the state dir.
GROUPS_DIR = "backends"
#: Set in each script's environment: the mark by which a leftover process is known as ours.
CALL_ENV = "REACTOR_BACKEND_CALL"
_PR_SET_PDEATHSIG = 1
_prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)  # Linux only


class ShellBackend(Backend):
    """Runs an LLMC-compatible docgen script per file."""

    name = "shell"

    def __init__(self, *, script: Path, args: list[str], timeout_seconds: float):
        self.script = script
        self.args = list(args)
        self.timeout_seconds = timeout_seconds
        self._swept: set[Path] = set()  # repos whose leftover groups this process has ended
        self._sweep_lock = threading.Lock()
        try:  # the script is the renderer: editing it changes every doc it would write
            self._script_sha = hashlib.sha256(script.read_bytes()).hexdigest()[:12]
        except OSError:
            self._script_sha = "unreadable"

    def identity(self) -> str:
        return f"shell/{self.script.name}-{self._script_sha}/{json.dumps(self.args)}"

    def describe(self) -> str:
        return f"shell ({self.script}, timeout {self.timeout_seconds:g}s)"

    def _argv(self) -> list[str]:
        # A non-executable Python script (common after a fresh clone on some setups) is run
        # with this interpreter rather than failing with a bare "permission denied".
        if not os.access(self.script, os.X_OK) and self.script.suffix == ".py":
            return [sys.executable, str(self.script), *self.args]
        return [str(self.script), *self.args]

    def generate(self, request: DocRequest) -> Generated | NoOp:
        payload = json.dumps(request.to_json()).encode("utf-8")
        notes = self._notes(request.repo_root)
        mark = f"{os.getpid()}-{_start_time(os.getpid())}"  # this run's calls
        try:
            with uninterrupted():
                proc = subprocess.Popen(
                    self._argv(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    cwd=request.repo_root,
                    env={**os.environ, CALL_ENV: mark},
                    start_new_session=True,  # its own process group, killed whole on timeout
                    preexec_fn=_dies_with(os.getpid()),
                )
        except OSError as exc:
            raise BackendError(self.name, f"cannot run {self.script}: {exc.strerror}") from None
        with proc:  # closes the pipes and reaps the script on every path
            note = None
            try:  # (from the start: a signal's exception may come while the note is written)
                note = _note_group(notes, proc.pid, mark)
                out, err = self._exchange(proc, payload)
            finally:
                _kill_group(proc)  # on timeout or overflow; after success, its leftovers
                if note is not None:
                    with contextlib.suppress(OSError):
                        note.unlink()
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            reason = printable(tail[0][:200])  # the script's words: no escape sequence passes
            raise BackendError(self.name, f"exit status {proc.returncode}: {reason}")
        return parse_output(out.decode("utf-8", "replace"), request.file_sha256)

    def _notes(self, repo_root: Path) -> Path | None:
        """The repo's notes of running scripts; the first time in this process, the groups a
        dead run left are ended first. ``None``: no state dir (the notes are best effort)."""
        try:
            notes = ensure_state_dir(repo_root, GROUPS_DIR)
        except ReactorError:
            return None
        with self._sweep_lock:
            if notes not in self._swept:
                self._swept.add(notes)
                end_leftover_groups(notes)
                end_unnoted_calls(repo_root)
        return notes

    def _exchange(self, proc: subprocess.Popen[bytes], payload: bytes) -> tuple[bytes, bytes]:
        """Feed stdin, collect stdout (at most ``MAX_OUTPUT_BYTES``) and the tail of stderr.

        Unlike ``communicate()`` nothing here can grow without bound: a script printing
        gigabytes is cut off and killed as soon as it passes the limit.
        """
        assert proc.stdin and proc.stdout and proc.stderr
        deadline = time.monotonic() + self.timeout_seconds
        feeder = threading.Thread(target=_feed, args=(proc.stdin, payload), daemon=True)
        feeder.start()
        out, err = bytearray(), bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ, out)
            selector.register(proc.stderr, selectors.EVENT_READ, err)
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BackendError(
                        self.name,
                        f"timed out after {self.timeout_seconds:g}s (process group killed)",
                    )
                for key, _ in selector.select(remaining):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    buffer: bytearray = key.data
                    buffer += chunk
                    if buffer is err and len(err) > 8192:
                        del err[:-4096]  # only the tail of stderr is ever reported
                    if len(out) > MAX_OUTPUT_BYTES:
                        raise BackendError(
                            self.name, f"output exceeds {MAX_OUTPUT_BYTES} bytes (killed)"
                        )
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:  # closed its pipes but kept running
            raise BackendError(
                self.name, f"timed out after {self.timeout_seconds:g}s (process group killed)"
            ) from None
        feeder.join(timeout=1)
        return bytes(out), bytes(err)


def _feed(stdin: IO[bytes], payload: bytes) -> None:
    """Write the request on a side thread so a script that never reads cannot block us."""
    # BrokenPipe: the script exited without reading; ValueError: we closed it after a kill
    with contextlib.suppress(OSError, ValueError):
        stdin.write(payload)
    with contextlib.suppress(OSError, ValueError):
        stdin.close()


def parse_output(output: str, file_sha256: str) -> Generated | NoOp:
    """Interpret a script's stdout per the protocol."""
    text = output.strip()
    if text.startswith("NO-OP:"):
        reason = text[len("NO-OP:") :].strip().partition("\n")[0][:200]
        return NoOp(printable(reason) or "no reason given")
    first, _, rest = text.partition("\n")
    found = parse_header(first + "\n")
    if found is None:
        shown = first[:60] if first else "empty output"
        raise BackendError("shell", f"output does not start with 'SHA256: <hex>' ({shown!r})")
    if found != file_sha256:
        raise BackendError("shell", f"SHA256 header {found[:12]}… does not match the source")
    return Generated(rest)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the script's process group: the script if still running, and its children."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _dies_with(parent: int) -> Callable[[], None]:
    """For ``preexec_fn``: the script gets SIGKILL when its parent dies, however it dies (the
    parent may already be gone by the time this runs in the child: then it exits at once)."""

    def preexec() -> None:
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def _start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks after boot, ``/proc/<pid>/stat`` field 22): with the
    pid, what names one process, however pids are reused. ``None``: no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rpartition(b")")[2].split()
        return int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _note_group(notes: Path | None, pgid: int, mark: str) -> Path | None:
    """Note a running script's group (best effort: a full disk must not stop the call)."""
    if notes is None:
        return None
    note = notes / f"{pgid}.json"
    record = {"pgid": pgid, "start": _start_time(pgid), "mark": mark}
    record |= {"owner": os.getpid(), "owner_start": _start_time(os.getpid())}
    try:
        note.write_text(json.dumps(record))
    except OSError:
        return None
    return note


def end_leftover_groups(notes: Path) -> int:
    """End what is left of the script groups noted by runs that died without ending them
    (their note is still there, their owner is not); returns how many processes were ended.

    A process is ours only if it is the noted group leader with the noted start time, or a
    member of that group carrying the call's mark in its environment: a pid reused by another
    program is never touched."""
    ended = 0
    for note in notes.glob("*.json"):
        try:
            record = json.loads(note.read_text())
            pgid, owner = int(record["pgid"]), int(record["owner"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _start_time(owner) == record.get("owner_start"):
            continue  # its run is alive: the group is in use
        for pid in _group_members(pgid):
            if (pid == pgid and _start_time(pid) == record.get("start")) or _marked(
                pid, str(record.get("mark"))
            ):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                    ended += 1
        with contextlib.suppress(OSError):
            note.unlink()
    return ended


def end_unnoted_calls(repo_root: Path) -> int:
    """End the scripts of a dead run that died before it could note them (killed between
    starting the script and writing its note): processes running in this repo whose
    environment carries a call mark whose run (pid and start time) is gone. Returns how many."""
    root, ended = os.path.realpath(repo_root), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                marks = [v for v in fh.read().split(b"\0") if v.startswith(f"{CALL_ENV}=".encode())]
            if not marks or os.readlink(f"/proc/{entry}/cwd") != root:
                continue
            owner, _, started = marks[0].split(b"=", 1)[1].decode().partition("-")
            if str(_start_time(int(owner))) == started:
                continue  # its run is alive
            os.kill(int(entry), signal.SIGKILL)
            ended += 1
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read
    return ended


def _group_members(pgid: int) -> list[int]:
    """The processes whose process group is ``pgid`` (``/proc/<pid>/stat`` field 5)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rpartition(b")")[2].split()
            if int(fields[2]) == pgid:
                members.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return members


def _marked(pid: int, mark: str) -> bool:
    """Whether ``pid``'s environment carries this call's mark (readable only for our own
    processes, or as root)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return f"{CALL_ENV}={mark}".encode() in fh.read().split(b"\0")
    except OSError:
        return False
