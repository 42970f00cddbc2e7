"""C and C++ facts measured against libclang (clangd's doc-comment rules with
``-fparse-all-comments``), one fixture per defect class on snippets written for it."""

from __future__ import annotations

from pathlib import Path

from test_facts_by_language import facts, names, neighbours_of, sym


def test_c_macro_continued_over_lines_has_no_backslashes_in_its_signature() -> None:
    f = facts(
        "ns.h",
        "#define END_NS \\\n  } \\\n  }\n#define MAX(a, b) \\\n  ((a) > (b) ? (a) : (b))\n"
        '#define SEP "\\\\ "\n',
    )
    assert sym(f, "END_NS").signature == "#define END_NS } }"
    assert sym(f, "MAX").signature == "#define MAX(a, b) ((a) > (b) ? (a) : (b))"
    assert sym(f, "SEP").signature == '#define SEP "\\\\ "'  # a backslash in a string stays


def test_cpp_attribute_macros_before_a_declaration_keep_its_name_and_words() -> None:
    f = facts(
        "buffer.h",
        "class buffered_file {\n public:\n  FMT_CONSTEXPR20 explicit buffered_file(int fd);\n"
        "  // Closes the file.\n  FMT_CONSTEXPR20 ~buffered_file() noexcept;\n"
        "  FMT_NODISCARD FMT_CONSTEXPR20 auto get() const -> int;\n};\n"
        "template <typename T>\nFMT_CONSTEXPR20 void buffer<T>::grow(int size) {}\n"
        "LZ4_FORCE_O2 int decompress(const char* src, int n) { return 0; }\n",
    )
    ctor = [s for s in f.symbols if s.name == "buffered_file" and s.kind == "method"]
    assert [s.signature for s in ctor] == ["explicit buffered_file(int fd)"]
    dtor = sym(f, "~buffered_file", "buffered_file")
    assert (dtor.signature, dtor.doc) == ("~buffered_file() noexcept", "Closes the file.")
    assert sym(f, "get", "buffered_file").signature == "auto get() const -> int"
    assert (
        sym(f, "grow", "buffer").signature == "template <typename T> void buffer<T>::grow(int size)"
    )
    assert sym(f, "decompress").signature == "int decompress(const char* src, int n)"
    assert "FMT_CONSTEXPR20" not in names(f) and "void" not in names(f)


def test_c_banner_comments_are_never_docs_nor_hide_the_doc_below_them() -> None:
    f = facts(
        "lz4.h",
        "/*-************************************/\nint bare(void);\n\n"
        "/* ================================ */\nint ruled(void);\n\n"
        "/*-************************************\n*  Compression\n"
        "**************************************/\n/*! compress() : Compresses src into dst.\n"
        " *  More text. */\nint compress(const char* src, char* dst);\n\n"
        "//------------------------------------\n// Decompresses src.\n"
        "int decompress(const char* src);\n/*=====   Advanced   =====*/\nint advanced(void);\n"
        "/*\n** Opens a database.\n**\n** More.\n*/\nint open_db(void);\n",
    )
    assert sym(f, "bare").doc == "" and sym(f, "ruled").doc == ""
    assert sym(f, "compress").doc == "Compresses src into dst."
    assert sym(f, "decompress").doc == "Decompresses src." and sym(f, "advanced").doc == ""
    assert sym(f, "open_db").doc == "Opens a database."  # (`**` rules its margin)


def test_c_doc_opening_with_the_functions_own_name_gives_the_description() -> None:
    f = facts(
        "lz4.h",
        "/*! LZ4_compress_fast() :\n *  Same as LZ4_compress_default(), but allows selection"
        ' of "acceleration" factor.\n */\nint LZ4_compress_fast(const char* src, int n);\n\n'
        "/*! ZSTD_getFrameContentSize() : requires v1.3.0+\n *  `src` should point to the start"
        " of a frame. */\nunsigned long long ZSTD_getFrameContentSize(const void* src);\n\n"
        "/*! ZSTD_freeCCtx :\n *  Frees memory allocated by ZSTD_createCCtx(). */\n"
        "int ZSTD_freeCCtx(void* cctx);\n\n/**\n * load_certs:\n * @files: the file names.\n"
        " * @size: how many.\n *\n * Loads certificates from PEM files.\n */\n"
        "int load_certs(char** files, int size);\n",
    )
    assert sym(f, "LZ4_compress_fast").doc == (
        'Same as LZ4_compress_default(), but allows selection of "acceleration" factor.'
    )
    assert sym(f, "ZSTD_getFrameContentSize").doc.startswith("requires v1.3.0+")
    assert sym(f, "ZSTD_freeCCtx").doc == "Frees memory allocated by ZSTD_createCCtx()."
    assert sym(f, "load_certs").doc == "Loads certificates from PEM files."  # (gtk-doc's)


