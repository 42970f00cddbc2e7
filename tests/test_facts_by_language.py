"""Facts you can trust, one fixture per defect class measured on real repositories: every symbol,
every visibility as the language has it, every import resolved the way its ecosystem does."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write
from reactor.facts import Facts, Symbol, extract
from reactor.reactor import Reactor


def facts(rel: str, source: str) -> Facts:
    found = extract(rel, source.encode())
    assert found is not None
    return found


def sym(f: Facts, name: str, parent: str | None = None) -> Symbol:
    matches = [s for s in f.symbols if s.name == name and (parent is None or s.parent == parent)]
    assert matches, f"{name} not in {[(s.kind, s.name, s.parent) for s in f.symbols]}"
    return matches[0]


def names(f: Facts, kind: str | None = None) -> list[str]:
    return [s.name for s in f.symbols if kind is None or s.kind == kind]


def neighbours_of(root: Path, files: dict[str, str], rel: str) -> tuple[list[str], list[str]]:
    """Write ``files`` into a repo, index it, and the paths ``rel`` imports and is imported by."""
    from reactor.graph import neighbours

    for path, text in files.items():
        write(root, path, text)
    with Reactor.open(root, watch=False) as reactor:
        reactor.refresh_index()
        imports, importers = neighbours(reactor.index, rel)
    return [n.path for n in imports], [n.path for n in importers]


# -- every language ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rel", "source", "name"),
    [
        ("a.ts", "const x = 1; // the first\nexport function f() {}\n", "f"),
        ("a.go", "package a\n\nvar x = 1 // the first\nfunc F() {}\n", "F"),
        ("a.rs", "const X: i32 = 1; // the first\npub fn f() {}\n", "f"),
        ("A.java", "class A {\n  int x = 1; // the first\n  void f() {}\n}\n", "f"),
        ("a.c", "int x = 1; /* the first */\nint f(void) { return 0; }\n", "f"),
    ],
)
def test_a_trailing_comment_is_not_the_next_items_doc(rel: str, source: str, name: str) -> None:
    assert sym(facts(rel, source), name).doc == ""


def test_type_headings_show_their_privacy_in_the_outline(tmp_path: Path) -> None:
    write(tmp_path, "A.java", "package p;\nclass Hidden {}\npublic class A {}\n")
    write(tmp_path, "lib.rs", "struct Private;\npub(crate) struct Crate;\npub struct Open;\n")
    with Reactor.open(tmp_path, watch=False) as reactor:
        reactor.generate()
    java = (tmp_path / "DOCS/REPODOCS/A.java.md").read_text()
    assert "### `class Hidden` *(package-private)*" in java and "### `public class A`\n" in java
    rust = (tmp_path / "DOCS/REPODOCS/lib.rs.md").read_text()
    assert "### `struct Private` *(private)*" in rust
    assert "### `pub(crate) struct Crate` *(crate-visible)*" in rust
    assert "### `pub struct Open`\n" in rust


# -- Python -----------------------------------------------------------------------------------
PY = '''"""A module."""
__all__ = ["shown", "Thing"]
try:
    import fast_json as json
except ImportError:
    import json
from . import a, b
from ...pkg import x
LIMIT: int = 3


def shown(): ...


def hidden(): ...


class Thing:
    """parse(text) -> Thing

    Parse the text into a thing.
    """

    size: int = 0

    @property
    def area(self) -> int:
        """Returns:
        the area in square units.
        """

    @classmethod
    def make(cls) -> "Thing": ...

    @staticmethod
    def tool() -> None: ...
'''


def test_python_all_decorators_relative_imports_try_blocks_and_summaries() -> None:
    f = facts("pkg/sub/mod.py", PY)
    assert sym(f, "shown").exported and sym(f, "Thing").exported
    assert not sym(f, "hidden").exported  # not in __all__
    assert sym(f, "area").signature == "@property def area(self) -> int"
    assert sym(f, "make").signature.startswith("@classmethod def make(cls)")
    assert sym(f, "tool").signature.startswith("@staticmethod def tool()")
    assert f.imports == ["fast_json", "json", ".a", ".b", "...pkg"]
    assert sym(f, "Thing").doc == "Parse the text into a thing."  # the code line is passed over
    assert sym(f, "area").doc == "Returns: the area in square units."
    assert sym(f, "size", "Thing").kind == "field" and sym(f, "LIMIT").signature == "LIMIT: int"


# -- TypeScript / JavaScript ------------------------------------------------------------------
TS = """
import { a, b as c } from "./x";
import { a as again } from "./x";
function local(): void {}
function other(): void {}
export { local, other as renamed };
export default function () {}
declare function ambient(x: number): void;
declare namespace NS { function inner(): void; }
namespace Plain { export const v = 1; }
export enum Color { Red, Green }
declare var global: string;
/** A shape. */
export interface Shape { area(): number; readonly name: string; }
export type Point = { x: number; move(dx: number): void };
export const handler: Handler = (req, res) => {};
export default class {}
"""


def test_typescript_exports_defaults_ambient_forms_members_and_types() -> None:
    f = facts("mod.ts", TS)
    assert sym(f, "local").exported and sym(f, "other").exported
    assert sym(f, "other").signature.endswith("(exported as renamed)")
    assert "default" in names(f)
    assert {"ambient", "NS", "inner", "Plain", "Color", "global"} <= set(names(f))
    assert sym(f, "Color").kind == "enum" and sym(f, "Red", "Color").kind == "const"
    assert sym(f, "area", "Shape").kind == "method" and sym(f, "name", "Shape").kind == "field"
    assert sym(f, "move", "Point").kind == "method" and sym(f, "x", "Point").kind == "field"
    assert sym(f, "handler").signature.startswith("const handler: Handler = (req, res) =>")
    assert f.imports == ["./x"]  # the same import once
    assert f.names["./x"] == ["a", "b"]


def test_typescript_workspace_packages_and_tsconfig_extends(tmp_path: Path) -> None:
    files = {
        "package.json": '{"private": true, "workspaces": ["packages/*"]}',
        "packages/core/package.json": '{"name": "@acme/core", "main": "dist/index.js", "types": "dist/index.d.ts"}',
        "packages/core/src/index.ts": "export function core(): void {}\n",
        "packages/ui/package.json": '{"name": "@acme/ui", "exports": {".": "./src/main.ts", "./button": "./src/button.ts"}}',
        "packages/ui/src/main.ts": "export const ui = 1;\n",
        "packages/ui/src/button.ts": "export const button = 1;\n",
        "tsconfig.base.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"~/*": ["app/*"]}}}',
        "app/tsconfig.json": '{"extends": "../tsconfig.base.json"}',
        "app/util.ts": "export const u = 1;\n",
        "app/main.ts": 'import {core} from "@acme/core";\nimport {ui} from "@acme/ui";\nimport {button} from "@acme/ui/button";\nimport {u} from "~/util";\n',
    }
    imports, _ = neighbours_of(tmp_path, files, "app/main.ts")
    assert imports == [
        "app/util.ts",
        "packages/core/src/index.ts",
        "packages/ui/src/button.ts",
        "packages/ui/src/main.ts",
    ]


# -- Go ---------------------------------------------------------------------------------------
GO = """package shapes

