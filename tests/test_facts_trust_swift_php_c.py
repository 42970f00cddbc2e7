"""Swift, PHP, C and C++ facts a reader can trust (issue 29), one fixture per defect class on
snippets written for it: neighbours only where code uses a name a file declares, docs only where
they belong, signatures and declared API as written."""

from __future__ import annotations

from pathlib import Path

from test_facts_by_language import facts, names, sym
from test_facts_trust_jvm_dotnet import graph

# -- Swift ------------------------------------------------------------------------------------
SWIFT = {
    "Package.swift": "// swift-tools-version:5.9\n\nimport PackageDescription\n\n"
    'let package = Package(name: "App", targets: [.target(name: "App")])\n',
    "Sources/App/Console.swift": "/// A console.\npublic final class Console {\n"
    "    public init() {}\n}\n",
    "Sources/App/Console+Write.swift": "extension Console {\n    public func write() {}\n}\n",
    "Sources/App/Console+Read.swift": "extension Console {\n    public func read() {}\n}\n",
    "Sources/App/Main.swift": "func main() {\n    // Unused is named in a comment only\n"
    "    let c = Console()\n    c.write()\n}\n\nfunc later(_ body: () -> Void) { body() }\n",
    "Sources/App/Unused.swift": "struct Unused {}\n\nfunc body() {}\n",
}


def test_swift_extensions_are_not_imports_of_the_extended_types_file(tmp_path: Path) -> None:
    imports, importers = graph(tmp_path, SWIFT, "Sources/App/Console.swift")
    assert imports == {}  # not the files that extend it: they extend it
    assert importers == {
        "Sources/App/Console+Read.swift": ("extended by", "Console"),
        "Sources/App/Console+Write.swift": ("extended by", "Console"),
        "Sources/App/Main.swift": ("Console",),
    }
    imports, _ = graph(tmp_path, {}, "Sources/App/Console+Read.swift")
    assert imports == {"Sources/App/Console.swift": ("extends", "public final class Console")}
    imports, _ = graph(tmp_path, {}, "Sources/App/Main.swift")
    assert imports == {"Sources/App/Console.swift": ("public final class Console",)}
    _, importers = graph(tmp_path, {}, "Sources/App/Unused.swift")
    assert importers == {}


def test_swift_cases_keep_payloads_properties_lose_accessor_code() -> None:
    f = facts(
        "Sources/App/Color.swift",
        '/// Colors.\n@available(*, deprecated, message: "use Paint")\npublic enum Color {\n'
        "    case red, palette(UInt8), named(String, alpha: Double)\n    case raw = 3\n"
        "    // a note, not a doc\n    public var value: Int {\n        get { 1 }\n"
        '        set { print(newValue) }\n    }\n    public var name: String { "c" }\n}\n',
    )
    assert [sym(f, n).signature for n in ("red", "palette", "named", "raw")] == [
        "case red",
        "case palette(UInt8)",
        "case named(String, alpha: Double)",
        "case raw = 3",
    ]
    assert sym(f, "Color").marks == ("deprecated",) and sym(f, "Color").doc == "Colors."
    value = sym(f, "value")
    assert (value.signature, value.doc) == ("public var value: Int { get set }", "")
    assert sym(f, "name").signature == "public var name: String { get }"
    package = facts("Package.swift", SWIFT["Package.swift"])
    assert package.doc == ""


# -- PHP --------------------------------------------------------------------------------------
PHP = {
    "composer.json": '{"autoload": {"psr-4": {"App\\\\": "src/"}}}\n',
    "src/Service.php": "<?php\nnamespace App;\n\nfinal class Service\n{\n    use Loggable;\n\n"
    "    /** Makes one. */\n    public function __construct(\n        private readonly Clock $clock,\n"
    "        protected int $tries = 3,\n        $plain = null,\n    ) {}\n\n"
    "    public function check(object $x): bool\n    {\n        return $x instanceof Thing;\n    }\n}\n",
    "src/Loggable.php": "<?php\nnamespace App;\n\ntrait Loggable\n{\n    public function log(): void {}\n}\n",
    "src/Thing.php": "<?php\nnamespace App;\n\nclass Thing {}\n",
    "src/Clock.php": "<?php\nnamespace App;\n\ninterface Clock {}\n",
}


