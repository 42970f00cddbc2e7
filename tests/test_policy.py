"""The source policy on a fake filesystem: what is walked, what is refused, and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyfakefs.fake_filesystem import FakeFilesystem

from reactor.config import DocgenConfig
from reactor.errors import ConfigError
from reactor.policy import NOT_A_SCRIPT, NotSource, SourcePolicy, is_secret, looks_binary

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


def test_extensionless_files_are_sources_only_with_a_known_shebang(fs: FakeFilesystem) -> None:
    files = {
        "LICENSE": "MIT License\n",
        "Makefile": "all:\n\ttrue\n",
        "bin/tool": "#!/usr/bin/env python3\nprint(1)\n",
        "bin/run": "#!/bin/sh\necho hi\n",
        "bin/weird": "#!/usr/bin/awk -f\n{print}\n",
    }
    p = policy(fs, files)
    assert walked(p) == ["bin/run", "bin/tool"]
    # the single-path answer is the walk's
    assert p.source_stat("LICENSE") == NotSource(NOT_A_SCRIPT)
    assert p.source_stat("bin/weird") == NotSource(NOT_A_SCRIPT)
    assert not isinstance(p.source_stat("bin/tool"), NotSource)


def test_nested_repositories_are_left_to_themselves(fs: FakeFilesystem) -> None:
    files = {"a.py": "", "vendor/lib/.git/HEAD": "", "vendor/lib/x.py": "", "sub/.git": ""}
    files |= {"sub/y.py": "", "vendor/own.py": ""}
    p = policy(fs, files)
    assert walked(p) == ["a.py", "vendor/own.py"]
    assert "nested repository" in (p.reason_to_skip("vendor/lib/x.py") or "")
    assert "nested repository" in (p.reason_to_skip("sub/y.py") or "")  # .git a file: a submodule
    assert not p.dir_allowed("vendor/lib") and p.dir_allowed("vendor")
    assert list(p.walk_dirs()) == ["", "vendor"]


def test_a_name_whose_doc_name_exceeds_name_max_is_not_a_source(fs: FakeFilesystem) -> None:
    long_name = "a" * 250 + ".py"  # 253 bytes: its doc name would be 256
    p = policy(fs, {long_name: "", "b" * 249 + ".py": ""})
    assert walked(p) == ["b" * 249 + ".py"]
    reason = p.reason_to_skip(long_name) or ""
    assert "256 bytes" in reason and "NAME_MAX 255" in reason


def test_an_output_dir_that_holds_sources_is_refused(fs: FakeFilesystem) -> None:
    with pytest.raises(ConfigError, match=r"output_dir: 'pkg' holds sources \(pkg/a.py\)"):
        policy(fs, {"pkg/a.py": "", "pkg/README.md": ""}, output_dir="pkg")
    # the default output dir holding docs (and a note of the user's) is fine
    p = policy(fs, {"DOCS/REPODOCS/pkg/a.py.md": "SHA256: x\n", "DOCS/REPODOCS/notes.txt": ""})
    assert walked(p) == ["pkg/a.py"]
