"""Java: the JDK's own parser (javac's tree API through ``JavacTask.parse``, no classpath, no
attribution), from ``tools/JavaOracle.java`` compiled at run time into the oracle home with the
installed JDK. Judges symbols (types, nested types, methods, constructors, fields, enum
constants, annotation elements), visibility (modifiers; interface and annotation members
public), signatures (the source from the first modifier that is no annotation to the body,
comments left out; a field's without its initializer), summaries (javac's doc comment of the
declaration, up to its first block tag) and edges: the package clause and imports javac
parsed, joined to the files declaring the top-level types the file's code names
(:func:`oracles.resolvers.by_packages`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from oracles import HOME, TOOLS, OFile, Oracle, OSymbol, tool_version
from oracles.resolvers import PackageInfo, by_packages

CLASSES = HOME / "bin" / "java"


def build() -> Path:
    source = TOOLS / "JavaOracle.java"
    compiled = CLASSES / "JavaOracle.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        CLASSES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["javac", "-d", str(CLASSES), str(source)], check=True)
    return CLASSES


def run(root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    chosen = set(sample)
    lines = "".join(f"{'S' if f in chosen else 'F'}\t{f}\n" for f in files)
    proc = subprocess.run(
        ["java", "-Xss8m", "-cp", str(build()), "JavaOracle", str(root)],
        input=lines,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"JavaOracle failed: {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)["files"]
    result: dict[str, OFile] = {}
    infos: dict[str, PackageInfo] = {}
    for rel, entry in data.items():
        if "error" in entry:
            result[rel] = OFile(error=entry["error"])
            continue
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
                    doc=s["doc"],
                )
            )
        result[rel] = of
        infos[rel] = PackageInfo(
            packages=[entry["package"]],
            imports=[(n, bool(st), bool(w)) for n, st, w in entry["imports"]],
            declared=set(entry["types"]),
            idents=set(entry["idents"]),
        )
    by_packages(infos, result)
    return result


def oracle(language: str) -> Oracle:
    version = tool_version(["javac", "-version"]).replace("javac ", "")
    return Oracle(
        language=language,
        tool=f"javac {version} (tree API)",
        judges={
            "symbols": "javac parse trees",
            "visibility": "javac modifiers",
            "signatures": "javac source spans",
            "summaries": "javac doc comments",
            "edges": "javac package + imports, names used (resolver written here)",
            "imported_by": "javac package + imports, names used (resolver written here)",
        },
        extensions=(".java",),
        run=run,
    )
