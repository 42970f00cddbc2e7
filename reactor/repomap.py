"""The repo map: the files that matter most, with their public signatures, cut to a token budget.

Modelled on aider's repo map (``aider/repomap.py``): tags → graph → PageRank personalised to the
files in focus → a binary search on the cut to fit the budget. Here every step reads the index,
never the tree: the *tags* are the files' shared top-level symbols with their signatures (the
``symbols`` column) and the names each import uses; the *graph* joins every file to the files it
imports, resolved with the rules of :mod:`reactor.graph` (Python modules, ``path:`` keys, keys
other files provide), an edge weighing the names used across it (a name in focus ten times more,
a private one a tenth, as aider weighs identifiers); *PageRank* runs with a personalisation on
the focus (paths: those files, or a directory's; names: the files that declare them), uniform
without one. Each edge then hands its share of the importer's rank to the names it uses, so a
file's signatures come in the order of how much is made of them, and the cut keeps the best
``(file, signature)`` lines whose rendering fits ``max_tokens``, counted as the LLM backends
count (:func:`reactor.backends.prompt.estimate_tokens`). Ties break by path: the same index and
arguments give the same map.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .backends.prompt import CHARS_PER_TOKEN, estimate_tokens
from .graph import GUESSED_NAMES, PROVIDED_PREFIXES, module_candidates
from .index import FileIndex
from .paths import quote_path

DEFAULT_TOKENS = 1024
MAX_TOKENS = 65_536
DAMPING = 0.85
#: PageRank stops when the ranks moved less than this in total (networkx's default, times N).
TOLERANCE = 1e-6
MAX_ITERATIONS = 100
#: Weight multipliers of a name across an edge (aider's for mentioned and private identifiers).
FOCUS_NAME_WEIGHT = 10.0
PRIVATE_NAME_WEIGHT = 0.1


@dataclass(frozen=True)
class Node:
    """One indexed source: its path and its shared top-level symbols as ``(name, signature)``."""

    path: str
    symbols: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RepoMap:
    """A rendered map: ``text``, its ``tokens`` as estimated, the files shown in rank order,
    and every file's rank order (``ranked``, for comparisons)."""

    text: str
    tokens: int
    files: tuple[str, ...]
    ranked: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"map": self.text, "tokens": self.tokens, "files": list(self.files)}


def _symbols(text: str | None) -> tuple[tuple[str, str], ...]:
    out = []
    for line in (text or "").split("\n"):
        name, _, shown = line.partition("\t")
        if name:
            out.append((name, " ".join((shown or name).split())))
    return tuple(out)


@dataclass(frozen=True)
class Graph:
    """Every documentable source (in path order) and the import edges between them:
    ``(importer, imported)`` node positions → the names used (none: the whole file)."""

    nodes: list[Node]
    edges: dict[tuple[int, int], list[str]]

    @functools.cached_property
    def weights(self) -> dict[tuple[int, int], float]:
        """Each edge's weight without a focus: its names' weights, 1 for none."""
        return {pair: sum(map(_weight, names)) or 1.0 for pair, names in self.edges.items()}

    @functools.cached_property
    def using(self) -> dict[str, list[tuple[int, int]]]:
        """The edges that use each name (a focus name weighs more on those)."""
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for pair, names in self.edges.items():
            for name in names:
                out[name].append(pair)
        return out

    @functools.cached_property
    def positions(self) -> list[dict[str, int]]:
        """Each node's symbols by name → position."""
        return [{name: k for k, (name, _) in enumerate(n.symbols)} for n in self.nodes]

    def weighted(self, focus_names: set[str]) -> dict[tuple[int, int], float]:
        """Edge weights with ``focus_names`` weighing :data:`FOCUS_NAME_WEIGHT` each."""
        weights = dict(self.weights)
        for name in focus_names:
            for pair in self.using.get(name, ()):
                weights[pair] += FOCUS_NAME_WEIGHT - _weight(name)
        return weights


