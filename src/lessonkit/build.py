"""The build pipeline: source files -> reader -> lesson model -> checks ->
execution -> HTML site, written atomically.

``build()`` builds one lesson, or a folder of lessons as a small catalogue
(an index page listing them, each lesson in its own sub-folder).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from lessonkit.cache import cache_dir
from lessonkit.checks import Checker
from lessonkit.diagnostics import Diagnostic, Report, Severity
from lessonkit.execute import ExecutionOptions, ExecutionReport, execute_lesson
from lessonkit.model import Lesson
from lessonkit.output import OutputBusy, OutputError, StagedOutput
from lessonkit.readers import detect_format, read_lesson
from lessonkit.readers.page_cache import PageCache
from lessonkit.site.builder import BuildState, SiteBuilder, SiteResult


@dataclass
class BuildOptions:
    out: Path
    strict: bool = False
    cache: Path | None = None  # override the cache folder (single lesson only)
    progress: Callable[[str, int, int], None] | None = None  # (lesson name, done, total)
    # Write caches to disk after every build (a long-running ``serve`` keeps them in memory
    # and calls Builder.save_caches() when it stops).
    persist: bool = True
    execution: ExecutionOptions = field(default_factory=ExecutionOptions)


@dataclass
class LessonBuild:
    name: str
    root: Path
    lesson: Lesson | None = None
    site: SiteResult | None = None
    cache: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class BuildResult:
    ok: bool
    out: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lessons: list[LessonBuild] = field(default_factory=list)
    seconds: float = 0.0
    execution: ExecutionReport = field(default_factory=ExecutionReport)

    @property
    def pages_rendered(self) -> int:
        return sum(b.site.pages_rendered for b in self.lessons if b.site)

    @property
    def pages_reused(self) -> int:
        return sum(b.site.pages_reused for b in self.lessons if b.site)

    @property
    def html_pages(self) -> int:
        return sum(len(b.site.pages) for b in self.lessons if b.site)


def default_output(path: Path) -> Path:
    """PATH/site, or ./<name>-site when the lesson folder is read-only."""
    import stat

    try:
        writable = bool(path.stat().st_mode & stat.S_IWUSR)
    except OSError:
        writable = False
    return path / "site" if writable else Path.cwd() / f"{path.resolve().name}-site"


def find_lessons(path: Path) -> list[Path]:
    """The lesson at ``path``, or the lessons in its sub-folders (a catalogue)."""
    if detect_format(path):
        return [path]
    if not path.is_dir():
        return []
    return [child for child in sorted(path.iterdir()) if child.is_dir() and not child.name.startswith((".", "_"))
            and detect_format(child)]


class Builder:
    """Builds a lesson or catalogue; keeps state between builds (used by ``serve``)."""

    def __init__(self, source: Path, options: BuildOptions):
        self.source = source.resolve()
        self.options = options
        self.states: dict[Path, BuildState] = {}
        self.page_caches: dict[Path, PageCache] = {}
        self.cache_dirs: dict[Path, Path] = {}
        self.checkers: dict[Path, Checker] = {}  # remember per-page check results between builds

    def save_caches(self) -> None:
        """Write the in-memory caches to each lesson's cache folder."""
        for root, folder in self.cache_dirs.items():
            if root in self.page_caches:
                self.page_caches[root].save(folder)
            if root in self.states:
                self.states[root].save(folder)
            if root in self.checkers:
                self.checkers[root].save(folder)

    def build(self) -> BuildResult:
        started = time.perf_counter()
        options = self.options
        out = options.out.resolve()
        result = BuildResult(ok=False, out=out)
        roots = find_lessons(self.source)
        if not roots:
            report = Report()
            report.error(
                str(self.source), 0, "lesson-format",
                f"{self.source} is not a lesson, nor a folder of lessons",
                "Run the command on a lesson folder (with config.yaml or _config.yml), or on a folder containing them.",
            )
            result.diagnostics = report.sorted()
            return result
        catalogue = roots != [self.source]
        if catalogue and (out == self.source or (self.source in out.parents and out.parent == self.source
                          and out.name in {r.name for r in roots})):
            report = Report()
            report.error(str(out), 0, "output-path", f"the output folder {out} would overwrite a lesson",
                         "Choose an --out folder outside the lessons.")
            result.diagnostics = report.sorted()
            return result

        builds: list[LessonBuild] = []
        diagnostics: list[Diagnostic] = []
        for root in roots:
            build = LessonBuild(root.name, root)
            t0 = time.perf_counter()
            override = (options.cache / root.name if catalogue else options.cache) if options.cache else None
            build.cache = cache_dir(root, override)
            pages = self.page_caches.get(root) or PageCache.load(build.cache)
            lesson = read_lesson(root, cache=pages)
            self.page_caches[root] = pages
            if lesson.format != "unknown":
                checker = self.checkers.get(root) or Checker.load(build.cache)
                self.checkers[root] = checker
                lesson.report.extend(checker.check(lesson))
                if options.persist:
                    checker.save(build.cache)
            self.cache_dirs[root] = build.cache
            if options.persist and pages.changed:
                pages.save(build.cache)
            build.seconds["read"] = time.perf_counter() - t0
            build.lesson = lesson
            prefix = f"{root.name}/" if catalogue else ""
            diagnostics.extend(_prefixed(lesson.report.sorted(), prefix))
            builds.append(build)
        result.lessons = builds
        result.diagnostics = diagnostics
        if _failed(diagnostics, options.strict):
            result.seconds = time.perf_counter() - started
            return result

        for build in builds:
            t0 = time.perf_counter()
            executed = execute_lesson(build.lesson, build.cache / "exec", options.execution)
            build.seconds["execute"] = time.perf_counter() - t0
            result.execution.merge(executed)
            diagnostics.extend(_prefixed(sorted(executed.diagnostics, key=Diagnostic.sort_key),
                                         f"{build.name}/" if catalogue else ""))
        if _failed(diagnostics, options.strict):
            result.seconds = time.perf_counter() - started
            return result

        try:
            staged = StagedOutput(out, protect=[self.source, *roots])
        except (OutputError, OSError) as exc:
            report = Report()
            report.error(str(out), 0, "output-busy" if isinstance(exc, OutputBusy) else "output-path", str(exc),
                         "Choose another --out folder.")
            result.diagnostics = diagnostics + report.sorted()
            return result
        try:
            for build in builds:
                lesson = build.lesson
                prefix = f"{build.name}/" if catalogue else ""
                state = self.states.get(build.root) or BuildState.load(build.cache)
                t0 = time.perf_counter()
                progress = None
                if options.progress is not None:
                    progress = (lambda name: lambda done, total: options.progress(name, done, total))(build.name)
                builder = SiteBuilder(lesson, staged, state, prefix=prefix, progress=progress)
                build.site = builder.build()
                build.seconds["render"] = time.perf_counter() - t0
                self.states[build.root] = state
            if catalogue:
                from lessonkit.workshop.build import build_workshops, catalogue_section

                workshops, problems = build_workshops(self.source, staged)  # lessons/workshops/*.yaml
                result.diagnostics.extend(problems)
                staged.write("index.html", catalogue_page(self.source, [b.lesson for b in builds],
                                                          catalogue_section(workshops)))
                from lessonkit.credit.site import catalogue_jsonld_text  # harvestable list (TeSS)

                staged.write("catalogue.jsonld", catalogue_jsonld_text([b.lesson for b in builds]))
            if _failed(result.diagnostics, options.strict):
                staged.abort()
                result.seconds = time.perf_counter() - started
                return result
            t0 = time.perf_counter()
            staged.commit()
            if options.persist:
                for build in builds:
                    self.states[build.root].save(build.cache)
            if builds:
                builds[-1].seconds["commit"] = time.perf_counter() - t0
        except BaseException:
            staged.abort()
            raise
        result.ok = True
        result.seconds = time.perf_counter() - started
        return result


