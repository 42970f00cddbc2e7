"""``llmc.toml`` ``[docs.docgen]``: typed settings with the defaults of DESIGN.md.

An absent file or table means defaults. Unknown keys and wrong types are errors that name the key
and the file (the CLI exits 2), because a silently ignored typo would leave a user wondering why
their setting has no effect.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import typing
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pathspec

from .errors import ConfigError

CONFIG_FILE = "llmc.toml"
#: The reply bound for one file's doc: ample for the four sections the prompt asks for.
DEFAULT_MAX_TOKENS = 1024
#: The most backend calls a batch run keeps in flight.
MAX_JOBS = 64
#: How the LLM backends write a doc (see reactor.backends.llm).
STYLES = ("grounded", "freeform")
#: Candidates a sampling tick may look at (each is a stat, maybe a hash).
MAX_SAMPLE_SIZE = 10_000
#: The most a source may weigh to be read: every byte is read into memory, hashed and parsed.
MAX_FILE_BYTES_LIMIT = 64 * 1024 * 1024
BACKENDS = ("outline", "shell", "ollama", "openai")
PRIORITIES = ("idle", "normal")

#: Source files documented by default, as gitignore-style patterns.
DEFAULT_INCLUDE = tuple(
    f"*.{ext}"
    for ext in (
        "py pyi js jsx mjs cjs ts tsx go rs java kt kts scala c h cc cpp cxx hh hpp cs rb php "
        "swift m mm lua pl pm r jl ex exs erl hs ml clj dart zig nim sh bash zsh fish ps1 sql "
        "vue svelte"
    ).split()
)


@dataclass(frozen=True)
class ShellConfig:
    """``[docs.docgen.shell]``: an LLMC-compatible docgen script."""

    script: str | None = None
    args: list[str] = field(default_factory=list)
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class OllamaConfig:
    """``[docs.docgen.ollama]``: a local Ollama server."""

    url: str = "http://127.0.0.1:11434"
    model: str | None = None
    keep_alive: str = "5m"
    timeout_seconds: float = 120.0
    max_tokens: int = DEFAULT_MAX_TOKENS
    context_tokens: int = 0  # 0: the model's window as the server reports it, at most 8192
    style: str = "grounded"


@dataclass(frozen=True)
class OpenAIConfig:
    """``[docs.docgen.openai]``: any OpenAI-compatible chat-completions server."""

    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout_seconds: float = 120.0
    max_tokens: int = DEFAULT_MAX_TOKENS
    context_tokens: int = 4096
    #: ``grounded``: the reactor renders the doc from the facts, the model writes its prose
    #: (JSON); ``freeform``: the model writes the whole Markdown doc.
    style: str = "grounded"


@dataclass(frozen=True)
class DocgenConfig:
    """All of ``[docs.docgen]``. ``source`` is the file it came from (``None``: defaults)."""

    enabled: bool = True
    backend: str = "outline"
    output_dir: str = "DOCS/REPODOCS"
    daemon_enabled: bool = True
    daemon_priority: str = "idle"
    idle_after_seconds: float = 10.0
    tick_seconds: float = 1.0
    tick_budget_ms: float = 50.0
    sample_size: int = 10
    settle_seconds: float = 0.5
    max_file_bytes: int = 262144
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=list)
    nice: int = 10
    require_rag_fresh: bool = False
    #: Outdated docs (source unchanged, another input changed) regenerated per hour by a model
    #: backend (shell, ollama, openai); 0: never. The outline refreshes them all.
    refresh_outdated_per_hour: float = 30.0
    #: Backend calls in flight at once in a batch run (``reactor generate``; ``--jobs``
    #: overrides), for model servers that serve several requests together. The daemon
    #: documents one file per idle tick whatever this says.
    concurrency: int = 1
    #: While a backlog remains and the host is idle, a cheap backend (the outline: a few ms of
    #: CPU a file) ticks back to back, using at most this share of one core on average (its
    #: ticks' CPU time against the wall clock); 0: paced by ``tick_seconds`` like a model.
    cheap_cpu_percent: float = 25.0
    #: A page per source directory and one for the repository (``{output_dir}/{dir}/README.md``,
    #: ``{output_dir}/README.md``), kept fresh after every file doc (see :mod:`reactor.pages`).
    pages: bool = True
    shell: ShellConfig = field(default_factory=ShellConfig)
    ollama: OllamaConfig = field(default_factory=OllamaConfig)
    openai: OpenAIConfig = field(default_factory=OpenAIConfig)
    source: Path | None = field(default=None, compare=False)

    def replace(self, **changes: Any) -> DocgenConfig:
        """A copy with some settings changed (tests and embedding hosts use this)."""
        return dataclasses.replace(self, **changes)


#: What marks a repository root when none is named: the config file, or a git checkout
#: (``.git`` is a directory, or a file in worktrees and submodules).
ROOT_MARKERS = (CONFIG_FILE, ".git")


def find_root(start: Path) -> Path | None:
    """The repo holding ``start``: its nearest ancestor (itself included) with ``llmc.toml`` or
    ``.git``, as git finds its work tree; ``None`` when none has either."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if any(os.path.lexists(folder / marker) for marker in ROOT_MARKERS):
            return folder
    return None


