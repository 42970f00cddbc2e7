"""C/C++ oracle: libclang (the ``libclang`` wheel), run in the oracle home's venv.

Reads ``{"root", "files", "sample", "language", "include_dirs"}`` on stdin, prints
``{"version", "files": {path: {...}}}``. Every file is parsed on its own as clangd parses it
for hover (``-fparse-all-comments``), with the include folders given (``-I``), parse only
(``-fsyntax-only``; errors are expected where a dependency is missing and are ignored).

Per file: its ``#include``s as clang resolved them (``INCLUSION_DIRECTIVE`` cursors of the main
file; one clang could not find, or in a branch the preprocessor skipped, is unplaced), the
identifiers of its tokens (clang's lexer: no comments, no literals) and the identifiers of the
ranges the preprocessor skipped (``inactive``: what another configuration would declare).

Per sampled file, its declarations (the file's own, not those of its includes or those a
macro generates): types, typedefs and aliases, functions and methods (out-of-line ones under
their class), fields, variables, enumerators and macros, with

* visibility: a member's access; at file scope, a header's declarations reach every includer
  (public); in a source file, a function or variable of external linkage is public, one of
  internal linkage (``static``, an anonymous namespace) private, and types and macros private;
* signature forms: the declaration's tokens from its start to its body (a type: to its ``{``;
  a variable: to its initializer; a constructor: to its initializer list), comments and
  preprocessor lines left out; the same with the macros in it that carry only attributes,
  linkage or a calling convention expanded as the preprocessor does (``API(int) f()`` →
  ``int f()``, ``ZEXTERN int ZEXPORT f OF((int))`` → ``int f (int)``) and without a
  deprecation attribute; and clang's own pretty-printed declaration (terse);
* doc: the comment clang attaches to the declaration with all comments parsed as doc
  comments, as clangd's hover shows it (the comment before it with nothing but whitespace
  between, no ``;{}#@``; or a trailing one on its line for members, enumerators and
  variables; consecutive comments merged), when it is this declaration's own (not another
  redeclaration's), markers stripped as clang's ``getFormattedText`` does, and kept only if
  it has more than ``/*-=`` characters (clangd's ``looksLikeDocComment``). Macros: clang
  attaches no comment to a macro (clangd shows none); the same rule is applied to the
  ``#define`` line from clang's comment tokens.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import clang.cindex as ci

K = ci.CursorKind
TYPES = {
    K.STRUCT_DECL: "struct",
    K.UNION_DECL: "union",
    K.CLASS_DECL: "class",
    K.ENUM_DECL: "enum",
    K.CLASS_TEMPLATE: "class",
    K.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION: "class",
}
FUNCTIONS = {
    K.FUNCTION_DECL,
    K.FUNCTION_TEMPLATE,
    K.CXX_METHOD,
    K.CONSTRUCTOR,
    K.DESTRUCTOR,
    K.CONVERSION_FUNCTION,
}
TYPEDEFS = {K.TYPEDEF_DECL, K.TYPE_ALIAS_DECL, K.TYPE_ALIAS_TEMPLATE_DECL}
SCOPES = {K.NAMESPACE, K.LINKAGE_SPEC, K.UNEXPOSED_DECL}
HEADERS = (".h", ".hh", ".hpp", ".hxx", ".h++", ".inc", ".ipp", ".tpp")
GCC_INCLUDE = "/usr/lib/gcc/x86_64-linux-gnu/12/include"
#: What an attribute-only macro may expand to (besides other such macros).
TRANSPARENT_WORDS = {
    "extern", "inline", "__cdecl", "__stdcall", "__fastcall", "__vectorcall", "__thiscall",
    "_cdecl", "__inline", "__forceinline", "WINAPI",
}  # fmt: skip

_lib = ci.conf.lib
_lib.clang_Cursor_getCommentRange.argtypes = [ci.Cursor]
_lib.clang_Cursor_getCommentRange.restype = ci.SourceRange
_lib.clang_getCursorPrintingPolicy.argtypes = [ci.Cursor]
_lib.clang_getCursorPrintingPolicy.restype = ctypes.c_void_p
_lib.clang_PrintingPolicy_setProperty.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint]
_lib.clang_PrintingPolicy_dispose.argtypes = [ctypes.c_void_p]
_lib.clang_getCursorPrettyPrinted.argtypes = [ci.Cursor, ctypes.c_void_p]
_lib.clang_getCursorPrettyPrinted.restype = ci._CXString
_lib.clang_Cursor_isMacroFunctionLike.argtypes = [ci.Cursor]
_lib.clang_Cursor_isMacroFunctionLike.restype = ctypes.c_uint
_lib.clang_Cursor_isMacroBuiltin.argtypes = [ci.Cursor]
_lib.clang_Cursor_isMacroBuiltin.restype = ctypes.c_uint


class _RangeList(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(ci.SourceRange))]


_lib.clang_getSkippedRanges.argtypes = [ci.TranslationUnit, ci.File]
_lib.clang_getSkippedRanges.restype = ctypes.POINTER(_RangeList)
_lib.clang_disposeSourceRangeList.argtypes = [ctypes.POINTER(_RangeList)]
SUPPRESS_INITIALIZERS, TERSE = 6, 17  # CXPrintingPolicyProperty values


def version() -> str:
    from importlib.metadata import version as dist_version

    return f"libclang {dist_version('libclang')}"


def pretty(cursor: ci.Cursor) -> str:
    policy = _lib.clang_getCursorPrintingPolicy(cursor)
    try:
        _lib.clang_PrintingPolicy_setProperty(policy, TERSE, 1)
        _lib.clang_PrintingPolicy_setProperty(policy, SUPPRESS_INITIALIZERS, 1)
        text = ci._CXString.from_result(_lib.clang_getCursorPrettyPrinted(cursor, policy))
    finally:
        _lib.clang_PrintingPolicy_dispose(policy)
    return re.sub(r"\s*\{\s*\}\s*$|;\s*$", "", str(text or "")).strip()


# -- comments ----------------------------------------------------------------------------------


def formatted(raw: str) -> str:
    """A comment's text without its markers (what ``RawComment::getFormattedText`` gives)."""
    out: list[str] = []
    for line in raw.splitlines():
        s = line.strip()
        s = re.sub(r"^(?:///?[/!<]?|/\*[*!]?<?)", "", s)
        s = re.sub(r"\*+/$", "", s)
        s = re.sub(r"^\*+(?!/)", "", s)
        out.append(s.strip())
    return "\n".join(out).strip()


