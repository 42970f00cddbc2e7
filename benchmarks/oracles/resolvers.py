"""In-repo edges by each language's documented lookup rules, written here for the languages
whose oracle tool resolves no imports (ctags, the scanner). None of this code is shared with
the extractor's resolvers; where a rule needs a build the oracle cannot run, the import is
left unplaced (``OFile.unknown``) and claims about it are not judged.

* Ruby: ``require_relative 'x'`` beside the file; ``require 'a/b'`` as ``a/b.rb`` under a
  ``lib/`` folder of the repo (RubyGems puts a gem's ``lib`` on the load path).
* Lua: ``require "a.b"`` as ``a/b.lua`` or ``a/b/init.lua`` from the root, ``lua/`` or ``src/``
  (``package.path``'s ``./?.lua;./?/init.lua`` and the rockspec/Neovim source folders).
* shell: ``source``/``.`` of a literal path, beside the script then from the root.
* PHP: ``use A\\B`` (grouped too) and fully qualified names to the file declaring that class,
  interface, trait or enum; unqualified names to a class of the file's own namespace (the PHP
  manual's name resolution rules); ``require``/``include`` of ``__DIR__ . '/x.php'``.
* Rust: ``mod x;`` as ``x.rs``/``x/mod.rs`` beside (``#[path]`` honoured); ``use crate::…``,
  ``self::``, ``super::`` and a workspace member crate's name along the module tree from the
  crate roots (the Rust reference's module and path rules; files only, inline modules skipped).
* Kotlin, Scala, Java: a name the file's code uses, declared at top level by another file of
  its package, or of a package it imports (``import a.b.C``, ``a.b.*``/``a.b._``).
* C#: a name the code uses, declared by a type of its namespace (and the enclosing ones) or of
  a ``using`` namespace (``global using`` anywhere in the repo counts for every file).
* Swift: a name the code uses, declared at top level by another file of the same module
  (``Sources/<T>/``, ``Tests/<T>/``) or of a module it imports.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from oracles import OFile, code_only, identifiers

RULES = {
    "java": "package + imports, names used (rule written here)",
    "c": "#include search: beside, then root/src/include dirs (rule written here)",
    "cpp": "#include search: beside, then root/src/include dirs (rule written here)",
    "ruby": "require_relative / require on lib/ (rule written here)",
    "lua": "require on package.path (rule written here)",
    "shell": "source of literal paths (rule written here)",
    "php": "use + namespace rules (rule written here)",
    "rust": "mod tree + use paths (rule written here)",
    "kotlin": "package + imports, names used (rule written here)",
    "scala": "package + imports, names used (rule written here)",
    "csharp": "namespaces + usings, names used (rule written here)",
    "swift": "module + imports, names used (rule written here)",
}


@dataclass(frozen=True)
class Decl:
    rel: str
    name: str
    kind: str
    scope: str
    scope_kind: str


Resolver = Callable[[Path, list[str], dict[str, str], list[Decl], dict[str, OFile]], None]
STRING = r"""['"]([^'"]+)['"]"""


def _add(result: dict[str, OFile], src: str, target: str, names: set[str] | None = None) -> None:
    if target != src:
        result[src].edges.setdefault(target, set()).update(names or set())


def ruby(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
         result: dict[str, OFile]) -> None:  # fmt: skip
    known = set(files)
    libs = sorted({f.split("/lib/")[0] + "/lib" if "/lib/" in f else "lib" for f in files})
    for rel in files:
        code = texts[rel]
        result[rel].idents = identifiers(code, "ruby")
        pattern = r"^\s*(require_relative|require|autoload\s*\(?\s*:\w+\s*,)\s*\(?\s*" + STRING
        for kind, path in re.findall(pattern, code, re.M):
            path = path if path.endswith(".rb") else path + ".rb"
            if kind == "require_relative":
                cand = [posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))]
            else:
                cand = [posixpath.join(lib, path) for lib in libs]
            hit = [c for c in cand if c in known]
            if hit:
                _add(result, rel, hit[0])
            elif kind == "require_relative":
                result[rel].unknown.append(path)


def lua(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
        result: dict[str, OFile]) -> None:  # fmt: skip
    known = set(files)
    for rel in files:
        code = texts[rel]
        result[rel].idents = identifiers(code, "lua")
        for mod in re.findall(r"\brequire\s*\(?\s*" + STRING, code_keep_strings(code)):
            base = mod.replace(".", "/")
            cand = [f"{p}{base}{s}" for p in ("", "lua/", "src/") for s in (".lua", "/init.lua")]
            hit = [c for c in cand if c in known]
            if hit:
                _add(result, rel, hit[0])


def code_keep_strings(code: str) -> str:
    """Lua/shell code with comments dropped but strings kept (a ``require`` names a string)."""
    return "\n".join(re.sub(r"--.*$", "", line) for line in code.splitlines())


def shell(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
          result: dict[str, OFile]) -> None:  # fmt: skip
    known = set(files)
    for rel in files:
        code = texts[rel]
        result[rel].idents = identifiers(code, "shell")
        for line in code.splitlines():
            found = re.match(r"""^\s*(?:source|\.)\s+["']?([^\s"';|&]+)""", line)
            if not found:
                continue
            path = found.group(1)
            if "$" in path:
                tail = re.sub(r"^.*?\}?/", "", path) if "/" in path else ""
                if tail and "$" not in tail:
                    result[rel].unknown.append(tail)
                continue
            cand = [posixpath.normpath(posixpath.join(posixpath.dirname(rel), path)), path]
            hit = [c for c in cand if c in known]
            if hit:
                _add(result, rel, hit[0])


# -- languages whose names resolve through packages, namespaces or modules ---------------------

PACKAGE_LINE = {
    "kotlin": re.compile(r"^\s*package\s+([\w.`]+)", re.M),
    "scala": re.compile(r"^\s*package\s+([\w.]+)", re.M),
    "java": re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M),
    "csharp": re.compile(r"^\s*namespace\s+([\w.]+)", re.M),
    "php": re.compile(r"^\s*namespace\s+([\w\\]+)\s*[;{]", re.M),
}
TOP_SCOPES = {"", "package", "namespace"}


