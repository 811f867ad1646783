"""Lesson blocks: known classes, and solutions inside challenges."""

from __future__ import annotations

import difflib

from lessonkit.checks.registry import Context, rule
from lessonkit.diagnostics import Severity
from lessonkit.model import BLOCKS, Page

INSIDE = {"solution": ("challenge",), "hint": ("challenge",)}


@rule("block-unknown", Severity.WARNING, "Blocks use a class the Workbench knows (challenge, callout, ...).")
def unknown(page: Page, context: Context):
    for block in context.page_scan(page).blocks:
        if block.known or not block.kind:
            continue
        match = difflib.get_close_matches(block.kind, list(BLOCKS), n=1, cutoff=0.6)
        suggestion = f"Did you mean '{match[0]}'? " if match else ""
        yield context.diagnostic(
            "block-unknown", page, block.line, 1,
            f"unknown block class '{block.kind}': it is shown as a plain box, without a title or icon",
            f"{suggestion}Known classes: {', '.join(sorted(k for k in BLOCKS if k))}.", block)


@rule("solution-outside-challenge", Severity.WARNING, "Solutions and hints belong inside a challenge.")
def solution_outside(page: Page, context: Context):
    for node, parents in context.page_scan(page).walk:
        kind = getattr(node, "kind", None)
        if kind in INSIDE and not any(p.kind in INSIDE[kind] for p in parents):
            yield context.diagnostic(
                "solution-outside-challenge", page, node.line, 1,
                f"a {kind} outside any challenge",
                f"Move the {kind} inside the challenge it answers (before the challenge's closing fence).", node)


@rule("block-empty", Severity.WARNING, "Blocks have content.")
def empty(page: Page, context: Context):
    for block in context.page_scan(page).blocks:
        if not block.children and not block.title:
            yield context.diagnostic("block-empty", page, block.line, 1, f"empty '{block.kind}' block",
                                     "Write the block's content, or remove the block.", block)
