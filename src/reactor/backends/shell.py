"""The ``shell`` backend: LLMC's docgen script protocol.

``[script, *args]`` runs without a shell in its own process group; the request JSON goes to
stdin. The script prints the whole doc (first line ``SHA256: <file_sha256>``) or
``NO-OP: <reason>``. Non-zero exit, timeout, or a missing/mismatched header raise
:class:`BackendError`; on timeout the whole process group is killed, so a script's children
cannot linger.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..docs import parse_header
from ..errors import BackendError
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
                out, err = proc.communicate(payload, timeout=self.timeout_seconds)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise BackendError(
                    self.name, f"timed out after {self.timeout_seconds:g}s (process group killed)"
                ) from None
            except BaseException:
                _kill_group(proc)
                raise
            _kill_group(proc)  # children it left behind in its group
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise BackendError(self.name, f"exit status {proc.returncode}: {tail[0][:200]}")
        if len(out) > MAX_OUTPUT_BYTES:
            raise BackendError(self.name, f"output of {len(out)} bytes exceeds {MAX_OUTPUT_BYTES}")
        return parse_output(out.decode("utf-8", "replace"), request.file_sha256)


def parse_output(output: str, file_sha256: str) -> Generated | NoOp:
    """Interpret a script's stdout per the protocol."""
    text = output.strip()
    if text.startswith("NO-OP:"):
        return NoOp(text[len("NO-OP:") :].strip() or "no reason given")
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
