"""TypeScript and JavaScript: the TypeScript compiler API (npm ``typescript``, run with node
from the oracle home). Judges symbols (top-level declarations, class/interface/enum members and
type-literal members), visibility (``export`` in any form, CommonJS ``exports.x``/
``module.exports``; members by ``private``/``protected``/``#``), signatures (the source from
the declaration to its body, with and without ``export``/``declare``), summaries (JSDoc, its
text before the first tag) and edges: every import, export-from, ``require`` and ``import()``
resolved by ``ts.resolveModuleName`` with the file's nearest tsconfig/jsconfig (``paths``,
``baseUrl``); a workspace package that would resolve only once installed is left unplaced."""

from __future__ import annotations

import json
from pathlib import Path

from oracles import NODE_MODULES, TOOLS, OFile, Oracle, ofiles_from, run_tool


def run(root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    out = run_tool(
        ["node", str(TOOLS / "tsoracle.js")],
        {"root": str(root), "files": files, "sample": sample},
        cwd=NODE_MODULES.parent,
        env={"NODE_PATH": str(NODE_MODULES)},
    )
    return ofiles_from(json.loads(out)["files"])


def oracle(language: str) -> Oracle:
    package = NODE_MODULES / "typescript" / "package.json"
    version = json.loads(package.read_text())["version"] if package.exists() else "missing"
    return Oracle(
        language=language,
        tool=f"typescript {version}",
        judges={
            "symbols": "ts parser",
            "visibility": "export forms",
            "signatures": "ts source spans",
            "summaries": "JSDoc",
            "edges": "ts.resolveModuleName",
            "imported_by": "ts.resolveModuleName + identifiers",
        },
        extensions=(".ts", ".tsx", ".js"),
        run=run,
    )
