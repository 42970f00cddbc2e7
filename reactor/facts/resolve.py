"""Imports to repo files, the way each ecosystem resolves them.

Resolution happens when a file's facts are extracted, into keys stored in the index: a file's
*imports* become keys, and each file *provides* the keys under which others reach it. Graph
context then joins the two for the one file being documented. Keys:

* ``path:<repo path>`` — a file named directly: a relative JS/TS specifier with extension and
  ``index`` resolution (``./core/Ky.js`` also tries ``core/Ky.ts``, as ESM TypeScript writes),
  ``tsconfig.json`` ``paths``/``baseUrl`` targets, Rust's ``mod x;`` (``x.rs`` or ``x/mod.rs``)
  and ``use crate::a::b`` module files, a C/C++ ``#include "x.h"`` next to the including file;
* ``go:<import path>`` — provided by every non-test ``.go`` file of the package's directory,
  named from the nearest ``go.mod``'s module path;
* ``java:<package>.<Type>`` and ``java:<package>.*`` — provided by each Java file's types;
* ``inc:<suffix>`` — provided by every header for its last one, two and three path components,
  so ``#include "net/http.h"`` finds ``include/net/http.h`` wherever the include dirs are;
* Python's dotted module names, resolved as before (``graph.module_candidates``).

Imports that match no key (the standard library, third-party packages) are listed by name in
the outline but not linked.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from pathlib import Path, PurePosixPath

from . import Facts

JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JS_COMPILED = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx")
#: A JSON string (kept) or a comment (dropped): tsconfig files allow comments.
_JSONC_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.DOTALL)


class Resolver:
    """Import keys and provided keys for files of one repo (project files read once, cached)."""

    def __init__(self, root: Path):
        self.root = root

    def imports(self, rel: str, facts: Facts) -> list[str]:
        """The keys ``rel``'s imports are looked up by."""
        return [key for key, _ in self.import_edges(rel, facts)]

    def import_edges(self, rel: str, facts: Facts) -> list[tuple[str, list[str]]]:
        """``(key, names imported through it)`` for each of ``rel``'s imports, keys once."""
        edges: dict[str, list[str]] = {}
        if facts.resolved:
            for key in facts.resolved:
                edges.setdefault(key, []).extend(facts.names.get(key, []))
        else:
            for spec in facts.imports:
                for key in self._keys(rel, facts.language, spec):
                    edges.setdefault(key, []).extend(facts.names.get(spec, []))
        return [(key, list(dict.fromkeys(names))) for key, names in edges.items()]

    def provides(self, rel: str, facts: Facts) -> list[str]:
        if facts.language == "go" and not rel.endswith("_test.go"):
            path = self._go_import_path(posixpath.dirname(rel))
            return [f"go:{path}"] if path else []
        if facts.language == "java" and facts.package:
            types = [s.name for s in facts.top_level()]
            return [f"java:{facts.package}.{t}" for t in types] + [f"java:{facts.package}.*"]
        if rel.endswith(HEADER_SUFFIXES):
            parts = rel.split("/")
            return [f"inc:{'/'.join(parts[-n:])}" for n in range(1, min(3, len(parts)) + 1)]
        return []

    def _keys(self, rel: str, language: str, spec: str) -> list[str]:
        directory = posixpath.dirname(rel)
        if language == "python":
            return [spec]
        if language in ("javascript", "typescript", "tsx"):
            return _paths(self._js(directory, spec))
        if language == "go":
            return [f"go:{spec}"] if "." in spec.split("/")[0] else []  # not the stdlib
        if language == "rust":
            return _paths(self._rust(rel, spec))
        if language == "java":
            return [f"java:{spec}"]
        if language in ("c", "cpp"):
            name = spec.strip('"<> ')
            local = [_join(directory, name)] if spec.startswith('"') else []
            return [*_paths(local), f"inc:{name}"]
        return []

    # -- JavaScript / TypeScript ----------------------------------------------------------
    def _js(self, directory: str, spec: str) -> list[str]:
        if spec.startswith((".", "/")):
            return _js_candidates(_join(directory, spec))
        out: list[str] = []
        config = self._tsconfig(directory)
        if config is not None:
            base, paths = config
            for pattern, targets in paths.items():
                prefix = pattern.removesuffix("*")
                if spec == pattern or (pattern.endswith("*") and spec.startswith(prefix)):
                    rest = spec[len(prefix) :] if pattern.endswith("*") else ""
                    for target in targets:
                        out += _js_candidates(_join(base, target.replace("*", rest)))
            if not out:
                out = _js_candidates(_join(base, spec))  # baseUrl-relative
        return out

    @functools.cache  # noqa: B019 - one resolver per index, few directories
    def _tsconfig(self, directory: str) -> tuple[str, dict[str, list[str]]] | None:
        """``(baseUrl, paths)`` of the nearest ``tsconfig.json`` (or ``jsconfig.json``)."""
        for folder in _ancestors(directory):
            for name in ("tsconfig.json", "jsconfig.json"):
                config = _read_jsonc(self.root / folder / name)
                if config is None:
                    continue
                options = config.get("compilerOptions")
                options = options if isinstance(options, dict) else {}
                base = _join(folder, str(options.get("baseUrl", ".")))
                paths = options.get("paths")
                paths = paths if isinstance(paths, dict) else {}
                clean = {
                    str(k): [str(t) for t in v] for k, v in paths.items() if isinstance(v, list)
                }
                return base, clean
        return None

    # -- Go -------------------------------------------------------------------------------
    @functools.cache  # noqa: B019
    def _go_import_path(self, directory: str) -> str | None:
        for folder in _ancestors(directory):
            try:
                text = (self.root / folder / "go.mod").read_text(errors="replace")
            except OSError:
                continue
            match = re.search(r"^\s*module\s+(\S+)", text, re.MULTILINE)
            if not match:
                return None
            below = directory[len(folder) :].strip("/") if folder else directory
            return f"{match.group(1)}/{below}" if below else match.group(1)
        return None

    # -- Rust -----------------------------------------------------------------------------
    def _rust(self, rel: str, spec: str) -> list[str]:
        stem = PurePosixPath(rel).stem
        directory = posixpath.dirname(rel)
        module_dir = directory if stem in ("mod", "lib", "main") else _join(directory, stem)
        if spec.startswith("mod "):
            name = spec[4:].strip()
            return [f"{module_dir}/{name}.rs", f"{module_dir}/{name}/mod.rs"]
        path = spec[4:].strip().rstrip(";")
        out: list[str] = []
        for item in _use_paths(path):
            segments = item.split("::")
            if segments[0] == "crate":
                base = self._crate_src(directory)
            elif segments[0] == "self":
                base = module_dir
            elif segments[0] == "super":
                base = posixpath.dirname(module_dir)
            else:
                continue  # an external crate or the standard library
            if base is None:
                continue
            rest = [s for s in segments[1:] if s not in ("self", "*")]
            for k in range(len(rest), 0, -1):  # `a::b::Item`: the module may be a or a/b
                module = "/".join(rest[:k])
                out += [_join(base, f"{module}.rs"), _join(base, f"{module}/mod.rs")]
        return out

    @functools.cache  # noqa: B019
    def _crate_src(self, directory: str) -> str | None:
        for folder in _ancestors(directory):
            if (self.root / folder / "Cargo.toml").is_file():
                return _join(folder, "src")
        return None


