"""One definition of how a code fence opens and closes (lessonkit.markdown.fences), and the five
places that read code fences all agreeing with it: the fenced-div reader, the kramdown reader,
the checks' scanner, the migration's link rewriter and the renderer's footnote splitter."""

from __future__ import annotations

import pytest

from lessonkit.checks.scan import scan
from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.markdown.fences import code_lines, code_mask, div_fence, open_fence
from lessonkit.migrate.links import rewrite_links
from lessonkit.model import Markdown
from lessonkit.readers.kramdown import KramdownReader
from lessonkit.site.body import split_footnotes

# (text, whether the last line, "[x](old.md) [^n]: note", is inside code)
CASES = [
    ("```\ncode\n```\nTAIL", False),
    ("```\ncode\nTAIL", True),  # unclosed: runs to the end
    ("````\n```\nTAIL", True),  # a shorter fence does not close a longer one
    ("~~~\n```\nTAIL", True),  # nor does the other character
    ("```\n``` not a close\nTAIL", True),  # a closing fence has nothing after it
    ("```\n  ```   \nTAIL", False),  # indentation and trailing spaces are fine
    ("```a``` inline code, not a fence\nTAIL", False),
    ("   ~~~python\nx\n~~~~~\nTAIL", False),  # a longer close is fine
    ("- item\n\n    ```\n    code\n    ```\nTAIL", False),  # fences in list items
]
TAIL = "[x](old.md)"


@pytest.mark.parametrize(("text", "in_code"), CASES)
def test_the_definition(text: str, in_code: bool):
    lines = text.replace("TAIL", TAIL).split("\n")
    assert code_mask(lines)[-1] is in_code
    assert code_lines(lines)[-1] is in_code


@pytest.mark.parametrize(("text", "in_code"), CASES)
def test_every_reader_of_fences_agrees(text: str, in_code: bool):
    source = text.replace("TAIL", TAIL)
    # the checks' scanner sees the link only outside code
    assert bool([link for link in scan(source, 1).links if link.url == "old.md"]) is not in_code
    # the migration rewrites it only outside code
    assert ("new.md" in rewrite_links(source, lambda url: url.replace("old", "new"))) is not in_code
    # the renderer takes footnote definitions out only outside code
    footnote = text.replace("TAIL", "[^n]: a note")
    assert bool(split_footnotes(footnote)[1]) is not in_code
    # the fenced-div reader opens a div only outside code
    div = text.replace("TAIL", "::: callout")
    report = Report()
    nodes = parse_body(div + "\n:::", 1, "x.md", report)
    assert any(getattr(n, "kind", None) == "callout" for n in nodes) is not in_code
    # the kramdown reader closes a blockquote block only outside code
    quote = text.replace("TAIL", "> ## Q\n> text\n{: .callout}")
    nodes = KramdownReader("x.md", Report()).read(quote, 1)
    assert any(getattr(n, "kind", None) == "callout" for n in nodes) is not in_code


def test_fence_details():
    fence = open_fence("  ~~~~ {.python}")
    assert (fence.indent, fence.marks, fence.info, fence.char) == ("  ", "~~~~", "{.python}", "~")
    assert fence.closed_by("~~~~~") and not fence.closed_by("~~~") and not fence.closed_by("~~~~ x")
    assert open_fence("``") is None and open_fence("text ```") is None
    assert div_fence(":::: {.challenge}").rest == "{.challenge}" and div_fence(":::::").closes
    assert div_fence("::: solution :::").rest == "solution" and div_fence(":: x") is None


def test_headings_after_backtick_text_are_seen():
    """A line starting with ```a``` is inline code (CommonMark), not a fence: the scanner used to
    open a code block there and miss every heading after it, unlike the reader and the renderer."""
    result = scan("```x = 1``` then ```y```\n\n## After", 1)
    assert [h.text for h in result.headings] == ["After"]


def test_indented_code_continues_over_indented_lines():
    lines = ["Text", "", "    code", "    [x](old.md)", "", "    more", "after"]
    assert code_lines(lines) == [False, False, True, True, False, True, False]
    body = "\n".join(lines)
    assert rewrite_links(body, lambda url: "new.md") == body
    assert isinstance(parse_body(body, 1, "x.md", Report())[0], Markdown)
