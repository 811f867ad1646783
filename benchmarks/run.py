"""Build benchmark: lessonkit against the tools lesson authors would use instead.

    python benchmarks/run.py                      # 1000 synthetic episodes + the shared corpus
    python benchmarks/run.py --episodes 200       # a smaller run
    python benchmarks/run.py --pandoc-sample 100  # time pandoc on 100 pages and scale up

Measures, for a synthetic lesson of N episodes (about 1,500 words each, with
code blocks, tables, blocks and links):

* lessonkit clean build (no cache, no previous output), ms per page;
* incremental rebuild after editing one episode: inside a running process (what
  ``lessonkit serve`` does on every save) and as a new ``lessonkit build`` process;
* peak memory (maximum resident set size) of the build process and of its workers;
* the whole shared corpus (``../shared/corpus``);

and, when they are installed, the same synthetic content through MkDocs with the
Material theme and through pandoc run once per page (what the Workbench does per
page), with the ratios.  Work files go to ``benchmarks/_work/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
CORPUS = Path(os.environ.get("LESSONKIT_CORPUS", ROOT.parent / "shared" / "corpus"))
sys.path.insert(0, str(HERE))

from synthetic import make_lesson, words_per_episode  # noqa: E402

CHILD_BUILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from lessonkit.build import Builder, BuildOptions
    src, out, cache = map(Path, sys.argv[1:4])
    started = time.perf_counter()
    result = Builder(src, BuildOptions(out=out, cache=cache)).build()
    seconds = time.perf_counter() - started
    print(json.dumps({"ok": result.ok, "seconds": seconds, "pages": result.html_pages,
                      "rendered": result.pages_rendered,
                      "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
""")

CHILD_INCREMENTAL = textwrap.dedent("""
    import json, statistics, sys, time
    from pathlib import Path
    from lessonkit.build import Builder, BuildOptions
    src, out, cache, rounds = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    builder = Builder(src, BuildOptions(out=out, cache=cache, persist=False))
    assert builder.build().ok
    episodes = sorted((src / "episodes").glob("*.md"))
    page = episodes[len(episodes) // 2]
    times, rendered = [], []
    for i in range(rounds):
        page.write_text(page.read_text() + f"\\nEdited paragraph number {i}.\\n")
        started = time.perf_counter()
        result = builder.build()
        times.append(time.perf_counter() - started)
        rendered.append(result.pages_rendered)
        assert result.ok
    print(json.dumps({"median": statistics.median(times), "min": min(times), "rendered": rendered}))
""")

CHILD_CORPUS = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from lessonkit.build import Builder, BuildOptions, find_lessons
    corpus, work = Path(sys.argv[1]), Path(sys.argv[2])
    lessons = [p for p in sorted(corpus.iterdir()) if p.is_dir() and find_lessons(p) == [p]]
    started = time.perf_counter()
    pages = built = 0
    for lesson in lessons:
        result = Builder(lesson, BuildOptions(out=work / "out" / lesson.name, cache=work / "cache" / lesson.name)).build()
        pages += result.html_pages
        built += result.ok
    print(json.dumps({"seconds": time.perf_counter() - started, "lessons": len(lessons), "built": built,
                      "pages": pages}))
