"""Links from a file's doc to its directory's page and to its neighbours' docs.

Relative, so that they work on a forge and in a local viewer alike: the doc of ``pkg/a.py`` is
``{output_dir}/pkg/a.py.md``, its directory's page ``{output_dir}/pkg/README.md`` (``README.md``
beside it), a neighbour's doc ``../lib/b.py.md``. The neighbours are read back from the graph
context the doc shows (:func:`reactor.graph.format_context`), so a link is there exactly when
the neighbour is; a path is taken only where it names a file of the repo (a name may hold
``": "`` itself).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from .markdown import Block, code, link, paragraph
from .paths import quote_path


def up(rel: str) -> Block:
    """Where the doc of ``rel`` belongs: its directory's page (the repository's at the root)."""
    folder = posixpath.dirname(rel)
    label = code(quote_path(f"{folder}/")) if folder else "the repository"
    return paragraph(f"*Part of {link(label, 'README.md')}.*")


def neighbours(rel: str, graph_context: str | None, repo_root: Path) -> list[Block]:
    """A paragraph of links to the docs of the files the graph context names."""
    paths = []
    for line in (graph_context or "").split("\n"):
        if line.startswith("- ") and not line.startswith("- … (+"):
            path = _path(line[2:], repo_root)
            if path is not None and path != rel and path not in paths:
                paths.append(path)
    if not paths:
        return []
    here = posixpath.dirname(rel) or "."
    docs = [link(code(p), posixpath.relpath(f"{p}.md", here)) for p in paths]
    return [paragraph("Their docs: " + " · ".join(docs))]


def _path(text: str, repo_root: Path) -> str | None:
    """The repo path a neighbour line starts with (``path`` or ``path: names``)."""
    candidates = [text] + [text[:i] for i in range(len(text)) if text.startswith(": ", i)]
    for candidate in candidates:
        if quote_path(candidate) == candidate and os.path.isfile(repo_root / candidate):
            return candidate
    return None
