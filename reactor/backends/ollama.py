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
from .llm import HTTPBackend
from .prompt import clean_output, llm_identity, messages, prompt_budget

#: ``context_tokens = 0``: the model's own window as ``/api/show`` reports it, at most this
#: (a bigger window costs memory on every call), or this fallback when it reports none.
AUTO_CONTEXT_MAX = 8192
AUTO_CONTEXT_FALLBACK = 4096


class OllamaBackend(HTTPBackend):
    name = "ollama"

    def __init__(self, config: OllamaConfig):
        super().__init__(base_url=config.url, timeout_seconds=config.timeout_seconds)
        assert config.model, "validated by the config loader"
        self.model = config.model
        self.keep_alive = config.keep_alive
        self.max_tokens = config.max_tokens
        self._configured_context = config.context_tokens
        self._context_tokens = config.context_tokens or None  # None: ask the server once

    def describe(self) -> str:
        return f"ollama (model {self.model} at {self.base_url})"

    def identity(self) -> str:
        # the configured window (0: the server's), so that no request is needed to tell it
        return llm_identity(
            self.name,
            self.model,
            max_tokens=self.max_tokens,
            context_tokens=self._configured_context,
        )

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

    def prompt(self, request: DocRequest) -> list[dict[str, str]]:
        return messages(request, budget_tokens=prompt_budget(self.context_tokens, self.max_tokens))

    def payload(self, request: DocRequest) -> dict[str, object]:
        return {
            "model": self.model,
            "messages": self.prompt(request),
            "stream": True,
            "keep_alive": self.keep_alive,
            # num_ctx: Ollama would otherwise truncate to its own default window, silently
            "options": {
                "temperature": 0.2,
                "num_predict": self.max_tokens,
                "num_ctx": self.context_tokens,
            },
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
                    if chunk.get("done_reason") == "length":
                        raise BackendError(
                            self.name, f"the reply was cut at max_tokens ({self.max_tokens})"
                        )
                    if isinstance(chunk.get("prompt_eval_count"), int):
                        self.last_prompt_tokens = chunk["prompt_eval_count"]
                    break
        if not done:
            raise BackendError(self.name, "stream ended before the model finished")
        return clean_output("".join(parts), self.name)
