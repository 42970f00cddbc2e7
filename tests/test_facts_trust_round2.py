"""Extractor defects the differential oracles found (issue 29, second round), one fixture each
on snippets written for it: Scala package objects, relative and hiding imports and
``private[this]``; Lua tables a module exports through a call or another table's field; PHP
``{@inheritdoc}``; a JS/TS default import of a declaration exported as the default by name; Go
names a file declares itself (a receiver's type parameters, another package's same name); Kotlin
constructor properties' KDoc and ``@property`` tags; C# project boundaries (the nearest
``.csproj`` and its project references)."""

from __future__ import annotations

from pathlib import Path

from test_facts_by_language import facts, sym
from test_facts_trust_jvm_dotnet import graph


# -- Scala ---------------------------------------------------------------------------------------
def test_scala_a_package_objects_members_are_its_packages() -> None:
    f = facts(
        "lib/src/package.scala",
        'package object lib extends Base {\n  /** The root folder. */\n  val root: String = "/"\n'
        "  def home: String = root\n  private val cache = 1\n  class Handle\n}\n",
    )
    assert sym(f, "lib").signature == "package object lib extends Base"
    assert sym(f, "root", "lib").doc == "The root folder."
    assert sym(f, "home", "lib").signature == "def home: String"
    assert sym(f, "cache", "lib").visibility == "private"


def test_scala_package_object_members_reach_the_packages_files(tmp_path: Path) -> None:
    files = {
        "lib/src/package.scala": "package object lib {\n  def home(u: String): Path = Path(u)\n"
        "  private def secret = 1\n}\n",
        "lib/src/Path.scala": "package lib\n\ncase class Path(s: String)\n",
        "lib/src/Ops.scala": 'package lib\n\nobject Ops {\n  def here(): Path = home("me")\n}\n',
        "app/Main.scala": 'package app\n\nobject Main {\n  def main(): Unit = lib.home("me")\n}\n',
    }
    imports, _ = graph(tmp_path, files, "lib/src/package.scala")
    assert sorted(imports) == ["lib/src/Path.scala"]  # (its code sees its package's names)
    imports, _ = graph(tmp_path, {}, "lib/src/Ops.scala")
    assert imports == {"lib/src/Path.scala": ("case class Path(s: String)",),
                       "lib/src/package.scala": ("home",)}  # fmt: skip
    _, importers = graph(tmp_path, {}, "lib/src/package.scala")
    assert importers == {"app/Main.scala": ("home",), "lib/src/Ops.scala": ("home",)}


def test_scala_an_import_relative_to_the_package_and_one_hiding_a_name(tmp_path: Path) -> None:
    files = {
        "test/src/TestUtil.scala": "package test.lib\n\nobject TestUtil {\n"
        "  def prep(n: Int): Int = n\n}\n",
        "test/src/ReadTests.scala": "package test.lib\nimport TestUtil._\n\n"
        "object ReadTests {\n  def run(): Int = prep(1)\n}\n",
        "lib/src/Path.scala": "package lib\n\nclass Path\n",
        "lib/src/ListOps.scala": "package lib\n\nimport java.nio.file.{Path => _, _}\n\n"
        "object ListOps {\n  def list(p: Path): Seq[Path] = Nil\n}\n",
    }
    imports, _ = graph(tmp_path, files, "test/src/ReadTests.scala")
    assert imports == {"test/src/TestUtil.scala": ("object TestUtil",)}
    imports, _ = graph(tmp_path, {}, "lib/src/ListOps.scala")
    assert imports == {"lib/src/Path.scala": ("class Path",)}  # hidden from the wildcard only


def test_scala_one_import_of_several_paths_and_one_in_a_body_import_each(tmp_path: Path) -> None:
    files = {
        "lib/src/package.scala": "package object lib {\n  def P(n: Int): Int = n\n}\n",
        "lib/src/Whitespace.scala": "package lib\n\nobject NoWhitespace {\n  def ws: Int = 1\n}\n",
        "lib/src/Parsed.scala": "package lib\n\nclass Parsed\n",
        "app/Main.scala": "package app\n\nobject Main {\n  import lib._, NoWhitespace._\n"
        "  def run(): Parsed = { P(ws); null }\n}\n",
        "app/Run.scala": "package app\n\nobject Run {\n  def run(): Unit = {\n"
        "    import lib._\n    P(1)\n  }\n}\n",
    }
    imports, _ = graph(tmp_path, files, "app/Main.scala")  # (NoWhitespace: lib's, from lib._)
    assert sorted(imports) == ["lib/src/Parsed.scala", "lib/src/Whitespace.scala",
                               "lib/src/package.scala"]  # fmt: skip
    imports, _ = graph(tmp_path, {}, "app/Run.scala")  # (an import in a method's body)
    assert imports == {"lib/src/package.scala": ("P",)}


