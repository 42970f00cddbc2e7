"""Fresh means true: a doc is outdated when anything it was made from changes — its path, its
neighbours as rendered, the backend — and is refreshed after every stale and missing doc, at a
bounded rate for model backends; docs of a branch come back from the doc cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, sha256_of, tick_until, write
from reactor import cli
from reactor.backends.outline import OutlineBackend
from reactor.config import DocgenConfig
from reactor.reactor import Reactor

DOCS = "DOCS/REPODOCS"


def settle(reactor: Reactor, clock: FakeClock, rounds: int = 500) -> list[str]:
    """Tick as a host loop would, moving the clock to each due time; the work statuses."""
    done = []
    for _ in range(rounds):
        result = reactor.tick()
        if result.work_done:
            done.append(result.status)
            continue
        due = reactor.seconds_until_due()
        if due is None or due > 1000:
            return done
        clock.advance(max(due, 0.01))
    raise AssertionError("never settled")


def doc(repo: Path, rel: str) -> str:
    return (repo / DOCS / f"{rel}.md").read_text()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/util.py", "def helper(x: int) -> int:\n    return x\n\n\ndef spare(): ...\n")
    write(
        root, "pkg/main.py", "from pkg.util import helper\n\n\ndef main():\n    return helper(1)\n"
    )
    return root


def open_reactor(root: Path, clock: FakeClock, backend: object, **changes: object) -> Reactor:
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.1, **changes)
    return Reactor.open(root, config=config, clock=clock, backend=backend, watch=False)  # type: ignore[arg-type]


def test_a_rename_is_told_in_its_doc_and_in_its_importers(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock, OutlineBackend()) as reactor:
        settle(reactor, clock)
        assert "pkg/util.py: `def helper(x: int) -> int`" in doc(project, "pkg/main.py")
        (project / "pkg/util.py").rename(project / "pkg/tools.py")
        write(
            project,
            "pkg/main.py",
            "from pkg.tools import helper\n\n\ndef main():\n    return helper(1)\n",
        )
        reactor.notify(["pkg/util.py", "pkg/tools.py", "pkg/main.py"])
        settle(reactor, clock)
        assert doc(project, "pkg/tools.py").split("\n")[2] == "# `pkg/tools.py`"
        assert "pkg/tools.py: `def helper(x: int) -> int`" in doc(project, "pkg/main.py")
        assert not (project / DOCS / "pkg/util.py.md").exists()
        assert all("pkg/util.py" not in p.read_text() for p in (project / DOCS).rglob("*.md"))
        report = reactor.status()
        assert (report.fresh, report.outdated, report.stale) == (3, 0, 0)


def test_a_deleted_neighbour_is_named_by_no_doc(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock, OutlineBackend()) as reactor:
        settle(reactor, clock)
        (project / "pkg/util.py").unlink()
        reactor.notify(["pkg/util.py"])
        settle(reactor, clock)
        assert all("pkg/util.py" not in p.read_text() for p in (project / DOCS).rglob("*.md"))


def test_only_what_is_shown_outdates_an_importer(project: Path, clock: FakeClock) -> None:
    backend = FakeBackend()
    with open_reactor(project, clock, backend) as reactor:
        settle(reactor, clock)
        write(
            project,
            "pkg/util.py",
            "def helper(x: int) -> int:\n    return x * 2\n\n\ndef spare(): ...\n",
        )
        reactor.notify(["pkg/util.py"])
        settle(reactor, clock)
        assert reactor.status().outdated == 0  # a body edit: the same graph context
        write(
            project,
            "pkg/util.py",
            "def helper(x: int) -> int:\n    return x\n\n\ndef spare(y): ...\n",
        )
        reactor.notify(["pkg/util.py"])
        settle(reactor, clock)
        assert reactor.status().outdated == 0  # `spare` is not what main.py imports
        write(
            project,
            "pkg/util.py",
            "def helper(x: str) -> str:\n    return x\n\n\ndef spare(y): ...\n",
        )
        reactor.notify(["pkg/util.py"])
        clock.advance(0.2)
        reactor.tick()
        report = reactor.status()
        assert report.outdated_reasons["neighbours"] == ["pkg/main.py"]  # a used signature


def test_another_backend_outdates_every_doc(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock, FakeBackend()) as reactor:
        settle(reactor, clock)

    class Other(FakeBackend):
        def identity(self) -> str:
            return "another model"

    other = Other()
    with open_reactor(project, clock, other, refresh_outdated_per_hour=0) as reactor:
        reactor.tick()  # whoever makes docs judges them by its own identity
        report = reactor.status()
        assert report.outdated == 3 and report.fresh == 0
        assert sorted(report.outdated_reasons["backend"]) == [
            "pkg/__init__.py",
            "pkg/main.py",
            "pkg/util.py",
        ]
        settle(reactor, clock)
        assert other.requests == []  # refresh_outdated_per_hour = 0: never by the daemon
        outcomes = reactor.generate()  # a batch run refreshes them
        assert sorted(o.path for o in outcomes if o.status == "generated") == sorted(
            report.outdated_reasons["backend"]
        )
        assert reactor.status().outdated == 0


def test_outdated_refreshes_are_rate_bounded_for_a_model_backend(
    tmp_path: Path, clock: FakeClock
) -> None:
    root = tmp_path / "ripple"
    write(root, "core.py", "def api(x): ...\n")
    for i in range(10):
        write(root, f"user{i}.py", "from core import api\n")
    backend = FakeBackend()
    with open_reactor(root, clock, backend, refresh_outdated_per_hour=60) as reactor:
        settle(reactor, clock)
        backend.requests.clear()
        write(root, "core.py", "def api(x, y): ...\n")  # every user shows api's signature
        reactor.notify(["core.py"])
        started = clock()
        statuses = settle(reactor, clock)
        refreshed = [r.relative_path for r in backend.requests if r.relative_path != "core.py"]
        assert sorted(refreshed) == [f"user{i}.py" for i in range(10)]
        assert statuses.count("generated") == 11
        # core.py first (stale), then one user a minute (60 per hour)
        assert clock() - started >= 9 * 60
        assert reactor.status().outdated == 0


def test_a_branch_flip_back_restores_docs_without_the_backend(
    project: Path, clock: FakeClock
) -> None:
    backend = FakeBackend()
    branch_a = {rel: (project / rel).read_text() for rel in ("pkg/util.py", "pkg/main.py")}
    branch_b = {
        "pkg/util.py": "def helper(x: int, y: int) -> int:\n    return x + y\n",
        "pkg/main.py": "from pkg.util import helper\n\n\ndef main():\n    return helper(1, 2)\n",
    }

    def checkout(files: dict[str, str]) -> None:
        for rel, text in files.items():
            write(project, rel, text)
        reactor.notify(list(files))

    with open_reactor(project, clock, backend) as reactor:
        settle(reactor, clock)
        first = len(backend.requests)
        checkout(branch_b)
        settle(reactor, clock)
        assert len(backend.requests) == first + 2  # branch b's docs are new
        calls = len(backend.requests)
        for files in (branch_a, branch_b, branch_a, branch_b):
            checkout(files)
            statuses = settle(reactor, clock)
            assert "restored" in statuses
            for rel in files:
                assert doc(project, rel).startswith(f"SHA256: {sha256_of(project / rel)}")
        assert len(backend.requests) == calls  # every flip back came from the doc cache
        assert reactor.cache.restored >= 8


def test_check_strict_fails_on_outdated_and_check_does_not(
    project: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_reactor(project, clock, OutlineBackend()) as reactor:
        settle(reactor, clock)
    assert cli.main(["check", "--repo", str(project), "--strict"]) == 0
    write(project, "pkg/util.py", "def helper(x: str) -> str:\n    return x\n")
    assert cli.main(["generate", str(project / "pkg/util.py"), "--repo", str(project)]) == 0
    capsys.readouterr()
    assert cli.main(["check", "--repo", str(project)]) == 0  # SHA-only, as LLMC's contract
    assert cli.main(["check", "--repo", str(project), "--strict"]) == 1
    out, err = capsys.readouterr()
    assert "outdated pkg/main.py (neighbours)" in out and "1 outdated" in err
    (project / ".llmc").rename(project / ".llmc-away")  # a CI checkout: no index at all
    assert cli.main(["check", "--repo", str(project), "--strict"]) == 1
    assert not (project / ".llmc").exists()  # still writes nothing


def _workspace(root: Path) -> None:
    write(root, "Cargo.toml", '[workspace]\nmembers = ["crates/*"]\n')
    write(root, "crates/a/src/lib.rs", "/// Adds.\npub fn add(x: i32) -> i32 { x }\n")
    write(root, "crates/b/Cargo.toml", '[package]\nname = "beta"\n')
    write(root, "crates/b/src/lib.rs", "use alpha_core::add;\n\npub fn two() -> i32 { add(2) }\n")


WIRED = "crates/a/src/lib.rs: `pub fn add(x: i32) -> i32`"


def test_a_manifest_change_resolves_imports_anew(tmp_path: Path, clock: FakeClock) -> None:
    """``crates/a`` becomes the crate ``alpha-core``: what imports it gains the neighbour, and
    loses it when the crate is renamed, with no source edited."""
    _workspace(tmp_path)
    with open_reactor(tmp_path, clock, OutlineBackend()) as reactor:
        settle(reactor, clock)
        assert WIRED not in doc(tmp_path, "crates/b/src/lib.rs")
        write(tmp_path, "crates/a/Cargo.toml", '[package]\nname = "alpha-core"\n')
        reactor.notify(["crates/a/Cargo.toml"])
        settle(reactor, clock)
        assert WIRED in doc(tmp_path, "crates/b/src/lib.rs")
        assert "Imported by:\n- crates/b/src/lib.rs" in doc(tmp_path, "crates/a/src/lib.rs")
        write(tmp_path, "crates/a/Cargo.toml", '[package]\nname = "alpha-two"\n')
        reactor.notify(["crates/a/Cargo.toml"])
        settle(reactor, clock)
        assert WIRED not in doc(tmp_path, "crates/b/src/lib.rs")
        assert "Imported by" not in doc(tmp_path, "crates/a/src/lib.rs")
        assert reactor.status().outdated == 0


def test_a_manifest_changed_while_stopped_is_found_on_restart(
    tmp_path: Path, clock: FakeClock
) -> None:
    _workspace(tmp_path)
    with open_reactor(tmp_path, clock, OutlineBackend()) as reactor:
        settle(reactor, clock)
    write(tmp_path, "crates/a/Cargo.toml", '[package]\nname = "alpha-core"\n')
    with open_reactor(tmp_path, clock, OutlineBackend()) as reactor:
        settle(reactor, clock)
        assert WIRED in doc(tmp_path, "crates/b/src/lib.rs")


def test_the_watcher_sees_a_manifest_change(tmp_path: Path) -> None:
    """End to end with a real observer: a tsconfig ``paths`` entry added under ``watch``."""
    write(tmp_path, "tsconfig.json", '{"compilerOptions": {}}\n')
    write(tmp_path, "src/lib/math.ts", "export function sq(x: number): number { return x * x }\n")
    write(tmp_path, "src/app.ts", 'import { sq } from "@lib/math";\n\nexport const four = sq(2);\n')
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05)
    with Reactor.open(tmp_path, config=config, backend=OutlineBackend()) as reactor:
        reactor.generate()
        assert "src/lib/math.ts" not in doc(tmp_path, "src/app.ts")
        write(
            tmp_path,
            "tsconfig.json",
            '{"compilerOptions": {"baseUrl": ".", "paths": {"@lib/*": ["src/lib/*"]}}}\n',
        )
        wanted = "src/lib/math.ts: `function sq(x: number): number`"
        tick_until(reactor, lambda: wanted in doc(tmp_path, "src/app.ts"))


@pytest.mark.parametrize("docs_on_disk", [False, True], ids=["new-repo", "committed-docs"])
def test_neighbours_are_final_after_the_first_index(
    tmp_path: Path, clock: FakeClock, docs_on_disk: bool
) -> None:
    """The first index is sliced over many ticks, and docs are written (or found on disk and
    their neighbours digested) before it has seen every importer: once it completes, every doc
    shows its whole neighbourhood, so `check --strict` passes and agrees with `status`."""
    root = tmp_path / "chain"
    files = 120
    for i in range(files):  # m{i} imports m{i+1}: each file's importer is walked before it
        imports = f"from m{i + 1:03} import f{i + 1:03}\n\n\n" if i + 1 < files else ""
        write(root, f"m{i:03}.py", f"{imports}def f{i:03}():\n    return {i}\n")
    if docs_on_disk:  # a clone whose docs were committed: made from the whole graph
        with open_reactor(root, clock, OutlineBackend()) as reactor:
            settle(reactor, clock, rounds=5000)
        (root / ".llmc/reactor.db").unlink()
        for extra in (root / ".llmc").glob("reactor.db-*"):
            extra.unlink()
    with open_reactor(root, clock, OutlineBackend(), tick_budget_ms=0.01) as reactor:
        statuses = settle(reactor, clock, rounds=5000)
        assert statuses.count("rescanned") > 3  # the first index took many ticks
        status = reactor.status(refresh_index=False)
        assert status.outdated == 0 and status.stale == status.missing == 0
    assert cli.main(["check", "--repo", str(root), "--strict"]) == 0
    assert "m061.py: `def f061()`" in doc(root, "m060.py")
    assert "m059.py" in doc(root, "m060.py")  # its importer, seen only after m060 was
