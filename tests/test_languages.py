"""Every language the outline understands, on small real-world-shaped fixtures: symbols with
their doc comments, and neighbours both ways (what a file imports, what imports it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write
from reactor.facts import extract
from reactor.reactor import Reactor


def documented(root: Path, files: dict[str, str]) -> dict[str, str]:
    """Write the files, document them all with the outline backend, return the docs."""
    for rel, text in files.items():
        write(root, rel, text)
    with Reactor.open(root, watch=False) as reactor:
        outcomes = reactor.generate()
    assert {o.status for o in outcomes} == {"generated"}, [(o.path, o.reason) for o in outcomes]
    docs = {rel: root / f"DOCS/REPODOCS/{rel}.md" for rel in files}
    return {rel: doc.read_text() for rel, doc in docs.items() if doc.exists()}


def neighbours(doc: str) -> tuple[list[str], list[str]]:
    """The paths under "Imports (in this repo)" and "Imported by" of a doc."""
    section = doc.split("## Neighbours", 1)[1] if "## Neighbours" in doc else ""
    imports, importers, current = [], [], None
    for line in section.splitlines():
        if line.startswith("Imports"):
            current = imports
        elif line.startswith("Imported by"):
            current = importers
        elif line.startswith("- ") and current is not None:
            current.append(line[2:].split(":")[0])
    return imports, importers


def test_typescript_esm_js_specifiers_index_files_and_tsconfig_paths(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "tsconfig.json": '{\n  // comments are allowed\n  "compilerOptions": {"baseUrl": ".", "paths": {"@lib/*": ["src/lib/*"]},},\n}\n',
            "src/index.ts": 'export * from "./core/Ky.js";\nimport {util} from "@lib/util";\nimport {h} from "./hooks";\nimport _ from "lodash";\n',
            "src/core/Ky.ts": "/** The HTTP client. Wraps fetch. */\nexport class Ky {\n  /** Sends a GET. */\n  get(url: string): Promise<Response> { return fetch(url) }\n}\n/** Makes a client. */\nexport function create(): Ky { return new Ky() }\n",
            "src/lib/util.ts": "export const util = 1;\n",
            "src/hooks/index.ts": "export function h(): void {}\n",
        },
    )
    ky = docs["src/core/Ky.ts"]
    assert "### `class Ky`" in ky and "The HTTP client." in ky
    assert "- `get(url: string): Promise<Response>` — Sends a GET." in ky
    assert "- `function create(): Ky` — Makes a client." in ky
    imports, _ = neighbours(docs["src/index.ts"])
    assert imports == ["src/core/Ky.ts", "src/hooks/index.ts", "src/lib/util.ts"]  # not lodash
    assert "`lodash`" in docs["src/index.ts"]  # listed by name, not linked
    assert neighbours(ky)[1] == ["src/index.ts"]


def test_javascript_require_and_relative_imports(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "lib/app.js": "const router = require('./router');\n/** Starts the app. */\nfunction start(port) { return router(port) }\nmodule.exports = start;\n",
            "lib/router.js": "/** Routes requests. */\nexport default function route(port) {}\n",
        },
    )
    assert (
        "- `function start(port) (exported as module.exports)` — Starts the app."
        in docs["lib/app.js"]
    )
    assert neighbours(docs["lib/app.js"])[0] == ["lib/router.js"]
    assert neighbours(docs["lib/router.js"])[1] == ["lib/app.js"]


def test_go_package_imports_skip_test_files(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "go.mod": "module example.com/shop\n\ngo 1.22\n",
            "cmd/server/main.go": 'package main\n\nimport (\n\t"fmt"\n\t"example.com/shop/store"\n)\n\nfunc main() { fmt.Println(store.New()) }\n',
            "store/store.go": "// Package store keeps carts.\npackage store\n\n// Cart holds items.\ntype Cart struct{ items []string }\n\n// New makes a cart.\nfunc New() *Cart { return &Cart{} }\n\n// Add puts an item in.\nfunc (c *Cart) Add(item string) { c.items = append(c.items, item) }\n",
            "store/store_test.go": 'package store\n\nimport "testing"\n\nfunc TestNew(t *testing.T) {}\n',
        },
    )
    store = docs["store/store.go"]
    assert "## Purpose\n\nPackage store keeps carts." in store and "package `store`" in store
    assert "### `type Cart struct`" in store and "Cart holds items." in store
    assert "- `func (c *Cart) Add(item string)` — Add puts an item in." in store
    assert "- `func New() *Cart` — New makes a cart." in store
    assert neighbours(docs["cmd/server/main.go"])[0] == ["store/store.go"]  # not the _test file
    assert neighbours(store)[1] == ["cmd/server/main.go"]


def test_rust_mod_files_and_use_crate_paths(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "Cargo.toml": '[package]\nname = "geo"\n',
            "src/lib.rs": "//! Geometry helpers.\npub mod shapes;\nmod util;\n\n/// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n",
            "src/shapes/mod.rs": "use crate::util::clamp;\n\n/// A point in the plane.\npub struct Point { pub x: i32 }\n\nimpl Point {\n    /// Makes a point.\n    pub fn new(x: i32) -> Self { Point { x: clamp(x) } }\n}\n\n/// Has an area.\npub trait Shape { fn area(&self) -> f64; }\n",
            "src/util.rs": "pub fn clamp(x: i32) -> i32 { x.max(0) }\n",
        },
    )
    shapes = docs["src/shapes/mod.rs"]
    assert "### `pub struct Point`" in shapes and "A point in the plane." in shapes
    assert "- `pub fn new(x: i32) -> Self` — Makes a point." in shapes
    assert "### `pub trait Shape`" in shapes and "Has an area." in shapes
    assert "## Purpose\n\nGeometry helpers." in docs["src/lib.rs"]
    assert neighbours(docs["src/lib.rs"])[0] == ["src/shapes/mod.rs", "src/util.rs"]
    assert neighbours(shapes) == (["src/util.rs"], ["src/lib.rs"])


def test_java_imports_by_package_and_class(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "app/src/main/java/com/shop/App.java": "package com.shop;\n\nimport com.shop.model.Cart;\nimport java.util.List;\n\n/** The entry point. Starts things. */\npublic class App {\n  /** Runs the shop. */\n  public static void main(String[] args) { new Cart(); }\n}\n",
            "app/src/main/java/com/shop/model/Cart.java": "package com.shop.model;\n\n/** A cart of items. */\npublic class Cart {\n  /** Adds one. */\n  public void add(String item) {}\n  private void hidden() {}\n}\n",
        },
    )
    cart = docs["app/src/main/java/com/shop/model/Cart.java"]
    assert "### `public class Cart`" in cart and "A cart of items." in cart
    assert "- `public void add(String item)` — Adds one." in cart
    assert "- `private void hidden()` *(private)*" in cart
    app = docs["app/src/main/java/com/shop/App.java"]
    assert neighbours(app)[0] == ["app/src/main/java/com/shop/model/Cart.java"]
    assert neighbours(cart)[1] == ["app/src/main/java/com/shop/App.java"]


def test_c_header_included_from_two_directories(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "include/net/buf.h": "/** A growable buffer. */\ntypedef struct buf { int n; } buf_t;\n\n/** Makes a buffer of n bytes. */\nbuf_t *buf_new(int n);\n",
            "src/buf.c": '#include "net/buf.h"\n#include <stdlib.h>\n\nbuf_t *buf_new(int n) { return malloc(n); }\n',
            "tools/dump.c": '#include "../include/net/buf.h"\n\n/** Prints a buffer. */\nvoid dump(buf_t *b) {}\n',
            "lib/widget.hpp": "namespace ui {\n/// A widget.\nclass Widget {\n public:\n  /// Draws it.\n  void draw(int x);\n};\n}\n",
        },
    )
    header = docs["include/net/buf.h"]
    assert "- `buf_t *buf_new(int n)` — Makes a buffer of n bytes." in header
    assert "A growable buffer." in header
    assert neighbours(header)[1] == ["src/buf.c", "tools/dump.c"]
    assert neighbours(docs["src/buf.c"])[0] == ["include/net/buf.h"]
    widget = docs["lib/widget.hpp"]
    assert "### `class Widget`" in widget and "- `void draw(int x)` — Draws it." in widget


@pytest.mark.parametrize(
    ("rel", "data"),
    [
        ("broken.ts", b"export function ok(): void {}\nfunction (((( {{{{\n"),
        ("bundle.min.js", b"!function(e){" + b"var a=1,b=function(){return a};" * 8000 + b"}()"),
        ("binaryish.go", b"package x\n\x00\x01\x02 func"),
        ("weird.rs", "fn ünïcode() {} // \ud800".encode("utf-8", "surrogatepass")),
        ("empty.java", b""),
    ],
)
def test_bad_input_never_crashes(rel: str, data: bytes) -> None:
    facts = extract(rel, data)
    assert facts is not None  # tolerated: whatever parses is kept


def test_python_docstring_summary_is_a_sentence_and_overloads_merge(tmp_path: Path) -> None:
    docs = documented(
        tmp_path,
        {
            "app.py": '''from typing import overload


class Scaffold:
    """Common behavior shared between :class:`~flask.Flask` and
    :class:`~flask.blueprints.Blueprint`. More text.
    """

    @property
    def name(self) -> str:
        """The name."""

    @name.setter
    def name(self, value: str) -> None: ...


@overload
def stream(x: int) -> int: ...
@overload
def stream(x: str) -> str: ...
def stream(x):
    """Stream it."""
''',
        },
    )
    doc = docs["app.py"]
    assert (
        "Common behavior shared between :class:`~flask.Flask` and "
        ":class:`~flask.blueprints.Blueprint`." in doc
    )
    assert doc.count("def stream(") == 1 and "- `def stream(x)` — Stream it." in doc
    assert doc.count("def name(") == 1


def test_cpp_declarations_inside_unexpanded_macros_are_found() -> None:
    """Library headers wrap everything in macros tree-sitter cannot expand (fmt's
    FMT_BEGIN_NAMESPACE): the declarations inside still count; guards and #else twins do not."""
    header = b"""#ifndef LIB_H_
#define LIB_H_
#ifdef _WIN32
#  define LIB_API __declspec(dllexport)
#else
#  define LIB_API
#endif
#define LIB_MAX(a, b) ((a) > (b) ? (a) : (b))
LIB_BEGIN_NAMESPACE
/// Formats values.
class LIB_API Formatter {
 public:
  /// Formats one value.
  std::string format(int value) const;
};
LIB_END_NAMESPACE
#endif
"""
    facts = extract("include/lib.h", header)
    assert facts is not None
    labels = [s.label for s in facts.symbols]
    assert "macro LIB_MAX" in labels and labels.count("macro LIB_API") <= 1
    assert "macro LIB_H_" not in labels  # an include guard
    assert any(s.name == "format" and s.parent == "Formatter" for s in facts.symbols), labels
