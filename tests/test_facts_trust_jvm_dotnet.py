"""Java, Kotlin, Scala and C# facts a reader can trust (issue 29), one fixture per defect class on
snippets written for it: neighbours only where code uses a name a file declares, docs only from
doc comments, signatures as declared."""

from __future__ import annotations

from pathlib import Path

from test_facts_by_language import facts, sym

from conftest import write
from reactor.graph import neighbours
from reactor.reactor import Reactor


def graph(root: Path, files: dict[str, str], rel: str) -> tuple[dict[str, tuple[str, ...]], ...]:
    """``rel``'s imports and importers as ``{path: names shown}`` (a relation other than a use,
    such as ``part`` or ``extends``, first among them)."""
    for path, text in files.items():
        write(root, path, text)
    with Reactor.open(root, watch=False) as reactor:
        reactor.refresh_index()
        imports, importers = neighbours(reactor.index, rel)
    return (
        {n.path: ((n.relation,) if n.relation else ()) + n.shown for n in imports},
        {n.path: ((n.relation,) if n.relation else ()) + n.shown for n in importers},
    )


WILDCARD = {
    "src/app/Main.java": "package app;\n\nimport shapes.*;\n\n"
    "/** Uses a {@link Square} in a comment only. */\npublic class Main {\n"
    '  String s = "Square";\n  Circle c = Circle.unit();\n  Shapes.Kind k;\n}\n',
    "src/shapes/Circle.java": "package shapes;\npublic class Circle {\n"
    "  public static Circle unit() { return null; }\n}\n",
    "src/shapes/Square.java": "package shapes;\npublic class Square {}\n",
    "src/shapes/Shapes.java": "package shapes;\npublic final class Shapes {\n"
    "  public enum Kind { ROUND }\n}\n",
}


def test_a_java_wildcard_import_joins_only_the_files_whose_types_the_code_uses(
    tmp_path: Path,
) -> None:
    imports, _ = graph(tmp_path, WILDCARD, "src/app/Main.java")
    assert sorted(imports) == ["src/shapes/Circle.java", "src/shapes/Shapes.java"]
    assert imports["src/shapes/Circle.java"] == ("public class Circle",)
    _, importers = graph(tmp_path, {}, "src/shapes/Square.java")
    assert importers == {}  # named in a comment and a string: not used
    _, importers = graph(tmp_path, {}, "src/shapes/Circle.java")
    assert importers == {"src/app/Main.java": ("Circle",)}


def test_kotlin_and_scala_wildcards_and_packages_join_per_name(tmp_path: Path) -> None:
    files = {
        "app/Main.kt": "package app\n\nimport shapes.*\n\nfun main() {\n"
        "    val c = Circle(1.0).grow()\n    println(area(c))\n}\n\n"
        "fun later(unused: () -> Unit) = listOf(1).map { it }.also { unused() }\n",
        "app/Util.kt": "package app\n\nfun area(x: Any): Double = 0.0\n",
        "app/Other.kt": "package app\n\nfun unused() {}\n",
        "shapes/Circle.kt": "package shapes\n\nclass Circle(val r: Double)\n",
        "shapes/Square.kt": "package shapes\n\nclass Square\n",
        "shapes/Grow.kt": "package shapes\n\nfun Circle.grow(): Circle = this\n",
        "shapes/Shrink.kt": "package shapes\n\nfun Circle.shrink(): Circle = this\n",
        "lib/Use.scala": "package lib\n\nimport shapes._\n\nobject Use {\n"
        "  def make(): Square = new Square\n  def dir(p: String) = os.makeDir(p)\n}\n",
        "os/Ops.scala": "package os\n\nobject makeDir {\n  def apply(p: String): Unit = ()\n}\n",
    }
    imports, _ = graph(tmp_path, files, "app/Main.kt")
    assert sorted(imports) == ["app/Util.kt", "shapes/Circle.kt", "shapes/Grow.kt"]
    assert imports["app/Util.kt"] == ("fun area(x: Any): Double",)
    imports, _ = graph(tmp_path, {}, "lib/Use.scala")
    assert sorted(imports) == ["os/Ops.scala", "shapes/Square.kt"]


def test_java_signatures_leave_comments_and_annotations_out_and_mark_deprecation() -> None:
    f = facts(
        "p/A.java",
        "package p;\npublic class A {\n  /** Does f. */\n  @Deprecated // since 2.17\n"
        '  public void f() {}\n\n  // since 2.18\n  @SuppressWarnings("x")\n  public <T> T g(\n'
        "      // the value\n      T v) { return v; }\n\n  /**\n   * The limits.\n"
        "   * @deprecated use {@link #g}\n   */\n  public static final int LOW = 1, HIGH[] = {2};\n}\n",
    )
    f_ = sym(f, "f", "A")
    assert (f_.signature, f_.doc, f_.marks) == ("public void f()", "Does f.", ("deprecated",))
    g = sym(f, "g", "A")
    assert (g.signature, g.doc, g.marks) == ("public <T> T g(T v)", "", ())
    assert sym(f, "LOW").signature == "public static final int LOW"
    assert sym(f, "HIGH").signature == "public static final int HIGH[]"
    assert sym(f, "HIGH").marks == ("deprecated",) and sym(f, "HIGH").doc == "The limits."


