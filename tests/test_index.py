"""The SQLite index: incremental refresh, rowid seeks, import edges, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from conftest import write
from reactor import migrations
from reactor import scan as scan_module
from reactor.config import DocgenConfig
from reactor.facts.resolve import Resolver
from reactor.graph import neighbours
from reactor.index import FileIndex
from reactor.observe import Known, observe
from reactor.policy import SourcePolicy
from reactor.scan import RefreshStats, Scan


def refresh(index: FileIndex, policy: SourcePolicy) -> RefreshStats:
    return Scan(index, policy, Resolver(policy.root)).run()


@pytest.fixture
def policy(repo: Path) -> SourcePolicy:
    return SourcePolicy(repo, DocgenConfig())


@pytest.fixture
def index(repo: Path) -> FileIndex:
    idx = FileIndex.for_repo(repo)
    yield idx
    idx.close()


def count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths the scan reads (what it observes beyond a stat)."""
    hashed: list[str] = []
    real = scan_module.observe_stat

    def counting(policy: SourcePolicy, rel: str, st: os.stat_result, known: Known | None, **kw):  # type: ignore[no-untyped-def]
        obs = real(policy, rel, st, known, **kw)
        if obs.state != "unchanged":
            hashed.append(rel)
        return obs

    monkeypatch.setattr(scan_module, "observe_stat", counting)
    return hashed


