"""What the LLM backends share: the prompt, output cleaning, and HTTP error mapping.

The reactor, not the model, writes the ``SHA256:`` header; whatever the model returns is cleaned
(a wrapping code fence and stray header lines removed) and refused when empty. A server that
cannot be reached raises :class:`BackendUnavailable`, which pauses the whole backend instead of
marking every file failed; every other HTTP problem skips just this file with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx  # the 'llm' extra; this module is imported only when such a backend is configured

from ..errors import BackendError, BackendUnavailable
from . import Backend, DocRequest, Generated

#: Source beyond this many characters is cut with a marker (about 6k tokens).
MAX_SOURCE_CHARS = 24_000
MAX_PREVIOUS_DOC_CHARS = 8_000

SYSTEM_PROMPT = (
    "You write concise, accurate Markdown documentation for one source file of a software "
    "repository. Use these sections: '## Purpose' (what the file is for, 1-3 sentences), "
    "'## Public API' (the important classes, functions and constants with one line each), "
    "'## How it fits' (how it relates to the neighbouring files listed, if any) and "
    "'## Caveats' (surprises, side effects, limits; omit if none). Start with a '# `path`' "
    "title. Describe only what the code shows; do not invent behaviour. Output Markdown only: "
    "no preamble, no code fence around the whole answer, no SHA256 line."
)

_FENCE_RE = re.compile(r"\A```[\w-]*\n(?P<body>.*?)\n?```\Z", re.DOTALL)
_HEADER_LINE_RE = re.compile(r"\ASHA256:[^\n]*\n?")


def user_prompt(request: DocRequest) -> str:
    """The per-file message: path, neighbours, previous doc, and the (possibly cut) source."""
    source = request.source_contents
    if len(source) > MAX_SOURCE_CHARS:
        shown = source[:MAX_SOURCE_CHARS]
        total = len(request.source_contents)
        source = f"{shown}\n… [truncated: {MAX_SOURCE_CHARS} of {total} characters shown]"
    parts = [f"File: `{request.relative_path}`"]
    if request.graph_context:
        parts.append(f"Neighbouring files in this repository:\n{request.graph_context}")
    if request.existing_doc_contents:
        previous = _HEADER_LINE_RE.sub("", request.existing_doc_contents, count=1).strip()
        if previous:
            previous = previous[:MAX_PREVIOUS_DOC_CHARS]
            parts.append(
                "The previous version of this doc (update it to match the source; keep what is "
                f"still true):\n<previous-doc>\n{previous}\n</previous-doc>"
            )
    parts.append(f"Source:\n<source>\n{source}\n</source>")
    return "\n\n".join(parts)


def messages(request: DocRequest) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user_prompt(request)},
    ]


def clean_output(text: str, backend: str) -> Generated:
    """Strip a wrapping code fence and stray ``SHA256:`` lines; refuse an empty doc."""
    body = text.strip()
    fenced = _FENCE_RE.match(body)
    if fenced:
        body = fenced.group("body").strip()
    while _HEADER_LINE_RE.match(body):
        body = _HEADER_LINE_RE.sub("", body, count=1).lstrip()
    if not body:
        raise BackendError(backend, "the model returned an empty doc")
    return Generated(body + "\n")


class HTTPBackend(Backend):
    """Base for servers spoken to over HTTP with one shared ``httpx.Client``."""

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

    def _headers(self) -> dict[str, str]:
        """Per-request headers (credentials are read at request time, never stored)."""
        return {}