def test_kotlin_and_scala_signatures_end_before_accessors_and_keep_payloads() -> None:
    kt = facts(
        "a/A.kt",
        'package a\n\nclass A {\n    // not a doc\n    @Deprecated("old")\n'
        '    val size: Int\n        get() = 1\n    var name: String = "" // trailing\n'
        "        private set\n    /** Lazily. */\n    val z by lazy { 1 }\n}\n",
    )
    size = sym(kt, "size", "A")
    assert (size.signature, size.doc, size.marks) == ("val size: Int", "", ("deprecated",))
    assert sym(kt, "name").signature == "var name: String"
    assert (sym(kt, "z").signature, sym(kt, "z").doc) == ("val z", "Lazily.")
    scala = facts(
        "a/C.scala",
        "package a\n\nenum Color(val rgb: Int) {\n  case Red extends Color(1)\n"
        "  case Mix(a: Color, b: Color)\n}\n",
    )
    assert sym(scala, "Mix").signature == "case Mix(a: Color, b: Color)"


def test_javadoc_summaries_keep_code_after_a_colon_and_skip_licences() -> None:
    f = facts(
        "p/A.java",
        "/*\n * Copyright (C) 2015 Acme, Inc.\n * Licensed under the Apache License.\n */\n"
        "package p;\n\npublic class A {\n  /**\n   * Functionally same as:\n   *\n"
        "   * <pre>{@code\n   * if (a) {\n   *   b();\n   * }\n   * }</pre>\n   */\n"
        "  public void f() {}\n\n  /** Returns {@code Map<K, V>} copies. <p>More. */\n"
        "  public void g() {}\n}\n",
    )
    assert f.doc == ""
    assert sym(f, "f").doc.startswith("Functionally same as:")
    assert "if (a) { b(); }" in sym(f, "f").doc
    assert sym(f, "g").doc == "Returns Map<K, V> copies."
    info = facts("p/package-info.java", "/** Shapes and their areas. */\npackage p;\n")
    assert info.doc == "Shapes and their areas."


def test_a_wrapped_trailing_comment_is_not_the_next_members_doc() -> None:
    f = facts(
        "p/A.java",
        "package p;\nclass A {\n  int low; // the lowest value that\n"
        "           // can be stored\n  int high;\n}\n",
    )
    assert sym(f, "high").doc == ""


# -- C# ---------------------------------------------------------------------------------------
def test_csharp_generic_and_plain_types_of_one_name_are_two_types(tmp_path: Path) -> None:
    files = {
        "Core/Box.cs": "namespace Acme.Core;\n\npublic class Box {}\n",
        "Core/BoxOfT.cs": "namespace Acme.Core;\n\npublic class Box<T> {}\n",
        "App/Use.cs": "using Acme.Core;\n\nnamespace Acme.App;\n\n"
        "public class Use {\n    public Box<int> Made { get; } = new Box<int>();\n}\n",
    }
    imports, _ = graph(tmp_path, files, "App/Use.cs")
    assert imports == {"Core/BoxOfT.cs": ("public class Box<T>",)}
    _, importers = graph(tmp_path, {}, "Core/Box.cs")
    assert importers == {}


def test_csharp_global_usings_of_the_project_reach_its_files(tmp_path: Path) -> None:
    files = {
        "src/Lib/Lib.csproj": '<Project>\n  <ItemGroup>\n    <Using Include="Acme.Models" />\n'
        "  </ItemGroup>\n</Project>\n",
        "src/Lib/GlobalUsings.cs": "global using Acme.Util;\n",
        "src/Lib/Util/Helper.cs": "namespace Acme.Util;\n\npublic static class Helper {}\n",
        "src/Lib/Models/Model.cs": "namespace Acme.Models;\n\npublic class Model {}\n",
        "src/Lib/Models/Unused.cs": "namespace Acme.Models;\n\npublic class Unused {}\n",
        "src/Lib/App/Run.cs": "namespace Acme.App;\n\n// uses Unused in a comment only\n"
        "public class Run {\n    Model M() { Helper.Go(); return null; }\n}\n",
    }
    imports, _ = graph(tmp_path, files, "src/Lib/App/Run.cs")
    assert sorted(imports) == ["src/Lib/Models/Model.cs", "src/Lib/Util/Helper.cs"]