def discover_root(start: Path) -> Path:
    """:func:`find_root`, or ``start`` itself when no ancestor is marked."""
    return find_root(start) or start.resolve()


def load_config(repo_root: Path) -> DocgenConfig:
    """Read ``{repo_root}/llmc.toml`` and validate ``[docs.docgen]`` against the repo."""
    path = repo_root / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return DocgenConfig()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); TOML files "
            "must be UTF-8",
            path=path,
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
    docs = data.get("docs", {})
    if not isinstance(docs, dict):
        raise ConfigError("[docs] must be a table", path=path)
    table = docs.get("docgen", {})
    if not isinstance(table, dict):
        raise ConfigError("[docs.docgen] must be a table", path=path)
    config = parse_table(table, path=path)
    validate_for_repo(config, repo_root)
    return config


def parse_table(table: dict[str, Any], *, path: Path | None = None) -> DocgenConfig:
    """Build a :class:`DocgenConfig` from a parsed ``[docs.docgen]`` table."""
    values = _convert(DocgenConfig, table, prefix="", path=path)
    config = DocgenConfig(**values, source=path)
    _check_ranges(config, path)
    return config


def _convert(cls: type, table: dict[str, Any], *, prefix: str, path: Path | None) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = prefix + key
        if key not in known:
            known_list = ", ".join(sorted(known))
            raise ConfigError(f"unknown key (known: {known_list})", key=name, path=path)
        expected = hints[key]
        if dataclasses.is_dataclass(expected):
            if not isinstance(value, dict):
                raise ConfigError("must be a table", key=name, path=path)
            assert isinstance(expected, type)
            out[key] = expected(**_convert(expected, value, prefix=name + ".", path=path))
        else:
            out[key] = _coerce(value, expected, key=name, path=path)
    return out


def _coerce(value: Any, expected: Any, *, key: str, path: Path | None) -> Any:
    """Check one value against its annotation; ints are accepted where floats are."""
    options = typing.get_args(expected) if typing.get_origin(expected) is not list else ()
    if options and type(None) in options:  # `X | None`: an explicit value must be an X
        expected = next(o for o in options if o is not type(None))
    if expected is bool:
        ok = isinstance(value, bool)
        wanted = "true or false"
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        wanted = "an integer"
    elif expected is float:
        # finite: `inf` would overflow a deadline or a sleep later, far from the typo
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
        wanted = "a finite number"
        value = float(value) if ok else value
    elif expected is str:
        ok = isinstance(value, str)
        wanted = "a string"
    else:  # list[str]
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        wanted = "a list of strings"
    if not ok:
        raise ConfigError(f"must be {wanted}, got {value!r}", key=key, path=path)
    return value


@dataclass(frozen=True)
class Bound:
    """The values a numeric setting may take: ``low`` (excluded when ``low_open``) to ``high``."""

    low: float
    high: float
    low_open: bool = False

    def admits(self, value: float) -> bool:
        return (value > self.low if self.low_open else value >= self.low) and value <= self.high

    def __str__(self) -> str:
        low, high = _number(self.low), _number(self.high)
        return f"> {low} and <= {high}" if self.low_open else f"{low} to {high}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_DAY = 86_400.0
#: Every numeric setting's range: what the code can represent (a sleep, a deadline or a read
#: size overflows somewhere past these) and what still makes sense. The README's configuration
#: section lists the same.
BOUNDS = {
    "idle_after_seconds": Bound(0, _DAY),
    "tick_seconds": Bound(0, 3_600, low_open=True),
    "tick_budget_ms": Bound(0, 10_000),
    "settle_seconds": Bound(0, 600),
    "sample_size": Bound(1, MAX_SAMPLE_SIZE),
    "max_file_bytes": Bound(1, MAX_FILE_BYTES_LIMIT),
    "nice": Bound(-20, 19),
    "refresh_outdated_per_hour": Bound(0, 3_600),
    "concurrency": Bound(1, MAX_JOBS),
    "cheap_cpu_percent": Bound(0, 100),
    "shell.timeout_seconds": Bound(0, _DAY, low_open=True),
    "ollama.timeout_seconds": Bound(0, _DAY, low_open=True),
    "openai.timeout_seconds": Bound(0, _DAY, low_open=True),
    "ollama.max_tokens": Bound(16, 1_000_000),
    "openai.max_tokens": Bound(16, 1_000_000),
    "ollama.context_tokens": Bound(0, 10_000_000),
    "openai.context_tokens": Bound(0, 10_000_000, low_open=True),
}


