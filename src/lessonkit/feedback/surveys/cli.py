"""``lessonkit feedback survey-bank`` and ``lessonkit feedback report`` (registered on the service's group)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click


def register(group: click.Group) -> None:
    group.add_command(survey_bank)
    group.add_command(report)


@click.command("survey-bank")
@click.option("--show", metavar="NAME", help="Print this survey's YAML (e.g. pre-workshop).")
@click.option("--install", metavar="NAME",
              help="Load this survey as a questionnaire of the service (e.g. codev-interview: "
                   "the interview guide is then at /q/codev-interview).")
@click.option("--db", "db_url", default=None, envvar="LESSONKIT_FEEDBACK_DB",
              help="Database URL for --install (default: sqlite:///feedback.sqlite3; env: LESSONKIT_FEEDBACK_DB).")
def survey_bank(show: str | None, install: str | None, db_url: str | None) -> None:
    """List the built-in question bank: the pre- and post-workshop surveys and the co-development
    interview guide, with their versions."""
    from importlib import resources

    from lessonkit.feedback.cli import in_transaction
    from lessonkit.feedback.db import DEFAULT_DB
    from lessonkit.feedback.surveys import bank

    name = show or install
    if name is not None and name not in bank.names():
        raise click.BadParameter(f"no survey {name!r} in the bank (there are: {', '.join(bank.names())})",
                                 param_hint="--show" if show else "--install")
    if show:
        click.echo((resources.files("lessonkit.feedback.surveys") / "bank" / f"{show}.yaml").read_text("utf-8"),
                   nl=False)
        return
    if install:
        from lessonkit.feedback import questionnaires

        survey = bank.load(install)
        row_new = in_transaction(db_url or DEFAULT_DB, lambda s: questionnaires.install(s, survey.definition)[1])
        click.echo(f"{'installed' if row_new else 'updated'} {survey.id} (version {survey.version}) "
                   f"as questionnaire /q/{survey.id}")
        return
    for name in bank.names():
        survey = bank.load(name)
        definition = survey.definition
        agreement = len(bank.agreement_items(definition))
        click.echo(f"{name}  version {survey.version}  {len(definition['questions'])} questions "
                   f"({agreement} agreement items)  {definition['title']}")


@click.command("report")
@click.argument("workshops", nargs=-1, required=True, metavar="WORKSHOP...")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The report file: FILE.html (offline, self-contained) or FILE.pdf.")
@click.option("--title", default="", help="The report's title (default: the workshop's; for several: 'N workshops').")
@click.option("--db", "db_url", default=None, envvar="LESSONKIT_FEEDBACK_DB",
              help="Database URL (default: sqlite:///feedback.sqlite3; env: LESSONKIT_FEEDBACK_DB).")
def report(workshops: tuple[str, ...], out: Path, title: str, db_url: str | None) -> None:
    """Write the impact report of one workshop, or of several together (by slug), as HTML or PDF.

    The report holds counts and survey answers only: no names or email addresses.
    """
    from lessonkit.feedback.cli import fail, opened
    from lessonkit.feedback.db import DEFAULT_DB
    from lessonkit.feedback.surveys import render, store
    from lessonkit.feedback.surveys.report import build_report
    from lessonkit.feedback.workshops.store import WorkshopError, find_workshop

    suffix = out.suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise click.BadParameter(f"{out}: the report is written as .html or .pdf", param_hint="--out")
    with opened(db_url or DEFAULT_DB) as database, database.read() as session:
        try:
            rows = [find_workshop(session, slug) for slug in dict.fromkeys(workshops)]
        except WorkshopError as exc:
            fail(str(exc))
        default_title = rows[0].title if len(rows) == 1 else f"{len(rows)} workshops"
        result = build_report(store.report_input(session, rows, title or default_title))
    try:
        data = render.report_pdf(result) if suffix == ".pdf" else render.report_html(result).encode("utf-8")
    except RuntimeError as exc:
        fail(str(exc))
    _write_atomically(out, data)
    r = result.responses
    click.echo(f"wrote {out}: {len(rows)} workshop(s), {r.pre} answers before, {r.post} after, "
               f"{r.paired} paired", err=True)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing (an earlier report stays as it was when writing fails)."""
    from lessonkit.feedback.cli import fail

    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary file would be (mkstemp makes it private)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}")
