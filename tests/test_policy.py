"""The source policy on a fake filesystem: what is walked, what is refused, and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyfakefs.fake_filesystem import FakeFilesystem

from reactor.config import DocgenConfig
from reactor.policy import NotSource, SourcePolicy, is_secret, looks_binary

ROOT = Path("/repo")


def policy(fs: FakeFilesystem, files: dict[str, str], **changes: object) -> SourcePolicy:
    for rel, text in files.items():
        fs.create_file(ROOT / rel, contents=text)
    if not fs.exists(ROOT):
        fs.create_dir(ROOT)
    return SourcePolicy(ROOT, DocgenConfig().replace(**changes))


def walked(p: SourcePolicy, under: str = "") -> list[str]:
    return sorted(rel for rel, _ in p.walk(under))


def test_walk_applies_nested_gitignore_and_negation(fs: FakeFilesystem) -> None:
    p = policy(
        fs,
        {
            ".gitignore": "build/\n*.gen.py\n",
            "a.py": "",
            "b.gen.py": "",
            "build/out.py": "",
            "sub/.gitignore": "local_*.py\n!local_keep.py\n",
            "sub/local_x.py": "",
            "sub/local_keep.py": "",
            "sub/deep/local_y.py": "",
            "sub/deep/ok.py": "",
            "other/local_z.py": "",
            ".git/info/exclude": "private.py\n",
            "private.py": "",
        },
    )
    assert walked(p) == ["a.py", "other/local_z.py", "sub/deep/ok.py", "sub/local_keep.py"]
    assert p.reason_to_skip("sub/local_x.py") == "gitignored or excluded"
    assert p.reason_to_skip("build/out.py") == "in an ignored or excluded directory"
    assert p.reason_to_skip("sub/local_keep.py") is None


def test_include_and_exclude(fs: FakeFilesystem) -> None:
    files = {"a.py": "", "b.rs": "", "notes.txt": "", "vendor/v.py": "", "docs/x.md": ""}
    p = policy(fs, files, include=["*.py", "docs/*.md"], exclude=["vendor/"])
    assert walked(p) == ["a.py", "docs/x.md"]
    assert p.reason_to_skip("b.rs") == "not matched by include"
    assert p.reason_to_skip("vendor/v.py") == "in an ignored or excluded directory"


def test_never_dirs_output_dir_and_secrets(fs: FakeFilesystem) -> None:
    files = {
        "ok.py": "",
        ".git/hooks/pre.py": "",
        ".llmc/x.py": "",
        "node_modules/m.js": "",
        "DOCS/REPODOCS/ok.py.md": "",
        "DOCS/REPODOCS/gen.py": "",
        ".env": "",
        ".env.local": "",
        "deploy/server.pem": "",
        "keys/id_rsa": "",
        "home/.ssh/config.py": "",
        "cert.key": "",
    }
    p = policy(fs, files, include=["*"])
    assert walked(p) == ["ok.py"]
    assert "secret" in (p.reason_to_skip(".env") or "")
    assert "output directory" in (p.reason_to_skip("DOCS/REPODOCS/gen.py") or "")
    assert p.reason_to_skip("../etc/passwd") == "not a clean repo-relative path"
    assert p.reason_to_skip("/etc/passwd") == "not a clean repo-relative path"


def test_size_limit_and_symlinks(fs: FakeFilesystem) -> None:
    fs.create_file("/outside/secret.py", contents="x = 1\n")
    p = policy(fs, {"small.py": "x\n", "big.py": "x" * 100, "real.py": "y\n"}, max_file_bytes=50)
    fs.create_symlink(ROOT / "escape.py", "/outside/secret.py")
    fs.create_symlink(ROOT / "alias.py", ROOT / "real.py")
    fs.create_symlink(ROOT / "loop", ROOT)  # directory symlinks are never followed
    # a file over max_file_bytes is still a source (indexed, reported as too large; see observe)
    assert walked(p) == ["alias.py", "big.py", "real.py", "small.py"]
    assert p.stat_source("escape.py") == NotSource("symlink leaving the repo")


def test_walk_under_a_subtree(fs: FakeFilesystem) -> None:
    p = policy(fs, {"a/x.py": "", "a/b/y.py": "", "c/z.py": "", ".gitignore": "c/\n"})
    assert walked(p, "a") == ["a/b/y.py", "a/x.py"]
    assert walked(p, "c") == []
    assert walked(p, "missing") == []


def test_gitignore_cache_is_forgotten_on_change(fs: FakeFilesystem) -> None:
    p = policy(fs, {".gitignore": "x.py\n", "x.py": ""})
    assert p.reason_to_skip("x.py") is not None
    Path(ROOT / ".gitignore").write_text("")
    assert p.reason_to_skip("x.py") is not None  # still cached
    p.forget_gitignore("")
    assert p.reason_to_skip("x.py") is None


@pytest.mark.parametrize(
    "rel",
    [
        ".env",
        ".env.production",
        "prod.env",
        "a/b/server.PEM",
        "id_rsa",
        "id_ed25519.pub",
        "x.p12",
        ".netrc",
        ".aws/credentials",
        "tls/site.key",
    ],
)
def test_secret_patterns(rel: str) -> None:
    assert is_secret(rel)


@pytest.mark.parametrize("rel", ["env.py", "keys.py", "src/secrets_manager.py", "pem.rs"])
def test_not_secrets(rel: str) -> None:
    assert not is_secret(rel)


def test_binary_sniff() -> None:
    assert looks_binary(b"abc\x00def")
    assert not looks_binary("héllo\n".encode())
    assert not looks_binary(b"x" * 9000 + b"\x00")  # only the first 8 KiB are sniffed
