"""The checks' scanner and the renderer's parser (markdown-it) find the same links and images, with
the same alt text, on generated Markdown: code spans, fenced and indented code, link text and
attributes over several lines, images inside links, reference links. (The scanner is used for
speed; this keeps it honest.)"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit.checks.context import scan_page
from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.markdown.parser import inline_text, parse
from lessonkit.model import Page

words = st.sampled_from(["alpha", "beta", "gamma delta", "R", "the data"])
urls = st.sampled_from(["a.md", "fig/b.png", "https://example.org/c", "d.html#e", "../f.md"])


@st.composite
def inline(draw):
    kind = draw(st.sampled_from(["text", "link", "image", "code", "multiline", "attrs", "nested", "reference",
                                 "shortcut", "emphasis", "escaped", "titled", "empty-alt"]))
    text, url = draw(words), draw(urls)
    if kind == "text":
        return text
    if kind == "link":
        return f"[{text}]({url})"
    if kind == "image":
        return f"![{text}]({url})"
    if kind == "code":
        return f"`[{text}]({url})`"
    if kind == "multiline":
        return f"[{text}\n{draw(words)}]({url})"
    if kind == "attrs":
        return f"![{text}]({url}){{\nalt=\"{draw(words)}\"\nwidth=\"50%\"}}"
    if kind == "nested":
        return f"[![{text}]({url})]({draw(urls)})"
    if kind == "shortcut":
        return "[ref]"
    if kind == "emphasis":
        return f"*[{text}]({url})*"
    if kind == "escaped":
        return f"\\[{text}\\]({url})"
    if kind == "titled":
        return f'![{text}]({url} "A title")'
    if kind == "empty-alt":
        return f"![]({url}){{alt=''}}"
    return f"[{text}][ref]"


@st.composite
def block(draw):
    kind = draw(st.sampled_from(["paragraph", "paragraph", "fence", "indented", "heading", "list", "quote"]))
    parts = draw(st.lists(inline(), min_size=1, max_size=4))
    if kind == "fence":
        return "```\n" + " ".join(parts) + "\n```"
    if kind == "indented":
        return "    " + " ".join(parts).replace("\n", " ")
    if kind == "list":
        return "\n".join(f"- {part}" for part in parts)
    if kind == "quote":
        return "> " + " ".join(parts).replace("\n", "\n> ")
    if kind == "heading":
        return "## " + " ".join(parts).replace("\n", " ")
    return " ".join(parts)


def parser_links(text: str) -> list[tuple[bool, str, str | None]]:
    found = []

    def walk(tokens):
        for token in tokens:
            if token.type == "link_open":
                found.append((False, str(token.attrGet("href")), None))
            elif token.type == "image":
                alt = token.attrGet("alt")
                found.append((True, str(token.attrGet("src")), str(alt) if alt else inline_text(token)))
            if token.children:
                walk(token.children)

    walk(parse(text))
    return sorted(found)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(block(), min_size=1, max_size=5))
def test_scanner_and_parser_find_the_same_links(blocks: list[str]):
    text = "\n\n".join(blocks) + "\n\n[ref]: https://example.org/ref"
    page = Page(kind="episode", source="episodes/x.md", slug="x", title="X",
                body=parse_body(text, 1, "episodes/x.md", Report()))
    scanned = sorted((link.image, link.url, link.alt if link.image else None)
                     for link in scan_page(page).links() if not link.definition)
    assert scanned == parser_links(text), text
