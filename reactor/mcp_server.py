"""``reactor mcp``: the docs, the repo map, search and the import graph over the Model Context
Protocol (stdio), while the reactor keeps the docs fresh in the same process.

A thin layer over :class:`~reactor.ondemand.OnDemand`, on the official SDK's low-level
:class:`mcp.server.Server` (the ``mcp`` extra): five tools (``get_doc``, ``repo_map``,
``search_docs``, ``neighbours``, ``status``), each doc as a resource ``reactor://doc/{path}``
(listed, readable, and with a template for any source), and a resource update to subscribers
whenever a doc is written, moved or removed — by ``resources/subscribe`` on a handshake-era
connection, ``subscriptions/listen`` on a 2026-07-28 one. Tool calls run on worker threads, so
they are served while a tick runs on the reactor's own thread (the watcher and idle ticks of
``reactor watch``). Only protocol messages go to stdout; the SDK points fd 1 at stderr while it
serves, so nothing else can reach the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import anyio
import mcp.types as types
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.stdio import stdio_server
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ResourceUpdated
from mcp.shared.exceptions import MCPError

from . import __version__
from .errors import LockHeld, ReactorError
from .lock import WATCH_LOCK, FileLock
from .ondemand import NotAnswerable, OnDemand
from .progress import ProgressReporter
from .reactor import Reactor
from .repomap import DEFAULT_TOKENS, MAX_TOKENS
from .search import MAX_LIMIT
from .service import Service

log = logging.getLogger(__name__)

URI_PREFIX = "reactor://doc/"
#: The JSON-RPC code the MCP specification gives an unknown resource.
RESOURCE_NOT_FOUND = -32002
#: Resources per page of ``resources/list``.
PAGE = 1000
#: Tool calls served at once (each on a worker thread).
CONCURRENT_CALLS = 8
MARKDOWN = "text/markdown"

INSTRUCTIONS = (
    "Per-file docs of this repository, kept fresh in the background as files change. Start "
    "with repo_map for the files that matter (focus it on paths or symbol names), get_doc for "
    "one file's purpose, API and neighbours (always fresh: a stale doc is made again before "
    "it is returned), search_docs to find files by what their docs say, neighbours for what a "
    "file imports and what imports it."
)


def doc_uri(rel: str) -> str:
    return URI_PREFIX + quote(rel, safe="/")


def uri_path(uri: str) -> str:
    """The source path a ``reactor://doc/`` URI names."""
    if not uri.startswith(URI_PREFIX):
        raise MCPError(RESOURCE_NOT_FOUND, f"not a reactor doc URI: {uri}", {"uri": uri})
    return unquote(uri[len(URI_PREFIX) :])


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


PATH = {"type": "string", "description": "a file's path, relative to the repository root"}

