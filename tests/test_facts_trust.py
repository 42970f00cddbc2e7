"""Every statement a doc makes is true: one fixture per defect class issue 29 found on code nobody
here had seen (false neighbour claims, wrong or missing summaries, missing edges, signatures that
lose meaning, declared API omitted, wrong kinds, list cuts that hide the API), on snippets
written for the test, for Python, JavaScript/TypeScript, Go, Rust, Ruby, Lua and shell."""

from __future__ import annotations

from pathlib import Path

from test_facts_by_language import facts, sym

from conftest import write
from reactor.backends import DocRequest, Generated
from reactor.backends.outline import MAX_VALUES, OutlineBackend
from reactor.facts import Facts, Symbol, extract, summary
from reactor.graph import Neighbour, format_context, neighbours
from reactor.reactor import Reactor


def graph(root: Path, files: dict[str, str], rel: str) -> tuple[list[Neighbour], list[Neighbour]]:
    """Write ``files`` into a repo, index it, and ``rel``'s neighbours as the docs show them."""
    for path, text in files.items():
        write(root, path, text)
    with Reactor.open(root, watch=False) as reactor:
        reactor.refresh_index()
        return neighbours(reactor.index, rel)


def shown(found: list[Neighbour]) -> dict[str, tuple[str, ...]]:
    return {n.path: n.shown for n in found}


def outline(rel: str, source: str) -> str:
    result = OutlineBackend().generate(
        DocRequest(Path("/r"), rel, "0" * 64, source, None, None, extract(rel, source.encode()))
    )
    assert isinstance(result, Generated)
    return result.body


# -- 1. neighbours claimed without evidence ----------------------------------------------------
def test_python_submodule_import_names_the_submodules_file(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "from .sessions import Session\n",
        "pkg/sessions.py": "class Session: ...\ndef session(): ...\n",
        # sessions.Fake only in a comment and a string: never a used name
        "pkg/api.py": "from . import sessions\n\n\ndef get():\n    # sessions.Fake\n"
        "    return sessions.Session(), 'sessions.Str'\n",
    }
    imports, _ = graph(tmp_path, files, "pkg/api.py")
    assert shown(imports) == {"pkg/sessions.py": ("class Session",)}
    _, importers = graph(tmp_path, {}, "pkg/__init__.py")
    assert "pkg/api.py" not in shown(importers)
    _, importers = graph(tmp_path, {}, "pkg/sessions.py")
    assert shown(importers) == {"pkg/__init__.py": ("Session",), "pkg/api.py": ("Session",)}


def test_python_a_name_bound_twice_is_listed_and_shown_once(tmp_path: Path) -> None:
    clock = "import sys\nif sys.platform == 'win32':\n    clock = 1\nelse:\n    clock = 2\n"
    assert [s.name for s in facts("c.py", clock).symbols] == ["clock"]
    files = {"c.py": clock, "user.py": "from c import clock, clock\n"}
    imports, _ = graph(tmp_path, files, "user.py")
    assert shown(imports) == {"c.py": ("clock",)}


def test_go_names_are_shown_under_the_file_that_declares_each(tmp_path: Path) -> None:
    files = {
        "go.mod": "module example.com/m\n",
        "mux/doc.go": "// Package mux routes.\npackage mux\n",
        "mux/router.go": "package mux\n\nfunc NewRouter() {}\n",
        "mux/cors.go": "package mux\n\nfunc CORSMethodMiddleware() {}\n",
        "app/main.go": 'package main\n\nimport "example.com/m/mux"\n\n'
        "// mux.Fake is in a comment\nfunc main() { mux.NewRouter(); mux.CORSMethodMiddleware()"
        '; _ = "mux.Str" }\n',
    }
    imports, _ = graph(tmp_path, files, "app/main.go")
    assert shown(imports) == {
        "mux/cors.go": ("func CORSMethodMiddleware()",),
        "mux/router.go": ("func NewRouter()",),
    }  # not doc.go, which declares nothing; each name once, under its own file
    _, importers = graph(tmp_path, {}, "mux/router.go")
    assert shown(importers) == {"app/main.go": ("NewRouter",)}


