"""Mermaid flowcharts that parse whatever the names in them.

A directory's name is the source tree's, not ours: a space, a dot, a dash, ``end``, a quote or a
non-ASCII letter in a node id or a bare label breaks the diagram (Mermaid reads ``end`` as a
keyword and ``a-b`` as an arrow). So ids are generated (``n0``, ``n1``, …), every label is quoted,
and what a quoted label could still act on — a quote, ``#`` (an entity code), ``<``/``>`` (HTML),
a backtick (a Markdown string) — is written as Mermaid's entity code. A chart is bounded: past
``max_nodes`` the least connected nodes fold into one "+N more" node, so a page stays readable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

#: The most nodes a chart shows, the "+N more" node included.
MAX_NODES = 20
_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "`": "#96;", "&": "#38;"}
FOLDED = "\0more"


@dataclass(frozen=True)
class Edge:
    """``source`` uses ``target`` (node keys), ``weight`` times (shown on the arrow)."""

    source: str
    target: str
    weight: int


def label(text: str) -> str:
    """``text`` as a quoted Mermaid label: one line, nothing in it that Mermaid acts on."""
    flat = " ".join(text.split())
    return '"' + "".join(_ENTITIES.get(ch, ch) for ch in flat) + '"'


def flowchart(
    nodes: Sequence[tuple[str, str]],
    edges: Sequence[Edge],
    *,
    focus: str | None = None,
    max_nodes: int = MAX_NODES,
) -> str:
    """A left-to-right ``flowchart`` of ``nodes`` (``(key, label)``, most important first) and
    ``edges``; ``focus`` (a key) is drawn bold. Nodes past ``max_nodes - 1`` fold into one
    "+N more" node that takes their edges (summed); edges within the fold are dropped."""
    keys = [key for key, _ in nodes]
    shown = keys if len(keys) <= max_nodes else keys[: max_nodes - 1]
    kept = set(shown)
    ids = {key: f"n{i}" for i, key in enumerate(shown)}
    names = dict(nodes)
    lines = ["flowchart LR"]
    lines += [f"    {ids[key]}[{label(names[key])}]" for key in shown]
    if len(shown) < len(keys):
        ids[FOLDED] = f"n{len(shown)}"
        lines.append(f"    {ids[FOLDED]}[{label(f'+{len(keys) - len(shown)} more')}]")
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for edge in edges:
        source = edge.source if edge.source in kept else FOLDED
        target = edge.target if edge.target in kept else FOLDED
        if source != target and source in ids and target in ids:
            weights[(source, target)] += edge.weight
    for (source, target), weight in weights.items():
        lines.append(f"    {ids[source]} -->|{label(str(weight))}| {ids[target]}")
    if focus is not None and focus in ids:
        lines.append(f"    style {ids[focus]} stroke-width:3px")
    return "\n".join(lines)