def _failed(diagnostics: list[Diagnostic], strict: bool) -> bool:
    worst = Severity.WARNING if strict else Severity.ERROR
    return any(d.severity >= worst for d in diagnostics)


def _prefixed(diagnostics: list[Diagnostic], prefix: str) -> list[Diagnostic]:
    if not prefix:
        return diagnostics
    return [Diagnostic(prefix + d.path, d.line, d.column, d.rule, d.severity, d.message, d.fix) for d in diagnostics]


def catalogue_page(root: Path, lessons: list[Lesson], extra: str = "") -> str:
    """An index page listing the lessons of a catalogue."""
    from lessonkit.markdown.frontmatter import load_yaml
    from lessonkit.readers.sources import read_text
    from lessonkit.site.markdown_html import render_markdown

    report = Report()
    title, intro = root.name.replace("-", " ").capitalize(), ""
    config = root / "catalogue.yaml"
    if config.is_file():
        read = read_text(config, "catalogue.yaml", report)
        data = load_yaml(read[0], "catalogue.yaml", report) if read else None
        if isinstance(data, dict):
            title = str(data.get("title") or title)
            intro = render_markdown(str(data.get("description") or ""), {})
    items = []
    for lesson in lessons:
        summary = ""
        if lesson.index is not None:
            summary = _first_paragraph(lesson)
        minutes = sum(p.minutes for p in lesson.episodes)
        items.append(
            f'<li><h2><a href="{escape(lesson.name)}/index.html">{escape(lesson.config.title)}</a></h2>'
            f"<p>{summary}</p>"
            f"<p class=\"meta\">{len(lesson.episodes)} episodes · about {round(minutes / 60, 1)} hours · "
            f"{escape(lesson.config.life_cycle)}</p></li>"
        )
    first = lessons[0].name if lessons else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{escape(first)}/assets/lessonkit.css">
</head>
<body class="catalogue-page">
<a class="skip-link" href="#main-content">Skip to main content</a>
<header class="site-header"><div class="site-title">{escape(title)}</div></header>
<div class="layout" style="grid-template-columns: 1fr;">
<main id="main-content" tabindex="-1">
<h1>{escape(title)}</h1>
{intro}
<ul class="catalogue">
{''.join(items)}
</ul>
{extra}
</main>
</div>
<footer class="site-footer"><p>Built with lessonkit.</p></footer>
</body>
</html>
"""


def _first_paragraph(lesson: Lesson) -> str:
    from lessonkit.model import Markdown
    from lessonkit.site.markdown_html import render_markdown

    for node in lesson.index.body if lesson.index else []:
        if isinstance(node, Markdown):
            for block in node.text.split("\n\n"):
                block = block.strip()
                if block and not block.startswith(("#", "!", "<", "[", ":", "-", "*", "|", "`")):
                    html = render_markdown(block, {})
                    return html.strip().removeprefix("<p>").removesuffix("</p>")
    return ""