def test_refresh_is_incremental(
    repo: Path, policy: SourcePolicy, index: FileIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed = count_hashes(monkeypatch)
    stats = refresh(index, policy)
    assert stats.added == 3 and stats.seen == 4  # .env never indexed; blob.py skipped
    assert sorted(hashed) == ["blob.py", "main.c", "pkg/__init__.py", "pkg/util.py"]
    assert index.count() == 3  # blob.py is binary: indexed (so it is not re-read), skipped
    blob = index.get("blob.py")
    assert blob is not None and blob.skip == "binary"

    hashed.clear()
    stats = refresh(index, policy)
    assert hashed == [] and stats.added == stats.changed == stats.removed == 0

    os.utime(repo / "main.c", ns=(1, 1))  # a touch: stat changed, content did not
    write(repo, "pkg/util.py", "def helper(): return 2\n")
    (repo / "pkg/__init__.py").unlink()
    stats = refresh(index, policy)
    assert sorted(hashed) == ["main.c", "pkg/util.py"]
    assert stats.touched == 1 and stats.changed_paths == ["pkg/util.py"]
    assert stats.removed_paths == ["pkg/__init__.py"]


def test_observe_reads_the_disk_once_per_change(
    repo: Path, policy: SourcePolicy, index: FileIndex
) -> None:
    refresh(index, policy)
    row = index.get("main.c")
    assert row is not None
    obs = observe(policy, "main.c", row.known)
    assert obs.state == "unchanged" and obs.data is None  # size and mtime match: not read
    write(repo, "main.c", "int main(void) { return 1; }\n")
    obs = observe(policy, "main.c", row.known)
    assert obs.state == "read" and obs.data == (repo / "main.c").read_bytes()
    assert obs.sha256 != row.sha256
    (repo / "main.c").unlink()
    assert observe(policy, "main.c", row.known).state == "gone"
    gone = observe(policy, ".env")
    assert gone.state == "gone" and "secret" in gone.detail  # never opened


def test_rows_after_seeks_and_skips_binaries(policy: SourcePolicy, index: FileIndex) -> None:
    refresh(index, policy)
    rows = index.rows_after(0, 100)
    assert [r.id for r in rows] == sorted(r.id for r in rows)  # id order: one index seek
    assert len(rows) == 4 and [r.path for r in rows if r.skip] == ["blob.py"]
    first = rows[0]
    assert [r.id for r in index.rows_after(first.id, 1)] == [rows[1].id]
    assert index.rows_after(index.max_id(), 5) == []


def test_neighbours_resolve_relative_and_src_layout(repo: Path, index: FileIndex) -> None:
    write(repo, "src/app/core.py", "from app import helpers\nimport app.models as m\n")
    write(repo, "src/app/helpers.py", "def help_me(): ...\nclass Helper: ...\nLIMIT = 3\n")
    write(repo, "src/app/models.py", "class Model: ...\n")
    write(repo, "src/app/cli.py", "from .core import *\n")
    policy = SourcePolicy(repo, DocgenConfig())
    refresh(index, policy)
    imports, importers = neighbours(index, "src/app/core.py")
    assert [n.path for n in imports] == ["src/app/helpers.py", "src/app/models.py"]
    # `from app import helpers` uses no name of helpers.py: nothing of it is claimed
    assert imports[0].shown == ()
    assert [n.path for n in importers] == ["src/app/cli.py"]
    imports, importers = neighbours(index, "pkg/util.py")
    assert imports == [] and [n.path for n in importers] == ["pkg/__init__.py"]


def test_migrations_are_named_recorded_and_idempotent(repo: Path, index: FileIndex) -> None:
    index.close()
    again = FileIndex.for_repo(repo)
    again.close()
    db = sqlite3.connect(repo / ".llmc/reactor.db")
    names = [r[0] for r in db.execute("SELECT name FROM migrations")]
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    db.close()
    assert names == [name for name, _ in migrations.MIGRATIONS]
    assert mode == "wal"


def test_an_old_database_is_migrated_in_place(repo: Path) -> None:
    """A `.llmc/reactor.db` from the first release (only 0001) upgrades and keeps its rows."""
    db_path = repo / ".llmc/reactor.db"
    db_path.parent.mkdir(parents=True)
    db = sqlite3.connect(db_path, isolation_level=None)
    name, sql = migrations.MIGRATIONS[0]
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
    db.execute(
        "INSERT INTO files (path, size, mtime_ns, blake3, sha256, failures) "
        "VALUES ('main.c', 1, 2, 'b3', 'sha', 3)"
    )
    db.close()
    index = FileIndex.for_repo(repo)
    try:
        row = index.get("main.c")
        assert row is not None and row.failures == 3  # the old bookkeeping survives
        index.remove_paths(["main.c"])  # 0003's table is there and used
        assert [t.path for t in index.tombstones(10)] == ["main.c"]
        assert index.find_by_blake3("b3", exclude="") == []  # 0002's index serves lookups
    finally:
        index.close()
    db = sqlite3.connect(db_path)
    names = [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")]
    db.close()
    assert names == [n for n, _ in migrations.MIGRATIONS]


def test_graph_context_is_bounded() -> None:
    from reactor.graph import MAX_NEIGHBOURS, MAX_SYMBOLS, Neighbour, format_context

    many = [
        Neighbour(f"m{i:02}.py", tuple(f"def f{j}" for j in range(MAX_SYMBOLS + 5)))
        for i in range(MAX_NEIGHBOURS + 3)
    ]
    text = format_context(many, [Neighbour("user.py", ())])
    assert text is not None
    imports, importers = text.split("\n\nImported by:\n")
    assert imports.count("\n- m") == MAX_NEIGHBOURS  # the extra neighbours are cut, and said
    assert imports.endswith("\n- … (+3 more files)")
    assert "m14.py" not in text and "… (+5 more)" in text and f"def f{MAX_SYMBOLS}`" not in text
    assert importers == "- user.py"
    assert format_context([], []) is None


def test_neighbours_show_the_names_used_and_their_signatures(repo: Path, index: FileIndex) -> None:
    write(repo, "lib/shapes.py", "def area(r: float) -> float: ...\ndef unused(): ...\nPI = 3\n")
    write(repo, "lib/app.py", "from .shapes import area, PI\n")
    refresh(index, SourcePolicy(repo, DocgenConfig()))
    (imported,), _ = neighbours(index, "lib/app.py")
    assert imported.path == "lib/shapes.py" and imported.shown == (
        "def area(r: float) -> float",
        "PI",
    )
    _, (importer,) = neighbours(index, "lib/shapes.py")
    assert importer.path == "lib/app.py" and importer.shown == ("area", "PI")