def _packages(text: str, language: str) -> list[str]:
    found = PACKAGE_LINE[language].findall(text)
    if language == "scala" and len(found) > 1:  # chained package clauses: a.b then c → a.b.c
        return [".".join(found)]
    return [f.replace("`", "") for f in found[:1]] or [""]


def _swift_module(rel: str) -> str:
    parts = rel.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in ("Sources", "Tests") and i + 1 < len(parts) - 1:
            return parts[i + 1]
    return parts[0] if len(parts) > 1 else ""


def by_names(language: str) -> Resolver:
    def resolve(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
                result: dict[str, OFile]) -> None:  # fmt: skip
        package_of: dict[str, str] = {}
        for rel in files:
            if language == "swift":
                package_of[rel] = _swift_module(rel)
            else:
                package_of[rel] = _packages(texts[rel], language)[0]
        declared: dict[tuple[str, str], set[str]] = defaultdict(set)  # (package, name) -> files
        own: dict[str, set[str]] = defaultdict(set)
        for d in decls:
            if d.scope_kind in TOP_SCOPES and d.kind not in ("package", "namespace", "alias",
                                                             "import", "using"):  # fmt: skip
                declared[(package_of.get(d.rel, ""), d.name)].add(d.rel)
                own[d.rel].add(d.name)
        global_usings: set[str] = set()
        if language == "csharp":
            for project in root.rglob("*.csproj"):  # <Using Include="X" /> in a project file
                text = project.read_text("utf-8", "replace")
                global_usings |= set(re.findall(r"<Using\s+Include=\"([\w.]+)\"", text))
            for rel in files:
                global_usings |= set(re.findall(r"^\s*global\s+using\s+([\w.]+)\s*;",
                                                texts[rel], re.M))  # fmt: skip
        for rel in files:
            text = texts[rel]
            code = code_only(text, "c")
            idents = identifiers(text, "c")
            result[rel].idents = idents
            mine = package_of[rel]
            visible = {mine}
            explicit: dict[str, tuple[str, str]] = {}
            if language == "csharp":
                parts = mine.split(".")
                visible |= {".".join(parts[:i]) for i in range(1, len(parts))}
                visible |= global_usings
                visible |= set(re.findall(r"^\s*using\s+(?:static\s+)?([\w.]+)\s*;", text, re.M))
            elif language == "swift":
                visible |= set(re.findall(r"^\s*(?:@\w+\s+)?import\s+(?:\w+\s+)?(\w+)", text, re.M))
            else:
                for imp in re.findall(r"^\s*import\s+(?:static\s+)?([\w.`{}, =>*]+)", text, re.M):
                    imp = imp.replace("`", "").strip()
                    if "{" in imp:
                        base, inner = imp.split("{", 1)
                        base = base.rstrip(".")
                        for item in inner.rstrip("} ").split(","):
                            name, _, alias = item.strip().partition("=>")
                            name = name.strip()
                            if name in ("_", "*"):
                                visible.add(base)
                            elif name:
                                explicit[(alias.strip() or name)] = (base, name)
                    elif imp.endswith((".*", "._")):
                        visible.add(imp[:-2])
                    else:
                        base, _, name = imp.rpartition(".")
                        name, _, alias = name.partition(" as ")
                        explicit[(alias.strip() or name)] = (base, name.strip())
            del code
            for ident in idents - own[rel]:
                targets: set[str] = set()
                if ident in explicit:
                    base, name = explicit[ident]
                    targets = declared.get((base, name), set())
                    if not targets:
                        # ``import a.b.Outer.Inner``: the file declaring Outer
                        outer_base, _, outer = base.rpartition(".")
                        targets = declared.get((outer_base, outer), set())
                else:
                    for pkg in visible:
                        targets |= declared.get((pkg, ident), set())
                for target in targets:
                    _add(result, rel, target, {ident})

    return resolve


