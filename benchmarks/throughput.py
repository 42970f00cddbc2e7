"""Batch throughput against a model server that serves several requests at once.

``reactor generate --all --jobs N`` against a loopback OpenAI-compatible server that answers
each request after a fixed latency and serves up to ``parallel`` at once (a semaphore): the
same files, ``--jobs 1`` and ``--jobs N``, side by side in one run.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from reactor.cli import main as reactor_main


def _server(latency: float, parallel: int) -> tuple[ThreadingHTTPServer, str]:
    slots = threading.Semaphore(parallel)
    reply = json.dumps(
        {
            "choices": [
                {
                    "message": {
                        "content": '{"summary": "A module.", "symbols": [], "caveats": []}'
                    },
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20},
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with slots:
                time.sleep(latency)  # the model's time per request
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def bench_jobs(tmp: Path, files: int = 16, jobs: int = 4, latency: float = 1.0) -> dict[str, Any]:
    httpd, base = _server(latency, parallel=jobs)
    seconds = {}
    try:
        for n in (1, jobs):
            root = tmp / f"jobs-{n}"
            root.mkdir(parents=True)
            for i in range(files):
                (root / f"m{i}.py").write_text(f"def f{i}(x: int) -> int:\n    return x + {i}\n")
            (root / "llmc.toml").write_text(
                f'[docs.docgen]\nbackend = "openai"\n[docs.docgen.openai]\nbase_url = "{base}"\n'
                'model = "m"\n'
            )
            started = time.perf_counter()
            with contextlib.redirect_stdout(sys.stderr):  # its summary line is not the table
                argv = ["generate", "--all", "--jobs", str(n), "--repo", str(root)]
                assert reactor_main(argv) == 0
            seconds[n] = round(time.perf_counter() - started, 2)
            shutil.rmtree(root)
    finally:
        httpd.shutdown()
    return {
        "files": files,
        "jobs": jobs,
        "latency_s": latency,
        "seconds_jobs_1": seconds[1],
        f"seconds_jobs_{jobs}": seconds[jobs],
        "speedup": round(seconds[1] / seconds[jobs], 2),
    }


def table_rows(results: dict[str, Any]) -> list[str]:
    j = results["jobs"]
    n = j["jobs"]
    return [
        f"| generate --all --jobs {n}, {j['files']} files, a server serving {n} at once, "
        f"{j['latency_s']:g} s each | seconds | {j[f'seconds_jobs_{n}']} (--jobs {n}) | "
        f"{j['seconds_jobs_1']} (--jobs 1) | {j['speedup']}× |"
    ]
