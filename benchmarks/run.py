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
* a no-change build (new process), the edit-to-reload time under ``lessonkit serve`` (an SSE client
  sees the reload event), the parser floor (markdown-it-py + Pygments alone, no templates, on one core
  and on every core), and a 10,000-episode lesson (the cost should grow linearly);

and, when they are installed, the same synthetic content through Hugo (Debian's ``hugo``, with
templates that draw the same sidebar of every episode), MkDocs with the Material theme (clean and
``--dirty`` after one edit) and pandoc run once per page (what the Workbench does per page),
with the ratios, all in the same run.  Work files go to ``benchmarks/_work/`` (git-ignored).
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
import threading
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


CHILD_FLOOR = textwrap.dedent("""
    import json, os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path
    from markdown_it import MarkdownIt
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound
    formatter = HtmlFormatter()
    def code(text, lang, attrs):
        try:
            return highlight(text, get_lexer_by_name(lang or "text"), formatter)
        except ClassNotFound:
            return highlight(text, get_lexer_by_name("text"), formatter)
    md = MarkdownIt("commonmark", {"highlight": code}).enable("table")
    def render(path):
        text = Path(path).read_text()
        body = text.split("---", 2)[2] if text.startswith("---") else text
        return len(md.render(body))
    pages = sorted(str(p) for p in Path(sys.argv[1]).glob("*.md"))
    started = time.perf_counter()
    for page in pages:
        render(page)
    one = time.perf_counter() - started
    started = time.perf_counter()
    with ProcessPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        list(pool.map(render, pages, chunksize=16))
    every = time.perf_counter() - started
    print(json.dumps({"one_core": one, "every_core": every, "cores": len(os.sched_getaffinity(0)),
                      "pages": len(pages)}))
""")


def parser_floor(lesson: Path) -> dict:
    return python_child(CHILD_FLOOR, lesson / "episodes")


def cli(lesson: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(WORK / "out"), "--cache-dir",
            str(WORK / "cache"), "-q", *extra]


