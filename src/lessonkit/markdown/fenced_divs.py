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
from lessonkit.markdown.fences import div_fence, open_fence
from lessonkit.model import BLOCKS, Block, CodeChunk, Markdown, Node

ATX_HEADING = linear.ATX_HEADING  # linear time (the regex was quadratic in runs of spaces)

SPECIAL_STARTS = frozenset("`~:<")
#: Blocks nested deeper than this are not blocks (a lesson nests three or four; 10,000 nested
#: divs would exhaust the stack of every stage after the reader).
MAX_BLOCK_DEPTH = 32
TITLE_TAKING = {k for k, spec in BLOCKS.items() if spec.role in ("callout", "collapsible", "instructor")}


def parse_body(text: str, first_line: int, path: str, report: Report) -> list[Node]:
    """Parse ``text`` (whose first line is line ``first_line`` of ``path``)."""
    root: list[Node] = []
    stack: list[tuple[Block, list[Node]]] = []  # open blocks and their child lists
    buffer: list[str] = []
    buffer_start = first_line
    lines = text.split("\n")
    number = first_line - 1
    index = 0
    too_deep = 0  # fences opened (and not closed) beyond MAX_BLOCK_DEPTH: kept as text

    def current() -> list[Node]:
        return stack[-1][1] if stack else root

    def flush(next_line: int) -> None:
        nonlocal buffer, buffer_start
        if buffer and any(line.strip() for line in buffer):
            current().append(Markdown("\n".join(buffer), buffer_start))
        buffer = []
        buffer_start = next_line

    while index < len(lines):
        line = lines[index]
        number = first_line + index
        index += 1
        first = line.lstrip()[:1]
        if first not in SPECIAL_STARTS:
            buffer.append(line)  # fast path: most lines are plain text
            continue

        fence = open_fence(line) if first in "`~" else None
        if fence:
            indent, marks, info = fence.indent, fence.marks, fence.info
            chunk = None
            if len(indent) <= 3 and marks[0] == "`":
                chunk = parse_chunk_header(info) or parse_exec_marker(info)
            # Collect the fenced block up to its closing fence.
            body: list[str] = []
            closed = False
            while index < len(lines):
                inner = lines[index]
                index += 1
                if fence.closed_by(inner):
                    closed = True
                    break
                body.append(inner)
            end_number = first_line + index - 1
            if not closed:
                report.warning(
                    path, number, "code-fence-unclosed",
                    f"code block opened with {marks} is never closed; it runs to the end of the file",
                    f"Add a line containing only {marks} where the code ends.",
                )
            if chunk is None:
                buffer.extend([line, *body])
                if closed:
                    buffer.append(lines[index - 1])
                continue
            engine, label, options, problems = chunk
            code = "\n".join(body)
            more, code, more_problems = split_hash_pipe_options(code)
            options = {**options, **more}
            if label is None and options.get("label") is not None:
                label = str(options["label"])  # Quarto's #| label: name
            for problem in (*problems, *more_problems):
                report.warning(path, number, "chunk-options", problem,
                               "Write chunk options as {engine label, name=value, ...}.")
            flush(end_number + 1)
            current().append(CodeChunk(engine, code, number, label, options))
            continue

        if first == "<" and line.lstrip().startswith("<!--") and "-->" not in line:
            # A block-level HTML comment: everything up to --> is text.
            buffer.append(line)
            while index < len(lines):
                buffer.append(lines[index])
                index += 1
                if "-->" in lines[index - 1]:
                    break
            continue

        div = div_fence(line) if first == ":" else None
        if div:
            rest = div.rest
            if too_deep and not rest:
                too_deep -= 1
                buffer.append(line)
                continue
            if rest and len(stack) >= MAX_BLOCK_DEPTH:
                if not too_deep:
                    report.error(path, number, "block-too-deep",
                                 f"blocks are nested more than {MAX_BLOCK_DEPTH} deep; this fence and the blocks "
                                 "inside it are kept as text",
                                 "Close the blocks above before opening new ones.", column=len(div.indent) + 1)
                too_deep += 1
                buffer.append(line)
                continue
            if not rest:
                if stack:
                    flush(number + 1)
                    block, _ = stack.pop()
                    block.end_line = number
                    take_title(block)
                else:
                    report.error(
                        path, number, "div-unmatched-close",
                        "closing fence ':::' has no open block to close",
                        "Remove this line, or add the opening fence (e.g. '::: challenge') it was meant to close.",
                        column=len(div.indent) + 1,
                    )
                continue
            attrs = parse_attributes(rest) if rest.startswith("{") else None
            if attrs is None:
                word, _, tail = rest.partition(" ")
                tail_attrs = parse_attributes(tail) if tail.strip().startswith("{") else None
                classes = [word] + (tail_attrs.classes if tail_attrs else [])
                block_id = tail_attrs.id if tail_attrs else None
                pairs = tail_attrs.pairs if tail_attrs else {}
                if tail.strip() and tail_attrs is None:
                    report.warning(
                        path, number, "div-fence-syntax",
                        f"text after the block class is ignored: {tail.strip()!r}",
                        "Write '::: class' or '::: {.class #id key=value}'.",
                        column=len(div.indent) + 1,
                    )
            else:
                classes, block_id, pairs = attrs.classes, attrs.id, attrs.pairs
                if attrs.invalid:
                    report.warning(
                        path, number, "div-fence-syntax",
                        f"cannot read {' '.join(attrs.invalid)!r} in the block's attributes",
                        "Write attributes as {.class #id key=value}.",
                        column=len(div.indent) + 1,
                    )
            flush(number + 1)
            kind = classes[0].lower() if classes else ""
            block = Block(kind, number, number, [], tuple(classes), block_id, dict(pairs))
            current().append(block)
            stack.append((block, block.children))
            continue

        buffer.append(line)

    flush(number + 1)
    for block, _ in reversed(stack):
        report.error(
            path, block.line, "div-unclosed",
            f"block '{block.kind or 'div'}' opened here is never closed",
            "Add a line of colons (e.g. ':::::::') where the block ends.",
        )
        block.end_line = number
        take_title(block)
    return root


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
