"""What the HTTP backends share: one client, and HTTP error mapping (the prompt and reply
cleaning are in :mod:`reactor.backends.prompt`).

A server that cannot be reached raises :class:`BackendUnavailable`, which pauses the whole backend
instead of marking every file failed; every other HTTP problem skips just this file with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx  # the 'llm' extra; this module is imported only when such a backend is configured

from ..errors import BackendError, BackendUnavailable
from . import Backend, DocRequest
from .prompt import TEMPLATE_TOKENS, estimate_tokens


class HTTPBackend(Backend):
    """Base for servers spoken to over HTTP with one shared ``httpx.Client``."""

    #: The prompt tokens the server reported for the last reply (when it reports them).
    last_prompt_tokens: int | None = None

    def __init__(self, *, base_url: str, timeout_seconds: float):
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        )

    def close(self) -> None:
        self._client.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Map transport and HTTP failures to the reactor's two kinds of backend error."""
        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise BackendUnavailable(self.name, f"{self.base_url} unreachable: {exc}") from None
        except httpx.TimeoutException:
            raise BackendError(self.name, f"timed out after {self.timeout_seconds:g}s") from None
        except httpx.HTTPStatusError as exc:
            try:
                body = exc.response.text[:200].strip()
            except httpx.ResponseNotRead:
                body = ""
            raise BackendError(self.name, f"HTTP {exc.response.status_code}: {body}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise BackendError(self.name, f"connection cut mid-response: {exc}") from None
        except ValueError as exc:  # malformed JSON
            raise BackendError(self.name, f"malformed response: {exc}") from None

    def health(self) -> str:
        try:
            with self._errors():
                self._client.get(self.health_url(), headers=self._headers()).raise_for_status()
        except BackendError as exc:
            return exc.reason
        return "ok"

    def health_url(self) -> str:
        """A cheap GET that any healthy server of this kind answers."""
        raise NotImplementedError

    def prompt(self, request: DocRequest) -> list[dict[str, str]]:
        """The chat messages for ``request``, fitted to the model's window."""
        raise NotImplementedError

    def prompt_tokens(self, request: DocRequest) -> int:
        """The estimated prompt tokens of ``request`` (``reactor status`` sums the backlog's)."""
        return sum(estimate_tokens(m["content"]) for m in self.prompt(request)) + TEMPLATE_TOKENS

    def _headers(self) -> dict[str, str]:
        """Per-request headers (credentials are read at request time, never stored)."""
        return {}
