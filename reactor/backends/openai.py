"""The ``openai`` backend: ``POST {base_url}/chat/completions`` on any OpenAI-compatible server.

Works with hosted APIs and local servers (llama.cpp, vLLM, LM Studio). The API key is read from
the environment variable named by ``api_key_env`` at request time: never from the config file,
never logged. Without that variable no ``Authorization`` header is sent (local servers need none).
"""

from __future__ import annotations

import os

from ..config import OpenAIConfig
from ..errors import BackendError
from . import DocRequest, Generated, NoOp
from .llm import HTTPBackend
from .prompt import clean_output, llm_identity, messages, prompt_budget


class OpenAIBackend(HTTPBackend):
    name = "openai"

    def __init__(self, config: OpenAIConfig):
        assert config.base_url and config.model, "validated by the config loader"
        super().__init__(base_url=config.base_url, timeout_seconds=config.timeout_seconds)
        self.model = config.model
        self.api_key_env = config.api_key_env
        self.max_tokens = config.max_tokens
        self.context_tokens = config.context_tokens

    def describe(self) -> str:
        return f"openai (model {self.model} at {self.base_url})"

    def identity(self) -> str:
        return llm_identity(
            self.name, self.model, max_tokens=self.max_tokens, context_tokens=self.context_tokens
        )

    def health_url(self) -> str:
        return f"{self.base_url}/models"

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def prompt(self, request: DocRequest) -> list[dict[str, str]]:
        return messages(request, budget_tokens=prompt_budget(self.context_tokens, self.max_tokens))

    def generate(self, request: DocRequest) -> Generated | NoOp:
        body = {
            "model": self.model,
            "messages": self.prompt(request),
            "temperature": 0.2,
            "max_tokens": self.max_tokens,
        }
        with self._errors():
            response = self._client.post(
                f"{self.base_url}/chat/completions", json=body, headers=self._headers()
            )
            response.raise_for_status()
            data = response.json()
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BackendError(self.name, "malformed response: no choices[0].message") from None
        if not isinstance(content, str):
            raise BackendError(self.name, "malformed response: content is not text")
        if choice.get("finish_reason") == "length":
            raise BackendError(
                self.name,
                f"the reply was cut at max_tokens ({self.max_tokens}): finish_reason=length",
            )
        usage = data.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int):
            self.last_prompt_tokens = usage["prompt_tokens"]
        return clean_output(content, self.name)