class _Declared:
    """The names each node declares, made when first asked (only provided keys ask)."""

    def __init__(self, nodes: list[Node]):
        self.nodes = nodes
        self._sets: dict[int, set[str]] = {}

    def __getitem__(self, i: int) -> set[str]:
        if i not in self._sets:
            self._sets[i] = {name for name, _ in self.nodes[i].symbols}
        return self._sets[i]


def load_graph(index: FileIndex) -> Graph:
    """The graph as the index has it now (three queries, no file read)."""
    rows = index.read("SELECT id, path, symbols FROM files WHERE skip IS NULL ORDER BY path")
    nodes = [Node(path, _symbols(text)) for _, path, text in rows]
    at_id = {file_id: i for i, (file_id, _, _) in enumerate(rows)}
    at_path = {node.path: i for i, node in enumerate(nodes)}
    providers: dict[str, list[int]] = defaultdict(list)
    for key, file_id in index.read("SELECT key, file_id FROM provides"):
        if file_id in at_id:
            providers[key].append(at_id[file_id])
    declared = _Declared(nodes)
    edges: dict[tuple[int, int], list[str]] = defaultdict(list)
    modules: dict[str, int | None] = {}  # a Python module key -> its file (memo: hubs repeat)
    for file_id, key, text in index.read("SELECT file_id, module, names FROM imports"):
        src = at_id.get(file_id)
        if src is None:
            continue
        if ":" not in key:
            if key not in modules:
                found = (at_path.get(c) for c in module_candidates(key))
                modules[key] = next((f for f in found if f is not None), None)
            dst = modules[key]
            if dst is not None and dst != src:
                edges[(src, dst)] += [n for n in text.split("\n") if n]
            continue
        names = [n for n in text.split("\n") if n]
        for dst, used in _provided(key, names, at_path, providers, declared):
            if dst != src:
                edges[(src, dst)] += used
    return Graph(nodes, dict(edges))


def _provided(
    key: str,
    names: list[str],
    at_path: dict[str, int],
    providers: dict[str, list[int]],
    declared: _Declared,
) -> Iterable[tuple[int, list[str]]]:
    """The files a non-Python import key reaches, each with the names it uses there (the
    rules of :func:`reactor.graph.neighbours`, for every file at once)."""
    if key.startswith("path:"):
        if key[5:] in at_path:
            yield at_path[key[5:]], names
    elif key.startswith(PROVIDED_PREFIXES):
        files = providers.get(key, [])
        declaring = [f for f in files if declared[f].intersection(names)]
        guessed = key.startswith(GUESSED_NAMES)
        for f in declaring or ([] if guessed else files):
            yield f, [n for n in names if n in declared[f]] if guessed else names


def _weight(name: str) -> float:
    """A name's weight across an edge outside the focus (a private one weighs less)."""
    return PRIVATE_NAME_WEIGHT if name.startswith("_") else 1.0


def pagerank(
    size: int, weighted: dict[tuple[int, int], float], personal: list[float]
) -> list[float]:
    """PageRank with a personalisation vector (summing to 1), by power iteration; dangling
    nodes hand their rank out as the personalisation says (networkx's convention)."""
    out_total = [0.0] * size
    for (src, _), w in weighted.items():
        out_total[src] += w
    links = [(src, dst, w / out_total[src]) for (src, dst), w in sorted(weighted.items())]
    dangling = [i for i in range(size) if out_total[i] == 0.0]
    rank = list(personal)
    for _ in range(MAX_ITERATIONS):
        nxt = [0.0] * size
        for src, dst, share in links:
            nxt[dst] += rank[src] * share
        spread = DAMPING * sum(rank[i] for i in dangling) + (1.0 - DAMPING)
        nxt = [DAMPING * v + spread * p for v, p in zip(nxt, personal, strict=True)]
        moved = sum(abs(a - b) for a, b in zip(nxt, rank, strict=True))
        rank = nxt
        if moved < size * TOLERANCE:
            break
    return rank


