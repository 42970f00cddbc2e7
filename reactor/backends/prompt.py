"""The LLM backends' prompt, reply cleaning and identity: everything but the HTTP.

The whole prompt is fitted to the model's window (``context_tokens`` less the reply's
``max_tokens``), estimated at ``CHARS_PER_TOKEN``; what gives way first is the previous doc,
then the neighbours' symbols, then the middle of the source, each cut marked. The reactor, not the
model, writes the ``SHA256:`` header; whatever the model returns is cleaned (code fences and stray
header lines removed) and refused when empty or degenerate (a lone fence, a loop). Nothing here
needs the ``llm`` extra, so ``reactor check --strict`` can tell an LLM backend's identity without
it.
"""

from __future__ import annotations

import re

from ..errors import BackendError
from ..inputs import without_comment
from ..markdown import balanced
from . import DocRequest, Generated

#: A token is estimated at this many characters (code and Markdown run 3–4; the smaller figure
#: errs towards a prompt that fits). ``benchmarks/real_model.py`` measures the miss.
CHARS_PER_TOKEN = 3.5
#: Kept free in the window besides the reply, for the chat template's own tokens.
TEMPLATE_TOKENS = 64

SYSTEM_PROMPT = (
    "You write concise, accurate Markdown documentation for one source file of a software "
    "repository. Use these sections: '## Purpose' (what the file is for, 1-3 sentences), "
    "'## Public API' (the important classes, functions and constants with one line each), "
    "'## How it fits' (how it relates to the neighbouring files listed, if any) and "
    "'## Caveats' (surprises, side effects, limits; omit if none). Start with a '# `path`' "
    "title. Describe only what the code shows; do not invent behaviour. Output Markdown only: "
    "no preamble, no code fence around the whole answer, no SHA256 line."
)

_FENCE_RE = re.compile(r"\A```[\w+.-]*[ \t]*\n(?P<body>.*?)\n?```[ \t]*\Z", re.DOTALL)
_FENCE_LINE_RE = re.compile(r"\A[ \t]*```[\w+.-]*[ \t]*\Z")
_HEADER_LINE_RE = re.compile(r"\ASHA256:[^\n]*\n?")


