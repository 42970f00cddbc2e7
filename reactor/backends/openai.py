"""The ``openai`` backend: ``POST {base_url}/chat/completions`` on any OpenAI-compatible server.

Works with hosted APIs and local servers (llama.cpp's ``llama-server``, llama-cpp-python, vLLM,
LM Studio). Grounded docs ask for structured output as ``response_format`` with a
``json_schema`` (OpenAI, vLLM, ``llama-server``), else as ``json_object`` with a ``schema``
(llama-cpp-python), else as instructions; ``cache_prompt`` lets llama.cpp reuse the shared
prompt prefix from file to file. A ``429`` is waited out as its ``Retry-After`` says, once, up
to a minute. The API key is read from the environment variable named by ``api_key_env`` at
request time: never from the config file, never logged. Without that variable no
``Authorization`` header is sent (local servers need none).
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..config import OpenAIConfig
from ..errors import BackendError
from .llm import INSTRUCTIONS, HTTPBackend, Reply, StructuredOutputRefused

#: The longest ``Retry-After`` waited for inside one request (a longer one fails the file,
#: which the scheduler backs off).
MAX_RETRY_AFTER_SECONDS = 60.0


class OpenAIBackend(HTTPBackend):
    name = "openai"
    DIALECTS = ("json_schema", "json_object", INSTRUCTIONS)

    def __init__(self, config: OpenAIConfig):
        assert config.base_url and config.model, "validated by the config loader"
        super().__init__(
            base_url=config.base_url, timeout_seconds=config.timeout_seconds, style=config.style
        )
        self.model = config.model
        self.api_key_env = config.api_key_env
        self.max_tokens = config.max_tokens
        self._context_tokens = config.context_tokens
        self.sleep = time.sleep

    @property
    def context_tokens(self) -> int:
        return self._context_tokens

    def describe(self) -> str:
        return f"openai (model {self.model} at {self.base_url}; {self.describe_style()})"

    def health_url(self) -> str:
        return f"{self.base_url}/models"

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def payload(
        self, chat: list[dict[str, str]], schema: dict[str, Any] | None, dialect: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat,
            "temperature": 0.2,
            "max_tokens": self.max_tokens,
            "cache_prompt": True,  # llama.cpp: reuse the common prefix; others ignore it
        }
        if schema is not None and dialect == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "file_doc", "strict": True, "schema": schema},
            }
        elif schema is not None and dialect == "json_object":
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    def complete(
        self, chat: list[dict[str, str]], schema: dict[str, Any] | None, dialect: str
    ) -> Reply:
        body = self.payload(chat, schema, dialect)
        structured = "response_format" in body
        for attempt in (1, 2):
            with self._errors():
                response = self._client.post(
                    f"{self.base_url}/chat/completions", json=body, headers=self._headers()
                )
                if response.status_code == 429 and attempt == 1:
                    wait = _retry_after(response.headers.get("retry-after"))
                    if wait is not None:
                        self.sleep(wait)
                        continue
                if structured and refuses_dialect(response.status_code, response.text):
                    raise StructuredOutputRefused(self.name, f"HTTP {response.status_code}")
                response.raise_for_status()
                data = response.json()
            break
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BackendError(self.name, "malformed response: no choices[0].message") from None
        if not isinstance(content, str):
            raise BackendError(self.name, "malformed response: content is not text")
        usage = data.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int):
            self.last_prompt_tokens = usage["prompt_tokens"]
            self.tokens_used += usage["prompt_tokens"] + int(usage.get("completion_tokens") or 0)
        return Reply(content, choice.get("finish_reason") == "length")


def refuses_dialect(status: int, body: str) -> bool:
    """Whether an error reply rejects the structured-output request itself: a 400/422, or any
    error naming it (llama-cpp-python answers a ``json_schema`` it does not know with a 500
    whose validation error names ``response_format``)."""
    if status < 400:
        return False
    return status in (400, 422) or "response_format" in body or "json_schema" in body


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for, when a number up to a minute (an HTTP date
    or a longer wait: not waited for inside a request)."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER_SECONDS else None
