"""The ``ollama`` backend: ``POST /api/chat`` on a local Ollama server, streamed.

``keep_alive`` comes from the config so the model stays loaded between idle ticks instead of
being evicted and reloaded for every file. The reply is streamed as NDJSON; a stream that ends
without ``"done": true`` was cut mid-way and is refused rather than written half.
"""

from __future__ import annotations

import json

from ..config import OllamaConfig
from ..errors import BackendError
from . import DocRequest, Generated, NoOp
from .llm import HTTPBackend, clean_output, messages


class OllamaBackend(HTTPBackend):
    name = "ollama"

    def __init__(self, config: OllamaConfig):
        super().__init__(base_url=config.url, timeout_seconds=config.timeout_seconds)
        assert config.model, "validated by the config loader"
        self.model = config.model
        self.keep_alive = config.keep_alive

    def describe(self) -> str:
        return f"ollama (model {self.model} at {self.base_url})"

    def health_url(self) -> str:
        return f"{self.base_url}/api/version"

    def payload(self, request: DocRequest) -> dict[str, object]:
        return {
            "model": self.model,
            "messages": messages(request),
            "stream": True,
            "keep_alive": self.keep_alive,
            "options": {"temperature": 0.2},
        }

    def generate(self, request: DocRequest) -> Generated | NoOp:
        parts: list[str] = []
        done = False
        with (
            self._errors(),
            self._client.stream(
                "POST", f"{self.base_url}/api/chat", json=self.payload(request)
            ) as response,
        ):
            if response.is_error:
                response.read()
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.strip():
                    continue
                chunk = json.loads(line)
                if "error" in chunk:
                    raise BackendError(self.name, f"server error: {chunk['error']}")
                parts.append(chunk.get("message", {}).get("content", ""))
                if chunk.get("done"):
                    done = True
                    break
        if not done:
            raise BackendError(self.name, "stream ended before the model finished")
        return clean_output("".join(parts), self.name)
