"""Split a Workbench (pandoc) Markdown body into the lesson model's node tree.

Pandoc's fenced divs: a line of three or more colons followed by a class name
or an attribute list opens a div; a line of only colons closes the innermost
open div (the number of colons need not match).  Fences inside code blocks and
HTML comments are text.  R Markdown chunks (```` ```{r} ````) become
:class:`CodeChunk` nodes.
"""

from __future__ import annotations

from lessonkit.diagnostics import Report
from lessonkit.markdown import linear
from lessonkit.markdown.attributes import parse_attributes, split_trailing_attributes
from lessonkit.markdown.chunks import parse_chunk_header, parse_exec_marker, split_hash_pipe_options
from lessonkit.markdown.fences import DivFence, Fence, div_fence, open_fence
from lessonkit.model import BLOCKS, Block, CodeChunk, Markdown, Node

ATX_HEADING = linear.ATX_HEADING  # linear time (the regex was quadratic in runs of spaces)

SPECIAL_STARTS = frozenset("`~:<")
#: Blocks nested deeper than this are not blocks (a lesson nests three or four; 10,000 nested
#: divs would exhaust the stack of every stage after the reader).
MAX_BLOCK_DEPTH = 32
TITLE_TAKING = {k for k, spec in BLOCKS.items() if spec.role in ("callout", "collapsible", "instructor")}


def parse_body(text: str, first_line: int, path: str, report: Report) -> list[Node]:
    """Parse ``text`` (whose first line is line ``first_line`` of ``path``)."""
    return _BodyParser(text, first_line, path, report).parse()


