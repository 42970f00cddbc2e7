"""Rust: facts from tree-sitter, modules and crates the way Cargo and rustc find them.

Facts: the crate or module doc (``//!``, headings passed over), functions, structs (with their
fields), enums (with their variants and payloads), unions, traits (with their methods), type
aliases, consts, statics, macros, modules (one entry a name, however many ``#[cfg]`` variants)
and the names ``pub use`` re-exports; methods of inherent impls under their type, and each
trait impl as its own heading (``impl Display for Thing``) whose methods are as public as the
trait. Doc comments are rustdoc's (``///``, ``/** */``; a plain ``//`` is a note, never a
summary), found above attributes (``/// doc`` then ``#[derive(…)]`` then the item);
``#[deprecated]`` is a mark. Visibility as Rust has it: ``pub`` public, ``pub(crate)``/
``pub(super)``/``pub(in …)`` crate, none private; a ``macro_rules!`` macro is public only with
``#[macro_export]`` (else usable within its crate). ``use`` trees are read whole, braces and
newlines included, with the names they bring in.

Resolution: ``mod x;`` is ``x.rs`` or ``x/mod.rs`` beside the declaring file's module (``#[path]``
honoured); ``use crate::…``, ``self::…`` and ``super::…`` walk the module tree from the crate
root; and ``use other_crate::…`` reaches a crate of the same Cargo workspace (its ``[package]
name``, ``-`` read as ``_``) at its root. Crate roots: ``src/lib.rs``, ``src/main.rs``,
``src/bin/*.rs`` (and ``src/bin/*/main.rs``), ``tests/``, ``benches/`` and ``examples/`` files,
``build.rs``, and the ``[lib]`` and ``[[bin]]`` ``path`` of a ``Cargo.toml``.
"""

from __future__ import annotations

import posixpath
import tomllib
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

import tree_sitter as ts

from . import Facts, Project, Symbol, Visibility, glob_match, join, one_line, path_keys
from .walker import Walker, comment_text, doc_summary, named

_TYPES = {
    "struct_item": "struct",
    "enum_item": "enum",
    "union_item": "union",
    "trait_item": "trait",
    "type_item": "type",
}
_ATTRIBUTES = ("attribute_item",)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    w.note_parse_error(root)
    inner = [w.text(n) for n in root.named_children if w.text(n).startswith(("//!", "/*!"))]
    w.facts.doc = doc_summary("\n".join(line for c in inner for line in comment_text(c)))
    _items(w, root, parent="")
    invoked = (
        {
            w.text(m.child_by_field_name("macro")).rsplit("::", 1)[-1]
            for m in w.descendants(root, "macro_invocation")
        }
        if b"!" in data
        else set()
    )
    for spec, names in w.facts.names.items():  # `use anyhow::ensure;` then `ensure!(…)`
        w.facts.names[spec] = [f"{n}!" if n in invoked else n for n in names]
    return w.facts


def visibility(w: Walker, node: ts.Node) -> Visibility:
    modifier = _modifier(node)
    if modifier is None:
        return "private"
    return "public" if w.text(modifier) == "pub" else "crate"


def _modifier(node: ts.Node) -> ts.Node | None:
    return next((c for c in node.children if c.type == "visibility_modifier"), None)


def _marks(attributes: list[str]) -> tuple[str, ...]:
    """What an item's attributes change of its meaning: ``#[deprecated(…)]``."""
    return ("deprecated",) if any(a.startswith("#[deprecated") for a in attributes) else ()


_OPENNESS = ("public", "crate", "protected", "internal", "package", "private")


