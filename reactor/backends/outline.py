"""The ``outline`` backend: a useful page from the source alone, offline and instant.

Python files get a structural outline from ``ast`` (module docstring, classes with their methods,
functions with signatures and the first line of each docstring, imports and importers from the
graph context). Other languages get a generic page: language, size, line count, the leading
comment block, and the graph context when there is one.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from . import Backend, DocRequest, Generated, NoOp

LANGUAGES = {
    "py": "Python",
    "pyi": "Python stub",
    "js": "JavaScript",
    "jsx": "JavaScript (JSX)",
    "mjs": "JavaScript",
    "cjs": "JavaScript",
    "ts": "TypeScript",
    "tsx": "TypeScript (TSX)",
    "go": "Go",
    "rs": "Rust",
    "java": "Java",
    "kt": "Kotlin",
    "kts": "Kotlin script",
    "scala": "Scala",
    "c": "C",
    "h": "C header",
    "cc": "C++",
    "cpp": "C++",
    "cxx": "C++",
    "hh": "C++ header",
    "hpp": "C++ header",
    "cs": "C#",
    "rb": "Ruby",
    "php": "PHP",
    "swift": "Swift",
    "m": "Objective-C",
    "mm": "Objective-C++",
    "lua": "Lua",
    "pl": "Perl",
    "pm": "Perl",
    "r": "R",
    "jl": "Julia",
    "ex": "Elixir",
    "exs": "Elixir",
    "erl": "Erlang",
    "hs": "Haskell",
    "ml": "OCaml",
    "clj": "Clojure",
    "dart": "Dart",
    "zig": "Zig",
    "nim": "Nim",
    "sh": "Shell",
    "bash": "Bash",
    "zsh": "Zsh",
    "fish": "Fish",
    "ps1": "PowerShell",
    "sql": "SQL",
    "vue": "Vue",
    "svelte": "Svelte",
}
COMMENT_PREFIXES = ("#!", "///", "//!", "//", "/*", "*/", "*", "#", "--", ";;", "%", '"""')
MAX_LEADING_COMMENT_LINES = 20


class OutlineBackend(Backend):
    """Built-in offline default: no model, no network, deterministic output."""

    name = "outline"

    def describe(self) -> str:
        return "outline (built-in, offline)"

    def generate(self, request: DocRequest) -> Generated | NoOp:
        rel = request.relative_path
        if rel.endswith((".py", ".pyi")):
            body = python_page(rel, request.source_contents, request.graph_context)
            if body is not None:
                return Generated(body)
        return Generated(generic_page(rel, request.source_contents, request.graph_context))


def _language(rel: str) -> str:
    ext = PurePosixPath(rel).suffix.lstrip(".").lower()
    return LANGUAGES.get(ext, ext.upper() or "Text")


def _stats(source: str) -> str:
    lines = source.count("\n") + (0 if source.endswith("\n") else 1)
    return f"{lines} lines, {len(source.encode('utf-8'))} bytes"


def _context_section(graph_context: str | None) -> list[str]:
    return ["", "## Neighbours", "", graph_context] if graph_context else []


def generic_page(rel: str, source: str, graph_context: str | None) -> str:
    """Language, size and the leading comment block: what a reader checks first."""
    if not source.strip():
        return f"# `{rel}`\n\n*Empty {_language(rel)} file.*\n"
    out = [f"# `{rel}`", "", f"*{_language(rel)} source — {_stats(source)}.*"]
    comment = leading_comment(source)
    if comment:
        out += ["", "## Leading comment", "", *(f"> {line}" if line else ">" for line in comment)]
    out += _context_section(graph_context)
    return "\n".join(out) + "\n"


def leading_comment(source: str) -> list[str]:
    """The first comment block of a file with comment markers stripped (shebang skipped)."""
    found: list[str] = []
    for raw in source.splitlines():
        line = raw.strip()
        if line.startswith("#!") and not found:
            continue
        marker = next((p for p in COMMENT_PREFIXES if line.startswith(p)), None)
        if marker is None:
            if found or line:
                break
            continue
        text = line[len(marker) :].removesuffix("*/").strip()
        if text or found:
            found.append(text)
        if len(found) >= MAX_LEADING_COMMENT_LINES:
            break
    while found and not found[-1]:
        found.pop()
    return found


def _first_line(node: ast.AST) -> str:
    doc = ast.get_docstring(node)  # type: ignore[arg-type]
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def python_page(rel: str, source: str, graph_context: str | None) -> str | None:
    """An outline of a Python module; ``None`` if it does not parse (generic page instead)."""
    if not source.strip():
        return None  # the generic page says "empty"
    try:
        tree = ast.parse(source, filename=rel)
    except (SyntaxError, ValueError):
        return None
    out = [f"# `{rel}`", "", f"*{_language(rel)} module — {_stats(source)}.*"]
    doc = ast.get_docstring(tree)
    if doc:
        out += ["", "## Purpose", "", doc.strip()]
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if classes:
        out += ["", "## Classes"]
        for cls in classes:
            bases = ", ".join(ast.unparse(b) for b in cls.bases)
            out += ["", f"### `class {cls.name}{f'({bases})' if bases else ''}`"]
            if summary := _first_line(cls):
                out += ["", summary]
            methods = [
                m
                for m in cls.body
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(m.name)
            ]
            if methods:
                out.append("")
                for m in methods:
                    summary = _first_line(m)
                    out.append(f"- `{_signature(m)}`" + (f" — {summary}" if summary else ""))
    if functions:
        out += ["", "## Functions", ""]
        for fn in functions:
            summary = _first_line(fn)
            out.append(f"- `{_signature(fn)}`" + (f" — {summary}" if summary else ""))
    constants = [
        t.id
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name) and t.id.isupper()
    ]
    if constants:
        out += ["", "## Constants", "", ", ".join(f"`{c}`" for c in constants)]
    imports = _imports(tree)
    if imports:
        out += ["", "## Imports", "", ", ".join(f"`{i}`" for i in imports)]
    out += _context_section(graph_context)
    return "\n".join(out) + "\n"


def _imports(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names.append("." * node.level + (node.module or ""))
    return list(dict.fromkeys(names))