def test_scala_private_this_is_private_and_a_qualified_private_package_wide() -> None:
    f = facts(
        "a/A.scala",
        "package a\nclass A {\n  private[this] def f = 1\n  private[ this ] val g = 2\n"
        "  private[a] def h = 3\n  protected[this] def k = 4\n}\n",
    )
    assert [sym(f, n).visibility for n in "fghk"] == ["private", "private", "package", "protected"]


# -- Lua -----------------------------------------------------------------------------------------
def test_lua_a_local_table_the_module_exports_however_it_is_returned_is_public() -> None:
    f = facts(
        "lua/a/files.lua",
        "local mt = {}\nlocal files = setmetatable({}, mt)\nfunction files.grep(o) end\n"
        "files.find = function(o) end\nlocal Sorter = {}\nfunction Sorter:_start() end\n"
        "local Inner = require('a.base').new()\nfunction Inner.run() end\n"
        "local sorters = {}\nsorters.Sorter = Sorter\nfiles.sorters = sorters\n"
        "local Kept = {}\nfunction Kept.helper() end\nfunction mt.__index(t, k) end\n"
        "return apply_checks(files, { inner = Inner })\n",
    )
    visibility = {s.name: s.visibility for s in f.symbols if s.kind == "function"}
    assert visibility == {
        "files.grep": "public",
        "files.find": "public",
        "Sorter:_start": "public",  # (through a field of a table the module returns)
        "Inner.run": "public",
        "Kept.helper": "private",
        "mt.__index": "private",
    }
    plain = facts("m.lua", "local M = setmetatable({}, {})\nfunction M.f() end\nreturn M\n")
    assert sym(plain, "M.f").visibility == "public"
    meta = facts(
        "m.lua",
        "local M, mt = {}, {}\nfunction M.f() end\nfunction mt.__call() end\n"
        "return setmetatable(M, mt)\n",
    )
    assert [(s.name, s.visibility) for s in meta.symbols] == [
        ("M.f", "public"),
        ("mt.__call", "private"),
    ]


# -- PHP -----------------------------------------------------------------------------------------
def test_php_an_inheritdoc_tag_is_no_summary() -> None:
    f = facts(
        "src/A.php",
        "<?php\nclass A extends B {\n    /** {@inheritdoc} */\n    public function f() {}\n"
        "    /**\n     * {@inheritDoc}\n     *\n     * @return int\n     */\n"
        "    public function g() {}\n    /** @inheritDoc */\n    public function h() {}\n"
        "    /** {@inheritdoc} Also trims. */\n    public function k() {}\n}\n",
    )
    assert [sym(f, n).doc for n in "fghk"] == ["", "", "", "Also trims."]


# -- JavaScript / TypeScript ---------------------------------------------------------------------
def test_a_default_import_uses_the_declaration_exported_as_default(tmp_path: Path) -> None:
    files = {
        "lib/error.js": "function AxiosError(m) { this.m = m }\nexport default AxiosError;\n",
        "lib/cancel.js": "export default CanceledError;\nfunction CanceledError() {}\n",
        "lib/chain.ts": "class Chain {}\nexport { Chain as default };\n",
        "lib/ops.ts": "export default add\nexport function add(a: number) { return a }\n",
        "lib/xhr.js": "import AxiosError from './error'\nimport Canceled from './cancel'\n"
        "import Chain from './chain'\nimport plus from './ops'\n",
    }
    imports, _ = graph(tmp_path, files, "lib/xhr.js")
    assert imports == {
        "lib/cancel.js": ("function CanceledError() (exported as default)",),
        "lib/chain.ts": ("class Chain (exported as default)",),
        "lib/error.js": ("function AxiosError(m) (exported as default)",),
        "lib/ops.ts": ("function add(a: number) (exported as default)",),
    }
    for path, name in [("error.js", "AxiosError"), ("cancel.js", "CanceledError"),
                       ("chain.ts", "Chain"), ("ops.ts", "add")]:  # fmt: skip
        _, importers = graph(tmp_path, {}, f"lib/{path}")
        assert importers == {"lib/xhr.js": (name,)}


