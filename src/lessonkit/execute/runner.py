"""Executing a lesson's code chunks: cache look-ups, parallel kernels, diagnostics."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lessonkit import parallel
from lessonkit.diagnostics import Diagnostic, Report, Severity
from lessonkit.execute import cache
from lessonkit.execute.options import (  # noqa: F401  (the names callers import from here)
    ERROR_FIX,
    INSTALL_R,
    IRKERNEL,
    NO_EXECUTE,
    PYTHON,
    R_KERNEL,
    ExecutionOptions,
    ExecutionReport,
    R,
    execution_signature,
    kernel_available,
    no_execute_requested,
)
from lessonkit.model import CodeChunk, Lesson, Page


@dataclass
class _Job:
    page: Page
    chunks: list[CodeChunk]
    key: str
    knitr: bool = False  # run knitr-style (R, shell, Python in one episode), else a Python notebook


def execute_lesson(lesson: Lesson, folder: Path, options: ExecutionOptions) -> ExecutionReport:
    """Fill the outputs of the lesson's executable chunks, from the cache or by running them."""
    from lessonkit.execute.engines import engine_of, runnable

    started = time.perf_counter()
    report = ExecutionReport()
    diagnostics = Report()
    pages = [p for p in lesson.pages() if p.has_chunks]
    if not pages:
        return report
    for page in pages:
        for chunk in page.chunks():
            chunk.outputs, chunk.executed = [], False
    report.chunks = sum(1 for page in pages for c in page.chunks() if runnable(engine_of(c)))
    if not options.enabled or no_execute_requested():
        report.disabled = "--no-execute" if not options.enabled else f"{NO_EXECUTE}=1"
        return report
    if not _execution_installed():
        diagnostics.warning(pages[0].source, 0, "execution-unavailable",
                            "code chunks are shown without running them: the execution extra is not installed",
                            "pip install 'lessonkit[exec]' (nbclient, ipykernel), or build with --no-execute.")
        report.diagnostics = diagnostics.items
        return report
    plan = _Plan(lesson, folder, options, report, diagnostics)
    for page in pages:
        plan.add(page)
    plan.report_missing_r(pages)
    if plan.jobs:
        _run_jobs(lesson, folder, plan.jobs, options, plan.r_kernel if plan.has_r else None, report, diagnostics)
    _check_figure_alt(pages, diagnostics)
    report.diagnostics = diagnostics.items
    report.seconds = time.perf_counter() - started
    return report


def _execution_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("nbclient") is not None and importlib.util.find_spec("jupyter_client") is not None


