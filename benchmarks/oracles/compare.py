"""The match rules: when an extractor claim counts as confirmed by an oracle, and an oracle
item as found by the extractor.

Claim kinds and their rules (the same for every language; what an oracle cannot judge is left
out of both counts, never guessed):

* **symbols** — a declaration matches by ``(parent, name)``, each the last component of a
  qualified name (``a.B`` / ``a::B`` → ``B``), kind aside. Precision: share of the
  extractor's symbols the oracle declares (kinds the oracle cannot see are not judged);
  recall: share of the oracle's declarations (those it marks for recall) the extractor lists.
* **visibility** — on matched symbols, the extractor's value equals the oracle's (mapped into
  the extractor's vocabulary by each oracle). Recall counts every oracle declaration with a
  visibility, so a missing symbol is missing here too.
* **signatures** — whitespace removed on both sides, and a trailing ``{``, ``;``, ``:`` or
  ``=`` dropped; rule ``exact``: equal to one of the oracle's accepted forms (a claim cut with
  ``…`` is compared as a prefix); rule ``as-written``: a substring of the source text around
  the declaration the oracle names, which must not contain a comment marker.
* **summaries** — a symbol's first sentence, and a file's doc (shown whole): both sides
  whitespace-collapsed, case-folded, with inline markup removed
  (backticks, ``{@code x}``/``{@link x}`` → ``x``, HTML tags, ``*``/``_`` emphasis); the claim
  must be a prefix of the doc's first paragraph that ends where a sentence ends (``.``,
  ``!``, ``?`` followed by a space, or the paragraph's end; a claim cut with ``…`` at 300
  characters as a prefix), of the doc as written or once its rule-only lines (``-``, ``*``,
  ``=``) and a leading ``<name>() :`` are removed. A summary where the oracle sees no doc
  comment is false. Recall:
  oracle declarations with a non-empty doc whose claim matches.
* **edges** — the extractor's "imports" of a file match the oracle's in-repo edges by target
  path. An extractor edge the oracle did not make is not judged when the oracle left an
  import unplaced whose last component is the target's stem.
* **imported by** — a claim "B is imported by A using names N" is true when the oracle has
  A → B and each name in N is an identifier of A's code (not comments or strings) and is
  declared by B (a top-level or member name, or B's own module stem). Recall: the oracle's
  importers of B that the extractor lists.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from oracles import OFile, Oracle, OSymbol

KINDS = ("symbols", "visibility", "signatures", "summaries", "edges", "imported_by")


@dataclass
class Tally:
    """Per claim kind: extractor claims judged and confirmed; oracle items and found."""

    claims: int = 0
    confirmed: int = 0
    unjudged: int = 0
    items: int = 0
    found: int = 0

    def add(self, other: Tally) -> None:
        for name in ("claims", "confirmed", "unjudged", "items", "found"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, Any]:
        return {
            "precision": round(self.confirmed / self.claims, 4) if self.claims else None,
            "recall": round(self.found / self.items, 4) if self.items else None,
            "claims": self.claims,
            "confirmed": self.confirmed,
            "unjudged": self.unjudged,
            "items": self.items,
            "found": self.found,
        }


@dataclass
class FileResult:
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    misses: list[dict[str, Any]] = field(default_factory=list)


def last(name: str) -> str:
    """The last component of a qualified name, a type's name for an ``impl … for T`` or an
    ``extension T`` parent, generics and backticks dropped."""
    if not name:
        return ""
    name = re.sub(r"^(?:impl|extension)\b\s*(?:<[^>]*>)?\s*(?:.*\sfor\s+)?", "", name.strip())
    name = re.sub(r"<.*$", "", name, flags=re.S).replace("`", "").strip()
    return re.split(r"::|\.|#|\\|:", name)[-1] if name else ""


# -- signatures --------------------------------------------------------------------------------


def squash(text: str) -> str:
    text = re.sub(r"\s*\(exported as [^)]*\)$", "", text)  # the outline's note, not source
    flat = re.sub(r"\s+", "", text)
    while flat and flat[-1] in "{;:=":
        flat = flat[:-1]
    return flat


COMMENT_MARKS = ("//", "/*", "*/")


def signature_ok(claim: str, sym: OSymbol) -> bool:
    forms = sym.signature or []
    cut = claim.endswith("…")
    mine = squash(claim.rstrip("…"))
    if not mine:
        return False
    if sym.sig_rule == "as-written":
        if any(m in claim for m in COMMENT_MARKS):
            return False
        return any(mine in squash(f) for f in forms)
    for form in forms:
        theirs = squash(form)
        if mine == theirs or (cut and theirs.startswith(mine)):
            return True
    return False


# -- summaries ---------------------------------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_INLINE = re.compile(r"\{@(\w+)(?:\s+([^{}]*(?:\{[^{}]*\}[^{}]*)*))?\}")
_PARAMS = re.compile(r"(?<=\w)\([^()]*\)")


def _inline(m: re.Match[str], params: bool, hashes: bool = False) -> str:
    """An inline tag as Javadoc renders it: ``{@link A#b(X) label}`` as its label, else the
    reference with ``#`` as ``.`` (a leading ``#`` dropped), its parameter list kept or not;
    ``{@code x}`` as ``x``; ``{@value}`` (no argument) as nothing."""
    body = (m.group(2) or "").strip()
    if m.group(1) not in ("link", "linkplain"):
        return body
    if "|" in body:  # JSDoc's {@link target|label}
        return body.split("|", 1)[1].strip()
    ref, _, label = body.partition(" ")
    if "(" in ref and ")" not in ref and ")" in body:  # a parameter list with spaces
        ref, label = body[: body.index(")") + 1], body[body.index(")") + 1 :]
    if label.strip():
        return label.strip()
    ref = ref.lstrip("#") if hashes else ref.lstrip("#").replace("#", ".")
    return ref if params else _PARAMS.sub("", ref)


_WIKI_LINK = re.compile(r"\[\[([^\]\s]+)(?:\s+([^\]]+))?\]\]")  # Scaladoc [[a.B label]]
_MD_LINK = re.compile(r"\[([^\[\]]+)\](?:\[[^\[\]]*\]|\([^()]*\))?")  # [label][t], [x](u), [x]


def plain(text: str, *, params: bool = True, hashes: bool = False) -> str:
    """A doc's text as read: markup, link syntax and inline tags as their text (``hashes``: a
    link's ``A#b`` kept as JSDoc shows it, else ``A.b`` as Javadoc does)."""
    text = re.sub(r"^\s*[@\\](?:brief|short)\s+", "", text)  # Doxygen's brief command
    text = _INLINE.sub(lambda m: _inline(m, params, hashes), text)
    text = _WIKI_LINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = html.unescape(_TAG.sub("", text))
    text = re.sub(r"[`*]|(?<!\w)_|_(?!\w)", "", text)
    return " ".join(text.split()).casefold()


def first_paragraph(doc: str) -> str:
    for para in re.split(r"\n\s*\n", doc.strip()):
        if para.strip():
            return para
    return ""


def summary_ok(claim: str, doc: str, *, whole: bool = False) -> bool:
    """``whole``: the claim may run past the first paragraph (a file's doc is shown whole).
    A paragraph ending at a colon runs on into the next one (a code block after it); a claim
    matches where it ends at a sentence's end or at the end of a paragraph. A link may be
    rendered with or without its parameter list."""
    return any(
        _summary_ok(claim, doc, whole=whole, params=p, hashes=h)
        for p in (True, False)
        for h in (False, True)
    )


def _summary_ok(claim: str, doc: str, *, whole: bool, params: bool, hashes: bool) -> bool:
    cut = claim.endswith("…")
    mine = plain(claim.rstrip("…"), params=params, hashes=hashes)
    paragraphs = [p for p in re.split(r"\n\s*\n", doc.strip()) if p.strip()]
    if not paragraphs:
        return False
    candidates = [plain(doc if whole else paragraphs[0], params=params, hashes=hashes)]
    if not whole and candidates[0].endswith(":") and len(paragraphs) > 1:
        # a sentence ending at a colon runs on into what follows it
        candidates.append(plain(" ".join(paragraphs[:2]), params=params, hashes=hashes))
    if not mine or not candidates[0]:
        return False
    # a line that ends without a stop, followed by a line that starts a new sentence (a
    # capital), ends a sentence too ("Usage: f" / "Use the API to …")
    first = paragraphs[0].strip().splitlines()
    for k in range(1, len(first)):
        starts = re.match(r"\s*[#*/-]*\s*[A-Z]", first[k])
        open_end = re.search(r"[,;:(]\s*$", first[k - 1])
        if (
            starts
            and not open_end
            and mine == plain("\n".join(first[:k]), params=params, hashes=hashes)
        ):
            return True
    for para in candidates:
        if cut and para.startswith(mine):
            return True
        if not para.startswith(mine):
            continue
        rest = para[len(mine) :]
        if not rest or (mine[-1] in ".!?" and rest[0] == " "):
            return True
        if rest[0] in ".!?" and rest[1:2] in ("", " "):  # the sentence without its stop
            return True
    return False


SOURCE_SUFFIXES = (
    ".h", ".hh", ".hpp", ".hxx", ".inc", ".c", ".cc", ".cpp", ".rb", ".lua", ".sh", ".bash",
    ".php", ".py", ".rs", ".js", ".ts", ".java", ".kt", ".scala", ".swift", ".cs",
)  # fmt: skip


def unit(import_: str) -> str:
    """An unplaced import as a dotted name: a path's file extension dropped, ``/`` as ``.``."""
    base, ext = posixpath.splitext(import_)
    return (base if ext in SOURCE_SUFFIXES else import_).replace("/", ".")


_RULE_LINE = re.compile(r"^[ \t]*[-*=]{3,}[ \t]*$", re.MULTILINE)


def unled(doc: str, name: str) -> str:
    """A doc without its rule-only lines (a banner's ``/*-*****``, ``-----``, each a paragraph
    break) and a leading ``<name>() :``/``<name> :`` (lz4's ``/*! LZ4_compress_fast() : …``)."""
    text = _RULE_LINE.sub("", doc).strip()
    return re.sub(rf"^{re.escape(name)}\s*(?:\(\s*\))?\s*:\s*", "", text) if name else text


def doc_ok(claim: str, sym: OSymbol) -> bool:
    """The claim is a summary of the oracle's doc of ``sym`` or of one of its alternatives,
    as written or once its rule-only lines and a leading ``<name>() :`` are removed."""
    docs = [d for d in [sym.doc or "", *sym.doc_alts] if d]
    return any(summary_ok(claim, d) or summary_ok(claim, unled(d, sym.name)) for d in docs)


# -- comparing one file ------------------------------------------------------------------------


def find_line(source: str, name: str) -> int:
    """Where ``name`` is first declared-looking in ``source`` (the extractor keeps no lines)."""
    pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    for number, line in enumerate(source.splitlines(), 1):
        if pattern.search(line):
            return number
    return 0


def compare_file(
    *,
    language: str,
    rel: str,
    source: str,
    symbols: list[Any],
    file_doc: str,
    imports: list[str],
    importers: dict[str, list[str]],
    ofile: OFile,
    oracle_files: dict[str, OFile],
    oracle: Oracle,
) -> FileResult:
    """Compare the extractor's facts and neighbours of ``rel`` with the oracle's view."""
    res = FileResult()
    t = res.tallies

    def miss(kind: str, side: str, line: int, claim: Any, view: Any) -> None:
        res.misses.append(
            {"file": f"{rel}:{line}", "kind": kind, "side": side, "claim": claim, "oracle": view}
        )

    judges = oracle.judges
    by_key: dict[tuple[str, str], list[OSymbol]] = defaultdict(list)
    for o in ofile.symbols:
        by_key[(last(o.parent), last(o.name))].append(o)
    matched: dict[int, Any] = {}  # id(oracle symbol) -> extractor symbol
    if "symbols" in judges and not ofile.error:
        for s in symbols:
            key = (last(s.parent), last(s.name))
            candidates = by_key.get(key, [])
            if not candidates:
                # the oracle may place a member under another parent (ctags loses scopes):
                # a declaration of that name nowhere else matches by name alone
                same = [o for o in ofile.symbols if last(o.name) == key[1]]
                candidates = same if len(same) == 1 else []
            free = [o for o in candidates if id(o) not in matched] or candidates
            # of several declarations of one name (a prototype and its definition, overloads),
            # the one whose signature fits, then the one whose doc fits
            fitting = [o for o in free if o.signature and signature_ok(s.signature, o)]
            documented = [o for o in fitting or free if s.doc and o.doc and doc_ok(s.doc, o)]
            pick: OSymbol | None = (documented or fitting or free or [None])[0]  # type: ignore[list-item]
            label = f"{s.kind} {s.parent + '.' if s.parent else ''}{s.name}"
            if pick is None:
                if s.kind in oracle.blind_kinds or key[1] in ofile.inactive:
                    t["symbols"].unjudged += 1
                    continue
                t["symbols"].claims += 1
                miss("symbols", "precision", find_line(source, s.name), label, "not declared")
                continue
            t["symbols"].claims += 1
            t["symbols"].confirmed += 1
            matched.setdefault(id(pick), s)
            line = pick.line
            if "visibility" in judges and pick.visibility is not None:
                t["visibility"].claims += 1
                if s.visibility == pick.visibility:
                    t["visibility"].confirmed += 1
                else:
                    miss(
                        "visibility", "precision", line, f"{label}: {s.visibility}", pick.visibility
                    )
            inactive = key[1] in ofile.inactive  # declared in a branch not taken as well
            if "signatures" in judges and pick.signature is not None and s.signature:
                right = signature_ok(s.signature, pick)
                if inactive and not right:
                    t["signatures"].unjudged += 1
                elif right:
                    t["signatures"].claims += 1
                    t["signatures"].confirmed += 1
                else:
                    t["signatures"].claims += 1
                    view = pick.signature[0] if pick.signature else ""
                    if pick.sig_rule == "as-written":
                        view = "source: " + " ".join(view.split())[:240]
                    miss("signatures", "precision", line, s.signature, view)
            if "summaries" in judges and pick.doc is not None and s.doc:
                right = doc_ok(s.doc, pick)
                if inactive and not right:
                    t["summaries"].unjudged += 1
                elif right:
                    t["summaries"].claims += 1
                    t["summaries"].confirmed += 1
                else:
                    t["summaries"].claims += 1
                    miss(
                        "summaries",
                        "precision",
                        line,
                        f"{label}: {s.doc}",
                        " ".join(first_paragraph(pick.doc).split())[:300] or "(no doc comment)",
                    )
        by_id = {id(o): o for o in ofile.symbols}
        for o in ofile.symbols:
            if not o.recall:
                continue
            s = matched.get(id(o))
            label = f"{o.kind} {o.parent + '.' if o.parent else ''}{o.name}"
            t["symbols"].items += 1
            if s is None:
                miss("symbols", "recall", o.line, "(not listed)", label)
            else:
                t["symbols"].found += 1
            if "visibility" in judges and o.visibility is not None:
                t["visibility"].items += 1
                t["visibility"].found += bool(s is not None and s.visibility == o.visibility)
            if "signatures" in judges and o.signature is not None:
                t["signatures"].items += 1
                t["signatures"].found += bool(
                    s is not None and s.signature and signature_ok(s.signature, o)
                )
            if "summaries" in judges and o.doc and plain(first_paragraph(o.doc)):
                t["summaries"].items += 1
                ok = s is not None and bool(s.doc) and doc_ok(s.doc, o)
                t["summaries"].found += ok
                if not ok and s is not None and not s.doc:
                    miss(
                        "summaries",
                        "recall",
                        o.line,
                        f"{label}: (no summary)",
                        " ".join(first_paragraph(o.doc).split())[:300],
                    )
        del by_id
    if "summaries" in judges and ofile.file_doc is not None and not ofile.error:
        if file_doc:
            t["summaries"].claims += 1
            if summary_ok(file_doc, ofile.file_doc, whole=True):
                t["summaries"].confirmed += 1
            else:
                miss(
                    "summaries",
                    "precision",
                    1,
                    f"(file) {file_doc}",
                    " ".join(first_paragraph(ofile.file_doc).split())[:300] or "(no file doc)",
                )
        if plain(first_paragraph(ofile.file_doc)):
            t["summaries"].items += 1
            t["summaries"].found += bool(file_doc) and summary_ok(
                file_doc, ofile.file_doc, whole=True
            )
            if not file_doc:
                miss(
                    "summaries",
                    "recall",
                    1,
                    "(file): (no summary)",
                    " ".join(first_paragraph(ofile.file_doc).split())[:300],
                )
    if "edges" in judges and not ofile.error:
        stems = {last(unit(u)) for u in ofile.unknown}
        for target in imports:
            if target not in oracle_files:  # another language's file: not judged
                t["edges"].unjudged += 1
            elif target in ofile.edges:
                t["edges"].claims += 1
                t["edges"].confirmed += 1
            elif posixpath.splitext(posixpath.basename(target))[0] in stems or any(
                u.endswith("/") and target.startswith(u) for u in ofile.unknown
            ):
                t["edges"].unjudged += 1
            else:
                t["edges"].claims += 1
                miss("edges", "precision", 0, f"imports {target}", "no such import")
        for target in ofile.edges:
            t["edges"].items += 1
            if target in imports:
                t["edges"].found += 1
            else:
                names = sorted(ofile.edges[target])[:8]
                miss("edges", "recall", 0, "(not listed)", f"imports {target} {names}")
    if "imported_by" in judges:
        declared = {last(o.name) for o in ofile.symbols} | ofile.names
        declared.add(posixpath.splitext(posixpath.basename(rel))[0])
        truth = {a for a, f in oracle_files.items() if rel in f.edges and a != rel}
        for importer, names in importers.items():
            their = oracle_files.get(importer)
            if their is None or their.error:
                t["imported_by"].unjudged += 1
                continue
            t["imported_by"].claims += 1
            if importer not in truth:
                stem = posixpath.splitext(posixpath.basename(rel))[0]
                if any(last(unit(u)) == stem for u in their.unknown) or any(
                    u.endswith("/") and rel.startswith(u) for u in their.unknown
                ):
                    t["imported_by"].claims -= 1
                    t["imported_by"].unjudged += 1
                else:
                    miss(
                        "imported_by",
                        "precision",
                        0,
                        f"imported by {importer}: {names}",
                        "no such import",
                    )
                continue
            wildcard = "*" in declared  # re-exports everything of another module
            bad = [
                n
                for n in names
                if n != "default"  # a default import's name is the importer's own
                and (
                    (their.idents is not None and last(n) not in their.idents)
                    or (ofile.symbols and not wildcard and last(n) not in declared)
                )
            ]
            if bad:
                miss(
                    "imported_by",
                    "precision",
                    0,
                    f"imported by {importer}: {names}",
                    f"names not used there or not declared here: {bad}",
                )
            else:
                t["imported_by"].confirmed += 1
        for importer in sorted(truth):
            t["imported_by"].items += 1
            if importer in importers:
                t["imported_by"].found += 1
            else:
                miss(
                    "imported_by",
                    "recall",
                    0,
                    "(not listed)",
                    f"imported by {importer} {sorted(oracle_files[importer].edges[rel])[:8]}",
                )
    return res
