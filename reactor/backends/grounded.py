"""Grounded docs: the reactor writes the structure from the facts, the model only the prose.

The facts (every public symbol with its real signature, the neighbours) are exact and free; a
model asked for a whole Markdown doc may drop half of them, name functions the file does not
have, or run out of tokens half-way. So the model is asked for JSON only — a summary of the
file, one description per symbol *it is given by name*, and caveats — bounded (``maxLength``,
``maxItems``) so that the whole reply fits in ``max_tokens``; and the reactor renders the doc
with the outline's layout (:func:`reactor.backends.outline.facts_page`), the model's prose in
place of the doc comments. A description for a symbol it was not given is dropped; a sentence
that names, in backticks, an identifier found neither in the file's facts nor in its
neighbours is dropped and counted.

What the model wrote is kept per part (the summary, each symbol) with a fingerprint of what it
was written from (the symbol's signature and its stretch of the source; for the summary, the
public surface): an edit asks only about the symbols it changed, with their code alone in the
prompt, and the summary only when the public surface changed; an edit no part shows (a private
helper's body) asks nothing at all.

The same request serves three server dialects (``response_format`` with a ``json_schema``,
llama-cpp-python's ``json_object`` + ``schema``, Ollama's ``format``) and servers with none, which
get the schema as instructions; the reply is read leniently either way, prose written instead
of JSON too (:mod:`reactor.backends.replies`). Every piece of the model's prose reaches the doc
through :mod:`reactor.markdown`, so none of it can open a heading, a list or a code block there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..facts import TYPE_KINDS, Facts, Symbol
from . import DocRequest
from .outline import OUTLINE_VERSION, facts_page
from .prompt import CHARS_PER_TOKEN, cut_middle, estimate_tokens
from .prompt import SYSTEM_PROMPT as FREEFORM_PROMPT

#: The stable head of every grounded request (one system prompt for every file, so that a
#: server's prompt cache is reused from file to file).
SYSTEM_PROMPT = (
    "You document one source file of a software repository for the developers who work on it. "
    "You are given the file, the names and signatures of its public symbols, and its "
    "neighbouring files. Reply with one JSON object and nothing else: "
    '{"summary": what the file is for and how its parts work together (1-3 sentences), '
    '"symbols": [{"name": one of the given names, "description": what it does, its inputs, '
    'effects and result (1-2 sentences)}], "caveats": [surprises, side effects, limits]}. '
    "Describe only what the code shows; do not invent behaviour. Put identifiers in backticks, "
    "and only identifiers that appear in the file or its neighbours."
)
#: How the model's prose joins the facts (2: the author's own docs win, the model's sentence
#: follows marked; claims the code does not bear out dropped): part of the identity.
RENDER_VERSION = 2
#: Symbols asked about per file (the rest keep their doc comment): the reply must fit.
MAX_SYMBOLS = 40
#: Unchanged symbols whose signatures an incremental request shows beside the changed ones.
MAX_CONTEXT_SIGNATURES = 12
#: Characters of JSON a reply token carries (keys, quotes and escapes take their share).
REPLY_CHARS_PER_TOKEN = 3.0
SUMMARY_CHARS = (120, 400)
DESCRIPTION_CHARS = (60, 240)
CAVEATS = 3
CAVEAT_CHARS = 160


@dataclass(frozen=True)
class Bounds:
    """How long each part of the reply may be, so that all of it fits in ``max_tokens``."""

    summary: int
    description: int
    caveat: int
    symbols: int

    @classmethod
    def fitting(cls, max_tokens: int, symbols: int, *, tighter: bool = False) -> Bounds:
        """Share the reply's characters: a fifth to the summary, two thirds to the symbols (each
        at least the smallest description — fewer symbols are asked about when they do not
        fit), the rest to caveats. ``tighter``: half of it all (the retry of a cut reply)."""
        budget = max_tokens * REPLY_CHARS_PER_TOKEN * (0.5 if tighter else 1.0)
        overhead = 40  # `{"name": "…", "description": "…"},` per symbol
        summary = int(min(SUMMARY_CHARS[1], max(SUMMARY_CHARS[0], budget / 5)))
        room = budget * 2 / 3
        fits = int(room // (DESCRIPTION_CHARS[0] + overhead))
        count = max(0, min(symbols, MAX_SYMBOLS, fits))
        each = int(room / count - overhead) if count else 0
        description = min(DESCRIPTION_CHARS[1], max(DESCRIPTION_CHARS[0], each))
        caveat = int(min(CAVEAT_CHARS, max(20, (budget - summary - room) / CAVEATS - 12)))
        return cls(summary, description, caveat, count)


def asked(facts: Facts | None, limit: int) -> list[Symbol]:
    """The public symbols the model is asked about, types and top-level functions first, then
    the public members of public types; at most ``limit``."""
    if facts is None:
        return []
    public_types = {s.name for s in facts.top_level() if s.kind in TYPE_KINDS and s.exported}
    top = [s for s in facts.top_level() if s.exported]
    members = [
        s
        for s in facts.symbols
        if s.parent in public_types and s.exported and s.kind not in TYPE_KINDS
    ]
    chosen: list[Symbol] = []
    seen: set[str] = set()
    for symbol in [*top, *members]:
        key = qualified(symbol)
        if key not in seen:
            seen.add(key)
            chosen.append(symbol)
    return chosen[:limit]


def qualified(symbol: Symbol) -> str:
    """The name the model is given and answers with: ``Type.method`` for a member."""
    return f"{symbol.parent}.{symbol.name}" if symbol.parent else symbol.name


def schema(names: list[str], bounds: Bounds, *, summary: bool = True) -> dict[str, Any]:
    """The JSON schema of the reply, with the bounds that keep it inside ``max_tokens``
    (without the summary and caveats when they are known already)."""
    name: dict[str, Any] = {"type": "string"}
    if names:
        name["enum"] = names
    shape: dict[str, Any] = {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "maxLength": bounds.summary},
            "symbols": {
                "type": "array",
                "maxItems": len(names),
                "items": {
                    "type": "object",
                    "properties": {
                        "name": name,
                        "description": {"type": "string", "maxLength": bounds.description},
                    },
                    "required": ["name", "description"],
                    "additionalProperties": False,
                },
            },
            "caveats": {
                "type": "array",
                "maxItems": CAVEATS,
                "items": {"type": "string", "maxLength": bounds.caveat},
            },
        },
        "required": ["summary", "symbols", "caveats"],
        "additionalProperties": False,
    }
    if not summary:
        del shape["properties"]["summary"], shape["properties"]["caveats"]
        shape["required"] = ["symbols"]
    return shape


_DECORATORS = re.compile(r"^(@\S+\s+)+")


def spans(source: str, symbols: list[Symbol]) -> dict[str, str]:
    """Each symbol's stretch of the source: from the line its declaration starts on to the
    next symbol's (found in source order by the signature's first words)."""
    lines = source.splitlines(keepends=True)
    flat = [" ".join(line.split()) for line in lines]
    starts: list[tuple[int, str]] = []
    cursor = 0
    for symbol in symbols:
        # (a decorator in the signature sits on a line of its own in the source)
        probe = _DECORATORS.sub("", " ".join((symbol.signature or symbol.name).split()))[:24]
        found = next((i for i in range(cursor, len(flat)) if probe in flat[i]), None)
        if found is None:
            found = next((i for i, text in enumerate(flat) if probe in text), None)
        if found is not None:
            starts.append((found, qualified(symbol)))
            cursor = found + 1
    ordered = sorted(starts)
    out = {}
    for i, (start, key) in enumerate(ordered):
        end = next((s for s, _ in ordered[i + 1 :] if s > start), len(lines))
        out[key] = "".join(lines[start:end])
    return out


def fingerprints(
    request: DocRequest, symbols: list[Symbol], stretch: dict[str, str]
) -> dict[str, str]:
    """What each part is written from, hashed: a symbol's signature and its stretch of the
    source (``stretch``: :func:`spans`); the summary's, the public surface (every signature
    asked about) and the path."""
    out = {
        qualified(s): _digest(s.signature, _normalised(stretch.get(qualified(s), s.name)))
        for s in symbols
    }
    out[SUMMARY] = _digest(request.relative_path, *(s.signature for s in symbols))
    return out


#: The key of the file's summary (and caveats) among its parts.
SUMMARY = ""


def _normalised(code: str) -> str:
    """Code as far as its meaning goes for a description: blank lines and trailing blanks out
    (a function followed by a new one reads the same)."""
    return "\n".join(line.rstrip() for line in code.strip().splitlines() if line.strip())


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


@dataclass
class Question:
    """One file's request: who is asked about, how long each answer may be, the messages.

    ``prose`` is what the model wrote before and still holds (the parts whose fingerprint did
    not change), ``fingerprints`` every part's fingerprint now; when ``symbols`` is empty and
    ``summary`` is false there is nothing to ask at all."""

    symbols: list[Symbol]
    bounds: Bounds
    messages: list[dict[str, str]]
    schema: dict[str, Any]
    #: True when the server has no structured output: the schema rides in the prompt.
    instructions: bool = False
    summary: bool = True
    prose: dict[str, list[str]] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)

    @property
    def needed(self) -> bool:
        return bool(self.symbols) or self.summary

    @property
    def names(self) -> list[str]:
        """The names the symbols asked about are given by."""
        return [qualified(s) for s in self.symbols]


def question(
    request: DocRequest,
    *,
    max_tokens: int,
    budget_tokens: int,
    instructions: bool,
    tighter: bool = False,
) -> Question:
    """The messages and schema for ``request`` (``budget_tokens``: what the user message may
    take of the window)."""
    everyone = asked(request.facts, MAX_SYMBOLS)
    stretch = spans(request.source_contents, request.facts.symbols if request.facts else [])
    now = fingerprints(request, everyone, stretch)
    before = request.prose or {}
    kept = {part: before[part] for part, fp in now.items() if before.get(part, [""])[0] == fp}
    changed = [s for s in everyone if qualified(s) not in kept]
    summary = SUMMARY not in kept
    bounds = Bounds.fitting(max_tokens, len(changed), tighter=tighter)
    symbols = changed[: bounds.symbols]
    names = [qualified(s) for s in symbols]
    shape = schema(names, bounds, summary=summary)
    lines = [f"File: `{request.relative_path}`"]
    if symbols:
        lines.append("Public symbols to describe, by name (answer with these names only):")
        lines += [f"- `{qualified(s)}`: `{s.signature or s.name}`" for s in symbols]
    known = [s for s in everyone if qualified(s) in kept]
    if known:  # the context of what changed: its siblings' signatures, not their code
        parents = {s.parent for s in symbols}
        near = [s for s in known if s.parent in parents][:MAX_CONTEXT_SIGNATURES]
        if near:
            lines.append("Described already (for context only, do not describe them):")
            lines += [f"- `{s.signature or s.name}`" for s in near]
    if request.graph_context:
        lines.append(f"Neighbouring files in this repository:\n{request.graph_context}")
    limits = (
        f"Limits: summary at most {bounds.summary} characters, each description at most "
        f"{bounds.description}, at most {CAVEATS} caveats of {bounds.caveat}."
        if summary
        else f"The file's summary is known: describe the symbols only, each in at most "
        f"{bounds.description} characters."
    )
    if instructions:
        limits += " Reply with JSON matching this schema:\n" + json.dumps(shape)
    head = "\n\n".join([*lines, limits])
    room = int((budget_tokens - estimate_tokens(head)) * CHARS_PER_TOKEN) - 200
    if known:  # only the code of what changed
        code = cut_middle(
            "".join(stretch.get(qualified(s), "") for s in symbols), max(room, 0), "code"
        )
        user = f"{head}\n\nThe changed code:\n<source>\n{code}</source>"
    else:
        source = cut_middle(request.source_contents, max(room, 0), "source")
        user = f"{head}\n\nSource:\n<source>\n{source}\n</source>"
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
    return Question(symbols, bounds, messages, shape, instructions, summary, kept, now)


@dataclass
class Answer:
    """What a reply said, once checked against the facts."""

    summary: str = ""
    descriptions: dict[str, str] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    #: Descriptions for symbols the model was not given (dropped).
    unknown_symbols: list[str] = field(default_factory=list)
    #: Sentences dropped for naming an identifier the file and its neighbours lack.
    flagged: list[str] = field(default_factory=list)

    @property
    def useful(self) -> bool:
        return bool(self.summary or self.descriptions)


_BACKTICKED = re.compile(r"`([^`\n]+)`")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")


def check(reply: dict[str, Any], q: Question, request: DocRequest) -> Answer:
    """The reply's prose, keeping only what is about the symbols given, names nothing the
    file or its neighbours lack, and claims nothing the code contradicts or does not show."""
    claims = Claims.of(request)
    answer = Answer()
    given = set(q.names)
    by_name = {qualified(s): s for s in q.symbols}
    if q.summary:
        text = _text(reply.get("summary"), q.bounds.summary)
        answer.summary = _grounded(text, claims, answer)
    for item in reply.get("symbols") or []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name", "")).strip().strip("`")
        if name not in given:
            short = [k for k in given if k.rsplit(".", 1)[-1] == name]
            if len(short) != 1:
                answer.unknown_symbols.append(name)
                continue
            name = short[0]
        text = _text(item.get("description"), q.bounds.description)
        text = _grounded(text, claims, answer, by_name.get(name))
        if text:
            answer.descriptions[name] = text
    for caveat in (reply.get("caveats") or [])[:CAVEATS] if q.summary else ():
        text = _grounded(_text(caveat, q.bounds.caveat), claims, answer, caveat=True)
        if text:
            answer.caveats.append(text)
    return reuse(answer, q)


def reuse(answer: Answer, q: Question) -> Answer:
    """``answer`` with what was kept from before filled in (everything, when nothing was
    asked)."""
    for part, (_, text) in q.prose.items():
        if part == SUMMARY:
            summary, _, caveats = text.partition("\n")
            answer.summary = answer.summary or summary
            answer.caveats = answer.caveats or [c for c in caveats.split("\n") if c]
        elif text:
            answer.descriptions.setdefault(part, text)
    return answer


def prose_of(answer: Answer, q: Question) -> dict[str, list[str]]:
    """What to keep of ``answer`` for the next edit: each part's text with its fingerprint."""
    # every part this doc was made for, described or not (a symbol beyond the reply's bounds,
    # or one the model said nothing of, keeps its doc comment and is not asked again until it
    # changes: an edit costs what it changed, not what the first reply left out)
    out = {
        part: [fp, answer.descriptions.get(part, "")]
        for part, fp in q.fingerprints.items()
        if part != SUMMARY
    }
    if answer.summary:
        out[SUMMARY] = [q.fingerprints[SUMMARY], "\n".join([answer.summary, *answer.caveats])]
    return out


