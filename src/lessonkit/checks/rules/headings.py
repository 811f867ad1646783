"""Headings: start at level 2, never skip a level, never empty, unique anchors."""

from __future__ import annotations

from lessonkit.checks.context import PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.diagnostics import Severity
from lessonkit.markdown.parser import slugify
from lessonkit.model import Page


@rule("heading-level-1", Severity.WARNING, "Episodes do not use level 1 headings; the page title is the only one.")
def level_one(page: Page, scan: PageScan):
    if page.kind == "index":
        return
    for entry in scan.outline():
        if entry.level == 1:
            yield Finding(entry.at, f"level 1 heading '# {entry.text}': the page title is already level 1",
                          "Use '##' for the sections of a page.")


@rule("heading-skip", Severity.WARNING, "Heading levels go down one at a time (## then ###, not ## then ####).")
def skipped(scan: PageScan):
    previous = 1
    for entry in scan.outline():
        level = entry.level
        if level > previous + 1 and not (entry.in_block and level <= 3):
            yield Finding(
                entry.at,
                f"heading level {level} ('{'#' * level} {entry.text}') follows level {previous}: "
                f"level {previous + 1} is skipped",
                f"Make it a level {previous + 1} heading ('{'#' * (previous + 1)}').")
        if not entry.in_block:
            previous = level


@rule("heading-empty", Severity.WARNING, "Headings have text.")
def empty(scan: PageScan):
    for entry in scan.outline():
        if not entry.text.strip():
            yield Finding(entry.at, "empty heading", "Write the heading's text, or remove the line.")


@rule("heading-anchor-duplicate", Severity.WARNING, "Headings of a page have different anchors, so links reach them.")
def duplicates(scan: PageScan):
    seen: dict[str, int] = {}
    for heading in scan.headings():
        anchor = heading.anchor or slugify(heading.text)
        if not heading.text.strip():
            continue
        if anchor in seen:
            yield Finding(
                heading.at,
                f"heading '{heading.text}' has the same anchor '#{anchor}' as the heading on line {seen[anchor]}",
                "Reword one of the headings, or give it its own id: '## Heading {#other-id}'.")
        else:
            seen[anchor] = heading.at.line
