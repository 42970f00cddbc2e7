"""``reactor mcp`` driven end to end by the MCP SDK's own stdio client, in a temp repo.

Each test starts the server as a subprocess (``python -m reactor.cli mcp REPO``) and talks to it
as a coding agent would: both protocol eras (the 2025 handshake, and 2026-07-28 requests that
carry their own envelope), resource updates by ``resources/subscribe`` and by
``subscriptions/listen``, and a client that vanishes mid-call.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.session import IncomingMessage
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPDeprecationWarning

from conftest import write

pytestmark = pytest.mark.timeout(60)

FAST = "[docs.docgen]\nidle_after_seconds = 0\ntick_seconds = 0.05\nsettle_seconds = 0.05\n"
NO_TICKS = "[docs.docgen]\ndaemon_enabled = false\n"
UTIL = '"""Helpers."""\n\ndef helper(x: int) -> int:\n    """Return x."""\n    return x\n'
MAIN = "from pkg.util import helper\n\n\ndef main() -> int:\n    return helper(1)\n"


def make_repo(root: Path, config: str = FAST) -> Path:
    write(root, ".git/HEAD", "ref: refs/heads/main\n")
    write(root, "llmc.toml", config)
    write(root, "pkg/__init__.py", '"""The package."""\n')
    write(root, "pkg/util.py", UTIL)
    write(root, "main.py", MAIN)
    write(root, ".env", "API_KEY=hunter2\n")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def server(root: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "reactor.cli", "mcp", str(root), *extra],
        cwd=str(root),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@asynccontextmanager
async def connected(
    root: Path,
    *,
    mode: str = "legacy",
    on_message: Callable[[IncomingMessage], Awaitable[None]] | None = None,
) -> AsyncIterator[Client]:
    transport = stdio_client(server(root))  # (a Transport: what every 2.x Client takes)
    async with Client(transport, mode=mode, cache=None, message_handler=on_message) as client:
        yield client


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def call(client: Client, tool: str, **arguments: Any) -> types.CallToolResult:
    return await client.call_tool(tool, arguments)


def text(result: types.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
def test_tools_are_listed_and_each_answers(repo: Path, mode: str) -> None:
    async def scenario() -> None:
        async with connected(repo, mode=mode) as client:
            listed = await client.list_tools()
            assert [t.name for t in listed.tools] == [
                "get_doc",
                "repo_map",
                "search_docs",
                "neighbours",
                "status",
            ]

            doc = await call(client, "get_doc", path="pkg/util.py")
            assert not doc.is_error
            assert doc.structured_content is not None
            assert doc.structured_content["state"] == "fresh"
            assert text(doc).startswith(f"SHA256: {sha256(repo / 'pkg/util.py')}\n")
            assert "# `pkg/util.py`" in text(doc)
            assert "def helper(x: int) -> int" in text(doc)

            ranked = await call(client, "repo_map", max_tokens=200)
            assert not ranked.is_error
            assert ranked.structured_content is not None
            assert ranked.structured_content["files"][0] == "pkg/util.py"  # main.py imports it
            assert "  def helper(x: int) -> int" in text(ranked)
            assert ranked.structured_content["tokens"] <= 200

            # the docs the server made so far are searchable at once
            await call(client, "get_doc", path="main.py")
            found = await call(client, "search_docs", query="helper", limit=5)
            assert found.structured_content is not None
            hits = found.structured_content["results"]
            assert {h["path"] for h in hits} == {"pkg/util.py", "main.py"}
            assert all(h["state"] == "fresh" and h["lines"] for h in hits)
            assert any("helper" in line["text"] for line in hits[0]["lines"])

            near = await call(client, "neighbours", path="main.py")
            assert near.structured_content == {
                "path": "main.py",
                "imports": [{"path": "pkg/util.py", "uses": ["def helper(x: int) -> int"]}],
                "imported_by": [],
                "note": "",  # (the first index is done: this is the whole repo)
            }

            counts = await call(client, "status")
            assert counts.structured_content is not None
            assert counts.structured_content["sources"] == 3
            assert json.loads(text(counts))["sources"] == 3

    anyio.run(scenario)


def test_a_stale_doc_asked_for_comes_back_fresh(tmp_path: Path) -> None:
    """With no ticks at all (daemon disabled), get_doc alone makes the doc fresh."""
    root = make_repo(tmp_path / "repo", NO_TICKS)
    subprocess.run([sys.executable, "-m", "reactor.cli", "generate", "--all"], cwd=root, check=True)
    write(root, "pkg/util.py", UTIL + "\n\ndef other() -> None:\n    pass\n")
    (root / "DOCS/REPODOCS/pkg/__init__.py.md").unlink()

    async def scenario() -> None:
        async with connected(root) as client:
            doc = await call(client, "get_doc", path=str(root / "pkg/util.py"))  # absolute
            assert doc.structured_content is not None
            assert doc.structured_content["was"] == "stale"
            assert doc.structured_content["state"] == "fresh"
            assert doc.structured_content["source"] == "doc"
            assert text(doc).startswith(f"SHA256: {sha256(root / 'pkg/util.py')}\n")
            assert "def other() -> None" in text(doc)
            missing = await call(client, "get_doc", path="pkg/__init__.py")
            assert missing.structured_content is not None
            assert missing.structured_content["was"] == "missing"
            assert missing.structured_content["state"] == "fresh"

    anyio.run(scenario)
    assert (
        (root / "DOCS/REPODOCS/pkg/util.py.md")
        .read_text()
        .startswith(f"SHA256: {sha256(root / 'pkg/util.py')}\n")
    )


def test_an_edit_under_the_running_server_is_in_the_next_doc(repo: Path) -> None:
    async def scenario() -> None:
        async with connected(repo) as client:
            first = await call(client, "get_doc", path="pkg/util.py")
            assert "def helper" in text(first)
            write(repo, "pkg/util.py", UTIL.replace("helper", "assist"))
            again = await call(client, "get_doc", path="pkg/util.py")
            assert text(again).startswith(f"SHA256: {sha256(repo / 'pkg/util.py')}\n")
            assert "def assist(x: int) -> int" in text(again)
            assert "def helper" not in text(again)

    anyio.run(scenario)


def test_an_edit_sends_a_resource_update_to_subscribers(repo: Path) -> None:
    """Handshake era: resources/subscribe, then notifications/resources/updated from a tick."""
    uri = "reactor://doc/pkg/util.py"
    updated = anyio.Event()

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification) and message.params.uri == uri:
            updated.set()

    async def scenario() -> None:
        async with connected(repo, on_message=on_message) as client:
            assert client.server_capabilities.resources is not None
            assert client.server_capabilities.resources.subscribe
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)  # (the 2025 era's way)
                await client.subscribe_resource(uri)
            write(repo, "pkg/util.py", UTIL + "\nLIMIT = 3\n")
            with anyio.fail_after(30):
                await updated.wait()
            read = await client.read_resource(uri)
            contents = read.contents[0]
            assert isinstance(contents, types.TextResourceContents)
            assert contents.text.startswith(f"SHA256: {sha256(repo / 'pkg/util.py')}\n")
            assert "LIMIT" in contents.text

    anyio.run(scenario)


def test_subscriptions_listen_gets_the_update_in_the_2026_era(repo: Path) -> None:
    uri = "reactor://doc/main.py"

    async def scenario() -> None:
        async with connected(repo, mode="2026-07-28") as client:
            await call(client, "get_doc", path="main.py")
            async with client.listen(resource_subscriptions=[uri]) as subscription:
                write(repo, "main.py", MAIN + "\n\ndef extra() -> None:\n    pass\n")
                with anyio.fail_after(30):
                    async for event in subscription:
                        assert getattr(event, "uri", None) == uri
                        break
            doc = await call(client, "get_doc", path="main.py")
            assert "def extra() -> None" in text(doc)

    anyio.run(scenario)


def test_resources_are_listed_readable_and_templated(repo: Path) -> None:
    async def scenario() -> None:
        async with connected(repo) as client:
            await call(client, "get_doc", path="main.py")
            listed = await client.list_resources()
            uris = {str(r.uri) for r in listed.resources}
            assert "reactor://doc/main.py" in uris
            assert all(r.mime_type == "text/markdown" for r in listed.resources)
            templates = await client.list_resource_templates()
            assert [t.uri_template for t in templates.resource_templates] == [
                "reactor://doc/{path}"
            ]
            # any source through the template: made on the spot
            read = await client.read_resource("reactor://doc/pkg/__init__.py")
            contents = read.contents[0]
            assert isinstance(contents, types.TextResourceContents)
            assert contents.text.startswith("SHA256: ")
            with pytest.raises(MCPError, match="not a reactor doc URI"):
                await client.read_resource("file:///etc/passwd")
            with pytest.raises(MCPError, match="outside the repository"):
                await client.read_resource("reactor://doc/../../etc/passwd")

    anyio.run(scenario)


def test_bad_arguments_and_unsafe_paths_are_errors_that_say_why(repo: Path) -> None:
    outside = repo.parent / "outside.py"
    outside.write_text("SECRET = 1\n")
    (repo / "link.py").symlink_to(outside)

    (repo / "DOCS/REPODOCS").mkdir(parents=True)

    async def scenario() -> None:
        async with connected(repo) as client:
            cases = {
                (("path", "../outside.py"),): "outside the repository",
                (("path", str(outside)),): "outside the repository",
                (("path", "link.py"),): "outside the repository (a symlink)",
                (("path", ".env"),): "looks like a secret",
                (("path", "nope.py"),): "no such file",
                (("path", ".git"),): "not a source directory",
                (("path", "DOCS/REPODOCS"),): "not a source directory",
                (("path", 7),): "path must be string",
                (): "missing argument 'path'",
                (("path", "main.py"), ("extra", 1)): "unknown argument(s) extra",
            }
            for arguments, expected in cases.items():
                result = await client.call_tool("get_doc", dict(arguments))
                assert result.is_error, arguments
                assert expected in text(result), (arguments, text(result))
            bad = await call(client, "repo_map", max_tokens=0)
            assert bad.is_error and "max_tokens must be 1 to" in text(bad)
            empty = await call(client, "search_docs", query="  !! ")
            assert empty.is_error and "give it a word" in text(empty)
            with pytest.raises(MCPError, match="unknown tool"):
                await client.call_tool("rm_rf", {})
            # the server is still serving after all of that
            fine = await call(client, "get_doc", path="main.py")
            assert not fine.is_error
            # a source directory's page, made now if the ticks have not written it yet
            page = await call(client, "get_doc", path="pkg/")
            assert not page.is_error and "SHA256: " in text(page) and "util.py" in text(page)
        assert not (repo / "DOCS/REPODOCS/link.py.md").exists()  # never read, never documented

    anyio.run(scenario)


def test_an_abrupt_disconnect_mid_call_ends_the_process_and_leaves_nothing(repo: Path) -> None:
    big = "\n".join(f"def f{i}(x: int) -> int:\n    return x + {i}\n" for i in range(2000))
    write(repo, "big.py", big)
    process = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "mcp", str(repo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "get_doc", "arguments": {"path": "big.py"}},
        },
    ]
    process.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in messages))
    process.stdin.flush()
    assert json.loads(process.stdout.readline())["id"] == 1  # it serves
    process.stdin.close()  # gone, mid-call: no reading, no writing any more
    process.stdout.close()
    started = time.monotonic()
    process.wait(timeout=10)
    assert time.monotonic() - started < 2.0
    assert process.returncode == 0
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.stderr.close()
    assert "Traceback" not in errors, errors
    assert not list(repo.rglob("*.reactor-tmp"))


def test_without_the_sdk_it_says_how_to_install_it(repo: Path, tmp_path: Path) -> None:
    """``mcp`` hidden from the import system: exit 2 and the pip command, no traceback."""
    blocker = tmp_path / "no_mcp"
    blocker.mkdir()
    (blocker / "mcp.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'mcp'\", name='mcp')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "reactor.cli", "mcp", str(repo)],
        env={**os.environ, "PYTHONPATH": str(blocker)},
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "pip install 'llmc-reactor[mcp]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