def test_a_package_import_that_uses_no_name_claims_no_file(tmp_path: Path) -> None:
    files = {
        "go.mod": "module example.com/m\n",
        "flags/a.go": "package flags\n\nconst A = 1\n",
        "flags/b.go": "package flags\n\nconst B = 2\n",
        "app/blank.go": 'package app\n\nimport _ "example.com/m/flags"\n',
    }
    imports, _ = graph(tmp_path, files, "app/blank.go")
    assert imports == []  # a blank import uses no name: no file of the package is claimed
    imports, importers = graph(tmp_path, {}, "flags/a.go")
    assert imports == [] and importers == []  # siblings that do not use each other


def test_rust_use_paths_name_the_module_that_declares_the_item(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": '[package]\nname = "k"\n',
        "src/lib.rs": "mod a;\nmod b;\n",
        "src/a.rs": "pub mod b;\npub fn top() {}\n",
        "src/a/b.rs": "pub struct X;\nfn private() {}\n",
        "src/b.rs": "use crate::a::b::X;\nuse crate::a::b::private;\nuse crate::a;\n",
    }
    imports, _ = graph(tmp_path, files, "src/b.rs")
    assert shown(imports) == {"src/a.rs": (), "src/a/b.rs": ("pub struct X", "private")}
    _, importers = graph(tmp_path, {}, "src/a.rs")
    assert shown(importers) == {"src/b.rs": (), "src/lib.rs": ()}


def test_an_extension_is_shown_as_extending_not_as_an_import() -> None:
    text = format_context(
        [Neighbour("A.swift", ("class Console",), "extends"), Neighbour("u.py", ("def f()",))],
        [Neighbour("B.swift", ("Console",), "extended by"), Neighbour("C.cs", ("W",), "part")],
    )
    assert text == (
        "Imports (in this repo):\n- u.py: `def f()`\n\nExtends:\n- A.swift: `class Console`\n\n"
        "Other parts of its declarations:\n- C.cs: `W`\n\nExtended by:\n- B.swift: Console"
    )


# -- 2. summaries wrong or missing -------------------------------------------------------------
def test_rust_multi_line_doc_comments_give_a_summary_and_plain_comments_none() -> None:
    f = facts(
        "a.rs", "/// Two\n/// lines.\npub fn b() {}\n// more easily discoverable.\npub fn c() {}\n"
    )
    assert sym(f, "b").doc == "Two lines." and sym(f, "c").doc == ""


def test_a_trailing_comment_wrapped_onto_the_next_line_stays_its_own_lines() -> None:
    go = "package a\n\nconst (\n    A = 1 // add a new\n          // item.\n    B = 2\n)\n"
    f = facts("a.go", go)
    assert sym(f, "A").doc == "add a new item." and sym(f, "B").doc == ""
    ts = "enum E {\n  A, // add a new\n     // item.\n  B,\n}\n"
    assert sym(facts("e.ts", ts), "B").doc == ""


def test_only_the_languages_doc_comments_are_summaries() -> None:
    ts = "// a note on the code\nexport function f() {}\n/** The doc. */\nexport function g() {}\n"
    assert sym(facts("a.ts", ts), "f").doc == "" and sym(facts("a.ts", ts), "g").doc == "The doc."
    lua = "-- a note\nfunction M.f() end\n--- The doc.\nfunction M.g() end\n"
    assert sym(facts("a.lua", lua), "M.f").doc == "" and sym(facts("a.lua", lua), "M.g").doc


def test_headings_licences_and_tool_directives_are_never_summaries() -> None:
    assert facts("src/lib.rs", "//! # Serde JSON\n//!\n//! Serde is fast.\n").doc == (
        "Serde is fast."
    )
    assert summary("Usage\n=====\n\nRun it.") == "Run it."
    go = "// Copyright 2020 The Authors. All rights reserved.\n\n//go:build linux\n\npackage a\n"
    assert facts("a.go", go).doc == ""
    directive = "package a\n\n// F runs.\n//go:noinline\nfunc F() {}\n"
    assert sym(facts("a.go", directive), "F").doc == "F runs."
    assert sym(facts("a.js", "/* global window */\nfunction f() {}\n"), "f").doc == ""
    assert sym(facts("a.js", "/** Sets the global state. */\nfunction f() {}\n"), "f").doc


