"""The doc store: header parsing, path safety, atomic writes, orphans."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from reactor.docs import DocStore, header_line, parse_header
from reactor.errors import NotOurs, UnsafePath

SHA = "a" * 64


@pytest.fixture
def store(tmp_path: Path) -> DocStore:
    (tmp_path / "repo").mkdir()
    return DocStore(tmp_path / "repo", PurePosixPath("DOCS/REPODOCS"))


def test_header_parsing() -> None:
    assert parse_header(header_line(SHA)) == SHA
    assert parse_header(f"SHA256: {SHA}") == SHA
    assert parse_header(f"SHA256: {SHA.upper()}\n") is None
    assert parse_header(f"SHA256:{SHA}\n") is None
    assert parse_header(f"SHA256: {SHA[:-1]}\n") is None
    assert parse_header(f"SHA256: {SHA} trailing\n") is None
    assert parse_header("# no header\n") is None


def test_write_read_and_freshness(store: DocStore) -> None:
    store.write("pkg/mod.py", header_line(SHA) + "\n# doc\n")
    path = store.root / "pkg/mod.py.md"
    assert path.read_text() == header_line(SHA) + "\n# doc\n"
    assert store.header("pkg/mod.py") == SHA
    assert store.read("pkg/mod.py") == path.read_text()
    assert store.header("other.py") is None
    path.write_text("garbage\n")
    assert store.header("pkg/mod.py") is None


@pytest.mark.parametrize("rel", ["../x.py", "a/../../x.py", "/etc/passwd", "", "a\0b.py"])
def test_traversal_is_refused(store: DocStore, rel: str) -> None:
    with pytest.raises(UnsafePath):
        store.write(rel, "x")


def test_symlinked_subdir_pointing_outside_is_refused(store: DocStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store.root.mkdir(parents=True)
    (store.root / "pkg").symlink_to(outside)
    with pytest.raises(UnsafePath, match="outside the output directory"):
        store.write("pkg/mod.py", "x")
    assert list(outside.iterdir()) == []


def test_output_dir_symlinked_outside_is_refused(store: DocStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.repo_root / "DOCS").symlink_to(outside)
    with pytest.raises(UnsafePath, match="outside the repo"):
        store.write("mod.py", "x")
    assert list(outside.iterdir()) == []


def test_symlinked_doc_is_not_read_and_never_replaced(store: DocStore, tmp_path: Path) -> None:
    """A symlink where a doc would go is the user's: not followed, not ours, left alone."""
    target = tmp_path / "target.md"
    target.write_text(header_line(SHA))
    store.root.mkdir(parents=True)
    (store.root / "mod.py.md").symlink_to(target)
    assert store.read("mod.py") is None
    assert store.header("mod.py") is None
    assert store.inspect("mod.py").kind == "foreign"
    with pytest.raises(NotOurs, match="not one of our docs"):
        store.write("mod.py", header_line("b" * 64))
    assert not store.remove("mod.py")
    assert target.read_text() == header_line(SHA)
    assert (store.root / "mod.py.md").is_symlink()


def test_failed_write_keeps_old_doc_and_leaves_no_temp(
    store: DocStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("mod.py", header_line(SHA) + "old\n")

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space"):
        store.write("mod.py", header_line("b" * 64) + "new\n")
    monkeypatch.undo()
    assert (store.root / "mod.py.md").read_text() == header_line(SHA) + "old\n"
    assert [p.name for p in store.root.iterdir()] == ["mod.py.md"]


def test_temp_files_from_a_crash_are_cleaned_and_never_listed(store: DocStore) -> None:
    store.write("a.py", header_line(SHA))
    (store.root / ".a.py.md.x1.reactor-tmp").write_text("SHA256: torn")
    assert [rel for rel, _ in store.iter_docs()] == ["a.py"]
    assert store.remove_temp_files() == 1
    assert [p.name for p in store.root.iterdir()] == ["a.py.md"]


def test_remove_prunes_empty_dirs_and_rename_moves(store: DocStore) -> None:
    store.write("a/b/c.py", header_line(SHA))
    assert store.rename("a/b/c.py", "d/c.py")
    assert store.header("d/c.py") == SHA
    assert not (store.root / "a").exists()
    assert store.remove("d/c.py")
    assert not store.remove("d/c.py")
    assert not (store.root / "d").exists()
    assert store.root.exists()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_docs_get_the_usual_mode_under_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        (tmp_path / "repo").mkdir()
        store = DocStore(tmp_path / "repo", PurePosixPath("DOCS/REPODOCS"))  # reads the umask
        path = store.write("pkg/mod.py", header_line(SHA) + "\n# doc\n")
        store.write("pkg/mod.py", header_line(SHA) + "\n# doc again\n")  # a replacement too
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_status_from_the_api_counts_every_state(tmp_path: Path) -> None:
    from conftest import FakeBackend, write
    from reactor.config import DocgenConfig
    from reactor.reactor import Reactor

    repo = tmp_path / "repo"
    for rel in ("fresh.py", "stale.py", "missing.py", "gone.py"):
        write(repo, rel, f"# {rel}\n")
    with Reactor.open(repo, config=DocgenConfig(), backend=FakeBackend(), watch=False) as r:
        r.generate(["fresh.py", "stale.py", "gone.py"])
        write(repo, "stale.py", "# edited\n")
        (repo / "gone.py").unlink()
        report = r.status()
    assert (report.sources, report.fresh, report.stale, report.missing, report.orphaned) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert report.stale_paths == ["stale.py"] and report.missing_paths == ["missing.py"]
    assert report.orphaned_paths == ["gone.py"]
    assert report.to_json()["paths"]["orphaned"] == ["gone.py"]
    assert "orphaned:   1" in report.to_text()
