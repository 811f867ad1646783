"""Rewriting the link targets in Markdown text (outside code), for pages that move."""

from __future__ import annotations

import re
from collections.abc import Callable

from lessonkit.markdown.fences import code_lines

CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
INLINE = re.compile(r"(\]\(\s*)(<[^>\n]*>|[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)((?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\))")
DEFINITION = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)(.*)$")
HTML_ATTRIBUTE = re.compile(r"""(\b(?:href|src)\s*=\s*)(["'])(.*?)\2""", re.I)


def rewrite_links(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to every link and image target of ``text``; code is left alone."""
    lines = text.split("\n")
    for index, code in enumerate(code_lines(lines)):
        if not code:
            lines[index] = _line(lines[index], change)
    return "\n".join(lines)


def _line(line: str, change: Callable[[str], str]) -> str:
    spans: list[str] = []

    def hide(m: re.Match) -> str:
        spans.append(m.group(0))
        return f"\x00{len(spans) - 1}\x00"

    masked = CODE_SPAN.sub(hide, line) if "`" in line else line
    definition = DEFINITION.match(masked)
    if definition:
        masked = definition.group(1) + _target(definition.group(2), change) + definition.group(3)
    else:
        masked = INLINE.sub(lambda m: m.group(1) + _target(m.group(2), change) + m.group(3), masked)
        masked = HTML_ATTRIBUTE.sub(lambda m: m.group(1) + m.group(2) + change(m.group(3)) + m.group(2), masked)
    if spans:
        masked = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], masked)
    return masked


def _target(target: str, change: Callable[[str], str]) -> str:
    if target.startswith("<") and target.endswith(">"):
        return "<" + change(target[1:-1]) + ">"
    return change(target)
