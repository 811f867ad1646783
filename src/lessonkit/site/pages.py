"""The pages the site builder generates from the whole lesson, as data.

One list drives the builder (what to write), the menus (where a page is linked)
and the reserved names (a lesson page may not take a generated page's name: the
readers rename it and warn). Importing this module imports nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    slug: str
    title: str  # the English title (translated by the theme's catalogues)
    #: what the page gathers: "episodes", "profiles", or "" for a page of its own
    gathers: str = ""
    #: menu: "learner" (both views), "instructor" (instructor view only), or "" (not in the menu)
    menu: str = ""
    #: shown only when the lesson has pages of the kind it gathers
    needs_content: bool = False
    #: a lesson page of the same name is shown on it (instructors/instructor-notes.md)
    merges_lesson_page: bool = False


GENERATED: tuple[GeneratedPage, ...] = (
    GeneratedPage("index", "Summary and schedule"),
    GeneratedPage("key-points", "Key Points", gathers="episodes", menu="learner"),
    GeneratedPage("profiles", "Learner Profiles", gathers="profiles", menu="learner", needs_content=True),
    GeneratedPage("aio", "All episodes", gathers="episodes", menu="learner"),
    GeneratedPage("instructor-notes", "Instructor Notes", gathers="episodes", menu="instructor",
                  merges_lesson_page=True),
    GeneratedPage("images", "All figures", gathers="episodes", menu="instructor"),
    GeneratedPage("search", "Search"),
    GeneratedPage("404", "Page not found"),
)

#: Page names a lesson's own pages cannot have (and those of lessonkit.credit.site's pages).
RESERVED: frozenset[str] = frozenset({page.slug for page in GENERATED if not page.merges_lesson_page}
                                     | {"citation", "references", "contributors", "image-credits"})

#: The aggregate pages built from every episode's (or profile's) fragment, in build order.
AGGREGATES: tuple[GeneratedPage, ...] = tuple(page for page in GENERATED if page.gathers)


def generated(slug: str) -> GeneratedPage | None:
    return next((page for page in GENERATED if page.slug == slug), None)