def _use_paths(path: str) -> list[str]:
    """``a::{b, c::d}`` → ``a::b``, ``a::c::d`` (one level of braces, as most code writes)."""
    if "{" not in path:
        return [path.split(" as ")[0].strip()]
    prefix, _, rest = path.partition("{")
    items = rest.rstrip("}").split(",")
    return [prefix + item.split(" as ")[0].strip() for item in items if item.strip()]


def _js_candidates(base: str) -> list[str]:
    out = [base]
    suffix = PurePosixPath(base).suffix
    if suffix in _JS_COMPILED:
        out += [base[: -len(suffix)] + ext for ext in _JS_COMPILED[suffix]]
    out += [base + ext for ext in JS_EXTENSIONS]
    out += [f"{base}/index{ext}" for ext in JS_EXTENSIONS]
    return out


def _join(directory: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(directory, path) if directory else path)


def _paths(candidates: list[str]) -> list[str]:
    """``path:`` keys of the candidates that stay inside the repo."""
    return [f"path:{c}" for c in candidates if c and not c.startswith(("..", "/")) and c != "."]


def _ancestors(directory: str) -> list[str]:
    """``a/b`` → ``a/b``, ``a``, ``""`` (the repo root)."""
    parts = directory.split("/") if directory else []
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


def _read_jsonc(path: Path) -> dict[str, object] | None:
    """A ``tsconfig.json``: JSON with comments and trailing commas allowed."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    text = _JSONC_COMMENT.sub(lambda m: m.group(1) or "", text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
