"""Reading a model's reply to a grounded request (:mod:`reactor.backends.grounded`).

The request asks for one JSON object; what comes back is whatever the model wrote. Small models
wrap it in a fence, talk around it, stop at ``max_tokens`` half-way, write a regex's
backslashes raw; some ignore the structured-output request altogether and answer in prose or
with a Markdown doc. Each is read into the reply's shape (``summary``, ``symbols``,
``caveats``) rather than asked for again: :func:`parse_reply` finds the JSON, :func:`prose_reply`
reads prose. What is read is checked against the facts afterwards, the same either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any


def parse_reply(text: str) -> dict[str, Any] | None:
    """The JSON object in ``text``: fenced or not, with prose around it, or cut before its
    end (the open strings, arrays and objects are closed). ``None`` when there is none."""
    start = text.find("{")
    if start < 0:
        return None
    body = text[start:]
    end = body.rfind("}")
    candidates = ([body[: end + 1]] if end >= 0 else []) + [_closed(body)]
    for candidate in candidates + [_escaped(c) for c in candidates]:
        try:
            found = json.loads(candidate, strict=False)  # (raw newlines in strings too)
        except ValueError:
            continue
        # (an object with none of the reply's keys is a `{}` quoted in prose, not the reply)
        if isinstance(found, dict) and found.keys() & REPLY_KEYS:
            return found
    return None


REPLY_KEYS = frozenset({"summary", "symbols", "caveats"})


def _escaped(body: str) -> str:
    r"""``body`` with the backslashes JSON does not know doubled (a model quoting a regex
    writes ``\s`` inside a string, which JSON refuses)."""
    return re.sub(r'\\(?!["\\/bfnrtu])', r"\\\\", body)


def _closed(body: str) -> str:
    """``body`` with what a cut left open closed: a string, then arrays and objects."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in body:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    closed = body + ('"' if in_string else "")
    closed = re.sub(r",\s*$", "", closed)
    closed = re.sub(r'([{,]\s*"[^"]*"\s*):?\s*$', r"\1: null", closed)  # a key with no value
    return closed + "".join(reversed(stack))


_FENCE_LINE = re.compile(r" {0,3}(`{3,}|~{3,})\s*([\w+-]*)")
_HEADING_LINE = re.compile(r" {0,3}#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_ITEM_LINE = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])\s+(.*)")
#: What an item or a table row begins with when it names a symbol: a code span, bold, or a
#: word before a colon (``Wallet.add(coins)``, ``**total**``, ``total:``).
_LABEL = re.compile(r"(`+)(.+?)\1|\*\*(.+?)\*\*|__(.+?)__|([\w$.#:()]+?)(?=:\s)")
_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*")
_CAVEAT_HEADING = re.compile(r"caveat|surprise|limit|warning|gotcha|pitfall|note", re.IGNORECASE)
#: Fences whose lines are read as the reply's text (a reply wrapped in ```markdown): any other
#: fence holds code, which is no prose.
_TEXT_FENCES = ("markdown", "md")


def prose_reply(text: str, names: Sequence[str]) -> dict[str, Any] | None:
    """A reply written as prose or Markdown instead of the JSON asked for (a model that ignores
    the structured-output request), read into the JSON's shape, so that it is kept rather than
    asked for again: its paragraphs as the summary (a lead-in ending in a colon left out); an
    item, a table row or a heading that names a symbol given (in a code span, in bold, or before
    a colon) and what follows it as that symbol's description; the items under a caveats
    heading as caveats (``names``: the symbols asked about, ``Type.member`` for a member).
    ``None`` when it says none of these."""
    resolve = _resolver(names)
    paragraphs: list[list[str]] = [[]]
    described: dict[str, str] = {}
    caveats: list[str] = []
    section = symbol = ""  # the heading read last: a section's title, or a symbol it names
    fence = markdown = ""  # the code fence being passed over, the Markdown one being read
    for line in text.strip().split("\n"):
        if fence:
            fence = "" if _closes(line, fence) else fence
            continue
        if markdown and _closes(line, markdown):
            markdown = ""
            continue
        if (opened := _FENCE_LINE.fullmatch(line)) is not None:
            if opened.group(2).lower() in _TEXT_FENCES:
                markdown = opened.group(1)
            else:
                fence = opened.group(1)
            continue
        if (head := _HEADING_LINE.fullmatch(line)) is not None:
            symbol = _named(head.group(1), resolve)[0]
            section = "" if symbol else head.group(1)
            continue
        content = line.strip().lstrip(">").strip()
        row = [c.strip() for c in content.strip("|").split("|")] if content.startswith("|") else []
        item = _ITEM_LINE.fullmatch(line)
        if not content:
            paragraphs.append([])
            symbol = "" if symbol in described else symbol  # its first paragraph is said
        elif row:
            name = _named(row[0], resolve)[0]
            if name and (cells := " ".join(c for c in row[1:] if c)):
                described[name] = cells
        elif item is not None and _CAVEAT_HEADING.search(section):
            caveats.append(item.group(1))
        elif item is not None:
            name, rest = _named(item.group(1), resolve)
            if name and rest:
                described[name] = rest
        elif symbol:
            described[symbol] = f"{described.get(symbol, '')} {content}".strip()
        elif not _CAVEAT_HEADING.search(section):
            paragraphs[-1].append(content)
    joined = [" ".join(p) for p in paragraphs if p]
    summary = " ".join(p for p in joined if not p.endswith(":"))
    if not (summary or described or caveats):
        return None
    symbols = [{"name": n, "description": d} for n, d in described.items()]
    return {"summary": summary, "symbols": symbols, "caveats": caveats}


def _closes(line: str, run: str) -> bool:
    return re.fullmatch(rf" {{0,3}}{re.escape(run)}{re.escape(run[0])}*\s*", line) is not None


def _resolver(names: Sequence[str]) -> dict[str, str]:
    """The names a reply may call each symbol asked about: its own, and its short name when no
    other symbol asked about shares it."""
    full = {name: name for name in names}
    shorts: dict[str, list[str]] = {}
    for name in full:
        shorts.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    return {**{k: v[0] for k, v in shorts.items() if len(v) == 1}, **full}


def _named(label: str, names: dict[str, str]) -> tuple[str, str]:
    """The symbol ``label`` begins by naming, and what it says after the name."""
    found = _LABEL.match(label.strip())
    if found is None:
        return "", ""
    shown = next(g for g in found.groups()[1:] if g is not None)
    for word in _NAME.findall(shown):
        name = names.get(word.replace("::", ".").replace("#", "."))
        if name is not None:
            return name, label.strip()[found.end() :].lstrip(" :—–-").strip()
    return "", ""