def looks_like_doc(text: str) -> bool:
    return bool(text.strip(" \t\r\n/*-="))


class Source:
    """One file's text, line starts and clang's comment tokens."""

    def __init__(self, data: bytes, tokens: list[ci.Token]):
        self.data = data
        self.comments = [(t.extent.start.offset, t.extent.end.offset) for t in tokens
                         if t.kind == ci.TokenKind.COMMENT]  # fmt: skip

    def line_start(self, offset: int) -> int:
        return self.data.rfind(b"\n", 0, offset) + 1

    def only_space_before(self, offset: int) -> bool:
        return not self.data[self.line_start(offset) : offset].strip()

    def text(self, a: int, b: int) -> str:
        return self.data[a:b].decode("utf-8", "replace")

    def comment_above(self, offset: int) -> tuple[str, list[str]]:
        """Clang's rule for the comment before ``offset`` (merged with the ones right above it
        on consecutive lines), applied where clang applies none (a macro's ``#``); and the
        texts starting at each later comment of the run."""
        before = [c for c in self.comments if c[1] <= offset]
        if not before:
            return "", []
        start, end = before[-1]
        gap = self.data[end:offset]
        if re.search(rb"[;{}#@]", gap) or not self.only_space_before(start):
            return "", []
        starts = [start]
        i = len(before) - 1
        while i > 0:
            s0, e0 = before[i - 1]
            between = self.data[e0 : before[i][0]]
            if between.strip() or between.count(b"\n") > 1 or not self.only_space_before(s0):
                break
            starts.insert(0, s0)
            i -= 1
        alts = [formatted(self.text(x, end)) for x in starts[1:] if self.data[x : x + 2] == b"/*"]
        return formatted(self.text(starts[0], end)), alts

    def comment_trailing(self, end: int) -> str:
        """A comment after ``end`` on the same line (and the ones in its column below it)."""
        eol = self.data.find(b"\n", end)
        eol = len(self.data) if eol < 0 else eol
        after = [c for c in self.comments if end <= c[0] < eol]
        if not after or self.data[end : after[0][0]].strip(b" \t,;"):
            return ""
        return formatted(self.text(*after[0]))


