"""The built-in renderer of pages: a directory's page and the repository's, from their records.

Like the file outline it is made of :mod:`reactor.markdown` blocks, every name and doc escaped,
so that what a source tree holds never becomes Markdown structure. Every link is relative (a
forge renders a folder's ``README.md`` when it is opened, and a local viewer follows the same
links): a page at ``{output_dir}/{dir}/README.md`` links down to its files' docs
(``{name}.md``) and its subdirectories' pages, up to its parent's page and the repository's, and
across to the directories it uses. Diagrams are Mermaid flowcharts (:mod:`reactor.mermaid`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from .markdown import (
    Block,
    Page,
    bullets,
    code,
    fence,
    heading,
    inline,
    link,
    paragraph,
    prose,
    table,
)
from .mermaid import Edge, flowchart
from .pageinputs import DirRecord, Link
from .pagerepo import RepoSummary
from .paths import printable, quote_path

#: Bumped whenever a page's layout changes: pages of an older one become ``outdated``.
PAGE_LAYOUT = 1
#: Names shown per file in a directory's table, and per edge.
MAIN_NAMES = 6
EDGE_NAMES = 5
#: Directories a page lists as used, or as using it.
MAX_LINKS = 20
#: Entry points listed on the repository page.
MAX_ENTRIES = 20
#: The node of the files at the root in the top-level diagram.
ROOT_LABEL = "(root files)"


def dir_label(rel_dir: str) -> str:
    """How a directory is named on a page: ``pkg/util/``, the root as ``/``."""
    return quote_path(f"{rel_dir}/") if rel_dir else "/"


def node_label(rel_dir: str) -> str:
    """A directory as a diagram names it: as it is (the label is quoted and escaped there)."""
    return printable(f"{rel_dir}/") if rel_dir else ROOT_LABEL


def page_path(rel_dir: str) -> str:
    """A directory page's place under the output dir."""
    return posixpath.join(rel_dir, "README.md") if rel_dir else "README.md"


def _to(here: str, target: str) -> str:
    """``target`` (a path under the output dir) relative to the page of directory ``here``
    (both clean relative paths: no file system is asked, unlike ``posixpath.relpath``)."""
    ups = here.split("/") if here else []
    parts = target.split("/")
    common = 0
    while common < min(len(ups), len(parts) - 1) and ups[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(ups) - common) + parts[common:])


def _dir_link(here: str, rel_dir: str) -> str:
    return link(code(dir_label(rel_dir)), _to(here, page_path(rel_dir)))


def _file_link(here: str, rel: str, *, short: bool = True) -> str:
    shown = posixpath.basename(rel) if short else rel
    return link(code(quote_path(shown)), _to(here, f"{rel}.md"))