def _one_per_name(w: Walker, first: int) -> None:
    """One entry per item of a scope: ``#[cfg(…)]`` variants of a module or a function (``mod
    ser;`` and ``pub mod ser;``) are one name, shown at its most open."""
    seen: dict[tuple[str, str, str], int] = {}
    kept: list[Symbol] = []
    for symbol in w.facts.symbols[first:]:
        key = (symbol.kind, symbol.name, symbol.parent)
        if symbol.kind in ("module", "function", "const", "macro", "reexport") and key in seen:
            at = seen[key]
            if _OPENNESS.index(symbol.visibility) < _OPENNESS.index(kept[at].visibility):
                kept[at] = replace(
                    kept[at], visibility=symbol.visibility, signature=symbol.signature
                )
            continue
        seen[key] = len(kept)
        kept.append(symbol)
    w.facts.symbols[first:] = kept


def _items(w: Walker, scope: ts.Node, *, parent: str, inline_depth: int = 0) -> None:
    """The items of a file, or of an inline ``mod x { … }`` in it (``inline_depth`` deep)."""
    path_attribute = ""
    attributes: list[str] = []
    first = len(w.facts.symbols)
    for node in named(scope):
        kind = node.type
        if kind == "attribute_item":
            text = w.text(node)
            attributes.append(text)
            if text.startswith("#[path"):
                path_attribute = text.split("=", 1)[-1].strip(' "]')
            continue
        if "comment" in kind:
            continue
        raw = w.doc_text(node, skip=_ATTRIBUTES)
        doc = doc_summary(raw)
        marks = _marks(attributes)
        before = len(w.facts.symbols)
        if kind in ("function_item", "function_signature_item"):
            w.add(
                "function",
                w.name(node),
                node,
                visibility=visibility(w, node),
                doc=doc,
                parent=parent,
            )
        elif kind in _TYPES:
            _type(w, node, kind, doc, parent)
        elif kind in ("const_item", "static_item"):
            w.add(
                "const",
                w.name(node),
                node,
                visibility=visibility(w, node),
                doc=doc,
                parent=parent,
                signature=one_line(w.text(node).split("=")[0]),
            )
        elif kind == "mod_item":
            name = w.name(node)
            body = node.child_by_field_name("body")
            if body is None:
                spec = f"mod {name}" + (f" = {path_attribute}" if path_attribute else "")
                w.import_of(spec)
            w.add(
                "module",
                name,
                node,
                visibility=visibility(w, node),
                doc=doc,
                parent=parent,
                signature=w.signature(node).split("{")[0].strip(),
            )
            if body is not None:
                _items(w, body, parent=name, inline_depth=inline_depth + 1)
        elif kind == "use_declaration":
            argument = " ".join(w.text(node.child_by_field_name("argument")).split())
            argument = argument.replace("{ ", "{").replace(", }", "}").replace(" }", "}")
            if not _within_file(argument, inline_depth):
                w.import_of(f"use {argument}", use_names(argument))
            own = visibility(w, node)
            if own != "private":  # `pub use`: a re-export, part of this module's API
                for name, segments in use_bindings(argument):
                    shown = one_line(f"{w.text(_modifier(node))} use {'::'.join(segments)}")
                    renamed = f" as {name}" if name != segments[-1] else ""
                    signature = shown + renamed
                    w.add(
                        "reexport",
                        name,
                        node,
                        visibility=own,
                        parent=parent,
                        doc=doc,
                        signature=signature,
                    )
        elif kind == "impl_item":
            _impl(w, node)
        elif kind == "macro_definition":
            exported = any(a.startswith("#[macro_export") for a in attributes)
            w.add(
                "macro",
                w.name(node),
                node,
                doc=doc,
                parent=parent,
                visibility="public" if exported else "crate",
                signature=f"macro_rules! {w.name(node)}",
            )
        if marks:
            for i in range(before, len(w.facts.symbols)):
                if not w.facts.symbols[i].parent or i == before:
                    w.facts.symbols[i] = replace(w.facts.symbols[i], marks=marks)
        path_attribute = ""
        attributes = []
    _one_per_name(w, first)


