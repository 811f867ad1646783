"""Lesson blocks: known classes, and solutions inside challenges."""

from __future__ import annotations

from lessonkit.checks.context import PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.diagnostics import Severity
from lessonkit.model import BLOCKS

INSIDE = {"solution": ("challenge",), "hint": ("challenge",)}


@rule("block-unknown", Severity.WARNING, "Blocks use a class the Workbench knows (challenge, callout, ...).")
def unknown(scan: PageScan):
    for block in scan.blocks:
        if block.known or not block.kind:
            continue
        import difflib  # only for a suggestion
        match = difflib.get_close_matches(block.kind, list(BLOCKS), n=1, cutoff=0.6)
        suggestion = f"Did you mean '{match[0]}'? " if match else ""
        yield Finding(scan.spot(block, block.line),
                      f"unknown block class '{block.kind}': it is shown as a plain box, without a title or icon",
                      f"{suggestion}Known classes: {', '.join(sorted(k for k in BLOCKS if k))}.")


@rule("solution-outside-challenge", Severity.WARNING, "Solutions and hints belong inside a challenge.")
def solution_outside(scan: PageScan):
    for visit in scan.walk:
        kind = getattr(visit.node, "kind", None)
        if kind in INSIDE and not any(p.kind in INSIDE[kind] for p in visit.parents):
            yield Finding(scan.spot(visit.node, visit.node.line), f"a {kind} outside any challenge",
                          f"Move the {kind} inside the challenge it answers (before the challenge's closing fence).")


@rule("block-empty", Severity.WARNING, "Blocks have content.")
def empty(scan: PageScan):
    for block in scan.blocks:
        if not block.children and not block.title:
            yield Finding(scan.spot(block, block.line), f"empty '{block.kind}' block",
                          "Write the block's content, or remove the block.")
