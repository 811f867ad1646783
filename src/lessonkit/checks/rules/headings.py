"""Headings: start at level 2, never skip a level, never empty, unique anchors."""

from __future__ import annotations

from lessonkit.checks.registry import Context, rule
from lessonkit.diagnostics import Severity
from lessonkit.markdown.parser import slugify
from lessonkit.model import Block, Page


def _headings(page: Page, context: Context):
    """Every heading of the body with its level, in order (block titles included)."""
    scan = context.page_scan(page)
    by_node = {id(node): result for node, result in scan.runs}
    found = []
    for node, parents in scan.walk:
        if isinstance(node, Block) and node.title is not None and node.title_level:
            found.append((node, node.title_level, node.title, node.title_line, 1, True))
        elif id(node) in by_node:
            for heading in by_node[id(node)].headings:
                found.append((node, heading.level, heading.text, heading.line, heading.column, bool(parents)))
    return found


@rule("heading-level-1", Severity.WARNING, "Episodes do not use level 1 headings; the page title is the only one.")
def level_one(page: Page, context: Context):
    if page.kind == "index":
        return []
    for node, level, text, line, column, _ in _headings(page, context):
        if level == 1:
            yield context.diagnostic(
                "heading-level-1", page, line, column, f"level 1 heading '# {text}': the page title is already level 1",
                "Use '##' for the sections of a page.", node)


@rule("heading-skip", Severity.WARNING, "Heading levels go down one at a time (## then ###, not ## then ####).")
def skipped(page: Page, context: Context):
    previous = 1
    for node, level, text, line, column, in_block in _headings(page, context):
        if level > previous + 1 and not (in_block and level <= 3):
            yield context.diagnostic(
                "heading-skip", page, line, column,
                f"heading level {level} ('{'#' * level} {text}') follows level {previous}: level {previous + 1} is skipped",
                f"Make it a level {previous + 1} heading ('{'#' * (previous + 1)}').", node)
        if not in_block:
            previous = level


@rule("heading-empty", Severity.WARNING, "Headings have text.")
def empty(page: Page, context: Context):
    for node, _, text, line, column, _ in _headings(page, context):
        if not text.strip():
            yield context.diagnostic("heading-empty", page, line, column, "empty heading",
                                     "Write the heading's text, or remove the line.", node)


@rule("heading-anchor-duplicate", Severity.WARNING, "Headings of a page have different anchors, so links reach them.")
def duplicates(page: Page, context: Context):
    seen: dict[str, int] = {}
    scan = context.page_scan(page)
    for node, heading in scan.headings():
        anchor = heading.anchor or slugify(heading.text)
        if not heading.text.strip():
            continue
        if anchor in seen:
            yield context.diagnostic(
                "heading-anchor-duplicate", page, heading.line, heading.column,
                f"heading '{heading.text}' has the same anchor '#{anchor}' as the heading on line {seen[anchor]}",
                "Reword one of the headings, or give it its own id: '## Heading {#other-id}'.", node)
        else:
            seen[anchor] = heading.line
