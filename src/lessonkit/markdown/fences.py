"""How a code fence or a fenced div opens and closes: the one definition every reader,
check, migration step and renderer helper uses.

Code fences follow CommonMark: a line of three or more backticks or tildes (after any
indentation, so that fences inside list items count) opens a fenced code block; a
backtick fence's info string holds no backtick (```` ```a``` ```` is inline code); the
block is closed by a line holding only the same character, at least as many times.
Fenced divs follow pandoc: three or more colons then a class or an attribute list opens
a div; a line of only colons closes the innermost open one.

Everything here is a single pass over the lines (linear time).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_CODE_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
# ((?:.*[^ \t])?) rather than a lazy (.*?) before [ \t]*$: the same groups, in linear time
# (the lazy group was quadratic in a run of spaces: issue #11).
_DIV_FENCE = re.compile(r"^([ \t]*)(:{3,})[ \t]*((?:.*[^ \t])?)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Fence:
    """An opening code fence: its indentation, its marks (```` ``` ````, ``~~~~``, ...) and its info string."""

    indent: str
    marks: str
    info: str

    @property
    def char(self) -> str:
        return self.marks[0]

    def closed_by(self, line: str) -> bool:
        """Whether ``line`` closes this fence."""
        stripped = line.strip()
        return len(stripped) >= len(self.marks) and stripped[0] == self.char and \
            stripped.count(self.char) == len(stripped)


def open_fence(line: str) -> Fence | None:
    """The code fence ``line`` opens, if it opens one."""
    start = line.lstrip()[:3]
    if start != "```" and start != "~~~":
        return None
    m = _CODE_FENCE.match(line)
    if m is None:
        return None
    indent, marks, info = m.groups()
    if marks[0] == "`" and "`" in info:
        return None  # inline code such as ```a```
    return Fence(indent, marks, info.strip())


def fence_end(lines: Sequence[str], fence: Fence, start: int) -> int | None:
    """Index of the line that closes ``fence``, searching from ``start``; None when it is never closed."""
    for index in range(start, len(lines)):
        if fence.closed_by(lines[index]):
            return index
    return None


def code_mask(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (its fences included).

    An unclosed fence runs to the end of the text, as in CommonMark."""
    mask = [False] * len(lines)
    fence: Fence | None = None
    for index, line in enumerate(lines):
        if fence is not None:
            mask[index] = True
            if fence.closed_by(line):
                fence = None
            continue
        fence = open_fence(line)
        if fence is not None:
            mask[index] = True
    return mask


@dataclass(frozen=True, slots=True)
class DivFence:
    """A line of colons: it closes the innermost div when ``rest`` is empty, else opens a div."""

    indent: str
    colons: str
    rest: str  # what follows the colons: a class, an attribute list, or nothing

    @property
    def closes(self) -> bool:
        return not self.rest


def div_fence(line: str) -> DivFence | None:
    """The fenced-div fence on ``line``, if it is one."""
    if line.lstrip()[:3] != ":::":
        return None
    m = _DIV_FENCE.match(line)
    if m is None:
        return None
    return DivFence(m.group(1), m.group(2), m.group(3).rstrip(":").strip())


def is_indented_code(line: str, previous_blank: bool) -> bool:
    """Whether ``line`` (after a blank line) starts an indented code block rather than a list continuation."""
    if not previous_blank or not line.startswith(("    ", "\t")):
        return False
    stripped = line.strip()
    if not stripped or stripped.startswith(("-", "*", "+", "<")):
        return False
    return _LIST_NUMBER.match(line) is None


_LIST_NUMBER = re.compile(r"\s*\d+[.)]")


def code_lines(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it is code: in a fenced code block, or in an indented code block
    (begun after a blank line, continued by indented and blank lines)."""
    mask = code_mask(lines)
    previous_blank = True
    indented = False
    for index, line in enumerate(lines):
        blank = not line.strip()
        if not mask[index]:
            if indented and (blank or line.startswith(("    ", "\t"))):
                mask[index] = not blank
            else:
                indented = is_indented_code(line, previous_blank)
                mask[index] = indented
        else:
            indented = False
        previous_blank = blank
    return mask
