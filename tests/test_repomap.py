"""The repo map: PageRank over the index's import graph, personalised, cut to a token budget."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write
from reactor.backends.prompt import estimate_tokens
from reactor.config import DocgenConfig
from reactor.reactor import Reactor
from reactor.repomap import RepoMapper, build_map, pagerank


def py_repo(root: Path) -> Path:
    """``core`` imported by three modules, ``util`` by one, ``leaf`` by none."""
    write(root, ".git/HEAD", "")
    write(
        root,
        "app/core.py",
        '"""Core."""\n\ndef run(x: int) -> int:\n    return x\n\n\ndef _hidden() -> None:\n    pass\n\n\nclass Engine:\n    pass\n',
    )
    write(root, "app/util.py", "def fmt(s: str) -> str:\n    return s\n")
    write(root, "app/a.py", "from app.core import run\n\ndef a() -> int:\n    return run(1)\n")
    write(
        root,
        "app/b.py",
        "from app.core import run, Engine\nfrom app.util import fmt\n\ndef b() -> None:\n    pass\n",
    )
    write(root, "app/c.py", "from app.core import Engine\n\ndef c() -> None:\n    pass\n")
    write(root, "tools/leaf.py", "def lonely(flag: bool) -> None:\n    pass\n")
    return root


def indexed(root: Path) -> Reactor:
    reactor = Reactor.open(root, config=DocgenConfig(), watch=False)
    reactor.refresh_index()
    return reactor


def test_the_most_imported_file_comes_first_with_its_used_names_first(tmp_path: Path) -> None:
    with indexed(py_repo(tmp_path)) as reactor:
        found = build_map(reactor.index, max_tokens=1000)
    assert found.files[0] == "app/core.py"
    assert found.ranked[0] == "app/core.py"
    lines = found.text.splitlines()
    assert lines[:3] == ["app/core.py:", "  def run(x: int) -> int", "  class Engine"]
    assert "_hidden" not in found.text  # the map shows what other files may use
    assert found.tokens == estimate_tokens(found.text) <= 1000
    assert set(found.files) == {p for p in found.ranked}  # all fit in 1,000 tokens


def test_focus_on_a_path_or_a_name_personalises_the_ranking(tmp_path: Path) -> None:
    with indexed(py_repo(tmp_path)) as reactor:
        plain = build_map(reactor.index, max_tokens=1000)
        on_leaf = build_map(reactor.index, max_tokens=1000, focus=["tools/leaf.py"])
        on_dir = build_map(reactor.index, max_tokens=1000, focus=["tools"])
        on_name = build_map(reactor.index, max_tokens=1000, focus=["fmt"])
    assert plain.ranked.index("tools/leaf.py") > 0
    assert on_leaf.ranked[0] == "tools/leaf.py"
    assert on_dir.ranked[0] == "tools/leaf.py"
    assert on_name.ranked[0] == "app/util.py"  # the file that declares fmt
    assert plain.ranked.index("app/util.py") > 0


def test_the_cut_is_the_longest_that_fits(tmp_path: Path) -> None:
    with indexed(py_repo(tmp_path)) as reactor:
        full = build_map(reactor.index, max_tokens=1000)
        budgets = range(1, full.tokens + 2)
        maps = [build_map(reactor.index, max_tokens=n) for n in budgets]
    previous = ""
    for budget, found in zip(budgets, maps, strict=True):
        assert found.tokens <= budget
        assert len(found.text) >= len(previous)  # a bigger budget never shows less
        previous = found.text
    assert maps[-1].text == full.text
    # one token less than a map needs drops at least one line of it
    for found in maps:
        if found.tokens:
            smaller = [m for b, m in zip(budgets, maps, strict=True) if b == found.tokens - 1]
            assert not smaller or smaller[0].text != found.text
    tiny = maps[0]
    assert tiny.text == "" and tiny.files == ()


def test_the_same_index_gives_the_same_map_whatever_the_order_files_came_in(
    tmp_path: Path,
) -> None:
    first = py_repo(tmp_path / "one")
    second = tmp_path / "two"
    for rel in sorted((p.relative_to(first) for p in first.rglob("*.py")), reverse=True):
        write(second, str(rel), (first / rel).read_text())  # created in the reverse order
    write(second, ".git/HEAD", "")
    with indexed(first) as one, indexed(second) as two:
        assert build_map(one.index, max_tokens=60).text == build_map(two.index, max_tokens=60).text
        mapper = RepoMapper(one.index)
        assert mapper.build(max_tokens=60).text == mapper.build(max_tokens=60).text


def test_the_map_follows_the_index_when_it_changes(tmp_path: Path) -> None:
    root = py_repo(tmp_path)
    with indexed(root) as reactor:
        mapper = RepoMapper(reactor.index)
        before = mapper.build(max_tokens=1000)
        assert before.ranked[0] == "app/core.py"
        for n in range(5):
            write(root, f"tools/use{n}.py", "from tools.leaf import lonely\n")
        reactor.refresh_index()
        after = mapper.build(max_tokens=1000)
    assert after.ranked[0] == "tools/leaf.py"


def test_other_languages_join_through_their_import_keys(tmp_path: Path) -> None:
    write(tmp_path, ".git/HEAD", "")
    write(tmp_path, "web/lib.js", "export function shared(a) { return a; }\n")
    for n in range(3):
        write(tmp_path, f"web/page{n}.js", "import { shared } from './lib.js';\nshared(1);\n")
    write(tmp_path, "go.mod", "module example.com/m\n\ngo 1.21\n")
    write(
        tmp_path,
        "store/store.go",
        "package store\n\n// New makes one.\nfunc New() int { return 1 }\n",
    )
    for n in range(4):
        write(
            tmp_path,
            f"cmd/c{n}/main.go",
            'package main\n\nimport "example.com/m/store"\n\nfunc main() { store.New() }\n',
        )
    with indexed(tmp_path) as reactor:
        found = build_map(reactor.index, max_tokens=1000)
    assert found.ranked[:2] == ("store/store.go", "web/lib.js")
    assert "store/store.go:\n  func New() int\n" in found.text


def test_pagerank_matches_the_known_values() -> None:
    # a cycle: everyone alike
    assert pagerank(3, {(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0}, [1 / 3] * 3) == pytest.approx(
        [1 / 3] * 3
    )
    # two nodes, 0 -> 1, 1 dangling: networkx.pagerank gives [0.350877, 0.649123]
    rank = pagerank(2, {(0, 1): 1.0}, [0.5, 0.5])
    assert rank == pytest.approx([0.350877, 0.649123], abs=1e-5)
    assert math.isclose(sum(rank), 1.0)
    # all the personalisation on node 0 of 0 -> 1: 1 takes what 0 hands on
    personal = pagerank(2, {(0, 1): 1.0}, [1.0, 0.0])
    assert personal[0] > personal[1] > 0


def test_reactor_map_prints_it(tmp_path: Path) -> None:
    root = py_repo(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "map", "--tokens", "40", "--focus", "tools"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tools/leaf.py:\n  def lonely(flag: bool) -> None\n")
    assert estimate_tokens(done.stdout) <= 40
    bad = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "map", "--tokens", "0"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "must be 1 to" in bad.stderr