def _setting(config: DocgenConfig, key: str) -> Any:
    """The value of a dotted key (``shell.timeout_seconds``)."""
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _check_ranges(config: DocgenConfig, path: Path | None) -> None:
    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            raise ConfigError(message, key=key, path=path)

    for key, bound in BOUNDS.items():
        value = _setting(config, key)
        need(bound.admits(value), key, f"must be {bound}, got {value!r}")
    need(config.backend in BACKENDS, "backend", f"must be one of {', '.join(BACKENDS)}")
    need(config.daemon_priority in PRIORITIES, "daemon_priority", "must be 'idle' or 'normal'")
    for name, llm in (("ollama", config.ollama), ("openai", config.openai)):
        need(llm.style in STYLES, f"{name}.style", f"must be one of {', '.join(STYLES)}")
        need(
            llm.context_tokens == 0 or llm.context_tokens >= llm.max_tokens + 512,
            f"{name}.context_tokens",
            "must leave room for the prompt: >= max_tokens + 512 (or 0 for ollama: ask the server)",
        )
    for key, url in (
        ("ollama.url", config.ollama.url),
        ("openai.base_url", config.openai.base_url),
    ):
        if url is not None:
            problem = url_problem(url)
            need(problem is None, key, f"{url!r} {problem}")
    for key in ("include", "exclude"):
        for pattern in getattr(config, key):
            problem = pattern_problem(pattern)
            need(problem is None, key, f"pattern {pattern!r} {problem}")
    if config.backend == "shell":
        need(bool(config.shell.script), "shell.script", "is required when backend = 'shell'")
    if config.backend in ("ollama", "openai"):
        name = config.backend
        model = getattr(config, name).model
        need(bool(model), f"{name}.model", f"is required when backend = '{name}'")
    if config.backend == "openai":
        need(bool(config.openai.base_url), "openai.base_url", "is required when backend = 'openai'")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot reach an HTTP server (``None``: it can be tried)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises for a port that is not a number in range
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "needs a scheme: http:// or https:// (e.g. http://127.0.0.1:8080/v1)"
    if not parts.hostname:
        return "has no host"
    if port == 0 or re.search(r"\s", url):
        return "is not a usable URL"
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why a gitignore-style ``pattern`` cannot be used (``None``: it compiles)."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except (re.error, ValueError, TypeError) as exc:
        return f"is not a valid gitignore pattern ({exc})"
    return None


def validate_for_repo(config: DocgenConfig, repo_root: Path) -> None:
    """Refuse an ``output_dir`` or shell script that would leave the repository."""
    output_dir_relative(config, repo_root)
    if config.backend == "shell" and config.shell.script:
        script_path(config, repo_root)


def output_dir_relative(config: DocgenConfig, repo_root: Path) -> PurePosixPath:
    """The output dir as a clean repo-relative path, or a :class:`ConfigError`."""
    raw = PurePosixPath(config.output_dir)
    if raw.is_absolute() or ".." in raw.parts or not raw.parts or raw.parts[0] in (".git", ".llmc"):
        raise ConfigError(
            f"{config.output_dir!r} must be a relative directory inside the repo "
            "(not '.', '..', .git or .llmc)",
            key="output_dir",
            path=config.source,
        )
    resolved = (repo_root / raw).resolve()
    if not resolved.is_relative_to(repo_root.resolve()) or resolved == repo_root.resolve():
        raise ConfigError(
            f"{config.output_dir!r} resolves to {resolved}, outside the repo",
            key="output_dir",
            path=config.source,
        )
    for depth in range(1, len(raw.parts) + 1):
        way = PurePosixPath(*raw.parts[:depth])
        if (repo_root / way).exists() and not (repo_root / way).is_dir():
            # else every source would be "a file in the way" and nothing documented
            raise ConfigError(
                f"{config.output_dir!r}: {way} is a file, not a directory; docs need a "
                "directory there (move the file, or set output_dir)",
                key="output_dir",
                path=config.source,
            )
    return raw


def script_path(config: DocgenConfig, repo_root: Path) -> Path:
    """The shell backend's script, resolved inside the repo, or a :class:`ConfigError`."""
    assert config.shell.script
    root = repo_root.resolve()
    resolved = (root / config.shell.script).resolve()
    if not resolved.is_relative_to(root):
        raise ConfigError(
            f"{config.shell.script!r} resolves to {resolved}, outside the repo",
            key="shell.script",
            path=config.source,
        )
    if not resolved.is_file():
        raise ConfigError(f"{resolved} is not a file", key="shell.script", path=config.source)
    return resolved
