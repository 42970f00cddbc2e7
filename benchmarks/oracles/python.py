"""Python: griffe (static; the packages of the repo loaded with their search path, a module
outside any package visited alone). Judges symbols (module- and class-level, instance
attributes only as claims), visibility (``__all__`` else a leading underscore), signatures
(``def``/``class`` heads built from griffe's parameters, decorators aside), summaries
(docstrings, module docstring as the file's) and edges (griffe's import targets, relative ones
resolved by griffe, mapped to files by the modules griffe loaded)."""

from __future__ import annotations

import ast
import json
import posixpath
from pathlib import Path

from oracles import (
    TOOLS,
    VENV_PYTHON,
    OFile,
    Oracle,
    OSymbol,
    identifiers,
    read_text,
    run_tool,
    tool_version,
)


def _resolve(target: str, modules: dict[str, str], rel: str, root_files: set[str]) -> str | None:
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        found = modules.get(".".join(parts[:cut]))
        if found:
            return found
    # a module outside any package: beside the importer, or at the root
    base = "/".join(parts)
    for folder in (posixpath.dirname(rel), ""):
        for cand in (f"{base}.py", f"{base}/__init__.py", f"{'/'.join(parts[:-1])}.py"):
            path = posixpath.join(folder, cand) if folder else cand
            if path in root_files and path != rel:
                return path
    return None


def reexported(text: str) -> set[str]:
    """The names a module binds by its top-level imports (what an importer may take from it:
    ``from attr import validators`` in ``attrs/__init__.py``)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def run(root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    out = run_tool(
        [str(VENV_PYTHON), str(TOOLS / "griffe_oracle.py")],
        {"root": str(root), "files": files, "sample": sample},
    )
    data = json.loads(out)
    modules: dict[str, str] = data["modules"]
    tops = {p.split("/")[0] for p in files}
    known = set(files)
    result: dict[str, OFile] = {}
    for rel, entry in data["files"].items():
        of = OFile(error=entry.get("error", ""))
        for local, target in entry.get("imports", []):
            if target.startswith("__future__"):
                continue
            found = _resolve(target, modules, rel, known)
            if found and found != rel:
                of.edges.setdefault(found, set())
                name = target.rsplit(".", 1)[-1]
                of.edges[found].add(local if local != name else name)
            elif not found and target.split(".")[0] in tops | {m.split(".")[0] for m in modules}:
                of.unknown.append(target)
        for sym in entry.get("symbols", []):
            judged = sym.get("judge")
            of.symbols.append(
                OSymbol(
                    name=sym["name"],
                    parent=sym["parent"],
                    kind=sym["kind"],
                    line=sym["line"],
                    visibility=sym.get("visibility"),
                    signature=None if judged else sym.get("signature"),
                    doc=None if judged else sym.get("doc", ""),
                    recall=sym["recall"],
                )
            )
        if rel in sample:
            of.file_doc = entry.get("file_doc", "")
        text = read_text(root / rel)
        of.idents = identifiers(text, "python")
        of.names = reexported(text)
        result[rel] = of
    return result


def oracle(language: str) -> Oracle:
    version = tool_version(
        [str(VENV_PYTHON), "-c", "import importlib.metadata as m; print(m.version('griffe'))"]
    )
    return Oracle(
        language=language,
        tool=f"griffe {version}",
        judges={
            "symbols": "griffe",
            "visibility": "griffe",
            "signatures": "griffe",
            "summaries": "griffe docstrings",
            "edges": "griffe import targets → loaded modules",
            "imported_by": "griffe + tokenless identifiers",
        },
        extensions=(".py",),
        run=run,
    )