def test_php_traits_instanceof_and_promoted_properties(tmp_path: Path) -> None:
    imports, _ = graph(tmp_path, PHP, "src/Service.php")
    assert sorted(imports) == ["src/Clock.php", "src/Loggable.php", "src/Thing.php"]
    f = facts("src/Service.php", PHP["src/Service.php"])
    assert sym(f, "Loggable", "Service").signature == "use Loggable"
    clock = sym(f, "clock", "Service")
    assert (clock.kind, clock.visibility, clock.signature) == (
        "field",
        "private",
        "private readonly Clock $clock",
    )
    assert sym(f, "tries").signature == "protected int $tries"
    assert "plain" not in names(f)


def test_php_docs_are_docblocks_and_deprecation_a_mark() -> None:
    f = facts(
        "src/A.php",
        "<?php\nnamespace App;\n\nclass A\n{\n    // a note, not a doc\n    public function f() {}\n\n"
        "    /**\n     * Old.\n     * @deprecated use g\n     */\n    #[\\ReturnTypeWillChange]\n"
        "    public function g() {}\n\n    #[Deprecated]\n    /* inline */ public function h() {}\n}\n",
    )
    assert sym(f, "f").doc == ""
    g = sym(f, "g")
    assert (g.doc, g.marks, g.signature) == ("Old.", ("deprecated",), "public function g()")
    assert (sym(f, "h").marks, sym(f, "h").signature) == (("deprecated",), "public function h()")


# -- C and C++ --------------------------------------------------------------------------------
def test_cmake_target_include_directories_through_variables(tmp_path: Path) -> None:
    files = {
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.14)\nproject(Lib CXX)\n"
        "add_subdirectory(lib)\nadd_subdirectory(test)\n",
        "lib/CMakeLists.txt": "set(LIB_KIND STATIC)\nadd_library(lib ${LIB_KIND} src/x.cpp)\n"
        "target_include_directories(lib ${LIB_KIND} PUBLIC\n"
        '  "$<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>"\n'
        "  $<INSTALL_INTERFACE:include>)\n",
        "lib/include/lib/x.h": "int x(void);\n",
        "lib/src/x.cpp": "#include <lib/x.h>\nint x(void) { return 1; }\n",
        "test/CMakeLists.txt": "add_executable(t t.cpp)\n"
        "target_include_directories(t PRIVATE ${PROJECT_SOURCE_DIR}/shared)\n",
        "shared/common.h": "int common(void);\n",
        "test/t.cpp": "#include <lib/x.h>\n#include <common.h>\nint main() { return x(); }\n",
    }
    imports, _ = graph(tmp_path, files, "test/t.cpp")
    assert sorted(imports) == ["lib/include/lib/x.h", "shared/common.h"]


