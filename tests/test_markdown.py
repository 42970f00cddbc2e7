"""Source text never becomes Markdown structure: escaping and fencing (reactor.markdown), the
outline of hostile doc comments in several languages parsed as CommonMark, and the doc check
itself (markdown_check) catching what it is there to catch."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_check import PARSER, check_doc
from markdown_it.token import Token

from conftest import write
from reactor.backends import DocRequest, Generated
from reactor.backends.outline import OutlineBackend
from reactor.docs import header_line
from reactor.facts import extract
from reactor.inputs import Inputs
from reactor.markdown import (
    Block,
    Page,
    balanced,
    bullets,
    code,
    heading,
    inline,
    paragraph,
    prose,
    render,
)
from reactor.reactor import Reactor

HOSTILE = [
    "# Serde JSON",
    "## Examples #",
    "~~~~~~",
    "```python",
    "------",
    "======",
    "***",
    "1. first",
    "10) tenth",
    "- item",
    "+ item",
    "* item",
    "> quoted",
    "<details><summary>more</summary>",
    "<!-- never closed",
    "<div>",
    "| a | b |",
    "|---|---|",
    "ends with a backslash \\",
    "a \\` escaped tick and \\* star",
    "[ref]: http://example.com",
    "*args and **kwargs",
    "__init__ and __all__",
    "char *p, char *q",
    "~/.config and ~~struck~~",
    "List<String> and a < b",
    "uses `x` and ``y`` and a lone ` tick",
    "    indented like code",
    "two  spaces  inside",
]


def plain(token: Token) -> str:
    """What an inline run shows a reader, code spans with their backticks; nothing else in it
    (emphasis, links, HTML) may be there."""
    out = []
    for child in token.children or []:
        if child.type == "text":
            out.append(child.content)
        elif child.type == "code_inline":
            out.append(f"{child.markup}{child.content}{child.markup}")
        elif child.type == "softbreak":
            out.append("\n")
        else:
            raise AssertionError(f"{child.type} in {token.content!r}")
    return "".join(out)


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(
    ("wrap", "kinds"),
    [
        (lambda t: t, ["paragraph_open"]),
        (lambda t: f"### {t}", ["heading_open"]),
        (lambda t: f"- {t}\n- {t}", ["bullet_list_open"]),
        (lambda t: f"Intro line\n{t}", ["paragraph_open"]),
    ],
    ids=["paragraph", "heading", "list-item", "second-line"],
)
def test_inline_text_renders_as_written_wherever_it_stands(
    text: str, wrap: object, kinds: list[str]
) -> None:
    markdown = wrap(inline(text))  # type: ignore[operator]
    tokens = PARSER.parse(markdown)
    opening = [t.type for t in tokens if t.nesting == 1 and t.level == 0]
    assert opening == kinds, markdown
    shown = [plain(t) for t in tokens if t.type == "inline"]
    assert shown[-1].split("\n")[-1] == " ".join(text.split())


def test_code_spans_survive_backticks_and_newlines() -> None:
    assert code("let x") == "`let x`"
    for text in ("public static let `default`", "``double``", "`", "a\nb", "fun `is`()"):
        [token] = [t for t in PARSER.parse(f"### {code(text)}") if t.type == "inline"]
        [span] = token.children or []
        assert span.type == "code_inline" and span.content == text.replace("\n", " ")


def test_prose_is_paragraphs_unless_it_has_structure_then_one_fence() -> None:
    assert prose("Parses things.\n\nMore detail\nhere.") == [
        paragraph("Parses things."),
        paragraph("More detail\nhere."),
    ]
    assert prose("# One line is a paragraph") == [paragraph("\\# One line is a paragraph")]
    rest = "Widgets\n~~~~~~~\n\nUsage::\n\n    make()\n\n```\nopen"
    [block] = prose(rest)
    assert block.kind == "fence" and block.text == rest
    rendered = render([block, heading(2, "After")])
    tokens = PARSER.parse(rendered)
    assert [t.type for t in tokens][:2] == ["fence", "heading_open"]
    assert tokens[0].content == rest + "\n" and tokens[0].markup == "````"


def test_consecutive_lists_stay_two_lists() -> None:
    markdown = render([bullets(["a"]), bullets(["b"]), bullets(["c"], lead="Lead:")])
    tokens = PARSER.parse(markdown)
    assert [t.type for t in tokens].count("bullet_list_open") == 3


def test_balanced_closes_a_fence_left_open() -> None:
    assert balanced("# Doc\n\n```python\nx = 1\n") == "# Doc\n\n```python\nx = 1\n```\n"
    assert balanced("~~~~\na\n~~~\nb") == "~~~~\na\n~~~\nb\n~~~~\n"
    closed = "````\n```\n````\n``` inline ``` is no fence\n"
    assert balanced(closed) == closed


# -- hostile doc comments, rendered by the outline --------------------------------------------
HOSTILE_FILES = {
    "pkg/rest.py": (
        '"""Widgets\n~~~~~~~\n\nThe widget module.\n\nUsage\n-----\n\n    make()\n\n'
        'Notes\n=====\n\n* one\n"""\n\n\ndef make(x: int) -> int:\n'
        '    """```python opens a fence\n\n    that is never closed.\n    """\n    return x\n\n\n'
        'class Box:\n    """# Not a heading."""\n\n    def put(self, item: str) -> None:\n'
        '        """1. first, <details> hides the rest\\\\"""\n'
    ),
    "src/lib.rs": (
        "//! # Serde JSON\n//!\n//! Serde JSON is a framework.\n//!\n//! ```rust\n//! let x = 1;\n\n"
        "/// # Examples\npub fn parse() -> u8 { 0 }\n\n/// > quoted | table | row\npub struct Value;\n"
    ),
    "src/main/java/p/A.java": (
        "package p;\n\n/** <!-- never closed: the class, <details> too. */\npublic class A {\n"
        "  /** | a | b |\n   * |---|---|\n   */\n  public void f() {}\n}\n"
    ),
    "web/x.ts": (
        "/** - a list? */\nexport function f(a: string): string { return a }\n"
        "/** `unbalanced tick */\nexport const v = 1;\n"
    ),
    "K.kt": "class K {\n    /** Is it? */\n    fun `is`(x: Int): Boolean = true\n}\n",
    "tool.pl": "#!/usr/bin/perl\n# ## Tool\n# =====\n# > does things\nprint 1;\n",
}
#: Each doc's headings (level, inline Markdown) and code blocks, exactly.
MEANT = {
    "pkg/rest.py": (
        [
            (1, "`pkg/rest.py`"),
            (2, "Purpose"),
            (2, "Types"),
            (3, "`class Box`"),
            (2, "Functions"),
        ],
        [
            "Widgets\n~~~~~~~\n\nThe widget module.\n\nUsage\n-----\n\n    make()\n\nNotes\n=====\n\n* one\n"
        ],
    ),
    "src/lib.rs": (
        [
            (1, "`src/lib.rs`"),
            (2, "Purpose"),
            (2, "Types"),
            (3, "`pub struct Value`"),
            (2, "Functions"),
        ],
        [],
    ),
    "src/main/java/p/A.java": (
        [(1, "`src/main/java/p/A.java`"), (2, "Types"), (3, "`public class A`")],
        [],
    ),
    "web/x.ts": ([(1, "`web/x.ts`"), (2, "Functions"), (2, "Values and modules")], []),
    "K.kt": ([(1, "`K.kt`"), (2, "Types"), (3, "`class K`")], []),
    "tool.pl": ([(1, "`tool.pl`"), (2, "Leading comment")], ["## Tool\n=====\n> does things\n"]),
}


