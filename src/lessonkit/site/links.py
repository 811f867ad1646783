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

In a catalogue (a folder of lessons built together, each lesson in its own
sub-folder of the site), a link to a page's source file in another lesson
(``../../other-lesson/episodes/02-setup.md`` from an episode) becomes
``{LESSONS}other-lesson/{VIEW}02-setup.html``: :data:`LESSONS` is the folder
holding the lessons seen from the view (``"../"`` or ``"../../"``) and
:data:`VIEW` is ``""`` or ``"instructor/"``, so a learner page links to the
other lesson's learner page and an instructor page to its instructor page.
Such a link is only a URL: nothing outside the lesson is read to write it.
Whether the page exists is checked against the :class:`Catalogue` the lesson
is built with (``link-other-lesson``); a lesson built alone keeps the
catalogue URL and gets a note that it works only beside the other lesson.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from lessonkit.model import Lesson
from lessonkit.readers.formats import PAGE_SUFFIXES, LessonFormat

ROOT = "\x00root\x00"
LESSONS = "\x00lessons\x00"  # the folder holding a catalogue's lessons, from the view: "../" or "../../"
VIEW = "\x00view\x00"  # the view's folder in a lesson: "" (learner) or "instructor/"
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class SiteMap:
    """Where each source file ends up in the site."""

    pages: dict[str, str] = field(default_factory=dict)  # source path -> slug
    slugs: set[str] = field(default_factory=set)
    assets: set[str] = field(default_factory=set)  # site paths of copied files
    layout: LessonFormat | None = None  # the lesson's format (where pages and assets live)
    #: the lessons built together with this one; None when the caller does not say (links to other
    #: lessons are rewritten all the same, and not checked)
    catalogue: Catalogue | None = None

    @property
    def format(self) -> LessonFormat:
        if self.layout is None:
            from lessonkit.readers.workbench import WorkbenchFormat

            self.layout = WorkbenchFormat()
        return self.layout

    @classmethod
    def of(cls, lesson: Lesson, extra_pages: dict[str, str] | None = None, catalogue: Catalogue | None = None
           ) -> SiteMap:
        site = cls(layout=lesson.layout, catalogue=catalogue)
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
        if self.catalogue is not None:
            text += "\n" + self.catalogue.signature()
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass
class Catalogue:
    """The lessons a lesson is built with: folder name -> lesson; ``lessons is None`` when it is built alone."""

    lessons: dict[str, Lesson] | None = None
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # worked out once (sites, anchors)

    @classmethod
    def alone(cls) -> Catalogue:
        return cls(None)

    def site(self, name: str) -> SiteMap | None:
        """Where the pages of the lesson ``name`` end up, or None when it is not in the catalogue."""
        if not self.lessons or name not in self.lessons:
            return None
        key = ("site", name)
        if key not in self.memo:
            self.memo[key] = SiteMap.of(self.lessons[name])
        return self.memo[key]

    def signature(self) -> str:
        if self.lessons is None:
            return "alone"
        return ";".join(f"{name}:{self.site(name).signature()}" for name in sorted(self.lessons))


@dataclass(frozen=True)
class OtherLesson:
    """A link's target in another lesson of the catalogue: its folder name and the page's source path
    there ("" for the lesson's home page)."""

    lesson: str
    source: str

    @property
    def slug(self) -> str:
        """The page's name in the site, as the Workbench reader makes it from the file name."""
        from lessonkit.readers.workbench import _slug

        return _slug(posixpath.basename(self.source)) if self.source else "index"


def other_lesson(page_source: str, path: str) -> OtherLesson | None:
    """The page of another lesson that ``path`` (a link on ``page_source``) names by its source file:
    one level above the lesson's folder, then a lesson folder, then a page source (or ``/`` for its home)."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_source), path))
    parts = joined.split("/")
    if len(parts) < 2 or parts[0] != ".." or parts[1] in ("..", ".") or parts[1].startswith(("_", ".")):
        return None  # not a lesson's folder (a catalogue skips _name and .name folders)
    name, source = parts[1], "/".join(parts[2:])
    if not source:
        return OtherLesson(name, "") if path.endswith("/") else None
    if posixpath.splitext(source)[1] not in PAGE_SUFFIXES:
        return None
    return OtherLesson(name, source)


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
    elsewhere: list[tuple[str, OtherLesson]] = field(default_factory=list)  # (url, target) in another lesson

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
        if path.startswith("../"):
            target = other_lesson(self.page_source, path)
            if target is not None:
                return self._other(url, target, rest)
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

    def _other(self, url: str, target: OtherLesson, rest: str) -> str:
        """A page of another lesson of the catalogue, from either view."""
        self.elsewhere.append((url, target))
        slug = target.slug
        other = self.site.catalogue.site(target.lesson) if self.site.catalogue is not None else None
        if other is not None:
            slug = other.pages.get(target.source or "index.md", slug)
        return f"{LESSONS}{target.lesson}/{VIEW}{slug}.html{rest}"

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