def _personalisation(nodes: list[Node], focus: Sequence[str]) -> tuple[list[float], set[str]]:
    """The personalisation vector for ``focus`` (paths: a file, or every file of a directory;
    anything else: a symbol name, whose declaring files get it) and the focus names."""
    paths, names = set(), set()
    for item in focus:
        item = item.strip().strip("/")
        if not item:
            continue
        hits = [i for i, n in enumerate(nodes) if n.path == item or n.path.startswith(item + "/")]
        if hits:
            paths.update(hits)
        else:
            names.add(item)
    if names:
        paths.update(i for i, n in enumerate(nodes) if names.intersection(s for s, _ in n.symbols))
    if not paths:
        return [1.0 / len(nodes)] * len(nodes), names
    personal = [0.0] * len(nodes)
    for i in paths:
        personal[i] = 1.0 / len(paths)
    return personal, names


#: What the graph is built from, cheaply: a change to any of it builds the graph anew.
_STAMP_SQL = (
    "SELECT (SELECT count(*) || '/' || max(id) || '/' || max(mtime_ns) FROM files),"
    " (SELECT count(*) || '/' || max(rowid) FROM imports),"
    " (SELECT count(*) || '/' || max(rowid) FROM provides)"
)


class RepoMapper:
    """Builds maps of one index, keeping the graph (and the map without focus) between calls
    while the index's files, imports and provided keys stay as they were."""

    def __init__(self, index: FileIndex):
        self.index = index
        self._stamp: tuple[Any, ...] | None = None
        self._graph = Graph([], {})
        self._plain: tuple[list[float], list[tuple[int, int]]] | None = None

    def graph(self) -> Graph:
        stamp = tuple(self.index.read(_STAMP_SQL)[0])
        if stamp != self._stamp:
            self._graph, self._plain, self._stamp = load_graph(self.index), None, stamp
        return self._graph

    def build(self, *, max_tokens: int = DEFAULT_TOKENS, focus: Sequence[str] = ()) -> RepoMap:
        """The map of the indexed repo that fits ``max_tokens`` (see the module docstring)."""
        graph = self.graph()
        if not graph.nodes:
            return RepoMap("", 0, (), ())
        rank, lines = self._ranked(graph, focus)
        order = sorted(range(len(graph.nodes)), key=lambda i: (-rank[i], i))  # (i: path order)
        ranked = tuple(graph.nodes[i].path for i in order)
        return _fit(graph.nodes, lines, max(0, min(max_tokens, MAX_TOKENS)), ranked)

    def cut_order(self, *, focus: Sequence[str] = ()) -> list[str]:
        """The files in the order the cut takes them in (each at its first line): what a
        bigger budget adds next (benchmarks compare it with aider's)."""
        graph = self.graph()
        _, lines = self._ranked(graph, focus)
        return list(dict.fromkeys(graph.nodes[i].path for i, _ in lines))

    def _ranked(
        self, graph: Graph, focus: Sequence[str]
    ) -> tuple[list[float], list[tuple[int, int]]]:
        personal, focus_names = _personalisation(graph.nodes, focus)
        plain = not focus_names and len(set(personal)) == 1
        if plain and self._plain is not None:
            return self._plain
        ranked = _rank(graph, personal, focus_names)
        if plain:
            self._plain = ranked
        return ranked


def build_map(
    index: FileIndex, *, max_tokens: int = DEFAULT_TOKENS, focus: Sequence[str] = ()
) -> RepoMap:
    """One map of the indexed repo (``reactor map``): see :class:`RepoMapper`."""
    return RepoMapper(index).build(max_tokens=max_tokens, focus=focus)