def _within_file(path: str, inline_depth: int) -> bool:
    """Whether a ``use`` inside inline modules names this file's own items: in ``mod tests {
    use super::*; }`` the ``super`` is the file itself, not another one."""
    ups = 0
    while path.startswith("super::", ups * 7):
        ups += 1
    return inline_depth > 0 and (ups <= inline_depth and (ups > 0 or path.startswith("self::")))


def _type(w: Walker, node: ts.Node, kind: str, doc: str, parent: str) -> None:
    name = w.name(node)
    what = _TYPES[kind]
    signature = one_line(w.text(node)) if what == "type" else w.signature(node)
    if what != "type":
        signature = signature.split("{")[0].strip()
    own = visibility(w, node)
    w.add(what, name, node, visibility=own, doc=doc, parent=parent, signature=signature)
    body = node.child_by_field_name("body")
    for member in named(body):
        if member.type == "field_declaration":
            w.add(
                "field",
                w.name(member),
                member,
                parent=name,
                visibility=visibility(w, member),
                signature=one_line(w.text(member)),
                doc=w.doc(member, skip=_ATTRIBUTES),
            )
        elif member.type == "enum_variant":
            w.add(
                "const",
                w.name(member),
                member,
                parent=name,
                visibility=own,
                signature=one_line(w.text(member)),
                doc=w.doc(member, skip=_ATTRIBUTES),
            )
        elif member.type in ("function_item", "function_signature_item"):  # a trait's
            w.add(
                "method",
                w.name(member),
                member,
                parent=name,
                visibility=own,
                doc=w.doc(member, skip=_ATTRIBUTES),
            )


def _impl(w: Walker, node: ts.Node) -> None:
    """An inherent impl's methods go under their type; a trait impl is a heading of its own."""
    self_type = w.text(node.child_by_field_name("type")).split("<")[0].strip()
    trait = node.child_by_field_name("trait")
    owner = self_type
    if trait is not None:
        owner = f"impl {w.text(trait)} for {self_type}"
        w.add(
            "impl",
            owner,
            node,
            signature=w.signature(node).split("{")[0].strip(),
            doc=w.doc(node, skip=_ATTRIBUTES),
        )
    for member in named(node.child_by_field_name("body")):
        if member.type in ("function_item", "function_signature_item"):
            # a trait's methods are as visible as the trait: public wherever the impl is seen
            own: Visibility = "public" if trait is not None else visibility(w, member)
            w.add(
                "method",
                w.name(member),
                member,
                parent=owner,
                visibility=own,
                doc=w.doc(member, skip=_ATTRIBUTES),
            )
        elif member.type in ("const_item", "type_item"):
            w.add(
                "const" if member.type == "const_item" else "alias",  # (an associated type)
                w.name(member),
                member,
                parent=owner,
                visibility="public" if trait is not None else visibility(w, member),
                # an associated type is what it is bound to; a const, its type
                signature=one_line(
                    w.text(member).rstrip(";")
                    if member.type == "type_item"
                    else w.text(member).split("=")[0]
                ),
            )


def use_names(path: str) -> list[str]:
    """The names a ``use`` brings in: ``a::{B, c::D as E}`` → B, D; ``a::{self}`` → a (the
    module); ``a::*`` → none."""
    out = []
    for segments in use_paths(path):
        if segments[-1] == "self" and len(segments) > 1:
            out.append(segments[-2])
        elif segments[-1] not in ("*", "self"):
            out.append(segments[-1])
    return out


def use_bindings(path: str) -> list[tuple[str, list[str]]]:
    """``(name bound, path)`` for each name a ``use`` binds: ``a::{B, c::D as E}`` → (B,
    a::B), (E, a::c::D); a glob binds no one name."""
    path = path.strip().rstrip(";")
    for i, ch in enumerate(path):
        if ch == "{":
            prefix = [s for s in path[:i].rstrip(":").split("::") if s]
            inner = path[i + 1 : path.rindex("}")]
            out = []
            for part in _split_top(inner):
                for name, segments in use_bindings(part) if part.strip() else []:
                    out.append((name, prefix + segments))
            return out
    head, _, alias = path.partition(" as ")
    segments = [s.strip() for s in head.split("::") if s.strip()]
    if not segments or segments[-1] == "*":
        return []
    if segments[-1] == "self":
        segments = segments[:-1]
    name = alias.strip() or (segments[-1] if segments else "")
    return [(name, segments)] if name and name != "_" else []