def test_the_first_sentence_is_kept_whole() -> None:
    assert summary("Use e.g. Foo\nfor this. More.") == "Use e.g. Foo for this."
    assert summary("Functionally same as:\n\n    x.foo(1)") == "Functionally same as: `x.foo(1)`"
    assert summary("Returns:\n    the area.") == "Returns: the area."


# -- 3. real edges missing ---------------------------------------------------------------------
def test_go_files_of_one_package_that_use_each_other_are_neighbours(tmp_path: Path) -> None:
    files = {
        "go.mod": "module example.com/m\n",
        "mux/regexp.go": "package mux\n\nfunc newRouteRegexp() {}\n",
        "mux/route.go": "package mux\n\nfunc (r *Route) add() { newRouteRegexp() }\n"
        "\ntype Route struct{}\n",
        # a local of the same name hides the sibling's: no claim
        "mux/other.go": "package mux\n\nfunc f() { newRouteRegexp := 1; _ = newRouteRegexp }\n",
    }
    imports, _ = graph(tmp_path, files, "mux/route.go")
    assert shown(imports) == {"mux/regexp.go": ("func newRouteRegexp()",)}
    _, importers = graph(tmp_path, {}, "mux/regexp.go")
    assert shown(importers) == {"mux/route.go": ("newRouteRegexp",)}


# -- 4. signatures that lose meaning -----------------------------------------------------------
def test_deprecation_is_a_mark() -> None:
    py = "from typing_extensions import deprecated\n\n\n@deprecated('use g')\ndef f(): ...\n"
    assert sym(facts("a.py", py), "f").marks == ("deprecated",)
    go = "package a\n\n// F runs.\n//\n// Deprecated: use G.\nfunc F() {}\n"
    f = sym(facts("a.go", go), "F")
    assert (f.doc, f.marks) == ("F runs.", ("deprecated",))
    assert "- `func F()` *(deprecated)* — F runs." in outline("a.go", go)


# -- 5. declared API omitted, 6. kinds wrong ---------------------------------------------------
def test_python_nested_classes_private_members_and_reexports_are_listed() -> None:
    f = facts(
        "pkg/__init__.py",
        "from .models import Request, Response\nfrom .util import helper as helper\n"
        "import os\n\n\nclass Outer:\n    class Kind:\n        A = 1\n\n"
        "    _cache = None\n\n    def _reset(self): ...\n",
    )
    assert (sym(f, "Kind").parent, sym(f, "Kind").kind) == ("Outer", "class")
    assert sym(f, "A", "Kind").kind == "field"
    assert sym(f, "_reset").visibility == "private" and sym(f, "_cache").visibility == "private"
    reexports = [(s.name, s.signature) for s in f.symbols if s.kind == "reexport"]
    assert reexports == [
        ("Request", "from .models import Request"),
        ("Response", "from .models import Response"),
        ("helper", "from .util import helper as helper"),
    ]
    listed = facts("m/__init__.py", "from .a import X\nfrom .b import Y\n__all__ = ['X']\n")
    assert [s.name for s in listed.symbols] == ["X"]


def test_python_optional_imports_are_not_constants() -> None:
    f = facts("c.py", "try:\n    import chardet\nexcept ImportError:\n    chardet = None\n")
    assert f.symbols == [] and f.imports == ["chardet"]


def test_go_embedded_fields_and_interfaces_are_members() -> None:
    f = facts(
        "a.go",
        "package a\n\ntype S struct {\n\t*Base\n\tio.Reader\n}\n"
        "type I interface {\n\tio.Closer\n\tRead() error\n}\n",
    )
    assert [(s.name, s.signature) for s in f.symbols if s.parent == "S"] == [
        ("Base", "*Base"),
        ("Reader", "io.Reader"),
    ]
    assert sym(f, "Closer", "I").kind == "embedded"


def test_a_file_that_does_not_parse_says_so() -> None:
    assert extract("broken.py", b"def (:\n") == Facts("python", error="syntax error at line 1")
    assert "*Not parsed (syntax error at line 1)" in outline("broken.py", "def (:\n")


