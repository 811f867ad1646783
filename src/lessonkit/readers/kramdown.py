"""The kramdown constructs of styles lessons, turned into the lesson model.

* Blockquote blocks closed by an inline attribute list (IAL)::

      > ## Title
      > text
      > > ## Solution
      > > text
      > {: .solution}
      {: .challenge}

  become :class:`Block` nodes (at any depth).  A blockquote without a class stays
  a blockquote.
* Code blocks closed by an IAL (``~~~`` … ``~~~`` then ``{: .language-python}``,
  ``{: .output}``, ``{: .error}``, ...) become fenced code blocks with a language
  (```` ```python ````, ```` ```output ````), as in the Workbench.
* Span IALs after images and links (``{: width="50%"}``) become pandoc
  attributes; other IALs are dropped (they only style the Jekyll site).

Every line keeps its line number: removed IAL lines become blank lines, so that
diagnostics point at the right line of the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lessonkit.diagnostics import Report
from lessonkit.markdown.attributes import parse_attributes
from lessonkit.markdown.fenced_divs import MAX_BLOCK_DEPTH, parse_body, take_title
from lessonkit.markdown.fences import Fence, fence_end, open_fence
from lessonkit.model import BLOCKS, Block, Node

QUOTE = re.compile(r"^ {0,3}>( ?)(.*)$")
IAL = re.compile(r"^\s*\{:\s*([^}]*)\}\s*$")
EOB = re.compile(r"^\^\s*$")
HTML_BLOCK = re.compile(r"^ {0,3}</?(?:div|table|pre|p|details|section|blockquote|figure|ul|ol|dl|h[1-6]|hr|script|style"
                        r"|iframe|form|center)\b", re.I)
SPAN_IAL = re.compile(r"(?<=[)\]])\{:\s*([^}]*)\}")

#: Code block classes and the fence language they become.
CODE_CLASSES = {"output": "output", "error": "error", "warning": "warning", "source": "source"}


@dataclass
class Line:
    text: str
    number: int


def code_language(classes: list[str]) -> str | None:
    for cls in classes:
        if cls in CODE_CLASSES:
            return CODE_CLASSES[cls]
        if cls.startswith("language-"):
            return cls[len("language-"):]
    return None


def convert_code_block(lines: list[Line], index: int, fence: Fence, end: int) -> tuple[list[Line], int]:
    """The fenced code block from ``lines[index]`` to its closing fence ``lines[end]``, with the IAL
    after it (``{: .language-x}``) turned into the fence's language (```` ```x ````); the same number of
    lines, and the index of the first line after the block."""
    indent, marks, info = fence.indent, fence.marks, fence.info
    block = list(lines[index:end + 1])
    after = end + 1
    ial = IAL.match(lines[after].text) if after < len(lines) else None
    backticks = "`" * max(3, len(marks)) if marks[0] == "~" else marks
    if ial:
        language = code_language(parse_attributes(ial.group(1)).classes)
        if language is not None or not info:
            block[0] = Line(f"{indent}{backticks}{language or info}", block[0].number)
            block[-1] = Line(f"{indent}{backticks}", block[-1].number)
            return [*block, Line("", lines[after].number)], after + 1
    elif marks[0] == "~":
        block[0] = Line(f"{indent}{backticks}{info}", block[0].number)
        block[-1] = Line(f"{indent}{backticks}", block[-1].number)
    return block, after


def ends_lazy_run(text: str) -> bool:
    """Whether a line ends a blockquote's "lazy" lines (kramdown's LAZY_END): a blank line, a block IAL,
    an end-of-block marker or a block-level HTML tag. Every other line continues the blockquote,
    whether or not it starts with '>' (so code inside a quote may lack the markers)."""
    return not text.strip() or IAL.match(text) is not None or EOB.match(text) is not None or \
        HTML_BLOCK.match(text) is not None


def _span_ials(text: str) -> str:
    """``![x](y){: width="50%"}`` → ``![x](y){width="50%"}`` (pandoc attributes)."""
    if "{:" not in text:
        return text
    return SPAN_IAL.sub(lambda m: "{" + m.group(1).strip() + "}", text)


class KramdownReader:
    """Turns the body of a styles page into model nodes."""

    def __init__(self, path: str, report: Report):
        self.path = path
        self.report = report
        self.too_deep = False

    def _misplaced(self, ial: str, number: int) -> None:
        classes = [c for c in parse_attributes(ial).classes if c in BLOCKS]
        if classes:
            self.report.warning(
                self.path, number, "kramdown-unbalanced",
                f"'{{: .{classes[0]}}}' does not follow a blockquote, so it closes no block",
                "Put it on the line right after the block's last '>' line, at the block's own depth "
                "(one '>' less than the block's content).",
            )

    def read(self, text: str, first_line: int) -> list[Node]:
        lines = [Line(t, first_line + i) for i, t in enumerate(text.split("\n"))]
        return self.region(lines)

    def region(self, lines: list[Line], depth: int = 0) -> list[Node]:
        """Nodes for a run of lines (at one blockquote depth)."""
        nodes: list[Node] = []
        pending: list[Line] = []  # plain Markdown lines waiting to be parsed
        texts = [line.text for line in lines]
        index = 0

        def flush() -> None:
            if pending:
                text = "\n".join(_span_ials(line.text) for line in pending)
                nodes.extend(parse_body(text, pending[0].number, self.path, self.report))
                pending.clear()

        while index < len(lines):
            line = lines[index]
            fence = open_fence(line.text)
            if fence is not None:
                end = fence_end(texts, fence, index + 1)
                if end is None:  # unclosed: the Markdown reader reports it, the rest is code
                    pending.extend(lines[index:])
                    break
                block, index = convert_code_block(lines, index, fence, end)
                pending.extend(block)
                continue
            if not QUOTE.match(line.text):
                pending.append(self._outside_quote(line))
                index += 1
                continue
            run, end = _quote_run(lines, index)
            ials, index = _ial_lines(lines, end)
            classes, block_id, pairs = self._block_attributes(run, ials, depth)
            if not classes:  # a plain blockquote (its IALs only style the site)
                pending.extend(self._plain_quote(run))
                pending.extend(Line("", ial_line.number) for ial_line in ials)
                continue
            flush()
            nodes.append(self._block(run, ials, classes, block_id, pairs, depth))
        flush()
        return nodes

    def _outside_quote(self, line: Line) -> Line:
        """A line outside a blockquote; an IAL after a paragraph, list or table only styles the site."""
        ial = IAL.match(line.text)
        if not ial:
            return line
        self._misplaced(ial.group(1), line.number)
        return Line("", line.number)

    def _block_attributes(self, run: list[Line], ials: list[Line],
                          depth: int) -> tuple[list[str], str | None, dict[str, str]]:
        """The classes, id and pairs of the IAL lines closing a blockquote (no classes: a plain quote)."""
        classes: list[str] = []
        block_id = None
        pairs: dict[str, str] = {}
        for ial_line in ials:
            attrs = parse_attributes(IAL.match(ial_line.text).group(1))
            classes += attrs.classes
            block_id = attrs.id or block_id
            pairs.update(attrs.pairs)
        if classes and depth >= MAX_BLOCK_DEPTH:
            if not self.too_deep:
                self.too_deep = True
                self.report.error(self.path, run[0].number, "block-too-deep",
                                  f"blocks are nested more than {MAX_BLOCK_DEPTH} deep; this one is kept as a "
                                  "plain blockquote", "Close the blocks above before opening new ones.")
            classes = []
        return classes, block_id, pairs

    def _plain_quote(self, run: list[Line]) -> list[Line]:
        """The lines of a blockquote that is not a block (an IAL inside it closes nothing)."""
        out = []
        for quote in run:
            content = QUOTE.match(quote.text).group(2)
            inner_ial = IAL.match(content)
            if inner_ial:
                self._misplaced(inner_ial.group(1), quote.number)
                quote = Line(">", quote.number)
            out.append(quote)
        return out

    def _block(self, run: list[Line], ials: list[Line], classes: list[str], block_id: str | None,
               pairs: dict[str, str], depth: int) -> Block:
        """A blockquote closed by ``{: .class}`` lines: a block whose content is read one level deeper."""
        if len(classes) > 1 and sum(c in BLOCKS for c in classes) > 1:
            self.report.warning(
                self.path, ials[0].number, "kramdown-unbalanced",
                f"one blockquote is closed by several block classes ({', '.join('.' + c for c in classes)}); "
                "a closing line is probably at the wrong '>' depth",
                "Put each '{: .class}' line at the depth of the block it closes: a solution inside a challenge "
                "is closed by '> {: .solution}', the challenge by '{: .challenge}'.",
            )
        inner = [Line(QUOTE.match(quote.text).group(2), quote.number) for quote in run]
        kind = classes[0].lower()
        block = Block(kind, run[0].number, ials[-1].number, self.region(inner, depth + 1), tuple(classes), block_id, pairs)
        take_title(block)
        return block


def _quote_run(lines: list[Line], index: int) -> tuple[list[Line], int]:
    """A blockquote: every line from ``index`` up to a blank line or an IAL, with or without '>'
    ("lazy" lines: kramdown continues a blockquote over them); and the index after it."""
    end = index
    run = []
    while end < len(lines):
        if QUOTE.match(lines[end].text):
            run.append(lines[end])
        elif not ends_lazy_run(lines[end].text):
            run.append(Line("> " + lines[end].text, lines[end].number))
        else:
            break
        end += 1
    return run, end


def _ial_lines(lines: list[Line], end: int) -> tuple[list[Line], int]:
    """The IAL lines right after a blockquote, and the index after them."""
    ials: list[Line] = []
    while end < len(lines) and IAL.match(lines[end].text):
        ials.append(lines[end])
        end += 1
    return ials, end