def structure(doc: str) -> tuple[list[tuple[int, str]], list[str]]:
    """A doc's headings and code blocks as a CommonMark parser reads them."""
    tokens = PARSER.parse(doc)
    headings = [
        (int(t.tag[1]), tokens[i + 1].content)
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    return headings, [t.content for t in tokens if t.type in ("fence", "code_block")]


def test_hostile_doc_comments_never_become_structure(tmp_path: Path) -> None:
    for rel, text in HOSTILE_FILES.items():
        write(tmp_path, rel, text)
    with Reactor.open(tmp_path, watch=False) as reactor:
        outcomes = reactor.generate()
    assert {o.status for o in outcomes} == {"generated"}
    for rel, meant in MEANT.items():
        doc = (tmp_path / f"DOCS/REPODOCS/{rel}.md").read_text()
        assert structure(doc) == meant, rel
        last = doc.rstrip("\n").rsplit("\n", 1)[-1]
        html = [t.content for t in PARSER.parse(doc) if t.type == "html_block"]
        assert last.startswith("<!-- reactor inputs:") and html == [last + "\n"], rel
    rest = (tmp_path / "DOCS/REPODOCS/pkg/rest.py.md").read_text()
    rendered = PARSER.render(rest)
    # the text is still there, shown as written
    assert "— 1. first, &lt;details&gt; hides the rest\\" in rendered
    assert "```python opens a fence" in rendered
    # a heading line is never a summary (issue 29): the sentence after it is
    assert "# Not a heading." not in rendered
    lib = PARSER.render((tmp_path / "DOCS/REPODOCS/src/lib.rs.md").read_text())
    assert "# Serde JSON" not in lib and "Serde JSON is a framework." in lib


def test_hostile_neighbours_and_paths_stay_in_their_list() -> None:
    source = "def f(x: int) -> int:\n    return x\n"
    context = (
        "Imports (in this repo):\n- pkg/<details>.py: `def g(a: str) -> str`\n\n"
        "Imported by:\n- # odd/dir.py: f\n- 1. num.py: f\n- pkg/__init__.py: f"
    )
    request = DocRequest(
        Path("/r"),
        "pkg/a|b.py",
        "0" * 64,
        source,
        None,
        context,
        facts=extract("a.py", source.encode()),
    )
    result = OutlineBackend().generate(request)
    assert isinstance(result, Generated)
    tokens = PARSER.parse(result.body)
    assert [t.type for t in tokens].count("bullet_list_open") == 3  # functions, two neighbours
    items = [plain(t) for t in tokens if t.type == "inline" and t.level == 3][-4:]
    assert items == [
        "pkg/<details>.py: `def g(a: str) -> str`",
        "# odd/dir.py: f",
        "1. num.py: f",
        "pkg/__init__.py: f",
    ]


# -- the check itself ------------------------------------------------------------------------
COMMENT = Inputs.of(identity="outline", graph_context=None, rel="x.py").comment()


def doc_of(body: str) -> str:
    return f"{header_line('a' * 64)}\n{body.rstrip()}\n\n{COMMENT}\n"


def test_the_check_finds_source_text_that_became_structure() -> None:
    page = Page(heading(1, "`x.py`"), heading(2, "Purpose"))
    page.add(paragraph("Widgets\n~~~~~~~"), heading(2, "Functions"), bullets(["`f()`"]))
    assert check_doc(doc_of(page.text()), page.blocks) != []  # the raw underline: a fence
    problems = check_doc(
        doc_of(render([heading(1, "`x.py`"), paragraph("# Serde JSON")])),
        [
            heading(1, "`x.py`"),
            paragraph("# Serde JSON"),
        ],
    )
    assert problems and "block structure differs" in problems[0]
    safe = Page(heading(1, "`x.py`"), *prose("Widgets\n~~~~~~~"), heading(2, "Functions"))
    assert check_doc(doc_of(safe.text()), safe.blocks) == []


def test_the_check_finds_a_swallowed_inputs_line_and_a_header_turned_heading() -> None:
    unclosed = doc_of("# Doc\n\n```python\nx = 1")
    assert any("inputs comment" in p for p in check_doc(unclosed))
    assert check_doc(doc_of(balanced("# Doc\n\n```python\nx = 1"))) == []
    underlined = f"{header_line('a' * 64)}---\n# Doc\n"
    assert any("SHA256 line" in p for p in check_doc(underlined))
    assert check_doc("no header\n```\n") == []  # not one of our docs: nothing to say
    blocks: list[Block] = [heading(1, "x")]
    assert any("raw HTML" in p for p in check_doc(doc_of("# x\n\n<div>\nhi\n</div>"), blocks))
