"""The build pipeline: source files -> reader -> lesson model -> checks ->
execution -> HTML site, written atomically.

``build()`` builds one lesson, or a folder of lessons as a small catalogue
(an index page listing them, each lesson in its own sub-folder).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lessonkit.cache import cache_dir
from lessonkit.diagnostics import Diagnostic, Report, Severity
from lessonkit.execute import ExecutionOptions, ExecutionReport
from lessonkit.parallel import collector_paused
from lessonkit.readers import detect_format

if TYPE_CHECKING:  # imported when used: a no-change build needs none of them
    from lessonkit.checks import Checker
    from lessonkit.model import Lesson
    from lessonkit.output import StagedOutput
    from lessonkit.readers.page_cache import PageCache
    from lessonkit.site.builder import BuildState, SiteResult


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
    builder: Any = None  # the SiteBuilder that rendered it (for Builder.preview)


@dataclass
class BuildResult:
    ok: bool
    out: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lessons: list[LessonBuild] = field(default_factory=list)
    seconds: float = 0.0
    execution: ExecutionReport = field(default_factory=ExecutionReport)
    unchanged: int = 0  # HTML pages of an output that nothing changed since (a no-change build)

    @property
    def pages_rendered(self) -> int:
        return sum(b.site.pages_rendered for b in self.lessons if b.site)

    @property
    def pages_reused(self) -> int:
        return sum(b.site.pages_reused for b in self.lessons if b.site) + self.unchanged

    @property
    def html_pages(self) -> int:
        return sum(len(b.site.pages) for b in self.lessons if b.site) + self.unchanged


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
    """Builds a lesson or catalogue; keeps state between builds (used by ``serve``).

    A build is ``read → check → execute → render → commit``; each step is a method, and a
    step whose diagnostics fail the build stops it with the previous output untouched."""

    def __init__(self, source: Path, options: BuildOptions):
        self.source = source.resolve()
        self.options = options
        self.states: dict[Path, BuildState] = {}
        self.page_caches: dict[Path, PageCache] = {}
        self.cache_dirs: dict[Path, Path] = {}
        self.checkers: dict[Path, Checker] = {}  # remember per-page check results between builds
        self.published: list[LessonBuild] = []  # the lessons of the last build that was swapped in

    def preview(self, changed: set[str]) -> list[tuple[str, bytes]]:
        """After one page's source was saved: its new HTML files (site path, bytes), rendered with the last
        published build's menus and neighbours, for ``serve`` to show while the whole build runs.
        [] when the change is not exactly one page's source of a lone lesson (see SiteBuilder.preview)."""
        if len(changed) != 1 or len(self.published) != 1 or self.catalogue:
            return []
        build = self.published[0]
        try:
            rel = Path(next(iter(changed))).resolve().relative_to(build.root).as_posix()
        except ValueError:
            return []
        return build.builder.preview(rel)

    def save_caches(self) -> None:
        """Write the in-memory caches to each lesson's cache folder."""
        for root, folder in self.cache_dirs.items():
            if root in self.page_caches:
                self.page_caches[root].save(folder)
            if root in self.states:
                self.states[root].save(folder)
            if root in self.checkers:
                self.checkers[root].save(folder)

    def unchanged(self, *, building_next: bool = False) -> BuildResult | None:
        """The result of the last successful build when nothing it read has changed since (a no-change
        build: nothing is read, checked or rendered), else None. ``building_next``: the caller builds
        next in this process (lessonkit.entry), whose build then need not walk the lesson again."""
        started = time.perf_counter()
        out = self.options.out.resolve()
        result = BuildResult(ok=False, out=out)
        if not self._nothing_changed(out, result, remember=building_next):
            return None
        result.seconds = time.perf_counter() - started
        return result

    def build(self) -> BuildResult:
        started = time.perf_counter()
        out = self.options.out.resolve()
        found = self.unchanged()
        if found is not None:
            return found
        result = BuildResult(ok=False, out=out)
        builds = self._lessons(out, result)
        if builds and self._read(builds, result) and self._execute(builds, result):
            self._render(builds, out, result)
        result.seconds = time.perf_counter() - started
        if result.ok:
            self._remember(out, result)
        return result

    # -- the steps -----------------------------------------------------------------

    def _lessons(self, out: Path, result: BuildResult) -> list[LessonBuild]:
        """The lessons to build (one, or a catalogue's), or none with the reason in ``result``."""
        roots = find_lessons(self.source)
        report = Report()
        if not roots:
            report.error(
                str(self.source), 0, "lesson-format",
                f"{self.source} is not a lesson, nor a folder of lessons",
                "Run the command on a lesson folder (with config.yaml or _config.yml), or on a folder containing them.",
            )
        self.catalogue = roots != [self.source]
        if roots and self.catalogue and (out == self.source or (
                self.source in out.parents and out.parent == self.source and out.name in {r.name for r in roots})):
            report.error(str(out), 0, "output-path", f"the output folder {out} would overwrite a lesson",
                         "Choose an --out folder outside the lessons.")
        if report.items:
            result.diagnostics = report.sorted()
            return []
        builds = []
        for root in roots:
            build = LessonBuild(root.name, root)
            cache = self.options.cache
            override = (cache / root.name if self.catalogue else cache) if cache else None
            build.cache = cache_dir(root, override)
            self.cache_dirs[root] = build.cache
            builds.append(build)
        result.lessons = builds
        return builds

    def _prefix(self, build: LessonBuild) -> str:
        return f"{build.name}/" if self.catalogue else ""

    def _read(self, builds: list[LessonBuild], result: BuildResult) -> bool:
        """Read every lesson, then check each with the lessons it is built with (for the links between
        them, see site/links.py:Catalogue); False when their diagnostics fail the build."""
        from lessonkit.checks import Checker
        from lessonkit.readers import read_lesson
        from lessonkit.readers.page_cache import PageCache
        from lessonkit.site.links import Catalogue, SiteMap

        persist = self.options.persist
        # Reading and checking build large, long-lived structures (the model, the page scans): each
        # collection of the cyclic garbage collector would walk all of them again, a cost that grows with
        # the lesson (37 % of the check of a 3,000-episode lesson), for garbage they do not make.
        with collector_paused():
            for build in builds:
                t0 = time.perf_counter()
                pages = self.page_caches.get(build.root) or PageCache.load(build.cache)
                build.lesson = read_lesson(build.root, cache=pages)
                self.page_caches[build.root] = pages
                build.seconds["read"] = time.perf_counter() - t0
            catalogue = Catalogue({b.name: b.lesson for b in builds}) if self.catalogue else Catalogue.alone()
            for build in builds:
                t0 = time.perf_counter()
                lesson, pages = build.lesson, self.page_caches[build.root]
                if lesson.format != "unknown":
                    checker = self.checkers.get(build.root) or Checker.load(build.cache)
                    self.checkers[build.root] = checker
                    lesson.report.extend(checker.check(lesson, SiteMap.of(lesson, catalogue=catalogue)))
                    if persist:
                        checker.save(build.cache)
                if persist and pages.changed:
                    pages.save(build.cache)
                build.seconds["read"] += time.perf_counter() - t0
                result.diagnostics.extend(_prefixed(lesson.report.sorted(), self._prefix(build)))
        return not _failed(result.diagnostics, self.options.strict)

    def _execute(self, builds: list[LessonBuild], result: BuildResult) -> bool:
        """Run (or take from the cache) every lesson's code chunks."""
        for build in builds:
            if not any(page.has_chunks for page in build.lesson.pages()):
                continue  # nothing to run (and the kernels' machinery is not imported)
            from lessonkit.execute import execute_lesson

            t0 = time.perf_counter()
            executed = execute_lesson(build.lesson, build.cache / "exec", self.options.execution)
            build.seconds["execute"] = time.perf_counter() - t0
            result.execution.merge(executed)
            result.diagnostics.extend(_prefixed(sorted(executed.diagnostics, key=Diagnostic.sort_key),
                                                self._prefix(build)))
        return not _failed(result.diagnostics, self.options.strict)

    def _render(self, builds: list[LessonBuild], out: Path, result: BuildResult) -> None:
        """Render every lesson into a staging folder and swap it in (``result.ok`` when done)."""
        staged = self._stage(out, builds, result)
        if staged is None:
            return
        from lessonkit.site.theme import ThemeError

        try:
            try:
                staged = self._render_lessons_whole(builds, staged, out, result)
                if staged is None:
                    return
            except ThemeError as exc:
                staged.abort()
                result.diagnostics.append(_theme_problem(exc, builds))
                return
            if self.catalogue:
                self._catalogue(builds, staged, result)
            if _failed(result.diagnostics, self.options.strict):
                staged.abort()
                return
            t0 = time.perf_counter()
            staged.commit()
            if self.options.persist:
                for build in builds:
                    self.states[build.root].save(build.cache)
            builds[-1].seconds["commit"] = time.perf_counter() - t0
        except BaseException:
            staged.abort()
            raise
        result.ok = True
        self.published = builds

    def _render_lessons_whole(self, builds: list[LessonBuild], staged: StagedOutput, out: Path,
                              result: BuildResult) -> StagedOutput | None:
        """``_render_lessons``; when the cache turns out not to hold what its state names (a build killed
        while saving it, a cache file deleted or damaged by hand), every page again, into a new staging
        folder (the output is untouched so far). The staging folder written (None: see ``result``)."""
        from lessonkit.site.records import CacheIncomplete

        try:
            self._render_lessons(builds, staged)
            return staged
        except CacheIncomplete as exc:
            staged.abort()
            problem = str(exc)
        from lessonkit.site.builder import BuildState

        report = Report()
        report.info(str(self.source), 0, "cache-incomplete",
                    f"{problem}; every page was rendered again, and the cache is whole again",
                    "Nothing to do: this happens after a build was stopped while it saved its cache.")
        result.diagnostics.extend(report.sorted())
        staged = self._stage(out, builds, result)
        if staged is None:
            return None
        for build in builds:
            self.states[build.root] = BuildState.empty(build.cache)
        try:
            self._render_lessons(builds, staged)
        except BaseException:
            staged.abort()
            raise
        return staged

    def _stage(self, out: Path, builds: list[LessonBuild], result: BuildResult) -> StagedOutput | None:
        """A staging folder for the new output, or None with the reason in ``result``."""
        from lessonkit.output import OutputBusy, OutputError, StagedOutput

        try:
            return StagedOutput(out, protect=[self.source, *(b.root for b in builds)])
        except (OutputError, OSError) as exc:
            report = Report()
            report.error(str(out), 0, "output-busy" if isinstance(exc, OutputBusy) else "output-path", str(exc),
                         "Choose another --out folder.")
            result.diagnostics.extend(report.sorted())
            return None

    def _render_lessons(self, builds: list[LessonBuild], staged: StagedOutput) -> None:
        from lessonkit.site.builder import BuildState, SiteBuilder

        progress = self.options.progress
        for build in builds:
            state = self.states.get(build.root) or BuildState.load(build.cache)
            state.records.direct = self.options.persist  # workers write what they render to the cache
            t0 = time.perf_counter()
            report = None
            if progress is not None:
                report = (lambda name: lambda done, total: progress(name, done, total))(build.name)
            build.builder = SiteBuilder(build.lesson, staged, state, prefix=self._prefix(build), progress=report)
            build.site = build.builder.build()
            build.seconds["render"] = time.perf_counter() - t0
            self.states[build.root] = state

    def _catalogue(self, builds: list[LessonBuild], staged: StagedOutput, result: BuildResult) -> None:
        """The catalogue's index page, its example workshops and its harvestable metadata."""
        from lessonkit.credit.site import catalogue_jsonld_text  # harvestable list (TeSS)
        from lessonkit.workshop.build import build_workshops, catalogue_section

        workshops, problems = build_workshops(self.source, staged)  # lessons/workshops/*.yaml
        result.diagnostics.extend(problems)
        report = Report()
        staged.write("index.html", catalogue_page(self.source, [b.lesson for b in builds],
                                                  catalogue_section(workshops), report))
        result.diagnostics.extend(report.sorted())
        staged.write("catalogue.jsonld", catalogue_jsonld_text([b.lesson for b in builds]))

    # -- the no-change build ---------------------------------------------------------

    def _manifest_place(self, out: Path) -> tuple[Path, str, set[str]] | None:
        if not self.options.persist or not self.source.is_dir():
            return None
        from lessonkit import manifest

        try:
            folder = cache_dir(self.source, self.options.cache)
        except OSError:
            return None
        execution = self.options.execution
        request = manifest.request_key(self.source, out, (self.options.strict, execution.enabled, execution.timeout,
                                                           execution.keep_going, execution.kernel, execution.r_kernel,
                                                           str(getattr(execution, "prerendered", None))))
        lock = out.parent / f".{out.name}.lock"  # the output's lock (output.py), written by every build
        return folder, request, {str(out), str(folder), str(lock), str(self.source / "site") if out == self.source / "site" else ""}

    def _environment(self, folder: Path) -> str:
        from lessonkit.execute.options import execution_signature  # R/Python and their packages

        return execution_signature(self.options.execution, folder / "exec")

    def _nothing_changed(self, out: Path, result: BuildResult, remember: bool = False) -> bool:
        """When nothing the last successful build read has changed, give its result again."""
        place = self._manifest_place(out)
        if place is None or self.states:  # serve keeps its state in memory: no need
            return False
        from lessonkit import manifest

        folder, request, skip = place
        if (folder, request) in manifest.KNOWN_CHANGED:  # just found so, by lessonkit.entry: once
            manifest.KNOWN_CHANGED.discard((folder, request))
            return False
        found = manifest.unchanged(folder, self.source, out, request, skip)
        if found is None:
            if remember:
                manifest.KNOWN_CHANGED.add((folder, request))
            return False
        saved = found.result
        if saved.get("environment") is not None and saved["environment"] != self._environment(folder):
            return False  # the lesson runs code, and R, Python or their packages changed
        try:
            result.diagnostics = [Diagnostic(p, line, col, rule, Severity(sev), msg, fix)
                                  for p, line, col, rule, sev, msg, fix in saved["diagnostics"]]
            result.unchanged = int(saved["pages"])
            result.execution.episodes = int(saved.get("episodes", 0))
        except (KeyError, TypeError, ValueError):
            return False
        result.ok = True
        return True

    def _remember(self, out: Path, result: BuildResult) -> None:
        place = self._manifest_place(out)
        if place is None:
            return
        from lessonkit import manifest

        folder, request, skip = place
        if result.execution.episodes_executed and result.execution.diagnostics:
            manifest.forget(folder)  # code that failed is run again next time
            return
        manifest.record(folder, self.source, out, request, skip, {
            "pages": result.html_pages, "episodes": result.execution.episodes,
            # only a lesson that runs code depends on the kernels' environments (asking costs ~100 ms)
            "environment": self._environment(folder) if result.execution.chunks else None,
            "diagnostics": [[d.path, d.line, d.column, d.rule, int(d.severity), d.message, d.fix]
                            for d in result.diagnostics]})