# -- 8. list cuts that hide the API ------------------------------------------------------------
def test_public_members_come_first_and_a_cut_takes_private_ones() -> None:
    private = "".join(f"    def _p{i}(self): ...\n" for i in range(MAX_VALUES))
    body = outline("big.py", f"class Big:\n{private}    def visible(self): ...\n")
    entries = [line for line in body.splitlines() if line.startswith("- `def")]
    assert entries[0] == "- `def visible(self)`"
    assert "- … (+1 more, 1 not public)" in body


def test_symbols_keep_their_marks_through_the_index() -> None:
    f = Facts("python", [Symbol("function", "f", "def f()", "", "public", "", ("deprecated",))])
    assert Facts.from_json(f.to_json()) == f


# -- more languages: the same classes ----------------------------------------------------------
def test_ruby_neighbours_show_the_constants_used_never_a_heading(tmp_path: Path) -> None:
    files = {
        "lib/thor.rb": "class Thor\nend\n",
        "lib/thor/base.rb": "class Thor\n  module Base\n  end\nend\n",
        "lib/thor/group.rb": "require 'thor/base'\n\nclass Thor::Group\n  include Thor::Base\n"
        "  # Thor::Shell in a comment\nend\n",
        "lib/runner.rb": "require 'thor'\n\n# a runner\nclass Runner\nend\n",
    }
    imports, _ = graph(tmp_path, files, "lib/thor/group.rb")
    assert shown(imports) == {"lib/thor/base.rb": ("module Base",)}
    imports, _ = graph(tmp_path, {}, "lib/runner.rb")
    assert shown(imports) == {"lib/thor.rb": ()}  # required, nothing of it named: no heading
    _, importers = graph(tmp_path, {}, "lib/thor/base.rb")
    assert shown(importers) == {"lib/thor/group.rb": ("Thor::Base",)}


def test_ruby_class_methods_of_a_class_self_block_are_the_classes() -> None:
    f = facts(
        "a.rb", "class A\n  class << self\n    def build(x); end\n  end\n  def run; end\nend\n"
    )
    assert sym(f, "build", "A").signature == "def self.build(x)"
    assert sym(f, "run", "A").signature == "def run"


def test_lua_and_shell_neighbours_show_what_is_used_of_them(tmp_path: Path) -> None:
    files = {
        "lua/acme/util.lua": "local M = {}\nfunction M.trim(s) end\nfunction M.pad(s) end\n"
        "return M\n",
        "lua/acme/app.lua": 'local u = require("acme.util")\n-- u.pad in a comment\n'
        "return u.trim(' x ')\n",
        "lib.sh": "greet() { echo hi; }\nbye() { echo bye; }\n",
        "run.sh": "#!/bin/sh\n. ./lib.sh\n# bye is only in a comment\ngreet\n",
    }
    imports, _ = graph(tmp_path, files, "lua/acme/app.lua")
    assert shown(imports) == {"lua/acme/util.lua": ("function M.trim(s)",)}
    imports, _ = graph(tmp_path, {}, "run.sh")
    assert shown(imports) == {"lib.sh": ("greet()",)}


def test_rust_reexports_one_module_entry_and_macro_visibility() -> None:
    f = facts(
        "src/lib.rs",
        'pub use crate::a::{B, c::D as E};\n#[cfg(feature = "std")]\npub mod ser;\n'
        '#[cfg(not(feature = "std"))]\nmod ser;\nmacro_rules! local { () => {} }\n'
        "#[macro_export]\nmacro_rules! open { () => {} }\n/// Old.\n#[deprecated]\npub fn f() {}\n",
    )
    assert [(s.name, s.signature) for s in f.symbols if s.kind == "reexport"] == [
        ("B", "pub use crate::a::B"),
        ("E", "pub use crate::a::c::D as E"),
    ]
    modules = [s for s in f.symbols if s.kind == "module"]
    assert [(s.name, s.visibility) for s in modules] == [("ser", "public")]
    assert sym(f, "local").visibility == "crate" and sym(f, "open").visibility == "public"
    assert (sym(f, "f").doc, sym(f, "f").marks) == ("Old.", ("deprecated",))