@dataclass
class PackageInfo:
    """What a parser says of one file, for :func:`by_packages`: its package clauses (chained
    ones each, outermost first), its imports as ``(qualified name, static, wildcard)`` (an
    import's rename as ``name=>alias``), the top-level names it declares and the identifiers
    its code uses."""

    packages: list[str]
    imports: list[tuple[str, bool, bool]]
    declared: set[str]
    idents: set[str]
    #: Dotted references the code makes (``os.walk``, ``a.b.C``): a package's member by its
    #: full name, visible without an import.
    qualified: set[str] = field(default_factory=set)
    #: Scala package objects: the package each names (the enclosing package's member of its
    #: name, ``x.os`` for ``package x; package object os``) and its members, that package's.
    objects: dict[str, set[str]] = field(default_factory=dict)


#: Cross-version source folders (sbt's ``scala-2``, Mill's ``src-3``): a build compiles one of
#: them, so a file in one never reaches a file in another.
CROSS = re.compile(r"(?:^|/)(?:src|scala)-(\d)[^/]*/")


def _cross(rel: str) -> str:
    found = CROSS.search(rel)
    return found.group(1) if found else ""


def by_packages(infos: dict[str, PackageInfo], result: dict[str, OFile]) -> None:
    """Edges by the Java/Scala name rules from parsed packages and imports: a name the file's
    code uses, declared at top level by another file of its package (or of an enclosing one
    of chained package clauses), of a package it imports with a wildcard, or named by a
    single-name import (``a.b.C``; ``a.b.Outer.Inner`` and static ``a.b.C.m`` reach the file
    declaring ``C``/``Outer``; a wildcard of a type's members, that type's file). A Scala
    package object's members are declared in the package it names, not in its file's."""
    declared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rel, info in infos.items():
        for name in info.declared:
            declared[(info.packages[-1], name)].add(rel)
        for package, members in info.objects.items():
            for name in members:
                declared[(package, name)].add(rel)

    def files_of(qualified: str) -> set[str]:
        base, _, name = qualified.rpartition(".")
        while base:
            hit = declared.get((base, name))
            if hit:
                return hit
            base, _, name = base.rpartition(".")
        return set()

    for rel, info in infos.items():
        visible = set(info.packages) | set(info.objects)  # (a package object's code sees its own)
        own = info.declared.union(*info.objects.values())
        explicit: dict[str, set[str]] = defaultdict(set)
        for qualified, _static, wildcard in info.imports:
            name, _, alias = qualified.partition("=>")
            if wildcard:
                visible.add(name)
                for target in files_of(name + ".*"):  # a type's members
                    explicit[""].add(target)
                continue
            targets = files_of(name)
            local = alias or name.rpartition(".")[2]
            explicit[local] |= targets
        for target in explicit.pop("", set()):
            _add(result, rel, target, set())
        found: dict[str, set[str]] = defaultdict(set)
        for ident in info.idents - own:
            targets = set(explicit.get(ident, set()))
            if not targets:
                for pkg in visible:
                    targets |= declared.get((pkg, ident), set())
            for target in targets:
                found[target].add(ident)
        for path in info.qualified:
            base, _, name = path.rpartition(".")
            for target in declared.get((base, name), set()):
                found[target].add(name)
        mine = _cross(rel)
        for target, names in found.items():
            theirs = _cross(target)
            if mine and theirs and mine != theirs:
                continue
            _add(result, rel, target, names)


