"""Which engine runs a chunk, as knitr decides it, and the knitr option defaults lessonkit uses."""

from __future__ import annotations

import re

from lessonkit.markdown.fences import code_mask
from lessonkit.model import CodeChunk, Markdown, Page

PYTHON = {"python", "python3", "py", "ipython"}
R = {"r"}
SHELL = {"bash": "bash", "sh": "sh", "shell": "bash", "zsh": "zsh"}

#: knitr's defaults as the Workbench (sandpaper) sets them: outputs without a "##" prefix.
KNITR_DEFAULTS: dict = {
    "echo": True, "eval": True, "include": True, "results": "markup", "error": False, "warning": True,
    "message": True, "fig.width": 7, "fig.height": 7, "dpi": 72, "collapse": False, "comment": "",
    "purl": True, "fig.show": "asis", "fig.alt": None, "fig.cap": None, "out.width": None,
}

#: How many figures one chunk may draw before the rest are dropped (an endless plot loop).
MAX_FIGURES = 50


def engine_of(chunk: CodeChunk) -> str:
    """``r``, ``python``, ``bash``/``sh``/``zsh``, or the (unknown) engine name."""
    engine = chunk.engine.lower()
    override = chunk.option("engine")
    if isinstance(override, str) and override.strip():
        engine = override.strip().strip("'\"").lower()
    if engine in PYTHON:
        return "python"
    return SHELL.get(engine, engine)


def is_shell(engine: str) -> bool:
    return engine in SHELL.values()


def runnable(engine: str) -> bool:
    return engine in ("r", "python") or is_shell(engine)


# `r expr` in prose (not ``r ...`` with more backticks, not inside fenced code).
INLINE_R = re.compile(r"(?<!`)`r[ \t]+([^`\n]+?)`(?!`)")


def inline_spans(text: str) -> list[re.Match]:
    """The inline R expressions of a run of Markdown, outside fenced code blocks."""
    if "`r " not in text and "`r\t" not in text:
        return []
    found: list[re.Match] = []
    offset = 0
    lines = text.split("\n")
    for line, code in zip(lines, code_mask(lines), strict=True):  # the one fence definition
        if not code:
            found.extend(INLINE_R.finditer(text, offset, offset + len(line)))
        offset += len(line) + 1
    return found


def inline_expressions(page: Page) -> list[tuple[Markdown, str]]:
    """Every inline R expression of the page, in document order."""
    found = []
    for node, _ in page.walk():
        if isinstance(node, Markdown):
            found.extend((node, m.group(1).strip()) for m in inline_spans(node.text))
    return found


def substitute_inline(text: str, values: dict[str, list[str]], used: dict[str, int] | None = None) -> str:
    """Replace the inline R expressions of ``text`` by their values, in order of occurrence:
    ``used`` counts the occurrences of each expression already replaced on the page (pass the
    same dict for every run of text of a page, in document order)."""
    spans = inline_spans(text)
    if not spans or not values:
        return text
    used = {} if used is None else used
    parts: list[str] = []
    position = 0
    for m in spans:
        expr = m.group(1).strip()
        found = values.get(expr)
        if not found:
            continue
        index = used.get(expr, 0)
        used[expr] = index + 1
        parts.append(text[position:m.start()])
        parts.append(found[min(index, len(found) - 1)])
        position = m.end()
    parts.append(text[position:])
    return "".join(parts)
