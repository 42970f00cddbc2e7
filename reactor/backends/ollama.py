"""The ``ollama`` backend: ``POST /api/chat`` on a local Ollama server, streamed.

``keep_alive`` comes from the config so the model stays loaded between idle ticks instead of
being evicted and reloaded for every file. Grounded docs pass their schema as ``format`` (Ollama
0.5+; an older server that refuses it gets the schema as instructions). The reply is streamed as
NDJSON; a stream that ends without ``"done": true`` was cut mid-way and is refused rather than
written half.
"""

from __future__ import annotations

import json
from typing import Any

from ..config import OllamaConfig
from ..errors import BackendError
from .llm import INSTRUCTIONS, HTTPBackend, Reply, StructuredOutputRefused
from .openai import refuses_dialect

#: ``context_tokens = 0``: the model's own window as ``/api/show`` reports it, at most this
#: (a bigger window costs memory on every call), or this fallback when it reports none.
AUTO_CONTEXT_MAX = 8192
AUTO_CONTEXT_FALLBACK = 4096


class OllamaBackend(HTTPBackend):
    name = "ollama"
    DIALECTS = ("format", INSTRUCTIONS)

    def __init__(self, config: OllamaConfig):
        super().__init__(
            base_url=config.url, timeout_seconds=config.timeout_seconds, style=config.style
        )
        assert config.model, "validated by the config loader"
        self.model = config.model
        self.keep_alive = config.keep_alive
        self.max_tokens = config.max_tokens
        self._configured_context = config.context_tokens
        self._context_tokens = config.context_tokens or None  # None: ask the server once

    def describe(self) -> str:
        return f"ollama (model {self.model} at {self.base_url}; {self.describe_style()})"

    def identity_context(self) -> int:
        # the configured window (0: the server's), so that no request is needed to tell it
        return self._configured_context

    def health_url(self) -> str:
        return f"{self.base_url}/api/version"

    @property
    def context_tokens(self) -> int:
        """The window the prompt is fitted to; asked of the server once when not configured."""
        if self._context_tokens is None:
            self._context_tokens = self._reported_context() or AUTO_CONTEXT_FALLBACK
        return self._context_tokens

    def _reported_context(self) -> int | None:
        """``<arch>.context_length`` from ``/api/show`` (capped), or ``None``."""
        try:
            with self._errors():
                response = self._client.post(
                    f"{self.base_url}/api/show", json={"model": self.model}
                )
                response.raise_for_status()
                info = response.json().get("model_info", {})
        except (BackendError, AttributeError):
            return None
        lengths = [
            v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)
        ]
        return min(max(lengths), AUTO_CONTEXT_MAX) if lengths else None

    def payload(
        self, chat: list[dict[str, str]], schema: dict[str, Any] | None, dialect: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat,
            "stream": True,
            "keep_alive": self.keep_alive,
            # num_ctx: Ollama would otherwise truncate to its own default window, silently
            "options": {
                "temperature": 0.2,
                "num_predict": self.max_tokens,
                "num_ctx": self.context_tokens,
            },
        }
        if schema is not None and dialect == "format":
            body["format"] = schema
        return body

    def complete(
        self, chat: list[dict[str, str]], schema: dict[str, Any] | None, dialect: str
    ) -> Reply:
        body = self.payload(chat, schema, dialect)
        parts: list[str] = []
        done = cut = False
        with (
            self._errors(),
            self._client.stream("POST", f"{self.base_url}/api/chat", json=body) as response,
        ):
            if response.is_error:
                response.read()
                if "format" in body and refuses_dialect(response.status_code, response.text):
                    raise StructuredOutputRefused(self.name, f"HTTP {response.status_code}")
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
                    cut = chunk.get("done_reason") == "length"
                    if isinstance(chunk.get("prompt_eval_count"), int):
                        self.last_prompt_tokens = chunk["prompt_eval_count"]
                        self.tokens_used += chunk["prompt_eval_count"] + int(
                            chunk.get("eval_count") or 0
                        )
                    break
        if not done:
            raise BackendError(self.name, "stream ended before the model finished")
        return Reply("".join(parts), cut)