_EMPTY = re.compile(r"\W*(none|n/?a|nothing|null|todo)?\W*", re.IGNORECASE)
#: Words of the prompt's own placeholders: a small model may hand them back as its answer.
_ECHOES = ("surprises, side effects, limits", "one of the given names", "what it does, its")


def _text(value: Any, limit: int) -> str:
    """The prose of one answer: on one line, within ``limit``, ending at a sentence's end
    (a bounded reply may stop mid-sentence), and nothing that echoes the prompt."""
    text = " ".join(str(value).split()) if isinstance(value, str) else ""
    if any(echo in text for echo in _ECHOES) or _EMPTY.fullmatch(text) or len(text.split()) < 2:
        return ""  # (a lone word, "none", punctuation: nothing said)
    if len(text) > limit:
        text = text[:limit]
    if text and text[-1] not in ".!?)`\"'":
        end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        text = text[: end + 1] if end > 0 else text.rstrip(",;: ") + "…"
    return text


#: Words every language's docs may name without the file spelling them.
_UNIVERSAL = frozenset("None True False null undefined nil true false self this NULL".split())


#: A sentence about a symbol's parameters (checked against its signature).
_ARGUMENT_TALK = re.compile(
    r"\b(?:arguments?|parameters?|params?|takes|accepts|defaults?|keyword|positional)\b", re.I
)
_ARGUMENT_COUNT = re.compile(
    r"\b(?:takes|accepts|has|with|requires|needs)\s+(?:exactly\s+|only\s+)?"
    r"(no|one|two|three|four|five|six|seven|eight|\d+)\s+"
    r"(?:\w+\s+)?(?:arguments?|parameters?|params?)\b",
    re.I,
)
_NUMBERS = {w: n for n, w in enumerate("no one two three four five six seven eight".split())}
_DEFAULT = re.compile(r"\bdefaults?\s+(?:value\s+)?(?:to|is|of)\s+`?([^\s`,;]+)", re.I)
#: Words that make a claim about platforms, and code that shows a platform check.
_PLATFORM_TALK = re.compile(
    r"\b(?:platforms?|windows|linux|macos|mac os|darwin|posix|unix|android|ios|32-bit|64-bit)\b",
    re.I,
)
_PLATFORM_CODE = re.compile(
    r"sys\.platform|os\.name|platform\.|#\s*if(?:def)?\b.*(?:_WIN32|__APPLE__|__linux__|WIN)"
    r"|target_os|runtime\.GOOS|process\.platform|RbConfig|PHP_OS|RuntimeInformation"
    r"|Build\.VERSION|#available|@available|os\(\w+\)",
    re.I,
)
#: What a caveat may rest on: the code raises, panics or asserts, says TODO, deprecates, is
#: unsafe, or checks the platform. A caveat of a file that shows none of it is the model's guess.
_CAVEAT_CODE = re.compile(
    r"\b(?:raise|throws?|panic!?|abort|assert\w*|TODO|FIXME|XXX|HACK|deprecated|Deprecated"
    r"|NotImplemented\w*|unimplemented!|todo!|unsafe|warn(?:ings?)?|error|Err\()\b"
)
#: The parameter words of a signature: each parameter's name (its type and default left out).
_PARAM_SKIP = frozenset({"self", "cls", "this", "mut", "const", "ref", "out", "in", "var", "val"})


