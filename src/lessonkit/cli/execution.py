"""Command-line options for running code chunks, shared by ``build`` and ``serve``."""

from __future__ import annotations

import functools

import click

from lessonkit.execute import ExecutionOptions, ExecutionReport


def execution_options(command):
    """Add --no-execute, --keep-going, --timeout and --jobs; pass them as ``execution=``."""

    @click.option("--no-execute", is_flag=True, help="Show code chunks without running them.")
    @click.option("--keep-going", is_flag=True,
                  help="Build even when a chunk fails (failures are reported as warnings).")
    @click.option("--timeout", type=click.IntRange(1), default=120, show_default=True,
                  help="Seconds a chunk may run before it is stopped.")
    @click.option("--jobs", "-j", type=click.IntRange(1), default=None,
                  help="Episodes to run at once, each in its own kernel (default: one per core, at most 4).")
    @functools.wraps(command)
    def wrapper(*args, no_execute: bool, keep_going: bool, timeout: int, jobs: int | None, **kwargs):
        kwargs["execution"] = ExecutionOptions(enabled=not no_execute, timeout=timeout, jobs=jobs,
                                               keep_going=keep_going)
        return command(*args, **kwargs)

    return wrapper


def execution_summary(report: ExecutionReport) -> str:
    return (f"Code: {report.episodes} executable page{'s' if report.episodes != 1 else ''}; "
            f"{report.cells_executed} chunks run in {report.episodes_executed} kernels "
            f"({report.seconds:.1f} s), {report.cells_cached} chunks from the cache.")