def test_csharp_partial_parts_claim_only_what_each_uses(tmp_path: Path) -> None:
    files = {
        "Widget.cs": "namespace A;\n\npublic partial class Widget {\n    Helper h;\n}\n",
        "Widget.Spin.cs": "namespace A;\n\npublic partial class Widget {\n    void Spin() {}\n}\n",
        "Helper.cs": "namespace A;\n\npublic class Helper {}\n",
    }
    imports, importers = graph(tmp_path, files, "Widget.Spin.cs")
    assert imports == {"Widget.cs": ("part", "public partial class Widget")}  # not Helper
    assert importers == {"Widget.cs": ("part", "Widget")}
    imports, _ = graph(tmp_path, {}, "Widget.cs")
    assert imports == {
        "Helper.cs": ("public class Helper",),
        "Widget.Spin.cs": ("part", "public partial class Widget"),
    }


def test_csharp_operators_and_signatures_as_declared() -> None:
    f = facts(
        "Box.cs",
        'namespace A;\n\n/// <summary>A box.</summary>\n[Serializable]\n[Obsolete("old")]\n'
        "public sealed class Box<T> : Base<T>, IBox\n#if FEATURE\n    , IOther\n#endif\n{\n"
        "    /// <summary>Wraps.</summary>\n    public static implicit operator Box<T>(T v) => null;\n"
        "    public static Box<T> operator +(Box<T> a, Box<T> b) => a;\n"
        "    // a note, not a doc\n    public int Size { get { return 1; } }\n    ~Box() {}\n}\n",
    )
    box = sym(f, "Box")
    assert box.signature == "public sealed class Box<T> : Base<T>, IBox, IOther"
    assert (box.doc, box.marks) == ("A box.", ("deprecated",))
    implicit = sym(f, "implicit operator Box<T>")
    assert (implicit.signature, implicit.doc) == (
        "public static implicit operator Box<T>(T v)",
        "Wraps.",
    )
    assert sym(f, "operator +").signature == "public static Box<T> operator +(Box<T> a, Box<T> b)"
    assert (sym(f, "Size").signature, sym(f, "Size").doc) == ("public int Size { get; }", "")
    assert sym(f, "~Box").kind == "method"


def test_kdoc_and_scaladoc_links_and_code_blocks_read_as_rendered() -> None:
    kt = facts(
        "a/A.kt",
        "package a\n\n/** Call [block] on the given [command][Command.run]. */\nfun main() {}\n",
    )
    assert sym(kt, "main").doc == "Call block on the given command."
    scala = facts(
        "a/A.scala",
        "package a\n\nobject Api {\n  /** Parses into a [[PermSet]] or [[os.Path a path]]. */\n"
        "  def parse(s: String): Int = 0\n  /**\n   * C definition:\n   * {{{\n"
        "   * void stop(Ref r);\n   * }}}\n   */\n  def stop(r: Int): Unit = ()\n}\n",
    )
    assert sym(scala, "parse").doc == "Parses into a PermSet or a path."
    assert sym(scala, "stop").doc == "C definition: `void stop(Ref r);`"


def test_csharp_accessors_without_code_and_constructors_without_initializers() -> None:
    f = facts(
        "P.cs",
        "namespace A;\n\npublic class P : Base\n{\n    public P(int v) : base(v) { }\n"
        "    public int Count { get; private set; }\n    public int Twice => Count * 2;\n"
        "    public int this[int i] { get => i; set { } }\n}\n",
    )
    assert sym(f, "P", "P").signature == "public P(int v)"
    assert sym(f, "Count").signature == "public int Count { get; private set; }"
    assert sym(f, "Twice").signature == "public int Twice { get; }"
    assert sym(f, "this").signature == "public int this[int i] { get; set; }"
    scala = facts(
        "a/C.scala",
        'package a\n\ncase class C(@arg(doc = "the name") name: String, @deprecated("x") n: Int = 1)\n',
    )
    assert sym(scala, "name").signature == "name: String"
    assert (sym(scala, "n").signature, sym(scala, "n").marks) == ("n: Int", ("deprecated",))


def test_a_type_holding_a_type_of_its_own_name_is_indexed(tmp_path: Path) -> None:
    """Scala's `trait Xml { object Xml }` and `object WeekDay extends Enumeration { type WeekDay
    = Value }` (fastparse, circe) sent the provided-keys walk round in a circle: indexing hung."""
    from reactor.facts import extract
    from reactor.facts.java import provides

    source = (
        "package p\n\ntrait Xml {\n  object Xml\n}\n\n"
        "object WeekDay extends Enumeration {\n  type WeekDay = Value\n}\n"
    )
    keys = provides(extract("p/Xml.scala", source.encode()))
    assert "java:p.Xml" in keys and any(k.startswith("java:p.WeekDay") for k in keys)
