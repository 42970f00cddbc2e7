"""The ``shell`` backend: LLMC's docgen script protocol.

``[script, *args]`` runs without a shell in its own process group; the request JSON goes to
stdin. The script prints the whole doc (first line ``SHA256: <file_sha256>``) or
``NO-OP: <reason>``. Non-zero exit, timeout, or a missing/mismatched header raise
:class:`BackendError`; on timeout the whole process group is killed, so a script's children
cannot linger.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from ..docs import parse_header
from ..errors import BackendError
from ..paths import printable
from . import Backend, DocRequest, Generated, NoOp

#: Output beyond this is refused: a doc is Markdown for one file, not a data dump.
MAX_OUTPUT_BYTES = 8 * 1024 * 1024


class ShellBackend(Backend):
    """Runs an LLMC-compatible docgen script per file."""

    name = "shell"

    def __init__(self, *, script: Path, args: list[str], timeout_seconds: float):
        self.script = script
        self.args = list(args)
        self.timeout_seconds = timeout_seconds
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
        try:
            proc = subprocess.Popen(
                self._argv(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=request.repo_root,
                start_new_session=True,  # its own process group, killed whole on timeout
            )
        except OSError as exc:
            raise BackendError(self.name, f"cannot run {self.script}: {exc.strerror}") from None
        with proc:  # closes the pipes and reaps the script on every path
            try:
                out, err = self._exchange(proc, payload)
            finally:
                _kill_group(proc)  # on timeout or overflow; after success, its leftovers
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            reason = printable(tail[0][:200])  # the script's words: no escape sequence passes
            raise BackendError(self.name, f"exit status {proc.returncode}: {reason}")
        return parse_output(out.decode("utf-8", "replace"), request.file_sha256)

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
