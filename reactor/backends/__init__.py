"""Backends turn one source file into a doc body.

Like filelock's platforms, a backend implements one small method, :meth:`Backend.generate`; the
core keeps all policy (selection, the ``SHA256:`` header, atomic write, index update, logging,
backoff). A backend never writes files. LLM backends are imported only when configured, so their
client library stays an optional extra.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path

from ..config import DocgenConfig
from ..errors import ConfigError
from ..facts import Facts


@dataclass(frozen=True)
class DocRequest:
    """Everything a backend may use: the fields of LLMC's shell protocol, and the file's facts
    as the reactor already extracted them (``None`` for languages it does not understand; not
    part of the shell protocol's JSON)."""

    repo_root: Path
    relative_path: str
    file_sha256: str
    source_contents: str
    existing_doc_contents: str | None
    graph_context: str | None
    facts: Facts | None = None
    #: What a model wrote of this file's parts before (``{part: [fingerprint, text]}``; see
    #: :mod:`reactor.backends.grounded`): reused where the part did not change.
    prose: dict[str, list[str]] | None = None

    def to_json(self) -> dict[str, str | None]:
        """The JSON object the shell protocol sends on stdin."""
        return {
            "repo_root": str(self.repo_root),
            "relative_path": self.relative_path,
            "file_sha256": self.file_sha256,
            "source_contents": self.source_contents,
            "existing_doc_contents": self.existing_doc_contents,
            "graph_context": self.graph_context,
        }


@dataclass(frozen=True)
class Generated:
    """A doc body: the Markdown below the ``SHA256:`` line, which the core adds; ``prose``:
    what the model wrote of each part, kept in the index for the next edit."""

    body: str
    prose: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class NoOp:
    """The backend chose not to document this file (``NO-OP: reason``); not a failure."""

    reason: str


class Backend(abc.ABC):
    """Produces the doc body of one file. Raise :class:`~reactor.errors.BackendError` to skip."""

    name: str = "backend"
    #: Cheap enough to redo whenever an input changes (the outline): outdated docs are not
    #: rate-bounded, and a renamed file's doc is made anew rather than moved.
    cheap: bool = False

    @abc.abstractmethod
    def generate(self, request: DocRequest) -> Generated | NoOp:
        """Document ``request.relative_path``."""

    def describe(self) -> str:
        """One line for ``reactor status``."""
        return self.name

    def identity(self) -> str:
        """What makes two of this backend's docs comparable: its name, model, prompt or renderer
        version and the settings that change its output. A doc written under another identity
        is ``outdated``. Override it when a custom backend's output changes."""
        return self.name

    def health(self) -> str:
        """``ok``, or why the backend cannot work right now (``reactor status`` shows it)."""
        return "ok"

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections or processes."""


def identity_for(config: DocgenConfig, repo_root: Path) -> str:
    """The configured backend's identity (:meth:`Backend.identity`) without starting it: no
    server is asked and no optional client is needed (``reactor check --strict`` in CI)."""
    if config.backend in ("ollama", "openai"):
        from .grounded import llm_identity

        llm = config.ollama if config.backend == "ollama" else config.openai
        assert llm.model, "validated by the config loader"
        return llm_identity(
            config.backend,
            llm.model,
            max_tokens=llm.max_tokens,
            context_tokens=llm.context_tokens,
            style=llm.style,
        )
    backend = make_backend(config, repo_root)
    try:
        return backend.identity()
    finally:
        backend.close()


def make_backend(config: DocgenConfig, repo_root: Path) -> Backend:
    """The backend named by ``config.backend``, importing only what it needs."""
    if config.backend == "outline":
        from .outline import OutlineBackend

        return OutlineBackend(links=config.pages)
    if config.backend == "shell":
        from ..config import script_path
        from .shell import ShellBackend

        return ShellBackend(
            script=script_path(config, repo_root),
            args=config.shell.args,
            timeout_seconds=config.shell.timeout_seconds,
        )
    try:
        if config.backend == "ollama":
            from .ollama import OllamaBackend

            return OllamaBackend(config.ollama)
        if config.backend == "openai":
            from .openai import OpenAIBackend

            return OpenAIBackend(config.openai)
    except ModuleNotFoundError as exc:
        if exc.name != "httpx":
            raise
        raise ConfigError(
            f"backend {config.backend!r} needs the 'llm' extra: pip install 'llmc-reactor[llm]'",
            key="backend",
            path=config.source,
        ) from None
    raise ConfigError(f"backend {config.backend!r} is not available", key="backend")
