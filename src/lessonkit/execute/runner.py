"""Executing a lesson's code chunks: cache look-ups, parallel kernels, diagnostics."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.diagnostics import Diagnostic, Report, Severity
from lessonkit.execute import cache
from lessonkit.model import CodeChunk, Lesson, Page

PYTHON = {"python", "python3", "py", "ipython"}
R = {"r"}
IRKERNEL = "ir"


@dataclass
class ExecutionOptions:
    enabled: bool = True
    timeout: int = 120  # seconds per chunk
    jobs: int | None = None  # kernels at once (default: one per core, at most 4)
    kernel: str = "python3"
    keep_going: bool = False  # report failing chunks as warnings instead of errors


@dataclass
class ExecutionReport:
    episodes: int = 0  # pages with executable chunks
    episodes_executed: int = 0  # ... run in a kernel by this build
    episodes_cached: int = 0  # ... taken from the cache
    cells_executed: int = 0
    cells_cached: int = 0
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def merge(self, other: ExecutionReport) -> None:
        for name in ("episodes", "episodes_executed", "episodes_cached", "cells_executed", "cells_cached"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.diagnostics.extend(other.diagnostics)


@dataclass
class _Job:
    page: Page
    chunks: list[CodeChunk]
    key: str


def kernel_available(name: str) -> bool:
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        return name in KernelSpecManager().find_kernel_specs()
    except Exception:
        return False


def execute_lesson(lesson: Lesson, folder: Path, options: ExecutionOptions) -> ExecutionReport:
    """Fill the outputs of the lesson's executable chunks, from the cache or by running them."""
    started = time.perf_counter()
    report = ExecutionReport()
    diagnostics = Report()
    pages = [p for p in lesson.pages() if p.has_chunks]
    if not pages:
        return report
    for page in pages:
        for chunk in page.chunks():
            chunk.outputs, chunk.executed = [], False
    if not options.enabled:
        return report
    try:
        import nbclient  # noqa: F401
    except ImportError:
        diagnostics.warning(pages[0].source, 0, "execution-unavailable",
                            "code chunks are shown without running them: the execution extra is not installed",
                            "pip install 'lessonkit[exec]' (nbclient, ipykernel), or build with --no-execute.")
        report.diagnostics = diagnostics.items
        return report

    has_r = kernel_available(IRKERNEL)
    jobs: list[_Job] = []
    for page in pages:
        chunks = page.chunks()
        r_chunks = [c for c in chunks if c.engine in R]
        if r_chunks and not has_r:
            diagnostics.warning(
                page.source, r_chunks[0].line, "kernel-missing",
                f"{len(r_chunks)} R chunk{'s are' if len(r_chunks) > 1 else ' is'} shown without running: "
                "no Jupyter kernel for R (IRkernel) is installed",
                "Install IRkernel in R (install.packages('IRkernel'); IRkernel::installspec()) to run R chunks.",
            )
        runnable = [c for c in chunks if c.engine in PYTHON]  # one kernel per page: Python (R when IRkernel)
        if not runnable and has_r:
            runnable = r_chunks
        if not runnable:
            continue
        report.episodes += 1
        kernel = options.kernel if runnable[0].engine in PYTHON else IRKERNEL
        episode_dir = (lesson.root / page.source).parent
        key = cache.episode_key(kernel, runnable, cache.data_files(lesson.root, episode_dir, runnable),
                                options.timeout)
        cached = cache.load(folder, key)
        if cached is not None and len(cached.outputs) == len(runnable):
            for chunk, outputs, executed in zip(runnable, cached.outputs, cached.executed, strict=True):
                chunk.outputs, chunk.executed = list(outputs), executed
            report.episodes_cached += 1
            report.cells_cached += sum(cached.executed)
            _report_errors(page, runnable, cached.errors, diagnostics, options)
            continue
        jobs.append(_Job(page, runnable, key))

    if jobs:
        workers = options.jobs or min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            runs = list(pool.map(lambda job: _run(lesson, job, options), jobs))
        for job, run in zip(jobs, runs, strict=True):
            report.episodes_executed += 1
            report.cells_executed += run.cells
            for chunk, result in zip(job.chunks, run.results, strict=True):
                chunk.outputs, chunk.executed = result.outputs, result.executed
            errors = [r.error for r in run.results]
            if run.failure and not any(r.executed for r in run.results):
                diagnostics.add(Diagnostic(
                    job.page.source, job.chunks[0].line, 0, "kernel-failed", _severity(options),
                    f"cannot run the code of this page: {run.failure}",
                    "Check that a Jupyter kernel for the language is installed (pip install 'lessonkit[exec]' for "
                    "Python), or build with --no-execute.",
                ))
                continue
            for chunk, result in zip(job.chunks, run.results, strict=True):
                if result.timed_out:
                    diagnostics.add(Diagnostic(
                        chunk.source or job.page.source, chunk.line, 0, "chunk-timeout", _severity(options),
                        f"chunk {_name(chunk)} {result.error}; the chunks after it were not run",
                        "Make the code faster, or allow more time with --timeout SECONDS.",
                    ))
            _report_errors(job.page, job.chunks, [None if r.timed_out else e for r, e in zip(run.results, errors,
                                                                                            strict=True)],
                           diagnostics, options)
            if not run.failure and not any(r.timed_out for r in run.results):
                cache.store(folder, job.key, cache.CachedRun([r.outputs for r in run.results],
                                                             [r.executed for r in run.results], errors))
    for page in pages:
        for chunk in page.chunks():
            if any(o.kind == "image" for o in chunk.outputs) and not str(chunk.option("fig.alt") or "").strip():
                diagnostics.warning(
                    chunk.source or page.source, chunk.line, "figure-alt-missing",
                    f"chunk {_name(chunk)} draws a figure without alternative text",
                    'Describe what the figure shows in the chunk options, e.g. fig.alt="Scatter plot of ...".',
                )
    report.diagnostics = diagnostics.items
    report.seconds = time.perf_counter() - started
    return report


def _run(lesson: Lesson, job: _Job, options: ExecutionOptions):
    from lessonkit.execute.kernel import run_chunks

    kernel = options.kernel if job.chunks[0].engine in PYTHON else IRKERNEL
    codes = [(c.code, c.option("eval", True) is not False) for c in job.chunks]
    return run_chunks(codes, kernel, (lesson.root / job.page.source).parent, options.timeout)


def _severity(options: ExecutionOptions) -> Severity:
    return Severity.WARNING if options.keep_going else Severity.ERROR


def _name(chunk: CodeChunk) -> str:
    return f"'{chunk.label}'" if chunk.label else f"at line {chunk.line}"


def _report_errors(page: Page, chunks: list[CodeChunk], errors: list[str | None], diagnostics: Report,
                   options: ExecutionOptions) -> None:
    for chunk, error in zip(chunks, errors, strict=True):
        if not error or chunk.option("error", False) is True:
            continue
        trace = next((o.text for o in chunk.outputs if o.kind == "error"), "")
        tail = "\n".join(line for line in trace.strip().split("\n")[-4:] if line.strip())
        diagnostics.add(Diagnostic(
            chunk.source or page.source, chunk.line, 0, "chunk-error", _severity(options),
            f"chunk {_name(chunk)} raised {error}" + (f"\n{tail}" if tail and tail != error else ""),
            "Fix the code, or add error=TRUE to the chunk's options if the error is meant to be shown.",
        ))
