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
    where (file:line:column) and how to fix it. PATH may also be a catalogue (a folder of
    lessons): each lesson is checked, and links between its lessons too.

    The rules are listed in docs/checks.md. Code chunks are not run; ``lessonkit build``
    runs them and reports failing chunks.

    Exit status: 0 when the lesson is clean (warnings allowed unless --strict), 1 when
    there are errors (or warnings with --strict), 2 for usage errors.
    """
    from lessonkit.checks.formats import as_github, as_json, as_sarif
    from lessonkit.diagnostics import Severity
    from lessonkit.reporting import print_diagnostics, summary

    diagnostics = check_diagnostics(path)
    if output_format == "json":
        click.echo(as_json(diagnostics), nl=False)
    elif output_format == "sarif":
        click.echo(as_sarif(diagnostics, path.resolve().as_uri() + "/"), nl=False)
    elif output_format == "github":
        click.echo(as_github(diagnostics), nl=False)
    else:
        console = Console(stderr=False, highlight=False)
        print_diagnostics(console, diagnostics)
        if diagnostics or not quiet:
            console.print(f"{path.resolve().name}: {summary(diagnostics)}.")
    worst = Severity.WARNING if strict else Severity.ERROR
    sys.exit(1 if any(d.severity >= worst for d in diagnostics) else 0)


def check_diagnostics(path: Path) -> list:
    """The reader's and the rules' diagnostics for the lesson at ``path`` (checked as built alone), or for
    each lesson of the catalogue at ``path`` (paths prefixed with the lesson's folder, as ``build`` does)."""
    from lessonkit.build import find_lessons
    from lessonkit.checks import Checker
    from lessonkit.diagnostics import Diagnostic
    from lessonkit.readers import read_lesson
    from lessonkit.site.links import Catalogue, SiteMap

    roots = find_lessons(path)
    if roots == [path] or not roots:  # a lesson (or neither: the reader says what is missing)
        lessons = {"": read_lesson(path)}
        catalogue = Catalogue.alone()
    else:
        lessons = {root.name: read_lesson(root) for root in roots}
        catalogue = Catalogue(lessons)
    found: list[Diagnostic] = []
    for name, lesson in lessons.items():
        items = list(lesson.report.items)
        if lesson.format != "unknown":
            items += Checker().check(lesson, SiteMap.of(lesson, catalogue=catalogue))
        prefix = f"{name}/" if name else ""
        found += [Diagnostic(prefix + d.path, d.line, d.column, d.rule, d.severity, d.message, d.fix) for d in items]
    return sorted(found, key=lambda d: d.sort_key())
