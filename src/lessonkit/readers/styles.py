"""Reader for lessons in the Jekyll-based Carpentries "styles" format.

A styles lesson has ``_config.yml`` at its root, episodes in ``_episodes/*.md``
and/or ``_episodes_rmd/*.Rmd`` (ordered by file name; when an R Markdown episode
has been knitted, the ``.md`` is read), extra pages in ``_extras/``, and
``index.md``, ``setup.md`` and ``reference.md`` at the root.  Questions,
objectives and key points are front matter lists; blocks are kramdown
blockquotes closed by ``{: .class}``; pages use Liquid.  All of this becomes the
same lesson model as a Workbench lesson.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Report
from lessonkit.markdown.frontmatter import load_yaml, split_front_matter
from lessonkit.markdown.references import collect_references
from lessonkit.model import Block, Lesson, LessonConfig, Markdown, Node, Page
from lessonkit.readers.formats import PAGE_SUFFIXES, UNREADABLE, ConfigFile, LessonFormat, PageSource
from lessonkit.readers.kramdown import KramdownReader
from lessonkit.readers.liquid import LiquidContext, resolve
from lessonkit.readers.page_cache import PageCache
from lessonkit.readers.page_text import make_page
from lessonkit.readers.sources import decode, digest, read_bytes, read_text
from lessonkit.readers.urls import check_config_urls
from lessonkit.readers.workbench import EXTRA_PAGES

EPISODE_SUFFIXES = PAGE_SUFFIXES
#: _extras pages and the part of the lesson they belong to ("" = not a page of its own).
EXTRAS = {
    "guide": "instructor",
    "instructor-notes": "instructor",
    "design": "instructor",
    "figures": "",  # the site makes its own figures page
    "aio": "",
    "learner-profiles": "profile",
}
SUMMARY_KINDS = ("questions", "objectives", "keypoints")


def episode_files(root: Path) -> list[str]:
    """Episode sources in order: distinct stems across _episodes/*.md and _episodes_rmd/*.Rmd."""
    chosen: dict[str, str] = {}
    for folder in ("_episodes_rmd", "_episodes"):  # a knitted .md replaces its .Rmd
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.is_file() and path.suffix in EPISODE_SUFFIXES and not path.name.startswith((".", "_")):
                chosen[path.stem] = f"{folder}/{path.name}"
    return [chosen[stem] for stem in sorted(chosen)]


def read_config(root: Path, report: Report) -> tuple[LessonConfig, dict[str, Any], str | None]:
    """The lesson's configuration, the raw ``_config.yml`` values (for Liquid) and the file's digest."""
    return _read_config(root, report)[:3]


def _read_config(root: Path, report: Report) -> tuple[LessonConfig, dict[str, Any], str | None, str]:
    read = read_text(root / "_config.yml", "_config.yml", report)
    data = load_yaml(read[0], "_config.yml", report) if read else None
    if not isinstance(data, dict):
        if data is not None:
            report.error("_config.yml", 1, "config-not-mapping", "_config.yml must be a mapping of keys to values",
                         "Write the configuration as 'key: value' lines.")
        data = {}
    config = LessonConfig()
    for key, field_name in (("title", "title"), ("carpentry", "carpentry"), ("life_cycle", "life_cycle"),
                            ("email", "contact"), ("url", "url"), ("lang", "lang"), ("created", "created")):
        value = data.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            setattr(config, field_name, str(value).strip())
    repository = str(data.get("repository") or "").strip()
    if re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        config.source = f"https://github.com/{repository}"
        data.setdefault("repository_url", config.source)
    config.branch = str(data.get("branch") or "gh-pages")
    config.license = "CC-BY 4.0"
    keywords = data.get("keywords")
    if isinstance(keywords, list):
        config.keywords = [str(k) for k in keywords]
    known = {"title", "carpentry", "life_cycle", "email", "url", "lang", "created", "repository", "keywords"}
    config.extra = {k: v for k, v in data.items() if k not in known}
    check_config_urls(config, read[0] if read else "", "_config.yml", report, {"contact": "email"})
    return config, data, read[1] if read else None, read[0] if read else ""


class StylesPageReader:
    """Turns one styles page's bytes into a :class:`Page` (Liquid resolved, kramdown blocks, summaries)."""

    def __init__(self, root: Path, site: dict[str, Any], report: Report, config_digest: str | None = None):
        self.root = root
        self.site = site
        self.report = report
        # Pages resolve {{ site.* }} from _config.yml: a cached page is valid only with the same config.
        self.config_files = {"_config.yml": config_digest} if config_digest else {}

    def read(self, rel: str, kind: str, slug: str) -> Page | None:
        data = read_bytes(self.root / rel, rel, self.report)
        if data is None:
            return None
        return self.parse(rel, kind, slug, data, self.report)[0]

    def parse(self, rel: str, kind: str, slug: str, data: bytes, report: Report) -> tuple[Page, dict[str, str]]:
        own = report
        text = decode(data, rel, own)
        front = split_front_matter(text, rel, own)
        depth = rel.count("/")
        page_values = {k: v for k, v in front.data.items() if isinstance(v, str | int | float)}
        page_values.update(name=Path(rel).name, path=rel)
        context = LiquidContext(root="/".join([".."] * depth) or ".", site=self.site, page=page_values)
        body_text, unresolved = resolve(front.body, context)
        for item in unresolved:
            if item.dropped:
                own.info(
                    rel, front.body_line + item.line - 1, "liquid-include-dropped",
                    f"{item.text} adds part of the Jekyll template's page layout; it is left out",
                    "Nothing to do: the lesson site makes its own schedule, key points and figure pages.",
                    column=item.column,
                )
                continue
            own.warning(
                rel, front.body_line + item.line - 1, "liquid-unresolved",
                f"Liquid {item.text!r} cannot be resolved outside Jekyll; it is kept as it is",
                "Replace it with plain Markdown (a relative link or the value itself).",
                column=item.column,
            )
        body = KramdownReader(rel, own).read(body_text, front.body_line)
        body = self._summaries(front.data, text, rel, own) + body
        keypoints = self._summary(front.data, "keypoints", text, rel, own)
        if keypoints is not None:
            body.append(keypoints)
        page = make_page(kind, rel, slug, front, body, digest(data), own)
        return page, {rel: digest(data), **self.config_files}

    def _summaries(self, meta: dict, text: str, rel: str, report: Report) -> list[Node]:
        blocks = []
        for kind in ("questions", "objectives"):
            block = self._summary(meta, kind, text, rel, report)
            if block is not None:
                blocks.append(block)
        return blocks

    def _summary(self, meta: dict, kind: str, text: str, rel: str, report: Report) -> Block | None:
        """A front matter list (questions, objectives, keypoints) as a block of that kind."""
        items = meta.get(kind)
        if items in (None, "", []):
            return None
        line = _front_matter_line(text, kind)
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            report.error(rel, line, "front-matter-list", f"'{kind}' must be a list",
                         f"Write '{kind}:' followed by lines like '- \"...\"'.")
            return None
        markdown = "\n".join(f"- {str(item).strip()}" for item in items if str(item).strip())
        return Block(kind, line, line, [Markdown(markdown, line + 1)], (kind,))


def _front_matter_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n")[:400], start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "page"


class StylesFormat(LessonFormat):
    """The Jekyll "styles" template: _config.yml, _episodes/, _episodes_rmd/, _extras/, kramdown and Liquid."""

    name = "styles"
    config_file = "_config.yml"
    page_folders = ()
    required_config = ("title", "carpentry", "life_cycle", "email")
    asset_roots = (".",)  # styles lessons keep figures, files, data and code at the root


    def read_config(self, root: Path, report: Report) -> ConfigFile:
        config, site, config_digest, text = _read_config(root, report)
        unreadable = any(d.path == "_config.yml" and d.rule in UNREADABLE for d in report)
        return ConfigFile("_config.yml", config, site, text, config_digest, not unreadable and bool(config_digest))

    def _reader(self, root: Path, config: ConfigFile) -> StylesPageReader:
        return StylesPageReader(root, config.data, Report(), config.digest)

    def sources(self, root: Path, config: ConfigFile, report: Report) -> list[PageSource]:
        found: list[PageSource] = []
        if (root / "index.md").is_file():
            found.append(PageSource("index.md", "index", "index"))
        for rel in episode_files(root):
            slug = _slug(Path(rel).name)
            found.append(PageSource(rel, "episode", slug, rename=f"episode-{slug}"))
        for name, slug in (("setup.md", "setup"), ("reference.md", "reference")):
            if (root / name).is_file():
                found.append(PageSource(name, "learner", slug, rename=f"learner-{slug}"))
        extras = root / "_extras"
        if extras.is_dir():
            for path in sorted(p for p in extras.iterdir() if p.is_file() and p.suffix in EPISODE_SUFFIXES):
                part = EXTRAS.get(path.stem, "learner")
                if not part:
                    continue
                slug = "instructor-notes" if path.stem == "guide" else _slug(path.name)
                found.append(PageSource(f"_extras/{path.name}", part, slug, rename=f"{part}-{slug}"))
        for name in EXTRA_PAGES:
            if (root / name).is_file():
                found.append(PageSource(name, "extra", _slug(name), rename=f"extra-{_slug(name)}"))
        return found

    def parse(self, root: Path, source: PageSource, data: bytes, config: ConfigFile, report: Report
              ) -> tuple[Page, dict[str, str]]:
        return self._reader(root, config).parse(source.rel, source.kind, source.slug, data, report)

    def no_episodes(self, lesson: Lesson, config: ConfigFile, report: Report) -> None:
        report.warning("_config.yml", 0, "no-episodes", "the lesson has no episodes",
                       "Add Markdown files to _episodes/ (their names give their order).")

    def finish(self, lesson: Lesson, config: ConfigFile, report: Report) -> None:
        links = lesson.root / "_includes" / "links.md"
        if links.is_file():
            read = read_text(links, "_includes/links.md", report)
            if read is not None:
                text, _ = resolve(read[0], LiquidContext(root=".", site=config.data))
                lesson.references = collect_references(text)
                lesson.files["_includes/links.md"] = read[1]


def read_styles(root: Path, cache: PageCache | None = None) -> Lesson:
    from lessonkit.readers.pipeline import read_with

    return read_with(StylesFormat(), root, cache)
