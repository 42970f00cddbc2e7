"""Universal Ctags as the oracle for the languages with no parser of their own installable
here (Rust, Ruby, PHP, C#, Kotlin, shell, Lua).

What ctags judges: **symbols** (its definition tags, locals and imports left out),
**visibility** where ctags reports an access (C#, PHP) or where the declaration's own keywords
decide it (Rust ``pub``/``pub(…)``, Kotlin/Scala/Swift modifiers, Lua ``local``; not Ruby, whose
``private`` sections ctags does not follow, nor shell, which has none), **signatures** by the
``as-written`` rule only (ctags keeps the declaration's line, not its extent). **Summaries**
and **edges** come from rules written here from each language's documentation
(:mod:`.docrules`, :mod:`.resolvers`), sharing no code with the extractor.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from oracles import OFile, Oracle, OSymbol, read_text, tool_version
from oracles.docrules import DOC_STYLE, doc_above, file_doc
from oracles.resolvers import RESOLVERS, Decl
from oracles.resolvers import _expand as _expand_use

LUA_FIELD = re.compile(
    r"^(?:local\s+)?[A-Za-z_][\w.:]*[.:]([A-Za-z_]\w*)\s*=(?!=)"
    r"|^(?:local\s+)?function\s+[\w.:]*[.:]([A-Za-z_]\w*)\s*\(",
    re.M,
)
CTAGS_LANG = {
    "rust": "Rust",
    "ruby": "Ruby",
    "php": "PHP",
    "csharp": "C#",
    "kotlin": "Kotlin",
    "shell": "Sh",
    "lua": "Lua",
    "java": "Java",
    "c": "C",
    "cpp": "C++",
}
#: ctags kinds that are not declarations of the file's API.
SKIP_KINDS = {
    "package", "namespace", "alias", "import", "local", "parameter", "label", "heredoc",
    "using", "implementation", "script", "typeParameter", "externvar", "describe", "context",
    "it", "prototype", "header", "macroparam",
}  # fmt: skip
#: Scopes inside which a tag is a local, not a member.
LOCAL_SCOPES = {"function", "method", "singletonMethod", "func", "constructor", "accessor"}
TYPE_SCOPES = {
    "class", "struct", "interface", "enum", "trait", "object", "module", "record",
    "enumerator", "typealias", "union", "implementation", "protocol", "extension",
    "annotation",
}  # fmt: skip
ACCESS = {
    "public": "public",
    "private": "private",
    "protected": "protected",
    "internal": "internal",
    "default": "package",
}


def _visibility(language: str, tag: dict[str, Any], line: str) -> str | None:
    text = line.strip()
    if language in ("csharp", "php"):
        access = tag.get("access")
        if access:
            return ACCESS.get(access.split()[0]) if " " not in access else None
        if language == "php":
            return "public"
        return None
    if language == "rust":
        scope_kind = tag.get("scopeKind", "")
        if scope_kind in ("interface", "implementation", "enum"):
            return None  # trait items and variants: as visible as their trait or enum
        if re.match(r"(pub\s*\(\s*crate|pub\s*\(\s*super|pub\s*\(\s*in\b)", text):
            return "crate"
        if re.match(r"pub\b", text):
            return "public"
        if tag["kind"] in ("macro",):
            return None
        return "private"
    if language == "kotlin":
        for word, vis in (("private", "private"), ("protected", "protected")):
            if re.search(rf"(^|\s){word}\s", text):
                return vis
        if re.search(r"(^|\s)internal\s", text):
            return "internal"
        return "public"
    if language == "java":
        if tag.get("scopeKind") in ("interface", "annotation"):
            return "public"
        for word in ("public", "protected", "private"):
            if re.search(rf"(^|\s){word}\s", text):
                return word
        return None if tag.get("kind") == "enumConstant" else "package"
    if language in ("c", "cpp"):
        access = tag.get("access")
        if access in ("public", "protected", "private"):
            return str(access)
        if tag.get("scopeKind") in ("struct", "union", "enum") or tag["kind"] in ("member",):
            return "public"
        return "private" if tag.get("file") else "public"
    if language == "lua":
        return "private" if text.startswith("local ") else "public"
    return None


def _parent(tag: dict[str, Any]) -> str | None:
    """The type a tag belongs to ('' at top level); ``None`` for a local."""
    scope_kind = tag.get("scopeKind", "")
    if scope_kind in LOCAL_SCOPES:
        return None
    if not scope_kind or scope_kind in ("package", "namespace"):
        return ""
    if scope_kind not in TYPE_SCOPES:
        return None  # inside a block ctags names (an RSpec ``describe``): not the file's API
    return re.split(r"::|\.", tag.get("scope", ""))[-1]


def run_ctags(root: Path, files: list[str], language: str) -> dict[str, list[dict[str, Any]]]:
    tags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(files), 400):
        chunk = files[start : start + 400]
        proc = subprocess.run(
            ["ctags", "--output-format=json", "--fields=*",
             f"--language-force={CTAGS_LANG[language]}", "-f", "-", *chunk],
            cwd=root, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        for raw in proc.stdout.splitlines():
            try:
                tag = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if tag.get("_type") == "tag":
                tags[tag["path"]].append(tag)
    return tags


def symbols_of(language: str, tags: list[dict[str, Any]], text: str) -> list[OSymbol]:
    lines = text.splitlines()
    out = []
    for tag in sorted(tags, key=lambda t: t.get("line", 0)):
        if tag.get("roles", "def") != "def" or tag["kind"] in SKIP_KINDS:
            continue
        parent = _parent(tag)
        if parent is None:
            continue
        number = tag.get("line", 0)
        line = lines[number - 1] if 0 < number <= len(lines) else ""
        window = "\n".join(lines[max(0, number - 4) : number + 8])
        name = tag["name"]
        if name.startswith("<") or (language == "ruby" and name.endswith("=")
                                     and tag["kind"] == "accessor"):  # fmt: skip
            continue  # a lambda; the writer half of an ``attr_accessor``
        forms = [window]
        if language == "lua":  # ``local f = function(…)`` is ``local function f(…)``
            forms.append(re.sub(r"([\w.:]+)\s*=\s*function\b", r"function \1", window))
        nested = language in ("lua", "shell") and line[:1] in (" ", "\t")
        at_parent_line = any(
            t.get("line") == number and t["name"] == parent for t in tags if t is not tag
        )
        alts = []
        if language == "csharp" and not at_parent_line:
            alts = [doc_above(lines, number - 1, language, full_cref=True)]
        out.append(
            OSymbol(
                doc_alts=alts,
                name=name.replace("`", ""),
                parent=parent,
                kind=tag["kind"],
                line=number,
                visibility=_visibility(language, tag, line),
                signature=forms,
                sig_rule="as-written",
                doc=doc_above(lines, number - 1, language)
                if language in DOC_STYLE and not at_parent_line
                else None,
                # no scopes from ctags here: an indented definition is inside a body
                recall=not nested,
            )
        )
    return out


def run(language: str, root: Path, files: list[str], sample: list[str]) -> dict[str, OFile]:
    tags = run_ctags(root, files, language)
    texts = {rel: read_text(root / rel) for rel in files}
    result: dict[str, OFile] = {}
    decls: list[Decl] = []
    for rel in files:
        syms = symbols_of(language, tags.get(rel, []), texts[rel])
        of = OFile(symbols=syms if rel in sample else [])
        if language == "rust":  # what it re-exports: `pub use a::{B, C as D};`
            for tree in re.findall(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", texts[rel]):
                of.names |= {
                    re.split(r"\s+as\s+|::", use.strip())[-1]
                    for use in _expand_use(" ".join(tree.split()))
                }
        if language == "lua":  # a module table's fields: `M.x = …`, `function M:y()` at the top
            of.names = {a or b for a, b in LUA_FIELD.findall(texts[rel])}
        if rel in sample:
            of.file_doc = file_doc(texts[rel], language)
        result[rel] = of
        for tag in tags.get(rel, []):
            decls.append(Decl(rel, tag["name"], tag["kind"], tag.get("scope", ""),
                              tag.get("scopeKind", "")))  # fmt: skip
    resolver = RESOLVERS.get(language)
    if resolver is not None:
        resolver(root, files, texts, decls, result)
    return result


def oracle(language: str) -> Oracle:
    from oracles.resolvers import RULES

    judges = {"symbols": "ctags tags", "signatures": "as written at the tag's line"}
    if language in ("csharp", "php", "rust", "kotlin", "lua", "java", "c", "cpp"):
        judges["visibility"] = "ctags access / the declaration's keywords"
    if language in DOC_STYLE:
        judges["summaries"] = f"comment above, {DOC_STYLE[language]} (rule written here)"
    if language in RESOLVERS:
        judges["edges"] = RULES[language]
        judges["imported_by"] = RULES[language]
    version = tool_version(["ctags", "--version"]).split(",")[0]
    return Oracle(
        language=language,
        tool=version,
        judges=judges,
        extensions=(),
        run=lambda root, files, sample: run(language, root, files, sample),
        blind_kinds=frozenset({"impl", "namespace", "extension"}),
    )