TOOLS = [
    types.Tool(
        name="get_doc",
        description="The doc of one source file: its purpose, public API with signatures, "
        "and neighbours (what it imports, what imports it). Always fresh: a missing, stale or "
        "outdated doc is made again first; `state` and `was` in the result say which.",
        input_schema=_schema({"path": PATH}, ["path"]),
        annotations=types.ToolAnnotations(read_only_hint=False, idempotent_hint=True),
    ),
    types.Tool(
        name="repo_map",
        description="The repository's most important files, ranked by PageRank over the "
        "import graph (toward `focus` paths or symbol names when given), each with its public "
        "signatures, cut to fit `max_tokens`.",
        input_schema=_schema(
            {
                "max_tokens": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_TOKENS,
                    "default": DEFAULT_TOKENS,
                },
                "focus": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": [],
                    "description": "paths (files or directories) or symbol names to rank toward",
                },
            },
            [],
        ),
        annotations=types.ToolAnnotations(read_only_hint=True),
    ),
    types.Tool(
        name="search_docs",
        description="Full-text search over the docs (BM25): each hit's path, its doc's state, "
        'and the matching lines. Words are matched with their stems; "quote" a phrase.',
        input_schema=_schema(
            {
                "query": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
            },
            ["query"],
        ),
        annotations=types.ToolAnnotations(read_only_hint=True),
    ),
    types.Tool(
        name="neighbours",
        description="What a file imports (with the signatures of the names it uses) and what "
        "imports it (with the names each uses), from the import graph.",
        input_schema=_schema({"path": PATH}, ["path"]),
        annotations=types.ToolAnnotations(read_only_hint=True),
    ),
    types.Tool(
        name="status",
        description="Where the docs stand: the counts `reactor status --json` gives (fresh, "
        "stale, missing, outdated, orphaned, skipped, failing).",
        input_schema=_schema({}, []),
        annotations=types.ToolAnnotations(read_only_hint=True),
    ),
]
_SCHEMAS = {tool.name: tool.input_schema for tool in TOOLS}
_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def check_arguments(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments with their defaults, or :class:`NotAnswerable` naming what is wrong."""
    schema = _SCHEMAS[tool]
    properties: dict[str, Any] = schema["properties"]
    unknown = sorted(set(arguments) - set(properties))
    if unknown:
        raise NotAnswerable(f"{tool}: unknown argument(s) {', '.join(unknown)}")
    out = {name: spec["default"] for name, spec in properties.items() if "default" in spec}
    for name in schema["required"]:
        if name not in arguments:
            raise NotAnswerable(f"{tool}: missing argument {name!r}")
    for name, value in arguments.items():
        spec = properties[name]
        if not _JSON_TYPES[spec["type"]](value):
            raise NotAnswerable(f"{tool}: {name} must be {spec['type']}, got {value!r}")
        if spec["type"] == "integer" and not spec["minimum"] <= value <= spec["maximum"]:
            raise NotAnswerable(
                f"{tool}: {name} must be {spec['minimum']} to {spec['maximum']}, got {value}"
            )
        out[name] = value
    return out


class McpServer:
    """Serves one :class:`OnDemand` over stdio until the client goes away."""

    def __init__(self, ask: OnDemand):
        self.ask = ask
        self.bus = InMemorySubscriptionBus()
        self.listen = ListenHandler(self.bus)
        self.server: Server[Any] = Server(
            "reactor",
            version=__version__,
            instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_list_resource_templates=self._list_templates,
            on_read_resource=self._read_resource,
            on_subscribe_resource=self._subscribe,
            on_unsubscribe_resource=self._unsubscribe,
            on_subscriptions_listen=self.listen,
        )
        self._subscribers: dict[str, set[ServerSession]] = defaultdict(set)
        self._limiter = anyio.CapacityLimiter(CONCURRENT_CALLS)
        self._changed_send, self._changed = anyio.create_memory_object_stream[str](float("inf"))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------
    def doc_changed(self, rel: str) -> None:
        """A doc listener (any thread): queue the update for the event loop's notifier."""
        loop = self._loop
        if loop is not None and not self._closed.is_set():
            with contextlib.suppress(RuntimeError):  # (the loop closed since the check)
                loop.call_soon_threadsafe(self._changed_send.send_nowait, rel)

    async def serve(self) -> None:
        """Serve stdio until the client closes it or goes away, or SIGINT/SIGTERM."""
        self._loop = asyncio.get_running_loop()
        try:
            async with stdio_server() as (read, write), anyio.create_task_group() as tasks:
                tasks.start_soon(self._notifier)
                tasks.start_soon(self._prepare)
                tasks.start_soon(self._signals, tasks.cancel_scope)
                await self.server.run(read, write, self.server.create_initialization_options())
                tasks.cancel_scope.cancel()
        except BaseExceptionGroup as group:
            # a client that vanished mid-reply breaks the pipe: that is a disconnect too
            _, rest = group.split((BrokenPipeError, ConnectionResetError))
            if rest is not None:
                raise rest from None
        finally:
            self._closed.set()
            self.listen.close()

    @staticmethod
    async def _signals(scope: anyio.CancelScope) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
            async for signum in received:
                log.info("received %s, shutting down", signal.Signals(signum).name)
                scope.cancel()
                return

    async def _prepare(self) -> None:
        """Ahead of the first calls: the docs not yet searchable, the first index, and the
        map's graph (a map made ahead of time)."""
        await self._off_loop(self.ask.reactor.search.catch_up)
        await self._off_loop(self.ask.whole_index)
        await self._off_loop(self.ask.mapper.graph)

    async def _notifier(self) -> None:
        async for rel in self._changed:
            uri = doc_uri(rel)
            for session in list(self._subscribers.get(uri, ())):
                try:
                    await session.send_resource_updated(uri)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    self._subscribers[uri].discard(session)  # that client went away
            await self.bus.publish(ResourceUpdated(uri=uri))

    async def _off_loop(self, fn: Callable[[], Any]) -> Any:
        """Run blocking work on a worker thread; a cancelled call (a client that left) does
        not wait for it."""
        return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True, limiter=self._limiter)

    # -- tools ----------------------------------------------------------------------------
    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=TOOLS)

    async def _call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if params.name not in _SCHEMAS:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool: {params.name}")
        try:
            arguments = check_arguments(params.name, params.arguments or {})
            text, structured = await self._off_loop(lambda: self._answer(params.name, arguments))
        except ReactorError as exc:
            return types.CallToolResult(content=[types.TextContent(text=str(exc))], is_error=True)
        return types.CallToolResult(
            content=[types.TextContent(text=text)], structured_content=structured
        )

    def _answer(self, tool: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """One tool's answer, as text for the model and as structured content."""
        ask = self.ask
        if tool == "get_doc":
            doc = ask.get_doc(args["path"])
            head = f"[{doc.source} of {doc.path}: {doc.note}]\n\n" if doc.note else ""
            return head + doc.text, doc.to_json()
        if tool == "search_docs":
            hits = ask.search_docs(args["query"], limit=args["limit"])
            lines = []
            for hit in hits:
                lines.append(f"{hit.path} ({hit.state})")
                lines += [f"  {n}: {text}" for n, text in hit.lines]
            text = "\n".join(lines) + "\n" if lines else "no doc matches\n"
            return text, {"results": [hit.to_json() for hit in hits]}
        note = ask.whole_index()  # the rest speak of the whole repo
        head = f"[{note}]\n" if note else ""
        if tool == "repo_map":
            ranked = ask.repo_map(max_tokens=args["max_tokens"], focus=args["focus"])
            text = ranked.text or "(no indexed sources yet)\n"
            return head + text, {**ranked.to_json(), "note": note}
        if tool == "neighbours":
            found = ask.neighbours(args["path"])
            lines = [f"{found['path']} imports:"]
            lines += [f"  {n['path']}: {', '.join(n['uses'])}" for n in found["imports"]]
            lines.append(f"{found['path']} is imported by:")
            lines += [f"  {n['path']}: {', '.join(n['uses'])}" for n in found["imported_by"]]
            return head + "\n".join(lines) + "\n", {**found, "note": note}
        counts = ask.status()
        return head + json.dumps(counts, indent=2) + "\n", {**counts, "note": note}

    # -- resources ------------------------------------------------------------------------
    async def _list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        after = unquote(params.cursor) if params is not None and params.cursor else ""
        paths = await self._off_loop(lambda: self.ask.documented(after=after, limit=PAGE))
        return types.ListResourcesResult(
            resources=[
                types.Resource(uri=doc_uri(rel), name=rel, mime_type=MARKDOWN) for rel in paths
            ],
            next_cursor=quote(paths[-1]) if len(paths) == PAGE else None,
        )

    async def _list_templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        template = types.ResourceTemplate(
            uri_template=URI_PREFIX + "{path}",
            name="doc",
            description="the fresh doc of any source file of the repository",
            mime_type=MARKDOWN,
        )
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def _read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        rel = uri_path(params.uri)
        try:
            doc = await self._off_loop(lambda: self.ask.get_doc(rel))
        except ReactorError as exc:
            raise MCPError(RESOURCE_NOT_FOUND, str(exc), {"uri": params.uri}) from None
        contents = types.TextResourceContents(uri=params.uri, text=doc.text, mime_type=MARKDOWN)
        return types.ReadResourceResult(contents=[contents])

    async def _subscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        uri_path(params.uri)  # (a URI of ours)
        self._subscribers[params.uri].add(ctx.session)
        return types.EmptyResult()

    async def _unsubscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        self._subscribers[params.uri].discard(ctx.session)
        return types.EmptyResult()


def run(root: Path, *, wait_seconds: float, polling: bool = False) -> None:
    """``reactor mcp``: open the repo's reactor, run it on a thread as ``reactor watch`` would
    (unless a watch or another server already does), serve stdio until the client leaves.

    On the way out the reactor's thread is stopped (a tick in flight finishes), and the temp
    files of writes in flight are removed; a thread still busy after that (a model's reply
    being awaited) is left to the process's exit.
    """
    watch_lock = FileLock.for_repo(root, WATCH_LOCK)
    try:
        watch_lock.acquire()
        ticking = True
    except LockHeld:
        ticking = False  # (said below: a watch or another server keeps this repo)
    watching_elsewhere = not ticking
    try:
        reactor = Reactor.open(root, watch=False)
        ticking = ticking and reactor.config.enabled and reactor.config.daemon_enabled
        ask = OnDemand(reactor, wait_seconds=wait_seconds, ticking=ticking)
        server = McpServer(ask)
        reactor.add_doc_listener(server.doc_changed)
        service = Service([reactor], steps=[ProgressReporter(reactor)])
        thread = threading.Thread(target=_tick, args=(service, reactor.config.nice), daemon=True)
        if ticking:
            reactor.start_watching(polling=polling)
            assert reactor.watcher is not None
            log.info(
                "reactor mcp serving %s (backend %s, %s file watching)",
                root,
                reactor.backend.describe(),
                reactor.watcher.mode,
            )
            thread.start()
        else:
            log.info(
                "reactor mcp serving %s without ticks (%s); docs asked for are made fresh",
                root,
                "another reactor watch or mcp runs for it" if watching_elsewhere else "disabled",
            )
        try:
            anyio.run(server.serve)
        finally:
            ask.close()
            service.stop()
            if thread.is_alive():
                thread.join(timeout=1.0)
            # no write starts from here on: a tick still writing (a big file on a loaded
            # machine) or a tool call still running on a worker thread (the client left
            # mid-call) starts no new temp file, which the process's exit would leave behind
            reactor.docs.remove_temp_files_in_flight(closing=True)
            if not thread.is_alive():
                reactor.close()
        log.info("reactor mcp stopped")
    finally:
        watch_lock.release()


def _tick(service: Service, nice: int) -> None:
    """The reactor's thread: idle ticks at the configured niceness (this thread only: tool
    calls keep the process's priority)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    service.run()
