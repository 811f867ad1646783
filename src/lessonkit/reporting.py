"""Printing diagnostics for people (rich text) and for machines."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from lessonkit.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from rich.console import Console

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_diagnostics(console: Console, diagnostics: list[Diagnostic], *, limit: int | None = None) -> None:
    from rich.markup import escape

    shown = diagnostics if limit is None else diagnostics[:limit]
    for d in shown:
        style = STYLES[d.severity]
        console.print(
            f"[bold]{escape(d.location())}[/bold]: [{style}]{d.severity}[/{style}]: {escape(d.message)} "
            f"[dim]\\[{escape(d.rule)}][/dim]",
            highlight=False, soft_wrap=True,
        )
        if d.fix:
            console.print(f"    [dim]fix:[/dim] {escape(d.fix)}", highlight=False, soft_wrap=True)
    if limit is not None and len(diagnostics) > limit:
        console.print(f"... and {len(diagnostics) - limit} more", highlight=False)


def summary(diagnostics: list[Diagnostic]) -> str:
    counts = Counter(d.severity for d in diagnostics)
    parts = []
    for severity, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "note")):
        n = counts.get(severity, 0)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts) if parts else "no problems"


def up_to_date_line(result, out) -> str:
    """What a no-change build says (``lessonkit build`` through click, and ``lessonkit.entry`` before it)."""
    problems = f"; {summary(result.diagnostics)}" if result.diagnostics else ""
    return (f"Up to date: {result.html_pages} pages in {out}, nothing changed since the last build "
            f"({result.seconds * 1000:.0f} ms{problems}).")
