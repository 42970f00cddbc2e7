"""C and C++: libclang (the ``libclang`` wheel in the oracle home's venv) through
``tools/clang_oracle.py``, each file parsed as clangd parses it for hover
(``-fparse-all-comments``), parse only. Judges symbols, visibility (access and linkage),
signatures (the declaration as written, with attribute-only macros expanded, or as clang
prints it), summaries (the comment clang attaches to the declaration, as clangd's hover shows
it) and edges: the ``#include``s clang resolved with the include folders named here.

Include folders (written here, from the repo's own files; no build is run): the root, every
folder named ``include`` or ``src``, and the folders a build file names — ``-I`` flags of a
``compile_commands.json`` or a Makefile (with its simple ``VAR = …`` assignments), and the
arguments of CMake's ``include_directories``/``target_include_directories`` (with
``${CMAKE_CURRENT_SOURCE_DIR}``, ``${CMAKE_CURRENT_LIST_DIR}``, ``${PROJECT_SOURCE_DIR}``,
``${CMAKE_SOURCE_DIR}`` (these two as the root) and ``$<BUILD_INTERFACE:…>``), each relative
to its build file. An
include clang could not find, or one in a branch the preprocessor skipped, is left unplaced;
a claim about a name declared only in such a branch is not judged (``OFile.inactive``)."""

from __future__ import annotations

import json
import os
import posixpath
import re
from pathlib import Path

from oracles import TOOLS, VENV_PYTHON, OFile, Oracle, OSymbol, run_tool, tool_version

BUILD_FILES = ("Makefile", "makefile", "GNUmakefile", "Makefile.am", "Makefile.inc")
_CMAKE_CALL = re.compile(r"\b(?:target_)?include_directories\s*\(([^)]*)\)", re.I)


def _walk(root: Path) -> list[str]:
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(folder, root)
        for n in names:
            out.append(n if rel == "." else f"{rel}/{n}")
    return out


def include_dirs(root: Path) -> list[str]:
    every = _walk(root)
    dirs: set[str] = {""}
    folders = {"/".join(f.split("/")[:i]) for f in every for i in range(1, f.count("/") + 1)}
    for f in folders:
        if posixpath.basename(f) in ("include", "src"):
            dirs.add(f)

    def add(base: str, path: str) -> None:
        path = path.strip().strip('"')
        if not path or "$" in path or path.startswith("/"):
            return
        joined = posixpath.normpath(posixpath.join(base, path))
        if joined == ".":
            dirs.add("")
        elif not joined.startswith("..") and (root / joined).is_dir():
            dirs.add(joined)

    for rel in every:
        name = posixpath.basename(rel)
        base = posixpath.dirname(rel)
        if name == "compile_commands.json":
            try:
                entries = json.loads((root / rel).read_text("utf-8", "replace"))
            except (ValueError, OSError):
                continue
            for e in entries if isinstance(entries, list) else []:
                command = e.get("command") or " ".join(e.get("arguments") or [])
                directory = str(e.get("directory", ""))
                for flag in re.findall(r"-I\s*(\S+)", command):
                    if flag.startswith(str(root)):
                        add("", os.path.relpath(flag, root))
                    elif directory.startswith(str(root)):
                        add(os.path.relpath(directory, root), flag)
        elif name in BUILD_FILES:
            text = (root / rel).read_text("utf-8", "replace")
            variables = dict(re.findall(r"^\s*(\w+)\s*[:?]?=\s*(\S+)\s*$", text, re.M))
            for flag in re.findall(r"-I\s*([^\s'\"]+)", text):
                for var in re.findall(r"\$[({](\w+)[)}]", flag):
                    value = variables.get(var, "$")
                    flag = flag.replace(f"$({var})", value).replace("${" + var + "}", value)
                add(base, flag)
        elif name == "CMakeLists.txt":
            text = re.sub(r"#[^\n]*", "", (root / rel).read_text("utf-8", "replace"))
            for args in _CMAKE_CALL.findall(text):
                for word in re.findall(r'"[^"]*"|[^\s"]+', args):
                    word = word.strip('"')
                    word = re.sub(r"^\$<BUILD_INTERFACE:(.*)>$", r"\1", word)
                    for var in ("CMAKE_CURRENT_SOURCE_DIR", "CMAKE_CURRENT_LIST_DIR"):
                        word = word.replace("${" + var + "}", "//" + base)
                    for var in ("PROJECT_SOURCE_DIR", "CMAKE_SOURCE_DIR"):
                        word = word.replace("${" + var + "}", "//")
                    if word.startswith("//"):
                        add("", word[2:].lstrip("/") or ".")
                    elif not (word.isupper() and "/" not in word):  # PUBLIC, PRIVATE, SYSTEM
                        add(base, word)
    return sorted(dirs)


def run(language: str, root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    out = run_tool(
        [str(VENV_PYTHON), str(TOOLS / "clang_oracle.py")],
        {
            "root": str(root),
            "files": files,
            "sample": sample,
            "language": language,
            "include_dirs": include_dirs(root),
            "jobs": 2,
        },
        timeout=3600,
    )
    data = json.loads(out)["files"]
    result: dict[str, OFile] = {}
    for rel, entry in data.items():
        of = OFile(
            edges={t: set() for t in entry.get("edges", {}) if t != rel},
            unknown=entry.get("unknown", []),
            idents=set(entry.get("idents", [])),
            error=entry.get("error", ""),
            inactive=set(entry.get("inactive", [])),
        )
        for s in entry.get("symbols", []):
            of.symbols.append(
                OSymbol(
                    name=s["name"],
                    parent=s["parent"],
                    kind=s["kind"],
                    line=s["line"],
                    visibility=s["visibility"],
                    signature=s["signature"],
                    doc=s["doc"],
                    recall=s["recall"],
                    doc_alts=s.get("doc_alts", []),
                )
            )
        result[rel] = of
    return result


def oracle(language: str) -> Oracle:
    version = tool_version(
        [str(VENV_PYTHON), "-c", "import importlib.metadata as m; print(m.version('libclang'))"]
    )
    return Oracle(
        language=language,
        tool=f"libclang {version}",
        judges={
            "symbols": "libclang cursors",
            "visibility": "libclang access and linkage",
            "signatures": "libclang tokens / pretty-printer",
            "summaries": "libclang comments, -fparse-all-comments (clangd's hover)",
            "edges": "libclang #include resolution, include folders written here",
            "imported_by": "libclang #include resolution, include folders written here",
        },
        extensions=(".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"),
        run=lambda root, files, sample: run(language, root, files, sample),
        blind_kinds=frozenset({"namespace"}),
    )
