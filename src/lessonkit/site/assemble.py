"""Assembling whole HTML pages from rendered bodies and the parts shared by every page.

Shared parts (footer, resources menu, banner) are rendered once per build and
per view; the episode menu is written once to ``assets/nav.js`` instead of
into every page, so that page size and build time do not grow with the
square of the number of episodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from lessonkit import __version__
from lessonkit.model import Lesson, Page
from lessonkit.signature import code_signature
from lessonkit.site.body import RenderedBody, for_view
from lessonkit.site.markdown_html import make_html_renderer
from lessonkit.site.metadata import CARPENTRIES, footer_html, jsonld

VIEWS = ("learner", "instructor")
BODY_MARK = "\x00lessonkit-body\x00"

BANNERS = {
    "pre-alpha": "This lesson is in the pre-alpha phase: it is being designed and developed, and is not yet ready "
                 "to be taught.",
    "alpha": "This lesson is in the alpha phase: it has been taught by its authors and is being improved.",
    "beta": "This lesson is in the beta phase: it is ready to be taught by instructors outside the original "
            "author team.",
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("lessonkit.site", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
        lstrip_blocks=False,
    )
    return env


@dataclass
class Shared:
    """Everything about a build that is the same for many pages."""

    lesson: Lesson
    footer: str
    resources: dict[str, list[dict]]  # per view
    banner: str
    carpentry_name: str
    feedback: dict | None
    episode_numbers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, lesson: Lesson, generated: dict[str, str], feedback: dict | None) -> Shared:
        extra_slugs = {p.slug for p in lesson.extras}
        learner: list[dict] = [{"slug": "key-points", "title": "Key points", "href": "key-points.html"}]
        for page in lesson.learners:
            learner.append({"slug": page.slug, "title": page.title, "href": page.filename})
        if lesson.profiles:
            learner.append({"slug": "profiles", "title": "Learner profiles", "href": "profiles.html"})
        learner.append({"slug": "aio", "title": "All episodes on one page", "href": "aio.html"})
        instructor = list(learner)
        instructor.append({"slug": "instructor-notes", "title": "Instructor notes", "href": "instructor-notes.html"})
        for page in lesson.instructors:
            if page.slug != "instructor-notes":
                instructor.append({"slug": page.slug, "title": page.title, "href": page.filename})
        instructor.append({"slug": "images", "title": "All figures", "href": "images.html"})
        config = lesson.config
        return cls(
            lesson=lesson,
            footer=footer_html(lesson, extra_slugs),
            resources={"learner": learner, "instructor": instructor},
            banner=BANNERS.get(config.life_cycle, ""),
            carpentry_name=CARPENTRIES.get(config.carpentry, ""),
            feedback=feedback,
            episode_numbers={p.slug: i + 1 for i, p in enumerate(lesson.episodes)},
        )

    def signature(self) -> str:
        """Changes whenever something every page shows changes."""
        import hashlib

        config = self.lesson.config
        parts = [__version__, template_signature(), self.footer, repr(self.resources), self.banner,
                 self.carpentry_name, repr(self.feedback), config.title, config.lang, config.life_cycle,
                 config.url, config.source, config.branch, repr(config.keywords), config.license, config.created,
                 str(len(self.lesson.episodes)),
                 repr(self.lesson.citation.authors if self.lesson.citation else None)]
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def template_signature() -> str:
    """Changes when lessonkit's templates, theme or rendering code change (so caches are dropped)."""
    return code_signature(("lessonkit.site", "templates"), ("lessonkit.site", "static"), ("lessonkit.site", "."),
                          ("lessonkit.markdown", "."), ("lessonkit", "."))


def edit_url(lesson: Lesson, page: Page) -> str:
    source = lesson.config.source.rstrip("/")
    if not source.startswith("https://github.com/") or page.kind == "generated":
        return ""
    return f"{source}/edit/{lesson.config.branch or 'main'}/{page.source}"


def inline_title(text: str) -> str:
    """A page title may contain inline Markdown (e.g. `code`)."""
    if not any(ch in text for ch in "`*_[<\\$"):
        return escape(text)
    return make_html_renderer().renderInline(text, {})


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", inline_title(text)).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def render_page(
    shared: Shared,
    view: str,
    *,
    slug: str,
    kind: str,
    title: str,
    body: str | list[bytes],
    page: Page | None = None,
    rendered: RenderedBody | None = None,
    previous: Page | None = None,
    next: Page | None = None,
    template: str = "page.html",
    toc: bool = True,
    description: str = "",
    downloads: list[dict] | None = None,
) -> str | list[bytes]:
    """The whole HTML page.  ``body`` may be a list of UTF-8 byte strings (large pages such as the
    all-in-one page): the result is then a list of byte strings to write one after the other,
    so that megabytes of cached HTML are neither copied through the template engine nor re-encoded."""
    lesson = shared.lesson
    root = "../" if view == "instructor" else ""
    other_view = f"../{slug}.html" if view == "instructor" else f"instructor/{slug}.html"
    path = f"{'instructor/' if view == 'instructor' else ''}{slug}.html"
    overview = None
    if rendered is not None and rendered.overview:
        overview = {k: for_view(v, view) for k, v in rendered.overview.items()}
    headings = [h for h in (rendered.headings if rendered else []) if h[0] == 2] if toc else []
    if view == "learner" and rendered is not None and rendered.instructor_notes and isinstance(body, str):
        headings = [h for h in headings if f'id="{h[1]}"' in body]  # not those inside instructor notes
    context = {
        "lang": lesson.config.lang or "en",
        "page_title": plain(title),
        "title_html": inline_title(title),
        "lesson": {"title": lesson.config.title, "life_cycle": lesson.config.life_cycle},
        "description": description or f"{plain(title)} - {lesson.config.title}",
        "version": __version__,
        "root": root,
        "feedback": shared.feedback if kind == "episode" else None,
        "jsonld": jsonld(lesson, page, path, plain(title)),
        "view": view,
        "kind": kind,
        "slug": slug,
        "carpentry_name": shared.carpentry_name,
        "other_view": other_view,
        "banner": shared.banner,
        "toc": headings,
        "resources": shared.resources[view],
        "footer": shared.footer,
        "number": shared.episode_numbers.get(slug, 0),
        "episode_count": len(lesson.episodes),
        "minutes": page.minutes if page is not None else 0,
        "teaching": page.teaching if page is not None else None,
        "exercises": page.exercises if page is not None else None,
        "edit_url": edit_url(lesson, page) if page is not None else "",
        "overview": overview,
        "body": Markup(BODY_MARK),
        "downloads": downloads or [],
        "previous": {"href": previous.filename, "title": plain(previous.title)} if previous else None,
        "next": {"href": next.filename, "title": plain(next.title)} if next else None,
    }
    html = environment().get_template(template).render(context)
    head, _, tail = html.partition(BODY_MARK)
    if isinstance(body, list):
        return [head.encode("utf-8"), *body, tail.encode("utf-8")]
    return head + body + tail
