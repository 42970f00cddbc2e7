"""C and C++: facts from tree-sitter, ``#include`` resolved the way the compiler searches.

Facts: functions (references and operators returned too: ``T& f()``, ``operator=``), types
(``struct``/``union``/``enum``/``class``, a ``typedef struct x {…} T`` once, under the name code
uses), typedefs (function pointer types by their name), object-like macros as constants and
function-like ones as macros (include guards and the ``#else`` twin of a macro left out), and
variables (globals, ``extern`` declarations, function pointers by their name). Linkage as the
language has it: ``static`` in a ``.c`` file is private (a macro that means it too: zlib's
``local``, ``SQLITE_PRIVATE``; in C++ an anonymous namespace, or a namespace-scope ``const`` or
``constexpr`` variable not ``extern`` nor declared so before, a class's static member defined
out of line staying its class's), and so are the types and macros it defines; a header's
statics (``static inline`` helpers, tables) reach every file that includes it, so they are its API;
C++ members by their access section (``public:``…; a class starts private, a struct public), a
static member being no less visible for it.

tree-sitter does not expand macros, so what they would hide is uncovered first (lines kept): a line
that is one bare macro (``Q_OBJECT``), an export or calling-convention macro around a declaration
(``ZEXTERN int ZEXPORT f``, ``API(int) f(void)``, ``int CDECL main(void)``, ``class LIB_API
Widget``), attribute macros before a word no type is followed by (``FMT_CONSTEXPR20 explicit
X(int)``, ``LZ4_FORCE_O2 int f``), K&R prototype wrappers (``f OF((int a))``) and annotations after
a declarator (``void lock() LOCKS_EXCLUDED(mu_)``, ``int x_ GUARDED_BY(mu_)``, or on the next line,
indented); whatever still does not parse is looked into.

Resolution: ``#include "x.h"`` is looked for beside the including file first, then in the include
directories the build names (``-I`` flags of ``compile_commands.json`` or a Makefile — ``$(VAR)``
as it assigns it —, ``include_directories`` of a ``CMakeLists.txt``), or, where the build names
none, among the headers of the file's own project (the nearest directory with a build file);
``#include <x.h>`` only in the include directories — a vendored ``x.h`` elsewhere is not every
file's neighbour.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from pathlib import Path

import tree_sitter as ts

from . import Facts, Project, Symbol, Visibility, join, nearest, one_line
from .comments import Comments, any_comment
from .walker import Walker, descendants, doc_summary, file_doc, named, parser

HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".h++", ".inc")
_SPECIFIERS = ("struct_specifier", "union_specifier", "enum_specifier", "class_specifier")
#: C++11 ``[[…]]`` and GNU ``__attribute__((…))`` attributes.
_ATTRIBUTES = ("attribute_declaration", "attribute_specifier")
#: A macro name as export, linkage and calling-convention macros are spelled.
_MACRO_WORD = (
    r"(?:[A-Z][A-Z0-9_]*)?(?:API|EXPORT|EXTERN|IMPORT|CDECL|STDCALL|FASTCALL|CALLBACK|WINAPI|DECL"
    r"|INLINE|VISIBLE|PUBLIC|INTERNAL|HIDDEN|CALL|NOEXCEPT|NODISCARD|DEPRECATED|ATTR(?:IBUTE)?S?)"
    r"[A-Z0-9_]*"
)
_DECLARED = re.compile(r"[~\w:]+|[\w:]*operator\W.*|[\w:]*operator \w+")
_TEMPLATE_ARGUMENTS = re.compile(r"<[^<>]*>")
_KEYWORDS = frozenset("if else while for do switch case return sizeof goto break continue".split())
#: A macro that means ``static`` (zlib's ``local``, ``SQLITE_PRIVATE``) at a declaration's start.
_FILE_LOCAL_WORD = re.compile(
    rb"^([ \t]*)(local|[A-Z][A-Z0-9_]*(?:LOCAL|STATIC|PRIVATE))(?=[ \t]+[A-Za-z_])",
    re.MULTILINE,
)
_BARE_MACRO_LINE = re.compile(rb"^[ \t]*[A-Z][A-Z0-9_]{2,}[ \t]*;?[ \t]*$", re.MULTILINE)
_EXPORT_WORD = re.compile(rb"(?<![\w(])(" + _MACRO_WORD.encode() + rb")(?=[ \t]+[\w*&:])")
_EXPORT_CALL = re.compile(rb"^([ \t]*)(" + _MACRO_WORD.encode() + rb")\(([^()\n]*)\)", re.MULTILINE)
#: Macros (``FMT_CONSTEXPR20``, ``LZ4_FORCE_O2``) right before a word no type is followed by
#: (``void``, ``explicit``, ``~X()``…): attributes, linkage or inline-ness, never the type.
_MACROS_BEFORE_KEYWORD = re.compile(
    rb"(?<![\w(,.>])(?:[A-Z][A-Z0-9_]{2,}[ \t]+)+(?=~|(?:void|bool|char|short|int|long|float"
    rb"|double|signed|unsigned|auto|inline|static|extern|explicit|virtual|constexpr|consteval"
    rb"|constinit|friend|template|typename)\b)"
)
#: A doc's opening that names what it documents, lz4's and zstd's ``/*! LZ4_compress() :``
#: (a call's parentheses, or the declaration's own name): a title, the description follows.
_OWN_NAME = re.compile(r"^\s*([\w:~]+)[ \t]*(\([^()\n]*\))?[ \t]*:(?!:)\s*")
_MACRO_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_NOTE_TO_SELF = re.compile(r"(TODO|FIXME|XXX|HACK)\b")
_KR_WRAPPER = re.compile(rb"\b([A-Z][A-Z0-9_]*)\(\(([^()]*)\)\)")
_ANNOTATION = re.compile(
    rb"([)\w])([ \t]+|[ \t]*\n[ \t]+)([A-Z][A-Z0-9_]{2,})\(([^()]*)\)(?=[ \t]*[;,{=:]|[ \t]+[A-Z])"
)
#: A preprocessor directive with its continuation lines.
_DIRECTIVE = re.compile(rb"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.MULTILINE)
#: A directive's line continuation, flattened (``#define END \`` ``}``): not in its signature.
_CONTINUATION = re.compile(r"(?<!\\)\\ ")
#: CMake's ``$<BUILD_INTERFACE:dir>`` generator expression: the directory used when building.
_BUILD_INTERFACE = re.compile(r"^\$<BUILD_INTERFACE:(.*)>$")
_CMAKE_INCLUDES = re.compile(r"\b(?:target_)?include_directories\s*\(([^)]*)\)", re.IGNORECASE)
_CMAKE_COMMENT = re.compile(r"#[^\n]*")
_CMAKE_WORD = re.compile(r'"[^"]*"|[^\s"]+')
_CMAKE_VARIABLE = re.compile(r"\$\{(\w+)\}")
_CMAKE_PROJECT = re.compile(r"^\s*project\s*\(\s*([\w-]+)", re.IGNORECASE | re.MULTILINE)
_CMAKE_SET = re.compile(r"^\s*set\s*\(\s*(\w+)\s+(\"[^\"]*\"|[^\s)\"]+)\s*\)", re.I | re.M)
#: A Makefile's variable assignment (``VAR = x``, ``VAR := x``, ``VAR ?= x``), up to a comment.
_MAKE_ASSIGNMENT = re.compile(
    r"^[ \t]*(?:export[ \t]+|override[ \t]+)?([A-Za-z_]\w*)[ \t]*(\?|:{0,3})=([^\n#]*)", re.M
)
_MAKE_VARIABLE = re.compile(r"\$\((\w+)\)|\$\{(\w+)\}")
_CMAKE_KEYWORDS = frozenset(("PUBLIC", "PRIVATE", "INTERFACE", "SYSTEM", "BEFORE", "AFTER"))
_BUILD_FILES = (
    "CMakeLists.txt",
    "Makefile",
    "makefile",
    "GNUmakefile",
    "meson.build",
    "configure.ac",
    "configure",
    "BUILD",
    "BUILD.bazel",
    "SConstruct",
    "Makefile.am",
)


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, uncover(data))
    root = w.parse()
    grammar = language
    if root.has_error and language == "c":
        # The C grammar trips on an `#ifdef` between `if` and `else` where the C++ one does
        # not (which, in turn, trips on C naming things `new` or `class`): the parse that
        # leaves less unparsed wins, so no function body is read as declarations.
        second = parser("cpp").parse(w.data).root_node
        if _unparsed("cpp", second) < _unparsed("c", root):
            root, grammar = second, "cpp"
    comments = descendants(grammar, root, "comment")
    notes = Comments(w, comments, is_doc=any_comment, summarise=_summary)
    header = rel.endswith(HEADER_SUFFIXES)
    _scope(w, notes, root, parent="", access="public", header=header)
    w.facts.doc = file_doc(w, root)
    return w.facts


def _unparsed(language: str, root: ts.Node) -> int:
    """Bytes of the source inside ``ERROR`` nodes (the outermost ones)."""
    end, total = -1, 0
    for node in descendants(language, root, "ERROR"):
        if node.start_byte >= end:
            total += node.end_byte - node.start_byte
            end = node.end_byte
    return total


def uncover(data: bytes) -> bytes:
    """Blank what unexpanded macros would make tree-sitter misread (each line stays a line,
    each byte where it was); a preprocessor directive is left as written (``#define UV_EXTERN
    __declspec(dllexport)`` defines ``UV_EXTERN``, whatever its name looks like)."""
    original = data
    blank = lambda m: b" " * len(m.group(0))  # noqa: E731
    data = _FILE_LOCAL_WORD.sub(
        lambda m: m.group(1) + b"static" + b" " * (len(m.group(2)) - 6), data
    )
    data = _BARE_MACRO_LINE.sub(blank, data)
    data = _EXPORT_CALL.sub(
        lambda m: m.group(1) + b" " * (len(m.group(2)) + 1) + m.group(3) + b" ", data
    )
    data = _EXPORT_WORD.sub(lambda m: b" " * len(m.group(1)), data)
    data = _MACROS_BEFORE_KEYWORD.sub(blank, data)
    if b"((" in data:
        data = _KR_WRAPPER.sub(lambda m: b" " * len(m.group(1)) + b" (" + m.group(2) + b") ", data)
    for _ in range(3):  # several annotations in a row
        before = data
        data = _ANNOTATION.sub(
            lambda m: (
                m.group(1) + m.group(2) + b" " * (len(m.group(0)) - len(m.group(1) + m.group(2)))
            ),
            data,
        )
        if data == before:
            break
    if b"#" in original and data != original:
        kept = bytearray(data)
        for directive in _DIRECTIVE.finditer(original):
            kept[directive.start() : directive.end()] = directive.group(0)
        data = bytes(kept)
    return data


def _scope(
    w: Walker,
    notes: Comments,
    scope: ts.Node,
    *,
    parent: str,
    access: Visibility,
    header: bool,
    internal: bool = False,
) -> None:
    """The declarations of a file, namespace or class body (``internal``: an anonymous
    namespace's, file-local as ``static`` ones are)."""
    for node in scope.named_children:
        kind = node.type
        if kind == "access_specifier":
            access = _access(w.text(node))
        elif kind == "ERROR":
            _scope(w, notes, node, parent=parent, access=access, header=header, internal=internal)
        elif kind == "preproc_include":
            w.import_of(w.text(node.child_by_field_name("path")))
        elif (
            kind
            in (
                "preproc_ifdef",
                "preproc_if",
                "preproc_else",
                "preproc_elif",
                "linkage_specification",
            )
            or kind == "namespace_definition"
        ):
            _scope(
                w,
                notes,
                node.child_by_field_name("body") or node,
                parent=parent,
                access=access,
                header=header,
                internal=internal
                or (kind == "namespace_definition" and node.child_by_field_name("name") is None),
            )
        else:
            _declared(
                w, notes, node, node, parent=parent, access=access, header=header, internal=internal
            )


def _declared(
    w: Walker,
    notes: Comments,
    node: ts.Node,
    outer: ts.Node,
    *,
    parent: str,
    access: Visibility,
    header: bool,
    internal: bool = False,
) -> None:
    """One declaration; ``outer`` is where it starts (its ``template <…>``)."""
    kind = node.type
    if kind == "template_declaration":
        inner = next((c for c in node.named_children if c.type != "template_parameter_list"), None)
        if inner is not None:
            _declared(
                w,
                notes,
                inner,
                outer,
                parent=parent,
                access=access,
                header=header,
                internal=internal,
            )
    elif kind in ("function_definition", "declaration", "field_declaration"):
        _declaration(
            w,
            notes,
            node,
            outer,
            parent=parent,
            access=access,
            header=header,
            internal=internal,
        )
    elif kind in _SPECIFIERS:
        _type(w, notes, node, parent, access, header, outer=outer)
    elif kind == "type_definition":
        _typedef(w, notes, node, parent, access, header)
    elif kind == "alias_declaration":
        _add(
            w,
            notes,
            "type",
            w.name(node),
            node,
            outer,
            parent=parent,
            visibility=access if parent else _file_scope(header),
            signature=_text(notes, outer, node.end_byte),
        )
    elif kind in ("preproc_function_def", "preproc_def"):
        _macro(w, notes, node, parent, header=header)


def _text(notes: Comments, outer: ts.Node, end: int) -> str:
    """The declaration from ``outer``'s start to ``end``, without comments, preprocessor lines
    and ``[[deprecated]]`` (a mark)."""
    return one_line(
        notes.without(outer.start_byte, end, _deprecations(notes.w, outer)).rstrip(" ;{")
    )


def _deprecations(w: Walker, outer: ts.Node) -> list[ts.Node]:
    """The ``[[deprecated]]`` (``__attribute__((deprecated))``) attributes of a declaration."""
    if b"deprecated" not in w.data[outer.start_byte : outer.end_byte]:
        return []
    nodes = [outer, *(c for c in outer.named_children if c.type not in _ATTRIBUTES)]
    return [
        attribute
        for node in nodes
        for attribute in node.named_children
        if attribute.type in _ATTRIBUTES and "deprecated" in w.text(attribute)
    ]


def _add(
    w: Walker,
    notes: Comments,
    kind: str,
    name: str,
    node: ts.Node,
    outer: ts.Node,
    *,
    signature: str,
    visibility: Visibility,
    parent: str = "",
    trailing: bool = True,
    end: int | None = None,
    noted: str = "",
) -> None:
    """A symbol with its doc: the comment above it, else (a member, a value, a prototype, a
    macro) the one trailing it on its line (after ``end``, the declaration's end by default;
    ``noted``: one the grammar keeps inside it)."""
    if not name:
        return
    block = notes.block_above(outer.start_byte)
    if (title := _OWN_NAME.match(block)) and (title[2] or title[1].rpartition("::")[2] == name):
        block = block[title.end() :]
        if block.startswith("@") and "\n\n" in block:  # gtk-doc's parameters, then the prose
            block = block.split("\n\n", 1)[1]
    doc = notes.summary(block)
    if not doc and trailing:
        doc = notes.trailing(node.end_byte if end is None else end) or notes.summary(noted)
    marks = ("deprecated",) if _deprecations(w, outer) else ()
    w.facts.symbols.append(Symbol(kind, name, signature, doc, visibility, parent, marks))


def _summary(text: str) -> str:
    """A C or C++ doc's first sentence, as clangd shows one: lines of only ``/*-=`` (a banner's
    rules) are no text, and a one-line note that reads like code (``// rgb(240,248,255)``) is
    still what the comment says (a commented-out statement, ending in ``;``, is not)."""
    if "\n" in text or not text.strip(" \t/*-="):
        lines = ["" if not line.strip(" \t/*-=") else line for line in text.split("\n")]
        if all(line.startswith("*") for line in lines if line):  # a `**` margin (SQLite's)
            lines = [line[1:].strip() for line in lines]
        text = "\n".join(lines)
    found = doc_summary(text)
    line = text.strip()
    if found or not line or "\n" in line or line.endswith((";", "{", "}")):
        return found
    if line[0] in "-=*/" or line[-1] in "-=*/":
        return ""  # a section's title between rules (`/*=====  Advanced  =====*/`)
    return "" if _NOTE_TO_SELF.match(line) else one_line(line)


def _access(text: str) -> Visibility:
    word = text.strip().rstrip(":")
    return "private" if word == "private" else "protected" if word == "protected" else "public"


def _declaration(
    w: Walker,
    notes: Comments,
    node: ts.Node,
    outer: ts.Node,
    *,
    parent: str,
    access: Visibility,
    header: bool,
    internal: bool = False,
) -> None:
    declarators = node.children_by_field_name("declarator")
    head = w.text(node).split("(")[0].split()
    static = "static" in head or internal
    spec = node.child_by_field_name("type")
    if not declarators:
        if spec is not None and spec.type in _SPECIFIERS:
            _type(w, notes, spec, parent, access, header, outer=outer)
        return
    body = node.child_by_field_name("body")
    for declarator in declarators:
        name, is_function = _declarator_name(w, declarator)
        if "<" in name and "::" in name and "operator" not in name:
            name = _without_arguments(name)  # `buffer<T>::grow`: a member of `buffer`
        if not _DECLARED.fullmatch(name) or name in _KEYWORDS:
            continue  # (`else if (…)` misread as a declaration where nothing parses)
        if spec is None and not parent and _MACRO_NAME.fullmatch(name):
            continue  # `TEST(suite, name) { … }`: a macro's call, no function without a type
        visibility: Visibility = access if parent else "public"
        local = static or (
            not is_function
            and not parent
            and "::" not in name  # (`const T C::member = …`: a static member's definition)
            and w.facts.language == "cpp"
            and _constant(node, declarator)
            and not _declared_extern(w, name)
        )
        if local and not parent and not header:
            visibility = "private"  # file-local (a header's statics are in every includer)
        owner = parent
        if "::" in name:
            owner, _, name = name.rpartition("::")
        if is_function:
            end = body.start_byte if body is not None else node.end_byte
            for part in node.children:  # `A(int x) : x_(x) {`: the initializers are the body's
                if part.type == "field_initializer_list":
                    end = part.start_byte
            _add(
                w,
                notes,
                "method" if owner else "function",
                name,
                node,
                outer,
                parent=owner,
                visibility=visibility,
                signature=_text(notes, outer, end),
                trailing=body is None,
            )
        else:
            value = declarator.child_by_field_name("value")
            end = value.start_byte if value is not None else declarator.end_byte
            first = declarators[0].start_byte
            signature = f"{_text(notes, outer, first)} {notes.without(declarator.start_byte, end)}"
            _add(
                w,
                notes,
                "field" if node.type == "field_declaration" else "variable",
                name,
                node,
                outer,
                parent=owner,
                visibility=visibility,
                signature=one_line(signature.rstrip(" =")),
            )
    if (
        spec is not None
        and spec.type in _SPECIFIERS
        and spec.child_by_field_name("body") is not None
    ):
        _type(w, notes, spec, parent, access, header, outer=outer)


def _declared_extern(w: Walker, name: str) -> bool:
    """Whether the file declared ``name`` ``extern`` before (``extern const int k;`` then
    ``const int k = 1;``: the definition has the external linkage the declaration gave it)."""
    return any(
        s.kind == "variable" and not s.parent and s.name == name and "extern" in s.signature.split()
        for s in w.facts.symbols
    )


def _constant(node: ts.Node, declarator: ts.Node) -> bool:
    """Whether a C++ variable is a constant of its file: ``const`` or ``constexpr``, neither
    ``extern`` nor ``inline`` (``const char* p`` points to constants; ``p`` is no constant)."""
    words = {
        c.text for c in node.children if c.type in ("type_qualifier", "storage_class_specifier")
    }
    if b"extern" in words or b"inline" in words:
        return False
    if b"constexpr" in words:
        return True
    while declarator.type in ("init_declarator", "array_declarator", "attributed_declarator"):
        declarator = declarator.child_by_field_name("declarator") or declarator.named_children[0]
    if declarator.type == "pointer_declarator":
        return any(c.type == "type_qualifier" and c.text == b"const" for c in declarator.children)
    return declarator.type != "reference_declarator" and b"const" in words


def _without_arguments(name: str) -> str:
    """A qualified name without its template arguments (``a::b<T, c<U>>::f`` → ``a::b::f``)."""
    while True:
        shorter = _TEMPLATE_ARGUMENTS.sub("", name)
        if shorter == name:
            return name
        name = shorter


def _declarator_name(w: Walker, declarator: ts.Node | None) -> tuple[str, bool]:
    """The declared name, and whether it is a function (not a pointer to one)."""
    is_function = False
    node = declarator
    while node is not None:
        kind = node.type
        if kind == "function_declarator":
            inner = node.child_by_field_name("declarator")
            if inner is not None and inner.type == "parenthesized_declarator":
                return _declarator_name(w, inner)[0], False  # `(*cb)(int)`: a pointer to one
            is_function = True
            node = inner
        elif kind in (
            "pointer_declarator",
            "reference_declarator",
            "init_declarator",
            "parenthesized_declarator",
            "array_declarator",
            "attributed_declarator",
        ):
            node = node.child_by_field_name("declarator") or next(iter(named(node)), None)
        elif kind in (
            "identifier",
            "field_identifier",
            "type_identifier",
            "qualified_identifier",
            "operator_name",
            "destructor_name",
            "template_function",
        ):
            return w.text(node), is_function
        else:
            return "", False
    return "", False


def _type(
    w: Walker,
    notes: Comments,
    node: ts.Node,
    parent: str,
    access: Visibility,
    header: bool,
    *,
    outer: ts.Node,
    alias: str = "",
) -> None:
    body = node.child_by_field_name("body")
    name = w.name(node) or alias
    if body is None or not name:
        return  # a forward declaration or an anonymous type
    kind = node.type.split("_")[0]
    if alias:
        written = f"{kind} {w.name(node)}".strip()
        signature = f"typedef {written} {alias}" if alias != w.name(node) else written
    else:
        signature = _text(notes, outer, body.start_byte)
    _add(
        w,
        notes,
        kind,
        alias or name,
        node,
        outer,
        parent=parent,
        visibility=access if parent else _file_scope(header),
        signature=signature,
        trailing=False,
    )
    owner = alias or name
    if kind == "enum":
        for member in named(body):
            if member.type == "enumerator":
                _add(
                    w,
                    notes,
                    "const",
                    w.name(member),
                    member,
                    member,
                    parent=owner,
                    visibility="public",
                    signature=one_line(notes.without(member.start_byte, member.end_byte)),
                )
    else:
        _scope(
            w,
            notes,
            body,
            parent=owner,
            access="private" if kind == "class" else "public",
            header=header,
        )


def _typedef(
    w: Walker, notes: Comments, node: ts.Node, parent: str, access: Visibility, header: bool
) -> None:
    spec = node.child_by_field_name("type")
    names = [
        _declarator_name(w, d)[0] or w.text(d).strip("*& ")
        for d in node.children_by_field_name("declarator")
    ]
    if (
        spec is not None
        and spec.type in _SPECIFIERS
        and spec.child_by_field_name("body") is not None
    ):
        alias = names[0] if names else ""
        _type(w, notes, spec, parent, access, header, outer=node, alias=alias)
        names = names[1:]
    for name in names:
        _add(
            w,
            notes,
            "type",
            name,
            node,
            node,
            parent=parent,
            visibility=access if parent else _file_scope(header),
            signature=_text(notes, node, node.end_byte),
        )


def _file_scope(header: bool) -> Visibility:
    """What a type, typedef or macro at file scope is: a header's reach its includers, a
    source file's are its own (types and macros have no linkage)."""
    return "public" if header else "private"


def _macro(w: Walker, notes: Comments, node: ts.Node, parent: str, *, header: bool) -> None:
    name = w.name(node)
    function_like = node.type == "preproc_function_def"
    if not function_like and node.child_by_field_name("value") is None:
        return  # an include guard or a flag
    if any(s.name == name and s.kind in ("macro", "const") for s in w.facts.symbols):
        return  # the #else twin of a macro already seen
    value = node.child_by_field_name("value")
    end = value.end_byte if value is not None else node.end_byte
    written = notes.without(node.start_byte, end, directive=True)  # (a /* note */: a node)
    if "\\" in written:
        written = _CONTINUATION.sub("", written + " ").rstrip()
    cut = _line_comment(written)  # `#define X 1 // what X is`: in the value, as written
    _add(
        w,
        notes,
        "macro" if function_like else "const",
        name,
        node,
        node,
        parent=parent,
        visibility=_file_scope(header),
        signature=one_line("#define " + written[:cut].lstrip("# \t").removeprefix("define")),
        end=end,
        noted=written[cut:].removeprefix("//").strip(),
    )


def _line_comment(text: str) -> int:
    """Where a ``//`` comment starts in a line of code, outside string and character
    literals (``len(text)`` without one)."""
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif text.startswith("//", i):
            return i
        i += 1
    return len(text)


# -- resolution -------------------------------------------------------------------------------
class IncludeResolver:
    """``#include`` → candidate repo paths; headers provide keys for the fallback search."""

    def __init__(self, project: Project):
        self.project = project
        self._dirs: list[str] | None = None
        self._projects: dict[str, str] = {}

    def forget(self) -> None:
        self._dirs = None
        self._projects = {}

    def keys(self, rel: str, spec: str) -> list[str]:
        name = spec.strip().strip('"<>').strip()
        quoted = spec.strip().startswith('"')
        out: list[str] = []
        if quoted:
            out.append(join(posixpath.dirname(rel), name))
        out += [join(d, name) for d in self.include_dirs()]
        keys = [f"path:{c}" for c in dict.fromkeys(out) if c and not c.startswith((".", "/"))]
        if quoted and not self.include_dirs():  # no build to ask: the project's own headers
            keys.append(f"inc:{self._project(rel)}|{name}")
        return keys

    def provides(self, rel: str) -> list[str]:
        if not rel.endswith(HEADER_SUFFIXES):
            return []
        project = self._project(rel)
        parts = rel[len(project) :].lstrip("/").split("/") if project else rel.split("/")
        return [f"inc:{project}|{'/'.join(parts[-n:])}" for n in range(1, min(3, len(parts)) + 1)]

    def include_dirs(self) -> list[str]:
        """The repo's include directories, as its build names them."""
        if self._dirs is None:
            dirs = self._compile_commands() or self._build_files()
            self._dirs = list(dict.fromkeys(d for d in dirs if d is not None))
        return self._dirs

    def _compile_commands(self) -> list[str | None]:
        out: list[str | None] = []
        for where in ("compile_commands.json", "build/compile_commands.json"):
            text = self.project.read_text(where)
            if text is None:
                continue
            try:
                entries = json.loads(text)
            except ValueError:
                continue
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                args = entry.get("arguments") or shlex.split(str(entry.get("command", "")))
                base = str(entry.get("directory", self.project.root))
                out += [self._repo_dir(base, flag) for flag in _include_flags(args)]
        return out

    def _build_files(self) -> list[str | None]:
        out: list[str | None] = []
        for name in ("Makefile", "makefile", "GNUmakefile", "CMakeLists.txt", "meson.build"):
            for rel in self.project.named(name):
                folder = posixpath.dirname(rel)
                text = self.project.read_text(rel) or ""
                if name == "CMakeLists.txt":
                    out += self._cmake_dirs(rel, text)
                elif name == "meson.build":
                    for group in re.findall(r"include_directories\s*\(([^)]*)\)", text):
                        out += [
                            self._repo_dir(str(self.project.root / folder), d)
                            for d in re.findall(r"'([^']+)'", group)
                        ]
                else:
                    out += [
                        self._repo_dir(str(self.project.root / folder), f)
                        for f in _make_flags(text)
                    ]
        return out

    def _cmake_dirs(self, rel: str, text: str) -> list[str | None]:
        """The directories a ``CMakeLists.txt``'s ``include_directories`` and
        ``target_include_directories`` name (``$<BUILD_INTERFACE:…>`` the one used when
        building; CMake's own directory variables and simple ``set()`` ones expanded)."""
        base = str(self.project.root / posixpath.dirname(rel))
        variables = self._cmake_variables(rel)
        out: list[str | None] = []
        for group in _CMAKE_INCLUDES.findall(_CMAKE_COMMENT.sub("", text)):
            for raw in _CMAKE_WORD.findall(group):
                word = _BUILD_INTERFACE.sub(r"\1", raw.strip('"'))
                word = _CMAKE_VARIABLE.sub(lambda m: variables.get(m.group(1), "$"), word)
                if not word or "$" in word or word.upper() in _CMAKE_KEYWORDS:
                    continue  # a generator expression, an unknown variable, a keyword
                path = Path(word) if word.startswith("/") else Path(base) / word
                if path.is_dir():  # (`target_include_directories(<target> …)`: no folder)
                    out.append(self._repo_dir(base, word))
        return out

    def _cmake_variables(self, rel: str) -> dict[str, str]:
        """What ``${VAR}`` means in the ``CMakeLists.txt`` at ``rel``: the directory variables
        (``CMAKE_CURRENT_LIST_DIR``, ``PROJECT_SOURCE_DIR`` — the nearest ``project()`` above
        —, ``CMAKE_SOURCE_DIR``, ``<Name>_SOURCE_DIR``) and one-word ``set(NAME value)``s of it
        and the lists above it, as absolute paths."""
        root = self.project.root
        lists = self.project.named("CMakeLists.txt")
        above = sorted(nearest(lists, rel), key=len)
        here = str(root / posixpath.dirname(rel))
        top = str(root / posixpath.dirname(above[0])) if above else here
        variables = {
            "CMAKE_CURRENT_SOURCE_DIR": here,
            "CMAKE_CURRENT_LIST_DIR": here,
            "CMAKE_SOURCE_DIR": top,
            "PROJECT_SOURCE_DIR": top,
        }
        for listed in lists:
            for name in _CMAKE_PROJECT.findall(self.project.read_text(listed) or ""):
                variables[f"{name}_SOURCE_DIR"] = str(root / posixpath.dirname(listed))
        for listed in above:  # outermost first: a nearer list's values win
            text = _CMAKE_COMMENT.sub("", self.project.read_text(listed) or "")
            folder = str(root / posixpath.dirname(listed))
            if _CMAKE_PROJECT.search(text):
                variables["PROJECT_SOURCE_DIR"] = folder
            variables["CMAKE_CURRENT_SOURCE_DIR"] = variables["CMAKE_CURRENT_LIST_DIR"] = folder
            for name, value in _CMAKE_SET.findall(text):
                value = _CMAKE_VARIABLE.sub(lambda m: variables.get(m.group(1), "$"), value)
                if "$" not in value:
                    variables[name] = value.strip('"')
        variables["CMAKE_CURRENT_SOURCE_DIR"] = variables["CMAKE_CURRENT_LIST_DIR"] = here
        return variables

    def _repo_dir(self, base: str, flag: str) -> str | None:
        path = Path(flag) if flag.startswith("/") else Path(base) / flag
        try:
            resolved = path.resolve()
            relative = resolved.relative_to(self.project.root.resolve()).as_posix()
        except (OSError, ValueError):
            return None
        return "" if relative == "." else relative

    def _project(self, rel: str) -> str:
        """The nearest directory holding a build file (else the whole repo)."""
        directory = posixpath.dirname(rel)
        if directory in self._projects:
            return self._projects[directory]
        parts = directory.split("/") if directory else []
        found = ""
        for i in range(len(parts), -1, -1):
            folder = "/".join(parts[:i])
            if any((self.project.root / folder / name).is_file() for name in _BUILD_FILES):
                found = folder
                break
        self._projects[directory] = found
        return found


def _make_flags(text: str) -> list[str]:
    """A Makefile's ``-I`` folders, ``$(VAR)`` and ``${VAR}`` read from the one-word values the
    Makefile assigns (``VAR = lib``, ``VAR := ./lib``; ``$(CURDIR)`` its own folder); a folder
    naming a variable it does not assign is left out, not guessed."""
    flags = _include_flags(text.split())
    if not any("$" in flag for flag in flags):
        return flags
    variables = {"CURDIR": "."}
    for name, operator, value in _MAKE_ASSIGNMENT.findall(text):
        words = value.split()
        if len(words) == 1 and (operator != "?" or name not in variables):
            variables[name] = words[0]
    out = []
    for flag in flags:
        for _ in range(4):  # (a value naming another variable)
            if "$" not in flag:
                break
            flag = _MAKE_VARIABLE.sub(lambda m: variables.get(m[1] or m[2], "$?"), flag)
        if "$" not in flag:
            out.append(flag)
    return out


def _include_flags(args: list[str]) -> list[str]:
    out = []
    for i, arg in enumerate(args):
        for flag in ("-I", "-isystem", "-iquote"):
            if arg == flag and i + 1 < len(args):
                out.append(args[i + 1])
            elif arg.startswith(flag) and len(arg) > len(flag):
                out.append(arg[len(flag) :])
    return out
