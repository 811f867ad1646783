"""The pages the site builder generates from the whole lesson, as data.

One list drives the builder (what to write), the menus (where a page is linked)
and the reserved names (a lesson page may not take a generated page's name: the
readers rename it and warn). Importing this module imports nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks an interface string for extraction (src/lessonkit/locale/babel.cfg); translated where shown."""
    return message


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    slug: str
    title: str  # the English title (translated by the theme's catalogues)
    #: what the page gathers: "episodes", "profiles", or "" for a page of its own
    gathers: str = ""
    #: where the menu links it: "learner-first"/"learner-last" (both views, before/after the lesson's learner
    #: pages), "instructor-first"/"instructor-last" (instructor view, around its instructor pages), "" (nowhere)
    menu: str = ""
    menu_title: str = ""  # the menu's words for it (the page title when empty)
    #: shown only when the lesson has pages of the kind it gathers
    needs_content: bool = False
    #: a lesson page of the same name is shown on it (instructors/instructor-notes.md)
    merges_lesson_page: bool = False


GENERATED: tuple[GeneratedPage, ...] = (
    GeneratedPage("index", "Summary and schedule"),
    GeneratedPage("key-points", N_("Key Points"), gathers="episodes", menu="learner-first"),
    GeneratedPage("profiles", N_("Learner Profiles"), gathers="profiles", menu="learner-last", needs_content=True),
    GeneratedPage("aio", "All episodes", gathers="episodes", menu="learner-last",
                  menu_title=N_("All episodes on one page")),
    GeneratedPage("instructor-notes", N_("Instructor Notes"), gathers="episodes", menu="instructor-first",
                  merges_lesson_page=True),
    GeneratedPage("images", N_("All figures"), gathers="episodes", menu="instructor-last"),
    GeneratedPage("search", "Search"),
    GeneratedPage("404", "Page not found"),
)


def menu(place: str, has_profiles: bool) -> list[GeneratedPage]:
    """The generated pages the menu links at ``place`` (see :attr:`GeneratedPage.menu`)."""
    return [page for page in GENERATED if page.menu == place and (has_profiles or page.gathers != "profiles")]


#: Page names a lesson's own pages cannot have (and those of lessonkit.credit.site's pages).
RESERVED: frozenset[str] = frozenset({page.slug for page in GENERATED if not page.merges_lesson_page}
                                     | {"citation", "references", "contributors", "image-credits"})

#: The aggregate pages built from every episode's (or profile's) fragment, in build order.
AGGREGATES: tuple[GeneratedPage, ...] = tuple(page for page in GENERATED if page.gathers)


def generated(slug: str) -> GeneratedPage | None:
    return next((page for page in GENERATED if page.slug == slug), None)
