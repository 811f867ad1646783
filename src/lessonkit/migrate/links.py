"""Rewriting the link targets in Markdown text (outside code), for pages that move.

The targets are found by the checks' scanner (``lessonkit.checks.scan``), so the migration and
``lessonkit check`` agree on what is a link: the same code fences, code spans and comments are
skipped, and link text may span lines. Each target is replaced where it is written; nothing
else of the text changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lessonkit.checks.scan import scan

NEWLINE = re.compile("\n")


def rewrite_links(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to every link and image target of ``text`` (inline links and images,
    reference definitions, ``href``/``src`` of HTML tags); code is left alone."""
    if "](" not in text and "]:" not in text and "=" not in text:
        return text
    starts = [0, *(m.end() for m in NEWLINE.finditer(text))]
    edits: dict[int, tuple[int, str]] = {}
    for target in scan(text, 1).targets:
        offset = starts[target.at.line - 1] + target.at.column - 1
        if text.startswith(target.raw, offset):
            edits[offset] = (len(target.raw), _target(target.raw, change))
    pieces = []
    cursor = 0
    for offset in sorted(edits):
        if offset < cursor:
            continue
        length, replacement = edits[offset]
        pieces += [text[cursor:offset], replacement]
        cursor = offset + length
    pieces.append(text[cursor:])
    return "".join(pieces)


def _target(target: str, change: Callable[[str], str]) -> str:
    if target.startswith("<") and target.endswith(">"):
        return "<" + change(target[1:-1]) + ">"
    return change(target)
