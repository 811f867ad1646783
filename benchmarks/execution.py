"""Execution benchmark: cold and warm builds of lessons with executable code.

    python benchmarks/execution.py

Cold: no execution cache (every chunk runs in a fresh Jupyter kernel, one per
episode, episodes in parallel). Warm: a second build with nothing changed (every
chunk's outputs come from the cache). Measured for the test fixture
(tests/fixtures/executable), for each lesson in lessons/ with executable code (the
Python masterclasses), and, in the same run, for R Markdown lessons: the R fixture
(tests/execution/fixtures/rlesson) and two lessons of the shared corpus run in IRkernel
(carpentries__workbench-template-rmd; swcarpentry__r-novice-gapminder episodes 1-2, with
a small data table of our own since the corpus has no data files). R lessons are skipped,
with a note, when R or IRkernel is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lessonkit.build import Builder, BuildOptions  # noqa: E402
from lessonkit.readers import read_lesson  # noqa: E402


def measure(lesson: Path, work: Path) -> tuple[float, float, int, int]:
    out, cache = work / "out", work / "cache"
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    cold = Builder(lesson, BuildOptions(out=out, cache=cache)).build()
    cold_seconds = time.perf_counter() - started
    if not cold.ok:
        raise SystemExit("\n".join(d.format() for d in cold.diagnostics))
    started = time.perf_counter()
    warm = Builder(lesson, BuildOptions(out=out, cache=cache)).build()
    warm_seconds = time.perf_counter() - started
    assert warm.execution.cells_executed == 0
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(out),
                              "--cache-dir", str(cache), "--quiet"], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if process.returncode != 0:  # the lesson's warnings are not this benchmark's business; failures are
        raise SystemExit(process.stdout + process.stderr)
    process_seconds = time.perf_counter() - started
    return cold_seconds, warm_seconds, process_seconds, cold.execution.cells_executed, cold.execution.episodes


def corpus_copy(name: str, target: Path) -> Path | None:
    sys.path.insert(0, str(ROOT / "tests"))
    from testsupport import writable_corpus_copy

    return writable_corpus_copy(name, target)


def gapminder(target: Path) -> Path | None:
    sys.path.insert(0, str(ROOT / "tests"))
    from testsupport import gapminder_first_episodes

    return gapminder_first_episodes(target)


def main() -> None:
    from lessonkit.execute.runner import IRKERNEL, kernel_available

    lessons = [("executable (fixture)", ROOT / "tests/fixtures/executable")]
    lessons += [(p.name, p) for p in sorted((ROOT / "lessons").iterdir()) if (p / "config.yaml").is_file()
                and any(page.has_chunks for page in read_lesson(p).pages())]
    print(f"{'lesson':36} {'pages with code':>15} {'chunks':>7} {'cold build':>11} {'warm build':>11} "
          f"{'warm, new process':>18}")
    with tempfile.TemporaryDirectory() as tmp:
        if kernel_available(IRKERNEL):
            lessons.append(("rlesson (R fixture)", ROOT / "tests/execution/fixtures/rlesson"))
            template = corpus_copy("carpentries__workbench-template-rmd", Path(tmp) / "sources/template-rmd")
            if template is not None:
                lessons.append(("workbench-template-rmd (corpus, R)", template))
            novice = gapminder(Path(tmp) / "sources/gapminder")
            if novice is not None:
                lessons.append(("r-novice-gapminder 1-2 (corpus, R)", novice))
        else:
            print("(R lessons skipped: no IRkernel; sudo apt-get install r-base-core r-cran-irkernel r-cran-knitr)")
        for index, (name, lesson) in enumerate(lessons):
            cold, warm, process, chunks, episodes = measure(lesson, Path(tmp) / f"work{index}")
            print(f"{name:36} {episodes:>15} {chunks:>7} {cold:>9.2f} s {warm:>9.2f} s {process:>16.2f} s",
                  flush=True)


if __name__ == "__main__":
    main()