""")


def python_child(script: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def clean(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def lessonkit_clean_build(lesson: Path) -> dict:
    out, cache = WORK / "out", WORK / "cache"
    clean(out, cache)
    return python_child(CHILD_BUILD, lesson, out, cache)


def lessonkit_cli_incremental(lesson: Path, rounds: int = 3) -> float:
    out, cache = WORK / "out", WORK / "cache"
    command = [sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(out), "--cache-dir", str(cache), "-q"]
    subprocess.run(command, check=True)
    episodes = sorted((lesson / "episodes").glob("*.md"))
    page = episodes[len(episodes) // 3]
    times = []
    for i in range(rounds):
        page.write_text(page.read_text() + f"\nCLI edit {i}.\n")
        started = time.perf_counter()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def mkdocs_build(lesson: Path) -> float | None:
    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError:
        return None
    project = WORK / "mkdocs"
    clean(project)
    docs = project / "docs"
    shutil.copytree(lesson / "episodes", docs)
    (docs / "index.md").write_text((lesson / "index.md").read_text())
    nav = "\n".join(f"  - '{p.stem}': {p.name}" for p in sorted((lesson / "episodes").glob("*.md")))
    (project / "mkdocs.yml").write_text(f"site_name: Synthetic\ntheme:\n  name: material\nnav:\n{nav}\n")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def pandoc_per_page(lesson: Path, sample: int | None) -> tuple[float, int, int] | None:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        return None
    pages = sorted((lesson / "episodes").glob("*.md"))
    chosen = pages if sample is None else pages[:sample]
    out = WORK / "pandoc"
    clean(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    for page in chosen:
        subprocess.run([pandoc, "--from", "markdown", "--to", "html5", "--standalone", "--metadata", "title=Episode",
                        str(page), "--output", str(out / f"{page.stem}.html")], check=True)
    seconds = time.perf_counter() - started
    return seconds * len(pages) / len(chosen), len(chosen), len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--pandoc-sample", type=int, default=None,
                        help="run pandoc on this many pages only and scale the time up to all pages")
    parser.add_argument("--skip-baselines", action="store_true", help="measure lessonkit only")
    args = parser.parse_args()

    WORK.mkdir(exist_ok=True)
    lesson = WORK / "synthetic"
    clean(lesson)
    make_lesson(lesson, args.episodes)
    print(f"Synthetic lesson: {args.episodes} episodes, {words_per_episode(lesson):.0f} words per episode "
          f"(Markdown source, whitespace-separated)\n")

    clean_build = lessonkit_clean_build(lesson)
    assert clean_build["ok"]
    incremental = python_child(CHILD_INCREMENTAL, lesson, WORK / "out", WORK / "cache", 5)
    cli_incremental = lessonkit_cli_incremental(lesson)
    clean(WORK / "corpus")  # a clean build of every corpus lesson, no cache
    corpus = python_child(CHILD_CORPUS, CORPUS, WORK / "corpus") if CORPUS.is_dir() else None

    rows = [
        ("lessonkit clean build", f"{clean_build['seconds']:.2f} s",
         f"{clean_build['pages']} HTML pages (learner + instructor views), "
         f"{1000 * clean_build['seconds'] / clean_build['pages']:.2f} ms per page, "
         f"{1000 * clean_build['seconds'] / args.episodes:.2f} ms per episode"),
        ("incremental, one episode edited (running process, as in serve)",
         f"{1000 * incremental['median']:.0f} ms", f"median of 5; pages rendered each time: {incremental['rendered']}"),
        ("incremental, one episode edited (new `lessonkit build` process)",
         f"{1000 * cli_incremental:.0f} ms", "median of 3; includes interpreter start-up and cache loading"),
        ("peak memory, clean build", f"{clean_build['self_rss_mb']:.0f} MB",
         f"main process; each worker process peaked at {clean_build['children_rss_mb']:.0f} MB"),
    ]
    if corpus:
        rows.append(("shared corpus, every lesson", f"{corpus['seconds']:.2f} s",
                     f"{corpus['built']}/{corpus['lessons']} lessons built, {corpus['pages']} HTML pages"))

    if not args.skip_baselines:
        mkdocs_seconds = mkdocs_build(lesson)
        if mkdocs_seconds is None:
            rows.append(("MkDocs + Material", "not installed", "pip install mkdocs-material"))
        else:
            rows.append(("MkDocs + Material, same content", f"{mkdocs_seconds:.2f} s",
                         f"lessonkit is {mkdocs_seconds / clean_build['seconds']:.1f}x faster (target >= 5x)"))
        pandoc = pandoc_per_page(lesson, args.pandoc_sample)
        if pandoc is None:
            rows.append(("pandoc, one process per page", "not installed", "apt-get install pandoc"))
        else:
            seconds, measured, total = pandoc
            how = "measured" if measured == total else f"{measured} pages measured, scaled to {total}"
            rows.append(("pandoc, one process per page", f"{seconds:.2f} s",
                         f"{how}; lessonkit is {seconds / clean_build['seconds']:.1f}x faster (target >= 10x)"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'result':>12}  notes")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>12}  {note}")


if __name__ == "__main__":
    main()
