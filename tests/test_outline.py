from __future__ import annotations

from pathlib import Path

from reactor.backends import DocRequest, Generated, NoOp
from reactor.backends.outline import OutlineBackend, leading_comment
from reactor.facts import extract

PY_SOURCE = '''"""Parse things.

More detail here.
"""
import os
from .sibling import thing

LIMIT = 10


class Parser(Base, metaclass=Meta):
    """Parses input."""

    def parse(self, text: str, *, strict: bool = False) -> list[str]:
        """Split text into tokens."""
        return []

    def _private(self): ...


async def fetch(url: str) -> bytes:
    """Fetch one URL."""


def _hidden(): ...
'''


def generate(rel: str, source: str, context: str | None = None) -> Generated | NoOp:
    """The outline of ``source`` from its facts, as the reactor hands them over."""
    facts = extract(rel, source.encode())
    request = DocRequest(Path("/r"), rel, "0" * 64, source, None, context, facts=facts)
    return OutlineBackend().generate(request)


def test_python_outline() -> None:
    result = generate("pkg/parse.py", PY_SOURCE, "Imported by:\n- pkg/cli.py: def main")
    assert isinstance(result, Generated)
    body = result.body
    assert body.startswith("# `pkg/parse.py`")
    assert "## Purpose\n\nParse things.\n\nMore detail here." in body
    assert "### `class Parser(Base, metaclass=Meta)`" in body
    assert "- `def parse(self, text: str, *, strict: bool=False) -> list[str]` — Split text" in body
    # private members are listed, marked, after the public ones (issue 29, class 5)
    assert "- `def _private(self)` *(private)*" in body and "_hidden" in body
    assert "- `async def fetch(url: str) -> bytes` — Fetch one URL." in body
    assert "`LIMIT`" in body
    assert "`os`, `.sibling`" in body
    assert "## Neighbours\n\nImported by:\n- pkg/cli.py: def main" in body


def test_unparsable_python_falls_back_to_generic() -> None:
    result = generate("broken.py", "# broken module\ndef (:\n")
    assert isinstance(result, Generated)
    assert "*Python source — 2 lines" in result.body and "> broken module" in result.body


def test_generic_page_and_leading_comment() -> None:
    result = generate(
        "src/main.dart", "#!/usr/bin/env run\n// App root.\n// Does X.\nvoid main() {}\n"
    )
    assert isinstance(result, Generated)
    assert "*Dart source — 4 lines" in result.body
    assert "> App root.\n> Does X." in result.body
    assert leading_comment("/*\n * Block\n * comment\n */\nint x;") == ["Block", "comment"]


def test_empty_file_still_gets_a_page() -> None:
    assert generate("pkg/__init__.py", "\n\n") == Generated(
        "# `pkg/__init__.py`\n\n*Empty Python file.*\n"
    )
