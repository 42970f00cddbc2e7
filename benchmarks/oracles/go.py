"""Go: ``go/parser`` with comments (the doc comments go/doc reads: a declaration's, a grouped
spec's, a field's own or its trailing one), built from ``tools/gooracle.go`` with Debian's
``golang-go``. Judges symbols (functions, methods, types, struct fields including embedded
ones, interface methods, consts and vars), visibility (capitalised or package), signatures
(the source from the declaration to its body, or the spec's forms), summaries, the package
comment as the file's doc, and edges: import paths through the nearest ``go.mod`` to the files
of the package that declare a selector the importer uses, and within a package to the files
declaring the identifiers a file uses."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from oracles import HOME, TOOLS, OFile, Oracle, ofiles_from, run_tool, tool_version

BINARY = HOME / "bin" / "gooracle"


def build() -> Path:
    source = TOOLS / "gooracle.go"
    if not BINARY.exists() or BINARY.stat().st_mtime < source.stat().st_mtime:
        BINARY.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "GOCACHE": str(HOME / "gocache"), "GO111MODULE": "off"}
        subprocess.run(["go", "build", "-o", str(BINARY), str(source)], check=True, env=env)
    return BINARY


def run(root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    out = run_tool([str(build())], {"root": str(root), "files": files, "sample": sample})
    result = ofiles_from(json.loads(out)["files"])
    for of in result.values():  # the blank identifier names nothing a file could take
        of.edges = {t: n - {"_"} for t, n in of.edges.items() if n - {"_"} or not n}
    return result


def oracle(language: str) -> Oracle:
    return Oracle(
        language=language,
        tool=tool_version(["go", "version"])
        .replace("go version ", "go/parser ")
        .split(" linux")[0],
        judges={
            "symbols": "go/parser",
            "visibility": "go/parser (capitalised)",
            "signatures": "go/parser source spans",
            "summaries": "go/ast doc comments",
            "edges": "go.mod import paths + names used (resolver written here)",
            "imported_by": "go.mod import paths + names used (resolver written here)",
        },
        extensions=(".go",),
        run=run,
    )