class _Plan:
    """Decides, page by page, what runs (a Python notebook or knitr-style), what comes from the cache and
    what is shown from sandpaper's rendered outputs (R pages without R)."""

    def __init__(self, lesson: Lesson, folder: Path, options: ExecutionOptions, report: ExecutionReport,
                 diagnostics: Report) -> None:
        from lessonkit.execute import prerendered

        self.lesson, self.folder, self.options = lesson, folder, options
        self.report, self.diagnostics = report, diagnostics
        self.r_kernel = options.r_kernel or os.environ.get(R_KERNEL) or IRKERNEL
        self.has_r = kernel_available(self.r_kernel)
        self.rendered = prerendered.load(lesson, options.prerendered, diagnostics) if options.prerendered else None
        self.missing_r: list[tuple[Page, CodeChunk]] = []
        self.jobs: list[_Job] = []

    def add(self, page: Page) -> None:
        from lessonkit.execute.engines import engine_of, inline_expressions

        chunks = page.chunks()
        engines = [engine_of(c) for c in chunks]
        inline = inline_expressions(page)
        if all(e == "python" for e in engines) and not inline:
            self.notebook_page(page, chunks)
        else:
            self.knitr_page(page, chunks, engines, inline)

    def cached_or_job(self, page: Page, chunks: list[CodeChunk], key: str, knitr: bool) -> None:
        if not _from_cache(self.lesson, page, chunks, self.folder, key, self.report, self.diagnostics, self.options):
            self.jobs.append(_Job(page, chunks, key, knitr=knitr))

    def notebook_page(self, page: Page, chunks: list[CodeChunk]) -> None:
        """A page of Python chunks only: one notebook in one kernel."""
        options = self.options
        self.report.episodes += 1
        key = cache.episode_key(options.kernel, chunks, cache.data_files(self.lesson.root, _folder(self.lesson, page),
                                                                         chunks), options.timeout)
        self.cached_or_job(page, chunks, key, knitr=False)

    def knitr_page(self, page: Page, chunks: list[CodeChunk], engines: list[str], inline: list) -> None:
        """An R Markdown page (R, shell and Python chunks, inline R), run knitr-style."""
        from lessonkit.execute import prerendered
        from lessonkit.execute.engines import runnable

        options = self.options
        for chunk, engine in zip(chunks, engines, strict=True):
            if not runnable(engine):
                self.diagnostics.warning(
                    chunk.source or page.source, chunk.line, "chunk-engine",
                    f"chunk {_name(chunk)} uses the knitr engine '{engine}', which lessonkit does not run: "
                    "it is shown as code, without output",
                    "lessonkit runs R (IRkernel), Python and shell (bash, sh) chunks; show other code in a plain "
                    f"fence (```{engine}) or add eval=FALSE.")
        r_chunks = [c for c, e in zip(chunks, engines, strict=True) if e == "r"]
        if (r_chunks or inline) and not self.has_r:
            if self.rendered is not None and prerendered.apply(page, self.rendered, self.diagnostics):
                self.report.prerendered += sum(1 for c in r_chunks if c.outputs)
                return
            self.missing_r.extend((page, c) for c in r_chunks[:1])
            if not any(runnable(e) and e != "r" for e in engines):
                return
        self.report.episodes += 1
        signature = _knitr_signature(options.kernel, self.r_kernel if self.has_r else None, engines, self.folder)
        extra = ("\x1f".join(expr for _, expr in inline) + f"\x1fR={self.has_r}"
                 + ("\x1fshows-errors" if _shows_errors(self.lesson) else ""))
        key = cache.episode_key("knitr", chunks, cache.data_files(self.lesson.root, _folder(self.lesson, page), chunks),
                                options.timeout, environment=signature, extra=extra)
        self.cached_or_job(page, chunks, key, knitr=True)

    def report_missing_r(self, pages: list[Page]) -> None:
        """One warning for every R chunk shown without running because R is not installed."""
        from lessonkit.execute.engines import engine_of

        if not self.missing_r:
            return
        count = sum(1 for page in pages for c in page.chunks() if engine_of(c) == "r")
        page, chunk = self.missing_r[0]
        pages_missing = len(self.missing_r)
        self.diagnostics.warning(
            chunk.source or page.source, chunk.line, "kernel-missing",
            f"{count} R chunk{'s are' if count > 1 else ' is'} on {pages_missing} page"
            f"{'s' if pages_missing > 1 else ''} shown without running: no Jupyter kernel for R "
            f"(IRkernel, kernel '{self.r_kernel}') is installed",
            INSTALL_R,
        )


def _check_figure_alt(pages: list[Page], diagnostics: Report) -> None:
    for page in pages:
        for chunk in page.chunks():
            images = [o for o in chunk.outputs if o.kind == "image"]
            described = str(chunk.option("fig.alt") or chunk.option("fig.cap") or "").strip()  # knitr's rule
            if images and not any(o.alt.strip() for o in images) and not described:
                diagnostics.warning(
                    chunk.source or page.source, chunk.line, "figure-alt-missing",
                    f"chunk {_name(chunk)} draws a figure without alternative text",
                    'Describe what the figure shows in the chunk options, e.g. fig.alt="Scatter plot of ...".',
                )


def _folder(lesson: Lesson, page: Page) -> Path:
    return (lesson.root / page.source).parent


def _knitr_signature(python_kernel: str, r_kernel: str | None, engines: list[str], folder: Path) -> str:
    parts = []
    if r_kernel is not None and "r" in engines:
        parts.append(cache.r_signature(r_kernel, folder))
    if "python" in engines:
        parts.append(cache.environment_signature(python_kernel))
    return "+".join(parts) or "shell"


def _from_cache(lesson: Lesson, page: Page, chunks: list[CodeChunk], folder: Path, key: str,
                report: ExecutionReport, diagnostics: Report, options: ExecutionOptions) -> bool:
    cached = cache.load(folder, key)
    if cached is None or len(cached.outputs) != len(chunks):
        return False
    for chunk, outputs, executed in zip(chunks, cached.outputs, cached.executed, strict=True):
        chunk.outputs, chunk.executed = list(outputs), executed
    report.episodes_cached += 1
    report.cells_cached += sum(cached.executed)
    if cached.notes:
        _report_notes(page, chunks, cached.notes, diagnostics, options, _shows_errors(lesson))
    else:
        _report_errors(page, chunks, cached.errors, diagnostics, options, _shows_errors(lesson))
    _publish(lesson, folder, key, cached.files)
    return True


