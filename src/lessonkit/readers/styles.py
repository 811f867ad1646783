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
from lessonkit.readers.citation import read_citation
from lessonkit.readers.kramdown import KramdownReader
from lessonkit.readers.liquid import LiquidContext, resolve
from lessonkit.readers.page_cache import CachedPage, PageCache
from lessonkit.readers.page_text import make_page
from lessonkit.readers.sources import decode, digest, read_bytes, read_text
from lessonkit.readers.workbench import EXTRA_PAGES, collect_assets

EPISODE_SUFFIXES = (".md", ".Rmd", ".rmd", ".markdown")
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


def is_styles(root: Path) -> bool:
    return (root / "_config.yml").is_file() and ((root / "_episodes").is_dir() or (root / "_episodes_rmd").is_dir())


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
    return config, data, read[1] if read else None


class StylesPageReader:
    def __init__(self, root: Path, site: dict[str, Any], report: Report, cache: PageCache | None,
                 config_digest: str | None = None):
        self.root = root
        self.site = site
        self.report = report
        self.cache = cache
        # Pages resolve {{ site.* }} from _config.yml: a cached page is valid only with the same config.
        self.config_files = {"_config.yml": config_digest} if config_digest else {}

    def read(self, rel: str, kind: str, slug: str) -> Page | None:
        key = (rel, kind, slug)
        if self.cache is not None and (hit := self.cache.unchanged(self.root, key)) is not None:
            self.report.extend(hit.diagnostics)
            return hit.page
        data = read_bytes(self.root / rel, rel, self.report)
        if data is None:
            return None
        if self.cache is not None:
            hit = self.cache.lookup(self.root, key, data)
            if hit is not None:
                self.report.extend(hit.diagnostics)
                return hit.page
        own = Report()
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
        self.report.extend(own.items)
        if self.cache is not None:
            self.cache.store(self.root, key, CachedPage({rel: digest(data), **self.config_files}, page, list(own.items)))
        return page

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


def read_styles(root: Path, cache: PageCache | None = None) -> Lesson:
    root = root.resolve()
    report = Report()
    config, site, config_digest = read_config(root, report)
    lesson = Lesson(root=root, format="styles", config=config, report=report)
    if config_digest:
        lesson.files["_config.yml"] = config_digest
    pages = StylesPageReader(root, site, report, cache, config_digest)
    used: set[str] = {"index"}

    def add(rel: str, kind: str, slug: str, target: list[Page]) -> None:
        if slug in used:
            slug = f"{kind}-{slug}"
        used.add(slug)
        page = pages.read(rel, kind, slug)
        if page is not None:
            target.append(page)

    if (root / "index.md").is_file():
        lesson.index = pages.read("index.md", "index", "index")
    for rel in episode_files(root):
        add(rel, "episode", _slug(Path(rel).name), lesson.episodes)
    for name, slug in (("setup.md", "setup"), ("reference.md", "reference")):
        if (root / name).is_file():
            add(name, "learner", slug, lesson.learners)
    extras = root / "_extras"
    if extras.is_dir():
        for path in sorted(p for p in extras.iterdir() if p.is_file() and p.suffix in EPISODE_SUFFIXES):
            stem = path.stem
            part = EXTRAS.get(stem, "learner")
            if not part:
                continue
            slug = "instructor-notes" if stem == "guide" else _slug(path.name)
            target = {"learner": lesson.learners, "instructor": lesson.instructors,
                      "profile": lesson.profiles}[part]
            add(f"_extras/{path.name}", part, slug, target)
    for name in EXTRA_PAGES:
        if (root / name).is_file():
            add(name, "extra", _slug(name), lesson.extras)
    if not lesson.episodes:
        report.warning("_config.yml", 0, "no-episodes", "the lesson has no episodes",
                       "Add Markdown files to _episodes/ (their names give their order).")

    links = root / "_includes" / "links.md"
    if links.is_file():
        read = read_text(links, "_includes/links.md", report)
        if read is not None:
            text, _ = resolve(read[0], LiquidContext(root=".", site=site))
            lesson.references = collect_references(text)
            lesson.files["_includes/links.md"] = read[1]
    for page in lesson.pages():
        lesson.files[page.source] = page.digest
    if cache is not None:
        cache.prune({(p.source, p.kind, p.slug) for p in lesson.pages()})
    # Styles lessons keep figures, files, data and code at the root.
    lesson.assets = collect_assets(root, ["."], report)
    lesson.citation = read_citation(root, report)
    return lesson