var (
\tX, Y int
\tz = 2
)

const (
\t// A is the first.
\tA = iota
\tB
)

// Shape is a shape.
type Shape interface {
\t// Area is its area.
\tArea() float64
}

type Pair[K comparable, V any] struct {
\tKey K
\tval V
}

func (p *Pair[K, V]) Swap() {}
"""


def test_go_groups_interface_methods_generic_receivers_and_type_headings() -> None:
    f = facts("shapes.go", GO)
    assert {"X", "Y", "z", "A", "B"} <= set(names(f))
    assert sym(f, "z").visibility == "package" and sym(f, "A").doc == "A is the first."
    assert sym(f, "Area", "Shape").kind == "method"
    assert sym(f, "Swap").parent == "Pair"  # not a free function
    assert sym(f, "Shape").signature == "type Shape interface"
    assert sym(f, "Pair").signature == "type Pair[K comparable, V any] struct"
    assert sym(f, "Key", "Pair").exported and not sym(f, "val", "Pair").exported


# -- Rust -------------------------------------------------------------------------------------
RS = """use crate::{
    shapes::Circle,
    util as u,
};
/// A thing.
#[derive(Debug)]
#[inline]
pub struct Thing { pub x: i32 }
pub(crate) fn helper() {}
pub(super) const K: u8 = 1;
impl std::fmt::Display for Thing {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { Ok(()) }
}
"""


def test_rust_docs_above_attributes_trait_impls_visibility_and_use_trees() -> None:
    f = facts("src/lib.rs", RS)
    assert sym(f, "Thing").doc == "A thing."
    impl = sym(f, "impl std::fmt::Display for Thing")
    assert impl.kind == "impl"
    assert sym(f, "fmt", impl.name).exported  # as public as the trait
    assert sym(f, "helper").visibility == "crate" and sym(f, "K").visibility == "crate"
    assert f.imports[0] == "use crate::{shapes::Circle, util as u}"
    assert f.names[f.imports[0]] == ["Circle", "util"]


def test_rust_crate_roots_modules_paths_and_workspaces(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["app", "shapes-lib"]\n',
        "app/Cargo.toml": '[package]\nname = "app"\n',
        "app/src/main.rs": 'mod cli;\n#[path = "odd/place.rs"]\nmod elsewhere;\nuse shapes_lib::Circle;\nuse crate::{A, B};\npub struct A;\npub struct B;\n',
        "app/src/cli.rs": "pub fn run() {}\n",
        "app/src/odd/place.rs": "pub fn there() {}\n",
        "app/tests/it.rs": "mod util;\n",
        "app/tests/util.rs": "pub fn help() {}\n",
        "app/build.rs": "fn main() {}\n",
        "shapes-lib/Cargo.toml": '[package]\nname = "shapes-lib"\n[lib]\npath = "src/shapes.rs"\n',
        "shapes-lib/src/shapes.rs": "pub struct Circle;\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "app/src/main.rs")
    assert imports == ["app/src/cli.rs", "app/src/odd/place.rs", "shapes-lib/src/shapes.rs"]
    imports, _ = neighbours_of(tmp_path, {}, "app/tests/it.rs")
    assert imports == ["app/tests/util.rs"]  # a test crate's own module


# -- Java -------------------------------------------------------------------------------------
def test_java_visibility_members_javadoc_and_interfaces() -> None:
    f = facts(
        "A.java",
        "package p;\n/** The <b>whole</b> thing. <p>More.</p> @author x */\npublic class A {\n"
        "  public static final int MAX = 3;\n  protected String name;\n  int pkg;\n"
        "  /** Makes it with {@code x}. @param x the x */\n  public A(int x) {}\n}\n"
        "interface I { void m(); int K = 1; }\n",
    )
    assert sym(f, "A").doc == "The whole thing."
    assert sym(f, "MAX").kind == "const" and sym(f, "MAX").exported
    assert sym(f, "name").visibility == "protected" and sym(f, "pkg").visibility == "package"
    assert sym(f, "A", "A").doc == "Makes it with x."
    assert sym(f, "m", "I").exported and sym(f, "K", "I").exported  # implicitly public
    assert sym(f, "I").visibility == "package"


def test_java_static_nested_and_same_package_references(tmp_path: Path) -> None:
    files = {
        "src/p/Main.java": "package p;\nimport static q.Util.helper;\nimport q.Outer.Inner;\npublic class Main { Helper h; }\n",
        "src/p/Helper.java": "package p;\npublic class Helper {}\n",
        "src/q/Util.java": "package q;\npublic class Util { public static void helper() {} }\n",
        "src/q/Outer.java": "package q;\npublic class Outer { public static class Inner {} }\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "src/p/Main.java")
    assert imports == ["src/p/Helper.java", "src/q/Outer.java", "src/q/Util.java"]


# -- C and C++ --------------------------------------------------------------------------------
C_HEADER = """#ifndef LIB_H
#define LIB_H
#define MAX 3
#define SQ(x) ((x) * (x))
ZEXTERN int ZEXPORT deflate OF((int level));
API(int) api_call(void);
int CDECL start(void);
extern int counter;
typedef struct node { int v; } node_t;
typedef void (*callback)(int);
void (*handler)(int);
static inline int fast(int x) { return x; }
#endif
"""


def test_c_export_macros_typedefs_pointers_macros_and_globals() -> None:
    f = facts("include/lib.h", C_HEADER)
    assert {"deflate", "api_call", "start"} <= set(names(f, "function"))
    assert names(f, "struct") == ["node_t"] and "node" not in names(f)  # once
    assert sym(f, "node_t").signature == "typedef struct node node_t"
    assert sym(f, "callback").kind == "type" and sym(f, "handler").kind == "variable"
    assert sym(f, "MAX").kind == "const" and sym(f, "SQ").kind == "macro"
    assert "LIB_H" not in names(f)  # the include guard
    assert sym(f, "fast").exported  # a header's static inline is its API
    assert sym(f, "counter").kind == "variable"
    assert not facts("a.c", "static int hidden(void) { return 0; }\n").symbols[0].exported


CPP = """class Widget {
  int priv_;
 public:
  Widget& operator=(const Widget&);
  const std::string& name() const;
  static Widget* make();
  void lock() LOCKS_EXCLUDED(mu_);
 protected:
  int guarded_ GUARDED_BY(mu_);
};
struct S { int a; private: int b; };
"""


def test_cpp_access_sections_references_statics_and_annotation_macros() -> None:
    f = facts("widget.hpp", CPP)
    assert sym(f, "priv_", "Widget").visibility == "private"
    assert sym(f, "operator=", "Widget").exported and sym(f, "name", "Widget").exported
    assert sym(f, "make", "Widget").exported  # static: a class member, not file-local
    assert sym(f, "lock", "Widget").kind == "method"
    assert sym(f, "guarded_", "Widget").visibility == "protected"
    assert "LOCKS_EXCLUDED" not in names(f) and "GUARDED_BY" not in names(f)
    assert sym(f, "a", "S").exported and sym(f, "b", "S").visibility == "private"


def test_c_includes_beside_then_include_dirs_never_any_same_named_file(tmp_path: Path) -> None:
    files = {
        "Makefile": "CFLAGS = -Iinclude -Ithird/zlib\n",
        "include/util.h": "int util(void);\n",
        "src/local.h": "int local(void);\n",
        "src/main.c": '#include "local.h"\n#include "util.h"\n#include <zlib.h>\n#include <stdio.h>\n',
        "third/zlib/zlib.h": "int inflate(void);\n",
        "vendor/shim/stdio.h": "int printf(const char *f, ...);\n",  # not an include dir
        "other/util.h": "int other(void);\n",  # same name, not on the path
    }
    imports, _ = neighbours_of(tmp_path, files, "src/main.c")
    assert imports == ["include/util.h", "src/local.h", "third/zlib/zlib.h"]


def test_c_includes_without_a_build_stay_in_their_project(tmp_path: Path) -> None:
    files = {
        "liba/CMakeLists.txt": "project(a)\n",
        "liba/src/a.c": '#include "a.h"\n',
        "liba/include/a.h": "int a(void);\n",
        "libb/include/a.h": "int other_a(void);\n",  # another project's header of that name
    }
    imports, _ = neighbours_of(tmp_path, files, "liba/src/a.c")
    assert imports == ["liba/include/a.h"]


# -- found on real checkouts (zlib, leveldb, express, ripgrep, gson, click, cobra) --------------
def test_c_static_meaning_macros_header_statics_and_spaced_defines() -> None:
    c = facts(
        "deflate.c", "#define local static\nlocal void put(int b) {}\nint api(void) { return 0; }\n"
    )
    assert sym(c, "put").visibility == "private" and sym(c, "api").exported
    own = facts("a.c", "typedef struct state { int n; } state_t;\nstruct pair { int a, b; };\n")
    assert not sym(own, "state_t").exported and not sym(own, "pair").exported
    h = facts("inffixed.h", "static const int lenfix[4] = {0};\n#  define gzclose z_gzclose\n")
    assert sym(h, "lenfix").exported  # every file that includes the header has it
    assert sym(h, "gzclose").signature == "#define gzclose z_gzclose"


def test_c_include_dirs_from_a_cmake_build_interface(tmp_path: Path) -> None:
    files = {
        "CMakeLists.txt": 'include_directories(".")\ntarget_include_directories(db PUBLIC\n'
        "  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)\n",
        "include/db/db.h": "int open_db(void);\n",
        "db/impl.cc": '#include "db/db.h"\nint open_db(void) { return 0; }\n',
    }
    assert neighbours_of(tmp_path, files, "db/impl.cc")[0] == ["include/db/db.h"]


def test_commonjs_exports_of_locals_values_and_objects() -> None:
    f = facts(
        "lib/utils.js",
        "exports.helper = helper;\nvar Router = require('router');\nexports.Router = Router;\n"
        "exports.etag = makeEtag({ weak: false });\nfunction helper() {}\nfunction hidden() {}\n",
    )
    assert sym(f, "helper").exported and not sym(f, "hidden").exported
    assert sym(f, "Router").exported and sym(f, "etag").kind == "variable"
    g = facts("lib/index.js", "function a() {}\nfunction c() {}\nmodule.exports = { a, b: c };\n")
    assert sym(g, "a").exported and "(exported as b)" in sym(g, "c").signature


def test_require_of_a_folder_reaches_its_index_or_main(tmp_path: Path) -> None:
    files = {
        "index.js": "module.exports = require('./lib/express');\n",
        "lib/express.js": "exports.x = 1;\n",
        "examples/hello/index.js": "var express = require('../..');\n",
        "pkg/package.json": '{"main": "src/entry.js"}\n',
        "pkg/src/entry.js": "exports.y = 2;\n",
        "use.js": "require('./pkg');\n",
    }
    assert neighbours_of(tmp_path, files, "examples/hello/index.js")[0] == ["index.js"]
    assert neighbours_of(tmp_path / "again", files, "use.js")[0] == ["pkg/src/entry.js"]


def test_rust_inline_test_modules_bin_targets_and_parent_items(tmp_path: Path) -> None:
    f = facts("src/a.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n")
    assert f.imports == []  # `super` there is this very file
    files = {
        "Cargo.toml": '[package]\nname = "rg"\n[[bin]]\nname = "rg"\npath = "crates/core/main.rs"\n',
        "crates/core/main.rs": "mod flags;\n",
        "crates/core/flags/mod.rs": "mod config;\npub fn parse_reader() {}\n",
        "crates/core/flags/config.rs": "use crate::flags::parse_reader;\nuse super::parse_reader as p;\n",
    }
    assert neighbours_of(tmp_path, files, "crates/core/flags/config.rs")[0] == [
        "crates/core/flags/mod.rs"
    ]


def test_java_same_package_references_are_edges_not_listed_imports(tmp_path: Path) -> None:
    f = facts(
        "p/A.java",
        "package p;\nimport q.Gson;\nclass A<T> { Helper h; Gson g; T t; }\n",
    )
    assert f.imports == ["q.Gson"] and f.references == ["p.Helper"]
    files = {
        "p/A.java": "package p;\nclass A { Helper h; }\n",
        "p/Helper.java": "package p;\nclass Helper {}\n",
    }
    assert neighbours_of(tmp_path, files, "p/A.java")[0] == ["p/Helper.java"]


def test_python_public_module_variables_are_listed() -> None:
    f = facts(
        "m.py", "import typing as t\npass_config = make()\nCmdType = t.TypeVar('C')\n_log = 1\n"
    )
    assert {"pass_config", "CmdType"} <= set(names(f, "variable") + names(f, "const"))
    assert "_log" not in names(f)


def test_go_package_import_neighbours_are_the_files_declaring_what_is_used(tmp_path: Path) -> None:
    files = {
        "go.mod": "module example.com/m\n",
        "cmd.go": "package m\n\ntype Command struct{}\n",
        "shell.go": "package m\n\nfunc Shell() {}\n",
        "doc/md.go": 'package doc\n\nimport "example.com/m"\n\nfunc G(c *m.Command) {}\n',
    }
    assert neighbours_of(tmp_path, files, "doc/md.go")[0] == ["cmd.go"]


def test_c_function_bodies_the_c_grammar_cannot_read_are_not_declarations() -> None:
    source = (  # zlib's gzlib.c, cut down: the C grammar leaves all of it one ERROR node
        "#define LOCAL_MAX 3\nstatic gzFile open_it(const void *path, int fd) {\n"
        "    gz_statep state;\n    if (fd == -1)\n        state->fd = open(path, 0);\n"
        "#ifdef WIDECHAR\n    else if (fd == -2)\n        state->fd = _wopen(path, 0);\n#endif\n"
        "    else\n        state->fd = fd;\n    return state;\n}\nint after(void) { return 0; }\n"
    )
    f = facts("gzlib.c", source)
    assert names(f, "function") == ["open_it", "after"] and "state" not in names(f)
    assert not sym(f, "LOCAL_MAX").exported  # a .c file's macros are its own
