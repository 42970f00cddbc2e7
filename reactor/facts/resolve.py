"""Imports to repo files, through one resolver per ecosystem that reads the project's manifests.

Resolution happens when a file's facts are extracted, into keys stored in the index: a file's
*imports* become keys (with the names each brings in), and each file *provides* the keys under
which others reach it. Graph context then joins the two for the one file being documented:

* ``path:<repo path>`` — a file named directly (JS/TS specifiers, Rust modules, C/C++ includes);
* ``go:<import path>`` — provided by every non-test ``.go`` file of a package's directory;
* ``java:<package>.<Name>`` — provided by each JVM file's types (and Kotlin's and Scala's
  top-level functions and values); a wildcard import is looked up name by name;
* ``inc:<project>|<suffix>`` — provided by headers, for an include no build names a directory for;
* ``php:<Namespace\\Class>``, ``cs:<namespace>|<arity>``, ``swift:<target>`` — provided by PHP
  files' classes, C# files' types by namespace and arity (and project: ``|<.csproj>``), a
  SwiftPM target's files (Kotlin and Scala use ``java:``);
* Python's dotted module names (:func:`reactor.graph.module_candidates`).

The manifests each ecosystem reads (``go.mod``, ``Cargo.toml``, ``package.json`` and workspace
files, ``tsconfig.json`` and what it ``extends``, ``compile_commands.json``, Makefiles,
``CMakeLists.txt``, ``composer.json``, gemspecs, ``Package.swift``, ``.csproj`` files:
:data:`reactor.facts.MANIFESTS`) are read once and cached. The resolver never
walks the tree to find them: the index's scans report each one they pass
(:meth:`Resolver.saw_manifest`), and the set is kept in the index between runs. When a scan ends
with a manifest added, changed or gone, the caches are dropped and every file is resolved again
from its stored facts, without parsing, in budgeted slices (:func:`reactor.scan.reresolve_step`);
the watcher turns an edit of a manifest into a rescan of its directory, which finds it. Imports
that match no key (the standard library, third-party packages) are listed by name in the
outline but not linked.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from . import Facts, java, lua, scala, shell
from .c import IncludeResolver
from .csharp import CsResolver
from .go import GoResolver
from .javascript import JsResolver, read_jsonc
from .php import PhpResolver
from .ruby import RubyResolver
from .rust import RustResolver
from .swift import SwiftResolver

#: The languages whose package keys are Java's (one JVM build reaches across them).
JVM = ("java", "kotlin", "scala")

#: A manifest's size and mtime, as a scan saw it.
Stamp = tuple[int, int]


class Resolver:
    """Import keys and provided keys for the files of one repo."""

    def __init__(self, root: Path, manifests: dict[str, Stamp] | None = None):
        self.root = root
        #: Every manifest of the repo the scans have seen: path -> (size, mtime_ns).
        self.manifests: dict[str, Stamp] = dict(manifests or {})
        self._texts: dict[str, str | None] = {}
        self._json: dict[str, Any] = {}
        self.js = JsResolver(self)
        self.go = GoResolver(self)
        self.rust = RustResolver(self)
        self.c = IncludeResolver(self)
        self.ruby = RubyResolver(self)
        self.php = PhpResolver(self)
        self.swift = SwiftResolver(self)
        self.cs = CsResolver(self)

    def named(self, name: str) -> list[str]:
        """The known manifests called ``name``, in path order."""
        return sorted(rel for rel in self.manifests if posixpath.basename(rel) == name)

    def named_like(self, suffix: str) -> list[str]:
        """The known manifests whose name ends with ``suffix`` (``.gemspec``), in path order."""
        return sorted(rel for rel in self.manifests if rel.endswith(suffix))

    def replace_manifests(self, under: str, seen: dict[str, Stamp]) -> None:
        """A scan of ``under`` saw these manifests, not what was known there: take them, and
        read them all again when next asked."""
        prefix = f"{under}/" if under else ""
        for rel in [rel for rel in self.manifests if rel.startswith(prefix)]:
            del self.manifests[rel]
        self.manifests.update(seen)
        self.forget()

    def forget(self) -> None:
        """A manifest changed: read them all again when next asked."""
        self._texts.clear()
        self._json.clear()
        self.js.forget()
        self.rust.forget()
        self.c.forget()
        self.swift.forget()
        self.cs.forget()

    def read_text(self, rel: str) -> str | None:
        if rel not in self._texts:
            try:
                self._texts[rel] = (self.root / rel).read_text(errors="replace")
            except OSError:
                self._texts[rel] = None
        return self._texts[rel]

    def read_json(self, rel: str) -> Any:
        if rel not in self._json:
            self._json[rel] = read_jsonc(self.root / rel)
        return self._json[rel]

    # -- the two directions -----------------------------------------------------------------
    def imports(self, rel: str, facts: Facts) -> list[str]:
        """The keys ``rel``'s imports are looked up by."""
        return [key for key, _ in self.import_edges(rel, facts)]

    def import_edges(self, rel: str, facts: Facts) -> list[tuple[str, list[str]]]:
        """``(key, names imported through it)`` for each of ``rel``'s imports, keys once."""
        edges: dict[str, list[str]] = {}
        if facts.resolved:
            for key in facts.resolved:
                edges.setdefault(key, []).extend(facts.names.get(key, []))
        else:
            for spec in [*facts.imports, *facts.references]:
                for key, names in self._edges(rel, facts.language, spec, facts.names):
                    edges.setdefault(key, []).extend(names)
        return [(key, list(dict.fromkeys(names))) for key, names in edges.items()]

    def _edges(
        self, rel: str, language: str, spec: str, names: dict[str, list[str]]
    ) -> list[tuple[str, list[str]]]:
        """The keys of one import with the names each carries: every key all the import's
        names, but a Rust ``use`` tree's paths each their own (``use crate::{a::X, b::Y}``:
        ``X`` only through ``a``'s files), so a name is never looked for in another path's."""
        if language == "rust" and spec.startswith("use "):
            return self.rust.edges(rel, spec, names.get(spec))
        return [(key, names.get(spec, [])) for key in self._keys(rel, language, spec)]

    def provides(self, rel: str, facts: Facts) -> list[str]:
        if facts.language == "go":
            return self.go.provides(rel, facts)
        if facts.language == "scala":
            return scala.provides(facts)
        if facts.language in JVM:
            return java.provides(facts)
        if facts.language in ("c", "cpp"):
            return self.c.provides(rel)
        if facts.language == "php":
            return self.php.provides(facts)
        if facts.language == "csharp":
            return self.cs.provides(rel, facts)
        if facts.language == "swift":
            return self.swift.provides(rel, facts)
        return []

    def _keys(self, rel: str, language: str, spec: str) -> list[str]:
        if language == "python":
            return [spec]
        if language in ("javascript", "typescript", "tsx"):
            return self.js.keys(rel, spec)
        if language == "go":
            return self.go.keys(rel, spec)
        if language == "rust":
            return self.rust.keys(rel, spec)
        if language in JVM:
            return java.keys(spec)
        if language in ("c", "cpp"):
            return self.c.keys(rel, spec)
        if language == "ruby":
            return self.ruby.keys(rel, spec)
        if language == "php":
            return self.php.keys(rel, spec)
        if language == "csharp":
            return self.cs.keys(rel, spec)
        if language == "swift":
            return self.swift.keys(rel, spec)
        if language == "bash":
            return shell.keys(rel, spec)
        if language == "lua":
            return lua.keys(spec)
        return []
