"""Vue and Svelte single-file components: the ``<script>`` blocks, read as JavaScript/TypeScript.

Everything outside the script blocks (template, style) is blanked out byte for byte, newlines
kept, so the JavaScript walk sees the script where it is in the file and every line number holds.
``lang="ts"`` (or ``tsx``) on any block reads them all as TypeScript; the facts' language is the
script's, so imports resolve like any other JS/TS module's (``./Child.vue`` included).
"""

from __future__ import annotations

import re

from . import Facts, javascript

_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_LANG = re.compile(rb"""\blang\s*=\s*["']?(ts|tsx|typescript)\b""", re.IGNORECASE)


def extract(rel: str, language: str, data: bytes) -> Facts:
    del language  # the component's language is its script's
    masked = bytearray(re.sub(rb"[^\n]", b" ", data))
    typescript = False
    for block in _SCRIPT.finditer(data):
        start, end = block.span(2)
        masked[start:end] = data[start:end]
        typescript = typescript or bool(_LANG.search(block.group(1)))
    return javascript.extract(rel, "typescript" if typescript else "javascript", bytes(masked))
