"""Command-line options for running code chunks, shared by ``build`` and ``serve``."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

import click

from lessonkit.execute import ExecutionOptions, ExecutionReport

#: Shown in ``build --help`` and ``serve --help`` (issue #11: code runs by default).
UNTRUSTED_HELP = (
    "Code chunks run by default, as in the Workbench and Jupyter Book: building a lesson runs its code "
    "with your permissions. To build an untrusted lesson (for example a pull request), use --no-execute "
    "or set LESSONKIT_NO_EXECUTE=1 (for CI); kernels otherwise run in a build copy outside the lesson "
    "with a minimal environment (see docs/execution.md)."
)


def execution_options(command):
    """Add --no-execute, --keep-going, --timeout, --jobs and --prerendered; pass them as ``execution=``."""

    @click.option("--no-execute", is_flag=True,
                  help="Show code chunks without running them (also: LESSONKIT_NO_EXECUTE=1). Use it for "
                       "untrusted lessons such as pull requests.")
    @click.option("--keep-going", is_flag=True,
                  help="Build even when a chunk fails (failures are reported as warnings).")
    @click.option("--timeout", type=click.IntRange(1), default=ExecutionOptions.timeout, show_default=True,
                  help="Seconds a chunk may run before it is stopped.")
    @click.option("--jobs", "-j", type=click.IntRange(1), default=None,
                  help="Episodes to run at once, each in its own kernel (default: one per core, at most 4).")
    @click.option("--prerendered", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
                  help="Without R: show the outputs sandpaper rendered, from this folder (the lesson's md-outputs "
                       "branch checked out, or its site/built).")
    @functools.wraps(command)
    def wrapper(*args, no_execute: bool, keep_going: bool, timeout: int, jobs: int | None,
                prerendered: Path | None, **kwargs):
        kwargs["execution"] = ExecutionOptions(enabled=not no_execute, timeout=timeout, jobs=jobs,
                                               keep_going=keep_going, prerendered=prerendered)
        return command(*args, **kwargs)

    wrapper.__doc__ = inspect.cleandoc(command.__doc__ or "") + "\n\n" + UNTRUSTED_HELP + "\n"
    return wrapper


def execution_summary(report: ExecutionReport) -> str:
    pages = f"{report.episodes} executable page{'s' if report.episodes != 1 else ''}"
    if report.disabled:
        return (f"Code: {report.chunks} chunk{'s' if report.chunks != 1 else ''} shown, no chunk run "
                f"({report.disabled}).")
    text = (f"Code: {pages}; {report.cells_executed} chunks run in {report.episodes_executed} kernels "
            f"({report.seconds:.1f} s), {report.cells_cached} chunks from the cache.")
    if report.prerendered:
        text += f" {report.prerendered} R chunks show outputs rendered by sandpaper."
    return text