def _rank(
    graph: Graph, personal: list[float], focus_names: set[str]
) -> tuple[list[float], list[tuple[int, int]]]:
    """Each file's rank, and the ``(file, symbol)`` lines in the order the cut takes them."""
    nodes, edges = graph.nodes, graph.edges
    weighted = graph.weighted(focus_names)
    rank = pagerank(len(nodes), weighted, personal)
    # each edge hands its share of the importer's rank to the names it uses over there
    out_total: dict[int, float] = defaultdict(float)
    for (src, _), w in weighted.items():
        out_total[src] += w
    name_rank: dict[tuple[int, str], float] = defaultdict(float)
    for (src, dst), names in edges.items():
        per_weight = rank[src] / out_total[src]
        for name in names:
            w = FOCUS_NAME_WEIGHT if name in focus_names else _weight(name)
            name_rank[(dst, name)] += per_weight * w
    order = sorted(range(len(nodes)), key=lambda i: (-rank[i], i))  # (i: path order)
    return rank, _ranked_lines(graph, order, name_rank)


def _ranked_lines(
    graph: Graph, order: list[int], name_rank: dict[tuple[int, str], float]
) -> list[tuple[int, int]]:
    """``(node, symbol position)`` in the order the cut takes them: the used names by the rank
    they were handed (aider's ranked definitions), then every file in rank order with its
    other symbols, a file's path first (position -1) when none of its names came before."""
    nodes, positions = graph.nodes, graph.positions
    taken: set[tuple[int, int]] = set()
    lines: list[tuple[int, int]] = []
    for (i, name), _ in sorted(name_rank.items(), key=lambda kv: (-kv[1], *kv[0])):
        k = positions[i].get(name)
        if k is not None and (i, k) not in taken:
            taken.add((i, k))
            lines.append((i, k))
    for i in order:
        lines.append((i, -1))
        lines += [(i, k) for k in range(len(nodes[i].symbols)) if (i, k) not in taken]
    return lines


def _render(nodes: list[Node], lines: list[tuple[int, int]], order: dict[int, int]) -> str:
    """Files in rank order, each with its chosen signatures in declaration order."""
    chosen: dict[int, list[int]] = defaultdict(list)
    for i, k in lines:
        chosen[i].append(k)
    out = []
    for i in sorted(chosen, key=order.__getitem__):
        picked = sorted(k for k in set(chosen[i]) if k >= 0)
        out.append(quote_path(nodes[i].path) + (":" if picked else ""))
        out += [f"  {nodes[i].symbols[k][1]}" for k in picked]
    return "\n".join(out) + "\n" if out else ""


def _fit(
    nodes: list[Node], lines: list[tuple[int, int]], max_tokens: int, ranked: tuple[str, ...]
) -> RepoMap:
    """The longest prefix of ``lines`` whose rendering fits ``max_tokens``: a binary search
    over the rendered length of each prefix (tokens are estimated from the length, which a
    longer prefix never makes shorter), then one rendering."""
    position = {path: p for p, path in enumerate(ranked)}
    order = {i: position[n.path] for i, n in enumerate(nodes)}
    lengths = [0]
    headed: dict[int, bool] = {}  # node -> whether its header line ends in ":" yet
    for i, k in lines:
        grow = 0
        if i not in headed:
            headed[i] = False
            grow += len(quote_path(nodes[i].path)) + 1
        if k >= 0:
            grow += len(nodes[i].symbols[k][1]) + 3  # "  " + signature + newline
            if not headed[i]:
                headed[i] = True
                grow += 1
        lengths.append(lengths[-1] + grow)
    low, high = 0, len(lines)
    while low < high:
        mid = (low + high + 1) // 2
        if math.ceil(lengths[mid] / CHARS_PER_TOKEN) <= max_tokens:
            low = mid
        else:
            high = mid - 1
    text = _render(nodes, lines[:low], order)
    shown = tuple(sorted({nodes[i].path for i, _ in lines[:low]}, key=position.__getitem__))
    return RepoMap(text, estimate_tokens(text), shown, ranked)
