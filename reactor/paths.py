"""Paths as people read them: quoted the way git quotes them in line-oriented output.

A file name may hold a newline, a tab or an escape sequence. Printed raw, one such name splits a
``check`` line in two, forges a log entry or breaks a doc's title; so every line-oriented output
and every doc title shows a name with control characters (or quotes and backslashes) as git
does with ``core.quotePath = false``: ``"new\\nline.py"``. Other names are shown as they are.
"""

from __future__ import annotations

_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


def quote_path(rel: str) -> str:
    """``rel`` unchanged when it is plain, else in double quotes with C-style escapes."""
    if rel.isprintable() and '"' not in rel and "\\" not in rel:
        return rel
    out = []
    for ch in rel:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable():
            out.append("".join(f"\\{b:03o}" for b in ch.encode("utf-8", "surrogateescape")))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