# -- PHP ---------------------------------------------------------------------------------------


def php(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
        result: dict[str, OFile]) -> None:  # fmt: skip
    types = {"class", "interface", "trait", "enum"}
    fqn: dict[str, set[str]] = defaultdict(set)
    ns_of = {rel: _packages(texts[rel], "php")[0] for rel in files}
    own: dict[str, set[str]] = defaultdict(set)
    for d in decls:
        if d.kind in types:
            fqn[f"{ns_of.get(d.rel, '')}\\{d.name}".lstrip("\\")].add(d.rel)
            own[d.rel].add(d.name)
    known = set(files)
    for rel in files:
        text = texts[rel]
        idents = identifiers(text, "php")
        result[rel].idents = idents
        ns = ns_of[rel]
        aliases: dict[str, str] = {}
        for body in re.findall(r"^\s*use\s+(?:function\s+|const\s+)?([^;]+);", text, re.M):
            body = body.strip()
            if "{" in body:
                base, inner = body.split("{", 1)
                items = [
                    base.rstrip("\\ ") + "\\" + i.strip() for i in inner.rstrip("} ").split(",")
                ]
            else:
                items = [i.strip() for i in body.split(",")]
            for item in items:
                name, _, alias = item.partition(" as ")
                name = name.strip().lstrip("\\")
                aliases[(alias.strip() or name.rsplit("\\", 1)[-1])] = name
        code = code_only(text, "php")
        # the names the code uses: namespace and `use` lines name paths, not uses (a class
        # named like a namespace segment is not used by it); the names they import are
        body = re.sub(r"^\s*(?:namespace|use)\s[^;{]*[;{]", "", code, flags=re.M)
        used = set(re.findall(r"[A-Za-z_]\w*", body)) | set(aliases)
        for full in re.findall(r"\\?((?:[A-Za-z_]\w*\\)+[A-Za-z_]\w*)", body):
            for target in fqn.get(full.lstrip("\\"), ()):
                _add(result, rel, target, {full.rsplit("\\", 1)[-1]})
        for ident in used - own[rel]:
            full = aliases.get(ident, f"{ns}\\{ident}".lstrip("\\"))
            if full not in fqn and "\\" not in full:  # a trait `use T;` inside a class
                full = f"{ns}\\{ident}".lstrip("\\")
            for target in fqn.get(full, ()):
                _add(result, rel, target, {ident})
        for path in re.findall(r"(?:require|include)(?:_once)?\s*\(?\s*__DIR__\s*\.\s*" + STRING,
                               text):  # fmt: skip
            cand = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path.lstrip("/")))
            if cand in known:
                _add(result, rel, cand)


# -- Rust --------------------------------------------------------------------------------------