def lessonkit_no_change(lesson: Path, rounds: int = 5) -> float:
    subprocess.run(cli(lesson), check=True)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(cli(lesson), check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def serve_edit_to_reload(lesson: Path, rounds: int = 5) -> tuple[float, float] | None:
    """Median times from writing an episode to the reload event reaching a client of ``lessonkit serve``
    (the saved page shown), and to the whole rebuild being done (every page updated)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "lessonkit", "serve", str(lesson), "--out", str(WORK / "serve-out"),
                               "--port", str(port), "--no-execute"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    log: list[str] = []
    logged = threading.Condition()

    def read_log() -> None:
        for line in server.stdout:
            with logged:
                log.append(line)
                logged.notify_all()

    def wait_for(text: str, count: int, timeout: float = 600) -> None:
        with logged:
            logged.wait_for(lambda: sum(text in line for line in log) >= count or server.poll() is not None,
                            timeout=timeout)

    threading.Thread(target=read_log, daemon=True).start()
    try:
        wait_for("Serving", 1)
        episodes = sorted((lesson / "episodes").glob("*.md"))
        page = episodes[len(episodes) // 2]
        times, whole = [], []
        for i in range(rounds + 1):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"GET /__lessonkit/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                received = b""
                while b"retry:" not in received:
                    received += sock.recv(4096)
                if i == 0:  # the first edits only prove the watcher is running
                    deadline = time.perf_counter() + 60
                    while b"event: reload" not in received and time.perf_counter() < deadline:
                        page.write_text(page.read_text() + "\nWarm-up edit.\n")
                        sock.settimeout(2)
                        try:
                            received += sock.recv(4096)
                        except TimeoutError:
                            continue
                    wait_for("Rebuilt", 1)
                    continue
                with logged:
                    rebuilt = sum("Rebuilt" in line for line in log)
                started = time.perf_counter()
                page.write_text(page.read_text() + f"\nServe edit {i}.\n")
                sock.settimeout(60)
                while b"event: reload" not in received:
                    received += sock.recv(4096)
                times.append(time.perf_counter() - started)
                wait_for("Rebuilt", rebuilt + 1)  # the whole build is done: the next save finds the server idle
                whole.append(time.perf_counter() - started)
        return statistics.median(times), statistics.median(whole)
    except OSError:
        return None
    finally:
        server.terminate()
        server.wait(timeout=60)


HUGO_BASEOF = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><nav><ol>{{ range .Site.RegularPages.ByWeight }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol></nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_SINGLE = '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n'
HUGO_LIST = '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n'


def hugo_build(lesson: Path, rounds: int = 3) -> float | None:
    """Hugo on the same episodes, with a sidebar listing every episode on every page (as ours)."""
    hugo = shutil.which("hugo")
    if hugo is None:
        return None
    project = WORK / "hugo"
    clean(project)
    (project / "layouts" / "_default").mkdir(parents=True)
    (project / "layouts" / "_default" / "baseof.html").write_text(HUGO_BASEOF)
    (project / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (project / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    (project / "layouts" / "index.html").write_text(HUGO_LIST)
    shutil.copytree(lesson / "episodes", project / "content" / "episodes")
    (project / "content" / "_index.md").write_text((lesson / "index.md").read_text())
    (project / "config.toml").write_text('baseURL = "http://localhost/"\ntitle = "Synthetic"\n'
                                         'disableKinds = ["taxonomy", "term", "RSS"]\n'
                                         '[markup.goldmark.renderer]\nunsafe = true\n')
    times = []
    for _ in range(rounds):
        clean(project / "public", project / "resources")
        started = time.perf_counter()
        subprocess.run([hugo, "--quiet", "--source", str(project)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def mkdocs_dirty(lesson: Path) -> float | None:
    """``mkdocs build --dirty`` after one edit (requires mkdocs_build to have run)."""
    project = WORK / "mkdocs"
    if not (project / "mkdocs.yml").is_file():
        return None
    docs = sorted((project / "docs").glob("*.md"))
    page = docs[len(docs) // 3]
    times = []
    for i in range(3):
        page.write_text(page.read_text() + f"\nDirty edit {i}.\n")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--dirty"], cwd=project, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    parser.add_argument("--rounds", type=int, default=3, help="clean builds to take the median of")
    parser.add_argument("--scale", type=int, default=10000,
                        help="also build a lesson of this many episodes (0: skip) to show the cost grows linearly")
    parser.add_argument("--pandoc-sample", type=int, default=100,
                        help="run pandoc on this many pages only and scale the time up to all pages (0: all)")
    parser.add_argument("--skip-baselines", action="store_true", help="measure lessonkit only")
    args = parser.parse_args()

    WORK.mkdir(exist_ok=True)
    # An installed lessonkit has its bytecode compiled (pip does it); a source checkout with
    # PYTHONDONTWRITEBYTECODE set would compile every module in every new process instead.
    import compileall

    import lessonkit

    compileall.compile_dir(str(Path(lessonkit.__file__).parent), quiet=1)
    lesson = WORK / "synthetic"
    clean(lesson)
    make_lesson(lesson, args.episodes)
    print(f"Synthetic lesson: {args.episodes} episodes, {words_per_episode(lesson):.0f} words per episode "
          f"(Markdown source, whitespace-separated); {os.cpu_count()} cores\n")

    builds = [lessonkit_clean_build(lesson) for _ in range(args.rounds)]
    assert all(b["ok"] for b in builds)
    clean_build = sorted(builds, key=lambda b: b["seconds"])[len(builds) // 2]
    clean_seconds = clean_build["seconds"]
    floor = parser_floor(lesson)
    incremental = python_child(CHILD_INCREMENTAL, lesson, WORK / "out", WORK / "cache", 5)
    cli_incremental = lessonkit_cli_incremental(lesson)
    no_change = lessonkit_no_change(lesson)
    reload = serve_edit_to_reload(lesson)
    clean(WORK / "corpus")  # a clean build of every corpus lesson, no cache
    corpus = python_child(CHILD_CORPUS, CORPUS, WORK / "corpus") if CORPUS.is_dir() else None

    rows = [
        ("lessonkit clean build", f"{clean_seconds:.2f} s",
         f"median of {args.rounds}; {clean_build['pages']} HTML pages (learner + instructor views), "
         f"{1000 * clean_seconds / args.episodes:.2f} ms per episode"),
        ("parser floor (markdown-it-py + Pygments, no templates)",
         f"{floor['every_core']:.2f} s",
         f"on {floor['cores']} cores ({floor['one_core']:.2f} s on one); lessonkit's clean build is "
         f"{clean_seconds / floor['every_core']:.2f}x the floor (target <= 2x)"),
        ("peak memory, clean build", f"{clean_build['self_rss_mb']:.0f} MB",
         f"main process; each worker process peaked at {clean_build['children_rss_mb']:.0f} MB (target <= 300 MB)"),
        ("one episode edited, running process (as in serve)",
         f"{1000 * incremental['median']:.0f} ms", f"median of 5; pages rendered each time: {incremental['rendered']}"),
        ("one episode edited, new `lessonkit build` process",
         f"{1000 * cli_incremental:.0f} ms", "median of 3, wall clock of the command (target <= 300 ms)"),
        ("no change, new `lessonkit build` process", f"{1000 * no_change:.0f} ms",
         "median of 5, wall clock of the command (target <= 150 ms)"),
        ("one episode edited under `lessonkit serve`, write to reload event",
         f"{1000 * reload[0]:.0f} ms" if reload is not None else "failed",
         "median of 5, an SSE client of the running server: the saved page is shown (target <= 100 ms); "
         + (f"every other page updated after {1000 * reload[1]:.0f} ms" if reload is not None else "")),
    ]
    if corpus:
        rows.append(("shared corpus, every lesson", f"{corpus['seconds']:.2f} s",
                     f"{corpus['built']}/{corpus['lessons']} lessons built, {corpus['pages']} HTML pages"))
    if args.scale:
        big = WORK / "synthetic-scale"
        clean(big)
        make_lesson(big, args.scale)
        scaled = lessonkit_clean_build(big)
        clean(big)
        ratio = scaled["seconds"] / clean_seconds
        rows.append((f"lessonkit clean build, {args.scale:,} episodes", f"{scaled['seconds']:.2f} s",
                     f"{ratio:.1f}x the {args.episodes:,}-episode build for {args.scale / args.episodes:.0f}x the "
                     f"episodes (target < {args.scale / args.episodes:.0f}x); peak {scaled['self_rss_mb']:.0f} MB"))

    if not args.skip_baselines:
        hugo = hugo_build(lesson)
        if hugo is None:
            rows.append(("Hugo", "not installed", "apt-get install hugo"))
        else:
            rows.append(("Hugo, same episodes with a sidebar", f"{hugo:.2f} s",
                         f"median of 3; lessonkit's clean build is {clean_seconds / hugo:.2f}x Hugo's "
                         "(target <= 0.6x)"))
        mkdocs_seconds = mkdocs_build(lesson)
        if mkdocs_seconds is None:
            rows.append(("MkDocs + Material", "not installed", "pip install mkdocs-material"))
        else:
            rows.append(("MkDocs + Material, same content", f"{mkdocs_seconds:.2f} s",
                         f"lessonkit is {mkdocs_seconds / clean_seconds:.1f}x faster"))
            dirty = mkdocs_dirty(lesson)
            if dirty is not None:
                rows.append(("MkDocs `build --dirty`, one page edited", f"{1000 * dirty:.0f} ms",
                             f"lessonkit's new-process rebuild is {cli_incremental / dirty:.2f}x this"))
        pandoc = pandoc_per_page(lesson, args.pandoc_sample or None)
        if pandoc is None:
            rows.append(("pandoc, one process per page", "not installed", "apt-get install pandoc"))
        else:
            seconds, measured, total = pandoc
            how = "measured" if measured == total else f"{measured} pages measured, scaled to {total}"
            rows.append(("pandoc, one process per page", f"{seconds:.2f} s",
                         f"{how}; lessonkit is {seconds / clean_seconds:.1f}x faster"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'result':>12}  notes")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>12}  {note}")


if __name__ == "__main__":
    main()
