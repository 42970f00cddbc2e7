"""Paths and outside text as people read them: quoted the way git quotes paths, escaped.

A file name may hold a newline, a tab or an escape sequence. Printed raw, one such name splits a
``check`` line in two, forges a log entry or breaks a doc's title; so every line-oriented output
and every doc title shows a name with control characters (or quotes and backslashes) as git
does with ``core.quotePath = false``: ``"new\\nline.py"``. Other names are shown as they are.

Text that comes from outside (a shell script's stderr, a reason a backend gives) gets the same
escapes without the quotes (:func:`printable`): an escape sequence in it must never reach the
terminal that shows a log line or a ``status`` report.

Whether a repo-relative path lies under others (:func:`under`, :func:`in_scope`) is asked by
``status``, ``check`` and the pages alike, so it is answered here once.
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


def under(rel: str, paths: list[str]) -> bool:
    """``rel`` is one of the repo-relative ``paths`` or lies inside one of them."""
    return any(rel == p or rel.startswith(p + "/") for p in paths)


def in_scope(rel: str, scope: list[str] | None) -> bool:
    """Whether ``rel`` lies in one of the repo-relative ``scope`` paths (``None``, ``""`` or
    ``.``: the whole repo)."""
    if scope is None:
        return True
    cleaned = [s.strip("/") for s in scope]
    return any(s in ("", ".") for s in cleaned) or under(rel, cleaned)


def quote_path(rel: str) -> str:
    """``rel`` unchanged when it is plain, else in double quotes with C-style escapes."""
    if rel.isprintable() and '"' not in rel and "\\" not in rel:
        return rel
    quoted = "".join(_escape(ch) if ch in _ESCAPES or not ch.isprintable() else ch for ch in rel)
    return f'"{quoted}"'


def printable(text: str) -> str:
    """``text`` with every control character (and other unprintable one) escaped, C-style:
    one line, and nothing a terminal would act on."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return "".join(f"\\{b:03o}" for b in ch.encode("utf-8", "surrogateescape"))