def test_cpp_headings_keep_templates_bases_final_and_enum_class() -> None:
    f = facts(
        "w.hpp",
        "namespace ns {\n/// A widget.\ntemplate <typename T, int N = 3>\n"
        "class Widget final : public Base<T>, private Other {\n public:\n  using value_type = T;\n"
        "  /// Makes one.\n  template <typename U>\n  static Widget make(U u);\n  /// Runs.\n"
        "  constexpr\n#if FAST\n  static\n#endif\n  int run() const noexcept;\n"
        '  [[deprecated("use run")]] void old();\n  explicit Widget(int n)\n      : n_(n) {}\n'
        " private:\n  using hidden = int;\n  int n_;\n};\n"
        "enum class Mode : int { kA = 1 };\n}\n",
    )
    widget = sym(f, "Widget")
    assert widget.signature == (
        "template <typename T, int N = 3> class Widget final : public Base<T>, private Other"
    )
    assert widget.doc == "A widget."
    assert (sym(f, "make").signature, sym(f, "make").doc) == (
        "template <typename U> static Widget make(U u)",
        "Makes one.",
    )
    assert sym(f, "run").signature == "constexpr static int run() const noexcept"
    assert (sym(f, "old").signature, sym(f, "old").marks) == ("void old()", ("deprecated",))
    alias = sym(f, "value_type")
    assert (alias.kind, alias.signature, alias.visibility) == (
        "type",
        "using value_type = T",
        "public",
    )
    assert sym(f, "hidden").visibility == "private"
    assert sym(f, "Widget", "Widget").signature == "explicit Widget(int n)"
    assert sym(f, "Mode").signature == "enum class Mode : int"


def test_a_trailing_comment_is_its_own_lines_even_when_it_wraps() -> None:
    f = facts(
        "q.h",
        "enum policy {\n  discard_old, // drop the oldest item\n"
        "               // when full.\n  discard_new, ///< refuse the new one.\n  block,\n};\n"
        "struct s {\n  int size; /* in bytes */\n  int cap;\n};\n",
    )
    assert sym(f, "discard_old").doc == "drop the oldest item when full."
    assert sym(f, "discard_new").doc == "refuse the new one."
    assert sym(f, "block").doc == ""
    assert (sym(f, "size").doc, sym(f, "cap").doc) == ("in bytes", "")


def test_cpp_annotation_macros_on_the_next_line_are_no_members() -> None:
    f = facts(
        "m.h",
        "class Mock {\n public:\n  // Lets it leak.\n  static void AllowLeak(const void* mock)\n"
        "      LOCKS_EXCLUDED(internal::mutex);\n  static bool IsNice(void* mock)\n"
        "      LOCKS_EXCLUDED(internal::mutex);\n};\n",
    )
    assert names(f) == ["Mock", "AllowLeak", "IsNice"]
    assert sym(f, "AllowLeak").signature == "static void AllowLeak(const void* mock)"
    assert sym(f, "AllowLeak").doc == "Lets it leak."


def test_a_macro_defined_under_an_export_like_name_keeps_its_name() -> None:
    f = facts(
        "uv.h",
        "#ifdef _WIN32\n#  define UV_EXTERN __declspec(dllexport)\n#endif\n"
        "#define FMT_SYSTEM(call) ::call\n#define ZEXTERN extern\nUV_EXTERN int uv_run(void);\n",
    )
    assert names(f) == ["UV_EXTERN", "FMT_SYSTEM", "ZEXTERN", "uv_run"]
    assert sym(f, "UV_EXTERN").signature == "#define UV_EXTERN __declspec(dllexport)"
    assert sym(f, "uv_run").signature == "int uv_run(void)"


def test_comments_inside_values_are_no_part_of_a_signature_but_a_macros_own_doc() -> None:
    f = facts(
        "net.h",
        "#define KEEPIDLE 0x03 /* start keepalives after this period */\n"
        '#define HOME "http://example.com" // where it lives\n/** Above wins. */\n'
        "#define MAX 3 /* not this */\n",
    )
    assert (sym(f, "KEEPIDLE").signature, sym(f, "KEEPIDLE").doc) == (
        "#define KEEPIDLE 0x03",
        "start keepalives after this period",
    )
    assert (sym(f, "HOME").signature, sym(f, "HOME").doc) == (
        '#define HOME "http://example.com"',
        "where it lives",
    )
    assert sym(f, "MAX").doc == "Above wins."
    php = facts(
        "A.php",
        "<?php\nclass A\n{\n    const MODES = [\n        'a', // the first\n        'b',\n    ];\n}\n",
    )
    assert sym(php, "MODES").signature == "const MODES = [ 'a', 'b', ]"