def use_paths(path: str) -> list[list[str]]:
    """``a::{b, c::{d, e as f}}`` → ``[a, b]``, ``[a, c, d]``, ``[a, c, e]`` (any nesting)."""
    path = path.strip().rstrip(";")
    depth = 0
    for i, ch in enumerate(path):
        if ch == "{" and depth == 0:
            prefix = [s for s in path[:i].rstrip(":").split("::") if s]
            inner = path[i + 1 : path.rindex("}")]
            out = []
            for part in _split_top(inner):
                out += [prefix + sub for sub in use_paths(part)] if part.strip() else []
            return out
        depth += ch == "{"
    head = path.split(" as ")[0].strip()
    return [[s for s in head.split("::") if s]] if head else []


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "{") - (ch == "}")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


class RustResolver:
    """``mod``/``use`` → candidate repo paths, with the Cargo manifests of the repo."""

    def __init__(self, project: Project):
        self.project = project
        self._crates: dict[str, str] | None = None  # crate name -> its root file

    def forget(self) -> None:
        self._crates = None

    def keys(self, rel: str, spec: str) -> list[str]:
        module_dir = self._module_dir(rel)
        if spec.startswith("mod "):
            name, _, path = spec[4:].partition(" = ")
            if path:
                return path_keys([join(posixpath.dirname(rel), path)])
            return path_keys([f"{module_dir}/{name}.rs", f"{module_dir}/{name}/mod.rs"])
        out: list[str] = []
        for segments in use_paths(spec.removeprefix("use ")):
            head, rest = segments[0], [s for s in segments[1:] if s not in ("self", "*")]
            if head == "crate":
                root_file = self.crate_root(rel)
                if root_file is None:
                    continue
                base = posixpath.dirname(root_file)
                out += [root_file] if len(rest) <= 1 else []  # `use crate::{A, B}`: in the root
            elif head == "self":
                base = module_dir
            elif head == "super":
                base = posixpath.dirname(module_dir)
                if len(rest) <= 1:  # `use super::Item`: the parent module's own file
                    out += self._module_files(rel, base)
            else:
                root_file = self._workspace_crates().get(head)
                if root_file is None:
                    continue  # std or a crate from the registry
                base = posixpath.dirname(root_file)
                out.append(root_file)
            for k in range(len(rest), 0, -1):  # `a::b::Item`: the module may be a or a/b
                module = "/".join(rest[:k])
                out += [join(base, f"{module}.rs"), join(base, f"{module}/mod.rs")]
        return path_keys(out)

    def edges(
        self, rel: str, spec: str, listed: list[str] | None = None
    ) -> list[tuple[str, list[str]]]:
        """``(key, names)`` for each path of a ``use`` tree: its keys carry its own name (the
        module's for ``a::{self}``; none for a glob). A name the file invokes as a macro
        (``listed`` marks it ``ensure!``) is an item of its path's module, never a module file
        of its own name."""
        macros = {n.removesuffix("!") for n in listed or () if n.endswith("!")}
        out = []
        for segments in use_paths(spec.removeprefix("use ")):
            names = use_names("::".join(segments))
            path = segments[:-1] if names and names[0] in macros and len(segments) > 1 else segments
            out += [(key, names) for key in self.keys(rel, f"use {'::'.join(path)}")]
        return out

    def _module_files(self, rel: str, module_dir: str) -> list[str]:
        """The file that may define the module whose submodules live in ``module_dir``."""
        root_file = self.crate_root(rel)
        if root_file is not None and posixpath.dirname(root_file) == module_dir:
            return [root_file]
        return [f"{module_dir}.rs", f"{module_dir}/mod.rs"]

    def _module_dir(self, rel: str) -> str:
        """Where the submodules of the module ``rel`` defines live."""
        directory = posixpath.dirname(rel)
        stem = PurePosixPath(rel).stem
        if stem == "mod" or self._is_root(rel):
            return directory
        return join(directory, stem)

    def crate_root(self, rel: str) -> str | None:
        """The root file of the crate ``rel`` belongs to."""
        folder = self._package_dir(rel)
        if folder is None:
            return None
        below = rel[len(folder) :].lstrip("/") if folder else rel
        top = below.split("/", 1)[0]
        if top in ("tests", "benches", "examples") or below == "build.rs":
            first = below.split("/")
            return join(folder, "/".join(first[:2])) if len(first) > 1 else rel
        if below.startswith("src/bin/"):
            parts = below.split("/")
            return join(
                folder, "/".join(parts[:3]) if len(parts) == 3 else f"src/bin/{parts[2]}/main.rs"
            )
        manifest = self._manifest(folder)
        targets = [
            *_targets(manifest, "bin"),
            *_targets(manifest, "lib"),
            "src/lib.rs",
            "src/main.rs",
        ]
        found = [join(folder, t) for t in targets if (self.project.root / folder / t).is_file()]
        if rel in found:
            return rel
        # a package with several targets (``[[bin]] path = "crates/core/main.rs"``): the one
        # whose folder holds the file, the nearest first
        holding = [t for t in found if _within(rel, posixpath.dirname(t))]
        return max(holding, key=len) if holding else (found[0] if found else None)

    def _is_root(self, rel: str) -> bool:
        return self.crate_root(rel) == rel

    def _package_dir(self, rel: str) -> str | None:
        parts = rel.split("/")[:-1]
        for i in range(len(parts), -1, -1):
            folder = "/".join(parts[:i])
            manifest = self._manifest(folder)
            if manifest is not None and ("package" in manifest or "lib" in manifest):
                return folder
        return None

    def _manifest(self, folder: str) -> dict[str, Any] | None:
        text = self.project.read_text(
            posixpath.join(folder, "Cargo.toml") if folder else "Cargo.toml"
        )
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None

    def _workspace_crates(self) -> dict[str, str]:
        """Crate name (``-`` as ``_``) → root file, for every member of the repo's workspaces."""
        if self._crates is None:
            self._crates = {}
            for folder in self._members():
                manifest = self._manifest(folder) or {}
                package = manifest.get("package", {})
                lib = manifest.get("lib", {})
                name = lib.get("name") or package.get("name")
                if not isinstance(name, str):
                    continue
                for candidate in [*_targets(manifest, "lib"), "src/lib.rs", "src/main.rs"]:
                    path = join(folder, candidate)
                    if (self.project.root / path).is_file():
                        self._crates[name.replace("-", "_")] = path
                        break
        return self._crates

    def _members(self) -> list[str]:
        crates = [posixpath.dirname(rel) for rel in self.project.named("Cargo.toml")]
        folders = []
        for base in crates:
            manifest = self._manifest(base) or {}
            workspace = manifest.get("workspace", {})
            for pattern in workspace.get("members", []) if isinstance(workspace, dict) else []:
                member = join(base, pattern)
                folders += [folder for folder in crates if glob_match(member, folder)]
            if "package" in manifest:
                folders.append(base)
        return list(dict.fromkeys(folders))


def _targets(manifest: dict[str, Any] | None, kind: str) -> list[str]:
    """The ``path`` of a manifest's ``[lib]`` or every ``[[bin]]``."""
    if not manifest:
        return []
    found = manifest.get(kind)
    entries = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    return [e["path"] for e in entries if isinstance(e, dict) and isinstance(e.get("path"), str)]


def _within(rel: str, folder: str) -> bool:
    return not folder or rel.startswith(folder + "/")
