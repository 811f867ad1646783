"""``lessonkit build``."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import click

from lessonkit.build import Builder, BuildOptions, default_output
from lessonkit.cli.execution import execution_options, execution_summary
from lessonkit.execute import ExecutionOptions
from lessonkit.reporting import summary, up_to_date_line

PROGRESS_THRESHOLD = 40  # pages; smaller builds finish before a bar would help


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: PATH/site). Replaced only when the build succeeds.")
@click.option("--strict", is_flag=True, help="Fail on warnings as well as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and warnings.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Build cache folder (default: PATH/.lessonkit, or your user cache when PATH is read-only).")
@execution_options
def build(path: Path, out: Path | None, strict: bool, quiet: bool, cache_dir: Path | None,
          execution: ExecutionOptions) -> None:
    """Build the lesson at PATH (Workbench or styles format) into a static website.

    PATH may also be a folder of lessons: each is built into its own sub-folder
    of the output, with an index page listing them.

    Exit status: 0 when the site was built, 1 when the lesson has errors (the
    previous output is then left untouched), 2 for usage errors.
    """
    out = out or default_output(path)
    bar = _ProgressBar(quiet)
    try:
        result = Builder(path, BuildOptions(out=out, strict=strict, cache=cache_dir, progress=bar.update,
                                            execution=execution)).build()
    finally:
        bar.stop()
    _report(result, out, quiet)


@cache
def _console():  # rich is imported only when there is something to print with it
    from rich.console import Console

    return Console(stderr=True)


class _ProgressBar:
    """A rich progress bar per lesson, shown only for large builds on a terminal."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None
        self.tasks: dict[str, int] = {}

    def update(self, name: str, done: int, total: int) -> None:
        if self.quiet or total < PROGRESS_THRESHOLD or not _console().is_terminal:
            return
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=_console(), transient=True)
            self.bar.start()
        if name not in self.tasks:
            self.tasks[name] = self.bar.add_task(f"Rendering {name}", total=total)
        self.bar.update(self.tasks[name], completed=done)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _report(result, out: Path, quiet: bool) -> None:
    """What the build did, its diagnostics, and exit 1 when it failed."""
    lines = [] if quiet else _summary_lines(result, out)
    if result.ok and not result.diagnostics:  # nothing to colour: plain lines, and rich is not imported
        for line in lines:
            click.echo(line, err=True)
        return
    from lessonkit.reporting import print_diagnostics

    console = _console()
    print_diagnostics(console, result.diagnostics)
    if not result.ok:
        console.print(f"[bold red]Build failed[/bold red] ({summary(result.diagnostics)}); "
                      f"{out} was left as it was.", highlight=False)
        sys.exit(1)
    for line in lines:
        console.print(line, highlight=False)


def _summary_lines(result, out: Path) -> list[str]:
    if result.unchanged:
        return [up_to_date_line(result, out)]
    lines = [f"Built {result.html_pages} pages into {out} in {result.seconds:.2f} s "
             f"({result.pages_rendered} rendered, {result.pages_reused} unchanged; {summary(result.diagnostics)})."]
    if result.execution.episodes or result.execution.disabled:
        lines.append(execution_summary(result.execution))
    return lines
