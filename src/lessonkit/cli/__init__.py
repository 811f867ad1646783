"""The ``lessonkit`` command line.

Sub-commands live in their own modules and are imported only when they are
run, so that ``lessonkit build`` does not pay for the feedback service's
imports (and an incremental rebuild starts quickly).

Exit codes: 0 success, 1 lesson errors, 2 usage errors.
"""

from __future__ import annotations

import importlib
import os

import click

from lessonkit import __version__

# name -> "module:attribute", in the order shown by --help.
COMMANDS: dict[str, str] = {
    "build": "lessonkit.cli.build:build",
    "serve": "lessonkit.cli.serve:serve",
    "new": "lessonkit.cli.new:new",
    "check": "lessonkit.cli.check:check",
    "migrate": "lessonkit.cli.migrate:migrate",
    "release": "lessonkit.cli.release:release",
    "service": "lessonkit.feedback.cli:feedback",
    "feedback": "lessonkit.feedback.cli:feedback",  # the service's first name, kept as an alias
    "workshop": "lessonkit.cli.workshop:workshop",
}

SHORT_HELP: dict[str, str] = {
    "build": "Build a lesson (or a folder of lessons) into a static website.",
    "serve": "Build, serve on localhost, and rebuild when the lesson changes.",
    "new": "Create a new Workbench lesson that builds cleanly.",
    "check": "Check a lesson and say exactly what is wrong, where, and how to fix it.",
    "migrate": "Rewrite a styles (Jekyll) lesson as a Workbench lesson.",
    "release": "Check, build and archive a lesson version with CITATION.cff and .zenodo.json.",
    "service": "Run the service: lesson feedback, review rounds, questionnaires, workshop registration.",
    "feedback": "The same as 'service' (its former name).",
    "workshop": "Workshops: check, build (site, calendar, handouts) and scaffold a workshop file.",
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context):
        """Run a command; an unexpected failure is reported in one line, never as a traceback."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            if os.environ.get("LESSONKIT_DEBUG"):
                raise
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            click.echo(f"lessonkit: error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)
        except Exception as exc:
            if os.environ.get("LESSONKIT_DEBUG"):
                raise
            click.echo(
                f"lessonkit: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in lessonkit, not in your lesson; please report it. "
                "Set LESSONKIT_DEBUG=1 to see the traceback.",
                err=True,
            )
            ctx.exit(1)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Show short help without importing every command module.
        rows = [(name, SHORT_HELP.get(name, "")) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lessonkit")
def main() -> None:
    """lessonkit builds Carpentries lessons (Workbench and styles formats) into
    fast, accessible static websites, with no R, Ruby or Jekyll needed."""