def test_typescript_signatures_keep_type_parameters_casts_and_reexports() -> None:
    f = facts(
        "a.ts",
        "export type StorageValue<S> = { state: S }\nexport const x = make() as Store<T>\n"
        "/** Old.\n * @deprecated use g */\nexport function f() {}\n"
        "export { a, b as c } from './x'\nexport * from './y'\n",
    )
    assert sym(f, "StorageValue").signature == "type StorageValue<S>"
    assert sym(f, "x").signature == "const x = … as Store<T>"
    assert sym(f, "f").marks == ("deprecated",)
    assert [s.signature for s in f.symbols if s.kind == "reexport"] == [
        "export { a } from './x'",
        "export { b as c } from './x'",
        "export * from './y'",
    ]


def test_typescript_namespace_imports_name_the_members_used(tmp_path: Path) -> None:
    files = {
        "src/util.ts": "export function trim() {}\nexport function pad() {}\n",
        "src/index.ts": "export { trim } from './util'\n",
        "src/app.ts": "import * as u from './util'\nimport { trim } from './index'\n"
        "// u.pad in a comment\nu.trim()\n",
    }
    imports, _ = graph(tmp_path, files, "src/app.ts")
    assert shown(imports) == {
        "src/index.ts": ("export { trim } from './util'",),
        "src/util.ts": ("function trim()",),
    }


# -- found on the audit repositories -----------------------------------------------------------
def test_go_a_struct_literals_field_key_is_no_use_of_a_sibling(tmp_path: Path) -> None:
    files = {
        "go.mod": "module example.com/m\n",
        "mw/new.go": "package mw\n\nfunc New() {}\n\nconst mGET = 1\n",
        "mw/pool.go": 'package mw\n\nimport "sync"\n\nvar p = sync.Pool{New: nil}\n'
        'var m = map[int]string{mGET: "GET"}\n',
    }
    imports, _ = graph(tmp_path, files, "mw/pool.go")
    assert shown(imports) == {"mw/new.go": ("const mGET = 1",)}  # a map key is a use; New: not
    assert sym(facts("mw/pool.go", files["mw/pool.go"]), "m").signature == (
        "var m = map[int]string{…}"
    )


def test_python_names_all_passes_on_from_star_imports_are_reexports() -> None:
    f = facts(
        "p/__init__.py", "from ._client import *\n__all__ = ['Client', 'get']\n\n\ndef get(): ...\n"
    )
    assert [(s.kind, s.name) for s in f.symbols] == [("function", "get"), ("reexport", "Client")]


def test_summaries_pass_over_badges_link_definitions_and_fenced_code() -> None:
    crate = (
        "//! [![github]](https://github.com/o/r)&ensp;[![docs-rs]](https://docs.rs/r)\n//!\n"
        "//! [github]: https://img.shields.io/badge/github\n//!\n//! <br>\n//!\n"
        "//! This library provides [`r::Error`][Error], a trait object.\n"
    )
    assert facts("src/lib.rs", crate).doc == "This library provides `r::Error`, a trait object."
    assert summary("```\nuse r::Result;\n\nfn main() {}\n```\n\nThen prose.") == "Then prose."
    assert summary("Same as:\n\n```rust\nx.foo()\n```") == "Same as: `x.foo()`"
    rust = facts("a.rs", "/// `Result<T, Error>` for <b>short</b>.\npub type R = u8;\n")
    assert sym(rust, "R").doc == "`Result<T, Error>` for short."
    java_like = facts(
        "a.js", "/** Gives a {@code Map<K, V>} of <code>x()</code>. */\nfunction f() {}\n"
    )
    assert sym(java_like, "f").doc == "Gives a `Map<K, V>` of `x()`."


def test_a_module_without_members_is_listed_once() -> None:
    body = outline("src/lib.rs", "mod ser;\npub mod de {\n    pub fn from_str() {}\n}\n")
    assert body.count("- `mod ser`") == 1 and "### `pub mod de`" in body
    assert "### `mod ser`" not in body
    where = facts("a.rs", "impl<T> Tr for S<T>\nwhere\n    T: Clone,\n{\n    fn f(&self) {}\n}\n")
    assert where.symbols[0].signature == "impl<T> Tr for S<T> where T: Clone"


