"""``lessonkit workshop build|check|new``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from rich.console import Console

from lessonkit.cli.execution import execution_options

FORMATS = ["text", "json", "sarif", "github"]


@click.group()
def workshop() -> None:
    """Workshops: a workshop file (workshop.yaml) made into a workshop website, calendar and
    handouts. The file format is described in docs/workshops.md."""


def _print(diagnostics, output_format: str, path: Path, quiet: bool = False, console: Console | None = None) -> None:
    from lessonkit.checks.formats import as_github, as_json, as_sarif
    from lessonkit.reporting import print_diagnostics, summary

    if output_format == "json":
        click.echo(as_json(diagnostics), nl=False)
    elif output_format == "sarif":
        click.echo(as_sarif(diagnostics, Path.cwd().resolve().as_uri() + "/"), nl=False)
    elif output_format == "github":
        click.echo(as_github(diagnostics), nl=False)
    else:
        console = console or Console(highlight=False)
        print_diagnostics(console, diagnostics)
        if diagnostics or not quiet:
            console.print(f"{path}: {summary(diagnostics)}.", highlight=False)


def _today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD", param_hint="--today") from None


@workshop.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How to print the diagnostics (json, sarif and github go to standard output).")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
@click.option("--quiet", "-q", is_flag=True, help="Text format: print nothing when the file is clean.")
@click.option("--today", metavar="YYYY-MM-DD", help="Judge past dates as of this day (default: today).")
def check(file: Path, output_format: str, strict: bool, quiet: bool, today: str | None) -> None:
    """Check the workshop file FILE: every mistake with file:line:column, what is wrong and
    how to fix it (dates, times, time zones, sessions, lessons, schedules, whether the
    chosen episodes fit the sessions, registration, contact, code of conduct).

    Exit status: 0 clean (warnings allowed unless --strict), 1 errors, 2 usage errors.
    """
    from lessonkit.diagnostics import Severity
    from lessonkit.workshop.build import check_workshop

    _, _table, diagnostics = check_workshop(file, _today(today))
    _print(diagnostics, output_format, file, quiet)
    worst = Severity.WARNING if strict else Severity.ERROR
    sys.exit(1 if any(d.severity >= worst for d in diagnostics) else 0)


@workshop.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder; replaced only when the build succeeds.")
@click.option("--link-lessons", is_flag=True,
              help="Link to each lesson's published site (its config.yaml 'url') instead of building it into DIR.")
@click.option("--url", "page_url", default="", help="Address the workshop page will be published at (for the "
              "calendar and the JSON-LD).")
@click.option("--today", metavar="YYYY-MM-DD", help="Judge past dates as of this day (default: today).")
@click.option("--allow-past", is_flag=True, help="Build a workshop whose dates are past (an archive).")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and warnings.")
@execution_options
def build(file: Path, out: Path, link_lessons: bool, page_url: str, today: str | None,
          allow_past: bool, quiet: bool, execution) -> None:
    """Build the workshop website of FILE into --out: landing page with the computed schedule
    (workshop and local times), workshop.ics, JSON-LD, exercise handouts (HTML and PDF) and
    the lessons' own sites.

    Exit status: 0 built, 1 errors (the previous output is left untouched), 2 usage errors.
    """
    from lessonkit.reporting import print_diagnostics, summary
    from lessonkit.workshop.build import build_workshop

    console = Console(stderr=True, highlight=False)
    result = build_workshop(file, out, include_lessons=not link_lessons, execution=execution,
                            today=_today(today), allow_past=allow_past, page_url=page_url,
                            progress=None if quiet else lambda text: console.print(f"[dim]{text}...[/dim]"))
    print_diagnostics(console, result.diagnostics)
    if not result.ok:
        console.print(f"[bold red]Workshop build failed[/bold red] ({summary(result.diagnostics)}); "
                      f"{out} was left as it was.")
        sys.exit(1)
    if not quiet:
        table = result.timetable
        console.print(f"Built the workshop '{result.workshop.title}' into {out}: index.html, workshop.ics, "
                      f"handout.pdf ({len(result.files)} workshop files) and the lessons; {table.needed} of {table.available} "
                      f"minutes of session time scheduled ({summary(result.diagnostics)}).")


@workshop.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), default="workshop.yaml")
@click.option("--lesson", "lesson_name", help="A bundled masterclass (folder name) or the path of a lesson.")
@click.option("--schedule", help="The lesson's named schedule (default: its three-hour schedule).")
@click.option("--timezone", default="Europe/London", show_default=True, help="IANA time zone of the sessions.")
@click.option("--lessons", "lessons_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the masterclasses are (default: the bundled lessons/ folder).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def new(file: Path, lesson_name: str | None, schedule: str | None, timezone: str, lessons_dir: Path | None,
        force: bool) -> None:
    """Write a workshop file FILE (default workshop.yaml) for a bundled masterclass, with
    sessions six weeks from now, that checks cleanly. Edit the people, place and dates."""
    from lessonkit.workshop.build import check_workshop
    from lessonkit.workshop.load import bundled_lessons
    from lessonkit.workshop.scaffold import default_schedule, masterclasses, minutes_needed, workshop_text

    console = Console(stderr=True, highlight=False)
    folder = lessons_dir or bundled_lessons()
    available = masterclasses(folder)
    if not lesson_name:
        names = ", ".join(p.name for p in available) or "none found"
        raise click.UsageError(f"choose a masterclass with --lesson NAME (bundled: {names})")
    candidate = Path(lesson_name)
    root = candidate if candidate.is_dir() else next((p for p in available if p.name == lesson_name), None)
    if root is None:
        names = ", ".join(p.name for p in available) or "none found"
        raise click.UsageError(f"there is no masterclass '{lesson_name}' (bundled: {names})")
    if file.exists() and not force:
        raise click.UsageError(f"{file} exists; choose another name or use --force")
    chosen = schedule or default_schedule(root)
    minutes = minutes_needed(root, chosen)
    today = date.today()
    file.parent.mkdir(parents=True, exist_ok=True)
    for sessions in range(1, 21):
        text = workshop_text(root, file, chosen, timezone, sessions, today, minutes)
        file.write_text(text, encoding="utf-8")
        _, _table, diagnostics = check_workshop(file, today)
        if not any(d.rule == "workshop-schedule-overflow" for d in diagnostics):
            break
    _print(diagnostics, "text", file, console=console)
    if any(d.severity.name == "ERROR" for d in diagnostics):
        sys.exit(1)
    what = f"its '{chosen}' schedule" if chosen else "all its episodes (it has no named schedule)"
    console.print(f"Wrote {file} for {root.name}, {what}. Next: edit it, then run\n"
                  f"  lessonkit workshop check {file}\n  lessonkit workshop build {file} --out workshop-site")
