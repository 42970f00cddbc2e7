"""C#: facts from tree-sitter, type names resolved through the namespaces in scope.

Facts: the namespace (block or file-scoped), classes, structs, interfaces, records, enums and
delegates (nested ones under their outer type, those inside ``#if`` blocks too; a partial class
listed in each file that holds a part) with their methods, constructors, destructors, operators
(``operator +``, ``implicit operator T``), indexers, properties, fields, constants, events and
enum members; the ``<summary>`` of each ``///`` XML doc comment (a plain ``//`` note is no doc),
references (``<see cref="X"/>``) kept as their names. Signatures up to the body, accessors or
``=>``, without attributes, comments or ``#if`` lines; ``[Obsolete]`` kept as a mark. Visibility
as C# has it: ``public``, ``protected``, ``internal`` (a top-level type without a modifier),
``private`` (a member without one); an interface's members are public.

Resolution: a type name means a type of the same name *and arity* (``Box`` and ``Box<T>`` are two
types) in a namespace in scope: the file's own (and those enclosing it), the global namespace,
its ``using``\\s (an alias names its type, ``using static`` its class) and its project's global
usings (``global using`` in a file beside the ``.csproj``, ``<Using Include="…"/>`` in it).
Each file provides ``cs:<namespace>|<arity>`` for the types it declares (``|<.csproj path>``
added for each project that compiles it, its folder's nearest and any whose ``<Compile
Include>`` names it: a name resolves only within the file's projects and the projects they
reference, ``<ProjectReference>`` transitively, and to files of no project); a file looks up,
per namespace in scope and arity, the type names its code uses (types, ``new``,
``Name.Member`` receivers, attributes, ``typeof``; never a comment, a string, a member or a
declared name), so its neighbours are the files declaring those names — a partial class's
other part only for a name it declares that this one does not.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import tree_sitter as ts

from . import TYPE_KINDS, Facts, Project, Symbol, Visibility, glob_match, nearest, one_line
from .comments import Comments, scan, triple_slash
from .walker import Walker, file_doc, named

_TYPES = {
    "class_declaration": "class",
    "struct_declaration": "struct",
    "interface_declaration": "interface",
    "record_declaration": "record",
    "record_struct_declaration": "record",
    "enum_declaration": "enum",
}
_MEMBERS = {
    "method_declaration": "method",
    "constructor_declaration": "method",
    "destructor_declaration": "method",
    "property_declaration": "field",
    "event_declaration": "field",
    "indexer_declaration": "method",
    "operator_declaration": "method",
    "conversion_operator_declaration": "method",
}
_FIELDS = ("field_declaration", "event_field_declaration")
_NAMESPACES = ("namespace_declaration", "file_scoped_namespace_declaration")
#: What a member's declaration ends at: its body, accessors or expression body.
_BODIES = (
    "constructor_initializer",
    "block",
    "declaration_list",
    "accessor_list",
    "arrow_expression_clause",
    "enum_member_declaration_list",
)
#: Names used everywhere and declared in no repo file.
_BUILTINS = frozenset(
    "String Object Int32 Int64 Boolean Double Decimal Exception Task List Dictionary IEnumerable "
    "Func Action Type Console Math DateTime TimeSpan Guid Array Enumerable Nullable".split()
)
#: The identifiers a file's code names (``@use``), those it declares or that name a member
#: (``@skip``: every ``name:`` field), generic names (their arity counts), attributes and type
#: parameters.
_USES = (
    "(identifier) @use (_ name: (identifier) @skip) (generic_name) @generic"
    " (attribute name: (identifier) @attribute) (type_parameter name: (identifier) @parameter)"
)
#: A preprocessor line (``#if FEATURE``): its names are symbols, not types.
_DIRECTIVE = re.compile(rb"^[ \t]*#[^\n]*", re.MULTILINE)
_GLOBAL_USING = re.compile(r"^\s*global\s+using\s+(?!static\b)([\w.]+)\s*;", re.MULTILINE)
_USING_ITEM = re.compile(r"<Using\s+(Include|Remove)=\"([\w.]+)\"\s*/?>")


def extract(rel: str, language: str, data: bytes) -> Facts:
    w = Walker(language, data)
    root = w.parse()
    found = scan(w, root, _USES)
    notes = Comments(w, found.get("comment", []), is_doc=triple_slash)
    w.facts.doc = file_doc(w, root, touching=("using_directive", *_NAMESPACES))
    namespaces: list[str] = []
    scopes: dict[str, list[str]] = {}  # spec -> the names it brings in (none: a namespace)
    _declarations(w, notes, root, namespace="", owner="", namespaces=namespaces, scopes=scopes)
    w.facts.package = namespaces[0] if namespaces else ""
    _references(w, found, namespaces, scopes)
    return w.facts


def _references(
    w: Walker, found: dict[str, list[ts.Node]], namespaces: list[str], scopes: dict[str, list[str]]
) -> None:
    """``<namespace>|<arity>`` references for the type names the code uses, per namespace in
    scope (``*|<arity>``: the project's global usings, known when resolving)."""
    data = w.data
    skip = {n.start_byte for n in found.get("skip", [])}
    directives = [m.span() for m in _DIRECTIVE.finditer(data)] if b"#" in data else []
    starts = [start for start, _ in directives]
    uses: dict[int, set[str]] = defaultdict(set)
    for generic in found.get("generic", []):
        first = generic.named_children[0] if generic.named_child_count else None
        arguments = generic.named_children[-1] if generic.named_child_count > 1 else None
        if first is not None and arguments is not None:
            skip.add(first.start_byte)
            commas = sum(1 for c in arguments.children if c.type == ",")
            uses[commas + 1].add(w.text(first))
    for node in found.get("use", []):
        at = node.start_byte
        if 65 <= data[at] <= 90 and at not in skip:
            i = bisect.bisect(starts, at) - 1
            if i < 0 or directives[i][1] < at:  # (`#if FEATURE` names no type)
                uses[0].add(w.text(node))
    for node in found.get("attribute", []):
        uses[0].update((w.text(node), w.text(node) + "Attribute"))
    members = {s.name for s in w.facts.symbols if s.parent and s.kind not in TYPE_KINDS}
    types = {s.name for s in w.facts.symbols if s.kind in TYPE_KINDS}
    spelled = {part for name in [*w.facts.imports, *namespaces] for part in name.split(".")}
    parameters = {w.text(n) for n in found.get("parameter", [])}
    unwanted = _BUILTINS | members | types | spelled | parameters  # (its own: below)
    enclosing = {
        ".".join(ns.split(".")[:i]) for ns in namespaces for i in range(1, ns.count(".") + 2)
    }
    plain = [ns for ns, names in scopes.items() if not names]
    for arity, names in sorted(uses.items()):
        wanted = sorted(names - unwanted)
        if not wanted:
            continue
        for scope in dict.fromkeys(["", *sorted(enclosing), *plain, "*"]):
            spec = f"{scope}|{arity}"
            w.facts.references.append(spec)
            w.facts.names[spec] = wanted
    for own in w.facts.top_level():  # a partial class's other parts: its own namespace's,
        if own.kind in TYPE_KINDS and own.visibility != "private":  # in its own project
            spec = f"{namespaces[0] if namespaces else ''}|{_arity(own.signature, own.name)}|"
            if spec not in w.facts.names:
                w.facts.references.append(spec)
            w.facts.names[spec] = sorted({*w.facts.names.get(spec, []), own.name})
    for spec, named_by in scopes.items():  # `using static A.B;`, `using X = A.B;`: a type each
        if named_by:
            if spec not in w.facts.names:
                w.facts.references.append(spec)
            w.facts.names[spec] = sorted({*w.facts.names.get(spec, []), *named_by})


def _declarations(
    w: Walker,
    notes: Comments,
    body: ts.Node | None,
    *,
    namespace: str,
    owner: str,
    namespaces: list[str],
    scopes: dict[str, list[str]],
) -> None:
    for node in _flat(body):
        kind = node.type
        if kind in _NAMESPACES:
            name = w.name(node)
            full = f"{namespace}.{name}" if namespace else name
            if kind == "file_scoped_namespace_declaration":
                namespace = full  # what follows it in the file is inside it
            _declarations(
                w,
                notes,
                node.child_by_field_name("body"),
                namespace=full,
                owner="",
                namespaces=namespaces,
                scopes=scopes,
            )
        elif kind == "using_directive":
            _using(w, node, scopes)
        elif kind in _TYPES or kind == "delegate_declaration":
            if namespace not in namespaces:
                namespaces.append(namespace)
            _type(w, notes, node, owner)
        elif owner and (kind in _MEMBERS or kind in _FIELDS):
            _member(w, notes, node, owner)


def _flat(body: ts.Node | None) -> Iterator[ts.Node]:
    """The declarations of a body, those inside ``#if``/``#else`` blocks included."""
    for node in named(body):
        if node.type.startswith("preproc_"):
            yield from _flat(node)
        else:
            yield node


def _visibility(w: Walker, node: ts.Node, *, default: Visibility) -> Visibility:
    words = {w.text(c) for c in node.named_children if c.type == "modifier"}
    if "public" in words:
        return "public"
    if "protected" in words:
        return "protected"
    if "internal" in words:
        return "internal"
    if "private" in words:
        return "private"
    return default


def _add(
    w: Walker,
    notes: Comments,
    kind: str,
    name: str,
    node: ts.Node,
    *,
    signature: str,
    visibility: Visibility,
    parent: str = "",
) -> None:
    if not name:
        return
    obsolete = any(
        w.name(attribute).rsplit(".", 1)[-1] in ("Obsolete", "ObsoleteAttribute")
        for attributes in node.named_children
        if attributes.type == "attribute_list"
        for attribute in named(attributes)
    )
    marks = ("deprecated",) if obsolete else ()
    doc = notes.above(node.start_byte)
    w.facts.symbols.append(Symbol(kind, name, signature, doc, visibility, parent, marks))


def _type(w: Walker, notes: Comments, node: ts.Node, owner: str) -> None:
    name = w.name(node)
    kind = "type" if node.type == "delegate_declaration" else _TYPES[node.type]
    _add(
        w,
        notes,
        kind,
        name,
        node,
        parent=owner,
        visibility=_visibility(w, node, default="private" if owner else "internal"),
        signature=_signature(w, notes, node),
    )
    body = node.child_by_field_name("body")
    if kind == "enum":
        for member in named(body):
            if member.type == "enum_member_declaration":
                _add(
                    w,
                    notes,
                    "const",
                    w.name(member),
                    member,
                    parent=name,
                    visibility="public",
                    signature=w.name(member),
                )
        return
    members_public = kind == "interface"
    for member in _flat(body):
        if member.type in _TYPES or member.type == "delegate_declaration":
            _type(w, notes, member, name)
        elif member.type in _MEMBERS or member.type in _FIELDS:
            _member(w, notes, member, name, public=members_public)


def _member(w: Walker, notes: Comments, node: ts.Node, owner: str, *, public: bool = False) -> None:
    visibility = "public" if public else _visibility(w, node, default="private")
    if node.type in _FIELDS:
        words = {w.text(c) for c in node.named_children if c.type == "modifier"}
        declaration = next(
            (c for c in node.named_children if c.type == "variable_declaration"), None
        )
        declarators = [d for d in named(declaration) if d.type == "variable_declarator"]
        if not declarators:
            return
        head = _signature(w, notes, node, end=declarators[0].start_byte)
        for declarator in declarators:
            name = w.name(declarator)
            _add(
                w,
                notes,
                "const" if "const" in words else "field",
                name,
                node,
                parent=owner,
                visibility=visibility,
                signature=one_line(f"{head} {name}"),
            )
        return
    if node.type == "indexer_declaration":
        name = "this"
    elif node.type == "operator_declaration":
        name = "operator " + w.text(node.child_by_field_name("operator"))
    elif node.type == "conversion_operator_declaration":
        kinds = [w.text(c) for c in node.children if c.type in ("implicit", "explicit")]
        name = f"{' '.join(kinds)} operator {w.text(node.child_by_field_name('type'))}".strip()
    elif node.type == "destructor_declaration":
        name = "~" + w.name(node)
    else:
        name = w.name(node)
    _add(
        w,
        notes,
        _MEMBERS[node.type],
        name,
        node,
        parent=owner,
        visibility=visibility,
        signature=_signature(w, notes, node) + _accessors(w, node),
    )


def _accessors(w: Walker, node: ts.Node) -> str:
    """A property's or indexer's accessors as declared, without their code: ``{ get; private
    set; }``, ``{ get; }`` for an expression body."""
    if node.type not in ("property_declaration", "indexer_declaration"):
        return ""
    accessors = node.child_by_field_name("accessors")
    if accessors is None:
        value = node.child_by_field_name("value")
        return " { get; }" if value is not None and value.type == "arrow_expression_clause" else ""
    words = [
        " ".join(
            w.text(c)
            for c in accessor.children
            if c.type == "modifier" or c == accessor.child_by_field_name("name")
        )
        for accessor in named(accessors)
        if accessor.type == "accessor_declaration"
    ]
    return " { " + " ".join(f"{word};" for word in words) + " }" if words else ""


def _signature(w: Walker, notes: Comments, node: ts.Node, *, end: int | None = None) -> str:
    """The declaration up to its body, accessors or ``=>`` (or ``end``), without attributes,
    comments and preprocessor lines."""
    if end is None:
        end = next((c.start_byte for c in node.named_children if c.type in _BODIES), node.end_byte)
    attributes = [c for c in node.named_children if c.type == "attribute_list"]
    return one_line(notes.without(node.start_byte, end, attributes).rstrip(" {;"))


def _using(w: Walker, node: ts.Node, scopes: dict[str, list[str]]) -> None:
    """``using A.B;`` (``global`` too), ``using static A.B.C;``, ``using X = A.B.C;``: listed
    as written; a namespace is a scope, a static or aliased type a reference of its own."""
    target = [c for c in node.named_children if c.type in ("qualified_name", "identifier")]
    if not target:
        return
    spec = w.text(target[-1])
    w.import_of(spec)
    static = any(c.type == "static" for c in node.children)
    alias = node.child_by_field_name("name") is not None
    if not static and not alias:
        scopes.setdefault(spec, [])
        return
    namespace, _, name = spec.rpartition(".")
    arity = 0
    if "<" in name:
        name, _, arguments = name.partition("<")
        arity = arguments.count(",") + 1
    scopes[f"{namespace}|{arity}"] = [name]


def _arity(signature: str, name: str) -> int:
    """How many type parameters a declaration's signature gives ``name`` (``Box<K, V>``: 2)."""
    found = re.search(rf"\b{re.escape(name)}\s*<", signature)
    if found is None:
        return 0
    depth, commas = 0, 0
    for char in signature[found.end() - 1 :]:
        depth += {"<": 1, ">": -1}.get(char, 0)
        if depth == 1 and char == ",":
            commas += 1
        if depth == 0:
            break
    return commas + 1


def _key(namespace: str, arity: str | int, csproj: str) -> str:
    """``cs:<namespace>|<arity>``, and ``|<project file>`` for a file of a project."""
    return f"cs:{namespace}|{arity}|{csproj}" if csproj else f"cs:{namespace}|{arity}"


#: ``<ProjectReference Include="..\Other\Other.csproj" />``.
_PROJECT_REFERENCE = re.compile(r"<ProjectReference\s[^>]*?\bInclude\s*=\s*\"([^\"]+)\"")
#: ``<Compile Include="..\Shared\X.cs;..\Helpers\**\*.cs" />``: sources a project compiles
#: besides those under its folder.
_COMPILE_ITEM = re.compile(r"<Compile\s[^>]*?\bInclude\s*=\s*\"([^\"]+)\"")
_THIS_FOLDER = re.compile(r"\$\(MSBuildThisFileDirectory\)/?", re.IGNORECASE)


class CsResolver:
    """Namespace-and-arity specs → ``cs:`` keys; ``*|<arity>`` through the global usings of
    the projects a file belongs to: its folder's nearest ``.csproj`` and every ``.csproj``
    whose ``<Compile Include>`` items name it (a path or a ``*``/``**`` glob, ``..\\`` and
    Windows separators as MSBuild reads them; an imported ``.props`` is not read). A file of a
    project provides its types under each of its projects' keys and looks names up in its
    projects and those they reference (``<ProjectReference>``, transitively, as SDK builds do):
    a same-named type of an unrelated project is another type. A file outside every project
    and included by none is seen by, and sees, every project."""

    def __init__(self, project: Project):
        self.project = project
        self._globals: dict[str, list[str]] = {}
        self._owners: dict[str, str] = {}  # a folder -> its nearest .csproj ("" for none)
        self._projects: dict[str, list[str]] = {}  # a source -> the projects compiling it
        self._includes: list[tuple[str, str]] | None = None  # (a .csproj, a Compile glob)
        self._seen: dict[str, list[str]] = {}  # a .csproj -> it and the projects it reaches
        self._every: list[str] | None = None  # (all of them, for a file outside every project)

    def forget(self) -> None:
        self._globals.clear()
        self._owners.clear()
        self._projects.clear()
        self._includes = None
        self._seen.clear()
        self._every = None

    def provides(self, rel: str, facts: Facts) -> list[str]:
        """A key for each type the file declares and each project it belongs to (its namespace
        the first one, in the rare file that declares several; the global namespace as
        ``cs:|0``)."""
        projects = self.projects_of(rel) or [""]
        return list(
            dict.fromkeys(
                _key(facts.package, _arity(s.signature, s.name), csproj)
                for s in facts.top_level()
                if s.kind in TYPE_KINDS or s.kind == "type"
                for csproj in projects
            )
        )

    def keys(self, rel: str, spec: str) -> list[str]:
        scope, bar, rest = spec.partition("|")
        if not bar:
            return []  # a using as written: its names are looked up per arity
        arity, own, _ = rest.partition("|")  # (`ns|0|`: a partial class's own project only)
        mine = self.projects_of(rel)
        if own:
            projects = mine or [""]
        elif mine:  # (and the files of no project, which every project sees)
            reached = (p for csproj in mine for p in self.referenced(csproj))
            projects = [*dict.fromkeys(reached), ""]
        else:
            if self._every is None:
                self._every = ["", *self.project.named_like(".csproj")]
            projects = self._every
        namespaces = [scope] if scope != "*" else self.global_usings(rel)
        return [_key(ns, arity, p) for ns in namespaces for p in projects]

    def projects_of(self, rel: str) -> list[str]:
        """The project files a source belongs to: the nearest ``.csproj`` above it and those
        whose ``<Compile Include>`` names it (none for a file outside every project)."""
        if rel not in self._projects:
            mine = [self.project_of(rel)] if self.project_of(rel) else []
            for csproj, pattern in self.includes():
                globbed = "*" in pattern or "?" in pattern
                named = pattern == rel or (globbed and glob_match(pattern, rel))
                if named and csproj not in mine:
                    mine.append(csproj)
            self._projects[rel] = mine
        return self._projects[rel]

    def project_of(self, rel: str) -> str:
        """The nearest ``.csproj`` above a source, or ``""``."""
        folder = posixpath.dirname(rel)
        if folder not in self._owners:
            projects = nearest(self.project.named_like(".csproj"), rel)
            self._owners[folder] = projects[0] if projects else ""
        return self._owners[folder]

    def includes(self) -> list[tuple[str, str]]:
        """Each ``.csproj``'s ``<Compile Include>`` items outside its folder, as repo globs (an
        item naming another MSBuild property than the project's folder is left out)."""
        if self._includes is None:
            self._includes = []
            for csproj in self.project.named_like(".csproj"):
                folder = posixpath.dirname(csproj)
                for items in _COMPILE_ITEM.findall(self.project.read_text(csproj) or ""):
                    for item in items.split(";"):
                        item = _THIS_FOLDER.sub("", item.strip()).replace("\\", "/")
                        if not item or "$(" in item or "@(" in item or item.startswith("/"):
                            continue
                        pattern = posixpath.normpath(posixpath.join(folder, item))
                        if pattern.startswith("../"):
                            continue  # (outside the repo)
                        if not (folder == "" or pattern.startswith(folder + "/")):
                            self._includes.append((csproj, pattern))
        return self._includes

    def referenced(self, csproj: str) -> list[str]:
        """``csproj`` and the projects it references, directly or through another."""
        if csproj not in self._seen:
            known = set(self.project.named_like(".csproj"))
            reached, pending = [csproj], [csproj]
            while pending:
                current = pending.pop()
                text = self.project.read_text(current) or ""
                for target in _PROJECT_REFERENCE.findall(text):
                    joined = posixpath.join(posixpath.dirname(current), target.replace("\\", "/"))
                    path = posixpath.normpath(joined)
                    if path in known and path not in reached:
                        reached.append(path)
                        pending.append(path)
            self._seen[csproj] = reached
        return self._seen[csproj]

    def global_usings(self, rel: str) -> list[str]:
        """The namespaces every file of ``rel``'s project sees: ``<Using Include>`` items of
        its ``.csproj`` and the ``global using`` directives of the files beside it (of each
        project the file belongs to)."""
        return list(dict.fromkeys(ns for p in self.projects_of(rel) for ns in self._usings(p)))

    def _usings(self, csproj: str) -> list[str]:
        if csproj not in self._globals:
            found: dict[str, bool] = {}
            for kind, namespace in _USING_ITEM.findall(self.project.read_text(csproj) or ""):
                found[namespace] = kind == "Include"
            folder = self.project.root / posixpath.dirname(csproj)
            for path in sorted(_sources(folder)):
                text = self.project.read_text(path.relative_to(self.project.root).as_posix())
                for namespace in _GLOBAL_USING.findall(text or ""):
                    found.setdefault(namespace, True)
            self._globals[csproj] = [ns for ns, kept in found.items() if kept]
        return self._globals[csproj]


def _sources(folder: Path) -> list[Path]:
    """The ``.cs`` files right beside a project file (where global usings are kept)."""
    try:
        return [p for p in folder.iterdir() if p.suffix == ".cs" and p.is_file()]
    except OSError:
        return []
