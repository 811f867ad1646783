"""``lessonkit migrate``: a styles lesson rewritten as a Workbench lesson.

The styles reader gives the lesson model; the Workbench writer writes it back
as fenced-div Markdown in the Workbench layout. Figures, files and data move
under ``episodes/``; every link is re-pointed at the new place of its target.
Nothing is dropped silently: what cannot be translated is kept as it is and
reported with its file and line.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lessonkit.diagnostics import Diagnostic, Report
from lessonkit.migrate.links import rewrite_links
from lessonkit.migrate.writer import WorkbenchWriter
from lessonkit.model import Lesson, Node, Page
from lessonkit.readers import detect_format, read_lesson
from lessonkit.readers.paths import walk_files
from lessonkit.readers.sources import read_bytes, read_text
from lessonkit.readers.styles import StylesPageReader, read_config
from lessonkit.site.links import ROOT, SCHEME, LinkResolver, SiteMap, split_url

#: Where the styles layout's asset folders go in the Workbench layout.
ASSET_MOVES = {"fig": "episodes/fig", "files": "episodes/files", "data": "episodes/data", "code": "episodes/files/code"}
#: Files at the root copied as they are.
VERBATIM = ("LICENSE.md", "CODE_OF_CONDUCT.md", "CONTRIBUTING.md", "CITATION", "CITATION.cff", "AUTHORS",
            "README.md", ".zenodo.json")
FOLDER_OF = {"episode": "episodes", "learner": "learners", "instructor": "instructors", "profile": "profiles"}


class MigrationError(Exception):
    pass


@dataclass
class Migration:
    source: Path
    destination: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    moves: dict[str, str] = field(default_factory=dict)  # page source -> new path

    @property
    def ok(self) -> bool:
        return not any(d.severity >= 2 for d in self.diagnostics)


def migrate(source: Path, destination: Path, force: bool = False) -> Migration:
    source = source.resolve()
    destination = destination.resolve()
    _check_request(source, destination, force)
    result = Migration(source, destination)
    report = Report()
    lesson = read_lesson(source)
    report.extend(lesson.report)
    if lesson.report.errors:
        result.diagnostics = report.sorted()
        return result
    prefer_rmarkdown_sources(lesson, report)

    moves = _page_moves(lesson)
    result.moves = moves
    files = _migrated_pages(lesson, moves, report)
    for skipped in ("aio.md", "_extras/figures.md"):
        if (source / skipped).is_file():
            report.info(skipped, 0, "migrate-page-dropped",
                        f"{skipped} is not migrated: the Workbench makes this page itself",
                        "Nothing to do.")
    files["config.yaml"] = _config(lesson, source, moves, report)
    files.update(_copied_files(source, report))
    _write(destination, files, force)
    result.written = sorted(files)
    result.diagnostics = report.sorted()
    return result


def _check_request(source: Path, destination: Path, force: bool) -> None:
    if detect_format(source) != "styles":
        raise MigrationError(f"{source} is not a styles lesson (it needs _config.yml and _episodes/ or _episodes_rmd/)")
    if destination == source or source in destination.parents:
        raise MigrationError("the destination must be outside the lesson being migrated")
    if destination.exists() and not force:
        raise MigrationError(f"{destination} already exists; choose a new folder or use --force to replace it")


def _migrated_pages(lesson: Lesson, moves: dict[str, str], report: Report) -> dict[str, str | bytes]:
    """Every moved page written out as Workbench Markdown with its links rewritten (extras are copied as
    they are, by :func:`_copied_files`)."""
    site = SiteMap.of(lesson)
    slug_to_new = {page.slug: moves[page.source] for page in lesson.pages() if page.source in moves}
    files: dict[str, str | bytes] = {}

    def rewrite_for(page: Page) -> callable:
        new_path = moves[page.source]
        resolver = LinkResolver(site, page.source)

        def change(url: str, node: Node) -> str:
            return _new_target(url, page, node, new_path, resolver, slug_to_new, report)

        return lambda text, node: rewrite_links(text, lambda url: change(url, node))

    for page in lesson.pages():
        if page.source not in moves or page.kind == "extra":
            continue
        writer = WorkbenchWriter(rewrite_for(page))
        if page.kind == "index":
            text = "---\nsite: sandpaper::sandpaper_site\n---\n\n" + writer.nodes(page.body, 0).strip("\n") + "\n"
        else:
            text = writer.page(page)
        files[moves[page.source]] = text
        for block in page.blocks():
            if not block.known:
                report.warning(page.source, block.line, "migrate-unknown-block",
                               f"block class '{block.kind}' is not a Workbench block; it is kept as '::: {block.kind}'",
                               "Correct the class (e.g. 'challenge', 'callout') in the migrated episode.")
    return files


def _copied_files(source: Path, report: Report) -> dict[str, str | bytes]:
    """``_includes/links.md`` (its Liquid resolved), the files kept as they are and the moved asset folders."""
    files: dict[str, str | bytes] = {}
    links = source / "_includes" / "links.md"
    if links.is_file():
        from lessonkit.readers.liquid import LiquidContext, resolve

        _, site_values, _ = read_config(source, Report())
        read = read_text(links, "_includes/links.md", report)  # refuses a link out of the lesson
        if read is not None:
            text, _ = resolve(read[0], LiquidContext(".", site_values))
            files["links.md"] = text
    for name in VERBATIM:
        if (source / name).is_file():
            data = read_bytes(source / name, name, report)
            if data is not None:
                files[name] = data
    for old, new in ASSET_MOVES.items():
        folder = source / old
        if folder.is_dir():
            for path, rel in walk_files(source, folder, report, old):  # symbolic links out are refused
                files[f"{new}/{rel}"] = path.read_bytes()
    return files


def prefer_rmarkdown_sources(lesson: Lesson, report: Report) -> None:
    """Episodes knitted from R Markdown are migrated from their .Rmd (the source), not the knitted .md."""
    site = read_config(lesson.root, Report())[1]
    reader = StylesPageReader(lesson.root, site, Report())
    for index, page in enumerate(lesson.episodes):
        rmd = lesson.root / "_episodes_rmd" / (Path(page.source).stem + ".Rmd")
        if page.source.startswith("_episodes/") and rmd.is_file():
            replacement = reader.read(f"_episodes_rmd/{rmd.name}", "episode", page.slug)
            if replacement is not None:
                lesson.episodes[index] = replacement
                report.info(page.source, 0, "migrate-rmarkdown-source",
                            f"migrated from _episodes_rmd/{rmd.name}, the R Markdown this page was knitted from",
                            "Nothing to do: the Workbench knits R Markdown itself.")


def _page_moves(lesson: Lesson) -> dict[str, str]:
    moves: dict[str, str] = {}
    if lesson.index is not None:
        moves[lesson.index.source] = "index.md"
    for page in lesson.episodes + lesson.learners + lesson.instructors + lesson.profiles:
        suffix = ".Rmd" if page.source.lower().endswith(".rmd") else ".md"
        moves[page.source] = f"{FOLDER_OF[page.kind]}/{page.slug}{suffix}"
    for page in lesson.extras:
        moves[page.source] = page.source
    return moves


def _new_target(url: str, page: Page, node: Node, new_path: str, resolver: LinkResolver,
                slug_to_new: dict[str, str], report: Report) -> str:
    if not url or url.startswith(("#", "//", "mailto:")) or SCHEME.match(url):
        return url
    resolver.unresolved.clear()
    resolved = resolver.link(url) if not _looks_like_asset(url) else resolver.resource(url)
    if resolver.unresolved:
        line = getattr(node, "line", 0)
        report.info(getattr(node, "source", None) or page.source, line, "migrate-link-kept",
                    f"link target {url!r} was not found in the lesson; it is kept as it is",
                    "Check the link in the migrated lesson.")
        return url
    path, rest = split_url(resolved)
    here = posixpath.dirname(new_path)
    if path.startswith(ROOT):
        site_path = path[len(ROOT):]
        top, _, tail = site_path.partition("/")
        target = f"{ASSET_MOVES.get(top, top)}/{tail}" if top in ASSET_MOVES else site_path
        # The Workbench merges episodes/, learners/, ... into one site folder: from any of them,
        # "fig/x.png" means episodes/fig/x.png, so asset links stay short.
        if here in FOLDER_OF.values() and target.startswith("episodes/"):
            return target[len("episodes/"):] + rest
        return posixpath.relpath(target, here or ".") + rest
    if path.endswith(".html"):
        slug = path[: -len(".html")]
        if slug in slug_to_new:
            return posixpath.relpath(slug_to_new[slug], here or ".") + rest
    return url


def _looks_like_asset(url: str) -> bool:
    path = split_url(url)[0]
    return not path.endswith((".html", ".md", ".Rmd", "/")) and "." in posixpath.basename(path)


def _config(lesson: Lesson, source: Path, moves: dict[str, str], report: Report) -> str:
    config = lesson.config

    def names(pages: list[Page]) -> list[str]:
        return [posixpath.basename(moves[p.source]) for p in pages]

    data = {
        "carpentry": config.carpentry,
        "title": config.title,
        "life_cycle": config.life_cycle,
        "license": config.license,
        "source": config.source,
        "branch": "main",
        "contact": config.contact,
        "episodes": names(lesson.episodes),
        "learners": names(lesson.learners),
        "instructors": names(lesson.instructors),
        "profiles": names(lesson.profiles),
    }
    if config.created:
        data["created"] = config.created
    if config.keywords:
        data["keywords"] = ", ".join(config.keywords)
    if config.url:
        data["url"] = config.url
    if config.lang and config.lang != "en":
        data["lang"] = config.lang
    header = ("# Lesson configuration for The Carpentries Workbench and lessonkit,\n"
              f"# migrated from the styles lesson in {source.name} by lessonkit.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _write(destination: Path, files: dict[str, str | bytes], force: bool) -> None:
    """Write every file into a staging folder, then put it in place."""
    staging = destination.parent / f".{destination.name}.migrating-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        for rel, content in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        if destination.exists() and force:
            shutil.rmtree(destination) if destination.is_dir() else destination.unlink()
        os.rename(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