def test_cpp_test_macros_at_file_scope_are_not_functions() -> None:
    f = facts(
        "test/format_test.cc",
        "TEST(format_test, escape) {\n  EXPECT_EQ(1, 1);\n}\n\nTEST_F(file_test, open) {\n"
        "  int x = 1;\n}\n\nnamespace {\nTYPED_TEST(t, p) {}\n}\n"
        "Widget::Widget(int v) {}\nint helper(int v) { return v; }\n",
    )
    assert not {"TEST", "TEST_F", "TYPED_TEST"} & set(names(f))
    assert sym(f, "Widget", "Widget").kind == "method" and sym(f, "helper").kind == "function"
    c = facts("old.c", "main() { return 0; }\n")  # C's implicit int: a function
    assert sym(c, "main").kind == "function"


def test_cpp_internal_linkage_anonymous_namespaces_and_namespace_scope_constants() -> None:
    source = (
        "namespace {\nint hidden(int a) { return a; }\nint counter = 0;\nstruct Local { int x; };\n}"
        "\nnamespace fmt {\nconst int kConst = 3;\nconstexpr int kExpr = 4;\n"
        "extern const int kExtern;\nconst char* name = 0;\nconst char* const kName = 0;\n"
        "inline constexpr int kInline = 5;\nint plain = 5;\nint api(int v);\n"
        "struct S { static const int member = 1; };\n}\n"
    )
    cc = facts("src/format.cc", source)
    private = {"hidden", "counter", "kConst", "kExpr", "kName"}
    assert {s.name for s in cc.symbols if s.visibility == "private"} >= private
    for name in ("kExtern", "name", "kInline", "plain", "api"):
        assert sym(cc, name).exported, name
    assert sym(cc, "member", "S").exported
    h = facts("include/format.h", source)  # a header's internal names reach every includer
    assert all(sym(h, name).exported for name in private)
    c = facts("src/table.c", "const int table_size = 3;\n")  # C: a const has external linkage
    assert sym(c, "table_size").exported


def test_cpp_destructor_is_listed_under_its_own_name() -> None:
    f = facts(
        "posix.h",
        "class buffered_file {\n public:\n  // Opens a file.\n  buffered_file(const char* p);\n"
        "  // Destroys the object.\n  FMT_API ~buffered_file() noexcept;\n};\n"
        "// Closes it.\ninline buffered_file::~buffered_file() {}\n",
    )
    dtors = [s for s in f.symbols if s.name == "~buffered_file"]
    assert [(s.parent, s.doc) for s in dtors] == [
        ("buffered_file", "Destroys the object."),
        ("buffered_file", "Closes it."),
    ]
    ctor = [s for s in f.symbols if s.name == "buffered_file" and s.kind == "method"]
    assert [s.doc for s in ctor] == ["Opens a file."]


def test_c_enumerator_trailing_comment_after_its_comma_is_its_doc() -> None:
    f = facts(
        "color.h",
        "enum class color : unsigned {\n  alice_blue = 0xF0F8FF,  // rgb(240,248,255)\n"
        "  antique_white = 0xFAEBD7,  // rgb(250,235,215), a long comment\n"
        "                             // that wraps onto this line\n"
        "  aqua = 0x00FFFF,  /* a block note\n                      wrapped */\n"
        "  aquamarine = 0x7FFFD4,\n  azure = 0xF0FFFF,\n"
        "  beige = 0xF5F5DC,  // TODO(x): check\n};\n",
    )
    assert sym(f, "alice_blue", "color").doc == "rgb(240,248,255)"
    assert sym(f, "antique_white", "color").doc.startswith("rgb(250,235,215)")
    assert sym(f, "aqua", "color").doc == "a block note wrapped"  # (one comment)
    assert sym(f, "aquamarine", "color").doc == ""
    assert sym(f, "beige", "color").doc == ""  # a note to the authors


def test_c_makefile_include_flags_resolve_variables_of_the_same_makefile(tmp_path: Path) -> None:
    files = {
        "Makefile": "LIBDIR = lib\nSRCDIR := ./src\nCFLAGS += -I$(LIBDIR) -I$(SRCDIR)/include"
        " -I${UNKNOWN}/x\n",
        "lib/lz4.h": "int LZ4_compress(void);\n",
        "src/include/util.h": "int util(void);\n",
        "programs/main.c": '#include <lz4.h>\n#include "util.h"\n',
        "other/lz4.h": "int other(void);\n",
    }
    imports, _ = neighbours_of(tmp_path, files, "programs/main.c")
    assert imports == ["lib/lz4.h", "src/include/util.h"]


def test_cpp_out_of_line_static_members_and_constants_declared_extern_stay_public() -> None:
    source = (
        "namespace testing {\nclass OsStackTraceGetterInterface {\n public:\n"
        "  static const char kElidedFramesMarker[];\n};\n"
        'const char OsStackTraceGetterInterface::kElidedFramesMarker[] = "...";\n'
        "class Hidden {\n  static const int kLimit;\n};\nconst int Hidden::kLimit = 3;\n"
        "extern const int kShared;\nconst int kShared = 7;\nconst int kOwn = 8;\n}\n"
    )
    cc = facts("src/gtest.cc", source)
    defined = [s for s in cc.symbols if s.name in ("kElidedFramesMarker", "kShared")]
    assert len(defined) == 4  # (the member's declaration and definition, the extern and its value)
    assert all(s.visibility == "public" for s in defined)  # (a member; declared extern first)
    assert sym(cc, "kOwn").visibility == "private"
