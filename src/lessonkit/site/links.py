"""Rewriting links and image sources from source layout to site layout.

Sources link to each other as files (``02-setup.md``, ``../learners/setup.md``,
``fig/plot.png``); in the site, every page is ``<slug>.html`` at the top level
(and again under ``instructor/``) and figures, files and data live in
``fig/``, ``files/`` and ``data/``.  Where a link may point is the lesson
format's business (``lesson.layout``): in the Workbench, like sandpaper, a link
is resolved from the page's folder first and then as if ``episodes/``,
``learners/``, ``instructors/`` and ``profiles/`` were one folder.

Asset URLs are written with :data:`ROOT` in front; the page assembler replaces
it with ``""`` or ``"../"`` for the learner and instructor views, so that the
body of a page is rendered once for both.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from lessonkit.model import Lesson
from lessonkit.readers.formats import PAGE_SUFFIXES, LessonFormat

ROOT = "\x00root\x00"
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class SiteMap:
    """Where each source file ends up in the site."""

    pages: dict[str, str] = field(default_factory=dict)  # source path -> slug
    slugs: set[str] = field(default_factory=set)
    assets: set[str] = field(default_factory=set)  # site paths of copied files
    layout: LessonFormat | None = None  # the lesson's format (where pages and assets live)

    @property
    def format(self) -> LessonFormat:
        if self.layout is None:
            from lessonkit.readers.workbench import WorkbenchFormat

            self.layout = WorkbenchFormat()
        return self.layout

    @classmethod
    def of(cls, lesson: Lesson, extra_pages: dict[str, str] | None = None) -> SiteMap:
        site = cls(layout=lesson.layout)
        for page in lesson.pages():
            site.pages[page.source] = page.slug
            site.slugs.add(page.slug)
        for source, slug in (extra_pages or {}).items():
            site.pages.setdefault(source, slug)
            site.slugs.add(slug)
        site.assets = {asset.target for asset in lesson.assets}
        return site

    def signature(self) -> str:
        """Changes when a link anywhere could resolve differently."""
        import hashlib

        text = "\n".join(sorted(f"{k}={v}" for k, v in self.pages.items())) + "\n" + "\n".join(sorted(self.assets))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def split_url(url: str) -> tuple[str, str]:
    """``path#frag?query`` -> (path, rest-with-delimiter)."""
    for delimiter in ("#", "?"):
        if delimiter in url:
            position = url.index(delimiter)
            return url[:position], url[position:]
    return url, ""


@dataclass
class LinkResolver:
    """Rewrites the links of one page; records those it could not resolve."""

    site: SiteMap
    page_source: str
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # (url, line)

    def _missing(self, url: str, env: dict | None) -> None:
        line = (env or {}).get("_base_line", 0) + (env or {}).get("_line", 0)
        self.unresolved.append((url, line))

    def link(self, url: str, env: dict | None = None) -> str:
        if not url or url.startswith(("#", "//")) or SCHEME.match(url):
            return url
        path, rest = split_url(url)
        if not path:
            return url
        if path.startswith("/"):
            return url  # absolute on the site's host: leave it to the author
        for candidate in self.site.format.link_candidates(self.page_source, path):
            slug = self.site.pages.get(candidate)
            if slug is not None:
                return f"{slug}.html{rest}"
            site_path = self._asset(candidate)
            if site_path:
                return f"{ROOT}{site_path}{rest}"
        stem, dot, suffix = path.rpartition(".")
        base = posixpath.basename(stem) if dot else ""
        if dot and suffix == "html" and base in self.site.slugs:
            return f"{base}.html{rest}"
        # Jekyll-style page addresses: "02-numpy/" or "02-numpy/index.html"
        folder = path.removesuffix("index.html").rstrip("/")
        if (path.endswith("/") or path.endswith("/index.html")) and posixpath.basename(folder) in self.site.slugs:
            return f"{posixpath.basename(folder)}.html{rest}"
        if dot and f".{suffix}" in PAGE_SUFFIXES:
            self._missing(url, env)
            return f"{posixpath.basename(stem)}.html{rest}"
        self._missing(url, env)
        return url

    def resource(self, url: str, env: dict | None = None) -> str:
        if not url or url.startswith("//") or SCHEME.match(url):
            return url
        path, rest = split_url(url)
        for candidate in self.site.format.link_candidates(self.page_source, path):
            site_path = self._asset(candidate)
            if site_path:
                return f"{ROOT}{site_path}{rest}"
        self._missing(url, env)
        return url

    def _asset(self, candidate: str) -> str | None:
        """Site path of a source file under an asset folder (fig/, files/, ...), when it was copied."""
        site_path = self.site.format.asset_site_path(candidate)
        return site_path if site_path in self.site.assets else None