# -- Go ------------------------------------------------------------------------------------------
def test_go_a_name_a_file_declares_is_no_part_of_another_packages_same_name(
    tmp_path: Path,
) -> None:
    files = {
        "go.mod": "module github.com/o/logrus\n",
        "hooks.go": "package logrus\n\ntype Hook interface {\n\tFire(*Entry) error\n}\n\n"
        "type LevelHooks map[Level][]Hook\n\nfunc (hooks LevelHooks) Add(hook Hook) {\n"
        "\tfor _, level := range hook.Levels() {\n\t\thooks[level] = append(hooks[level], hook)\n"
        "\t}\n}\n",
        "logrus.go": "package logrus\n\ntype Level uint32\n\n"
        'func (level Level) String() string { return "" }\n\nfunc Add(a, b int) int { return a }\n',
        "entry.go": "package logrus\n\ntype Entry struct{ Level Level }\n",
        "hooks/slog/slog.go": 'package slog\n\nimport (\n\t"log/slog"\n\n\t"github.com/o/logrus"\n)\n\n'
        "var _ logrus.Hook = (*Hook)(nil)\n\ntype Hook struct{ l *slog.Logger }\n\n"
        "func (h *Hook) String() logrus.Level { return 0 }\n",
        "hooks/slog/level.go": 'package slog\n\nimport "github.com/o/logrus"\n\n'
        "type Level = logrus.Level\n",
    }
    imports, importers = graph(tmp_path, files, "hooks.go")
    assert imports == {"entry.go": ("type Entry struct",), "logrus.go": ("type Level uint32",)}
    assert importers == {"hooks/slog/slog.go": ("Hook",)}  # (a use of logrus.Hook: no part)
    imports, _ = graph(tmp_path, {}, "hooks/slog/slog.go")
    assert imports == {"hooks.go": ("type Hook interface",), "logrus.go": ("type Level uint32",)}
    imports, _ = graph(tmp_path, {}, "hooks/slog/level.go")
    assert imports == {"logrus.go": ("type Level uint32",)}
    _, importers = graph(tmp_path, {}, "logrus.go")
    assert importers == {
        "entry.go": ("Level",),
        "hooks.go": ("Level",),  # (its method Add is no use of the package's function Add)
        "hooks/slog/level.go": ("Level",),
        "hooks/slog/slog.go": ("Level",),
    }


def test_go_a_receivers_type_parameters_are_its_own_not_a_siblings(tmp_path: Path) -> None:
    files = {
        "go.mod": "module example.com/p\n",
        "pair.go": "package p\n\ntype Pair[K comparable, V any] struct {\n\tk K\n\tv V\n}\n\n"
        "func (p *Pair[A, B]) Swap(x B) A {\n\tvar a A\n\treturn a\n}\n\n"
        "func (p *Pair[A, B]) Key() Key { return Key{} }\n",
        "names.go": "package p\n\ntype A int\n\ntype B string\n\ntype Key struct{}\n",
    }
    imports, _ = graph(tmp_path, files, "pair.go")
    assert imports == {"names.go": ("type Key struct",)}


# -- Kotlin --------------------------------------------------------------------------------------
def test_kotlin_a_constructor_propertys_kdoc_and_the_classs_property_tag() -> None:
    f = facts(
        "src/main/kotlin/a/JsonClass.kt",
        "package a\n\n/**\n * Customizes how a type is encoded.\n *\n"
        " * @property name The name in JSON,\n *   as written.\n * @property [other] Ignored.\n"
        " * @param hidden Not a property.\n */\nclass JsonClass(\n"
        "  /** True to generate an adapter. */\n  val generateAdapter: Boolean,\n"
        '  val name: String = "",\n  // a note\n  var count: Int,\n  hidden: Int,\n'
        "  /** Its own doc first. */\n  val other: Int,\n)\n\n"
        "/** A point. */\ndata class Point(val x: Int, val y: Int)\n",
    )
    assert [(s.name, s.doc) for s in f.symbols if s.kind == "field"] == [
        ("generateAdapter", "True to generate an adapter."),
        ("name", "The name in JSON, as written."),
        ("count", ""),
        ("other", "Its own doc first."),
        ("x", ""),
        ("y", ""),
    ]


