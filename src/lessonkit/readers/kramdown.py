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
from lessonkit.model import BLOCKS, Block, Node

QUOTE = re.compile(r"^ {0,3}>( ?)(.*)$")
IAL = re.compile(r"^\s*\{:\s*([^}]*)\}\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*)$")
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


def convert_code_blocks(lines: list[Line]) -> list[Line]:
    """``~~~`` … ``~~~`` + ``{: .language-x}`` → ```` ```x ```` … ```` ``` ```` (same number of lines)."""
    out = list(lines)
    index = 0
    while index < len(out):
        m = FENCE.match(out[index].text)
        if not m:
            index += 1
            continue
        indent, marks, info = m.groups()
        end = index + 1
        while end < len(out):
            stripped = out[end].text.strip()
            if len(stripped) >= len(marks) and set(stripped) == {marks[0]}:
                break
            end += 1
        if end >= len(out):
            break  # unclosed: the Markdown reader reports it
        after = end + 1
        ial = IAL.match(out[after].text) if after < len(out) else None
        if ial:
            attrs = parse_attributes(ial.group(1))
            language = code_language(attrs.classes)
            if language is not None or not info.strip():
                fence = "`" * max(3, len(marks)) if marks[0] == "~" else marks
                out[index] = Line(f"{indent}{fence}{language or (info.strip())}", out[index].number)
                out[end] = Line(f"{indent}{fence}", out[end].number)
                out[after] = Line("", out[after].number)
        elif marks[0] == "~":
            fence = "`" * max(3, len(marks))
            out[index] = Line(f"{indent}{fence}{info}", out[index].number)
            out[end] = Line(f"{indent}{fence}", out[end].number)
        index = end + 1
    return out


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
        lines = convert_code_blocks(lines)
        nodes: list[Node] = []
        pending: list[Line] = []  # plain Markdown lines waiting to be parsed
        index = 0
        fence: str | None = None

        def flush() -> None:
            if pending:
                text = "\n".join(_span_ials(line.text) for line in pending)
                nodes.extend(parse_body(text, pending[0].number, self.path, self.report))
                pending.clear()

        while index < len(lines):
            line = lines[index]
            code = FENCE.match(line.text)
            if fence is not None:
                if code and code.group(2)[0] == fence[0] and not code.group(3).strip() and \
                        len(code.group(2)) >= len(fence):
                    fence = None
                pending.append(line)
                index += 1
                continue
            if code:
                fence = code.group(2)
                pending.append(line)
                index += 1
                continue
            if not QUOTE.match(line.text):
                ial = IAL.match(line.text)
                if ial:  # an IAL after a paragraph, list or table: site styling only
                    self._misplaced(ial.group(1), line.number)
                    pending.append(Line("", line.number))
                else:
                    pending.append(line)
                index += 1
                continue
            # A blockquote: every following line that starts with '>', and "lazy" lines that
            # continue a paragraph of the quote without the '>' (kramdown allows both).
            end = index
            run = []
            while end < len(lines):
                quoted = QUOTE.match(lines[end].text)
                if quoted:
                    run.append(lines[end])
                elif (run and lines[end].text.strip() and not IAL.match(lines[end].text)
                      and not FENCE.match(lines[end].text) and QUOTE.match(run[-1].text).group(2).strip()
                      and not FENCE.match(QUOTE.match(run[-1].text).group(2))):
                    run.append(Line("> " + lines[end].text, lines[end].number))
                else:
                    break
                end += 1
            ials: list[Line] = []
            while end < len(lines) and IAL.match(lines[end].text):
                ials.append(lines[end])
                end += 1
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
            if not classes:
                # A plain blockquote (its IALs only style the site).
                for quote in run:
                    content = QUOTE.match(quote.text).group(2)
                    inner_ial = IAL.match(content)
                    if inner_ial:
                        self._misplaced(inner_ial.group(1), quote.number)
                        quote = Line(">", quote.number)
                    pending.append(quote)
                pending.extend(Line("", ial_line.number) for ial_line in ials)
                index = end
                continue
            flush()
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
            nodes.append(block)
            index = end
        flush()
        return nodes