def estimate_tokens(text: str) -> int:
    """Tokens ``text`` takes, estimated from its length (no tokenizer is loaded)."""
    return int(-(-len(text) // CHARS_PER_TOKEN))


def cut_middle(text: str, keep_chars: int, what: str) -> str:
    """Keep the head (2/3) and the tail (1/3) of ``text``, with a marker where it was cut."""
    if len(text) <= keep_chars:
        return text
    head, tail = keep_chars * 2 // 3, keep_chars // 3
    marker = f"\n… [{what} cut: {len(text) - head - tail:,} of {len(text):,} characters left out]\n"
    return text[:head] + marker + (text[-tail:] if tail else "")


def _neighbour_paths_only(graph_context: str) -> str:
    """The graph context with each neighbour's symbol list dropped (``- path: a, b`` → path)."""
    return "\n".join(line.split(": ", 1)[0] for line in graph_context.splitlines())


def user_prompt(request: DocRequest, *, budget_tokens: int) -> str:
    """The per-file message, fitted to ``budget_tokens``.

    What gives way, in order: the previous doc, the neighbours' symbols (then the neighbours),
    then the middle of the source; every cut leaves a marker.
    """
    header = f"File: `{request.relative_path}`"
    source = request.source_contents
    previous = ""
    if request.existing_doc_contents:
        previous = without_comment(request.existing_doc_contents)
        previous = _HEADER_LINE_RE.sub("", previous, count=1).strip()
    neighbours = request.graph_context or ""

    def render(previous: str, neighbours: str, source: str) -> str:
        parts = [header]
        if neighbours:
            parts.append(f"Neighbouring files in this repository:\n{neighbours}")
        if previous:
            parts.append(
                "The previous version of this doc (update it to match the source; keep what is "
                f"still true):\n<previous-doc>\n{previous}\n</previous-doc>"
            )
        parts.append(f"Source:\n<source>\n{source}\n</source>")
        return "\n\n".join(parts)

    def fits(text: str) -> bool:
        return estimate_tokens(text) <= budget_tokens

    prompt = render(previous, neighbours, source)
    if fits(prompt):
        return prompt
    overflow = (estimate_tokens(prompt) - budget_tokens) * CHARS_PER_TOKEN
    # (the marker and rounding take a few characters: leave some slack)
    previous = cut_middle(previous, max(0, int(len(previous) - overflow) - 200), "previous doc")
    if len(previous) < 200:
        previous = ""
    prompt = render(previous, neighbours, source)
    if fits(prompt):
        return prompt
    neighbours = _neighbour_paths_only(neighbours)
    prompt = render(previous, neighbours, source)
    if fits(prompt):
        return prompt
    room = int(budget_tokens * CHARS_PER_TOKEN) - (len(prompt) - len(source)) - 120
    if room < budget_tokens * CHARS_PER_TOKEN / 2:  # the neighbours' paths alone crowd it out
        neighbours = ""
        room = int(budget_tokens * CHARS_PER_TOKEN) - len(render(previous, "", "")) - 120
    return render(previous, neighbours, cut_middle(source, max(room, 0), "source"))


def messages(request: DocRequest, *, budget_tokens: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user_prompt(request, budget_tokens=budget_tokens)},
    ]


def prompt_budget(context_tokens: int, max_tokens: int) -> int:
    """Tokens the user message may take: the window less the reply, system prompt, template."""
    system = estimate_tokens(SYSTEM_PROMPT)
    return max(256, context_tokens - max_tokens - system - TEMPLATE_TOKENS)


def clean_output(text: str, backend: str) -> Generated:
    """Strip code fences around the doc and stray ``SHA256:`` lines; refuse a degenerate doc.

    Small and local models often wrap the answer in a fence, open one they never close, reply
    with a lone fence, or loop on a line until the token limit: each is either repaired (fences;
    one opened mid-doc and never closed is closed at its end) or refused as a failed attempt
    with a reason (the file is backed off, nothing is written).
    """
    body = text.strip()
    fenced = _FENCE_RE.match(body)
    if fenced:
        body = fenced.group("body").strip()
    lines = body.split("\n")
    if (
        lines
        and _FENCE_LINE_RE.match(lines[0])
        and not any(_FENCE_LINE_RE.match(line) for line in lines[1:])
    ):
        lines = lines[1:]  # an opening fence never closed
    while (
        lines
        and _FENCE_LINE_RE.match(lines[-1])
        and sum(bool(_FENCE_LINE_RE.match(line)) for line in lines) % 2
    ):
        lines = lines[:-1]  # a closing fence never opened
    body = "\n".join(lines).strip()
    while _HEADER_LINE_RE.match(body):
        body = _HEADER_LINE_RE.sub("", body, count=1).lstrip()
    body = balanced(body).rstrip()  # a fence left open would take in the inputs line below
    reason = degenerate(body)
    if reason is not None:
        raise BackendError(backend, f"the model returned a degenerate doc ({reason})")
    return Generated(body + "\n")


def degenerate(body: str) -> str | None:
    """Why ``body`` is not a doc (``None``: it is one)."""
    if not body:
        return "empty"
    if not re.search(r"[^\W_]", body):
        return "no text, only fences or punctuation"
    nonblank = [line.strip() for line in body.splitlines() if line.strip()]
    if len(nonblank) >= 6 and len(set(nonblank)) * 3 < len(nonblank):
        return f"{len(nonblank)} lines but only {len(set(nonblank))} distinct: a loop"
    return None


#: A free-form reply cut at ``max_tokens`` is kept when this many whole sections came first.
MIN_SALVAGED_SECTIONS = 2


def salvage(text: str) -> str | None:
    """The complete sections of a free-form reply cut at ``max_tokens`` (the last one, which
    the cut left unfinished, dropped); ``None`` when fewer than two came whole."""
    parts = re.split(r"(?m)^(?=## )", text.strip())
    sections = [p for p in parts if p.startswith("## ")]
    if len(sections) - 1 < MIN_SALVAGED_SECTIONS:
        return None
    head = "" if parts[0].startswith("## ") else parts[0]
    return (head + "".join(sections[:-1])).rstrip() + "\n"


def tighter(messages: list[dict[str, str]], max_tokens: int) -> list[dict[str, str]]:
    """The messages of a free-form request again, asking for a doc that fits: a retry of a
    reply that was cut (sent once, never more)."""
    words = int(max_tokens * 0.5)
    last = messages[-1]
    note = f"\n\nKeep the whole doc under {words} words: the reply is cut at {max_tokens} tokens."
    return [*messages[:-1], {**last, "content": last["content"] + note}]
