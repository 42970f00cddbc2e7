"""Scala: scalameta's own parser (npm ``scalameta-parsers``, a JS build of it) through
``tools/scalaoracle.js``, run with node from the oracle home. Judges symbols (types, objects,
package objects, enum cases, defs, vals, vars, types, givens, member class parameters),
visibility (modifiers: ``private[x]`` as package), signatures (the source from the first
modifier that is no annotation to the body, comments left out), summaries (the Scaladoc
``/** … */`` directly above, annotations passed over: the rule written here,
:mod:`oracles.docrules`) and edges: the package clauses and imports the parser read, joined to
the files declaring the top-level names the file's code uses
(:func:`oracles.resolvers.by_packages`)."""

from __future__ import annotations

import json
from pathlib import Path

from oracles import NODE_MODULES, TOOLS, OFile, Oracle, OSymbol, read_text, run_tool
from oracles.docrules import doc_above
from oracles.resolvers import PackageInfo, by_packages


def run(root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    out = run_tool(
        ["node", "--stack-size=8000", str(TOOLS / "scalaoracle.js")],
        {"root": str(root), "files": files, "sample": sample},
        cwd=NODE_MODULES.parent,
        env={"NODE_PATH": str(NODE_MODULES)},
    )
    data = json.loads(out)["files"]
    result: dict[str, OFile] = {}
    infos: dict[str, PackageInfo] = {}
    for rel, entry in data.items():
        if entry.get("error"):
            result[rel] = OFile(error=entry["error"])
            continue
        lines = read_text(root / rel).splitlines()
        of = OFile(idents=set(entry["idents"]))
        for s in entry["symbols"]:
            of.symbols.append(
                OSymbol(
                    name=s["name"],
                    parent=s["parent"],
                    kind=s["kind"],
                    line=s["line"],
                    visibility=s["visibility"],
                    signature=s["signature"],
                    # a declaration that starts mid-line (a class parameter) has none above
                    doc="" if s.get("inline") else doc_above(lines, s["line"] - 1, "scala"),
                )
            )
        result[rel] = of
        infos[rel] = PackageInfo(
            packages=entry["packages"],
            imports=[(n, bool(st), bool(w)) for n, st, w in entry["imports"]],
            declared=set(entry["declared"]),
            objects={package: set(members) for package, members in entry["objects"]},
            idents=set(entry["refs"]),
            qualified=set(entry["qualified"]),
        )
    by_packages(infos, result)
    return result


def oracle(language: str) -> Oracle:
    package = NODE_MODULES / "scalameta-parsers" / "package.json"
    version = json.loads(package.read_text())["version"] if package.exists() else "missing"
    return Oracle(
        language=language,
        tool=f"scalameta-parsers {version}",
        judges={
            "symbols": "scalameta parser",
            "visibility": "scalameta modifiers",
            "signatures": "scalameta source spans",
            "summaries": "Scaladoc above (rule written here)",
            "edges": "scalameta packages + imports, names used (resolver written here)",
            "imported_by": "scalameta packages + imports, names used (resolver written here)",
        },
        extensions=(".scala", ".sc"),
        run=run,
    )