def test_commonjs_module_exports_declares_its_api() -> None:
    f = facts(
        "lib/ctx.js",
        "const assert = require('assert')\n\nconst proto = module.exports = {\n"
        "  /**\n   * Inspects it.\n   */\n\n  inspect () {},\n  get cookies () {},\n"
        "  set cookies (v) {},\n  assert: assert,\n}\n",
    )
    assert [(s.kind, s.name, s.doc) for s in f.symbols] == [
        ("function", "inspect", "Inspects it."),  # JSDoc documents across a blank line
        ("function", "cookies", ""),  # a getter and its setter: one entry
        ("reexport", "assert", ""),
    ]
    assert sym(f, "assert").signature == "module.exports = { assert: assert }"
    app = facts(
        "lib/app.js", "module.exports = class Application extends Emitter {\n  use (fn) {}\n}\n"
    )
    assert sym(app, "Application").signature == "module.exports = class Application extends Emitter"
    assert sym(app, "use", "Application").kind == "method"
    only = facts("lib/only.js", "module.exports = (obj, keys) => {}\n")
    assert sym(only, "module.exports").signature == "module.exports = (obj, keys) =>"


def test_members_of_a_name_bound_again_or_assigned_are_no_uses(tmp_path: Path) -> None:
    files = {
        "lib/response.js": "module.exports = {\n  get body () {},\n  redirect () {},\n}\n",
        "lib/app.js": "const response = require('./response')\n\nfunction make () {\n"
        "  const response = Object.create(null)\n  response.body = 1\n  return response.redirect\n}\n",
        "lib/user.js": "const r = require('./response')\nr.body = 2\nr.redirect()\n",
    }
    imports, _ = graph(tmp_path, files, "lib/app.js")
    assert shown(imports) == {"lib/response.js": ()}  # a local `response` hides the module
    imports, _ = graph(tmp_path, {}, "lib/user.js")
    assert shown(imports) == {"lib/response.js": ("redirect ()",)}  # `r.body = 2` is a write


def test_typescript_default_exports_and_type_alias_bodies(tmp_path: Path) -> None:
    files = {
        "src/index.ts": "const ky = make()\nexport default ky\n"
        "export type P<T = unknown> = Promise<T> & { json: () => T }\n",
        "src/use.ts": "import ky from './index'\n",
    }
    f = facts("src/index.ts", files["src/index.ts"])
    assert sym(f, "default").signature == "export default ky"
    assert sym(f, "P").signature == "type P<T = unknown> = Promise<T> & {…}"
    imports, _ = graph(tmp_path, files, "src/use.ts")
    assert shown(imports) == {"src/index.ts": ("export default ky",)}


def test_a_comment_line_without_its_full_stop_is_a_sentence() -> None:
    ruby = (
        "# Allows setting a timeout for all calls\n# Timeout is in seconds.\ndef timeout(v); end\n"
    )
    assert sym(facts("a.rb", ruby), "timeout").doc == "Allows setting a timeout for all calls"
    go = "package a\n\n// UnknownFlags ignores unknown flags\n// Deprecated: Use X instead\nvar U = 1\n"
    u = sym(facts("a.go", go), "U")
    assert (u.doc, u.marks) == ("UnknownFlags ignores unknown flags", ("deprecated",))


def test_ruby_constants_show_their_first_line_and_nested_types_where_they_are() -> None:
    source = "module Web\n  class Request\n    NORMALIZER = proc do |query|\n      query.sort\n"
    source += "    end\n  end\nend\n"
    assert sym(facts("a.rb", source), "NORMALIZER").signature == "NORMALIZER = proc do |query| …"
    assert "### `class Request` in `Web`" in outline("a.rb", source)


def test_a_js_specifier_reaches_the_declaration_file_beside_it(tmp_path: Path) -> None:
    files = {
        "source/index.js": "export class Chalk {}\nconst chalk = 1\nexport default chalk\n",
        "source/index.d.ts": "export interface ChalkInstance {}\nexport class Chalk {}\n",
        "source/use.ts": "import chalk, {Chalk, type ChalkInstance} from './index.js'\n",
    }
    imports, _ = graph(tmp_path, files, "source/use.ts")
    assert shown(imports) == {
        "source/index.d.ts": ("class Chalk", "interface ChalkInstance"),
        "source/index.js": ("class Chalk", "export default chalk"),
    }