# -- C# ------------------------------------------------------------------------------------------
CS_PROJECTS = {
    "src/Polly.Core/Polly.Core.csproj": '<Project Sdk="Microsoft.NET.Sdk">\n</Project>\n',
    "src/Polly.Core/Context.cs": "namespace Polly;\n\npublic class Context {}\n",
    "src/Polly.Core/Controller.cs": "namespace Polly.CircuitBreaker;\n\n"
    "internal class CircuitStateController {}\n",
    "src/Polly/Polly.csproj": '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n'
    '    <ProjectReference Include="..\\Polly.Core\\Polly.Core.csproj" />\n'
    "  </ItemGroup>\n</Project>\n",
    "src/Polly/Policy.cs": "namespace Polly;\n\npublic partial class Policy {\n"
    "    Context c;\n    Logger l;\n}\n",
    "src/Polly/Policy.Sync.cs": "namespace Polly;\n\npublic partial class Policy {\n"
    "    void Run() {}\n}\n",
    "src/Polly/Controller.cs": "namespace Polly.CircuitBreaker;\n\n"
    "internal class CircuitStateController {\n    Context c;\n}\n",
    "src/Serilog/Serilog.csproj": '<Project Sdk="Microsoft.NET.Sdk">\n</Project>\n',
    "src/Serilog/Logger.cs": "namespace Polly;\n\npublic class Logger {}\n",
    "src/Serilog/Context.cs": "namespace Polly;\n\npublic class Context {}\n",
    "test/Polly.Tests/Polly.Tests.csproj": "<Project>\n  <ItemGroup>\n"
    '    <ProjectReference Include="../../src/Polly/Polly.csproj" />\n  </ItemGroup>\n</Project>\n',
    "test/Polly.Tests/PolicyTests.cs": "using Polly;\n\nnamespace Polly.Tests;\n\n"
    "public class PolicyTests {\n    Policy p;\n    Context c;\n    Logger l;\n}\n",
}


def test_csharp_a_type_name_resolves_within_its_project_and_the_projects_it_references(
    tmp_path: Path,
) -> None:
    imports, _ = graph(tmp_path, CS_PROJECTS, "src/Polly/Policy.cs")
    assert imports == {
        "src/Polly.Core/Context.cs": ("public class Context",),  # (not Serilog's, nor its Logger)
        "src/Polly/Policy.Sync.cs": ("part", "public partial class Policy"),
    }
    imports, importers = graph(tmp_path, {}, "src/Polly/Controller.cs")
    assert imports == {"src/Polly.Core/Context.cs": ("public class Context",)}  # (no part)
    assert importers == {}
    imports, _ = graph(tmp_path, {}, "test/Polly.Tests/PolicyTests.cs")  # references flow on
    assert sorted(imports) == ["src/Polly.Core/Context.cs", "src/Polly/Policy.Sync.cs",
                               "src/Polly/Policy.cs"]  # fmt: skip
    _, importers = graph(tmp_path, {}, "src/Serilog/Context.cs")
    assert importers == {}


CS_SHARED = {
    "test/Shared/TestCancellation.cs": "namespace Polly;\n\npublic static class TestCancellation {}\n",
    "test/Shared/Unused.cs": "namespace Polly;\n\npublic static class Unused {}\n",
    "test/Core.Tests/Core.Tests.csproj": "<Project>\n  <ItemGroup>\n"
    '    <Compile Include="..\\Shared\\TestCancellation.cs" Link="TestCancellation.cs" />\n'
    '    <Compile Include="$(MSBuildThisFileDirectory)..\\Helpers\\**\\*.cs;..\\Gone\\*.cs" />\n'
    "  </ItemGroup>\n</Project>\n",
    "test/Core.Tests/RetryTests.cs": "namespace Polly.Core.Tests;\n\npublic class RetryTests {\n"
    "    object t = TestCancellation.None;\n    Helper h;\n    Legacy l;\n    Unused u;\n}\n",
    "test/Helpers/Deep/Helper.cs": "namespace Polly.Core.Tests;\n\npublic class Helper {}\n",
    "test/Specs/Specs.csproj": "<Project>\n  <ItemGroup>\n"
    '    <Compile Include="../Shared/TestCancellation.cs" />\n  </ItemGroup>\n</Project>\n',
    "test/Specs/PolicySpecs.cs": "namespace Polly.Specs;\n\nusing Polly;\n\n"
    "public class PolicySpecs {\n    object t = TestCancellation.None;\n    Helper h;\n}\n",
    "src/LegacySupport/Legacy.cs": "namespace Polly.Core.Tests;\n\npublic class Legacy {}\n",
}


def test_csharp_a_file_a_csproj_compiles_from_outside_its_folder_is_that_projects(
    tmp_path: Path,
) -> None:
    _, importers = graph(tmp_path, CS_SHARED, "test/Shared/TestCancellation.cs")
    assert sorted(importers) == ["test/Core.Tests/RetryTests.cs", "test/Specs/PolicySpecs.cs"]
    imports, _ = graph(tmp_path, {}, "test/Core.Tests/RetryTests.cs")
    assert sorted(imports) == [  # (a ** glob of Compile Include; a file in no project, seen by all)
        "src/LegacySupport/Legacy.cs",
        "test/Helpers/Deep/Helper.cs",
        "test/Shared/TestCancellation.cs",
        "test/Shared/Unused.cs",  # (a file beside an included one is not included with it)
    ]
    imports, _ = graph(tmp_path, {}, "test/Specs/PolicySpecs.cs")
    assert sorted(imports) == ["test/Shared/TestCancellation.cs"]  # (Helper is Core.Tests')