def own_doc(cursor: ci.Cursor, src: Source, main: str) -> tuple[str, list[str]]:
    """Clang's comment of this declaration, if it is this declaration's own, and the texts
    that start at each later comment of a run clang merged (a banner above a doc comment)."""
    rng = _lib.clang_Cursor_getCommentRange(cursor)
    if rng.start.file is None or rng.start.file.name != main:
        return "", []
    a, b = rng.start.offset, rng.end.offset
    start = cursor.extent.start.offset
    eol = src.data.find(b"\n", cursor.extent.end.offset)
    eol = len(src.data) if eol < 0 else eol
    # clang's own test between the comment and the declaration is none of ;{}#@ — which
    # gives one comment to every enumerator of a list after it; here a comment belongs to
    # the first declaration after it (no comma between either)
    own = (b <= start and not re.search(rb"[;{}#@,]", src.data[b:start])) or (start <= a <= eol)
    if not own:
        return "", []
    text = formatted(src.text(a, b))
    if not looks_like_doc(text):
        return "", []
    # the blocks of the run: a /* */ comment each, consecutive // lines together
    blocks: list[int] = []
    previous_end, previous_line = -1, -2
    for s0, e0 in src.comments:
        if s0 < a or e0 > b:
            continue
        line = src.data.count(b"\n", 0, s0)
        block = src.data[s0 : s0 + 2] == b"/*"
        if (
            block
            or previous_end < 0
            or line != previous_line + 1
            or src.data[previous_end - 2 : previous_end] == b"*/"
        ):
            blocks.append(s0)
        previous_end, previous_line = e0, src.data.count(b"\n", 0, e0)
    alts = [formatted(src.text(x, b)) for x in blocks[1:]]
    return text, [t for t in alts if looks_like_doc(t)]


# -- signatures --------------------------------------------------------------------------------


def head_tokens(cursor: ci.Cursor, src: Source, tokens: list[ci.Token]) -> list[ci.Token]:
    """The declaration's tokens up to its body, initializer or initializer list."""
    kind = cursor.kind
    out: list[ci.Token] = []
    depth = 0
    angle = 0
    for _i, tok in enumerate(tokens):
        sp = tok.spelling
        if tok.kind == ci.TokenKind.COMMENT:
            continue
        if sp in ("(", "["):
            depth += 1
        elif sp in (")", "]"):
            depth -= 1
        elif sp == "<" and kind in TYPES:
            angle += 1
        elif sp == ">" and kind in TYPES and angle:
            angle -= 1
        if depth == 0:
            if sp == "{" and (
                kind in TYPES or kind in FUNCTIONS or kind in (K.VAR_DECL, K.FIELD_DECL)
            ):
                break
            if sp == "=" and kind in (K.VAR_DECL, K.FIELD_DECL):
                break
            if (
                sp == ":"
                and kind == K.CONSTRUCTOR
                and out
                and out[-1].spelling in (")", "noexcept", "override")
            ):
                break
            if sp == ";":
                break
        out.append(tok)
    # preprocessor lines inside the declaration
    kept = []
    for tok in out:
        if tok.spelling == "#" and src.only_space_before(tok.extent.start.offset):
            kept.append(None)
        kept.append(tok)
    result: list[ci.Token] = []
    skipping_line = -1
    for tok in kept:
        if tok is None:
            skipping_line = -2
            continue
        line = tok.location.line
        if skipping_line == -2:
            skipping_line = line
        if line == skipping_line:
            continue
        result.append(tok)
    return result


def spell(tok: ci.Token) -> str:
    """A token's text without the line continuations inside it."""
    return re.sub(r"\\\r?\n", "", tok.spelling)


def joined(tokens: list[Any]) -> str:
    return " ".join(t if isinstance(t, str) else spell(t) for t in tokens)


