"""Independent counts to check the extractors against: public top-level declarations and the
imports that name repo files, found from the source without the reactor's extractors.

The count uses the same parsers (``ast``, the tree-sitter grammar wheels) but its own, plainer
rules: it walks the top of each file for the declaration nodes of each language and applies the
language's visibility rule, so an extractor that drops or hides a public name shows up as a
miss. Only C and C++ are first passed through :func:`reactor.facts.c.uncover` (what the
preprocessor would do with an export macro), since tree-sitter does not expand macros and the
raw parse of ``ZEXTERN int ZEXPORT deflate OF((…))`` names no function at all; and a C file the
C grammar cannot read (an ``#ifdef`` between ``if`` and ``else``) is read with the C++ one, as
the extractor does, else function bodies would count as declarations.
"""

from __future__ import annotations

import ast
import importlib
import posixpath
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import tree_sitter as ts

from reactor.facts.c import HEADER_SUFFIXES, _unparsed, uncover
from reactor.facts.walker import GRAMMARS, parser


def public_names(rel: str, language: str, data: bytes) -> set[str]:
    """The names a file declares at its top level for other files to use (for the languages
    of :data:`DEFINITIONS_ONLY`: every definition, at any depth, of any visibility)."""
    if language == "python":
        return _python(data)
    if language in DEFINITIONS_ONLY:
        return definitions(language, data)
    if language not in GRAMMARS:
        return set()  # components and scripts the reactor reads through another grammar
    if language in ("c", "cpp"):
        data = uncover(data)
    root = parser(language).parse(data).root_node
    if language == "c" and root.has_error:  # the way the compiler reads it, not a misparse
        second = parser("cpp").parse(data).root_node
        root = second if _unparsed("cpp", second) < _unparsed("c", root) else root
    text = lambda n: data[n.start_byte : n.end_byte].decode("utf-8", "replace")  # noqa: E731
    if language in ("javascript", "typescript", "tsx"):
        return _js(root, text)
    if language == "go":
        return _go(root, text)
    if language == "rust":
        return _rust(root, text)
    if language == "java":
        return _java(root, text)
    return _c(root, text, header=rel.endswith(HEADER_SUFFIXES))


#: Languages audited by their definitions alone: the names the grammar's own ``tags.scm`` (the
#: queries GitHub's code navigation runs) tags as definitions, or, where a wheel ships none, the
#: name of every type and function declaration node. Visibility is not judged for them.
DEFINITIONS_ONLY = ("ruby", "php", "kotlin", "csharp", "swift", "scala", "bash", "lua")
_DECLARATIONS = {
    "kotlin": ("class_declaration", "object_declaration", "function_declaration"),
    "csharp": (
        "class_declaration",
        "struct_declaration",
        "interface_declaration",
        "enum_declaration",
        "record_declaration",
        "method_declaration",
    ),
    "bash": ("function_definition",),
}


def definitions(language: str, data: bytes) -> set[str]:
    """Definition names, by ``tags.scm`` or declaration nodes (last ``.``/``:`` part only)."""
    root = parser(language).parse(data).root_node
    text = lambda n: data[n.start_byte : n.end_byte].decode("utf-8", "replace")  # noqa: E731
    names: set[str] = set()
    query = _tags(language)
    if query is not None:
        for _, captures in ts.QueryCursor(query).matches(root):
            kinds = [c for c in captures if c.startswith("definition.")]
            if not kinds or (language in ("php", "scala") and kinds == ["definition.module"]):
                continue  # (a PHP namespace, a Scala package clause: not symbols)
            if any(_local(n) for kind in kinds for n in captures[kind]):
                continue  # a definition inside a function body: not the file's API
            names.update(text(n) for n in captures.get("name", []))
    else:
        for kind in _DECLARATIONS[language]:
            for node in (
                ts.QueryCursor(ts.Query(parser(language).language, f"({kind}) @n"))
                .captures(root)
                .get("n", [])
            ):
                name = node.child_by_field_name("name")
                if name is None:
                    name = next((c for c in node.named_children if c.type == "identifier"), None)
                if name is not None:
                    names.add(text(name))
    return {short_name(n) for n in names if n}


_FUNCTION_WORDS = (
    "function",
    "method",
    "lambda",
    "closure",
    "init_declaration",
    "block",
    "computed_property",  # Swift: a computed property's body, and a subscript's parameters
    "subscript",
)