def rust(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
         result: dict[str, OFile]) -> None:  # fmt: skip
    known = set(files)
    # crate roots and names, from each Cargo.toml
    crates: dict[str, str] = {}  # crate name -> its lib root
    roots: list[str] = []
    for manifest in sorted(root.rglob("Cargo.toml")):
        folder = manifest.parent.relative_to(root).as_posix()
        folder = "" if folder == "." else folder + "/"
        try:
            data = tomllib.loads(manifest.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        name = str(data.get("package", {}).get("name", "")).replace("-", "_")
        lib = folder + str(data.get("lib", {}).get("path", "src/lib.rs"))
        if lib in known:
            roots.append(lib)
            if name:
                crates[name] = lib
        for f in files:
            if not f.startswith(folder):
                continue
            tail = f[len(folder) :]
            if (tail in ("src/main.rs", "build.rs") or re.fullmatch(r"src/bin/[^/]+\.rs", tail)
                    or re.fullmatch(r"(tests|examples|benches)/[^/]+\.rs", tail)):  # fmt: skip
                roots.append(f)
    # the module tree: module path of each file, from its crate root
    module_of: dict[str, tuple[str, tuple[str, ...]]] = {}  # file -> (crate root, path)
    files_of: dict[tuple[str, tuple[str, ...]], str] = {}

    def walk(crate: str, rel: str, path: tuple[str, ...], depth: int = 0) -> None:
        if rel in module_of or depth > 30:
            return
        module_of[rel] = (crate, path)
        files_of[(crate, path)] = rel
        text = texts.get(rel, "")
        owns_dir = rel == crate or posixpath.basename(rel) == "mod.rs"
        here = posixpath.dirname(rel) if owns_dir else posixpath.splitext(rel)[0]
        attr_path = None
        for line in code_only(text, "c").splitlines():
            found = re.match(r"\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", line)
            if not found:
                continue
            name = found.group(1)
            cand = [posixpath.join(here, f"{name}.rs"), posixpath.join(here, name, "mod.rs")]
            hit = [c for c in cand if c in known]
            if hit:
                _add(result, rel, hit[0], {name})
                walk(crate, hit[0], (*path, name), depth + 1)
        for attr_path, name in re.findall(r'#\[path\s*=\s*"([^"]+)"\]\s*(?:pub\s+)?mod\s+(\w+)',
                                          text):  # fmt: skip
            base = posixpath.dirname(rel)
            target = posixpath.normpath(posixpath.join(base, attr_path))
            if target in known:
                _add(result, rel, target, {name})
                walk(crate, target, (*path, name), depth + 1)

    for crate_root in roots:
        walk(crate_root, crate_root, ())
    for rel in files:
        text = texts[rel]
        result[rel].idents = identifiers(text, "c")
        crate, path = module_of.get(rel, ("", ()))
        for tree in re.findall(r"\buse\s+([^;]+);", code_only(text, "c")):
            for use in _expand(tree.replace(" ", "").replace("\n", "")):
                parts = use.split("::")
                base: tuple[str, ...]
                if parts[0] == "crate" and crate:
                    base, rest = (), parts[1:]
                    origin = crate
                elif parts[0] in ("self", "super") and crate:
                    base = path
                    rest = parts
                    while rest and rest[0] in ("self", "super"):
                        base = base[:-1] if rest[0] == "super" else base
                        rest = rest[1:]
                    origin = crate
                elif parts[0] in crates and crates[parts[0]] != crate:
                    origin, base, rest = crates[parts[0]], (), parts[1:]
                else:
                    continue
                if origin not in {c for c, _ in module_of.values()}:
                    result[rel].unknown.append(use)
                    continue
                best = files_of.get((origin, base))
                name = rest[-1] if rest else ""
                for i in range(len(rest), 0, -1):
                    hit = files_of.get((origin, base + tuple(rest[:i])))
                    if hit:
                        best = hit
                        break
                if best:
                    _add(result, rel, best, {name} if name and name not in ("*", "self") else set())


def _expand(tree: str) -> list[str]:
    """``a::{b, c::{d}}`` → ``a::b``, ``a::c::d`` (renames dropped)."""
    if "{" not in tree:
        return [re.sub(r"\bas\b.*$", "", tree.split(" as ")[0])]
    head, _, body = tree.partition("{")
    body = body[: body.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip():
            out += [head + x if x != "self" else head.rstrip(":") for x in _expand(p.strip())]
    return out


def includes(root: Path, files: list[str], texts: dict[str, str], decls: list[Decl],
             result: dict[str, OFile]) -> None:  # fmt: skip
    """``#include "x"`` beside the file, then the include folders; ``<x>`` through those only
    (the folders the oracle can name without a build: the root, ``src``, every ``include``)."""
    known = set(files)
    dirs = sorted({""} | {"src"} | {f[: f.index("include/") + 7] for f in files if "include/" in f})
    for rel in files:
        text = texts[rel]
        result[rel].idents = identifiers(text, "c")
        for quote, name in re.findall(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', text, re.M):
            cand = [posixpath.normpath(posixpath.join(posixpath.dirname(rel), name))] * (
                quote == '"'
            ) + [posixpath.normpath(posixpath.join(d, name)) for d in dirs]
            hit = [c for c in cand if c in known]
            if hit:
                _add(result, rel, hit[0])
            elif quote == '"':
                result[rel].unknown.append(name)


RESOLVERS: dict[str, Resolver] = {
    "c": includes,
    "cpp": includes,
    "ruby": ruby,
    "lua": lua,
    "shell": shell,
    "php": php,
    "rust": rust,
    "kotlin": by_names("kotlin"),
    "scala": by_names("scala"),
    "csharp": by_names("csharp"),
    "swift": by_names("swift"),
}