def _run_jobs(lesson: Lesson, folder: Path, jobs: list[_Job], options: ExecutionOptions, r_kernel: str | None,
              report: ExecutionReport, diagnostics: Report) -> None:
    from lessonkit.execute import knitr, workdir

    # The pages' folders (with their data/, files/, fig/), and the lesson's top-level data/ and
    # files/, so that "../data/x.csv" from an episode reads the copy too.
    folders = sorted({Path(job.page.source).parent.as_posix() for job in jobs} | {"episodes"}
                     | {name for name in cache.DATA_FOLDERS if (lesson.root / name).is_dir()})
    copy = workdir.make_copy(lesson.root, folders)
    try:
        cores = parallel.workers()
        workers = max(1, min(options.jobs or min(4, cores), len(jobs)))
        env = workdir.kernel_environment(copy, folder, threads=cores // workers)
        copied = workdir.snapshot(copy, skip={".home"})
        source_before = workdir.snapshot(lesson.root)

        def run(job: _Job):
            cwd = copy / Path(job.page.source).parent
            if job.knitr:
                context = knitr.Context(cwd, env, options.timeout, r_kernel, options.kernel,
                                        _shows_errors(lesson))
                return knitr.run_episode(job.page, context)
            return _run(job, options, cwd, env)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(run, jobs))
        touched = workdir.changed(source_before, workdir.snapshot(lesson.root))
        if touched:
            shown = ", ".join(touched[:5]) + (f" and {len(touched) - 5} more" if len(touched) > 5 else "")
            diagnostics.error(
                jobs[0].page.source, 0, "exec-wrote-source",
                f"code run by this build changed the lesson's own files: {shown}. Code runs in a build copy "
                "outside the lesson, so these were written through absolute paths (or by another program "
                "while the build ran)",
                "Restore them (git checkout / git clean), and write files with paths relative to the episode; "
                "build untrusted lessons with --no-execute (docs/execution.md).",
            )
        written = workdir.written_assets(copy, copied)
        for job, run_result in zip(jobs, runs, strict=True):
            report.episodes_executed += 1
            report.cells_executed += run_result.cells
            if job.knitr:
                _finish_knitr(lesson, folder, job, run_result, written, diagnostics, options)
            else:
                _finish_python(folder, job, run_result, diagnostics, options, _shows_errors(lesson))
    finally:
        workdir.remove_copy(copy)


def _linked_files(lesson: Lesson, page: Page, written: dict[str, Path]) -> dict[str, bytes]:
    """Of the files the code wrote, those the page mentions (links to), with their bytes."""
    from lessonkit.model import Markdown

    text = "\n".join(n.text for n, _ in page.walk() if isinstance(n, Markdown))
    folder = Path(page.source).parent.as_posix()
    found: dict[str, bytes] = {}
    for rel, path in written.items():
        local = rel[len(folder) + 1:] if rel.startswith(folder + "/") else rel
        if local in text or rel in text:
            try:
                if path.stat().st_size <= PUBLISH_LIMIT:
                    found[rel] = path.read_bytes()
            except OSError:
                continue
    return found


PUBLISH_LIMIT = 50 * 1024 * 1024  # bytes: larger files the code writes are not published


def _publish(lesson: Lesson, folder: Path, key: str, files: dict[str, bytes]) -> None:
    """Add files the code wrote (and a page links to) to the site's assets."""
    from lessonkit.model import Asset

    if not files:
        return
    taken = {asset.target for asset in lesson.assets}
    base = folder / "published" / key
    for rel, data in sorted(files.items()):
        parts = rel.split("/")
        if len(parts) < 3 or ".." in parts:
            continue
        target = "/".join(parts[1:])
        path = base / rel
        try:
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        except OSError:
            continue
        if target not in taken:
            lesson.assets.append(Asset(path, target))
            taken.add(target)


def _finish_knitr(lesson: Lesson, folder: Path, job: _Job, run, written: dict[str, Path], diagnostics: Report,
                  options: ExecutionOptions) -> None:
    for chunk, outputs, executed in zip(job.chunks, run.outputs, run.executed, strict=True):
        chunk.outputs, chunk.executed = outputs, executed
    if run.failure:
        diagnostics.add(_kernel_failed(job, run.failure, options,
                                       "Check that the Jupyter kernels are installed (IRkernel for R: see "
                                       "docs/execution.md; pip install 'lessonkit[exec]' for Python), or build "
                                       "with --no-execute."))
        return
    notes = [vars(note) for note in run.notes]
    _report_notes(job.page, job.chunks, notes, diagnostics, options, _shows_errors(lesson))
    files = _linked_files(lesson, job.page, written)
    _publish(lesson, folder, job.key, files)
    if not run.stopped:
        cache.store(folder, job.key, cache.CachedRun(run.outputs, run.executed, run.errors, notes, files))