def without_deprecation(text: str) -> str:
    text = re.sub(r"\[\[\s*(?:\w+::)?deprecated[^\]]*\]\]", "", text)
    return re.sub(r"__attribute__\s*\(\(\s*(?:__)?deprecated(?:__)?[^)]*\)\s*\)", "", text)


class Macros:
    """Which macros carry only attributes, linkage or a calling convention."""

    def __init__(self, tu: ci.TranslationUnit):
        self.defs: dict[str, tuple[list[str], list[str], bool]] = {}
        for c in tu.cursor.get_children():
            if c.kind == K.MACRO_DEFINITION and not _lib.clang_Cursor_isMacroBuiltin(c):
                toks = [spell(t) for t in c.get_tokens() if t.kind != ci.TokenKind.COMMENT]
                params: list[str] = []
                body = toks[1:]
                function_like = bool(_lib.clang_Cursor_isMacroFunctionLike(c))
                if function_like and body and body[0] == "(":
                    close = body.index(")") if ")" in body else len(body) - 1
                    params = [p for p in body[1:close] if p != ","]
                    body = body[close + 1 :]
                self.defs[c.spelling] = (params, body, function_like)

    def transparent(self, body: list[str], depth: int = 0) -> list[str] | None:
        """``body`` without its attributes and attribute-only macros (``None``: it has more)."""
        out: list[str] = []
        i = 0
        while i < len(body):
            w = body[i]
            if (
                w in ("__declspec", "__attribute__", "__attribute")
                and i + 1 < len(body)
                and body[i + 1] == "("
            ):
                depth_ = 0
                while i < len(body):
                    depth_ += body[i] == "("
                    depth_ -= body[i] == ")"
                    i += 1
                    if depth_ == 0 and body[i - 1] == ")":
                        break
                continue
            if w == "[" and body[i + 1 : i + 2] == ["["] and "]" in body[i:]:  # [[nodiscard]]
                close = i + 2
                while close + 1 < len(body) and not (body[close] == "]" and body[close + 1] == "]"):
                    close += 1
                i = close + 2
                continue
            if w in TRANSPARENT_WORDS or w == '"C"':
                i += 1
                continue
            if w in self.defs and depth < 4 and not self.defs[w][2]:
                inner = self.transparent(self.defs[w][1], depth + 1)
                if inner == []:
                    i += 1
                    continue
            out.append(w)
            i += 1
        return out

    def expand(self, words: list[str]) -> list[str]:
        """``words`` with the attribute-only macros expanded: one that keeps nothing dropped, a
        function-like one that keeps one parameter replaced by its argument."""
        out: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            d = self.defs.get(w)
            if d is not None:
                params, body, function_like = d
                rest = self.transparent(body)
                if not function_like and rest == []:
                    i += 1
                    continue
                if (
                    function_like
                    and i + 1 < len(words)
                    and words[i + 1] == "("
                    and rest is not None
                ):
                    depth, j, args, cur = 0, i + 1, [], []
                    while j < len(words):
                        t = words[j]
                        depth += t == "("
                        depth -= t == ")"
                        if depth == 0:
                            break
                        if t == "," and depth == 1:
                            args.append(cur)
                            cur = []
                        elif not (t == "(" and depth == 1):
                            cur.append(t)
                        j += 1
                    args.append(cur)
                    if rest == []:
                        i = j + 1
                        continue
                    if len(rest) == 1 and rest[0] in params:
                        out += self.expand(
                            args[params.index(rest[0])] if params.index(rest[0]) < len(args) else []
                        )
                        i = j + 1
                        continue
                    if rest and all(r in params or r in "()," for r in rest) and "(" in rest:
                        mapping = dict(zip(params, args, strict=False))
                        for r in rest:
                            out += self.expand(mapping[r]) if r in mapping else [r]
                        i = j + 1
                        continue
            out.append(w)
            i += 1
        return out


# -- declarations ------------------------------------------------------------------------------


def in_main(cursor: ci.Cursor, main: str) -> bool:
    f = cursor.location.file
    return f is not None and f.name == main