@dataclass
class Claims:
    """What prose about a file may say: the words the file and its neighbours spell (an
    identifier outside them is not the file's), every function's parameters, and whether the
    code shows a platform check or anything a caveat could rest on."""

    known: set[str]
    all_params: set[str]
    platform_checks: bool
    caveat_grounds: bool

    @classmethod
    def of(cls, request: DocRequest) -> Claims:
        source = request.source_contents
        words = set(_WORD.findall(source)) | _UNIVERSAL
        words |= set(_WORD.findall(request.graph_context or ""))
        words |= set(_WORD.findall(request.relative_path))
        symbols = request.facts.symbols if request.facts is not None else []
        params = {p for s in symbols for p in parameters(s.signature)}
        return cls(
            words,
            params,
            bool(_PLATFORM_CODE.search(source)),
            bool(_CAVEAT_CODE.search(source) or _PLATFORM_CODE.search(source)),
        )

    def unsupported(self, sentence: str, symbol: Symbol | None, *, caveat: bool) -> str | None:
        """Why ``sentence`` may not stand (``None``: it may)."""
        # the thing a span names is its last identifier (`pkg.ledger.post()` names `post`)
        for span in _BACKTICKED.findall(sentence):
            if (words := _WORD.findall(span)) and words[-1] not in self.known:
                return f"names {span!r}, which the file and its neighbours lack"
        if _PLATFORM_TALK.search(sentence) and not self.platform_checks:
            return "a claim about platforms, and the code checks none"
        if caveat and not self.caveat_grounds:
            return "a caveat, and the code shows nothing one could rest on"
        if symbol is not None and _ARGUMENT_TALK.search(sentence):
            return _against_signature(sentence, symbol, self.all_params)
        return None


