"""``lessonkit release``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from lessonkit.cli.execution import execution_options
from lessonkit.execute import ExecutionOptions


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--version", "version", required=True, help="The version to release, e.g. 1.0.0.")
@click.option("--date", default="", help="Release date, YYYY-MM-DD (default: today).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Where releases are written (default: PATH/releases).")
@click.option("--no-write-back", is_flag=True,
              help="Do not rewrite the lesson's CITATION.cff and .zenodo.json with the release's metadata.")
@execution_options
def release(path: Path, version: str, date: str, out: Path | None, no_write_back: bool,
            execution: ExecutionOptions) -> None:
    """Release the lesson at PATH (or every lesson of the catalogue at PATH) as version --version: check it strictly, build it, and write
    OUT/NAME-VERSION/ with a zip of the source, the built site and the metadata, and the
    CITATION.cff, .zenodo.json, codemeta.json and lesson.jsonld to deposit with it
    (each carrying the version and date, each validated against its schema).

    Exit status: 0 released, 1 refused (the lesson has errors or warnings, or the version was
    already released; nothing is written), 2 for usage errors.
    """
    from lessonkit.credit.release import release as make_release
    from lessonkit.reporting import print_diagnostics, summary

    console = Console(stderr=True)
    result = make_release(path, version, out=out, date=date, execution=execution, write_back=not no_write_back)
    print_diagnostics(console, result.diagnostics)
    if not result.ok:
        console.print(f"[bold red]Release refused[/bold red] ({summary(result.diagnostics)}); nothing was written.",
                      highlight=False)
        sys.exit(1)
    if len(result.folders) > 1:
        console.print(f"Released {len(result.folders)} lessons at {version} into {result.folder}: "
                      f"{', '.join(f.name for f in result.folders)}, and catalogue-{version}.jsonld.", highlight=False)
    else:
        console.print(f"Released {path.resolve().name} {version} into {result.folder}: {result.archive.name}, "
                      f"{', '.join(result.files)}.", highlight=False)
    if not no_write_back:
        console.print("The lesson's CITATION.cff and .zenodo.json now describe this version.", highlight=False)