def _kernel_failed(job: _Job, failure: str, options: ExecutionOptions, fix: str) -> Diagnostic:
    return Diagnostic(job.page.source, job.chunks[0].line, 0, "kernel-failed", _severity(options),
                      f"cannot run the code of this page: {failure}", fix)


def _shows_errors(lesson: Lesson) -> bool:
    """config.yaml's ``fail_on_error: false`` (sandpaper's setting): a chunk's error is shown on the page and
    reported as a warning, as sandpaper does by default, instead of failing the build."""
    return lesson.config.extra.get("fail_on_error") is False


def _report_notes(page: Page, chunks: list[CodeChunk], notes: list[dict], diagnostics: Report,
                  options: ExecutionOptions, shows_errors: bool = False) -> None:
    for note in notes:
        try:
            chunk = chunks[int(note["chunk"])]
            shown = shows_errors and note.get("rule") == "chunk-error"
            severity = _severity(options) if note.get("error") and not shown else Severity.WARNING
            diagnostics.add(Diagnostic(chunk.source or page.source, int(note.get("line") or chunk.line), 0,
                                       str(note["rule"]), severity, str(note["message"]), str(note.get("fix", ""))))
        except (KeyError, IndexError, TypeError, ValueError):
            continue


def _finish_python(folder: Path, job: _Job, run, diagnostics: Report, options: ExecutionOptions,
                   shows_errors: bool = False) -> None:
    for chunk, result in zip(job.chunks, run.results, strict=True):
        chunk.outputs, chunk.executed = result.outputs, result.executed
    errors = [r.error for r in run.results]
    if run.failure and not any(r.executed for r in run.results):
        diagnostics.add(_kernel_failed(job, run.failure, options,
                                       "Check that a Jupyter kernel for the language is installed (pip install "
                                       "'lessonkit[exec]' for Python), or build with --no-execute."))
        return
    for chunk, result in zip(job.chunks, run.results, strict=True):
        if result.timed_out:
            diagnostics.add(Diagnostic(
                chunk.source or job.page.source, chunk.line, 0, "chunk-timeout", _severity(options),
                f"chunk {_name(chunk)} {result.error}; the chunks after it were not run",
                "Make the code faster, or allow more time with --timeout SECONDS.",
            ))
    _report_errors(job.page, job.chunks, [None if r.timed_out else e for r, e in zip(run.results, errors,
                                                                                    strict=True)],
                   diagnostics, options, shows_errors)
    if not run.failure and not any(r.timed_out for r in run.results):
        cache.store(folder, job.key, cache.CachedRun([r.outputs for r in run.results],
                                                     [r.executed for r in run.results], errors))


def _run(job: _Job, options: ExecutionOptions, cwd: Path, env: dict[str, str]):
    from lessonkit.execute.kernel import run_chunks

    codes = [(c.code, c.option("eval", True) is not False) for c in job.chunks]
    return run_chunks(codes, options.kernel, cwd, options.timeout, env=env)


def _severity(options: ExecutionOptions) -> Severity:
    return Severity.WARNING if options.keep_going else Severity.ERROR


def _name(chunk: CodeChunk) -> str:
    return f"'{chunk.label}'" if chunk.label else f"at line {chunk.line}"


def _report_errors(page: Page, chunks: list[CodeChunk], errors: list[str | None], diagnostics: Report,
                   options: ExecutionOptions, shows_errors: bool = False) -> None:
    for chunk, error in zip(chunks, errors, strict=True):
        if not error or chunk.option("error", False) is True:
            continue
        trace = next((o.text for o in chunk.outputs if o.kind == "error"), "")
        tail = "\n".join(line for line in trace.strip().split("\n")[-4:] if line.strip())
        diagnostics.add(Diagnostic(
            chunk.source or page.source, chunk.line, 0, "chunk-error",
            Severity.WARNING if shows_errors else _severity(options),
            f"chunk {_name(chunk)} raised {error}" + (f"\n{tail}" if tail and tail != error else ""),
            ERROR_FIX,
        ))
