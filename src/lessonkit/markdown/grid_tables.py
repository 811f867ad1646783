"""Pandoc grid tables for markdown-it::

    +-----------+-----------+
    | Header 1  | Header 2  |
    +===========+===========+
    | cell with | - a list  |
    | two lines | - in it   |
    +-----------+-----------+

Cells hold block Markdown.  Row and column spans are not supported: such a
table is left as text, which the checks report.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

_BORDER = re.compile(r"^\+(?:[-=:]+\+)+\s*$")


def _columns(border: str) -> list[int]:
    return [i for i, ch in enumerate(border) if ch == "+"]


def _rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if not _BORDER.match(first):
        return False
    cols = _columns(first.rstrip())
    lines: list[str] = [first.rstrip()]
    line = start + 1
    while line < end:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
        if not text or text[0] not in "+|":
            break
        lines.append(text)
        line += 1
    if len(lines) < 3 or not _BORDER.match(lines[-1]):
        return False
    # Every line must have its column separators where the first border has them.
    for text in lines:
        if len(text) != cols[-1] + 1 or any(text[c] not in "+|" for c in cols):
            return False
    if silent:
        return True
    rows, header_rows = _rows(lines, cols)
    _push_table(state, rows, header_rows, [start, line])
    state.line = line
    return True


def _rows(lines: list[str], cols: list[int]) -> tuple[list[tuple[list[str], bool]], int]:
    """The table's rows (cell texts, whether the separator after it is '=') and how many are header rows."""
    rows: list[tuple[list[str], bool]] = []
    current: list[list[str]] = [[] for _ in cols[:-1]]
    header_rows = 0
    for text in lines[1:]:
        if _BORDER.match(text):
            if any(any(part.strip() for part in cell) for cell in current):
                rows.append((["\n".join(cell) for cell in current], "=" in text))
                if "=" in text:
                    header_rows = len(rows)
            elif "=" in text and rows:
                header_rows = len(rows)
            current = [[] for _ in cols[:-1]]
            continue
        for index in range(len(cols) - 1):
            cell = text[cols[index] + 1 : cols[index + 1]]
            current[index].append(cell[1:] if cell.startswith(" ") else cell)
    return rows, header_rows


def _push_table(state: StateBlock, rows: list[tuple[list[str], bool]], header_rows: int, lines: list[int]) -> None:
    """The table's tokens; each cell's content is parsed as Markdown blocks."""
    token = state.push("table_open", "table", 1)
    token.map = lines
    sections = [("thead", rows[:header_rows], "th"), ("tbody", rows[header_rows:], "td")]
    for tag, section_rows, cell_tag in sections:
        if not section_rows:
            continue
        state.push(f"{tag}_open", tag, 1)
        for cells, _ in section_rows:
            state.push("tr_open", "tr", 1)
            for cell in cells:
                state.push(f"{cell_tag}_open", cell_tag, 1)
                content = "\n".join(part.rstrip() for part in cell.split("\n")).strip("\n")
                if content.strip():
                    state.md.block.parse(content, state.md, state.env, state.tokens)
                state.push(f"{cell_tag}_close", cell_tag, -1)
            state.push("tr_close", "tr", -1)
        state.push(f"{tag}_close", tag, -1)
    state.push("table_close", "table", -1)


def grid_table_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("table", "grid_table", _rule, {"alt": ["paragraph"]})