class _BodyParser:
    """One pass over a body's lines: text is buffered, fences and divs become nodes."""

    def __init__(self, text: str, first_line: int, path: str, report: Report) -> None:
        self.root: list[Node] = []
        self.stack: list[tuple[Block, list[Node]]] = []  # open blocks and their child lists
        self.buffer: list[str] = []
        self.buffer_start = first_line
        self.lines = text.split("\n")
        self.first_line = first_line
        self.path = path
        self.report = report
        self.number = first_line - 1
        self.index = 0
        self.too_deep = 0  # fences opened (and not closed) beyond MAX_BLOCK_DEPTH: kept as text

    def parse(self) -> list[Node]:
        lines, buffer, first_line = self.lines, self.buffer, self.first_line
        count = len(lines)
        index = outer = 0
        while index < count:
            outer = index  # the line the loop is at (the handlers below may consume more lines)
            line = lines[index]
            index += 1
            first = line.lstrip()[:1]
            if first not in SPECIAL_STARTS:
                buffer.append(line)  # fast path: most lines are plain text
                continue
            self.number, self.index = first_line + outer, index
            index = self.special(line, first)
        self.number = first_line + outer
        self.finish()
        return self.root

    def special(self, line: str, first: str) -> int:
        """A line that may open a fence, a comment or a div (``self.number`` is its number); the index of
        the next line to read."""
        if first in "`~":
            fence = open_fence(line)
            if fence:
                self.code_fence(line, fence)
                return self.index
        elif first == "<":
            if line.lstrip().startswith("<!--") and "-->" not in line:
                self.html_comment(line)
                return self.index
        elif first == ":":
            div = div_fence(line)
            if div:
                self.div(line, div)
                return self.index
        self.buffer.append(line)
        return self.index

    # -- helpers -------------------------------------------------------------------------

    def current(self) -> list[Node]:
        return self.stack[-1][1] if self.stack else self.root

    def flush(self, next_line: int) -> None:
        buffer = self.buffer
        if buffer and any(line.strip() for line in buffer):
            self.current().append(Markdown("\n".join(buffer), self.buffer_start))
        buffer.clear()
        self.buffer_start = next_line

    # -- code fences and chunks ----------------------------------------------------------

    def code_fence(self, line: str, fence: Fence) -> None:
        """A fenced code block: text, or a :class:`CodeChunk` when its info string is a chunk header."""
        number, lines = self.number, self.lines
        chunk = None
        if len(fence.indent) <= 3 and fence.marks[0] == "`":
            chunk = parse_chunk_header(fence.info) or parse_exec_marker(fence.info)
        body: list[str] = []  # the fenced block up to its closing fence
        closed = False
        while self.index < len(lines):
            inner = lines[self.index]
            self.index += 1
            if fence.closed_by(inner):
                closed = True
                break
            body.append(inner)
        end_number = self.first_line + self.index - 1
        if not closed:
            self.report.warning(
                self.path, number, "code-fence-unclosed",
                f"code block opened with {fence.marks} is never closed; it runs to the end of the file",
                f"Add a line containing only {fence.marks} where the code ends.",
            )
        if chunk is None:
            self.buffer.extend([line, *body])
            if closed:
                self.buffer.append(lines[self.index - 1])
            return
        self.flush(end_number + 1)
        self.current().append(self.chunk(chunk, body, number))

    def chunk(self, header, body: list[str], number: int) -> CodeChunk:
        engine, label, options, problems = header
        more, code, more_problems = split_hash_pipe_options("\n".join(body))
        options = {**options, **more}
        if label is None and options.get("label") is not None:
            label = str(options["label"])  # Quarto's #| label: name
        for problem in (*problems, *more_problems):
            self.report.warning(self.path, number, "chunk-options", problem,
                                "Write chunk options as {engine label, name=value, ...}.")
        return CodeChunk(engine, code, number, label, options)

    def html_comment(self, line: str) -> None:
        """A block-level HTML comment: everything up to --> is text."""
        lines, buffer = self.lines, self.buffer
        buffer.append(line)
        while self.index < len(lines):
            buffer.append(lines[self.index])
            self.index += 1
            if "-->" in lines[self.index - 1]:
                break

    # -- fenced divs ---------------------------------------------------------------------

    def div(self, line: str, div: DivFence) -> None:
        rest = div.rest
        if self.too_deep and not rest:
            self.too_deep -= 1
            self.buffer.append(line)
        elif rest and len(self.stack) >= MAX_BLOCK_DEPTH:
            if not self.too_deep:
                self.report.error(
                    self.path, self.number, "block-too-deep",
                    f"blocks are nested more than {MAX_BLOCK_DEPTH} deep; this fence and the blocks "
                    "inside it are kept as text",
                    "Close the blocks above before opening new ones.", column=len(div.indent) + 1)
            self.too_deep += 1
            self.buffer.append(line)
        elif not rest:
            self.close_div(div)
        else:
            self.open_div(div)

    def close_div(self, div: DivFence) -> None:
        number = self.number
        if self.stack:
            self.flush(number + 1)
            block, _ = self.stack.pop()
            block.end_line = number
            take_title(block)
        else:
            self.report.error(
                self.path, number, "div-unmatched-close",
                "closing fence ':::' has no open block to close",
                "Remove this line, or add the opening fence (e.g. '::: challenge') it was meant to close.",
                column=len(div.indent) + 1,
            )

    def open_div(self, div: DivFence) -> None:
        number = self.number
        classes, block_id, pairs = self.div_attributes(div)
        self.flush(number + 1)
        kind = classes[0].lower() if classes else ""
        block = Block(kind, number, number, [], tuple(classes), block_id, dict(pairs))
        self.current().append(block)
        self.stack.append((block, block.children))

    def div_attributes(self, div: DivFence) -> tuple[list[str], str | None, dict]:
        """``::: class {#id k=v}`` or ``::: {.class #id k=v}`` → classes, id, pairs (warning on the rest)."""
        rest, column = div.rest, len(div.indent) + 1
        attrs = parse_attributes(rest) if rest.startswith("{") else None
        if attrs is not None:
            if attrs.invalid:
                self.report.warning(
                    self.path, self.number, "div-fence-syntax",
                    f"cannot read {' '.join(attrs.invalid)!r} in the block's attributes",
                    "Write attributes as {.class #id key=value}.",
                    column=column,
                )
            return attrs.classes, attrs.id, attrs.pairs
        word, _, tail = rest.partition(" ")
        tail_attrs = parse_attributes(tail) if tail.strip().startswith("{") else None
        if tail.strip() and tail_attrs is None:
            self.report.warning(
                self.path, self.number, "div-fence-syntax",
                f"text after the block class is ignored: {tail.strip()!r}",
                "Write '::: class' or '::: {.class #id key=value}'.",
                column=column,
            )
        if tail_attrs is None:
            return [word], None, {}
        return [word, *tail_attrs.classes], tail_attrs.id, tail_attrs.pairs

    def finish(self) -> None:
        """Flush the text left and report the blocks never closed."""
        number = self.number
        self.flush(number + 1)
        for block, _ in reversed(self.stack):
            self.report.error(
                self.path, block.line, "div-unclosed",
                f"block '{block.kind or 'div'}' opened here is never closed",
                "Add a line of colons (e.g. ':::::::') where the block ends.",
            )
            block.end_line = number
            take_title(block)


def take_title(block: Block) -> None:
    """Use a block's leading heading as its title (as the Workbench does)."""
    if block.kind not in TITLE_TAKING or not block.children:
        return
    first = block.children[0]
    if not isinstance(first, Markdown):
        return
    lines = first.text.split("\n")
    offset = 0
    while offset < len(lines) and not lines[offset].strip():
        offset += 1
    if offset == len(lines):
        return
    m = ATX_HEADING.match(lines[offset])
    if not m:
        return
    title, attrs = split_trailing_attributes((m.group(2) or "").strip())
    block.title = title
    block.title_level = len(m.group(1))
    block.title_line = first.line + offset
    if attrs and attrs.id and not block.id:
        block.id = attrs.id
    rest = lines[offset + 1 :]
    if any(line.strip() for line in rest):
        block.children[0] = Markdown("\n".join(rest), first.line + offset + 1)
    else:
        block.children.pop(0)
