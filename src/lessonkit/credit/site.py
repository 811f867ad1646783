"""What the credit features add to a lesson's site: citations and reference lists in page
bodies, figure credit lines, and the lesson-wide pages (References, Contributors, Image
credits, Cite this lesson).

The site builder asks :class:`LessonCredit` for three things: a signature (part of every
page's cache key), the extra Markdown environment for one page body (``env``), and the
generated pages (``pages``).  Everything else stays in this package.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field

from lessonkit.credit.bibliography import (
    Bibliography,
    PageCitations,
    lesson_references_html,
    load_bibliography,
)
from lessonkit.model import Citation, Lesson, Page

REFERENCES_PAGE = "references.html"


@dataclass
class LessonCredit:
    lesson: Lesson
    bibliography: Bibliography | None = None
    contributors: object | None = None  # lessonkit.credit.contributors.Contributors
    illustrations: object | None = None  # lessonkit.credit.illustrations.Illustrations
    _signature: str = field(default="", repr=False)

    @classmethod
    def of(cls, lesson: Lesson) -> LessonCredit:
        from lessonkit.credit.contributors import load_contributors
        from lessonkit.credit.illustrations import load_illustrations

        credit = cls(lesson)
        try:
            credit.bibliography = load_bibliography(lesson)
            credit.contributors = load_contributors(lesson)
            credit.illustrations = load_illustrations(lesson)
        except OSError:
            pass  # unreadable files are reported by the checks
        cff = lesson.root / "CITATION.cff"
        try:
            cff_stamp = str(cff.stat().st_mtime_ns) if cff.is_file() else ""
        except OSError:
            cff_stamp = ""
        parts = [credit.bibliography.digest if credit.bibliography else "",
                 getattr(credit.contributors, "digest", ""), getattr(credit.illustrations, "digest", ""), cff_stamp,
                 lesson.config.title, lesson.config.url, lesson.config.license, lesson.config.created]
        credit._signature = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
        if credit.contributors is not None and credit.contributors.authors:
            lesson.citation = credit.citation()  # the footer cites the lesson from the same metadata
        return credit

    def citation(self) -> Citation:
        """How to cite the lesson (APA, plain text), from contributors.yaml and the configuration."""
        from lessonkit.credit.metadata import apa_text, lesson_metadata

        meta = lesson_metadata(self.lesson, self.contributors)
        return Citation(apa_text(meta), [p.name for p in meta.authors], meta.title, meta.year, meta.doi,
                        meta.url or meta.repository, "contributors.yaml")

    def signature(self) -> str:
        return self._signature

    def env(self, page: Page) -> dict:
        """Extra entries of the Markdown environment for rendering ``page``'s body."""
        extra: dict = {}
        if self.bibliography is not None:
            extra["citations"] = PageCitations(self.bibliography, self.lesson.root,
                                               references_page=REFERENCES_PAGE if page.kind != "index" else "")
        if self.illustrations is not None:
            extra["figure_credits"] = FigureCredits(page.source, self.illustrations)
        return extra

    def jsonld(self) -> str:
        """The lesson as schema.org / Bioschemas TrainingMaterial JSON-LD (``lesson.jsonld`` in the site)."""
        from lessonkit.credit.exports import dumps, training_material
        from lessonkit.credit.metadata import lesson_metadata

        return dumps(training_material(lesson_metadata(self.lesson, self.contributors)))

    def links(self) -> list[dict]:
        """Entries for the site's resource menu."""
        found = []
        if self.bibliography is not None:
            found.append({"slug": "references", "title": "References", "href": REFERENCES_PAGE})
        if self.contributors is not None:
            found.append({"slug": "contributors", "title": "Contributors", "href": "contributors.html"})
        if self.illustrations is not None:
            found.append({"slug": "image-credits", "title": "Image credits", "href": "image-credits.html"})
        found.append({"slug": "citation", "title": "Cite this lesson", "href": "citation.html"})
        return found

    def page_titles(self) -> list[tuple[str, str]]:
        """(slug, title) of every page the credit features add, without making them."""
        return [(entry["slug"], entry["title"]) for entry in self.links()]

    def page(self, slug: str, view: str = "learner") -> str:
        """The body HTML of one credit page (made only when the builder must write it)."""
        return next(html for found, _, html in self.pages(view, only=slug) if found == slug)

    def pages(self, view: str = "learner", only: str | None = None) -> list[tuple[str, str, str]]:
        """(slug, title, body HTML for ``view``) of every page the credit features add to the site."""
        from lessonkit.credit import pages
        from lessonkit.site.body import for_view

        found: list[tuple[str, str, str]] = []
        def wanted(slug):
            return (only is None or slug == only)
        if self.bibliography is not None and wanted("references"):
            found.append(("references", "References", lesson_references_html(self.bibliography, self.lesson.root)))
        if self.contributors is not None and wanted("contributors"):
            found.append(("contributors", "Contributors", pages.contributors_page(self)))
        if self.illustrations is not None and wanted("image-credits"):
            found.append(("image-credits", "Image credits", pages.image_credits_page(self)))
        if wanted("citation"):
            found.append(("citation", "Cite this lesson", pages.cite_page(self)))
        return [(slug, title, for_view(html, view)) for slug, title, html in found]


class FigureCredits:
    """Credit lines for the figures of one page, looked up by the image source as written."""

    def __init__(self, page_source: str, illustrations):
        self.folder = posixpath.dirname(page_source)
        self.illustrations = illustrations

    def lesson_path(self, src: str) -> str:
        src = src.split("#")[0].split("?")[0]
        if "://" in src or src.startswith("data:"):
            return src
        return posixpath.normpath(posixpath.join(self.folder, src)) if self.folder else posixpath.normpath(src)

    def credit_html(self, src: str) -> str:
        entry = self.illustrations.find(self.lesson_path(src))
        if entry is None or not entry.reused:
            return ""
        from lessonkit.credit.pages import credit_line_html

        return f'<span class="figure-credit">{credit_line_html(entry)}</span>'



def catalogue_jsonld_text(lessons: list[Lesson]) -> str:
    """Every lesson of a catalogue as one harvestable JSON-LD document (``catalogue.jsonld``)."""
    from lessonkit.credit.exports import catalogue_jsonld, dumps
    from lessonkit.credit.metadata import lesson_metadata

    return dumps(catalogue_jsonld([lesson_metadata(lesson) for lesson in lessons]))
