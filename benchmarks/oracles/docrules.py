"""Doc comments by each language's documented rule, for the oracles whose tool keeps none
(ctags, the scanner): the comment block directly above a declaration (attribute and
annotation lines passed over, no blank line between), in the language's doc syntax.

* Rust ``///`` lines or ``/** … */`` (the reference, "Doc comments"); a file's ``//!`` lines.
* Swift ``///`` lines or ``/** … */`` (Swift-DocC).
* C# ``///`` lines, their ``<summary>`` (the C# spec's documentation comments).
* Kotlin (KDoc), Scala (Scaladoc), PHP (PHPDoc): ``/** … */``, up to the first ``@tag``.
* Ruby: the ``#`` lines directly above (RDoc), up to the first ``@tag`` (YARD).
* Lua: ``---`` starting a block of ``--`` lines (LDoc), up to the first ``@tag``.
* shell: the ``#`` lines directly above a function (the Google shell style guide's function
  comments; the language has no doc comments).
"""

from __future__ import annotations

import re

DOC_STYLE = {
    "rust": "/// or /** */",
    "swift": "/// or /** */",
    "csharp": "/// <summary>",
    "kotlin": "/** */ KDoc",
    "scala": "/** */ Scaladoc",
    "php": "/** */ PHPDoc",
    "ruby": "# RDoc/YARD",
    "lua": "--- LDoc",
    "shell": "# above a function",
    "java": "/** */ Javadoc",
    "c": "Doxygen /** */, ///",
    "cpp": "Doxygen /** */, ///",
}
ATTRIBUTE = {
    "rust": re.compile(r"^\s*#\["),
    "csharp": re.compile(r"^\s*\["),
    "php": re.compile(r"^\s*#\["),
    "kotlin": re.compile(r"^\s*@\w"),
    "scala": re.compile(r"^\s*@\w"),
    "swift": re.compile(r"^\s*@\w"),
    "java": re.compile(r"^\s*@\w"),
    "cpp": re.compile(r"^\s*template\s*<"),
}
TAG = re.compile(r"^\s*@\w")


def _block(lines: list[str], end: int) -> list[str] | None:
    """The ``/** … */`` block ending on line ``end`` (0-based), its lines without markers."""
    if not lines[end].rstrip().endswith("*/"):
        return None
    start = end
    while start >= 0 and "/*" not in lines[start]:
        start -= 1
    if start < 0 or "/**" not in lines[start] or "/***" in lines[start]:
        return None
    body = "\n".join(lines[start : end + 1])
    body = body[body.index("/**") + 3 : body.rindex("*/")]
    return [re.sub(r"^\s*\*(?!/) ?", "", x) for x in body.split("\n")]


def _lines(lines: list[str], end: int, mark: str, exclude: str | None = None) -> list[str]:
    out: list[str] = []
    j = end
    while j >= 0:
        text = lines[j].strip()
        if not text.startswith(mark) or (exclude and text.startswith(exclude)):
            break
        out.insert(0, text[len(mark) :])
        j -= 1
    return out


def _until_tag(body: list[str]) -> str:
    kept: list[str] = []
    for line in body:
        if TAG.match(line):
            break
        kept.append(line.strip())
    return "\n".join(kept).strip()


def doc_above(lines: list[str], index: int, language: str, *, full_cref: bool = False) -> str:
    """The doc comment of the declaration on line ``index`` (0-based), by the rules above
    (``full_cref``: a C# ``<see cref="A.B"/>`` as ``A.B``, else as ``B``)."""
    j = index - 1
    attribute = ATTRIBUTE.get(language)
    while j >= 0 and attribute is not None and attribute.match(lines[j]):
        j -= 1
    if j < 0:
        return ""
    if language in ("rust", "swift", "csharp"):
        body = _lines(lines, j, "///", "////")
        if not body and language != "csharp":
            body = _block(lines, j) or []
        text = "\n".join(x.strip() for x in body)
        if language == "csharp":
            found = re.search(r"<summary>(.*?)</summary>", text, re.S)
            text = found.group(1) if found else text
            text = re.sub(
                r"<(?:see|seealso|paramref|typeparamref)\s+\w+=\"([^\"]*)\"\s*/>",
                lambda m: m.group(1) if full_cref else m.group(1).split(".")[-1],
                text,
            )
            text = re.sub(r"<[^>]+>", "", text)
        return text.strip()
    if language in ("c", "cpp"):
        body = _lines(lines, j, "///", "////") or _lines(lines, j, "//!")
        body = body or _block(lines, j) or []
        return "\n".join(x.strip() for x in body).strip()
    if language in ("kotlin", "scala", "php", "java"):
        return _until_tag(_block(lines, j) or [])
    if language in ("ruby", "shell"):
        body = _lines(lines, j, "#", "#!")
        return _until_tag(body)
    if language == "lua":
        body = _lines(lines, j, "--")
        if not body or not body[0].startswith("-"):
            return ""
        return _until_tag([b.lstrip("-") for b in body])
    return ""


def file_doc(text: str, language: str) -> str | None:
    """A file's own doc where the language defines one (Rust ``//!``); ``None`` elsewhere."""
    if language != "rust":
        return None
    lines = text.splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip().startswith("//!"):
        if lines[start].strip() and not lines[start].strip().startswith(("//", "#!")):
            return ""
        start += 1
    return "\n".join(_lines(lines[: len(lines)], _last_inner(lines, start), "//!")).strip()


def _last_inner(lines: list[str], start: int) -> int:
    j = start
    while j + 1 < len(lines) and lines[j + 1].strip().startswith("//!"):
        j += 1
    return j if j < len(lines) else len(lines) - 1