def parameters(signature: str) -> list[str]:
    """The parameter names of a signature (``def f(a, b: int = 1, *c)`` → a, b, c), however
    the language spells types (``x: T``, ``T x``, Go's ``x T``): the word before a type colon
    or Go's type, else the last word before a default."""
    start = signature.find("(")
    if signature.startswith("func ("):  # Go: the receiver comes first
        start = signature.find("(", signature.find(")") + 1)
    if start < 0:
        return []
    depth, end = 0, len(signature)
    for i in range(start, len(signature)):
        depth += {"(": 1, "[": 1, "<": 1, "{": 1, ")": -1, "]": -1, ">": -1, "}": -1}.get(
            signature[i], 0
        )
        if depth == 0:
            end = i
            break
    name_first = signature.startswith("func ")  # Go: `path string`, where C has `char *path`
    names = []
    depth, chunk = 0, ""
    for ch in signature[start + 1 : end] + ",":
        if ch in "([<{":
            depth += 1
        elif ch in ")]>}":
            depth -= 1
        if ch == "," and depth == 0:
            head = chunk.split("=", 1)[0]
            head = head.split(":", 1)[0] if ":" in head else head
            words = [w for w in _WORD.findall(head) if w not in _PARAM_SKIP]
            typed = ":" in chunk.split("=", 1)[0]
            if words:
                names.append(words[0] if typed or name_first else words[-1])
            chunk = ""
        else:
            chunk += ch
    return names