def _theme_problem(exc, builds: list[LessonBuild]) -> Diagnostic:
    """A theme template's error, at its file (relative to the lesson when the theme is inside it)."""
    path = exc.path
    for build in builds:
        with contextlib.suppress(ValueError):
            path = Path(exc.path).resolve().relative_to(build.root.resolve()).as_posix()
            break
    return Diagnostic(path, exc.line, 0, "theme-template", Severity.ERROR, f"theme template: {exc.message}",
                      "Fix the template (see docs/theming.md). Theme templates run in Jinja's sandbox: "
                      "they may write any HTML, but not reach Python internals such as attributes starting with '_'.")


def _failed(diagnostics: list[Diagnostic], strict: bool) -> bool:
    worst = Severity.WARNING if strict else Severity.ERROR
    return any(d.severity >= worst for d in diagnostics)


def _prefixed(diagnostics: list[Diagnostic], prefix: str) -> list[Diagnostic]:
    if not prefix:
        return diagnostics
    return [Diagnostic(prefix + d.path, d.line, d.column, d.rule, d.severity, d.message, d.fix) for d in diagnostics]


def catalogue_page(root: Path, lessons: list[Lesson], extra: str = "", report: Report | None = None) -> str:
    """An index page listing the lessons of a catalogue; problems with catalogue.yaml go to ``report``."""
    from lessonkit.markdown.frontmatter import load_yaml
    from lessonkit.readers.sources import read_text
    from lessonkit.site.markdown_html import render_markdown

    report = report if report is not None else Report()
    title, intro, lang = root.name.replace("-", " ").capitalize(), "", "en"
    config = root / "catalogue.yaml"
    if config.is_file():
        read = read_text(config, "catalogue.yaml", report)
        data = load_yaml(read[0], "catalogue.yaml", report) if read else None
        if isinstance(data, dict):
            title = str(data.get("title") or title)
            intro = render_markdown(str(data.get("description") or ""), {})
            lang = str(data.get("lang") or "en")
        elif data is not None:
            report.warning("catalogue.yaml", 1, "catalogue-format", "catalogue.yaml is not a mapping of keys to values",
                           "Write it as 'title: ...' and 'description: ...' lines.")
    from lessonkit.site.generated import catalogue

    summaries = [_first_paragraph(lesson) if lesson.index is not None else "" for lesson in lessons]
    return catalogue(title, intro, lessons, summaries, extra, lang)


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