def _local(node: ts.Node) -> bool:
    """Whether ``node`` sits inside a function, method, closure or block body."""
    parent = node.parent
    while parent is not None:
        if any(word in parent.type for word in _FUNCTION_WORDS) and parent.type != "body_statement":
            return True
        parent = parent.parent
    return False


def short_name(name: str) -> str:
    """``M.add`` and ``M:m`` as ``add`` and ``m``: how tags and the extractors may differ."""
    return re.split(r"[.:]", name)[-1].lstrip("$")


def _tags(language: str) -> ts.Query | None:
    module = importlib.import_module(GRAMMARS[language][0])
    path = Path(module.__file__).parent / "queries" / "tags.scm"  # type: ignore[arg-type]
    if not path.is_file():
        return None
    return ts.Query(parser(language).language, path.read_text())


def _python(data: bytes) -> set[str]:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    declared: list[ast.stmt] = []
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.If, ast.Try)):
            stack += node.body + node.orelse + getattr(node, "finalbody", [])
            for handler in getattr(node, "handlers", []):
                stack += handler.body
        else:
            declared.append(node)
    exported: set[str] | None = None
    for node in declared:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
                    if target.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                        exported = {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    names.discard("__all__")
    if exported is not None:
        return names & exported
    return {n for n in names if not n.startswith("_")}


def _js(root: ts.Node, text: object) -> set[str]:
    t = text  # (node) -> str
    names: set[str] = set()
    for node in _through(root, ("ambient_declaration",)):
        if node.type != "export_statement":
            continue
        if node.child_by_field_name("source") is not None:
            continue  # a re-export names another file's declarations
        for child in node.named_children:
            if child.type == "export_clause":
                for spec in child.named_children:
                    names.add(t(spec.child_by_field_name("name")))  # type: ignore[operator]
            elif child.type in ("lexical_declaration", "variable_declaration"):
                for declarator in child.named_children:
                    if declarator.type == "variable_declarator":
                        names.add(t(declarator.child_by_field_name("name")))  # type: ignore[operator]
            elif child.child_by_field_name("name") is not None:
                names.add(t(child.child_by_field_name("name")))  # type: ignore[operator]
            elif child.type in ("function_expression", "class", "arrow_function"):
                names.add("default")
    for node in root.named_children:  # CommonJS: exports.f = …, module.exports.f = …
        assignment = node.named_children[0] if node.type == "expression_statement" else None
        if assignment is None or assignment.type != "assignment_expression":
            continue
        left = t(assignment.child_by_field_name("left"))  # type: ignore[operator]
        for prefix in ("module.exports.", "exports."):
            if left.startswith(prefix) and left[len(prefix) :].isidentifier():
                names.add(left[len(prefix) :])
    return {n.strip("'\"") for n in names if n}


def _go(root: ts.Node, text: object) -> set[str]:
    t = text
    names: set[str] = set()
    for node in root.named_children:
        if node.type == "function_declaration":
            names.add(t(node.child_by_field_name("name")))  # type: ignore[operator]
        elif node.type in ("type_declaration", "const_declaration", "var_declaration"):
            for spec in _descend(node, ("type_spec", "type_alias", "const_spec", "var_spec")):
                for name in spec.children_by_field_name("name"):
                    names.add(t(name))  # type: ignore[operator]
    return {n for n in names if n[:1].isupper()}


def _rust(root: ts.Node, text: object) -> set[str]:
    t = text
    kinds = (
        "function_item",
        "struct_item",
        "enum_item",
        "union_item",
        "trait_item",
        "type_item",
        "const_item",
        "static_item",
        "mod_item",
        "function_signature_item",
    )
    names = set()
    for node in root.named_children:
        if node.type not in kinds:
            continue
        vis = next((c for c in node.named_children if c.type == "visibility_modifier"), None)
        if vis is not None and t(vis) == "pub":  # type: ignore[operator]
            names.add(t(node.child_by_field_name("name")))  # type: ignore[operator]
    return names


def _java(root: ts.Node, text: object) -> set[str]:
    t = text
    names = set()
    for node in root.named_children:
        if node.type.endswith("_declaration") and node.type not in (
            "package_declaration",
            "import_declaration",
        ):
            modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
            if modifiers is not None and "public" in t(modifiers).split():  # type: ignore[operator]
                names.add(t(node.child_by_field_name("name")))  # type: ignore[operator]
    return names


def _c(root: ts.Node, text: object, *, header: bool) -> set[str]:
    t = text
    names: set[str] = set()
    scopes = (
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "linkage_specification",
    )
    for node in _through(root, (*scopes, "declaration_list", "namespace_definition")):
        storage = [t(c) for c in node.named_children if c.type == "storage_class_specifier"]  # type: ignore[operator]
        if node.type in ("function_definition", "declaration"):
            if "static" in storage and not header:
                continue
            for declarator in node.children_by_field_name("declarator"):
                if "::" in t(declarator).split("(")[0].split("=")[0]:  # type: ignore[operator]
                    continue  # `void Widget::draw() {…}`: a member defined out of its class
                name = _declared_name(declarator, t)
                # a function, or a variable: a header's extern one is its API, a .c file's
                # extern one is another file's
                if name and (_is_function(declarator) or header or "extern" not in storage):
                    names.add(name)
        elif node.type == "type_definition" and header:  # (types have no linkage)
            for declarator in node.children_by_field_name("declarator"):
                names.add(_declared_name(declarator, t))
        elif header and node.type in (
            "struct_specifier",
            "union_specifier",
            "enum_specifier",
            "class_specifier",
        ):
            if node.child_by_field_name("body") is not None and node.child_by_field_name("name"):
                names.add(t(node.child_by_field_name("name")))  # type: ignore[operator]
        elif header and (
            node.type == "preproc_function_def"
            or (node.type == "preproc_def" and node.child_by_field_name("value") is not None)
        ):  # (a valueless #define is a guard or a build flag, not an API)
            names.add(t(node.child_by_field_name("name")))  # type: ignore[operator]
    names.discard("")
    return names


def _is_function(declarator: ts.Node) -> bool:
    return any(
        n.type == "function_declarator" for n in _descend(declarator, ("function_declarator",))
    )


def _declared_name(declarator: ts.Node, t: object) -> str:
    """The identifier a declarator declares, through pointers, arrays, functions and parens."""
    node: ts.Node | None = declarator
    while node is not None:
        if node.type in ("identifier", "type_identifier", "field_identifier", "operator_name"):
            return t(node)  # type: ignore[operator,no-any-return]
        if node.type in ("qualified_identifier", "destructor_name"):
            return t(node).split("::")[-1]  # type: ignore[operator,no-any-return]
        inner = node.child_by_field_name("declarator")
        if inner is None:
            inner = next(
                (
                    c
                    for c in node.named_children
                    if "declarator" in c.type or "identifier" in c.type
                ),
                None,
            )
        node = inner
    return ""


def _through(root: ts.Node, scopes: tuple[str, ...]) -> Iterator[ts.Node]:
    """Top-level nodes, looking into the scope kinds given (and ERROR nodes)."""
    stack = list(reversed(root.named_children))
    while stack:
        node = stack.pop()
        if node.type in scopes or node.type == "ERROR":
            body = node.child_by_field_name("body")
            stack.extend(reversed((body or node).named_children))
            continue
        yield node


def _descend(node: ts.Node, kinds: tuple[str, ...]) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in kinds:
            yield current
        stack.extend(current.named_children)


_NOT_CODE = frozenset({".json", ".css", ".scss", ".svg", ".png", ".html", ".md", ".wasm"})


# -- which imports name repo files --------------------------------------------------------
class InRepo:
    """Decides, from the repo's file list and manifests alone, whether an import as written
    names a file of the repo (the denominator of "in-repo imports resolved")."""

    def __init__(self, root: Path, paths: list[str]):
        self.paths = set(paths)
        self.basenames = {posixpath.basename(rel) for rel in paths}
        self.go_modules = [
            m.group(1)
            for gomod in root.rglob("go.mod")
            if (m := re.search(r"^module\s+(\S+)", gomod.read_text(errors="replace"), re.M))
        ]
        self.crates = set()
        for cargo in root.rglob("Cargo.toml"):
            try:
                manifest = tomllib.loads(cargo.read_text(errors="replace"))
            except tomllib.TOMLDecodeError:
                continue
            name = manifest.get("lib", {}).get("name") or manifest.get("package", {}).get("name")
            if isinstance(name, str):
                self.crates.add(name.replace("-", "_"))
        self.npm = set()
        for package in root.rglob("package.json"):
            if "node_modules" in package.parts:
                continue
            found = re.search(r'"name"\s*:\s*"([^"]+)"', package.read_text(errors="replace"))
            if found:
                self.npm.add(found.group(1))
        #: Java files and folders by their path below any source root (``com/x/A.java``).
        self.java_files = {
            "/".join(rel.split("/")[i:])
            for rel in paths
            if rel.endswith(".java")
            for i in range(len(rel.split("/")))
        }
        self.java_dirs = {f.rpartition("/")[0] for f in self.java_files}
        #: Packages and namespaces the repo's Kotlin, Scala and C# files declare.
        self.packages: set[str] = set()
        for rel in paths:
            if rel.endswith((".kt", ".kts", ".scala", ".cs")):
                text = (root / rel).read_text(errors="replace")
                found = re.findall(r"^\s*(?:package|namespace)\s+([\w.]+)", text, re.M)
                if found:  # Scala's chained `package a` / `package b` make one package
                    self.packages.add(".".join(found) if rel.endswith(".scala") else found[0])
        self.swift_targets = {
            name
            for package in root.rglob("Package.swift")
            for name in re.findall(
                r"\.(?:target|testTarget|executableTarget)\(\s*name:\s*\"([^\"]+)\"",
                package.read_text(errors="replace"),
            )
        }
        #: Top-level Python packages and modules: at the root, or below a src/ or lib/ folder.
        self.py_tops = set()
        for rel in paths:
            parts = rel.removesuffix(".py").split("/")
            if rel.endswith(".py"):
                self.py_tops.add(
                    parts[1] if parts[0] in ("src", "lib") and len(parts) > 1 else parts[0]
                )

    def names_repo_file(self, rel: str, language: str, spec: str) -> bool:
        if language == "python":
            return spec.startswith(".") or spec.split(".")[0] in self.py_tops
        if language in ("javascript", "typescript", "tsx"):
            if posixpath.splitext(spec)[1] in _NOT_CODE:
                return False  # a stylesheet, a manifest: not a source file
            if spec.startswith("."):
                return True
            parts = spec.split("/")
            package = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
            return package in self.npm
        if language == "go":
            return any(spec == m or spec.startswith(m + "/") for m in self.go_modules)
        if language == "rust":
            if spec.startswith("mod "):
                return True  # a module file of this crate
            head = spec.removeprefix("use ").lstrip(":").split("::")[0].strip("{ ")
            return head in ("crate", "super", "self") or head in self.crates
        if language == "java":  # a file of the repo declares the type: …/a/b/C.java
            parts = spec.removeprefix("static ").split(".")
            if parts[-1] == "*":
                return "/".join(parts[:-1]) in self.java_dirs or any(
                    "/".join(parts[:i]) + ".java" in self.java_files for i in range(1, len(parts))
                )
            return any(
                "/".join(parts[:i]) + ".java" in self.java_files for i in range(1, len(parts) + 1)
            )
        if language == "ruby":
            return spec.startswith(".") or any(p.endswith(f"lib/{spec}.rb") for p in self.paths)
        if language == "php":
            if "/" in spec or spec.endswith(".php"):
                return posixpath.basename(spec) in self.basenames
            tail = "/".join(spec.split("\\")[-2:]) + ".php"
            return any(p.endswith("/" + tail) or p == tail for p in self.paths)
        if language in ("kotlin", "scala"):
            package = spec.removesuffix(".*").rsplit(".", 1)[0]
            return package in self.packages or spec.removesuffix(".*") in self.packages
        if language == "csharp":
            return spec in self.packages
        if language == "swift":
            return spec in self.swift_targets
        if language == "bash":
            return "$" not in spec and posixpath.basename(spec) in self.basenames
        if language == "lua":
            base = spec.replace(".", "/")
            return any(p.endswith((f"{base}.lua", f"{base}/init.lua")) for p in self.paths)
        if language in ("c", "cpp"):
            name = spec.strip()
            if not name.startswith('"'):
                return False  # <x.h>: a system header unless a build names the directory
            name = name.strip('"')
            beside = posixpath.normpath(posixpath.join(posixpath.dirname(rel), name))
            return beside in self.paths or posixpath.basename(name) in self.basenames
        return False