def _against_signature(sentence: str, symbol: Symbol, all_params: set[str]) -> str | None:
    """Whether what ``sentence`` says of ``symbol``'s parameters matches its signature."""
    own = parameters(symbol.signature)
    count = _ARGUMENT_COUNT.search(sentence)
    if count is not None:
        said = count.group(1).lower()
        number = _NUMBERS.get(said, int(said) if said.isdigit() else -1)
        if number != len(own):
            return f"says {said} parameters; the signature has {len(own)}"
    others = (set(_WORD.findall(sentence)) & all_params) - set(own) - {symbol.name}
    if others:
        return f"names {', '.join(sorted(others))}, not parameters of {symbol.name}"
    default = _DEFAULT.search(sentence)
    if default is not None and default.group(1).strip(".") not in symbol.signature:
        return f"a default of {default.group(1)!r} the signature does not have"
    return None


def _grounded(
    text: str,
    claims: Claims,
    answer: Answer,
    symbol: Symbol | None = None,
    *,
    caveat: bool = False,
) -> str:
    """``text`` without the sentences the file does not bear out (each one counted)."""
    kept = []
    for sentence in _SENTENCE.split(text):
        if not sentence:
            continue
        if claims.unsupported(sentence, symbol, caveat=caveat) is not None:
            answer.flagged.append(sentence)
        else:
            kept.append(sentence)
    return " ".join(kept)