def test_lua_tables_kept_local_are_private_and_a_required_field_is_a_use() -> None:
    f = facts(
        "busted/core.lua",
        "local getfenv = require 'busted.compat'.getfenv\nlocal Mt = {}\n"
        "function Mt.__tostring(e) end\nlocal M = {}\nfunction M.run() end\nreturn M\n",
    )
    assert [(s.name, s.visibility) for s in f.symbols] == [
        ("Mt.__tostring", "private"),
        ("M.run", "public"),
    ]
    assert f.names == {"busted.compat": ["?.getfenv"]}


def test_shell_exports_of_values_assigned_before_and_rust_associated_types() -> None:
    f = facts("env.sh", "ROOT=/x\nexport ROOT\nexport A=1 B\n")
    assert [(s.name, s.signature) for s in f.symbols] == [
        ("ROOT", "export ROOT"),
        ("A", "export A=1 B"),
        ("B", "export A=1 B"),
    ]
    rust = facts("a.rs", "impl FromStr for Level {\n    type Err = ParseError;\n}\n")
    assert sym(rust, "Err").signature == "type Err = ParseError"


def test_go_a_major_version_path_is_used_by_its_package_name(tmp_path: Path) -> None:
    files = {
        "go.mod": "module github.com/o/chi/v5\n",
        "chi.go": "package chi\n\nfunc NewRouter() {}\n",
        "tree.go": "package chi\n\nfunc other() {}\n",
        "_examples/main.go": 'package main\n\nimport "github.com/o/chi/v5"\n\n'
        "func main() { chi.NewRouter() }\n",
    }
    imports, _ = graph(tmp_path, files, "_examples/main.go")
    assert shown(imports) == {"chi.go": ("func NewRouter()",)}


def test_rust_each_path_of_a_use_tree_carries_only_its_own_name(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": '[package]\nname = "k"\n',
        "src/lib.rs": "mod a;\nmod b;\npub struct Error;\n",
        "src/a.rs": "pub struct X;\n",
        "src/b.rs": "use crate::{a::X, Error};\n",
    }
    imports, _ = graph(tmp_path, files, "src/b.rs")
    assert shown(imports) == {"src/a.rs": ("pub struct X",), "src/lib.rs": ("pub struct Error",)}


def test_a_member_taken_right_of_require_and_a_default_function(tmp_path: Path) -> None:
    files = {
        "helpers/context.js": "module.exports = (a) => a\nmodule.exports.request = (r) => r\n"
        "module.exports.response = (r) => r\n",
        "test/host.test.js": "const request = require('../helpers/context').request\nrequest()\n",
        "src/is-error.ts": "export default function isRawError(e: unknown): boolean { return true }\n",
        "src/use.ts": "import isRawError from './is-error'\n",
        "lua/a/utils.lua": "return {\n  shuffle = function(t) end,\n  other = function() end,\n}\n",
        "lua/a/run.lua": "local shuffle = require 'a.utils'.shuffle\n",
    }
    imports, _ = graph(tmp_path, files, "test/host.test.js")
    assert shown(imports) == {"helpers/context.js": ("request = (r) =>",)}
    imports, _ = graph(tmp_path, {}, "src/use.ts")
    assert shown(imports) == {
        "src/is-error.ts": ("export default function isRawError(e: unknown): boolean",)
    }
    imports, _ = graph(tmp_path, {}, "lua/a/run.lua")
    assert shown(imports) == {"lua/a/utils.lua": ("function shuffle(t)",)}


def test_rust_a_macro_used_through_use_is_no_module_of_its_name(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": '[package]\nname = "k"\n',
        "src/lib.rs": "mod ensure;\nmod macros;\npub struct Error;\n",
        "src/ensure.rs": "pub trait BothDebug {}\n",
        "src/macros.rs": "#[macro_export]\nmacro_rules! ensure { () => {} }\n",
        "tests/t.rs": "use k::{ensure, Error};\n\nfn f() { ensure!(); }\n",
    }
    imports, _ = graph(tmp_path, files, "tests/t.rs")
    assert shown(imports) == {"src/lib.rs": ("ensure", "pub struct Error")}


