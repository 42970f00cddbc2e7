"""Grounded LLM docs against loopback servers: each structured-output dialect, the fallbacks,
what is dropped and flagged, cut replies salvaged, and never a third send of the same content."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from test_llm_backends import FakeServer, Seen, ollama, ollama_stream, openai, send_json, server

from reactor.backends import DocRequest
from reactor.backends.grounded import Bounds, question
from reactor.backends.replies import parse_reply, prose_reply
from reactor.config import DocgenConfig, OpenAIConfig
from reactor.errors import BackendError
from reactor.facts import extract
from reactor.reactor import Reactor
from reactor.scheduler import MAX_ATTEMPTS_PER_HASH

__all__ = ["server"]  # the fixture, imported for its name

SOURCE = (
    '"""Money helpers."""\n\n\nclass Wallet:\n    """Holds coins."""\n\n'
    "    def add(self, coins: int) -> None:\n        self.coins += coins\n\n\n"
    "def total(wallets: list[Wallet]) -> int:\n    return sum(w.coins for w in wallets)\n"
)


def request(repo: Path, source: str = SOURCE) -> DocRequest:
    rel = "pkg/money.py"
    return DocRequest(
        repo,
        rel,
        "0" * 64,
        source,
        None,
        "Imported by:\n- pkg/shop.py: total",
        extract(rel, source.encode()),
    )


def answer(**extra: object) -> str:
    reply: dict[str, object] = {
        "summary": "Keeps coins in `Wallet` objects and sums them with `total`.",
        "symbols": [
            {"name": "Wallet", "description": "A purse of coins."},
            {"name": "Wallet.add", "description": "Adds `coins` to the purse."},
            {"name": "total", "description": "The coins of all wallets, used by the shop."},
        ],
        "caveats": ["`add` does not check for negative amounts."],
    }
    reply.update(extra)
    return json.dumps(reply)


def openai_reply(text: str, finish: str = "stop"):  # type: ignore[no-untyped-def]
    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        send_json(
            handler,
            {
                "choices": [{"message": {"content": text}, "finish_reason": finish}],
                "usage": {"prompt_tokens": 10},
            },
        )

    return reply


def test_openai_json_schema_request_and_the_rendered_doc(
    server: FakeServer, tmp_path: Path
) -> None:
    server.reply = openai_reply("```json\n" + answer() + "\n```")
    backend = openai(server, style="grounded")
    try:
        doc = backend.generate(request(tmp_path)).body  # type: ignore[union-attr]
    finally:
        backend.close()
    body = server.seen[0].body
    assert body is not None and body["cache_prompt"] is True
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    names = schema["properties"]["symbols"]["items"]["properties"]["name"]["enum"]
    assert names == ["Wallet", "total", "Wallet.add"]
    assert schema["properties"]["summary"]["maxLength"] > 0
    assert body["messages"][0]["content"].startswith("You document one source file")
    # the structure is the facts', the prose the model's — after the author's own docs
    assert (
        "## Purpose\n\nMoney helpers.\n\n"
        "(Model: Keeps coins in `Wallet` objects and sums them with `total`.)\n" in doc
    )
    assert "### `class Wallet`\n\nHolds coins. (Model: A purse of coins.)\n" in doc
    assert "- `def add(self, coins: int) -> None` — Adds `coins` to the purse." in doc
    assert "- `def total(wallets: list[Wallet]) -> int` — The coins of all wallets" in doc
    assert "## Caveats" not in doc  # the code raises, asserts, marks nothing: a guess


def test_a_server_refusing_json_schema_is_asked_with_json_object_then_instructions(
    server: FakeServer, tmp_path: Path
) -> None:
    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        fmt = (seen.body or {}).get("response_format")
        if fmt is not None:
            send_json(handler, {"error": f"unsupported response_format {fmt['type']}"}, 400)
        else:
            openai_reply("Here you go: " + answer())(handler, seen)

    server.reply = reply
    backend = openai(server, style="grounded")
    try:
        backend.generate(request(tmp_path))
        assert backend.dialect == "instructions" and "instructions" in backend.describe()
        backend.generate(request(tmp_path))  # probed once: asked the way that worked
    finally:
        backend.close()
    kinds = [(s.body or {}).get("response_format", {}).get("type") for s in server.seen]
    assert kinds == ["json_schema", "json_object", None, None]
    assert '"maxLength"' in server.seen[2].body["messages"][1]["content"]  # type: ignore[index]


def test_ollama_format_and_its_fallback(server: FakeServer, tmp_path: Path) -> None:
    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.path == "/api/show":
            send_json(handler, {"model_info": {}})
        elif "format" in (seen.body or {}):
            send_json(handler, {"error": "format not supported"}, 400)
        else:
            ollama_stream(handler, [{"message": {"content": answer()}, "done": True}])

    server.reply = reply
    backend = ollama(server, style="grounded")
    try:
        doc = backend.generate(request(tmp_path)).body  # type: ignore[union-attr]
    finally:
        backend.close()
    chats = [s.body for s in server.seen if s.path == "/api/chat"]
    assert chats[0] is not None and chats[0]["format"]["type"] == "object"
    assert chats[1] is not None and "format" not in chats[1]
    assert "A purse of coins." in doc


def test_unknown_symbols_are_dropped_and_strange_identifiers_flagged(
    server: FakeServer, tmp_path: Path
) -> None:
    reply = answer(
        symbols=[
            {"name": "Wallet", "description": "Holds coins. It calls `withdraw_all()` on close."},
            {"name": "refund", "description": "Refunds a purchase."},
            {"name": "add", "description": "Adds coins."},  # a member by its short name
        ],
        summary="Sums wallets through `pkg.ledger.post`.",
    )
    server.reply = openai_reply(reply)
    backend = openai(server, style="grounded")
    try:
        doc = backend.generate(request(tmp_path)).body  # type: ignore[union-attr]
    finally:
        backend.close()
    assert "refund" not in doc.lower() and "withdraw_all" not in doc and "ledger" not in doc
    assert "- `class Wallet` — Holds coins." not in doc  # a type keeps its heading
    assert "Holds coins." in doc and "— Adds coins." in doc
    assert "## Purpose\n\nMoney helpers." in doc  # the summary was all flagged: the docstring
    # two strangers, and the default reply's caveat with nothing in the code to rest on
    assert backend.counts["unknown_symbols"] == 1 and backend.counts["flagged_sentences"] == 3


def test_a_cut_grounded_reply_keeps_what_parsed(server: FakeServer, tmp_path: Path) -> None:
    cut = answer()[:150]  # inside the symbols array
    server.reply = openai_reply(cut, finish="length")
    backend = openai(server, style="grounded")
    try:
        doc = backend.generate(request(tmp_path)).body  # type: ignore[union-attr]
    finally:
        backend.close()
    assert len(server.seen) == 1 and "Keeps coins in `Wallet` objects" in doc
    assert backend.counts["salvaged"] == 1


def test_a_useless_cut_is_asked_once_more_tighter_then_refused_for_good(
    server: FakeServer, tmp_path: Path
) -> None:
    server.reply = openai_reply('{"summ', finish="length")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/money.py").write_text(SOURCE)
    config = DocgenConfig().replace(
        backend="openai",
        openai=OpenAIConfig(base_url=server.url + "/v1", model="m", max_tokens=400),
    )
    with Reactor.open(tmp_path, config=config, watch=False) as reactor:
        [outcome] = reactor.generate(["pkg/money.py"])
        row = reactor.index.get("pkg/money.py")
        assert row is not None and reactor.scheduler.waits(row)  # until the content changes
    assert outcome.status == "failed" and "even with tighter bounds" in outcome.reason
    assert row.failures == MAX_ATTEMPTS_PER_HASH
    sent = [s.body for s in server.seen if s.body]
    assert len(sent) == 2  # the same content, twice, never a third time
    limits = [
        s["response_format"]["json_schema"]["schema"]["properties"]["summary"]["maxLength"]
        for s in sent
    ]  # type: ignore[index]
    assert limits[1] < limits[0]


def test_a_cut_freeform_reply_keeps_its_complete_sections(
    server: FakeServer, tmp_path: Path
) -> None:
    text = "# `pkg/money.py`\n\n## Purpose\n\nMoney.\n\n## Public API\n\n- `total`\n\n## How it fi"
    server.reply = openai_reply(text, finish="length")
    backend = openai(server)
    try:
        doc = backend.generate(request(tmp_path)).body  # type: ignore[union-attr]
    finally:
        backend.close()
    assert doc == "# `pkg/money.py`\n\n## Purpose\n\nMoney.\n\n## Public API\n\n- `total`\n"
    server.seen.clear()
    server.reply = openai_reply("# `pkg/money.py`\n\n## Purpose\n\nMon", finish="length")
    backend = openai(server)
    try:
        with pytest.raises(BackendError, match="before two whole sections") as info:
            backend.generate(request(tmp_path))
    finally:
        backend.close()
    assert info.value.final and len(server.seen) == 2
    assert "Keep the whole doc under" in server.seen[1].body["messages"][1]["content"]  # type: ignore[index]


def test_a_429_is_waited_out_as_retry_after_says(server: FakeServer, tmp_path: Path) -> None:
    calls: list[int] = []

    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        calls.append(1)
        if len(calls) == 1:
            handler.send_response(429)
            handler.send_header("Retry-After", "2")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        else:
            openai_reply(answer())(handler, seen)

    server.reply = reply
    backend = openai(server, style="grounded")
    waited: list[float] = []
    backend.sleep = waited.append
    try:
        backend.generate(request(tmp_path))
    finally:
        backend.close()
    assert waited == [2.0] and len(calls) == 2


def test_bounds_keep_the_reply_inside_max_tokens() -> None:
    for max_tokens, symbols in ((256, 3), (1024, 40), (400, 100), (4096, 5)):
        b = Bounds.fitting(max_tokens, symbols)
        worst = b.summary + b.symbols * (b.description + 40) + 3 * b.caveat + 60
        assert worst <= max_tokens * 3.0 * 1.1 and b.symbols >= 1
    assert Bounds.fitting(1024, 40, tighter=True).summary < Bounds.fitting(1024, 40).summary


def test_lenient_parsing() -> None:
    assert parse_reply('Sure! {"summary": "x", "symbols": [], "caveats": []} Hope it helps.')
    assert parse_reply('{"summary": "cut he') == {"summary": "cut he"}
    assert parse_reply('{"summary": "a", "symbols": [{"name": "f", "descr') is not None
    assert parse_reply("no json here") is None


def test_jobs_keep_n_requests_in_flight_and_wait_out_a_429(
    server: FakeServer, tmp_path: Path
) -> None:
    """`generate --jobs 4` against a server that serves four at once: four requests wait on it
    together (a barrier in the server proves it), one 429 is waited out, every doc is written."""
    import threading

    from reactor.cli import main

    for i in range(8):
        (tmp_path / f"m{i}.py").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"m{i}.py").write_text(f"def f{i}(x: int) -> int:\n    return x + {i}\n")
    (tmp_path / "llmc.toml").write_text(
        f'[docs.docgen]\nbackend = "openai"\n[docs.docgen.openai]\nbase_url = "{server.url}/v1"\n'
        'model = "m"\n'
    )
    four = threading.Barrier(4, timeout=10)
    lock = threading.Lock()
    state = {"inflight": 0, "most": 0, "calls": 0}

    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        with lock:
            state["calls"] += 1
            state["inflight"] += 1
            state["most"] = max(state["most"], state["inflight"])
            first = state["calls"] == 1
        try:
            if state["calls"] <= 4:
                four.wait()  # only four requests in flight together get past this
            if first:
                handler.send_response(429)
                handler.send_header("Retry-After", "0")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            openai_reply(json.dumps({"summary": "Adds numbers.", "symbols": [], "caveats": []}))(
                handler, seen
            )
        finally:
            with lock:
                state["inflight"] -= 1

    server.reply = reply
    assert main(["generate", "--all", "--jobs", "4", "--repo", str(tmp_path)]) == 0
    assert state["most"] == 4 and state["calls"] == 9  # 8 files, one 429 asked again
    docs = sorted(p.name for p in (tmp_path / "DOCS/REPODOCS").glob("*.md"))
    assert docs == ["README.md", *(f"m{i}.py.md" for i in range(8))]  # and the repo's page
    assert "Adds numbers." in (tmp_path / "DOCS/REPODOCS/m3.py.md").read_text()


def test_an_edit_asks_only_about_what_it_changed(server: FakeServer, tmp_path: Path) -> None:
    """The model's prose is kept per part with a fingerprint of what it was written from: an
    edit re-asks only the changed function (its code alone in the prompt), and an edit that no
    part shows asks nothing."""
    bodies: list[dict[str, object]] = []

    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        assert seen.body is not None
        bodies.append(seen.body)
        names = seen.body["response_format"]["json_schema"]["schema"]["properties"]["symbols"][  # type: ignore[index]
            "items"
        ]["properties"]["name"]["enum"]
        symbols = [{"name": n, "description": f"About {n.split('.')[-1]}."} for n in names]
        openai_reply(json.dumps({"summary": "Keeps money.", "symbols": symbols, "caveats": []}))(
            handler, seen
        )

    server.reply = reply
    (tmp_path / "pkg").mkdir()
    path = tmp_path / "pkg/money.py"
    path.write_text(SOURCE)
    config = DocgenConfig().replace(
        backend="openai", openai=OpenAIConfig(base_url=server.url + "/v1", model="m")
    )
    with Reactor.open(tmp_path, config=config, watch=False) as reactor:
        reactor.generate(["pkg/money.py"])
        path.write_text(SOURCE.replace("return sum(w.coins", "return sum(0 + w.coins"))
        reactor.generate(["pkg/money.py"])
        path.write_text(path.read_text() + "\n\ndef _private_helper():\n    return 1\n")
        [outcome] = reactor.generate(["pkg/money.py"])
    assert outcome.status == "generated" and len(bodies) == 2  # the last edit: no call
    first, second = (b["messages"][1]["content"] for b in bodies)  # type: ignore[index]
    assert "class Wallet" in first and "def add" in first  # the whole file, first time
    asked = second.split("Described already")[0]
    assert "`total`" in asked and "`Wallet`" not in asked and "Wallet.add" not in asked
    assert "return sum(0 + w.coins" in second and "self.coins += coins" not in second
    assert "summary is known" in second
    doc = (tmp_path / "DOCS/REPODOCS/pkg/money.py.md").read_text()
    assert "— About add." in doc and "— About total." in doc and "Keeps money." in doc
    assert len(second) < len(first)


def test_lenient_parsing_of_escapes_and_raw_newlines() -> None:
    assert parse_reply('{"summary": "matches \\s+ and \\d"}') == {"summary": "matches \\s+ and \\d"}
    assert parse_reply('{"summary": "line one\nline two"}') == {"summary": "line one\nline two"}


def test_each_symbols_stretch_of_code_decorators_and_all() -> None:
    from reactor.backends.grounded import spans

    source = "class A:\n    @property\n    def x(self) -> int:\n        return 1\n\n    def y(self):\n        pass\n"
    facts = extract("a.py", source.encode())
    assert facts is not None
    stretch = spans(source, facts.symbols)
    assert stretch["A.x"].startswith("    def x(self)") and "return 1" in stretch["A.x"]
    assert "pass" in stretch["A.y"] and "return 1" not in stretch["A.y"]


PROSE_REPLY = """Here is the documentation for `pkg/money.py`:

