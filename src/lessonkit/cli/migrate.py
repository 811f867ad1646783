"""``lessonkit migrate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from lessonkit.reporting import print_diagnostics, summary


@click.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace DESTINATION if it already exists.")
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors, not notes.")
def migrate(source: Path, destination: Path, force: bool, quiet: bool) -> None:
    """Rewrite the styles (Jekyll) lesson SOURCE as a Workbench lesson in DESTINATION.

    Blocks become fenced divs (questions, objectives and key points move from the
    front matter into the episodes), figures, files and data move under
    episodes/, links are re-pointed, Liquid is resolved, and output blocks become
    ```output fences. Anything that cannot be translated is kept as it is and
    reported with its file and line. Running it twice gives identical output.

    Exit status: 0 migrated, 1 the lesson has errors, 2 usage errors (e.g.
    DESTINATION exists without --force).
    """
    from lessonkit.migrate import MigrationError
    from lessonkit.migrate import migrate as run

    console = Console(stderr=True)
    try:
        result = run(source, destination, force=force)
    except MigrationError as exc:
        raise click.UsageError(str(exc)) from exc
    shown = [d for d in result.diagnostics if not quiet or d.severity >= 1]
    print_diagnostics(console, shown)
    if not result.ok:
        console.print(f"[bold red]Migration stopped[/bold red] ({summary(result.diagnostics)}); nothing was written.",
                      highlight=False)
        sys.exit(1)
    console.print(f"Migrated {source} to {destination}: {len(result.written)} files "
                  f"({summary(result.diagnostics)}).", highlight=False)
