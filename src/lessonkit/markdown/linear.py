"""Linear-time replacements for line patterns that backtracking made slow on hostile text.

A lesson is untrusted input.  Some of the regular expressions that scanned lesson lines
took time polynomial (or worse) in a line's length: the code-span pattern ``(`+)(?:(?!\\1).)+?\\1``
took 40 s on a line of 1,000 backticks, ATX headings and pipe-table separators were
quadratic in runs of spaces, and the HTML link pattern took 145 s on 5 KB of ``<a href='x' ``.
The objects here do the same jobs in one pass and keep the regex interface their callers use
(``match``/``sub``/``finditer`` returning objects with ``group``/``start``/``span``), so a
caller swaps one for the other in a single line.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterator


class LineMatch:
    """The part of ``re.Match`` the callers use."""

    def __init__(self, string: str, span: tuple[int, int], groups: dict[int | str, str | None],
                 spans: dict[int | str, tuple[int, int]] | None = None):
        self.string = string
        self._span = span
        self._groups = groups
        self._spans = spans or {}

    def group(self, key: int | str = 0) -> str | None:
        if key == 0:
            return self.string[self._span[0]:self._span[1]]
        return self._groups[key]

    def groups(self) -> tuple[str | None, ...]:
        return tuple(self._groups[k] for k in sorted(k for k in self._groups if isinstance(k, int)))

    def span(self, key: int | str = 0) -> tuple[int, int]:
        return self._span if key == 0 else self._spans.get(key, (-1, -1))

    def start(self, key: int | str = 0) -> int:
        return self.span(key)[0]

    def end(self, key: int | str = 0) -> int:
        return self.span(key)[1]


class AtxHeading:
    """``^( {0,3})(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$`` in one pass.

    With ``indent_group`` the groups are (indent, hashes, content) as in the checks' scanner,
    otherwise (hashes, content)."""

    def __init__(self, indent_group: bool):
        self.indent_group = indent_group

    def match(self, line: str) -> LineMatch | None:
        indent = len(line) - len(line.lstrip(" "))
        if indent > 3:
            return None
        hashes_end = indent
        while hashes_end < len(line) and line[hashes_end] == "#":
            hashes_end += 1
        level = hashes_end - indent
        if not 1 <= level <= 6:
            return None
        rest = line[hashes_end:]
        if rest and rest[0] not in " \t":
            return None
        if "\n" in rest:
            return None
        content: str | None
        if not rest:
            content = None
        else:
            body = rest.strip(" \t")
            without = body.rstrip("#")
            if without != body and without and without[-1] in " \t":  # a closing run of '#'
                body = without.rstrip(" \t")
            content = body
        if self.indent_group:
            groups: dict[int | str, str | None] = {1: line[:indent], 2: line[indent:hashes_end], 3: content}
        else:
            groups = {1: line[indent:hashes_end], 2: content}
        return LineMatch(line, (0, len(line)), groups)


class AtxOfLevel:
    """``^ {0,3}##(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`` (for level 2) in one pass: group 1 is the content."""

    def __init__(self, level: int):
        self.level = level

    def match(self, line: str) -> LineMatch | None:
        m = ATX_HEADING.match(line)
        if m is None or len(m.group(1)) != self.level:
            return None
        return LineMatch(line, (0, len(line)), {1: m.group(2)})


class TableSeparator:
    """``^\\s*\\|?\\s*:?-{1,}:?\\s*(\\|\\s*:?-{1,}:?\\s*)*\\|?\\s*$`` in one pass: cells of
    ``:?-+:?`` separated by pipes, with optional outer pipes."""

    _CELL = re.compile(r":?-+:?")

    def match(self, line: str) -> bool | None:
        text = line.strip()
        if "-" not in text or "\n" in text:
            return None
        if text.startswith("|"):
            text = text[1:]
        if text.endswith("|"):
            text = text[:-1]
        cells = text.split("|")
        if all(self._CELL.fullmatch(cell.strip()) for cell in cells):
            return True
        return None


class CodeSpans:
    """Code spans of a line (or text): a run of n backticks up to the next run of exactly n
    (CommonMark's rule), found in one pass; ``sub`` replaces each span."""

    _RUN = re.compile(r"`+")

    def finditer(self, text: str) -> Iterator[LineMatch]:
        runs = [(m.start(), m.end()) for m in self._RUN.finditer(text)]
        later: dict[int, deque[int]] = defaultdict(deque)
        for index, (start, end) in enumerate(runs):
            later[end - start].append(index)
        index = 0
        while index < len(runs):
            start, end = runs[index]
            waiting = later[end - start]
            while waiting and waiting[0] <= index:
                waiting.popleft()
            if waiting:
                closing = waiting.popleft()
                yield LineMatch(text, (start, runs[closing][1]), {1: text[start:end]})
                index = closing + 1
            else:
                index += 1

    def sub(self, repl: Callable[[LineMatch], str] | str, text: str) -> str:
        pieces: list[str] = []
        position = 0
        for m in self.finditer(text):
            pieces.append(text[position:m.start()])
            pieces.append(repl(m) if callable(repl) else repl)
            position = m.end()
        pieces.append(text[position:])
        return "".join(pieces)


def tag_attribute(tag: str, name: str) -> str | None:
    """The value of attribute ``name`` in an HTML start tag (``<a ...>``), read in one pass."""
    n = len(tag)
    i = 1
    while i < n and tag[i] not in " \t\n\r\f/>":  # the tag's name
        i += 1
    while i < n:
        while i < n and (tag[i] in " \t\n\r\f/"):
            i += 1
        j = i
        while j < n and tag[j] not in " \t\n\r\f=>/":
            j += 1
        attr = tag[i:j].lower()
        i = j
        while i < n and tag[i] in " \t\n\r\f":
            i += 1
        value = None
        if i < n and tag[i] == "=":
            i += 1
            while i < n and tag[i] in " \t\n\r\f":
                i += 1
            if i < n and tag[i] in "\"'":
                close = tag.find(tag[i], i + 1)
                if close == -1:
                    return None  # the rest of the tag is inside an unclosed quote
                value = tag[i + 1:close]
                i = close + 1
            else:
                k = i
                while k < n and tag[k] not in " \t\n\r\f>":
                    k += 1
                value = tag[i:k]
                i = k
        if attr == name and value is not None:
            return value
        if j == i and value is None:
            i += 1  # a stray character: always move on
    return None


class HtmlLinks:
    """``<a ... href="url" ...>text</a>`` in one pass (groups ``url`` and ``text``)."""

    def finditer(self, line: str) -> Iterator[LineMatch]:
        lower = line.lower()
        n = len(line)
        position = 0
        next_gt = -1
        next_close = -1
        while (start := lower.find("<a", position)) != -1:
            after = start + 2
            if after < n and (line[after].isalnum() or line[after] == "_"):
                position = after
                continue
            if next_gt < after:
                next_gt = line.find(">", after)
                if next_gt == -1:
                    return
            if next_close < next_gt:
                next_close = lower.find("</a>", next_gt)
                if next_close == -1:
                    return
            url = tag_attribute(line[start:next_gt + 1], "href")
            if url is None:
                position = after
                continue
            end = next_close + 4
            yield LineMatch(line, (start, end), {"url": url, "text": line[next_gt + 1:next_close]})
            position = end


ATX = AtxHeading(indent_group=True)
ATX_HEADING = AtxHeading(indent_group=False)
TABLE_SEPARATOR = TableSeparator()
CODE_SPAN = CodeSpans()
HTML_LINK = HtmlLinks()
#: ``^(\s*)(:{3,})\s*(.*?)\s*$`` without the quadratic lazy group: the same groups, linear.
DIV_FENCE = re.compile(r"^(\s*)(:{3,})\s*((?:.*\S)?)\s*$")