def test_a_signature_never_holds_a_comment() -> None:
    ts = "export function f(\n  a: string, // the a\n  /* b */ b: number,\n): void {}\n"
    assert sym(facts("a.ts", ts), "f").signature == "function f(a: string, b: number): void"
    rust = "pub fn f(\n    a: i32, // the a\n) {}\n"
    assert sym(facts("a.rs", rust), "f").signature == "pub fn f(a: i32)"
    go = "package a\n\nfunc F(\n\ta int, // the a\n) {}\n"
    assert sym(facts("a.go", go), "F").signature == "func F(a int)"
    url = 'export function g(s = "http://x/*y") {}\n'
    assert sym(facts("a.ts", url), "g").signature == 'function g(s = "http://x/*y")'


def test_a_file_the_grammar_cannot_read_in_part_says_where() -> None:
    source = "export function ok(): void {}\nfunction (((( {{{{\n"
    assert facts("broken.ts", source).error == "the parser could not read line 2"
    assert "*Partly parsed (the parser could not read line 2)" in outline("broken.ts", source)
    assert facts("fine.go", "package a\n\nfunc F() {}\n").error == ""


def test_a_doc_broken_by_an_attribute_or_made_of_code_or_lines() -> None:
    rust = (
        "/// Convert to a trait object.\n///\n/// ```\n"
        '#[cfg_attr(not(x), doc = "# };")]\n/// ```\n#[must_use]\npub fn f() {}\n'
    )
    assert sym(facts("a.rs", rust), "f").doc == "Convert to a trait object."
    assert summary('url = httpx.URL("x")\n\nassert url.scheme == "https"') == ""
    assert summary("```\n\nText.") == "Text."  # a fence line alone is no sentence
    assert summary("```python opens a fence\n\nnever closed") == "```python opens a fence"
    assert summary("Returns links, see:\nhttps://example.org/Link\nThe syntax is:") == (
        "Returns links, see: https://example.org/Link"
    )
    wrapped = "Common behavior shared between the application objects and all of\nFlask blueprints."
    assert summary(wrapped) == " ".join(wrapped.split())  # wrapped at its width: one sentence


def test_rust_a_public_module_used_by_path_is_its_own_file(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": '[package]\nname = "k"\n',
        "src/lib.rs": "pub mod kv;\npub struct Kv;\n",
        "src/kv/mod.rs": "pub fn f() {}\n",
        "src/api.rs": "use crate::kv;\nuse crate::Kv;\n",
    }
    imports, _ = graph(tmp_path, files, "src/api.rs")
    assert shown(imports) == {"src/kv/mod.rs": (), "src/lib.rs": ("pub struct Kv",)}


def test_findings_of_the_three_repo_check_on_a_rust_crate(tmp_path: Path) -> None:
    """From rust-itertools: a `//!` licence is no summary, a trait impl's heading is not
    `in impl fmt` (its `::` is a path inside a type, not a namespace it is declared in), and
    a file opening with an inner attribute `#![…]` is no script on the repository page."""
    assert summary("Licensed under the Apache License, Version 2.0\n<https://x> or MIT.") == ""
    assert summary("Copyright (c) 2020 A.\n\nAdapters for iterators.") == (
        "Adapters for iterators."
    )
    doc = outline(
        "src/merge.rs",
        "use std::fmt;\n\npub struct MergeBy<I> { i: I }\n\n"
        "impl<I> fmt::Debug for MergeBy<I> {\n"
        "    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }\n}\n",
    )
    assert "impl<I> fmt::Debug for MergeBy<I>" in doc and "in `impl fmt`" not in doc
    root = tmp_path / "crate"
    write(root, "Cargo.toml", '[package]\nname = "c"\nversion = "0.1.0"\n')
    write(root, "src/lib.rs", "#![allow(unused)]\n//! A crate.\n\npub fn f() {}\n")
    write(root, "src/main.rs", "fn main() {}\n")
    with Reactor.open(root, watch=False) as reactor:
        reactor.generate()
    page = (root / "DOCS/REPODOCS/README.md").read_text()
    assert "#![allow" not in page  # not listed as a script
    assert "[`src/main.rs`](src/main.rs.md)" in page.split("## Entry points")[1]
