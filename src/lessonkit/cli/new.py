"""``lessonkit new``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("name", type=click.Path(path_type=Path))
@click.option("--title", help="The lesson's title (default: made from NAME).")
@click.option("--carpentry", default="incubator", show_default=True,
              type=click.Choice(["swc", "dc", "lc", "cp", "incubator", "lab"]),
              help="Which Carpentry the lesson belongs to.")
@click.option("--author", default="", help="Who writes the lesson: named as its author in contributors.yaml "
              "(the Contributors page) and CITATION.cff. Without it, contributors.yaml holds a commented example "
              "and CITATION.cff the placeholder 'The lesson authors'.")
@click.option("--contact", default="", help="Contact e-mail address for the lesson.")
def new(name: Path, title: str | None, carpentry: str, author: str, contact: str) -> None:
    """Create a new Workbench lesson in the folder NAME.

    The lesson has one episode, setup and glossary pages, instructor notes, a
    learner profile, a licence, a code of conduct, a contributors file and a
    citation file, and builds and checks without a single warning.
    """
    from lessonkit.scaffold import ScaffoldError, create_lesson

    try:
        written = create_lesson(name, title=title, carpentry=carpentry, author=author, contact=contact)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Created {name} ({len(written)} files). Next:\n  lessonkit serve {name}")
