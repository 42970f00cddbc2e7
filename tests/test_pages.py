"""Pages: one per source directory and one for the repository, ours by their header, kept fresh
after every file doc — written when what they say changes, never on a body-only edit, removed
with their directory (under the brake), never over a file of the user's."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, write
from reactor import cli
from reactor.backends.outline import OutlineBackend
from reactor.check import check
from reactor.config import DocgenConfig
from reactor.mermaid import Edge, flowchart, label
from reactor.pages import HEAL_INTERVAL_SECONDS
from reactor.reactor import Reactor

DOCS = "DOCS/REPODOCS"


def open_reactor(
    root: Path, clock: FakeClock, backend: object = None, **changes: object
) -> Reactor:
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.1, **changes)
    return Reactor.open(
        root,
        config=config,
        clock=clock,
        backend=backend or OutlineBackend(links=config.pages),  # type: ignore[arg-type]
        watch=False,
    )


def settle(reactor: Reactor, clock: FakeClock, rounds: int = 2000) -> list[tuple[str, str]]:
    """Tick as a host loop would, moving the clock to each due time: ``(status, path)`` of
    each tick that did work."""
    done = []
    for _ in range(rounds):
        result = reactor.tick()
        if result.work_done:
            done.append((result.status, result.path or ""))
            continue
        due = reactor.seconds_until_due()
        if due is None or due > 1000:
            return done
        clock.advance(max(due, 0.01))
    raise AssertionError("never settled")


def page(root: Path, rel_dir: str) -> str:
    return (root / DOCS / rel_dir / "README.md").read_text()


def written(done: list[tuple[str, str]]) -> list[str]:
    """The pages a run of ticks wrote or removed, as directories."""
    return [posixpath.dirname(p.removeprefix(f"{DOCS}/")) for s, p in done if s == "page"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "README.md", "# Project\n\n[![badge](x.svg)](y)\n\nA [small](docs/a.md) tool.\n")
    write(
        root,
        "pyproject.toml",
        '[project]\nname = "tool"\n[project.scripts]\ntool = "app.cli:run"\n',
    )
    write(root, "app/__init__.py", '"""The application: parses and serves.\n\nMore."""\n')
    write(
        root,
        "app/cli.py",
        '"""Command line."""\nfrom app.core import parse, Engine\n\n\ndef run() -> int:\n'
        '    return parse("x")\n\n\nif __name__ == "__main__":\n    run()\n',
    )
    write(
        root,
        "app/core.py",
        '"""The engine."""\n\n\ndef parse(text: str) -> int:\n    return len(text)\n\n\n'
        "class Engine:\n    pass\n\n\ndef _hidden(): ...\n",
    )
    write(root, "app/web/__init__.py", "")
    write(root, "app/web/server.py", "from app.core import parse\n\n\ndef serve(): ...\n")
    write(root, "lib/README.md", "Helpers shared by everyone.\n")  # its package doc comes first
    write(root, "tools/README.md", "# Tools\n\nScripts for *maintainers*.\n")
    write(
        root,
        "lib/strings.go",
        "// Package lib holds helpers.\npackage lib\n\nfunc Pad(s string) string { return s }\n",
    )
    write(root, "tools/run.sh", "#!/bin/sh\necho hi\n")
    return root


def test_a_page_per_directory_and_one_for_the_repository(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
    out = project / DOCS
    assert sorted(p.parent.relative_to(out).as_posix() for p in out.rglob("README.md")) == [
        ".",
        "app",
        "app/web",
        "lib",
        "tools",
    ]
    app = page(project, "app")
    assert app.startswith("SHA256: ") and app.rstrip().endswith("-->")
    assert "# `app/`" in app
    assert (
        "## Purpose\n\nThe application: parses and serves.\n\n*From [`__init__.py`](__init__.py.md).*"
        in app
    )
    assert "| [`core.py`](core.py.md) | The engine. | `parse`, `Engine` |" in app
    assert "`_hidden`" not in app  # not public
    assert (
        '| [`cli.py`](cli.py.md) | Command line. *(entry point: `if __name__ == "__main__"`)* | `run` |'
        in app
    )
    assert "- [`app/web/`](web/README.md) (2 files)" in app
    assert "## Used by\n\n- [`app/web/`](web/README.md) — 1 import: `parse`" in app
    assert "```mermaid\nflowchart LR\n" in app
    web = page(project, "app/web")
    assert "up: [`app/`](../README.md) · [repository](../../README.md)" in web
    assert "## Uses\n\n- [`app/`](../README.md) — 1 import: `parse`" in web
    lib = page(project, "lib")
    assert (
        "## Purpose\n\nPackage lib holds helpers.\n\n*From [`strings.go`](strings.go.md).*" in lib
    )
    assert "## Purpose\n\nScripts for maintainers.\n\n*From `tools/README.md`.*" in page(
        project, "tools"
    )
    repo = page(project, "")
    assert "# Repository overview" in repo
    assert "## Purpose\n\nA small tool.\n" in repo  # a README's links and badges left out
    assert "| Python | 5 | 71 % |" in repo and "| Go | 1 | 14 % |" in repo
    assert "| [`app/`](app/README.md) | The application: parses and serves. | 5 |" in repo
    assert "- `tool` → `app.cli:run` in `pyproject.toml`: [`app/cli.py`](app/cli.py.md)" in repo
    assert "- [`tools/run.sh`](tools/run.sh.md) — script (`#!/bin/sh`)" in repo
    assert "- [`app/core.py`](app/core.py.md) — imported by 2 files: The engine." in repo
    assert "- [`app/web/`](app/web/README.md) (2 files)" in repo  # every directory's page


def test_every_link_of_every_page_and_doc_leads_to_a_file(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
    out = project / DOCS
    links = 0
    for doc in out.rglob("*.md"):
        for target in re.findall(r"\]\(([^)]+)\)", doc.read_text()):
            links += 1
            assert (doc.parent / target).is_file(), f"{doc}: {target}"
    assert links > 20
    core = (out / "app/core.py.md").read_text()
    assert "*Part of [`app/`](README.md).*" in core  # up to its directory's page
    assert "Their docs: [`app/cli.py`](cli.py.md) · [`app/web/server.py`](web/server.py.md)" in core
    assert "*Part of [the repository](README.md).*" not in core


def test_a_file_of_the_users_in_a_pages_place_is_left_alone(
    project: Path, clock: FakeClock
) -> None:
    write(project, f"{DOCS}/README.md", "# Our docs\n\nHand-written.\n")
    write(project, f"{DOCS}/app/README.md", "notes\n")
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
        report = reactor.status()
    assert (project / DOCS / "README.md").read_text() == "# Our docs\n\nHand-written.\n"
    assert (project / DOCS / "app/README.md").read_text() == "notes\n"
    assert report.pages is not None and sorted(report.pages.foreign) == ["", "app"]
    assert sorted(report.pages.fresh) == ["app/web", "lib", "tools"]
    assert "README.md" in report.foreign  # and the doc side says so too, as before
    assert check(project, DocgenConfig(), strict=True).ok  # the user's: never a failure


def test_an_interface_edit_rewrites_the_page_a_body_edit_nothing(
    project: Path, clock: FakeClock
) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
        before = {p: p.read_bytes() for p in (project / DOCS).rglob("README.md")}
        write(
            project,
            "app/core.py",
            (project / "app/core.py").read_text().replace("len(text)", "len(text) + 1"),
        )
        reactor.notify(["app/core.py"])
        done = settle(reactor, clock)
        assert written(done) == []  # the file doc was remade, no page
        assert {p: p.read_bytes() for p in before} == before
        write(
            project,
            "app/core.py",
            (project / "app/core.py").read_text().replace("text: str", "text: bytes"),
        )
        reactor.notify(["app/core.py"])
        done = settle(reactor, clock)
        # after every file doc (its own, then its importers' outdated ones): only its page
        assert [s for s, _ in done] == ["generated", "generated", "generated", "page"]
        assert written(done) == ["app"]
        write(
            project, "app/core.py", (project / "app/core.py").read_text() + "\n\ndef added(): ...\n"
        )
        reactor.notify(["app/core.py"])
        done = settle(reactor, clock)
        assert written(done) == ["app"]
        assert "`parse`, `Engine`, `added`" in page(project, "app")
        assert reactor.status().pages.text() == "5 fresh"  # type: ignore[union-attr]


def test_removed_and_renamed_directories(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
        shutil.rmtree(project / "tools")
        (project / "app/web").rename(project / "app/site")
        reactor.notify_rescan("")
        done = settle(reactor, clock)
        assert set(written(done)) == {"tools", "app/web", "app/site", "app", ""}
        assert not (project / DOCS / "tools").exists()  # the page went, and its folder
        assert not (project / DOCS / "app/web").exists()
        assert "[`app/site/`](site/README.md)" in page(project, "app")
        assert "app/web" not in page(project, "") and "tools" not in page(project, "")
        assert check(project, DocgenConfig(), strict=True).ok


def test_the_brake_holds_a_mass_removal_of_pages(tmp_path: Path, clock: FakeClock) -> None:
    root = tmp_path / "many"
    for i in range(8):
        write(root, f"d{i}/m.py", f"X{i} = {i}\n")
    with open_reactor(root, clock, FakeBackend()) as reactor:
        reactor.generate()
        assert len(list((root / DOCS).rglob("README.md"))) == 9
        for i in range(6):
            (root / f"d{i}/m.py").unlink()
        reactor.notify_rescan("")
        settle(reactor, clock)
        assert len(list((root / DOCS).rglob("README.md"))) == 9  # 6 of 8 at once: held
        reactor.generate(prune=True)
        assert sorted(p.parent.name for p in (root / DOCS).rglob("README.md")) == [
            "REPODOCS",
            "d6",
            "d7",
        ]


def test_pages_come_after_every_file_doc_one_per_tick(project: Path, clock: FakeClock) -> None:
    backend = FakeBackend()
    with open_reactor(project, clock, backend) as reactor:
        done = settle(reactor, clock)
    statuses = [s for s, _ in done if s in ("generated", "page")]
    first_page = statuses.index("page")
    assert "generated" not in statuses[first_page:]
    assert statuses.count("page") == 5 and statuses.count("generated") == 7
    assert len(backend.requests) == 7  # pages cost a model nothing: the built-in renderer


def test_pages_off(project: Path, clock: FakeClock) -> None:
    (project / "llmc.toml").write_text("[docs.docgen]\npages = false\n")
    with open_reactor(project, clock, pages=False) as reactor:
        settle(reactor, clock)
        reactor.generate()
        assert reactor.status().pages is None
    assert not list((project / DOCS).rglob("README.md"))
    assert check(project, DocgenConfig(pages=False), strict=True).ok


def test_pages_under_check_and_check_strict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["generate", "--repo", str(project), "--all"]) == 0
    assert cli.main(["check", "--repo", str(project), "--strict"]) == 0
    out = project / DOCS
    (out / "lib/README.md").unlink()
    tools = (out / "tools/README.md").read_text()
    (out / "tools/README.md").write_text("SHA256: " + "0" * 64 + tools[72:])  # stale
    app = (out / "app/README.md").read_text()
    (out / "app/README.md").write_text(re.sub("neighbours=[0-9a-f]+", "neighbours=0", app))
    write(project, f"{DOCS}/gone/README.md", "SHA256: " + "1" * 64 + "\n\n# `gone/`\n")
    capsys.readouterr()
    assert cli.main(["check", "--repo", str(project)]) == 1
    lines = capsys.readouterr().out.splitlines()
    # stale and outdated pages need every file's facts: the strict check's
    assert [x for x in lines if "README" in x] == [
        f"orphaned {DOCS}/gone/README.md",
        f"missing {DOCS}/lib/README.md",
    ]
    assert cli.main(["check", "--repo", str(project), "--strict"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [x for x in lines if "README" in x] == [
        f"outdated {DOCS}/app/README.md",
        f"orphaned {DOCS}/gone/README.md",
        f"missing {DOCS}/lib/README.md",
        f"stale {DOCS}/tools/README.md",
    ]
    assert cli.main(["check", "--repo", str(project), "--strict", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)["pages"]
    assert report["fresh"] == [f"{DOCS}/README.md", f"{DOCS}/app/web/README.md"]
    assert cli.main(["generate", "--repo", str(project), "--all", "--prune"]) == 0
    assert cli.main(["check", "--repo", str(project), "--strict"]) == 0
    assert not (out / "gone").exists()


def test_odd_directory_names_make_diagrams_that_parse(tmp_path: Path, clock: FakeClock) -> None:
    root = tmp_path / "odd"
    names = ["my dir", "a.b-c", "end", "ünï", 'q"uote', "x#1<y>"]
    write(root, "core/base.py", "def f(): ...\n")
    for name in names:
        write(root, f"{name}/m.py", "from core.base import f\n")
    with open_reactor(root, clock) as reactor:
        settle(reactor, clock)
    chart = page(root, "core").split("```mermaid\n", 1)[1].split("```", 1)[0]
    for line in chart.splitlines()[1:]:
        assert re.fullmatch(
            r'    (n\d+\["[^"]*"\]|n\d+ -->\|"\d+"\| n\d+|style n\d+ stroke-width:3px)', line
        ), line
    assert '["q#quot;uote/"]' in chart and '["x#35;1#lt;y#gt;/"]' in chart and '["end/"]' in chart
    assert (root / DOCS / "my dir/README.md").is_file()
    assert "[`my dir/`](../my%20dir/README.md)" in page(root, "core")


def test_a_diagram_folds_past_twenty_nodes() -> None:
    nodes = [(f"d{i}", f"d{i}") for i in range(30)]
    edges = [Edge("d0", f"d{i}", 30 - i) for i in range(1, 30)]
    chart = flowchart(nodes, edges, focus="d0")
    lines = chart.splitlines()
    assert sum(1 for line in lines if re.match(r"    n\d+\[", line)) == 20
    assert '    n19["+11 more"]' in lines
    assert '    n0 -->|"' + str(sum(30 - i for i in range(19, 30))) + '"| n19' in lines
    assert label("a\nb `c`") == '"a b #96;c#96;"'


def test_page_for_a_directory(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
        text = reactor.pages.page_for("app")
        assert text == page(project, "app")
        write(project, "app/extra.py", "def more(): ...\n")  # not indexed yet: made in memory
        reactor.refresh_index()
        text = reactor.pages.page_for("app")
        assert text is not None and "extra.py" in text and "extra.py" not in page(project, "app")
        repo = reactor.pages.page_for("")
        assert repo is not None and repo == reactor.pages.page_for(".") != page(project, "")
        assert "| [`app/`](app/README.md) | The application: parses and serves. | 6 |" in repo
        assert reactor.pages.page_for("app/web/") == page(project, "app/web")
        assert reactor.pages.page_for("nowhere") is None


def test_a_new_use_across_directories_shows_on_both_sides(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
        write(
            project,
            "app/web/server.py",
            "from app.core import parse, Engine\n\n\ndef serve(): ...\n",
        )
        reactor.notify(["app/web/server.py"])
        done = settle(reactor, clock)
        assert sorted(written(done)) == ["app", "app/web"]
        assert "- [`app/web/`](web/README.md) — 1 import: `Engine`, `parse`" in page(project, "app")
        assert "- [`app/`](../README.md) — 1 import: `Engine`, `parse`" in page(project, "app/web")


def test_what_the_index_cannot_see_is_healed(project: Path, clock: FakeClock) -> None:
    with open_reactor(project, clock) as reactor:
        settle(reactor, clock)
        (project / DOCS / "lib/README.md").unlink()  # by hand
        write(project, "tools/README.md", "Scripts for releases.\n")  # no source changed
        assert written(settle(reactor, clock)) == []  # not before the heal pass is due
        clock.advance(HEAL_INTERVAL_SECONDS)
        # (and the repository page, where the layout shows its purpose)
        assert sorted(written(settle(reactor, clock))) == ["", "lib", "tools"]
        assert "## Purpose\n\nScripts for releases." in page(project, "tools")
        assert reactor.status().pages.text() == "5 fresh"  # type: ignore[union-attr]
