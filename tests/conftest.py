"""Shared fixtures: temp repos, a fake clock, a scripted backend, and leak checks."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from markdown_check import TOTALS, check_tree, recording

from reactor.backends import Backend, DocRequest, Generated, NoOp
from reactor.config import DocgenConfig
from reactor.errors import BackendError
from reactor.reactor import Reactor


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class FakeBackend(Backend):
    """Records requests; ``fail`` decides per path whether to raise; ``body`` makes the doc."""

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[DocRequest] = []
        self.fail: Callable[[str], bool] = lambda rel: False
        self.noop: Callable[[str], bool] = lambda rel: False
        self._lock = threading.Lock()

    def generate(self, request: DocRequest) -> Generated | NoOp:
        with self._lock:
            self.requests.append(request)
        if self.fail(request.relative_path):
            raise BackendError(self.name, "scripted failure")
        if self.noop(request.relative_path):
            return NoOp("scripted no-op")
        return Generated(f"# {request.relative_path}\n\nfake doc\n")

    @property
    def paths(self) -> list[str]:
        with self._lock:
            return [r.relative_path for r in self.requests]


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    """Wait for state that another thread or process changes; the timeout is a safety net.

    For state with no event to wait on (a file another process writes, a loop's sleep).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.01)  # the poll interval of a state wait, not a fixed wait


def tick_until(reactor: Reactor, done: Callable[[], bool], timeout: float = 120.0) -> None:
    """Tick as a host loop would, waking on filesystem events, until ``done()``.

    For a reactor with a real watcher; the timeout is a safety net against a hang, not a speed
    requirement.
    """
    wake = threading.Event()
    reactor.dirty.add_listener(wake.set)
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "condition not reached in time"
        if not reactor.tick().work_done:
            wake.wait(0.05)
            wake.clear()


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small repo: two Python modules importing each other, a C file, a secret, a binary."""
    root = tmp_path / "repo"
    write(root, "pkg/__init__.py", '"""The package."""\nfrom . import util\n')
    write(root, "pkg/util.py", '"""Helpers."""\n\ndef helper(x: int) -> int:\n    return x\n')
    write(root, "main.c", "// entry point\nint main(void) { return 0; }\n")
    write(root, ".env", "API_KEY=hunter2\n")
    write(root, "blob.py", b"\x00\x01binary")
    return root


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def make_reactor(
    repo: Path, clock: FakeClock, backend: FakeBackend
) -> Iterator[Callable[..., Reactor]]:
    """Open reactors on ``repo`` with the fake clock and backend; all closed at teardown."""
    opened: list[Reactor] = []

    def make(*, watch: bool = False, **changes: object) -> Reactor:
        config = DocgenConfig().replace(
            # pages off: a tick here is one file's doc (pages have their own tests, test_pages)
            **{"idle_after_seconds": 10.0, "settle_seconds": 0.5, "pages": False, **changes}
        )
        reactor = Reactor.open(repo, config=config, clock=clock, watch=watch, backend=backend)
        opened.append(reactor)
        return reactor

    yield make
    for reactor in opened:
        reactor.close()


@pytest.fixture(autouse=True)
def _no_leaked_threads_or_processes() -> Iterator[None]:
    """Every test must stop the threads (observers, servers) and processes it starts."""
    me = psutil.Process()
    before = set(threading.enumerate())
    children_before = {p.pid for p in me.children(recursive=True)}
    yield
    for _ in range(50):
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked:
            break
        leaked[0].join(timeout=0.1)
    else:
        pytest.fail(f"leaked threads: {leaked}")
    for _ in range(50):
        alive = [p for p in me.children(recursive=True) if p.pid not in children_before]
        alive = [p for p in alive if _running(p)]
        if not alive:
            return
        time.sleep(0.1)  # the poll interval of a state wait: children take a moment to exit
    pytest.fail(f"leaked processes: {[(p.pid, p.cmdline()) for p in alive]}")


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(autouse=True)
def _quiet_reactor_logger() -> Iterator[None]:
    """The CLI sets propagate=False on 'reactor'; undo it so caplog sees records."""
    yield
    logger = logging.getLogger("reactor")
    logger.propagate = True
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


@pytest.fixture(autouse=True)
def _docs_render_as_meant(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every doc a test writes is parsed as CommonMark: the headings, lists and code blocks
    are the ones its renderer built, and the SHA256 line and inputs comment stay as they are;
    docs a ``reactor`` subprocess left in the test's ``tmp_path`` are checked afterwards for
    the contract (see ``markdown_check``)."""
    with recording() as recorder:
        yield
    tmp = request.node.funcargs.get("tmp_path")
    if isinstance(tmp, Path) and tmp.is_dir():
        check_tree(tmp, recorder)
    if recorder.problems:
        pytest.fail("docs that do not render as meant:\n" + "\n".join(recorder.problems))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(
        f"markdown check: {TOTALS.planned + TOTALS.contract_only + TOTALS.on_disk} docs "
        f"parsed, {TOTALS.planned} against the blocks their renderer built, "
        f"{TOTALS.on_disk} written by subprocesses, {len(TOTALS.problems)} problems"
    )


def sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def doc_header(root: Path, rel: str) -> str | None:
    doc = root / "DOCS/REPODOCS" / f"{rel}.md"
    if not doc.exists():
        return None
    return doc.read_text().split("\n", 1)[0]


@pytest.fixture
def small_fs() -> Iterator[Path]:
    """A real 4 MB tmpfs, to be filled (needs root, as CI runs); skipped with the reason
    elsewhere (the injected-ENOSPC tests cover the full disk there)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mountpoint = Path(tempfile.mkdtemp(prefix="reactor-small-fs-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        mountpoint.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)
        mountpoint.rmdir()
