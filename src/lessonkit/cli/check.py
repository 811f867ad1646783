"""``lessonkit check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True, help="How to print the diagnostics (json, sarif and github go to standard output).")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
@click.option("--quiet", "-q", is_flag=True, help="Text format: print nothing when the lesson is clean.")
def check(path: Path, output_format: str, strict: bool, quiet: bool) -> None:
    """Check the lesson at PATH (Workbench or styles format) and say exactly what is wrong,
    where (file:line:column) and how to fix it.

    The rules are listed in docs/checks.md. Code chunks are not run; ``lessonkit build``
    runs them and reports failing chunks.

    Exit status: 0 when the lesson is clean (warnings allowed unless --strict), 1 when
    there are errors (or warnings with --strict), 2 for usage errors.
    """
    from lessonkit.checks import check_lesson
    from lessonkit.checks.formats import as_github, as_json, as_sarif
    from lessonkit.diagnostics import Severity
    from lessonkit.readers import read_lesson
    from lessonkit.reporting import print_diagnostics, summary

    lesson = read_lesson(path)
    diagnostics = list(lesson.report.items)
    if lesson.format != "unknown":
        diagnostics += check_lesson(lesson)
    diagnostics.sort(key=lambda d: d.sort_key())
    if output_format == "json":
        click.echo(as_json(diagnostics), nl=False)
    elif output_format == "sarif":
        click.echo(as_sarif(diagnostics, lesson.root.resolve().as_uri() + "/"), nl=False)
    elif output_format == "github":
        click.echo(as_github(diagnostics), nl=False)
    else:
        console = Console(stderr=False, highlight=False)
        print_diagnostics(console, diagnostics)
        if diagnostics or not quiet:
            console.print(f"{lesson.root.name}: {summary(diagnostics)}.")
    worst = Severity.WARNING if strict else Severity.ERROR
    sys.exit(1 if any(d.severity >= worst for d in diagnostics) else 0)
