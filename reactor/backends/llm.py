"""What the HTTP backends share: one client, HTTP error mapping, and one way to a doc.

Each backend only knows how to send its server one chat completion (:meth:`HTTPBackend.complete`)
in each structured-output dialect it may speak. This module turns that into a doc, in either
style: ``grounded`` (the default: the model answers JSON about the symbols it is given, the
reactor renders the doc, :mod:`reactor.backends.grounded`) or ``freeform`` (the model writes the
Markdown, :mod:`reactor.backends.prompt`). The dialect is probed once: a server that rejects one
(HTTP 400/422) is asked the next way, down to plain instructions. A reply is never wasted: a
grounded reply cut at ``max_tokens`` keeps what parsed, one written as prose instead of JSON
(a model that ignores the format) is read into the same shape, a free-form one keeps its
complete sections; with nothing usable the same content is asked once more with tighter
bounds, then refused for good (until it changes) — never a third time.

A server that cannot be reached raises :class:`BackendUnavailable`, which pauses the whole backend
instead of marking every file failed; every other HTTP problem skips just this file with a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx  # the 'llm' extra; this module is imported only when such a backend is configured

from ..errors import BackendError, BackendUnavailable
from . import Backend, DocRequest, Generated, NoOp, replies
from . import grounded as grounded_docs
from .grounded import llm_identity
from .prompt import (
    TEMPLATE_TOKENS,
    clean_output,
    estimate_tokens,
    messages,
    prompt_budget,
    salvage,
    tighter,
)

log = logging.getLogger(__name__)
#: The dialect of last resort: the schema as instructions in the prompt, the reply parsed.
INSTRUCTIONS = "instructions"


@dataclass(frozen=True)
class Reply:
    """One completion: its text, and whether it ran to ``max_tokens``."""

    text: str
    cut: bool


class StructuredOutputRefused(BackendError):
    """The server rejected the structured-output dialect of the request (HTTP 400/422)."""


class HTTPBackend(Backend):
    """Base for servers spoken to over HTTP with one shared ``httpx.Client``."""

    #: The prompt tokens the server reported for the last reply (when it reports them).
    last_prompt_tokens: int | None = None
    #: Prompt and reply tokens the server reported, all replies together.
    tokens_used: int = 0
    #: The structured-output dialects this server kind may speak, best first.
    DIALECTS: tuple[str, ...] = (INSTRUCTIONS,)
    model: str
    max_tokens: int

    def __init__(self, *, base_url: str, timeout_seconds: float, style: str = "grounded"):
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.style = style
        self._dialects = list(self.DIALECTS)
        self._probed = False  # the server answered a request in the first dialect left
        #: What the grounded checks dropped, for ``status`` and the benchmarks.
        self.counts = {
            "unknown_symbols": 0,
            "flagged_sentences": 0,
            "salvaged": 0,
            "retried": 0,
            "no_prose": 0,
            "prose_replies": 0,
        }
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        )

    # -- what each server kind provides -------------------------------------------------------
    @property
    def context_tokens(self) -> int:
        raise NotImplementedError

    def complete(
        self, chat: list[dict[str, str]], schema: dict[str, Any] | None, dialect: str
    ) -> Reply:
        """One chat completion; ``schema`` (grounded style) asked for in ``dialect``."""
        raise NotImplementedError

    # -- one way to a doc -----------------------------------------------------------------
    @property
    def dialect(self) -> str:
        """The structured-output dialect in use (``instructions`` once all were refused)."""
        return self._dialects[0]

    def describe_style(self) -> str:
        if self.style == "freeform":
            return "free-form Markdown"
        probed = "" if self._probed else ", not probed yet"
        return f"grounded, structured output: {self.dialect}{probed}"

    def identity(self) -> str:
        return llm_identity(
            self.name,
            self.model,
            max_tokens=self.max_tokens,
            context_tokens=self.identity_context(),
            style=self.style,
        )

    def identity_context(self) -> int:
        """The window named in the identity (no request needed to tell it)."""
        return self.context_tokens

    def prompt(self, request: DocRequest) -> list[dict[str, str]]:
        """The chat messages for ``request``, fitted to the model's window."""
        if self.style == "grounded":
            return self._question(request).messages
        return messages(request, budget_tokens=self._budget())

    def generate(self, request: DocRequest) -> Generated | NoOp:
        if self.style == "grounded":
            return self._grounded(request)
        return self._freeform(request)

    def _budget(self) -> int:
        return prompt_budget(self.context_tokens, self.max_tokens)

    def _question(self, request: DocRequest, *, tight: bool = False) -> grounded_docs.Question:
        return grounded_docs.question(
            request,
            max_tokens=self.max_tokens,
            budget_tokens=self._budget(),
            instructions=self.dialect == INSTRUCTIONS,
            tighter=tight,
        )

    def _ask(self, request: DocRequest, *, tight: bool) -> tuple[grounded_docs.Question, Reply]:
        """A grounded question, in the best dialect the server takes (probed on first use)."""
        while True:
            q = self._question(request, tight=tight)
            try:
                reply = self.complete(q.messages, q.schema, self.dialect)
                self._probed = True
                return q, reply
            except StructuredOutputRefused as exc:
                refused = self._dialects.pop(0)
                log.info(
                    "%s: the server refused %s (%s); asking %s",
                    self.name,
                    refused,
                    exc.reason,
                    self.dialect,
                )

    def _grounded(self, request: DocRequest) -> Generated:
        q = self._question(request)
        if not q.needed:  # an edit that changed no part the model wrote of: no call at all
            kept = grounded_docs.reuse(grounded_docs.Answer(), q)
            return Generated(grounded_docs.render(request, kept), grounded_docs.prose_of(kept, q))
        for tight in (False, True):
            q, reply = self._ask(request, tight=tight)
            data = replies.parse_reply(reply.text)
            # prose where JSON was asked for (a model that ignores the format) is kept too,
            # read into the same shape, rather than asked for again
            from_prose = (
                data is None and (data := replies.prose_reply(reply.text, q.names)) is not None
            )
            answer = grounded_docs.check(data, q, request) if data is not None else None
            # a whole JSON reply is taken even if nothing in it held up (the doc is the facts');
            # a cut one or prose only when what it says holds up
            if answer is not None and (answer.useful or not (reply.cut or from_prose)):
                self.counts["no_prose"] += not answer.useful
                self.counts["prose_replies"] += from_prose
                self.counts["unknown_symbols"] += len(answer.unknown_symbols)
                self.counts["flagged_sentences"] += len(answer.flagged)
                self.counts["salvaged"] += reply.cut
                prose = grounded_docs.prose_of(answer, q)
                return Generated(grounded_docs.render(request, answer), prose)
            if not tight:
                self.counts["retried"] += 1
        why = (
            f"the reply was cut at max_tokens ({self.max_tokens}) even with tighter bounds"
            if reply.cut
            else "the reply held neither usable JSON nor prose, twice"
        )
        raise BackendError(self.name, why, final=True)

    def _freeform(self, request: DocRequest) -> Generated:
        chat = messages(request, budget_tokens=self._budget())
        reply = self.complete(chat, None, INSTRUCTIONS)
        if not reply.cut:
            return clean_output(reply.text, self.name)
        kept = salvage(reply.text)
        if kept is None:
            self.counts["retried"] += 1
            reply = self.complete(tighter(chat, self.max_tokens), None, INSTRUCTIONS)
            if not reply.cut:
                return clean_output(reply.text, self.name)
            kept = salvage(reply.text)
        if kept is None:
            raise BackendError(
                self.name,
                f"the reply was cut at max_tokens ({self.max_tokens}) before two whole "
                "sections, even when asked for less",
                final=True,
            )
        self.counts["salvaged"] += 1
        return clean_output(kept, self.name)

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

    def prompt_tokens(self, request: DocRequest) -> int:
        """The estimated prompt tokens of ``request`` (``reactor status`` sums the backlog's)."""
        return sum(estimate_tokens(m["content"]) for m in self.prompt(request)) + TEMPLATE_TOKENS

    def _headers(self) -> dict[str, str]:
        """Per-request headers (credentials are read at request time, never stored)."""
        return {}
