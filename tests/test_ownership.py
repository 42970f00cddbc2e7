"""What is ours: only `<source>.md` with a valid SHA256 header. Everything else in the output dir
is the user's — never deleted, moved or overwritten — and mass removal is braked."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, write
from reactor import cli
from reactor.docs import removal_held, removal_limit
from reactor.reactor import Reactor
from reactor.scheduler import RESCAN_INTERVAL_SECONDS, SKIP_RETRY_SECONDS, SWEEP_INTERVAL_SECONDS

MakeReactor = Callable[..., Reactor]
DOCS = "DOCS/REPODOCS"


def settle(reactor: Reactor, clock: FakeClock, rounds: int = 500) -> None:
    """Tick as a host loop would, moving the clock to each due time, until nothing is due."""
    for _ in range(rounds):
        if not reactor.tick().work_done:
            due = reactor.seconds_until_due()
            if due is None or due >= SKIP_RETRY_SECONDS:  # only skipped files' backoffs left
                return
            clock.advance(max(due, 0.01))
    raise AssertionError("never settled")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_hand_written_pages_survive_100_idle_ticks_with_sweeps(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = write(repo, f"{DOCS}/README.md", "# Our docs\n\nWritten by hand.\n")
    index_page = write(repo, f"{DOCS}/index.md", "- [util](pkg/util.py.md)\n")
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        subprocess.run(
            ["git", "add", f"{DOCS}/README.md", f"{DOCS}/index.md"], cwd=repo, check=True
        )
    before = {p: p.read_bytes() for p in (readme, index_page)}
    reactor = make_reactor(watch=True, pages=True)  # the repository's page: in README's place
    for _ in range(100):  # every tick a minute on: sweeps and hourly rescans come due
        reactor.tick()
        clock.advance(max(SWEEP_INTERVAL_SECONDS, RESCAN_INTERVAL_SECONDS) / 50)
    assert {p: p.read_bytes() for p in before} == before
    assert doc_header(repo, "pkg/util.py") == f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
    code, out, _ = run(capsys, "check", "--repo", str(repo))
    assert code == 0, out
    report = reactor.status()
    assert report.orphaned == 0 and report.foreign == ["README.md", "index.md"]


def test_a_file_of_the_users_where_a_doc_would_go_is_left_alone(
    make_reactor: MakeReactor,
    repo: Path,
    clock: FakeClock,
    backend: FakeBackend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mine = write(repo, f"{DOCS}/main.c.md", "notes about main, by hand\n")
    (repo / DOCS / "pkg/util.py.md").mkdir(parents=True)  # a directory in the way
    caplog.set_level(logging.WARNING, logger="reactor")
    reactor = make_reactor()
    settle(reactor, clock)
    assert mine.read_text() == "notes about main, by hand\n"
    assert (repo / DOCS / "pkg/util.py.md").is_dir()
    assert "main.c" not in backend.paths and "pkg/util.py" not in backend.paths  # never sent
    assert doc_header(repo, "pkg/__init__.py") is not None  # the rest goes on
    assert any("main.c" in m and "not one of our docs" in m for m in caplog.messages)
    assert any("pkg/util.py" in m and "directory is in the way" in m for m in caplog.messages)
    report = reactor.status()
    assert report.skipped["foreign"] == ["main.c", "pkg/util.py"]
    ticks = [reactor.tick() for _ in range(5)]  # backed off: no retry storm, no traceback
    assert all(t.path not in ("main.c", "pkg/util.py") for t in ticks)
    outcomes = {o.path: o for o in reactor.generate(["main.c", "pkg/util.py"])}
    assert outcomes["main.c"].status == "skipped" and outcomes["main.c"].skip == "foreign"
    assert "directory is in the way" in outcomes["pkg/util.py"].reason


def test_a_directory_in_the_way_is_a_reason_from_the_cli(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / DOCS / "main.c.md").mkdir(parents=True)
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "generate", "main.c")
    assert code == 1 and "Traceback" not in err
    assert "skipped: main.c: DOCS/REPODOCS/main.c.md: a directory is in the way" in err
    code, out, _ = run(capsys, "check", "--repo", str(repo))
    assert "skipped main.c (foreign file in the way)" in out


def test_include_nothing_removes_no_doc_and_says_why(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(47):
        write(repo, f"mods/m{i}.py", f"X = {i}\n")
    assert run(capsys, "generate", "--all", "--repo", str(repo))[0] == 0
    docs = sorted((repo / DOCS).rglob("*.md"))
    assert len(docs) == 50 + 3  # and the pages of the repository, pkg/ and mods/: kept too
    write(repo, "llmc.toml", "[docs.docgen]\ninclude = []\n")
    code, out, err = run(capsys, "generate", "--all", "--repo", str(repo))
    assert code == 0 and sorted((repo / DOCS).rglob("*.md")) == docs
    assert "held back: 50 orphaned docs not removed" in err and "--prune" in err
    code, out, _ = run(capsys, "status", "--repo", str(repo))
    assert "orphaned:   50 (held back" in out
    code, out, err = run(capsys, "check", "--repo", str(repo))
    assert code == 1 and "`reactor generate --prune` removes them" in err
    code, out, err = run(capsys, "generate", "--prune", "--repo", str(repo))
    assert code == 0 and "50 removed" in out
    assert list((repo / DOCS).rglob("*.md")) == []


def test_a_handful_of_orphans_goes_at_once_and_a_flood_is_held_in_the_daemon(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(40):
        write(repo, f"mods/m{i}.py", f"X = {i}\n")
    reactor = make_reactor()
    settle(reactor, clock)
    for i in range(3):
        (repo / f"mods/m{i}.py").unlink()
    reactor.notify_rescan("mods")
    settle(reactor, clock)
    assert not any((repo / DOCS / f"mods/m{i}.py.md").exists() for i in range(3))  # automatic
    caplog.set_level(logging.WARNING, logger="reactor")
    shutil.rmtree(repo / "mods")  # 37 of 40 docs at once: more than max(20, 25%)
    reactor.notify_rescan("mods")
    settle(reactor, clock)
    assert len(list((repo / DOCS / "mods").glob("*.md"))) == 37
    assert reactor.scheduler.held_back == 37
    assert sum("not removing 37 docs" in m for m in caplog.messages) == 1  # said once
    assert reactor.seconds_until_due() is None  # held: nothing due, no hot loop
    reactor.generate(prune=True, paths=[])
    assert not (repo / DOCS / "mods").exists()


def test_orphans_found_by_the_sweep_are_braked_too(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock
) -> None:
    for i in range(30):  # docs LLMC's batch tool left, for sources the index never knew
        write(repo, f"{DOCS}/legacy/l{i}.py.md", "SHA256: " + "0" * 64 + "\nold\n")
    reactor = make_reactor()
    settle(reactor, clock)
    clock.advance(SWEEP_INTERVAL_SECONDS)
    settle(reactor, clock)
    assert len(list((repo / DOCS / "legacy").glob("*.md"))) == 30  # 30 of 33: held
    shutil.rmtree(repo / DOCS / "legacy")
    for i in range(3):
        write(repo, f"{DOCS}/legacy/l{i}.py.md", "SHA256: " + "0" * 64 + "\nold\n")
    with reactor.index.write():
        reactor.index._db.execute("DELETE FROM tombstones")
    clock.advance(SWEEP_INTERVAL_SECONDS)
    settle(reactor, clock)
    assert not (repo / DOCS / "legacy").exists()  # three: removed without asking


@pytest.mark.parametrize(
    ("total", "limit"),
    [(0, 0), (1, 0), (2, 1), (5, 2), (10, 5), (30, 15), (40, 20), (100, 25), (1000, 250)],
)
def test_the_brake_holds_every_doc_and_most_of_a_small_repo(total: int, limit: int) -> None:
    assert removal_limit(total) == limit
    assert removal_held(total, total) or total == 0  # every doc: never unconfirmed
    assert not removal_held(limit, total)
    assert removal_held(limit + 1, total) or limit + 1 > total


def test_include_nothing_in_a_small_repo_removes_no_doc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = tmp_path / "small"
    for i in range(5):
        write(small, f"m{i}.py", f"X = {i}\n")
    assert run(capsys, "generate", "--all", "--repo", str(small))[0] == 0
    docs = sorted((small / DOCS).rglob("*.md"))
    assert len(docs) == 5 + 1  # and the repository's page: kept too
    write(small, "llmc.toml", "[docs.docgen]\ninclude = []\n")
    code, _, err = run(capsys, "generate", "--all", "--repo", str(small))
    assert code == 0 and sorted((small / DOCS).rglob("*.md")) == docs
    assert "held back: 5 orphaned docs not removed" in err
    (small / "llmc.toml").unlink()
    for i in (3, 4):  # deleting two files of five is what deleting files looks like
        (small / f"m{i}.py").unlink()
    assert run(capsys, "generate", "--all", "--repo", str(small))[0] == 0
    assert len(list((small / DOCS).rglob("*.md"))) == 3 + 1  # and the repository's page