def _names(names: Sequence[str], limit: int) -> str:
    shown = ", ".join(code(n) for n in names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def directory_page(record: DirRecord) -> str:
    """The page of one directory (not the root: see :func:`repository_page`)."""
    here = record.dir
    parent = posixpath.dirname(here)
    where = [
        f"up: {_dir_link(here, parent)}" if parent else "",
        link("repository", _to(here, page_path(""))),
    ]
    stats = f"*Directory — {_counted(len(record.files), 'file')} here, {record.total} in all*"
    page = Page(
        heading(1, code(dir_label(here))),
        paragraph(f"{stats} · {' · '.join(w for w in where if w)}"),
    )
    page.add(*_purpose(record))
    page.add(*_files(record, title="Files"))
    page.add(*_subdirs(record))
    page.add(*_links(here, "Uses", record.uses))
    page.add(*_links(here, "Used by", record.used_by))
    if record.uses or record.used_by:
        nodes = [(here, node_label(here))]
        ranked = sorted([*record.uses, *record.used_by], key=lambda k: (-k.imports, k.dir))
        nodes += [(k.dir, node_label(k.dir)) for k in ranked if k.dir != here]
        edges = [Edge(here, k.dir, k.imports) for k in record.uses]
        edges += [Edge(k.dir, here, k.imports) for k in record.used_by]
        chart = flowchart(list(dict(nodes).items()), edges, focus=here)
        page.add(heading(2, "Dependency diagram"), fence(chart, "mermaid"))
    return page.text()


def repository_page(record: DirRecord, repo: RepoSummary) -> str:
    """The repository's page: purpose, languages, layout, entry points, the files most
    depended on, the top-level diagram and every directory's page."""
    here = ""
    total = sum(n for _, n in repo.languages)
    page = Page(heading(1, "Repository overview"))
    dirs = _counted(len(repo.dirs), "directory", "directories")
    page.add(paragraph(f"*{_counted(total, 'source file')} in {dirs} below the root.*"))
    page.add(*_purpose(record))
    if repo.languages:
        rows = [
            (inline(name), str(count), f"{count * 100 // total} %")
            for name, count in repo.languages
        ]
        page.add(heading(2, "Languages"), table(("Language", "Files", "Share"), rows))
    top = [(s.dir, s) for s in record.subdirs]
    if top:
        rows = [(_dir_link(here, d), inline(s.summary), str(s.files)) for d, s in top]
        page.add(heading(2, "Layout"), table(("Directory", "Purpose", "Files"), rows))
    page.add(*_files(record, title="Files at the root"))
    if repo.entries:
        items = [_entry(here, what, path, how) for what, path, how in repo.entries[:MAX_ENTRIES]]
        if len(repo.entries) > MAX_ENTRIES:
            items.append(f"… (+{len(repo.entries) - MAX_ENTRIES} more)")
        page.add(heading(2, "Entry points"), bullets(items))
    if repo.depended:
        items = [
            f"{_file_link(here, path, short=False)} — imported by {_counted(n, 'file')}"
            + (f": {inline(summary)}" if summary else "")
            for path, n, summary in repo.depended
        ]
        page.add(heading(2, "Most depended on"), bullets(items))
    if repo.top_links:
        keys = sorted({d for a, b, _ in repo.top_links for d in (a, b)})
        weight = {k: sum(n for a, b, n in repo.top_links if k in (a, b)) for k in keys}
        nodes = [(k, node_label(k)) for k in sorted(keys, key=lambda k: (-weight[k], k))]
        edges = [Edge(a, b, n) for a, b, n in repo.top_links]
        page.add(heading(2, "Top-level dependencies"), fence(flowchart(nodes, edges), "mermaid"))
    if repo.dirs:
        items = [
            f"{_dir_link(here, d)} ({_counted(n, 'file')})" + (f" — {inline(s)}" if s else "")
            for d, s, n in repo.dirs
        ]
        page.add(heading(2, "Directories"), bullets(items))
    return page.text()


def _counted(n: int, noun: str, plural: str = "") -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _purpose(record: DirRecord) -> list[Block]:
    if not record.purpose:
        return []
    source = record.purpose_from
    named = (
        _file_link(record.dir, source)
        if any(f.path == source for f in record.files)
        else code(quote_path(source))
    )
    return [heading(2, "Purpose"), *prose(record.purpose), paragraph(f"*From {named}.*")]


def _files(record: DirRecord, *, title: str) -> list[Block]:
    if not record.files:
        return []
    rows = []
    for f in record.files:
        purpose = inline(f.summary)
        if f.entry:
            purpose += f" *(entry point: {f.entry})*"
        rows.append((_file_link(record.dir, f.path), purpose.strip(), _names(f.names, MAIN_NAMES)))
    return [heading(2, title), table(("File", "Purpose", "Main public names"), rows)]


def _subdirs(record: DirRecord) -> list[Block]:
    if not record.subdirs or record.dir == "":
        return []
    items = [
        f"{_dir_link(record.dir, s.dir)} ({_counted(s.files, 'file')})"
        + (f" — {inline(s.summary)}" if s.summary else "")
        for s in record.subdirs
    ]
    return [heading(2, "Subdirectories"), bullets(items)]


def _links(here: str, title: str, links: Sequence[Link]) -> list[Block]:
    """The directories on one side, most imports first, at most :data:`MAX_LINKS`."""
    if not links:
        return []
    items = []
    for k in links[:MAX_LINKS]:
        names = [n for n, _ in k.names]
        used = f": {_names(names, EDGE_NAMES)}" if names else ""
        items.append(f"{_dir_link(here, k.dir)} — {_counted(k.imports, 'import')}{used}")
    if len(links) > MAX_LINKS:
        items.append(f"… (+{len(links) - MAX_LINKS} more directories)")
    return [heading(2, title), bullets(items)]


def _entry(here: str, what: str, path: str, how: str) -> str:
    """One entry point: a manifest's (``what`` declared in ``how``) or a convention's (``how``
    is the convention, ``what`` empty)."""
    target = _file_link(here, path, short=False) if path else ""
    if what:
        return f"{what} in {code(quote_path(how))}" + (f": {target}" if target else "")
    return f"{target} — {how}"