def render(request: DocRequest, answer: Answer) -> str:
    """The doc: the outline of the facts, with the model's summary as the purpose, its
    descriptions in place of the doc comments (a symbol it said nothing of keeps its own), and
    its caveats."""
    facts = request.facts or Facts("")
    symbols = [
        dataclasses.replace(s, doc=_beside(s.doc, answer.descriptions.get(qualified(s), "")))
        for s in facts.symbols
    ]
    summary = _beside(facts.doc, answer.summary, paragraph=True)
    described = dataclasses.replace(facts, symbols=symbols, doc=summary)
    return facts_page(
        request.relative_path,
        request.source_contents,
        described,
        request.graph_context,
        caveats=answer.caveats,
    )


def _beside(own: str, model: str, *, paragraph: bool = False) -> str:
    """The source wins over the model: the author's own doc stays; the model's sentence
    follows it, marked as the model's, or stands alone where the author wrote none."""
    if not own.strip() or not model:
        return own if own.strip() else model
    if " ".join(model.split()).rstrip(".") in " ".join(own.split()):
        return own  # the model said what the author said
    return f"{own.rstrip()}\n\n(Model: {model})" if paragraph else f"{own} (Model: {model})"


def llm_identity(name: str, model: str, *, max_tokens: int, context_tokens: int, style: str) -> str:
    """What makes two of this backend's docs comparable: the server kind, the model, the style
    and its prompt (by its text: a reworded prompt is another renderer) and the bounds that
    shape the reply."""
    # a grounded doc is laid out by the outline: a new layout is a new renderer
    system = (
        f"{SYSTEM_PROMPT}/{OUTLINE_VERSION}/{RENDER_VERSION}"
        if style == "grounded"
        else FREEFORM_PROMPT
    )
    prompt = hashlib.sha256(system.encode()).hexdigest()[:12]
    return f"{name}/{model}/{style}-{prompt}/max-{max_tokens}/ctx-{context_tokens}"