def from_source(cursor: ci.Cursor, src: Source, expansions: list[tuple[int, int]]) -> bool:
    """Whether the declaration is written in the file: its name where clang says it is, and
    not inside a macro's expansion (``TEST(a, b)`` declares a class nobody wrote)."""
    off = cursor.location.offset
    if any(a <= off < b for a, b in expansions):
        return False
    name = re.sub(rb"\s+", b"", cursor.spelling.encode())
    written = re.sub(rb"\s+", b"", src.data[off : off + len(name) + 16])
    return written.startswith(name)


class Collector:
    def __init__(
        self, tu: ci.TranslationUnit, main: str, rel: str, src: Source, tokens: list[ci.Token]
    ):
        self.tu = tu
        self.main = main
        self.header = rel.endswith(HEADERS)
        self.src = src
        self.tokens = tokens
        self.starts = [t.extent.start.offset for t in tokens]
        self.macros = Macros(tu)
        self.symbols: list[dict[str, Any]] = []
        self.typedef_names: dict[int, str] = {}  # a record named by a typedef: hash → name
        self.definitions: dict[str, list[str]] = {}
        self.expansions = [
            (c.extent.start.offset, c.extent.end.offset)
            for c in tu.cursor.get_children()
            if c.kind == K.MACRO_INSTANTIATION and in_main(c, main)
        ]
        self.bodies = [
            (c.extent.start.offset, c.extent.end.offset)
            for c in tu.cursor.walk_preorder()
            if c.kind in FUNCTIONS and c.is_definition() and in_main(c, main)
        ]
        text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", src.data.decode("utf-8", "replace"), flags=re.S)
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+((\w+)(?:[^\n]*\\\n)*[^\n]*)", text, re.M):
            body = re.sub(r"\\\n", " ", m.group(1)).strip()
            self.definitions.setdefault(m.group(2), []).append("#define " + body)

    def tokens_in(self, a: int, b: int) -> list[ci.Token]:
        import bisect

        i = bisect.bisect_left(self.starts, a)
        j = bisect.bisect_left(self.starts, b)
        return self.tokens[i:j]

    def parent_of(self, cursor: ci.Cursor) -> str:
        p = cursor.semantic_parent
        while p is not None and p.kind in SCOPES | {K.TRANSLATION_UNIT}:
            return ""
        if p is None:
            return ""
        if p.kind in TYPES:
            return self.name_of(p)
        return ""

    def name_of(self, cursor: ci.Cursor) -> str:
        h = cursor.hash
        if h in self.typedef_names:
            return self.typedef_names[h]
        if (
            cursor.is_anonymous()
            or not cursor.spelling
            or "(unnamed" in cursor.spelling
            or "(anonymous" in cursor.spelling
        ):
            return ""
        return cursor.spelling

    def visibility(self, cursor: ci.Cursor, parent: str) -> str:
        if cursor.kind == K.ENUM_CONSTANT_DECL:
            return "public"
        access = cursor.access_specifier
        if parent and access in (
            ci.AccessSpecifier.PUBLIC,
            ci.AccessSpecifier.PROTECTED,
            ci.AccessSpecifier.PRIVATE,
        ):
            return access.name.lower()
        if parent:
            return "public"
        if self.header:
            return "public"
        if cursor.kind in FUNCTIONS or cursor.kind == K.VAR_DECL:
            return "public" if cursor.linkage == ci.LinkageKind.EXTERNAL else "private"
        return "private"

    def add(
        self,
        cursor: ci.Cursor,
        name: str,
        kind: str,
        parent: str,
        forms: list[str],
        doc: tuple[str, list[str]],
        *,
        recall: bool = True,
        named_by_typedef: bool = False,
    ) -> None:
        self.symbols.append({
            "name": name, "parent": parent, "kind": kind, "line": cursor.location.line,
            "visibility": self.visibility(cursor, parent), "signature": forms, "doc": doc[0],
            "doc_alts": doc[1],
            "recall": recall
            and (named_by_typedef or from_source(cursor, self.src, self.expansions)),
        })  # fmt: skip

    def forms(self, cursor: ci.Cursor, head: list[ci.Token]) -> list[str]:
        words = [spell(t) for t in head]
        written = joined(words)
        expanded = joined(self.macros.expand(words))
        out = [written, expanded, without_deprecation(written), without_deprecation(expanded)]
        if cursor.kind not in (K.MACRO_DEFINITION,):
            printed = pretty(cursor)
            if printed:
                out.append(printed)
        return list(dict.fromkeys(out))

    def walk(self, cursor: ci.Cursor) -> None:
        children = list(cursor.get_children())
        # `typedef struct [x] {…} T;`: the record is named T (its tag, if any, an alias)
        for c in children:
            if c.kind == K.TYPEDEF_DECL and in_main(c, self.main):
                under = c.underlying_typedef_type.get_declaration()
                if under.kind in TYPES and under.is_definition() and in_main(under, self.main):
                    inside = (
                        c.extent.start.offset <= under.extent.start.offset <= c.extent.end.offset
                    )
                    if inside or not self.name_of(under):
                        self.typedef_names.setdefault(under.hash, c.spelling)
        for c in children:
            if not in_main(c, self.main):
                continue
            k = c.kind
            if k in SCOPES:
                self.walk(c)
            elif k in TYPES:
                self.record(c)
            elif k in FUNCTIONS:
                self.function(c)
            elif k in (K.VAR_DECL, K.FIELD_DECL):
                self.variable(c)
            elif k in TYPEDEFS:
                self.typedef(c)
            elif k == K.MACRO_DEFINITION:
                self.macro(c)

    def record(self, c: ci.Cursor) -> None:
        if not c.is_definition():
            return
        parent = self.parent_of(c)
        name = self.name_of(c)
        kind = TYPES[c.kind]
        if c.kind in (K.CLASS_TEMPLATE, K.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION):
            kind = (
                "struct"
                if any(t.spelling == "struct" for t in list(c.get_tokens())[:60])
                else "class"
            )
        doc = own_doc(c, self.src, self.main)
        if name:
            head = head_tokens(
                c, self.src, self.tokens_in(c.extent.start.offset, c.extent.end.offset)
            )
            forms = self.forms(c, head)
            words = [t.spelling for t in head]
            at = next(
                (i for i, w in enumerate(words) if w in ("struct", "union", "enum", "class")), -1
            )
            tag = ""
            if 0 <= at < len(words) - 1 and re.fullmatch(r"[A-Za-z_]\w*", words[at + 1]):
                tag = words[at + 1]
            if c.hash in self.typedef_names:
                forms += [f"typedef {kind} {tag} {name}".replace("  ", " "), f"{kind} {name}"]
                if tag and tag != name:
                    self.add(c, tag, kind, parent, forms, doc, recall=False)
                self.add(c, name, kind, parent, forms, doc, named_by_typedef=True)
            else:
                self.add(c, name, kind, parent, forms, doc)
        if c.kind == K.ENUM_DECL:
            owner = name
            for e in c.get_children():
                if e.kind == K.ENUM_CONSTANT_DECL and in_main(e, self.main):
                    toks = [t for t in self.tokens_in(e.extent.start.offset, e.extent.end.offset)
                            if t.kind != ci.TokenKind.COMMENT]  # fmt: skip
                    forms = [joined(toks), e.spelling]
                    edoc = own_doc(e, self.src, self.main)
                    self.add(e, e.spelling, "const", owner if name else parent, forms, edoc)
            return
        if name:
            self.walk_members(c)
        else:
            # an anonymous struct/union inside a record: its members are the record's
            self.walk_members(c)

    def walk_members(self, c: ci.Cursor) -> None:
        self.walk(c)

    def function(self, c: ci.Cursor) -> None:
        if (
            c.kind == K.FUNCTION_TEMPLATE
            and c.semantic_parent is not None
            and c.semantic_parent.kind in TYPES
        ):
            kind = "method"
        else:
            kind = "function" if c.kind in (K.FUNCTION_DECL, K.FUNCTION_TEMPLATE) else "method"
        parent = self.parent_of(c)
        if parent:
            kind = "method"
        toks = self.tokens_in(c.extent.start.offset, c.extent.end.offset)
        head = head_tokens(c, self.src, toks)
        name = c.spelling
        if c.kind == K.FUNCTION_TEMPLATE or c.kind in FUNCTIONS:
            name = re.sub(r"<.*>$", "", name) if not name.startswith("operator") else name
        self.add(c, name, kind, parent, self.forms(c, head), own_doc(c, self.src, self.main))

    def variable(self, c: ci.Cursor) -> None:
        parent = self.parent_of(c)
        kind = "field" if c.kind == K.FIELD_DECL or parent else "variable"
        toks = self.tokens_in(c.extent.start.offset, c.extent.end.offset)
        head = head_tokens(c, self.src, toks)
        forms = self.forms(c, head)
        printed = pretty(c)
        if "=" in printed:  # clang prints the initializer too
            forms.append(printed.split("=")[0].strip())
        words = [spell(t) for t in head]
        depth, commas = 0, []
        for i, w in enumerate(words):
            depth += w in "([{"
            depth -= w in ")]}"
            if w == "," and depth == 0:
                commas.append(i)
        if commas:  # `int a, *b;`: b is the type before a's declarator and its own declarator
            first = words[: commas[0]]
            if "=" in first:
                first = first[: first.index("=")]
            while first and first[-1] == "]":
                first = first[: len(first) - first[::-1].index("[") - 1]
            first = first[:-1]  # the first declarator's name
            while first and first[-1] in ("*", "&", "&&", "const"):
                first = first[:-1]
            forms.append(joined(first + words[commas[-1] + 1 :]))
        self.add(c, c.spelling, kind, parent, forms, own_doc(c, self.src, self.main))

    def typedef(self, c: ci.Cursor) -> None:
        under = c.underlying_typedef_type.get_declaration() if c.kind == K.TYPEDEF_DECL else None
        if (
            under is not None
            and under.hash in self.typedef_names
            and self.typedef_names[under.hash] == c.spelling
        ):
            return  # the record it names is listed under this name
        parent = self.parent_of(c)
        toks = self.tokens_in(c.extent.start.offset, c.extent.end.offset)
        head = [t for t in toks if t.kind != ci.TokenKind.COMMENT]
        self.add(
            c,
            c.spelling,
            "type",
            parent,
            self.forms(c, head_tokens(c, self.src, head) if c.kind != K.TYPEDEF_DECL else head),
            own_doc(c, self.src, self.main),
        )

    def macro(self, c: ci.Cursor) -> None:
        if _lib.clang_Cursor_isMacroBuiltin(c):
            return
        toks = [t for t in self.tokens_in(c.extent.start.offset, c.extent.end.offset)
                if t.kind != ci.TokenKind.COMMENT]  # fmt: skip
        function_like = bool(_lib.clang_Cursor_isMacroFunctionLike(c))
        words = [spell(t) for t in toks]
        body = words[1:]
        if function_like and ")" in body:
            body = body[body.index(")") + 1 :]
        # `#define X` with no value (a guard, a flag) is no API the extractor lists, nor is a
        # macro defined inside a function's body
        at = c.extent.start.offset
        recall = bool(body) and not any(a < at < b for a, b in self.bodies)
        hash_at = self.src.data.rfind(b"#", 0, c.extent.start.offset)
        doc, alts = self.src.comment_above(hash_at)
        doc = doc or self.src.comment_trailing(c.extent.end.offset)
        doc = doc if looks_like_doc(doc) else ""
        alts = [a for a in alts if looks_like_doc(a)]
        written = "#define " + joined(words)
        # a function-like macro's parameters are written without a space before them
        if function_like and len(words) > 1:
            close = words.index(")") if ")" in words else 1
            written2 = (
                "#define "
                + words[0]
                + "".join(words[1 : close + 1])
                + " "
                + joined(words[close + 1 :])
            )
        else:
            written2 = written
        # a macro defined in another branch too (`#ifdef _WIN32 … #else …`): any definition
        others = [re.sub(r"\s+", " ", d) for d in self.definitions.get(c.spelling, [])]
        self.symbols.append({
            "name": c.spelling, "parent": "", "kind": "macro" if function_like else "const",
            "line": c.location.line, "visibility": "public" if self.header else "private",
            "signature": list(dict.fromkeys([written, written2, *others])), "doc": doc,
            "doc_alts": alts, "recall": recall,
        })  # fmt: skip


