"""Ruby, PHP, Kotlin, C#, Swift, Scala, shell and Lua: symbols, docs, visibility as each language
has it, imports resolved both ways, and one resolution corner case each; extensionless scripts,
Vue/Svelte components and the generic page's leading comment."""

from __future__ import annotations

from pathlib import Path

from test_facts_by_language import facts, names, neighbours_of, sym

from conftest import write
from reactor.backends.outline import leading_comment
from reactor.facts import extract
from reactor.reactor import Reactor


def test_ruby_sections_singletons_attrs_docs_and_require_relative(tmp_path: Path) -> None:
    f = facts(
        "lib/shop/cart.rb",
        "# frozen_string_literal: true\n\nrequire_relative '../util'\nrequire 'shop/item'\n\n"
        "module Shop\n  # A cart of items.\n  class Cart < Base\n    LIMIT = 3\n"
        "    attr_reader :items\n\n    # Adds one item.\n    def add(item, count = 1)\n    end\n\n"
        "    def self.empty = new\n\n    private\n\n    def recount; end\n"
        "    protected def compare(other)\n    end\n  end\nend\n",
    )
    assert f.imports == ["../util", "shop/item"]
    cart = sym(f, "Shop::Cart")  # by its full constant path
    assert (cart.kind, cart.signature, cart.doc) == (
        "class",
        "class Cart < Base",
        "A cart of items.",
    )
    add = sym(f, "add", "Shop::Cart")
    assert (add.signature, add.doc, add.visibility) == (
        "def add(item, count = 1)",
        "Adds one item.",
        "public",
    )
    assert sym(f, "empty", "Shop::Cart").signature == "def self.empty"
    assert sym(f, "recount").visibility == "private"
    assert sym(f, "compare").visibility == "protected"
    assert sym(f, "items").kind == "field" and sym(f, "LIMIT").kind == "const"
    aliased = facts(
        "a.rb", "class A\n  def ssl?; end\n  alias secure? ssl?\n  alias_method :agent, :ua\nend\n"
    )
    assert [s.name for s in aliased.symbols] == ["A", "ssl?", "secure?", "agent"]
    files = {
        "shop.gemspec": "Gem::Specification.new do |s|\n  s.require_paths = ['lib']\nend\n",
        "lib/shop/cart.rb": "require_relative '../util'\nrequire 'shop/item'\n",
        "lib/util.rb": "def helper; end\n",
        "lib/shop/item.rb": "class Item; end\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "lib/shop/cart.rb")
    assert imports == ["lib/shop/item.rb", "lib/util.rb"]
    conditional = facts(
        "h.rb",
        "class H\n  if Hash.method_defined? :assoc\n    def assoc(k); end\n  end\nend\n"
        "begin\n  class Later; end\nrescue LoadError\nend\n",
    )
    assert sym(conditional, "assoc", "H").kind == "method" and sym(conditional, "Later")
    monorepo = {  # a sibling gem's load path
        "shop.gemspec": "",
        "lib/shop.rb": "require 'pay/card'\n",
        "pay/pay.gemspec": "Gem::Specification.new { |s| s.require_paths = ['lib'] }\n",
        "pay/lib/pay/card.rb": "class Card; end\n",
    }
    assert neighbours_of(tmp_path / "mono", monorepo, "lib/shop.rb")[0] == ["pay/lib/pay/card.rb"]
    _, importers = neighbours_of(tmp_path, {}, "lib/util.rb")
    assert importers == ["lib/shop/cart.rb"]


def test_php_docblocks_visibility_and_psr4_with_two_roots(tmp_path: Path) -> None:
    source = (
        "<?php\n/**\n * Order handling.\n */\nnamespace App\\Orders;\n\nuse App\\Models\\User;\n"
        "use Lib\\Money\\{Amount, Currency as Cur};\nrequire_once __DIR__ . '/helpers.php';\n\n"
        "/** Places orders. */\nfinal class Service extends Base\n{\n    public const MAX = 3;\n"
        "    /** Who ordered. */\n    private ?User $user = null;\n"
        "    /**\n     * Places one.\n     * @param int $n\n     */\n"
        "    public function place(int $n): Amount { return new Amount(); }\n"
        "    function implicit() {}\n    protected static function audit(): void {}\n}\n"
        "interface Placer { function place(int $n): Amount; }\n"
    )
    f = facts("src/Orders/Service.php", source)
    assert (f.package, f.doc) == ("App\\Orders", "Order handling.")
    assert f.imports == [
        "App\\Models\\User",
        "Lib\\Money\\Amount",
        "Lib\\Money\\Currency",
        "./helpers.php",
    ]
    assert sym(f, "place", "Service").doc == "Places one."
    assert sym(f, "user").visibility == "private" and sym(f, "user").doc == "Who ordered."
    assert sym(f, "implicit").visibility == "public"
    assert sym(f, "audit").visibility == "protected"
    assert sym(f, "place", "Placer").visibility == "public"
    assert f.references == ["App\\Orders\\Base"]  # same namespace, no `use`
    composer = '{"autoload": {"psr-4": {"App\\\\": "src/", "Lib\\\\": ["lib/", "vendor-lib/"]}}}'
    files = {
        "composer.json": composer,
        "src/Orders/Service.php": source,
        "src/Orders/Base.php": "<?php\nnamespace App\\Orders;\nabstract class Base {}\n",
        "src/Orders/helpers.php": "<?php\nfunction fmt() {}\n",
        "src/Models/User.php": "<?php\nnamespace App\\Models;\nclass User {}\n",
        "vendor-lib/Money/Amount.php": "<?php\nnamespace Lib\\Money;\nclass Amount {}\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "src/Orders/Service.php")
    assert imports == [
        "src/Models/User.php",
        "src/Orders/Base.php",
        "src/Orders/helpers.php",
        "vendor-lib/Money/Amount.php",
    ]
    _, importers = neighbours_of(tmp_path, {}, "vendor-lib/Money/Amount.php")
    assert importers == ["src/Orders/Service.php"]


def test_kotlin_two_top_level_classes_in_a_package_unlike_its_directory(tmp_path: Path) -> None:
    source = (
        "/*\n * Licensed under the Apache License, Version 2.0.\n */\npackage com.acme.shapes\n\n"
        'import com.acme.util.Helper\n\n/** A circle. */\n@Suppress("x")\n'
        "data class Circle(val radius: Double, private val id: Int) : Shape {\n"
        "    /** Its area. */\n    override fun area(): Double = radius\n"
        "    internal fun tune() {}\n    companion object {\n        const val UNIT = 1.0\n    }\n}\n\n"
        "class Square(val side: Double) : Shape {\n    override fun area() = side * side\n}\n\n"
        "/** Top-level. */\nfun unit(): Circle = Circle(1.0, 0)\nprivate val cache = 1\n"
    )
    f = facts("src/main/kotlin/geometry/Shapes.kt", source)
    assert f.package == "com.acme.shapes" and f.doc == ""  # the licence is not the file's doc
    assert [s.name for s in f.top_level()] == ["Circle", "Square", "unit", "cache"]
    circle = sym(f, "Circle")
    assert circle.doc == "A circle." and "@Suppress" not in circle.signature
    assert sym(f, "area", "Circle").doc == "Its area."
    assert sym(f, "tune").visibility == "internal"
    assert sym(f, "id", "Circle").visibility == "private"
    assert sym(f, "cache").visibility == "private"
    assert sym(f, "UNIT", "Companion").kind == "const"
    files = {
        "src/main/kotlin/geometry/Shapes.kt": source,
        "src/main/kotlin/Shape.kt": "package com.acme.shapes\n\ninterface Shape {\n    fun area(): Double\n}\n",
        "src/main/kotlin/util/Helper.kt": "package com.acme.util\n\nobject Helper {\n    fun help() {}\n}\n",
        "src/main/kotlin/app/Main.kt": "package app\n\nimport com.acme.shapes.unit\n\nfun main() { unit() }\n",
    }
    imports, importers = neighbours_of(tmp_path, files, "src/main/kotlin/geometry/Shapes.kt")
    assert imports == ["src/main/kotlin/Shape.kt", "src/main/kotlin/util/Helper.kt"]
    assert importers == ["src/main/kotlin/app/Main.kt"]  # a top-level function, by name


def test_csharp_partial_class_across_two_files_and_using(tmp_path: Path) -> None:
    part_one = (
        "using Acme.Util;\n\nnamespace Acme.Core\n{\n    /// <summary>A widget that spins "
        '<paramref name="n"/> times.</summary>\n    public partial class Widget : Base\n    {\n'
        "        public const int Max = 3;\n        /// <summary>The name.</summary>\n"
        "        public string Name { get; set; }\n        private int _size;\n"
        "        internal void Tune() {}\n        void Hidden() {}\n        protected Widget() {}\n"
        "        public Helper Make() => new Helper();\n    }\n    interface IShape { double Area(); }\n}\n"
    )
    f = facts("Core/Widget.cs", part_one)
    assert f.package == "Acme.Core" and f.imports == ["Acme.Util"]
    widget = sym(f, "Widget")
    assert widget.doc == "A widget that spins n times." and widget.kind == "class"
    assert sym(f, "Name").doc == "The name." and sym(f, "Name").kind == "field"
    assert sym(f, "Max").kind == "const"
    assert [sym(f, n).visibility for n in ("_size", "Tune", "Hidden")] == [
        "private",
        "internal",
        "private",
    ]
    assert sym(f, "Widget", "Widget").visibility == "protected"  # the constructor
    assert sym(f, "IShape").visibility == "internal" and sym(f, "Area").visibility == "public"
    guarded = facts(
        "T.cs",
        "#if nunit\nnamespace T {\n  class Tests {\n#if DEBUG\n    void A() {}\n#endif\n  }\n}\n#endif\n",
    )
    assert [(s.name, s.parent) for s in guarded.symbols] == [("Tests", ""), ("A", "Tests")]
    files = {
        "Core/Widget.cs": part_one,
        "Core/Widget.Spin.cs": "namespace Acme.Core\n{\n    public partial class Widget\n    {\n"
        "        public void Spin() {}\n    }\n}\n",
        "Core/Base.cs": "namespace Acme.Core;\n\npublic abstract class Base {}\n",
        "Core/Unused.cs": "namespace Acme.Core;\n\npublic class Unused {}\n",
        "Util/Helper.cs": "namespace Acme.Util;\n\npublic class Helper {}\n",
    }
    imports, importers = neighbours_of(tmp_path, files, "Core/Widget.cs")
    assert imports == ["Core/Base.cs", "Core/Widget.Spin.cs", "Util/Helper.cs"]
    assert importers == ["Core/Widget.Spin.cs"]


def test_swift_visibility_extensions_and_a_swiftpm_target_importing_another(tmp_path: Path) -> None:
    source = (
        "import Foundation\nimport Core\n\n/// A session.\npublic final class Session: Base {\n"
        "    /// Its identifier.\n    public let id: String\n    var retries = 0\n"
        "    fileprivate func reset() {}\n    /// Starts it.\n    open func start() -> Bool { true }\n"
        "    init(id: String) { self.id = id }\n    deinit {}\n}\n\nextension Session {\n"
        "    public func stop() {}\n}\n\npublic protocol Startable {\n    func start() -> Bool\n}\n"
        "enum State { case idle, running }\n"
    )
    f = facts("Sources/Net/Session.swift", source)
    assert f.imports == ["Foundation", "Core"]
    assert sym(f, "Session").doc == "A session." and sym(f, "id").doc == "Its identifier."
    assert [sym(f, n).visibility for n in ("id", "retries", "reset", "start")] == [
        "public",
        "internal",
        "private",
        "public",
    ]
    assert sym(f, "stop", "Session").visibility == "public" and sym(f, "deinit", "Session")
    assert [s.kind for s in f.symbols if s.name == "Session"] == ["class", "extension"]
    assert sym(f, "start", "Startable").visibility == "public"
    assert sym(f, "State").visibility == "internal" and sym(f, "idle").kind == "const"
    package = (
        'let package = Package(name: "Kit", targets: [\n  .target(name: "Core"),\n'
        '  .target(name: "Net", dependencies: ["Core"]),\n'
        '  .testTarget(name: "NetTests", dependencies: ["Net"]),\n])\n'
    )
    files = {
        "Package.swift": package,
        "Sources/Net/Session.swift": source,
        "Sources/Net/Retry.swift": "struct Retry { func wait(_ s: Session) {} }\n",
        "Sources/Core/Base.swift": "open class Base {}\n",
        "Sources/Core/Other.swift": "public struct Other {}\n",
        "Tests/NetTests/SessionTests.swift": 'import Net\nfinal class T { let s = Session(id: "x") }\n',
    }
    imports, importers = neighbours_of(tmp_path, files, "Sources/Net/Session.swift")
    assert imports == ["Sources/Core/Base.swift"]
    assert importers == ["Sources/Net/Retry.swift", "Tests/NetTests/SessionTests.swift"]


def test_scala_objects_with_companion_classes_in_the_outline(tmp_path: Path) -> None:
    source = (
        "package com.acme\npackage model\n\nimport com.acme.util.{Json, Codec => C}\n\n"
        "/** A user. */\ncase class User(name: String) extends Entity {\n  /** Greets. */\n"
        '  def greet(): String = s"hi $name"\n  private def secret = 1\n'
        "  private[model] def local = 2\n}\n\n/** Builds users. */\nobject User {\n"
        '  def apply(): User = User("x")\n  val Default: String = "x"\n}\n\n'
        "trait Entity {\n  def id: Long\n}\n"
    )
    f = facts("src/main/scala/User.scala", source)
    assert f.package == "com.acme.model"
    assert f.imports == ["com.acme.util.Json", "com.acme.util.Codec"]
    assert [(s.kind, s.name) for s in f.top_level()] == [
        ("class", "User"),
        ("object", "User"),
        ("trait", "Entity"),
    ]
    assert sym(f, "greet").doc == "Greets." and sym(f, "apply").doc == ""
    assert [sym(f, n).visibility for n in ("greet", "secret", "local")] == [
        "public",
        "private",
        "package",
    ]
    write(tmp_path, "src/main/scala/User.scala", source)
    with Reactor.open(tmp_path, watch=False) as reactor:
        reactor.generate(["src/main/scala/User.scala"])
    doc = (tmp_path / "DOCS/REPODOCS/src/main/scala/User.scala.md").read_text()
    class_part, object_part = doc.split("### `object User`")
    assert "greet()" in class_part and "apply()" not in class_part
    assert "apply()" in object_part and "greet()" not in object_part.split("### ")[0]


def test_shell_functions_docs_and_sourced_files(tmp_path: Path) -> None:
    source = (
        "#!/usr/bin/env bash\n# Copyright 2024 Someone\n\n# Installs the tool.\n\nset -e\n"
        'source "$(dirname "$0")/lib.sh"\n. ./common.sh\n\\. scripts/env.sh\n\n'
        '# Greets a person.\n# Usage: greet NAME\ngreet() {\n  echo "hi $1"\n}\n'
        "function _helper {\n  :\n}\nreadonly VERSION=1.2\n"
    )
    f = facts("bin/install.sh", source)
    assert f.doc == "Installs the tool."
    assert f.imports == ['"$(dirname "$0")/lib.sh"', "./common.sh", "scripts/env.sh"]
    assert sym(f, "greet").doc == "Greets a person." and sym(f, "greet").visibility == "public"
    assert sym(f, "_helper").visibility == "private" and sym(f, "VERSION").kind == "const"
    files = {
        "bin/install.sh": source,
        "bin/lib.sh": "lib() { :; }\n",
        "bin/common.sh": "common() { :; }\n",
        "scripts/env.sh": "env_setup() { :; }\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "bin/install.sh")
    assert imports == ["bin/common.sh", "scripts/env.sh"]  # the $(dirname "$0") one: named only


def test_lua_module_functions_luadoc_and_init_lua(tmp_path: Path) -> None:
    source = (
        '--- String helpers.\n\nlocal util = require("acme.util")\nlocal M = {}\n\n'
        "--- Pads a string.\n-- @param s string\nfunction M.pad(s, n) return s end\n"
        "function M:method() end\nlocal function hidden() end\nM.VERSION = 1\nreturn M\n"
    )
    f = facts("lua/acme/strings.lua", source)
    assert f.doc == "String helpers." and f.imports == ["acme.util"]
    pad = sym(f, "M.pad")
    assert (pad.signature, pad.doc, pad.visibility) == (
        "function M.pad(s, n)",
        "Pads a string.",
        "public",
    )
    assert sym(f, "hidden").visibility == "private" and "M.VERSION" in names(f)
    files = {"lua/acme/strings.lua": source, "lua/acme/util/init.lua": "return {}\n"}
    imports, _ = neighbours_of(tmp_path, files, "lua/acme/strings.lua")
    assert imports == ["lua/acme/util/init.lua"]
    _, importers = neighbours_of(tmp_path, {}, "lua/acme/util/init.lua")
    assert importers == ["lua/acme/strings.lua"]


def test_extensionless_scripts_by_shebang_and_nothing_else(tmp_path: Path) -> None:
    write(tmp_path, "bin/deploy", "#!/bin/sh -e\n# Deploys.\n\ndeploy() {\n  :\n}\n")
    write(tmp_path, "bin/tool", '#!/usr/bin/env python3\n"""A tool."""\ndef main():\n    pass\n')
    write(tmp_path, "bin/report", "#!/usr/bin/perl\nprint 1;\n")
    write(tmp_path, "LICENSE", "MIT License\n")
    write(tmp_path, "Makefile", "all:\n\techo\n")
    with Reactor.open(tmp_path, watch=False) as reactor:
        reactor.generate()
        indexed = sorted(p for (p,) in reactor.index.read("SELECT path FROM files"))
    assert indexed == ["bin/deploy", "bin/report", "bin/tool"]
    deploy = (tmp_path / "DOCS/REPODOCS/bin/deploy.md").read_text()
    assert "Shell script source" in deploy and "`deploy()`" in deploy
    assert "def main()" in (tmp_path / "DOCS/REPODOCS/bin/tool.md").read_text()
    assert "Perl script source" in (tmp_path / "DOCS/REPODOCS/bin/report.md").read_text()
    (tmp_path / "llmc.toml").write_text('[docs.docgen]\ninclude = ["*.sh"]\n')
    with Reactor.open(tmp_path, watch=False) as reactor:
        reactor.refresh_index()
        assert reactor.index.read("SELECT path FROM files") == []  # include is respected


def test_vue_and_svelte_scripts_keep_their_lines_and_resolve_like_typescript(
    tmp_path: Path,
) -> None:
    vue = (
        '<template>\n  <div>{{ msg }}</div>\n</template>\n\n<script setup lang="ts">\n'
        "import Child from './Child.vue'\nimport { fmt } from './fmt'\n"
        "export function greet(name: string): string { return fmt(name) }\n</script>\n"
        "<style>\ndiv { color: red; }\n</style>\n"
    )
    f = facts("src/App.vue", vue)
    assert f.language == "typescript" and f.imports == ["./Child.vue", "./fmt"]
    assert sym(f, "greet").signature == "function greet(name: string): string"
    assert sym(f, "greet").visibility == "public"
    svelte = "<script>\n  import { fmt } from './fmt.js';\n  export let name;\n</script>\n<p>{name}</p>\n"
    assert facts("src/Card.svelte", svelte).imports == ["./fmt.js"]
    files = {
        "src/App.vue": vue,
        "src/Child.vue": "<template><p/></template>\n",
        "src/fmt.ts": "export const fmt = (s: string) => s\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "src/App.vue")
    assert imports == ["src/Child.vue", "src/fmt.ts"]


def test_generic_page_leading_comment_skips_licences_pragmas_and_modelines() -> None:
    ruby = (
        "# frozen_string_literal: true\n# -*- coding: utf-8 -*-\n\n# Parses feeds.\nclass X; end\n"
    )
    assert leading_comment(ruby) == ["Parses feeds."]
    licence = (
        "/*\n * Copyright 2020 Acme\n *\n * Licensed under the Apache License, Version 2.0\n */\n\n"
        "// vim: set ts=2:\n// The real header.\nint x;\n"
    )
    assert leading_comment(licence) == ["The real header."]
    assert leading_comment("<?php\n/** A docblock after the tag. */\n") == [
        "A docblock after the tag."
    ]
    assert leading_comment("# Copyright 2020 Acme\n# SPDX-License-Identifier: MIT\n") == []
    assert extract("notes.txt", b"# heading\n") is None


def test_real_repo_shapes_kotlin_swift_php_docs_and_signatures() -> None:
    kotlin = facts(
        "FileSpec.kt",
        'package p\n\npublic class FileSpec {\n  @Deprecated("", level = HIDDEN)\n'
        '  @JvmName("writeTo") // For binary compatibility.\n  public fun old(d: Path) {}\n\n'
        "  public class Builder\n  internal constructor(\n    public val name: String,\n  ) {\n"
        "    public fun build(): FileSpec = FileSpec()\n  }\n}\n",
    )
    assert sym(kotlin, "old").signature == "public fun old(d: Path)"
    assert sym(kotlin, "build", "Builder").visibility == "public"  # the nested class was read
    swift = facts(
        "S.swift",
        "public struct S {\n    @available(macOS 10.15, *)\n    @_spi(Web) public func socket(\n"
        "        to url: String\n    ) -> Int { 0 }\n    public static let `default` = S()\n}\n",
    )
    assert sym(swift, "socket").signature == "public func socket(to url: String) -> Int"
    php = facts(
        "A.php",
        "<?php\n/** @final */\nclass A {\n    /** @var array Default request options */\n"
        "    private $config;\n    // TODO: remove\n    public function f() {}\n}\n",
    )
    assert sym(php, "A").doc == "" and sym(php, "f").doc == ""
    assert sym(php, "config").doc == "Default request options"
    scala = facts("A.scala", "/** Parses args. {{{\n * val p = 1\n * }}}\n */\nclass A\n")
    assert sym(scala, "A").doc == "Parses args."


def test_lua_functions_assigned_and_in_table_constructors() -> None:
    f = facts(
        "m.lua",
        "local M = {\n  --- Makes one.\n  new = function(o) end,\n}\nlocal get = function(r) end\n"
        "M.put = function(k, v) end\nreturn M\n",
    )
    assert sym(f, "M.new").signature == "function M.new(o)" and sym(f, "M.new").doc == "Makes one."
    assert sym(f, "get").visibility == "private" and sym(f, "M.put").visibility == "public"
    returned = facts(
        "ops.lua", "return {\n  --- Less than.\n  lt = function(a, b) return a < b end,\n}\n"
    )
    assert (
        sym(returned, "lt").doc == "Less than."
        and sym(returned, "lt").signature == "function lt(a, b)"
    )


def test_outline_fences_code_spans_holding_backticks() -> None:
    from reactor.backends.outline import code

    assert code("let x") == "`let x`"
    assert code("public static let `default`") == "`` public static let `default` ``"


def test_facts_of_an_older_extractor_are_extracted_again(tmp_path: Path) -> None:
    """An upgrade: unchanged files whose stored facts another version wrote get an outline
    from fresh facts, not a generic page."""
    import sqlite3

    write(tmp_path, "lib/a.rb", "# A.\nclass A\n  def run; end\nend\n")
    with Reactor.open(tmp_path, watch=False) as reactor:
        reactor.generate()
    db = sqlite3.connect(tmp_path / ".llmc/reactor.db")
    with db:
        db.execute("UPDATE files SET facts = replace(facts, '\"version\":', '\"version\":-')")
    db.close()
    (tmp_path / "DOCS/REPODOCS/lib/a.rb.md").unlink()
    with Reactor.open(tmp_path, watch=False) as reactor:
        assert reactor.index.facts("lib/a.rb") is None
        reactor.generate(["lib/a.rb"])
        assert reactor.index.facts("lib/a.rb") is not None
    assert "`def run`" in (tmp_path / "DOCS/REPODOCS/lib/a.rb.md").read_text()


def test_one_node_queries_come_back_in_source_order() -> None:
    """Query captures arrive in no promised order; the C grammar choice (bytes left unparsed,
    outermost errors first) and every import list depend on source order."""
    from reactor.facts.walker import descendants, parser

    source = b"".join(
        b"int f%d(void) { if (x) { y(); } else { z(%d); } }\n" % (i, i) for i in range(200)
    )
    root = parser("c").parse(source).root_node
    for kinds in ("call_expression", ("call_expression", "if_statement", "compound_statement")):
        found = descendants("c", root, kinds)
        assert (
            found == sorted(found, key=lambda n: (n.start_byte, -n.end_byte)) and len(found) > 200
        )
