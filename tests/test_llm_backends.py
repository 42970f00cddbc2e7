"""Ollama and OpenAI-compatible backends against loopback fake servers (never the network)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import doc_header, sha256_of
from reactor.backends import DocRequest, Generated, make_backend
from reactor.backends.ollama import OllamaBackend
from reactor.backends.openai import OpenAIBackend
from reactor.backends.prompt import clean_output, estimate_tokens, prompt_budget, user_prompt
from reactor.config import DocgenConfig, OllamaConfig, OpenAIConfig
from reactor.errors import BackendError, BackendUnavailable
from reactor.reactor import Reactor


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, object] | None


@dataclass
class FakeServer:
    """A loopback HTTP server whose reply is a function the test sets."""

    url: str
    seen: list[Seen] = field(default_factory=list)
    reply: Callable[[BaseHTTPRequestHandler, Seen], None] = lambda h, s: None


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            seen = Seen(
                self.command, self.path, dict(self.headers), json.loads(raw) if raw else None
            )
            fake.seen.append(seen)
            fake.reply(self, seen)

        do_GET = do_POST = _handle

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def send_json(handler: BaseHTTPRequestHandler, data: object, status: int = 200) -> None:
    body = json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def ollama_stream(handler: BaseHTTPRequestHandler, chunks: list[dict[str, object]]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/x-ndjson")
    handler.end_headers()
    for chunk in chunks:
        handler.wfile.write(json.dumps(chunk).encode() + b"\n")
        handler.wfile.flush()


def ollama_ok(text: str) -> Callable[[BaseHTTPRequestHandler, Seen], None]:
    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.path == "/api/version":
            send_json(handler, {"version": "0.9.0"})
            return
        if seen.path == "/api/show":
            send_json(handler, {"model_info": {"qwen2.context_length": 32768}})
            return
        half = len(text) // 2
        ollama_stream(
            handler,
            [
                {"message": {"role": "assistant", "content": text[:half]}, "done": False},
                {"message": {"role": "assistant", "content": text[half:]}, "done": False},
                {"message": {"role": "assistant", "content": ""}, "done": True},
            ],
        )

    return reply


def openai_ok(text: str, finish: str = "stop") -> Callable[[BaseHTTPRequestHandler, Seen], None]:
    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.path.endswith("/models"):
            send_json(handler, {"data": [{"id": "m"}]})
            return
        send_json(
            handler,
            {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": finish,
                    }
                ]
            },
        )

    return reply


def request(repo: Path, rel: str = "pkg/util.py", **extra: object) -> DocRequest:
    fields: dict[str, object] = {
        "repo_root": repo,
        "relative_path": rel,
        "file_sha256": sha256_of(repo / rel),
        "source_contents": (repo / rel).read_text(),
        "existing_doc_contents": None,
        "graph_context": "Imported by:\n- pkg/__init__.py",
    }
    fields.update(extra)
    return DocRequest(**fields)  # type: ignore[arg-type]


def ollama(server: FakeServer, timeout: float = 5, style: str = "freeform") -> OllamaBackend:
    return OllamaBackend(
        OllamaConfig(
            url=server.url,
            model="qwen2.5-coder:7b",
            keep_alive="30m",
            timeout_seconds=timeout,
            style=style,
        )
    )


def openai(
    server: FakeServer, timeout: float = 5, env: str = "TEST_LLM_KEY", style: str = "freeform"
) -> OpenAIBackend:
    return OpenAIBackend(
        OpenAIConfig(
            base_url=server.url + "/v1",
            model="gpt-x",
            api_key_env=env,
            timeout_seconds=timeout,
            style=style,
        )
    )


def test_ollama_request_shape_and_doc(server: FakeServer, repo: Path) -> None:
    server.reply = ollama_ok("```markdown\n# `pkg/util.py`\n\nHelpers.\n```")
    backend = ollama(server)
    try:
        result = backend.generate(request(repo))
        assert backend.health() == "ok"
    finally:
        backend.close()
    assert result == Generated("# `pkg/util.py`\n\nHelpers.\n")
    show, chat = server.seen[:2]  # the window is asked of the server once, then the chat
    assert (show.path, show.body) == ("/api/show", {"model": "qwen2.5-coder:7b"})
    assert (chat.method, chat.path) == ("POST", "/api/chat")
    assert chat.body is not None
    assert chat.body["model"] == "qwen2.5-coder:7b" and chat.body["keep_alive"] == "30m"
    msgs = chat.body["messages"]
    assert isinstance(msgs, list) and [m["role"] for m in msgs] == ["system", "user"]
    assert "def helper" in msgs[1]["content"] and "pkg/__init__.py" in msgs[1]["content"]


def test_openai_request_shape_auth_and_written_doc(
    server: FakeServer, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-123")
    server.reply = openai_ok("SHA256: deadbeef\n# `pkg/util.py`\n\nHelpers for the package.")
    (repo / "llmc.toml").write_text(
        f'[docs.docgen]\nbackend = "openai"\n[docs.docgen.openai]\nbase_url = "{server.url}/v1"\n'
        'model = "gpt-x"\napi_key_env = "TEST_LLM_KEY"\nstyle = "freeform"\n'
    )
    with Reactor.open(repo, watch=False) as reactor:
        outcomes = reactor.generate(["pkg/util.py"])
        status = reactor.status()
    assert [o.status for o in outcomes] == ["generated"]
    doc = (repo / "DOCS/REPODOCS/pkg/util.py.md").read_text()
    assert doc_header(repo, "pkg/util.py") == f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
    assert doc.count("SHA256:") == 1 and "Helpers for the package." in doc
    post = next(s for s in server.seen if s.method == "POST")
    assert post.path == "/v1/chat/completions"
    assert post.headers["Authorization"] == "Bearer sk-test-123"
    assert post.body is not None and post.body["model"] == "gpt-x"
    assert status.backend == f"openai (model gpt-x at {server.url}/v1; free-form Markdown)"
    assert status.extra["backend_health"] == "ok"
    assert "sk-test-123" not in json.dumps(status.to_json())


def test_openai_without_key_sends_no_auth(server: FakeServer, repo: Path) -> None:
    server.reply = openai_ok("# doc")
    backend = openai(server, env="REACTOR_TEST_UNSET_KEY")
    try:
        backend.generate(request(repo))
    finally:
        backend.close()
    assert "Authorization" not in server.seen[0].headers


def cut_stream(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    ollama_stream(handler, [{"message": {"content": "# partial"}, "done": False}])


def slow(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    time.sleep(1.5)  # a fake server slower than the client's timeout
    send_json(handler, {})


def malformed(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "9")
    handler.end_headers()
    handler.wfile.write(b"{not json")


def http_500(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    send_json(handler, {"error": "model 'x' not found"}, status=500)


def truncated_body(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b'{"choices": [')
    handler.close_connection = True


@pytest.mark.parametrize(
    ("make", "reply", "words"),
    [
        (ollama, cut_stream, "stream ended before the model finished"),
        (ollama, http_500, "HTTP 500"),
        (ollama, malformed, "malformed response"),
        (ollama, slow, "timed out after 0.5s"),
        (ollama, ollama_ok("   "), "degenerate doc (empty)"),
        (ollama, ollama_ok("```"), "degenerate doc (empty)"),
        (ollama, ollama_ok("---\n***\n"), "degenerate doc (no text, only fences or punctuation)"),
        (ollama, ollama_ok("```markdown\n```\n"), "degenerate doc"),
        (ollama, ollama_ok("- item\n" * 30), "degenerate doc (30 lines but only 1 distinct"),
        (
            ollama,
            lambda h, s: ollama_stream(
                h, [{"message": {"content": "# a"}, "done": True, "done_reason": "length"}]
            ),
            "cut at max_tokens (1024)",
        ),
        (
            openai,
            lambda h, s: send_json(
                h,
                {"error": {"message": "This model's maximum context length is 4096 tokens"}},
                status=400,
            ),
            "HTTP 400",
        ),
        (openai, http_500, 'HTTP 500: {"error": "model \'x\' not found"}'),
        (openai, malformed, "malformed response"),
        (openai, slow, "timed out after 0.5s"),
        (openai, truncated_body, "cut mid-response"),
        (openai, openai_ok("# doc", finish="length"), "cut at max_tokens (1024)"),
        (openai, lambda h, s: send_json(h, {"choices": []}), "malformed response"),
    ],
)
def test_faults_skip_the_file_with_a_reason(
    server: FakeServer,
    repo: Path,
    make: Callable[..., OllamaBackend | OpenAIBackend],
    reply: Callable[[BaseHTTPRequestHandler, Seen], None],
    words: str,
) -> None:
    server.reply = reply
    backend = make(server, timeout=0.5)
    try:
        with pytest.raises(BackendError) as info:
            backend.generate(request(repo))
    finally:
        backend.close()
    assert not isinstance(info.value, BackendUnavailable)
    assert words in info.value.reason


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_down_pauses_the_backend_not_the_files(repo: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    config = DocgenConfig().replace(
        backend="ollama",
        idle_after_seconds=0.0,
        ollama=OllamaConfig(url=url, model="m", timeout_seconds=2),
    )
    with Reactor.open(repo, config=config, watch=False) as reactor:
        assert reactor.tick().status == "rescanned"
        result = reactor.tick()
        assert result.status == "backend_down" and not result.work_done
        assert "unreachable" in result.reason
        assert reactor.tick().status == "backend_down"  # paused: no request per tick
        rows = [reactor.index.get(p) for p in ("pkg/util.py", "main.c")]
        assert all(r is not None and r.failures == 0 for r in rows)
        assert "unreachable" in reactor.status().extra["backend_health"]


def test_missing_llm_extra_is_a_clear_config_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from reactor.errors import ConfigError

    for name in [
        m
        for m in sys.modules
        if m == "httpx" or m.startswith(("httpx.", "reactor.backends.o", "reactor.backends.llm"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "httpx", None)  # import httpx -> ModuleNotFoundError
    config = DocgenConfig().replace(backend="ollama", ollama=OllamaConfig(model="m"))
    with pytest.raises(ConfigError, match=r"pip install 'llmc-reactor\[llm\]'"):
        make_backend(config, repo)


def test_the_prompt_fits_the_window_cutting_in_the_stated_order(repo: Path) -> None:
    budget = prompt_budget(4096, 1024)
    old_doc = "SHA256: " + "a" * 64 + "\n\n# old doc\n" + "A line of the old doc.\n" * 600
    neighbours = "Imports (in this repo):\n" + "\n".join(
        f"- pkg/m{i}.py: " + ", ".join(f"def f{j}" for j in range(12)) for i in range(12)
    )
    small = request(repo, existing_doc_contents=old_doc, graph_context=neighbours)
    text = user_prompt(small, budget_tokens=budget)
    assert estimate_tokens(text) <= budget
    assert "previous doc cut" in text and "def helper" in text  # the old doc gave way first
    assert "def f11" in text  # the neighbours' symbols were not needed

    source = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(2000))
    big = request(
        repo, source_contents=source, existing_doc_contents=old_doc, graph_context=neighbours
    )
    text = user_prompt(big, budget_tokens=budget)
    assert estimate_tokens(text) <= budget
    assert "<previous-doc>" not in text  # gone entirely
    assert "- pkg/m3.py\n" in text and "def f11, " not in text  # paths kept, symbols dropped
    assert "def f0(x)" in text and "def f1999(x)" in text  # head and tail of the source kept
    assert "[source cut: " in text and "def f1000(x)" not in text  # the middle went


def test_requests_bound_the_reply_and_the_window(server: FakeServer, repo: Path) -> None:
    server.reply = ollama_ok("# `pkg/util.py`\n\nHelpers.")
    backend = ollama(server)
    try:
        backend.generate(request(repo))
    finally:
        backend.close()
    chat = next(s for s in server.seen if s.path == "/api/chat")
    assert chat.body is not None
    assert chat.body["options"] == {"temperature": 0.2, "num_predict": 1024, "num_ctx": 8192}
    server.seen.clear()
    server.reply = openai_ok("# doc")
    backend2 = OpenAIBackend(
        OpenAIConfig(
            base_url=server.url + "/v1",
            model="m",
            max_tokens=300,
            context_tokens=2048,
            style="freeform",
        )
    )
    try:
        backend2.generate(request(repo))
    finally:
        backend2.close()
    assert server.seen[0].body is not None and server.seen[0].body["max_tokens"] == 300


def test_status_shows_what_the_backlog_will_cost(server: FakeServer, repo: Path) -> None:
    server.reply = openai_ok("# doc")
    config = DocgenConfig().replace(
        backend="openai",
        openai=OpenAIConfig(base_url=server.url + "/v1", model="m", style="freeform"),
    )
    with Reactor.open(repo, config=config, watch=False) as reactor:
        report = reactor.status()
        assert report.missing == 3
        tokens = report.extra["backlog_prompt_tokens"]
        assert isinstance(tokens, int) and tokens > 3 * estimate_tokens("You write concise")
        assert f"backlog:    ~{tokens:,} prompt tokens" in report.to_text()
        reactor.generate(["main.c"])
        assert reactor.status().extra["backlog_prompt_tokens"] < tokens


def test_clean_output() -> None:
    assert clean_output("```md\n# t\n```", "x") == Generated("# t\n")
    assert clean_output("SHA256: 00\nSHA256: 11\n\n# t", "x") == Generated("# t\n")
    assert clean_output("```markdown\n# t\n\nText.", "x") == Generated("# t\n\nText.\n")
    assert clean_output("# t\n\nText.\n```", "x") == Generated("# t\n\nText.\n")
    kept = "# t\n\n```python\nx = 1\n```\n"  # a code block inside the doc stays
    assert clean_output(kept, "x") == Generated(kept)
    with pytest.raises(BackendError, match="degenerate"):
        clean_output("```\n```", "x")


def test_a_free_form_doc_that_leaves_a_fence_open_cannot_swallow_the_inputs_line(
    server: FakeServer, repo: Path
) -> None:
    reply = "# `pkg/util.py`\n\n## Purpose\n\nHelpers.\n\n## Example\n\n```python\nhelper(1)"
    assert clean_output(reply, "x") == Generated(reply + "\n```\n")
    server.reply = openai_ok(reply)
    config = DocgenConfig().replace(
        backend="openai",
        openai=OpenAIConfig(base_url=server.url + "/v1", model="m", style="freeform"),
    )
    with Reactor.open(repo, config=config, watch=False) as reactor:
        [outcome] = reactor.generate(["pkg/util.py"])
    assert outcome.status == "generated"
    doc = (repo / "DOCS/REPODOCS/pkg/util.py.md").read_text()
    assert "helper(1)\n```\n\n<!-- reactor inputs:" in doc  # (the suite's check parses it too)
