"""The reader pipeline every format shares: config → page list → page names → cached page reads →
the lesson's tail (references, assets, citation).

A format (:class:`~lessonkit.readers.formats.LessonFormat`) only says what its
files mean; this module decides how they are read: each page is read once and
then recognised unchanged from ``stat()`` (:mod:`lessonkit.readers.page_cache`),
page names are unique and never a generated page's (a clash is renamed, with a
warning, in every format), and a page's own diagnostics travel with it.
"""

from __future__ import annotations

from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.model import Lesson, Page
from lessonkit.readers.citation import read_citation
from lessonkit.readers.formats import ConfigFile, LessonFormat, PageSource
from lessonkit.readers.page_cache import PageCache
from lessonkit.readers.sources import read_bytes

#: Where each kind of page goes in the lesson.
PLACES = {"episode": "episodes", "learner": "learners", "instructor": "instructors", "profile": "profiles",
          "extra": "extras"}


def read_with(fmt: LessonFormat, root: Path, cache: PageCache | None = None) -> Lesson:
    """Read the lesson at ``root`` in format ``fmt``; problems are in ``lesson.report``."""
    root = root.resolve()
    report = Report()
    config = fmt.read_config(root, report)
    lesson = Lesson(root=root, format=fmt.name, config=config.config, report=report, layout=fmt, config_file=config)
    if config.digest:
        lesson.files[config.name] = config.digest
    for source in name_pages(fmt.sources(root, config, report), report):
        page = read_page(fmt, root, source, config, report, cache)
        if page is None:
            continue
        if source.kind == "index":
            lesson.index = page
        else:
            getattr(lesson, PLACES[source.kind]).append(page)
    if not lesson.episodes:
        fmt.no_episodes(lesson, config, report)
    fmt.finish(lesson, config, report)
    for page in lesson.pages():
        lesson.files[page.source] = page.digest
    if cache is not None:
        cache.prune({(p.source, p.kind, p.slug) for p in lesson.pages()})
    lesson.assets = fmt.assets(root, report)
    lesson.citation = read_citation(root, report)
    return lesson


def name_pages(sources: list[PageSource], report: Report) -> list[PageSource]:
    """Give every page its own name, never one the site generates: a page whose name is taken is
    renamed (and the author told), or left out when the format says it is optional."""
    from lessonkit.site.pages import RESERVED

    used: dict[str, str] = {}
    named: list[PageSource] = []
    for source in sources:
        if source.kind == "index":
            used["index"] = source.rel
            named.append(source)
            continue
        slug = source.slug
        if slug in used or slug in RESERVED:
            if source.rename is None:
                continue
            report.warning(
                source.rel, source.line, "page-name-clash",
                f"{source.rel} would be written to {slug}.html, which is taken by "
                f"{used.get(slug, 'a generated page')}; writing it to {source.rename}.html",
                "Rename one of the files so that every page has its own name.",
            )
            slug = source.rename
        used[slug] = source.rel
        named.append(PageSource(source.rel, source.kind, slug, None, source.line))
    return named


def read_page(fmt: LessonFormat, root: Path, source: PageSource, config: ConfigFile, report: Report,
              cache: PageCache | None = None) -> Page | None:
    """One page: from the cache when none of its files changed, else read and parsed (and cached)."""
    key = (source.rel, source.kind, source.slug)

    def parse_again() -> Page:  # a cached page's body, when something needs it
        data = read_bytes(root / source.rel, source.rel, Report())
        return fmt.parse(root, source, data or b"", config, Report())[0]

    if cache is not None and (hit := cache.unchanged(root, key, parse_again)) is not None:
        report.extend(hit.diagnostics)
        return hit.page
    data = read_bytes(root / source.rel, source.rel, report)
    if data is None:
        return None
    if cache is not None and (hit := cache.lookup(root, key, data, parse_again)) is not None:
        report.extend(hit.diagnostics)
        return hit.page
    own = Report()  # this page's diagnostics, kept with it in the cache
    page, files = fmt.parse(root, source, data, config, own)
    report.extend(own.items)
    if cache is not None:
        cache.store(root, key, files, page, list(own.items))
    return page