def skipped_identifiers(tu: ci.TranslationUnit, path: str) -> set[str]:
    f = ci.File.from_name(tu, path)
    ranges = _lib.clang_getSkippedRanges(tu, f)
    names: set[str] = set()
    try:
        for i in range(ranges.contents.count):
            r = ranges.contents.ranges[i]
            for t in tu.get_tokens(extent=r):
                if t.kind in (ci.TokenKind.IDENTIFIER, ci.TokenKind.KEYWORD):
                    names.add(t.spelling)
    finally:
        _lib.clang_disposeSourceRangeList(ranges)
    return names


#: A header the C audit reads that is C++ (a class, a namespace, a template).
CPP_HINT = re.compile(rb"^\s*(?:class\s+\w+[^;]*$|namespace\b|template\s*<)", re.M)
INCLUDE_LINE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)


def one(job: tuple[str, str, bool, list[str], str]) -> tuple[str, dict[str, Any]]:
    root, rel, sampled, args, language = job
    path = os.path.join(root, rel)
    entry: dict[str, Any] = {"edges": {}, "unknown": [], "idents": [], "symbols": []}
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        index = ci.Index.create()
        opts = ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
        if not sampled:
            opts |= ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
        if language == "c" and rel.endswith(HEADERS) and CPP_HINT.search(data):
            args = [
                ("c++" if a == "c" else "-std=gnu++20" if a == "-std=gnu11" else a) for a in args
            ]
        tu = index.parse(path, args=args, options=opts)
        main = tu.spelling
        tokens = list(tu.get_tokens(extent=tu.cursor.extent))
        tokens = [t for t in tokens if t.location.file is not None and t.location.file.name == main]
        src = Source(data, tokens)
        entry["idents"] = sorted({t.spelling for t in tokens if t.kind == ci.TokenKind.IDENTIFIER})
        seen_lines: set[int] = set()
        for c in tu.cursor.get_children():
            if c.kind == K.INCLUSION_DIRECTIVE and in_main(c, main):
                seen_lines.add(c.location.line)
                try:
                    target = c.get_included_file()
                except AssertionError:  # the binding's way of saying "not found"
                    target = None
                name = c.spelling
                if target is None:
                    entry["unknown"].append(name)
                    continue
                full = os.path.realpath(target.name)
                rroot = os.path.realpath(root)
                if full.startswith(rroot + os.sep):
                    entry["edges"].setdefault(os.path.relpath(full, rroot), [])
        text = data.decode("utf-8", "replace")
        for m in INCLUDE_LINE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            if line not in seen_lines:  # a branch the preprocessor skipped
                entry["unknown"].append(m.group(2))
        entry["inactive"] = sorted(skipped_identifiers(tu, main))
        if sampled:
            col = Collector(tu, main, rel, src, tokens)
            col.walk(tu.cursor)
            entry["symbols"] = col.symbols
        errors = [str(d) for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        entry["diagnostics"] = len(errors)
    except Exception as exc:
        entry["error"] = repr(exc)[:300]
    return rel, entry


def main() -> None:
    req = json.load(sys.stdin)
    root, language = req["root"], req["language"]
    sample = set(req["sample"])
    base = ["-fsyntax-only", "-fparse-all-comments", "-ferror-limit=0", "-Wno-everything"]
    if language == "c":
        base += ["-x", "c", "-std=gnu11"]
    else:
        base += ["-x", "c++", "-std=gnu++20"]
    base += ["-isystem", GCC_INCLUDE]
    incs = [f"-I{os.path.join(root, d)}" if d else f"-I{root}" for d in req["include_dirs"]]
    jobs = []
    for rel in req["files"]:
        args = base + incs
        if rel not in sample:  # the other files only for their includes: no system headers
            args = [*args, "-nostdinc", "-nostdinc++"]
        jobs.append((root, rel, rel in sample, args, language))
    out: dict[str, Any] = {}
    with ProcessPoolExecutor(max_workers=int(req.get("jobs", 2))) as pool:
        for rel, entry in pool.map(one, jobs, chunksize=4):
            out[rel] = entry
    json.dump({"version": version(), "files": out}, sys.stdout)


if __name__ == "__main__":
    main()
