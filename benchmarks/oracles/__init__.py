"""Differential oracles: what each language's own tools say a file declares and imports.

Every oracle here shares no code with :mod:`reactor.facts`: it runs the ecosystem's own parser
or doc tool (griffe, the TypeScript compiler API, ``go/parser`` + ``go/doc``, libclang, the
JDK's javac tree API, scalameta's parser) where one installs from the package registries, else
Universal Ctags, and resolves imports either through that tool or through a resolver
written here from the language's documented rules (each oracle says which). The tools live in
an oracle home (``$REACTOR_ORACLE_HOME``, default ``/tmp/oracle``), never in the project's
virtualenv: none of them is a runtime or test dependency.

An oracle answers, for the files of one repo, an :class:`OFile` per file; :mod:`.compare`
holds the rules by which the extractor's claims are matched against it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOME = Path(os.environ.get("REACTOR_ORACLE_HOME", "/tmp/oracle"))
TOOLS = Path(__file__).parent / "tools"
VENV_PYTHON = HOME / "venv" / "bin" / "python"
NODE_MODULES = HOME / "node" / "node_modules"


@dataclass
class OSymbol:
    """One declaration as the oracle sees it.

    ``signature``: the accepted forms of its declaration head (``None``: not judged);
    ``sig_rule`` ``"exact"`` compares whitespace-free text with one of them, ``"as-written"``
    asks that the claim be whitespace-free text of the source around the declaration (the one
    form given), where the oracle has no signature of its own. ``doc``: its doc comment's text
    by the language's rules (``""``: none; ``None``: not judged). ``recall``: whether a missing
    claim of it counts against recall (``False`` for what the extractor may list but need not).
    """

    name: str
    parent: str = ""
    kind: str = ""
    line: int = 0
    visibility: str | None = None
    signature: list[str] | None = None
    sig_rule: str = "exact"
    doc: str | None = None
    recall: bool = True
    #: Other texts accepted as its doc (where the tool merged a run of comments: each later one).
    doc_alts: list[str] = field(default_factory=list)


@dataclass
class OFile:
    """What the oracle says of one file: its declarations (sampled files only), its in-repo
    edges (target repo path → names used from it), imports it could not place, and the
    identifiers its code uses (comments and strings left out; ``None``: not known)."""

    symbols: list[OSymbol] = field(default_factory=list)
    edges: dict[str, set[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    idents: set[str] | None = None
    file_doc: str | None = None
    error: str = ""
    #: Names declared only in code the oracle's configuration leaves out (a preprocessor branch
    #: not taken): a claim of one is not judged.
    inactive: set[str] = field(default_factory=set)
    #: Names the file declares besides its symbols' (a Lua module table's fields assigned at
    #: the top level): what an importer may use of it.
    names: set[str] = field(default_factory=set)


Runner = Callable[[Path, list[str], list[str]], dict[str, OFile]]


@dataclass
class Oracle:
    """One language's oracle: its tool, what it judges (claim kind → how; absent: cannot),
    the extensions of the files it reads, and the extractor's symbol kinds it cannot see."""

    language: str
    tool: str
    judges: dict[str, str]
    extensions: tuple[str, ...]
    run: Runner
    blind_kinds: frozenset[str] = frozenset()


def run_tool(
    argv: list[str],
    payload: Any | None = None,
    *,
    cwd: Path | None = None,
    timeout: int = 900,
    env: dict[str, str] | None = None,
) -> str:
    """Run an oracle tool, JSON on stdin, and return its stdout (raises on failure)."""
    proc = subprocess.run(
        argv,
        input=None if payload is None else json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return "missing"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


# -- comments and identifiers: an independent lexer per comment family -----------------------

#: Comment and string syntax per family: (line comment starts, block comment pairs, quotes).
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]] = {
    "c": (("//",), (("/*", "*/"),), "\"'`"),
    "hash": (("#",), (), "\"'`"),
    "php": (("//", "#"), (("/*", "*/"),), "\"'`"),
    "lua": (("--",), (("--[[", "]]"),), "\"'"),
    "python": (("#",), (), "\"'"),
}
FAMILY_OF = {
    "python": "python",
    "ruby": "hash",
    "shell": "hash",
    "php": "php",
    "lua": "lua",
}
IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def code_only(text: str, language: str) -> str:
    """``text`` with comments and string literals blanked (newlines kept), by the comment and
    quote syntax of the language's family. Python's triple quotes are strings too."""
    lines, blocks, quotes = FAMILIES[FAMILY_OF.get(language, "c")]
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if language == "python" and text.startswith(('"""', "'''"), i):
            end = text.find(text[i : i + 3], i + 3)
            end = n if end < 0 else end + 3
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        block = next((b for b in blocks if text.startswith(b[0], i)), None)
        if block:
            end = text.find(block[1], i + len(block[0]))
            end = n if end < 0 else end + len(block[1])
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        if any(text.startswith(c, i) for c in lines):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        ch = text[i]
        if ch in quotes:
            j = i + 1
            while j < n and text[j] != ch and not (text[j] == "\n" and ch != "`"):
                j += 2 if text[j] == "\\" else 1
            out.append(" " + re.sub(r"[^\n]", " ", text[i + 1 : j]) + " ")
            i = j + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def identifiers(text: str, language: str) -> set[str]:
    """The identifiers the code of ``text`` names (outside comments and strings)."""
    return set(IDENT.findall(code_only(text, language)))


def read_text(path: Path) -> str:
    """A source file's text (a byte-order mark dropped: it is no part of the first line)."""
    return path.read_text("utf-8", "replace").removeprefix("\ufeff")


def ofiles_from(data: dict[str, Any]) -> dict[str, OFile]:
    """The :class:`OFile` of each file from a tool's JSON (the shape the tools here print)."""
    out: dict[str, OFile] = {}
    for rel, entry in data.items():
        out[rel] = OFile(
            symbols=[
                OSymbol(
                    name=s["name"],
                    parent=s.get("parent", ""),
                    kind=s.get("kind", ""),
                    line=s.get("line", 0),
                    visibility=s.get("visibility"),
                    signature=s.get("signature"),
                    doc=s.get("doc"),
                    recall=s.get("recall", True),
                )
                for s in entry.get("symbols") or []
            ],
            edges={t: set(n or []) for t, n in (entry.get("edges") or {}).items()},
            unknown=entry.get("unknown") or [],
            idents=set(entry["idents"]) if entry.get("idents") is not None else None,
            file_doc=entry.get("file_doc"),
            error=entry.get("error", ""),
        )
    return out