# `pkg/money.py`

## Purpose

Keeps coins in `Wallet` objects and sums them with `total`.
It keeps <b>no</b> state | between calls.

## Public API

- `Wallet.add(coins)` — Adds `coins` to the purse.
- **total**: The coins of all wallets.
- `refund` — Refunds a purchase.

| Name | What it is |
|---|---|
| `Wallet` | A purse of <details>coins</details>. |

```python
def total(wallets): ...
```

## Caveats

- `add` does not check for negative amounts.
- It calls `withdraw_all()` on close.
"""


def test_a_prose_reply_to_a_grounded_request_is_kept_not_asked_again(
    server: FakeServer, tmp_path: Path
) -> None:
    """A model that ignores `response_format` and writes Markdown: the doc keeps its prose
    (summary, descriptions, caveats; checked like JSON prose), and nothing is asked twice."""
    server.reply = openai_reply(PROSE_REPLY)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/money.py").write_text(SOURCE)
    config = DocgenConfig().replace(
        backend="openai", openai=OpenAIConfig(base_url=server.url + "/v1", model="m")
    )
    with Reactor.open(tmp_path, config=config, watch=False) as reactor:
        [outcome] = reactor.generate(["pkg/money.py"])
        counts = reactor.backend.counts  # type: ignore[attr-defined]
    assert outcome.status == "generated", outcome.reason
    sent = [s.body for s in server.seen if s.body]
    assert len(sent) == 1 and "response_format" in sent[0]  # asked for JSON, once
    doc = (tmp_path / "DOCS/REPODOCS/pkg/money.py.md").read_text()
    assert (
        "## Purpose\n\nMoney helpers.\n\n(Model: Keeps coins in `Wallet` objects and sums them "
        "with `total`. It keeps \\<b>no\\</b> state \\| between calls.)\n" in doc
    )
    assert (
        "### `class Wallet`\n\nHolds coins. (Model: A purse of \\<details>coins\\</details>.)\n"
        in doc
    )
    assert "- `def add(self, coins: int) -> None` — Adds `coins` to the purse." in doc
    assert "- `def total(wallets: list[Wallet]) -> int` — The coins of all wallets." in doc
    assert "## Caveats" not in doc  # nothing in the code for them to rest on
    assert "withdraw_all" not in doc and "refund" not in doc.lower()
    assert "def total(wallets):" not in doc  # code is no prose
    assert counts["prose_replies"] == 1 and counts["flagged_sentences"] == 2


def test_an_ollama_model_ignoring_format_writes_prose_and_it_is_kept(
    server: FakeServer, tmp_path: Path
) -> None:
    def reply(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.path == "/api/show":
            send_json(handler, {"model_info": {}})
        else:
            text = "This file keeps coins in wallets. It sums them with `ghost_total`."
            ollama_stream(handler, [{"message": {"content": text}, "done": True}])

    server.reply = reply
    backend = ollama(server, style="grounded")
    try:
        doc = backend.generate(request(tmp_path)).body  # type: ignore[union-attr]
    finally:
        backend.close()
    chats = [s.body for s in server.seen if s.path == "/api/chat"]
    assert len(chats) == 1 and chats[0] is not None and "format" in chats[0]
    # the author's docstring first; the model's sentence after it, its stranger flagged
    assert "## Purpose\n\nMoney helpers.\n\n(Model: This file keeps coins in wallets.)\n" in doc
    assert "### `class Wallet`\n\nHolds coins." in doc  # the facts' own doc where it said none
    assert backend.counts["prose_replies"] == 1 and backend.counts["retried"] == 0


def test_a_reply_with_neither_json_nor_prose_is_asked_once_more_then_refused(
    server: FakeServer, tmp_path: Path
) -> None:
    server.reply = openai_reply("```python\ndef total(wallets):\n    return 0\n```")
    backend = openai(server, style="grounded")
    try:
        with pytest.raises(BackendError, match="neither usable JSON nor prose, twice") as info:
            backend.generate(request(tmp_path))
    finally:
        backend.close()
    assert info.value.final and len(server.seen) == 2


def test_prose_replies_read_into_the_replys_shape() -> None:
    q = question(request(Path("/r")), max_tokens=1024, budget_tokens=3000, instructions=False)
    text = (
        "```markdown\n## Summary:\n\nSums wallets.\n\n### `Wallet.add(coins: int)`\n\n"
        "Adds coins\nto the purse.\n\nMore about the file.\n```\nReturns `{}` when empty.\n\n"
        "### Notes\n\n* Not thread-safe."
    )
    assert parse_reply("Returns `{}` when empty.") is None  # a `{}` in prose is no reply
    assert prose_reply(text, q.names) == {
        "summary": "Sums wallets. More about the file. Returns `{}` when empty.",
        "symbols": [{"name": "Wallet.add", "description": "Adds coins to the purse."}],
        "caveats": ["Not thread-safe."],
    }
    assert prose_reply("```\n```\n", q.names) is None


WRAP_SOURCE = '''"""Text wrapping."""
import sys


class TextWrapper:
    def __init__(self, width=70, initial_indent="", subsequent_indent=""):
        self.width = width

    def fill(self, text):
        if width <= 0:
            raise ValueError("invalid width %r (must be > 0)" % self.width)
        return text


def wrap(text, width=70, **kwargs):
    """Wrap a single paragraph of text, returning a list of wrapped lines."""
    return TextWrapper(width=width, **kwargs).fill(text)
'''


def test_the_source_wins_over_the_model_and_claims_must_match_the_code(tmp_path: Path) -> None:
    """What a small model said of textwrap.py: its sentence follows the author's docstring
    (marked), a wrong count of arguments, another function's parameter and a platform claim
    with no platform check in the code are dropped and counted; a caveat about the `raise`
    the code shows stays."""
    from reactor.backends.grounded import check, render

    rel = "textwrap.py"
    req = DocRequest(
        tmp_path, rel, "0" * 64, WRAP_SOURCE, None, None, extract(rel, WRAP_SOURCE.encode())
    )
    q = question(req, max_tokens=1024, budget_tokens=3000, instructions=False)
    reply = {
        "summary": "Wraps text. The fill() function is not available on all platforms.",
        "symbols": [
            {
                "name": "wrap",
                "description": "The wrap method is a wrapper for fill(). "
                "It takes two arguments: width and initial_indent.",
            },
            {"name": "TextWrapper.fill", "description": "Fills text. Width defaults to 80."},
        ],
        "caveats": [
            "`fill` raises `ValueError` for a width of zero or less.",
            "Only works on Linux.",
        ],
    }
    answer = check(reply, q, req)
    doc = render(req, answer)
    assert (
        "`def wrap(text, width=70, **kwargs)` — Wrap a single paragraph of text, returning a "
        "list of wrapped lines. (Model: The wrap method is a wrapper for fill().)" in doc
    )
    assert "initial_indent" not in doc.split("## Functions")[1].split("##")[0]
    assert "## Purpose\n\nText wrapping.\n\n(Model: Wraps text.)\n" in doc
    assert "platforms" not in doc and "Linux" not in doc and "80" not in doc
    assert "`fill` raises `ValueError` for a width of zero or less." in doc
    assert sorted(answer.flagged) == sorted(
        [
            "The fill() function is not available on all platforms.",
            "It takes two arguments: width and initial_indent.",
            "Width defaults to 80.",
            "Only works on Linux.",
        ]
    )


def test_parameters_of_signatures_in_many_languages() -> None:
    from reactor.backends.grounded import parameters

    assert parameters("def f(self, a, b: int = 1, *c, **d) -> None") == ["a", "b", "c", "d"]
    assert parameters("function f(a: Map<string, number>, b?: T): void") == ["a", "b"]
    assert parameters("func (r *Router) Handle(path string, h Handler) error") == ["path", "h"]
    assert parameters("int copy(const char *src, size_t n)") == ["src", "n"]
    assert parameters("pub fn get<K: Hash>(&self, key: &K) -> Option<&V>") == ["key"]
    assert parameters("public static int max(int a, int b)") == ["a", "b"]
    assert parameters("class Wallet") == []
